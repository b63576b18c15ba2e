// Benchmark for issue 10 ("Big captures"): on a capture of more than 2 GB with more than 100k
// connections, as pcap and as pcapng (the same packets), measures in one run
//   - the CLI: `tcp-explainer conversations FILE`;
//   - a bare JS loop over the same format that only reads each packet's 4-tuple (the floor);
//   - the editor's open path: the index worker as a worker thread, over its RPC;
//   - what the editor's catalog keeps per packet (the engine compiled into out/ by tsc);
//   - tshark -q -z conv,tcp;
// and prints wall time, CPU time, packets/s, MB/s and peak RSS for each, then the issue's
// targets with the figures measured here beside them (PASS/MISS: a benchmark, so a MISS never
// fails it). The editor's times count from the worker's start, as the issue defines them (a
// host that opens the capture is already running); the others' from their process's spawn.
// CPU time is printed too because the machine may be shared: wall times then stretch unevenly.
//
//   npm run bench        (builds dist/, compiles out/ and makes the captures in bench/data/ if missing)
//   node bench/conversations.mjs [--runs N] [--skip-tshark] [--skip-tsc] [--bytes N] [--connections N]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, median, summary } from './measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const data = path.join(here, 'data');
const args = process.argv.slice(2);
const valueOf = (flag, fallback) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
const runs = valueOf('--runs', 3);
const skipTshark = args.includes('--skip-tshark');
const skipTsc = args.includes('--skip-tsc');
// The issue asks for at least 2 GB and 100k connections; the short connections come on top of
// about 3,000 bulk ones (680 kB each) that fill the bytes.
const bytes = valueOf('--bytes', 2.2e9);
const connections = valueOf('--connections', 150000);

for (const f of ['cli.js', 'indexWorker.js']) {
  if (!fs.existsSync(path.join(root, 'dist', f))) {
    console.error(`dist/${f} is missing: run \`node esbuild.js\` first (npm run bench does)`);
    process.exit(1);
  }
}

fs.mkdirSync(data, { recursive: true });
const tag = `${(bytes / 1e9).toFixed(1)}gb-${Math.round(connections / 1000)}k`;
const big = { pcap: path.join(data, `bench-${tag}.pcap`), pcapng: path.join(data, `bench-${tag}.pcapng`) };
const shortOnly = path.join(data, `bench-${Math.round(connections / 1000)}k-short.pcap`);
const make = (file, extra) => {
  const r = spawnSync(process.execPath, [path.join(here, 'make-capture.mjs'), file, ...extra], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
};
// Both formats come from one pass, so they hold the very same packets.
if (!fs.existsSync(big.pcap) || !fs.existsSync(big.pcapng)) {
  make(big.pcap, ['--bytes', String(bytes), '--connections', String(connections), '--pcapng', big.pcapng]);
}
if (!fs.existsSync(shortOnly)) make(shortOnly, ['--short-only', '--connections', String(connections)]);

// The catalog figures come from the engine itself, compiled by the tests' tsconfig into out/.
// Another change in progress may not type-check; tsc still emits, which is all this needs.
const catalogJs = path.join(root, 'out', 'src', 'core', 'index', 'catalog.js');
if (!skipTsc) {
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'test')], { encoding: 'utf8', cwd: root });
  if (r.status !== 0) console.log(`note: tsc -p test exited ${r.status} (type errors elsewhere?); using what it emitted into out/`);
}
const haveCatalog = fs.existsSync(catalogJs);

// The whole run measures one build: dist/ and out/src are copied away first, since a rebuild
// by someone else in this tree during the run (tests, watch mode) would otherwise change the
// code under test between one tool or format and the next. The bundles and the compiled
// engine need nothing outside their own folders but node_modules, which they do not use.
const build = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-bench-'));
fs.cpSync(path.join(root, 'dist'), path.join(build, 'dist'), { recursive: true });
if (haveCatalog) fs.cpSync(path.join(root, 'out', 'src'), path.join(build, 'out', 'src'), { recursive: true });
process.on('exit', () => fs.rmSync(build, { recursive: true, force: true }));
const cli = path.join(build, 'dist', 'cli.js');
const worker = path.join(build, 'dist', 'indexWorker.js');
const engine = path.join(build, 'out', 'src');

