import { CaptureIndex } from '../index/captureIndex';
import { analysisFlagNames, Endpoint, TH_ACK, TH_FIN, TH_RST, TH_SYN } from './analysis';
import { flagNames, spanSeconds } from '../report';
import { SideState, StateTrace, traceStates } from './states';
import { PAUSE_SECONDS, StepFacts, StreamMarks, stepFacts, streamMarks } from '../explain/steps';

/** The rows of a ladder diagram for one connection: what the webview draws and the CLI prints. */

export type Phase = 'handshake' | 'data' | 'teardown';

export interface LadderRow {
  /** Position of the segment within its connection (0-based). */
  n: number;
  frame: number;
  /** Seconds since the connection's first segment (tcp.time_relative). */
  time: number;
  /** Seconds since the connection's previous segment (tcp.time_delta; negative when time runs backwards). */
  delta: number;
  toServer: boolean;
  flags: string[];
  /** Sequence and acknowledgment numbers as displayed (relative or absolute, per the request). */
  seq: number;
  ack: number | null;
  seqRaw: number;
  ackRaw: number | null;
  len: number;
  win: number;
  /** Wireshark-style label: "[SYN, ACK] Seq=0 Ack=1 Win=65483 Len=0 MSS=65495 SACK_PERM WS=1024". */
  label: string;
  /** tcp.analysis.* names on this segment (retransmission, duplicate_ack...). */
  analysis: string[];
  phase: Phase;
  /** Each side's state after this segment. */
  client: SideState;
  server: SideState;
  /** What this step does, for its note (src/core/explain/steps.ts puts it into words). */
  step: StepFacts;
}

export interface Ladder {
  stream: number;
  client: Endpoint;
  server: Endpoint;
  numbers: 'relative' | 'absolute';
  /** Each side's state before the first segment. */
  initial: { client: SideState; server: SideState };
  /** All segments of the connection. */
  total: number;
  /** The rows [first, first + rows.length). */
  first: number;
  rows: LadderRow[];
  /**
   * With the page that starts at segment 0: the gap before every segment of the connection on
   * a compressed scale, one character each (see paceOf), so a view can space all rows by time
   * before it has them.
   */
  pace?: string;
}

/**
 * Gap levels, one character per segment: '0' for under 10 µs, then one level per half decade
 * ('1' from 10 µs, '2' from 32 µs, '3' from 100 µs ... 'a' from 316 ms), and PACE_BREAK for a
 * pause of PAUSE_SECONDS or more, drawn as a break labelled with its length. A logarithmic
 * scale, so that 10 µs and 1 s gaps both read.
 */
export const PACE_LEVELS = '0123456789a';
export const PACE_BREAK = 'p';

/** The pace character of a gap of `seconds`. */
export function paceLevel(seconds: number): string {
  if (seconds >= PAUSE_SECONDS) return PACE_BREAK;
  if (!(seconds >= 1e-5)) return PACE_LEVELS[0]!;
  return PACE_LEVELS[Math.min(PACE_LEVELS.length - 1, 1 + Math.floor(2 * Math.log10(seconds / 1e-5)))]!;
}

/** The pace of a whole connection: the gap before each of its segments. */
export function paceOf(index: CaptureIndex, segments: Uint32Array): string {
  const out: string[] = [];
  for (let n = 0; n < segments.length; n++) out.push(n === 0 ? PACE_LEVELS[0]! : paceLevel(deltaAt(index, segments, n)));
  return out.join('');
}

/** tcp.time_delta of segment `n` of a stream: seconds since the segment before it (0 for the first). */
function deltaAt(index: CaptureIndex, segments: Uint32Array, n: number): number {
  if (n === 0) return 0;
  const a = segments[n - 1]!;
  const b = segments[n]!;
  return spanSeconds(index.tsSec[a]!, index.tsNsec[a]!, index.tsSec[b]!, index.tsNsec[b]!);
}

