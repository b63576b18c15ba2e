import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, until } from './helpers';

/**
 * Issue 11 in a real VS Code: what a hostile file name or listing can reach (notifications,
 * hovers, the main thread) stays data.
 */

/** A pcap of one UDP datagram: a capture with no TCP connection, so explaining it says so, naming the file. */
function udpOnlyPcap(): Uint8Array {
  const out = Buffer.alloc(24 + 16 + 14 + 28);
  out.writeUInt32LE(0xa1b2c3d4, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(65535, 16);
  out.writeUInt32LE(1, 20);
  out.writeUInt32LE(42, 32);
  out.writeUInt32LE(42, 36);
  out.writeUInt16BE(0x0800, 40 + 12);
  const ip = 40 + 14;
  out[ip] = 0x45;
  out.writeUInt16BE(28, ip + 2);
  out[ip + 8] = 64;
  out[ip + 9] = 17;
  out.writeUInt32BE(0x0a000001, ip + 12);
  out.writeUInt32BE(0x0a000002, ip + 16);
  out.writeUInt16BE(8, ip + 20 + 4);
  return out;
}

/** A Markdown link that is live: `[text](target)` with nothing between `]` and `(`. */
const LIVE_LINK = /\]\((?:command|https?|file):/;

describe('hostile input in a real VS Code (issue 11)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-hostile-itest-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('a file named as a command link is named in notifications as plain text', async () => {
    const ext = await api();
    const name = '[Show details](command:workbench.action.terminal.new).pcap';
    const file = path.join(dir, name);
    fs.writeFileSync(file, udpOnlyPcap());
    const before = ext.recentNotifications().length;
    const result = await vscode.commands.executeCommand<number | undefined>('tcpExplainer.explainConnection', vscode.Uri.file(file));
    assert.equal(result, undefined);
    const said = await until('the notification', () => ext.recentNotifications().slice(before).find((n) => n.includes('Show details')));
    assert.doesNotMatch(said, LIVE_LINK, `a live command link in: ${JSON.stringify(said)}`);
    assert.match(said, /has no TCP connections/);
  });

  it('hovers over a hostile listing show its words as text', async () => {
    await api();
    const content = [
      '    1   0.000000     10.0.0.1 → 10.0.0.2     TCP 74 [TCP <img src=x onerror=alert(1)> <a href=command:workbench.action.terminal.new>run</a>] 1000 → 80 [SYN] Seq=0 Win=65535 Len=0',
      '    2   0.000100     10.0.0.2 → 10.0.0.1     TCP 74 80 → 1000 [SYN, ACK] Seq=0 Ack=1 Win=65535 Len=0',
    ].join('\n');
    const doc = await vscode.workspace.openTextDocument({ language: 'capture-text', content });
    await vscode.window.showTextDocument(doc);
    const col = doc.lineAt(0).text.indexOf('[TCP ') + 2;
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(0, col));
    const md = hovers.flatMap((h) => h.contents).filter((c): c is vscode.MarkdownString => typeof c !== 'string' && 'value' in c);
    assert.ok(md.length > 0, 'no hover');
    for (const m of md) {
      assert.doesNotMatch(m.value, LIVE_LINK, m.value);
      // Every '<' from the document is backslash-escaped: no HTML element can start.
      assert.doesNotMatch(m.value, /(?<!\\)<(?:img|a)\b/, m.value);
      assert.notEqual(m.isTrusted, true);
    }
    assert.ok(md.some((m) => m.value.includes('onerror')), 'the words are still shown');
  });

  it('a hostile plain-text document is read off the main thread: the host stays responsive', async () => {
    await api();
    // Three 80 KB lines that once took the main thread 17 s to look at.
    const line = 'IP ' + '1.'.repeat(40000);
    // Files, not untitled documents: an untitled document may come back under the URI of the
    // listing the test before opened as capture text, and keep that language.
    const hostile = path.join(dir, 'hostile.txt');
    fs.writeFileSync(hostile, `${line}\n${line}\n${line}\n`);
    const started = Date.now();
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(hostile));
    await vscode.window.showTextDocument(doc);
    // The main thread answers a timer while detection runs in the worker.
    await new Promise((r) => setTimeout(r, 50));
    const tick = Date.now() - started;
    console.log(`      the host answered a 50 ms timer after ${tick} ms`);
    // Never recognised as capture text: it has no packet line.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(doc.languageId, 'plaintext');
    // And a real listing opened afterwards is still recognised (the worker was not wedged).
    const listing = path.join(dir, 'listing.txt');
    fs.writeFileSync(listing, '    1   0.000000     10.0.0.1 → 10.0.0.2     TCP 74 1000 → 80 [SYN] Seq=0 Win=65535 Len=0\n');
    const good = await vscode.workspace.openTextDocument(vscode.Uri.file(listing));
    await until('the listing is recognised', () => good.languageId === 'capture-text', 15000);
  });
});
