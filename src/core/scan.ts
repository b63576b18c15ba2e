import { openCapture } from './capture/open';
import { ByteSource } from './capture/source';
import { CaptureInfo, CaptureProblem, CaptureRecord, RecordReader } from './capture/types';
import { DecodedFrame, FrameKind, decodeFrame, decodeFrameAt } from './decode/frame';
import { PacketRecord, packetRecord } from './report';
import { HalfFlow, SegmentAnalysis, TcpAnalyzer } from './tcp/analysis';
import { ConversationTable } from './tcp/conversationTable';

/** What one forward pass over a capture found. */
export interface ScanSummary {
  info: CaptureInfo;
  /** Every packet record read, TCP or not. */
  frames: number;
  tcpFrames: number;
  /** Time of the first and last frame (seconds, nanoseconds). */
  firstSec: number;
  firstNsec: number;
  lastSec: number;
  lastNsec: number;
  /** Frames per link type. */
  linkTypes: Map<number, number>;
  /** Frames that are not TCP, by reason ("link type 105 is not decoded", "IPv4 fragment"...). */
  skipped: Map<string, number>;
  /** Frames whose headers were cut short by the snapshot length or are damaged, by reason. */
  damaged: Map<string, number>;
  problems: CaptureProblem[];
  /** True when a visitor asked to stop before the end. */
  cancelled: boolean;
  analyzer: TcpAnalyzer;
}

export type SegmentVisitor = (record: CaptureRecord, frame: DecodedFrame, segment: SegmentAnalysis) => void;

export interface ScanOptions {
  /** Called for every TCP segment, in file order. */
  onSegment?: SegmentVisitor;
  /** Called for every frame that is not a TCP segment, with the reason. */
  onOtherFrame?: (record: CaptureRecord, kind: FrameKind, reason: string) => void;
  /** Called every `progressEvery` frames with the bytes read so far; return true to stop. */
  onProgress?: (bytesRead: number, totalBytes: number) => boolean | void;
  progressEvery?: number;
  pageSize?: number;
  /** The tcp.stream number of the first conversation (a view reading one connection again). */
  streamBase?: number;
  /** That first conversation began on ports an earlier one used (TcpAnalyzer's firstReusesPorts). */
  firstReusesPorts?: boolean;
  /** Called once, before the first record, with the summary the scan fills in as it goes. */
  onStart?: (summary: ScanSummary) => void;
  /**
   * Count each segment into this table instead of analysing it: the conversation table alone,
   * with no sequence analysis (onSegment is not called, and the summary's analyzer stays empty).
   * The reader is viewless meanwhile: records handed to onCounted and onOtherFrame have no `data`.
   */
  table?: ConversationTable;
  /** With a table: called for every TCP segment with the connection (tcp.stream) it was counted in. */
  onCounted?: (record: CaptureRecord, stream: number) => void;
  /**
   * The reader's null means "nothing more for now" (a capture still being written, read by a
   * ResumableReader): step returns false without ending, and a later step goes on from there.
   */
  resumable?: boolean;
}

/**
 * Reads a capture once, forward: decodes every frame, runs the TCP analysis and reports what
 * it skipped. Throws CaptureFormatError only when the file is not a capture at all; damage
 * later in the file ends the scan with a problem and keeps everything read before it.
 */
export function scanCapture(source: ByteSource, options: ScanOptions = {}): ScanSummary {
  return scanRecords(openCapture(source, options.pageSize), source.size, options);
}

/**
 * The conversation table of a capture (tshark's `-z conv,tcp`) in one pass that keeps nothing
 * per packet and no object per connection: the fastest way to list every connection.
 */
export function scanConversations(source: ByteSource, options: Omit<ScanOptions, 'table' | 'onSegment'> = {}): { summary: ScanSummary; table: ConversationTable } {
  const table = new ConversationTable();
  return { summary: scanRecords(openCapture(source, options.pageSize), source.size, { ...options, table }), table };
}

/**
 * The tcp.stream of frame `frame`, from the conversation table's pass read only as far as that
 * frame (streams are numbered in the order they begin); null when it is not a TCP segment.
 */
export function streamOfFrame(source: ByteSource, frame: number): number | null {
  let found: number | null = null;
  const scanner = new Scanner(openCapture(source), source.size, {
    table: new ConversationTable(),
    onCounted(rec, stream) {
      if (rec.frame === frame) found = stream;
    },
  });
  while (found === null && scanner.step(4096));
  return found;
}

