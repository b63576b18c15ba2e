import * as path from 'node:path';
import * as vscode from 'vscode';
import { CaptureEditorProvider, OpenEditor, VIEW_TYPE } from './captureEditor';
import type { ExportFormat } from './indexWorker';
import { initL10n, say } from './l10n';

/** What the extension exports: enough for tests and other extensions to see what is shown. */
export interface TcpExplainerApi {
  /** The open capture editor of `uri` (or the active one), if any. */
  editorFor(uri?: vscode.Uri): OpenEditor | null;
}

/** Entry point: the capture editor, "Explain TCP connection" and the export commands. */
export function activate(context: vscode.ExtensionContext): TcpExplainerApi {
  initL10n(context.extensionUri);
  const provider = new CaptureEditorProvider(context);
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(VIEW_TYPE, provider, {
      supportsMultipleEditorsPerDocument: false,
      webviewOptions: { enableFindWidget: true },
    }),
    vscode.commands.registerCommand('tcpExplainer.explainConnection', (uri?: vscode.Uri, stream?: number) =>
      explainConnection(provider, uri, stream),
    ),
    vscode.commands.registerCommand('tcpExplainer.copyMarkdown', (uri?: vscode.Uri, stream?: number) => copyMarkdown(provider, uri, stream)),
    vscode.commands.registerCommand('tcpExplainer.exportMermaid', (uri?: vscode.Uri, stream?: number) => exportMermaid(provider, uri, stream)),
    vscode.commands.registerCommand('tcpExplainer.exportSvg', (uri?: vscode.Uri, stream?: number, target?: vscode.Uri) =>
      exportSvg(provider, uri, stream, target),
    ),
  );
  return { editorFor: (uri) => provider.editorFor(uri) };
}

export function deactivate(): void {
  // Workers end with their documents.
}

/** The capture editor for `uri` (or the active one), opening it when needed; asks for a file when there is none. */
async function captureEditor(provider: CaptureEditorProvider, uri?: vscode.Uri): Promise<OpenEditor | undefined> {
  let target = uri instanceof vscode.Uri ? uri : provider.editorFor()?.document.uri;
  if (!target) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: say('Explain'),
      filters: { [say('Packet captures')]: ['pcap', 'pcapng', 'cap'] },
    });
    if (!picked?.[0]) return undefined;
    target = picked[0];
  }
  let editor = provider.editorFor(target);
  if (!editor) {
    await vscode.commands.executeCommand('vscode.openWith', target, VIEW_TYPE);
    editor = provider.editorFor(target);
  }
  return editor ?? undefined;
}

/**
 * Which connection: the `stream` argument, else (when `preferSelected`) the one shown in the
 * editor, else the only one, else a quick pick with the most interesting first.
 */
async function chooseStream(editor: OpenEditor, stream: number | undefined, preferSelected: boolean): Promise<number | undefined> {
  const { connections } = await editor.document.indexed;
  const name = path.basename(editor.document.uri.path);
  if (connections.length === 0) {
    void vscode.window.showInformationMessage(say('{0} has no TCP connections.', name));
    return undefined;
  }
  let chosen = typeof stream === 'number' ? stream : preferSelected && editor.selected !== null ? editor.selected : undefined;
  if (chosen === undefined) {
    if (connections.length === 1) chosen = connections[0]!.stream;
    else {
      const items = [...connections]
        .sort((a, b) => b.interest - a.interest || a.stream - b.stream)
        .map((c) => ({
          label: `${c.stream}: ${c.client} → ${c.server}`,
          description: `${c.opened}; ${c.ended}`,
          detail: say('{0} packets', c.packets),
          stream: c.stream,
        }));
      const pick = await vscode.window.showQuickPick(items, { placeHolder: say('Which TCP connection?'), matchOnDescription: true });
      if (!pick) return undefined;
      chosen = pick.stream;
    }
  }
  if (!connections.some((c) => c.stream === chosen)) {
    void vscode.window.showErrorMessage(say('No TCP stream {0} in {1}.', chosen, name));
    return undefined;
  }
  return chosen;
}

/** "Explain TCP connection": shows the chosen connection's ladder; returns the stream shown. */
async function explainConnection(provider: CaptureEditorProvider, uri?: vscode.Uri, stream?: number): Promise<number | undefined> {
  const editor = await captureEditor(provider, uri);
  if (!editor) return undefined;
  const chosen = await chooseStream(editor, stream, false);
  if (chosen === undefined) return undefined;
  provider.select(editor, chosen);
  return chosen;
}

async function exportText(provider: CaptureEditorProvider, format: ExportFormat, uri?: vscode.Uri, stream?: number) {
  const editor = await captureEditor(provider, uri);
  if (!editor) return undefined;
  const chosen = await chooseStream(editor, stream, true);
  if (chosen === undefined) return undefined;
  try {
    return { editor, stream: chosen, text: await editor.document.export(chosen, format) };
  } catch (e) {
    void vscode.window.showErrorMessage(say('Could not export stream {0}: {1}', chosen, (e as Error).message));
    return undefined;
  }
}

/** "Copy explanation as Markdown": the explanation and the step table, on the clipboard. Returns the text. */
async function copyMarkdown(provider: CaptureEditorProvider, uri?: vscode.Uri, stream?: number): Promise<string | undefined> {
  const out = await exportText(provider, 'markdown', uri, stream);
  if (!out) return undefined;
  try {
    await vscode.env.clipboard.writeText(out.text);
  } catch (e) {
    void vscode.window.showErrorMessage(say('Could not export stream {0}: {1}', out.stream, (e as Error).message));
    return undefined;
  }
  void vscode.window.showInformationMessage(say('Copied the explanation of stream {0} as Markdown.', out.stream));
  return out.text;
}

/** "Export ladder as Mermaid sequence diagram": opens the diagram in a new editor. Returns its document. */
async function exportMermaid(provider: CaptureEditorProvider, uri?: vscode.Uri, stream?: number): Promise<vscode.TextDocument | undefined> {
  const out = await exportText(provider, 'mermaid', uri, stream);
  if (!out) return undefined;
  // A Mermaid language, when an extension brings one, gives highlighting and preview.
  const language = (await vscode.languages.getLanguages()).includes('mermaid') ? 'mermaid' : 'plaintext';
  const doc = await vscode.workspace.openTextDocument({ language, content: out.text });
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

/** "Export ladder as SVG": saves the drawing where the user says (or to `target`). Returns where. */
async function exportSvg(provider: CaptureEditorProvider, uri?: vscode.Uri, stream?: number, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const out = await exportText(provider, 'svg', uri, stream);
  if (!out) return undefined;
  const captureUri = out.editor.document.uri;
  const base = path.basename(captureUri.path).replace(/\.[^.]+$/, '');
  let where = target instanceof vscode.Uri ? target : undefined;
  if (!where) {
    where = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(captureUri, '..', `${base}-stream-${out.stream}.svg`),
      filters: { SVG: ['svg'] },
      saveLabel: say('Export'),
    });
  }
  if (!where) return undefined;
  await vscode.workspace.fs.writeFile(where, new TextEncoder().encode(out.text));
  void vscode.window.showInformationMessage(say('Saved the ladder of stream {0} to {1}.', out.stream, path.basename(where.path)));
  return where;
}
