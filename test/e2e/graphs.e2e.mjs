// End-to-end: a connection's graphs beside its ladder, in a real VS Code (code-server) and
// headless Chromium. The 07 capture (600 kB through a link that dropped 10%) draws its
// tcptrace graph with the retransmissions tshark flags; a drag zooms, a click on a point
// selects its ladder row, the ladder's selection shows on the graph, the direction and the
// graph switch, the data saved as CSV equals the command line's. Screenshots light, dark and
// Chinese go to test/screenshots/.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureWebview, openWorkbench, pickFromQuickInput, screenshotOnFailure, userSettings } from './workbench.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shots = path.join(root, 'test', 'screenshots');
const LOSS = '07_loss10pct_600KB_client_side.pcap';
const cli = (...args) => execFileSync(process.execPath, [path.join(root, 'dist', 'cli.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });

/** The loss capture's bytes, and where its first `records` records end. */
function cutAfter(records) {
  const whole = fs.readFileSync(path.join(root, 'test', 'fixtures', LOSS));
  let cut = 24;
  for (let k = 0; k < records; k++) cut += 16 + whole.readUInt32LE(cut + 8);
  return { whole, cut };
}
/** Captures still being written: their first records are there before VS Code starts (Quick Open knows them). */
const GROWING = { graph: ['growing.pcap', 300], follow: ['growing-follow.pcap', 200] };

describe('graphs of a connection over time beside its ladder (code-server + Chromium)', function () {
  this.timeout(240000);
  let workbench;
  let page;
  /** A folder of its own: saved graphs land beside the capture, not in test/fixtures. */
  let folder;
  const webview = () => captureWebview(page);
  const pick = (key, text, settle = 1000) => pickFromQuickInput(page, key, text, settle);
  const plot = () => webview().locator('.graph-plot');
  const xRange = async () => (await plot().getAttribute('data-x')).split(' ').map(Number);

  /** Opens `file` as the only editor (a capture editor left open would answer for the page's webview). */
  async function openAlone(file) {
    await pick('F1', 'View: Close All Editors', 500);
    await webview().locator('body').waitFor({ state: 'detached', timeout: 10000 }).catch(() => undefined);
    await pick('Control+P', file);
  }

  async function openGraphs(file, stream) {
    await openAlone(file);
    const row = webview().locator(`.conn-table tbody tr[data-stream="${stream}"]`);
    await row.waitFor({ timeout: 30000 });
    await row.click();
    await webview().locator('.seg').first().waitFor({ timeout: 15000 });
    await webview().locator('.inspector [data-tab="graphs"]').click();
    await plot().locator('canvas').first().waitFor({ timeout: 30000 });
  }

  /** Moves over the plot until the pointer is on a point (its tooltip shows); returns where and the tooltip. */
  async function findPoint() {
    const box = await plot().locator('.u-over').boundingBox();
    for (let fx = 0.3; fx <= 0.8; fx += 0.1) {
      for (let y = box.y + 4; y < box.y + box.height; y += 5) {
        const x = box.x + box.width * fx;
        await page.mouse.move(x, y);
        const tip = webview().locator('.graph-tip:not([hidden])');
        if (await tip.count()) return { x, y, text: await tip.innerText() };
      }
    }
    throw new Error('no point found under the pointer');
  }

  before(async () => {
    fs.mkdirSync(shots, { recursive: true });
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-graphs-'));
    fs.copyFileSync(path.join(root, 'test', 'fixtures', LOSS), path.join(folder, LOSS));
    for (const [name, records] of Object.values(GROWING)) {
      const { whole, cut } = cutAfter(records);
      fs.writeFileSync(path.join(folder, name), whole.subarray(0, cut));
    }
    // Room for the ladder and the graphs side by side: a wide window, no chat beside the editor.
    workbench = await openWorkbench({ folder, width: 1600, height: 1000 });
    page = workbench.page;
  });

  afterEach(async function () {
    await screenshotOnFailure(page, this.currentTest, shots);
  });

  after(async () => {
    await workbench?.close();
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('the loss capture draws its tcptrace graph: as many points as the command line, retransmissions in the legend', async () => {
    await openGraphs(LOSS, 0);
    await webview().locator('.graph-heading', { hasText: 'Sequence numbers (tcptrace)' }).waitFor({ timeout: 15000 });
    const json = JSON.parse(cli('graph', path.join(folder, LOSS), '--stream', '0', '--kind', 'tcptrace', '--format', 'json'));
    const points = json.series.reduce((n, s) => n + s.count, 0);
    assert.ok(points > 500, `${points} points`);
    assert.equal(await webview().locator('.graph-status').innerText(), `${points} points`);
    // The legend names every set drawn, retransmissions among them (the capture lost 10%).
    const sets = await webview().locator('.graph-legend li').evaluateAll((li) => li.map((x) => x.getAttribute('data-set')));
    assert.deepEqual(sets, json.series.filter((s) => s.count > 0).map((s) => s.id));
    assert.ok(sets.includes('retransmission'), `legend: ${sets}`);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(shots, 'graphs-tcptrace.png') });
  });

  it('a drag zooms into a band of time, and double-click resets', async () => {
    const [lo, hi] = await xRange();
    const box = await plot().locator('.u-over').boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.52, { steps: 8 });
    await page.mouse.up();
    await webview().locator('.graph-plot[data-zoomed="true"]').waitFor({ timeout: 5000 });
    const [zlo, zhi] = await xRange();
    assert.ok(zlo > lo && zhi < hi && zhi - zlo < (hi - lo) * 0.25, `zoomed ${zlo}..${zhi} of ${lo}..${hi}`);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(shots, 'graphs-zoomed.png') });
    await page.mouse.dblclick(box.x + box.width * 0.6, box.y + box.height * 0.5);
    await webview().locator('.graph-plot[data-zoomed="false"]').waitFor({ timeout: 5000 });
    assert.deepEqual(await xRange(), [lo, hi]);
  });

  it("a click on a point selects its segment's ladder row; the ladder's selection shows on the graph", async () => {
    const point = await findPoint();
    const frame = /(?:Frame|帧)\s+(\d+)/.exec(point.text)?.[1];
    assert.ok(frame, `tooltip: ${point.text}`);
    await page.mouse.click(point.x, point.y);
    await webview().locator(`.seg.selected[data-frame="${frame}"]`).waitFor({ timeout: 10000 });
    await webview().locator(`.graph-plot[data-marked="${frame}"]`).waitFor({ timeout: 5000 });
    // And the other way: a ladder row chosen on the ladder is marked on the graph.
    // The ladder redraws its rows as it scrolls to the selection: name the row by its frame.
    await page.waitForTimeout(500);
    const frames = await webview().locator('.seg:not(.selected)').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-frame')));
    const otherFrame = frames[Math.min(3, frames.length - 1)];
    await webview().locator(`.seg[data-frame="${otherFrame}"]`).click();
    await webview().locator(`.graph-plot[data-marked="${otherFrame}"]`).waitFor({ timeout: 5000 });
  });

  it('switches direction and graph; the throughput window is kept; the RTT graph draws the iRTT', async () => {
    const heading = webview().locator('.graph-heading');
    const before = await heading.innerText();
    const side = webview().locator('select.graph-side');
    const other = await side.evaluate((s) => [...s.options].find((o) => !o.selected).value);
    await side.selectOption(other);
    await page.waitForFunction(() => true);
    await webview().locator('.graph-heading').filter({ hasNotText: before }).waitFor({ timeout: 15000 });
    const [, from, to] = /· ([^ ]+) → ([^ ]+)$/.exec(before);
    assert.match(await heading.innerText(), new RegExp(`${to.replace(/[.[\]]/g, '\\$&')} → ${from.replace(/[.[\]]/g, '\\$&')}`));
    await side.selectOption(other === 'client' ? 'server' : 'client');
    await webview().locator('.graph-kinds [data-kind="throughput"]').click();
    await heading.filter({ hasText: 'Throughput' }).waitFor({ timeout: 15000 });
    const input = webview().locator('.graph-window input');
    await input.fill('0.25');
    await input.press('Enter');
    await heading.filter({ hasText: 'Moving average over 0.25 s' }).waitFor({ timeout: 15000 });
    await webview().locator('.graph-kinds [data-kind="rtt"]').click();
    await heading.filter({ hasText: 'Round-trip time' }).waitFor({ timeout: 15000 });
    await webview().locator('.graph-legend li[data-set="irtt"]').waitFor({ timeout: 5000 });
    await webview().locator('.graph-kinds [data-kind="throughput"]').click();
    // Kept for the next graphs.
    await heading.filter({ hasText: 'Moving average over 0.25 s' }).waitFor({ timeout: 15000 });
    await webview().locator('.graph-kinds [data-kind="tcptrace"]').click();
    await heading.filter({ hasText: 'tcptrace' }).waitFor({ timeout: 15000 });
  });

  it('saves the data as CSV equal to the command line, and the picture as PNG', async () => {
    await webview().locator('.graph-save', { hasText: 'CSV' }).click();
    // VS Code's own save dialog (a path in the quick input in a browser): take what it proposes.
    await page.locator('.quick-input-widget').waitFor({ timeout: 15000 });
    await page.waitForTimeout(800);
    await page.keyboard.press('Enter');
    const csv = path.join(folder, '07_loss10pct_600KB_client_side-stream0-tcptrace.csv');
    for (let i = 0; i < 50 && !fs.existsSync(csv); i++) await page.waitForTimeout(200);
    const side = await webview().locator('select.graph-side').inputValue();
    const expected = cli('graph', path.join(folder, LOSS), '--stream', '0', '--kind', 'tcptrace', '--direction', side, '--format', 'csv');
    assert.equal(fs.readFileSync(csv, 'utf8'), expected);
    await webview().locator('.graph-save', { hasText: 'PNG' }).click();
    await page.locator('.quick-input-widget').waitFor({ timeout: 15000 });
    await page.waitForTimeout(800);
    await page.keyboard.press('Enter');
    const png = path.join(folder, '07_loss10pct_600KB_client_side-stream0-tcptrace.png');
    for (let i = 0; i < 50 && !fs.existsSync(png); i++) await page.waitForTimeout(200);
    const bytes = fs.readFileSync(png);
    assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
    assert.ok(bytes.length > 5000, `${bytes.length} bytes`);
  });

  it('a capture still being written (Follow): the graph grows with the connection, its zoom kept', async () => {
    // The 07 capture cut after 300 records, the rest written once Follow is on, as a running
    // tcpdump -w leaves a file.
    const [name, records] = GROWING.graph;
    const { whole, cut } = cutAfter(records);
    const growing = path.join(folder, name);
    await openGraphs(name, 0);
    const pointsShown = async () => Number((await webview().locator('.graph-status').innerText()).replace(/\D/g, ''));
    const early = await pointsShown();
    await webview().locator('[data-live="follow"]').click();
    await webview().locator('[data-live="follow"][aria-pressed="true"]').waitFor({ timeout: 10000 });
    // Zoom in first: the graph that comes when the connection grows keeps it.
    const box = await plot().locator('.u-over').boundingBox();
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.52, { steps: 8 });
    await page.mouse.up();
    await webview().locator('.graph-plot[data-zoomed="true"]').waitFor({ timeout: 5000 });
    const zoomed = await xRange();
    fs.appendFileSync(growing, whole.subarray(cut));
    const json = JSON.parse(cli('graph', path.join(folder, LOSS), '--stream', '0', '--kind', 'tcptrace', '--format', 'json'));
    const all = json.series.reduce((n, x) => n + x.count, 0);
    assert.ok(early < all, `${early} points before the rest was written, ${all} in the whole capture`);
    await webview().locator('.graph-status').filter({ hasText: `${all} points` }).waitFor({ timeout: 30000 });
    assert.equal(await plot().getAttribute('data-zoomed'), 'true');
    assert.deepEqual(await xRange(), zoomed);
    await webview().locator('[data-live="follow"]').click();
  });

  it('Follow TCP stream grows with it too: the bytes each side sent, as the command line counts them', async () => {
    const [name, records] = GROWING.follow;
    const { whole, cut } = cutAfter(records);
    const growing = path.join(folder, name);
    await openAlone(name);
    await webview().locator('.conn-table tbody tr[data-stream="0"]').click();
    await webview().locator('.seg').first().waitFor({ timeout: 15000 });
    await webview().locator('.inspector [data-tab="follow"]').click();
    const summary = webview().locator('.follow-summary .who.from-server');
    await summary.waitFor({ timeout: 15000 });
    const early = await summary.innerText();
    await webview().locator('[data-live="follow"]').click();
    fs.appendFileSync(growing, whole.subarray(cut));
    const chunks = JSON.parse(cli('follow', path.join(folder, LOSS), '--stream', '0', '--format', 'json')).chunks;
    const serverBytes = chunks.filter((c) => c.from === 'server').reduce((n, c) => n + c.hex.length / 2, 0);
    assert.ok(!early.includes(`${serverBytes} bytes`), `already whole before it grew: ${early}`);
    await summary.filter({ hasText: new RegExp(`: ${serverBytes} bytes`) }).waitFor({ timeout: 30000 });
    await webview().locator('[data-live="follow"]').click();
    await webview().locator('.inspector [data-tab="graphs"]').click();
  });

  it('reads well in a dark theme and in Chinese (screenshots)', async () => {
    await userSettings(page, { 'workbench.colorTheme': 'Dark Modern' });
    await page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: 15000 });
    await openGraphs(LOSS, 0);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(shots, 'graphs-dark.png') });
    await userSettings(page, { 'workbench.colorTheme': 'Light Modern', 'tcpExplainer.language': 'zh-cn' });
    await page.locator('.monaco-workbench.vs').waitFor({ timeout: 15000 });
    await openGraphs(LOSS, 0);
    await webview().locator('.graph-heading', { hasText: '序列号（tcptrace）' }).waitFor({ timeout: 15000 });
    assert.match(await webview().locator('.graph-tools').innerText(), /重置缩放/);
    await page.screenshot({ path: path.join(shots, 'graphs-zh-cn.png') });
  });
});
