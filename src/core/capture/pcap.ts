import { u16, u32 } from './bytes';
import { ByteSource, PagedReader } from './source';
import {
  CaptureFormatError,
  CaptureInfo,
  CaptureProblem,
  CaptureRecord,
  NO_BYTES,
  RecordReader,
  newRecord,
} from './types';

/** Classic libpcap magics as read big-endian from the first four bytes. */
export const PCAP_MAGIC_US_BE = 0xa1b2c3d4;
export const PCAP_MAGIC_US_LE = 0xd4c3b2a1;
export const PCAP_MAGIC_NS_BE = 0xa1b23c4d;
export const PCAP_MAGIC_NS_LE = 0x4d3cb2a1;

const FILE_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
/** libpcap's own ceiling for a record; larger ones mean a damaged or hostile file. */
export const MAX_RECORD_LEN = 262144;

export function isPcapMagic(magicBE: number): boolean {
  return (
    magicBE === PCAP_MAGIC_US_BE ||
    magicBE === PCAP_MAGIC_US_LE ||
    magicBE === PCAP_MAGIC_NS_BE ||
    magicBE === PCAP_MAGIC_NS_LE
  );
}

/** Reader for classic pcap: all four magics (µs and ns, both byte orders). */
export class PcapReader implements RecordReader {
  readonly info: CaptureInfo;
  readonly problems: CaptureProblem[] = [];
  private readonly le: boolean;
  private readonly nanos: boolean;
  private readonly snapLen: number;
  private readonly linkType: number;
  private offset = FILE_HEADER_LEN;
  private frame = 0;
  private done = false;
  private readonly rec: CaptureRecord = newRecord();
  viewless = false;

  constructor(
    private readonly pages: PagedReader,
    private readonly frameNumbers?: Int32Array,
  ) {
    const h = pages.view(0, FILE_HEADER_LEN);
    if (!h) throw new CaptureFormatError('pcap file header is truncated (needs 24 bytes)', 0);
    const magic = u32(h, 0, false);
    if (!isPcapMagic(magic)) throw new CaptureFormatError('not a pcap file (bad magic number)', 0);
    this.le = magic === PCAP_MAGIC_US_LE || magic === PCAP_MAGIC_NS_LE;
    this.nanos = magic === PCAP_MAGIC_NS_BE || magic === PCAP_MAGIC_NS_LE;
    const major = u16(h, 4, this.le);
    const minor = u16(h, 6, this.le);
    this.snapLen = u32(h, 16, this.le);
    // The upper bits of the link-type field carry FCS information (pcap spec); the type is the low 28.
    this.linkType = u32(h, 20, this.le) & 0x0fffffff;
    this.info = {
      format: 'pcap',
      byteOrder: this.le ? 'little' : 'big',
      version: `${major}.${minor}`,
      interfaces: [
        { linkType: this.linkType, snapLen: this.snapLen, tsResolution: this.nanos ? 'ns' : 'µs' },
      ],
      sections: 1,
    };
  }

  get position(): number {
    return this.offset;
  }

  /** Records counted so far: a reader of bytes still arriving goes on from here (seek). */
  get framesRead(): number {
    return this.frame;
  }

  next(): CaptureRecord | null {
    if (this.done) return null;
    const size = this.pages.size;
    if (this.offset >= size) {
      this.done = true;
      return null;
    }
    const at = this.offset;
    const frame = this.frame + 1;
    // The header's fields are read where the page holds them: no view per record.
    const hi = this.pages.at(at, RECORD_HEADER_LEN);
    if (hi < 0) {
      return this.stop(
        'warning',
        at,
        frame,
        `packet ${frame}: record header cut short (${size - at} of 16 bytes at the end of the file)`,
      );
    }
    const le = this.le;
    const h = this.pages.bytes;
    const tsSec = u32(h, hi, le);
    const tsFrac = u32(h, hi + 4, le);
    const capLen = u32(h, hi + 8, le);
    const origLen = u32(h, hi + 12, le);
    const limit = Math.max(this.snapLen, MAX_RECORD_LEN);
    if (capLen > limit) {
      return this.stop(
        'error',
        at,
        frame,
        `packet ${frame}: captured length ${capLen} is larger than the limit ${limit}: the file is damaged here`,
      );
    }
    if ((this.nanos && tsFrac >= 1e9) || (!this.nanos && tsFrac >= 1e6)) {
      this.problems.push({
        severity: 'warning',
        offset: at,
        frame,
        message: `packet ${frame}: timestamp fraction ${tsFrac} is out of range`,
      });
    }
    const dataAt = this.pages.at(at + RECORD_HEADER_LEN, capLen);
    if (dataAt < 0) {
      return this.stop(
        'warning',
        at,
        frame,
        `packet ${frame}: data cut short (${size - at - RECORD_HEADER_LEN} of ${capLen} bytes at the end of the file)`,
      );
    }
    this.offset = at + RECORD_HEADER_LEN + capLen;
    this.frame = frame;
    const r = this.rec;
    r.frame = this.frameNumbers?.[frame - 1] ?? frame;
    r.ordinal = frame;
    r.fileOffset = at;
    r.interfaceId = 0;
    r.linkType = this.linkType;
    r.tsSec = tsSec;
    r.tsNsec = this.nanos ? tsFrac : tsFrac * 1000;
    r.hasTimestamp = true;
    r.capLen = capLen;
    r.origLen = origLen;
    const page = this.pages.bytes;
    r.bytes = page;
    r.dataStart = dataAt;
    r.data = this.viewless ? NO_BYTES : page.subarray(dataAt, dataAt + capLen);
    return r;
  }

  fork(source: ByteSource, pageSize?: number): RecordReader {
    return new PcapReader(new PagedReader(source, pageSize), source.frameNumbers ?? this.frameNumbers);
  }

  seek(fileOffset: number, ordinal: number): void {
    this.offset = fileOffset;
    this.frame = ordinal - 1;
    this.done = false;
  }

  private stop(
    severity: 'warning' | 'error',
    offset: number,
    frame: number,
    message: string,
  ): null {
    this.problems.push({ severity, offset, frame, message });
    this.done = true;
    return null;
  }
}
