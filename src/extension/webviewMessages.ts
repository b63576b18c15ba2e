import type { FromWebview } from '../shared/protocol';

/**
 * Messages from the capture editor's webview, checked against their declared shapes before the
 * host acts on them. The webview shows strangers' bytes; should anything there ever run, it
 * could post anything, so nothing it sends is used as a key, a size or an index unchecked.
 */

/** The most ladder rows one request may ask for (the webview pages 200 at a time). */
export const MAX_LADDER_PAGE = 1000;
/** The most text a `copied` message may carry back (an explanation is a few hundred KB at most). */
export const MAX_COPIED_TEXT = 16 << 20;

const EXPORT_FORMATS: ReadonlySet<string> = new Set(['markdown', 'mermaid', 'svg']);

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
    default:
      return { rejected: `unknown message type ${JSON.stringify(String(r.type).slice(0, 40))}` };
  }
}
