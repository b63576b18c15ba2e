import * as path from 'node:path';
import { Worker, parentPort } from 'node:worker_threads';
import { FileSource } from '../node/fileSource';
import { collectGarbage } from '../node/collectGarbage';
import { ByteSource, MemorySource } from '../core/capture/source';
import { CaptureFormatError } from '../core/capture/types';
import { linkTypeName } from '../core/decode/linktypes';
import { Lang } from '../core/explain/glossary';
import { ConnectionExplanation, explainConnection } from '../core/explain/connection';
import { explanationMarkdown, ladderMermaid, ladderSvg } from '../core/explain/export';
import { isPlaceholderSkip } from '../core/text/hover';
import { RebuiltText, rebuildCapture, rebuiltSource } from '../core/text/rebuild';
import { renderTcpdump } from '../core/text/render';
import { CaptureIndex, indexCapture } from '../core/index/captureIndex';
import { CaptureCatalog, CatalogBuilder, startCatalog } from '../core/index/catalog';
import { QuickTable, QuickTableMessage } from '../core/index/quickTable';
import type { QuickTableWorkerData } from './quickTableWorker';
import { secondsBetween, spanSeconds } from '../core/report';
import { Ladder, StreamFacts, buildLadder, streamFacts } from '../core/tcp/ladder';
import { TableQuery, TableView, connectionRow, tableView } from '../core/view/connections';
import { MessageHandler, RpcMessage } from '../shared/rpc';
import { controlsEscaped } from '../core/escape';
import type { AnatomyView, CaptureOverview, ConnectionRow, FollowItem, FollowPage, RowsPage } from '../shared/protocol';
import { followStream } from '../core/stream/follow';
import { StreamApp, carriedLines, streamApp } from '../core/app/stream';
import type { FrameApp } from '../core/app/attribution';
import { frameAnatomy, tcpPayloadSpan } from '../core/anatomy/anatomy';
import { appLayers, streamTlsVersion } from '../core/anatomy/app';
import { TH_ACK } from '../core/tcp/analysis';
import { Side } from '../core/stream/types';
import { TimelineMarks, timelineMarks } from '../core/view/timeline';
import { LruCache } from '../core/lru';
import { Graph, GraphKind, GraphSide, StreamSamples, buildGraph, busierSide, readStreamSamples } from '../core/graph/series';
import { graphCsvLines, graphSvg } from '../core/graph/export';

/**
 * The index worker: one per open capture, off the extension host's main thread. It reads the
 * capture once into a catalog (12 bytes a segment), answering the table's page requests while
 * it reads, so the first rows show within a second whatever the file's size. A ladder or an
 * export reads that one connection again. Terminating the worker cancels and frees everything.
 */

export type ExportFormat = 'markdown' | 'mermaid' | 'svg' | 'tcpdump';

