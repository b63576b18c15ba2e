import { parentPort } from 'node:worker_threads';
import type { Lang } from '../core/explain/glossary';
import { ExplainedText, explainText, hoverAt } from '../core/text/hover';
import { TextFormat, detectTextFormat } from '../core/text/parse';
import { MessageHandler, RpcMessage } from '../shared/rpc';

/**
 * Capture text work off the extension host's main thread: recognising tcpdump/tshark text in a
 * document that was just opened, and rebuilding a listing into a capture to answer hovers. A
 * pasted listing is data from strangers; here it can cost time without freezing VS Code, and the
 * host can end this worker when an answer is late.
 */

export interface DetectParams {
  head: string;
}

export interface HoverParams {
  /** Which document and which version of it (the text is sent only when the worker lacks it). */
  key: string;
  version: number;
  text?: string;
  line: number;
  character: number;
  lang: Lang;
}

export interface HoverAnswer {
  line: number;
  start: number;
  end: number;
  paragraphs: string[];
}

/** The answer to a hover whose document text this worker does not hold: send it. */
export const NEED_TEXT = 'need-text';

/** Rebuilt documents, newest last; a few are kept (hovers move between at most a few listings). */
const explained = new Map<string, { version: number; x: ExplainedText }>();
const KEEP = 4;

function explainedFor(p: HoverParams): ExplainedText {
  const cached = explained.get(p.key);
  // Text sent along is the truth: a closed untitled document's name and version come back for the next one.
  if (p.text === undefined && cached && cached.version === p.version) {
    explained.delete(p.key);
    explained.set(p.key, cached);
    return cached.x;
  }
  if (p.text === undefined) throw new Error(NEED_TEXT);
  const x = explainText(p.text);
  explained.delete(p.key);
  explained.set(p.key, { version: p.version, x });
  while (explained.size > KEEP) explained.delete(explained.keys().next().value!);
  return x;
}

if (parentPort) {
  const port = parentPort;
  const rpc = new MessageHandler((m: RpcMessage) => port.postMessage(m));
  rpc.registerHandler('detect', (p): TextFormat | null => detectTextFormat((p as DetectParams).head));
  rpc.registerHandler('hover', (params): HoverAnswer | null => {
    const p = params as HoverParams;
    const h = hoverAt(explainedFor(p), p.line, p.character, p.lang);
    return h ? { line: h.token.line, start: h.token.start, end: h.token.end, paragraphs: h.paragraphs } : null;
  });
  port.on('message', (m: unknown) => rpc.handleMessage(m));
}
