import { DecodedFrame } from '../decode/frame';
import { formatAddress } from '../decode/address';
import { C_DATA, C_SYN, TH_ACK, TH_SYN, completenessBits } from './analysis';

/**
 * tshark's conversation table (`-z conv,tcp`, tcp.stream, tcp.completeness, the iRTT) without
 * the sequence analysis: what `tcp-explainer conversations` prints, in one pass that keeps no
 * object per connection.
 *
 * Each connection is a row of typed-array columns, not an object: a capture of 150,000
 * connections then costs the garbage collector nothing (objects of numbers cost a boxed number
 * per field, and copying them between generations was a quarter of the pass), and a lookup is
 * a probe into an Int32Array. The rules are TcpAnalyzer's (stream numbers, port reuse, the
 * counts and completeness Wireshark gives); a test proves the two equal on every capture.
 */
export class ConversationTable {
  /** Connections found, numbered from 0 in the order their first segment came (tcp.stream). */
  count = 0;
  /** Slots looked at while looking segments up: the cost a flooded probe chain would show. */
  probes = 0;
  private capacity = 0;

  // Identity: both addresses as big-endian words (IPv4 uses the first), the ports, A = first sender.
  private addrLen = new Uint8Array(0);
  private addrA = new Int32Array(0);
  private addrB = new Int32Array(0);
  private portA = new Uint16Array(0);
  private portB = new Uint16Array(0);
  /** Wireshark's flow1 is the direction from the end that compares greater (address, then port). */
  private aIsGreater = new Uint8Array(0);
  /** Per flow (2 per connection, flow1 then flow2): the base sequence number, once known. */
  private baseSeqSet = new Uint8Array(0);
  private baseSeq = new Uint32Array(0);

  // What the capture shows of each connection. Nanoseconds are doubles too: a damaged record
  // may hold a fraction beyond a second, and it is kept as it is read.
  firstFrame = new Float64Array(0);
  lastFrame = new Float64Array(0);
  firstSec = new Float64Array(0);
  firstNsec = new Float64Array(0);
  lastSec = new Float64Array(0);
  lastNsec = new Float64Array(0);
  /** Per direction (2 per connection: A to B, then B to A). */
  packets = new Float64Array(0);
  bytes = new Float64Array(0);
  payloadBytes = new Float64Array(0);
  completeness = new Uint8Array(0);
  /** What the first segment would add were it not the first (see TcpConversation.firstSegmentBits). */
  firstSegmentBits = new Uint8Array(0);
  private mruSynSec = new Float64Array(0);
  private mruSynNsec = new Float64Array(0);
  /** Initial RTT in ns; 0 = not known. */
  firstRttNs = new Float64Array(0);
  /** Who sent the first pure SYN: 0 nobody, 1 A, 2 B. */
  synSender = new Uint8Array(0);
  /** 1 when the connection began with a SYN of another ISN on ports an earlier one used (TcpConversation.startedByReuse). */
  startedByReuse = new Uint8Array(0);

  /** Open addressing: row + 1 of the newest connection on a 4-tuple, 0 = empty. */
  private slots = new Int32Array(1 << 12);
  private slotHash = new Int32Array(1 << 12);

  private readonly words = new Int32Array(8);
  /** Made by ofColumns: its lookup slots are not there, so it cannot count. */
  private readOnly = false;

