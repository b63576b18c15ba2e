import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { AnatomyView, CaptureOverview, FollowPage, FromWebview, RowsPage, TableQuery, ToWebview } from '../shared/protocol';
import { MessageHandler, RpcMessage } from '../shared/rpc';
import type {
  AnatomyParams,
  ExportFormat,
  FollowParams,
  SentBytesParams,
  ExportParams,
  LadderParams,
  LadderResult,
  OpenParams,
  OpenResult,
  PickParams,
  PickResult,
  ProgressNote,
  RowsParams,
} from './indexWorker';
import { say, userLanguage } from './l10n';
import { webviewStrings } from './strings';
import { checkFromWebview } from './webviewMessages';
import { progressTitle, showError, showInfo } from './notify';

export const VIEW_TYPE = 'tcpExplainer.capture';

/** URIs of capture text shown in the capture editor (served by captureText.ts). */
export const TEXT_CAPTURE_SCHEME = 'tcpexplainer-text';

export const EXPORT_COMMANDS: Record<ExportFormat, string> = {
  markdown: 'tcpExplainer.copyMarkdown',
  mermaid: 'tcpExplainer.exportMermaid',
  svg: 'tcpExplainer.exportSvg',
  tcpdump: 'tcpExplainer.openAsText',
};

/** Files at least this large get a cancellable progress notification while they are indexed. */
const PROGRESS_NOTIFICATION_BYTES = 32 << 20;

export function numbersSetting(): 'relative' | 'absolute' {
  return vscode.workspace.getConfiguration('tcpExplainer').get<string>('sequenceNumbers', 'relative') === 'absolute'
    ? 'absolute'
    : 'relative';
}

/** An open capture: its catalog lives in a worker thread, which answers the views' requests. */
export class CaptureDocument implements vscode.CustomDocument {
  /** Resolves when the whole capture is read. */
  readonly indexed: Promise<OpenResult>;
  private readonly worker: Worker;
  private readonly rpc: MessageHandler;
  private readonly progressListeners = new Set<(p: ProgressNote) => void>();
  /** Connections found so far (the webview's stream numbers are checked against it). */
  connections = 0;
  done = false;

  constructor(
    readonly uri: vscode.Uri,
    extensionUri: vscode.Uri,
    bytes: Uint8Array | null,
    text: string | null = null,
  ) {
    this.worker = new Worker(vscode.Uri.joinPath(extensionUri, 'dist', 'indexWorker.js').fsPath);
    const worker = this.worker;
    this.rpc = new MessageHandler((m: RpcMessage) => worker.postMessage(m));
    this.rpc.registerHandler('progress', (p) => {
      const note = p as ProgressNote;
      this.connections = note.connections;
      for (const l of this.progressListeners) l(note);
    });
    worker.on('message', (m: unknown) => this.rpc.handleMessage(m));
    const gone = (why: string): void => this.rpc.rejectAll(new Error(why));
    worker.on('error', (e) => gone(e.message));
    worker.on('exit', (code) => gone(code === 1 ? 'indexing was cancelled' : `indexing stopped (exit ${code})`));
    const name = path.basename(uri.path);
    const params: OpenParams = text !== null ? { text, name } : bytes ? { bytes, name } : { file: uri.fsPath, name };
    this.indexed = this.rpc.sendRequest<OpenResult>('open', params).then((r) => {
      this.connections = r.total;
      this.done = true;
      return r;
    });
    // Unhandled rejections are reported where the promise is awaited.
    this.indexed.catch(() => undefined);
  }

  onProgress(listener: (p: ProgressNote) => void): vscode.Disposable {
    this.progressListeners.add(listener);
    return new vscode.Disposable(() => this.progressListeners.delete(listener));
  }

  /** What is known of the capture so far. */
  overview(): Promise<CaptureOverview> {
    return this.rpc.sendRequest('overview', null);
  }

  /** A page of the connection table, sorted and filtered in the worker. */
  rows(query: TableQuery, first: number, count: number): Promise<RowsPage> {
    const p: RowsParams = { query, first, count, lang: userLanguage() };
    return this.rpc.sendRequest('rows', p);
  }

  /** The most interesting connections first, for a picker. */
  pick(limit: number): Promise<PickResult> {
    const p: PickParams = { lang: userLanguage(), limit };
    return this.rpc.sendRequest('pick', p);
  }

  ladder(stream: number, first: number, count: number): Promise<LadderResult> {
    const p: LadderParams = { stream, first, count, numbers: numbersSetting() };
    return this.rpc.sendRequest('ladder', p);
  }

  /** One connection as Markdown, Mermaid, SVG or tcpdump text, in the user's language. */
  export(stream: number, format: ExportFormat): Promise<string> {
    const p: ExportParams = { stream, format, lang: userLanguage(), numbers: numbersSetting() };
    return this.rpc.sendRequest('export', p);
  }

