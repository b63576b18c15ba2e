import * as path from 'node:path';
import * as vscode from 'vscode';
import { CaptureEditorProvider, OpenEditor, TEXT_CAPTURE_SCHEME, VIEW_TYPE } from './captureEditor';
import { CaptureTextHoverProvider, LANGUAGE, TextCaptureFileSystem, TextWorkerClient, detectLanguage } from './captureText';
import { plainUiText } from '../core/escape';
import type { ExportFormat } from './indexWorker';
import { initL10n, say } from './l10n';
import { recentNotifications, showError, showInfo } from './notify';
import { LiveCaptureController } from './liveCapture';
import { DemoServer } from './demoServer';
import { contextKeys } from './contextKeys';

/** What the extension exports: enough for tests and other extensions to see what is shown. */
export interface TcpExplainerApi {
  /** The open capture editor of `uri` (or the active one), if any. */
  editorFor(uri?: vscode.Uri): OpenEditor | null;
  /** The texts of the last notifications shown, oldest first. */
  recentNotifications(): readonly string[];
  /** The live capture running now, or else the last one. */
  liveCapture(): { uri: vscode.Uri; iface: string; filter: string; packets: number; running: boolean; toolCount: number | null } | null;
  /** The context keys the extension has set (the walkthrough's steps complete on them). */
  contextKeys(): Readonly<Record<string, boolean | string | number>>;
  /** The built-in demo server. */
  demoServer(): { running: boolean; port: number; mode: string; served: number };
}

/** Entry point: the capture editor, "Explain TCP connection" and the export commands. */
export function activate(context: vscode.ExtensionContext): TcpExplainerApi {
  initL10n(context.extensionUri);
  const log = vscode.window.createOutputChannel('TCP Explainer', { log: true });
  context.subscriptions.push(log);
  const provider = new CaptureEditorProvider(context, log);
  const textFiles = new TextCaptureFileSystem();
  const textWorker = new TextWorkerClient(vscode.Uri.joinPath(context.extensionUri, 'dist', 'textWorker.js').fsPath);
  context.subscriptions.push(
    textWorker,
    vscode.workspace.registerFileSystemProvider(TEXT_CAPTURE_SCHEME, textFiles, { isReadonly: true, isCaseSensitive: true }),
    vscode.languages.registerHoverProvider({ language: LANGUAGE }, new CaptureTextHoverProvider(textWorker)),
    vscode.workspace.onDidOpenTextDocument((doc) => void detectLanguage(textWorker, doc)),
    vscode.workspace.onDidCloseTextDocument((doc) => textWorker.forget(doc)),
    vscode.workspace.onDidChangeTextDocument((e) => {
      // A listing pasted into an untitled editor: recognise it as soon as it is there.
      if (e.document.isUntitled && e.contentChanges.some((c) => c.range.start.line < 200)) void detectLanguage(textWorker, e.document);
    }),
    vscode.commands.registerCommand('tcpExplainer.openAsText', (uri?: vscode.Uri, stream?: number) => openAsText(provider, uri, stream)),
    vscode.window.registerCustomEditorProvider(VIEW_TYPE, provider, {
      supportsMultipleEditorsPerDocument: false,
      webviewOptions: { enableFindWidget: true },
    }),
    vscode.commands.registerCommand('tcpExplainer.explainConnection', (uri?: vscode.Uri, stream?: number) =>
      explainConnection(provider, textFiles, textWorker, uri, stream),
    ),
    vscode.commands.registerCommand('tcpExplainer.copyMarkdown', (uri?: vscode.Uri, stream?: number) => copyMarkdown(provider, uri, stream)),
    vscode.commands.registerCommand('tcpExplainer.exportMermaid', (uri?: vscode.Uri, stream?: number) => exportMermaid(provider, uri, stream)),
    vscode.commands.registerCommand('tcpExplainer.exportSvg', (uri?: vscode.Uri, stream?: number, target?: vscode.Uri) =>
      exportSvg(provider, uri, stream, target),
    ),
  );
  const live = new LiveCaptureController(context, provider);
  const demo = new DemoServer();
  context.subscriptions.push(
    live,
    demo,
    vscode.commands.registerCommand('tcpExplainer.captureAndExplain', (options?: unknown) => live.captureAndExplain(options)),
    vscode.commands.registerCommand('tcpExplainer.stopCapture', () => live.stopCapture()),
    vscode.commands.registerCommand('tcpExplainer.saveCaptureAs', (uri?: unknown, target?: unknown) => live.saveCaptureAs(uri, target)),
    vscode.commands.registerCommand('tcpExplainer.followCapture', (uri?: unknown, on?: unknown) => followCapture(provider, uri, on)),
    vscode.commands.registerCommand('tcpExplainer.startDemoServer', (options?: unknown) => demo.start(options)),
    vscode.commands.registerCommand('tcpExplainer.stopDemoServer', () => demo.stop()),
    vscode.commands.registerCommand('tcpExplainer.demoRequest', (options?: unknown) => demo.request(options)),
    vscode.commands.registerCommand('tcpExplainer.openDemoInBrowser', (options?: unknown) => demo.openInBrowser(options)),
    vscode.commands.registerCommand('tcpExplainer.demoVariant', (variant?: unknown, options?: unknown) => demo.variant(variant, options)),
    vscode.commands.registerCommand('tcpExplainer.createDemoApp', (folder?: unknown) => demo.createApp(folder)),
    vscode.commands.registerCommand('tcpExplainer.openWalkthrough', () =>
      vscode.commands.executeCommand('workbench.action.openWalkthrough', 'tcp-explainer.tcp-explainer#tutorial', false),
    ),
  );
  for (const doc of vscode.workspace.textDocuments) void detectLanguage(textWorker, doc);
  wakeWalkthroughs();
  return {
    editorFor: (uri) => provider.editorFor(uri),
    recentNotifications,
    liveCapture: () => live.state(),
    contextKeys,
    demoServer: () => ({ running: demo.running, port: demo.port, mode: demo.mode, served: demo.served }),
  };
}

