// The graphs of a connection of a million segments, measured where they run: the index worker
// (dist/indexWorker.js, as the editor runs it) reads the connection and builds each graph, and
// headless Chromium draws them with the editor's own webview (dist/webview) while the bench
// zooms and pans, timing every frame in the browser. The page talks to a small stand-in for the
// extension host, so VS Code is not needed; the same webview runs in it.
//
//   node esbuild.js && node bench/graphs.mjs [--segments N] [--keep] [--shot FILE.png]
//
// Prints, per graph: the worker's time to build it, its points, the time to the first drawing,
// and the browser's frame times (median, 95th percentile, worst) while zooming and panning.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { writeLongConnection } from './long-connection.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const valueOf = (flag, d) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : d);
const segments = Number(valueOf('--segments', 700_000));
const shot = valueOf('--shot', null);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-graphs-'));
const capture = path.join(dir, 'long.pcap');
const made = writeLongConnection(capture, { segments });
console.log(`capture: ${made.packets} packets in one connection (${(fs.statSync(capture).size / 1e6).toFixed(1)} MB), ${capture}`);

// The webview's words, from the same table the extension uses.
const esbuild = require('esbuild');
const bundled = esbuild.buildSync({ entryPoints: [path.join(root, 'src/extension/strings.ts')], bundle: true, platform: 'node', format: 'cjs', write: false });
const stringsModule = { exports: {} };
new Function('module', 'exports', 'require', bundled.outputFiles[0].text)(stringsModule, stringsModule.exports, require);
const strings = stringsModule.exports.webviewStrings('en');

// ------------------------------------------------------------------ the worker, as the editor runs it
// The limits the editor gives the worker (INDEX_WORKER_RESOURCE_LIMITS in src/shared/protocol.ts).
const worker = new Worker(path.join(root, 'dist', 'indexWorker.js'), { resourceLimits: { maxYoungGenerationSizeMb: 32 } });
let nextId = 1;
const pending = new Map();
worker.on('message', (m) => {
  if (m?.rpc !== 'response') return;
  const p = pending.get(m.id);
  pending.delete(m.id);
  if (m.error !== undefined) p?.reject(new Error(m.error));
  else p?.resolve(m.result);
});
const request = (method, params) =>
  new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ rpc: 'request', id, method, params });
  });
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

let t0 = process.hrtime.bigint();
const opened = await request('open', { file: capture, name: path.basename(capture) });
console.log(`index: ${seconds(t0).toFixed(2)} s for ${opened.overview.packets} packets`);

const KINDS = ['tcptrace', 'throughput', 'rtt', 'window'];
const built = {};
for (const kind of KINDS) {
  t0 = process.hrtime.bigint();
  const r = await request('graph', { stream: 0, kind, side: null, windowSeconds: 1 });
  built[kind] = { seconds: seconds(t0), points: r.graph.sets.reduce((n, s) => n + s.count, 0) };
}

// ------------------------------------------------------------------ the page and its stand-in host
const html = path.join(dir, 'page.html');
const webviewDir = path.join(root, 'dist', 'webview');
fs.writeFileSync(
  html,
  `<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" href="${pathToFileURL(path.join(webviewDir, 'capture.css'))}">
<style>body{--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-foreground:#333;--vscode-editor-background:#fff;background:#fff}</style></head>
<body><div id="app"></div><script>
window.__sent = [];
window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__host(m), getState: () => undefined, setState: () => {} });
</script><script src="${pathToFileURL(path.join(webviewDir, 'webview.js'))}"></script></body></html>`,
);
/** Typed arrays become plain arrays on the way in (the webview takes either). */
const plain = (v) => JSON.parse(JSON.stringify(v, (_k, x) => (ArrayBuffer.isView(x) ? Array.from(x) : x)));

