import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TokenKind, parseCaptureText } from '../../src/core/text/parse';
import { FIXTURES, ROOT, fixture } from '../helpers/paths';

/*
 * The TextMate grammar (syntaxes/capture-text.tmLanguage.json) against the real output of the
 * installed tcpdump and tshark for every fixture, with vscode-tmgrammar-test. The assertions
 * are written from the line parser's tokens (src/core/text/parse.ts): two readings of the same
 * lines, one regex grammar and one parser, must agree on where every field is. Hand-written
 * cases in test/grammar/ pin the finer scopes (each flag, each option).
 */

const SCOPES: Record<TokenKind, string> = {
  frame: 'constant.numeric.frame.capture-text',
  time: 'constant.numeric.time.capture-text',
  address: 'string.unquoted.address.capture-text',
  port: 'constant.numeric.port.capture-text',
  flags: 'meta.flags.capture-text',
  seq: 'meta.field.seq.capture-text',
  ack: 'meta.field.ack.capture-text',
  win: 'meta.field.win.capture-text',
  len: 'meta.field.len.capture-text',
  mss: 'meta.option.mss.capture-text',
  wscale: 'meta.option.wscale.capture-text',
  sackOK: 'meta.option.sack-perm.capture-text',
  sack: 'meta.option.sack.capture-text',
  tsval: 'meta.option.tsval.capture-text',
  tsecr: 'meta.option.tsecr.capture-text',
  tfo: 'meta.option.tfo.capture-text',
  analysis: 'meta.analysis.capture-text',
  protocol: 'storage.type.protocol.capture-text',
};

/** A vscode-tmgrammar-test file: each line, then one assertion line per token on it. */
export function grammarTestFile(text: string, title: string): string {
  const lines = text.split('\n');
  const parsed = parseCaptureText(text);
  const byLine = new Map<number, Array<{ start: number; end: number; scope: string }>>();
  for (const p of parsed.packets) {
    if (p.kind !== 'tcp') continue;
    for (const t of p.tokens) {
      const list = byLine.get(t.line) ?? [];
      list.push({ start: t.start, end: t.end, scope: SCOPES[t.kind] });
      byLine.set(t.line, list);
    }
  }
  const out = [`# SYNTAX TEST "source.capture-text" "${title}"`];
  lines.forEach((line, i) => {
    if (line.startsWith('#')) return;
    out.push(line);
    for (const a of byLine.get(i) ?? []) {
      const n = a.end - a.start;
      out.push(a.start < 2 ? `# <${'~'.repeat(a.start)}${'-'.repeat(n)} ${a.scope}` : `#${' '.repeat(a.start - 1)}${'^'.repeat(n)} ${a.scope}`);
    }
  });
  return out.join('\n') + '\n';
}

function available(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status === 0;
}

describe('capture-text grammar (vscode-tmgrammar-test)', function () {
  this.timeout(300000);
  const dir = path.join(ROOT, 'out', 'grammar-tests');
  const runner = path.join(ROOT, 'node_modules', 'vscode-tmgrammar-test', 'dist', 'unit.js');
  const grammar = path.join(ROOT, 'syntaxes', 'capture-text.tmLanguage.json');

  function runTests(glob: string): { status: number | null; output: string } {
    const r = spawnSync(process.execPath, [runner, '-c', '-g', grammar, glob], { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 26 });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  }

  it('hand-written cases: every flag, option and marker has its scope', () => {
    const r = runTests('test/grammar/*.capture-text');
    assert.equal(r.status, 0, r.output.slice(0, 4000));
  });

  it('real tcpdump and tshark output of every fixture: the grammar finds every field the parser finds', function () {
    for (const tool of ['tcpdump', 'tshark']) if (!available(tool)) throw new Error(`${tool} is not installed (apt-get install -y ${tool})`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    let assertions = 0;
    const variants: Array<[string, string, string[]]> = [
      ['tcpdump', 'tcpdump', ['-nn', '-r']],
      ['tcpdump-v', 'tcpdump', ['-nn', '-v', '-r']],
      ['tcpdump-tttt-S', 'tcpdump', ['-nn', '-tttt', '-S', '-r']],
      ['tcpdump-tt', 'tcpdump', ['-nn', '-tt', '-r']],
      ['tshark', 'tshark', ['-r']],
    ];
    for (const file of fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap'))) {
      for (const [name, cmd, args] of variants) {
        const text = spawnSync(cmd, [...args, fixture(file)], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout.replace(/\n$/, '');
        const body = grammarTestFile(text, `${cmd} ${args.join(' ')} ${file}`);
        assertions += body.split('\n').filter((l) => l.startsWith('# ') && !l.startsWith('# SYNTAX')).length;
        fs.writeFileSync(path.join(dir, `${file}.${name}.capture-text`), body);
      }
    }
    assert.ok(assertions > 20000, `${assertions} assertions`);
    const r = runTests('out/grammar-tests/*.capture-text');
    assert.equal(r.status, 0, r.output.slice(0, 4000));
  });

  it('a broken grammar is caught (the runner really checks)', () => {
    const broken = path.join(dir, 'broken.tmLanguage.json');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(broken, fs.readFileSync(grammar, 'utf8').replace(/meta\.field\.seq\.capture-text/g, 'meta.field.other.capture-text'));
    // The runner also reads the grammars package.json contributes: point it at one naming the broken copy.
    const config = path.join(dir, 'broken-package.json');
    fs.writeFileSync(config, JSON.stringify({ contributes: { grammars: [{ language: 'capture-text', scopeName: 'source.capture-text', path: './broken.tmLanguage.json' }] } }));
    const r = spawnSync(process.execPath, [runner, '-c', '--config', config, '-g', broken, 'test/grammar/*.capture-text'], { encoding: 'utf8', cwd: ROOT });
    assert.notEqual(r.status, 0);
    assert.match(`${r.stdout}${r.stderr}`, /meta\.field\.seq\.capture-text/);
  });
});
