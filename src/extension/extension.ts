import * as vscode from 'vscode';
import { CaptureEditorProvider, OpenEditor, VIEW_TYPE } from './captureEditor';

/** What the extension exports: enough for tests and other extensions to see what is shown. */
export interface TcpExplainerApi {
  /** The open capture editor of `uri` (or the active one), if any. */
  editorFor(uri?: vscode.Uri): OpenEditor | null;
}

/** Entry point: the capture editor and the "Explain TCP connection" command. */
export function activate(context: vscode.ExtensionContext): TcpExplainerApi {
  const provider = new CaptureEditorProvider(context);
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(VIEW_TYPE, provider, {
      supportsMultipleEditorsPerDocument: false,
      webviewOptions: { enableFindWidget: true },
    }),
    vscode.commands.registerCommand('tcpExplainer.explainConnection', (uri?: vscode.Uri, stream?: number) =>
      explainConnection(provider, uri, stream),
    ),
  );
  return { editorFor: (uri) => provider.editorFor(uri) };
}

export function deactivate(): void {
  // Workers end with their documents.
}

/**
 * "Explain TCP connection": with a capture (from the explorer, the editor title or an
 * argument) and optionally a stream; without one, asks for a capture file first. With no
 * stream, offers the capture's connections, most interesting first.
 */
async function explainConnection(provider: CaptureEditorProvider, uri?: vscode.Uri, stream?: number): Promise<number | undefined> {
  let target = uri instanceof vscode.Uri ? uri : provider.editorFor()?.document.uri;
  if (!target) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Explain',
      filters: { 'Packet captures': ['pcap', 'pcapng', 'cap'] },
    });
    if (!picked?.[0]) return undefined;
    target = picked[0];
  }
  let editor = provider.editorFor(target);
  if (!editor) {
    await vscode.commands.executeCommand('vscode.openWith', target, VIEW_TYPE);
    editor = provider.editorFor(target);
  }
  if (!editor) return undefined;
  const { connections } = await editor.document.indexed;
  if (connections.length === 0) {
    void vscode.window.showInformationMessage('This capture has no TCP connections.');
    return undefined;
  }
  let chosen = typeof stream === 'number' ? stream : undefined;
  if (chosen === undefined) {
    if (connections.length === 1) chosen = connections[0]!.stream;
    else {
      const items = [...connections]
        .sort((a, b) => b.interest - a.interest || a.stream - b.stream)
        .map((c) => ({
          label: `${c.stream}: ${c.client} → ${c.server}`,
          description: `${c.opened}; ${c.ended}`,
          detail: `${c.packets} packets`,
          stream: c.stream,
        }));
      const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Which TCP connection?', matchOnDescription: true });
      if (!pick) return undefined;
      chosen = pick.stream;
    }
  }
  if (!connections.some((c) => c.stream === chosen)) {
    void vscode.window.showErrorMessage(`No TCP stream ${chosen} in ${target.path.split('/').pop()}.`);
    return undefined;
  }
  provider.select(editor, chosen);
  return chosen;
}
