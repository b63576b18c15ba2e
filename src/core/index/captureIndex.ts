import { ByteSource } from '../capture/source';
import { CaptureRecord } from '../capture/types';
import { DecodedFrame } from '../decode/frame';
import { TcpOption, parseTcpOptions } from '../decode/tcpOptions';
import { HalfFlow, SegmentAnalysis, TH_ACK, TH_SYN, scaledWindow } from '../tcp/analysis';
import { relativeNumbers, windowScaleFactor } from '../report';
import { ScanSummary, readSegmentsTwice } from '../scan';
import { openCapture } from '../capture/open';
import { RecordReader } from '../capture/types';

/**
 * A capture indexed once, forward, for views that come back to it (the editor's connection
 * list and ladders): every TCP segment's facts in columns of typed arrays (about 60 bytes a
 * segment, no object per packet), and each stream's segment numbers. Views read the index;
 * they never run the analysis again.
 */
export class CaptureIndex {
  count = 0;
  frame = new Uint32Array(1024);
  stream = new Uint32Array(1024);
  /** File offset of the record, to read options or bytes again. */
  offset = new Float64Array(1024);
  tsSec = new Float64Array(1024);
  tsNsec = new Uint32Array(1024);
  flags = new Uint16Array(1024);
  /** 1 when the segment goes from the conversation's client to its server. */
  toServer = new Uint8Array(1024);
  seq = new Uint32Array(1024);
  seqRaw = new Uint32Array(1024);
  ack = new Uint32Array(1024);
  ackRaw = new Uint32Array(1024);
  len = new Uint32Array(1024);
  win = new Float64Array(1024);
  winScale = new Int32Array(1024);
  analysis = new Uint16Array(1024);
  dupAck = new Uint32Array(1024);
  truncated = new Uint8Array(1024);
  /** The handshake options of SYN and SYN-ACK segments, by segment. */
  readonly synOptions = new Map<number, HandshakeOptions>();
  /** Segment numbers of each stream, in capture order. */
  private streams: Uint32Array[] = [];
  private streamCounts: number[] = [];

  /**
   * False when the raw sequence numbers are invented (a capture rebuilt from text that printed
   * relative numbers only): views then show relative numbers and name no raw ISN.
   */
  rawNumbersKnown = true;
  /** True when the caller stopped indexing before the end. */
  cancelled = false;

  constructor(readonly summary: ScanSummary) {}

  /** Segment numbers (indexes into the columns) of one stream. */
  segmentsOf(stream: number): Uint32Array {
    const list = this.streams[stream];
    return list ? list.subarray(0, this.streamCounts[stream]) : new Uint32Array(0);
  }

  add(rec: CaptureRecord, f: DecodedFrame, seg: SegmentAnalysis, flow: HalfFlow, peer: HalfFlow, toServer: boolean): void {
    if (this.count === this.frame.length) this.grow();
    const i = this.count++;
    const stream = seg.conversation.stream;
    const hasAck = (f.flags & TH_ACK) !== 0;
    const { relSeq, relAck } = relativeNumbers(f, seg, flow, peer);
    this.frame[i] = rec.frame;
    this.stream[i] = stream;
    this.offset[i] = rec.fileOffset;
    this.tsSec[i] = rec.tsSec;
    this.tsNsec[i] = rec.tsNsec;
    this.flags[i] = f.flags;
    this.toServer[i] = toServer ? 1 : 0;
    this.seq[i] = relSeq;
    this.seqRaw[i] = f.seq;
    this.ack[i] = hasAck ? relAck : 0;
    this.ackRaw[i] = hasAck ? f.ack : 0;
    this.len[i] = f.payloadLen;
    this.win[i] = scaledWindow(f.window, f.flags, flow);
    this.winScale[i] = windowScaleFactor(f.flags, flow) ?? 0;
    this.analysis[i] = seg.flags;
    this.dupAck[i] = seg.dupAckNum;
    this.truncated[i] = f.truncated ? 1 : 0;
    let list = this.streams[stream];
    let n = this.streamCounts[stream] ?? 0;
    if (!list) {
      list = new Uint32Array(8);
      this.streams[stream] = list;
    } else if (n === list.length) {
      const bigger = new Uint32Array(list.length * 2);
      bigger.set(list);
      list = bigger;
      this.streams[stream] = list;
    }
    list[n++] = i;
    this.streamCounts[stream] = n;
  }