export interface OpenParams {
  /** A capture file (read page by page), its bytes, or capture text to rebuild into one. */
  file?: string;
  bytes?: Uint8Array;
  text?: string;
  name: string;
  /**
   * The file is still being written (the editor's own live capture): read what is there and
   * follow it from the start, waiting for records not all written yet.
   */
  follow?: boolean;
  /**
   * A file of at least this many bytes is also counted by the quick count in a thread of its
   * own, which lists every connection before the analysis has read them all (QUICK_COUNT_FROM
   * when absent; tests lower it).
   */
  quickCountFrom?: number;
}
export interface OpenResult {
  overview: CaptureOverview;
  total: number;
}
export interface ProgressNote {
  fraction: number;
  connections: number;
  /** Every connection is listed (the quick count came), while the analysis goes on. */
  listed?: boolean;
  /**
   * New packets were read from a file that grows: the connections that got segments ('all'
   * when there are many), the overview as it now stands, and how many connections have ended.
   */
  grew?: number[] | 'all';
  overview?: CaptureOverview;
  finished?: number;
  /** Following stopped by itself: why. */
  cannot?: WatchProblem;
}
/** Why a file cannot be followed (any more); the host puts it into the user's words. */
export interface WatchProblem {
  why: 'not-a-file' | 'shorter' | 'damaged' | 'unreadable';
  /** Sizes for 'shorter', the system's message for 'unreadable'. */
  detail: string;
}
/** Whether the worker reads a growing file's new packets as they land ("Follow" in the editor). */
export interface WatchParams {
  on: boolean;
}
export interface WatchState {
  following: boolean;
  /** Why it cannot follow (a capture from bytes or text, damage, a file that got shorter), or null. */
  cannot: WatchProblem | null;
}
export interface RowsParams {
  query: TableQuery;
  first: number;
  count: number;
  lang: Lang;
}
export interface LadderParams {
  stream: number;
  first: number;
  count: number;
  numbers: 'relative' | 'absolute';
}
export interface LadderResult {
  ladder: Ladder;
  explanation?: ConnectionExplanation;
  /** What the page's segments carried (those that carried application bytes). */
  carried?: FrameApp[];
}
export interface ExportParams {
  /** -1 with tcpdump: every connection. */
  stream: number;
  format: ExportFormat;
  lang: Lang;
  numbers: 'relative' | 'absolute';
}
export interface PickParams {
  lang: Lang;
  /** At most this many, the most interesting first (a full handshake and teardown). */
  limit: number;
}
export interface AnatomyParams {
  stream: number;
  /** The segment's place in its connection. */
  n: number;
  lang: Lang;
}
export interface FollowParams {
  stream: number;
  first: number;
  count: number;
}
export interface SentBytesParams {
  stream: number;
  from: Side;
}
export interface GraphParams {
  stream: number;
  kind: GraphKind;
  /** The side whose segments are drawn; null: the side that sent more bytes. */
  side: GraphSide | null;
  /** The throughput graph's moving-average window, in seconds. */
  windowSeconds: number;
}
export interface GraphResult {
  graph: Graph;
  /** The frame of each of the connection's segments, in ladder order (a point's frame finds its ladder row). */
  frames: Uint32Array;
  /** Each segment's time since the connection's first (the ladder's selection on the graph). */
  times: Float64Array;
}
export interface GraphExportParams extends GraphParams {
  format: 'svg' | 'csv';
  lang: Lang;
}
/** The timeline's bars on screen that have retransmissions or zero windows to mark. */
export interface TimelineMarksParams {
  streams: number[];
}
export interface PickResult {
  rows: ConnectionRow[];
  total: number;
}

/**
 * Reading goes in small steps of frames, and the worker looks at its message queue once a step
 * took STEP_MS or more: a page request waits no longer than that, and the first rows show that
 * soon after opening, whatever the file's size and however slow its packets are to analyse.
 */
const STEP_FRAMES = 2048;
const STEP_MS = 50;
/** Connections in the picker at most: past that, one types a stream number or filters the table. */
const MAX_PICK = 2000;
/** Exporting every connection as text builds a whole index: this many segments at most. */
const MAX_WHOLE_TEXT_SEGMENTS = 2_000_000;
/**
 * Files from this size get the quick count beside the analysis: below it the analysis lists
 * every connection within about a second anyway, and a second thread would cost more than it gives.
 */
const QUICK_COUNT_FROM = 64 << 20;
/** The quick count's thread, while it counts. */
let quickWorker: Worker | null = null;

let catalog: CaptureCatalog | null = null;
let builder: CatalogBuilder | null = null;
let indexing = false;
/**
 * A capture file can grow while it is open (a running `tcpdump -w`, a live capture): its main
 * source, whether new packets are read as they land, and a count that changes whenever they
 * were (views made before it are stale).
 */
let growingFile: FileSource | null = null;
let following = false;
let cannotFollow: WatchProblem | null = null;
let generation = 0;
/** How often the file's size is looked at while following (a live capture also pokes at once). */
const FOLLOW_POLL_MS = 250;
let followTimer: NodeJS.Timeout | null = null;
/** Bytes of the file when it was last read, and whether a read waited for a cut record. */
let readSize = -1;
let readPatient = false;
/** Connections not yet ended (checked when they grow), and how many have ended. */
const unfinished = new Set<number>();
let knownStreams = 0;
let finished = 0;
/** The file is read by one task at a time: the first pass, a follow read, the last read. */
let lock: Promise<unknown> = Promise.resolve();
function exclusive<T>(task: () => Promise<T> | T): Promise<T> {
  const run = lock.then(task);
  lock = run.catch(() => undefined);
  return run;
}
let rebuilt: RebuiltText | null = null;
let captureName = '';
const sources: FileSource[] = [];
let openSource: (() => ByteSource) | null = null;

