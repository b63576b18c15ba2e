import { CaptureIndex } from '../index/captureIndex';
import { spanSeconds } from '../report';
import { A_FAST_RETRANSMISSION, A_RETRANSMISSION, A_SPURIOUS_RETRANSMISSION, TH_ACK, TH_FIN, TH_RST, TH_SYN } from '../tcp/analysis';
import { seqGT } from '../tcp/seq';
import { SideState, StateTrace } from '../tcp/states';
import { AnalysisTerm, Lang, fill, glossary, termMeaning } from './glossary';

/**
 * What each segment of a ladder does, as a teacher would say it next to the arrow: a short
 * note shown on the step and the full explanation on hover. The kind and the facts are
 * language-neutral (they travel in ladder rows); `describeStep` puts them into words.
 */

export type StepKind =
  | 'syn'
  | 'syn-again'
  | 'syn-simultaneous'
  | 'syn-ack'
  | 'handshake-ack'
  | 'refused'
  | 'data'
  | 'ack'
  | 'fin'
  | 'fin-ack'
  | 'fin-passive'
  | 'fin-with-ack'
  | 'fin-crossed'
  | 'last-ack'
  | 'rst'
  | 'rst-after-fin';

/** The peer segment whose end this segment's Ack reaches: the arithmetic `Ack = Seq + Len (+1)`. */
export interface AckSource {
  frame: number;
  seq: number;
  len: number;
  syn: boolean;
  fin: boolean;
}

/**
 * A wait worth naming before a segment, measured in the capture:
 * - think: the server's first byte of an answer after the client's last byte of a request;
 * - keep-alive: the client's next request after the server's answer, on a connection kept open;
 * - delayed-ack: a bare ACK the receiver held back (tens of ms) before acknowledging data;
 * - rto, fast-retransmit, spurious: a retransmission, since the original copy in the capture;
 * - refill: a retransmission whose original never reached the capture point, since the first
 *   segment that arrived beyond the missing bytes;
 * - close-wait: the passive closer's FIN, since the peer's FIN;
 * - pause: a long silence (a second or more) that nothing above explains.
 */
export type WaitKind = 'think' | 'keep-alive' | 'delayed-ack' | 'rto' | 'fast-retransmit' | 'spurious' | 'refill' | 'close-wait' | 'pause';

export interface WaitFacts {
  kind: WaitKind;
  /** How long, in seconds. */
  seconds: number;
  /** The frame the wait is measured from. */
  since: number;
}

export interface StepFacts {
  kind: StepKind;
  /** The ISN (raw) a SYN or SYN-ACK carries. */
  isn: number | null;
  /** The segment this one acknowledges for the first time, or null when its Ack is not new. */
  ackFrom: AckSource | null;
  /** Each side's state before this segment. */
  before: { client: SideState; server: SideState };
  /** The wait before this segment, when there is one worth a note. */
  wait: WaitFacts | null;
}

/** How far back to look for the segment an Ack answers; beyond it the arithmetic is left out. */
const ACK_LOOKBACK = 512;
/** How far back to look for a retransmission's original: a window of segments in flight. */
const RETRANSMISSION_LOOKBACK = 4096;
/** A silence this long (seconds) is named even when nothing else explains it. */
export const PAUSE_SECONDS = 1;
/**
 * A bare ACK held back at least this long (seconds, beyond the round trip the handshake showed)
 * and at most DELAYED_ACK_MAX is a delayed ACK: Linux holds one back 40 ms at least, Windows
 * 200 ms, and RFC 1122 allows 500 ms.
 */
const DELAYED_ACK_MIN = 0.02;
const DELAYED_ACK_MAX = 0.5;

/** Where things first happened in a stream (segment positions; Infinity when never). */
export interface StreamMarks {
  firstFin: number;
  firstFinFromClient: number;
  firstFinFromServer: number;
  firstSynFromClient: number;
  firstSynFromServer: number;
  /** The first step after which a side is ESTABLISHED. */
  firstEstablished: number;
  /**
   * How long, at the capture point, an answer trails the segment it answers, by who answers
   * (seconds; 0 when the handshake is not in the capture): the server's SYN-ACK after the
   * client's SYN, the client's ACK after the SYN-ACK. Near the client the first holds the
   * round trip; near the server, the second.
   */
  answerLag: { server: number; client: number };
}

