import type { Lang } from '../explain/glossary';
import { FilterExpr, printFilter } from './ast';
import { ConnectionTest, compileExpr } from './compile';
import { ConnectionFields, FIELDS, FIELD_NAMES } from './fields';
import { FilterParseStats, FilterSyntaxError, clip, isWordChar, tokenize } from './lexer';
import { FilterMessageArgs, FilterMessageId, filterMessage, filterMessageAt } from './messages';
import { KEYWORDS, parseTokens } from './parser';

/*
 * The connection filter: what the table's filter box, the worker and `-Y` on the command line
 * share. The box has always taken plain words, and still does:
 *
 *   - empty (or blank): every connection;
 *   - a bare decimal number: that stream (tcp.stream == N), nothing else;
 *   - plain words: each word, in any case, must appear in the client's or the server's
 *     "address:port" text, as before (`10.0.0.1`, `:443`, `fe80::`, `[::1]:4000`), or in what
 *     the connection carried (`favicon`, `example.test`), where the caller knows it;
 *   - anything else is a Wireshark-style expression, and a wrong one is an error with its place.
 *
 * Text is an expression when it holds an operator character (= ! < > & | ( ) { } " ~), or a
 * word that is a keyword (and, or, not, in, contains, eq…), a known field (tcp, ip.addr,
 * closing…) or shaped like one (letters, then a dot and more: `ip.adr` is a misspelt field
 * and gets "unknown field 'ip.adr': did you mean ip.addr?", not silently zero matches).
 * Addresses and ports never look like that: they start with a digit, or hold a colon.
 * One exception: when the only thing that looks like an expression is dotted words that begin
 * with no protocol of a field (`example.test`, `favicon.ico`, not `ip.adr`), they are plain
 * words, searched in what the connection carried too.
 */

/** Longer than any filter a person types; a pasted megabyte is refused before any work. */
export const MAX_FILTER_LENGTH = 4096;

export interface FilterError {
  /** Where it is wrong: a UTF-16 offset into the text, from 0, at most its length (the end). */
  offset: number;
  id: FilterMessageId;
  args: FilterMessageArgs;
  /** In English, with its place: "expected a value after '==' instead of the end of the filter at 12". */
  message: string;
}

export type FilterKind = 'all' | 'stream' | 'words' | 'expression';

export interface CompiledFilter {
  readonly kind: FilterKind;
  /** The filter written out again: the canonical expression, the words, or "" for all. */
  readonly text: string;
  /** The parsed expression (a bare number reads as tcp.stream == N); null for words and all. */
  readonly expr: FilterExpr | null;
  /** True when `test` reads clientText/serverText (plain words), so a caller may skip making them otherwise. */
  readonly needsText: boolean;
  /** Whether one connection passes. Allocates nothing; safe to call as a detached function. */
  readonly test: ConnectionTest;
}

export type FilterResult = { ok: CompiledFilter } | { error: FilterError };

export function parseFilter(text: string, stats: FilterParseStats = { steps: 0 }): FilterResult {
  if (text.length > MAX_FILTER_LENGTH) return { error: makeError(MAX_FILTER_LENGTH, 'tooLong', { max: MAX_FILTER_LENGTH }) };
  const trimmed = text.trim();
  if (trimmed === '') return { ok: { kind: 'all', text: '', expr: null, needsText: false, test: () => true } };
  if (/^[0-9]+$/.test(trimmed)) {
    const stream = Number(trimmed);
    const max = FIELDS.get('tcp.stream')!.max!;
    if (stream > max) return { error: makeError(text.indexOf(trimmed), 'numberTooBig', { text: clip(trimmed), field: 'tcp.stream', max }) };
    const expr: FilterExpr = { kind: 'compare', field: 'tcp.stream', op: '==', value: { type: 'uint', value: stream } };
    return { ok: { kind: 'stream', text: printFilter(expr), expr, needsText: false, test: (c) => c.stream === stream } };
  }
  const shape = textShape(text, stats);
  if (shape !== 'expression') return { ok: plainWords(trimmed) };
  try {
    const expr = parseTokens(tokenize(text, stats), stats);
    return { ok: { kind: 'expression', text: printFilter(expr), expr, needsText: false, test: compileExpr(expr) } };
  } catch (e) {
    if (e instanceof FilterSyntaxError) return { error: makeError(e.offset, e.id, e.args) };
    throw e;
  }
}

