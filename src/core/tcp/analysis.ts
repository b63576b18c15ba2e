import { formatAddress } from '../decode/address';
import { DecodedFrame } from '../decode/frame';
import { seqGT, seqLE, seqLT, seqSub } from './seq';

/*
 * TCP conversations and sequence analysis, rule for rule as Wireshark 4.0's
 * epan/dissectors/packet-tcp.c computes them in its first (in-order) pass: stream index (a new
 * stream when a SYN reuses the ports with another ISN), relative numbers, window scaling,
 * iRTT, completeness and the tcp.analysis.* flags. Where Wireshark has a quirk, the quirk is
 * kept on purpose (and said so), because users compare our numbers with theirs.
 */

export const TH_FIN = 0x001;
export const TH_SYN = 0x002;
export const TH_RST = 0x004;
export const TH_PUSH = 0x008;
export const TH_ACK = 0x010;
export const TH_URG = 0x020;
export const TH_ECE = 0x040;
export const TH_CWR = 0x080;
export const TH_AE = 0x100;

/** tcp.analysis.* flags (bit values as in packet-tcp.c). */
export const A_RETRANSMISSION = 0x0001;
export const A_LOST_PACKET = 0x0002;
export const A_ACK_LOST_PACKET = 0x0004;
export const A_KEEP_ALIVE = 0x0008;
export const A_DUPLICATE_ACK = 0x0010;
export const A_ZERO_WINDOW = 0x0020;
export const A_ZERO_WINDOW_PROBE = 0x0040;
export const A_ZERO_WINDOW_PROBE_ACK = 0x0080;
export const A_KEEP_ALIVE_ACK = 0x0100;
export const A_OUT_OF_ORDER = 0x0200;
export const A_FAST_RETRANSMISSION = 0x0400;
export const A_WINDOW_UPDATE = 0x0800;
export const A_WINDOW_FULL = 0x1000;
export const A_REUSED_PORTS = 0x2000;
export const A_SPURIOUS_RETRANSMISSION = 0x4000;

/** tcp.completeness bits. */
export const C_SYN = 0x01;
export const C_SYNACK = 0x02;
export const C_ACK = 0x04;
export const C_DATA = 0x08;
export const C_FIN = 0x10;
export const C_RST = 0x20;

/** Window scale states besides a shift of 0..14. */
export const WSCALE_UNKNOWN = -1;
export const WSCALE_NONE = -2;

/** Wireshark's TCP_MAX_UNACKED_SEGMENTS. */
const MAX_UNACKED_SEGMENTS = 10000;
/** Numbers per segment in HalfFlow.unacked: start, end, frame, seconds, nanoseconds. */
const UNACKED_STRIDE = 5;
/** A list this long (in numbers) is kept for reuse once all its segments are acknowledged, while its direction is open. */
const UNACKED_REUSED_MIN = 20 * UNACKED_STRIDE;
/**
 * Emptied short unacked lists, for reuse by any direction of any analyzer in this thread: a list
 * belongs to one direction at a time (it is taken from here or made, and put back only once its
 * direction let it go). Its old numbers past the direction's count are never read.
 */
const spareLists: number[][] = [];
const SPARE_LISTS = 4096;
/** Wireshark's MAX_TCP_SACK_RANGES: it keeps the blocks of a SACK option while it has counted fewer. */
const MAX_SACK_RANGES = 4;

/**
 * Analysis flag names as tshark's field names (tcp.analysis.<name>), in tshark's order.
 * A fast or spurious retransmission is also a retransmission there, so it is here.
 */
export function analysisFlagNames(flags: number, dupAckNum: number): string[] {
  const names: string[] = [];
  if (flags & A_REUSED_PORTS) names.push('reused_ports');
  if (flags & (A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION)) names.push('retransmission');
  if (flags & A_FAST_RETRANSMISSION) names.push('fast_retransmission');
  if (flags & A_SPURIOUS_RETRANSMISSION) names.push('spurious_retransmission');
  if (flags & A_OUT_OF_ORDER) names.push('out_of_order');
  if (flags & A_LOST_PACKET) names.push('lost_segment');
  if (flags & A_ACK_LOST_PACKET) names.push('ack_lost_segment');
  if (flags & A_WINDOW_UPDATE) names.push('window_update');
  if (flags & A_WINDOW_FULL) names.push('window_full');
  if (flags & A_KEEP_ALIVE) names.push('keep_alive');
  if (flags & A_KEEP_ALIVE_ACK) names.push('keep_alive_ack');
  if (flags & A_DUPLICATE_ACK && dupAckNum) names.push('duplicate_ack');
  if (flags & A_ZERO_WINDOW_PROBE) names.push('zero_window_probe');
  if (flags & A_ZERO_WINDOW) names.push('zero_window');
  if (flags & A_ZERO_WINDOW_PROBE_ACK) names.push('zero_window_probe_ack');
  return names;
}

/*
 * A direction's state lives in a row of one ArrayBuffer shared by all the analyzer's flows
 * (FlowRows), not in an object's own fields. V8 boxes every field that holds a number outside
 * the small-integer range (sequence numbers do, half the time) as a separate heap object, so a
 * flow as an object of fields cost about 460 bytes and three objects for the garbage collector
 * to copy; a row costs FLOW_ROW_BYTES and is never copied. A HalfFlow is the row's view: the
 * analysis and every reader go through its accessors, which V8 inlines.
 *
 * Row layout: doubles first (times, byte counts, frame numbers, and the two fields that may be
 * negative), then 32-bit words (sequence numbers, which the analysis keeps in 0..2^32-1, and
 * counters), then bytes (the yes/no fields).
 */
const F64_PER_ROW = 11;
const U32_PER_ROW = 21;
const U8_PER_ROW = 8;
/** Bytes per flow: the three parts, padded to a multiple of 8 so every row's doubles align. */
export const FLOW_ROW_BYTES = Math.ceil((F64_PER_ROW * 8 + U32_PER_ROW * 4 + U8_PER_ROW) / 8) * 8;
const U32_BASE = (F64_PER_ROW * 8) / 4;
const U8_BASE = F64_PER_ROW * 8 + U32_PER_ROW * 4;

// Doubles.
const D_NEXT_SEQ_SEC = 0;
const D_NEXT_SEQ_NSEC = 1;
const D_LAST_ACK_SEC = 2;
const D_LAST_ACK_NSEC = 3;
const D_BYTES = 4;
const D_PAYLOAD_BYTES = 5;
const D_FIRST_FIN_FRAME = 6;
const D_FIRST_RST_FRAME = 7;
const D_LAST_NON_DUP_ACK = 8;
const D_DUP_ACK_NUM = 9;
const D_WIN_SCALE = 10;
// 32-bit words.
const W_BASE_SEQ = 0;
const W_WINDOW = 1;
const W_NEXT_SEQ = 2;
const W_MAX_SEQ_TO_BE_ACKED = 3;
const W_LAST_ACK = 4;
const W_LAST_SEGMENT_FLAGS = 5;
const W_UNACKED_HEAD = 6;
const W_UNACKED_COUNT = 7;
const W_UNACKED_LOW = 8;
const W_UNACKED_HIGH = 9;
const W_UNACKED_BASE = 10;
const W_SACKED_BYTES = 11;
const W_PACKETS = 12;
const W_SYN_COUNT = 13;
const W_FIN_COUNT = 14;
const W_RST_COUNT = 15;
const W_RETRANSMISSIONS = 16;
const W_ZERO_WINDOWS = 17;
const W_DUPLICATE_ACKS = 18;
const W_LOST_SEGMENTS = 19;
const W_MSS = 20;
// Bytes.
const B_BASE_SEQ_SET = 0;
const B_SAW_SYN = 1;
const B_SAW_SYN_ACK = 2;
const B_IS_FIRST_ACK = 3;
const B_CLOSING_INITIATOR = 4;
const B_VALID_BIF = 5;
const B_SACK_PERMITTED = 6;
const B_TIMESTAMPS = 7;

