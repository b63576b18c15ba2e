/**
 * Random-access bytes of a capture file. Synchronous on purpose: the engine runs in a worker
 * thread, a CLI or a test, where a blocking read of a page is the fastest thing there is, and
 * the same interface is trivially met by a whole file held in memory (browser, tests).
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Returns the bytes at [offset, offset + length), or fewer when the source ends first.
   * The result may be a view into a buffer the source reuses: valid until the next call.
   */
  read(offset: number, length: number): Uint8Array;
  /**
   * The frame number of each record (index: the record's place, from 0), for a capture rebuilt
   * from a listing that numbers its frames with gaps (tshark with a display filter): the
   * frames it did not print cost nothing. Absent: records are numbered 1, 2, 3...
   */
  readonly frameNumbers?: Int32Array;
}

/** A capture already in memory. Reads are views, never copies. */
export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(
    private readonly bytes: Uint8Array,
    readonly frameNumbers?: Int32Array,
  ) {
    this.size = bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    const end = Math.min(this.size, offset + length);
    return this.bytes.subarray(Math.min(offset, end), end);
  }
}

/**
 * A sliding window over a ByteSource: hands out views of small ranges (record headers,
 * packet data) and refills from the source only when a range leaves the window, so a
 * file of gigabytes is read in large sequential pages and no packet is copied twice.
 */
export class PagedReader {
  private page: Uint8Array = new Uint8Array(0);
  private pageStart = 0;

  constructor(
    private readonly source: ByteSource,
    private readonly pageSize = 4 << 20,
  ) {}

  get size(): number {
    return this.source.size;
  }

  /**
   * The bytes at [offset, offset + length), or null when the source has fewer than `length`
   * bytes from `offset`. The view is valid until the next call.
   */
  view(offset: number, length: number): Uint8Array | null {
    const i = this.at(offset, length);
    return i < 0 ? null : this.page.subarray(i, i + length);
  }

  /**
   * Where [offset, offset + length) starts in `bytes`, or -1 when the source has fewer bytes:
   * for fields read on the spot (a record header), with no view made for them. Valid until the
   * next call.
   */
  at(offset: number, length: number): number {
    if (offset < 0 || length < 0 || offset + length > this.source.size) return -1;
    const rel = offset - this.pageStart;
    if (rel >= 0 && rel + length <= this.page.length) return rel;
    this.page = this.source.read(offset, Math.max(this.pageSize, length));
    this.pageStart = offset;
    return this.page.length < length ? -1 : 0;
  }

  /** The page `at` answers about. */
  get bytes(): Uint8Array {
    return this.page;
  }
}
