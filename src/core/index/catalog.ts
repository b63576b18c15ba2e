import { ConnectionApp } from '../app/attribution';
import { ConnectionAppSummary } from '../app/summary';
import { openCapture, openKnowing } from '../capture/open';
import { ResumableReader } from '../capture/resumable';
import { ByteSource } from '../capture/source';
import { CaptureInfo, CaptureProblem, CaptureRecord, RecordReader } from '../capture/types';
import { Scenario, ScenarioTracker } from '../explain/scenario';
import { Lang } from '../explain/glossary';
import { ScanSummary, Scanner, SegmentVisitor, scanRecords } from '../scan';
import { HalfFlow, SegmentAnalysis, TcpAnalyzer, TcpConversation } from '../tcp/analysis';
import { DecodedFrame, FrameKind, decodeFrame } from '../decode/frame';
import { ConversationTable } from '../tcp/conversationTable';
import { CaptureIndex, indexRecords } from './captureIndex';
import { QuickTable } from './quickTable';
import { LruCache } from '../lru';

/**
 * A capture of any size, read once, forward. Per TCP segment it keeps only what finds the
 * segment again (where in the file, frame number, stream: 12 bytes); per connection, the analysis'
 * counters and what classifies it. A view of one connection (its ladder, its bytes, its graphs)
 * reads that connection's segments again by their offsets and runs the same analysis on them
 * alone: the analysis keeps its state per conversation, so the result is the whole pass's.
 */

/** Segments per chunk at most: big captures grow by chunks, never by copying everything. */
const MAX_CHUNK = 1 << 20;
/** The farthest a segment's offset may lie from its chunk's first: offsets are kept as 32-bit distances. */
const MAX_DISTANCE = 0xffffffff;
/** Bytes a segment takes: its distance into the file from its chunk's start, frame number and stream. */
export const LOCATION_BYTES = 12;

/**
 * Where each TCP segment is, in file order, in chunks of typed arrays. A file offset is kept as
 * its distance from the chunk's first segment (32 bits, not a 64-bit float): 12 bytes a segment.
 * A chunk whose segments would span more than 4 GiB of file ends early (a capture of jumbo
 * frames between rare TCP segments), so every distance fits.
 */
export class SegmentLocations {
  /** Per chunk: the file offset of its first segment, which its distances count from. */
  private readonly bases: number[] = [];
  private readonly distances: Uint32Array[] = [];
  private readonly frames: Uint32Array[] = [];
  private readonly streams: Uint32Array[] = [];
  private used = 0;
  count = 0;

  push(offset: number, frame: number, stream: number): void {
    let last = this.distances.length - 1;
    let distance = last < 0 ? -1 : offset - this.bases[last]!;
    if (last < 0 || this.used === this.distances[last]!.length || distance < 0 || distance > MAX_DISTANCE) {
      // A chunk cut short by its span gives back what it did not use.
      this.trim();
      // Small captures stay small: each chunk is as big as everything before it, up to the cap.
      const size = Math.min(MAX_CHUNK, Math.max(1024, this.count));
      this.bases.push(offset);
      this.distances.push(new Uint32Array(size));
      this.frames.push(new Uint32Array(size));
      this.streams.push(new Uint32Array(size));
      this.used = 0;
      last++;
      distance = 0;
    }
    this.distances[last]![this.used] = distance;
    this.frames[last]![this.used] = frame;
    this.streams[last]![this.used] = stream;
    this.used++;
    this.count++;
  }

  /** Once every segment is in: the last chunk gives back what it did not use. */
  trim(): void {
    const last = this.distances.length - 1;
    if (last < 0 || this.used === this.distances[last]!.length) return;
    this.distances[last] = this.distances[last]!.slice(0, this.used);
    this.frames[last] = this.frames[last]!.slice(0, this.used);
    this.streams[last] = this.streams[last]!.slice(0, this.used);
  }

  /** Every segment held, in file order. */
  forEach(visit: (offset: number, frame: number, stream: number) => void): void {
    for (let c = 0; c < this.distances.length; c++) {
      const n = c === this.distances.length - 1 ? this.used : this.distances[c]!.length;
      const base = this.bases[c]!;
      const distances = this.distances[c]!;
      const frames = this.frames[c]!;
      const streams = this.streams[c]!;
      for (let i = 0; i < n; i++) visit(base + distances[i]!, frames[i]!, streams[i]!);
    }
  }

