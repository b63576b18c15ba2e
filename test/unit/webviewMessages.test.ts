import * as assert from 'node:assert/strict';
import { MAX_COPIED_TEXT, MAX_FOLLOW_PAGE, MAX_GRAPH_PNG, MAX_LADDER_PAGE, checkFromWebview } from '../../src/extension/webviewMessages';

/** Messages from the webview are checked against their declared shapes before the host uses them. */
describe('messages from the webview (issue 11)', () => {
  const ok = (m: unknown, streams: number | null = 3): void => {
    const r = checkFromWebview(m, streams);
    assert.ok('ok' in r, `${JSON.stringify(m)} was rejected: ${'rejected' in r ? r.rejected : ''}`);
    assert.deepEqual(r.ok, m);
  };
  const rejected = (m: unknown, streams: number | null = 3): void => {
    const r = checkFromWebview(m, streams);
    assert.ok('rejected' in r, `${JSON.stringify(m)} was accepted`);
  };

  it('accepts every message the webview sends', () => {
    ok({ type: 'ready' });
    ok({ type: 'selected', stream: 2 });
    ok({ type: 'ladder', stream: 0, first: 400, count: 200 });
    for (const format of ['markdown', 'mermaid', 'svg']) ok({ type: 'export', stream: 1, format });
    ok({ type: 'copied', stream: 1, ok: false, text: 'x' });
    ok({ type: 'anatomy', stream: 2, n: 14 });
    ok({ type: 'follow', stream: 0, first: 500, count: 500 });
    ok({ type: 'saveBytes', stream: 1, from: 'server' });
    ok({ type: 'watch', on: true });
    ok({ type: 'stopCapture' });
    ok({ type: 'saveCapture' });
    // Before indexing ends the number of streams is unknown; a stream is still a small integer.
    ok({ type: 'selected', stream: 7 }, null);
  });

  it('refuses inspector requests out of range or of the wrong kind (issue 9)', () => {
    rejected({ type: 'anatomy', stream: 3, n: 0 });
    rejected({ type: 'anatomy', stream: 0, n: -1 });
    rejected({ type: 'anatomy', stream: 0, n: 1.5 });
    rejected({ type: 'anatomy', stream: 0 });
    rejected({ type: 'anatomy', stream: 0, n: 0, lang: 'en' });
    rejected({ type: 'follow', stream: 0, first: 0, count: 0 });
    rejected({ type: 'follow', stream: 0, first: 0, count: MAX_FOLLOW_PAGE + 1 });
    rejected({ type: 'follow', stream: 0, first: '0', count: 10 });
    // The side is used as a key of the result: nothing but the two names.
    for (const from of ['__proto__', 'constructor', 'both', '', null, 0]) rejected({ type: 'saveBytes', stream: 0, from });
    rejected({ type: 'saveBytes', stream: 0, from: 'client', path: '/etc/passwd' });
  });

  it('takes graph requests and saves as asked, and nothing else (issue 12)', () => {
    const q = { stream: 2, kind: 'tcptrace', side: null, windowSeconds: 1 };
    for (const kind of ['tcptrace', 'throughput', 'rtt', 'window']) ok({ type: 'graph', query: { ...q, kind } });
    for (const side of ['client', 'server', null]) ok({ type: 'graph', query: { ...q, side } });
    ok({ type: 'graph', query: { ...q, windowSeconds: 0.25 } });
    ok({ type: 'saveGraph', query: q, format: 'svg' });
    ok({ type: 'saveGraph', query: q, format: 'csv' });
    ok({ type: 'saveGraph', query: q, format: 'png', png: 'iVBORw0KGgo=' });
    rejected({ type: 'graph', query: { ...q, stream: 3 } });
    rejected({ type: 'graph', query: { ...q, kind: 'stevens' } });
    rejected({ type: 'graph', query: { ...q, kind: '__proto__' } });
    for (const side of ['both', '', 0, '__proto__']) rejected({ type: 'graph', query: { ...q, side } });
    // A window of nothing, of a negative length, or not a number would make no average.
    for (const windowSeconds of [0, -1, NaN, Infinity, 1e9, '1']) rejected({ type: 'graph', query: { ...q, windowSeconds } });
    rejected({ type: 'graph', query: { ...q, lang: 'en' } });
    rejected({ type: 'graph', query: q, extra: 1 });
    rejected({ type: 'graph' });
    // The format names the file's kind; a PNG comes only as base64 of bounded size, and only for png.
    rejected({ type: 'saveGraph', query: q, format: 'html' });
    rejected({ type: 'saveGraph', query: q, format: 'svg', png: 'AAAA' });
    rejected({ type: 'saveGraph', query: q, format: 'png' });
    rejected({ type: 'saveGraph', query: q, format: 'png', png: '<svg onload=alert(1)>' });
    rejected({ type: 'saveGraph', query: q, format: 'png', png: 'A'.repeat(MAX_GRAPH_PNG + 4) });
  });

  it('refuses an export format used as a key (the host looks it up in a table)', () => {
    for (const format of ['tcpdump', '__proto__', 'constructor', 'toString', '', 7, null]) rejected({ type: 'export', stream: 0, format });
  });

  it('refuses streams, rows and counts out of range or of the wrong kind', () => {
    for (const stream of [3, -1, 1.5, NaN, Infinity, '0', null, 2 ** 53]) rejected({ type: 'selected', stream });
    rejected({ type: 'ladder', stream: 0, first: -1, count: 10 });
    rejected({ type: 'ladder', stream: 0, first: 0, count: 0 });
    rejected({ type: 'ladder', stream: 0, first: 0, count: MAX_LADDER_PAGE + 1 });
    rejected({ type: 'ladder', stream: 0, first: 0.5, count: 10 });
    rejected({ type: 'ladder', stream: 0, first: 0 });
    rejected({ type: 'selected', stream: 2 ** 31 }, null);
  });

  it('refuses unknown types, extra fields and things that are not messages', () => {
    for (const m of [null, undefined, 7, 'ready', [], { type: 'run', command: 'x' }, { type: 'ready', extra: 1 }, { stream: 0 }]) rejected(m);
    rejected({ type: 'copied', stream: 0, ok: 'yes', text: '' });
    // Live capture: Follow takes a boolean, Stop and Save take nothing (no path from the page).
    for (const on of ['true', 1, null, undefined]) rejected({ type: 'watch', on });
    rejected({ type: 'saveCapture', target: '/etc/passwd' });
    rejected({ type: 'stopCapture', signal: 'SIGKILL' });
    rejected({ type: 'copied', stream: 0, ok: false, text: 'x'.repeat(MAX_COPIED_TEXT + 1) });
    rejected(JSON.parse('{"type":"selected","stream":0,"__proto__":{"polluted":true}}'));
  });
});
