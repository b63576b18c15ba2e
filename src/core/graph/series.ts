import type { CaptureCatalog } from '../index/catalog';
import {
  A_DUPLICATE_ACK,
  A_FAST_RETRANSMISSION,
  A_LOST_PACKET,
  A_OUT_OF_ORDER,
  A_RETRANSMISSION,
  A_SPURIOUS_RETRANSMISSION,
  A_WINDOW_FULL,
  A_ZERO_WINDOW,
  Endpoint,
  HalfFlow,
  TH_ACK,
  TH_RST,
  TH_SYN,
  TcpConversation,
  sackBlocks,
  scaledWindow,
} from '../tcp/analysis';
import { seqLT } from '../tcp/seq';

/*
 * The series behind the pictures of one connection over time, as Wireshark's TCP Stream Graphs
 * draw them (ui/qt/tcp_stream_dialog.cpp), for one direction: the segments one side sent and
 * what the other side answered. The connection is read again through the catalog (never the
 * whole file), once, into columns; each graph is then made from those columns without reading
 * again, so switching graphs or directions costs no I/O.
 *
 * Everything is columnar (typed arrays) so a connection of a million segments stays cheap, and
 * every point carries the frame it came from. Numbers are as Wireshark shows them: relative
 * sequence numbers counted from the sending side's ISN, windows scaled with the scale known at
 * the end of the capture, tcp.analysis.* from the same in-order analysis as the whole pass.
 */

export type GraphKind = 'tcptrace' | 'throughput' | 'rtt' | 'window';
export const GRAPH_KINDS: readonly GraphKind[] = ['tcptrace', 'throughput', 'rtt', 'window'];

/** Which side's segments a graph follows: the client's (it sent the first SYN) or the server's. */
export type GraphSide = 'client' | 'server';

export type SetId =
  | 'data'
  | 'ack'
  | 'rwin'
  | 'sack'
  | 'retransmission'
  | 'out_of_order'
  | 'lost'
  | 'duplicate_ack'
  | 'zero_window'
  | 'segment_length'
  | 'throughput'
  | 'goodput'
  | 'rtt'
  | 'window'
  | 'bytes_in_flight'
  | 'window_full';

/**
 * How a set is drawn: bars from y to y2 (a segment's bytes, a SACK block), a step line (holds
 * its value until the next point), a line, dots, or marks (events on top of the rest).
 */
export type Draw = 'bar' | 'step' | 'line' | 'dot' | 'mark';

/** How a column's numbers are written: whole numbers, seconds to the nanosecond, or a rate. */
export type ValueFormat = 'int' | 'seconds' | 'rate';

export interface GraphColumn {
  /** The column's name in CSV and JSON ("seq", "bits_per_s"), with its unit when it has one. */
  name: string;
  format: ValueFormat;
}

/** One drawable set of points, as columns of equal length. */
export interface GraphSet {
  id: SetId;
  draw: Draw;
  /** The left axis (y) or the right one (y2, the throughput graph's rates). */
  axis: 'y' | 'y2';
  count: number;
  /** The frame each point came from (Wireshark's frame number). */
  frame: Uint32Array;
  /** Seconds since the connection's first segment (tcp.time_relative). */
  time: Float64Array;
  y: Float64Array;
  yColumn: GraphColumn;
  /** A second value per point: a bar's end, or what the point adds (null when none). */
  y2: Float64Array | null;
  y2Column: GraphColumn | null;
}

export type AxisQuantity = 'time' | 'seq' | 'length' | 'rate' | 'rtt' | 'bytes';
export type AxisUnit = 's' | 'B' | 'bit/s';

export interface GraphAxis {
  quantity: AxisQuantity;
  unit: AxisUnit;
}

export interface Graph {
  kind: GraphKind;
  stream: number;
  /** The side whose segments are drawn, and where they went. */
  side: GraphSide;
  from: Endpoint;
  to: Endpoint;
  x: GraphAxis;
  y: GraphAxis;
  y2: GraphAxis | null;
  sets: GraphSet[];
  /** Horizontal lines across the graph: the iRTT on the RTT graph. */
  levels: { id: 'irtt'; y: number }[];
  /** The throughput graph's moving-average window, in seconds. */
  windowSeconds: number | null;
}

