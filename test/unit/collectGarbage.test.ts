import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { collectGarbage } from '../../src/node/collectGarbage';

/**
 * The index worker collects its garbage when a capture's analysis ends (in VS Code's extension
 * host, V8 alone took 100 s to give 120 MB back: bench/host-memory.mjs). Proof that the call
 * really collects, in this thread and in a worker thread like the index worker, and that no
 * other context of the process gets a `gc` from it.
 */

/** An object only a WeakRef holds, made in a job of its own (a WeakRef keeps its target for the job that made it). */
async function unheld(): Promise<WeakRef<object>> {
  const ref = new WeakRef({ payload: new Array(10000).fill(1) });
  await new Promise((resolve) => setImmediate(resolve));
  return ref;
}

describe('collecting the garbage when the analysis ends (issue 10)', () => {
  const processHasGc = typeof (globalThis as { gc?: unknown }).gc === 'function';

  it('frees an object nobody holds, at once', async () => {
    const ref = await unheld();
    // Nothing allocates here: without a collection the object would stay.
    assert.equal(collectGarbage(), true);
    assert.equal(ref.deref(), undefined);
  });

  it('leaves no gc function in the contexts made after it', function () {
    if (processHasGc) this.skip(); // node --expose-gc: every context has one anyway
    collectGarbage();
    assert.equal(vm.runInNewContext('typeof gc'), 'undefined');
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined');
  });

  it('collects in a worker thread, as the index worker does', async () => {
    const module = path.join(__dirname, '..', '..', 'src', 'node', 'collectGarbage.js');
    const code = `
      const { parentPort } = require('node:worker_threads');
      const { collectGarbage } = require(${JSON.stringify(module)});
      const ref = new WeakRef({ payload: new Array(10000).fill(1) });
      setImmediate(() => {
        const collected = collectGarbage();
        parentPort.postMessage({ collected, freed: ref.deref() === undefined, gcLeft: typeof globalThis.gc });
      });`;
    const result = await new Promise<{ collected: boolean; freed: boolean; gcLeft: string }>((resolve, reject) => {
      const w = new Worker(code, { eval: true });
      w.once('message', (m) => {
        resolve(m);
        void w.terminate();
      });
      w.once('error', reject);
    });
    assert.deepEqual(result, { collected: true, freed: true, gcLeft: processHasGc ? 'function' : 'undefined' });
  });
});