const MB = 1024 * 1024;
const json = (r) => JSON.parse(r.tail.trim().split('\n').pop());
const verdict = (ok) => (ok ? 'PASS' : 'MISS');
const fmt = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));

async function bench(format, file) {
  const size = fs.statSync(file).size;
  // Unmeasured: brings the file into the page cache (every timing below is warm) and counts it.
  const warm = json(await measure(process.execPath, [path.join(here, 'bare-loop.mjs'), file]));

  const cliRuns = [];
  const jsonRuns = [];
  const bareRuns = [];
  const editorRuns = [];
  const refreshRuns = [];
  // Round-robin, so that any drift in the machine's load falls on every tool alike.
  for (let i = 0; i < runs; i++) {
    bareRuns.push(await measure(process.execPath, [path.join(here, 'bare-loop.mjs'), file]));
    cliRuns.push(await measure(process.execPath, [cli, 'conversations', file]));
    jsonRuns.push(await measure(process.execPath, [cli, 'conversations', file, '--json']));
    editorRuns.push(await measure(process.execPath, [path.join(here, 'editor-open.mjs'), file, '--worker', worker, '--no-refresh']));
    refreshRuns.push(await measure(process.execPath, [path.join(here, 'editor-open.mjs'), file, '--worker', worker]));
  }
  const m = /; (\d+) packets \((\d+) TCP\).*?; (\d+) TCP connections/.exec(cliRuns[0].head);
  if (!m) throw new Error(`cannot read the CLI's summary line: ${cliRuns[0].head.slice(0, 300)}`);
  const packets = Number(m[1]);
  const tcpPackets = Number(m[2]);
  const conns = Number(m[3]);
  const problems = [];
  if (warm.packets !== packets || warm.tcp !== tcpPackets) problems.push(`bare loop counted ${warm.packets} packets (${warm.tcp} TCP), the CLI ${packets} (${tcpPackets})`);
  const editor = editorRuns.map(json);
  const refreshed = refreshRuns.map(json);
  for (const e of [...editor, ...refreshed]) {
    if (e.packets !== packets || e.connections !== conns || e.tableTotal !== conns || e.listedConnections !== conns) {
      problems.push(`editor saw ${e.packets} packets, ${e.connections} connections, a table of ${e.tableTotal}, ${e.listedConnections} listed (CLI: ${packets}, ${conns})`);
    }
  }

  let catalog = null;
  let catalogRun = null;
  if (haveCatalog) {
    catalogRun = await measure(process.execPath, ['--expose-gc', path.join(here, 'catalog-bytes.cjs'), file, '--engine', engine]);
    catalog = json(catalogRun);
    if (catalog.packets !== packets || catalog.connections !== conns) problems.push(`catalog saw ${catalog.packets} packets, ${catalog.connections} connections`);
  }

  let tshark = null;
  if (!skipTshark) {
    const ts = await measure('tshark', ['-n', '-q', '-r', file, '-z', 'conv,tcp'], { count: /<->/ });
    tshark = { seconds: ts.seconds, cpu: ts.cpu, peakMb: ts.peakMb, listed: ts.counted };
    if (ts.counted !== conns) problems.push(`tshark listed ${ts.counted} TCP conversations, the CLI ${conns}`);
  }

  const pick = (list, key) => median(list.map((e) => e[key]));
  const r = {
    format,
    file,
    size,
    packets,
    tcpPackets,
    conns,
    cli: summary(cliRuns),
    cliJson: summary(jsonRuns),
    bare: summary(bareRuns),
    editor: {
      // The whole table: every connection listed with the CLI's columns, sortable and filterable by them.
      seconds: pick(editor, 'listedSeconds'),
      cpu: median(editorRuns.map((x) => x.cpu)),
      spread: [Math.min(...editor.map((e) => e.listedSeconds)), Math.max(...editor.map((e) => e.listedSeconds))],
      // Every connection's analysis too: opened, ended, carried, events, and analysis filters over all.
      analysedSeconds: pick(editor, 'tableSeconds'),
      openSeconds: pick(editor, 'openSeconds'),
      firstRowsSeconds: pick(editor, 'firstRowsSeconds'),
      firstRowsWorst: Math.max(...editor.map((e) => e.firstRowsSeconds)),
      onlineSeconds: pick(editor, 'onlineSeconds'),
      firstProgressSeconds: pick(editor, 'firstProgressSeconds'),
      peakMb: Math.max(...editor.map((e) => e.peakRssBytes)) / MB,
      polledPeakMb: Math.max(...editorRuns.map((x) => x.peakMb)),
      endMb: pick(editor, 'endRssBytes') / MB,
      settledMb: pick(editor, 'settledRssBytes') / MB,
      baseMb: pick(editor, 'baseRssBytes') / MB,
      firstRows: editor[0].firstRows,
    },
    refresh: {
      seconds: pick(refreshed, 'tableSeconds'),
      cpu: median(refreshRuns.map((x) => x.cpu)),
      spread: [Math.min(...refreshed.map((e) => e.tableSeconds)), Math.max(...refreshed.map((e) => e.tableSeconds))],
      firstRowsSeconds: pick(refreshed, 'firstRowsSeconds'),
      peakMb: Math.max(...refreshed.map((e) => e.peakRssBytes)) / MB,
      endMb: pick(refreshed, 'endRssBytes') / MB,
      pages: pick(refreshed, 'rowsWhileIndexing'),
      latencyMedian: pick(refreshed, 'rowsLatencyMedianSeconds'),
      latencyMax: Math.max(...refreshed.map((e) => e.rowsLatencyMaxSeconds ?? 0)),
    },
    catalog: catalog && { ...catalog, peakMb: catalogRun.peakMb, cpu: catalogRun.cpu },
    tshark,
    problems,
  };
  printFormat(r);
  return r;
}

