import { BoundedBuffer, Mark, ParserHost, latin1, utf8 } from './parser';
import { HEADER_LIMIT, HttpMessage, HttpRequest, HttpResponse, PREVIEW_BYTES } from './types';

/**
 * HTTP/1.x, one message at a time. The tracker recognises the first line (`recogniseHttpLine`)
 * and hands the rest of the message here: header lines, then the body as its framing says
 * (Content-Length, chunked, or until the connection closes), so the next message on a
 * keep-alive connection is found where this one ends. Only the current line is kept, never the
 * body (beyond PREVIEW_BYTES of it for a preview).
 */

/**
 * Methods a request line may start with: RFC 9110's, WebDAV's, and others Wireshark knows.
 * A token outside this list is not taken for HTTP (a binary protocol starting "Q..." is not).
 */
export const HTTP_METHODS: readonly string[] = [
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH',
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT',
  'MKCALENDAR', 'MKACTIVITY', 'CHECKOUT', 'CHECKIN', 'MERGE', 'LABEL', 'UPDATE', 'VERSION-CONTROL',
  'BASELINE-CONTROL', 'MKWORKSPACE', 'UNCHECKOUT', 'ORDERPATCH', 'ACL', 'BIND', 'UNBIND', 'REBIND',
  'LINK', 'UNLINK', 'PURGE', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'M-SEARCH', 'POLL', 'BMOVE',
  'BCOPY', 'BDELETE', 'BPROPFIND', 'BPROPPATCH', 'SOURCE', 'RPC_IN_DATA', 'RPC_OUT_DATA',
];

const STARTS = [...HTTP_METHODS.map((m) => `${m} `), 'HTTP/1.'];
const START_BYTES = STARTS.map((s) => Uint8Array.from(s, (c) => c.charCodeAt(0)));
/** Bytes that decide whether a line can start an HTTP message. */
export const HTTP_START_BYTES = Math.max(...STARTS.map((s) => s.length));

/**
 * Whether bytes[0, len) can begin an HTTP/1.x message: 'yes' once a whole method token and
 * space (or "HTTP/1.") is there, 'maybe' while they are a prefix of one, else 'no'.
 */
export function httpStart(bytes: Uint8Array, len: number): 'yes' | 'maybe' | 'no' {
  // Compared as bytes, not as text: it runs on every connection's first bytes.
  const n = Math.min(len, HTTP_START_BYTES);
  if (n <= 0) return 'no';
  let maybe = false;
  for (const start of START_BYTES) {
    if (start[0] !== bytes[0]) continue;
    const m = Math.min(n, start.length);
    let k = 1;
    while (k < m && bytes[k] === start[k]) k++;
    if (k < m) continue;
    if (n >= start.length) return 'yes';
    maybe = true;
  }
  return maybe ? 'maybe' : 'no';
}

export type HttpFirstLine =
  | { type: 'request'; method: string; uri: string; version: string }
  | { type: 'response'; version: string; code: number; phrase: string };

/** Most bytes of a URI, phrase or header value kept in a message (the bytes past it are still read). */
const FIELD_BYTES = 4096;

/**
 * A field's bytes as text: UTF-8 where they are (clients send non-ASCII targets that way), each
 * malformed byte as U+FFFD. Nothing is escaped here; whoever shows it does.
 */
export function fieldText(b: Uint8Array, from: number, to: number): string {
  return utf8(b.subarray(from, Math.min(to, from + FIELD_BYTES)));
}
/**
 * b[0, name.length) is `name` (lower-case ASCII) in any case, as latin1(...).toLowerCase()
 * would compare it (no Latin-1 letter lowers to ASCII), with no string made per header line.
 */
export function asciiNameIs(b: Uint8Array, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = b[i]!;
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== name.charCodeAt(i)) return false;
  }
  return true;
}