/** scanCapture over any reader of records (`size` is its total, for progress). */
export function scanRecords(reader: RecordReader, size: number, options: ScanOptions = {}): ScanSummary {
  const scanner = new Scanner(reader, size, options);
  while (scanner.step(Infinity));
  return scanner.finish();
}

/**
 * The forward pass, in steps: `step(n)` reads up to n more frames, so a caller can stop in
 * between (to answer a view, to let an event loop run) and go on where it stopped.
 */
export class Scanner {
  readonly summary: ScanSummary;
  private readonly analyzer: TcpAnalyzer;
  private readonly decoded = new DecodedFrame();
  private readonly every: number;
  private lastLinkType = -1;
  private lastLinkCount = 0;
  private lastSkipKind = -1;
  private lastSkipReason = '';
  private lastSkipText = '';
  private done = false;

  constructor(
    private readonly reader: RecordReader,
    private readonly size: number,
    private readonly options: ScanOptions = {},
  ) {
    this.analyzer = new TcpAnalyzer(options.streamBase ?? 0, options.firstReusesPorts ?? false);
    this.summary = {
      info: reader.info,
      frames: 0,
      tcpFrames: 0,
      firstSec: 0,
      firstNsec: 0,
      lastSec: 0,
      lastNsec: 0,
      linkTypes: new Map(),
      skipped: new Map(),
      damaged: new Map(),
      problems: reader.problems,
      cancelled: false,
      analyzer: this.analyzer,
    };
    this.every = options.progressEvery ?? 65536;
    options.onStart?.(this.summary);
  }

  /** Bytes read so far, of `size`. */
  get position(): number {
    return this.reader.position;
  }

  /** Reads up to `frames` frames; false once the capture is read (or a visitor stopped it). */
  step(frames: number): boolean {
    if (this.done) return false;
    const { reader, options } = this;
    const table = options.table;
    // The table reads headers in place: no view per record (the record is handed to onCounted
    // without `data`). The reader makes views again for whoever reads it next.
    const viewless = reader.viewless;
    if (table) reader.viewless = true;
    try {
      return this.steps(frames);
    } finally {
      reader.viewless = viewless;
    }
  }

