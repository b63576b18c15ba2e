// End-to-end: a big capture (250 MB, 120,000 connections, made in this run from real loopback
// connections replayed with new addresses) in a real VS Code. The first rows show while the
// capture is still being read; the last connection is reached by scrolling, by End and by the
// filter; its ladder opens. Screenshot in test/screenshots/big-capture.png.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startCodeServer } from '../integration/codeServer.mjs';
import { captureWebview } from './workbench.mjs';
import { CHROMIUM_ARGS, workbenchUrl } from '../integration/runInCodeServer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shots = path.join(root, 'test', 'screenshots');

describe('a 250 MB capture in the editor (code-server + Chromium)', function () {
  this.timeout(300000);
  let cs;
  let browser;
  let page;
  let folder;
  let total = 0;
  const webview = () => captureWebview(page);
  const rows = () => webview().locator('.conn-table tbody tr[data-stream]');

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-big-e2e-'));
    const file = path.join(folder, 'big.pcap');
    const made = spawnSync(process.execPath, [path.join(root, 'bench', 'make-capture.mjs'), file, '--bytes', '250000000'], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const m = /([\d]+) connections/.exec(made.stdout + made.stderr);
    assert.ok(m, made.stdout + made.stderr);
    total = Number(m[1]);
    assert.ok(fs.statSync(file).size >= 200e6 && total >= 100000, `${fs.statSync(file).size} bytes, ${total} connections`);
    cs = await startCodeServer();
    browser = await chromium.launch({ executablePath: process.env.TCPX_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1400, height: 950 } })).newPage();
    await page.goto(workbenchUrl(cs.url, { folder }));
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    // The custom editor must be registered before a capture is opened.
    await page.waitForTimeout(5000);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await page.screenshot({ path: path.join(shots, `failed-big-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}.png`) }).catch(() => undefined);
    }
  });

  after(async () => {
    await browser?.close();
    cs?.stop();
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('shows its rows, and the count settles at every connection', async () => {
    await page.keyboard.press('Control+P');
    await page.keyboard.type('big.pcap');
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 30000 });
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    await rows().first().waitFor({ timeout: 60000 });
    // (Rows before the end of reading are proved in test/unit/indexWorker.test.ts, where the
    // worker is timed by its own steps: here the webview may load after a fast read ends.)
    const facts = await webview().locator('.facts').innerText();
    console.log(`      when the first rows showed: ${facts.replace(/\s+/g, ' ')}`);
    // Then the count settles at every connection, as digits.
    await webview().locator('.facts', { hasNotText: /reading/ }).waitFor({ timeout: 120000 });
    assert.equal(await webview().locator('.conn-count').innerText(), String(total));
    // The table's rows (kept in the worker) reach every connection once reading is done.
    await webview().locator(`.conn-table[aria-rowcount="${total + 1}"]`).waitFor({ timeout: 30000 });
    const drawn = await rows().count();
    assert.ok(drawn < 200, `${drawn} rows in the page for ${total} connections`);
  });

  it('reaches the last connection by scrolling', async () => {
    await webview().locator('.table-wrap').evaluate((e) => {
      e.scrollTop = e.scrollHeight;
    });
    await webview().locator(`.conn-table tbody tr[data-stream="${total - 1}"]`).waitFor({ timeout: 15000 });
  });

  it('reaches the last connection with Home and End, and the keys keep their row while it is scrolled away', async () => {
    const wrap = webview().locator('.table-wrap');
    await wrap.evaluate((e) => {
      e.scrollTop = 0;
    });
    // The first row itself: until the scroll is drawn, the rows in the page are the last ones.
    const first = webview().locator('.conn-table tbody tr[data-stream="0"]');
    await first.waitFor({ timeout: 15000 });
    await first.focus();
    await page.keyboard.press('End');
    const last = webview().locator(`.conn-table tbody tr[data-stream="${total - 1}"]`);
    await last.waitFor({ timeout: 15000 });
    await page.waitForFunction(() => true);
    assert.equal(await last.evaluate((e) => e === document.activeElement), true, 'End did not move the focus to the last row');
    // Scrolled away by the mouse, the focused row leaves the page; the table keeps the focus,
    // and the next key moves from that row, bringing it back (as VS Code's lists do).
    await wrap.evaluate((e) => {
      e.scrollTop = 0;
    });
    await first.waitFor({ timeout: 15000 });
    assert.equal(await wrap.evaluate((e) => e.contains(document.activeElement)), true, 'the focus left the table when its row was scrolled away');
    await page.keyboard.press('ArrowUp');
    const beforeLast = webview().locator(`.conn-table tbody tr[data-stream="${total - 2}"]`);
    await beforeLast.waitFor({ timeout: 15000 });
    await page.waitForFunction(() => true);
    assert.equal(await beforeLast.evaluate((e) => e === document.activeElement), true, 'Arrow Up did not move from the scrolled-away row');
    await page.keyboard.press('Home');
    await first.waitFor({ timeout: 15000 });
    await page.keyboard.press('PageDown');
    const focused = await webview().locator('.conn-table tbody tr[data-stream]:focus').getAttribute('data-stream');
    assert.ok(Number(focused) > 5, `Page Down moved to stream ${focused}`);
  });

  it('finds the last connection by filter, and opens its ladder', async () => {
    const filter = webview().locator('input.filter');
    await filter.fill(String(total - 1));
    const only = webview().locator(`.conn-table tbody tr[data-stream="${total - 1}"]`);
    await only.waitFor({ timeout: 15000 });
    await page.waitForTimeout(500);
    assert.equal(await rows().count(), 1);
    await only.click();
    await webview().locator('.seg').first().waitFor({ timeout: 30000 });
    assert.match(await webview().locator('.ladder-title').innerText(), new RegExp(`^Stream ${total - 1}:`));
    // An expression works too, and a wrong one says where.
    await filter.fill('tcp.stream == ');
    await webview().locator('.filter-error').waitFor({ state: 'visible', timeout: 15000 });
    assert.match(await webview().locator('.filter-error').innerText(), /expected a value/);
    await filter.fill(`tcp.stream >= ${total - 3} || tcp.stream == 0`);
    await webview().locator('.conn-table tbody tr[data-stream="0"]').waitFor({ timeout: 15000 });
    await page.waitForTimeout(500);
    assert.equal(await rows().count(), 4);
    await page.screenshot({ path: path.join(shots, 'big-capture.png') });
  });
});