/** Connections indexed on their own, most recent last (ladders page through one at a time). */
const streamCache = new LruCache<number, { index: CaptureIndex; facts: StreamFacts; last: number | undefined }>(8);

/**
 * Follow keeps the bytes of one connection at most, and of that at most this many: past it the
 * view says how much more there is (saving one side's bytes reads them all again).
 */
const FOLLOW_KEPT_BYTES = 32 << 20;
type KeptItem = { kind: 'data'; from: Side; frame: number; n: number; seq: number; bytes: Uint8Array } | { kind: 'missing'; from: Side; seq: number; len: number };
let followCache: { stream: number; last: number | undefined; page: Omit<FollowPage, 'first' | 'items'>; items: KeptItem[] } | null = null;

/**
 * The connection the graphs show, read once into columns: switching graphs, directions or the
 * averaging window makes a graph from these without reading the file again.
 */
let graphSamples: { stream: number; last: number | undefined; samples: StreamSamples } | null = null;

/** The last table view, kept while its query and the number of connections stay the same. */
type KeptView = { key: string; connections: number; generation: number; view: TableView };
let lastView: KeptView | null = null;
/** The one before it: the table and the timeline (in stream order) page through two queries at once. */
let otherView: KeptView | null = null;

function overviewOf(c: CaptureCatalog): CaptureOverview {
  // Every connection listed: the capture's counts are the quick count's, final, not the analysis' so far.
  const listed = indexing ? c.quickTable : null;
  const s = listed ? listed.summary : c.summary;
  const notes: string[] = [];
  if (rebuilt) notes.push(`read from ${rebuilt.format} text: ${rebuilt.parsed.packets.length} packet lines`, ...rebuilt.notes);
  for (const [why, n] of s.skipped) {
    if (rebuilt && isPlaceholderSkip(why)) continue;
    notes.push(`skipped ${n} packet${n === 1 ? '' : 's'}: ${why}`);
  }
  for (const [why, n] of s.damaged) notes.push(`damaged ${n} packet${n === 1 ? '' : 's'}: ${why}`);
  for (const p of s.problems) notes.push(`${p.severity} at offset ${p.offset}${p.frame ? ` (packet ${p.frame})` : ''}: ${p.message}`);
  // Shown as text, but a control character or a bidi override would still show a name that is not the file's.
  return {
    fileName: controlsEscaped(captureName),
    format: `${c.summary.info.format} ${c.summary.info.version}`.trim(),
    linkTypes: [...s.linkTypes.keys()].filter((l) => l >= 0).map(linkTypeName),
    packets: s.frames,
    tcpPackets: s.tcpFrames,
    span: s.frames ? secondsBetween(s.firstSec, s.firstNsec, s.lastSec, s.lastNsec) : 0,
    notes: notes.map(controlsEscaped),
    connections: c.streamCount,
    indexing,
    ...(listed ? { listed: true } : {}),
    following,
  };
}

function need(): CaptureCatalog {
  if (!catalog) throw new Error('the capture is not open');
  return catalog;
}

function streamOf(stream: number): { index: CaptureIndex; facts: StreamFacts } {
  const c = need();
  if (!Number.isSafeInteger(stream) || stream < 0 || stream >= c.streamCount) throw new RangeError(`no TCP stream ${stream} in this capture`);
  let e = streamCache.get(stream);
  // While the capture is still being read (or grows), a connection may get segments: read it
  // again when its last segment is not the one it had.
  if (!e || indexing || e.last !== c.lastSegment[stream]) {
    const index = c.streamIndex(stream);
    index.rawNumbersKnown = !rebuilt || !rebuilt.tcp.some((t) => t.synthetic);
    e = { index, facts: streamFacts(index, stream), last: c.lastSegment[stream] };
  }
  streamCache.set(stream, e);
  return e;
}

function view(q: TableQuery): TableView {
  const c = need();
  const key = JSON.stringify([q.sort, q.dir, q.filter]);
  const n = c.streamCount;
  // While the capture is read, a view stays only when every connection is listed and it uses what the quick count knows.
  if (lastView && lastView.key === key && lastView.connections === n && lastView.generation === generation && (!indexing || lastView.view.settled)) return lastView.view;
  if (otherView && otherView.key === key && otherView.connections === n && otherView.generation === generation && (!indexing || otherView.view.settled)) {
    [lastView, otherView] = [otherView, lastView];
    return lastView.view;
  }
  const v = tableView(c, q);
  otherView = lastView;
  lastView = { key, connections: n, generation, view: v };
  return v;
}