/** Thrown for a stream the capture does not have; callers say so to the user. */
export class NoSuchGraphStream extends RangeError {}

/** Every segment of one connection as columns, read once; graphs are made from these. */
export class StreamSamples {
  count = 0;
  frame = new Uint32Array(0);
  /** Seconds since the connection's first segment. */
  time = new Float64Array(0);
  /** 1 when the segment went from the conversation's A side (its first packet's sender). */
  fromA = new Uint8Array(0);
  tcpFlags = new Uint16Array(0);
  /** tcp.analysis.* bits (A_* in tcp/analysis). */
  analysis = new Uint16Array(0);
  /** 0 for a segment whose header length is bogus: Wireshark gives it no numbers to draw. */
  valid = new Uint8Array(0);
  seq = new Uint32Array(0);
  ack = new Uint32Array(0);
  len = new Uint32Array(0);
  /** The window field as sent (unscaled). */
  rawWindow = new Uint16Array(0);
  /** tcp.analysis.ack_rtt in seconds; NaN where tshark shows none. */
  ackRtt = new Float64Array(0);
  ackedFrame = new Uint32Array(0);
  /** tcp.analysis.bytes_in_flight; 0 where tshark shows none. */
  bytesInFlight = new Uint32Array(0);
  /** Segment i's SACK blocks are pairs sackStart[i] .. sackStart[i + 1] of sackEdges. */
  sackStart = new Uint32Array(1);
  sackEdges = new Uint32Array(0);
  /** The connection as its analysis ends: final ISNs, window scales and the iRTT. */
  conversation: TcpConversation | null = null;

  constructor(
    readonly stream: number,
    capacity: number,
  ) {
    this.resize(Math.max(16, capacity));
  }

  private resize(capacity: number): void {
    const n = this.count;
    const grow = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(a: T, make: (k: number) => T): T => {
      const b = make(capacity);
      b.set(a.subarray(0, n));
      return b;
    };
    this.frame = grow(this.frame, (k) => new Uint32Array(k));
    this.time = grow(this.time, (k) => new Float64Array(k));
    this.fromA = grow(this.fromA, (k) => new Uint8Array(k));
    this.tcpFlags = grow(this.tcpFlags, (k) => new Uint16Array(k));
    this.analysis = grow(this.analysis, (k) => new Uint16Array(k));
    this.valid = grow(this.valid, (k) => new Uint8Array(k));
    this.seq = grow(this.seq, (k) => new Uint32Array(k));
    this.ack = grow(this.ack, (k) => new Uint32Array(k));
    this.len = grow(this.len, (k) => new Uint32Array(k));
    this.rawWindow = grow(this.rawWindow, (k) => new Uint16Array(k));
    this.ackRtt = grow(this.ackRtt, (k) => new Float64Array(k));
    this.ackedFrame = grow(this.ackedFrame, (k) => new Uint32Array(k));
    this.bytesInFlight = grow(this.bytesInFlight, (k) => new Uint32Array(k));
    const starts = new Uint32Array(capacity + 1);
    starts.set(this.sackStart.subarray(0, n + 1));
    this.sackStart = starts;
  }

  /** Room for one more segment. */
  reserve(): void {
    if (this.count === this.frame.length) this.resize(this.count * 2);
  }

  /** Appends SACK blocks (absolute edges, in pairs) to the segment being added (before count moves on). */
  addSack(edges: Uint32Array, blocks: number): void {
    const used = this.sackStart[this.count + 1]!;
    if (used + 2 * blocks > this.sackEdges.length) {
      const grown = new Uint32Array(Math.max(64, 2 * (used + 2 * blocks)));
      grown.set(this.sackEdges.subarray(0, used));
      this.sackEdges = grown;
    }
    this.sackEdges.set(edges.subarray(0, 2 * blocks), used);
    this.sackStart[this.count + 1] = used + 2 * blocks;
  }