  /** Chunks of arrays held. */
  get chunks(): number {
    return this.distances.length;
  }

  /** Bytes held by the arrays (allocated, not only used), with each chunk's base. */
  get bytes(): number {
    let n = 0;
    for (const c of this.distances) n += c.length * LOCATION_BYTES + 8;
    return n;
  }

  /**
   * Offsets and frame numbers of one stream's segments, in file order, looking only between
   * its first and last segment (`from`, `to`: ordinals of segments in the file).
   */
  ofStream(stream: number, from = 0, to = this.count - 1): { offsets: number[]; frames: number[] } {
    const offsets: number[] = [];
    const frames: number[] = [];
    let start = 0;
    for (let c = 0; c < this.streams.length && start <= to; c++) {
      const streams = this.streams[c]!;
      const n = c === this.streams.length - 1 ? this.used : streams.length;
      const end = start + n;
      if (end > from) {
        const base = this.bases[c]!;
        for (let i = Math.max(0, from - start); i < n && start + i <= to; i++) {
          if (streams[i] === stream) {
            offsets.push(base + this.distances[c]![i]!);
            frames.push(this.frames[c]![i]!);
          }
        }
      }
      start = end;
    }
    return { offsets, frames };
  }
}

/** The records of one connection, read again from a reader that has passed them all once. */
class StreamRecords implements RecordReader {
  readonly problems: CaptureProblem[] = [];
  private i = 0;

  constructor(
    private readonly reader: RecordReader,
    private readonly at: { offsets: number[]; frames: number[] },
  ) {}

  get info(): CaptureInfo {
    return this.reader.info;
  }

  get position(): number {
    return this.i;
  }

  next(): CaptureRecord | null {
    if (this.i >= this.at.offsets.length) return null;
    this.reader.seek(this.at.offsets[this.i]!, this.at.frames[this.i]!);
    this.i++;
    const rec = this.reader.next();
    if (!rec) throw new Error(`the capture changed: no packet at offset ${this.at.offsets[this.i - 1]} any more`);
    return rec;
  }

  seek(): void {
    throw new Error('one connection is read in order');
  }

  fork(): RecordReader {
    throw new Error('one connection is read in order');
  }
}

/**
 * Application bytes of one connection the forward pass reads for the table's "carried" line:
 * enough for the first requests and answers or a TLS handshake. A view of the connection
 * (its ladder) reads them all.
 */
export const CARRIED_BUDGET = 64 << 10;

/** Page size for reading one connection here and there in a big file: its segments are near each other. */
const REREAD_PAGE = 64 << 10;
/** Page size for reading the span of a connection the analysis has not reached: every record in it. */
const SPAN_PAGE = 1 << 20;

/** A connection read and analysed on its own (a view of it, or locateStreams). */
interface AnalysedAlone {
  conv: TcpConversation;
  tracker: ScenarioTracker;
  /** The tcp.analysis.* bits of its segments, or-ed. */
  bits: number;
}

export class CaptureCatalog {
  readonly locations = new SegmentLocations();
  /** Per stream: what classifies the connection. */
  readonly trackers: ScenarioTracker[] = [];
  /** Per stream: the ordinals of its first and last segment among all segments. */
  readonly firstSegment: number[] = [];
  readonly lastSegment: number[] = [];
  /** Per stream: the tcp.analysis.* bits of all its segments, or-ed. */
  readonly analysis: number[] = [];
  /**
   * Per stream: what its application bytes carried, as the few fields of its one line
   * ("HTTP GET / → 200"); absent when it carried none. Filled during the pass.
   */
  readonly carried: (ConnectionAppSummary | undefined)[] = [];
  summary!: ScanSummary;

  private rereader: RecordReader | null = null;
  private spanReader: RecordReader | null = null;

  /**
   * Set while the quick count lists connections the analysis has not finished (useQuickTable):
   * views of those read them alone from the span the count found.
   */
  private quick: QuickTable | null = null;
  /** Connections the pass had not finished, read and analysed alone for a view: the last few. */
  private readonly aloneCache = new LruCache<number, AnalysedAlone & { at: { offsets: number[]; frames: number[] } }>(8);

  /** The reader of connections read again: made once, on a second view of the bytes. */
  private get rereading(): RecordReader {
    return (this.rereader ??= this.reader.fork(this.reopen(), REREAD_PAGE));
  }

