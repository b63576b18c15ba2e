// End-to-end: a person's path through the UI in a real VS Code (code-server) and headless
// Chromium. Opens the tutorial capture from Quick Open, reads the ladder inside the webview,
// runs the command from the palette, hovers a SYN and an Ack, and saves screenshots
// (test/screenshots/, git-ignored; the README's pictures are copies of these).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startCodeServer } from '../integration/codeServer.mjs';
import { captureWebview, colorTheme as setColorTheme, pickFromQuickInput, screenshotOnFailure } from './workbench.mjs';
import { CHROMIUM_ARGS, workbenchUrl } from '../integration/runInCodeServer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shots = path.join(root, 'test', 'screenshots');

describe('the capture editor, driven like a person would (code-server + Chromium)', function () {
  this.timeout(180000);
  let cs;
  let browser;
  let page;
  const webview = () => captureWebview(page);

  const pick = (key, text, settle = 1000) => pickFromQuickInput(page, key, text, settle);
  const quickOpen = (file) => pick('Control+P', file);
  const runCommand = (title) => pick('F1', title, 500);

  const colorTheme = (name) => setColorTheme(page, name);

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    cs = await startCodeServer();
    browser = await chromium.launch({ executablePath: process.env.TCPX_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    // The clipboard permission lets "Copy as Markdown" write, as a person's browser would allow.
    const context = await browser.newContext({ viewport: { width: 1400, height: 950 }, permissions: ['clipboard-read', 'clipboard-write'] });
    page = await context.newPage();
    await page.goto(workbenchUrl(cs.url));
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    // The custom editor must be registered before a capture is opened, or it lands in a text editor.
    await page.waitForTimeout(5000);
  });

  afterEach(async function () {
    await screenshotOnFailure(page, this.currentTest, shots);
  });

  after(async () => {
    await browser?.close();
    cs?.stop();
  });

  it('opens the tutorial capture from Quick Open and shows its connection', async () => {
    await quickOpen('01_http_node_conn_close.pcapng');
    const row = webview().locator('.conn-table tbody tr[data-stream]').first();
    await row.waitFor({ timeout: 30000 });
    const text = await row.innerText();
    assert.match(text, /127\.0\.0\.1:53416 → 127\.0\.0\.1:4000/);
    assert.match(text, /three-way handshake/);
    assert.match(text, /three-segment close, server first/);
    // One connection: the editor opens straight to its ladder.
    await webview().locator('.seg').first().waitFor({ timeout: 15000 });
    assert.match(await webview().locator('.ladder-title').innerText(), /^Stream 0:/);
    await page.screenshot({ path: path.join(shots, 'connections.png') });
  });

  it('"Explain TCP connection" from the palette shows the ladder: handshake, data, teardown, states', async () => {
    await runCommand('Explain TCP connection');
    const seg = webview().locator('.seg').first();
    await seg.waitFor({ timeout: 15000 });
    const ladder = await webview().locator('.ladder').innerText();
    for (const expected of ['[SYN] Seq=0 Win=65495 Len=0 MSS=65495', '[SYN, ACK] Seq=0 Ack=1', '[FIN, ACK] Seq=135 Ack=79', 'SYN_SENT', 'CLOSE_WAIT', 'FIN_WAIT_1', 'TIME_WAIT']) {
      assert.ok(ladder.includes(expected), `the ladder does not show "${expected}":\n${ladder}`);
    }
    for (const section of ['THREE-WAY HANDSHAKE', 'DATA', 'TEARDOWN']) assert.ok(ladder.toUpperCase().includes(section), section);
    // The connection in words above the ladder, and a note on every step.
    assert.match(ladder, /Opened with a three-way handshake.*Closed in three segments/s);
    const notes = await webview().locator('.seg .note').allInnerTexts();
    assert.equal(notes.length, 10);
    assert.equal(notes[2], 'ACKs the SYN-ACK: handshake done · Ack = 0 + 1 (SYN) = 1');
    assert.equal(notes[9], 'Last ACK; server waits in TIME_WAIT (2×MSL) · Ack = 79 + 1 (FIN) = 80');
  });

  it('hovering a step\'s note gives the whole explanation; a state says what it means', async () => {
    const tip = webview().locator('.tooltip');
    await webview().locator('.seg .note').nth(2).hover();
    await tip.waitFor({ state: 'visible' });
    assert.match(await tip.innerText(), /Why a third segment.*both directions work/s);
    await page.screenshot({ path: path.join(shots, 'ladder-note.png') });
    await webview().locator('.seg .state[data-state="TIME_WAIT"]').first().hover();
    await page.waitForTimeout(300);
    assert.match(await tip.innerText(), /2×MSL/);
    await webview().locator('.story details summary').click();
    assert.match(await webview().locator('.story').innerText(), /iRTT .* ms/);
  });

  it('"Copy as Markdown" above the ladder copies the explanation', async () => {
    await webview().locator('.ladder-tools [data-export="markdown"]').click();
    // code-server's test mode shows no notification toasts: the clipboard is the proof.
    let copied = '';
    for (let i = 0; i < 50 && !copied.startsWith('## '); i++) {
      await page.waitForTimeout(200);
      copied = await page.evaluate(() => navigator.clipboard.readText());
    }
    assert.match(copied, /^## Stream 0: 127\.0\.0\.1:53416 → 127\.0\.0\.1:4000/);
    assert.match(copied, /\| 3 \| .* \| ACKs the SYN-ACK: handshake done · Ack = 0 \+ 1 \(SYN\) = 1 \|/);
  });

  it('hovering SYN says what it means; hovering Ack=1 says where the 1 comes from', async () => {
    await webview().locator('.seg .flag', { hasText: 'SYN' }).first().hover();
    const tip = webview().locator('.tooltip');
    await tip.waitFor({ state: 'visible' });
    assert.match(await tip.innerText(), /initial sequence number/);
    await page.screenshot({ path: path.join(shots, 'hover-syn.png') });
    await webview().locator('.seg .num[data-num="ack"]').nth(1).hover();
    await page.waitForTimeout(300);
    assert.match(await tip.innerText(), /peer's SYN used sequence number 0/);
    await page.screenshot({ path: path.join(shots, 'ladder.png') });
  });

  it('clicking an arrow shows the segment\'s fields', async () => {
    await webview().locator('.seg').nth(7).click();
    const details = await webview().locator('.details').innerText();
    assert.match(details, /FIN, ACK/);
    assert.match(details, /CLOSE_WAIT/);
  });

  it('the connection table works from the keyboard, and the choice survives hiding the editor', async () => {
    await quickOpen('09_many_short_connections_200_plus_20_port_reuse.pcapng');
    const first = webview().locator('.conn-table tbody tr[data-stream]').first();
    await first.waitFor({ timeout: 30000 });
    // All 220 are counted in the header; only the rows in view (and a few more) are in the page.
    assert.equal(await webview().locator('.conn-count').innerText(), '220');
    const drawn = await webview().locator('.conn-table tbody tr[data-stream]').count();
    assert.ok(drawn > 5 && drawn < 120, `${drawn} rows drawn`);
    await first.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const title = webview().locator('.ladder-title');
    await title.filter({ hasText: /^Stream 2:/ }).waitFor({ timeout: 15000 });
    // Another editor in front, then back: the webview is rebuilt from its saved state.
    await quickOpen('01_http_node_conn_close.pcap');
    await page.waitForTimeout(1500);
    await quickOpen('09_many_short_connections_200_plus_20_port_reuse.pcapng');
    await title.filter({ hasText: /^Stream 2:/ }).waitFor({ timeout: 15000 });
    assert.equal(await webview().locator('.conn-table tbody tr[aria-selected="true"]').getAttribute('data-stream'), '2');
  });

  it('a long connection is paged: only the rows in view are drawn', async () => {
    await quickOpen('07_loss10pct_600KB_client_side.pcapng');
    const row = webview().locator('.conn-table tbody tr[data-stream]').first();
    await row.waitFor({ timeout: 30000 });
    await row.click();
    await webview().locator('.seg').first().waitFor();
    const drawn = await webview().locator('.seg').count();
    assert.ok(drawn > 5 && drawn < 60, `${drawn} rows drawn for 825 segments`);
    await webview().locator('.ladder-scroll').evaluate((e) => {
      e.scrollTop = e.scrollHeight;
    });
    await webview().locator('.seg[data-frame="826"]').waitFor({ timeout: 15000 });
    assert.ok((await webview().locator('.seg').count()) < 60);
    assert.match(await webview().locator('.ladder').innerText(), /retransmission|duplicate ack/);
  });

  it('capture text is highlighted, and a hover explains Flags [S.] (screenshot)', async () => {
    await quickOpen('01_http_node_conn_close.tcpdump');
    const line = page.locator('.monaco-editor .view-line').filter({ hasText: 'Flags [S.]' }).first();
    await line.waitFor({ timeout: 15000 });
    // Highlighted: the line is cut into several coloured tokens, not one plain run.
    // (The grammar loads after the first paint: wait for the colours.)
    let colours = 0;
    for (let i = 0; i < 50 && colours < 3; i++) {
      colours = await line.locator('span > span').evaluateAll((spans) => new Set(spans.map((e) => getComputedStyle(e).color)).size);
      if (colours < 3) await page.waitForTimeout(200);
    }
    assert.ok(colours >= 3, `${colours} colours on a tcpdump line`);
    await line.locator('span', { hasText: /^S$|^\[S\.\]$|S\./ }).first().hover();
    const hover = page.locator('.monaco-hover-content').first();
    await hover.waitFor({ state: 'visible', timeout: 15000 });
    assert.match(await hover.innerText(), /SYN \+ ACK[\s\S]*accepts/);
    await page.screenshot({ path: path.join(shots, 'capture-text-hover.png') });
    await page.keyboard.press('Escape');
    // Back to the capture the theme tests look at: close the text editor in front of it.
    await quickOpen('07_loss10pct_600KB_client_side.pcapng');
    await webview().locator('.seg').first().waitFor({ timeout: 15000 });
  });

  it('stays legible in a dark theme (screenshot)', async () => {
    await colorTheme('Dark Modern');
    await webview().locator('.seg').first().waitFor();
    await page.screenshot({ path: path.join(shots, 'ladder-dark.png') });
  });

  it('stays legible in high contrast (screenshot)', async () => {
    await colorTheme('Dark High Contrast');
    await webview().locator('.seg').first().waitFor();
    await page.screenshot({ path: path.join(shots, 'ladder-high-contrast.png') });
  });

  it('speaks Chinese when the language setting says so (screenshot)', async () => {
    await colorTheme('Light Modern');
    await runCommand('Preferences: Open User Settings (JSON)');
    await page.waitForTimeout(1500);
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText('{"tcpExplainer.language": "zh-cn", "workbench.colorTheme": "Light Modern"}');
    await page.keyboard.press('Control+S');
    await page.waitForTimeout(1000);
    await quickOpen('01_http_node_conn_close.pcapng');
    await runCommand('Explain TCP connection');
    await webview().locator('.seg').first().waitFor({ timeout: 15000 });
    await webview().locator('.ladder-scroll').evaluate((e) => {
      e.scrollTop = e.scrollHeight;
    });
    const note = webview().locator('.seg .note', { hasText: '三次挥手' });
    await note.waitFor({ timeout: 15000 });
    assert.match(await webview().locator('.story').innerText(), /通过三次握手建立/);
    assert.match(await webview().locator('.conn-table').innerText(), /三次挥手，服务器先关闭/);
    await note.hover();
    await webview().locator('.tooltip').waitFor({ state: 'visible' });
    assert.match(await webview().locator('.tooltip').innerText(), /三个报文段而不是四个/);
    await page.screenshot({ path: path.join(shots, 'ladder-zh-cn.png') });
  });
});
