/**
 * Every string that came from a file (a capture's payloads, comments, interface names, its file
 * name; a pasted listing) is data from strangers. These functions make such a string safe for
 * the one place it is shown; call the one for that place, at the moment it is put there.
 *
 * Control characters are never passed on: a terminal would obey them (ANSI escapes can retitle
 * the window, move the cursor or hide text), and XML forbids most of them. They are shown
 * escaped, `\x1b`, so the reader still sees that they were there. Unicode's bidirectional
 * overrides are escaped too: they can make text read in an order other than the bytes' ("Trojan
 * source").
 */

/** C0 controls, DEL, C1 controls, and the bidirectional embedding/override/isolate marks. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function hexEscape(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/**
 * Text for a terminal, or any one-line place that shows characters as they are: every control
 * character (newlines and tabs too: the caller writes its own) becomes `\xNN`. Backslashes are
 * left as they are, so ordinary paths and text read unchanged.
 */
export function controlsEscaped(s: string): string {
  return s.replace(CONTROLS, hexEscape);
}

/**
 * Text for a VS Code notification, status message or quick pick. VS Code turns `[text](target)`
 * in a notification into a link, `command:` targets included, and `$(name)` in a quick pick
 * label into an icon. A zero-width space between `]` and `(` (and `$` and `(`) leaves the text
 * looking the same and breaks both.
 */
export function plainUiText(s: string): string {
  return controlsEscaped(s).replace(/\]\(/g, ']\u200b(').replace(/\$\(/g, '$\u200b(');
}

/** The characters CommonMark lets a backslash escape (all ASCII punctuation). */
const MARKDOWN_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/**
 * Text for Markdown (hovers, Copy as Markdown) shown as itself: every ASCII punctuation mark is
 * backslash-escaped, so no link, image, emphasis, entity or HTML can start; a line break
 * becomes a space, so no block (heading, table row, list) can start either.
 */
export function markdownText(s: string): string {
  return controlsEscaped(s.replace(/\r\n|\r|\n/g, ' ')).replace(MARKDOWN_PUNCTUATION, '\\$&');
}

/**
 * Text as a Markdown code span: shown literally in a fixed-width font. The fence is one
 * backtick longer than the longest run inside, and padded with spaces when the text starts or
 * ends with a backtick, as CommonMark asks.
 */
export function markdownCode(s: string): string {
  const text = controlsEscaped(s.replace(/\r\n|\r|\n/g, ' '));
  let longest = 0;
  for (const run of text.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ') && text.trim()) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * Text inside a Markdown table cell (already Markdown): `|` ends a cell even inside a code span,
 * and a line break ends the row. Every `|` gets a backslash, even one that has one already: the
 * table takes `\|` as a pipe before the cell is read, so `\\|` leaves the cell's own `\|`.
 */
export function markdownCell(markdown: string): string {
  return markdown.replace(/\r\n|\r|\n/g, ' ').replace(/\|/g, '\\|');
}

/**
 * Text for a Mermaid diagram's message, note or participant. Mermaid reads `;` as the end of a
 * statement, `#` as the start of an entity, `%%` as a comment or (`%%{`) a directive that can
 * change its configuration, and passes `<` `>` `&` on as HTML: each is written as Mermaid's own
 * numeric entity (`#60;`), which it shows as the character.
 */
export function mermaidText(s: string): string {
  return controlsEscaped(s.replace(/\r\n|\r|\n/g, ' ')).replace(/[#;%<>&]/g, (c) => `#${c.charCodeAt(0)};`);
}

/**
 * Text for XML and SVG (element text and attribute values): the five markup characters as
 * entities, and the characters XML 1.0 does not allow at all (controls other than tab and line
 * breaks, lone surrogates, U+FFFE/U+FFFF) shown escaped.
 */
export function xmlText(s: string): string {
  return s
    .replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) =>
      hexEscape(c),
    );
}

/** One run of a payload shown as text: characters as they are, or one byte or mark escaped. */
export interface TextRun {
  text: string;
  /** True for `\xNN` / `\uNNNN`: a byte that is not text, or a control, shown by its number. */
  escaped: boolean;
}

/**
 * Payload bytes as text, the way Follow TCP Stream shows them: UTF-8 where the bytes are
 * well-formed UTF-8, line feeds and tabs kept (a CR before an LF is part of the line break),
 * and every other control, invalid byte or bidirectional mark escaped, so nothing in a
 * stranger's payload can steer a terminal or reorder what is read.
 */
export function bytesAsText(bytes: Uint8Array): TextRun[] {
  const runs: TextRun[] = [];
  let plain = '';
  const flush = (): void => {
    if (plain) runs.push({ text: plain, escaped: false });
    plain = '';
  };
  const escape = (s: string): void => {
    flush();
    const last = runs[runs.length - 1];
    if (last?.escaped) last.text += s;
    else runs.push({ text: s, escaped: true });
  };
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      if (b === 0x0a || b === 0x09) plain += String.fromCharCode(b);
      else if (b === 0x0d && bytes[i + 1] === 0x0a) {
        // The line feed that follows makes the break.
      } else if (b < 0x20 || b === 0x7f) escape(`\\x${b.toString(16).padStart(2, '0')}`);
      else plain += String.fromCharCode(b);
      i++;
      continue;
    }
    // A well-formed UTF-8 sequence (no overlongs, no surrogates, at most U+10FFFF), or one escaped byte.
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    let cp = need === 1 ? b & 0x1f : need === 2 ? b & 0x0f : b & 0x07;
    let ok = need > 0 && i + need < n;
    for (let k = 1; ok && k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (ok && ((need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff)))) ok = false;
    if (!ok) {
      escape(`\\x${b.toString(16).padStart(2, '0')}`);
      i++;
      continue;
    }
    const ch = String.fromCodePoint(cp);
    CONTROLS.lastIndex = 0;
    if (CONTROLS.test(ch)) escape(`\\u${cp.toString(16).padStart(4, '0')}`);
    else plain += ch;
    i += need + 1;
  }
  flush();
  return runs;
}
