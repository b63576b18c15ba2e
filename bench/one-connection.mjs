// Benchmark for the command line's views of one connection on a big capture (issue 10): on
// the 2.2 GB bench capture (made by `npm run bench` or here if missing), the last connection's
// `follow`, `explain --stream`, `graph`, `packet --frame` and `packets -Y`, and
// `conversations -Y` with a filter the conversation table answers and with one that needs the
// analysis, each beside plain `conversations` (the quick count they all start with). Prints wall and CPU time and
// peak RSS (medians of --runs, 3 by default) and the ratio to `conversations`.
//
//   npm run bench:one        (builds dist/ first)
//   node bench/one-connection.mjs [--runs N] [--bytes N] [--connections N]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, summary } from './measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const args = process.argv.slice(2);
const valueOf = (flag, fallback) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
const runs = valueOf('--runs', 3);
const bytes = valueOf('--bytes', 2.2e9);
const connections = valueOf('--connections', 150000);
const cli = path.join(root, 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error('dist/cli.js is missing: run `node esbuild.js` first (npm run bench:one does)');
  process.exit(1);
}
const capture = path.join(here, 'data', `bench-${(bytes / 1e9).toFixed(1)}gb-${Math.round(connections / 1000)}k.pcap`);
if (!fs.existsSync(capture)) {
  fs.mkdirSync(path.dirname(capture), { recursive: true });
  const made = spawnSync(process.execPath, [path.join(here, 'make-capture.mjs'), capture, '--bytes', String(bytes), '--connections', String(connections)], { stdio: 'inherit' });
  if (made.status !== 0) process.exit(1);
}

const run = (...cmdArgs) => spawnSync(process.execPath, [cli, ...cmdArgs], { encoding: 'utf8', maxBuffer: 256 << 20 });
// The last connection: its segments are spread to the end of the file, the worst case for a view that reads it again.
const count = Number(/; (\d+) TCP connections?$/m.exec(run('conversations', capture, '-Y', 'tcp.stream == 0').stdout)?.[1]);
if (!(count > 0)) {
  console.error(`no connection counted in ${capture}`);
  process.exit(1);
}
const stream = count - 1;
const explained = JSON.parse(run('explain', capture, '--stream', String(stream), '--json').stdout);
const frame = explained.steps[explained.steps.length - 1].frame;

const cases = [
  ['conversations (the quick count)', ['conversations', capture]],
  [`follow --stream ${stream}`, ['follow', capture, '--stream', String(stream)]],
  [`explain --stream ${stream}`, ['explain', capture, '--stream', String(stream)]],
  [`graph --stream ${stream} (tcptrace, csv)`, ['graph', capture, '--stream', String(stream), '--kind', 'tcptrace', '--format', 'csv']],
  [`packet --frame ${frame}`, ['packet', capture, '--frame', String(frame)]],
  [`packets -Y 'tcp.stream == ${stream}'`, ['packets', capture, '-Y', `tcp.stream == ${stream}`]],
  [`conversations -Y 'tcp.stream == ${stream}'`, ['conversations', capture, '-Y', `tcp.stream == ${stream}`]],
  [`  the same, needing the analysis`, ['conversations', capture, '-Y', `tcp.stream == ${stream} and (opening == "mid-stream" or opening != "mid-stream")`]],
];

console.log(`${path.basename(capture)}: ${(fs.statSync(capture).size / 1e9).toFixed(2)} GB, ${count} connections; medians of ${runs}`);
const fmt = (x, d = 2) => x.toFixed(d);
let base = null;
const rows = [];
for (const [label, cmdArgs] of cases) {
  const list = [];
  for (let i = 0; i < runs; i++) list.push(await measure(process.execPath, [cli, ...cmdArgs]));
  const s = summary(list);
  base ??= s.seconds;
  rows.push({ label, ...s, ratio: s.seconds / base });
  console.log(`${label.padEnd(58)} ${fmt(s.seconds).padStart(6)} s  cpu ${fmt(s.cpu).padStart(6)} s  peak ${fmt(s.peakMb, 0).padStart(5)} MB  ${fmt(s.seconds / base)}x conversations`);
}
console.log(JSON.stringify({ capture: path.basename(capture), connections: count, stream, frame, rows }));
