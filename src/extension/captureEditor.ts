import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { INDEX_WORKER_RESOURCE_LIMITS, type AnatomyView, type CaptureOverview, type FollowPage, type FromWebview, type GraphQuery, type GraphView, type LiveStatus, type RowsPage, type TableQuery, type ToWebview } from '../shared/protocol';
import { MessageHandler, RpcMessage } from '../shared/rpc';
import type {
  AnatomyParams,
  ExportFormat,
  FollowParams,
  GraphExportParams,
  GraphParams,
  GraphResult,
  SentBytesParams,
  TimelineMarksParams,
  ExportParams,
  LadderParams,
  LadderResult,
  OpenParams,
  OpenResult,
  PickParams,
  PickResult,
  ProgressNote,
  RowsParams,
  WatchParams,
  WatchProblem,
  WatchState,
} from './indexWorker';
import { say, userLanguage } from './l10n';
import { webviewStrings } from './strings';
import type { TimelineMarks } from '../core/view/timeline';
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

/** The extension's own live capture, as the editor of its file sees it (see liveCapture.ts). */
export interface LiveCaptureLink {
  status(): NonNullable<LiveStatus['capture']>;
  readonly onDidChange: vscode.Event<void>;
  stop(): void;
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
  /** New packets are read as they land in the file ("Follow", or a live capture). */
  following: boolean;
  /** Why the file cannot be followed (any more), or null. */
  watchNote: string | null = null;
  /** Connections that have ended, in a capture that grows. */
  finished = 0;

