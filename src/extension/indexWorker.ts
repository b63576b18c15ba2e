import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { FileSource } from '../node/fileSource';
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
import { secondsBetween } from '../core/report';
import { Ladder, StreamFacts, buildLadder, streamFacts } from '../core/tcp/ladder';
import { TableQuery, TableView, connectionRow, tableView } from '../core/view/connections';
import { MessageHandler, RpcMessage } from '../shared/rpc';
import { controlsEscaped } from '../core/escape';
import type { CaptureOverview, ConnectionRow, RowsPage } from '../shared/protocol';

/**
 * The index worker: one per open capture, off the extension host's main thread. It reads the
 * capture once into a catalog (16 bytes a segment), answering the table's page requests while
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
}
export interface OpenResult {
  overview: CaptureOverview;
  total: number;
}
export interface ProgressNote {
  fraction: number;
  connections: number;
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
export interface PickResult {
  rows: ConnectionRow[];
  total: number;
}

/** Frames read between two looks at the message queue: about 50 ms of work. */
const STEP_FRAMES = 65536;
/** Connections in the picker at most: past that, one types a stream number or filters the table. */
const MAX_PICK = 2000;
/** Exporting every connection as text builds a whole index: this many segments at most. */
const MAX_WHOLE_TEXT_SEGMENTS = 2_000_000;

let catalog: CaptureCatalog | null = null;
let builder: CatalogBuilder | null = null;
let indexing = false;
let rebuilt: RebuiltText | null = null;
let captureName = '';
const sources: FileSource[] = [];
let openSource: (() => ByteSource) | null = null;

/** Connections indexed on their own, most recent last (ladders page through one at a time). */
const streamCache = new Map<number, { index: CaptureIndex; facts: StreamFacts }>();
const STREAM_CACHE = 8;

/** The last table view, kept while its query and the number of connections stay the same. */
let lastView: { key: string; connections: number; view: TableView } | null = null;

function overviewOf(c: CaptureCatalog): CaptureOverview {
  const s = c.summary;
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
    format: `${s.info.format} ${s.info.version}`.trim(),
    linkTypes: [...s.linkTypes.keys()].filter((l) => l >= 0).map(linkTypeName),
    packets: s.frames,
    tcpPackets: s.tcpFrames,
    span: s.frames ? secondsBetween(s.firstSec, s.firstNsec, s.lastSec, s.lastNsec) : 0,
    notes: notes.map(controlsEscaped),
    connections: c.conversations.length,
    indexing,
  };
}

function need(): CaptureCatalog {
  if (!catalog) throw new Error('the capture is not open');
  return catalog;
}

function streamOf(stream: number): { index: CaptureIndex; facts: StreamFacts } {
  const c = need();
  if (!Number.isSafeInteger(stream) || stream < 0 || stream >= c.conversations.length) throw new RangeError(`no TCP stream ${stream} in this capture`);
  let e = streamCache.get(stream);
  // While the capture is still being read, a connection may still grow: read it again then.
  if (!e || indexing) {
    const index = c.streamIndex(stream);
    index.rawNumbersKnown = !rebuilt || !rebuilt.tcp.some((t) => t.synthetic);
    e = { index, facts: streamFacts(index, stream) };
  }
  streamCache.delete(stream);
  streamCache.set(stream, e);
  while (streamCache.size > STREAM_CACHE) streamCache.delete(streamCache.keys().next().value!);
  return e;
}

function view(q: TableQuery): TableView {
  const c = need();
  const key = JSON.stringify([q.sort, q.dir, q.filter]);
  const n = c.conversations.length;
  if (lastView && lastView.key === key && lastView.connections === n && !indexing) return lastView.view;
  const v = tableView(c, q);
  lastView = { key, connections: n, view: v };
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
  // The catalog's sources stay open while the capture is: views read connections from them again.
  const kept = (): ByteSource => {
    const s = openSource!();
    if (s instanceof FileSource) sources.push(s);
    return s;
  };
  try {
    builder = startCatalog(kept(), kept);
  } catch (e) {
    const where = e instanceof CaptureFormatError ? ` (offset ${e.offset})` : '';
    throw new Error(`${(e as Error).message}${where}`);
  }
  catalog = builder.catalog;
  indexing = true;
  for (;;) {
    const more = builder.step(STEP_FRAMES);
    rpc.notify('progress', { fraction: builder.size ? builder.position / builder.size : 1, connections: catalog.conversations.length } satisfies ProgressNote);
    if (!more) break;
    // Let the table's page requests in: the first rows show while the rest is read.
    await yieldToMessages();
  }
  indexing = false;
  lastView = null;
  streamCache.clear();
  return { overview: overviewOf(catalog), total: catalog.conversations.length };
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

function ladder(p: LadderParams): LadderResult {
  const { index, facts } = streamOf(p.stream);
  const l = buildLadder(index, { stream: p.stream, first: p.first, count: p.count, numbers: p.numbers }, facts);
  // The first page brings the connection's explanation, for the summary above the ladder.
  return p.first === 0 ? { ladder: l, explanation: explainConnection(index, p.stream, facts) } : { ladder: l };
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
  if (p.format === 'markdown') return explanationMarkdown(explainConnection(index, p.stream, facts), l, p.lang);
  return p.format === 'mermaid' ? ladderMermaid(l, p.lang) : ladderSvg(l, p.lang);
}

function pick(p: PickParams): PickResult {
  const c = need();
  const limit = Math.max(1, Math.min(MAX_PICK, p.limit));
  const n = c.conversations.length;
  const all: ConnectionRow[] = [];
  // Interest is cheap to rank from the scenario alone; rows (with their words) only for the few shown.
  const ranked = Array.from({ length: n }, (_, s) => s);
  const interest = (s: number): number => {
    const x = c.scenario(s);
    const opened = x.opening === 'three-way-handshake' || x.opening === 'syn-retransmitted' || x.opening === 'simultaneous-open' || x.opening === 'tcp-fast-open';
    const closed = x.closing !== 'open-at-end' && x.closing !== 'reset' && x.closing !== 'rst-after-fin';
    return (opened ? 2 : 0) + (closed ? 2 : x.closing === 'open-at-end' ? 0 : 1);
  };
  const score = new Int8Array(n);
  for (let s = 0; s < n; s++) score[s] = interest(s);
  ranked.sort((a, b) => score[b]! - score[a]! || a - b);
  for (const s of ranked.slice(0, limit)) all.push(connectionRow(c, s, p.lang));
  return { rows: all, total: n };
}

if (parentPort) {
  const port = parentPort;
  const rpc = new MessageHandler((m: RpcMessage) => port.postMessage(m));
  rpc.registerHandler('open', (p) => open(p as OpenParams, rpc));
  rpc.registerHandler('rows', (p) => rows(p as RowsParams));
  rpc.registerHandler('ladder', (p) => ladder(p as LadderParams));
  rpc.registerHandler('export', (p) => exportText(p as ExportParams));
  rpc.registerHandler('pick', (p) => pick(p as PickParams));
  rpc.registerHandler('overview', () => overviewOf(need()));
  port.on('message', (m: unknown) => rpc.handleMessage(m));
  process.on('exit', () => {
    for (const s of sources) s.close();
  });
}
