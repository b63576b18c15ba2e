// End-to-end: the capture editor in Restricted Mode. The extension declares that it works in
// untrusted workspaces (it reads captures as data and runs nothing from them): a folder the user
// did not trust still opens its captures, explained.
import * as assert from 'node:assert/strict';
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

describe('the capture editor in Restricted Mode (untrusted folder)', function () {
  this.timeout(180000);
  let cs;
  let browser;
  let page;
  let folder;

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-untrusted-'));
    fs.copyFileSync(path.join(root, 'test', 'fixtures', '01_http_node_conn_close.pcapng'), path.join(folder, 'tutorial.pcapng'));
    cs = await startCodeServer({ trust: true });
    browser = await chromium.launch({ executablePath: process.env.TCPX_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(workbenchUrl(cs.url, { folder }));
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await page.screenshot({ path: path.join(shots, 'failed-restricted-mode.png') }).catch(() => undefined);
    }
  });

  after(async () => {
    await browser?.close();
    cs?.stop();
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('a folder the user does not trust opens in Restricted Mode', async () => {
    // VS Code may ask whether to trust the folder's authors (a careful user says no), or open it
    // restricted straight away, as this build does with a fresh profile.
    const no = page.getByRole('button', { name: /No, I don.t trust the authors/i });
    const restricted = page.getByText('Restricted Mode is intended for safe code browsing').first();
    await Promise.race([no.waitFor({ timeout: 60000 }), restricted.waitFor({ timeout: 60000 })].map((p) => p.catch(() => undefined)));
    if (await no.isVisible()) await no.click();
    await restricted.waitFor({ timeout: 30000 });
  });

  it('its capture opens in the TCP Explainer editor, explained', async () => {
    // The custom editor must be registered before a capture is opened.
    await page.waitForTimeout(4000);
    await page.keyboard.press('Control+P');
    await page.keyboard.type('tutorial.pcapng');
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 30000 });
    await page.waitForTimeout(800);
    await page.keyboard.press('Enter');
    const webview = captureWebview(page);
    const row = webview.locator('.conn-table tbody tr[data-stream]').first();
    await row.waitFor({ timeout: 30000 });
    assert.match(await row.innerText(), /three-way handshake/);
    await row.click();
    await webview.locator('.seg').first().waitFor({ timeout: 15000 });
    assert.ok(await page.getByText('Restricted Mode is intended for safe code browsing').first().isVisible(), 'still in Restricted Mode');
    await page.screenshot({ path: path.join(shots, 'restricted-mode.png') });
  });
});