  /**
   * Counts one TCP segment (file order). `frameLen` is its length on the wire. Returns the
   * segment's connection (its tcp.stream), counted or not.
   */
  segment(frame: number, sec: number, nsec: number, frameLen: number, f: DecodedFrame): number {
    if (this.readOnly) throw new Error('a conversation table handed over from another thread only reads');
    const d = f.data;
    const v6 = f.addrLen === 16;
    const w = this.words;
    const s = f.srcAddrOffset;
    const t = f.dstAddrOffset;
    w[0] = wordAt(d, s);
    w[4] = wordAt(d, t);
    if (v6) {
      w[1] = wordAt(d, s + 4);
      w[2] = wordAt(d, s + 8);
      w[3] = wordAt(d, s + 12);
      w[5] = wordAt(d, t + 4);
      w[6] = wordAt(d, t + 8);
      w[7] = wordAt(d, t + 12);
    } else {
      w[1] = w[2] = w[3] = w[5] = w[6] = w[7] = 0;
    }
    const sport = f.srcPort;
    const dport = f.dstPort;
    const srcGreater = compareEnds(w, sport, dport) > 0;
    const hash = tupleHash(w, sport, dport, srcGreater, f.addrLen);

    let slot = this.find(hash, f.addrLen, sport, dport);
    let c = slot >= 0 ? this.slots[slot]! - 1 : -1;
    let isNew = false;
    if (c < 0) {
      c = this.create(frame, sec, nsec, f.addrLen, sport, dport, srcGreater);
      slot = this.place(hash, c);
      isNew = true;
    }
    const flags = f.flags;
    const seq = f.seq;
    // Wireshark's flow1 goes from the greater end: this segment's direction decides its flow.
    let fwd = 2 * c + (srcGreater ? 0 : 1);
    if ((flags & (TH_SYN | TH_ACK)) === TH_SYN && this.baseSeqSet[fwd] && seq !== this.baseSeq[fwd]) {
      // A SYN with another ISN on the same ports: a new connection (its SYN's sender is A), a
      // new stream, the one this 4-tuple finds from now on.
      c = this.create(frame, sec, nsec, f.addrLen, sport, dport, srcGreater);
      this.slots[slot] = c + 1;
      this.completeness[c] = C_SYN;
      this.startedByReuse[c] = 1;
      fwd = 2 * c + (srcGreater ? 0 : 1);
    }
    const fromA = this.isA(c, sport);
    if ((flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK) && this.baseSeqSet[fwd] && seq !== this.baseSeq[fwd]) this.baseSeq[fwd] = seq;

    const dir = 2 * c + (fromA ? 0 : 1);
    this.lastFrame[c] = frame;
    this.lastSec[c] = sec;
    this.lastNsec[c] = nsec;
    if (f.tcpHeaderLen < 20) return c; // neither counted nor analysed, as in tshark
    this.packets[dir]++;
    this.bytes[dir] += frameLen;
    this.payloadBytes[dir] += f.payloadLen;

    if (f.headerValid) {
      if (!this.baseSeqSet[fwd]) {
        this.baseSeq[fwd] = flags & TH_SYN ? seq : (seq - 1) >>> 0;
        this.baseSeqSet[fwd] = 1;
      }
      const rev = fwd ^ 1;
      if (!this.baseSeqSet[rev] && flags & TH_ACK) {
        this.baseSeq[rev] = (f.ack - 1) >>> 0;
        this.baseSeqSet[rev] = 1;
      }
    }

    // Completeness: a pure SYN counts only when it opens the conversation.
    const segLen = f.payloadLen;
    const bits = completenessBits(flags, segLen);
    if (isNew) {
      if ((flags & (TH_SYN | TH_ACK)) === TH_SYN) this.completeness[c] |= segLen > 0 ? C_SYN | C_DATA : C_SYN;
      this.firstSegmentBits[c] = bits;
    } else {
      this.completeness[c] |= bits;
    }
    if ((flags & (TH_SYN | TH_ACK)) === TH_SYN) {
      this.mruSynSec[c] = sec;
      this.mruSynNsec[c] = nsec;
      if (this.synSender[c] === 0) this.synSender[c] = fromA ? 1 : 2;
    } else if ((flags & (TH_SYN | TH_ACK)) === TH_ACK) {
      if ((this.mruSynSec[c] !== 0 || this.mruSynNsec[c] !== 0) && this.firstRttNs[c] === 0) {
        this.firstRttNs[c] = (sec - this.mruSynSec[c]!) * 1e9 + (nsec - this.mruSynNsec[c]!);
      }
    }
    return c;
  }

