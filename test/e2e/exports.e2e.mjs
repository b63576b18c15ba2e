// The exports drawn by a browser: the Mermaid text of a ladder rendered by Mermaid itself, and
// the SVG as a page shows it. Both must show the same ladder as the editor: one message per
// segment, the same labels, the states. Screenshots go to test/screenshots/.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shots = path.join(root, 'test', 'screenshots');
const require = createRequire(import.meta.url);

function cli(...args) {
  return execFileSync(process.execPath, [path.join(root, 'dist', 'cli.js'), ...args], { encoding: 'utf8' });
}

describe('exports rendered in Chromium', function () {
  this.timeout(60000);
  let browser;
  let page;

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({ executablePath: process.env.TCPX_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  });

  after(async () => {
    await browser?.close();
  });

  for (const [file, stream, lang, segments] of [
    ['01_http_node_conn_close.pcapng', '0', 'en', 10],
    ['06b_simultaneous_close.pcap', '0', 'zh-cn', 11],
  ]) {
    it(`Mermaid renders ${file} (${lang}) as the same ladder: ${segments} messages, labels and states`, async () => {
      const fixture = path.join(root, 'test', 'fixtures', file);
      const text = cli('explain', fixture, '--stream', stream, '--lang', lang, '--format', 'mermaid');
      const steps = JSON.parse(cli('explain', fixture, '--stream', stream, '--json')).steps;
      await page.setContent('<!DOCTYPE html><html><body style="background:#fff"><div id="out"></div></body></html>');
      await page.addScriptTag({ path: require.resolve('mermaid/dist/mermaid.min.js') });
      const rendered = await page.evaluate(async (source) => {
        const m = globalThis.mermaid;
        m.initialize({ startOnLoad: false, securityLevel: 'strict', sequence: { wrap: false } });
        const { svg } = await m.render('ladder', source);
        document.getElementById('out').innerHTML = svg;
        return {
          messages: [...document.querySelectorAll('#out .messageText')].map((e) => e.textContent),
          notes: [...document.querySelectorAll('#out .noteText')].map((e) => e.textContent),
          actors: [...document.querySelectorAll('#out text.actor')].map((e) => e.textContent),
        };
      }, text);
      // <br/> splits a message into two lines: the label, then the note.
      const labels = rendered.messages.filter((t) => /^\[/.test(t));
      assert.equal(labels.length, segments, rendered.messages.join('\n'));
      steps.forEach((s, i) => assert.ok(labels[i].startsWith(s.label), `${labels[i]} vs ${s.label}`));
      for (const state of ['SYN_SENT', 'ESTABLISHED', 'TIME_WAIT']) assert.ok(rendered.notes.includes(state), rendered.notes.join(' '));
      assert.ok(rendered.actors.some((a) => /127\.0\.0\.1/.test(a)));
      await page.locator('#out svg').screenshot({ path: path.join(shots, `mermaid-${lang}.png`) });
    });
  }

  it('the SVG export shows the ladder with its notes (screenshot)', async () => {
    const svg = cli('explain', path.join(root, 'test', 'fixtures', '18_four_way_close_client_first.pcap'), '--stream', '0', '--format', 'svg');
    await page.setContent(`<!DOCTYPE html><html><body style="margin:0">${svg}</body></html>`);
    const texts = await page.evaluate(() => [...document.querySelectorAll('svg text')].map((t) => t.textContent));
    assert.ok(texts.includes('[FIN, ACK] Seq=7 Ack=12 Win=65536 Len=0'), texts.join('\n'));
    assert.ok(texts.some((t) => /ACKs the FIN; its own FIN later/.test(t)));
    // Nothing drawn outside the picture: every text lies within the SVG's box.
    const outside = await page.evaluate(() => {
      const box = document.querySelector('svg').getBoundingClientRect();
      return [...document.querySelectorAll('svg text')]
        .map((t) => ({ t: t.textContent, r: t.getBoundingClientRect() }))
        .filter(({ r }) => r.left < box.left - 1 || r.right > box.right + 1)
        .map(({ t }) => t);
    });
    assert.deepEqual(outside, []);
    await page.locator('svg').screenshot({ path: path.join(shots, 'export-svg.png') });
  });
});