export function streamMarks(index: CaptureIndex, segments: Uint32Array, trace: StateTrace): StreamMarks {
  const marks: StreamMarks = {
    firstFin: Infinity,
    firstFinFromClient: Infinity,
    firstFinFromServer: Infinity,
    firstSynFromClient: Infinity,
    firstSynFromServer: Infinity,
    firstEstablished: Infinity,
    answerLag: { server: 0, client: 0 },
  };
  let lastClientSyn = -1;
  let synAck = -1;
  let handshakeAck = -1;
  for (let n = 0; n < segments.length; n++) {
    const k = segments[n]!;
    const f = index.flags[k]!;
    const toServer = index.toServer[k] === 1;
    if (f & TH_FIN) {
      if (marks.firstFin === Infinity) marks.firstFin = n;
      if (toServer) marks.firstFinFromClient = Math.min(marks.firstFinFromClient, n);
      else marks.firstFinFromServer = Math.min(marks.firstFinFromServer, n);
    }
    if ((f & (TH_SYN | TH_ACK)) === TH_SYN) {
      if (toServer) marks.firstSynFromClient = Math.min(marks.firstSynFromClient, n);
      else marks.firstSynFromServer = Math.min(marks.firstSynFromServer, n);
      if (toServer && synAck < 0) lastClientSyn = n;
    } else if ((f & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK)) {
      if (!toServer && synAck < 0 && lastClientSyn >= 0) synAck = n;
    } else if (f & TH_ACK && toServer && synAck >= 0 && handshakeAck < 0) {
      handshakeAck = n;
    }
    const st = trace.steps[n]!;
    if (marks.firstEstablished === Infinity && (st.client.state === 'ESTABLISHED' || st.server.state === 'ESTABLISHED')) marks.firstEstablished = n;
  }
  const at = (n: number): number => segments[n]!;
  // A lag that runs backwards (time going back in the capture) tells nothing: it counts as none.
  if (synAck >= 0) marks.answerLag.server = Math.max(0, secondsFrom(index, at(lastClientSyn), at(synAck)));
  if (handshakeAck >= 0) marks.answerLag.client = Math.max(0, secondsFrom(index, at(synAck), at(handshakeAck)));
  return marks;
}

/** Seconds from index segment `a` to index segment `b`. */
function secondsFrom(index: CaptureIndex, a: number, b: number): number {
  return spanSeconds(index.tsSec[a]!, index.tsNsec[a]!, index.tsSec[b]!, index.tsNsec[b]!);
}

/**
 * The step facts of segment `n` of a stream. `segments` are the stream's index positions and
 * `trace` its state trace; numbers are compared as displayed (relative or raw).
 */
export function stepFacts(
  index: CaptureIndex,
  segments: Uint32Array,
  trace: StateTrace,
  marks: StreamMarks,
  n: number,
  numbers: 'relative' | 'absolute',
): StepFacts {
  const i = segments[n]!;
  const f = index.flags[i]!;
  const toServer = index.toServer[i] === 1;
  const seqOf = (k: number): number => (numbers === 'relative' ? index.seq[k]! : index.seqRaw[k]!);
  const ackOf = (k: number): number => (numbers === 'relative' ? index.ack[k]! : index.ackRaw[k]!);
  const before = n > 0 ? { client: trace.steps[n - 1]!.client, server: trace.steps[n - 1]!.server } : trace.initial;
  const sender = toServer ? before.client.state : before.server.state;
  const after = toServer ? trace.steps[n]!.client.state : trace.steps[n]!.server.state;

  let ackFrom: AckSource | null = null;
  if (f & TH_ACK) {
    const ack = ackOf(i);
    let ackIsNew = true;
    let sameSideChecked = false;
    for (let m = n - 1; m >= 0 && m >= n - ACK_LOOKBACK; m--) {
      const k = segments[m]!;
      const kf = index.flags[k]!;
      if (index.toServer[k] === index.toServer[i]) {
        if (!sameSideChecked && kf & TH_ACK) {
          sameSideChecked = true;
          if (ackOf(k) === ack) ackIsNew = false;
        }
        continue;
      }
      if (ackFrom || !ackIsNew) continue;
      const syn = (kf & TH_SYN) !== 0;
      const fin = (kf & TH_FIN) !== 0;
      // A bare ACK uses no sequence numbers: it cannot be what an Ack acknowledges.
      if (index.len[k] === 0 && !syn && !fin) continue;
      const end = (seqOf(k) + index.len[k]! + (syn ? 1 : 0) + (fin ? 1 : 0)) >>> 0;
      if (end === ack) ackFrom = { frame: index.frame[k]!, seq: seqOf(k), len: index.len[k]!, syn, fin };
    }
    if (!ackIsNew) ackFrom = null;
  }
  const sawFin = marks.firstFin < n;
  const earlierSynFromSender = (toServer ? marks.firstSynFromClient : marks.firstSynFromServer) < n;

  let kind: StepKind;
  if (f & TH_RST) {
    if (!toServer && marks.firstEstablished >= n && before.client.state === 'SYN_SENT') kind = 'refused';
    else kind = sawFin ? 'rst-after-fin' : 'rst';
  } else if ((f & (TH_SYN | TH_ACK)) === TH_SYN) {
    kind = !toServer && !earlierSynFromSender && before.client.state === 'SYN_SENT' ? 'syn-simultaneous' : earlierSynFromSender ? 'syn-again' : 'syn';
  } else if (f & TH_SYN) {
    kind = 'syn-ack';
  } else if (f & TH_FIN) {
    if (after === 'CLOSING') kind = 'fin-crossed';
    else if (sender === 'CLOSE_WAIT' || after === 'LAST_ACK') kind = ackFrom?.fin ? 'fin-with-ack' : 'fin-passive';
    else kind = 'fin';
  } else if (ackFrom?.syn && toServer) {
    kind = 'handshake-ack';
  } else if (index.len[i]! > 0) {
    kind = 'data';
  } else if (ackFrom?.fin && (toServer ? before.server : before.client).state === 'LAST_ACK') {
    kind = 'last-ack';
  } else if (ackFrom?.fin && after === 'CLOSE_WAIT') {
    kind = 'fin-ack';
  } else {
    kind = 'ack';
  }
  const isn = f & TH_SYN && index.rawNumbersKnown ? index.seqRaw[i]! : null;
  return { kind, isn, ackFrom, before, wait: waitBefore(index, segments, marks, n, kind, ackFrom !== null) };
}