  /**
   * The columns a reader of the table needs (rows, sorting, filtering, finding a connection's
   * segments), as views of the connections found: a table counted in one thread is handed to
   * another by transferring their buffers, not copying them (the rows past the count were
   * never written, so they cost no memory). A table whose buffers were transferred is gone.
   */
  readColumns(): TableColumns {
    const n = this.count;
    return {
      count: n,
      addrLen: this.addrLen.subarray(0, n),
      addrA: this.addrA.subarray(0, 4 * n),
      addrB: this.addrB.subarray(0, 4 * n),
      portA: this.portA.subarray(0, n),
      portB: this.portB.subarray(0, n),
      firstFrame: this.firstFrame.subarray(0, n),
      lastFrame: this.lastFrame.subarray(0, n),
      firstSec: this.firstSec.subarray(0, n),
      firstNsec: this.firstNsec.subarray(0, n),
      lastSec: this.lastSec.subarray(0, n),
      lastNsec: this.lastNsec.subarray(0, n),
      packets: this.packets.subarray(0, 2 * n),
      bytes: this.bytes.subarray(0, 2 * n),
      payloadBytes: this.payloadBytes.subarray(0, 2 * n),
      completeness: this.completeness.subarray(0, n),
      firstSegmentBits: this.firstSegmentBits.subarray(0, n),
      firstRttNs: this.firstRttNs.subarray(0, n),
      synSender: this.synSender.subarray(0, n),
      startedByReuse: this.startedByReuse.subarray(0, n),
    };
  }

  /** A table to read, from readColumns() of one counted elsewhere: it counts no more segments. */
  static ofColumns(c: TableColumns): ConversationTable {
    const t = new ConversationTable();
    t.count = t.capacity = c.count;
    t.addrLen = c.addrLen;
    t.addrA = c.addrA;
    t.addrB = c.addrB;
    t.portA = c.portA;
    t.portB = c.portB;
    t.firstFrame = c.firstFrame;
    t.lastFrame = c.lastFrame;
    t.firstSec = c.firstSec;
    t.firstNsec = c.firstNsec;
    t.lastSec = c.lastSec;
    t.lastNsec = c.lastNsec;
    t.packets = c.packets;
    t.bytes = c.bytes;
    t.payloadBytes = c.payloadBytes;
    t.completeness = c.completeness;
    t.firstSegmentBits = c.firstSegmentBits;
    t.firstRttNs = c.firstRttNs;
    t.synSender = c.synSender;
    t.startedByReuse = c.startedByReuse;
    t.readOnly = true;
    return t;
  }

  /** Whether a decoded TCP frame belongs to connection c's 4-tuple, either way. */
  sameEnds(c: number, f: DecodedFrame): boolean {
    if (f.addrLen !== this.addrLen[c]) return false;
    const d = f.data;
    const o = 4 * c;
    const A = this.addrA;
    const B = this.addrB;
    const v6 = f.addrLen === 16;
    const at = (base: number, words: Int32Array): boolean =>
      wordAt(d, base) === words[o] && (!v6 || (wordAt(d, base + 4) === words[o + 1] && wordAt(d, base + 8) === words[o + 2] && wordAt(d, base + 12) === words[o + 3]));
    if (f.srcPort === this.portA[c] && f.dstPort === this.portB[c] && at(f.srcAddrOffset, A) && at(f.dstAddrOffset, B)) return true;
    return f.srcPort === this.portB[c] && f.dstPort === this.portA[c] && at(f.srcAddrOffset, B) && at(f.dstAddrOffset, A);
  }

  /** tcp.completeness as tshark -2 shows it on the last segment (TcpConversation.displayedCompleteness). */
  displayedCompleteness(c: number): number {
    return this.packets[2 * c]! + this.packets[2 * c + 1]! > 1 ? this.completeness[c]! | this.firstSegmentBits[c]! : this.completeness[c]!;
  }

  /** The client is the side that sent the first SYN; without one, the first sender. */
  clientIsA(c: number): boolean {
    return this.synSender[c] !== 2;
  }

