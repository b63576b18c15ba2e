import * as assert from 'node:assert/strict';
import MarkdownIt from 'markdown-it';
import { SaxesParser } from 'saxes';
import { bytesAsText, controlsEscaped, markdownCell, markdownCode, markdownText, mermaidText, plainUiText, xmlText } from '../../src/core/escape';
import { FILE_NAMES, HOSTILE, HOSTILE_LINE, HOSTILE_TEXT, RESOLVED_NAMES } from '../helpers/injection';

/*
 * Each escape is judged by what its place does with the text: Markdown rendered by a CommonMark
 * renderer that lets HTML through (as a careless host would), XML by a conforming parser, and so
 * on. Every check is first shown to catch the unescaped input, so it cannot pass vacuously.
 */

const SAMPLES: string[] = [
  ...Object.values(HOSTILE),
  HOSTILE_LINE,
  HOSTILE_TEXT,
  ...FILE_NAMES,
  ...RESOLVED_NAMES,
  'x`<img src=x onerror=alert(1)>`y',
  '``` fence <script>alert(1)</script>',
  '[x][ref]\n\n[ref]: command:workbench.action.terminal.new',
  '<command:workbench.action.terminal.new> <https://example.invalid/>',
  '*emphasis* _under_ ~~strike~~ <!-- comment --> ]]> &lt;script&gt; &#60;img&#62;',
  '| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | c |',
  '$(terminal) $(sync~spin) icon syntax',
  'a\\|b and x\\\\|y and C:\\path\\to\\file',
  'lone surrogate \ud800 and \udc00 and \ufffe\uffff',
  '\u2066isolate\u2069 \u200emark\u200f \u061c',
];

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Asserts that `unsafe` catches at least one raw sample, and none once `escape` has been applied. */
function provesEscape(unsafe: (raw: string, escaped: string | null) => string | null, escape: (s: string) => string): void {
  const caught = SAMPLES.filter((s) => unsafe(s, null) !== null);
  assert.ok(caught.length > 0, 'the check catches none of the raw hostile samples: it proves nothing');
  for (const s of SAMPLES) {
    const out = escape(s);
    const why = unsafe(s, out);
    assert.equal(why, null, `${JSON.stringify(s)} escaped as ${JSON.stringify(out)}: ${why}`);
  }
}

// ---------------------------------------------------------------- Markdown, rendered

const md = new MarkdownIt({ html: true, linkify: false });

function decodeHtml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
}

/** The element names in rendered HTML: markdown-it writes text with `<` as `&lt;`, so any `<name` is an element. */
function elements(html: string): string[] {
  return [...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase());
}