function printFormat(r) {
  console.log(
    `\n== ${r.format}: ${path.relative(root, r.file)}: ${(r.size / 1e9).toFixed(3)} GB, ${r.packets.toLocaleString('en-US')} packets ` +
      `(${r.tcpPackets.toLocaleString('en-US')} TCP), ${r.conns.toLocaleString('en-US')} TCP connections`,
  );
  const widths = [50, 8, 13, 8, 12, 8, 7, 9];
  const cols = (cells) => [cells[0].padEnd(widths[0]), ...cells.slice(1).map((c, i) => c.padStart(widths[i + 1]))].join(' ');
  console.log(cols(['tool', 'wall s', 'runs min-max', 'CPU s', 'packets/s', 'MB/s', 'peak', 'wall vs']));
  console.log(cols(['', '', '', '', '', '', 'RSS MB', 'CLI']));
  const line = (name, x) =>
    console.log(
      cols([
        name,
        fmt(x.seconds),
        x.spread ? `${fmt(x.spread[0])}-${fmt(x.spread[1])}` : '',
        fmt(x.cpu),
        Math.round(r.packets / x.seconds).toLocaleString('en-US'),
        (r.size / 1e6 / x.seconds).toFixed(0),
        fmt(x.peakMb, 0),
        `${(x.seconds / r.cli.seconds).toFixed(2)}x`,
      ]),
    );
  line(`tcp-explainer conversations (median of ${runs})`, r.cli);
  line(`tcp-explainer conversations --json (median of ${runs})`, r.cliJson);
  line(`bare loop, ${r.format}, 4-tuple only (median of ${runs})`, r.bare);
  line(`editor open: whole table, every connection listed (median of ${runs})`, r.editor);
  line(`editor open: every connection analysed too (median of ${runs})`, { ...r.editor, seconds: r.editor.analysedSeconds, spread: null });
  line(`editor open, rows asked at every progress note`, r.refresh);
  if (r.catalog) line(`catalog only (out/src, one run)`, r.catalog);
  if (r.tshark) line(`tshark -q -z conv,tcp (one run)`, r.tshark);
  const e = r.editor;
  console.log(
    `editor, from the worker's start: thread online ${fmt(e.onlineSeconds, 3)} s, first progress note ${fmt(e.firstProgressSeconds, 3)} s, ` +
      `first rows ${fmt(e.firstRowsSeconds, 3)} s (medians; worst ${fmt(e.firstRowsWorst, 3)} s; ` +
      `${e.firstRows.rows} rows of ${e.firstRows.total.toLocaleString('en-US')} found so far, indexing ${e.firstRows.indexing}); ` +
      `open resolved at ${fmt(e.openSeconds)} s; RSS ${fmt(e.baseMb, 0)} MB before the worker, ${fmt(e.endMb, 0)} MB with the table ready, ${fmt(e.settledMb, 0)} MB 3 s later ` +
      `(peak polled from outside: ${fmt(e.polledPeakMb, 0)} MB)`,
  );
  console.log(
    `editor with the webview's refreshes: ${r.refresh.pages} pages answered while indexing, median ${fmt(r.refresh.latencyMedian * 1000, 0)} ms, ` +
      `worst ${fmt(r.refresh.latencyMax * 1000, 0)} ms; first rows ${fmt(r.refresh.firstRowsSeconds, 3)} s; end RSS ${fmt(r.refresh.endMb, 0)} MB`,
  );
  if (r.catalog) {
    const c = r.catalog;
    console.log(
      `catalog: ${c.tcpSegments.toLocaleString('en-US')} segments located in ${(c.locationBytes / MB).toFixed(1)} MB = ` +
        `${c.locationBytesPerPacket.toFixed(2)} bytes/packet allocated (${c.locationBytesPerSegment.toFixed(2)} per TCP segment; ` +
        `${((c.locationBytesPerSegmentInUse * c.tcpSegments) / c.packets).toFixed(2)} per packet in use); ` +
        `all it retains after GC: ${(c.retainedBytes / MB).toFixed(0)} MB = ${c.retainedBytesPerPacket.toFixed(1)} bytes/packet ` +
        `or ${(c.retainedBytesPerConnection / 1024).toFixed(2)} kB/connection`,
    );
  } else console.log(`catalog: ${path.relative(root, catalogJs)} is missing (run \`npx tsc -p test\`): bytes per packet not measured`);
  if (r.tshark) console.log(`tshark listed ${r.tshark.listed.toLocaleString('en-US')} TCP conversations`);
  for (const p of r.problems) console.log(`WARNING: ${p}`);
}