/** The wait worth naming before segment `n` of a stream, if any (see WaitKind). */
function waitBefore(index: CaptureIndex, segments: Uint32Array, marks: StreamMarks, n: number, kind: StepKind, hasNewAck: boolean): WaitFacts | null {
  const i = segments[n]!;
  const f = index.flags[i]!;
  const toServer = index.toServer[i];
  const len = index.len[i]!;
  const since = (m: number): number => secondsFrom(index, segments[m]!, i);
  const wait = (w: WaitKind, m: number): WaitFacts | null => {
    const seconds = since(m);
    // Time that runs backwards (the same packets seen on two interfaces) is no wait.
    return seconds >= 0 ? { kind: w, seconds, since: index.frame[segments[m]!]! } : null;
  };
  const a = index.analysis[i]!;

  if (a & (A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION) && kind !== 'syn-again') {
    // The earliest earlier segment of this side whose bytes reach past this one's start: the
    // original when it covers the start, else the first that arrived beyond the missing bytes.
    const seq = index.seqRaw[i]!;
    let first = -1;
    for (let m = n - 1; m >= 0 && m >= n - RETRANSMISSION_LOOKBACK; m--) {
      const k = segments[m]!;
      if (index.toServer[k] !== toServer) continue;
      const kf = index.flags[k]!;
      const uses = index.len[k]! + (kf & TH_SYN ? 1 : 0) + (kf & TH_FIN ? 1 : 0);
      if (uses === 0) continue;
      if (seqGT((index.seqRaw[k]! + uses) >>> 0, seq)) first = m;
    }
    if (first < 0) return null;
    const original = !seqGT(index.seqRaw[segments[first]!]!, seq);
    if (!original) return wait('refill', first);
    return wait(a & A_FAST_RETRANSMISSION ? 'fast-retransmit' : a & A_SPURIOUS_RETRANSMISSION ? 'spurious' : 'rto', first);
  }
  if ((kind === 'fin-passive' || kind === 'fin-with-ack') && f & TH_FIN) {
    const peerFin = toServer ? marks.firstFinFromServer : marks.firstFinFromClient;
    if (peerFin < n) return wait('close-wait', peerFin);
  }
  if (len > 0 && !(f & (TH_SYN | TH_RST))) {
    // The data segment before this one, either way: a change of speaker is a turn.
    let prev = -1;
    for (let m = n - 1; m >= 0 && m >= n - ACK_LOOKBACK; m--) {
      if (index.len[segments[m]!]! > 0) {
        prev = m;
        break;
      }
    }
    if (prev >= 0 && index.toServer[segments[prev]!] !== toServer) {
      if (!toServer) return wait('think', prev);
      // A new request after an answer, on a connection that carried one before: kept alive.
      for (let m = prev - 1; m >= 0 && m >= n - ACK_LOOKBACK; m--) {
        const k = segments[m]!;
        if (index.len[k]! > 0 && index.toServer[k] === toServer) return wait('keep-alive', prev);
      }
    }
  }
  if ((kind === 'ack' || kind === 'fin-ack') && hasNewAck && a === 0) {
    // The ACK answers the peer's latest data or FIN (a cumulative ACK that jumps when a gap is
    // filled answers the filling segment, not the older one its number ends on).
    for (let m = n - 1; m >= 0 && m >= n - ACK_LOOKBACK; m--) {
      const k = segments[m]!;
      const kf = index.flags[k]!;
      const uses = index.len[k]! + (kf & TH_FIN ? 1 : 0);
      if (index.toServer[k] === toServer || uses === 0 || kf & TH_SYN) continue;
      if (seqGT((index.seqRaw[k]! + uses) >>> 0, index.ackRaw[i]!)) break;
      // What the round trip explains is not held back: only the rest is the receiver's delay.
      const held = since(m) - (toServer ? marks.answerLag.client : marks.answerLag.server);
      if (held >= DELAYED_ACK_MIN && held <= DELAYED_ACK_MAX) return wait('delayed-ack', m);
      break;
    }
  }
  if (n > 0 && since(n - 1) >= PAUSE_SECONDS && kind !== 'syn-again') return wait('pause', n - 1);
  return null;
}

/** What describeStep needs of a ladder row. */
export interface StepRow {
  toServer: boolean;
  flags: string[];
  seq: number;
  ack: number | null;
  len: number;
  time: number;
  /** Seconds since the connection's previous segment. */
  delta: number;
  analysis: string[];
  client: SideState;
  server: SideState;
  step: StepFacts;
}

export interface StepWords {
  /** A few words, shown on the step. */
  short: string;
  /** The whole explanation, for the hover. */
  full: string;
}

type Vars = Record<string, string | number>;

interface StepText {
  short: string;
  full: string;
}

