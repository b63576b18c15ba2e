import { formatIpv6 } from '../decode/address';

/*
 * A parsed filter, and its canonical text. The tree keeps no offsets: every error that needs
 * one is found while parsing. Printing then parsing gives the same tree back (the property
 * tests hold that), so the canonical text is a faithful way to show, store or pass a filter.
 */

/** Comparison operators, in their C-like spelling (the English ones are read as these). */
export type CompareOp = '==' | '!=' | '===' | '!==' | '<' | '<=' | '>' | '>=';

export type FilterValue =
  | { type: 'uint'; value: number }
  /** `text` is the literal as written (digits and a fraction), which a number cannot always say again. */
  | { type: 'time'; value: number; text: string }
  /** Four big-endian unsigned words (IPv4 in word 0); `prefix` bits count (32 or 128 for a host). */
  | { type: 'addr'; v6: boolean; words: readonly [number, number, number, number]; prefix: number }
  | { type: 'name'; value: string };

/** A member of an `in {…}` set: a value or an inclusive range. */
export type SetItem = FilterValue | { type: 'range'; lo: FilterValue; hi: FilterValue };

export type FilterExpr =
  | { kind: 'or'; items: FilterExpr[] }
  | { kind: 'and'; items: FilterExpr[] }
  | { kind: 'not'; item: FilterExpr }
  /** A bare field: the connection has it (for a flag: has any such segment). */
  | { kind: 'exists'; field: string }
  | { kind: 'compare'; field: string; op: CompareOp; value: FilterValue }
  | { kind: 'contains'; field: string; value: string }
  | { kind: 'in'; field: string; negated: boolean; items: SetItem[] }
  /** `field & mask`: any of the mask's bits set. */
  | { kind: 'bitand'; field: string; mask: number };

export function printValue(v: FilterValue): string {
  switch (v.type) {
    case 'uint':
      return String(v.value);
    case 'time':
      return v.text;
    case 'addr':
      return formatAddressWords(v.words, v.v6) + (v.prefix < (v.v6 ? 128 : 32) ? `/${v.prefix}` : '');
    case 'name':
      return quote(v.value);
  }
}

function printItem(item: SetItem): string {
  return item.type === 'range' ? `${printValue(item.lo)}..${printValue(item.hi)}` : printValue(item);
}

/**
 * The canonical text: English logical words, C-like comparisons, one space around each, and
 * parentheses only where the tree needs them (`not` binds tighter than `and`, `and` than `or`).
 */
export function printFilter(e: FilterExpr): string {
  switch (e.kind) {
    case 'or':
      return e.items.map((x) => (x.kind === 'or' ? `(${printFilter(x)})` : printFilter(x))).join(' or ');
    case 'and':
      return e.items.map((x) => (x.kind === 'or' || x.kind === 'and' ? `(${printFilter(x)})` : printFilter(x))).join(' and ');
    case 'not':
      return `not ${e.item.kind === 'or' || e.item.kind === 'and' ? `(${printFilter(e.item)})` : printFilter(e.item)}`;
    case 'exists':
      return e.field;
    case 'compare':
      return `${e.field} ${e.op} ${printValue(e.value)}`;
    case 'contains':
      return `${e.field} contains ${quote(e.value)}`;
    case 'in':
      return `${e.field} ${e.negated ? 'not in' : 'in'} {${e.items.map(printItem).join(', ')}}`;
    case 'bitand':
      return `${e.field} & 0x${e.mask.toString(16)}`;
  }
}

/**
 * A double-quoted literal that reads back as the same string, with no control character,
 * bidirectional override or lone surrogate in it (those are escaped), so it is safe to show.
 */
export function quote(s: string): string {
  return `"${s.replace(/[\\"\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (ch) => {
    if (ch === '\\' || ch === '"') return `\\${ch}`;
    const c = ch.charCodeAt(0);
    return c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
  })}"`;
}

export function formatAddressWords(w: readonly number[], v6: boolean): string {
  if (!v6) {
    const x = w[0]! >>> 0;
    return `${x >>> 24}.${(x >>> 16) & 0xff}.${(x >>> 8) & 0xff}.${x & 0xff}`;
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const x = w[i]! >>> 0;
    bytes[4 * i] = x >>> 24;
    bytes[4 * i + 1] = (x >>> 16) & 0xff;
    bytes[4 * i + 2] = (x >>> 8) & 0xff;
    bytes[4 * i + 3] = x & 0xff;
  }
  return formatIpv6(bytes, 0);
}

/** An IPv4 address in dotted decimal (four parts, 0-255, no leading zeros, as inet_pton), or null. */
export function parseIpv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let x = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    x = x * 256 + v;
  }
  return x;
}

/** An IPv6 address (RFC 4291 text: hex groups, one "::", an IPv4 tail) as four words, or null. */
export function parseIpv6(s: string): [number, number, number, number] | null {
  if (s.length > 45) return null;
  const groups: number[] = [];
  let gap = -1;
  let rest = s;
  if (rest.startsWith('::')) {
    gap = 0;
    rest = rest.slice(2);
    if (rest === '') return [0, 0, 0, 0];
  }
  const parts = rest.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '') {
      // "::" in the middle or at the end: one empty part (two at the very end, "a::"); a
      // single leading colon is no address.
      if (gap >= 0 || i === 0) return null;
      gap = groups.length;
      if (i === parts.length - 2 && parts[i + 1] === '') break;
      if (i === parts.length - 1) return null;
      continue;
    }
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIpv4(p);
      if (v4 === null) return null;
      groups.push(Math.floor(v4 / 65536), v4 % 65536);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
    groups.push(parseInt(p, 16));
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return null;
  const full = gap < 0 ? groups : [...groups.slice(0, gap), ...new Array<number>(8 - groups.length).fill(0), ...groups.slice(gap)];
  const w: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) w[i] = (full[2 * i]! * 65536 + full[2 * i + 1]!) >>> 0;
  return w;
}
