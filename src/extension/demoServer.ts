import * as http from 'node:http';
import * as net from 'node:net';
import * as vscode from 'vscode';
import { setContextKey } from './contextKeys';
import { say } from './l10n';
import { showErrorWithActions, showInfo } from './notify';

/**
 * The tutorial's demo, built in: the express app that answers "hello world" on port 4000 with
 * `Connection: close`, as a plain Node http server in the extension host, so nothing needs
 * installing. It listens on loopback only. Its modes show what changes the teardown:
 * keep-alive (the server does not close; the client closes when done and waits in TIME_WAIT),
 * a server that resets (RST instead of FIN), and nobody listening (refused). The real express
 * app can also be written into a folder and run in a terminal.
 */

export type DemoMode = 'close' | 'keep-alive' | 'reset';
export type DemoVariant = DemoMode | 'refused';

/** The tutorial's port. */
export const DEMO_PORT = 4000;
/** How long a request may take at most: the learner's click never hangs. */
const REQUEST_TIMEOUT_MS = 5000;
/** In keep-alive mode the client keeps its connection this long, then closes first. */
const CLIENT_KEEPS_MS = 1000;

export interface DemoAnswer {
  port: number;
  status?: number;
  body?: string;
  /** The error's code (ECONNREFUSED, ECONNRESET, ETIMEDOUT…) when there was no answer. */
  error?: string;
}

const SERVER_JS = `// The tutorial's server: answers "hello world" and closes the connection after each answer,
// so one request shows a whole connection: handshake, request, answer, teardown.
const express = require('express');

const app = express();

app.get('/', (req, res) => {
  res.set('Connection', 'close');
  res.send('hello world');
});

app.listen(4000, () => console.log('listening on http://localhost:4000'));
`;

const PACKAGE_JSON = `${JSON.stringify({ name: 'tcp-demo', version: '1.0.0', private: true, main: 'server.js', scripts: { start: 'node server.js' }, dependencies: { express: '^4.21.0' } }, null, 2)}\n`;

function portOf(raw: unknown): number {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const p = (raw as Record<string, unknown>).port;
    if (typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536) return p;
  }
  return DEMO_PORT;
}

export class DemoServer implements vscode.Disposable {
  private servers: http.Server[] = [];
  private readonly sockets = new Set<net.Socket>();
  port = DEMO_PORT;
  mode: DemoMode = 'close';
  /** Requests answered (or reset) since the extension started. */
  served = 0;

  get running(): boolean {
    return this.servers.length > 0;
  }

  /** "Start the demo server" (options: { port, mode }). Resolves with its port, or undefined when it could not listen. */
  async start(rawOptions?: unknown): Promise<number | undefined> {
    const port = portOf(rawOptions);
    const mode = (rawOptions as { mode?: unknown } | undefined)?.mode;
    return this.listen(port, mode === 'keep-alive' || mode === 'reset' ? mode : 'close', true);
  }

