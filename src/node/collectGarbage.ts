import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/**
 * A full, compacting garbage collection of this thread's heap, for a thread that has just let
 * go of much: the index worker when a capture's analysis ends (the read pages, the quick
 * count's table, the pass's garbage). Without it V8 keeps the freed heap committed until its
 * memory reducer sees the thread idle: in VS Code's extension host, after opening a capture of
 * 3.4 GB, that took 100 s, and the host stayed 120 MB above what it settled at.
 *
 * Node's only way to ask is the `gc` function of --expose-gc, which the extension host is not
 * started with. V8 reads that flag when it makes a context, so it is set while one context is
 * made, to take `gc` from it, and unset again: no other context of the process gets a `gc`.
 * Returns false when there is no way (the collection is then V8's to choose).
 */
export function collectGarbage(): boolean {
  collector ??= makeCollector();
  const gc = collector.gc;
  if (!gc) return false;
  gc();
  // V8 12 and later keep the emptied pages until the memory reducer runs, unless asked for
  // everything as if memory were short (a few collections, compacting): the host of VS Code
  // (and the Node 24 that code-server runs) then gives 130 MB back at once. Older V8s ignore
  // the options; the plain collection above did the work there.
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return true;
}

type Gc = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let collector: { gc: Gc | null } | undefined;

function makeCollector(): { gc: Gc | null } {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return { gc: own as Gc };
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return { gc: typeof gc === 'function' ? (gc as Gc) : null };
  } catch {
    return { gc: null };
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}