const yieldToMessages = (): Promise<void> => new Promise((r) => setImmediate(r));

async function open(p: OpenParams, rpc: MessageHandler): Promise<OpenResult> {
  captureName = p.name || path.basename(p.file ?? '');
  if (p.text !== undefined) rebuilt = rebuildCapture(p.text);
  if (rebuilt) {
    const r = rebuilt;
    openSource = () => rebuiltSource(r);
  } else if (p.bytes) {
    const bytes = p.bytes;
    openSource = () => new MemorySource(bytes);
  } else {
    const file = p.file!;
    openSource = () => FileSource.open(file);
  }
  const growing = !rebuilt && !p.bytes;
  // The catalog's sources stay open while the capture is: views read connections from them again.
  const kept = (): ByteSource => {
    const s = openSource!();
    if (s instanceof FileSource) sources.push(s);
    return s;
  };
  try {
    // A file is read so that it can be followed: reading can go on when it grows.
    const main = kept();
    if (growing && main instanceof FileSource) growingFile = main;
    builder = startCatalog(main, kept, { growing });
    if (p.follow) {
      following = true;
      builder.resume(true);
    }
    readSize = main.size;
    readPatient = following;
  } catch (e) {
    const where = e instanceof CaptureFormatError ? ` (offset ${e.offset})` : '';
    throw new Error(`${(e as Error).message}${where}`);
  }
  catalog = builder.catalog;
  indexing = true;
  if (p.file && !following && builder.size >= (p.quickCountFrom ?? QUICK_COUNT_FROM)) startQuickCount(p.file, rpc);
  for (;;) {
    const began = performance.now();
    let more = builder.step(STEP_FRAMES);
    while (more && performance.now() - began < STEP_MS) more = builder.step(STEP_FRAMES);
    rpc.notify('progress', { fraction: builder.size ? builder.position / builder.size : 1, connections: catalog.streamCount, ...(catalog.quickTable ? { listed: true } : {}) } satisfies ProgressNote);
    if (!more) break;
    // Let the table's page requests in: the first rows show while the rest is read.
    await yieldToMessages();
  }
  // The pass has read everything: it answers for every connection itself.
  void quickWorker?.terminate();
  quickWorker = null;
  catalog.dropQuickTable();
  // A file not followed is complete as it is: what waits in open connections is read now.
  if (!following) builder.end();
  else startWatching(rpc);
  indexing = false;
  lastView = null;
  otherView = null;
  streamCache.clear();
  followCache = null;
  appCache = null;
  if (following) {
    // What was written before the file was opened counts as grown: connections that ended already count.
    generation++;
    rpc.notify('progress', { fraction: 1, connections: catalog.conversations.length, grew: noteGrowth(0), overview: overviewOf(catalog), finished } satisfies ProgressNote);
  } else {
    // The pass's garbage goes now, not when V8 next finds this thread idle (100 s later in the
    // extension host), after the answer: the table's next page waits for it, not the open.
    setImmediate(collectGarbage);
  }
  return { overview: overviewOf(catalog), total: catalog.conversations.length };
}

/**
 * Starts the quick count of the file in a thread of its own. When it comes (the analysis still
 * reading), every connection is listed: the table shows them all, sorted and filtered by what
 * the count knows, and a view of one the analysis has not reached reads it alone.
 */
function startQuickCount(file: string, rpc: MessageHandler): void {
  const worker = new Worker(path.join(__dirname, 'quickTableWorker.js'), {
    workerData: { file } satisfies QuickTableWorkerData,
    resourceLimits: { maxYoungGenerationSizeMb: 32 },
  });
  quickWorker = worker;
  worker.on('message', (m: { quick?: QuickTableMessage; error?: string }) => {
    void worker.terminate();
    if (quickWorker === worker) quickWorker = null;
    const c = catalog;
    // The analysis got there first, or the count could not read the file (the analysis says why).
    if (!m.quick || !indexing || !c) return;
    c.useQuickTable(QuickTable.fromMessage(m.quick));
    lastView = null;
    otherView = null;
    rpc.notify('progress', { fraction: builder && builder.size ? builder.position / builder.size : 1, connections: c.streamCount, listed: true, overview: overviewOf(c) } satisfies ProgressNote);
  });
  // A count that fails leaves the analysis to list the connections, as without it.
  worker.on('error', () => {
    if (quickWorker === worker) quickWorker = null;
  });
}