  /**
   * `reader` makes the one forward pass; `reopen` gives a second view of the same bytes for the
   * reader that reads connections again (while the first may still be reading on).
   */
  constructor(
    private readonly reader: RecordReader,
    private readonly reopen: () => ByteSource,
  ) {}

  /** Set by locateStreams: the connections it analysed, each at its stream number. */
  private located: readonly TcpConversation[] | null = null;

  /**
   * Every connection listed by the quick count, ahead of the analysis (a big capture in the
   * editor): rows and views of any connection before the pass reaches it.
   */
  useQuickTable(q: QuickTable): void {
    this.quick = q;
  }

  /** The quick count's table, while the pass has not finished; null once it has (or without one). */
  get quickTable(): QuickTable | null {
    return this.quick;
  }

  /** The pass has read everything: it answers for every connection, the quick table is let go. */
  dropQuickTable(): void {
    this.quick = null;
    this.aloneCache.clear();
    this.spanReader = null;
  }

  /** Connections known: the pass' so far, or all of them once the quick count has listed them. */
  get streamCount(): number {
    const n = this.conversations.length;
    return this.quick ? Math.max(n, this.quick.count) : n;
  }

  /**
   * Whether the pass' analysis of `stream` is what a view of it shows: always without a quick
   * table (a capture still being read shows what it has so far); with one, once the pass has
   * read the connection's last segment. Before that the connection is read alone.
   */
  passHasFinished(stream: number): boolean {
    const q = this.quick;
    if (!q || stream >= q.count) return true;
    return stream < this.conversations.length && q.table.lastFrame[stream]! <= this.summary.frames;
  }

  /** Connection `stream` as its views see it, or undefined when there is none. */
  conversation(stream: number): TcpConversation | undefined {
    if (!Number.isSafeInteger(stream) || stream < 0) return undefined;
    return this.passHasFinished(stream) ? this.conversations[stream] : this.readAlone(stream)?.conv;
  }

  /** A connection the pass has not finished, from the quick count's span, analysed alone (kept for the next view). */
  private readAlone(stream: number): (AnalysedAlone & { at: { offsets: number[]; frames: number[] } }) | undefined {
    const q = this.quick;
    if (!q || stream >= q.count) return undefined;
    let kept = this.aloneCache.get(stream);
    if (!kept) {
      // Not a fork of the pass' reader: the span may lie past what it has read (pcapng
      // interfaces it has not met), and the count has read it all.
      this.spanReader ??= openKnowing(this.reopen(), q.knowledge, SPAN_PAGE);
      const at = q.locate(this.spanReader, stream);
      const alone = this.analyseAt(this.spanReader, at, stream, q.table.startedByReuse[stream] === 1);
      if (!alone) return undefined;
      kept = { ...alone, at };
      this.aloneCache.set(stream, kept);
    }
    return kept;
  }

  /**
   * Where a connection's segments are and the reader to read them again with: the pass'
   * locations and its second reader, or the quick count's span and the span reader.
   */
  private positionsOf(stream: number): { at: { offsets: number[]; frames: number[] }; reader: RecordReader } {
    if (this.passHasFinished(stream)) return { at: this.locations.ofStream(stream, this.firstSegment[stream], this.lastSegment[stream]), reader: this.rereading };
    const alone = this.readAlone(stream);
    return { at: alone?.at ?? { offsets: [], frames: [] }, reader: this.spanReader ?? this.rereading };
  }

  /**
   * Every connection, by stream number. A catalog made by locateStreams has a place for every
   * connection (the length is their count) and holds only the ones it was asked for.
   */
  get conversations(): readonly TcpConversation[] {
    return this.located ?? this.summary.analyzer.conversations;
  }

  analysisOf(stream: number): number {
    if (!this.passHasFinished(stream)) return this.readAlone(stream)?.bits ?? 0;
    return this.analysis[stream] ?? 0;
  }

  /** The connection's application messages in one line, in `lang`, or '' when none was recognised. */
  carriedText(stream: number, lang: Lang = 'en'): string {
    return this.carried[stream]?.text(lang) ?? '';
  }

  scenario(stream: number): Scenario {
    if (!this.passHasFinished(stream)) {
      const alone = this.readAlone(stream);
      if (!alone) throw new RangeError(`no TCP stream ${stream} in this capture`);
      return alone.tracker.scenario(stream, alone.conv.clientIsA);
    }
    const conv = this.conversations[stream];
    if (!conv) throw new RangeError(`no TCP stream ${stream} in this capture`);
    return this.trackers[stream]!.scenario(stream, conv.clientIsA);
  }

