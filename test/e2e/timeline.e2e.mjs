// End-to-end: the timeline of a whole capture, in a real VS Code (code-server) and headless
// Chromium. The 220 short connections of fixture 09 as bars in stream order (only the rows on
// screen in the page), End to the last one, a click on a bar opens its ladder, a drag zooms,
// the filter box narrows the bars; the loss capture's bar carries its retransmissions. Screenshots
// light, dark and Chinese go to test/screenshots/timeline-*.png. Then 150,000 connections: only a
// window of them in the page, End to the last, the lossy ones marked.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureWebview, openWorkbench, pickFromQuickInput, screenshotOnFailure, userSettings } from './workbench.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shots = path.join(root, 'test', 'screenshots');
const MANY = '09_many_short_connections_200_plus_20_port_reuse.pcap';
const LOSS = '07_loss10pct_600KB_client_side.pcap';
/** Fixture 09 has 220 connections: streams 0 to 219. */
const LAST = 219;

describe('the timeline of every connection (code-server + Chromium)', function () {
  this.timeout(240000);
  let workbench;
  let page;
  const webview = () => captureWebview(page);
  const pick = (key, text, settle = 1000) => pickFromQuickInput(page, key, text, settle);
  const quickOpen = (file) => pick('Control+P', file);
  const row = (stream) => webview().locator(`.tl-row[data-stream="${stream}"]`);

  /** Opens a capture and waits for its table's first row. */
  async function open(file) {
    await quickOpen(file);
    await webview().locator('.view-switch').waitFor({ timeout: 30000 });
  }

  async function showTimeline() {
    await webview().locator('.view-switch [data-view="timeline"]').click();
    await row(0).waitFor({ timeout: 15000 });
  }

  async function ladderTitle(stream) {
    await webview().locator('.ladder-title').filter({ hasText: new RegExp(`^(Stream|流) ${stream}:`) }).waitFor({ timeout: 15000 });
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

  it('switches the table to a timeline: one row per connection, in stream order, only those on screen in the page', async () => {
    await open(MANY);
    await webview().locator('.conn-table tbody tr[data-stream="0"]').waitFor({ timeout: 30000 });
    const tableButton = webview().locator('.view-switch [data-view="table"]');
    assert.equal(await tableButton.getAttribute('aria-pressed'), 'true');
    await showTimeline();
    assert.equal(await webview().locator('.view-switch [data-view="timeline"]').getAttribute('aria-pressed'), 'true');
    assert.equal(await tableButton.getAttribute('aria-pressed'), 'false');
    assert.equal(await webview().locator('.table-wrap').isVisible(), false, 'the table is hidden');
    // Virtualized: a window of rows, not 220.
    const streams = (await webview().locator('.tl-row[data-stream]').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-stream')))));
    assert.ok(streams.length >= 10 && streams.length < 120, `${streams.length} rows in the page`);
    assert.deepEqual(streams, [...streams].sort((a, b) => a - b), 'stream order');
    assert.deepEqual(streams.slice(0, 3), [0, 1, 2]);
    // Every bar has an outcome colour; this capture's connections all closed with FINs.
    assert.equal(await webview().locator('.tl-row[data-stream] .tl-bar.o-closed').count(), streams.length);
    // Ticks on the axis, in seconds.
    assert.match(await webview().locator('.tl-axis-track').innerText(), /\d+(\.\d+)? m?s/);
    await page.screenshot({ path: path.join(shots, 'timeline-light.png') });
  });

  it('End reaches the last connection; Enter and a click on a bar open a connection', async () => {
    const list = webview().locator('.tl-scroll');
    await list.focus();
    await page.keyboard.press('End');
    await webview().locator(`.tl-row.active[data-stream="${LAST}"]`).waitFor({ timeout: 15000 });
    assert.equal(await list.getAttribute('aria-activedescendant'), await row(LAST).getAttribute('id'));
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await ladderTitle(LAST - 1);
    assert.equal(await row(LAST - 1).getAttribute('aria-selected'), 'true');
    await row(LAST).locator('.tl-bar').click();
    await ladderTitle(LAST);
    await page.keyboard.press('Home');
    await webview().locator('.tl-row.active[data-stream="0"]').waitFor({ timeout: 15000 });
  });

  it("hovering a bar says the connection's endpoints, times, outcome and counts", async () => {
    await row(3).locator('.tl-bar').hover();
    const tip = webview().locator('.tooltip');
    await tip.waitFor({ state: 'visible', timeout: 5000 });
    const text = await tip.innerText();
    assert.match(text, /^Stream 3: \S+ → \S+/);
    assert.match(text, /Starts at \d+\.\d{6} s, lasts \d+\.\d{6} s/);
    assert.match(text, /Outcome: closed \(FIN both ways\)/);
    assert.match(text, /\d+ packets/);
    // How to zoom is one hover away.
    await webview().locator('.tl-tools .tl-help').hover();
    await webview().locator('.tooltip').filter({ hasText: /Ctrl\+wheel/ }).waitFor({ state: 'visible', timeout: 5000 });
  });

  it('a drag across the rows zooms to its time range, Reset zoom undoes it, Ctrl+wheel zooms at the pointer', async () => {
    const reset = webview().locator('.tl-tools [data-action="reset-zoom"]');
    assert.equal(await reset.isDisabled(), true);
    const box = await webview().locator('.tl-scroll').boundingBox();
    const axis = await webview().locator('.tl-axis-track').boundingBox();
    const y = box.y + 60;
    await page.mouse.move(axis.x + axis.width * 0.2, y);
    await page.mouse.down();
    await page.mouse.move(axis.x + axis.width * 0.3, y, { steps: 5 });
    await page.mouse.move(axis.x + axis.width * 0.4, y, { steps: 5 });
    await page.mouse.up();
    await webview().locator('.tl-range').filter({ hasText: / s – / }).waitFor({ timeout: 5000 });
    assert.equal(await reset.isDisabled(), false);
    // The dragged fifth of the time (2.8 s to 5.5 s) fills the track: the first rows' connections
    // ended before it, so the list moves to the first one with a bar in view.
    const active = webview().locator('.tl-row.active');
    await active.locator('.tl-bar').waitFor({ timeout: 5000 });
    assert.ok(Number(await active.getAttribute('data-stream')) > 20, `the list shows stream ${await active.getAttribute('data-stream')}`);
    const bars = await webview().locator('.tl-row[data-stream] .tl-bar').count();
    const rows = await webview().locator('.tl-row[data-stream]').count();
    assert.ok(bars < rows, `${bars} bars in ${rows} rows after zooming`);
    await page.screenshot({ path: path.join(shots, 'timeline-zoomed.png') });
    await reset.click();
    assert.equal(await reset.isDisabled(), true);
    await page.mouse.move(axis.x + axis.width / 2, y);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -400);
    await page.keyboard.up('Control');
    await webview().locator('.tl-range').filter({ hasText: / s – / }).waitFor({ timeout: 5000 });
    await reset.click();
  });

  it('follows the filter box: a stream list shows those bars only', async () => {
    const filter = webview().locator('input.filter');
    await filter.fill('tcp.stream in {5 7}');
    await webview().locator('.tl-row[data-stream="7"]').waitFor({ timeout: 10000 });
    await page.waitForTimeout(300);
    const streams = await webview().locator('.tl-row[data-stream]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-stream')));
    assert.deepEqual(streams, ['5', '7']);
    await filter.fill('');
    await row(0).waitFor({ timeout: 10000 });
    // Keys typed next (Quick Open's) must not land in the filter before the workbench takes them.
    await filter.blur();
  });

  it("marks the loss capture's retransmissions on its bar", async () => {
    await open(LOSS);
    await showTimeline();
    const marks = row(0).locator('.tl-mark.retrans');
    await marks.first().waitFor({ timeout: 15000 });
    const n = await marks.count();
    assert.ok(n >= 10, `${n} retransmission marks`);
    // Inside the bar, not beside it.
    const bar = await row(0).locator('.tl-bar').boundingBox();
    const first = await marks.first().boundingBox();
    assert.ok(first.x >= bar.x - 2 && first.x <= bar.x + bar.width + 2, 'the mark is on the bar');
    await page.screenshot({ path: path.join(shots, 'timeline-loss-light.png') });
  });

  it('stays legible in a dark theme, and the view is remembered (screenshots)', async () => {
    await userSettings(page, { 'workbench.colorTheme': 'Dark Modern' });
    await page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: 15000 });
    // Back to the capture: its page comes back from its saved state, still on the timeline.
    await open(MANY);
    await row(0).waitFor({ timeout: 15000 });
    assert.equal(await webview().locator('.view-switch [data-view="timeline"]').getAttribute('aria-pressed'), 'true');
    await page.screenshot({ path: path.join(shots, 'timeline-dark.png') });
    await open(LOSS);
    await row(0).locator('.tl-mark.retrans').first().waitFor({ timeout: 15000 });
    await page.screenshot({ path: path.join(shots, 'timeline-loss-dark.png') });
  });

  it('speaks Chinese: the switch, the legend and the tooltip (screenshot)', async () => {
    await userSettings(page, { 'tcpExplainer.language': 'zh-cn', 'workbench.colorTheme': 'Light Modern' });
    await page.locator('.monaco-workbench.vs').waitFor({ timeout: 15000 });
    await open(MANY);
    await row(0).waitFor({ timeout: 15000 });
    assert.equal(await webview().locator('.view-switch [data-view="timeline"]').innerText(), '时间线');
    assert.match(await webview().locator('.tl-legend').innerText(), /正常关闭/);
    await row(2).locator('.tl-bar').hover();
    await webview().locator('.tooltip').filter({ hasText: /^流 2:/ }).waitFor({ state: 'visible', timeout: 5000 });
    await page.screenshot({ path: path.join(shots, 'timeline-zh-cn.png') });
    await userSettings(page, { 'workbench.colorTheme': 'Light Modern' });
  });
});