  /** The conversation's side that is the client, A or B. */
  get clientIsA(): boolean {
    return this.conversation?.clientIsA ?? true;
  }
}

/**
 * Reads one connection again through the catalog, into columns. Throws NoSuchGraphStream when
 * the capture has no such stream.
 */
export function readStreamSamples(catalog: CaptureCatalog, stream: number): StreamSamples {
  const known = catalog.conversation(stream);
  if (!known) {
    const n = catalog.streamCount;
    throw new NoSuchGraphStream(n === 0 ? `no TCP stream ${stream}: the capture has no TCP connection` : `no TCP stream ${stream}: the streams are 0 to ${n - 1}`);
  }
  const samples = new StreamSamples(stream, known.flow1.packets + known.flow2.packets);
  const edges = new Uint32Array(8);
  let firstSec = 0;
  let firstNsec = 0;
  catalog.readStream(stream, (rec, f, seg) => {
    const conv = seg.conversation;
    if (samples.conversation === null) {
      samples.conversation = conv;
      firstSec = conv.firstSec;
      firstNsec = conv.firstNsec;
    }
    samples.reserve();
    const i = samples.count;
    samples.frame[i] = rec.frame;
    // Nanoseconds first: exact below 104 days, then one rounding to seconds.
    samples.time[i] = ((rec.tsSec - firstSec) * 1e9 + (rec.tsNsec - firstNsec)) / 1e9;
    samples.fromA[i] = seg.fromA ? 1 : 0;
    samples.tcpFlags[i] = f.flags;
    samples.analysis[i] = seg.flags;
    samples.valid[i] = seg.analysed ? 1 : 0;
    samples.seq[i] = f.seq;
    samples.ack[i] = f.ack;
    samples.len[i] = f.payloadLen;
    samples.rawWindow[i] = f.window;
    samples.ackRtt[i] = seg.ackRtt ?? NaN;
    samples.ackedFrame[i] = seg.ackedFrame;
    samples.bytesInFlight[i] = seg.bytesInFlight;
    samples.sackStart[i + 1] = samples.sackStart[i]!;
    if (f.tcpHeaderLen > 20 && seg.analysed) {
      const blocks = sackBlocks(f.data, f.tcpOffset, f.tcpHeaderLen, edges);
      if (blocks > 0) samples.addSack(edges, blocks);
    }
    samples.count++;
  });
  return samples;
}

/** The side that sent more payload bytes (the server on a tie): what a graph shows by default. */
export function busierSide(samples: StreamSamples): GraphSide {
  const conv = samples.conversation;
  if (!conv) return 'server';
  const client = conv.clientIsA ? conv.flowAB : conv.flowBA;
  const server = conv.clientIsA ? conv.flowBA : conv.flowAB;
  return client.payloadBytes > server.payloadBytes ? 'client' : 'server';
}

/** One set being filled: columns that grow by doubling, trimmed when done. */
class SetBuilder {
  count = 0;
  private frame = new Uint32Array(64);
  private time = new Float64Array(64);
  private y = new Float64Array(64);
  private y2: Float64Array | null;

  constructor(
    readonly id: SetId,
    readonly draw: Draw,
    readonly yColumn: GraphColumn,
    readonly y2Column: GraphColumn | null = null,
    readonly axis: 'y' | 'y2' = 'y',
  ) {
    this.y2 = y2Column ? new Float64Array(64) : null;
  }

  add(frame: number, time: number, y: number, y2 = 0): void {
    if (this.count === this.frame.length) {
      const n = this.count * 2;
      const f = new Uint32Array(n);
      f.set(this.frame);
      this.frame = f;
      const t = new Float64Array(n);
      t.set(this.time);
      this.time = t;
      const a = new Float64Array(n);
      a.set(this.y);
      this.y = a;
      if (this.y2) {
        const b = new Float64Array(n);
        b.set(this.y2);
        this.y2 = b;
      }
    }
    const i = this.count++;
    this.frame[i] = frame;
    this.time[i] = time;
    this.y[i] = y;
    if (this.y2) this.y2[i] = y2;
  }