  private grow(): void {
    const n = this.frame.length * 2;
    const more = <T extends { length: number; set(a: T): void }>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.frame = more(this.frame, (k) => new Uint32Array(k));
    this.stream = more(this.stream, (k) => new Uint32Array(k));
    this.offset = more(this.offset, (k) => new Float64Array(k));
    this.tsSec = more(this.tsSec, (k) => new Float64Array(k));
    this.tsNsec = more(this.tsNsec, (k) => new Uint32Array(k));
    this.flags = more(this.flags, (k) => new Uint16Array(k));
    this.toServer = more(this.toServer, (k) => new Uint8Array(k));
    this.seq = more(this.seq, (k) => new Uint32Array(k));
    this.seqRaw = more(this.seqRaw, (k) => new Uint32Array(k));
    this.ack = more(this.ack, (k) => new Uint32Array(k));
    this.ackRaw = more(this.ackRaw, (k) => new Uint32Array(k));
    this.len = more(this.len, (k) => new Uint32Array(k));
    this.win = more(this.win, (k) => new Float64Array(k));
    this.winScale = more(this.winScale, (k) => new Int32Array(k));
    this.analysis = more(this.analysis, (k) => new Uint16Array(k));
    this.dupAck = more(this.dupAck, (k) => new Uint32Array(k));
    this.truncated = more(this.truncated, (k) => new Uint8Array(k));
  }
}

/**
 * Indexes a capture: the two passes of scanPacketRecords (so windows and relative numbers are
 * Wireshark's), recording every segment. `open` is called once per pass.
 */
export function indexCapture(open: () => ByteSource, onProgress?: (fraction: number) => boolean | void): CaptureIndex {
  return indexRecords(() => {
    const source = open();
    return { reader: openCapture(source), size: source.size };
  }, onProgress);
}

/**
 * indexCapture over any reader of records: also one connection's records read again from a
 * catalogued capture (`seed` gives its stream number and how it began).
 */
export function indexRecords(
  open: () => { reader: RecordReader; size: number },
  onProgress?: (fraction: number) => boolean | void,
  seed?: { streamBase: number; firstReusesPorts: boolean },
): CaptureIndex {
  let index: CaptureIndex | null = null;
  const summary = readSegmentsTwice(
    open,
    (rec, f, seg, flow, peer) => {
      const conv = index!.summary.analyzer.conversationOf(seg.conversation.stream)!;
      const i = index!.count;
      index!.add(rec, f, seg, flow, peer, seg.fromA === conv.clientIsA);
      if (f.flags & TH_SYN && f.tcpHeaderLen > 20) {
        index!.synOptions.set(i, handshakeOptions(parseTcpOptions(f.data, f.tcpOffset, f.tcpHeaderLen)));
      }
    },
    // The first pass's summary holds the final conversations (the second repeats it exactly).
    (first) => {
      index = new CaptureIndex(first);
    },
    onProgress,
    seed,
  );
  if (summary.cancelled) index!.cancelled = true;
  return index!;
}

/** What a SYN or SYN-ACK offered: the options that are negotiated once, for the whole connection. */
export interface HandshakeOptions {
  mss: number | null;
  /** Window scale shift (the window is multiplied by 2^shift), null when not offered. */
  wsShift: number | null;
  sackPerm: boolean;
  /** TSval and TSecr of the SYN's timestamp option, null when not offered. */
  tsval: number | null;
  tsecr: number | null;
  tfo: 'request' | 'cookie' | null;
  /** In Wireshark's words: "MSS=1460 SACK_PERM WS=128 TFO=R". */
  text: string;
}

export function handshakeOptions(options: TcpOption[]): HandshakeOptions {
  const out: HandshakeOptions = { mss: null, wsShift: null, sackPerm: false, tsval: null, tsecr: null, tfo: null, text: '' };
  const parts: string[] = [];
  for (const o of options) {
    if ('mss' in o) {
      out.mss = o.mss;
      parts.push(`MSS=${o.mss}`);
    } else if (o.name === 'SACK_PERM') {
      out.sackPerm = true;
      parts.push('SACK_PERM');
    } else if ('multiplier' in o) {
      out.wsShift = o.shift;
      parts.push(`WS=${o.multiplier}`);
    } else if ('tsval' in o) {
      out.tsval = o.tsval;
      out.tsecr = o.tsecr;
    } else if ('cookie' in o) {
      out.tfo = o.request ? 'request' : 'cookie';
      parts.push(o.request ? 'TFO=R' : 'TFO=C');
    }
  }
  out.text = parts.join(' ');
  return out;
}
