// End-to-end: inside a segment, in a real VS Code (code-server) and headless Chromium. The
// tutorial's own capture (express on port 4000 opened by Chromium) shows what each segment
// carried and when it came; a segment's layers and bytes light each other; Follow TCP Stream
// shows the request and the answer and links back to the ladder. Screenshots light, dark and
// Chinese go to test/screenshots/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startCodeServer } from '../integration/codeServer.mjs';
import { captureWebview, pickFromQuickInput, screenshotOnFailure, userSettings } from './workbench.mjs';
import { CHROMIUM_ARGS, workbenchUrl } from '../integration/runInCodeServer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shots = path.join(root, 'test', 'screenshots');
const TUTORIAL = '20_express_chromium_localhost_4000_favicon.pcapng';

describe('inside a segment: what it carried, when, its layers and bytes, Follow TCP Stream (code-server + Chromium)', function () {
  this.timeout(180000);
  let cs;
  let browser;
  let page;
  const webview = () => captureWebview(page);
  const pick = (key, text, settle = 1000) => pickFromQuickInput(page, key, text, settle);
  const quickOpen = (file) => pick('Control+P', file);
  const runCommand = (title) => pick('F1', title, 500);

  async function openStream(file, stream) {
    await quickOpen(file);
    const row = webview().locator(`.conn-table tbody tr[data-stream="${stream}"]`);
    await row.waitFor({ timeout: 30000 });
    await row.click();
    await webview().locator('.ladder-title').filter({ hasText: new RegExp(`^(Stream|流) ${stream}:`) }).waitFor({ timeout: 15000 });
    await webview().locator('.seg').first().waitFor({ timeout: 15000 });
  }

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    cs = await startCodeServer();
    browser = await chromium.launch({ executablePath: process.env.TCPX_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    page = await context.newPage();
    await page.goto(workbenchUrl(cs.url));
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await page.waitForTimeout(5000);
    // Room for the ladder and the inspector side by side: no chat beside the editor.
    await runCommand('View: Close Secondary Side Bar').catch(() => page.keyboard.press('Escape'));
  });

  afterEach(async function () {
    await screenshotOnFailure(page, this.currentTest, shots);
  });

  after(async () => {
    await browser?.close();
    cs?.stop();
  });

  it('the tutorial capture shows GET / and the 200 OK on their arrows, and times on the rows', async () => {
    await openStream(TUTORIAL, 0);
    const ladder = await webview().locator('.ladder-canvas').innerText();
    assert.match(ladder, /GET \/ HTTP\/1\.1/);
    assert.match(ladder, /HTTP\/1\.1 200 OK/);
    assert.match(ladder, /hello world/);
    // Each row: seconds since the connection's first segment, and the wait since the one before.
    const times = await webview().locator(".seg .when .at").allInnerTexts();
    assert.ok(times.length >= 5, `${times.length} rows with a time`);
    assert.match(times[0], /0\.000000/);
    // The table says what the connection was.
    await webview().locator('.conn-table tbody tr[data-stream="0"]', { hasText: 'HTTP GET / → 200' }).waitFor({ timeout: 10000 });
    await page.screenshot({ path: path.join(shots, 'inside-ladder.png') });
  });

  it("the GET's layers: link, IPv6, TCP, HTTP; hovering tcp.seq lights its 4 bytes, hovering a byte names its field", async () => {
    await webview().locator('.seg', { hasText: 'GET / HTTP/1.1' }).first().click();
    await webview().locator('.inspector [data-tab="anatomy"]').click();
    const tree = webview().locator('.anatomy-tree');
    await tree.waitFor({ timeout: 15000 });
    const layers = await webview().locator('.anatomy-tree details.layer').evaluateAll((ds) => ds.map((d) => d.getAttribute('data-layer')));
    assert.deepEqual(layers.slice(0, 3), ['eth', 'ipv6', 'tcp'], `layers: ${layers}`);
    assert.ok(layers.includes('http'), `no HTTP layer: ${layers}`);
    const seq = webview().locator('.anatomy-tree .field[data-field="tcp.seq"] > .field-line').first();
    await seq.hover();
    const lit = await webview().locator('.hexdump .hbytes .b.lit').count();
    assert.equal(lit, 4, 'tcp.seq lights 4 bytes');
    // The byte at the TTL's place in IPv6 (hop limit, offset 21) names its field.
    await webview().locator('.hexdump .hbytes .b[data-off="21"]').hover();
    assert.equal(await webview().locator('.anatomy-tree .field.lit').getAttribute('data-field'), 'ipv6.hlim');
    await seq.hover();
    await page.screenshot({ path: path.join(shots, 'inside-anatomy.png') });
  });

  it('Follow TCP Stream shows the request and the answer; a chunk selects its row, a row lights its chunk', async () => {
    await webview().locator('.inspector [data-tab="follow"]').click();
    const body = webview().locator('.follow-body');
    await body.locator('.chunk').first().waitFor({ timeout: 15000 });
    const text = await body.innerText();
    assert.match(text, /^GET \/ HTTP\/1\.1/);
    assert.match(text, /HTTP\/1\.1 200 OK[\s\S]*hello world/);
    assert.equal(await body.locator('.chunk.from-client').count() >= 1, true);
    assert.equal(await body.locator('.chunk.from-server').count() >= 1, true);
    // The server's chunk selects its ladder row.
    const answer = body.locator('.chunk.from-server').first();
    const frame = await answer.getAttribute('data-frame');
    await answer.click();
    await webview().locator(`.seg.selected[data-frame="${frame}"]`).waitFor({ timeout: 5000 });
    // And a ladder row lights the bytes it carried.
    await webview().locator('.seg', { hasText: 'GET / HTTP/1.1' }).first().click();
    await body.locator('.chunk.current.from-client').waitFor({ timeout: 5000 });
    await page.screenshot({ path: path.join(shots, 'inside-follow.png') });
    await body.page().waitForTimeout(100);
    await webview().locator('.follow [data-mode="hex"]').click();
    assert.match(await body.innerText(), /00000000 {2}47 45 54 20 2f 20 48 54 {2}54 50 2f 31 2e 31 0d 0a {2}GET \/ HTTP\/1\.1\.\./);
    await webview().locator('.follow [data-mode="split"]').click();
    await page.screenshot({ path: path.join(shots, 'inside-follow-split.png') });
    await webview().locator('.follow [data-mode="text"]').click();
  });

  it('stays legible in a dark theme (screenshot)', async () => {
    await userSettings(page, { 'workbench.colorTheme': 'Dark Modern' });
    await page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: 15000 });
    // Back to the capture: the settings editor took its place in front.
    await openStream(TUTORIAL, 0);
    await webview().locator('.seg', { hasText: 'GET / HTTP/1.1' }).first().click();
    await webview().locator('.inspector [data-tab="anatomy"]').click();
    await webview().locator('.anatomy-tree').waitFor({ timeout: 15000 });
    await page.screenshot({ path: path.join(shots, 'inside-anatomy-dark.png') });
    await webview().locator('.inspector [data-tab="follow"]').click();
    await page.screenshot({ path: path.join(shots, 'inside-follow-dark.png') });
    await userSettings(page, { 'workbench.colorTheme': 'Light Modern' });
    await page.locator('.monaco-workbench.vs').waitFor({ timeout: 15000 });
  });

  it('speaks Chinese: the tabs, the layers and what each adds (screenshot)', async () => {
    await userSettings(page, { 'tcpExplainer.language': 'zh-cn', 'workbench.colorTheme': 'Light Modern' });
    await openStream(TUTORIAL, 0);
    await webview().locator('.seg', { hasText: 'GET / HTTP/1.1' }).first().click();
    await webview().locator('.inspector [data-tab="anatomy"]').click();
    await webview().locator('.anatomy-tree').waitFor({ timeout: 15000 });
    assert.equal(await webview().locator('.inspector [data-tab="anatomy"]').innerText(), '分层与字节');
    await webview().locator('.anatomy-tree .about').first().waitFor();
    assert.match(await webview().locator('.anatomy-tree').innerText(), /[\u4e00-\u9fff]{4}/);
    await page.screenshot({ path: path.join(shots, 'inside-anatomy-zh-cn.png') });
    await userSettings(page, { 'workbench.colorTheme': 'Light Modern' });
  });
});