const EN: Record<StepKind, StepText> = {
  syn: {
    short: 'Picks its ISN, asks to open',
    full: 'The {side} asks to open a connection. Its SYN carries the initial sequence number it picked (ISN{isnRaw}; relative numbers show it as 0). Each side picks its own random ISN and the other must acknowledge it: synchronising both ISNs is what the handshake is for, and it lets a side reject a stale duplicate SYN from an old connection on the same ports. The SYN uses one sequence number.',
  },
  'syn-again': {
    short: 'SYN again: no answer yet',
    full: 'The {side} sends its SYN again, {t} s after the first: no SYN-ACK arrived within the retransmission timeout. Linux waits 1 s and doubles the wait each time.',
  },
  'syn-simultaneous': {
    short: 'Its own SYN: simultaneous open',
    full: 'The {side} sends a SYN of its own (ISN{isnRaw}) instead of answering: both sides are opening at once (simultaneous open). Each answers the other\'s SYN with a SYN-ACK; neither was listening.',
  },
  'syn-ack': {
    short: 'ACKs the SYN, sends its own ISN',
    full: 'The {side} accepts. One segment does two jobs: its ACK acknowledges the {peer}\'s SYN, and its SYN carries the {side}\'s own ISN{isnParen}. The reply must be SYN+ACK because the {side} has to confirm the {peer}\'s ISN and announce its own.',
  },
  'handshake-ack': {
    short: 'ACKs the SYN-ACK: handshake done',
    full: 'The {side} acknowledges the {peer}\'s SYN; the three-way handshake is complete. Why a third segment: after the SYN-ACK only the {side} knows that both directions work; this ACK tells the {peer} that its SYN arrived too. Now each side knows the other can send and receive.',
  },
  refused: {
    short: 'RST: refused, nothing listening',
    full: 'The {side} answers the SYN with RST: nothing listens on port {port} (or a firewall rejects it). The {peer}\'s connect() fails with "connection refused". No connection was ever established.',
  },
  data: {
    short: '{len} bytes, next Seq {next}',
    full: '{len} bytes of data from the {side}: bytes {seq} to {last}. The {side}\'s next Seq will be {seq} + {len} = {next}.',
  },
  ack: {
    short: 'ACK, no data',
    full: 'The {side} acknowledges and sends no data.',
  },
  fin: {
    short: 'FIN: {side} is done sending',
    full: 'The {side} has no more data to send and closes its direction: it is the active closer. The {peer} can still send until its own FIN. The FIN uses sequence number {seq}, so the {peer} will acknowledge {next}.',
  },
  'fin-ack': {
    short: 'ACKs the FIN; its own FIN later',
    full: 'The {side}\'s TCP acknowledges the FIN by itself, without waiting for its application (a FIN uses one sequence number, hence + 1). Its own FIN comes later, in a separate segment, because its application may still have data to send and decides when to close: each direction closes on its own, which is why closing takes four segments.',
  },
  'fin-passive': {
    short: 'FIN: {side} closes too',
    full: 'The {side}\'s application has closed too: this FIN closes the second direction. The {side} waits in LAST_ACK for the final ACK.',
  },
  'fin-with-ack': {
    short: 'FIN+ACK together: 3-segment close',
    full: 'The {side} had nothing left to send, so its FIN also carries the ACK of the {peer}\'s FIN: the close takes three segments instead of four (typical of a server answering with "Connection: close").',
  },
  'fin-crossed': {
    short: 'FINs crossed: simultaneous close',
    full: 'The {side} sent its FIN before the {peer}\'s FIN reached it: the two FINs crossed (simultaneous close). Each side goes FIN_WAIT_1 → CLOSING → TIME_WAIT.',
  },
  'last-ack': {
    short: 'Last ACK; {side} waits in TIME_WAIT (2×MSL)',
    full: 'This last ACK acknowledges the {peer}\'s FIN. The {side} closed first, so it now waits in TIME_WAIT for 2×MSL: if this ACK is lost, the {peer} sends its FIN again and the {side} can still answer, and old duplicate segments die out before the same ports are reused. The {peer} is CLOSED as soon as this ACK arrives.',
  },
  rst: {
    short: 'RST: {side} aborts',
    full: 'The {side} aborts the connection with RST: no FIN exchange; data not yet delivered is thrown away and the {peer}\'s application sees "connection reset". Typical of an application that closes a socket with unread data, or of a peer that no longer knows the connection.',
  },
  'rst-after-fin': {
    short: 'RST after FIN: abort',
    full: 'The {side} sends RST after the close had begun with a FIN: the rest of the orderly close is abandoned (for example, data arrived after the application had closed its socket).',
  },
};

