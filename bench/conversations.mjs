// Benchmark: list every TCP connection of a >1 GB capture with >100k connections, with
// `tcp-explainer conversations`, `tshark -q -z conv,tcp` and a pcap-parser loop, in one run.
// Prints wall time, packets/s, MB/s and peak RSS for each, and our speed as a ratio to each.
//
//   npm run bench                 (builds dist/ and the captures in bench/data/ if missing)
//   node bench/conversations.mjs [--runs N] [--skip-tshark]
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const data = path.join(here, 'data');
const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;
const skipTshark = args.includes('--skip-tshark');

fs.mkdirSync(data, { recursive: true });
const big = path.join(data, 'bench-1gb.pcap');
const shortOnly = path.join(data, 'bench-120k-short.pcap');
const make = (file, extra) => {
  if (fs.existsSync(file)) return;
  const r = spawnSync(process.execPath, [path.join(here, 'make-capture.mjs'), file, ...extra], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
};
make(big, []);
make(shortOnly, ['--short-only']);

/** Runs a command with stdout discarded; returns wall seconds and peak RSS (VmHWM) in MB. */
function measure(cmd, cmdArgs) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdoutTail = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdoutTail = (stdoutTail + d.toString()).slice(-4096);
    });
    child.stderr.on('data', (d) => (stderr += d.toString()));
    let peakKb = 0;
    // Peak RSS of the child, polled from /proc (VmHWM only grows, so the last poll is close).
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 10);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) reject(new Error(`${cmd} ${cmdArgs.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`));
      else resolve({ seconds, peakMb: peakKb / 1024, stdoutTail });
    });
  });
}

function packetsIn(file) {
  // Counted by our own reader once, outside the timings.
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'conversations', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const m = /; (\d+) packets \((\d+) TCP\).*?; (\d+) TCP connections/.exec(r.stdout);
  return { packets: Number(m[1]), connections: Number(m[3]) };
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function bench(file) {
  const size = fs.statSync(file).size;
  const { packets, connections } = packetsIn(file);
  console.log(`\n${path.basename(file)}: ${(size / 1e9).toFixed(3)} GB, ${packets} packets, ${connections} TCP connections`);
  const rows = [];
  const ours = [];
  for (let i = 0; i < runs; i++) ours.push(await measure(process.execPath, [path.join(root, 'dist', 'cli.js'), 'conversations', file, '--json']));
  rows.push({ tool: `tcp-explainer conversations (median of ${runs})`, seconds: median(ours.map((r) => r.seconds)), peakMb: Math.max(...ours.map((r) => r.peakMb)) });
  // The editor's path: the index worker builds the per-segment index and the classified table.
  const editor = await measure(process.execPath, [path.join(here, 'editor-open.mjs'), file]);
  rows.push({ tool: 'tcp-explainer editor open (index + table)', seconds: editor.seconds, peakMb: editor.peakMb });
  const pp = await measure(process.execPath, [path.join(here, 'pcap-parser-loop.cjs'), file]);
  rows.push({ tool: 'pcap-parser loop (count packets only)', seconds: pp.seconds, peakMb: pp.peakMb });
  if (!skipTshark) {
    const ts = await measure('tshark', ['-n', '-q', '-r', file, '-z', 'conv,tcp']);
    const listed = (ts.stdoutTail.match(/<->/g) ?? []).length;
    rows.push({ tool: 'tshark -q -z conv,tcp', seconds: ts.seconds, peakMb: ts.peakMb, note: listed ? '' : '' });
  }
  const oursSeconds = rows[0].seconds;
  console.log(
    ['tool'.padEnd(44), 'wall s'.padStart(8), 'packets/s'.padStart(12), 'MB/s'.padStart(8), 'peak RSS MB'.padStart(12), 'ours faster by'.padStart(15)].join(' '),
  );
  for (const r of rows) {
    console.log(
      [
        r.tool.padEnd(44),
        r.seconds.toFixed(2).padStart(8),
        Math.round(packets / r.seconds).toLocaleString('en-US').padStart(12),
        (size / 1e6 / r.seconds).toFixed(0).padStart(8),
        r.peakMb.toFixed(0).padStart(12),
        (r === rows[0] ? '' : `${(r.seconds / oursSeconds).toFixed(1)}x`).padStart(15),
      ].join(' '),
    );
  }
  return rows[0];
}

const tshark = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'tshark not found';
console.log(`node ${process.version}; ${tshark}; ${runs} runs of ours per file`);
const a = await bench(big);
const b = await bench(shortOnly);
console.log(
  `\nMemory follows connections, not packets: peak RSS ${a.peakMb.toFixed(0)} MB for the 1 GB file and ` +
    `${b.peakMb.toFixed(0)} MB for the file with the same 120 000 short connections and no bulk transfers.`,
);
