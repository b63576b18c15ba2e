import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { openCapture as openCaptureFile } from '../../src/core/capture/open';
import { MemorySource } from '../../src/core/capture/source';
import { api, fixtures, posted, until, withSetting } from './helpers';

/**
 * Issue 13 in a real VS Code: "Capture and explain" on loopback while a connection happens,
 * the table and the ladder growing before Stop, the saved capture holding every packet the tool
 * counted; the tutorial's walkthrough completing step by step; a capture tool without
 * permission explained, never hanging; a file still being written, followed.
 */

const isRoot = process.getuid?.() === 0;

function which(tool: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Packets in a capture file, as tshark reads them (or our reader when tshark is missing). */
function packetsIn(file: string): number {
  if (which('tshark')) {
    const t = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stderr);
    return t.stdout.trim() ? t.stdout.trim().split('\n').length : 0;
  }
  const reader = openCaptureFile(new MemorySource(new Uint8Array(fs.readFileSync(file))));
  let n = 0;
  while (reader.next()) n++;
  return n;
}

describe('live capture and the tutorial in a real VS Code (issue 13)', function () {
  this.timeout(120000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-live-itest-'));
  const servers: http.Server[] = [];

  afterEach(async () => {
    if ((await api()).liveCapture()?.running) await vscode.commands.executeCommand('tcpExplainer.stopCapture');
    await vscode.commands.executeCommand('tcpExplainer.stopDemoServer');
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function canCapture(ctx: Mocha.Context): void {
    if (!isRoot || !(which('dumpcap') ?? which('tcpdump'))) {
      console.log(`      skipped: capturing for real needs root and dumpcap or tcpdump (${isRoot ? 'root' : 'not root'})`);
      ctx.skip();
    }
  }

  it("the walkthrough's steps complete by themselves: server, capture, request, ladder, one change", async function () {
    canCapture(this);
    const ext = await api();
    const pkg = vscode.extensions.getExtension('tcp-explainer.tcp-explainer')!.packageJSON as {
      contributes: { walkthroughs: Array<{ id: string; steps: Array<{ id: string; completionEvents: string[]; media: { markdown: string } }> }> };
    };
    const walkthrough = pkg.contributes.walkthroughs.find((w) => w.id === 'tutorial');
    assert.ok(walkthrough, 'the walkthrough is contributed');
    assert.deepEqual(walkthrough.steps.map((s) => s.id), ['server', 'capture', 'request', 'ladder', 'change']);
    const root = vscode.extensions.getExtension('tcp-explainer.tcp-explainer')!.extensionPath;
    for (const s of walkthrough.steps) {
      assert.ok(fs.existsSync(path.join(root, s.media.markdown)), `${s.id}: ${s.media.markdown}`);
      assert.ok(fs.existsSync(path.join(root, s.media.markdown.replace('/en/', '/zh-cn/'))), `${s.id}: its Chinese page`);
    }
    const done = (id: string): boolean => {
      const step = walkthrough.steps.find((s) => s.id === id)!;
      const keys = ext.contextKeys();
      return step.completionEvents.some((e) => e.startsWith('onContext:') && keys[e.slice('onContext:'.length)] === true);
    };
    const port = await freePort();
    // Run first in its session: no step is done before its action.
    for (const s of walkthrough.steps) assert.ok(!done(s.id), `step ${s.id} was done before it began`);

    assert.equal(await vscode.commands.executeCommand('tcpExplainer.startDemoServer', { port }), port);
    assert.ok(done('server'));

    const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('tcpExplainer.captureAndExplain', { loopback: true, filter: `tcp port ${port}` });
    assert.ok(uri, ext.recentNotifications().slice(-1).join(''));
    assert.ok(done('capture'));
    const editor = await until('the live editor', () => ext.editorFor(uri));

    const answer = await vscode.commands.executeCommand<{ status?: number; body?: string }>('tcpExplainer.demoRequest', { port });
    assert.deepEqual([answer.status, answer.body], [200, 'hello world']);
    assert.ok(done('request'));

    await until('the capture to see a connection end', () => done('ladder')).catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify({ live: ext.liveCapture(), keys: ext.contextKeys(), finished: editor.document.finished, progress: posted(editor.posted, 'progress').slice(-3) })}`);
    });

    const keepAlive = await vscode.commands.executeCommand<{ status?: number }>('tcpExplainer.demoVariant', 'keep-alive', { port });
    assert.equal(keepAlive.status, 200);
    assert.ok(done('change'));
    const reset = await vscode.commands.executeCommand<{ error?: string }>('tcpExplainer.demoVariant', 'reset', { port });
    assert.equal(reset.error, 'ECONNRESET');
    const refused = await vscode.commands.executeCommand<{ error?: string }>('tcpExplainer.demoVariant', 'refused', { port });
    assert.equal(refused.error, 'ECONNREFUSED');
    assert.equal(ext.demoServer().running, false, 'refused: nobody listens any more');

    // Each change shows in the live table as it happens: how the connection opened and ended.
    // Keep-alive: the client closed first (a second after the answer); reset; refused.
    let seen: Array<{ stream: number; opening: string | null; closing: string | null; activeCloser: string | null }> = [];
    await until('the keep-alive, reset and refused connections in the table', () => {
      seen = posted(editor.posted, 'rows').flatMap((m) => m.page.rows).map(({ stream, opening, closing, activeCloser }) => ({ stream, opening, closing, activeCloser }));
      return (
        seen.some((r) => r.opening === 'refused') &&
        seen.some((r) => r.closing === 'reset' && r.opening === 'three-way-handshake') &&
        seen.some((r) => r.activeCloser === 'client' && r.closing !== 'reset' && r.closing !== 'open-at-end')
      );
    }).catch((e: Error) => {
      throw new Error(`${e.message}; the table showed ${JSON.stringify(seen.slice(-12))}`);
    });
  });

  for (const toolName of ['dumpcap', 'tcpdump']) {
    it(`"Capture and explain" on lo with ${toolName}: the table and the ladder grow before Stop; the saved file has every packet the tool counted`, async function () {
      canCapture(this);
      const toolPath = which(toolName);
      if (!toolPath) {
        console.log(`      skipped: no ${toolName} here`);
        this.skip();
      }
      await withSetting('captureTool', toolPath, () => captureOnLo(toolName));
    });
  }

  async function captureOnLo(toolName: string): Promise<void> {
    const ext = await api();
    const port = await freePort();
    const server = http.createServer((_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('hello world');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

    const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('tcpExplainer.captureAndExplain', { iface: 'lo', filter: `tcp port ${port}` });
    assert.ok(uri, `the capture did not start: ${ext.recentNotifications().slice(-2).join(' | ')}`);
    assert.match(uri.path, /\.pcapng$/);
    assert.equal(ext.liveCapture()?.running, true);
    assert.equal(ext.contextKeys()['tcpExplainer.capturing'], true);
    const editor = await until('the live editor', () => ext.editorFor(uri));
    await until('init', () => posted(editor.posted, 'init')[0]);
    const live = await until('the capture state in the editor', () => posted(editor.posted, 'live').find((m) => m.live.capture?.running));
    assert.deepEqual([live.live.capture!.iface, live.live.capture!.filter, live.live.following], ['lo', `tcp port ${port}`, true]);

    // Half a request, then a pause: the connection is open and its ladder shows what came so far.
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write('GET / HTTP/1.1\r\nHo');
    const early = await until('the ladder of the open connection', () =>
      posted(editor.posted, 'ladder').find((m) => m.ladder.stream === 0 && m.ladder.rows.some((r) => r.step.kind === 'data')),
    );
    assert.deepEqual(early.ladder.rows.map((r) => r.step.kind).slice(0, 3), ['syn', 'syn-ack', 'handshake-ack']);
    assert.ok(!early.ladder.rows.some((r) => r.flags.includes('FIN')), 'drawn while the connection is open');
    assert.equal(early.explanation?.closing, 'open-at-end');
    // The rest of the request: the answer, and the server closes.
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.setEncoding('utf8').on('data', (d: string) => (text += d));
      socket.on('end', () => {
        socket.end();
        resolve(text);
      });
    });
    socket.write('st: x\r\n\r\n');
    assert.match(await answer, /hello world$/);

    // While the capture still runs: the webview asked for the connection's rows and its ladder
    // again as segments landed, and was answered with the whole connection.
    const row = await until('a table row of the finished connection', () =>
      posted(editor.posted, 'rows')
        .flatMap((m) => m.page.rows)
        .find((r) => r.closing !== 'open-at-end' && r.opening === 'three-way-handshake'),
    );
    assert.match(row.server, new RegExp(`:${port}$`));
    const ladder = await until('the ladder of the whole connection', () =>
      posted(editor.posted, 'ladder').find((m) => m.ladder.stream === 0 && m.ladder.first === 0 && m.ladder.rows.some((r) => r.step.kind === 'last-ack')),
    );
    assert.ok(ladder.ladder.total > early.ladder.total, 'the open ladder grew');
    assert.equal(ladder.explanation?.opening, 'three-way-handshake');
    assert.equal(ladder.explanation?.activeCloser, 'server');
    assert.equal(ext.liveCapture()?.running, true, 'all this before Stop');
    assert.equal(ext.contextKeys()['tcpExplainer.sawFinishedConnection'], true);

    const result = await vscode.commands.executeCommand<{ uri: vscode.Uri; packets: number; toolCount: number | null }>('tcpExplainer.stopCapture');
    assert.ok(result);
    assert.notEqual(result.toolCount, null, 'the capture tool reported its count');
    assert.equal(result.packets, result.toolCount, 'every packet the tool counted was written');
    assert.ok(result.packets >= 7, `${result.packets} packets: a handshake, a request, an answer and a close`);
    assert.equal(ext.contextKeys()['tcpExplainer.capturing'], false);
    await until('the editor says the capture stopped', () => posted(editor.posted, 'live').find((m) => m.live.capture && !m.live.capture.running));

    const target = vscode.Uri.file(path.join(dir, `kept-${toolName}.pcapng`));
    const saved = await vscode.commands.executeCommand<vscode.Uri>('tcpExplainer.saveCaptureAs', uri, target);
    // tcpdump writes pcap: the editor's file is pcapng all the same, record for record.
    assert.equal(fs.readFileSync(target.fsPath).readUInt32LE(0), 0x0a0d0d0a, 'the capture is kept as pcapng');
    assert.equal(saved?.fsPath, target.fsPath);
    assert.equal(packetsIn(target.fsPath), result.toolCount, `the saved file holds as many packets as ${toolName} reported`);
  }

  /** A stand-in capture tool named tcpdump, so it is known without running it. */
  function standIn(name: string, script: string): string {
    const bin = path.join(dir, name);
    fs.mkdirSync(bin, { recursive: true });
    const file = path.join(bin, 'tcpdump');
    fs.writeFileSync(file, `#!/bin/sh\ncase "$1" in -D) echo "1.lo [Up, Running, Loopback]"; exit 0;; esac\n${script}\n`, { mode: 0o755 });
    return file;
  }
  const DENIED = `echo "tcpdump: lo: You don't have permission to perform this capture on that device" >&2\necho "(socket: Operation not permitted)" >&2\nexit 1`;

  it('a capture tool without permission: the reason and the fix, in the user\'s language, and nothing hangs', async () => {
    const ext = await api();
    const tool = standIn('denied', DENIED);
    await withSetting('captureTool', tool, async () => {
      const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('tcpExplainer.captureAndExplain', { iface: 'lo', filter: 'tcp port 4000' });
      assert.equal(uri, undefined);
      const said = await until('the message', () => ext.recentNotifications().find((n) => n.includes('is not allowed to capture on lo')));
      assert.match(said, /^Cannot capture: /);
      assert.match(said, /setcap cap_net_raw|wireshark/);
      assert.match(said, /never runs sudo/);
      assert.equal(ext.contextKeys()['tcpExplainer.capturing'], false);
      await withSetting('language', 'zh-cn', async () => {
        await vscode.commands.executeCommand('tcpExplainer.captureAndExplain', { iface: 'lo', filter: 'tcp port 4000' });
        const zh = await until('the Chinese message', () => ext.recentNotifications().find((n) => n.includes('没有在 lo 上抓包的权限')));
        assert.match(zh, /^无法抓包：/);
      });
    });
    // A tool that accepts the filter but may not capture: the same words once it fails, and no file left.
    const late = standIn('denied-late', `case "$1" in -d) echo "(000) ret #262144"; exit 0;; esac\n${DENIED}`);
    const before = ext.recentNotifications().filter((n) => n.includes('is not allowed to capture on lo')).length;
    await withSetting('captureTool', late, async () => {
      const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('tcpExplainer.captureAndExplain', { iface: 'lo', filter: 'tcp port 4000' });
      assert.equal(uri, undefined);
    });
    assert.equal(ext.recentNotifications().filter((n) => n.includes('is not allowed to capture on lo')).length, before + 1);
    assert.equal(ext.liveCapture()?.running ?? false, false);
  });

  it('"Follow" reads a capture file still being written, as a running tcpdump -w leaves it', async () => {
    const ext = await api();
    const bytes = fs.readFileSync(path.join(fixtures, '02_http_keepalive_5req_client_close.pcap'));
    const file = path.join(dir, 'being-written.pcap');
    // The writer is in the middle of a packet.
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 3)));
    const uri = vscode.Uri.file(file);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'tcpExplainer.capture');
    const editor = await until('the editor', () => ext.editorFor(uri));
    const first = await editor.document.indexed;
    assert.equal(await vscode.commands.executeCommand('tcpExplainer.followCapture', uri, true), true);
    await until('Follow shown on', () => posted(editor.posted, 'live').find((m) => m.live.following));
    fs.appendFileSync(file, bytes.subarray(Math.floor(bytes.length / 3)));
    // The worker looks at the file by itself; the webview asks for the rows that grew.
    const row = await until('the whole connection in the table', () =>
      posted(editor.posted, 'rows')
        .flatMap((m) => m.page.rows)
        .find((r) => r.stream === 0 && r.closing !== 'open-at-end'),
    );
    assert.ok(row.packets > 0);
    const overview = posted(editor.posted, 'progress').reverse().find((m) => m.overview)?.overview;
    assert.ok(overview && overview.packets > first.overview.packets, 'more packets than when opened');
    assert.deepEqual(overview.notes, [], 'no packet was called cut short');
    assert.equal(await vscode.commands.executeCommand('tcpExplainer.followCapture', uri, false), false);
  });
});
