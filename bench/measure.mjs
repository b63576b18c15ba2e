// What the benchmarks share: running a command while polling its peak RSS and CPU time from
// /proc, and the medians of several runs.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/**
 * Runs a command; returns wall seconds, CPU seconds (user + system, all threads), peak RSS
 * (VmHWM) in MB, both polled from /proc, the first and last few kB of its stdout, and its
 * stdout lines matching `count`.
 */
export function measure(cmd, cmdArgs, { count } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let head = '';
    let tail = '';
    let partial = '';
    let counted = 0;
    let stderr = '';
    child.stdout.on('data', (d) => {
      const s = d.toString();
      if (head.length < 4096) head += s.slice(0, 4096 - head.length);
      tail = (tail + s).slice(-4096);
      if (count) {
        const lines = (partial + s).split('\n');
        partial = lines.pop();
        for (const l of lines) if (count.test(l)) counted++;
      }
    });
    child.stderr.on('data', (d) => (stderr = (stderr + d.toString()).slice(-4096)));
    let peakKb = 0;
    let cpuTicks = 0;
    // VmHWM and the CPU times only grow, so the last poll before exit is within 10 ms of the end.
    // CPU time tells the tools apart when other work on the machine stretches the wall times.
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
        // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
        const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpuTicks = Math.max(cpuTicks, Number(f[11]) + Number(f[12]));
      } catch {
        /* exited */
      }
    }, 10);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (count && count.test(partial)) counted++;
      if (code !== 0) reject(new Error(`${cmd} ${cmdArgs.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
      else resolve({ seconds, cpu: cpuTicks / TICKS, peakMb: peakKb / 1024, head, tail, counted, stderr });
    });
  });
}

export const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Median wall and CPU seconds of several runs, their range, and the highest peak RSS. */
export const summary = (list) => ({
  seconds: median(list.map((x) => x.seconds)),
  cpu: median(list.map((x) => x.cpu)),
  spread: [Math.min(...list.map((x) => x.seconds)), Math.max(...list.map((x) => x.seconds))],
  peakMb: Math.max(...list.map((x) => x.peakMb)),
});