  async stop(quiet = false): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    setContextKey('tcpExplainer.demoServerRunning', false);
    if (servers.length && !quiet) showInfo(say('The demo server on port {0} is stopped.', this.port));
  }

  /** "Make a request": one GET to the demo port from the extension host, as curl would. */
  async request(rawOptions?: unknown): Promise<DemoAnswer> {
    const port = rawOptions === undefined && this.running ? this.port : portOf(rawOptions);
    const answer = await oneRequest(port, this.mode === 'keep-alive');
    setContextKey('tcpExplainer.demoRequestMade', true);
    if (answer.error === 'ECONNREFUSED') showInfo(say('Connection refused: nobody listens on port {0}, so its SYN was answered with a RST.', port));
    else if (answer.error === 'ECONNRESET') showInfo(say('The server on port {0} reset the connection (RST) instead of answering.', port));
    else if (answer.error) showInfo(say('The request to port {0} got no answer: {1}', port, answer.error));
    else showInfo(say('The server on port {0} answered {1}: {2}', port, answer.status ?? 0, (answer.body ?? '').slice(0, 80)));
    return answer;
  }

  /** "Open in Simple Browser": the demo page in a browser tab inside VS Code. */
  async openInBrowser(rawOptions?: unknown): Promise<void> {
    const url = `http://localhost:${portOf(rawOptions ?? (this.running ? { port: this.port } : undefined))}/`;
    try {
      await vscode.commands.executeCommand('simpleBrowser.show', url);
    } catch {
      await vscode.env.openExternal(vscode.Uri.parse(url));
    }
  }

  /**
   * "Change one thing": the server keeps connections alive, resets them, or is gone (so the
   * port refuses); then one request shows the difference. Resolves with the answer.
   */
  async variant(rawVariant?: unknown, rawOptions?: unknown): Promise<DemoAnswer | undefined> {
    let v = typeof rawVariant === 'string' && ['close', 'keep-alive', 'reset', 'refused'].includes(rawVariant) ? (rawVariant as DemoVariant) : undefined;
    if (!v) {
      const items: Array<vscode.QuickPickItem & { v: DemoVariant }> = [
        { v: 'keep-alive', label: say('Keep-alive'), detail: say('The server keeps the connection open; the client closes it a second later, so the client waits in TIME_WAIT.') },
        { v: 'refused', label: say('Nobody listening'), detail: say('The demo server stops; the SYN is answered with a RST: the connection is refused.') },
        { v: 'reset', label: say('A server that resets'), detail: say('The server aborts the connection with a RST instead of closing it with a FIN.') },
        { v: 'close', label: say('Back to Connection: close'), detail: say('As the tutorial: the server answers and closes first, so the server waits in TIME_WAIT.') },
      ];
      const picked = await vscode.window.showQuickPick(items, { title: say('Change one thing and see the teardown change') });
      if (!picked) return undefined;
      v = picked.v;
    }
    const port = portOf(rawOptions ?? (this.running ? { port: this.port } : undefined));
    if (v === 'refused') await this.stop(true);
    else if ((await this.listen(port, v, false)) === undefined) return undefined;
    const answer = await this.request({ port });
    if (v !== 'close') setContextKey('tcpExplainer.triedVariant', true);
    return answer;
  }

  /** "Create the express app": server.js and package.json in a folder, run in a terminal. */
  async createApp(rawFolder?: unknown): Promise<vscode.Uri | undefined> {
    let folder = rawFolder instanceof vscode.Uri ? rawFolder : undefined;
    if (!folder) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: say('Create the demo app here'),
        ...(vscode.workspace.workspaceFolders?.[0] ? { defaultUri: vscode.workspace.workspaceFolders[0].uri } : {}),
      });
      folder = picked?.[0];
    }
    if (!folder) return undefined;
    const server = vscode.Uri.joinPath(folder, 'server.js');
    const pkg = vscode.Uri.joinPath(folder, 'package.json');
    const exists = async (u: vscode.Uri): Promise<boolean> => vscode.workspace.fs.stat(u).then(() => true, () => false);
    if (rawFolder === undefined && ((await exists(server)) || (await exists(pkg)))) {
      const replace = say('Replace');
      const answer = await vscode.window.showWarningMessage(say('{0} already has a server.js or package.json. Replace them?', folder.fsPath), { modal: true }, replace);
      if (answer !== replace) return undefined;
    }
    try {
      await vscode.workspace.fs.writeFile(server, new TextEncoder().encode(SERVER_JS));
      await vscode.workspace.fs.writeFile(pkg, new TextEncoder().encode(PACKAGE_JSON));
    } catch (e) {
      await showErrorWithActions(say('Could not write the demo app: {0}', (e as Error).message));
      return undefined;
    }
    // The built-in server would hold port 4000.
    if (this.running && this.port === DEMO_PORT) await this.stop(true);
    const terminal = vscode.window.createTerminal({ name: say('TCP demo server'), cwd: folder });
    terminal.show();
    terminal.sendText('npm install express && node server.js');
    setContextKey('tcpExplainer.demoAppCreated', true);
    await vscode.window.showTextDocument(server, { preview: true });
    return folder;
  }

  dispose(): void {
    void this.stop(true);
  }

  private async listen(port: number, mode: DemoMode, announce: boolean): Promise<number | undefined> {
    this.mode = mode;
    if (this.running && this.port === port) {
      if (announce) this.announce();
      return port;
    }
    await this.stop(true);
    this.port = port;
    const servers: http.Server[] = [];
    // Loopback only, both families: "localhost" may mean ::1 or 127.0.0.1.
    for (const host of ['127.0.0.1', '::1']) {
      const s = http.createServer((req, res) => this.answer(req, res));
      s.on('connection', (socket) => {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
      });
      try {
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.listen(port, host, () => {
            s.off('error', reject);
            resolve();
          });
        });
        servers.push(s);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        // No IPv6 here is fine; the port being taken on IPv4 is not.
        if (host === '127.0.0.1') {
          for (const other of servers) other.close();
          await showErrorWithActions(
            code === 'EADDRINUSE'
              ? say('Port {0} is in use: another server (perhaps the express app) already listens there.', port)
              : say('The demo server could not listen on port {0}: {1}', port, (e as Error).message),
          );
          return undefined;
        }
      }
    }
    this.servers = servers;
    setContextKey('tcpExplainer.demoServerRunning', true);
    if (announce) this.announce();
    return port;
  }

  private announce(): void {
    const how =
      this.mode === 'keep-alive'
        ? say('keeps connections alive')
        : this.mode === 'reset'
          ? say('resets every connection')
          : say('answers with Connection: close');
    showInfo(say('The demo server listens on http://localhost:{0} and {1}.', this.port, how));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.served++;
    setContextKey('tcpExplainer.demoRequestMade', true);
    if (this.mode === 'reset') {
      // An abort: the kernel sends a RST instead of a FIN (SO_LINGER 0).
      const socket = req.socket as net.Socket & { resetAndDestroy?: () => void };
      if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else socket.destroy();
      return;
    }
    const body = 'hello world';
    // As express's res.send: the type, the length, and the tutorial's Connection: close.
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      ...(this.mode === 'close' ? { Connection: 'close' } : {}),
    });
    res.end(body);
  }
}

