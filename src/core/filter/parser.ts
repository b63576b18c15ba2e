import { CompareOp, FilterExpr, FilterValue, SetItem, parseIpv4, parseIpv6 } from './ast';
import { FIELDS, FIELD_NAMES, FieldDef } from './fields';
import { FilterParseStats, FilterSyntaxError, Token, TokenKind, clip } from './lexer';

/*
 * Recursive descent over the tokens, one token at a time and never back, so the work is
 * linear. Nesting (parentheses and `not`) is capped, which also bounds every later walk of
 * the tree (printing, compiling, evaluating). Types are checked here, where the offsets are:
 * a value is read for the field in front of it, so `tcp.port == 70000` fails at the 70000.
 *
 * filter  := or END
 * or      := and (('or' | '||') and)*
 * and     := not (('and' | '&&') not)*
 * not     := ('not' | '!') not | primary
 * primary := '(' or ')' | FIELD [test]
 * test    := CMP value | 'contains' value | ['not'] 'in' '{' item (','? item)* '}' | '&' value
 * item    := value ['..' value]
 */

/** Deeper than any filter a person writes, and shallow enough for any stack. */
export const MAX_FILTER_DEPTH = 64;

const ENGLISH_OPS: ReadonlyMap<string, CompareOp> = new Map<string, CompareOp>([
  ['eq', '=='],
  ['any_eq', '=='],
  ['ne', '!='],
  ['all_ne', '!='],
  ['all_eq', '==='],
  ['any_ne', '!=='],
  ['gt', '>'],
  ['lt', '<'],
  ['ge', '>='],
  ['le', '<='],
]);

const SYMBOL_OPS: ReadonlySet<TokenKind> = new Set<TokenKind>(['==', '!=', '===', '!==', '<', '<=', '>', '>=']);

/** Words that are part of the language, never a field or a value. */
export const KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'in', 'contains', 'matches', 'bitwise_and', ...ENGLISH_OPS.keys()]);

const ORDERING: ReadonlySet<CompareOp> = new Set<CompareOp>(['<', '<=', '>', '>=']);

/** A token as an error message quotes it; empty means the end of the text. */
function found(t: Token): string {
  if (t.kind === 'end') return '';
  return `'${clip(t.kind === 'string' ? `"${t.text}"` : t.text)}'`;
}

