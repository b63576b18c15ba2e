import { u16, u32 } from './bytes';
import { ByteSource, PagedReader } from './source';
import {
  CaptureFormatError,
  CaptureInfo,
  CaptureInterface,
  CaptureProblem,
  CaptureRecord,
  NO_LINK_TYPE,
  RecordReader,
  NO_BYTES,
  newRecord,
} from './types';

export const PCAPNG_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_PB = 0x00000002; // obsolete Packet Block
const BLOCK_SPB = 0x00000003;
const BLOCK_EPB = 0x00000006;
const BLOCK_SYSTEMD_JOURNAL = 0x00000009;
const BLOCK_CUSTOM = 0x00000bad;
const BLOCK_CUSTOM_NOCOPY = 0x40000bad;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** No sane block is this large; a larger length means damage, not data. */
export const MAX_BLOCK_LEN = 128 << 20;

const OPT_ENDOFOPT = 0;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** A section as a reader learns it: where it starts, its byte order, its interfaces. Plain data. */
export interface PcapngSection {
  start: number;
  le: boolean;
  ifaces: Iface[];
}

interface Iface extends CaptureInterface {
  /** Ticks per second, from if_tsresol (default 10^6). */
  unitsPerSec: number;
  /** 10^k when unitsPerSec is a power of ten <= 10^9, so ticks convert to ns by multiplication. */
  nsPerUnit: number;
  tsOffsetSec: number;
}

/**
 * Reader for pcapng: sections in either byte order (several per file), interfaces with their
 * own link type, if_tsresol and if_tsoffset; Enhanced, Simple and obsolete Packet Blocks.
 * Every other block is skipped by its length.
 */
export class PcapngReader implements RecordReader {
  readonly info: CaptureInfo;
  readonly problems: CaptureProblem[] = [];
  private le = true;
  private ifaces: Iface[] = [];
  /** Every section read so far: where it starts, its byte order and its interfaces (for seek). */
  private sectionsRead: PcapngSection[] = [];
  /** The section `next()` is in (its index, for the records' `section`). */
  private sectionIndex = -1;
  /** The end of the furthest block read: blocks before it are being read again, after a seek. */
  private furthest = 0;
  private offset = 0;
  private frame = 0;
  private done = false;
  private readonly rec: CaptureRecord = newRecord();
  viewless = false;

  constructor(private readonly pages: PagedReader) {
    const h = pages.view(0, 12);
    if (!h || u32(h, 0, false) !== PCAPNG_SHB) {
      throw new CaptureFormatError('not a pcapng file (no Section Header Block at offset 0)', 0);
    }
    const bom = u32(h, 8, true);
    if (bom !== BYTE_ORDER_MAGIC && u32(h, 8, false) !== BYTE_ORDER_MAGIC) {
      throw new CaptureFormatError('pcapng Section Header Block has a bad byte-order magic', 8);
    }
    this.info = {
      format: 'pcapng',
      byteOrder: bom === BYTE_ORDER_MAGIC ? 'little' : 'big',
      version: '',
      interfaces: [],
      sections: 0,
    };
  }

  get position(): number {
    return this.offset;
  }

  /** Frames counted so far, damaged ones too: a reader of bytes still arriving goes on from here (seek). */
  get framesRead(): number {
    return this.frame;
  }

  fork(source: ByteSource, pageSize?: number): RecordReader {
    const other = new PcapngReader(new PagedReader(source, pageSize));
    // The same sections, shared as this reader learns more; the fork never adds to them.
    other.sectionsRead = this.sectionsRead;
    other.furthest = Infinity;
    return other;
  }

  /** The sections and interfaces read so far, as plain data (for a reader in another thread). */
  get sectionsKnown(): readonly PcapngSection[] {
    return this.sectionsRead;
  }

  /**
   * This reader only seeks, knowing the sections another reader of the same bytes has read
   * (in another thread, so shared by copy): it reads records that reader has passed.
   */
  knowSections(sections: readonly PcapngSection[]): void {
    this.sectionsRead = sections.map((x) => ({ start: x.start, le: x.le, ifaces: x.ifaces.slice() }));
    this.furthest = Infinity;
  }