/**
 * The rows of an analyzer's flows, in chunks that never move (a flow's view holds its chunk's
 * arrays) and that grow as flows come: a first touch of fresh memory is what a row costs most
 * (about 10 µs per 4 kB page on the machines we measured), so nothing is copied to grow.
 */
export class FlowRows {
  f64 = new Float64Array(0);
  u32 = new Uint32Array(0);
  u8 = new Uint8Array(0);
  /** Rows used in the newest chunk, and rows in all. */
  private used = 0;
  count = 0;
  private allocated = 0;

  constructor(private readonly firstChunk = 16) {}

  /** A new row with a flow's starting values, in the newest chunk (whose arrays are then this.f64, ...): returns its place there. */
  add(): number {
    if (this.used * FLOW_ROW_BYTES === this.u8.length) {
      // Small analyses (one connection read again) stay small; a capture's grows by chunks of at most 4096 rows.
      const rows = Math.min(4096, Math.max(this.firstChunk, this.count));
      const buffer = new ArrayBuffer(rows * FLOW_ROW_BYTES);
      this.f64 = new Float64Array(buffer);
      this.u32 = new Uint32Array(buffer);
      this.u8 = new Uint8Array(buffer);
      this.used = 0;
      this.allocated += rows * FLOW_ROW_BYTES;
    }
    const row = this.used++;
    this.count++;
    this.f64[row * (FLOW_ROW_BYTES / 8) + D_WIN_SCALE] = WSCALE_UNKNOWN;
    this.u32[row * (FLOW_ROW_BYTES / 4) + U32_BASE + W_WINDOW] = 0xffffffff;
    this.u8[row * FLOW_ROW_BYTES + U8_BASE + B_VALID_BIF] = 1;
    return row;
  }

  /** Bytes held (allocated, not only used). */
  get bytes(): number {
    return this.allocated;
  }
}

/** One direction of a conversation: what has been seen going that way (a view of its row in FlowRows). */
export class HalfFlow {
  private readonly f64: Float64Array;
  private readonly u32: Uint32Array;
  private readonly u8: Uint8Array;
  private readonly d: number;
  private readonly w: number;
  private readonly b: number;

  /** A flow of its own when no rows are given (a placeholder outside any analysis). */
  constructor(rows: FlowRows = new FlowRows(1)) {
    const row = rows.add();
    this.f64 = rows.f64;
    this.u32 = rows.u32;
    this.u8 = rows.u8;
    this.d = row * (FLOW_ROW_BYTES / 8);
    this.w = row * (FLOW_ROW_BYTES / 4) + U32_BASE;
    this.b = row * FLOW_ROW_BYTES + U8_BASE;
  }

  /**
   * Wireshark's list of recorded segments not yet acknowledged in full (its "ual"), oldest
   * first, UNACKED_STRIDE numbers each: start (moved on by a partial ACK), end (next seq),
   * frame, and time (seconds, nanoseconds). One flat array made on first use, never an object
   * per segment: a long transfer records millions of them. A plain array of numbers (its
   * elements unboxed on V8's heap), not a typed array: every connection has one, and a typed
   * array this size would put each one's bytes outside the heap, which costs far more to make.
   */
  unacked: number[] | null = null;

