// The extension host's memory while a big capture opens in a real VS Code (code-server, driven
// by headless Chromium, offline): the figure issue 10 sets a limit on ("the extension host
// process, which runs the indexing worker as a thread, ends at most at 600 MB"). The host's RSS
// is read from /proc every 250 ms, from before the capture is opened until it has settled.
//
// A small capture is opened first, so that VS Code has shown a webview (as the issue times the
// first rows). It prints, in MB: the host before opening the big one; when its first rows show
// (and when, from the keypress that opens it); the peak; when the analysis ends (the facts line
// stops saying "analysing"); 5 s, 15 s and 45 s after that; and the seconds from the analysis'
// end until the host stays under 600 MB.
//
//   npm run bench:host                  (a capture of 3.4 GB, 150,000 connections, made in bench/data/)
//   node bench/host-memory.mjs [CAPTURE] [--bytes N] [--connections N]
//
// Needs code-server (bash .ci/setup-debian, or test/integration/install-vscode.sh) and dist/.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startCodeServer } from '../test/integration/codeServer.mjs';
import { CHROMIUM_ARGS, workbenchUrl } from '../test/integration/runInCodeServer.mjs';
import { captureWebview } from '../test/e2e/workbench.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const valueOf = (flag, fallback) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
const LIMIT_MB = 600;

let capture = args.find((a, i) => !a.startsWith('--') && !['--bytes', '--connections'].includes(args[i - 1]));
if (!capture) {
  const bytes = valueOf('--bytes', 3.4e9);
  const connections = valueOf('--connections', 150000);
  capture = path.join(here, 'data', `host-${(bytes / 1e9).toFixed(1)}gb-${Math.round(connections / 1000)}k.pcap`);
  if (!fs.existsSync(capture)) {
    fs.mkdirSync(path.dirname(capture), { recursive: true });
    const r = spawnSync(process.execPath, [path.join(here, 'make-capture.mjs'), capture, '--bytes', String(bytes), '--connections', String(connections)], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(1);
  }
}
capture = path.resolve(capture);
// The workbench opens a folder that holds the capture alone (a link: no copy of gigabytes).
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-host-memory-'));
const name = path.basename(capture);
fs.symlinkSync(capture, path.join(folder, name));
const warmUp = 'warm-up.pcap';
fs.copyFileSync(path.join(here, '..', 'test', 'fixtures', '01_http_node_conn_close.pcap'), path.join(folder, warmUp));

/** RSS in MB of the extension host processes (there is one: this window's). */
function hostRssMb() {
  const lines = execFileSync('ps', ['-eo', 'pid=,rss=,args='], { encoding: 'utf8' }).split('\n');
  const hosts = lines.filter((l) => /extensionHost/.test(l));
  return hosts.reduce((mb, l) => Math.max(mb, Number(l.trim().split(/\s+/)[1]) / 1024), 0);
}

const cs = await startCodeServer();
const browser = await chromium.launch({ executablePath: process.env.TCPX_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
const samples = [];
let timer = null;
try {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 950 } })).newPage();
  await page.goto(workbenchUrl(cs.url, { folder }));
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  // The host is up and the extension registered before a capture is opened.
  await page.waitForTimeout(8000);
  const quickOpen = async (file) => {
    await page.keyboard.press('Control+P');
    await page.keyboard.type(file);
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 30000 });
    await page.waitForTimeout(500);
  };
  await quickOpen(warmUp);
  await page.keyboard.press('Enter');
  await captureWebview(page).locator('.conn-table tbody tr[data-stream]').first().waitFor({ timeout: 60000 });
  // Closed again: the only capture webview is then the big capture's.
  await page.keyboard.press('Control+W');
  await page.waitForTimeout(3000);
  const before = hostRssMb();
  if (before === 0) throw new Error('no extension host process found');
  await quickOpen(name);
  const t0 = Date.now();
  const at = () => (Date.now() - t0) / 1000;
  timer = setInterval(() => samples.push({ s: at(), mb: hostRssMb() }), 250);
  await page.keyboard.press('Enter');
  const webview = captureWebview(page);
  await webview.locator('.conn-table tbody tr[data-stream]').first().waitFor({ timeout: 120000 });
  const firstRows = { s: at(), mb: hostRssMb() };
  await webview.locator('.facts', { hasNotText: /reading|analysing/ }).waitFor({ timeout: 600000 });
  const analysed = { s: at(), mb: hostRssMb() };
  const facts = (await webview.locator('.facts').innerText()).replace(/\s+/g, ' ');
  await page.waitForTimeout(45000);
  clearInterval(timer);
  timer = null;
  const after = (s) => samples.filter((x) => x.s >= analysed.s + s)[0]?.mb ?? null;
  // From the analysis' end, the first moment after which every sample stays under the limit.
  let under = null;
  for (let i = samples.length - 1; i >= 0 && samples[i].mb <= LIMIT_MB; i--) under = samples[i].s;
  const result = {
    capture: path.relative(process.cwd(), capture),
    facts,
    beforeMb: before,
    firstRows,
    peakMb: Math.max(...samples.map((x) => x.mb)),
    analysed,
    after5sMb: after(5),
    after15sMb: after(15),
    after45sMb: samples[samples.length - 1].mb,
    underLimitAfterAnalysisSeconds: under === null ? null : Math.max(0, under - analysed.s),
  };
  const mb = (x) => (x === null ? '-' : `${Math.round(x)} MB`);
  console.log(`${result.capture}: ${facts}`);
  console.log(`extension host RSS: ${mb(before)} before opening; ${mb(firstRows.mb)} at the first rows (${firstRows.s.toFixed(1)} s); peak ${mb(result.peakMb)}`);
  console.log(
    `analysis done at ${analysed.s.toFixed(1)} s: ${mb(analysed.mb)}; 5 s later ${mb(result.after5sMb)}, 15 s later ${mb(result.after15sMb)}, 45 s later ${mb(result.after45sMb)}`,
  );
  console.log(
    `under ${LIMIT_MB} MB for good ${result.underLimitAfterAnalysisSeconds === null ? 'never, in 45 s' : `${result.underLimitAfterAnalysisSeconds.toFixed(1)} s after the analysis ended`} ` +
      `(issue 10: the host ends at most at ${LIMIT_MB} MB) ${result.after45sMb <= LIMIT_MB ? 'PASS' : 'MISS'}`,
  );
  console.log(JSON.stringify(result));
} finally {
  if (timer) clearInterval(timer);
  await browser.close();
  cs.stop();
  fs.rmSync(folder, { recursive: true, force: true });
}
