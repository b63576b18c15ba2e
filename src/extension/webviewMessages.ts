import type { FromWebview, GraphQuery, TableQuery } from '../shared/protocol';

/**
 * Messages from the capture editor's webview, checked against their declared shapes before the
 * host acts on them. The webview shows strangers' bytes; should anything there ever run, it
 * could post anything, so nothing it sends is used as a key, a size or an index unchecked.
 */

/** The most ladder rows one request may ask for (the webview pages 200 at a time). */
export const MAX_LADDER_PAGE = 1000;
/** The most Follow items one request may ask for (the webview asks for 500 at a time). */
export const MAX_FOLLOW_PAGE = 5000;
/** The most connections one timeline request may ask marks for (the webview asks for the bars on screen). */
export const MAX_TIMELINE_STREAMS = 500;
/** The most text a `copied` message may carry back (an explanation is a few hundred KB at most). */
export const MAX_COPIED_TEXT = 16 << 20;

const EXPORT_FORMATS: ReadonlySet<string> = new Set(['markdown', 'mermaid', 'svg']);
const SORT_KEYS: ReadonlySet<string> = new Set(['stream', 'client', 'packets', 'bytesToServer', 'bytesToClient', 'duration', 'irtt']);
/** Longer than any filter a person types (the filter language refuses longer ones too). */
export const MAX_FILTER_TEXT = 4096;

function checkQuery(q: unknown): TableQuery | string {
  if (typeof q !== 'object' || q === null || Array.isArray(q)) return 'the query is not an object';
  const r = q as Record<string, unknown>;
  const extra = Object.keys(r).filter((k) => k !== 'sort' && k !== 'dir' && k !== 'filter');
  if (extra.length) return `unexpected query field ${JSON.stringify(extra[0]!.slice(0, 40))}`;
  if (typeof r.sort !== 'string' || !SORT_KEYS.has(r.sort)) return 'unknown sort column';
  if (r.dir !== 1 && r.dir !== -1) return 'the sort direction is not 1 or -1';
  if (typeof r.filter !== 'string' || r.filter.length > MAX_FILTER_TEXT) return 'the filter is not a string of bounded size';
  return { sort: r.sort as TableQuery['sort'], dir: r.dir, filter: r.filter };
}

const GRAPH_KINDS: ReadonlySet<string> = new Set(['tcptrace', 'throughput', 'rtt', 'window']);
/** A PNG of a graph as the webview drew it (base64): a screen-sized picture is a few hundred KB. */
export const MAX_GRAPH_PNG = 32 << 20;

function checkGraphQuery(q: unknown, streams: number): GraphQuery | string {
  if (typeof q !== 'object' || q === null || Array.isArray(q)) return 'the graph query is not an object';
  const r = q as Record<string, unknown>;
  const extra = Object.keys(r).filter((k) => !['stream', 'kind', 'side', 'windowSeconds'].includes(k));
  if (extra.length) return `unexpected graph field ${JSON.stringify(extra[0]!.slice(0, 40))}`;
  if (!isIndex(r.stream, streams)) return `no stream ${JSON.stringify(r.stream)}`;
  if (typeof r.kind !== 'string' || !GRAPH_KINDS.has(r.kind)) return 'unknown graph';
  if (r.side !== null && r.side !== 'client' && r.side !== 'server') return 'the side is not client, server or null';
  // From a microsecond to a day: any window a person would set.
  const w = r.windowSeconds;
  if (typeof w !== 'number' || !(w >= 1e-6 && w <= 86400)) return 'the averaging window is not a number of seconds from 0.000001 to 86400';
  return { stream: r.stream, kind: r.kind as GraphQuery['kind'], side: r.side, windowSeconds: w };
}

function isIndex(v: unknown, below: number): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < below;
}

/**
 * The message as the protocol declares it, or a reason it is not. `streams` is how many
 * connections the capture has (streams are numbered from 0), or null before indexing ends.
 */