describe('the timeline of 150,000 connections (code-server + Chromium)', function () {
  this.timeout(300000);
  let workbench;
  let page;
  let folder;
  let total = 0;
  const webview = () => captureWebview(page);
  const drawn = () => webview().locator('.tl-row[data-stream]');

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-timeline-e2e-'));
    const file = path.join(folder, 'many.pcap');
    // 150,000 short HTTP connections and, among them, a few dozen lossy downloads.
    const made = spawnSync(process.execPath, [path.join(root, 'bench', 'make-capture.mjs'), file, '--connections', '150000', '--bytes', '200000000'], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    total = Number(/(\d+) connections/.exec(made.stdout + made.stderr)?.[1]);
    assert.ok(total >= 150000, made.stdout + made.stderr);
    workbench = await openWorkbench({ folder, width: 1400, height: 950, closeSecondarySideBar: false });
    page = workbench.page;
  });

  afterEach(async function () {
    await screenshotOnFailure(page, this.currentTest, shots);
  });

  after(async () => {
    await workbench?.close();
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('keeps only a window of rows in the page, and End reaches the last connection', async () => {
    await pickFromQuickInput(page, 'Control+P', 'many.pcap');
    await webview().locator('.view-switch [data-view="timeline"]').click();
    await webview().locator('.tl-row[data-stream="0"]').waitFor({ timeout: 60000 });
    await webview().locator('.facts', { hasNotText: /reading/ }).waitFor({ timeout: 180000 });
    await webview().locator(`.tl-scroll[aria-rowcount="${total}"]`).waitFor({ timeout: 30000 });
    await webview().locator('.tl-scroll').focus();
    await page.keyboard.press('End');
    await webview().locator(`.tl-row.active[data-stream="${total - 1}"] .tl-bar`).waitFor({ timeout: 30000 });
    assert.ok((await drawn().count()) < 200, `${await drawn().count()} rows in the page`);
    // Half way by the scroll bar, then back to the top with Home.
    await webview().locator('.tl-scroll').evaluate((e) => {
      e.scrollTop = e.scrollHeight / 2;
    });
    const middle = Math.floor(total / 2);
    await page.waitForFunction(() => true);
    await webview().locator(`.tl-row[data-stream="${middle}"]`).waitFor({ timeout: 15000 });
    // How long scrolling takes, frame by frame, for the record (not asserted: the machine is shared).
    const frames = await webview().locator('.tl-scroll').evaluate(async (e) => {
      const times = [];
      let before = performance.now();
      for (let k = 0; k < 60; k++) {
        e.scrollTop += 22 * 7;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const now = performance.now();
        times.push(now - before);
        before = now;
      }
      times.sort((a, b) => a - b);
      return { median: times[30], worst: times[59] };
    });
    console.log(`      scrolling 7 rows a step: ${frames.median.toFixed(1)} ms a step (two frames), worst ${frames.worst.toFixed(1)} ms, ${total} connections`);
    await page.keyboard.press('Home');
    await webview().locator('.tl-row.active[data-stream="0"]').waitFor({ timeout: 15000 });
  });

  it('the filter finds the lossy downloads, whose bars carry their retransmissions', async () => {
    await webview().locator('input.filter').fill('tcp.analysis.retransmission');
    const first = drawn().first();
    await first.locator('.tl-mark.retrans').first().waitFor({ timeout: 30000 });
    const rows = await webview().locator('.tl-scroll').getAttribute('aria-rowcount');
    assert.ok(Number(rows) > 10 && Number(rows) < 1000, `${rows} connections with retransmissions`);
    await page.screenshot({ path: path.join(shots, 'timeline-big.png') });
    await webview().locator('input.filter').fill('');
  });
});
