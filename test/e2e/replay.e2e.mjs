// End-to-end: Replay, in a real VS Code (code-server) and headless Chromium. The tutorial's
// connection played one segment at a time: after each step the lane heads show the states the
// CLI gives for that segment; Space plays, Escape brings every row back; a long connection's
// last step waits for its page; another connection ends the replay; the words are Chinese in
// Chinese. Screenshots light, dark and Chinese go to test/screenshots/replay-*.png.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureWebview, openWorkbench, pickFromQuickInput, screenshotOnFailure, userSettings } from './workbench.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shots = path.join(root, 'test', 'screenshots');
const TUTORIAL = '01_http_node_conn_close.pcap';
const LONG = '07_loss10pct_600KB_client_side.pcapng';
const MANY = '09_many_short_connections_200_plus_20_port_reuse.pcapng';

/** Each step's states as the command-line tool gives them (the same ladder rows). */
function cliStates(file, stream) {
  const out = execFileSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'explain', path.join(root, 'test', 'fixtures', file), '--stream', String(stream), '--format', 'json'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const steps = JSON.parse(out).steps;
  assert.ok(steps.length > 0, `the CLI gives no steps for ${file}`);
  return steps.map((s) => [s.client.state, s.server.state]);
}

describe('Replay: the ladder played step by step (code-server + Chromium)', function () {
  this.timeout(240000);
  let workbench;
  let page;
  const webview = () => captureWebview(page);
  const pick = (key, text, settle = 1000) => pickFromQuickInput(page, key, text, settle);
  const quickOpen = (file) => pick('Control+P', file);
  const laneStates = () => webview().locator('.lanes .lane-head .state').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-state')));
  const counter = () => webview().locator('.replay-step');
  /** Waits until the bar says step k of n (in either language). */
  const atStep = (k, n) => counter().filter({ hasText: new RegExp(`^(Step ${k} of ${n}|第 ${k} 步，共 ${n} 步)$`) }).waitFor({ timeout: 20000 });

  async function openStream(file, stream) {
    await quickOpen(file);
    const row = webview().locator(`.conn-table tbody tr[data-stream="${stream}"]`);
    await row.waitFor({ timeout: 30000 });
    await row.click();
    await webview().locator('.ladder-title').filter({ hasText: new RegExp(`^(Stream|流) ${stream}:`) }).waitFor({ timeout: 15000 });
    await webview().locator('.seg').first().waitFor({ timeout: 15000 });
  }

  /** The current step's row is on screen: inside the ladder's scroller, and the page. */
  async function currentRowShows() {
    const where = await webview().locator('.seg.selected').evaluate((row) => {
      const r = row.getBoundingClientRect();
      const box = row.closest('.ladder-scroll').getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, boxTop: box.top, boxBottom: box.bottom, height: window.innerHeight };
    });
    assert.ok(where.top >= Math.max(0, where.boxTop) - 1 && where.bottom <= Math.min(where.height, where.boxBottom) + 1, `current row off screen: ${JSON.stringify(where)}`);
  }

  async function startReplay() {
    await webview().locator('.ladder-tools [data-replay="start"]').click();
    await webview().locator('.replay-bar').waitFor({ state: 'visible', timeout: 5000 });
    // The pointer leaves the button, so its hint does not cover the pictures.
    await counter().hover();
  }

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    workbench = await openWorkbench();
    page = workbench.page;
  });

  afterEach(async function () {
    await screenshotOnFailure(page, this.currentTest, shots);
  });

  after(async () => {
    await workbench?.close();
  });

  it('steps through the handshake and the close with →: the lane heads show the states the CLI gives after each step', async () => {
    const expected = cliStates(TUTORIAL, 0);
    await openStream(TUTORIAL, 0);
    const total = await webview().locator('.seg').count();
    assert.equal(total, expected.length, 'every row drawn before the replay');
    const initial = await laneStates();
    assert.deepEqual(initial, ['CLOSED', 'LISTEN'], 'lane heads before the first segment');

    await startReplay();
    await atStep(0, expected.length);
    assert.equal(await webview().locator('.seg').count(), 0, 'before the first step no segment shows');
    assert.deepEqual(await laneStates(), initial);
    assert.equal(await webview().locator('.replay-note').getAttribute('aria-live'), 'polite');

    for (let k = 1; k <= expected.length; k++) {
      await page.keyboard.press('ArrowRight');
      await atStep(k, expected.length);
      assert.deepEqual(await laneStates(), expected[k - 1], `lane heads after step ${k}`);
      assert.equal(await webview().locator('.seg').count(), k, `rows shown after step ${k}`);
      // The current step is selected, its explanation in the inspector, its note in the bar.
      await webview().locator(`.seg.selected[data-n="${k - 1}"]`).waitFor({ timeout: 5000 });
      assert.match(await webview().locator('.details h2').innerText(), new RegExp(`^Segment ${k}$`));
      const note = await webview().locator(`.seg[data-n="${k - 1}"] .note`).innerText();
      assert.ok((await webview().locator('.replay-note').innerText()).startsWith(note), `the bar's note is the step's: ${note}`);
      if (k === 3) await page.screenshot({ path: path.join(shots, 'replay-light.png') });
    }
    // The handshake, as the learner watched it.
    assert.deepEqual(expected.slice(0, 3), [['SYN_SENT', 'SYN_RECEIVED'], ['ESTABLISHED', 'SYN_RECEIVED'], ['ESTABLISHED', 'ESTABLISHED']]);
    // Past the end nothing moves; back, start and end.
    await page.keyboard.press('ArrowRight');
    await atStep(expected.length, expected.length);
    await page.keyboard.press('ArrowLeft');
    await atStep(expected.length - 1, expected.length);
    assert.deepEqual(await laneStates(), expected[expected.length - 2]);
    await page.keyboard.press('Home');
    await atStep(0, expected.length);
    assert.deepEqual(await laneStates(), initial);
    await page.keyboard.press('End');
    await atStep(expected.length, expected.length);
    assert.deepEqual(await laneStates(), expected[expected.length - 1]);
    await currentRowShows();
    await page.screenshot({ path: path.join(shots, 'replay-light-end.png') });
  });

  it('Space plays one step a second and pauses; Escape brings every row back and keeps the selection', async () => {
    await webview().locator('[data-replay="speed"]').selectOption('steady');
    // Home in the speed list would pick its first entry: press it on the ladder instead.
    await webview().locator('.ladder-scroll').focus();
    await page.keyboard.press('Home');
    await atStep(0, 10);
    assert.equal(await webview().locator('[data-replay="speed"]').inputValue(), 'steady');
    await page.keyboard.press(' ');
    await webview().locator('[data-replay="toggle"][aria-pressed="true"]').waitFor({ timeout: 5000 });
    // It moves on by itself.
    await atStep(1, 10);
    await atStep(2, 10);
    await page.keyboard.press(' ');
    await webview().locator('[data-replay="toggle"][aria-pressed="false"]').waitFor({ timeout: 5000 });
    const stopped = await counter().innerText();
    const selected = await webview().locator('.seg.selected').getAttribute('data-n');
    await page.keyboard.press('Escape');
    await webview().locator('.replay-bar').waitFor({ state: 'hidden', timeout: 5000 });
    await webview().locator('.seg').nth(9).waitFor({ timeout: 5000 });
    assert.equal(await webview().locator('.seg').count(), 10, 'every row back');
    assert.equal(await webview().locator('.seg.selected').getAttribute('data-n'), selected, `selection kept (${stopped})`);
    assert.deepEqual(await laneStates(), ['CLOSED', 'LISTEN'], 'lane heads back to the states before the first segment');
    // The speed is remembered for the next replay.
    await startReplay();
    assert.equal(await webview().locator('[data-replay="speed"]').inputValue(), 'steady');
    await page.keyboard.press('Escape');
    await webview().locator('.replay-bar').waitFor({ state: 'hidden', timeout: 5000 });
  });

  it("a long connection's last step waits for its page; picking another connection ends the replay", async () => {
    const expected = cliStates(LONG, 0);
    assert.ok(expected.length > 400, `${expected.length} segments: more than the first pages`);
    await openStream(LONG, 0);
    await startReplay();
    await page.keyboard.press('End');
    await atStep(expected.length, expected.length);
    assert.deepEqual(await laneStates(), expected[expected.length - 1]);
    await webview().locator(`.seg.selected[data-n="${expected.length - 1}"]`).waitFor({ timeout: 10000 });
    await currentRowShows();
    await page.keyboard.press('Escape');
    await webview().locator('.replay-bar').waitFor({ state: 'hidden', timeout: 5000 });

    await openStream(MANY, 0);
    await startReplay();
    await page.keyboard.press('ArrowRight');
    await webview().locator('.seg').first().waitFor({ timeout: 5000 });
    await webview().locator('.conn-table tbody tr[data-stream="1"]').click();
    await webview().locator('.ladder-title').filter({ hasText: /^Stream 1:/ }).waitFor({ timeout: 15000 });
    await webview().locator('.replay-bar').waitFor({ state: 'hidden', timeout: 5000 });
    await webview().locator('.seg').nth(3).waitFor({ timeout: 10000 });
    assert.equal(await webview().locator('.ladder-tools [data-replay="start"]').getAttribute('aria-pressed'), 'false');
  });

  it('stays legible in a dark theme (screenshot)', async () => {
    await userSettings(page, { 'workbench.colorTheme': 'Dark Modern' });
    await page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: 15000 });
    await openStream(TUTORIAL, 0);
    await startReplay();
    for (let k = 1; k <= 2; k++) await page.keyboard.press('ArrowRight');
    await atStep(2, 10);
    await page.screenshot({ path: path.join(shots, 'replay-dark.png') });
    await page.keyboard.press('Escape');
    await userSettings(page, { 'workbench.colorTheme': 'Light Modern' });
    await page.locator('.monaco-workbench.vs').waitFor({ timeout: 15000 });
  });

  it('speaks Chinese: the controls, the step and its note (screenshot)', async () => {
    await userSettings(page, { 'tcpExplainer.language': 'zh-cn', 'workbench.colorTheme': 'Light Modern' });
    await openStream(TUTORIAL, 0);
    assert.equal(await webview().locator('.ladder-tools [data-replay="start"]').innerText(), '回放');
    await startReplay();
    await atStep(0, 10);
    const words = async (sel) => (await webview().locator(sel).innerText()).trim();
    assert.equal(await words('[data-replay="toggle"]'), '播放');
    assert.equal(await words('[data-replay="previous"]'), '上一步');
    assert.equal(await words('[data-replay="next"]'), '下一步');
    assert.equal(await words('[data-replay="exit"]'), '退出回放');
    assert.deepEqual(await webview().locator('[data-replay="speed"] option').allInnerTexts(), ['按实际时间（压缩）', '每秒一步']);
    assert.match(await words('.replay-note'), /[\u4e00-\u9fff]{4}/);
    await page.keyboard.press('ArrowRight');
    await atStep(1, 10);
    assert.deepEqual(await laneStates(), ['SYN_SENT', 'SYN_RECEIVED']);
    assert.match(await words('.replay-note'), /[\u4e00-\u9fff]{4}/);
    assert.doesNotMatch(await words('.replay-bar'), /\b(Step|Play|Pause|Previous|Next|Speed|Exit)\b/);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await atStep(3, 10);
    await page.screenshot({ path: path.join(shots, 'replay-zh-cn.png') });
    await page.keyboard.press('Escape');
    await userSettings(page, { 'workbench.colorTheme': 'Light Modern' });
  });
});