export function checkFromWebview(m: unknown, streams: number | null): { ok: FromWebview } | { rejected: string } {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return { rejected: 'not an object' };
  const r = m as Record<string, unknown>;
  const keys = Object.keys(r);
  const only = (...allowed: string[]): string | null => {
    const extra = keys.filter((k) => !allowed.includes(k));
    return extra.length ? `unexpected field ${extra.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}` : null;
  };
  const streamLimit = streams ?? 2 ** 31;
  const badStream = (): string | null => (isIndex(r.stream, streamLimit) ? null : `no stream ${JSON.stringify(r.stream)}`);
  let why: string | null;
  switch (r.type) {
    case 'ready':
      why = only('type');
      return why ? { rejected: why } : { ok: { type: 'ready' } };
    case 'selected':
      why = only('type', 'stream') ?? badStream();
      return why ? { rejected: why } : { ok: { type: 'selected', stream: r.stream as number } };
    case 'rows': {
      why =
        only('type', 'seq', 'first', 'count', 'query') ??
        (isIndex(r.seq, 2 ** 53) ? null : 'bad sequence number') ??
        (isIndex(r.first, 2 ** 31) ? null : 'bad first row') ??
        (isIndex(r.count, MAX_LADDER_PAGE + 1) && (r.count as number) > 0 ? null : 'bad row count');
      if (why) return { rejected: why };
      const query = checkQuery(r.query);
      if (typeof query === 'string') return { rejected: query };
      return { ok: { type: 'rows', seq: r.seq as number, first: r.first as number, count: r.count as number, query } };
    }
    case 'ladder':
      why =
        only('type', 'stream', 'first', 'count') ??
        badStream() ??
        (isIndex(r.first, 2 ** 31) ? null : 'bad first row') ??
        (isIndex(r.count, MAX_LADDER_PAGE + 1) && (r.count as number) > 0 ? null : 'bad row count');
      return why ? { rejected: why } : { ok: { type: 'ladder', stream: r.stream as number, first: r.first as number, count: r.count as number } };
    case 'export':
      why = only('type', 'stream', 'format') ?? badStream() ?? (typeof r.format === 'string' && EXPORT_FORMATS.has(r.format) ? null : 'unknown export format');
      return why ? { rejected: why } : { ok: { type: 'export', stream: r.stream as number, format: r.format as 'markdown' | 'mermaid' | 'svg' } };
    case 'copied':
      why =
        only('type', 'stream', 'ok', 'text') ??
        badStream() ??
        (typeof r.ok === 'boolean' ? null : 'ok is not a boolean') ??
        (typeof r.text === 'string' && r.text.length <= MAX_COPIED_TEXT ? null : 'text is not a string of bounded size');
      return why ? { rejected: why } : { ok: { type: 'copied', stream: r.stream as number, ok: r.ok as boolean, text: r.text as string } };
    case 'anatomy':
      why = only('type', 'stream', 'n') ?? badStream() ?? (isIndex(r.n, 2 ** 32) ? null : 'bad segment number');
      return why ? { rejected: why } : { ok: { type: 'anatomy', stream: r.stream as number, n: r.n as number } };
    case 'follow':
      why =
        only('type', 'stream', 'first', 'count') ??
        badStream() ??
        (isIndex(r.first, 2 ** 32) ? null : 'bad first item') ??
        (isIndex(r.count, MAX_FOLLOW_PAGE + 1) && (r.count as number) > 0 ? null : 'bad item count');
      return why ? { rejected: why } : { ok: { type: 'follow', stream: r.stream as number, first: r.first as number, count: r.count as number } };
    case 'graph': {
      why = only('type', 'query');
      if (why) return { rejected: why };
      const query = checkGraphQuery(r.query, streamLimit);
      return typeof query === 'string' ? { rejected: query } : { ok: { type: 'graph', query } };
    }
    case 'saveGraph': {
      why =
        only('type', 'query', 'format', 'png') ??
        (r.format === 'svg' || r.format === 'csv' || r.format === 'png' ? null : 'unknown graph format') ??
        (r.format === 'png'
          ? typeof r.png === 'string' && r.png.length <= MAX_GRAPH_PNG && /^[A-Za-z0-9+/]*={0,2}$/.test(r.png)
            ? null
            : 'png is not base64 of bounded size'
          : r.png === undefined
            ? null
            : 'png comes only with the png format');
      if (why) return { rejected: why };
      const query = checkGraphQuery(r.query, streamLimit);
      if (typeof query === 'string') return { rejected: query };
      const format = r.format as 'svg' | 'csv' | 'png';
      return { ok: format === 'png' ? { type: 'saveGraph', query, format, png: r.png as string } : { type: 'saveGraph', query, format } };
    }
    case 'saveBytes':
      why = only('type', 'stream', 'from') ?? badStream() ?? (r.from === 'client' || r.from === 'server' ? null : 'from is not client or server');
      return why ? { rejected: why } : { ok: { type: 'saveBytes', stream: r.stream as number, from: r.from as 'client' | 'server' } };
    case 'timelineMarks': {
      why = only('type', 'streams');
      if (why) return { rejected: why };
      const s = r.streams;
      if (!Array.isArray(s) || s.length === 0 || s.length > MAX_TIMELINE_STREAMS) return { rejected: `streams is not a list of 1 to ${MAX_TIMELINE_STREAMS} streams` };
      if (!s.every((x) => isIndex(x, streamLimit))) return { rejected: 'a stream in the list is not one of the capture' };
      return { ok: { type: 'timelineMarks', streams: s.slice() as number[] } };
    }
    case 'watch':
      why = only('type', 'on') ?? (typeof r.on === 'boolean' ? null : 'on is not a boolean');
      return why ? { rejected: why } : { ok: { type: 'watch', on: r.on as boolean } };
    case 'stopCapture':
    case 'saveCapture':
      why = only('type');
      return why ? { rejected: why } : { ok: { type: r.type } };
    default:
      return { rejected: `unknown message type ${JSON.stringify(String(r.type).slice(0, 40))}` };
  }
}
