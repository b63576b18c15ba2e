import { AppMessage } from './types';

/** Where one byte of a direction stands. */
export interface Mark {
  /** Its place among the direction's bytes (holes included), without the 32-bit wrap. */
  offset: number;
  /** Its relative sequence number. */
  seq: number;
  /** The frame that carried it. */
  frame: number;
}

/** What every message starts with: where its first byte is, its end and state still unknown. */
export function messageStart(at: Mark): Pick<AppMessage, 'seq' | 'offset' | 'frame' | 'length' | 'headKnown' | 'incomplete' | 'malformed'> {
  return { seq: at.seq, offset: at.offset, frame: at.frame, length: null, headKnown: false, incomplete: false, malformed: null };
}

/** What a parser tells the tracker that drives it. */
export interface ParserHost {
  /** Where bytes[i] of the bytes being read stands. */
  markAt(i: number): Mark;
  /** A message was found. Its fields may still fill in until `settled`. */
  opened(m: AppMessage): void;
  /** The fields a summary shows are final. */
  settled(m: AppMessage): void;
  /** The message ends just before `endOffset`. */
  ended(m: AppMessage, endOffset: number): void;
}

/** Shared by every buffer that holds nothing yet. */
const NO_BYTES = new Uint8Array(0);

/**
 * Buffers of up to CARVE_MAX bytes are carved out of shared slabs. V8 gives every Uint8Array
 * of more than 64 bytes a backing store of its own outside the heap, which costs about 2 µs to
 * make and more to collect: with a line buffer, a probe and a body preview per connection,
 * that was a third of the forward pass over 150,000 short connections. A carve is handed out
 * once (slabs are never reused, only collected when nothing holds a carve of them), so it
 * starts zeroed like a new array. Slabs are small so that a long-lived connection's buffer
 * holds on to little besides itself. A carve's `.buffer` is the whole slab: carves stay inside
 * the parsers, which hand out copies and strings.
 */
const SLAB_BYTES = 8 << 10;
const CARVE_MAX = 2048;
let slab = new ArrayBuffer(0);
let slabUsed = 0;

export function carveBytes(n: number): Uint8Array {
  if (n > CARVE_MAX) return new Uint8Array(n);
  if (slabUsed + n > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const bytes = new Uint8Array(slab, slabUsed, n);
  slabUsed += n;
  return bytes;
}

/**
 * A byte buffer that grows as needed up to a limit (for header lines and hellos). Its bytes are
 * carved (carveBytes) on the first append: most connections' parsers never need every buffer
 * they might.
 */
export class BoundedBuffer {
  bytes: Uint8Array = NO_BYTES;
  length = 0;

  constructor(
    private readonly limit: number,
    private readonly initial = 256,
  ) {}

  /** Appends bytes[from, to) as far as the limit allows; returns how many were taken. */
  append(bytes: Uint8Array, from: number, to: number): number {
    const n = Math.min(to - from, this.limit - this.length);
    if (n <= 0) return 0;
    if (this.length + n > this.bytes.length) {
      let size = Math.max(this.initial, this.bytes.length * 2, 1);
      while (size < this.length + n) size *= 2;
      const grown = carveBytes(Math.min(size, this.limit));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    const into = this.bytes;
    if (n <= 64) {
      // A header line's bytes go one by one: a view to copy them from costs more than the copy
      // (such views were an eighth of the forward pass's allocations).
      for (let k = 0, at = this.length; k < n; k++) into[at + k] = bytes[from + k]!;
    } else {
      into.set(bytes.subarray(from, from + n), this.length);
    }
    this.length += n;
    return n;
  }

  get full(): boolean {
    return this.length >= this.limit;
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** Empties it; a buffer that grew large is let go so an idle connection keeps little. */
  clear(): void {
    this.length = 0;
    if (this.bytes.length > 4096) this.bytes = NO_BYTES;
  }
}

/** Bytes as ISO-8859-1 characters, one per byte: the raw text of a header. */
export function latin1(bytes: Uint8Array, from = 0, to = bytes.length, maxChars = Infinity): string {
  const end = Math.min(to, from + maxChars);
  let s = '';
  // A few characters are quickest one by one; more go through apply, in slices the argument
  // list can hold (a spread walks an iterator, several times slower on every header line).
  if (end - from <= 16) {
    for (let i = from; i < end; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  for (let i = from; i < end; i += 4096) s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  return s;
}

/**
 * Bytes as UTF-8, tolerant: a malformed sequence becomes U+FFFD, and a character cut off at the
 * end is dropped (a preview ends where its bytes do).
 */
export function utf8(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      s += String.fromCharCode(b);
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else {
      s += '\ufffd';
      i++;
      continue;
    }
    if (i + need >= n) {
      // Too few bytes left: a character the end of the preview cut in two is left out.
      let continuation = true;
      for (let k = i + 1; k < n; k++) if ((bytes[k]! & 0xc0) !== 0x80) continuation = false;
      if (continuation) break;
    }
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    let k = 1;
    for (; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) break;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (k <= need || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      s += '\ufffd';
      i += k;
      continue;
    }
    s += String.fromCodePoint(cp);
    i += need + 1;
  }
  return s;
}