const ZH: Record<StepKind, StepText> = {
  syn: {
    short: '选定 ISN，请求建立连接',
    full: '{side}请求建立连接。它的 SYN 携带自己选定的初始序列号（ISN{isnRaw}；相对序列号显示为 0）。双方各自随机选取 ISN，并且必须得到对方的确认：同步双方的 ISN 正是握手的目的，这样可以拒绝同一端口上旧连接遗留的重复 SYN。SYN 占用一个序列号。',
  },
  'syn-again': {
    short: '再次发送 SYN：尚无应答',
    full: '{side}在第一个 SYN 之后 {t} 秒再次发送 SYN：在重传超时之前没有收到 SYN-ACK。Linux 先等 1 秒，之后每次等待时间加倍。',
  },
  'syn-simultaneous': {
    short: '自己的 SYN：同时打开',
    full: '{side}没有应答，而是发送了自己的 SYN（ISN{isnRaw}）：双方同时发起连接（同时打开）。双方都用 SYN-ACK 回应对方的 SYN；没有一方在监听。',
  },
  'syn-ack': {
    short: '确认 SYN，并发送自己的 ISN',
    full: '{side}接受连接。一个报文段做两件事：ACK 确认{peer}的 SYN，SYN 携带{side}自己的 ISN{isnParen}。回应必须是 SYN+ACK，因为{side}既要确认{peer}的 ISN，又要告知自己的 ISN。',
  },
  'handshake-ack': {
    short: '确认 SYN-ACK：握手完成',
    full: '{side}确认{peer}的 SYN，三次握手完成。为什么需要第三个报文段：收到 SYN-ACK 后只有{side}知道两个方向都通；这个 ACK 告诉{peer}它的 SYN 也已送达。现在双方都知道对方能发也能收。',
  },
  refused: {
    short: 'RST：拒绝连接，端口无人监听',
    full: '{side}用 RST 回应 SYN：端口 {port} 上没有程序在监听（或被防火墙拒绝）。{peer}的 connect() 以“连接被拒绝”（connection refused）失败。连接从未建立。',
  },
  data: {
    short: '{len} 字节，下一个 Seq = {next}',
    full: '{side}发送了 {len} 字节数据：第 {seq} 到第 {last} 字节。{side}的下一个 Seq = {seq} + {len} = {next}。',
  },
  ack: {
    short: 'ACK，无数据',
    full: '{side}发送确认，不带数据。',
  },
  fin: {
    short: 'FIN：{side}不再发送',
    full: '{side}没有数据要发了，关闭自己这个方向：它是主动关闭方。在{peer}发送自己的 FIN 之前，{peer}仍然可以发送数据。FIN 占用序列号 {seq}，所以{peer}会确认 {next}。',
  },
  'fin-ack': {
    short: '确认 FIN；自己的 FIN 稍后发',
    full: '{side}的 TCP 自行确认了 FIN，不必等待应用（FIN 占用一个序列号，所以要 + 1）。它自己的 FIN 要稍后单独发送，因为它的应用可能还有数据要发，由应用决定何时关闭：每个方向各自关闭，这就是挥手需要四次的原因。',
  },
  'fin-passive': {
    short: 'FIN：{side}也关闭',
    full: '{side}的应用也关闭了：这个 FIN 关闭第二个方向。{side}进入 LAST_ACK，等待最后一个 ACK。',
  },
  'fin-with-ack': {
    short: 'FIN 与 ACK 合并：三次挥手',
    full: '{side}没有数据要发了，所以它的 FIN 同时确认了{peer}的 FIN：关闭只需要三个报文段而不是四个（服务器以“Connection: close”应答时很常见）。',
  },
  'fin-crossed': {
    short: 'FIN 交叉：同时关闭',
    full: '{side}在收到{peer}的 FIN 之前就发出了自己的 FIN：两个 FIN 交叉而过（同时关闭）。双方都经历 FIN_WAIT_1 → CLOSING → TIME_WAIT。',
  },
  'last-ack': {
    short: '最后的 ACK；{side}在 TIME_WAIT 等待 2×MSL',
    full: '最后一个 ACK 确认{peer}的 FIN。{side}先关闭，所以现在要在 TIME_WAIT 等待 2×MSL：如果这个 ACK 丢了，{peer}会重发 FIN，{side}仍能应答；旧的重复报文段也会在相同端口被重新使用之前消失。{peer}一收到这个 ACK 就进入 CLOSED。',
  },
  rst: {
    short: 'RST：{side}中止连接',
    full: '{side}用 RST 中止连接：没有 FIN 挥手；尚未交付的数据被丢弃，{peer}的应用会看到“连接被重置”（connection reset）。常见于应用在还有未读数据时关闭套接字，或对方已经不认识这个连接。',
  },
  'rst-after-fin': {
    short: 'FIN 之后 RST：中止',
    full: '在 FIN 开始关闭之后，{side}又发送了 RST：有序关闭的剩余过程被放弃（例如应用关闭套接字之后又收到了数据）。',
  },
};

