import { seqDiff, seqGT, seqLT } from '../tcp/seq';
import { StreamBytesSink } from './types';

/**
 * One direction of a TCP connection put back in sequence order, the way Wireshark 4.0's Follow
 * TCP Stream does it (the follow tap in epan/dissectors/packet-tcp.c), so that our Follow shows
 * the same bytes in the same pieces as `tshark -z follow,tcp,raw`:
 *
 * - The first segment of the direction sets where the stream starts (a SYN's byte is not data).
 * - A segment that starts where the stream stands is delivered at once. The next expected number
 *   then moves by the segment's length on the wire, so bytes the snapshot length cut off are
 *   passed over (reported as missing with cause `cut`; Wireshark shows nothing for them).
 * - A segment that starts before it (a retransmission, an overlap) gives only its new bytes.
 * - A segment that starts beyond it waits, copied, until the hole before it fills. Waiting
 *   segments are taken, whenever the stream moves, in the order they arrived among those that
 *   now fit (Wireshark walks its list from the front), and move the stream by the bytes they
 *   hold.
 * - When the peer acknowledges past the lowest waiting segment, the bytes in the hole were
 *   received but never captured: the hole is reported missing (cause `unseen`, Wireshark's
 *   "[N bytes missing in capture file]") and the stream goes on from that segment. Call
 *   `acknowledged` with each of the peer's segments before this direction's next segment.
 * - Segments still waiting at the end of the capture are dropped, as Wireshark drops them,
 *   unless `finish(true)` asks for them.
 *
 * What Wireshark does not do: waiting bytes are bounded (`maxBuffered`). When they would exceed
 * it, the lowest hole is given up (cause `overflow`) so a hostile capture cannot make memory
 * grow without limit. Each segment costs O(log n) in the number of waiting segments.
 *
 * Sequence numbers are 32-bit and wrap; pass them relative, as Wireshark's tap sees them.
 */

export interface ReassemblyOptions {
  /**
   * Most bytes kept waiting behind holes (each waiting segment also counts a fixed 64 bytes for
   * its bookkeeping). Default 32 MiB.
   */
  maxBuffered?: number;
}

export const DEFAULT_MAX_BUFFERED = 32 << 20;
const COST_PER_WAITING = 64;
const TH_SYN = 0x002;

/** A segment waiting for the hole before it to fill. */
interface Waiting {
  seq: number;
  /** Its place on an unwrapped number line shared with `DirectionReassembler.position`. */
  at: number;
  /** Arrival order: Wireshark takes the earliest that fits. */
  order: number;
  frame: number;
  bytes: Uint8Array;
}

// Shared by every reassembler: one closure each per connection was garbage a big capture felt.
const byStart = (a: Waiting, b: Waiting): number => a.at - b.at || a.order - b.order;
const byArrival = (a: Waiting, b: Waiting): number => a.order - b.order;

export class DirectionReassembler {
  private next = 0;
  /** `next` without the 32-bit wrap: waiting segments are ordered on this line. */
  private position = 0;
  /** Bytes delivered by segments that came in order (Wireshark's bytes_written). */
  private inOrderBytes = 0;
  private arrivals = 0;
  private buffered = 0;
  private readonly maxBuffered: number;
  /** Waiting segments that start beyond `position`, lowest first. */
  private ahead = new MinHeap<Waiting>(byStart);
  /** Waiting segments that now start at or before `position`, earliest arrival first. */
  private readonly fitting = new MinHeap<Waiting>(byArrival);

  constructor(
    private readonly sink: StreamBytesSink,
    options: ReassemblyOptions = {},
  ) {
    this.maxBuffered = Math.max(0, options.maxBuffered ?? DEFAULT_MAX_BUFFERED);
  }

  /** The relative sequence number the stream expects next. */
  get nextSeq(): number {
    return this.next;
  }