/** Which phase each segment belongs to: the frame of sections drawn around segments. */
export function phasesOf(flags: ArrayLike<number>, lens: ArrayLike<number>, toServer: ArrayLike<number>): Phase[] {
  const out: Phase[] = [];
  let sawSynAck = false;
  let handshakeDone = false;
  let finFrom: number | null = null; // 1: client, 0: server
  let closing = false;
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    const len = lens[i]!;
    if (f & TH_SYN) {
      if (f & TH_ACK) sawSynAck = true;
      out.push('handshake');
      continue;
    }
    if (!handshakeDone && sawSynAck && f & TH_ACK && !(f & (TH_FIN | TH_RST)) && len === 0 && toServer[i]) {
      // The third segment: the client's ACK of the SYN-ACK.
      handshakeDone = true;
      out.push('handshake');
      continue;
    }
    handshakeDone = true;
    if (f & (TH_FIN | TH_RST)) {
      closing = true;
      if (finFrom === null && f & TH_FIN) finFrom = toServer[i]!;
      out.push('teardown');
      continue;
    }
    // After a half-close, the other direction may still send data: that is still data.
    if (closing && len > 0 && finFrom !== null && toServer[i] !== finFrom) {
      out.push('data');
      continue;
    }
    out.push(closing ? 'teardown' : 'data');
  }
  return out;
}

export interface LadderRequest {
  stream: number;
  first?: number;
  count?: number;
  numbers?: 'relative' | 'absolute';
}

/** Cached per stream by the caller: the trace needs every segment once. */
export interface StreamFacts {
  segments: Uint32Array;
  trace: StateTrace;
  phases: Phase[];
  marks: StreamMarks;
}

export function streamFacts(index: CaptureIndex, stream: number): StreamFacts {
  const segments = index.segmentsOf(stream);
  const facts = Array.from(segments, (i) => ({
    frame: index.frame[i]!,
    fromClient: index.toServer[i] === 1,
    flags: index.flags[i]!,
    seq: index.seqRaw[i]!,
    ack: index.ackRaw[i]!,
    len: index.len[i]!,
  }));
  const trace = traceStates(facts);
  const phases = phasesOf(
    facts.map((f) => f.flags),
    facts.map((f) => f.len),
    facts.map((f) => (f.fromClient ? 1 : 0)),
  );
  return { segments, trace, phases, marks: streamMarks(index, segments, trace) };
}

export function buildLadder(index: CaptureIndex, req: LadderRequest, facts = streamFacts(index, req.stream)): Ladder {
  const conv = index.summary.analyzer.conversationOf(req.stream);
  if (!conv) throw new RangeError(`no TCP stream ${req.stream} in this capture`);
  const numbers = index.rawNumbersKnown ? (req.numbers ?? 'relative') : 'relative';
  const { segments, trace, phases, marks } = facts;
  const first = Math.max(0, Math.min(req.first ?? 0, segments.length));
  const end = Math.min(segments.length, first + (req.count ?? segments.length));
  const rows: LadderRow[] = [];
  for (let n = first; n < end; n++) {
    const i = segments[n]!;
    const f = index.flags[i]!;
    const hasAck = (f & TH_ACK) !== 0;
    const seq = numbers === 'relative' ? index.seq[i]! : index.seqRaw[i]!;
    const ack = hasAck ? (numbers === 'relative' ? index.ack[i]! : index.ackRaw[i]!) : null;
    const names = flagNames(f);
    let label = `[${names.join(', ')}] Seq=${seq}`;
    if (ack !== null) label += ` Ack=${ack}`;
    label += ` Win=${index.win[i]} Len=${index.len[i]}`;
    const opts = index.synOptions.get(i);
    if (opts?.text) label += ` ${opts.text}`;
    const step = trace.steps[n]!;
    rows.push({
      n,
      frame: index.frame[i]!,
      // Wireshark counts from the conversation's first segment (its ts_first) and from the one before (ts_prev).
      time: spanSeconds(conv.firstSec, conv.firstNsec, index.tsSec[i]!, index.tsNsec[i]!),
      delta: deltaAt(index, segments, n),
      toServer: index.toServer[i] === 1,
      flags: names,
      seq,
      ack,
      seqRaw: index.seqRaw[i]!,
      ackRaw: hasAck ? index.ackRaw[i]! : null,
      len: index.len[i]!,
      win: index.win[i]!,
      label,
      analysis: analysisFlagNames(index.analysis[i]!, index.dupAck[i]!),
      phase: phases[n]!,
      client: step.client,
      server: step.server,
      step: stepFacts(index, segments, trace, marks, n, numbers),
    });
  }
  return {
    stream: req.stream,
    client: conv.clientIsA ? conv.a : conv.b,
    server: conv.clientIsA ? conv.b : conv.a,
    numbers,
    initial: trace.initial,
    total: segments.length,
    first,
    rows,
    ...(first === 0 ? { pace: paceOf(index, segments) } : {}),
  };
}