/**
 * One GET, bounded in time, written on a plain socket as curl would send it (the extension
 * host's http client may go through VS Code's proxy agent, which decides the Connection header
 * itself). The answer is read by its Content-Length. Keep-alive: the client holds the
 * connection a moment, then closes it first; the answer comes once the connection is closed.
 */
function oneRequest(port: number, keepAlive: boolean): Promise<DemoAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let got = Buffer.alloc(0);
    let answer: DemoAnswer | null = null;
    let settled = false;
    const settle = (a: DemoAnswer): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(a);
    };
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => settle({ port, error: 'ETIMEDOUT' }));
    socket.on('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: localhost:${port}\r\nUser-Agent: tcp-explainer-demo\r\nAccept: */*\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      if (answer || got.length > 65536) return;
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = got.subarray(0, end).toString('latin1');
      const length = Number(/^content-length:\s*(\d+)\s*$/im.exec(head)?.[1] ?? 0);
      if (got.length < end + 4 + length) return;
      answer = { port, status: Number(/^HTTP\/\d\.\d (\d{3})/.exec(head)?.[1] ?? 0), body: got.subarray(end + 4, end + 4 + length).toString('utf8') };
      // Keep-alive: the client is done but keeps the connection a moment, then closes first.
      if (keepAlive) setTimeout(() => socket.end(), CLIENT_KEEPS_MS);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => settle(answer ?? { port, error: e.code ?? e.message }));
    // The connection is closed both ways: the whole of it is in the capture.
    socket.on('close', () => settle(answer ?? { port, error: 'ECONNRESET' }));
  });
}