  /** Bytes (with bookkeeping) held behind holes right now. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * One segment of this direction, in capture order. `payload` holds the captured bytes (it is
   * read during the call only); `wireLength` is tcp.len, which exceeds them when the snapshot
   * length cut the packet.
   */
  segment(frame: number, seq: number, flags: number, payload: Uint8Array, wireLength: number): void {
    let sequence = flags & TH_SYN ? (seq + 1) >>> 0 : seq >>> 0;
    let length = wireLength >>> 0;
    let captured = Math.min(payload.length, length);
    let offset = 0;

    // Wireshark takes the first segment's number as the start while nothing came in order and
    // the start is still 0 (its "not set yet").
    if (this.inOrderBytes === 0 && this.next === 0 && sequence !== 0) this.restart(sequence);

    if (seqLT(sequence, this.next)) {
      const end = (sequence + length) >>> 0;
      if (!seqGT(end, this.next)) {
        if (length > 0) this.sink.repeated?.(frame, sequence, length);
        return;
      }
      offset = seqDiff(this.next, sequence);
      this.sink.repeated?.(frame, sequence, offset);
      captured = Math.max(0, captured - offset);
      sequence = this.next;
      length = seqDiff(end, this.next);
    }
    if (captured === 0) return;

    if (sequence === this.next) {
      this.sink.data(frame, sequence, payload.subarray(offset, offset + captured));
      if (length > captured) this.sink.missing(frame, (sequence + captured) >>> 0, length - captured, 'cut');
      this.inOrderBytes += captured;
      this.advance(length);
      this.drain();
      return;
    }

    const ahead = seqDiff(sequence, this.next);
    this.ahead.push({
      seq: sequence,
      at: this.position + ahead,
      order: this.arrivals++,
      frame,
      bytes: payload.slice(offset, offset + captured),
    });
    this.buffered += captured + COST_PER_WAITING;
    while (this.buffered > this.maxBuffered && this.waiting > 0) this.skipToLowest(frame, 'overflow');
  }

  /**
   * The peer acknowledged `ack` in `frame` (its relative ack when the ACK flag is set; Wireshark
   * compares the raw field when it is not). Holes below it were received, just not captured.
   */
  acknowledged(frame: number, ack: number): void {
    while (this.waiting > 0) {
      this.drain();
      const lowest = this.ahead.peek();
      if (!lowest || !seqGT(ack >>> 0, lowest.seq)) return;
      this.skipToLowest(frame, 'unseen');
    }
  }

  /**
   * The capture ended. Segments still waiting are dropped (as in Wireshark), or with `flush`
   * delivered after their holes, reported missing with cause `end`.
   */
  finish(flush = false): void {
    if (flush) {
      while (this.waiting > 0) {
        this.drain();
        const lowest = this.ahead.peek();
        if (lowest) this.skipToLowest(lowest.frame, 'end');
      }
    }
    this.ahead = new MinHeap<Waiting>(byStart);
    this.fitting.clear();
    this.buffered = 0;
  }

  private get waiting(): number {
    return this.ahead.size + this.fitting.size;
  }

  private advance(n: number): void {
    this.next = (this.next + n) >>> 0;
    this.position += n;
  }

  /** The hole up to the lowest waiting segment is given up; the stream goes on from there. */
  private skipToLowest(frame: number, cause: 'unseen' | 'overflow' | 'end'): void {
    const lowest = this.ahead.peek();
    if (!lowest) return;
    const gap = lowest.at - this.position;
    if (gap > 0) {
      this.sink.missing(frame, this.next, gap, cause);
      this.advance(gap);
    }
    this.drain();
  }

  /** Delivers waiting segments that now fit, earliest arrival first, until none fits. */
  private drain(): void {
    for (;;) {
      while (this.ahead.size > 0 && this.ahead.peek()!.at <= this.position) this.fitting.push(this.ahead.pop()!);
      const w = this.fitting.pop();
      if (!w) return;
      this.buffered -= w.bytes.length + COST_PER_WAITING;
      const end = w.at + w.bytes.length;
      if (end <= this.position) {
        this.sink.repeated?.(w.frame, w.seq, w.bytes.length);
        continue;
      }
      const skip = this.position - w.at;
      if (skip > 0) this.sink.repeated?.(w.frame, w.seq, skip);
      this.sink.data(w.frame, this.next, skip > 0 ? w.bytes.subarray(skip) : w.bytes);
      this.advance(end - this.position);
    }
  }

  /** The stream starts again at `sequence`; segments already waiting keep their numbers. */
  private restart(sequence: number): void {
    this.next = sequence;
    if (this.waiting === 0) return;
    const all: Waiting[] = [];
    for (let w = this.ahead.pop(); w; w = this.ahead.pop()) all.push(w);
    for (let w = this.fitting.pop(); w; w = this.fitting.pop()) all.push(w);
    for (const w of all) {
      w.at = this.position + seqDiff(w.seq, sequence);
      this.ahead.push(w);
    }
  }
}

/** A binary min-heap. */
class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  clear(): void {
    this.items.length = 0;
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.less(a[i]!, a[parent]!) >= 0) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