/**
 * Whether testing a connection needs the sequence analysis and the application parsers: plain
 * words (they also search what a connection carried), opening, closing and tcp.analysis.*.
 * Any other filter a conversation table answers, from a pass that only counts connections
 * (tcp-explainer `conversations`, several times faster on a big capture).
 */
export function filterNeedsAnalysis(f: CompiledFilter): boolean {
  if (f.kind === 'words') return true;
  return f.expr !== null && exprNeedsAnalysis(f.expr);
}

function exprNeedsAnalysis(e: FilterExpr): boolean {
  switch (e.kind) {
    case 'or':
    case 'and':
      return e.items.some(exprNeedsAnalysis);
    case 'not':
      return exprNeedsAnalysis(e.item);
    default: {
      // A field the parser let through is known; were it not, the full pass answers it safely.
      const def = FIELDS.get(e.field);
      return def === undefined || def.analysed === true;
    }
  }
}

/** An error's words in the reader's language, with its place. */
export function formatFilterError(e: Pick<FilterError, 'offset' | 'id' | 'args'>, lang: Lang = 'en'): string {
  return filterMessageAt(e.id, e.args, e.offset, lang);
}

/** An error's words without the place, for a UI that marks the place itself. */
export function filterErrorText(e: Pick<FilterError, 'id' | 'args'>, lang: Lang = 'en'): string {
  return filterMessage(e.id, e.args, lang);
}

function makeError(offset: number, id: FilterMessageId, args: FilterMessageArgs): FilterError {
  return { offset, id, args, message: filterMessageAt(id, args, offset, 'en') };
}

const OPERATOR_CHARS = /[=!<>&|(){}"~]/;
const FIELD_SHAPE = /^[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z0-9_.-]*$/;
/** What dotted field names begin with: tcp, ip, ipv6, frame. */
const FIELD_PREFIXES = new Set(FIELD_NAMES.filter((n) => n.includes('.')).map((n) => n.slice(0, n.indexOf('.'))));

/** The rule above, in one pass over the text (the exception aside). */
export function looksLikeExpression(text: string, stats: FilterParseStats = { steps: 0 }): boolean {
  return textShape(text, stats) !== 'words';
}

/** 'dotted': it looks like an expression only by words shaped like fields, none near a known one. */
function textShape(text: string, stats: FilterParseStats): 'words' | 'dotted' | 'expression' {
  stats.steps += text.length;
  if (OPERATOR_CHARS.test(text)) return 'expression';
  let dotted = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    stats.steps++;
    if (!isWordChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isWordChar(text.charCodeAt(i))) i++;
    const word = text.slice(start, i);
    if (KEYWORDS.has(word) || FIELDS.has(word)) return 'expression';
    if (FIELD_SHAPE.test(word)) {
      // A misspelt field of a known protocol ("ip.adr") gets its suggestion as an error, not zero matches.
      if (FIELD_PREFIXES.has(word.slice(0, word.indexOf('.')).toLowerCase())) return 'expression';
      dotted = true;
    }
  }
  return dotted ? 'dotted' : 'words';
}

function plainWords(trimmed: string): CompiledFilter {
  const words = trimmed.toLowerCase().split(/\s+/);
  const has = (c: ConnectionFields, w: string): boolean =>
    c.clientText.includes(w) || c.serverText.includes(w) || (c.carriedText?.includes(w) ?? false);
  const test: ConnectionTest =
    words.length === 1
      ? (c) => has(c, words[0]!)
      : (c) => {
          for (let i = 0; i < words.length; i++) if (!has(c, words[i]!)) return false;
          return true;
        };
  return { kind: 'words', text: words.join(' '), expr: null, needsText: true, test };
}