/** The note on a wait: {wait} is its length, {frame} where it is measured from. */
const WAIT_EN: Record<WaitKind, StepText> = {
  think: {
    short: '{side} answered {wait} after the request',
    full: 'The {side} took {wait} to answer: from the {peer}\'s last request bytes (frame {frame}) to this first byte of the answer. That is the {side}\'s think time, its application reading the request and preparing the response. It is measured where the capture was taken: seen from the {peer}\'s end, it also holds one round trip.',
  },
  'keep-alive': {
    short: 'next request {wait} after the answer (kept alive)',
    full: 'The {side} sends its next request {wait} after the {peer}\'s answer ended (frame {frame}). In between, the connection stayed open with nothing to do: a kept-alive (persistent) connection is reused for the next request instead of opening a new one, which saves a handshake.',
  },
  'delayed-ack': {
    short: 'delayed ACK ({wait})',
    full: 'This ACK comes {wait} after the segment it acknowledges (frame {frame}), with nothing to send back: a delayed ACK. A receiver holds a lone ACK back for a while (Linux 40 ms at least, Windows 200 ms; RFC 1122 allows up to 500 ms), hoping to send it along with data or to acknowledge two segments at once. When the sender is waiting for that ACK (Nagle\'s algorithm), the wait shows up as latency.',
  },
  rto: {
    short: 'resent {wait} after the original: no ACK in time',
    full: 'The {side} first sent these bytes in frame {frame} and, with no ACK for them, sends them again {wait} later: a timer expired. That is the retransmission timeout (RTO), computed from the measured round-trip time (200 ms at least on Linux) and doubled with each timeout in a row, so repeated losses wait longer and longer; Linux may first send a tail-loss probe after about two round trips.',
  },
  'fast-retransmit': {
    short: 'resent {wait} after the original (duplicate ACKs)',
    full: 'The {side} first sent these bytes in frame {frame} and sends them again {wait} later without waiting for its timeout: duplicate ACKs from the {peer} showed that a segment was missing (fast retransmission).',
  },
  spurious: {
    short: 'resent {wait} after the original, not needed',
    full: 'The {side} first sent these bytes in frame {frame} and sends them again {wait} later, although the {peer} had already acknowledged them: this copy was not needed. Typical of an ACK delayed or lost on its way back, or of a timeout that expired too early.',
  },
  refill: {
    short: 'fills a gap open for {wait}',
    full: 'The first copy of these bytes never reached the capture point: the {side}\'s segment in frame {frame} already arrived beyond them, and the gap stayed open for {wait} until this retransmission filled it. Meanwhile the {peer} could not hand the later bytes to its application.',
  },
  'close-wait': {
    short: '{side} closed {wait} after the {peer}\'s FIN',
    full: 'The {side} sends its FIN {wait} after the {peer}\'s FIN (frame {frame}): that long it stayed in CLOSE_WAIT, until its application closed the socket. A long CLOSE_WAIT means the application is slow to close its end, or has forgotten to.',
  },
  pause: {
    short: 'after {wait} of silence',
    full: 'Nothing was sent either way for {wait} before this segment (the previous one was frame {frame}): the connection stayed open, with nothing on the wire. A long silence is the application\'s (or a peer waiting for a window to open); TCP keep-alive, when it is on, probes an idle connection only after 2 hours by default on Linux.',
  },
};

const WAIT_ZH: Record<WaitKind, StepText> = {
  think: {
    short: '{side}在请求之后 {wait}才应答',
    full: '{side}用了 {wait}才应答：从{peer}请求的最后一个字节（帧 {frame}）到应答的第一个字节。这是{side}的处理时间，即它的应用读取请求、准备响应所用的时间。这个时间是在抓包点测得的：如果从{peer}那一端看，其中还包含一个往返时间。',
  },
  'keep-alive': {
    short: '应答结束 {wait}后发出下一个请求（长连接）',
    full: '{side}在{peer}的应答结束（帧 {frame}）{wait}之后才发出下一个请求。在这期间，连接保持打开但无事可做：长连接（keep-alive）会被下一个请求复用，而不必新建连接，省去一次握手。',
  },
  'delayed-ack': {
    short: '延迟确认（{wait}）',
    full: '这个 ACK 在它确认的报文段（帧 {frame}）之后 {wait}才发出，而且没有数据要一起回送：这是延迟确认（delayed ACK）。接收方会把单独的 ACK 暂缓一会儿（Linux 至少 40 毫秒，Windows 为 200 毫秒；RFC 1122 允许最多 500 毫秒），希望能搭在数据上一起发送，或者一次确认两个报文段。如果发送方正在等这个 ACK（Nagle 算法），这段等待就表现为延迟。',
  },
  rto: {
    short: '首次发送 {wait}后重传：未及时收到 ACK',
    full: '{side}最早在帧 {frame} 发送了这些字节，一直没有收到 ACK，于是在 {wait}之后再次发送：计时器到期了。这就是重传超时（RTO），它根据测得的往返时间计算（Linux 上至少 200 毫秒），每连续超时一次就加倍，所以连续丢包时等待会越来越长；Linux 还可能先在大约两个往返时间后发送一个尾部丢失探测（TLP）。',
  },
  'fast-retransmit': {
    short: '首次发送 {wait}后快速重传（重复 ACK）',
    full: '{side}最早在帧 {frame} 发送了这些字节，{wait}之后不等超时就再次发送：{peer}的重复 ACK 表明有报文段丢失（快速重传）。',
  },
  spurious: {
    short: '首次发送 {wait}后重传，其实不必要',
    full: '{side}最早在帧 {frame} 发送了这些字节，{wait}之后又发了一次，但{peer}已经确认过它们：这次重传是不必要的。常见原因是 ACK 在回程中延迟或丢失，或者超时触发得太早。',
  },
  refill: {
    short: '补上了持续 {wait}的缺口',
    full: '这些字节的第一份没有到达抓包点：{side}在帧 {frame} 的报文段已经越过了它们，这个缺口持续了 {wait}，直到这次重传才补上。在此期间，{peer}无法把后面的字节交给它的应用。',
  },
  'close-wait': {
    short: '{peer}的 FIN 之后 {wait}，{side}才关闭',
    full: '{side}在{peer}的 FIN（帧 {frame}）之后 {wait}才发送自己的 FIN：它在 CLOSE_WAIT 状态停留了这么久，直到它的应用关闭套接字。CLOSE_WAIT 持续很久，说明应用关闭连接太慢，或者忘了关闭。',
  },
  pause: {
    short: '静默 {wait}之后',
    full: '在这个报文段之前，双方有 {wait}什么都没有发送（上一个报文段是帧 {frame}）：连接仍然打开，但线路上没有任何报文。长时间静默通常来自应用（或者一方在等待对方窗口打开）；TCP 保活如果开启，在 Linux 上默认要空闲 2 小时后才会探测。',
  },
};