  done(): GraphSet {
    const n = this.count;
    return {
      id: this.id,
      draw: this.draw,
      axis: this.axis,
      count: n,
      frame: this.frame.slice(0, n),
      time: this.time.slice(0, n),
      y: this.y.slice(0, n),
      yColumn: this.yColumn,
      y2: this.y2 ? this.y2.slice(0, n) : null,
      y2Column: this.y2Column,
    };
  }
}

const SEQ: GraphColumn = { name: 'seq', format: 'int' };
const SEQ_END: GraphColumn = { name: 'seq_end', format: 'int' };
const ACK: GraphColumn = { name: 'ack', format: 'int' };

/** What a graph needs to know about the chosen direction. */
interface Direction {
  /** 1 when the drawn side is the conversation's A side (StreamSamples.fromA). */
  senderIsA: number;
  /** The drawn side's final flow (its ISN counts relative numbers) and the peer's. */
  flow: HalfFlow;
  peer: HalfFlow;
  from: Endpoint;
  to: Endpoint;
}

function direction(samples: StreamSamples, side: GraphSide): Direction {
  const conv = samples.conversation;
  if (!conv) {
    const none: Endpoint = { address: '', port: 0 };
    const flow = new HalfFlow();
    return { senderIsA: 1, flow, peer: flow, from: none, to: none };
  }
  const senderIsA = (side === 'client') === conv.clientIsA;
  return {
    senderIsA: senderIsA ? 1 : 0,
    flow: senderIsA ? conv.flowAB : conv.flowBA,
    peer: senderIsA ? conv.flowBA : conv.flowAB,
    from: senderIsA ? conv.a : conv.b,
    to: senderIsA ? conv.b : conv.a,
  };
}

const RETRANSMITTED = A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION;

export interface GraphOptions {
  /** The throughput graph's moving-average window in seconds (default 1). */
  windowSeconds?: number;
}

/** One graph of one direction of a connection read with readStreamSamples. */
export function buildGraph(samples: StreamSamples, kind: GraphKind, side: GraphSide, options: GraphOptions = {}): Graph {
  const dir = direction(samples, side);
  const base: Omit<Graph, 'y' | 'y2' | 'sets' | 'levels' | 'windowSeconds'> = {
    kind,
    stream: samples.stream,
    side,
    from: dir.from,
    to: dir.to,
    x: { quantity: 'time', unit: 's' },
  };
  switch (kind) {
    case 'tcptrace':
      return { ...base, y: { quantity: 'seq', unit: 'B' }, y2: null, sets: tcptraceSets(samples, dir), levels: [], windowSeconds: null };
    case 'throughput': {
      const w = options.windowSeconds ?? 1;
      if (!(w > 0) || !Number.isFinite(w)) throw new RangeError('the moving-average window must be a positive number of seconds');
      return { ...base, y: { quantity: 'length', unit: 'B' }, y2: { quantity: 'rate', unit: 'bit/s' }, sets: throughputSets(samples, dir, w), levels: [], windowSeconds: w };
    }
    case 'rtt': {
      const irttNs = samples.conversation?.firstRttNs ?? 0;
      return { ...base, y: { quantity: 'rtt', unit: 's' }, y2: null, sets: rttSets(samples, dir), levels: irttNs !== 0 ? [{ id: 'irtt', y: irttNs / 1e9 }] : [], windowSeconds: null };
    }
    case 'window':
      return { ...base, y: { quantity: 'bytes', unit: 'B' }, y2: null, sets: windowSets(samples, dir), levels: [], windowSeconds: null };
  }
}

/**
 * Time-sequence, tcptrace style: the sender's data segments as bars seq..seq+len; from the
 * peer, the ACK line, the receive-window line (ACK + scaled window) and SACK blocks; marks where
 * the analysis flags a retransmission (fast and spurious ones too: tcp.analysis.retransmission),
 * an out-of-order segment, a segment after one not captured (tcp.analysis.lost_segment), a
 * duplicate ACK or a zero window.
 */
