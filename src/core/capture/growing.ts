import { u32 } from './bytes';
import { openCapture } from './open';
import { MAX_RECORD_LEN, PcapReader, isPcapMagic, PCAP_MAGIC_NS_LE, PCAP_MAGIC_US_LE } from './pcap';
import { BYTE_ORDER_MAGIC, MAX_BLOCK_LEN, PCAPNG_SHB, PcapngReader } from './pcapng';
import { ByteSource, PagedReader } from './source';
import { CaptureFormatError, CaptureInfo, CaptureProblem, CaptureRecord, RecordReader, newRecord } from './types';

/**
 * A capture that is still being written: the pipe from a running dumpcap or tcpdump, or a file
 * another program appends to. Bytes are pushed as they arrive; every whole record is read as
 * soon as its last byte is in, and a partial one waits for the rest.
 *
 * The records are parsed by the same readers as a file (PcapReader, PcapngReader), so
 * timestamps, interfaces, sections and damage reports are exactly a file's. What this class
 * adds is framing: it finds where each record ends and shows the reader only whole records,
 * so the reader never mistakes "not here yet" for "cut short". When the reader has read all
 * there is, it waits; new bytes let it go on from where it stopped (RecordReader.seek).
 *
 * It never throws. Damage ends reading with a problem (offset, packet number) as a file's
 * reader reports it; a record longer than the readers' limits is damage, not a reason to wait
 * for gigabytes. Bytes already read are let go: memory holds the unread records and one
 * partial record at most. `next()` returns null "for now": call it again after `push`.
 */
export class GrowingCapture implements RecordReader {
  readonly problems: CaptureProblem[] = [];
  /** The bytes held: stream offsets [base, base + filled). */
  private bytes = new Uint8Array(1 << 16);
  private base = 0;
  private filled = 0;
  /** Stream offset up to which the bytes are whole records (all that the reader may see). */
  private whole = 0;
  /** Where framing looks for the next record's header. */
  private frameAt = 0;
  private mode: 'start' | 'pcap' | 'pcapng' | 'damaged' = 'start';
  /** Byte order of the pcap file or of the current pcapng section (for record lengths). */
  private le = true;
  private pcapLimit = MAX_RECORD_LEN;
  private reader: PcapReader | PcapngReader | null = null;
  private readerProblems = 0;
  /** The reader read every whole record there was: it goes on when more arrive. */
  private waiting = false;
  /** The reader met damage (or the end): nothing more will come. */
  private stopped = false;
  private ended = false;
  /** A record read ahead by `hasRecord`, handed out by the next `next()`. */
  private ahead: CaptureRecord | null = null;
  private readonly rec = newRecord();
  private readonly source: ByteSource;

  constructor() {
    // The reader sees the whole records only: its "end of file" is the end of what is whole.
    const self = this;
    this.source = {
      get size() {
        return self.whole;
      },
      read(offset: number, length: number): Uint8Array {
        return self.view(offset, length);
      },
    };
  }

  /** True once the file header (pcap) or first section header (pcapng) is read. */
  get started(): boolean {
    return this.reader !== null;
  }

  /** True after `end()` once every record is read, or after damage ended reading. */
  get finished(): boolean {
    return this.stopped && this.ahead === null;
  }

  /** What the capture is; an empty pcap description until `started`. */
  get info(): CaptureInfo {
    return this.reader?.info ?? NOT_STARTED;
  }

  /** Stream offset of the next record to read. */
  get position(): number {
    return this.reader?.position ?? 0;
  }

  /** Bytes received so far. */
  get received(): number {
    return this.base + this.filled;
  }

  /** Bytes of memory the buffer takes now: unread records, one partial record, room to grow. */
  get held(): number {
    return this.bytes.length;
  }

  /** More bytes of the stream, in order. The chunk is copied: the caller may reuse it. */
  push(chunk: Uint8Array): void {
    if (this.ended || chunk.length === 0) return;
    this.append(chunk);
    this.frame();
  }

  /** The stream ended: what is left is read, and a partial record is reported as cut short. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.whole = this.base + this.filled;
    if (!this.reader && !this.stopped) this.open();
  }

  /** True when a whole record is ready: `next()` will return it. */
  hasRecord(): boolean {
    if (this.ahead) return true;
    const r = this.pull();
    if (!r) return false;
    this.ahead = copyRecord(r, this.rec);
    return true;
  }

  /**
   * The next whole record, or null when none is here yet (or reading has ended). As from a
   * file's reader, the record is valid until the next call to `next()` or `hasRecord()`.
   */
  next(): CaptureRecord | null {
    if (this.ahead) {
      const r = this.ahead;
      this.ahead = null;
      return r;
    }
    return this.pull();
  }

  /**
   * Back to a record already passed: only those still held can be read again (the bytes of
   * records read are let go); a view of an earlier record forks a reader over the saved file.
   */
  seek(fileOffset: number, ordinal: number): void {
    this.ahead = null;
    if (!this.reader) return;
    this.reader.seek(fileOffset, ordinal);
    this.stopped = false;
    this.waiting = false;
  }

  /** A reader of the same capture over `source` (the saved file), knowing its sections. */
  fork(source: ByteSource, pageSize?: number): RecordReader {
    return this.reader ? this.reader.fork(source, pageSize) : openCapture(source, pageSize);
  }

