// The connection table's window over rows that live in the worker, in Chromium, with a host
// the test answers itself: every request is seen and answered when the test says, so the
// orders that a busy machine produces now and then (an indexing note while scrolled to the
// end, a page answered after the user moved on) happen here every time.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The webview's own style sheet, as the bundle step builds it. */
const css = path.join(root, 'dist', 'webview', 'capture.css');

/** The table and timeline modules alone, for the page: `ConnectionTable` and `Timeline` on globalThis. */
async function tableBundle() {
  const out = await esbuild.build({
    stdin: {
      contents: "import { ConnectionTable } from './src/webview/table'; import { Timeline } from './src/webview/timeline'; Object.assign(globalThis, { ConnectionTable, Timeline });",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

/**
 * Runs in the page: a table (or the timeline) over `total` made-up rows, its requests queued
 * for `answer()`.
 */
function setUp([total, kind]) {
  const w = globalThis;
  w.requests = [];
  w.total = total;
  w.selectedStream = null;
  const host = {
    t: (k) => k,
    lang: () => 'en',
    requestRows: (seq, first, count, query) => w.requests.push({ seq, first, count, query }),
    select: (s) => {
      w.selectedStream = s;
    },
    selected: () => w.selectedStream,
    saveQuery: () => undefined,
  };
  const row = (i, stream) => ({
    stream,
    client: `10.0.${i >> 8 & 255}.${i & 255}:${40000 + (i % 20000)}`,
    server: '10.9.9.9:4000',
    analysed: true,
    opening: null,
    closing: null,
    activeCloser: null,
    synRetransmissions: 0,
    opened: 'three-way handshake',
    ended: 'four-way close',
    carried: '',
    packets: 10,
    bytesToServer: 100,
    bytesToClient: 1000,
    duration: 0.001,
    start: i / 1000,
    outcome: 'clean',
    irtt: 0.0001,
    retransmissions: 0,
    resets: 0,
    zeroWindows: 0,
    interest: 0,
  });
  /** Answers every request waiting; the rows are in the order the query sorts them. Returns the pages' first rows. */
  const overview = { fileName: 'made-up.pcap', format: 'pcap', linkTypes: ['Ethernet'], packets: total * 10, tcpPackets: total * 10, span: total / 1000, notes: [], connections: total, indexing: true, listed: true };
  w.answer = () => {
    const pending = w.requests.splice(0);
    for (const r of pending) {
      const rows = [];
      for (let i = r.first; i < Math.min(w.total, r.first + r.count); i++) rows.push(row(i, r.query.dir === 1 ? i : w.total - 1 - i));
      const page = { first: r.first, rows, total: w.total, all: w.total, error: null, indexing: true, overview };
      if (kind === 'timeline') w.timeline.onMessage({ type: 'rows', seq: r.seq, page });
      else w.table.onRows(r.seq, page);
    }
    return pending.map((r) => r.first);
  };
  /** An indexing note: connections got segments, the view asks again for what is on screen. */
  w.note = () => (kind === 'timeline' ? w.timeline.onMessage({ type: 'progress', fraction: 0.5, connections: total, grew: [] }) : w.table.refresh());
  w.table = new w.ConnectionTable(host, { sort: 'stream', dir: 1, filter: '' });
  document.body.append(w.table.element);
  w.table.start();
  if (kind === 'timeline') {
    // The timeline posts its requests as messages; the table's requests are answered too.
    w.timeline = new w.Timeline({
      ...host,
      post: (m) => {
        if (m.type === 'rows') w.requests.push(m);
      },
      saved: () => ({ view: 'timeline', scroll: 0, zoom: null }),
      save: () => undefined,
    });
    w.timeline.mount(w.table.element);
    w.timeline.onMessage({ type: 'init', overview });
  }
}

describe('the connection table and the timeline: windows over rows kept in the worker (Chromium)', function () {
  this.timeout(60000);
  let browser;
  let page;
  let bundle;

  before(async () => {
    assert.ok(fs.existsSync(css), `${css} is missing: build first (node esbuild.js)`);
    bundle = await tableBundle();
    browser = await chromium.launch({ executablePath: process.env.TCPX_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    await page.setContent('<!DOCTYPE html><html><head></head><body></body></html>');
    await page.addStyleTag({ path: css });
    await page.addStyleTag({ content: '.table-wrap, .tl-scroll { height: 300px; max-height: none; }' });
    await page.addScriptTag({ content: bundle });
  });

  afterEach(async () => {
    await page?.close();
  });

  /** Lets the page draw (scroll events, animation frames) and answers what it asks, until it asks no more. Returns the pages asked for. */
  const settle = async () => {
    const asked = [];
    for (let round = 0; round < 10; round++) {
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const firsts = await page.evaluate(() => globalThis.answer());
      if (firsts.length === 0) return asked;
      asked.push(...firsts);
    }
    throw new Error(`the table kept asking: ${asked}`);
  };
  const scrollTo = (top) => page.evaluate((t) => (document.querySelector('.table-wrap').scrollTop = t === 'end' ? 1e9 : t), top);
  const streamsDrawn = () => page.evaluate(() => [...document.querySelectorAll('tr[data-stream]')].map((e) => Number(e.getAttribute('data-stream'))));
  const focusedStream = () => page.evaluate(() => document.activeElement?.getAttribute('data-stream') ?? document.activeElement?.className ?? null);

  it('End after an indexing note at the end and a scroll to the top asks for the last rows again', async () => {
    await page.evaluate(setUp, [5000, 'table']);
    await settle();
    await scrollTo('end');
    await settle();
    assert.ok((await streamsDrawn()).includes(4999), `at the end: ${(await streamsDrawn()).slice(-3)} ${await page.evaluate(() => [document.querySelector(".table-wrap").scrollTop, document.querySelector(".table-wrap").scrollHeight])}`);
    // Indexing goes on: the rows in view are asked for again while the table is at its end.
    await page.evaluate(() => globalThis.note());
    await settle();
    await scrollTo(0);
    assert.ok((await settle()).includes(0), 'the top page was asked again after the note');
    await page.locator('tr[data-stream="0"]').focus();
    await page.keyboard.press('End');
    await settle();
    assert.ok((await streamsDrawn()).includes(4999), `after End: ${(await streamsDrawn()).slice(-3)}`);
    assert.equal(await focusedStream(), '4999');
  });

  it('holds only a window: rows far from view are dropped, and asked for again when scrolled back to', async () => {
    await page.evaluate(setUp, [150000, 'table']);
    await settle();
    // Nearby scrolling is served from what came already.
    await scrollTo(24 * 50);
    assert.deepEqual(await settle(), []);
    for (let top = 0; top <= 150000 * 24; top += 24 * 5000) {
      await scrollTo(top);
      await settle();
      assert.ok((await page.locator('tbody tr').count()) < 200);
      const kept = await page.evaluate(() => globalThis.table.rows.size);
      assert.ok(kept <= 10 * 200 + 200, `${kept} rows kept at ${top / 24}`);
    }
    await scrollTo(0);
    assert.ok((await settle()).includes(0), 'the first page was kept while the whole table was scrolled through');
    assert.equal((await streamsDrawn())[0], 0);
  });

  it('a row scrolled away keeps the keyboard: the table holds the focus, and the next key moves from that row', async () => {
    await page.evaluate(setUp, [5000, 'table']);
    await settle();
    await page.locator('tr[data-stream="3"]').click();
    assert.equal(await page.evaluate(() => globalThis.selectedStream), 3);
    await page.locator('tr[data-stream="3"]').focus();
    await scrollTo(24 * 2500);
    await settle();
    assert.equal(await focusedStream(), 'table-wrap', 'the focus went to the body when its row left the page');
    await page.keyboard.press('ArrowDown');
    await settle();
    assert.equal(await focusedStream(), '4');
    // The row is back in view: its page was asked for again if it had been dropped.
    assert.ok((await streamsDrawn()).includes(4));
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => globalThis.selectedStream), 4);
  });

  it('a row waiting for its page keeps the keyboard too: End then Home before the answer', async () => {
    await page.evaluate(setUp, [5000, 'table']);
    await settle();
    await page.locator('tr[data-stream="0"]').focus();
    await page.keyboard.press('End');
    // Not answered yet: the last row is "…", and the table holds the focus.
    assert.equal(await focusedStream(), 'table-wrap');
    await page.keyboard.press('ArrowUp');
    await settle();
    assert.equal(await focusedStream(), '4998');
  });

  it('a new sort replaces the rows with its own at its first answer', async () => {
    await page.evaluate(setUp, [5000, 'table']);
    await settle();
    await page.locator('tr[data-stream="2"]').focus();
    await page.locator('th button.sort').first().click();
    await settle();
    const drawn = await streamsDrawn();
    assert.equal(drawn[0], 4999, `first rows after the sort: ${drawn.slice(0, 3)}`);
    assert.ok(!drawn.includes(2) || drawn.indexOf(2) > 100);
  });

  it('the timeline too: End after an indexing note at the end and a scroll to the top reaches the last row', async () => {
    await page.evaluate(setUp, [3000, 'timeline']);
    await settle();
    const tlScroll = (top) => page.evaluate((t) => (document.querySelector('.tl-scroll').scrollTop = t === 'end' ? 1e9 : t), top);
    const tlStreams = () => page.evaluate(() => [...document.querySelectorAll('.tl-row[data-stream]')].map((e) => Number(e.getAttribute('data-stream'))));
    await tlScroll('end');
    await settle();
    assert.ok((await tlStreams()).includes(2999), `at the end: ${(await tlStreams()).slice(-3)}`);
    await page.evaluate(() => globalThis.note());
    await settle();
    await tlScroll(0);
    assert.ok((await settle()).includes(0), 'the top page was asked again after the note');
    await page.locator('.tl-scroll').focus();
    await page.keyboard.press('End');
    await settle();
    assert.ok((await tlStreams()).includes(2999), `after End: ${(await tlStreams()).slice(-3)}`);
    assert.equal(await page.evaluate(() => document.querySelector('.tl-row.active')?.getAttribute('data-stream')), '2999');
  });

  it('the timeline holds only a window too, even after indexing notes: far rows are asked for again', async () => {
    await page.evaluate(setUp, [150000, 'timeline']);
    await settle();
    for (let top = 0; top <= 150000 * 22; top += 22 * 5000) {
      await page.evaluate((t) => (document.querySelector('.tl-scroll').scrollTop = t), top);
      // A note comes before the answer (it clears what was asked): the rows of the place just
      // left are let go all the same.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.evaluate(() => globalThis.note());
      await settle();
      // The rows it keeps (a private map, read here because memory is the point): a few pages.
      const kept = await page.evaluate(() => globalThis.timeline.rows.size);
      assert.ok(kept <= 20 * 200 + 200, `${kept} rows kept at ${top / 22}`);
    }
    await page.evaluate(() => (document.querySelector('.tl-scroll').scrollTop = 0));
    assert.ok((await settle()).includes(0), 'the first page was kept while the whole timeline was scrolled through');
  });
});