/** The targets, each with the figure measured for it in this run. */
function targets(r) {
  const t = [];
  const ratio = r.cli.seconds / r.bare.seconds;
  t.push([`CLI / bare loop (${r.format}), wall`, `${ratio.toFixed(2)}x`, '<= 1.2x', verdict(ratio <= 1.2)]);
  t.push(['  the same in CPU time', `${(r.cli.cpu / r.bare.cpu).toFixed(2)}x`, '', '']);
  if (r.tshark) t.push(['tshark / CLI (speedup)', `${(r.tshark.seconds / r.cli.seconds).toFixed(1)}x`, 'about 25x in the issue', '']);
  const er = r.editor.seconds / r.cli.seconds;
  t.push(['editor whole table (all listed, counts final) / CLI, wall', `${er.toFixed(2)}x`, '<= 1.5x', verdict(er <= 1.5)]);
  t.push(['  every connection analysed too / CLI, wall', `${(r.editor.analysedSeconds / r.cli.seconds).toFixed(2)}x`, '', '']);
  t.push(['  CPU time of the whole open / CLI', `${(r.editor.cpu / r.cli.cpu).toFixed(2)}x`, '', '']);
  t.push(['editor first rows (worker start → rows), median', `${fmt(r.editor.firstRowsSeconds, 3)} s`, '<= 1 s', verdict(r.editor.firstRowsSeconds <= 1)]);
  t.push([`  worst of ${runs}`, `${fmt(r.editor.firstRowsWorst, 3)} s`, '<= 1 s', verdict(r.editor.firstRowsWorst <= 1)]);
  if (r.catalog) {
    t.push(['index bytes per packet (catalog, allocated)', fmt(r.catalog.locationBytesPerPacket), '<= 16', verdict(r.catalog.locationBytesPerPacket <= 16)]);
  } else t.push(['index bytes per packet', 'not measured', '<= 16', '']);
  t.push(['CLI peak RSS', `${fmt(r.cli.peakMb, 0)} MB`, '<= 200 MB', verdict(r.cli.peakMb <= 200)]);
  // The 600 MB is the extension host's whole RSS, about 150 MB before opening: 450 MB of growth.
  const growth = r.editor.endMb - r.editor.baseMb;
  t.push(['editor RSS growth, table ready (host: +450 MB)', `${fmt(growth, 0)} MB`, '<= 450 MB', verdict(growth <= 450)]);
  // Where it ends: 3 s on, after the worker's collection (the real host: npm run bench:host).
  const settled = r.editor.settledMb - r.editor.baseMb;
  t.push(['  the same 3 s later (where it ends)', `${fmt(settled, 0)} MB`, '<= 450 MB', verdict(settled <= 450)]);
  return t;
}