function tcptraceSets(s: StreamSamples, d: Direction): GraphSet[] {
  const data = new SetBuilder('data', 'bar', SEQ, SEQ_END);
  const ack = new SetBuilder('ack', 'step', ACK);
  const rwin = new SetBuilder('rwin', 'step', { name: 'window_edge', format: 'int' });
  const sack = new SetBuilder('sack', 'bar', SEQ, SEQ_END);
  const retransmission = new SetBuilder('retransmission', 'mark', SEQ, SEQ_END);
  const outOfOrder = new SetBuilder('out_of_order', 'mark', SEQ, SEQ_END);
  const lost = new SetBuilder('lost', 'mark', SEQ, SEQ_END);
  const dupAck = new SetBuilder('duplicate_ack', 'mark', ACK);
  const zeroWindow = new SetBuilder('zero_window', 'mark', ACK);
  const base = d.flow.baseSeq;
  for (let i = 0; i < s.count; i++) {
    if (!s.valid[i]) continue;
    const frame = s.frame[i]!;
    const t = s.time[i]!;
    const a = s.analysis[i]!;
    if (s.fromA[i] === d.senderIsA) {
      const seq = (s.seq[i]! - base) >>> 0;
      const end = seq + s.len[i]!;
      if (s.len[i]! > 0) data.add(frame, t, seq, end);
      if (a & RETRANSMITTED) retransmission.add(frame, t, seq, end);
      if (a & A_OUT_OF_ORDER) outOfOrder.add(frame, t, seq, end);
      if (a & A_LOST_PACKET) lost.add(frame, t, seq, end);
      continue;
    }
    const flags = s.tcpFlags[i]!;
    // A SYN or RST may carry no acknowledgement.
    if (!(flags & TH_ACK)) continue;
    const acked = (s.ack[i]! - base) >>> 0;
    ack.add(frame, t, acked);
    rwin.add(frame, t, acked + scaledWindow(s.rawWindow[i]!, flags, d.peer));
    for (let k = s.sackStart[i]!; k < s.sackStart[i + 1]!; k += 2) {
      sack.add(frame, t, (s.sackEdges[k]! - base) >>> 0, (s.sackEdges[k + 1]! - base) >>> 0);
    }
    if (a & A_DUPLICATE_ACK) dupAck.add(frame, t, acked);
    if (a & A_ZERO_WINDOW) zeroWindow.add(frame, t, acked);
  }
  return [data, sack, ack, rwin, retransmission, outOfOrder, lost, dupAck, zeroWindow].map((b) => b.done());
}

/**
 * Moving average over the last `w` seconds (including the point itself): sum of `amount` over
 * the points whose time is within (t - w, t], in bits per second. Points come in capture order;
 * a point older than the window's start leaves it as the window moves on.
 */
class MovingRate {
  private sum = 0;
  private oldest = 0;
  private readonly times: number[] = [];
  private readonly amounts: number[] = [];

  constructor(private readonly w: number) {}

  add(t: number, amount: number): number {
    this.times.push(t);
    this.amounts.push(amount);
    this.sum += amount;
    while (this.oldest < this.times.length - 1 && this.times[this.oldest]! <= t - this.w) {
      this.sum -= this.amounts[this.oldest]!;
      this.oldest++;
    }
    return (this.sum * 8) / this.w;
  }
}

/**
 * Throughput: each data segment's length, the sender's throughput (bytes sent, retransmissions
 * included) and its goodput (bytes the peer newly acknowledged), both as moving averages over
 * `w` seconds.
 */