function unexpectedElements(html: string, allowed: readonly string[]): string | null {
  const extra = elements(html).filter((e) => !allowed.includes(e));
  if (extra.length) return `renders elements ${[...new Set(extra)].join(', ')}: ${html}`;
  if (/<[^>]*\son\w+\s*=/i.test(html)) return `renders an event handler attribute: ${html}`;
  if (/(?:href|src)\s*=\s*"(?!#)/i.test(html)) return `renders a link or source: ${html}`;
  return null;
}

/** What a one-line string shows as: line breaks become spaces and controls are shown escaped. */
const oneLine = (s: string): string => controlsEscaped(s.replace(/\r\n|\r|\n/g, ' '));

describe('escaping for each place a string from a file is shown', () => {
  it('controlsEscaped: no control character or bidi mark reaches a terminal, and each is shown as an escape', () => {
    provesEscape((_, out) => {
      const s = out ?? _;
      const m = CONTROL.exec(s);
      return m ? `holds U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')}` : null;
    }, controlsEscaped);
    assert.equal(controlsEscaped(HOSTILE.ansiColour), '\\x1b[31m');
    assert.equal(controlsEscaped(HOSTILE.ansiTitle), '\\x1b]0;title\\x07');
    assert.equal(controlsEscaped(HOSTILE.c1), '\\x85\\x9b31m');
    assert.equal(controlsEscaped(`a${HOSTILE.bidiOverride}b`), 'a\\u202eb');
    assert.equal(controlsEscaped('C:\\path\\to\\file <b> 中文'), 'C:\\path\\to\\file <b> 中文');
  });

  it('plainUiText: no Markdown link (a notification would make a command: target clickable), no $(icon), no control', () => {
    provesEscape((raw, out) => {
      const s = out ?? raw;
      // VS Code's notifications turn `[label](target)` into a link; quick picks turn `$(name)` into an icon.
      if (/\[[^\]]*\]\(\s*[^)\s]*\)/.test(s)) return 'holds a [label](target) link';
      if (/\$\([\w.~-]+\)/.test(s)) return 'holds a $(icon)';
      if (CONTROL.test(s)) return 'holds a control character';
      return null;
    }, plainUiText);
    // It still reads the same: the break is a zero-width space.
    assert.equal(plainUiText(HOSTILE.commandLink).replace(/\u200b/g, ''), HOSTILE.commandLink);
  });

  it('markdownText: renders as one paragraph of text: no link, image, HTML or emphasis, and shows the text itself', () => {
    provesEscape((raw, out) => {
      const html = md.render(out ?? raw);
      const bad = unexpectedElements(html, ['p']);
      if (bad) return bad;
      if (out !== null) {
        const shown = decodeHtml(html.replace(/^<p>|<\/p>\n$/g, ''));
        if (shown !== oneLine(raw).trim()) return `shows ${JSON.stringify(shown)}`;
      }
      return null;
    }, markdownText);
  });

  it('markdownText inside a sentence and a list item stays text', () => {
    provesEscape(
      (raw, out) => unexpectedElements(md.render(`- Host: ${out ?? raw}, seen twice`), ['ul', 'li', 'p']),
      markdownText,
    );
  });

  it('markdownCode: one code span showing the text itself, whatever backticks it holds', () => {
    provesEscape((raw, out) => {
      const html = md.render(`before ${out ?? raw} after`);
      const bad = unexpectedElements(html, ['p', 'code']);
      if (bad) return bad;
      if (out !== null) {
        const codes = [...html.matchAll(/<code>([\s\S]*?)<\/code>/g)].map((m) => decodeHtml(m[1]!));
        if (codes.length !== 1) return `renders ${codes.length} code spans: ${html}`;
        if (codes[0] !== oneLine(raw)) return `shows ${JSON.stringify(codes[0])}`;
      }
      return null;
    }, (s) => markdownCode(s));
    // The naive fence is what the check catches: a backtick in the text ends it early.
    assert.ok(unexpectedElements(md.render(`\`${'x`<img src=x onerror=alert(1)>`y'}\``), ['p', 'code']));
  });

  const table = (cell: string): string => `| # | what |\n|---|---|\n| 1 | ${cell} |\n`;
  const cellsOf = (html: string): string[] =>
    [...html.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);

  it('markdownCell(markdownText): one cell per value, no injected cell, row or element', () => {
    provesEscape((raw, out) => {
      const html = md.render(table(out ?? raw));
      const bad = unexpectedElements(html, ['table', 'thead', 'tbody', 'tr', 'th', 'td']);
      if (bad) return bad;
      const cells = cellsOf(html);
      if (cells.length !== 2) return `the row has ${cells.length} cells: ${html}`;
      if (out !== null && decodeHtml(cells[1]!) !== oneLine(raw).trim()) return `shows ${JSON.stringify(decodeHtml(cells[1]!))}`;
      return null;
    }, (s) => markdownCell(markdownText(s)));
  });

  it('markdownCell(markdownCode): one code span in one cell, no injected cell, row or element', () => {
    provesEscape((raw, out) => {
      const html = md.render(table(out ?? raw));
      const bad = unexpectedElements(html, ['table', 'thead', 'tbody', 'tr', 'th', 'td', 'code']);
      if (bad) return bad;
      const cells = cellsOf(html);
      if (cells.length !== 2) return `the row has ${cells.length} cells: ${html}`;
      if (out !== null && !/^<code>[\s\S]*<\/code>$/.test(cells[1]!)) return `the cell is not one code span: ${cells[1]}`;
      return null;
    }, (s) => markdownCell(markdownCode(s)));
  });

  it('markdownCell(markdownCode) shows a backslash before a pipe as it is', () => {
    // A table row's `\|` is a pipe in the cell, code spans included (GFM): a backslash that was
    // already there before a pipe must itself be kept, or `a\|b` shows as `a|b`.
    for (const s of ['a\\|b', 'x\\\\|y']) {
      const html = md.render(table(markdownCell(markdownCode(s))));
      const code = /<code>([\s\S]*?)<\/code>/.exec(html)?.[1];
      assert.equal(code === undefined ? undefined : decodeHtml(code), s, html);
    }
  });

  // ---------------------------------------------------------------- Mermaid

  it('mermaidText: no statement end, comment, directive, entity or HTML survives; the text decodes back', () => {
    provesEscape((raw, out) => {
      const s = out ?? raw;
      // What is left once Mermaid's own entities (#60;) are taken out must hold nothing Mermaid reads.
      const bare = s.replace(/#\d+;/g, '');
      if (/%%/.test(s)) return 'holds %% (a comment, or with { a directive)';
      // (`{` alone is harmless: a directive needs the `%%` before it.)
      const m = /[;#<>%\r\n]/.exec(bare);
      if (m) return `holds ${JSON.stringify(m[0])}`;
      if (CONTROL.test(s)) return 'holds a control character';
      if (out !== null) {
        const decoded = s.replace(/#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
        if (decoded !== oneLine(raw)) return `decodes to ${JSON.stringify(decoded)}`;
      }
      return null;
    }, mermaidText);
  });

  // ---------------------------------------------------------------- XML / SVG

  /** Parses a whole document; returns an error, or the elements and what the <text> holds. */
  function parseXml(doc: string): { error: string } | { elements: string[]; attrs: string[]; text: string; title: string } {
    const parser = new SaxesParser();
    const found = { elements: [] as string[], attrs: [] as string[], text: '', title: '' };
    let error: string | null = null;
    let inText = false;
    parser.on('error', (e) => {
      error ??= e.message;
    });
    parser.on('opentag', (t) => {
      found.elements.push(t.name);
      for (const [k, v] of Object.entries(t.attributes)) {
        found.attrs.push(k);
        if (k === 'data-title') found.title = String(v);
      }
      inText = t.name === 'text';
    });
    parser.on('text', (t) => {
      if (inText) found.text += t;
    });
    parser.on('closetag', () => {
      inText = false;
    });
    try {
      parser.write(doc).close();
    } catch (e) {
      error ??= (e as Error).message;
    }
    return error !== null ? { error } : found;
  }

  /** What an XML parser gives back for text xmlText wrote: line ends normalised, attributes' whitespace made spaces. */
  function expectedXml(s: string, attribute: boolean): string {
    // eslint-disable-next-line no-control-regex
    const shown = s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => {
      const n = c.charCodeAt(0);
      return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
    });
    const lines = shown.replace(/\r\n|\r/g, '\n');
    return attribute ? lines.replace(/[\t\n]/g, ' ') : lines;
  }

  it('xmlText: an SVG holding the text in an attribute and an element is well-formed, adds no element, and gives the text back', () => {
    provesEscape((raw, out) => {
      const s = out ?? raw;
      const doc = `<svg xmlns="http://www.w3.org/2000/svg"><text data-title="${s}" x="1">${s}</text></svg>`;
      const r = parseXml(doc);
      if ('error' in r) return `not well-formed: ${r.error}`;
      if (r.elements.join() !== 'svg,text') return `elements ${r.elements.join()}`;
      if (r.attrs.join() !== 'xmlns,data-title,x') return `attributes ${r.attrs.join()}`;
      if (out !== null && r.text !== expectedXml(raw, false)) return `text ${JSON.stringify(r.text)}`;
      if (out !== null && r.title !== expectedXml(raw, true)) return `attribute ${JSON.stringify(r.title)}`;
      return null;
    }, xmlText);
  });

  it('bytesAsText: UTF-8 as text, line breaks kept, every control, stray byte and bidi mark shown by its number (issue 9)', () => {
    const bytes = (...parts: Array<string | number[]>): Uint8Array =>
      Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'utf8')] : p)));
    const shown = (b: Uint8Array): string => bytesAsText(b).map((r) => (r.escaped ? `«${r.text}»` : r.text)).join('');
    assert.equal(shown(bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), 'GET / HTTP/1.1\nHost: x\n\n');
    assert.equal(shown(bytes('tab\there, 你好, é')), 'tab\there, 你好, é');
    assert.equal(shown(bytes('a', [0x1b], '[31m', [0x00, 0x7f], 'b')), 'a«\\x1b»[31m«\\x00\\x7f»b');
    // A lone CR, a stray continuation byte, an overlong form, a surrogate, a cut sequence.
    assert.equal(shown(bytes('x', [0x0d], 'y')), 'x«\\x0d»y');
    assert.equal(shown(bytes([0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xe4, 0xbd])), '«\\x80\\xc0\\xaf\\xed\\xa0\\x80\\xe4\\xbd»');
    // C1 controls and the bidi override, well-formed UTF-8 but never shown as themselves.
    assert.equal(shown(bytes('a\u0085b\u202ec\u2066')), 'a«\\u0085»b«\\u202e»c«\\u2066»');
    // Whatever the bytes, the text holds no control but the line feed and the tab.
    const all = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff);
    const text = bytesAsText(all).map((r) => r.text).join('');
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text));
  });
});