/** Connections that got segments since segment `fromSegment`; ended ones are counted. */
function noteGrowth(fromSegment: number): number[] | 'all' {
  const c = need();
  const n = c.conversations.length;
  for (let s = knownStreams; s < n; s++) unfinished.add(s);
  knownStreams = n;
  const grew: number[] = [];
  for (let s = 0; s < n; s++) if ((c.lastSegment[s] ?? -1) >= fromSegment) grew.push(s);
  for (const s of grew) {
    if (!unfinished.has(s)) continue;
    const closing = c.scenario(s).closing;
    if (closing !== 'open-at-end' && closing !== 'half-close') {
      unfinished.delete(s);
      finished++;
    }
  }
  return grew.length > 256 ? 'all' : grew;
}

function startWatching(rpc: MessageHandler): void {
  if (followTimer) return;
  followTimer = setInterval(() => poke(rpc), FOLLOW_POLL_MS);
}

function stopWatching(): void {
  if (followTimer) clearInterval(followTimer);
  followTimer = null;
}

let pokeQueued = false;
/** Reads what landed since the last read (the timer, or the host saying it wrote more). */
function poke(rpc: MessageHandler): void {
  if (pokeQueued || !following) return;
  pokeQueued = true;
  void exclusive(async () => {
    pokeQueued = false;
    if (following) await readOn(rpc, true);
  });
}

/**
 * Reads the packets that landed since the last read, from the record reading stopped at, and
 * tells the host what grew. `patient`: a record not all written yet is waited for.
 */
async function readOn(rpc: MessageHandler, patient: boolean): Promise<void> {
  const file = growingFile;
  const b = builder;
  const c = catalog;
  if (!file || !b || !c) return;
  let now: number;
  try {
    now = file.grow();
    for (const s of sources) if (s !== file) s.grow();
  } catch (e) {
    cannotFollow = { why: 'unreadable', detail: (e as Error).message };
    following = false;
    stopWatching();
    rpc.notify('progress', { fraction: 1, connections: c.conversations.length, grew: [], overview: overviewOf(c), finished, cannot: cannotFollow } satisfies ProgressNote);
    return;
  }
  if (now < readSize) {
    // Replaced or cut: what was read stays, nothing after it can be trusted to line up.
    cannotFollow = { why: 'shorter', detail: `${readSize} → ${now}` };
    following = false;
    stopWatching();
    rpc.notify('progress', { fraction: 1, connections: c.conversations.length, grew: [], overview: overviewOf(c), finished, cannot: cannotFollow } satisfies ProgressNote);
    return;
  }
  if (now === readSize && patient === readPatient) return;
  readSize = now;
  readPatient = patient;
  const segmentsBefore = c.locations.count;
  const framesBefore = c.summary.frames;
  const problemsBefore = c.summary.problems.length;
  if (!b.resume(patient)) {
    cannotFollow = { why: 'damaged', detail: '' };
    following = false;
    stopWatching();
    rpc.notify('progress', { fraction: 1, connections: c.conversations.length, grew: [], overview: overviewOf(c), finished, cannot: cannotFollow } satisfies ProgressNote);
    return;
  }
  for (;;) {
    const began = performance.now();
    let more = b.step(STEP_FRAMES);
    while (more && performance.now() - began < STEP_MS) more = b.step(STEP_FRAMES);
    if (!more) break;
    await yieldToMessages();
  }
  if (c.summary.frames === framesBefore && c.summary.problems.length === problemsBefore) return;
  generation++;
  const grew = noteGrowth(segmentsBefore);
  rpc.notify('progress', { fraction: 1, connections: c.conversations.length, grew, overview: overviewOf(c), finished } satisfies ProgressNote);
}

