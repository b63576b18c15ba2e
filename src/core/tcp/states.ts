import { TH_ACK, TH_FIN, TH_RST, TH_SYN } from './analysis';
import { seqGE } from './seq';

/**
 * Each side's TCP state (RFC 9293's state diagram) after every segment of one connection, as
 * far as the capture shows it. A capture sees segments, not sockets: a state is `inferred` when
 * no segment shows it (a server is LISTENing before the first SYN reaches it; a connection seen
 * mid-stream was ESTABLISHED before the capture began), and the explanation says so.
 */

export type TcpState =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RECEIVED'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSE_WAIT'
  | 'CLOSING'
  | 'LAST_ACK'
  | 'TIME_WAIT';

/** What the state machine needs of a segment. Numbers are raw (absolute) sequence numbers. */
export interface SegmentFacts {
  frame: number;
  fromClient: boolean;
  flags: number;
  seq: number;
  ack: number;
  len: number;
}

export interface SideState {
  state: TcpState;
  /** True when no segment in the capture shows this state; it is assumed from what follows. */
  inferred: boolean;
}

export interface StateStep {
  frame: number;
  client: SideState;
  server: SideState;
}

export interface StateTrace {
  /** The states before the first captured segment. */
  initial: { client: SideState; server: SideState };
  /** The states after each segment, in order. */
  steps: StateStep[];
}

interface Side {
  state: TcpState;
  inferred: boolean;
  /** Sequence number of this side's FIN, once sent. */
  finSeq: number | null;
  /** The last state change a received segment caused, so a later segment can show it came later. */
  lastReceive: { step: number; flags: number; state: TcpState; inferred: boolean } | null;
}

/**
 * Follows both sides through the segments of one connection, in capture order. A segment is
 * taken as received when it is captured, unless the receiver's own next segment shows it had
 * not arrived yet: a FIN that does not acknowledge the peer's FIN crossed it (simultaneous
 * close), a bare SYN from the side that was thought to be listening crossed the other SYN
 * (simultaneous open). Then the receipt is moved after that segment, in the trace too.
 */
export function traceStates(segments: readonly SegmentFacts[]): StateTrace {
  const first = segments[0];
  const openedBySyn = first !== undefined && (first.flags & (TH_SYN | TH_ACK)) === TH_SYN;
  const client: Side = openedBySyn
    ? { state: 'CLOSED', inferred: false, finSeq: null, lastReceive: null }
    : { state: 'ESTABLISHED', inferred: true, finSeq: null, lastReceive: null };
  // The server's LISTEN is never on the wire: it is known only because a SYN-ACK answers.
  const server: Side = openedBySyn
    ? { state: 'LISTEN', inferred: true, finSeq: null, lastReceive: null }
    : { state: 'ESTABLISHED', inferred: true, finSeq: null, lastReceive: null };
  const initial = { client: snapshot(client), server: snapshot(server) };
  const steps: StateStep[] = [];
  segments.forEach((s, index) => {
    const sender = s.fromClient ? client : server;
    const receiver = s.fromClient ? server : client;
    const peer = s.fromClient ? server : client;
    const crossed = crossedReceipt(sender, peer, s);
    if (crossed) {
      // Undo the receipt: from its step on, this side was still in its earlier state.
      const undo = sender.lastReceive!;
      let before: SideState = { state: undo.state, inferred: undo.inferred };
      if (before.state === 'LISTEN' && before.inferred) {
        // It opened actively: it never listened.
        before = { state: 'CLOSED', inferred: true };
        if (undo.step === 0) initial[s.fromClient ? 'client' : 'server'] = before;
      }
      for (let i = undo.step; i < index; i++) steps[i]![s.fromClient ? 'client' : 'server'] = { ...before };
      sender.state = before.state;
      sender.inferred = before.inferred;
      sender.lastReceive = null;
      send(sender, s);
      receive(sender, { ...s, flags: undo.flags, ack: 0 }, index);
    } else {
      send(sender, s);
    }
    receive(receiver, s, index);
    steps.push({ frame: s.frame, client: snapshot(client), server: snapshot(server) });
  });
  if (openedBySyn) rewriteUnansweredServer(segments, initial, steps);
  return { initial, steps };
}

/**
 * A server that never answers a SYN shows nothing of its state: it stays as assumed (LISTEN?),
 * not SYN_RECEIVED. One whose first answer is a RST was never listening: CLOSED (a SYN to a
 * port without a listener is refused from CLOSED).
 */
function rewriteUnansweredServer(segments: readonly SegmentFacts[], initial: StateTrace['initial'], steps: StateStep[]): void {
  const firstFromServer = segments.findIndex((s) => !s.fromClient);
  if (firstFromServer >= 0 && !(segments[firstFromServer]!.flags & TH_RST)) return;
  const assumed: SideState = firstFromServer < 0 ? { ...initial.server } : { state: 'CLOSED', inferred: true };
  if (firstFromServer >= 0) initial.server = { ...assumed };
  const end = firstFromServer < 0 ? steps.length : firstFromServer;
  for (let i = 0; i < end; i++) steps[i]!.server = { ...assumed };
}