  private pull(): CaptureRecord | null {
    const reader = this.reader;
    if (!reader || this.stopped) return null;
    if (this.waiting) {
      if (reader.position >= this.whole) {
        if (this.ended) this.stopped = true;
        return null;
      }
      reader.seek(reader.position, reader.framesRead + 1);
      this.waiting = false;
    }
    const r = reader.next();
    const damaged = this.takeProblems();
    if (r) return r;
    // The reader stops at the end of what it sees, or at damage; only the first can go on.
    if (damaged || reader.position < this.whole || this.ended) this.stopped = true;
    else this.waiting = true;
    return null;
  }

  /** The reader's new problems, copied to ours; true when one of them ended reading. */
  private takeProblems(): boolean {
    const from = this.reader!.problems;
    let error = false;
    while (this.readerProblems < from.length) {
      const p = from[this.readerProblems++]!;
      if (p.severity === 'error') error = true;
      this.problems.push(p);
    }
    return error;
  }

  /** Finds the records that are now whole, and opens the reader once the header is in. */
  private frame(): void {
    const end = this.base + this.filled;
    if (this.mode === 'start') {
      if (end < 4) return;
      const magic = u32(this.bytes, 0, false);
      if (isPcapMagic(magic)) {
        if (end < 24) return;
        this.mode = 'pcap';
        this.le = magic === PCAP_MAGIC_US_LE || magic === PCAP_MAGIC_NS_LE;
        this.pcapLimit = Math.max(u32(this.bytes, 16, this.le), MAX_RECORD_LEN);
        this.frameAt = this.whole = 24;
      } else if (magic === PCAPNG_SHB) {
        this.mode = 'pcapng';
      } else {
        // Not a capture: let the file reader say so, in its words.
        this.mode = 'damaged';
      }
    }
    if (this.mode === 'pcap') {
      while (end - this.frameAt >= 16) {
        const capLen = u32(this.at(this.frameAt + 8, 4), 0, this.le);
        if (capLen > this.pcapLimit) {
          this.mode = 'damaged';
          break;
        }
        if (end - this.frameAt < 16 + capLen) break;
        this.frameAt += 16 + capLen;
        this.whole = this.frameAt;
      }
    } else if (this.mode === 'pcapng') {
      while (end - this.frameAt >= 12) {
        const head = this.at(this.frameAt, 12);
        if (u32(head, 0, false) === PCAPNG_SHB) {
          // A section states its own byte order; a bad one is the reader's to report.
          if (u32(head, 8, true) === BYTE_ORDER_MAGIC) this.le = true;
          else if (u32(head, 8, false) === BYTE_ORDER_MAGIC) this.le = false;
          else {
            this.mode = 'damaged';
            break;
          }
        }
        const len = u32(head, 4, this.le);
        if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK_LEN) {
          this.mode = 'damaged';
          break;
        }
        if (end - this.frameAt < len) break;
        this.frameAt += len;
        this.whole = this.frameAt;
      }
    }
    // Past damage the reader sees everything, meets the damage and reports it.
    if (this.mode === 'damaged') this.whole = end;
    if (!this.reader && !this.stopped && this.whole > 0) this.open();
  }

  private open(): void {
    try {
      const pages = new PagedReader(this.source);
      const head = this.whole >= 4 ? u32(this.at(0, 4), 0, false) : 0;
      if (isPcapMagic(head)) this.reader = new PcapReader(pages);
      else if (head === PCAPNG_SHB) this.reader = new PcapngReader(pages);
      else openCapture(this.source); // throws, saying what the bytes are not
    } catch (e) {
      const offset = e instanceof CaptureFormatError ? e.offset : 0;
      const message = e instanceof CaptureFormatError ? e.message : String(e);
      this.problems.push({ severity: 'error', offset, message });
      this.stopped = true;
    }
  }

  /** The bytes at a stream offset that framing knows are held. */
  private at(offset: number, length: number): Uint8Array {
    const o = offset - this.base;
    return this.bytes.subarray(o, o + length);
  }

  /** What the reader asks for: whole records only; bytes already let go are gone. */
  private view(offset: number, length: number): Uint8Array {
    if (offset < this.base) return new Uint8Array(0);
    const end = Math.min(this.whole, offset + length);
    if (end <= offset) return new Uint8Array(0);
    return this.bytes.subarray(offset - this.base, end - this.base);
  }

  private append(chunk: Uint8Array): void {
    if (this.filled + chunk.length > this.bytes.length) {
      // Keep from the first byte the reader has not read; a new buffer, never moved in place,
      // so a record handed out earlier still sees its own bytes.
      const keepFrom = Math.max(this.base, Math.min(this.position, this.frameAt));
      const keep = this.base + this.filled - keepFrom;
      let size = this.bytes.length;
      while (size < keep + chunk.length) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.bytes.subarray(keepFrom - this.base, this.filled));
      this.bytes = next;
      this.base = keepFrom;
      this.filled = keep;
    }
    this.bytes.set(chunk, this.filled);
    this.filled += chunk.length;
  }
}

const NOT_STARTED: CaptureInfo = { format: 'pcap', byteOrder: 'little', version: '', interfaces: [], sections: 0 };

function copyRecord(from: CaptureRecord, to: CaptureRecord): CaptureRecord {
  Object.assign(to, from);
  return to;
}
