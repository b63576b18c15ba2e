import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, fixtures, openCapture, posted, until, uriOf, withSetting } from './helpers';

describe('capture editor in a real VS Code', () => {
  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  for (const [name, connections] of [
    ['01_http_node_conn_close.pcapng', 1],
    ['01_http_node_conn_close.pcap', 1],
    ['01_http_node_conn_close_any_sll2.pcap', 1],
    ['01_http_node_conn_close_nanosec.pcap', 1],
    ['11_rawip_tun_v4_v6.pcapng', 2],
    ['07b_syn_retransmission.pcapng', 1],
    ['09_many_short_connections_200_plus_20_port_reuse.pcap', 220],
  ] as const) {
    it(`opens ${name} with the capture editor and sends its ${connections} connection(s) to the webview`, async () => {
      const ext = await api();
      const uri = uriOf(name);
      await vscode.commands.executeCommand('vscode.openWith', uri, 'tcpExplainer.capture');
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
      assert.ok(tab?.input instanceof vscode.TabInputCustom, 'the active tab is not a custom editor');
      assert.equal((tab.input as vscode.TabInputCustom).viewType, 'tcpExplainer.capture');
      const editor = await until('the editor', () => ext.editorFor(uri));
      const init = await until('init posted to the webview (after it said ready)', () => posted(editor.posted, 'init')[0]);
      const { total, overview } = await editor.document.indexed;
      assert.equal(total, connections);
      assert.equal(overview.connections, connections);
      // The webview asks the worker for the rows on screen; the worker answers with a page.
      const page = await until('a page of rows posted to the webview', () => posted(editor.posted, 'rows').find((m) => !m.page.indexing)?.page);
      assert.equal(page.total, connections);
      assert.ok(page.rows.length > 0 && page.rows.length <= connections);
      if (name.startsWith('07b_')) {
        // The table's words need the count: "handshake after 3 SYN retransmission(s)".
        assert.deepEqual([page.rows[0]!.opening, page.rows[0]!.synRetransmissions], ['syn-retransmitted', 3]);
        assert.match(page.rows[0]!.opened, /after 3 SYN/);
      }
      assert.equal(init.overview.fileName, name);
    });
  }

  it('"Explain TCP connection" with (uri, stream) shows that ladder', async () => {
    const ext = await api();
    const uri = uriOf('06b_simultaneous_close.pcapng');
    const stream = await vscode.commands.executeCommand<number>('tcpExplainer.explainConnection', uri, 0);
    assert.equal(stream, 0);
    const editor = await until('the editor', () => ext.editorFor(uri));
    assert.equal(editor.selected, 0);
    // The webview asks for the ladder's first page when told to select; the host answers.
    const ladder = await until('a ladder posted to the webview', () => posted(editor.posted, 'ladder')[0]?.ladder);
    assert.equal(ladder.stream, 0);
    const states = ladder.rows.map((r) => `${r.client.state}/${r.server.state}`);
    assert.ok(states.includes('CLOSING/CLOSING'), states.join(' '));
  });

  it('an unknown stream is refused with a message, not a crash', async () => {
    const result = await vscode.commands.executeCommand<number | undefined>('tcpExplainer.explainConnection', uriOf('01_http_node_conn_close.pcap'), 42);
    assert.equal(result, undefined);
  });

  it('the command is in the palette under its category', async () => {
    const all = await vscode.commands.getCommands(true);
    assert.ok(all.includes('tcpExplainer.explainConnection'));
    const pkg = vscode.extensions.getExtension('tcp-explainer.tcp-explainer')!.packageJSON as {
      contributes: { commands: Array<{ command: string; title: string; category: string }> };
    };
    const cmd = pkg.contributes.commands.find((c) => c.command === 'tcpExplainer.explainConnection')!;
    assert.deepEqual([cmd.title, cmd.category], ['Explain TCP connection', 'TCP Explainer']);
  });

  it('switching to absolute numbers reaches the open webview', async () => {
    const editor = await openCapture('01_http_node_conn_close.pcapng');
    await withSetting('sequenceNumbers', 'absolute', async () => {
      const m = await until('numbers message', () => posted(editor.posted, 'numbers')[0]);
      assert.equal(m.numbers, 'absolute');
    });
  });

  it('the first page of a ladder brings the connection\'s explanation', async () => {
    const ext = await api();
    const uri = uriOf('18_four_way_close_client_first.pcapng');
    await vscode.commands.executeCommand('tcpExplainer.explainConnection', uri, 0);
    const editor = await until('the editor', () => ext.editorFor(uri));
    const m = await until('a first ladder page', () => posted(editor.posted, 'ladder').find((l) => l.ladder.first === 0));
    assert.deepEqual([m.explanation?.opening, m.explanation?.closing, m.explanation?.activeCloser], ['three-way-handshake', 'four-way-close', 'client']);
    assert.deepEqual(
      m.ladder.rows.map((r) => r.step.kind),
      ['syn', 'syn-ack', 'handshake-ack', 'data', 'ack', 'data', 'ack', 'fin', 'fin-ack', 'fin-passive', 'last-ack'],
    );
  });

  it('"Copy explanation as Markdown" puts the explanation and its steps on the clipboard', async () => {
    const uri = uriOf('01_http_node_conn_close.pcapng');
    const text = await vscode.commands.executeCommand<string>('tcpExplainer.copyMarkdown', uri, 0);
    assert.match(text, /^## Stream 0: 127\.0\.0\.1:53416 → 127\.0\.0\.1:4000/);
    assert.match(text, /Closed in three segments/);
    assert.match(text, /\| 10 \| .*Ack = 79 \+ 1 \(FIN\) = 80 \|/);
    assert.equal(await vscode.env.clipboard.readText(), text);
  });

  it('"Export ladder as Mermaid sequence diagram" opens the diagram in an editor', async () => {
    const uri = uriOf('06b_simultaneous_close.pcapng');
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>('tcpExplainer.exportMermaid', uri, 0);
    assert.ok(doc, 'no document');
    assert.equal(vscode.window.activeTextEditor?.document, doc);
    const text = doc.getText();
    assert.match(text, /^sequenceDiagram\n/);
    assert.equal(text.split('\n').filter((l) => /^ {4}(C->>S|S->>C): /.test(l)).length, 11);
    assert.match(text, /Note over C: CLOSING/);
    // An untitled editor would ask to be saved when the next test closes everything.
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('"Export ladder as SVG" writes the drawing where it is told', async () => {
    const target = vscode.Uri.file(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-svg-')), 'ladder.svg'));
    const where = await vscode.commands.executeCommand<vscode.Uri>('tcpExplainer.exportSvg', uriOf('01_http_node_conn_close.pcap'), 0, target);
    assert.equal(where?.fsPath, target.fsPath);
    const svg = fs.readFileSync(target.fsPath, 'utf8');
    assert.match(svg, /^<svg xmlns/);
    assert.equal((svg.match(/<line class="arrow/g) ?? []).length, 10);
  });

  it('the language setting switches the webview and the exports to Chinese', async () => {
    const uri = uriOf('01_http_node_conn_close.pcapng');
    const editor = await openCapture('01_http_node_conn_close.pcapng');
    await withSetting('language', 'zh-cn', async () => {
      const m = await until('language message', () => posted(editor.posted, 'language')[0]);
      assert.equal(m.lang, 'zh-cn');
      assert.equal(m.strings['handshake'], '三次握手');
      assert.match(m.strings['term.TIME_WAIT']!, /2×MSL/);
      const md = await vscode.commands.executeCommand<string>('tcpExplainer.copyMarkdown', uri, 0);
      assert.match(md, /^## 流 0：/);
      assert.match(md, /三个报文段完成关闭/);
    });
  });

  it('every command is contributed with its title from package.nls.json', async () => {
    const all = await vscode.commands.getCommands(true);
    const pkg = vscode.extensions.getExtension('tcp-explainer.tcp-explainer')!.packageJSON as {
      contributes: { commands: Array<{ command: string; title: string }> };
    };
    const titles = Object.fromEntries(pkg.contributes.commands.map((c) => [c.command, c.title]));
    for (const id of ['tcpExplainer.explainConnection', 'tcpExplainer.copyMarkdown', 'tcpExplainer.exportMermaid', 'tcpExplainer.exportSvg', 'tcpExplainer.openAsText']) {
      assert.ok(all.includes(id), id);
    }
    assert.deepEqual(titles, {
      'tcpExplainer.explainConnection': 'Explain TCP connection',
      'tcpExplainer.copyMarkdown': 'Copy explanation as Markdown',
      'tcpExplainer.exportMermaid': 'Export ladder as Mermaid sequence diagram',
      'tcpExplainer.exportSvg': 'Export ladder as SVG',
      'tcpExplainer.openAsText': 'Open capture as text',
      'tcpExplainer.captureAndExplain': 'Capture and explain',
      'tcpExplainer.stopCapture': 'Stop capture',
      'tcpExplainer.saveCaptureAs': 'Save capture as…',
      'tcpExplainer.followCapture': 'Follow capture file (read new packets as they are written)',
      'tcpExplainer.startDemoServer': 'Start the demo server (port 4000, Connection: close)',
      'tcpExplainer.stopDemoServer': 'Stop the demo server',
      'tcpExplainer.demoRequest': 'Make one request to the demo server',
      'tcpExplainer.openDemoInBrowser': 'Open the demo server in the Simple Browser',
      'tcpExplainer.demoVariant': 'Demo: change one thing (keep-alive, refused, reset)',
      'tcpExplainer.createDemoApp': "Create the tutorial's express app in a folder…",
      'tcpExplainer.openWalkthrough': 'Walkthrough: watch a TCP connection open and close',
    });
  });

  it('a big capture is indexed off the main thread with progress, and can be cancelled', async function () {
    this.timeout(120000);
    // 40 MB: the tutorial connection repeated with new client ports (above the 32 MB threshold).
    const tutorial = fs.readFileSync(path.join(fixtures, '01_http_node_conn_close.pcap'));
    const records: Buffer[] = [];
    for (let o = 24; o + 16 <= tutorial.length; ) {
      const len = tutorial.readUInt32LE(o + 8);
      records.push(tutorial.subarray(o, o + 16 + len));
      o += 16 + len;
    }
    const perCopy = records.reduce((n, r) => n + r.length, 0);
    const copies = Math.ceil((40 << 20) / perCopy);
    const big = Buffer.alloc(24 + copies * perCopy);
    tutorial.copy(big, 0, 0, 24);
    let at = 24;
    for (let c = 0; c < copies; c++) {
      for (const r of records) {
        r.copy(big, at);
        const clientPortAt = at + 16 + 34;
        const fromClient = big.readUInt16BE(clientPortAt) === 53416;
        big.writeUInt16BE(1024 + (c % 60000), fromClient ? clientPortAt : clientPortAt + 2);
        at += r.length;
      }
    }
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-big-')), 'big.pcap');
    fs.writeFileSync(file, big);
    const ext = await api();
    const uri = vscode.Uri.file(file);
    // First open: let it finish, with progress on the way.
    await vscode.commands.executeCommand('vscode.openWith', uri, 'tcpExplainer.capture');
    let editor = await until('the editor', () => ext.editorFor(uri));
    const fractions: number[] = [];
    const sub = editor.document.onProgress((p) => fractions.push(p.fraction));
    const { total } = await editor.document.indexed;
    sub.dispose();
    assert.ok(total > 1000, `${total} connections`);
    assert.ok(fractions.length > 0, 'no progress was reported');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Second open: cancel at the first progress report (as the notification's Cancel does);
    // the document says so instead of hanging.
    await vscode.commands.executeCommand('vscode.openWith', uri, 'tcpExplainer.capture');
    editor = await until('the editor again', () => ext.editorFor(uri));
    const doc = editor.document;
    doc.onProgress(() => doc.cancel());
    await assert.rejects(doc.indexed, /cancelled|stopped/);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});