const UNITS: Record<Lang, { s: string; ms: string; us: string }> = {
  en: { s: 's', ms: 'ms', us: 'µs' },
  'zh-cn': { s: '秒', ms: '毫秒', us: '微秒' },
};

/** A length of time in the unit that reads best: "7 µs", "9.6 ms", "1.70 s"; "9.6 毫秒" in Chinese. */
export function formatDuration(seconds: number, lang: Lang = 'en'): string {
  const u = UNITS[lang];
  const abs = Math.abs(seconds);
  // Three significant digits, without trailing zeros after the point.
  const digits = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toPrecision(3).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''));
  if (abs < 1e-3) return `${digits(seconds * 1e6)} ${u.us}`;
  if (abs < 1) return `${digits(seconds * 1e3)} ${u.ms}`;
  return `${digits(seconds)} ${u.s}`;
}

/** The note on a step's wait, in words. */
export function describeWait(row: Pick<StepRow, 'toServer' | 'step'>, lang: Lang = 'en'): StepWords | null {
  const w = row.step.wait;
  if (!w) return null;
  const sides = SIDES[lang];
  const text = (lang === 'zh-cn' ? WAIT_ZH : WAIT_EN)[w.kind];
  const vars: Vars = {
    side: row.toServer ? sides.client : sides.server,
    peer: row.toServer ? sides.server : sides.client,
    wait: formatDuration(w.seconds, lang),
    frame: w.since,
  };
  return { short: fill(text.short, vars), full: fill(text.full, vars) };
}