  private steps(frames: number): boolean {
    const { reader, summary, analyzer, decoded, options, every } = this;
    const onSegment = options.onSegment;
    const table = options.table;
    const onCounted = options.onCounted;
    for (let k = 0; k < frames; k++) {
      const rec = reader.next();
      if (!rec) {
        if (!options.resumable) this.done = true;
        return false;
      }
      if (summary.frames === 0) {
        summary.firstSec = rec.tsSec;
        summary.firstNsec = rec.tsNsec;
      }
      summary.frames = rec.frame;
      summary.lastSec = rec.tsSec;
      summary.lastNsec = rec.tsNsec;
      // Count link types in runs: almost every file has one, so the map is touched rarely.
      if (rec.linkType !== this.lastLinkType) {
        if (this.lastLinkType >= 0) bump(summary.linkTypes, this.lastLinkType, this.lastLinkCount);
        this.lastLinkType = rec.linkType;
        this.lastLinkCount = 0;
      }
      this.lastLinkCount++;
      const kind = table ? decodeFrameAt(rec.linkType, rec.bytes, rec.dataStart, rec.capLen, rec.origLen, decoded) : decodeFrame(rec.linkType, rec.data, rec.origLen, decoded);
      if (kind === FrameKind.Tcp) {
        summary.tcpFrames++;
        if (!decoded.headerValid) bump(summary.damaged, decoded.reason, 1);
        else if (decoded.truncated) bump(summary.damaged, 'TCP segment cut short by the snapshot length', 1);
        if (table) {
          const stream = table.segment(rec.frame, rec.tsSec, rec.tsNsec, rec.origLen, decoded);
          if (onCounted) onCounted(rec, stream);
        } else {
          const seg = analyzer.analyse(rec.frame, rec.tsSec, rec.tsNsec, rec.origLen, decoded);
          if (onSegment) onSegment(rec, decoded, seg);
        }
      } else {
        options.onOtherFrame?.(rec, kind, decoded.reason);
        const damaged = kind === FrameKind.Truncated || kind === FrameKind.Malformed;
        // Skipped frames come in runs of one reason: its text is made once per run, not per frame.
        if (kind !== this.lastSkipKind || decoded.reason !== this.lastSkipReason) {
          this.lastSkipKind = kind;
          this.lastSkipReason = decoded.reason;
          this.lastSkipText = skipReasonText(kind, decoded.reason);
        }
        bump(damaged ? summary.damaged : summary.skipped, this.lastSkipText, 1);
      }
      if (options.onProgress && rec.frame % every === 0) {
        if (options.onProgress(reader.position, this.size) === true) {
          summary.cancelled = true;
          this.done = true;
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The summary, once the last step is taken. A resumable scan may call it whenever it pauses
   * (it adds the current run of link types to the counts) and step on after it.
   */
  finish(): ScanSummary {
    if (this.lastLinkType >= 0) bump(this.summary.linkTypes, this.lastLinkType, this.lastLinkCount);
    this.lastLinkType = -1;
    return this.summary;
  }
}

/** How a skipped frame is reported ("not TCP (IP protocol 17)", "IPv4 fragment (not reassembled)"...). */
export function skipReasonText(kind: FrameKind, reason: string): string {
  switch (kind) {
    case FrameKind.UnsupportedLink:
      return reason;
    case FrameKind.Fragment:
      return `${reason} (not reassembled)`;
    case FrameKind.Truncated:
    case FrameKind.Malformed:
      return reason;
    case FrameKind.NotIp:
      return `not IP (${reason})`;
    default:
      return `not TCP (${reason})`;
  }
}

function bump(m: Map<string, number>, k: string, n: number): void;
function bump(m: Map<number, number>, k: number, n: number): void;
function bump<K>(m: Map<K, number>, k: K, n: number): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

export type PacketRecordVisitor = (
  packet: PacketRecord,
  record: CaptureRecord,
  frame: DecodedFrame,
  segment: SegmentAnalysis,
  finalFlow: HalfFlow,
) => void;

/**
 * Every TCP segment as a PacketRecord, the way Wireshark's packet details show it: analysis
 * from the in-order pass, windows with the scale known at the end of the file. That takes two
 * passes over the bytes (the second repeats the first exactly), and memory stays per connection.
 */
export function scanPacketRecords(
  open: () => ByteSource,
  visit: PacketRecordVisitor,
  onFirstPass?: (first: ScanSummary) => void,
  onProgress?: (fraction: number) => boolean | void,
): ScanSummary {
  return scanSegmentsTwice(open, (rec, f, seg, flow, peer) => visit(packetRecord(rec, f, seg, flow, peer), rec, f, seg, flow), onFirstPass, onProgress);
}

/**
 * The two passes of scanPacketRecords without building a record per packet: the visitor gets
 * the segment with its direction's and the peer's half-flows as they stand at the end of the
 * file (final bases and window scale), for views that keep numbers, not text.
 */
export function scanSegmentsTwice(
  open: () => ByteSource,
  visit: (rec: CaptureRecord, f: DecodedFrame, seg: SegmentAnalysis, finalFlow: HalfFlow, finalPeer: HalfFlow) => void,
  onFirstPass?: (first: ScanSummary) => void,
  onProgress?: (fraction: number) => boolean | void,
): ScanSummary {
  return readSegmentsTwice(
    () => {
      const source = open();
      return { reader: openCapture(source), size: source.size };
    },
    visit,
    onFirstPass,
    onProgress,
  );
}

/** scanSegmentsTwice over any reader of records (one connection's, read again by a view). */
export function readSegmentsTwice(
  open: () => { reader: RecordReader; size: number },
  visit: (rec: CaptureRecord, f: DecodedFrame, seg: SegmentAnalysis, finalFlow: HalfFlow, finalPeer: HalfFlow) => void,
  onFirstPass?: (first: ScanSummary) => void,
  onProgress?: (fraction: number) => boolean | void,
  seed: { streamBase: number; firstReusesPorts: boolean } = { streamBase: 0, firstReusesPorts: false },
): ScanSummary {
  const progress = (pass: number) =>
    onProgress ? (read: number, total: number) => onProgress((pass + (total ? read / total : 1)) / 2) : undefined;
  const a = open();
  const first = scanRecords(a.reader, a.size, { ...(onProgress ? { onProgress: progress(0) } : {}), ...seed });
  onFirstPass?.(first);
  if (first.cancelled) return first;
  const final = first.analyzer;
  const b = open();
  return scanRecords(b.reader, b.size, {
    ...(onProgress ? { onProgress: progress(1) } : {}),
    ...seed,
    onSegment(rec, f, seg) {
      const conv = final.conversationOf(seg.conversation.stream) ?? seg.conversation;
      const flow = seg.inFlow1 ? conv.flow1 : conv.flow2;
      const peer = seg.inFlow1 ? conv.flow2 : conv.flow1;
      visit(rec, f, seg, flow, peer);
    },
  });
}
