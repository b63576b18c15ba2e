import { openCapture } from './capture/open';
import { ByteSource } from './capture/source';
import { CaptureInfo, CaptureProblem, CaptureRecord } from './capture/types';
import { DecodedFrame, FrameKind, decodeFrame } from './decode/frame';
import { PacketRecord, packetRecord } from './report';
import { HalfFlow, SegmentAnalysis, TcpAnalyzer } from './tcp/analysis';

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
}

/**
 * Reads a capture once, forward: decodes every frame, runs the TCP analysis and reports what
 * it skipped. Throws CaptureFormatError only when the file is not a capture at all; damage
 * later in the file ends the scan with a problem and keeps everything read before it.
 */
export function scanCapture(source: ByteSource, options: ScanOptions = {}): ScanSummary {
  const reader = openCapture(source, options.pageSize);
  const analyzer = new TcpAnalyzer();
  const decoded = new DecodedFrame();
  const summary: ScanSummary = {
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
    analyzer,
  };
  const every = options.progressEvery ?? 65536;
  const onSegment = options.onSegment;
  let lastLinkType = -1;
  let lastSkipKind = -1;
  let lastSkipReason = '';
  let lastSkipText = '';
  let lastLinkCount = 0;
  for (let rec = reader.next(); rec; rec = reader.next()) {
    if (summary.frames === 0) {
      summary.firstSec = rec.tsSec;
      summary.firstNsec = rec.tsNsec;
    }
    summary.frames = rec.frame;
    summary.lastSec = rec.tsSec;
    summary.lastNsec = rec.tsNsec;
    // Count link types in runs: almost every file has one, so the map is touched rarely.
    if (rec.linkType !== lastLinkType) {
      if (lastLinkType >= 0) bump(summary.linkTypes, lastLinkType, lastLinkCount);
      lastLinkType = rec.linkType;
      lastLinkCount = 0;
    }
    lastLinkCount++;
    const kind = decodeFrame(rec.linkType, rec.data, rec.origLen, decoded);
    if (kind === FrameKind.Tcp) {
      summary.tcpFrames++;
      if (!decoded.headerValid) bump(summary.damaged, decoded.reason, 1);
      else if (decoded.truncated) bump(summary.damaged, 'TCP segment cut short by the snapshot length', 1);
      const seg = analyzer.analyse(rec.frame, rec.tsSec, rec.tsNsec, rec.origLen, decoded);
      if (onSegment) onSegment(rec, decoded, seg);
    } else {
      options.onOtherFrame?.(rec, kind, decoded.reason);
      const damaged = kind === FrameKind.Truncated || kind === FrameKind.Malformed;
      // Skipped frames come in runs of one reason: its text is made once per run, not per frame.
      if (kind !== lastSkipKind || decoded.reason !== lastSkipReason) {
        lastSkipKind = kind;
        lastSkipReason = decoded.reason;
        lastSkipText = skipReasonText(kind, decoded.reason);
      }
      bump(damaged ? summary.damaged : summary.skipped, lastSkipText, 1);
    }
    if (options.onProgress && rec.frame % every === 0) {
      if (options.onProgress(reader.position, source.size) === true) {
        summary.cancelled = true;
        break;
      }
    }
  }
  if (lastLinkType >= 0) bump(summary.linkTypes, lastLinkType, lastLinkCount);
  return summary;
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
  const progress = (pass: number) =>
    onProgress ? (read: number, total: number) => onProgress((pass + (total ? read / total : 1)) / 2) : undefined;
  const first = scanCapture(open(), onProgress ? { onProgress: progress(0) } : {});
  onFirstPass?.(first);
  if (first.cancelled) return first;
  const finalConversations = first.analyzer.conversations;
  return scanCapture(open(), {
    ...(onProgress ? { onProgress: progress(1) } : {}),
    onSegment(rec, f, seg) {
      const conv = finalConversations[seg.conversation.stream] ?? seg.conversation;
      const flow = seg.inFlow1 ? conv.flow1 : conv.flow2;
      const peer = seg.inFlow1 ? conv.flow2 : conv.flow1;
      visit(rec, f, seg, flow, peer);
    },
  });
}