  get baseSeqSet(): boolean {
    return this.u8[this.b + B_BASE_SEQ_SET] !== 0;
  }
  set baseSeqSet(v: boolean) {
    this.u8[this.b + B_BASE_SEQ_SET] = v ? 1 : 0;
  }
  /** The ISN (or the first seq - 1 when the SYN was not captured): relative numbers count from it. */
  get baseSeq(): number {
    return this.u32[this.w + W_BASE_SEQ]!;
  }
  set baseSeq(v: number) {
    this.u32[this.w + W_BASE_SEQ] = v;
  }
  get sawSyn(): boolean {
    return this.u8[this.b + B_SAW_SYN] !== 0;
  }
  set sawSyn(v: boolean) {
    this.u8[this.b + B_SAW_SYN] = v ? 1 : 0;
  }
  get sawSynAck(): boolean {
    return this.u8[this.b + B_SAW_SYN_ACK] !== 0;
  }
  set sawSynAck(v: boolean) {
    this.u8[this.b + B_SAW_SYN_ACK] = v ? 1 : 0;
  }
  /** Window scale shift, or WSCALE_UNKNOWN / WSCALE_NONE. */
  get winScale(): number {
    return this.f64[this.d + D_WIN_SCALE]!;
  }
  set winScale(v: number) {
    this.f64[this.d + D_WIN_SCALE] = v;
  }
  /** Last raw (unscaled) window seen; 0xFFFFFFFF before any. */
  get window(): number {
    return this.u32[this.w + W_WINDOW]!;
  }
  set window(v: number) {
    this.u32[this.w + W_WINDOW] = v;
  }
  get isFirstAck(): boolean {
    return this.u8[this.b + B_IS_FIRST_ACK] !== 0;
  }
  set isFirstAck(v: boolean) {
    this.u8[this.b + B_IS_FIRST_ACK] = v ? 1 : 0;
  }
  get closingInitiator(): boolean {
    return this.u8[this.b + B_CLOSING_INITIATOR] !== 0;
  }
  set closingInitiator(v: boolean) {
    this.u8[this.b + B_CLOSING_INITIATOR] = v ? 1 : 0;
  }
  /** Sequence analysis state (tcp_analyze_seq_flow_info_t); 0 means "not yet" as in Wireshark. */
  get nextSeq(): number {
    return this.u32[this.w + W_NEXT_SEQ]!;
  }
  set nextSeq(v: number) {
    this.u32[this.w + W_NEXT_SEQ] = v;
  }
  get nextSeqSec(): number {
    return this.f64[this.d + D_NEXT_SEQ_SEC]!;
  }
  set nextSeqSec(v: number) {
    this.f64[this.d + D_NEXT_SEQ_SEC] = v;
  }
  get nextSeqNsec(): number {
    return this.f64[this.d + D_NEXT_SEQ_NSEC]!;
  }
  set nextSeqNsec(v: number) {
    this.f64[this.d + D_NEXT_SEQ_NSEC] = v;
  }
  get maxSeqToBeAcked(): number {
    return this.u32[this.w + W_MAX_SEQ_TO_BE_ACKED]!;
  }
  set maxSeqToBeAcked(v: number) {
    this.u32[this.w + W_MAX_SEQ_TO_BE_ACKED] = v;
  }
  get lastAck(): number {
    return this.u32[this.w + W_LAST_ACK]!;
  }
  set lastAck(v: number) {
    this.u32[this.w + W_LAST_ACK] = v;
  }
  get lastAckSec(): number {
    return this.f64[this.d + D_LAST_ACK_SEC]!;
  }
  set lastAckSec(v: number) {
    this.f64[this.d + D_LAST_ACK_SEC] = v;
  }
  get lastAckNsec(): number {
    return this.f64[this.d + D_LAST_ACK_NSEC]!;
  }
  set lastAckNsec(v: number) {
    this.f64[this.d + D_LAST_ACK_NSEC] = v;
  }
  /** -1 after a segment that acknowledged new data from the peer, as in Wireshark. */
  get dupAckNum(): number {
    return this.f64[this.d + D_DUP_ACK_NUM]!;
  }
  set dupAckNum(v: number) {
    this.f64[this.d + D_DUP_ACK_NUM] = v;
  }
  /** The frame of the last ACK that was not a duplicate. */
  get lastNonDupAck(): number {
    return this.f64[this.d + D_LAST_NON_DUP_ACK]!;
  }
  set lastNonDupAck(v: number) {
    this.f64[this.d + D_LAST_NON_DUP_ACK] = v;
  }
  get lastSegmentFlags(): number {
    return this.u32[this.w + W_LAST_SEGMENT_FLAGS]!;
  }
  set lastSegmentFlags(v: number) {
    this.u32[this.w + W_LAST_SEGMENT_FLAGS] = v;
  }
  /** Where the oldest segment starts in `unacked` (in segments), and how many there are. */
  get unackedHead(): number {
    return this.u32[this.w + W_UNACKED_HEAD]!;
  }
  set unackedHead(v: number) {
    this.u32[this.w + W_UNACKED_HEAD] = v;
  }
  get unackedCount(): number {
    return this.u32[this.w + W_UNACKED_COUNT]!;
  }
  set unackedCount(v: number) {
    this.u32[this.w + W_UNACKED_COUNT] = v;
  }
  /** The lowest start and highest end in `unacked`, relative to `unackedBase` (the ISN they were
   * counted from): bytes in flight read them instead of walking the list on every segment. */
  get unackedLow(): number {
    return this.u32[this.w + W_UNACKED_LOW]!;
  }
  set unackedLow(v: number) {
    this.u32[this.w + W_UNACKED_LOW] = v;
  }
  get unackedHigh(): number {
    return this.u32[this.w + W_UNACKED_HIGH]!;
  }
  set unackedHigh(v: number) {
    this.u32[this.w + W_UNACKED_HIGH] = v;
  }
  get unackedBase(): number {
    return this.u32[this.w + W_UNACKED_BASE]!;
  }
  set unackedBase(v: number) {
    this.u32[this.w + W_UNACKED_BASE] = v;
  }
  /** tcp.analysis.bytes_in_flight is computed while true (Wireshark's valid_bif): a gap in this
   * direction stops it until the other side acknowledges something. */
  get validBif(): boolean {
    return this.u8[this.b + B_VALID_BIF] !== 0;
  }
  set validBif(v: boolean) {
    this.u8[this.b + B_VALID_BIF] = v ? 1 : 0;
  }
  /** Bytes covered by the SACK blocks of this direction's latest segment (at most three, summed
   * modulo 2^32 as Wireshark does); the peer's bytes in flight leave them out. */
  get sackedBytes(): number {
    return this.u32[this.w + W_SACKED_BYTES]!;
  }
  set sackedBytes(v: number) {
    this.u32[this.w + W_SACKED_BYTES] = v;
  }
  /** What the capture shows of this direction. */
  get packets(): number {
    return this.u32[this.w + W_PACKETS]!;
  }
  set packets(v: number) {
    this.u32[this.w + W_PACKETS] = v;
  }
  get bytes(): number {
    return this.f64[this.d + D_BYTES]!;
  }
  set bytes(v: number) {
    this.f64[this.d + D_BYTES] = v;
  }
  get payloadBytes(): number {
    return this.f64[this.d + D_PAYLOAD_BYTES]!;
  }
  set payloadBytes(v: number) {
    this.f64[this.d + D_PAYLOAD_BYTES] = v;
  }
  get synCount(): number {
    return this.u32[this.w + W_SYN_COUNT]!;
  }
  set synCount(v: number) {
    this.u32[this.w + W_SYN_COUNT] = v;
  }
  get finCount(): number {
    return this.u32[this.w + W_FIN_COUNT]!;
  }
  set finCount(v: number) {
    this.u32[this.w + W_FIN_COUNT] = v;
  }
  get rstCount(): number {
    return this.u32[this.w + W_RST_COUNT]!;
  }
  set rstCount(v: number) {
    this.u32[this.w + W_RST_COUNT] = v;
  }
  get firstFinFrame(): number {
    return this.f64[this.d + D_FIRST_FIN_FRAME]!;
  }
  set firstFinFrame(v: number) {
    this.f64[this.d + D_FIRST_FIN_FRAME] = v;
  }
  get firstRstFrame(): number {
    return this.f64[this.d + D_FIRST_RST_FRAME]!;
  }
  set firstRstFrame(v: number) {
    this.f64[this.d + D_FIRST_RST_FRAME] = v;
  }
  get retransmissions(): number {
    return this.u32[this.w + W_RETRANSMISSIONS]!;
  }
  set retransmissions(v: number) {
    this.u32[this.w + W_RETRANSMISSIONS] = v;
  }
  get zeroWindows(): number {
    return this.u32[this.w + W_ZERO_WINDOWS]!;
  }
  set zeroWindows(v: number) {
    this.u32[this.w + W_ZERO_WINDOWS] = v;
  }
  get duplicateAcks(): number {
    return this.u32[this.w + W_DUPLICATE_ACKS]!;
  }
  set duplicateAcks(v: number) {
    this.u32[this.w + W_DUPLICATE_ACKS] = v;
  }
  get lostSegments(): number {
    return this.u32[this.w + W_LOST_SEGMENTS]!;
  }
  set lostSegments(v: number) {
    this.u32[this.w + W_LOST_SEGMENTS] = v;
  }
  get mss(): number {
    return this.u32[this.w + W_MSS]!;
  }
  set mss(v: number) {
    this.u32[this.w + W_MSS] = v;
  }
  get sackPermitted(): boolean {
    return this.u8[this.b + B_SACK_PERMITTED] !== 0;
  }
  set sackPermitted(v: boolean) {
    this.u8[this.b + B_SACK_PERMITTED] = v ? 1 : 0;
  }
  get timestamps(): boolean {
    return this.u8[this.b + B_TIMESTAMPS] !== 0;
  }
  set timestamps(v: boolean) {
    this.u8[this.b + B_TIMESTAMPS] = v ? 1 : 0;
  }
}

export interface Endpoint {
  address: string;
  port: number;
}

/** One TCP conversation (tcp.stream). */
export class TcpConversation {
  /** Next conversation in the same hash bucket (newest first). */
  nextInBucket: TcpConversation | null = null;
  /**
   * The two addresses as big-endian 32-bit words (one for IPv4, four for IPv6): numbers, not
   * byte arrays, because a busy capture holds hundreds of thousands of conversations.
   */
  readonly a0: number;
  readonly b0: number;
  /** IPv6 only: the other three words of A's address, then of B's (null for IPv4, which needs none). */
  private readonly v6Words: number[] | null;
  readonly addrLen: number;
  readonly portA: number;
  readonly portB: number;
  /** Wireshark's cmp_address (memcmp) then ports: is A the "greater" end (so A -> B is flow1)? */
  readonly aIsGreater: boolean;
  /** Wireshark's flow1 is the direction from the address that compares greater. */
  readonly flow1: HalfFlow;
  readonly flow2: HalfFlow;
  /** tcp.completeness as Wireshark's in-order pass leaves it. */
  completeness = 0;
  /**
   * What the conversation's first segment would add to the completeness were it not the first:
   * Wireshark's second pass (tshark -2, the packet details) sees that segment again as an
   * existing conversation's and adds it (a first SYN-ACK, data or FIN without a SYN).
   */
  firstSegmentBits = 0;
  /** Time of the most recent SYN (zero = none), and the initial RTT in ns (0 = not known). */
  mruSynSec = 0;
  mruSynNsec = 0;
  firstRttNs = 0;
  firstFrame = 0;
  lastFrame = 0;
  firstSec = 0;
  firstNsec = 0;
  lastSec = 0;
  lastNsec = 0;
  /** True when this conversation began with a SYN on ports an earlier conversation used (tcp.analysis.reused_ports). */
  startedByReuse = false;
  /** Which side (A: the first packet's sender; B: its receiver) sent the first pure SYN, if any. */
  synSender: 'A' | 'B' | null = null;
  private endpointA: Endpoint | null = null;
  private endpointB: Endpoint | null = null;