/** The number b[from, to) spells when it is 1 to 15 digits and nothing else, or -1 (the common Content-Length, read without strings). */
export function digitsValue(b: Uint8Array, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const VERSION = /^HTTP\/1\.\d$/;

/** The request or status line (without its CR LF), or null when it is not HTTP/1.x. */
export function recogniseHttpLine(line: Uint8Array, len: number): HttpFirstLine | null {
  if (httpStart(line, len) !== 'yes') return null;
  if (line[0] === 0x48 /* H */ && line[1] === 0x54 && line[4] === 0x2f) {
    // "HTTP/1.1 200 OK": version, three digits, then a space and a phrase (which may be empty) or nothing.
    const version = latin1(line, 0, Math.min(len, 8));
    if (!VERSION.test(version) || len < 12 || line[8] !== 0x20) return null;
    let code = 0;
    for (let k = 9; k < 12; k++) {
      const d = line[k]! - 0x30;
      if (d < 0 || d > 9) return null;
      code = code * 10 + d;
    }
    if (len > 12 && line[12] !== 0x20) return null;
    return { type: 'response', version, code, phrase: len > 13 ? fieldText(line, 13, len) : '' };
  }
  // "GET /path HTTP/1.1": the method, one space, the target, one space, the version at the end.
  const firstSpace = line.indexOf(0x20);
  if (firstSpace <= 0 || firstSpace >= len) return null;
  if (len < firstSpace + 11 || line[len - 9] !== 0x20) return null;
  const version = latin1(line, len - 8, len);
  if (!VERSION.test(version)) return null;
  const uriEnd = len - 9;
  if (uriEnd <= firstSpace + 1) return null;
  return {
    type: 'request',
    method: latin1(line, 0, firstSpace),
    uri: fieldText(line, firstSpace + 1, uriEnd),
    version,
  };
}

/**
 * What a connection's two directions share: the methods of requests not yet answered, so a
 * response to HEAD is known to have no body and one to CONNECT to open a tunnel.
 */
export class HttpExchange {
  private readonly methods: string[] = [];
  requested(method: string): void {
    // A client that pipelines thousands of requests unanswered is not remembered past this.
    if (this.methods.length < 256) this.methods.push(method);
  }
  answered(): string | null {
    return this.methods.shift() ?? null;
  }
}

/** A new message object from its first line (fields from the header follow). */
export function newHttpMessage(first: HttpFirstLine, at: Mark): HttpMessage {
  // Written out field by field: object spreads here were the most expensive line of reading
  // a capture of 40,000 short HTTP connections.
  if (first.type === 'request') {
    const m: HttpRequest = {
      protocol: 'http', seq: at.seq, offset: at.offset, frame: at.frame, length: null, headKnown: false, incomplete: false, malformed: null,
      version: first.version, contentType: null, contentLength: null, chunked: false, transferEncoding: false, contentEncoding: null, bodyBytes: 0, preview: null,
      type: 'request', method: first.method, uri: first.uri,
    };
    return m;
  }
  const m: HttpResponse = {
    protocol: 'http', seq: at.seq, offset: at.offset, frame: at.frame, length: null, headKnown: false, incomplete: false, malformed: null,
    version: first.version, contentType: null, contentLength: null, chunked: false, transferEncoding: false, contentEncoding: null, bodyBytes: 0, preview: null,
    type: 'response', code: first.code, phrase: first.phrase,
  };
  return m;
}

/** Longest chunk-size line (with extensions) before the body is called malformed. */
const CHUNK_LINE_LIMIT = 4096;

type Phase = 'headers' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'absorb';

export class HttpParser {
  /** The message ended: the tracker looks for the next one where `feed` stopped. */
  done = false;
  /** What follows the message is not HTTP (101 Switching Protocols, a CONNECT tunnel). */
  tunnel = false;
  private phase: Phase = 'headers';
  private readonly line = new BoundedBuffer(HEADER_LIMIT);
  private headBytes: number;
  private remaining = 0;
  private preview: BoundedBuffer | null = null;

  constructor(
    private readonly host: ParserHost,
    private readonly exchange: HttpExchange,
    readonly msg: HttpMessage,
    firstLineBytes: number,
  ) {
    this.headBytes = firstLineBytes;
    host.opened(msg);
  }

  get current(): HttpMessage | null {
    return this.done ? null : this.msg;
  }

  /** Reads bytes[from, to); returns where it stopped (before `to` only when the message ended). */
  feed(bytes: Uint8Array, from: number, to: number): number {
    let i = from;
    while (i < to && !this.done) {
      switch (this.phase) {
        case 'headers':
        case 'trailers':
          i = this.readLines(bytes, i, to);
          break;
        case 'body': {
          const n = Math.min(this.remaining, to - i);
          this.body(bytes, i, i + n);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.finish(this.host.markAt(i).offset);
          break;
        }
        case 'chunk-data': {
          const n = Math.min(this.remaining, to - i);
          this.body(bytes, i, i + n);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.phase = 'chunk-end';
          break;
        }
        case 'chunk-size':
        case 'chunk-end':
          i = this.readChunkLine(bytes, i, to);
          break;
        case 'until-close':
          this.body(bytes, i, to);
          i = to;
          break;
        case 'absorb':
          i = to;
          break;
      }
    }
    return i;
  }

  /**
   * `len` bytes at `offset` were never captured. True when the parser still knows where it is
   * (a hole inside a body of known length); otherwise the message ends, incomplete.
   */
  gap(offset: number, len: number): boolean {
    if (this.done) return false;
    const m = this.msg;
    m.incomplete = true;
    this.dropPreview();
    switch (this.phase) {
      case 'body':
        if (len < this.remaining) {
          this.remaining -= len;
          return true;
        }
        this.finish(offset + this.remaining);
        return len === this.remaining;
      case 'chunk-data':
        if (len < this.remaining) {
          this.remaining -= len;
          return true;
        }
        if (len === this.remaining) {
          this.remaining = 0;
          this.phase = 'chunk-end';
          return true;
        }
        this.finish(offset + this.remaining);
        return false;
      case 'until-close':
      case 'absorb':
        return true;
      default:
        // A hole in the head or in chunk framing: where this message ends cannot be known.
        this.finish(offset);
        return false;
    }
  }

  /** The direction ended at `endOffset` (FIN, RST, or the end of the capture). */
  close(endOffset: number): void {
    if (this.done) return;
    // A body that runs until the connection closes is whole when it does.
    if (this.phase !== 'until-close') this.msg.incomplete = true;
    this.finish(endOffset);
  }

  private readLines(bytes: Uint8Array, i: number, to: number): number {
    while (i < to && !this.done) {
      let lf = bytes.indexOf(0x0a, i);
      if (lf >= to) lf = -1;
      const end = lf < 0 ? to : lf + 1;
      this.headBytes += end - i;
      if (this.headBytes > HEADER_LIMIT) {
        this.malformed('header-too-long');
        return to;
      }
      this.line.append(bytes, i, lf < 0 ? to : lf);
      i = end;
      if (lf < 0) return i;
      let len = this.line.length;
      if (len > 0 && this.line.bytes[len - 1] === 0x0d) len--;
      if (len === 0) {
        this.line.clear();
        if (this.phase === 'headers') this.headDone(i);
        else this.finish(this.host.markAt(i).offset);
        return i;
      }
      if (this.phase === 'headers') this.header(this.line.bytes, len);
      this.line.clear();
    }
    return i;
  }

  private header(b: Uint8Array, len: number): void {
    const colon = b.indexOf(0x3a);
    if (colon <= 0 || colon >= len) return;
    // Only four headers matter here; the name's length picks the candidates before any string is made.
    if (colon !== 12 && colon !== 14 && colon !== 16 && colon !== 17) return;
    const name = colon === 12 ? 'content-type' : colon === 14 ? 'content-length' : colon === 16 ? 'content-encoding' : 'transfer-encoding';
    if (!asciiNameIs(b, name)) return;
    let a = colon + 1;
    let z = len;
    while (a < z && (b[a] === 0x20 || b[a] === 0x09)) a++;
    while (z > a && (b[z - 1] === 0x20 || b[z - 1] === 0x09)) z--;
    const m = this.msg;
    switch (name) {
      case 'content-type':
        m.contentType = fieldText(b, a, z);
        break;
      case 'content-encoding':
        m.contentEncoding = fieldText(b, a, z);
        break;
      case 'transfer-encoding': {
        const codings = latin1(b, a, z, FIELD_BYTES).toLowerCase().split(',');
        m.chunked = codings[codings.length - 1]!.trim() === 'chunked';
        m.transferEncoding = true;
        break;
      }
      case 'content-length': {
        // "5" or a list of equal values "5, 5"; anything else is an error (RFC 9112 6.3).
        let n = digitsValue(b, a, z);
        if (n < 0) {
          const value = latin1(b, a, z, 64);
          const parts = value.split(',').map((p) => p.trim());
          n = /^\d{1,15}$/.test(parts[0]!) && parts.every((p) => p === parts[0]) ? Number(parts[0]) : NaN;
        }
        if (Number.isNaN(n) || (m.contentLength !== null && m.contentLength !== n)) {
          m.malformed = 'bad-length';
          m.contentLength = null;
        } else if (m.malformed !== 'bad-length') m.contentLength = n;
        break;
      }
    }
  }

  private headDone(i: number): void {
    const m = this.msg;
    let framing: 'none' | 'length' | 'chunked' | 'close' | 'tunnel';
    if (m.type === 'request') {
      this.exchange.requested(m.method);
      framing = m.chunked ? 'chunked' : m.transferEncoding ? 'close' : m.contentLength !== null ? 'length' : 'none';
    } else if (m.code >= 100 && m.code < 200) {
      // An interim answer: the final one is still to come for the same request, except 101.
      framing = m.code === 101 ? 'tunnel' : 'none';
      if (m.code === 101) this.exchange.answered();
    } else {
      const method = this.exchange.answered();
      if (method === 'HEAD' || m.code === 204 || m.code === 304) framing = 'none';
      else if (method === 'CONNECT' && m.code < 300) framing = 'tunnel';
      else framing = m.chunked ? 'chunked' : m.transferEncoding ? 'close' : m.contentLength !== null ? 'length' : 'close';
    }
    if (framing === 'length' && m.contentLength === 0) framing = 'none';
    if (framing === 'none' || framing === 'tunnel') {
      this.tunnel = framing === 'tunnel';
      this.finish(this.host.markAt(i).offset);
      return;
    }
    if (wantsPreview(m)) this.preview = new BoundedBuffer(PREVIEW_BYTES, PREVIEW_BYTES);
    else this.settle();
    if (framing === 'length') {
      this.phase = 'body';
      this.remaining = m.contentLength!;
    } else if (framing === 'chunked') {
      this.phase = 'chunk-size';
    } else {
      this.phase = 'until-close';
    }
  }

  private readChunkLine(bytes: Uint8Array, i: number, to: number): number {
    let lf = bytes.indexOf(0x0a, i);
    if (lf >= to) lf = -1;
    const stop = lf < 0 ? to : lf;
    if (this.line.length + (stop - i) > CHUNK_LINE_LIMIT) {
      this.malformed('bad-chunk');
      return to;
    }
    this.line.append(bytes, i, stop);
    if (lf < 0) return to;
    let len = this.line.length;
    if (len > 0 && this.line.bytes[len - 1] === 0x0d) len--;
    const text = latin1(this.line.bytes, 0, len);
    this.line.clear();
    if (this.phase === 'chunk-end') {
      // The CR LF after a chunk's data; anything else there means the sizes were wrong.
      if (len !== 0) this.malformed('bad-chunk');
      else this.phase = 'chunk-size';
      return lf + 1;
    }
    const match = /^[ \t]*([0-9A-Fa-f]{1,13})[ \t]*(;.*)?$/.exec(text);
    if (!match) {
      this.malformed('bad-chunk');
      return lf + 1;
    }
    const size = parseInt(match[1]!, 16);
    if (size === 0) {
      this.phase = 'trailers';
      this.headBytes = 0;
    } else {
      this.phase = 'chunk-data';
      this.remaining = size;
    }
    return lf + 1;
  }

  private body(bytes: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    this.msg.bodyBytes += to - from;
    if (this.preview) {
      this.preview.append(bytes, from, to);
      if (this.preview.full) this.settle();
    }
  }

  /** The bytes cannot be followed any further: the message takes all that comes until a hole. */
  malformed(reason: 'header-too-long' | 'bad-chunk'): void {
    this.msg.malformed = reason;
    this.phase = 'absorb';
    this.line.clear();
    this.settle();
  }

  private dropPreview(): void {
    if (this.preview && !this.msg.headKnown) this.settle();
  }

  private settle(): void {
    const m = this.msg;
    if (m.headKnown) return;
    if (this.preview) {
      m.preview = textPreview(this.preview.view(), m.contentType);
      this.preview = null;
    }
    m.headKnown = true;
    this.host.settled(m);
  }

  private finish(endOffset: number): void {
    if (this.done) return;
    this.settle();
    this.done = true;
    this.host.ended(this.msg, endOffset);
  }
}

/** Media types whose bodies are text to show; anything compressed is not. */
function wantsPreview(m: HttpMessage): boolean {
  if (m.contentEncoding !== null && m.contentEncoding.toLowerCase() !== 'identity') return false;
  if (m.contentType === null) return true;
  return isTextType(m.contentType);
}

export function isTextType(contentType: string): boolean {
  const t = mediaType(contentType);
  return (
    t.startsWith('text/') ||
    /^application\/(json|xml|javascript|ecmascript|x-www-form-urlencoded|x-javascript|.*\+json|.*\+xml)$/.test(t) ||
    t === 'image/svg+xml'
  );
}

/** "text/html; charset=utf-8" -> "text/html" (lower case, as Wireshark shows the media type). */
export function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** The body's first bytes as text, or null when they do not read as text. */
function textPreview(bytes: Uint8Array, contentType: string | null): string | null {
  if (bytes.length === 0) return null;
  const text = utf8(bytes);
  if (contentType === null) {
    // Without a media type, only bytes that are plainly text are shown.
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.test(text)) return null;
  }
  return text;
}
