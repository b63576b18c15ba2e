import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as fc from 'fast-check';
import { ROOT } from '../helpers/paths';
import { WORKER_HEAP_MB, hardDeadlineMs } from './budget';
import { FuzzTarget } from './targets';
import type { CaseReply, CaseRequest } from './worker';

/**
 * The main-thread side of fuzzing, shared by test/unit/fuzz.test.ts and test/fuzz/run.mjs:
 * fast-check generates and shrinks inputs here, and each case is judged in a worker thread
 * (worker.ts) that is terminated when it does not answer in time, so a hang is a failed case
 * and never a frozen test run.
 */

export const REGRESSIONS = path.join(ROOT, 'test', 'fuzz', 'regressions');

export class FuzzWorker {
  private worker: Worker | null = null;
  private nextId = 1;

  private ensure(): Worker {
    if (!this.worker) {
      this.worker = new Worker(path.join(__dirname, 'worker.js'), { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
      this.worker.unref();
    }
    return this.worker;
  }

  /** Null when the case passed, else what went wrong. */
  judge(target: FuzzTarget, input: unknown): Promise<string | null> {
    const w = this.ensure();
    const id = this.nextId++;
    const deadline = hardDeadlineMs(target.size(input), target.msPerKB);
    return new Promise((resolve) => {
      const done = (failure: string | null, replace: boolean): void => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        if (replace) {
          void w.terminate();
          if (this.worker === w) this.worker = null;
        }
        resolve(failure);
      };
      const timer = setTimeout(() => done(`[hang] no answer within ${(deadline / 1000).toFixed(1)} s`, true), deadline);
      const onMessage = (r: CaseReply): void => {
        if (r.id === id) done(r.failure, false);
      };
      // A worker that exceeds its heap dies with ERR_WORKER_OUT_OF_MEMORY.
      const onError = (e: Error): void => done(`[memory] the worker died: ${(e as { code?: string }).code ?? ''} ${e.message}`, true);
      const onExit = (code: number): void => done(`[crash] the worker exited with code ${code}`, true);
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      const req: CaseRequest = { id, target: target.name, input };
      w.postMessage(req);
    });
  }

  /** Starts the worker and waits until it has loaded the targets, so the first case's time is its own. */
  ready(): Promise<void> {
    const w = this.ensure();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (r: CaseReply): void => {
        if (r.id !== id) return;
        w.off('message', onMessage);
        w.off('error', reject);
        resolve();
      };
      w.on('message', onMessage);
      w.once('error', reject);
      const req: CaseRequest = { id, target: '', input: null };
      w.postMessage(req);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

export interface FuzzOptions {
  seed: number;
  /** Stop after this many cases... */
  numRuns: number;
  /** ...or at this time (Date.now()), whichever comes first. */
  stopAt?: number;
  /** How long shrinking a failure may take before the smallest input so far is reported. */
  shrinkMs: number;
  worker: FuzzWorker;
  /** Inputs to pass over (counted as skipped, not run): a known issue, until it is fixed. */
  skip?: (input: unknown) => boolean;
}

export interface FuzzFailure {
  message: string;
  input: unknown;
  /** fast-check's replay path: with the seed, `fc.check(..., { seed, path })` gives this input again. */
  path: string;
  shrinks: number;
}

export interface FuzzResult {
  target: string;
  seed: number;
  cases: number;
  skipped: number;
  failure: FuzzFailure | null;
}

export async function fuzzTarget(target: FuzzTarget, o: FuzzOptions): Promise<FuzzResult> {
  let failedAt: number | null = null;
  const property = fc.asyncProperty(target.inputs(), async (input) => {
    const now = Date.now();
    // An interrupt ends the run; after a failure it keeps the smallest input found so far.
    if (failedAt !== null ? now - failedAt > o.shrinkMs : o.stopAt !== undefined && now > o.stopAt) {
      throw new fc.PreconditionFailure(true);
    }
    fc.pre(!o.skip?.(input));
    const failure = await o.worker.judge(target, input);
    if (failure !== null) {
      failedAt ??= Date.now();
      throw new Error(failure);
    }
  });
  const details = await fc.check(property, { seed: o.seed, numRuns: o.numRuns });
  if (!details.failed || details.counterexample === null) {
    return { target: target.name, seed: o.seed, cases: details.numRuns, skipped: details.numSkips, failure: null };
  }
  const error = details.errorInstance;
  return {
    target: target.name,
    seed: o.seed,
    cases: details.numRuns,
    skipped: details.numSkips,
    failure: {
      message: error instanceof Error ? error.message : String(error),
      input: details.counterexample[0],
      path: details.counterexamplePath,
      shrinks: details.numShrinks,
    },
  };
}

/** Where a counterexample is kept: named by its content, so the same input is saved once. */
export function regressionPath(target: FuzzTarget, input: unknown, dir = REGRESSIONS): { file: string; bytes: Uint8Array } {
  const bytes = target.file.save(input);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  return { file: path.join(dir, target.name, `${hash}.${target.file.ext}`), bytes };
}

export function saveCounterexample(target: FuzzTarget, input: unknown, dir = REGRESSIONS): string {
  const { file, bytes } = regressionPath(target, input, dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

/** The regression files of a target (README and other names are not inputs). */
export function regressionFiles(target: FuzzTarget, dir = REGRESSIONS): string[] {
  const d = path.join(dir, target.name);
  if (!fs.existsSync(d)) return [];
  return fs
    .readdirSync(d)
    .filter((f) => f.endsWith(`.${target.file.ext}`))
    .sort()
    .map((f) => path.join(d, f));
}

export function replayFile(target: FuzzTarget, file: string, worker: FuzzWorker): Promise<string | null> {
  return worker.judge(target, target.file.load(new Uint8Array(fs.readFileSync(file))));
}

/** A short look at a failing input, for a failure message. */
export function preview(target: FuzzTarget, input: unknown, max = 300): string {
  const bytes = target.file.save(input);
  if (target.file.ext === 'txt') {
    const s = new TextDecoder().decode(bytes);
    return `${bytes.length} bytes of text: ${JSON.stringify(s.length > max ? `${s.slice(0, max)}...` : s)}`;
  }
  const hex = Buffer.from(bytes.subarray(0, max / 2)).toString('hex');
  return `${bytes.length} bytes: ${hex}${bytes.length > max / 2 ? '...' : ''}`;
}
