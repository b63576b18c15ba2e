import * as path from 'node:path';
import * as vscode from 'vscode';
import { detectTextFormat } from '../core/text/parse';
import { ExplainedText, explainText, hoverAt } from '../core/text/hover';
import { TEXT_CAPTURE_SCHEME } from './captureEditor';
import { userLanguage } from './l10n';

/**
 * Capture text in VS Code: the `capture-text` language for tcpdump and tshark listings, found
 * by content in plain-text and untitled editors; hovers that explain each word; and the text
 * handed to the capture editor through a read-only file system of its own, so "Explain TCP
 * connection" shows the same ladder as for a capture file.
 */

export const LANGUAGE = 'capture-text';

/** Text larger than this gets no hovers (rebuilding it on the main thread would stall the editor). */
const HOVER_LIMIT = 8 << 20;

/** The rebuilt capture of each open text document, for its current version. */
const explained = new WeakMap<vscode.TextDocument, { version: number; x: ExplainedText }>();

export function explainedDocument(doc: vscode.TextDocument): ExplainedText {
  const cached = explained.get(doc);
  if (cached && cached.version === doc.version) return cached.x;
  const x = explainText(doc.getText());
  explained.set(doc, { version: doc.version, x });
  return x;
}

export class CaptureTextHoverProvider implements vscode.HoverProvider {
  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    if (doc.getText().length > HOVER_LIMIT) return undefined;
    const h = hoverAt(explainedDocument(doc), pos.line, pos.character, userLanguage());
    if (!h) return undefined;
    const md = new vscode.MarkdownString(h.paragraphs.join('\n\n'));
    return new vscode.Hover(md, new vscode.Range(h.token.line, h.token.start, h.token.line, h.token.end));
  }
}

/** A plain-text or untitled document whose first packet line is tcpdump's or tshark's becomes capture text. */
export async function detectLanguage(doc: vscode.TextDocument): Promise<void> {
  if (doc.languageId !== 'plaintext' || doc.uri.scheme === 'output') return;
  const head = doc.getText(new vscode.Range(0, 0, Math.min(doc.lineCount, 200), 0));
  if (detectTextFormat(head)) await vscode.languages.setTextDocumentLanguage(doc, LANGUAGE);
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
