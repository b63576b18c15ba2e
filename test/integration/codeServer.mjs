// Starts code-server (a real VS Code, offline) on a free loopback port with fresh profile
// directories, and stops it with its whole process group. See ../shared/vscode-offline.md.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where test/integration/install-vscode.sh puts Node 24 and code-server (git-ignored). */
export const VSCODE_DIR = process.env.TCPX_VSCODE_DIR ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '.vscode-test');

export function codeServerBinary() {
  const candidates = [process.env.TCPX_CODE_SERVER, path.join(VSCODE_DIR, 'code-server', 'node_modules', '.bin', 'code-server')];
  return candidates.find((c) => c && fs.existsSync(c)) ?? null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** `trust: true` turns Workspace Trust on, so a folder can be opened in Restricted Mode. */
export async function startCodeServer({ node24Bin = path.join(VSCODE_DIR, 'node24', 'bin'), trust = false } = {}) {
  const bin = codeServerBinary();
  if (!bin) throw new Error('code-server is not installed (run test/e2e/install-vscode.sh)');
  const port = await freePort();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-cs-'));
  const dirs = ['user', 'ext', 'xdg-config', 'xdg-data'].map((d) => path.join(tmp, d));
  dirs.forEach((d) => fs.mkdirSync(d, { recursive: true }));
  const config = path.join(tmp, 'config.yaml');
  fs.writeFileSync(config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  const env = { ...process.env, XDG_CONFIG_HOME: dirs[2], XDG_DATA_HOME: dirs[3] };
  if (fs.existsSync(node24Bin)) env.PATH = `${node24Bin}:${env.PATH}`;
  const child = spawn(
    bin,
    [
      '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
      ...(trust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override', '--ignore-last-opened',
      '--user-data-dir', dirs[0], '--extensions-dir', dirs[1], '--config', config,
      '--vscode-option', 'enable-smoke-test-driver',
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`code-server did not start:\n${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  // User settings: no welcome page, and our editor is what opens captures.
  fs.mkdirSync(path.join(dirs[0], 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(dirs[0], 'User', 'settings.json'),
    JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': trust, 'workbench.tips.enabled': false,
      // VS Code's own guess of an untitled editor's language (it prefers languages used lately)
      // would blur what the tests check: the extension's detection of capture text.
      'workbench.editor.languageDetection': false, 'workbench.editor.historyBasedLanguageDetection': false }),
  );
  return {
    url,
    log: () => log,
    stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