  /** One end's address as text: side 0 is A (the first sender), 1 is B. */
  address(c: number, side: 0 | 1): string {
    const words = side === 0 ? this.addrA : this.addrB;
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 4; i++) {
      const x = words[4 * c + i]!;
      bytes[4 * i] = x >>> 24;
      bytes[4 * i + 1] = (x >>> 16) & 0xff;
      bytes[4 * i + 2] = (x >>> 8) & 0xff;
      bytes[4 * i + 3] = x & 0xff;
    }
    return formatAddress(bytes, 0, this.addrLen[c]!);
  }

  /**
   * The length of endpointText() for one end ("10.0.0.1:4000", "[::1]:4000"), counted without
   * making the text for IPv4: a table of 150,000 rows is sized before it is printed.
   */
  endpointTextLength(c: number, side: 0 | 1): number {
    const port = side === 0 ? this.portA[c]! : this.portB[c]!;
    if (this.addrLen[c] !== 4) return this.address(c, side).length + 3 + decimalDigits(port);
    const x = (side === 0 ? this.addrA : this.addrB)[4 * c]!;
    return decimalDigits(x >>> 24) + decimalDigits((x >>> 16) & 0xff) + decimalDigits((x >>> 8) & 0xff) + decimalDigits(x & 0xff) + 4 + decimalDigits(port);
  }

  /** One end's address as four big-endian words (IPv4 in the first, the others 0), into `out`. */
  addressWords(c: number, side: 0 | 1, out: number[]): void {
    const words = side === 0 ? this.addrA : this.addrB;
    for (let i = 0; i < 4; i++) out[i] = words[4 * c + i]!;
  }

  /** An IPv4 end's address as a big-endian word (side 0 is A). */
  ipv4Word(c: number, side: 0 | 1): number {
    return (side === 0 ? this.addrA : this.addrB)[4 * c]!;
  }

  /** 4 or 16. */
  addressLength(c: number): number {
    return this.addrLen[c]!;
  }

  port(c: number, side: 0 | 1): number {
    return side === 0 ? this.portA[c]! : this.portB[c]!;
  }

  private isA(c: number, sport: number): boolean {
    const w = this.words;
    const o = 4 * c;
    const a = this.addrA;
    return sport === this.portA[c] && w[0] === a[o] && w[1] === a[o + 1] && w[2] === a[o + 2] && w[3] === a[o + 3];
  }

  /** The slot holding this 4-tuple's newest connection, or -(free slot) - 1. */
  private find(hash: number, addrLen: number, sport: number, dport: number): number {
    const mask = this.slots.length - 1;
    const w = this.words;
    const A = this.addrA;
    const B = this.addrB;
    // An IPv4 row keeps zeros past its first word, as `words` has them: one word tells.
    const v4 = addrLen === 4;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      this.probes++;
      const v = this.slots[i]!;
      if (v === 0) return -1;
      if (this.slotHash[i] !== hash) continue;
      const c = v - 1;
      if (this.addrLen[c] !== addrLen) continue;
      const o = 4 * c;
      if (this.portA[c] === sport && this.portB[c] === dport && A[o] === w[0] && B[o] === w[4] && (v4 || (A[o + 1] === w[1] && A[o + 2] === w[2] && A[o + 3] === w[3] && B[o + 1] === w[5] && B[o + 2] === w[6] && B[o + 3] === w[7]))) return i;
      if (this.portA[c] === dport && this.portB[c] === sport && A[o] === w[4] && B[o] === w[0] && (v4 || (A[o + 1] === w[5] && A[o + 2] === w[6] && A[o + 3] === w[7] && B[o + 1] === w[1] && B[o + 2] === w[2] && B[o + 3] === w[3]))) return i;
    }
  }

  private place(hash: number, c: number): number {
    // Keep the table at most half full: probes stay short.
    if (2 * (this.count + 1) > this.slots.length) this.rehash(this.slots.length * 2);
    const mask = this.slots.length - 1;
    let i = hash & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = c + 1;
    this.slotHash[i] = hash;
    return i;
  }

  private rehash(size: number): void {
    const oldSlots = this.slots;
    const oldHash = this.slotHash;
    this.slots = new Int32Array(size);
    this.slotHash = new Int32Array(size);
    const mask = size - 1;
    for (let j = 0; j < oldSlots.length; j++) {
      const v = oldSlots[j]!;
      if (v === 0) continue;
      let i = oldHash[j]! & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = v;
      this.slotHash[i] = oldHash[j]!;
    }
  }

  /** A new row whose A is this segment's source (the words in `this.words`, source first). */
  private create(frame: number, sec: number, nsec: number, addrLen: number, portA: number, portB: number, aIsGreater: boolean): number {
    if (this.count === this.capacity) this.grow();
    const c = this.count++;
    this.addrLen[c] = addrLen;
    const o = 4 * c;
    const w = this.words;
    const A = this.addrA;
    const B = this.addrB;
    A[o] = w[0]!;
    A[o + 1] = w[1]!;
    A[o + 2] = w[2]!;
    A[o + 3] = w[3]!;
    B[o] = w[4]!;
    B[o + 1] = w[5]!;
    B[o + 2] = w[6]!;
    B[o + 3] = w[7]!;
    this.portA[c] = portA;
    this.portB[c] = portB;
    this.aIsGreater[c] = aIsGreater ? 1 : 0;
    this.firstFrame[c] = this.lastFrame[c] = frame;
    this.firstSec[c] = this.lastSec[c] = sec;
    this.firstNsec[c] = this.lastNsec[c] = nsec;
    return c;
  }

  private grow(): void {
    // Four times, not twice: half the copying (it was 6% of counting 150,000 connections) and
    // a lower peak. The rows past the count are never written, so the big mmap'd arrays cost
    // no memory until they are used.
    const n = Math.max(4096, this.capacity * 4);
    this.addrLen = grownU8(this.addrLen, n);
    this.addrA = grownI32(this.addrA, 4 * n);
    this.addrB = grownI32(this.addrB, 4 * n);
    this.portA = grownU16(this.portA, n);
    this.portB = grownU16(this.portB, n);
    this.aIsGreater = grownU8(this.aIsGreater, n);
    this.baseSeqSet = grownU8(this.baseSeqSet, 2 * n);
    this.baseSeq = grownU32(this.baseSeq, 2 * n);
    this.firstFrame = grownF64(this.firstFrame, n);
    this.lastFrame = grownF64(this.lastFrame, n);
    this.firstSec = grownF64(this.firstSec, n);
    this.firstNsec = grownF64(this.firstNsec, n);
    this.lastSec = grownF64(this.lastSec, n);
    this.lastNsec = grownF64(this.lastNsec, n);
    this.packets = grownF64(this.packets, 2 * n);
    this.bytes = grownF64(this.bytes, 2 * n);
    this.payloadBytes = grownF64(this.payloadBytes, 2 * n);
    this.completeness = grownU8(this.completeness, n);
    this.firstSegmentBits = grownU8(this.firstSegmentBits, n);
    this.mruSynSec = grownF64(this.mruSynSec, n);
    this.mruSynNsec = grownF64(this.mruSynNsec, n);
    this.firstRttNs = grownF64(this.firstRttNs, n);
    this.synSender = grownU8(this.synSender, n);
    this.startedByReuse = grownU8(this.startedByReuse, n);
    this.capacity = n;
  }
}

