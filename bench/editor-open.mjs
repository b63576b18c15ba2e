// Opens a capture the way the editor does: the extension's index worker (dist/indexWorker.js)
// runs as a worker thread of this process, spoken to over its RPC (src/shared/rpc.ts). Like
// the webview, it asks for the first page of the table as soon as the worker reports
// progress and, by default, asks again at every progress note (the webview refreshes what is
// on screen as connections are found). Prints one JSON object of figures on stdout:
//
//   onlineSeconds      worker start → the worker thread runs (before its script is loaded)
//   firstRowsSeconds   worker start → first page of rows with at least one row
//   listedSeconds      worker start → a page of rows with every connection listed, counts final
//                      (the quick count came, or the capture is read): the whole table
//   openSeconds        worker start → `open` resolved (the whole capture read and analysed)
//   tableSeconds       worker start → a `rows` page answered after `open` resolved
//   peakRssBytes       this process's VmHWM at the end (the worker is a thread of it)
//   endRssBytes        VmRSS with the table ready, before the worker is stopped
//   settledRssBytes    VmRSS 3 s later (the worker collects its garbage when the analysis ends)
//   baseRssBytes       VmRSS before the worker started
//
//   node bench/editor-open.mjs CAPTURE [--no-refresh] [--no-quick] [--worker dist/indexWorker.js]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--worker');
const refresh = !args.includes('--no-refresh');
// Without the quick count beside the analysis: the table is whole when the analysis is done.
const quick = !args.includes('--no-quick');
const workerFile = args.includes('--worker') ? path.resolve(args[args.indexOf('--worker') + 1]) : path.join(root, 'dist', 'indexWorker.js');
if (!file) {
  console.error('usage: node bench/editor-open.mjs CAPTURE [--no-refresh] [--worker dist/indexWorker.js]');
  process.exit(2);
}

const status = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const baseRssBytes = status('VmRSS');
const t0 = process.hrtime.bigint();
const since = () => Number(process.hrtime.bigint() - t0) / 1e9;

// The limits the editor gives the worker (INDEX_WORKER_RESOURCE_LIMITS in src/shared/protocol.ts).
const worker = new Worker(workerFile, { resourceLimits: { maxYoungGenerationSizeMb: 32 } });
let onlineSeconds = null;
worker.on('online', () => (onlineSeconds = since()));
let nextId = 1;
const pending = new Map();
const request = (method, params) =>
  new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ rpc: 'request', id, method, params });
  });

const QUERY = { sort: 'stream', dir: 1, filter: '' };
const page = () => request('rows', { query: QUERY, first: 0, count: 200, lang: 'en' });

let firstProgressSeconds = null;
let firstRowsSeconds = null;
let firstRows = null;
let listedSeconds = null;
let listedConnections = null;
let progressNotes = 0;
let opened = false;
/** Latencies of the page requests answered while the capture was still being read. */
const rowsLatencies = [];
let inFlight = 0;

const fail = (e) => {
  console.error(`editor-open: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
};

function askRows() {
  const asked = since();
  inFlight++;
  page().then((r) => {
    inFlight--;
    if (r.indexing) rowsLatencies.push(since() - asked);
    if (listedSeconds === null && (r.overview.listed || !r.indexing) && r.rows.length > 0) {
      listedSeconds = since();
      listedConnections = r.all;
    }
    if (firstRowsSeconds === null) {
      if (r.rows.length > 0) {
        firstRowsSeconds = since();
        firstRows = { rows: r.rows.length, total: r.total, indexing: r.indexing, firstStream: r.rows[0].stream };
      } else if (!opened) askRows();
    }
  }, fail);
}

worker.on('message', (m) => {
  if (m?.rpc === 'response') {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.result);
  } else if (m?.rpc === 'notify' && m.method === 'progress') {
    progressNotes++;
    if (firstProgressSeconds === null) firstProgressSeconds = since();
    // The first page is asked at once; later notes ask again only as the webview would. The note
    // that says every connection is listed is one the webview always answers with a page.
    const listedNote = m.params?.listed === true && listedSeconds === null;
    if (firstRowsSeconds === null ? inFlight === 0 : refresh || listedNote) askRows();
  }
});
worker.on('error', fail);
worker.on('exit', (code) => {
  if (!opened) fail(new Error(`the worker exited (${code}) before the capture was open`));
});

try {
  const result = await request('open', { file: path.resolve(file), name: path.basename(file), ...(quick ? {} : { quickCountFrom: Number.MAX_SAFE_INTEGER }) });
  opened = true;
  const openSeconds = since();
  const last = await page();
  const tableSeconds = since();
  if (listedSeconds === null) {
    listedSeconds = tableSeconds;
    listedConnections = last.all;
  }
  // A capture read in one step has no page asked while it is read: its first rows are these.
  if (firstRowsSeconds === null && last.rows.length > 0) {
    firstRowsSeconds = tableSeconds;
    firstRows = { rows: last.rows.length, total: last.total, indexing: last.indexing, firstStream: last.rows[0].stream };
  }
  const endRssBytes = status('VmRSS');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const settledRssBytes = status('VmRSS');
  const peakRssBytes = status('VmHWM');
  await worker.terminate();
  const sorted = rowsLatencies.slice().sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      refresh,
      quick,
      packets: result.overview.packets,
      tcpPackets: result.overview.tcpPackets,
      connections: result.total,
      tableTotal: last.total,
      tableRows: last.rows.length,
      onlineSeconds,
      firstProgressSeconds,
      firstRowsSeconds,
      firstRows,
      listedSeconds,
      listedConnections,
      openSeconds,
      tableSeconds,
      progressNotes,
      rowsWhileIndexing: sorted.length,
      rowsLatencyMedianSeconds: sorted.length ? sorted[Math.floor(sorted.length / 2)] : null,
      rowsLatencyMaxSeconds: sorted.length ? sorted[sorted.length - 1] : null,
      baseRssBytes,
      endRssBytes,
      settledRssBytes,
      peakRssBytes,
    }),
  );
} catch (e) {
  fail(e);
}