  constructor(
    readonly stream: number,
    f: DecodedFrame,
    readonly hash: number,
    rows: FlowRows,
  ) {
    this.flow1 = new HalfFlow(rows);
    this.flow2 = new HalfFlow(rows);
    const d = f.data;
    const s = f.srcAddrOffset;
    const t = f.dstAddrOffset;
    const v6 = f.addrLen === 16;
    this.addrLen = f.addrLen;
    this.a0 = wordAt(d, s);
    this.b0 = wordAt(d, t);
    this.v6Words = v6 ? [wordAt(d, s + 4), wordAt(d, s + 8), wordAt(d, s + 12), wordAt(d, t + 4), wordAt(d, t + 8), wordAt(d, t + 12)] : null;
    this.portA = f.srcPort;
    this.portB = f.dstPort;
    this.aIsGreater = frameDirection(f) >= 0;
  }

  /** The words of the two addresses after the first (0 for IPv4). */
  get a1(): number {
    return this.v6Words?.[0] ?? 0;
  }
  get a2(): number {
    return this.v6Words?.[1] ?? 0;
  }
  get a3(): number {
    return this.v6Words?.[2] ?? 0;
  }
  get b1(): number {
    return this.v6Words?.[3] ?? 0;
  }
  get b2(): number {
    return this.v6Words?.[4] ?? 0;
  }
  get b3(): number {
    return this.v6Words?.[5] ?? 0;
  }
  get ipVersion(): 4 | 6 {
    return this.addrLen === 16 ? 6 : 4;
  }

  /** True when the address at `o` in `d` is A's (side 0) or B's (side 1). */
  addressIs(side: 0 | 1, d: Uint8Array, o: number): boolean {
    if (wordAt(d, o) !== (side === 0 ? this.a0 : this.b0)) return false;
    if (this.addrLen === 4) return true;
    return side === 0
      ? wordAt(d, o + 4) === this.a1 && wordAt(d, o + 8) === this.a2 && wordAt(d, o + 12) === this.a3
      : wordAt(d, o + 4) === this.b1 && wordAt(d, o + 8) === this.b2 && wordAt(d, o + 12) === this.b3;
  }

  private addressText(side: 0 | 1): string {
    const words = side === 0 ? [this.a0, this.a1, this.a2, this.a3] : [this.b0, this.b1, this.b2, this.b3];
    const bytes = new Uint8Array(16);
    words.forEach((w, i) => {
      bytes[4 * i] = w >>> 24;
      bytes[4 * i + 1] = (w >>> 16) & 0xff;
      bytes[4 * i + 2] = (w >>> 8) & 0xff;
      bytes[4 * i + 3] = w & 0xff;
    });
    return formatAddress(bytes, 0, this.addrLen);
  }

  /** The side that sent the first packet (tshark's conversation "A"). */
  get a(): Endpoint {
    return (this.endpointA ??= { address: this.addressText(0), port: this.portA });
  }
  get b(): Endpoint {
    return (this.endpointB ??= { address: this.addressText(1), port: this.portB });
  }
  /** The flow A -> B. */
  get flowAB(): HalfFlow {
    return this.aIsGreater ? this.flow1 : this.flow2;
  }
  get flowBA(): HalfFlow {
    return this.flowAB === this.flow1 ? this.flow2 : this.flow1;
  }
  /**
   * tcp.completeness as tshark -2 and Wireshark's packet details show it on the last segment:
   * the in-order value plus what the second pass adds for the first segment.
   */
  get displayedCompleteness(): number {
    return this.flow1.packets + this.flow2.packets > 1 ? this.completeness | this.firstSegmentBits : this.completeness;
  }
  /** The client is the side that sent the first SYN; without one, the first sender. */
  get clientIsA(): boolean {
    return this.synSender !== 'B';
  }
}

/**
 * The window a segment advertises, as tcp.window_size shows it: SYNs are never scaled; others
 * are shifted by the flow's scale once it is known, and left as they are while it is unknown.
 */
export function scaledWindow(rawWindow: number, flags: number, flow: HalfFlow): number {
  if (flags & TH_SYN || flow.winScale < 0) return rawWindow;
  return rawWindow * 2 ** flow.winScale;
}

/**
 * What a segment adds to tcp.completeness when it is not a conversation's first: SYN-ACK, ACK
 * or data, FIN, RST (a pure SYN counts only when it opens the conversation).
 */
export function completenessBits(flags: number, segLen: number): number {
  let bits = 0;
  if ((flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK)) bits |= C_SYNACK;
  if ((flags & (TH_SYN | TH_ACK)) === TH_ACK) bits |= segLen > 0 ? C_DATA : C_ACK;
  if ((flags & (TH_FIN | TH_ACK)) === (TH_FIN | TH_ACK)) bits |= C_FIN;
  if (flags & TH_RST) bits |= C_RST;
  return bits;
}

/** Per-segment result. One instance is reused: copy what you keep. */
export class SegmentAnalysis {
  conversation!: TcpConversation;
  /** True when the segment goes from the conversation's A side to its B side. */
  fromA = true;
  /** True when the segment travels in Wireshark's flow1 direction (see TcpConversation). */
  inFlow1 = true;
  relSeq = 0;
  relAck = 0;
  /** Relative sequence number after this segment (SYN and FIN count one). */
  nextRelSeq = 0;
  /** False for segments Wireshark gives no length (bogus header length): no seq analysis. */
  analysed = false;
  flags = 0;
  dupAckNum = 0;
  dupAckFrame = 0;
  /** tcp.analysis.acks_frame: the segment this one acknowledges exactly (0: none). */
  ackedFrame = 0;
  /**
   * The time from that segment to this one (tcp.analysis.ack_rtt, see ackRtt) in seconds and
   * nanoseconds, both with the sign of the whole, as Wireshark's nstime_delta leaves them.
   */
  ackRttSec = 0;
  ackRttNsec = 0;
  /** tcp.analysis.bytes_in_flight, or 0 where tshark shows none (it never shows 0). */
  bytesInFlight = 0;
  /**
   * tcp.analysis.ack_rtt in seconds, absent where tshark shows none: it shows it only when this
   * segment acknowledges one exactly and the time between them is not zero.
   */
  get ackRtt(): number | undefined {
    if (this.ackedFrame === 0 || (this.ackRttSec === 0 && this.ackRttNsec === 0)) return undefined;
    const ns = this.ackRttSec * 1e9 + this.ackRttNsec;
    if (Number.isSafeInteger(ns)) return ns / 1e9;
    // Beyond 104 days the sum loses nanoseconds: read the exact decimal once instead.
    const sign = this.ackRttSec < 0 || this.ackRttNsec < 0 ? '-' : '';
    return Number(`${sign}${Math.abs(this.ackRttSec)}.${String(Math.abs(this.ackRttNsec)).padStart(9, '0')}`);
  }
  /**
   * When the conversation's previous segment came (this segment's own time for its first):
   * tcp.time_delta counts from it, as Wireshark's ts_prev. Kept on the conversation as its
   * last time, so it costs no memory per conversation.
   */
  prevSec = 0;
  prevNsec = 0;
}