/** The columns of a ConversationTable that readers use (see readColumns). */
export interface TableColumns {
  count: number;
  addrLen: Uint8Array<ArrayBuffer>;
  addrA: Int32Array<ArrayBuffer>;
  addrB: Int32Array<ArrayBuffer>;
  portA: Uint16Array<ArrayBuffer>;
  portB: Uint16Array<ArrayBuffer>;
  firstFrame: Float64Array<ArrayBuffer>;
  lastFrame: Float64Array<ArrayBuffer>;
  firstSec: Float64Array<ArrayBuffer>;
  firstNsec: Float64Array<ArrayBuffer>;
  lastSec: Float64Array<ArrayBuffer>;
  lastNsec: Float64Array<ArrayBuffer>;
  packets: Float64Array<ArrayBuffer>;
  bytes: Float64Array<ArrayBuffer>;
  payloadBytes: Float64Array<ArrayBuffer>;
  completeness: Uint8Array<ArrayBuffer>;
  firstSegmentBits: Uint8Array<ArrayBuffer>;
  firstRttNs: Float64Array<ArrayBuffer>;
  synSender: Uint8Array<ArrayBuffer>;
  startedByReuse: Uint8Array<ArrayBuffer>;
}

/** The buffers of a TableColumns, to transfer them to another thread. */
export function columnBuffers(c: TableColumns): ArrayBuffer[] {
  return Object.values(c).filter((v): v is ArrayBufferView<ArrayBuffer> => ArrayBuffer.isView(v)).map((v) => v.buffer);
}

