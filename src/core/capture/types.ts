import type { ByteSource } from './source';

/** What the capture readers yield and report, independent of the file format. */

export type CaptureFormat = 'pcap' | 'pcapng';

/**
 * One packet record. The reader reuses a single object and `data` is a view into its page:
 * both are valid until the next call to `next()`. Copy what you keep.
 */
export interface CaptureRecord {
  /** 1-based, counting every packet record in the file, as Wireshark numbers frames. */
  frame: number;
  /**
   * The record's place in the file, from 1: the same as `frame`, except in a capture rebuilt
   * from a listing with gaps in its frame numbers (ByteSource.frameNumbers). `seek` takes it.
   */
  ordinal: number;
  /** File offset of the record (pcap record header or pcapng block). */
  fileOffset: number;
  /** Interface id within its section, as Wireshark's frame.interface_id shows it. */
  interfaceId: number;
  /** Index of the pcapng section (0 for pcap); with interfaceId it names the interface. */
  section: number;
  /**
   * Link type of the packet, or NO_LINK_TYPE for a record that is not a packet (pcapng custom
   * and journal blocks, which Wireshark also numbers as frames).
   */
  linkType: number;
  /** Seconds since the epoch (may be negative for odd files) and nanoseconds 0..999999999. */
  tsSec: number;
  tsNsec: number;
  /** False for records without a timestamp (pcapng Simple Packet Blocks, custom blocks). */
  hasTimestamp: boolean;
  /** Bytes captured (length of `data`) and length of the packet on the wire. */
  capLen: number;
  origLen: number;
  /** The captured bytes; empty when the reader is `viewless`. */
  data: Uint8Array;
  /**
   * The buffer `data` lies in, and where it starts there: data is bytes[dataStart, dataStart +
   * capLen). Valid until the next record, like `data`.
   */
  bytes: Uint8Array;
  dataStart: number;
}

export interface CaptureInterface {
  linkType: number;
  snapLen: number;
  name?: string;
  /** Timestamp resolution as the file states it, e.g. "µs", "ns", "2^-10 s". */
  tsResolution: string;
}

export interface CaptureProblem {
  /** An error ends reading; a warning only says something was skipped or odd. */
  severity: 'error' | 'warning';
  /** File offset where the problem is. */
  offset: number;
  /** Frame number concerned, when the problem belongs to one packet. */
  frame?: number;
  message: string;
}

export interface CaptureInfo {
  format: CaptureFormat;
  /** "little" or "big" for the (first) section. */
  byteOrder: 'little' | 'big';
  /** Format version, e.g. "2.4" for pcap, "1.0" for pcapng. */
  version: string;
  /** Interfaces seen so far (pcap has exactly one). Grows while a pcapng file is read. */
  interfaces: CaptureInterface[];
  /** pcapng: number of Section Header Blocks read so far. */
  sections: number;
}

export interface RecordReader {
  readonly info: CaptureInfo;
  readonly problems: CaptureProblem[];
  /** Bytes consumed so far (for progress). */
  readonly position: number;
  /** The next packet record, or null at the end of the file or after an error. */
  next(): CaptureRecord | null;
  /**
   * Goes back (or forward) to a record this reader has already passed, so the next `next()`
   * returns it again: the record at `fileOffset`, numbered `frame`. A view of one connection
   * reads only its own packets this way, after one pass over the whole file.
   */
  seek(fileOffset: number, ordinal: number): void;
  /**
   * A second reader of the same capture over `source` (its own bytes, its own place), that
   * knows what this one has learned (pcapng sections and interfaces): it reads records this
   * one has passed, by `seek`, while this one reads on. Small pages suit reading here and there.
   */
  fork(source: ByteSource, pageSize?: number): RecordReader;
  /**
   * When true, records come with `bytes` and `dataStart` only, and `data` stays empty: a pass
   * that decodes headers in place (decodeFrameAt) then makes no object per packet. A reader
   * that wraps another may ignore it (its records keep their `data`).
   */
  viewless?: boolean;
}

/** Raised only when a file is not a capture at all or its header is unreadable. */
export class CaptureFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'CaptureFormatError';
  }
}

/** The link type of a record that is not a packet. */
export const NO_LINK_TYPE = -1;

/** The `data` of a viewless record. */
export const NO_BYTES = new Uint8Array(0);

export function newRecord(): CaptureRecord {
  return {
    frame: 0,
    ordinal: 0,
    fileOffset: 0,
    interfaceId: 0,
    section: 0,
    linkType: 0,
    tsSec: 0,
    tsNsec: 0,
    hasTimestamp: true,
    capLen: 0,
    origLen: 0,
    data: NO_BYTES,
    bytes: NO_BYTES,
    dataStart: 0,
  };
}
