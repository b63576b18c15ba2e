/**
 * 32-bit sequence-number arithmetic, wrap-safe (RFC 793 / RFC 1982 style): every comparison
 * of sequence or acknowledgment numbers in the engine goes through here.
 */

/** a - b as a signed 32-bit distance. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}
export function seqGT(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
export function seqLT(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
export function seqGE(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}
export function seqLE(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
/** (a + n) mod 2^32. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
/** (a - b) mod 2^32: a relative sequence number when b is the base. */
export function seqSub(a: number, b: number): number {
  return (a - b) >>> 0;
}