const tsharkVersion = skipTshark ? 'tshark skipped' : (spawnSync('tshark', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'tshark not found');
const load = os.loadavg();
console.log(
  `node ${process.version}; ${tsharkVersion}; ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}; ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM; ` +
    `load average ${load.map((x) => x.toFixed(1)).join(' ')} at start; ${runs} runs per tool and format, page cache warm`,
);
// Which code was measured: the tree may hold uncommitted work, so the bundles' hashes say it exactly.
const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout?.trim() || 'no git';
const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).stdout?.trim() ? ' + uncommitted changes in src/' : '';
const hash = (f) => createHash('sha256').update(fs.readFileSync(f)).digest('hex').slice(0, 12);
console.log(`code: ${head}${dirty}; dist/cli.js ${hash(cli)}, dist/indexWorker.js ${hash(worker)}`);
if (load[0] > os.cpus().length) console.log('note: the machine is busy: timings are noisy, ratios (measured side by side) less so');

const results = [];
for (const format of ['pcap', 'pcapng']) results.push(await bench(format, big[format]));

console.log('\n== Targets (issue 10), measured in this run');
const rows = results.map(targets);
const w0 = Math.max(...rows.flat().map((x) => x[0].length));
console.log(['measure'.padEnd(w0), 'pcap'.padStart(12), '    ', 'pcapng'.padStart(12), '    ', 'target'].join('  '));
for (let i = 0; i < rows[0].length; i++) {
  const [name, v0, target, p0] = rows[0][i];
  const [, v1, , p1] = rows[1][i];
  console.log([name.replace(' (pcap)', '').padEnd(w0), v0.padStart(12), p0.padEnd(4), v1.padStart(12), p1.padEnd(4), target].join('  ').trimEnd());
}

// The same connections without the bulk transfers: if memory follows connections and not
// packets, the CLI's peak RSS barely moves.
const s = await measure(process.execPath, [cli, 'conversations', shortOnly]);
const sm = /; (\d+) packets .*?; (\d+) TCP connections/.exec(s.head);
console.log(
  `\nMemory follows connections, not packets: the CLI peaks at ${fmt(results[0].cli.peakMb, 0)} MB on ${results[0].packets.toLocaleString('en-US')} packets ` +
    `and at ${fmt(s.peakMb, 0)} MB on ${path.basename(shortOnly)} (${Number(sm?.[1]).toLocaleString('en-US')} packets, ` +
    `${Number(sm?.[2]).toLocaleString('en-US')} connections, no bulk transfers).`,
);