/** "Follow" on or off: while on, new packets are read as they land. */
function watch(p: WatchParams, rpc: MessageHandler): Promise<WatchState> {
  return exclusive(async () => {
    if (p.on && !growingFile) return { following: false, cannot: cannotFollow ?? { why: 'not-a-file', detail: '' } };
    if (p.on && cannotFollow) return { following: false, cannot: cannotFollow };
    following = p.on;
    if (p.on) {
      startWatching(rpc);
      await readOn(rpc, true);
    } else {
      stopWatching();
      // No longer waiting: a record still cut short at the end is reported, as for any file.
      await readOn(rpc, false);
      builder?.end();
    }
    return { following, cannot: cannotFollow };
  });
}

/** The writer is done (a live capture stopped): the last packets are read and the pass ends. */
function endGrowing(rpc: MessageHandler): Promise<OpenResult> {
  return exclusive(async () => {
    following = false;
    stopWatching();
    await readOn(rpc, false);
    builder?.end();
    generation++;
    const c = need();
    noteGrowth(0);
    rpc.notify('progress', { fraction: 1, connections: c.conversations.length, grew: 'all', overview: overviewOf(c), finished } satisfies ProgressNote);
    return { overview: overviewOf(c), total: c.conversations.length };
  });
}

function rows(p: RowsParams): RowsPage {
  const c = need();
  const v = view(p.query);
  const first = Math.max(0, Math.min(p.first, v.order.length));
  const end = Math.min(v.order.length, first + p.count);
  const out: ConnectionRow[] = [];
  for (let i = first; i < end; i++) out.push(connectionRow(c, v.order[i]!, p.lang));
  return {
    first,
    rows: out,
    total: v.order.length,
    all: v.all,
    error: v.error ? { offset: v.error.offset, message: v.error.message, id: v.error.id, args: v.error.args } : null,
    indexing,
    overview: overviewOf(c),
  };
}

/**
 * Marks of the timeline's bars, per stream, with the connection's last segment when they were
 * read (a connection that grows is read again). Scrolling back and forth reads nothing again.
 */
const marksCache = new LruCache<number, { last: number | undefined; marks: TimelineMarks }>(1024);

function marksOf(p: TimelineMarksParams): TimelineMarks[] {
  const c = need();
  const out: TimelineMarks[] = [];
  for (const stream of p.streams) {
    // A bar the analysis has not reached yet (listed by the quick count) gets its marks once it has.
    if (!c.passHasFinished(stream)) continue;
    const conv = c.conversations[stream];
    if (!conv) continue;
    const last = c.lastSegment[stream];
    const kept = marksCache.get(stream);
    if (kept && kept.last === last && !indexing) {
      out.push(kept.marks);
      continue;
    }
    const start = spanSeconds(c.summary.firstSec, c.summary.firstNsec, conv.firstSec, conv.firstNsec);
    const marks = timelineMarks(readStreamSamples(c, stream), start);
    marksCache.set(stream, { last, marks });
    out.push(marks);
  }
  return out;
}

/** The application messages of the last connection asked about (a ladder pages through one at a time). */
let appCache: StreamApp | null = null;
/** The last segment of that connection when its messages were read (it may grow since). */
let appCacheLast: number | undefined;

function appsOf(stream: number): StreamApp {
  const last = need().lastSegment[stream];
  if (!appCache || appCache.stream !== stream || indexing || appCacheLast !== last) {
    appCache = streamApp(need(), stream);
    appCacheLast = last;
  }
  return appCache;
}

function ladder(p: LadderParams): LadderResult {
  const { index, facts } = streamOf(p.stream);
  const l = buildLadder(index, { stream: p.stream, first: p.first, count: p.count, numbers: p.numbers }, facts);
  const frames = appsOf(p.stream).frames;
  const carried: FrameApp[] = [];
  for (const r of l.rows) {
    const app = frames.get(r.frame);
    if (app) carried.push(app);
  }
  // The first page brings the connection's explanation, for the summary above the ladder.
  return p.first === 0 ? { ladder: l, explanation: explainConnection(index, p.stream, facts), carried } : { ladder: l, carried };
}