/**
 * VS Code reads walkthroughs when its walkthrough service first starts, which can be as late as
 * the Welcome page opening; a step whose context key was already true then is never marked
 * done in that session. Asking the service about a step that does not exist starts it now,
 * before any of our keys are set (it answers with an error, which means nothing here).
 */
function wakeWalkthroughs(): void {
  void Promise.resolve(vscode.commands.executeCommand('welcome.markStepIncomplete', 'tcp-explainer.tcp-explainer#tutorial#(wake)')).catch(() => undefined);
}

/**
 * "Follow": reads new packets as they are written to the capture file (a running tcpdump -w).
 * `on` says which way; without it, it switches. Returns whether the editor follows now.
 */
async function followCapture(provider: CaptureEditorProvider, uri?: unknown, on?: unknown): Promise<boolean | undefined> {
  const editor = await captureEditor(provider, uri instanceof vscode.Uri ? uri : undefined);
  if (!editor) return undefined;
  await editor.document.indexed.catch(() => undefined);
  const following = await provider.setFollow(editor, typeof on === 'boolean' ? on : !editor.document.following);
  if (typeof on === 'boolean' && on && !following && editor.document.watchNote) showInfo(editor.document.watchNote);
  return following;
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
  await editor.document.indexed;
  // A capture that grows has more connections than when it was first read.
  const total = editor.document.connections;
  const name = path.basename(editor.document.uri.path);
  if (total === 0) {
    showInfo(say('{0} has no TCP connections.', name));
    return undefined;
  }
  let chosen = typeof stream === 'number' ? stream : preferSelected && editor.selected !== null ? editor.selected : undefined;
  if (chosen === undefined) {
    if (total === 1) chosen = 0;
    else {
      const picked = await pickConnection(editor, say('Which TCP connection?'), []);
      if (picked === undefined) return undefined;
      chosen = picked;
    }
  }
  if (!Number.isSafeInteger(chosen) || chosen < 0 || chosen >= total) {
    showError(say('No TCP stream {0} in {1}.', chosen, name));
    return undefined;
  }
  return chosen;
}

/** Connections in a quick pick at most; past that, the picker says to type a stream number. */
const PICK_LIMIT = 2000;

/**
 * A quick pick of the capture's connections, the most interesting first (at most PICK_LIMIT);
 * typing a stream number picks that stream even when it is not listed.
 */