// One function per column type keeps each call site monomorphic.
function grownF64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
function grownI32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
function grownU32(a: Uint32Array, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}
function grownU16(a: Uint16Array, n: number): Uint16Array<ArrayBuffer> {
  const b = new Uint16Array(n);
  b.set(a);
  return b;
}
function grownU8(a: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}

/**
 * How many decimal digits a non-negative integer below 2^53 has. Small numbers are answered
 * by comparison: `conversations` sizes and writes several per row, 150,000 rows.
 */
export function decimalDigits(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10000) return 4;
  if (n < 100000) return 5;
  if (n < 1000000) return 6;
  let d = 6;
  let x = Math.floor(n / 1000000);
  while (x > 0) {
    x = Math.floor(x / 10);
    d++;
  }
  return d;
}

function wordAt(d: Uint8Array, o: number): number {
  return (d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!;
}

/** Source end against destination end, as Wireshark compares them: address bytes, then port. */
function compareEnds(w: Int32Array, sport: number, dport: number): number {
  for (let i = 0; i < 4; i++) {
    const x = w[i]! >>> 0;
    const y = w[4 + i]! >>> 0;
    if (x !== y) return x > y ? 1 : -1;
  }
  return sport > dport ? 1 : -1;
}

/**
 * Keyed per process, so nobody can craft a capture whose connections all land on one probe
 * chain (a capture is data from strangers).
 */
const HASH_KEY = (Math.random() * 0x100000000) | 0;

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x5bd1e995);
  return h ^ (h >>> 15);
}

/** The slots' hash of a segment's 4-tuple (the ends in `w`, source first), the same both ways. */
function tupleHash(w: Int32Array, sport: number, dport: number, srcGreater: boolean, addrLen: number): number {
  return addrLen === 16 ? endsHash(w, sport, dport, srcGreater, addrLen) : endsHash4(w[0]!, w[4]!, sport, dport, srcGreater);
}

/** endsHash for IPv4, whose other words are zero: a third of the mixing, on nearly every packet. */
function endsHash4(src: number, dst: number, sport: number, dport: number, srcGreater: boolean): number {
  let h = HASH_KEY ^ 4;
  h = mix(h, srcGreater ? dst : src);
  h = mix(h, srcGreater ? dport : sport);
  h = mix(h, srcGreater ? src : dst);
  h = mix(h, srcGreater ? sport : dport);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The same for both directions: the ends go in one canonical order, lesser first. */
function endsHash(w: Int32Array, sport: number, dport: number, srcGreater: boolean, addrLen: number): number {
  const lo = srcGreater ? 4 : 0;
  const hi = srcGreater ? 0 : 4;
  let h = HASH_KEY ^ addrLen;
  h = mix(h, w[lo]!);
  h = mix(h, w[lo + 1]!);
  h = mix(h, w[lo + 2]!);
  h = mix(h, w[lo + 3]!);
  h = mix(h, srcGreater ? dport : sport);
  h = mix(h, w[hi]!);
  h = mix(h, w[hi + 1]!);
  h = mix(h, w[hi + 2]!);
  h = mix(h, w[hi + 3]!);
  h = mix(h, srcGreater ? sport : dport);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