/** True when the segment shows its sender had not yet received what was taken as received. */
function crossedReceipt(sender: Side, peer: Side, s: SegmentFacts): boolean {
  const last = sender.lastReceive;
  if (!last) return false;
  const f = s.flags;
  if (f & TH_FIN && sender.state === 'CLOSE_WAIT' && last.flags & TH_FIN && peer.finSeq !== null) {
    return !(f & TH_ACK) || !seqGE(s.ack, (peer.finSeq + 1) >>> 0);
  }
  if ((f & (TH_SYN | TH_ACK)) === TH_SYN && sender.state === 'SYN_RECEIVED' && (last.flags & (TH_SYN | TH_ACK)) === TH_SYN) {
    return true;
  }
  return false;
}

function snapshot(s: Side): SideState {
  return { state: s.state, inferred: s.inferred };
}

function set(side: Side, state: TcpState): void {
  side.state = state;
  side.inferred = false;
}

/** The sender's transition on sending the segment. */
function send(side: Side, s: SegmentFacts): void {
  const f = s.flags;
  if (f & TH_RST) {
    set(side, 'CLOSED');
    return;
  }
  if (f & TH_SYN) {
    if (!(f & TH_ACK)) {
      // A SYN from CLOSED opens actively; a SYN from SYN_SENT is a retransmission.
      if (side.state === 'CLOSED' || side.state === 'SYN_SENT') set(side, 'SYN_SENT');
      return;
    }
    // SYN-ACK: from LISTEN, or from SYN_SENT/SYN_RECEIVED in a simultaneous open.
    if (side.state === 'LISTEN' || side.state === 'SYN_SENT' || side.state === 'SYN_RECEIVED' || side.state === 'CLOSED') {
      set(side, 'SYN_RECEIVED');
    }
    return;
  }
  if (f & TH_FIN) {
    if (side.finSeq === null) side.finSeq = (s.seq + s.len) >>> 0;
    switch (side.state) {
      case 'ESTABLISHED':
      case 'SYN_RECEIVED':
        set(side, 'FIN_WAIT_1');
        break;
      case 'CLOSE_WAIT':
        set(side, 'LAST_ACK');
        break;
      default:
        break; // a retransmitted FIN changes nothing
    }
  }
}

/** The receiver's transition on receiving the segment at trace step `step`. */
function receive(side: Side, s: SegmentFacts, step: number): void {
  const before = { state: side.state, inferred: side.inferred };
  applyReceive(side, s);
  if (side.state !== before.state) side.lastReceive = { step, flags: s.flags, ...before };
}

function applyReceive(side: Side, s: SegmentFacts): void {
  const f = s.flags;
  if (f & TH_RST) {
    // RFC 9293 3.10.7.4: a valid RST aborts the connection; a listener just drops it.
    if (side.state !== 'LISTEN' && side.state !== 'CLOSED') set(side, 'CLOSED');
    return;
  }
  const acksOurFin = (f & TH_ACK) !== 0 && side.finSeq !== null && seqGE(s.ack, (side.finSeq + 1) >>> 0);
  if (f & TH_SYN) {
    if (!(f & TH_ACK)) {
      if (side.state === 'LISTEN') set(side, 'SYN_RECEIVED');
      else if (side.state === 'SYN_SENT') set(side, 'SYN_RECEIVED'); // simultaneous open
      return;
    }
    // SYN-ACK received: the active opener is ESTABLISHED (it sends the third segment).
    if (side.state === 'SYN_SENT' || side.state === 'SYN_RECEIVED') set(side, 'ESTABLISHED');
    return;
  }
  if (f & TH_ACK && side.state === 'SYN_RECEIVED') set(side, 'ESTABLISHED');
  if (f & TH_FIN) {
    switch (side.state) {
      case 'ESTABLISHED':
        set(side, 'CLOSE_WAIT');
        break;
      case 'FIN_WAIT_1':
        // Their FIN crosses ours (simultaneous close) unless it also acknowledges ours.
        set(side, acksOurFin ? 'TIME_WAIT' : 'CLOSING');
        break;
      case 'FIN_WAIT_2':
        set(side, 'TIME_WAIT');
        break;
      default:
        break;
    }
    return;
  }
  if (acksOurFin) {
    switch (side.state) {
      case 'FIN_WAIT_1':
        set(side, 'FIN_WAIT_2');
        break;
      case 'CLOSING':
        set(side, 'TIME_WAIT');
        break;
      case 'LAST_ACK':
        set(side, 'CLOSED');
        break;
      default:
        break;
    }
  }
}