const browser = await chromium.launch({ executablePath: process.env.TCPX_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
let closing = false;
const toPage = (m) => page.evaluate((msg) => window.postMessage(msg, '*'), m);
await page.exposeFunction('__host', async (m) => {
  try {
    if (m.type === 'ready') await toPage({ type: 'init', overview: opened.overview, strings, lang: 'en', numbers: 'relative' });
    else if (m.type === 'rows') await toPage({ type: 'rows', seq: m.seq, page: await request('rows', { query: m.query, first: m.first, count: m.count, lang: 'en' }) });
    else if (m.type === 'ladder') {
      const r = await request('ladder', { stream: m.stream, first: m.first, count: m.count, numbers: 'relative', lang: 'en' });
      await toPage(plain({ type: 'ladder', ...r }));
    } else if (m.type === 'graph') {
      const r = await request('graph', m.query);
      // Typed arrays go into the page as typed arrays, as VS Code passes them to a webview.
      await toPage({ type: 'graph', view: { query: m.query, graph: r.graph, frames: r.frames, times: r.times } });
    }
  } catch (e) {
    if (!closing) console.error(`host: ${m.type}: ${e.message}`);
  }
});
page.on('pageerror', (e) => console.error(`page: ${e.message}`));
await page.goto(pathToFileURL(html).href);
await page.waitForSelector('.ladder-title', { timeout: 120000 });
await page.locator('#tab-graphs').click();

const stats = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p95: q(0.95), worst: s[s.length - 1] };
};
const ms = (v) => `${v.toFixed(1)} ms`;

const rows = [];
const drawnCount = () => page.evaluate(() => performance.getEntriesByName('tcpx-graph-drawn').length);
for (const kind of KINDS) {
  const before = await drawnCount();
  await page.locator(`.graph-kinds [data-kind="${kind}"]`).click();
  // The graph has been drawn once more than before (its own measure is in the page).
  await page.waitForFunction((n) => performance.getEntriesByName('tcpx-graph-drawn').length > n, before, { timeout: 300000 });
  // From the graph's data arriving in the page to its first picture (the page's own measure).
  const firstDraw = await page.evaluate(() => {
    const m = performance.getEntriesByName('tcpx-graph-drawn');
    return m.length ? m[m.length - 1].duration : null;
  });
  // Frame times in the browser: each animation frame zooms in or out at the pointer, or pans;
  // the time between frames includes the redraw the wheel caused.
  const frames = await page.evaluate(async () => {
    const over = document.querySelector('.graph-plot .u-over');
    const r = over.getBoundingClientRect();
    const times = [];
    const drawn = [];
    let last = performance.now();
    for (let k = 0; k < 120; k++) {
      await new Promise((res) => requestAnimationFrame(res));
      const now = performance.now();
      times.push(now - last);
      last = now;
      const zoomIn = k % 40 < 15;
      const panning = k % 40 >= 30;
      const ev = new WheelEvent('wheel', { clientX: r.left + r.width * 0.4, clientY: r.top + r.height / 2, deltaY: zoomIn ? -100 : 100, shiftKey: panning, bubbles: true, cancelable: true });
      const before = performance.now();
      over.dispatchEvent(ev);
      await Promise.resolve();
      drawn.push(performance.now() - before);
    }
    return { times: times.slice(1), drawn };
  });
  const f = stats(frames.times);
  const d = stats(frames.drawn);
  rows.push({ kind, build: built[kind].seconds, points: built[kind].points, firstDraw, f, d });
  if (shot && kind === 'tcptrace') {
    await page.locator('.graph-reset').click();
    await page.screenshot({ path: shot });
  }
}

console.log('');
console.log('graph         points  worker build  first picture  frame median / p95 / worst      redraw median / worst');
for (const r of rows) {
  console.log(
    `${r.kind.padEnd(10)} ${String(r.points).padStart(9)}  ${`${r.build.toFixed(2)} s`.padStart(12)}  ${(r.firstDraw === null ? '—' : ms(r.firstDraw)).padStart(13)}  ${[r.f.median, r.f.p95, r.f.worst].map(ms).join(' / ').padEnd(30)}  ${ms(r.d.median)} / ${ms(r.d.worst)}`,
  );
}
closing = true;
console.log(`\n(a frame at 60 Hz is 16.7 ms; ${segments} data segments, ${made.packets} segments in all; first picture: from the graph's data arriving in the page to its first drawing; redraw: a wheel event's zoom or pan drawn, synchronously)`);
await browser.close();
await worker.terminate();
if (!args.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