  seek(fileOffset: number, ordinal: number): void {
    // The last section that starts at or before the record holds its byte order and interfaces.
    let lo = 0;
    let hi = this.sectionsRead.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.sectionsRead[mid]!.start <= fileOffset) lo = mid;
      else hi = mid - 1;
    }
    const section = this.sectionsRead[lo];
    if (section) {
      this.sectionIndex = lo;
      this.le = section.le;
      this.ifaces = section.ifaces;
    }
    this.offset = fileOffset;
    this.frame = ordinal - 1;
    this.done = false;
  }

  next(): CaptureRecord | null {
    while (!this.done) {
      const at = this.offset;
      const size = this.pages.size;
      if (at >= size) {
        this.done = true;
        return null;
      }
      // The block's head is read where the page holds it: no view for it.
      const hi = this.pages.at(at, 12);
      if (hi < 0) {
        return this.stop('warning', at, `block header cut short (${size - at} bytes left at the end of the file)`);
      }
      const head = this.pages.bytes;
      const rawType = u32(head, hi, this.le);
      if (u32(head, hi, false) === PCAPNG_SHB) {
        // A new section may switch byte order: read its length in its own order.
        const bomLE = u32(head, hi + 8, true) === BYTE_ORDER_MAGIC;
        if (!bomLE && u32(head, hi + 8, false) !== BYTE_ORDER_MAGIC) {
          return this.stop('error', at + 8, 'Section Header Block has a bad byte-order magic');
        }
        this.le = bomLE;
      }
      const type = u32(head, hi, this.le) === PCAPNG_SHB ? PCAPNG_SHB : rawType;
      const len = u32(head, hi + 4, this.le);
      if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK_LEN) {
        return this.stop('error', at, `block of type 0x${type.toString(16)} has an impossible length ${len}`);
      }
      const bi = this.pages.at(at, len);
      if (bi < 0) {
        return this.stop(
          'warning',
          at,
          `block of type 0x${type.toString(16)} cut short (${size - at} of ${len} bytes at the end of the file)`,
        );
      }
      const page = this.pages.bytes;
      if (u32(page, bi + len - 4, this.le) !== len) {
        return this.stop('error', at + len - 4, `block of type 0x${type.toString(16)}: trailing length does not match ${len}`);
      }
      this.offset = at + len;
      const again = at < this.furthest;
      if (!again) this.furthest = at + len;
      // Packets are read in the page; the rarer blocks get a view of their own.
      const block = type === BLOCK_EPB || type === BLOCK_PB || type === BLOCK_SPB ? page : page.subarray(bi, bi + len);
      switch (type) {
        case PCAPNG_SHB:
          if (!this.readSectionHeader(block, at)) return null;
          break;
        case BLOCK_IDB:
          if (!again) this.readInterface(block, at);
          break;
        case BLOCK_EPB:
        case BLOCK_PB:
        case BLOCK_SPB: {
          const rec = this.readPacket(type, page, bi, len, at);
          if (rec) return rec;
          break;
        }
        case BLOCK_CUSTOM:
        case BLOCK_CUSTOM_NOCOPY:
        case BLOCK_SYSTEMD_JOURNAL: {
          // Not packets, but Wireshark shows them as frames: number them the same way.
          const overhead = type === BLOCK_SYSTEMD_JOURNAL ? 12 : 16;
          // A 12-byte custom block has no room for its Enterprise Number: damaged, like a short
          // packet block (its length would come out as -4).
          if (len < overhead) {
            this.skipPacket(at, this.frame + 1, 'custom block too short (no Private Enterprise Number)');
            break;
          }
          return this.otherRecord(block, at, overhead);
        }
        default:
          // Name resolution, statistics, custom, journal... blocks carry no packet: skip them.
          break;
      }
    }
    return null;
  }

  private readSectionHeader(b: Uint8Array, at: number): boolean {
    if (b.length < 28) {
      this.stop('error', at, `Section Header Block is ${b.length} bytes, shorter than its 28-byte minimum`);
      return false;
    }
    const major = u16(b, 12, this.le);
    const minor = u16(b, 14, this.le);
    if (major !== 1) {
      this.stop('error', at + 12, `pcapng section version ${major}.${minor} is not supported (only 1.x)`);
      return false;
    }
    if (this.info.sections === 0) this.info.version = `${major}.${minor}`;
    this.info.sections++;
    // Interface ids are per section. A section read again (after a seek) keeps what it had.
    const known = this.sectionsRead.findIndex((s) => s.start === at);
    if (known >= 0) {
      this.sectionIndex = known;
      this.ifaces = this.sectionsRead[known]!.ifaces;
      this.info.sections--;
      return true;
    }
    this.ifaces = [];
    this.sectionsRead.push({ start: at, le: this.le, ifaces: this.ifaces });
    this.sectionIndex = this.sectionsRead.length - 1;
    return true;
  }

  private readInterface(b: Uint8Array, at: number): void {
    if (b.length < 20) {
      this.problems.push({ severity: 'warning', offset: at, message: 'Interface Description Block too short; ignored' });
      return;
    }
    const linkType = u16(b, 8, this.le);
    const snapLen = u32(b, 12, this.le);
    const iface: Iface = {
      linkType,
      snapLen,
      tsResolution: 'µs',
      unitsPerSec: 1e6,
      nsPerUnit: 1000,
      tsOffsetSec: 0,
    };
    this.forEachOption(b, 16, b.length - 4, at, (code, o, len) => {
      if (code === OPT_IF_TSRESOL && len >= 1) {
        const v = b[o]!;
        if (v & 0x80) {
          const p = v & 0x7f;
          iface.unitsPerSec = 2 ** p;
          iface.nsPerUnit = 0;
          iface.tsResolution = `2^-${p} s`;
        } else {
          iface.unitsPerSec = 10 ** v;
          iface.nsPerUnit = v <= 9 ? 10 ** (9 - v) : 0;
          iface.tsResolution = v === 6 ? 'µs' : v === 9 ? 'ns' : v === 3 ? 'ms' : `10^-${v} s`;
        }
      } else if (code === OPT_IF_TSOFFSET && len >= 8) {
        const hi = u32(b, o + (this.le ? 4 : 0), this.le) | 0; // signed 64-bit
        const lo = u32(b, o + (this.le ? 0 : 4), this.le);
        iface.tsOffsetSec = hi * 4294967296 + lo;
      } else if (code === OPT_IF_NAME && len > 0) {
        iface.name = latin1(b, o, len);
      }
    });
    this.ifaces.push(iface);
    this.info.interfaces.push({
      linkType: iface.linkType,
      snapLen: iface.snapLen,
      tsResolution: iface.tsResolution,
      ...(iface.name !== undefined ? { name: iface.name } : {}),
    });
  }

  /** The packet block of `len` bytes at `base` in `b` (the page: no view is made for the block). */
  private readPacket(type: number, b: Uint8Array, base: number, len: number, at: number): CaptureRecord | null {
    const le = this.le;
    const frame = this.frame + 1;
    let ifId: number;
    let tsHi = 0;
    let tsLo = 0;
    let capLen: number;
    let origLen: number;
    let dataAt: number;
    const bodyEnd = len - 4;
    if (type === BLOCK_SPB) {
      if (len < 16) return this.skipPacket(at, frame, 'Simple Packet Block too short');
      ifId = 0;
      origLen = u32(b, base + 8, le);
      dataAt = 12;
      const snap = this.ifaces[0]?.snapLen || 0;
      capLen = Math.min(origLen, bodyEnd - dataAt, snap > 0 ? snap : Infinity);
    } else {
      if (len < 32) return this.skipPacket(at, frame, 'packet block too short');
      if (type === BLOCK_EPB) {
        ifId = u32(b, base + 8, le);
      } else {
        ifId = u16(b, base + 8, le);
      }
      tsHi = u32(b, base + 12, le);
      tsLo = u32(b, base + 16, le);
      capLen = u32(b, base + 20, le);
      origLen = u32(b, base + 24, le);
      dataAt = 28;
      if (capLen > bodyEnd - dataAt) {
        return this.skipPacket(at, frame, `captured length ${capLen} runs past the end of its block`);
      }
    }
    const iface = this.ifaces[ifId];
    if (!iface) {
      return this.skipPacket(at, frame, `refers to interface ${ifId}, which this section has not described`);
    }
    this.frame = frame;
    const r = this.rec;
    r.frame = frame;
    r.ordinal = frame;
    r.fileOffset = at;
    r.interfaceId = ifId;
    r.section = this.sectionIndex;
    r.linkType = iface.linkType;
    r.capLen = capLen;
    r.origLen = origLen;
    r.bytes = b;
    r.dataStart = base + dataAt;
    r.data = this.viewless ? NO_BYTES : b.subarray(base + dataAt, base + dataAt + capLen);
    if (type === BLOCK_SPB) {
      r.tsSec = 0;
      r.tsNsec = 0;
      r.hasTimestamp = false;
    } else {
      setTimestamp(r, iface, tsHi, tsLo);
      r.hasTimestamp = true;
    }
    return r;
  }

  private otherRecord(b: Uint8Array, at: number, overhead: number): CaptureRecord {
    const r = this.rec;
    r.frame = ++this.frame;
    r.ordinal = r.frame;
    r.fileOffset = at;
    r.interfaceId = -1;
    r.section = this.sectionIndex;
    r.linkType = NO_LINK_TYPE;
    r.tsSec = 0;
    r.tsNsec = 0;
    r.hasTimestamp = false;
    r.capLen = r.origLen = b.length - overhead;
    r.data = b.subarray(overhead - 4, b.length - 4);
    r.bytes = r.data;
    r.dataStart = 0;
    return r;
  }

  /** A damaged packet block: counted as a frame (Wireshark would show it), reported, skipped. */
  private skipPacket(at: number, frame: number, why: string): null {
    this.frame = frame;
    this.problems.push({ severity: 'warning', offset: at, frame, message: `packet ${frame}: ${why}; skipped` });
    return null;
  }

  private forEachOption(
    b: Uint8Array,
    start: number,
    end: number,
    blockAt: number,
    visit: (code: number, valueOffset: number, len: number) => void,
  ): void {
    let o = start;
    while (o + 4 <= end) {
      const code = u16(b, o, this.le);
      const len = u16(b, o + 2, this.le);
      if (code === OPT_ENDOFOPT) return;
      if (o + 4 + len > end) {
        this.problems.push({
          severity: 'warning',
          offset: blockAt + o,
          message: `option ${code} runs past the end of its block; remaining options ignored`,
        });
        return;
      }
      visit(code, o + 4, len);
      o += 4 + ((len + 3) & ~3);
    }
  }

  private stop(severity: 'warning' | 'error', offset: number, message: string): null {
    this.problems.push({ severity, offset, message });
    this.done = true;
    return null;
  }
}

function setTimestamp(r: CaptureRecord, iface: Iface, hi: number, lo: number): void {
  const ticks = hi * 4294967296 + lo;
  const ups = iface.unitsPerSec;
  if (ticks <= Number.MAX_SAFE_INTEGER && iface.nsPerUnit > 0) {
    const sec = Math.floor(ticks / ups);
    r.tsSec = sec + iface.tsOffsetSec;
    r.tsNsec = (ticks - sec * ups) * iface.nsPerUnit;
    return;
  }
  // Nanosecond (or finer, or binary) ticks since 1970 exceed 2^53: exact integer arithmetic.
  const t = (BigInt(hi) << 32n) | BigInt(lo);
  const u = BigInt(ups);
  const sec = t / u;
  const frac = t % u;
  r.tsSec = Number(sec) + iface.tsOffsetSec;
  r.tsNsec = Number((frac * 1000000000n) / u);
}

function latin1(b: Uint8Array, o: number, len: number): string {
  let s = '';
  for (let i = 0; i < len && b[o + i] !== 0; i++) s += String.fromCharCode(b[o + i]!);
  return s;
}