function throughputSets(s: StreamSamples, d: Direction, w: number): GraphSet[] {
  const lengths = new SetBuilder('segment_length', 'dot', { name: 'length_bytes', format: 'int' });
  const rate: GraphColumn = { name: 'bits_per_s', format: 'rate' };
  const throughput = new SetBuilder('throughput', 'line', rate, null, 'y2');
  const goodput = new SetBuilder('goodput', 'line', rate, { name: 'acked_bytes', format: 'int' }, 'y2');
  const sent = new MovingRate(w);
  const acked = new MovingRate(w);
  let lastAck: number | null = null;
  for (let i = 0; i < s.count; i++) {
    if (!s.valid[i]) continue;
    const frame = s.frame[i]!;
    const t = s.time[i]!;
    if (s.fromA[i] === d.senderIsA) {
      const len = s.len[i]!;
      if (len === 0) continue;
      lengths.add(frame, t, len);
      throughput.add(frame, t, sent.add(t, len));
      continue;
    }
    if (!(s.tcpFlags[i]! & TH_ACK)) continue;
    const ack = s.ack[i]!;
    // The first ACK sets where counting starts; later ones count what they add.
    let newly = 0;
    if (lastAck === null) lastAck = ack;
    else if (!seqLT(ack, lastAck)) {
      newly = (ack - lastAck) >>> 0;
      lastAck = ack;
    }
    goodput.add(frame, t, acked.add(t, newly), newly);
  }
  return [lengths, throughput, goodput].map((b) => b.done());
}

/** RTT: each tcp.analysis.ack_rtt the peer's ACKs carry, at the time of the ACK. */
function rttSets(s: StreamSamples, d: Direction): GraphSet[] {
  const rtt = new SetBuilder('rtt', 'dot', { name: 'rtt_s', format: 'seconds' }, { name: 'acked_frame', format: 'int' });
  for (let i = 0; i < s.count; i++) {
    if (s.fromA[i] === d.senderIsA) continue;
    const r = s.ackRtt[i]!;
    if (r === r) rtt.add(s.frame[i]!, s.time[i]!, r, s.ackedFrame[i]!);
  }
  return [rtt.done()];
}

/**
 * Window: the receive window the peer advertises (scaled; SYNs and RSTs left out, as Wireshark's
 * window graph does), the sender's bytes in flight (tcp.analysis.bytes_in_flight), and marks
 * where the peer's window is zero and where the sender filled it (at its bytes in flight, or
 * where tshark shows none, at the window it filled).
 */
function windowSets(s: StreamSamples, d: Direction): GraphSet[] {
  const bytes = (name: string): GraphColumn => ({ name, format: 'int' });
  const window = new SetBuilder('window', 'step', bytes('window_bytes'));
  const inFlight = new SetBuilder('bytes_in_flight', 'step', bytes('bytes_in_flight'));
  const zeroWindow = new SetBuilder('zero_window', 'mark', bytes('window_bytes'));
  const windowFull = new SetBuilder('window_full', 'mark', bytes('bytes_in_flight'));
  let lastWindow = 0;
  for (let i = 0; i < s.count; i++) {
    if (!s.valid[i]) continue;
    const frame = s.frame[i]!;
    const t = s.time[i]!;
    const a = s.analysis[i]!;
    if (s.fromA[i] === d.senderIsA) {
      const bif = s.bytesInFlight[i]!;
      if (bif > 0) inFlight.add(frame, t, bif);
      if (a & A_WINDOW_FULL) windowFull.add(frame, t, bif > 0 ? bif : lastWindow);
      continue;
    }
    const flags = s.tcpFlags[i]!;
    if (flags & (TH_SYN | TH_RST)) continue;
    lastWindow = scaledWindow(s.rawWindow[i]!, flags, d.peer);
    window.add(frame, t, lastWindow);
    if (a & A_ZERO_WINDOW) zeroWindow.add(frame, t, 0);
  }
  return [window, inFlight, zeroWindow, windowFull].map((b) => b.done());
}

/** Reads a connection and makes one graph of it (the side that sent more bytes unless told). */
export function streamGraph(catalog: CaptureCatalog, stream: number, kind: GraphKind, side?: GraphSide, options?: GraphOptions): Graph {
  const samples = readStreamSamples(catalog, stream);
  return buildGraph(samples, kind, side ?? busierSide(samples), options);
}
