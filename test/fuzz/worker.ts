import * as v8 from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { allocations, installAllocationGuard } from './allocationGuard';
import {
  RATIO,
  RATIO_MIN_MS,
  RETRIES,
  RETRY_REST_MS,
  RATIO_SLACK_MS,
  allocationLimitBytes,
  heapGrowthLimitBytes,
  timeBudgetMs,
} from './budget';
import { FuzzTarget, InvariantError, targetNamed } from './targets';

/**
 * Runs one fuzz case at a time for the main thread (test/fuzz/harness.ts), and judges it:
 * (a) run() threw: the target's invariant broke, or the code under test threw on its own;
 * (b) CPU time: within the budget for its size, and on the input doubled (and doubled again)
 *     not more than RATIO (RATIO^2) times as long; an overrun is re-measured before it counts;
 * (c) memory: typed arrays allocated and heap growth within limits, no allocation refused.
 * A hang is the main thread's to catch: it terminates this worker after a hard deadline.
 */

export interface CaseRequest {
  id: number;
  target: string;
  input: unknown;
}

export interface CaseReply {
  id: number;
  /** Null when every invariant held. */
  failure: string | null;
}

installAllocationGuard();

/**
 * CPU time of one run, in ms. Not wall time: on a shared machine other processes stretch the
 * wall clock but not the CPU time this work takes. The process's CPU time is this worker's:
 * the main thread only waits for the answer meanwhile.
 */
function timed(target: FuzzTarget, input: unknown): { ms: number; result: unknown } {
  const c0 = process.cpuUsage();
  const result = target.run(input);
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, result };
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps this thread: a neighbour that took the CPU for a moment may give it back. */
function rest(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

/**
 * The fastest of `runs` more runs of each input, taken in turn (a, b, a, b...) so a busy
 * machine slows both alike, with a short rest between: what the work itself costs.
 */
function fastest(target: FuzzTarget, inputs: unknown[], firsts: number[], runs: number): number[] {
  const best = [...firsts];
  for (let r = 0; r < runs; r++) {
    rest(RETRY_REST_MS);
    inputs.forEach((input, i) => {
      best[i] = Math.min(best[i]!, timed(target, input).ms);
    });
  }
  return best;
}

/**
 * What `grown` bytes may take when `size` bytes took `base` ms and the input was doubled
 * `times`/2 times: RATIO per doubling, scaled by how far the size actually grew, plus slack.
 */
function allowedTime(base: number, size: number, grown: number, times: 2 | 4): number {
  const perDoubling = times === 2 ? RATIO : RATIO * RATIO;
  return perDoubling * base * (grown / Math.max(1, size) / times) + RATIO_SLACK_MS;
}

function describeThrow(e: unknown): string {
  if (e instanceof InvariantError) return `[invariant] ${e.message}`;
  if (allocations.refused) return `[memory] ${e instanceof Error ? e.message : String(e)}`;
  if (e instanceof Error) {
    const where = (e.stack ?? '').split('\n').slice(1, 6).join('\n');
    return `[exception] ${e.name}: ${e.message}\n${where}`;
  }
  return `[exception] ${String(e)}`;
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number): string => `${(bytes / (1 << 20)).toFixed(0)} MB`;

function judge(target: FuzzTarget, input: unknown): string | null {
  const size = target.size(input);
  allocations.reset();
  const heapBefore = v8.getHeapStatistics().used_heap_size;
  let first: { ms: number; result: unknown };
  try {
    first = timed(target, input);
  } catch (e) {
    return describeThrow(e);
  }
  const heapGrowth = v8.getHeapStatistics().used_heap_size - heapBefore;
  if (allocations.refused) return `[memory] an allocation of ${mb(allocations.refused)} was refused (input ${kb(size)}), and the code carried on`;
  if (allocations.bytes > allocationLimitBytes(size)) {
    return `[memory] allocated ${mb(allocations.bytes)} in typed arrays (largest ${mb(allocations.largest)}) for ${kb(size)} of input; limit ${mb(allocationLimitBytes(size))}`;
  }
  if (heapGrowth > heapGrowthLimitBytes(size)) {
    return `[memory] the heap grew by ${mb(heapGrowth)} for ${kb(size)} of input; limit ${mb(heapGrowthLimitBytes(size))}`;
  }
  // Whatever the run returned stays reachable until here, so the heap measure above counted it.
  first.result = null;

  const budget = timeBudgetMs(size, target.msPerKB);
  let ms = first.ms;
  if (ms > budget && ms < 5 * budget) [ms] = fastest(target, [input], [ms], RETRIES);
  if (ms > budget) return `[time] ${ms.toFixed(0)} ms for ${kb(size)} of input; budget ${budget.toFixed(0)} ms`;

  if (target.twice && ms >= RATIO_MIN_MS) {
    // Doubling the input must not much more than double the time. A miss is checked again on
    // the input doubled twice (linear work: 4x, quadratic: 16x), so noise on one pair of
    // measurements does not fail the case. Close calls are re-measured; clear ones are not.
    let stage = 'doubled';
    try {
      const big = target.twice(input);
      const big2 = (base: number): number => allowedTime(base, size, target.size(big), 2);
      let base = ms;
      let ms2 = timed(target, big).ms;
      if (ms2 > big2(base)) [base, ms2] = fastest(target, [input, big], [base, ms2], RETRIES) as [number, number];
      if (base < RATIO_MIN_MS || ms2 <= big2(base)) return null;

      stage = 'doubled twice';
      const huge = target.twice(big);
      const huge4 = (b: number): number => allowedTime(b, size, target.size(huge), 4);
      let ms4 = timed(target, huge).ms;
      if (ms4 < 1.5 * huge4(base)) [base, ms4] = fastest(target, [input, huge], [base, ms4], RETRIES) as [number, number];
      if (ms4 > huge4(base)) {
        return (
          `[time] not linear: ${base.toFixed(0)} ms for ${kb(size)}, ${ms2.toFixed(0)} ms for ${kb(target.size(big))} and ` +
          `${ms4.toFixed(0)} ms for ${kb(target.size(huge))} (the same input doubled, and doubled again); allowed ${big2(base).toFixed(0)} and ${huge4(base).toFixed(0)} ms`
        );
      }
    } catch (e) {
      return `${describeThrow(e)}\n(on the input ${stage} for the linear-time check)`;
    }
  }
  return null;
}

parentPort?.on('message', (req: CaseRequest) => {
  const target = targetNamed(req.target);
  // An empty name asks only whether the worker is up (FuzzWorker.ready).
  const failure = req.target === '' ? null : target ? judge(target, req.input) : `[harness] no fuzz target named ${req.target}`;
  const reply: CaseReply = { id: req.id, failure };
  parentPort!.postMessage(reply);
});