function followed(stream: number): NonNullable<typeof followCache> {
  if (followCache && followCache.stream === stream && !indexing && followCache.last === need().lastSegment[stream]) return followCache;
  const c = need();
  const { index } = streamOf(stream);
  // Follow names frames; the ladder numbers its rows: a chunk links to its row.
  const rowOf = new Map<number, number>();
  index.segmentsOf(stream).forEach((seg, n) => {
    if (!rowOf.has(index.frame[seg]!)) rowOf.set(index.frame[seg]!, n);
  });
  const items: KeptItem[] = [];
  const bytes = { client: 0, server: 0 };
  const missing = { client: 0, server: 0 };
  let kept = 0;
  const header = followStream(c, stream, {
    chunk(from, frame, seq, data) {
      bytes[from] += data.length;
      if (kept + data.length > FOLLOW_KEPT_BYTES) return;
      kept += data.length;
      items.push({ kind: 'data', from, frame, n: rowOf.get(frame) ?? 0, seq, bytes: data.slice() });
    },
    missing(from, _frame, seq, len) {
      missing[from] += len;
      if (kept <= FOLLOW_KEPT_BYTES) items.push({ kind: 'missing', from, seq, len });
    },
  });
  followCache = { stream, last: c.lastSegment[stream], items, page: { stream, client: header.client, server: header.server, total: items.length, bytes, missing } };
  return followCache;
}

function follow(p: FollowParams): FollowPage {
  const f = followed(p.stream);
  const first = Math.max(0, Math.min(p.first, f.items.length));
  const items: FollowItem[] = f.items.slice(first, first + Math.max(0, p.count)).map((it) =>
    it.kind === 'data'
      ? { kind: 'data', from: it.from, frame: it.frame, n: it.n, seq: it.seq, data: Buffer.from(it.bytes.buffer, it.bytes.byteOffset, it.bytes.byteLength).toString('base64') }
      : it,
  );
  return { ...f.page, first, items };
}

function samplesOf(stream: number): StreamSamples {
  const c = need();
  if (graphSamples && graphSamples.stream === stream && !indexing && graphSamples.last === c.lastSegment[stream]) return graphSamples.samples;
  graphSamples = null;
  const samples = readStreamSamples(c, stream);
  graphSamples = { stream, last: c.lastSegment[stream], samples };
  return samples;
}

function graphOf(p: GraphParams, samples = samplesOf(p.stream)): Graph {
  return buildGraph(samples, p.kind, p.side ?? busierSide(samples), { windowSeconds: p.windowSeconds });
}

function graph(p: GraphParams): GraphResult {
  const samples = samplesOf(p.stream);
  return { graph: graphOf(p, samples), frames: samples.frame.slice(0, samples.count), times: samples.time.slice(0, samples.count) };
}

function graphExport(p: GraphExportParams): string {
  const g = graphOf(p);
  if (p.format === 'svg') return graphSvg(g, p.lang, { subtitle: captureName });
  const lines: string[] = [];
  graphCsvLines(g, (line) => lines.push(line));
  return `${lines.join('\n')}\n`;
}

function anatomy(p: AnatomyParams): AnatomyView {
  const c = need();
  const { index } = streamOf(p.stream);
  const segments = index.segmentsOf(p.stream);
  if (!Number.isSafeInteger(p.n) || p.n < 0 || p.n >= segments.length) throw new RangeError(`stream ${p.stream} has no segment ${p.n + 1}`);
  const i = segments[p.n]!;
  // What the frame cannot say by itself comes from the pass over its connection, as in Wireshark.
  const context = {
    relSeq: index.seq[i]!,
    relAck: index.flags[i]! & TH_ACK ? index.ack[i]! : null,
    window: index.win[i]!,
    scaleFactor: index.flags[i]! & 0x002 ? null : index.winScale[i]!,
  };
  const a = c.segmentRecord(p.stream, p.n, (rec) => frameAnatomy(rec, p.lang, context));
  // The application layer needs the connection's messages: which ones start, go on or repeat here.
  const span = tcpPayloadSpan(a);
  if (span && span.length > 0) {
    const apps = appsOf(p.stream);
    a.layers.push(...appLayers(a.bytes, span, context.relSeq, apps.frames.get(a.frame), p.lang, streamTlsVersion(apps)));
  }
  return {
    stream: p.stream,
    n: p.n,
    frame: a.frame,
    capLen: a.capLen,
    origLen: a.origLen,
    cutAt: a.cutAt,
    layers: a.layers,
    problem: a.problem,
    bytes: Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength).toString('base64'),
  };
}