export function parseTokens(tokens: Token[], stats: FilterParseStats): FilterExpr {
  return new Parser(tokens, stats).filter();
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly stats: FilterParseStats,
  ) {}

  filter(): FilterExpr {
    const e = this.or();
    const t = this.peek();
    if (t.kind !== 'end') {
      throw new FilterSyntaxError(t.start, 'expectedJoin', { found: found(t) });
    }
    return e;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    this.stats.steps++;
    const t = this.tokens[this.pos]!;
    if (t.kind !== 'end') this.pos++;
    return t;
  }

  private isWord(t: Token, ...words: string[]): boolean {
    return t.kind === 'word' && words.includes(t.text);
  }

  private or(): FilterExpr {
    const first = this.and();
    const items = [first];
    while (this.peek().kind === '||' || this.isWord(this.peek(), 'or')) {
      this.next();
      items.push(this.and());
    }
    return items.length === 1 ? first : { kind: 'or', items };
  }

  private and(): FilterExpr {
    const first = this.not();
    const items = [first];
    while (this.peek().kind === '&&' || this.isWord(this.peek(), 'and')) {
      this.next();
      items.push(this.not());
    }
    return items.length === 1 ? first : { kind: 'and', items };
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_FILTER_DEPTH) throw new FilterSyntaxError(t.start, 'tooDeep', { max: MAX_FILTER_DEPTH });
  }

  private not(): FilterExpr {
    const t = this.peek();
    if (t.kind === '!' || this.isWord(t, 'not')) {
      this.enter(t);
      this.next();
      const item = this.not();
      this.depth--;
      return { kind: 'not', item };
    }
    return this.primary();
  }

  private primary(): FilterExpr {
    const t = this.peek();
    if (t.kind === '(') {
      this.enter(t);
      this.next();
      const e = this.or();
      const close = this.peek();
      if (close.kind !== ')') {
        if (close.kind === 'end') throw new FilterSyntaxError(close.start, 'unclosedParen', { open: t.start });
        throw new FilterSyntaxError(close.start, 'expectedJoinOrClose', { found: found(close) });
      }
      this.next();
      this.depth--;
      return e;
    }
    if (t.kind === 'word' && !KEYWORDS.has(t.text)) {
      const field = FIELDS.get(t.text);
      if (!field) throw unknownWord(t);
      this.next();
      return this.test(field);
    }
    throw new FilterSyntaxError(t.start, 'expectedTest', { found: found(t) });
  }

  private test(f: FieldDef): FilterExpr {
    const t = this.peek();
    const op = SYMBOL_OPS.has(t.kind) ? (t.kind as CompareOp) : t.kind === 'word' ? ENGLISH_OPS.get(t.text) : undefined;
    if (op) {
      this.operatorFits(f, t, ORDERING.has(op) ? ['uint', 'time', 'addr'] : ['uint', 'time', 'addr', 'name']);
      this.next();
      return { kind: 'compare', field: f.name, op, value: this.value(f, t) };
    }
    if (this.isWord(t, 'contains')) {
      this.operatorFits(f, t, ['name']);
      this.next();
      const v = this.peek();
      if (v.kind !== 'string' && !(v.kind === 'word' && !KEYWORDS.has(v.text))) {
        throw new FilterSyntaxError(v.start, 'expectedValue', { op: t.text, found: found(v) });
      }
      this.next();
      return { kind: 'contains', field: f.name, value: v.text };
    }
    if (this.isWord(t, 'in')) return this.set(f, false);
    if (this.isWord(t, 'not')) {
      // Only `not in` may follow a field; anything else after it is a missing `and`/`or`.
      const after = this.tokens[this.pos + 1]!;
      if (!this.isWord(after, 'in')) throw new FilterSyntaxError(after.start, 'expectedIn', { found: found(after) });
      this.operatorFits(f, t, ['uint', 'time', 'addr', 'name']);
      this.next();
      return this.set(f, true);
    }
    if (t.kind === '&' || this.isWord(t, 'bitwise_and')) {
      this.operatorFits(f, t, ['uint']);
      this.next();
      const v = this.value(f, t);
      return { kind: 'bitand', field: f.name, mask: v.type === 'uint' ? v.value : 0 };
    }
    if (t.kind === '~' || this.isWord(t, 'matches')) {
      throw new FilterSyntaxError(t.start, 'unsupportedOp', { op: t.text });
    }
    return { kind: 'exists', field: f.name };
  }

  private operatorFits(f: FieldDef, op: Token, types: FieldDef['type'][]): void {
    if (f.type === 'flag') throw new FilterSyntaxError(op.start, 'flagTakesNoValue', { field: f.name });
    if (!types.includes(f.type)) throw new FilterSyntaxError(op.start, 'opNotForField', { op: op.text, field: f.name });
  }

  private set(f: FieldDef, negated: boolean): FilterExpr {
    const inWord = this.peek();
    this.operatorFits(f, inWord, ['uint', 'time', 'addr', 'name']);
    this.next();
    const open = this.peek();
    if (open.kind !== '{') throw new FilterSyntaxError(open.start, 'expectedSetOpen', { found: found(open) });
    this.next();
    const items: SetItem[] = [];
    let after = open;
    for (;;) {
      const t = this.peek();
      if (t.kind === '}') {
        if (items.length === 0) throw new FilterSyntaxError(t.start, 'emptySet');
        this.next();
        return { kind: 'in', field: f.name, negated, items };
      }
      // Wireshark 4 separates members with commas; whitespace alone (its older form) is read too.
      if (items.length > 0) {
        if (t.kind === ',') {
          after = this.next();
        } else if (t.kind !== 'string' && !(t.kind === 'word' && !KEYWORDS.has(t.text))) {
          throw new FilterSyntaxError(t.start, 'expectedSetItem', { found: found(t) });
        }
      }
      const lo = this.value(f, after);
      const dots = this.peek();
      if (dots.kind === '..') {
        if (f.type === 'name') throw new FilterSyntaxError(dots.start, 'rangeNotAllowed', { field: f.name });
        this.next();
        items.push({ type: 'range', lo, hi: this.value(f, dots) });
      } else {
        items.push(lo);
      }
    }
  }

  /** The value after `op`, read as the field's type. */
  private value(f: FieldDef, op: Token): FilterValue {
    const t = this.peek();
    if (t.kind === 'string') {
      if (f.type !== 'name') throw new FilterSyntaxError(t.start, 'quotedValue', { field: f.name });
      this.next();
      return this.name(f, t);
    }
    if (t.kind !== 'word' || KEYWORDS.has(t.text)) {
      throw new FilterSyntaxError(t.start, 'expectedValue', { op: op.text, found: found(t) });
    }
    if (FIELDS.has(t.text)) throw new FilterSyntaxError(t.start, 'fieldAsValue', { text: clip(t.text) });
    this.next();
    this.stats.steps += t.text.length;
    switch (f.type) {
      case 'uint': {
        const v = parseUint(t.text);
        if (v === null) throw new FilterSyntaxError(t.start, 'badNumber', { text: clip(t.text) });
        if (v > f.max!) throw new FilterSyntaxError(t.start, 'numberTooBig', { text: clip(t.text), field: f.name, max: f.max! });
        return { type: 'uint', value: v };
      }
      case 'time': {
        if (!/^[0-9]+(\.[0-9]+)?$/.test(t.text) || !Number.isFinite(Number(t.text))) {
          throw new FilterSyntaxError(t.start, 'badTime', { text: clip(t.text) });
        }
        return { type: 'time', value: Number(t.text), text: t.text };
      }
      case 'addr':
        return parseAddress(f, t);
      default:
        return this.name(f, t);
    }
  }

  private name(f: FieldDef, t: Token): FilterValue {
    if (!f.names!.includes(t.text)) {
      throw new FilterSyntaxError(t.start, 'unknownName', { text: clip(t.text), field: f.name, names: f.names!.join(', ') });
    }
    return { type: 'name', value: t.text };
  }
}

