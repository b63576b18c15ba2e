import type { FilterMessageArgs, FilterMessageId } from './messages';

/*
 * Tokens of the filter language. One pass, each character looked at a bounded number of times,
 * so a hostile text costs time in proportion to its length. Words are Wireshark's: a field
 * name, a keyword and an unquoted literal (10.0.0.0/8, fe80::1, three-way-handshake) are
 * all runs of the same characters, told apart by the parser from where they stand.
 */

export type TokenKind =
  | 'word'
  | 'string'
  | '('
  | ')'
  | '{'
  | '}'
  | ','
  | '..'
  | '=='
  | '!='
  | '==='
  | '!=='
  | '<'
  | '<='
  | '>'
  | '>='
  | '&&'
  | '||'
  | '!'
  | '&'
  | '~'
  | 'end';

export interface Token {
  kind: TokenKind;
  /** Offset of its first character. */
  start: number;
  end: number;
  /** The word, or a string's value with its escapes resolved. */
  text: string;
}

export class FilterSyntaxError {
  constructor(
    readonly offset: number,
    readonly id: FilterMessageId,
    readonly args: FilterMessageArgs = {},
  ) {}
}

/** Counts work done, so tests can check the time is linear without a clock. */
export interface FilterParseStats {
  steps: number;
}

export function isWordChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x5f || // _
    c === 0x2e || // .
    c === 0x3a || // :
    c === 0x2f || // /
    c === 0x2d // -
  );
}

const SYMBOLS: ReadonlyArray<TokenKind> = ['===', '!==', '==', '!=', '<=', '>=', '&&', '||', '~=', '..', '<', '>', '!', '&', '~', '(', ')', '{', '}', ','] as TokenKind[];

const SPACE = /\s/;

export function tokenize(text: string, stats: FilterParseStats): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    stats.steps++;
    const c = text.charCodeAt(i);
    // Any Unicode space, so a full-width space typed with a Chinese input method is just a space.
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || (c > 0x7f && SPACE.test(text.charAt(i)))) {
      i++;
      continue;
    }
    if (c === 0x22) {
      i = readString(text, i, tokens, stats);
      continue;
    }
    if (isWordChar(c) && !(c === 0x2e && text.charCodeAt(i + 1) === 0x2e)) {
      const start = i;
      // A word never holds "..": it separates the ends of a range (80..90, 10.0.0.1..10.0.0.9).
      while (i < n && isWordChar(text.charCodeAt(i)) && !(text.charCodeAt(i) === 0x2e && text.charCodeAt(i + 1) === 0x2e)) {
        stats.steps++;
        i++;
      }
      tokens.push({ kind: 'word', start, end: i, text: text.slice(start, i) });
      continue;
    }
    const sym = SYMBOLS.find((s) => text.startsWith(s, i));
    if (!sym) {
      const cp = text.codePointAt(i)!;
      throw new FilterSyntaxError(i, 'unexpectedChar', { char: printable(String.fromCodePoint(cp)) });
    }
    // Wireshark spells any_ne both ways; one kind keeps the parser simple.
    const kind: TokenKind = (sym as string) === '~=' ? '!==' : sym;
    tokens.push({ kind, start: i, end: i + sym.length, text: sym });
    i += sym.length;
  }
  tokens.push({ kind: 'end', start: n, end: n, text: '' });
  return tokens;
}

/**
 * Text as a message may quote it: control characters as \xHH, and bidirectional overrides and
 * lone surrogates as \uHHHH, so a message shows what was typed and cannot reorder a terminal line.
 */
export function printable(s: string): string {
  return s.replace(
    /[\x00-\x1f\x7f-\x9f]|[\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (ch) => {
      const c = ch.charCodeAt(0);
      return c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    },
  );
}

/** Text from the filter as a message quotes it: printable, and short enough to read. */
export function clip(s: string): string {
  return printable(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

function readString(text: string, open: number, tokens: Token[], stats: FilterParseStats): number {
  const n = text.length;
  let value = '';
  let i = open + 1;
  let runStart = i;
  while (i < n) {
    stats.steps++;
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      value += text.slice(runStart, i);
      tokens.push({ kind: 'string', start: open, end: i + 1, text: value });
      return i + 1;
    }
    if (c !== 0x5c) {
      i++;
      continue;
    }
    value += text.slice(runStart, i);
    const e = text.charAt(i + 1);
    if (e === '\\' || e === '"') {
      value += e;
      i += 2;
    } else if (e === 'n' || e === 't' || e === 'r') {
      value += e === 'n' ? '\n' : e === 't' ? '\t' : '\r';
      i += 2;
    } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      value += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (e === '') {
      break;
    } else {
      throw new FilterSyntaxError(i, 'badEscape', { text: printable(`\\${String.fromCodePoint(text.codePointAt(i + 1)!)}`) });
    }
    runStart = i;
  }
  throw new FilterSyntaxError(open, 'unterminatedString');
}
