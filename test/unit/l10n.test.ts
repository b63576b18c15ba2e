import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GLOSSARY_TERMS, glossary } from '../../src/core/explain/glossary';
import { SCENARIO_TEXTS } from '../../src/core/explain/scenario';
import { ANALYSIS_TEXTS, STEP_TEXTS, WAIT_TEXTS } from '../../src/core/explain/steps';
import { CAPTURE_FAILURE_TEXTS } from '../../src/core/live/tool';
import { uiKeys } from '../../src/extension/strings';
import { ROOT } from '../helpers/paths';

/*
 * English and Simplified Chinese are both first-class: every word in one language exists in
 * the other, with the same placeholders, in every place words live.
 */

function sameKeys(en: object, zh: object, where: string): void {
  const a = Object.keys(en).sort();
  const b = Object.keys(zh).sort();
  assert.deepEqual(
    { onlyEnglish: a.filter((k) => !b.includes(k)), onlyChinese: b.filter((k) => !a.includes(k)) },
    { onlyEnglish: [], onlyChinese: [] },
    where,
  );
}

function placeholders(s: string): string[] {
  return (s.match(/\{\w+\}/g) ?? []).sort();
}

function samePlaceholders(en: Record<string, string>, zh: Record<string, string>, where: string): void {
  for (const k of Object.keys(en)) {
    assert.deepEqual([...new Set(placeholders(zh[k]!))], [...new Set(placeholders(en[k]!))], `${where}: ${k}`);
    assert.match(zh[k]!, /[\u4e00-\u9fff]|^[\x20-\x7e]*$/, `${where}: ${k} is not Chinese`);
  }
}

function readJson(rel: string): Record<string, string> {
  return JSON.parse(fs.readFileSync(path.join(ROOT, rel), 'utf8')) as Record<string, string>;
}

describe('both languages say everything', () => {
  it('glossary: every flag, field, state and analysis event', () => {
    for (const t of ['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG', 'ECE', 'CWR', 'AE', 'Seq', 'Ack', 'ISN', 'Len', 'Win', 'WS', 'MSS', 'SACK', 'TS']) {
      assert.ok(GLOSSARY_TERMS.includes(t as never), t);
    }
    for (const s of ['CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT']) {
      assert.ok(GLOSSARY_TERMS.includes(s as never), s);
    }
    for (const t of GLOSSARY_TERMS) {
      assert.ok(glossary(t, 'en').length > 10, t);
      assert.match(glossary(t, 'zh-cn'), /[\u4e00-\u9fff]/, t);
    }
  });

  it('step notes, scenario words and analysis labels', () => {
    sameKeys(STEP_TEXTS.en, STEP_TEXTS['zh-cn'], 'steps');
    for (const k of Object.keys(STEP_TEXTS.en) as Array<keyof typeof STEP_TEXTS.en>) {
      samePlaceholders({ s: STEP_TEXTS.en[k].short, f: STEP_TEXTS.en[k].full }, { s: STEP_TEXTS['zh-cn'][k].short, f: STEP_TEXTS['zh-cn'][k].full }, `step ${k}`);
    }
    for (const [name, table] of Object.entries(SCENARIO_TEXTS)) {
      sameKeys(table.en, table['zh-cn'], name);
      samePlaceholders(table.en, table['zh-cn'], name);
    }
    sameKeys(ANALYSIS_TEXTS.en, ANALYSIS_TEXTS['zh-cn'], 'analysis labels');
    sameKeys(WAIT_TEXTS.en, WAIT_TEXTS['zh-cn'], 'waits');
    // Why a live capture could not start, and how to fix it on each system.
    sameKeys(CAPTURE_FAILURE_TEXTS.en, CAPTURE_FAILURE_TEXTS['zh-cn'], 'capture failures');
    for (const k of Object.keys(CAPTURE_FAILURE_TEXTS.en) as Array<keyof typeof CAPTURE_FAILURE_TEXTS.en>) {
      const en = CAPTURE_FAILURE_TEXTS.en[k] as Record<string, string>;
      const zh = CAPTURE_FAILURE_TEXTS['zh-cn'][k] as Record<string, string>;
      sameKeys(en, zh, `capture failure ${k}`);
      samePlaceholders(en, zh, `capture failure ${k}`);
    }
    for (const k of Object.keys(WAIT_TEXTS.en) as Array<keyof typeof WAIT_TEXTS.en>) {
      samePlaceholders({ s: WAIT_TEXTS.en[k].short, f: WAIT_TEXTS.en[k].full }, { s: WAIT_TEXTS['zh-cn'][k].short, f: WAIT_TEXTS['zh-cn'][k].full }, `wait ${k}`);
    }
  });

  it('webview words', () => {
    assert.deepEqual(uiKeys('zh-cn').sort(), uiKeys('en').sort());
  });

  it('package.nls: every %key% of package.json in both languages', () => {
    const en = readJson('package.nls.json');
    const zh = readJson('package.nls.zh-cn.json');
    sameKeys(en, zh, 'package.nls');
    const used = [...fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8').matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]!);
    assert.ok(used.length >= 8, 'package.json uses %keys%');
    for (const k of used) assert.ok(k in en, `package.json uses %${k}% but package.nls.json lacks it`);
    for (const k of Object.keys(en)) assert.ok(used.includes(k), `package.nls.json has ${k}, which package.json does not use`);
    assert.equal(zh['command.explainConnection'], '解释 TCP 连接');
  });

  it('l10n bundle: every runtime message of the extension host, and nothing else', () => {
    const bundle = readJson('l10n/bundle.l10n.zh-cn.json');
    const dir = path.join(ROOT, 'src', 'extension');
    const messages = new Set<string>();
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
      const src = fs.readFileSync(path.join(dir, f), 'utf8');
      for (const m of src.matchAll(/\b(?:say|vscode\.l10n\.t)\(\s*'((?:[^'\\]|\\.)*)'/g)) messages.add(m[1]!.replace(/\\'/g, "'"));
    }
    assert.ok(messages.size >= 8, `found only ${messages.size} messages`);
    for (const m of messages) {
      assert.ok(m in bundle, `no Chinese for "${m}" in l10n/bundle.l10n.zh-cn.json`);
      assert.deepEqual(placeholders(bundle[m]!), placeholders(m), m);
    }
    for (const k of Object.keys(bundle)) assert.ok(messages.has(k), `l10n bundle has "${k}", which no code says`);
  });
});
