import { REFUSE_ALLOCATION_BYTES } from './budget';

/**
 * Counts the bytes of every typed array and ArrayBuffer the code under test creates, and refuses
 * (RangeError) any single one above REFUSE_ALLOCATION_BYTES. Installed only in the fuzz worker.
 *
 * The constructors are swapped for Proxies of themselves: what they build is still the built-in
 * object (instanceof, subarray and species keep working, and views made by subarray() allocate
 * nothing and are not counted). A refused allocation is also remembered, in case the code under
 * test catches the RangeError.
 */
export const allocations = {
  /** Bytes allocated since the last reset. */
  bytes: 0,
  largest: 0,
  /** The largest request refused since the last reset, 0 if none. */
  refused: 0,
  reset(): void {
    this.bytes = 0;
    this.largest = 0;
    this.refused = 0;
  },
};

const TYPED: Array<[string, number]> = [
  ['Int8Array', 1],
  ['Uint8Array', 1],
  ['Uint8ClampedArray', 1],
  ['Int16Array', 2],
  ['Uint16Array', 2],
  ['Int32Array', 4],
  ['Uint32Array', 4],
  ['Float32Array', 4],
  ['Float64Array', 8],
  ['BigInt64Array', 8],
  ['BigUint64Array', 8],
];

function requestedElements(args: unknown[]): number {
  const a = args[0];
  if (typeof a === 'number') return a;
  // A view over an existing buffer allocates nothing.
  if (a instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && a instanceof SharedArrayBuffer)) return 0;
  if (a !== null && typeof a === 'object' && 'length' in a && typeof (a as { length: unknown }).length === 'number') return (a as { length: number }).length;
  return 0;
}

let installed = false;

export function installAllocationGuard(): void {
  if (installed) return;
  installed = true;
  const g = globalThis as unknown as Record<string, unknown>;
  const guard = (name: string, bytesPer: number): void => {
    const native = g[name] as (new (...args: unknown[]) => object) | undefined;
    if (!native) return;
    g[name] = new Proxy(native, {
      construct(target, args, newTarget) {
        const bytes = requestedElements(args) * bytesPer;
        if (bytes > REFUSE_ALLOCATION_BYTES) {
          allocations.refused = Math.max(allocations.refused, bytes);
          throw new RangeError(`fuzz allocation guard: refused ${name} of ${bytes} bytes`);
        }
        allocations.bytes += bytes;
        if (bytes > allocations.largest) allocations.largest = bytes;
        return Reflect.construct(target, args, newTarget) as object;
      },
    });
  };
  for (const [name, size] of TYPED) guard(name, size);
  guard('ArrayBuffer', 1);
}