/** A big-endian 32-bit word (as a signed int32: compared for equality, or with >>> 0). */
function wordAt(d: Uint8Array, o: number): number {
  return (d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!;
}

function frameDirection(f: DecodedFrame): number {
  const d = f.data;
  const s = f.srcAddrOffset;
  const t = f.dstAddrOffset;
  for (let i = 0; i < f.addrLen; i++) {
    const x = d[s + i]!;
    const y = d[t + i]!;
    if (x !== y) return x > y ? 1 : -1;
  }
  return f.srcPort > f.dstPort ? 1 : -1;
}

/**
 * Keyed per process, so nobody can craft a capture whose connections all land in one bucket of
 * the conversation table (a capture is data from strangers; a flooded bucket makes every lookup
 * walk every connection).
 */
const HASH_KEY = (Math.random() * 0x100000000) >>> 0;

function mixByte(h: number, b: number): number {
  h = Math.imul(h ^ b, 0x5bd1e995);
  return h ^ (h >>> 15);
}

/**
 * A hash that is the same for both directions of a connection: the two endpoints are hashed in
 * one canonical order (lower address first, then lower port), never combined by XOR, which
 * would send every connection from an endpoint to itself to the same value.
 */
function endpointHash(f: DecodedFrame): number {
  const d = f.data;
  const srcFirst = frameDirection(f) < 0;
  const first = srcFirst ? f.srcAddrOffset : f.dstAddrOffset;
  const second = srcFirst ? f.dstAddrOffset : f.srcAddrOffset;
  const firstPort = srcFirst ? f.srcPort : f.dstPort;
  const secondPort = srcFirst ? f.dstPort : f.srcPort;
  let h = HASH_KEY ^ f.addrLen;
  for (let i = 0; i < f.addrLen; i++) h = mixByte(h, d[first + i]!);
  h = mixByte(mixByte(h, firstPort >>> 8), firstPort & 0xff);
  for (let i = 0; i < f.addrLen; i++) h = mixByte(h, d[second + i]!);
  h = mixByte(mixByte(h, secondPort >>> 8), secondPort & 0xff);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

function matches(c: TcpConversation, f: DecodedFrame): boolean {
  if (c.addrLen !== f.addrLen) return false;
  const d = f.data;
  if (c.portA === f.srcPort && c.portB === f.dstPort) {
    if (c.addressIs(0, d, f.srcAddrOffset) && c.addressIs(1, d, f.dstAddrOffset)) return true;
  }
  if (c.portA === f.dstPort && c.portB === f.srcPort) {
    if (c.addressIs(0, d, f.dstAddrOffset) && c.addressIs(1, d, f.srcAddrOffset)) return true;
  }
  return false;
}

/**
 * The conversation table and the analysis. Feed it every TCP frame in file order; it keeps
 * state per conversation only (memory grows with connections, not packets).
 */
export class TcpAnalyzer {
  readonly conversations: TcpConversation[] = [];
  private readonly buckets = new Map<number, TcpConversation>();
  /** Every conversation's two directions, in one buffer. */
  private readonly flowRows = new FlowRows();
  private readonly result = new SegmentAnalysis();
  /** Conversations compared while looking segments up: the cost a flooded hash bucket would show. */
  probes = 0;

  /**
   * `streamBase` numbers the first conversation: a view that reads one connection's segments
   * again analyses them with the stream number the whole capture gave it.
   */
  constructor(
    readonly streamBase = 0,
    /**
     * The first conversation began as a new connection on ports an earlier one used (a SYN with
     * another ISN): a view reading that connection alone must analyse its first SYN as the
     * whole-capture pass did, with the earlier conversation before it.
     */
    private readonly firstReusesPorts = false,
  ) {}

  /** The conversation with this tcp.stream number. */
  conversationOf(stream: number): TcpConversation | undefined {
    return this.conversations[stream - this.streamBase];
  }

  private closed = false;
  /** The conversation of the segment analysed last. */
  private previous: TcpConversation | null = null;

  /**
   * No segment will come any more (a file read to its end): what only later segments would
   * need is let go, the segments still waiting for an ACK and the lookup by 4-tuple. A capture
   * cut off during bulk transfers holds hundreds of segments per direction there (50 MB on the
   * bench's 2.2 GB capture). The counters and everything a row or a filter reads stay; a view
   * of one connection analyses its segments again.
   */
  close(): void {
    this.closed = true;
    this.buckets.clear();
    this.previous = null;
    for (const c of this.conversations) {
      for (const flow of [c.flow1, c.flow2]) {
        flow.unacked = null;
        flow.unackedHead = 0;
        flow.unackedCount = 0;
      }
    }
  }

  /**
   * Analyses one TCP segment. `frameLen` is the frame's length on the wire (conversation byte
   * counts, as tshark's conversation table counts them).
   */
  analyse(frame: number, sec: number, nsec: number, frameLen: number, f: DecodedFrame): SegmentAnalysis {
    if (this.closed) throw new Error('the analysis was closed: no segment comes after the end of the capture');
    const r = this.result;
    // Segments come in runs of one connection (a transfer and its ACKs): the conversation of the
    // segment before is tried first. It is the newest on its 4-tuple, since a newer one is only
    // made by a segment of that 4-tuple, which would have become the one before.
    let conv = this.previous !== null && matches(this.previous, f) ? this.previous : null;
    const hash = conv !== null ? conv.hash : endpointHash(f);
    conv ??= this.find(hash, f);
    let isNew = false;
    let reusedAtStart = false;
    if (!conv) {
      conv = this.create(hash, f, frame, sec, nsec);
      if (this.firstReusesPorts && this.conversations.length === 1) reusedAtStart = true;
      else isNew = true;
    }
    const direction = frameDirection(f);
    let fwd = direction >= 0 ? conv.flow1 : conv.flow2;
    let rev = direction >= 0 ? conv.flow2 : conv.flow1;
    const thFlags = f.flags;
    const seq = f.seq;
    const ack = f.ack;
    let ta = 0;
    let taDupNum = 0;
    let taDupFrame = 0;

    if ((thFlags & (TH_SYN | TH_ACK)) === TH_SYN && fwd.baseSeqSet) {
      if (seq !== fwd.baseSeq) {
        // A SYN with another ISN on the same ports: a new connection, a new stream.
        conv = this.create(hash, f, frame, sec, nsec);
        fwd = direction >= 0 ? conv.flow1 : conv.flow2;
        rev = direction >= 0 ? conv.flow2 : conv.flow1;
        ta |= A_REUSED_PORTS;
        conv.completeness = C_SYN;
        conv.startedByReuse = true;
      } else {
        // A retransmitted SYN (or a RST that moved nextseq, Wireshark issue 17616).
        fwd.nextSeq = fwd.maxSeqToBeAcked;
      }
    }
    if (reusedAtStart) {
      ta |= A_REUSED_PORTS;
      conv.completeness = C_SYN;
      conv.startedByReuse = true;
    }
    if ((thFlags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK) && fwd.baseSeqSet && seq !== fwd.baseSeq) {
      fwd.baseSeq = seq;
      ta |= A_REUSED_PORTS;
    }

    this.previous = conv;
    const fromA = conv.portA === f.srcPort && conv.addressIs(0, f.data, f.srcAddrOffset);
    r.conversation = conv;
    r.prevSec = conv.lastSec;
    r.prevNsec = conv.lastNsec;
    r.fromA = fromA;
    r.inFlow1 = direction >= 0;
    this.count(conv, fromA ? conv.flowAB : conv.flowBA, frame, sec, nsec, frameLen, f);

    const segLen = f.payloadLen;
    r.analysed = false;
    r.ackedFrame = 0;
    r.ackRttSec = 0;
    r.ackRttNsec = 0;
    r.bytesInFlight = 0;
    // Wireshark forgets this direction's SACK blocks on each of its segments; its options (read
    // after the analysis) may bring new ones.
    fwd.sackedBytes = 0;
    if (f.headerValid) {
      if (!fwd.baseSeqSet) {
        if (thFlags & TH_SYN) {
          fwd.baseSeq = seq;
          if (thFlags & TH_ACK) fwd.sawSynAck = true;
          else fwd.sawSyn = true;
        } else {
          fwd.baseSeq = (seq - 1) >>> 0;
        }
        fwd.baseSeqSet = true;
      }
      if (!rev.baseSeqSet && thFlags & TH_ACK) {
        rev.baseSeq = (ack - 1) >>> 0;
        rev.baseSeqSet = true;
      }
      const res = analyseSequence(conv, fwd, rev, frame, sec, nsec, seq, ack, segLen, thFlags, f.window, ta);
      ta = res.flags;
      taDupNum = res.dupNum;
      taDupFrame = res.dupFrame;
      r.ackedFrame = res.ackedFrame;
      r.ackRttSec = res.ackRttSec;
      r.ackRttNsec = res.ackRttNsec;
      r.bytesInFlight = res.bytesInFlight;
      r.analysed = true;
    }
    // Without a segment length Wireshark leaves the numbers absolute.
    r.relSeq = f.headerValid ? seqSub(seq, fwd.baseSeq) : seq;
    r.relAck = thFlags & TH_ACK ? (f.headerValid ? seqSub(ack, rev.baseSeq) : ack) : 0;
    r.nextRelSeq = (r.relSeq + segLen + (thFlags & (TH_SYN | TH_FIN) ? 1 : 0)) >>> 0;
    r.flags = ta;
    r.dupAckNum = taDupNum;
    r.dupAckFrame = taDupFrame;

    if (f.tcpHeaderLen < 20) return r; // Wireshark gives up on a bogus header length here.

    // Completeness: a pure SYN counts only when it opens the conversation.
    const bits = completenessBits(thFlags, segLen);
    if (isNew) {
      if ((thFlags & (TH_SYN | TH_ACK)) === TH_SYN) {
        conv.completeness |= C_SYN;
        if (segLen > 0) conv.completeness |= C_DATA; // TCP Fast Open
      }
      conv.firstSegmentBits = bits;
    } else {
      conv.completeness |= bits;
    }

    if (thFlags & TH_SYN) {
      if (!(thFlags & TH_ACK)) {
        conv.mruSynSec = sec;
        conv.mruSynNsec = nsec;
        if (conv.synSender === null) conv.synSender = fromA ? 'A' : 'B';
      }
      fwd.isFirstAck = true;
    }
    if (thFlags & TH_FIN && !rev.closingInitiator) fwd.closingInitiator = true;
    if ((thFlags & (TH_SYN | TH_ACK)) === TH_ACK) {
      // The first pure ACK after a SYN gives the initial RTT (a zero RTT counts as "not yet",
      // as in Wireshark, so the next pure ACK sets it).
      if ((conv.mruSynSec !== 0 || conv.mruSynNsec !== 0) && conv.firstRttNs === 0) {
        conv.firstRttNs = (sec - conv.mruSynSec) * 1e9 + (nsec - conv.mruSynNsec);
      }
      fwd.isFirstAck = false;
    }

    // Options come after the analysis in Wireshark, so a WS option or SACK blocks affect later
    // segments only.
    if (f.tcpHeaderLen > 20) {
      const shift = readAnalysedOptions(fwd, f.data, f.tcpOffset, f.tcpHeaderLen);
      if (shift >= 0) fwd.winScale = shift;
    }
    if (thFlags & TH_SYN) {
      if (fwd.winScale === WSCALE_UNKNOWN) {
        fwd.winScale = WSCALE_NONE;
        rev.winScale = WSCALE_NONE;
      } else if (thFlags & TH_ACK && rev.winScale === WSCALE_NONE) {
        fwd.winScale = WSCALE_NONE;
      }
    }
    return r;
  }


  private find(hash: number, f: DecodedFrame): TcpConversation | null {
    for (let c = this.buckets.get(hash) ?? null; c; c = c.nextInBucket) {
      this.probes++;
      if (matches(c, f)) return c;
    }
    return null;
  }

  private create(hash: number, f: DecodedFrame, frame: number, sec: number, nsec: number): TcpConversation {
    const c = new TcpConversation(this.streamBase + this.conversations.length, f, hash, this.flowRows);
    c.firstFrame = frame;
    c.firstSec = sec;
    c.firstNsec = nsec;
    // A new conversation's first segment follows itself (tcp.time_delta 0, as Wireshark's ts_prev starts).
    c.lastFrame = frame;
    c.lastSec = sec;
    c.lastNsec = nsec;
    // Newest first, so a reused 4-tuple finds its latest conversation, as Wireshark does.
    c.nextInBucket = this.buckets.get(hash) ?? null;
    this.buckets.set(hash, c);
    this.conversations.push(c);
    return c;
  }

  private count(
    conv: TcpConversation,
    flow: HalfFlow,
    frame: number,
    sec: number,
    nsec: number,
    frameLen: number,
    f: DecodedFrame,
  ): void {
    conv.lastFrame = frame;
    conv.lastSec = sec;
    conv.lastNsec = nsec;
    if (f.tcpHeaderLen < 20) return; // not in tshark's conversation table either
    flow.packets++;
    flow.bytes += frameLen;
    flow.payloadBytes += f.payloadLen;
    const fl = f.flags;
    if (fl & TH_SYN) {
      flow.synCount++;
      if (f.tcpHeaderLen > 20) {
        const o = f.tcpOffset;
        scanHandshakeOptions(flow, f.data, o, f.tcpHeaderLen);
      }
    }
    if (fl & TH_FIN) {
      if (flow.finCount++ === 0) flow.firstFinFrame = frame;
    }
    if (fl & TH_RST) {
      if (flow.rstCount++ === 0) flow.firstRstFrame = frame;
    }
  }
}

function scanHandshakeOptions(flow: HalfFlow, d: Uint8Array, tcpOffset: number, hl: number): void {
  const end = Math.min(tcpOffset + hl, d.length);
  let o = tcpOffset + 20;
  while (o < end) {
    const kind = d[o]!;
    if (kind === 0) return;
    if (kind === 1) {
      o++;
      continue;
    }
    if (o + 1 >= end) return;
    const len = d[o + 1]!;
    if (len < 2 || o + len > end) return;
    if (kind === 2 && len === 4) flow.mss = (d[o + 2]! << 8) | d[o + 3]!;
    else if (kind === 4 && len === 2) flow.sackPermitted = true;
    else if (kind === 8 && len === 10) flow.timestamps = true;
    o += len;
  }
}

/**
 * Walks a header's options once, as Wireshark's option dissectors see them: returns the
 * window-scale shift (capped at 14) of the first well-formed WS option or -1, and keeps in
 * `flow.sackedBytes` what the SACK blocks cover. The analysis calls this for every segment with
 * options, so it allocates nothing.
 */
function readAnalysedOptions(flow: HalfFlow, d: Uint8Array, tcpOffset: number, headerLen: number): number {
  const end = Math.min(tcpOffset + headerLen, d.length);
  let shift = -1;
  let o = tcpOffset + 20;
  while (o < end) {
    const kind = d[o]!;
    if (kind === 0) break;
    if (kind === 1) {
      o++;
      continue;
    }
    if (o + 1 >= end) break;
    const len = d[o + 1]!;
    if (len < 2 || o + len > end) break;
    if (kind === 3 && len === 3) {
      if (shift < 0) shift = Math.min(d[o + 2]!, 14);
    } else if (kind === 5) {
      flow.sackedBytes = sackCover(d, o, len);
    }
    o += len;
  }
  return shift;
}

/**
 * What a SACK option at `o` covers as packet-tcp.c's bytes-in-flight sees it: it stores a block
 * only while it has counted fewer than MAX_SACK_RANGES (so three at most) and sums right - left
 * in 32 bits.
 */
function sackCover(d: Uint8Array, o: number, len: number): number {
  let sum = 0;
  let blocks = 0;
  for (let p = o + 2; p + 8 <= o + len && blocks + 1 < MAX_SACK_RANGES; p += 8) {
    blocks++;
    sum = (sum + ((wordAt(d, p + 4) - wordAt(d, p)) >>> 0)) >>> 0;
  }
  return sum;
}

/**
 * The SACK blocks of a header's options (absolute left and right edges, in pairs, in `out`, at
 * most out.length / 2), as Wireshark reads them: the walk stops at EOL or a malformed option.
 * Returns the number of blocks. Allocates nothing.
 */
export function sackBlocks(d: Uint8Array, tcpOffset: number, headerLen: number, out: Uint32Array | Float64Array): number {
  const end = Math.min(tcpOffset + headerLen, d.length);
  let n = 0;
  let o = tcpOffset + 20;
  while (o < end) {
    const kind = d[o]!;
    if (kind === 0) break;
    if (kind === 1) {
      o++;
      continue;
    }
    if (o + 1 >= end) break;
    const len = d[o + 1]!;
    if (len < 2 || o + len > end) break;
    if (kind === 5) {
      for (let p = o + 2; p + 8 <= o + len && 2 * n + 1 < out.length; p += 8) {
        out[2 * n] = wordAt(d, p) >>> 0;
        out[2 * n + 1] = wordAt(d, p + 4) >>> 0;
        n++;
      }
    }
    o += len;
  }
  return n;
}

interface SeqResult {
  flags: number;
  dupNum: number;
  dupFrame: number;
  ackedFrame: number;
  ackRttSec: number;
  ackRttNsec: number;
  bytesInFlight: number;
}
const seqResult: SeqResult = { flags: 0, dupNum: 0, dupFrame: 0, ackedFrame: 0, ackRttSec: 0, ackRttNsec: 0, bytesInFlight: 0 };

/** Counts a flow's unacked span again, from its current ISN (after the ISN moved). */
function unackedSpan(flow: HalfFlow): void {
  const list = flow.unacked!;
  const base = flow.baseSeq;
  let low = 0xffffffff;
  let high = 0;
  const from = flow.unackedHead * UNACKED_STRIDE;
  for (let k = from; k < from + flow.unackedCount * UNACKED_STRIDE; k += UNACKED_STRIDE) {
    const start = (list[k]! - base) >>> 0;
    const end = (list[k + 1]! - base) >>> 0;
    if (start < low) low = start;
    if (end > high) high = end;
  }
  flow.unackedLow = low;
  flow.unackedHigh = high;
  flow.unackedBase = base;
}

/**
 * `span < limit` for two time spans in nanoseconds, as tcp_analyze_sequence_number() compares
 * them: Wireshark 4.0 holds both (its `t` and `ooo_thres`) in guint64, so a span that runs
 * backwards wraps to a huge value and is below no limit. That happens when a capture's time goes
 * backwards, as when dumpcap writes the same packets seen on two interfaces one interface's
 * buffer after the other: the second copy of a segment is then older than the first, and
 * Wireshark calls it a retransmission, never out-of-order or a fast retransmission. (A negative
 * limit, from an iRTT that ran backwards, wraps too, and every non-negative span is below it.)
 */
function spanBelow(span: number, limit: number): boolean {
  if (span < 0 !== limit < 0) return limit < 0;
  return span < limit;
}

/** tcp_analyze_sequence_number() of packet-tcp.c, Wireshark 4.0, minus what only the GUI shows. */
function analyseSequence(
  conv: TcpConversation,
  fwd: HalfFlow,
  rev: HalfFlow,
  frame: number,
  sec: number,
  nsec: number,
  seq: number,
  ack: number,
  seglen: number,
  flags: number,
  window: number,
  taIn: number,
): SeqResult {
  let ta = taIn;
  let dupNum = 0;
  let dupFrame = 0;
  const SFR = TH_SYN | TH_FIN | TH_RST;

  if (flags & TH_ACK) rev.validBif = true;

  checks: {
    // Zero window probe: exactly one byte at the next expected seq while the peer's window is 0.
    if (seglen === 1 && seq === fwd.nextSeq && rev.window === 0) {
      ta |= A_ZERO_WINDOW_PROBE;
      break checks;
    }
    if (window === 0 && (flags & SFR) === 0) ta |= A_ZERO_WINDOW;
    // Lost segment: this one starts beyond what we expected next.
    if (fwd.nextSeq !== 0 && seqGT(seq, fwd.nextSeq) && (flags & TH_RST) === 0) {
      ta |= A_LOST_PACKET;
      fwd.validBif = false;
    }
    // Keep-alive: 0 or 1 byte, one before the next expected seq.
    if ((seglen === 0 || seglen === 1) && seq === ((fwd.nextSeq - 1) >>> 0) && (flags & SFR) === 0) {
      ta |= A_KEEP_ALIVE;
    }
    if (
      seglen === 0 &&
      window !== 0 &&
      window !== fwd.window &&
      seq === fwd.nextSeq &&
      ack === fwd.lastAck &&
      (flags & SFR) === 0
    ) {
      ta |= A_WINDOW_UPDATE;
    }
    if (seglen > 0 && rev.winScale !== WSCALE_UNKNOWN && (flags & SFR) === 0) {
      const shift = rev.isFirstAck ? 0 : rev.winScale === WSCALE_NONE ? 0 : rev.winScale;
      // Wireshark computes this edge in 32-bit unsigned arithmetic.
      const edge = (rev.lastAck + ((rev.window << shift) >>> 0)) >>> 0;
      if (((seq + seglen) >>> 0) === edge) ta |= A_WINDOW_FULL;
    }
    const repeatsAck =
      seglen === 0 && seq === fwd.nextSeq && ack === fwd.lastAck && (flags & SFR) === 0 && window === fwd.window;
    if (repeatsAck && window !== 0 && rev.lastSegmentFlags & A_KEEP_ALIVE) {
      ta |= A_KEEP_ALIVE_ACK;
      break checks;
    }
    if (repeatsAck && window === 0 && rev.lastSegmentFlags & A_ZERO_WINDOW_PROBE) {
      ta |= A_ZERO_WINDOW_PROBE_ACK;
      break checks;
    }
    if (repeatsAck && window !== 0) {
      fwd.dupAckNum = fwd.dupAckNum === -1 ? 1 : fwd.dupAckNum + 1;
      ta |= A_DUPLICATE_ACK;
      dupNum = fwd.dupAckNum;
      dupFrame = fwd.lastNonDupAck;
    }
  }

  if (ack !== fwd.lastAck) {
    fwd.lastNonDupAck = frame;
    fwd.dupAckNum = 0;
  }

  // ACKed unseen segment: this acks beyond anything seen going the other way.
  if (rev.maxSeqToBeAcked !== 0 && seqGT(ack, rev.maxSeqToBeAcked) && (flags & TH_ACK) !== 0) {
    if (seqLT(rev.maxSeqToBeAcked, rev.nextSeq)) {
      rev.maxSeqToBeAcked = rev.nextSeq;
      ta |= A_ACK_LOST_PACKET;
    } else {
      if (rev.dupAckNum === 0) ta |= A_ACK_LOST_PACKET;
      rev.dupAckNum = -1;
    }
  }

  // Retransmission, fast retransmission, spurious retransmission, out-of-order.
  if (seglen > 0 || flags & (TH_SYN | TH_FIN)) {
    retransmission: {
      let seqNotAdvanced = fwd.nextSeq !== 0 && seqLT(seq, fwd.nextSeq);
      if (ta & A_KEEP_ALIVE) break retransmission;
      // One byte less than expected, with new data behind it: after a zero window probe.
      if (seglen > 1 && ((fwd.nextSeq - 1) >>> 0) === seq) seqNotAdvanced = false;
      if (seglen > 0 && rev.lastAck !== 0 && seqLE((seq + seglen) >>> 0, rev.lastAck)) {
        ta |= A_SPURIOUS_RETRANSMISSION;
        break retransmission;
      }
      const sinceDupAck = (sec - rev.lastAckSec) * 1e9 + (nsec - rev.lastAckNsec);
      // dupacknum is unsigned in Wireshark: its "-1" (after an ACKed unseen segment) counts as >= 2.
      const dupAcks = rev.dupAckNum === -1 ? 0xffffffff : rev.dupAckNum;
      if (seqNotAdvanced && dupAcks >= 2 && rev.lastAck === seq && spanBelow(sinceDupAck, 20000000)) {
        ta |= A_FAST_RETRANSMISSION;
        break retransmission;
      }
      const sinceNext = (sec - fwd.nextSeqSec) * 1e9 + (nsec - fwd.nextSeqNsec);
      const oooThreshold = conv.firstRttNs === 0 ? 3000000 : conv.firstRttNs;
      if (
        seqNotAdvanced &&
        spanBelow(sinceNext, oooThreshold) &&
        fwd.nextSeq !== ((seq + seglen + (flags & (TH_SYN | TH_FIN) ? 1 : 0)) >>> 0)
      ) {
        ta |= A_OUT_OF_ORDER;
        break retransmission;
      }
      if (seqNotAdvanced) ta |= A_RETRANSMISSION;
    }
  }

  let nextSeq = (seq + seglen) >>> 0;
  if (seglen || flags & (TH_SYN | TH_FIN)) {
    // Wireshark counts the SYN/FIN sequence number only for a segment it records, and it stops
    // recording after 10000 unacknowledged ones (a capture that misses the other direction).
    if (fwd.unackedCount < MAX_UNACKED_SEGMENTS) {
      if (flags & (TH_SYN | TH_FIN)) nextSeq = (nextSeq + 1) >>> 0;
      const list = fwd.unacked ?? (fwd.unacked = spareLists.pop() ?? []);
      if (fwd.unackedHead > 0 && fwd.unackedHead >= fwd.unackedCount) {
        // The acknowledged ones before the head outnumber the rest: move the rest to the front
        // (each segment moves at most once for every one acknowledged before it).
        list.copyWithin(0, fwd.unackedHead * UNACKED_STRIDE, (fwd.unackedHead + fwd.unackedCount) * UNACKED_STRIDE);
        fwd.unackedHead = 0;
      }
      const k = (fwd.unackedHead + fwd.unackedCount++) * UNACKED_STRIDE;
      // Written in order: the array grows without holes.
      list[k] = seq;
      list[k + 1] = nextSeq;
      list[k + 2] = frame;
      list[k + 3] = sec;
      list[k + 4] = nsec;
      const low = (seq - fwd.baseSeq) >>> 0;
      const high = (nextSeq - fwd.baseSeq) >>> 0;
      if (fwd.unackedCount === 1) {
        fwd.unackedLow = low;
        fwd.unackedHigh = high;
        fwd.unackedBase = fwd.baseSeq;
      } else if (fwd.unackedBase !== fwd.baseSeq) {
        unackedSpan(fwd);
      } else {
        if (low < fwd.unackedLow) fwd.unackedLow = low;
        if (high > fwd.unackedHigh) fwd.unackedHigh = high;
      }
    }
  }

  if (seqGT(nextSeq, fwd.nextSeq) || fwd.nextSeq === 0) {
    if (!(ta & A_ZERO_WINDOW_PROBE)) {
      fwd.nextSeq = nextSeq;
      fwd.nextSeqSec = sec;
      fwd.nextSeqNsec = nsec;
    }
  }
  if (seq === fwd.maxSeqToBeAcked || fwd.maxSeqToBeAcked === 0) {
    if (!(ta & A_ZERO_WINDOW_PROBE)) fwd.maxSeqToBeAcked = fwd.nextSeq;
  }

  fwd.window = window;
  fwd.lastAck = ack;
  fwd.lastAckSec = sec;
  fwd.lastAckNsec = nsec;
  fwd.lastSegmentFlags = ta;

  // Forget the segments of the other direction that this acknowledges in full; one it
  // acknowledges exactly gives acks_frame and ack_rtt. Wireshark walks its list newest first
  // and the last match wins, so among copies of one segment the oldest (the original) counts.
  let ackedFrame = 0;
  let rttSec = 0;
  let rttNsec = 0;
  const list = rev.unacked;
  const count = rev.unackedCount;
  if (list !== null && count > 0) {
    // Acknowledged segments at the head are dropped by moving the head: a cumulative ACK moves
    // nothing. Those acknowledged after a kept one close up behind it.
    const from = rev.unackedHead * UNACKED_STRIDE;
    const to = from + count * UNACKED_STRIDE;
    let head = -1;
    let w = 0;
    // The span of what stays, relative as bytes in flight compares it (unsigned).
    const base = rev.baseSeq;
    let low = 0xffffffff;
    let high = 0;
    for (let k = from; k < to; k += UNACKED_STRIDE) {
      let start = list[k]!;
      const end = list[k + 1]!;
      if (ack === end) {
        if (ackedFrame === 0) {
          ackedFrame = list[k + 2]!;
          rttSec = sec - list[k + 3]!;
          rttNsec = nsec - list[k + 4]!;
          // Both parts take the sign of the whole.
          if (rttSec > 0 && rttNsec < 0) {
            rttSec -= 1;
            rttNsec += 1e9;
          } else if (rttSec < 0 && rttNsec > 0) {
            rttSec += 1;
            rttNsec -= 1e9;
          }
        }
        continue;
      }
      if (seqGT(ack, start) && seqLE(ack, end)) {
        // Acked in part: the rest stays. `>>> 0` (ack is already a 32-bit number) keeps `start` a
        // raw double in V8's optimised code: merged with the tagged parameter as it is, every
        // load of the list was boxed into a new heap number (a third of the pass's allocations).
        start = ack >>> 0;
      } else if (!seqGT(end, ack)) {
        continue; // acked up to or past its end
      }
      if (head < 0) {
        head = k;
        w = k;
      }
      list[w] = start;
      if (w !== k) {
        list[w + 1] = end;
        list[w + 2] = list[k + 2]!;
        list[w + 3] = list[k + 3]!;
        list[w + 4] = list[k + 4]!;
      }
      w += UNACKED_STRIDE;
      const relStart = (start - base) >>> 0;
      const relEnd = (end - base) >>> 0;
      if (relStart < low) low = relStart;
      if (relEnd > high) high = relEnd;
    }
    rev.unackedHead = head < 0 ? 0 : head / UNACKED_STRIDE;
    rev.unackedCount = head < 0 ? 0 : (w - head) / UNACKED_STRIDE;
    // All acknowledged. A transfer still going on keeps its list's room for the next segments
    // (made again each time, lists were a third of the pass's allocations); a short exchange
    // or a finished direction lets it go (300,000 empty lists were 10 MB, kept rooms far more).
    if (head < 0 && (list.length < UNACKED_REUSED_MIN || rev.finCount > 0 || rev.rstCount > 0)) {
      rev.unacked = null;
      // A short list goes to the next direction that needs one (150,000 short connections made
      // 930,000 lists, 170 MB, each promoted before it died).
      if (list.length < UNACKED_REUSED_MIN && spareLists.length < SPARE_LISTS) spareLists.push(list);
    }
    rev.unackedLow = low;
    rev.unackedHigh = high;
    rev.unackedBase = base;
  }

  // Bytes in flight after this segment: from the lowest start to the highest end this
  // direction still has unacknowledged (relative numbers, compared unsigned as Wireshark does),
  // less what the peer's latest SACK blocks cover.
  let bytesInFlight = 0;
  if (seglen !== 0 && fwd.validBif && fwd.unackedCount > 0) {
    if (fwd.unackedBase !== fwd.baseSeq) unackedSpan(fwd);
    const inFlight = (((fwd.unackedHigh - fwd.unackedLow) >>> 0) - rev.sackedBytes) >>> 0;
    // The SYN or FIN counts in the sequence space but is no byte.
    if (inFlight > 0 && inFlight < 2000000000) bytesInFlight = flags & (TH_SYN | TH_FIN) ? inFlight - 1 : inFlight;
  }

  // Counters for the connection list (derived from the flags just computed).
  if (ta & (A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION)) fwd.retransmissions++;
  if (ta & A_ZERO_WINDOW) fwd.zeroWindows++;
  if (ta & A_DUPLICATE_ACK) fwd.duplicateAcks++;
  if (ta & A_LOST_PACKET) fwd.lostSegments++;

  seqResult.flags = ta;
  seqResult.dupNum = dupNum;
  seqResult.dupFrame = dupFrame;
  seqResult.ackedFrame = ackedFrame;
  seqResult.ackRttSec = rttSec;
  seqResult.ackRttNsec = rttNsec;
  seqResult.bytesInFlight = bytesInFlight;
  return seqResult;
}
