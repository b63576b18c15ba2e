// Runs the integration suite (out/test/integration/index.js) inside the extension host of a
// real VS Code served by code-server, offline, driven by headless Chromium: the route CI
// takes (see ../shared/vscode-offline.md). Resolves with mocha's counts.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startCodeServer } from './codeServer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function workbenchUrl(base, { folder, tests, env } = {}) {
  const payload = [['extensionDevelopmentPath', `vscode-remote://remote${root}`]];
  if (tests) payload.push(['extensionTestsPath', `vscode-remote://remote${tests}`]);
  if (env) payload.push(['extensionEnvironment', JSON.stringify(env)]);
  return `${base}/?folder=${encodeURIComponent(folder ?? path.join(root, 'test', 'fixtures'))}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export async function runIntegration({ timeoutMs = 600000 } = {}) {
  const cs = await startCodeServer();
  const browser = await chromium.launch({ executablePath: process.env.TCPX_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  let results = null;
  try {
    const page = await browser.newPage();
    const exited = new Promise((resolve) => {
      page.exposeFunction('codeAutomationExit', (code) => resolve(code));
    });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const line = formatArgs(args);
      const m = /TCPX-RESULTS (\{.*\})/.exec(line);
      if (m) results = JSON.parse(m[1]);
      process.stdout.write(`${line}\n`);
    });
    await page.goto(workbenchUrl(cs.url, { tests: path.join(root, 'out', 'test', 'integration', 'index.js') }));
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), timeoutMs))]);
    if (code === 'timeout') throw new Error('the integration suite did not finish in time');
    if (!results) throw new Error(`the integration suite exited (${code}) without reporting results`);
    return results;
  } catch (e) {
    process.stderr.write(cs.log().slice(-3000));
    throw e;
  } finally {
    await browser.close();
    cs.stop();
  }
}

/** mocha's console output arrives printf-style: ["%s passing", "5"]. */
function formatArgs(args) {
  if (!Array.isArray(args) || args.length === 0) return String(args ?? '');
  const [fmt, ...rest] = args;
  if (typeof fmt !== 'string') return args.map(String).join(' ');
  let i = 0;
  const out = fmt.replace(/%[sdioOjc%]/g, (m) => (m === '%%' ? '%' : m === '%c' ? (i++, '') : String(rest[i++] ?? '')));
  return [out, ...rest.slice(i).map(String)].join(' ');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runIntegration().then(
    (r) => {
      console.log(`\nintegration: ${r.passes} passed, ${r.failures} failed`);
      process.exit(r.failures ? 1 : 0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