  /**
   * One connection indexed on its own, as indexCapture indexes a whole capture: the same
   * columns, the same numbers, its stream number kept.
   */
  streamIndex(stream: number): CaptureIndex {
    const conv = this.conversation(stream);
    if (!conv) throw new RangeError(`no TCP stream ${stream} in this capture`);
    const { at, reader: rereader } = this.positionsOf(stream);
    const index = indexRecords(() => ({ reader: new StreamRecords(rereader, at), size: at.offsets.length }), undefined, {
      streamBase: stream,
      firstReusesPorts: conv.startedByReuse,
    });
    return index;
  }

  /**
   * Reads segment `n` of a connection (its place in the connection, as in its ladder) again:
   * `visit` gets its record, whose bytes are valid during the call only.
   */
  segmentRecord<T>(stream: number, n: number, visit: (rec: CaptureRecord) => T): T {
    const conv = this.conversation(stream);
    if (!conv) throw new RangeError(`no TCP stream ${stream} in this capture`);
    const { at, reader: rereader } = this.positionsOf(stream);
    if (!Number.isSafeInteger(n) || n < 0 || n >= at.offsets.length) throw new RangeError(`stream ${stream} has no segment ${n + 1}`);
    rereader.seek(at.offsets[n]!, at.frames[n]!);
    const rec = rereader.next();
    if (!rec) throw new Error(`the capture changed: no packet at offset ${at.offsets[n]} any more`);
    return visit(rec);
  }

  /**
   * Reads one connection's segments again, in file order, each with its record (bytes valid
   * during the call only), decoded frame and the analysis the whole pass gave it.
   */
  readStream(stream: number, visit: SegmentVisitor): void {
    const conv = this.conversation(stream);
    if (!conv) throw new RangeError(`no TCP stream ${stream} in this capture`);
    const { at, reader } = this.positionsOf(stream);
    scanRecords(new StreamRecords(reader, at), at.offsets.length, {
      streamBase: stream,
      firstReusesPorts: conv.startedByReuse,
      onSegment(rec, f, seg) {
        if (seg.conversation.stream === stream) visit(rec, f, seg);
      },
    });
  }

  /**
   * Every located segment (all of a catalog made by locateStreams), in file order, read twice
   * as scanPacketRecords reads a capture, each connection analysed alone as a view analyses
   * it: `visit` gets each segment (bytes valid during the call only) with its
   * direction's and the peer's half-flows as they stand at its connection's end. Memory: two
   * analyses per connection located, so for a few thousand connections at most.
   */
  readLocatedTwice(visit: (rec: CaptureRecord, f: DecodedFrame, seg: SegmentAnalysis, finalFlow: HalfFlow, finalPeer: HalfFlow) => void): void {
    const rereader = this.rereading;
    const decoded = new DecodedFrame();
    const pass = (final: Map<number, TcpAnalyzer> | null): Map<number, TcpAnalyzer> => {
      const analyzers = new Map<number, TcpAnalyzer>();
      this.locations.forEach((offset, frame, stream) => {
        let analyzer = analyzers.get(stream);
        if (!analyzer) {
          analyzer = new TcpAnalyzer(stream, this.conversations[stream]?.startedByReuse ?? false);
          analyzers.set(stream, analyzer);
        }
        rereader.seek(offset, frame);
        const rec = rereader.next();
        if (!rec || decodeFrame(rec.linkType, rec.data, rec.origLen, decoded) !== FrameKind.Tcp) {
          throw new Error(`the capture changed: no TCP segment at offset ${offset} any more`);
        }
        const seg = analyzer.analyse(rec.frame, rec.tsSec, rec.tsNsec, rec.origLen, decoded);
        if (!final) return;
        const conv = final.get(stream)!.conversationOf(seg.conversation.stream) ?? seg.conversation;
        visit(rec, decoded, seg, seg.inFlow1 ? conv.flow1 : conv.flow2, seg.inFlow1 ? conv.flow2 : conv.flow1);
      });
      return analyzers;
    };
    pass(pass(null));
  }

