import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';
import { SaxesParser } from 'saxes';
import { jsonText } from '../../src/cli/main';
import { controlsEscaped } from '../../src/core/escape';
import { FILE_NAMES, HOSTILE, HOSTILE_TEXT, writeInjectionCaptures, writeInjectionListing } from '../helpers/injection';
import { ROOT } from '../helpers/paths';

/*
 * The injection capture (test/helpers/injection.ts) through the command line: whatever a
 * capture or its name holds, the terminal gets no control character and no bidi override, JSON
 * stays JSON, and the exports carry no live Markdown, Mermaid or SVG markup from the file.
 */

const CLI = path.join(ROOT, 'dist', 'cli.js');

interface Run {
  args: string[];
  status: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

/** Runs are kept: several checks look at the same output. */
const runs = new Map<string, Run>();

function cli(...args: string[]): Run {
  const key = JSON.stringify(args);
  let run = runs.get(key);
  if (!run) {
    const r = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 1 << 26 });
    run = { args, status: r.status, stdout: r.stdout, stderr: r.stderr };
    runs.set(key, run);
  }
  return run;
}

/**
 * Why these bytes are not fit for a terminal, or null: a C0 control other than tab and line
 * feed, DEL, bytes that are not UTF-8 (a terminal may read them as C1), a C1 control, or a
 * bidirectional mark.
 */
function terminalUnsafe(out: Buffer): string | null {
  const bad = out.findIndex((b) => b <= 0x08 || (b >= 0x0b && b <= 0x1f) || b === 0x7f);
  if (bad >= 0) return `byte 0x${out[bad]!.toString(16).padStart(2, '0')} at ${bad}: ${JSON.stringify(out.subarray(Math.max(0, bad - 40), bad + 20).toString('utf8'))}`;
  const text = out.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(out)) return 'not valid UTF-8';
  const m = /[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.exec(text);
  if (m) return `U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${m.index}: ${JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 20))}`;
  return null;
}

function assertTerminalSafe(r: Run): void {
  for (const [stream, out] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    const why = terminalUnsafe(out);
    assert.equal(why, null, `tcp-explainer ${r.args.map((a) => JSON.stringify(a)).join(' ')} wrote to ${stream}: ${why}`);
  }
}

const md = new MarkdownIt({ html: true });

function parseXml(doc: string): { error: string | null; elements: string[]; attributes: Array<[string, string]> } {
  const parser = new SaxesParser();
  const found = { error: null as string | null, elements: [] as string[], attributes: [] as Array<[string, string]> };
  parser.on('error', (e) => {
    found.error ??= e.message;
  });
  parser.on('opentag', (t) => {
    found.elements.push(t.name);
    for (const [k, v] of Object.entries(t.attributes)) found.attributes.push([k, String(v)]);
  });
  try {
    parser.write(doc).close();
  } catch (e) {
    found.error ??= (e as Error).message;
  }
  return found;
}

