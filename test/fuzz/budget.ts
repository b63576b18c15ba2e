/**
 * How much time and memory one fuzz case may take. Shared by the worker, which measures (CPU
 * time, which a busy machine does not stretch), and the main thread, which sets the hard
 * deadline (wall time) after which a worker is taken for hung.
 *
 * The limits catch what hostile input does (quadratic or worse time, allocations sized by a
 * length field), not slow constants: they are loose enough to hold on a loaded 2-core machine.
 */

/** Every case may take this long, whatever its size: JIT warm-up, a GC pause. */
export const BASE_MS = 50;
/** Default allowance per KB of input; a target whose linear work is heavier sets its own. */
export const DEFAULT_MS_PER_KB = 2;

export function timeBudgetMs(bytes: number, msPerKB = DEFAULT_MS_PER_KB): number {
  return BASE_MS + (msPerKB * bytes) / 1024;
}

/**
 * The same target on an input about twice as large must take less than RATIO times as long
 * (scaled by the actual size ratio), plus RATIO_SLACK_MS for noise: linear work gives 2x,
 * quadratic 4x. A miss counts only if the input doubled again takes more than RATIO^2 times
 * as long (linear 4x, quadratic 16x). Only measured when the first run took at least
 * RATIO_MIN_MS: below that the noise is larger than the signal.
 */
export const RATIO = 3;
export const RATIO_SLACK_MS = 30;
export const RATIO_MIN_MS = 20;

/**
 * A time over its limit is measured RETRIES more times, with RETRY_REST_MS between, and the
 * fastest run counts: on a shared machine one slow run says more about the neighbours.
 */
export const RETRIES = 3;
export const RETRY_REST_MS = 25;

/** After this long (plus room for the re-runs that confirm an overrun) a worker is taken for hung. */
export function hardDeadlineMs(bytes: number, msPerKB = DEFAULT_MS_PER_KB): number {
  return 10_000 + 30 * timeBudgetMs(bytes, msPerKB);
}

const MB = 1 << 20;

/**
 * No single typed array or ArrayBuffer above this is ever created in the worker: the guard
 * refuses it (and the case fails), so a length of 2 GB read from a file cannot take the
 * machine's memory while the fuzzer looks for it.
 */
export const REFUSE_ALLOCATION_BYTES = 256 * MB;

/** Typed-array bytes one case may allocate in all: fixed room plus a multiple of its input. */
export function allocationLimitBytes(inputBytes: number): number {
  return 128 * MB + 64 * inputBytes;
}

/** Growth of the JS heap across one case, with what the case returned still alive. */
export function heapGrowthLimitBytes(inputBytes: number): number {
  return 256 * MB + 64 * inputBytes;
}

/** The worker's V8 old generation; beyond it the worker dies and the case fails as out of memory. */
export const WORKER_HEAP_MB = 1024;
