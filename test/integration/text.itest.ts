import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ToWebview } from '../../src/shared/protocol';
import { api, fixtures, until } from './helpers';

const textUri = (name: string): vscode.Uri => vscode.Uri.file(path.join(fixtures, 'text', name));

/** The hover text at the first occurrence of `word` on line `line`, through VS Code's own hover command. */
async function hoverText(doc: vscode.TextDocument, line: number, word: string): Promise<string> {
  const col = doc.lineAt(line).text.indexOf(word);
  assert.ok(col >= 0, `"${word}" is not on line ${line}`);
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, col + 1));
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

describe('capture text in a real VS Code', () => {
  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('a .tcpdump file is capture text, and hovers explain its flags and numbers', async () => {
    await api();
    const doc = await vscode.workspace.openTextDocument(textUri('01_http_node_conn_close.tcpdump'));
    assert.equal(doc.languageId, 'capture-text');
    assert.match(await hoverText(doc, 1, 'Flags [S.]'), /\*\*SYN \+ ACK\*\*[\s\S]*accepts/);
    assert.match(await hoverText(doc, 3, 'seq 1:79'), /Bytes 1 to 78 of the client's stream: 78 bytes[\s\S]*next segment starts at 79/);
    assert.match(await hoverText(doc, 2, 'ack 1'), /Raw: \d+ \+ 1 = \d+[\s\S]*Ack = 0 \+ 1 \(SYN\) = 1/);
    assert.match(await hoverText(doc, 3, 'win 64'), /raw 16-bit window field[\s\S]*×1024/);
    assert.match(await hoverText(doc, 0, 'wscale 10'), /2\^10 = 1024/);
    assert.match(await hoverText(doc, 0, 'mss 65495'), /up to 65495 bytes/);
    assert.match(await hoverText(doc, 0, 'sackOK'), /SACK permitted/);
    assert.match(await hoverText(doc, 0, 'TS val'), /TSval \d+: the sender's timestamp clock/);
    assert.match(await hoverText(doc, 7, 'Flags [F.]'), /\*\*FIN \+ ACK\*\*/);
  });

  it('a .tshark file: Seq=0 is relative, [FIN, ACK] and the third segment are explained', async () => {
    await api();
    const doc = await vscode.workspace.openTextDocument(textUri('01_http_node_conn_close.tshark'));
    assert.equal(doc.languageId, 'capture-text');
    assert.match(await hoverText(doc, 0, 'Seq=0'), /Relative \(Wireshark's default\): the ISN counts as 0/);
    assert.match(await hoverText(doc, 2, '[ACK]'), /Why a third segment/);
    assert.match(await hoverText(doc, 8, '[FIN, ACK]'), /three segments instead of four/);
  });

  it('a listing pasted into an untitled editor is recognised by its first line', async () => {
    await api();
    const text = (await vscode.workspace.fs.readFile(textUri('01_http_node_conn_close.tshark'))).toString();
    const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: '' });
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), text));
    await until('the language to become capture-text', () => editor.document.languageId === 'capture-text');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('"Explain TCP connection" on capture text shows the same ladder as the capture file', async () => {
    const ext = await api();
    const doc = await vscode.workspace.openTextDocument(textUri('18_four_way_close_client_first.pcap.txt'));
    await vscode.window.showTextDocument(doc);
    const stream = await vscode.commands.executeCommand<number>('tcpExplainer.explainConnection');
    assert.equal(stream, 0);
    const editor = await until('the capture editor of the text', () => {
      const e = ext.editorFor();
      return e && e.document.uri.scheme === 'tcpexplainer-text' ? e : null;
    });
    const init = await until('init', () => editor.posted.find((m): m is Extract<ToWebview, { type: 'init' }> => m.type === 'init'));
    assert.ok(init.overview.notes.some((n) => /read from tcpdump text: 11 packet lines/.test(n)), init.overview.notes.join('\n'));
    assert.ok(!init.overview.notes.some((n) => /IP protocol 253/.test(n)));
    const page = await until('a ladder', () => editor.posted.find((m): m is Extract<ToWebview, { type: 'ladder' }> => m.type === 'ladder' && m.ladder.first === 0));
    assert.deepEqual(
      page.ladder.rows.map((r) => r.step.kind),
      ['syn', 'syn-ack', 'handshake-ack', 'data', 'ack', 'data', 'ack', 'fin', 'fin-ack', 'fin-passive', 'last-ack'],
    );
    assert.equal(page.explanation?.closing, 'four-way-close');
  });

  it('"Open capture as text" renders one connection as tcpdump text, with hovers', async () => {
    await api();
    const capture = vscode.Uri.file(path.join(fixtures, '03_conn_refused_loopback_v4_v6.pcap'));
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('tcpExplainer.openAsText', capture, 1);
    assert.equal(doc.languageId, 'capture-text');
    const lines = doc.getText().trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /IP6 ::1\.\d+ > ::1\.4999: Flags \[S\], seq \d+, win 65476/);
    assert.match(await hoverText(doc, 1, 'Flags [R.]'), /nothing listens on port 4999/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