  constructor(
    readonly uri: vscode.Uri,
    extensionUri: vscode.Uri,
    bytes: Uint8Array | null,
    text: string | null = null,
    /** The extension's live capture writing this file, if it is one. */
    readonly live: LiveCaptureLink | null = null,
  ) {
    this.following = live !== null && live.status().running && bytes === null && text === null;
    this.worker = new Worker(vscode.Uri.joinPath(extensionUri, 'dist', 'indexWorker.js').fsPath, { resourceLimits: INDEX_WORKER_RESOURCE_LIMITS });
    const worker = this.worker;
    this.rpc = new MessageHandler((m: RpcMessage) => worker.postMessage(m));
    this.rpc.registerHandler('progress', (p) => {
      const note = p as ProgressNote;
      this.connections = note.connections;
      if (note.finished !== undefined) this.finished = note.finished;
      if (note.overview) this.following = note.overview.following === true;
      if (note.cannot) this.watchNote = watchNoteText(note.cannot);
      for (const l of this.progressListeners) l(note);
    });
    worker.on('message', (m: unknown) => this.rpc.handleMessage(m));
    const gone = (why: string): void => this.rpc.rejectAll(new Error(why));
    worker.on('error', (e) => gone(e.message));
    worker.on('exit', (code) => gone(code === 1 ? 'indexing was cancelled' : `indexing stopped (exit ${code})`));
    const name = path.basename(uri.path);
    const params: OpenParams = text !== null ? { text, name } : bytes ? { bytes, name } : { file: uri.fsPath, name, follow: this.following };
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

  /** A graph of a connection (read again once per connection; other graphs of it come from memory). */
  async graph(query: GraphQuery): Promise<GraphView> {
    const p: GraphParams = { ...query };
    const r: GraphResult = await this.rpc.sendRequest('graph', p);
    return { query, graph: r.graph, frames: r.frames, times: r.times };
  }

  /** A graph as a standalone SVG picture, or its data as CSV. */
  graphText(query: GraphQuery, format: 'svg' | 'csv'): Promise<string> {
    const p: GraphExportParams = { ...query, format, lang: userLanguage() };
    return this.rpc.sendRequest('graphExport', p);
  }

  /** The bytes one side of a connection sent, in sequence order, each once. */
  sentBytes(stream: number, from: 'client' | 'server'): Promise<Uint8Array> {
    const p: SentBytesParams = { stream, from };
    return this.rpc.sendRequest('sentBytes', p);
  }

  /** Where the retransmissions and zero windows of these connections happened, for their timeline bars. */
  timelineMarks(streams: number[]): Promise<TimelineMarks[]> {
    const p: TimelineMarksParams = { streams };
    return this.rpc.sendRequest('timelineMarks', p);
  }

  /** "Follow" on or off: while on, the worker reads new packets as they land in the file. */
  async watch(on: boolean): Promise<WatchState> {
    const p: WatchParams = { on };
    const s = await this.rpc.sendRequest<WatchState>('watch', p);
    this.following = s.following;
    this.watchNote = s.cannot ? watchNoteText(s.cannot) : null;
    return s;
  }

  /** The live capture wrote more: read it now instead of at the next look at the file's size. */
  poke(): void {
    this.rpc.notify('poke', null);
  }

  /** The live capture ended and its file is complete: the last packets are read, the pass ends. */
  async endGrowing(): Promise<OpenResult> {
    const r = await this.rpc.sendRequest<OpenResult>('endGrowing', null);
    this.following = false;
    this.connections = r.total;
    return r;
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
  /**
   * The messages posted to the webview, for the integration tests (the webview itself is out of
   * their reach): kept only when the extension runs its tests (ExtensionMode.Test), empty
   * otherwise. Kept always, the pages of rows and ladders of a big capture stayed in the
   * extension host for as long as its editor was open (57,000 rows, 50 MB, after one 4.6 GB capture).
   */
  posted: ToWebview[];
}

/** The capture editor: read-only, one webview per open capture. */
export class CaptureEditorProvider implements vscode.CustomReadonlyEditorProvider<CaptureDocument> {
  private readonly editors = new Set<OpenEditor>();
  private active: OpenEditor | null = null;
  /** Whether OpenEditor.posted keeps the messages: only while the extension's tests run. */
  private readonly keepPosted: boolean;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.keepPosted = context.extensionMode === vscode.ExtensionMode.Test;
  }

  /** Posts to an editor's webview (and keeps the message, for tests). */
  private postTo(editor: OpenEditor, m: ToWebview): void {
    if (this.keepPosted) {
      editor.posted.push(m);
      // Pages of rows and progress come by the thousand on a big capture.
      if (editor.posted.length > 2000) editor.posted = editor.posted.filter((p, i) => i >= editor.posted.length - 200 || (p.type !== 'rows' && p.type !== 'progress' && p.type !== 'timelineMarks'));
    }
    void editor.panel.webview.postMessage(m);
  }

  /** Files the extension's live capture is writing, by URI. */
  private readonly liveCaptures = new Map<string, LiveCaptureLink>();

  /** The live capture writes `uri`: its editor follows the file from the start and shows the capture. */
  registerLive(uri: vscode.Uri, link: LiveCaptureLink): vscode.Disposable {
    this.liveCaptures.set(uri.toString(), link);
    return new vscode.Disposable(() => {
      if (this.liveCaptures.get(uri.toString()) === link) this.liveCaptures.delete(uri.toString());
    });
  }

  /** The live capture writing `uri` ended and the file is complete: its open editor reads the rest. */
  async endLive(uri: vscode.Uri): Promise<OpenResult | null> {
    const editor = this.editorFor(uri);
    if (!editor || editor.document.live === null) return null;
    const r = await editor.document.endGrowing();
    this.postLive(editor);
    return r;
  }

  /** "Follow" in an open editor; returns whether it follows now. */
  async setFollow(editor: OpenEditor, on: boolean): Promise<boolean> {
    try {
      await editor.document.watch(on);
    } catch (e) {
      editor.document.watchNote = (e as Error).message;
    }
    this.postLive(editor);
    return editor.document.following;
  }

  private liveStatus(document: CaptureDocument): LiveStatus {
    return {
      capture: document.live?.status() ?? null,
      following: document.following,
      canFollow: document.uri.scheme === 'file' && document.watchNote === null,
      note: document.watchNote,
    };
  }

  private postLive(editor: OpenEditor): void {
    this.postTo(editor, { type: 'live', live: this.liveStatus(editor.document) });
  }

  /** The one folder the webview may load from: its script and its style sheet. */
  private webviewRoot(): vscode.Uri {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
  }

  async openCustomDocument(uri: vscode.Uri): Promise<CaptureDocument> {
    // Local files are read by the worker page by page; other schemes arrive as bytes; capture
    // text (from a text editor) is rebuilt into a capture by the worker.
    const bytes = uri.scheme === 'file' ? null : await vscode.workspace.fs.readFile(uri);
    const text = uri.scheme === TEXT_CAPTURE_SCHEME && bytes ? new TextDecoder().decode(bytes) : null;
    const doc = new CaptureDocument(uri, this.context.extensionUri, text === null ? bytes : null, text, this.liveCaptures.get(uri.toString()) ?? null);
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
    const post = (m: ToWebview): void => this.postTo(editor, m);
    const progressSub = document.onProgress(({ fraction, connections, grew, overview, cannot, listed }) => {
      post(grew ? { type: 'progress', fraction, connections, grew, ...(overview ? { overview } : {}) } : { type: 'progress', fraction, connections, ...(listed ? { listed } : {}), ...(overview ? { overview } : {}) });
      // A file that can no longer be followed (replaced, truncated) says why.
      if (cannot) this.postLive(editor);
    });
    const liveSub = document.live?.onDidChange(() => this.postLive(editor));
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
      liveSub?.dispose();
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
            this.postLive(editor);
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
        case 'graph':
          try {
            post({ type: 'graph', view: await document.graph(m.query) });
          } catch (e) {
            post({ type: 'failed', request: 'graph', stream: m.query.stream, message: (e as Error).message });
          }
          break;
        case 'saveGraph':
          await this.saveGraph(document, m.query, m.format, m.png);
          break;
        case 'timelineMarks':
          try {
            post({ type: 'timelineMarks', marks: await document.timelineMarks(m.streams) });
          } catch (e) {
            // The bars stay without marks; the table and the ladder still say how many there were.
            this.log.warn(`timeline marks of ${document.uri.toString(true)}: ${(e as Error).message}`);
          }
          break;
        case 'saveBytes':
          await this.saveBytes(document, m.stream, m.from);
          break;
        case 'watch':
          await this.setFollow(editor, m.on);
          break;
        case 'stopCapture':
          document.live?.stop();
          break;
        case 'saveCapture':
          await vscode.commands.executeCommand('tcpExplainer.saveCaptureAs', document.uri);
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

  /** Asks where to save a graph (SVG, PNG or its data as CSV), and writes it there. */
  private async saveGraph(document: CaptureDocument, query: GraphQuery, format: 'svg' | 'csv' | 'png', png: string | undefined): Promise<void> {
    try {
      const base = path.basename(document.uri.path).replace(/\.(pcapng|pcap|cap|txt)$/i, '');
      const suggested = vscode.Uri.joinPath(document.uri, '..', `${base}-stream${query.stream}-${query.kind}.${format}`);
      const filters: Record<string, string[]> = { svg: { SVG: ['svg'] }, csv: { CSV: ['csv'] }, png: { PNG: ['png'] } }[format];
      const target = await vscode.window.showSaveDialog({ defaultUri: suggested, saveLabel: say('Save'), filters });
      if (!target) return;
      const bytes = format === 'png' ? Buffer.from(png ?? '', 'base64') : Buffer.from(await document.graphText(query, format), 'utf8');
      await vscode.workspace.fs.writeFile(target, bytes);
      showInfo(say('Saved the graph of stream {0} to {1}.', query.stream, target.fsPath || target.toString(true)));
    } catch (e) {
      showError(say('Could not save the graph of stream {0}: {1}', query.stream, (e as Error).message));
    }
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
    this.postTo(editor, { type: 'select', stream });
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

/** Why a file cannot be followed, in the user's language. */
function watchNoteText(p: WatchProblem): string {
  switch (p.why) {
    case 'not-a-file':
      return say('Only a capture file on disk can be followed.');
    case 'shorter':
      return say('The file got shorter ({0} bytes): it was replaced or truncated, so it is no longer followed.', p.detail);
    case 'damaged':
      return say('The capture is damaged where reading stopped, so it is no longer followed.');
    case 'unreadable':
      return say('The file cannot be read any more: {0}', p.detail);
  }
}

/** A CSP nonce from a cryptographic source: 128 bits, unguessable by anything the page shows. */
function makeNonce(): string {
  return randomBytes(16).toString('base64');
}