/** Wireshark's integer literals: decimal, 0x hex, and a leading 0 for octal (strtoul, base 0). */
export function parseUint(s: string): number | null {
  if (/^[1-9][0-9]*$|^0$/.test(s)) return Number(s);
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return parseInt(s.slice(2), 16);
  if (/^0[0-7]+$/.test(s)) return parseInt(s.slice(1), 8);
  return null;
}

function parseAddress(f: FieldDef, t: Token): FilterValue {
  const slash = t.text.indexOf('/');
  const host = slash < 0 ? t.text : t.text.slice(0, slash);
  const v4 = parseIpv4(host);
  const v6 = v4 === null ? parseIpv6(host) : null;
  if (v4 === null && v6 === null) throw new FilterSyntaxError(t.start, 'badAddress', { text: clip(t.text) });
  if (f.ipv6Only && !v6) throw new FilterSyntaxError(t.start, 'ipv6Only', { field: f.name });
  const bits = v6 ? 128 : 32;
  let prefix = bits;
  if (slash >= 0) {
    const p = t.text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]*)$/.test(p)) throw new FilterSyntaxError(t.start, 'badAddress', { text: clip(t.text) });
    prefix = Number(p);
    if (prefix > bits) throw new FilterSyntaxError(t.start + slash, 'badPrefix', { bits: p.length > 6 ? `${p.slice(0, 6)}…` : p, max: bits });
  }
  const words: [number, number, number, number] = v6 ?? [v4!, 0, 0, 0];
  return { type: 'addr', v6: v6 !== null, words, prefix };
}

/** Why a word cannot start a test: a value written alone, or a field we do not know (with a guess). */
function unknownWord(t: Token): FilterSyntaxError {
  const w = t.text;
  const shown = clip(w);
  if (parseUint(w) !== null) return new FilterSyntaxError(t.start, 'valueNotField', { text: shown, example: `tcp.port == ${shown}` });
  const host = w.split('/')[0]!;
  if (parseIpv4(host) !== null || parseIpv6(host) !== null) {
    return new FilterSyntaxError(t.start, 'valueNotField', { text: shown, example: `ip.addr == ${shown}` });
  }
  const guess = suggestField(w);
  return guess
    ? new FilterSyntaxError(t.start, 'unknownFieldSuggest', { name: shown, suggestion: guess })
    : new FilterSyntaxError(t.start, 'unknownField', { name: shown });
}

/** The known field closest to a misspelt one (a case slip, or two edits at most), if any. */
export function suggestField(w: string): string | null {
  if (w.length > 64) return null;
  const lower = w.toLowerCase();
  let best: string | null = null;
  let bestDistance = 3;
  for (const name of FIELD_NAMES) {
    if (name === lower) return name;
    const d = editDistance(lower, name, bestDistance);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  // A bare protocol ("ip", "tcp") is two edits from too much; only guess for dotted names.
  return best && (best.includes('.') || bestDistance <= 1) ? best : null;
}

/** Levenshtein distance, or `limit` when it is at least that. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= limit) return limit;
    prev = cur;
  }
  return Math.min(prev[b.length]!, limit);
}