  /** Segment `n` of a connection: its layers, fields and bytes, in the user's language. */
  anatomy(stream: number, n: number): Promise<AnatomyView> {
    const p: AnatomyParams = { stream, n, lang: userLanguage() };
    return this.rpc.sendRequest('anatomy', p);
  }

  /** A page of a connection's Follow TCP Stream. */
  follow(stream: number, first: number, count: number): Promise<FollowPage> {
    const p: FollowParams = { stream, first, count };
    return this.rpc.sendRequest('follow', p);
  }

  /** The bytes one side of a connection sent, in sequence order, each once. */
  sentBytes(stream: number, from: 'client' | 'server'): Promise<Uint8Array> {
    const p: SentBytesParams = { stream, from };
    return this.rpc.sendRequest('sentBytes', p);
  }

  cancel(): void {
    void this.worker.terminate();
  }

  dispose(): void {
    void this.worker.terminate();
  }
}

export interface OpenEditor {
  document: CaptureDocument;
  panel: vscode.WebviewPanel;
  selected: number | null;
  /** Every message posted to the webview, for tests (the webview itself is out of reach). */
  posted: ToWebview[];
}

/** The capture editor: read-only, one webview per open capture. */
export class CaptureEditorProvider implements vscode.CustomReadonlyEditorProvider<CaptureDocument> {
  private readonly editors = new Set<OpenEditor>();
  private active: OpenEditor | null = null;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The one folder the webview may load from: its script and its style sheet. */
  private webviewRoot(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
  }