const SIDES: Record<Lang, { client: string; server: string }> = {
  en: { client: 'client', server: 'server' },
  'zh-cn': { client: '客户端', server: '服务器' },
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `Ack = 0 + 0 + 1 (SYN) = 1`: where an Ack number comes from. */
export function ackArithmetic(row: Pick<StepRow, 'ack'>, from: AckSource): string {
  // A zero Len is left out: "Ack = 0 + 1 (SYN) = 1" reads better than "0 + 0 + 1".
  let s = from.len || (!from.syn && !from.fin) ? `Ack = ${from.seq} + ${from.len}` : `Ack = ${from.seq}`;
  if (from.syn) s += ' + 1 (SYN)';
  if (from.fin) s += ' + 1 (FIN)';
  return `${s} = ${row.ack}`;
}

/** The short note and the full explanation of one ladder step. */
export function describeStep(row: StepRow, lang: Lang = 'en', port?: number): StepWords {
  const table = lang === 'zh-cn' ? ZH : EN;
  const sides = SIDES[lang];
  const side = row.toServer ? sides.client : sides.server;
  const peer = row.toServer ? sides.server : sides.client;
  const { step } = row;
  const uses = row.len + (row.flags.includes('SYN') ? 1 : 0) + (row.flags.includes('FIN') ? 1 : 0);
  const vars: Vars = {
    side,
    peer,
    // Where the raw numbers are not known (capture text with relative numbers only), none is named.
    isnRaw: step.isn === null ? '' : lang === 'zh-cn' ? `，原始值 ${step.isn}` : `, raw ${step.isn}`,
    isnParen: step.isn === null ? '' : lang === 'zh-cn' ? `（原始值 ${step.isn}）` : ` (raw ${step.isn})`,
    len: row.len,
    seq: row.seq,
    last: (row.seq + row.len - 1) >>> 0,
    next: (row.seq + uses) >>> 0,
    t: row.time.toFixed(3),
    port: port ?? '?',
  };
  const text = table[step.kind];
  let short = fill(text.short, vars);
  const parts = [fill(text.full, vars)];
  if (row.len > 0 && (step.kind === 'syn' || step.kind === 'syn-again')) {
    // Data on a SYN: TCP Fast Open.
    short += fill(lang === 'zh-cn' ? ' · SYN 携带 {len} 字节（TFO）' : ' · {len} bytes in the SYN (TFO)', vars);
    parts.push(
      fill(
        lang === 'zh-cn'
          ? '这个 SYN 还携带了 {len} 字节数据（TCP 快速打开）：客户端出示之前连接得到的 cookie，服务器验证后可以在握手完成之前就把数据交给应用，省去一个往返。'
          : 'This SYN also carries {len} bytes of data (TCP Fast Open): the client shows a cookie from an earlier connection, and the server may hand the data to its application before the handshake completes, saving a round trip.',
        vars,
      ),
    );
  }
  const from = step.ackFrom;
  if (from && row.ack !== null) {
    const arithmetic = ackArithmetic(row, from);
    // Steps whose point is the acknowledgment show its arithmetic on the step itself.
    if (step.kind === 'ack' || step.kind === 'fin-ack' || step.kind === 'last-ack' || step.kind === 'handshake-ack' || step.kind === 'syn-ack' || step.kind === 'fin-with-ack') {
      short = step.kind === 'ack' ? arithmetic : `${short} · ${arithmetic}`;
    }
    const extras = [from.syn ? 'SYN' : '', from.fin ? 'FIN' : ''].filter(Boolean).join('+');
    parts.push(
      lang === 'zh-cn'
        ? `确认号的来历：${peer}在帧 ${from.frame} 中 Seq=${from.seq}、Len=${from.len}${extras ? `，${extras} 还占用一个序列号` : ''}，所以 ${arithmetic}，即${peer}在 ${row.ack} 之前的所有字节都已收到。`
        : `Where the Ack comes from: the ${peer}'s segment in frame ${from.frame} had Seq=${from.seq} and Len=${from.len}${extras ? `, and its ${extras} uses one more sequence number` : ''}, so ${arithmetic}: everything the ${peer} sent before ${row.ack} has arrived.`,
    );
  } else if (row.ack !== null && step.kind !== 'refused' && step.kind !== 'rst' && step.kind !== 'rst-after-fin') {
    parts.push(
      lang === 'zh-cn'
        ? `Ack=${row.ack} 与${side}上一次的确认号相同：没有确认新的数据。`
        : `Ack=${row.ack} repeats the ${side}'s previous acknowledgment: nothing new is acknowledged.`,
    );
  }
  const changes: string[] = [];
  for (const who of ['client', 'server'] as const) {
    const was = step.before[who];
    const now = row[who];
    if (was.state === now.state) continue;
    const name = lang === 'zh-cn' ? sides[who] : capitalise(sides[who]);
    const mark = now.inferred ? (lang === 'zh-cn' ? '（推断）' : ' (inferred)') : '';
    changes.push(`${name}${lang === 'zh-cn' ? '：' : ': '}${was.state} → ${now.state}${mark}${lang === 'zh-cn' ? '。' : '. '}${termMeaning(now.state, lang)}`);
  }
  parts.push(...changes);
  for (const a of row.analysis) parts.push(glossary(a as AnalysisTerm, lang));
  if (row.analysis.length) short = `${short} · ${row.analysis.map((a) => analysisLabel(a, lang)).join(', ')}`;
  const wait = describeWait(row, lang);
  if (wait) {
    short = `${short} · ${wait.short}`;
    parts.push(wait.full);
  }
  // One paragraph per thought: the hover shows them as lines.
  return { short: lang === 'en' ? capitalise(short) : short, full: parts.join('\n') };
}

const ANALYSIS_LABELS: Record<Lang, Record<AnalysisTerm, string>> = {
  en: {
    retransmission: 'retransmission',
    fast_retransmission: 'fast retransmission',
    spurious_retransmission: 'spurious retransmission',
    out_of_order: 'out of order',
    lost_segment: 'previous segment not captured',
    ack_lost_segment: 'ACKed unseen segment',
    window_update: 'window update',
    window_full: 'window full',
    keep_alive: 'keep-alive',
    keep_alive_ack: 'keep-alive ACK',
    duplicate_ack: 'duplicate ACK',
    zero_window_probe: 'zero-window probe',
    zero_window: 'zero window',
    zero_window_probe_ack: 'zero-window probe ACK',
    reused_ports: 'ports reused',
  },
  'zh-cn': {
    retransmission: '重传',
    fast_retransmission: '快速重传',
    spurious_retransmission: '虚假重传',
    out_of_order: '乱序',
    lost_segment: '前一报文段未抓到',
    ack_lost_segment: '确认了未抓到的报文段',
    window_update: '窗口更新',
    window_full: '窗口已满',
    keep_alive: '保活',
    keep_alive_ack: '保活确认',
    duplicate_ack: '重复 ACK',
    zero_window_probe: '零窗口探测',
    zero_window: '零窗口',
    zero_window_probe_ack: '零窗口探测确认',
    reused_ports: '端口重用',
  },
};

/** A tcp.analysis.* name in a few words ("duplicate ACK", "重复 ACK"). */
export function analysisLabel(name: string, lang: Lang = 'en'): string {
  return ANALYSIS_LABELS[lang][name as AnalysisTerm] ?? name.replace(/_/g, ' ');
}

/** For the tests that check both languages say everything. */
export const STEP_TEXTS = { en: EN, 'zh-cn': ZH };
export const WAIT_TEXTS = { en: WAIT_EN, 'zh-cn': WAIT_ZH };
export const ANALYSIS_TEXTS = ANALYSIS_LABELS;