  /**
   * Analyses connection `stream` alone, from the segments `locations` holds for it, as a view
   * reads it again; its scenario tracker and analysis bits are filled on the way (locateStreams).
   */
  analyseAlone(stream: number, startedByReuse: boolean): TcpConversation | undefined {
    const alone = this.analyseAt(this.rereading, this.locations.ofStream(stream, this.firstSegment[stream], this.lastSegment[stream]), stream, startedByReuse);
    if (!alone) return undefined;
    this.trackers[stream] = alone.tracker;
    this.analysis[stream] = alone.bits;
    return alone.conv;
  }

  /** Connection `stream`, from its segments at `at`, analysed alone as a view reads it again. */
  private analyseAt(reader: RecordReader, at: { offsets: number[]; frames: number[] }, stream: number, startedByReuse: boolean): AnalysedAlone | undefined {
    if (at.offsets.length === 0) return undefined;
    const tracker = new ScenarioTracker();
    let bits = 0;
    const summary = scanRecords(new StreamRecords(reader, at), at.offsets.length, {
      streamBase: stream,
      firstReusesPorts: startedByReuse,
      onSegment(rec, f, seg) {
        bits |= seg.flags;
        tracker.add(seg.fromA, f.flags, f.payloadLen, f.seq, f.ack, rec.tsSec, rec.tsNsec);
      },
    });
    summary.analyzer.close();
    const conv = summary.analyzer.conversationOf(stream);
    return conv ? { conv, tracker, bits } : undefined;
  }

  /** Used by locateStreams: the catalog answers for these connections only. */
  useLocated(conversations: readonly TcpConversation[]): void {
    this.located = conversations;
  }
}

/**
 * Some connections of a capture, found without analysing the others: one pass of the
 * conversation table (the count `tcp-explainer conversations` makes, several times faster than
 * the analysis) keeps where each segment of the `wanted` streams is; then each of them is
 * analysed alone, as a view reads a connection again (tests hold that equal to the whole pass).
 * The catalog's summary is the table pass's (the same as the analysis', also tested); its
 * `conversations` has a place for every connection and holds the wanted ones that exist.
 * For the command line's views of one connection (follow, explain, graph, packet).
 */
export function locateStreams(source: ByteSource, reopen: () => ByteSource, wanted: Iterable<number>): CaptureCatalog {
  const want = new Set(wanted);
  const reader = openCapture(source);
  const catalog = new CaptureCatalog(reader, reopen);
  const table = new ConversationTable();
  const { locations, firstSegment, lastSegment } = catalog;
  catalog.summary = scanRecords(reader, source.size, {
    table,
    onCounted(rec, stream) {
      if (!want.has(stream)) return;
      if (firstSegment[stream] === undefined) firstSegment[stream] = locations.count;
      lastSegment[stream] = locations.count;
      locations.push(rec.fileOffset, rec.ordinal, stream);
    },
  });
  locations.trim();
  const conversations: TcpConversation[] = new Array<TcpConversation>(table.count);
  for (const stream of [...want].sort((a, b) => a - b)) {
    if (!Number.isSafeInteger(stream) || stream < 0 || stream >= table.count) continue;
    const conv = catalog.analyseAlone(stream, table.startedByReuse[stream] === 1);
    if (conv) conversations[stream] = conv;
  }
  catalog.useLocated(conversations);
  return catalog;
}

/** A catalogue being made: `step(n)` reads up to n more frames; the catalog grows as it goes. */
export interface CatalogBuilder {
  readonly catalog: CaptureCatalog;
  /** False once the whole capture is read (a growing capture: everything there is, for now). */
  step(frames: number): boolean;
  /** Bytes read so far and in all (a growing capture: the source's size now). */
  readonly position: number;
  readonly size: number;
  /**
   * A growing capture, after step() returned false: the source grew (or patience changed), so
   * reading goes on from the record it stopped at. `patient`: a record cut short at the end is
   * waited for, not reported. False when reading cannot go on (the capture is damaged there).
   */
  resume(patient: boolean): boolean;
  /**
   * A growing capture is complete for now: bytes waiting in open connections' message parsers
   * go into the table's "carried" lines (as at the end of a file). Reading may still go on
   * after it; connections ended here keep the line they have.
   */
  end(): void;
}

/**
 * Starts cataloguing a capture. The source must stay open while the catalog is used: views
 * read their connection's segments from it again.
 */
export interface CatalogOptions {
  /**
   * Keep where each segment is (12 bytes a segment), so views can read a connection again.
   * Without it the catalog only classifies and counts (a command-line filter needs no more).
   */
  locations?: boolean;
  /**
   * The capture may still grow (a file another program is writing, a live capture): step()
   * returning false means "read for now", resume() goes on after the source's size was raised,
   * end() finishes what a file's end finishes. Without it the builder ends at the first end.
   */
  growing?: boolean;
}

