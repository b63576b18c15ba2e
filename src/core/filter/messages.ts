import type { Lang } from '../explain/glossary';

/*
 * What the filter box says when an expression is wrong, in both languages. Errors travel as an
 * id and arguments (language-neutral, so the worker can answer before it knows who reads), and
 * become words only here. `{found}` is special: the token where the parser stopped, quoted, or
 * empty at the end of the text, which each language names its own way.
 */

export type FilterMessageId =
  | 'tooLong'
  | 'tooDeep'
  | 'unexpectedChar'
  | 'unterminatedString'
  | 'badEscape'
  | 'unknownField'
  | 'unknownFieldSuggest'
  | 'valueNotField'
  | 'expectedTest'
  | 'expectedValue'
  | 'expectedJoin'
  | 'expectedJoinOrClose'
  | 'unclosedParen'
  | 'expectedSetOpen'
  | 'expectedSetItem'
  | 'expectedIn'
  | 'flagTakesNoValue'
  | 'opNotForField'
  | 'unsupportedOp'
  | 'badNumber'
  | 'numberTooBig'
  | 'badTime'
  | 'badAddress'
  | 'badPrefix'
  | 'ipv6Only'
  | 'unknownName'
  | 'quotedValue'
  | 'fieldAsValue'
  | 'rangeNotAllowed'
  | 'emptySet';

/** Words around the messages: the end of the text, and how a message names its place. */
type Frame = 'theEnd' | 'at';

export type FilterMessageTable = Record<FilterMessageId | Frame, string>;

const EN: FilterMessageTable = {
  theEnd: 'the end of the filter',
  at: '{message} at {offset}',
  tooLong: 'the filter is longer than {max} characters',
  tooDeep: 'the filter nests deeper than {max} levels',
  unexpectedChar: "unexpected character '{char}'",
  unterminatedString: 'this string has no closing quote',
  badEscape: "unknown escape '{text}' in a string (use \\\\, \\\", \\n, \\t, \\r, \\xHH or \\uHHHH)",
  unknownField: "unknown field '{name}'",
  unknownFieldSuggest: "unknown field '{name}': did you mean {suggestion}?",
  valueNotField: "'{text}' is a value, not a field: write, for example, {example}",
  expectedTest: "expected a field, 'not' or '(' instead of {found}",
  expectedValue: "expected a value after '{op}' instead of {found}",
  expectedJoin: "expected 'and', 'or' or the end instead of {found}",
  expectedJoinOrClose: "expected 'and', 'or' or ')' instead of {found}",
  unclosedParen: "the '(' at {open} is never closed",
  expectedSetOpen: "expected '{' after 'in' instead of {found}",
  expectedSetItem: "expected a value, ',' or '}' instead of {found}",
  expectedIn: "expected 'in' after 'not' instead of {found}",
  flagTakesNoValue: "{field} is a flag and takes no value: write it alone, or with 'not'",
  opNotForField: "'{op}' does not apply to {field}",
  unsupportedOp: "'{op}' is not supported in this filter",
  badNumber: "'{text}' is not a valid number",
  numberTooBig: '{text} is too big for {field} (at most {max})',
  badTime: "'{text}' is not a valid time in seconds",
  badAddress: "'{text}' is not a valid IPv4 or IPv6 address",
  badPrefix: 'a /{bits} network is wider than the address ({max} bits at most)',
  ipv6Only: '{field} takes an IPv6 address',
  unknownName: "'{text}' is not a name {field} knows: one of {names}",
  quotedValue: '{field} takes its value without quotes',
  fieldAsValue: "comparing with another field ('{text}') is not supported",
  rangeNotAllowed: "a range ('..') does not apply to {field}",
  emptySet: "the set is empty: put at least one value between '{' and '}'",
};

const ZH: FilterMessageTable = {
  theEnd: '过滤器末尾',
  at: '{message}（位置 {offset}）',
  tooLong: '过滤器超过 {max} 个字符',
  tooDeep: '过滤器嵌套超过 {max} 层',
  unexpectedChar: "意外的字符 '{char}'",
  unterminatedString: '这个字符串缺少结尾的引号',
  badEscape: "字符串中有未知的转义 '{text}'（可用 \\\\、\\\"、\\n、\\t、\\r、\\xHH 或 \\uHHHH）",
  unknownField: "未知字段 '{name}'",
  unknownFieldSuggest: "未知字段 '{name}'：是不是想写 {suggestion}？",
  valueNotField: "'{text}' 是一个值，不是字段：例如写成 {example}",
  expectedTest: "这里应是字段、'not' 或 '('，却是 {found}",
  expectedValue: "'{op}' 之后应是一个值，却是 {found}",
  expectedJoin: "这里应是 'and'、'or' 或结束，却是 {found}",
  expectedJoinOrClose: "这里应是 'and'、'or' 或 ')'，却是 {found}",
  unclosedParen: "位置 {open} 的 '(' 没有闭合",
  expectedSetOpen: "'in' 之后应是 '{'，却是 {found}",
  expectedSetItem: "这里应是一个值、',' 或 '}'，却是 {found}",
  expectedIn: "'not' 之后应是 'in'，却是 {found}",
  flagTakesNoValue: "{field} 是一个标志，不带值：单独写它，或在前面加 'not'",
  opNotForField: "'{op}' 不适用于 {field}",
  unsupportedOp: "此过滤器不支持 '{op}'",
  badNumber: "'{text}' 不是有效的数字",
  numberTooBig: '{text} 对 {field} 来说太大（最大 {max}）',
  badTime: "'{text}' 不是有效的秒数",
  badAddress: "'{text}' 不是有效的 IPv4 或 IPv6 地址",
  badPrefix: '/{bits} 的网段比地址还宽（最多 {max} 位）',
  ipv6Only: '{field} 只接受 IPv6 地址',
  unknownName: "'{text}' 不是 {field} 认识的名称，可选：{names}",
  quotedValue: '{field} 的值不加引号',
  fieldAsValue: "不支持与另一个字段（'{text}'）比较",
  rangeNotAllowed: "范围（'..'）不适用于 {field}",
  emptySet: "集合为空：在 '{' 和 '}' 之间至少写一个值",
};

export const FILTER_MESSAGES: Record<Lang, FilterMessageTable> = { en: EN, 'zh-cn': ZH };

export type FilterMessageArgs = Readonly<Record<string, string | number>>;

/** Fills a template in one pass, so text from the user that looks like `{x}` stays as it is. */
function fillOnce(template: string, args: FilterMessageArgs): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (Object.prototype.hasOwnProperty.call(args, key) ? String(args[key]) : whole));
}

export function filterMessage(id: FilterMessageId, args: FilterMessageArgs, lang: Lang = 'en'): string {
  const table = FILTER_MESSAGES[lang];
  const found = args['found'];
  const filled = found === '' ? { ...args, found: table.theEnd } : args;
  return fillOnce(table[id], filled);
}

/** A message with its place, as the filter box and the CLI show it ("… at 12"). */
export function filterMessageAt(id: FilterMessageId, args: FilterMessageArgs, offset: number, lang: Lang = 'en'): string {
  return fillOnce(FILTER_MESSAGES[lang].at, { message: filterMessage(id, args, lang), offset });
}