/** Everything one side sent, in sequence order, each byte once (holes left out). */
function sentBytes(p: SentBytesParams): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  followStream(need(), p.stream, {
    chunk(from, _frame, _seq, data) {
      if (from !== p.from) return;
      parts.push(data.slice());
      total += data.length;
    },
    missing() {},
  });
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function exportText(p: ExportParams): string {
  const c = need();
  if (p.format === 'tcpdump') {
    if (p.stream >= 0) return renderTcpdump(streamOf(p.stream).index, { stream: p.stream });
    if (c.locations.count > MAX_WHOLE_TEXT_SEGMENTS) {
      throw new Error(`the capture has ${c.locations.count} TCP segments: open one connection as text (at most ${MAX_WHOLE_TEXT_SEGMENTS} for all of them)`);
    }
    const passes: ByteSource[] = [];
    try {
      return renderTcpdump(
        indexCapture(() => {
          const s = openSource!();
          passes.push(s);
          return s;
        }),
      );
    } finally {
      for (const s of passes) if (s instanceof FileSource) s.close();
    }
  }
  const { index, facts } = streamOf(p.stream);
  const l = buildLadder(index, { stream: p.stream, numbers: p.numbers }, facts);
  const carried = carriedLines(appsOf(p.stream), p.lang);
  if (p.format === 'markdown') return explanationMarkdown(explainConnection(index, p.stream, facts), l, p.lang, carried);
  return p.format === 'mermaid' ? ladderMermaid(l, p.lang, carried) : ladderSvg(l, p.lang, carried);
}

function pick(p: PickParams): PickResult {
  const c = need();
  const limit = Math.max(1, Math.min(MAX_PICK, p.limit));
  const n = c.conversations.length;
  const all: ConnectionRow[] = [];
  // Interest is cheap to rank from the scenario alone; rows (with their words) only for the few
  // shown. A connection listed by the quick count and not analysed yet has nothing to rank it by
  // (nor words to show): it is counted in the total and picked by typing its number.
  const ranked: number[] = [];
  for (let s = 0; s < n; s++) if (c.passHasFinished(s)) ranked.push(s);
  const interest = (s: number): number => {
    const x = c.scenario(s);
    const opened = x.opening === 'three-way-handshake' || x.opening === 'syn-retransmitted' || x.opening === 'simultaneous-open' || x.opening === 'tcp-fast-open';
    const closed = x.closing !== 'open-at-end' && x.closing !== 'reset' && x.closing !== 'rst-after-fin';
    return (opened ? 2 : 0) + (closed ? 2 : x.closing === 'open-at-end' ? 0 : 1);
  };
  const score = new Int8Array(n);
  for (const s of ranked) score[s] = interest(s);
  ranked.sort((a, b) => score[b]! - score[a]! || a - b);
  for (const s of ranked.slice(0, limit)) all.push(connectionRow(c, s, p.lang));
  return { rows: all, total: c.streamCount };
}

if (parentPort) {
  const port = parentPort;
  const rpc = new MessageHandler((m: RpcMessage) => port.postMessage(m));
  rpc.registerHandler('open', (p) => exclusive(() => open(p as OpenParams, rpc)));
  rpc.registerHandler('rows', (p) => rows(p as RowsParams));
  rpc.registerHandler('ladder', (p) => ladder(p as LadderParams));
  rpc.registerHandler('export', (p) => exportText(p as ExportParams));
  rpc.registerHandler('pick', (p) => pick(p as PickParams));
  rpc.registerHandler('anatomy', (p) => anatomy(p as AnatomyParams));
  rpc.registerHandler('follow', (p) => follow(p as FollowParams));
  rpc.registerHandler('graph', (p) => graph(p as GraphParams));
  rpc.registerHandler('graphExport', (p) => graphExport(p as GraphExportParams));
  rpc.registerHandler('sentBytes', (p) => sentBytes(p as SentBytesParams));
  rpc.registerHandler('overview', () => overviewOf(need()));
  rpc.registerHandler('timelineMarks', (p) => marksOf(p as TimelineMarksParams));
  rpc.registerHandler('watch', (p) => watch(p as WatchParams, rpc));
  rpc.registerHandler('endGrowing', () => endGrowing(rpc));
  rpc.registerHandler('poke', () => poke(rpc));
  port.on('message', (m: unknown) => rpc.handleMessage(m));
  process.on('exit', () => {
    for (const s of sources) s.close();
  });
}