export function startCatalog(source: ByteSource, reopen: () => ByteSource = () => source, options: CatalogOptions = {}): CatalogBuilder {
  const keepLocations = options.locations ?? true;
  const growing = options.growing ? new ResumableReader(openCapture(source)) : null;
  const reader = growing ?? openCapture(source);
  const catalog = new CaptureCatalog(reader, reopen);
  const { locations, trackers, firstSegment, lastSegment, analysis, carried } = catalog;
  // Per stream: the parsers finding its messages while it is open; null once they have stopped
  // (the connection ended, or its line can no longer change), so memory follows open connections.
  const apps: (ConnectionApp | null | undefined)[] = [];
  let liveApps = 0;
  // Application bytes given to each connection's parsers so far: past CARRIED_BUDGET they stop,
  // so a bulk download costs the pass no more than a short request (the line is then partial).
  const fed: number[] = [];
  const scanner = new Scanner(reader, source.size, {
    resumable: growing !== null,
    onStart(summary) {
      catalog.summary = summary;
    },
    onSegment(rec, f, seg) {
      const stream = seg.conversation.stream;
      if (analysis[stream] === undefined) {
        firstSegment[stream] = locations.count;
        analysis[stream] = 0;
      }
      analysis[stream]! |= seg.flags;
      if (keepLocations) {
        lastSegment[stream] = locations.count;
        locations.push(rec.fileOffset, rec.ordinal, stream);
      }
      (trackers[stream] ??= new ScenarioTracker()).add(seg.fromA, f.flags, f.payloadLen, f.seq, f.ack, rec.tsSec, rec.tsNsec);
      let app = apps[stream];
      if (app === null) return;
      if (app === undefined) {
        // The summary is made with the first message: a connection that carries none keeps nothing.
        app = apps[stream] = new ConnectionApp({ frames: false, onSettled: (m) => (carried[stream] ??= new ConnectionAppSummary()).add(m) });
        liveApps++;
      }
      // Only segments whose header Wireshark reads take part, as in Follow (and streamApp).
      if (!f.headerValid) return;
      const payloadStart = f.tcpOffset + f.tcpHeaderLen;
      if (f.data.length < payloadStart) return;
      const payload = f.data.subarray(payloadStart, Math.min(f.data.length, payloadStart + f.payloadLen));
      // The two sides are the app's "client" and "server" by a fixed choice (A), since which one
      // is the client may be learnt later; the app treats both directions alike.
      app.segment(rec.frame, seg.fromA, f.flags, seg.relSeq, seg.relAck, f.ack, payload, f.payloadLen);
      const given = (fed[stream] = (fed[stream] ?? 0) + payload.length);
      if (app.closed) {
        apps[stream] = null;
        liveApps--;
      } else if (given > CARRIED_BUDGET) {
        const line = carried[stream];
        if (line) line.partial = true;
        apps[stream] = null;
        liveApps--;
      }
    },
  });
  /** The capture ended: bytes still waiting go through, as at the end of streamApp. */
  const finishApps = (): void => {
    for (let s = 0; s < apps.length && liveApps > 0; s++) {
      const app = apps[s];
      if (app) {
        app.finish();
        apps[s] = null;
        liveApps--;
      }
    }
  };
  const end = (): void => {
    scanner.finish();
    finishApps();
    locations.trim();
  };
  return {
    catalog,
    get size() {
      return source.size;
    },
    get position() {
      return scanner.position;
    },
    step(frames: number): boolean {
      if (scanner.step(frames)) return true;
      // A growing capture pauses: the counts are brought up to date, the parsers keep waiting.
      if (growing) scanner.finish();
      else {
        end();
        catalog.summary.analyzer.close();
      }
      return false;
    },
    resume(patient: boolean): boolean {
      if (!growing) return false;
      growing.patient = patient;
      return growing.resume();
    },
    end,
  };
}

/** Reads a capture once and catalogues it (see startCatalog). */
export function catalogCapture(source: ByteSource, reopen?: () => ByteSource, options?: CatalogOptions): CaptureCatalog {
  const builder = startCatalog(source, reopen, options);
  while (builder.step(Infinity));
  return builder.catalog;
}
