import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { MAX_LINE_CHARS, TextFormat } from '../core/text/parse';
import { MessageHandler, RpcMessage } from '../shared/rpc';
import { TEXT_CAPTURE_SCHEME } from './captureEditor';
import { userLanguage } from './l10n';
import type { DetectParams, HoverAnswer, HoverParams } from './textWorker';
import { NEED_TEXT } from './textWorker';

/**
 * Capture text in VS Code: the `capture-text` language for tcpdump and tshark listings, found
 * by content in plain-text and untitled editors; hovers that explain each word; and the text
 * handed to the capture editor through a read-only file system of its own, so "Explain TCP
 * connection" shows the same ladder as for a capture file. Reading the text happens in a worker
 * thread (textWorker.ts): the main thread only slices lines and waits.
 */

export const LANGUAGE = 'capture-text';

/** Text larger than this gets no hovers (rebuilding it costs more than a hover is worth). */
const HOVER_LIMIT = 8 << 20;
/** How many lines detection looks at (as detectTextFormat does). */
const DETECT_LINES = 200;
/** An answer later than this means the text is hostile or huge: the worker is ended and started anew. */
const ANSWER_DEADLINE_MS = 10000;

/** The text worker: started on first use, ended and replaced when an answer is late. */
export class TextWorkerClient implements vscode.Disposable {
  private worker: Worker | null = null;
  private rpc: MessageHandler | null = null;
  /** Which version of each document the current worker holds. */
  private sent = new Map<string, number>();

  constructor(private readonly script: string) {}

  private start(): MessageHandler {
    if (this.rpc) return this.rpc;
    const worker = new Worker(this.script, { resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    const rpc = new MessageHandler((m: RpcMessage) => worker.postMessage(m));
    worker.on('message', (m: unknown) => rpc.handleMessage(m));
    const gone = (why: string): void => {
      rpc.rejectAll(new Error(why));
      if (this.worker === worker) this.reset();
    };
    worker.on('error', (e) => gone(e.message));
    worker.on('exit', () => gone('the text worker stopped'));
    worker.unref();
    this.worker = worker;
    this.rpc = rpc;
    return rpc;
  }

  private reset(): void {
    const w = this.worker;
    this.worker = null;
    this.rpc = null;
    this.sent.clear();
    if (w) void w.terminate();
  }

  private async request<T>(method: string, params: unknown): Promise<T> {
    const rpc = this.start();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.reset();
        reject(new Error(`no answer within ${ANSWER_DEADLINE_MS} ms`));
      }, ANSWER_DEADLINE_MS);
    });
    try {
      return await Promise.race([rpc.sendRequest<T>(method, params), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  detect(head: string): Promise<TextFormat | null> {
    const p: DetectParams = { head };
    return this.request('detect', p);
  }

  async hover(doc: vscode.TextDocument, pos: vscode.Position): Promise<HoverAnswer | null> {
    const key = doc.uri.toString();
    const base = { key, version: doc.version, line: pos.line, character: pos.character, lang: userLanguage() };
    if (this.sent.get(key) === doc.version) {
      try {
        return await this.request<HoverAnswer | null>('hover', base satisfies HoverParams);
      } catch (e) {
        if ((e as Error).message !== NEED_TEXT) throw e;
      }
    }
    const answer = await this.request<HoverAnswer | null>('hover', { ...base, text: doc.getText() } satisfies HoverParams);
    this.sent.set(key, doc.version);
    return answer;
  }

  forget(doc: vscode.TextDocument): void {
    this.sent.delete(doc.uri.toString());
  }

  dispose(): void {
    this.reset();
  }
}

/** The first lines of a document, each cut as the parser cuts it: what detection reads. */
function headOf(doc: vscode.TextDocument): string {
  const lines: string[] = [];
  for (let i = 0; i < Math.min(doc.lineCount, DETECT_LINES); i++) lines.push(doc.lineAt(i).text.slice(0, MAX_LINE_CHARS));
  return lines.join('\n');
}

export class CaptureTextHoverProvider implements vscode.HoverProvider {
  constructor(private readonly worker: TextWorkerClient) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    if (doc.offsetAt(new vscode.Position(doc.lineCount, 0)) > HOVER_LIMIT) return undefined;
    let h: HoverAnswer | null;
    try {
      h = await this.worker.hover(doc, pos);
    } catch {
      return undefined;
    }
    if (!h || token.isCancellationRequested) return undefined;
    // The paragraphs escape every word taken from the document (src/core/text/hover.ts); the
    // string is untrusted, with no HTML, so no command link can run from it either way.
    const md = new vscode.MarkdownString(h.paragraphs.join('\n\n'));
    md.isTrusted = false;
    md.supportHtml = false;
    return new vscode.Hover(md, new vscode.Range(h.line, h.start, h.line, h.end));
  }
}

/** A plain-text or untitled document whose first packet line is tcpdump's or tshark's becomes capture text. */
export async function detectLanguage(worker: TextWorkerClient, doc: vscode.TextDocument): Promise<void> {
  if (doc.languageId !== 'plaintext' || doc.uri.scheme === 'output') return;
  const version = doc.version;
  let format: TextFormat | null;
  try {
    format = await worker.detect(headOf(doc));
  } catch {
    return;
  }
  if (format && !doc.isClosed && doc.version === version && doc.languageId === 'plaintext') await vscode.languages.setTextDocumentLanguage(doc, LANGUAGE);
}

/**
 * Serves the text of open documents under `tcpexplainer-text:/<name>.pcap?<id>`, read-only,
 * so the capture editor can open it like any capture.
 */
export class TextCaptureFileSystem implements vscode.FileSystemProvider {
  private readonly texts = new Map<string, { bytes: Uint8Array; mtime: number }>();
  private next = 1;
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;

  /** A URI for this text, to open in the capture editor. */
  add(doc: vscode.TextDocument): vscode.Uri {
    const id = String(this.next++);
    const base = doc.isUntitled ? 'capture-text' : path.basename(doc.uri.path);
    this.texts.set(id, { bytes: new TextEncoder().encode(doc.getText()), mtime: Date.now() });
    return vscode.Uri.from({ scheme: TEXT_CAPTURE_SCHEME, path: `/${base}`, query: id });
  }

  private entry(uri: vscode.Uri): { bytes: Uint8Array; mtime: number } {
    const e = this.texts.get(uri.query);
    if (!e) throw vscode.FileSystemError.FileNotFound(uri);
    return e;
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const e = this.entry(uri);
    return { type: vscode.FileType.File, ctime: e.mtime, mtime: e.mtime, size: e.bytes.length, permissions: vscode.FilePermission.Readonly };
  }

  readFile(uri: vscode.Uri): Uint8Array {
    return this.entry(uri).bytes;
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  writeFile(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
}