describe('an injection capture: hostile text in every string it holds and in its name', function () {
  this.timeout(120000);
  let dir = '';
  /** The capture under each hostile name, and the same exchange as a tcpdump listing. */
  let inputs: string[] = [];
  let listing = '';

  before(() => {
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: build first (node esbuild.js)`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-injection-'));
    const captures = writeInjectionCaptures(dir);
    listing = writeInjectionListing(dir);
    inputs = [...captures, listing];
  });

  after(() => {
    runs.clear();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the check catches what it is meant to catch', () => {
    // Without this, a check that never fires would pass every test below.
    for (const s of [HOSTILE.ansiColour, HOSTILE.ansiTitle, HOSTILE.c0, HOSTILE.c1, HOSTILE.bidiOverride, FILE_NAMES[1], HOSTILE_TEXT]) {
      assert.notEqual(terminalUnsafe(Buffer.from(s, 'utf8')), null, JSON.stringify(s));
    }
    assert.notEqual(terminalUnsafe(Buffer.from([0x41, 0x9b, 0x33, 0x31, 0x6d])), null, 'a raw C1 byte');
    assert.equal(terminalUnsafe(Buffer.from('ok\tok\n中文 → ✓\n', 'utf8')), null);
  });

  it('is read as one HTTP connection, opened and closed in full (so every view has something to show)', () => {
    for (const file of inputs) {
      const r = cli('conversations', file, '--json');
      assert.equal(r.status, 0, r.stderr.toString());
      const convs = JSON.parse(r.stdout.toString('utf8')) as Array<{ completeness: number; packets: { to_server: number; to_client: number } }>;
      assert.equal(convs.length, 1);
      assert.equal(convs[0]!.completeness, 31, 'SYN, SYN-ACK, ACK, data and FIN');
      assert.equal(convs[0]!.packets.to_server + convs[0]!.packets.to_client, 11);
    }
  });

  it('no command writes a control character or bidi override from the file or its name to the terminal', () => {
    for (const file of inputs) {
      const all = [
        cli('packets', file),
        cli('packets', file, '--json'),
        cli('conversations', file),
        cli('conversations', file, '--json'),
        cli('explain', file),
        cli('explain', file, '--json'),
        cli('explain', file, '--stream', '0'),
        cli('explain', file, '--stream', '0', '--lang', 'zh-cn'),
        cli('explain', file, '--stream', '0', '--json'),
        cli('explain', file, '--stream', '0', '--absolute'),
        ...['markdown', 'mermaid', 'svg'].map((f) => cli('explain', file, '--stream', '0', '--format', f)),
      ];
      for (const r of all) {
        assert.equal(r.status, 0, `${r.args.join(' ')}: ${r.stderr.toString()}`);
        assertTerminalSafe(r);
      }
      // The name is shown, escaped, where the output names the file.
      const table = all[2]!.stdout.toString('utf8');
      assert.ok(table.startsWith(`${controlsEscaped(file)}: `), table.split('\n')[0]);
    }
  });

  it('a tcpdump listing under a hostile name: the notes name it escaped', () => {
    const r = cli('explain', listing);
    assertTerminalSafe(r);
    assert.match(r.stderr.toString('utf8'), new RegExp(`^tcp-explainer: note: ${escapeRegExp(controlsEscaped(listing))}: read as tcpdump text`));
  });

  it('errors and warnings name the file escaped: a cut capture, a file that is no capture, a missing file, a usage error', () => {
    // The most hostile name this file system took.
    const name = path.basename(inputs[inputs.length - 2]!);
    const whole = fs.readFileSync(inputs[0]!);
    const cut = path.join(dir, `cut ${name}`);
    const notCapture = path.join(dir, `not a capture ${name}`);
    const missing = path.join(dir, `missing ${name}`);
    fs.writeFileSync(cut, whole.subarray(0, whole.length - 40));
    fs.writeFileSync(notCapture, HOSTILE_TEXT);
    const cases: Array<[Run, number, string]> = [
      [cli('packets', cut), 0, cut],
      [cli('conversations', notCapture), 1, notCapture],
      [cli('explain', missing), 1, missing],
      [cli('explain', inputs[0]!, '--stream', '7'), 2, inputs[0]!],
      [cli('packets', inputs[0]!, name), 2, name],
    ];
    for (const [r, status, named] of cases) {
      assert.equal(r.status, status, `${r.args.join(' ')}: ${r.stderr.toString()}`);
      assertTerminalSafe(r);
      assert.ok(r.stderr.toString('utf8').includes(controlsEscaped(named)), `${r.args.join(' ')} does not name the file:\n${r.stderr.toString()}`);
    }
  });

  it('a line break in a file name cannot forge a line of output', () => {
    // Control characters caught on the way out would be shown escaped anyway; a line feed is
    // the CLI's own, so only escaping the name where it is printed keeps the message one line.
    const forged = path.join(dir, 'evil\ntcp-explainer: note: all clear.pcapng');
    try {
      fs.writeFileSync(forged, HOSTILE_TEXT);
    } catch {
      return; // this file system takes no line feed in a name
    }
    for (const r of [cli('packets', forged), cli('explain', path.join(dir, 'missing\nforged line.pcap'))]) {
      assert.equal(r.status, 1);
      const lines = r.stderr.toString('utf8').split('\n').filter(Boolean);
      assert.equal(lines.length, 1, r.stderr.toString());
      assert.match(lines[0]!, /\\x0a/);
    }
  });

  it('every --json output parses, and holds no raw C1 control or bidi mark', () => {
    for (const file of inputs) {
      for (const r of [cli('packets', file, '--json'), cli('conversations', file, '--json'), cli('explain', file, '--json'), cli('explain', file, '--stream', '0', '--json')]) {
        const text = r.stdout.toString('utf8');
        const docs = r.args[0] === 'packets' ? text.trim().split('\n') : [text];
        for (const d of docs) assert.doesNotThrow(() => JSON.parse(d), d.slice(0, 200));
        assertTerminalSafe(r);
      }
    }
  });

  it('the JSON writer escapes DEL, C1 controls and bidi marks, and stays JSON that reads back the same', () => {
    const value = { host: `${HOSTILE.script}${HOSTILE.c1}\u0080\u009f\u007f${HOSTILE.bidiOverride}\u2066\u200f\u2028`, n: 1, list: [HOSTILE_TEXT, FILE_NAMES[1]] };
    // JSON.stringify alone lets them through: that is what the writer is for.
    assert.notEqual(terminalUnsafe(Buffer.from(JSON.stringify(value), 'utf8')), null);
    const out = jsonText(value);
    assert.equal(terminalUnsafe(Buffer.from(out, 'utf8')), null, out);
    assert.match(out, /\\u0085\\u009b31m\\u0080\\u009f\\u007f\\u202e\\u2066\\u200f\\u2028/);
    assert.deepEqual(JSON.parse(out), value);
  });

  it('the Markdown export renders no link, image or HTML from the file', () => {
    for (const file of inputs) {
      const text = cli('explain', file, '--stream', '0', '--format', 'markdown').stdout.toString('utf8');
      assert.match(text, /^## Stream 0: /);
      assert.doesNotMatch(text, /(?<!\\)\]\(/, 'a live [text](target)');
      assert.doesNotMatch(text, /<script|<img|<a\s|javascript:/i);
      const html = md.render(text);
      const elements = new Set([...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase()));
      for (const e of ['a', 'img', 'script', 'svg', 'iframe']) assert.ok(!elements.has(e), `<${e}> rendered from the Markdown export`);
      // No handler attribute on any element (the words "onerror=" may be shown as text).
      assert.doesNotMatch(html, /<[a-z][^>]*\son\w+\s*=/i);
    }
  });

  it('the Mermaid export has no directive, comment or HTML from the file, and one statement per line', () => {
    for (const file of inputs) {
      const text = cli('explain', file, '--stream', '0', '--format', 'mermaid').stdout.toString('utf8');
      assert.doesNotMatch(text, /%%/, 'a Mermaid comment or %%{ directive');
      const lines = text.trimEnd().split('\n');
      assert.equal(lines[0], 'sequenceDiagram');
      for (const line of lines.slice(1)) {
        const m = /^ {4}(?:participant [CS] as |Note over (?:C|S|C,S): |(?:C->>S|S->>C): )(.*)$/.exec(line);
        assert.ok(m, `not a statement of the ladder: ${JSON.stringify(line)}`);
        // The exporter's own line break inside a message is the only markup a text may hold.
        const words = m[1]!.replace(/<br\/>/g, ' ');
        assert.doesNotMatch(words, /[<>]/, line);
        assert.doesNotMatch(words.replace(/#\d+;/g, ''), /[;#]/, line);
      }
    }
  });

  it('the SVG export is well-formed XML and draws only text and lines: no script, image, link or handler', () => {
    const allowed = new Set(['svg', 'style', 'defs', 'marker', 'path', 'rect', 'text', 'line', 'g', 'tspan', 'title']);
    for (const file of inputs) {
      const svg = cli('explain', file, '--stream', '0', '--format', 'svg').stdout.toString('utf8');
      const doc = parseXml(svg);
      assert.equal(doc.error, null, `the SVG export is not well-formed: ${doc.error}`);
      assert.equal(doc.elements[0], 'svg');
      const extra = doc.elements.filter((e) => !allowed.has(e));
      assert.deepEqual(extra, [], 'elements the ladder does not draw');
      for (const [name, value] of doc.attributes) {
        assert.doesNotMatch(name, /^on|href$/i, `attribute ${name}="${value}"`);
        assert.doesNotMatch(value, /javascript:/i, `attribute ${name}="${value}"`);
      }
    }
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