async function pickConnection(
  editor: OpenEditor,
  placeHolder: string,
  extra: Array<{ label: string; description: string; stream: number }>,
): Promise<number | undefined> {
  const { rows, total } = await editor.document.pick(PICK_LIMIT);
  const items = [
    ...extra,
    ...rows.map((c) => ({
      label: plainUiText(`${c.stream}: ${c.client} → ${c.server}`),
      description: plainUiText(`${c.opened}; ${c.ended}`),
      detail: say('{0} packets', c.packets),
      stream: c.stream,
    })),
  ];
  const qp = vscode.window.createQuickPick<(typeof items)[number]>();
  qp.items = items;
  qp.matchOnDescription = true;
  qp.placeholder = total > rows.length ? say('{0} connections: the {1} most interesting are listed; type a stream number for any other', total, rows.length) : placeHolder;
  return new Promise<number | undefined>((resolve) => {
    qp.onDidAccept(() => {
      const typed = qp.value.trim();
      const item = qp.selectedItems[0];
      resolve(item ? item.stream : /^\d+$/.test(typed) ? Number(typed) : undefined);
      qp.hide();
    });
    qp.onDidHide(() => {
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

/** The active text editor's document, when it holds tcpdump or tshark text. */
async function activeCaptureText(textWorker: TextWorkerClient): Promise<vscode.TextDocument | undefined> {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc) return undefined;
  if (doc.languageId === LANGUAGE) return doc;
  const head = doc.getText(new vscode.Range(0, 0, Math.min(doc.lineCount, 200), 0));
  try {
    return (await textWorker.detect(head)) ? doc : undefined;
  } catch {
    return undefined;
  }
}

/**
 * "Explain TCP connection": shows the chosen connection's ladder; returns the stream shown.
 * With capture text in the active text editor (and no capture given), the text is rebuilt into
 * the capture it describes and shown in the capture editor.
 */
async function explainConnection(
  provider: CaptureEditorProvider,
  textFiles: TextCaptureFileSystem,
  textWorker: TextWorkerClient,
  uri?: vscode.Uri,
  stream?: number,
): Promise<number | undefined> {
  if (!(uri instanceof vscode.Uri)) {
    const text = vscode.window.activeTextEditor && (await activeCaptureText(textWorker));
    if (text) uri = textFiles.add(text);
  }
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
    showError(say('Could not export stream {0}: {1}', chosen, (e as Error).message));
    return undefined;
  }
}

/** "Open capture as text": the capture, or one connection of it, as tcpdump -nn text in a new editor. */
async function openAsText(provider: CaptureEditorProvider, uri?: vscode.Uri, stream?: number): Promise<vscode.TextDocument | undefined> {
  const editor = await captureEditor(provider, uri);
  if (!editor) return undefined;
  let chosen = typeof stream === 'number' ? stream : undefined;
  if (chosen === undefined) {
    const { total } = await editor.document.indexed;
    if (total > 1) {
      const picked = await pickConnection(editor, say('Which connection, as tcpdump text?'), [
        { label: say('All connections'), description: say('{0} connections', total), stream: -1 },
      ]);
      if (picked === undefined) return undefined;
      chosen = picked;
    } else chosen = -1;
  }
  let text: string;
  try {
    text = await editor.document.export(chosen, 'tcpdump');
  } catch (e) {
    showError(say('Could not export stream {0}: {1}', chosen, (e as Error).message));
    return undefined;
  }
  const doc = await vscode.workspace.openTextDocument({ language: LANGUAGE, content: text });
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

/** "Copy explanation as Markdown": the explanation and the step table, on the clipboard. Returns the text. */
async function copyMarkdown(provider: CaptureEditorProvider, uri?: vscode.Uri, stream?: number): Promise<string | undefined> {
  const out = await exportText(provider, 'markdown', uri, stream);
  if (!out) return undefined;
  try {
    await vscode.env.clipboard.writeText(out.text);
  } catch (e) {
    showError(say('Could not export stream {0}: {1}', out.stream, (e as Error).message));
    return undefined;
  }
  showInfo(say('Copied the explanation of stream {0} as Markdown.', out.stream));
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
  showInfo(say('Saved the ladder of stream {0} to {1}.', out.stream, path.basename(where.path)));
  return where;
}