  async openCustomDocument(uri: vscode.Uri): Promise<CaptureDocument> {
    // Local files are read by the worker page by page; other schemes arrive as bytes; capture
    // text (from a text editor) is rebuilt into a capture by the worker.
    const bytes = uri.scheme === 'file' ? null : await vscode.workspace.fs.readFile(uri);
    const text = uri.scheme === TEXT_CAPTURE_SCHEME && bytes ? new TextDecoder().decode(bytes) : null;
    const doc = new CaptureDocument(uri, this.context.extensionUri, text === null ? bytes : null, text);
    const size = bytes ? bytes.length : (await vscode.workspace.fs.stat(uri)).size;
    if (size >= PROGRESS_NOTIFICATION_BYTES) {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: progressTitle(say('Reading {0}', path.basename(uri.path))), cancellable: true },
        (progress, token) => {
          let reported = 0;
          const sub = doc.onProgress(({ fraction }) => {
            progress.report({ increment: (fraction - reported) * 100 });
            reported = fraction;
          });
          token.onCancellationRequested(() => doc.cancel());
          return doc.indexed.then(
            () => sub.dispose(),
            () => sub.dispose(),
          );
        },
      );
    }
    return doc;
  }

  resolveCustomEditor(document: CaptureDocument, panel: vscode.WebviewPanel): void {
    const editor: OpenEditor = { document, panel, selected: null, posted: [] };
    this.editors.add(editor);
    this.active = editor;
    panel.webview.options = { enableScripts: true, localResourceRoots: [this.webviewRoot()] };
    panel.webview.html = this.html(panel.webview);
    const post = (m: ToWebview): void => {
      editor.posted.push(m);
      // Kept for tests; pages of rows and progress come by the thousand on a big capture.
      if (editor.posted.length > 2000) editor.posted = editor.posted.filter((p, i) => i >= editor.posted.length - 200 || (p.type !== 'rows' && p.type !== 'progress'));
      void panel.webview.postMessage(m);
    };
    const progressSub = document.onProgress(({ fraction, connections }) => post({ type: 'progress', fraction, connections }));
    document.indexed.then(
      (r) => post({ type: 'indexed', overview: r.overview }),
      (e: Error) => post({ type: 'error', message: e.message }),
    );
    panel.onDidChangeViewState(() => {
      if (panel.active) this.active = editor;
    });
    const configSub = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('tcpExplainer.sequenceNumbers')) post({ type: 'numbers', numbers: numbersSetting() });
      if (e.affectsConfiguration('tcpExplainer.language')) {
        const lang = userLanguage();
        post({ type: 'language', lang, strings: webviewStrings(lang) });
      }
    });
    panel.onDidDispose(() => {
      this.editors.delete(editor);
      if (this.active === editor) this.active = null;
      progressSub.dispose();
      configSub.dispose();
    });
    panel.webview.onDidReceiveMessage(async (raw: unknown) => {
      // Stream numbers are checked against the connections found so far (more come while indexing).
      const checked = checkFromWebview(raw, document.done ? document.connections : null);
      if ('rejected' in checked) {
        this.log.warn(`ignored a message from the webview of ${document.uri.toString(true)}: ${checked.rejected}`);
        return;
      }
      const m: FromWebview = checked.ok;
      switch (m.type) {
        case 'ready':
          try {
            const lang = userLanguage();
            post({ type: 'init', overview: await document.overview(), strings: webviewStrings(lang), lang, numbers: numbersSetting() });
            if (editor.selected !== null) post({ type: 'select', stream: editor.selected });
          } catch (e) {
            post({ type: 'error', message: (e as Error).message });
          }
          break;
        case 'rows':
          try {
            post({ type: 'rows', seq: m.seq, page: await document.rows(m.query, m.first, m.count) });
          } catch (e) {
            post({ type: 'error', message: (e as Error).message });
          }
          break;
        case 'ladder':
          try {
            post({ type: 'ladder', ...(await document.ladder(m.stream, m.first, m.count)) });
          } catch (e) {
            post({ type: 'error', message: (e as Error).message });
          }
          break;
        case 'selected':
          editor.selected = m.stream;
          break;
        case 'export':
          if (m.format === 'markdown') {
            // Copied by the webview: in a browser-hosted VS Code only the focused frame may write
            // to the clipboard, and the button that was clicked is in the webview.
            try {
              post({ type: 'copy', stream: m.stream, text: await document.export(m.stream, 'markdown') });
            } catch (e) {
              showError(say('Could not export stream {0}: {1}', m.stream, (e as Error).message));
            }
          } else await vscode.commands.executeCommand(EXPORT_COMMANDS[m.format], document.uri, m.stream);
          break;
        case 'anatomy':
          try {
            post({ type: 'anatomy', anatomy: await document.anatomy(m.stream, m.n) });
          } catch (e) {
            post({ type: 'failed', request: 'anatomy', stream: m.stream, message: (e as Error).message });
          }
          break;
        case 'follow':
          try {
            post({ type: 'follow', page: await document.follow(m.stream, m.first, m.count) });
          } catch (e) {
            post({ type: 'failed', request: 'follow', stream: m.stream, message: (e as Error).message });
          }
          break;
        case 'saveBytes':
          await this.saveBytes(document, m.stream, m.from);
          break;
        case 'copied':
          try {
            if (!m.ok) await vscode.env.clipboard.writeText(m.text);
            showInfo(say('Copied the explanation of stream {0} as Markdown.', m.stream));
          } catch (e) {
            showError(say('Could not export stream {0}: {1}', m.stream, (e as Error).message));
          }
          break;
      }
    });
  }

  /** Asks where to save what one side of a connection sent, and writes it there. */
  private async saveBytes(document: CaptureDocument, stream: number, from: 'client' | 'server'): Promise<void> {
    try {
      const base = path.basename(document.uri.path).replace(/\.(pcapng|pcap|cap|txt)$/i, '');
      const suggested = vscode.Uri.joinPath(document.uri, '..', `${base}-stream${stream}-${from}.bin`);
      const target = await vscode.window.showSaveDialog({ defaultUri: suggested, saveLabel: say('Save') });
      if (!target) return;
      const bytes = await document.sentBytes(stream, from);
      await vscode.workspace.fs.writeFile(target, bytes);
      const where = target.fsPath || target.toString(true);
      showInfo(
        from === 'client'
          ? say('Saved the {0} bytes the client sent in stream {1} to {2}.', bytes.length, stream, where)
          : say('Saved the {0} bytes the server sent in stream {1} to {2}.', bytes.length, stream, where),
      );
    } catch (e) {
      showError(say('Could not save the bytes of stream {0}: {1}', stream, (e as Error).message));
    }
  }

  /** The editor showing `uri`, or the active capture editor. */
  editorFor(uri?: vscode.Uri): OpenEditor | null {
    if (!uri) return this.active;
    for (const e of this.editors) if (e.document.uri.toString() === uri.toString()) return e;
    return null;
  }

  /** Shows a connection's ladder in an open editor. */
  select(editor: OpenEditor, stream: number): void {
    editor.selected = stream;
    editor.panel.reveal();
    const m: ToWebview = { type: 'select', stream };
    editor.posted.push(m);
    void editor.panel.webview.postMessage(m);
  }

  private html(webview: vscode.Webview): string {
    const nonce = makeNonce();
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.webviewRoot(), 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.webviewRoot(), 'capture.css'));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource} data:`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="${userLanguage() === 'zh-cn' ? 'zh-CN' : 'en'}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>TCP Explainer</title>
</head>
<body>
<div id="app" aria-live="polite" data-loading="${webviewStrings(userLanguage()).loading}"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }
}

/** A CSP nonce from a cryptographic source: 128 bits, unguessable by anything the page shows. */
function makeNonce(): string {
  return randomBytes(16).toString('base64');
}
