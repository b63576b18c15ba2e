import type { FrameApp } from '../app/attribution';
import { utf8 } from '../app/parser';
import type { StreamApp } from '../app/stream';
import { messageName } from '../app/summary';
import type { AppMessage, HttpMessage } from '../app/types';
import type { Lang } from '../explain/glossary';
import { seqDiff } from '../tcp/seq';
import { Builder } from './anatomy';
import type { AnatomyField, AnatomyLayer } from './types';
import { appLayerWords, type AppLayerKey } from './words';

/**
 * The application layers of one frame, appended after TCP: one per message that starts in the
 * frame (HTTP, a TLS record, Data), and a layer for bytes that continue or repeat an earlier
 * message. Messages come from the connection's pass (core/app); their fields are read again here
 * from this frame's own bytes, at their offsets in the frame, as Wireshark names them. A field
 * that lies past the captured bytes is left out; nothing here throws.
 */

/** Where the TCP payload lies in the frame (`tcpPayloadSpan`). */
export interface PayloadSpan {
  offset: number;
  length: number;
}

/** HTTP header names Wireshark gives a field of their own (packet-http.c); others are http.*.line. */
const HTTP_HEADERS: Record<string, string> = {
  authorization: 'http.authorization',
  'proxy-authorization': 'http.proxy_authorization',
  'proxy-authenticate': 'http.proxy_authenticate',
  'www-authenticate': 'http.www_authenticate',
  'content-type': 'http.content_type',
  'content-length': 'http.content_length_header',
  'content-encoding': 'http.content_encoding',
  'transfer-encoding': 'http.transfer_encoding',
  upgrade: 'http.upgrade',
  'user-agent': 'http.user_agent',
  host: 'http.host',
  connection: 'http.connection',
  cookie: 'http.cookie',
  accept: 'http.accept',
  referer: 'http.referer',
  'accept-language': 'http.accept_language',
  'accept-encoding': 'http.accept_encoding',
  date: 'http.date',
  'cache-control': 'http.cache_control',
  server: 'http.server',
  location: 'http.location',
  'sec-websocket-accept': 'http.sec_websocket_accept',
  'sec-websocket-extensions': 'http.sec_websocket_extensions',
  'sec-websocket-key': 'http.sec_websocket_key',
  'sec-websocket-protocol': 'http.sec_websocket_protocol',
  'sec-websocket-version': 'http.sec_websocket_version',
  'set-cookie': 'http.set_cookie',
  'last-modified': 'http.last_modified',
  'x-forwarded-for': 'http.x_forwarded_for',
};

/** Lines of an HTTP head read from one frame: a hostile peer cannot make the walk long. */
const MOST_HEADER_LINES = 512;
/** Handshake messages, extensions and list entries read per record. */
const MOST_ITEMS = 1024;

const TLS13 = 0x0304;

/** The TLS version a connection's ServerHello chose, so TLS 1.3 records are named as Wireshark names them. */
export function streamTlsVersion(app: StreamApp): number | null {
  for (const m of app.fromServer) if (m.protocol === 'tls' && m.type === 'server_hello' && m.version !== null) return m.version;
  return null;
}

export function appLayers(
  bytes: Uint8Array,
  span: PayloadSpan,
  relSeq: number,
  frameApp: FrameApp | undefined,
  lang: Lang = 'en',
  tlsVersion: number | null = null,
): AnatomyLayer[] {
  if (!frameApp || span.length <= 0) return [];
  const w = new AppWalk(new Builder(bytes, lang, bytes.length, undefined), span, relSeq, lang, tlsVersion === TLS13);
  return w.walk(frameApp);
}

class AppWalk {
  readonly layers: AnatomyLayer[] = [];
  /** Where the payload's captured bytes end (the snapshot length may cut it). */
  private readonly capturedEnd: number;
  private readonly wireEnd: number;

  constructor(
    private readonly b: Builder,
    private readonly span: PayloadSpan,
    private readonly relSeq: number,
    private readonly lang: Lang,
    private readonly tls13: boolean,
  ) {
    this.wireEnd = span.offset + span.length;
    this.capturedEnd = Math.min(this.wireEnd, b.data.length);
  }

  walk(app: FrameApp): AnatomyLayer[] {
    // Where each starting message's first byte is in this frame, in stream order.
    const starts: Array<{ at: number; messages: AppMessage[] }> = [];
    for (const m of app.starts) {
      const rel = seqDiff(m.seq, this.relSeq);
      if (rel < 0 || rel >= this.span.length) continue;
      const at = this.span.offset + rel;
      const last = starts[starts.length - 1];
      if (last && last.at === at) last.messages.push(m);
      else starts.push({ at, messages: [m] });
    }
    const firstStart = starts.length ? starts[0]!.at : this.wireEnd;
    if (app.repeats.length && !app.continues && !starts.length) this.repeated(app.repeats, this.span.offset, this.wireEnd);
    else if (app.repeats.length && !app.continues && firstStart > this.span.offset) this.repeated(app.repeats, this.span.offset, firstStart);
    if (app.continues) this.continued(app.continues, firstStart);
    for (let k = 0; k < starts.length; k++) {
      const { at, messages } = starts[k]!;
      const next = k + 1 < starts.length ? starts[k + 1]!.at : this.wireEnd;
      const m = messages[0]!;
      const end = Math.min(next, m.length !== null ? at + m.length : next);
      if (m.protocol === 'http') this.http(m, at, end);
      else if (m.protocol === 'tls') this.tlsRecord(messages, at, end);
      else this.data(at, end);
    }
    return this.layers;
  }

  // ---- layers --------------------------------------------------------------------------------

  private layer(name: string, key: AppLayerKey, offset: number, end: number, vars: Record<string, string | number> = {}): AnatomyLayer {
    const words = appLayerWords(key, this.lang, vars);
    const length = Math.max(0, Math.min(end, this.capturedEnd) - offset);
    const l: AnatomyLayer = { name, title: words.title, offset, length, about: words.about, fields: [] };
    this.layers.push(l);
    return l;
  }

  private repeated(messages: AppMessage[], from: number, to: number): void {
    const what = messages.map((m) => messageName(m, this.lang)).join(', ');
    const l = this.layer(messages[0]!.protocol, 'repeats', from, to, { what, protocol: messages[0]!.protocol });
    push(l.fields, this.b.text('#app.repeated', from, to - from, { what }));
  }

  private continued(m: AppMessage, firstStart: number): void {
    let end = firstStart;
    if (m.length !== null) {
      const rel = seqDiff((m.seq + m.length) >>> 0, this.relSeq);
      end = Math.min(end, this.span.offset + Math.max(0, rel));
    }
    if (end <= this.span.offset) return;
    const what = messageName(m, this.lang);
    const l = this.layer(m.protocol, 'continues', this.span.offset, end, { what, protocol: m.protocol });
    push(l.fields, this.b.text('#app.continued', this.span.offset, end - this.span.offset, { what }));
  }

  private data(at: number, end: number): void {
    const l = this.layer('data', 'data', at, end);
    push(l.fields, this.b.block('data.data', at, end - at));
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private http(m: HttpMessage, at: number, end: number): void {
    const l = this.layer('http', 'http', at, end);
    const stop = Math.min(end, this.capturedEnd);
    const d = this.b.data;
    const request = m.type === 'request';
    let p = at;
    let lines = 0;
    let headEnded = false;
    while (p < stop && lines++ < MOST_HEADER_LINES) {
      let nl = p;
      while (nl < stop && d[nl] !== 0x0a) nl++;
      if (nl >= stop) {
        // The line runs on past this frame (or past what was captured).
        push(l.fields, this.heading('#http.partial_line', p, stop - p, { line: latin(d, p, stop) }));
        return;
      }
      const contentEnd = nl > p && d[nl - 1] === 0x0d ? nl - 1 : nl;
      const next = nl + 1;
      if (contentEnd === p) {
        push(l.fields, this.heading('#http.end_of_head', p, next - p));
        p = next;
        headEnded = true;
        break;
      }
      if (p === at) push(l.fields, request ? this.requestLine(p, contentEnd, next) : this.statusLine(p, contentEnd, next));
      else push(l.fields, this.header(p, contentEnd, next, request));
      p = next;
    }
    if (!headEnded || p >= stop) return;
    if (m.type === 'request' || !m.chunked) {
      const n = stop - p;
      push(l.fields, this.b.field('http.file_data', p, n, utf8(d.subarray(p, Math.min(p + 64, stop))) + (n > 64 ? '…' : '')));
    } else {
      push(l.fields, this.b.text('#http.chunked_body', p, stop - p));
    }
  }

  private requestLine(p: number, contentEnd: number, next: number): AnatomyField | null {
    const d = this.b.data;
    const line = this.heading('#http.request_line', p, next - p, { line: latin(d, p, contentEnd) });
    if (!line) return null;
    const sp1 = indexOf(d, 0x20, p, contentEnd);
    const sp2 = sp1 < 0 ? -1 : indexOf(d, 0x20, sp1 + 1, contentEnd);
    const kids: Array<AnatomyField | null> = [];
    if (sp1 > p) kids.push(this.str('http.request.method', p, sp1));
    if (sp1 >= 0) {
      const uriEnd = sp2 < 0 ? contentEnd : sp2;
      if (uriEnd > sp1 + 1) kids.push(this.str('http.request.uri', sp1 + 1, uriEnd));
      if (sp2 >= 0 && contentEnd > sp2 + 1) kids.push(this.str('http.request.version', sp2 + 1, contentEnd));
    }
    line.children = compact(kids);
    return line;
  }

  private statusLine(p: number, contentEnd: number, next: number): AnatomyField | null {
    const d = this.b.data;
    const line = this.heading('#http.status_line', p, next - p, { line: latin(d, p, contentEnd) });
    if (!line) return null;
    const sp1 = indexOf(d, 0x20, p, contentEnd);
    const kids: Array<AnatomyField | null> = [];
    kids.push(this.str('http.response.version', p, sp1 < 0 ? contentEnd : sp1));
    if (sp1 >= 0) {
      const sp2 = indexOf(d, 0x20, sp1 + 1, contentEnd);
      const codeEnd = sp2 < 0 ? contentEnd : sp2;
      if (codeEnd > sp1 + 1) kids.push(this.str('http.response.code', sp1 + 1, codeEnd));
      if (sp2 >= 0) kids.push(this.str('http.response.phrase', sp2 + 1, contentEnd));
    }
    line.children = compact(kids);
    return line;
  }

  private header(p: number, contentEnd: number, next: number, request: boolean): AnatomyField | null {
    const d = this.b.data;
    const colon = indexOf(d, 0x3a, p, contentEnd);
    let tokenName = colon > p;
    for (let k = p; tokenName && k < colon; k++) tokenName = isTokenChar(d[k]!);
    const known = tokenName ? HTTP_HEADERS[latin(d, p, colon).toLowerCase()] : undefined;
    if (!known) {
      return this.b.field(request ? 'http.request.line' : 'http.response.line', p, next - p, latin(d, p, contentEnd));
    }
    let v = colon + 1;
    while (v < contentEnd && (d[v] === 0x20 || d[v] === 0x09)) v++;
    const value = utf8(d.subarray(v, contentEnd));
    const f = this.b.field(known, p, next - p, value);
    if (!f) return null;
    if (known === 'http.content_length_header') {
      const n = /^\d+/.exec(value);
      if (n) f.children = compact([this.b.field('http.content_length', p, next - p, String(Number(n[0])))]);
    } else if (known === 'http.cookie') {
      const kids: AnatomyField[] = [];
      let i = v;
      while (i < contentEnd && kids.length < MOST_ITEMS) {
        while (i < contentEnd && (d[i] === 0x3b || d[i] === 0x20 || d[i] === 0x09)) i++;
        if (i >= contentEnd) break;
        let e = i;
        while (e < contentEnd && d[e] !== 0x3b) e++;
        push(kids, this.str('http.cookie_pair', i, e));
        i = e;
      }
      if (kids.length) f.children = kids;
    }
    return f;
  }

  /** A line whose label says it all: its bytes are in the dump beside the tree. */
  private heading(key: string, o: number, n: number, vars: Record<string, string | number> = {}): AnatomyField | null {
    const f = this.b.text(key, o, n, vars);
    if (f) f.value = '';
    return f;
  }

  private str(name: string, from: number, to: number): AnatomyField | null {
    return this.b.field(name, from, to - from, utf8(this.b.data.subarray(from, to)));
  }

  // ---- TLS -----------------------------------------------------------------------------------

  private tlsRecord(messages: AppMessage[], at: number, end: number): void {
    const m = messages[0]!;
    const l = this.layer('tls', 'tls', at, end);
    const b = this.b;
    if (!b.fits(at, 5)) {
      push(l.fields, b.text('#tls.partial', at, Math.min(end, this.capturedEnd) - at));
      return;
    }
    const type = b.u8(at);
    const length = b.u16(at + 3);
    const recordEnd = at + 5 + length;
    const rec = b.field('tls.record', at, Math.min(5 + length, this.capturedEnd - at), '');
    if (!rec) return;
    const kids: Array<AnatomyField | null> = [
      b.uint(this.tls13 && type === 23 ? 'tls.record.opaque_type' : 'tls.record.content_type', at, 1),
      b.hexUint('tls.record.version', at + 1, 2),
      b.uint('tls.record.length', at + 3, 2),
    ];
    const body = at + 5;
    const encrypted = m.protocol === 'tls' && m.encrypted;
    if (type === 20) kids.push(b.block('tls.change_cipher_spec', body, length));
    else if (type === 21) {
      if (!encrypted && length === 2 && b.fits(body, 2)) {
        const alert = b.field('tls.alert_message', body, 2, '');
        if (alert) alert.children = compact([b.uint('tls.alert_message.level', body, 1), b.uint('tls.alert_message.desc', body + 1, 1)]);
        kids.push(alert);
      } else kids.push(b.text('#tls.encrypted_alert', body, length));
    } else if (type === 22) {
      if (encrypted) {
        // Wireshark names it a handshake message too, with only its bytes to show.
        const hs = b.field('tls.handshake', body, Math.min(length, this.capturedEnd - body), '');
        if (hs) hs.children = compact([b.text('#tls.encrypted_handshake', body, length)]);
        kids.push(hs);
      }
      else kids.push(...this.handshakes(body, recordEnd));
    } else if (type === 23) kids.push(b.block('tls.app_data', body, length));
    else kids.push(b.text('#tls.record_body', body, length));
    rec.children = compact(kids);
    l.fields.push(rec);
  }

  private handshakes(from: number, recordEnd: number): AnatomyField[] {
    const b = this.b;
    const out: AnatomyField[] = [];
    let p = from;
    const stop = Math.min(recordEnd, this.capturedEnd);
    while (p + 4 <= stop && out.length < MOST_ITEMS) {
      const type = b.u8(p);
      const len = b.u24(p + 1);
      const end = Math.min(p + 4 + len, recordEnd);
      const hs = b.field('tls.handshake', p, Math.min(end, stop) - p, '');
      if (!hs) break;
      const kids: Array<AnatomyField | null> = [b.uint('tls.handshake.type', p, 1), b.uint('tls.handshake.length', p + 1, 3)];
      if (type === 1 || type === 2) kids.push(...this.hello(type === 1, p + 4, Math.min(end, stop)));
      hs.children = compact(kids);
      out.push(hs);
      p += 4 + len;
    }
    // A handshake message that begins here and goes on in the next record is left as bytes.
    if (p < stop && out.length < MOST_ITEMS) push(out, b.text('#tls.partial', p, stop - p));
    return out;
  }

  /** A ClientHello's or ServerHello's body, as far as it lies in [p, end). */
  private hello(client: boolean, p: number, end: number): AnatomyField[] {
    const b = this.b;
    const out: AnatomyField[] = [];
    const fits = (o: number, n: number): boolean => o + n <= end && b.fits(o, n);
    if (!fits(p, 2)) return out;
    push(out, b.hexUint('tls.handshake.version', p, 2));
    p += 2;
    if (!fits(p, 32)) return out;
    push(out, b.field('tls.handshake.random', p, 32, b.colonBytes(p, 32)));
    p += 32;
    if (!fits(p, 1)) return out;
    const sidLen = b.u8(p);
    push(out, b.uint('tls.handshake.session_id_length', p, 1));
    p += 1;
    if (sidLen > 0) {
      if (!fits(p, sidLen)) return out;
      push(out, b.field('tls.handshake.session_id', p, sidLen, b.colonBytes(p, sidLen)));
    }
    p += sidLen;
    if (client) {
      if (!fits(p, 2)) return out;
      const n = b.u16(p);
      push(out, b.uint('tls.handshake.cipher_suites_length', p, 2));
      p += 2;
      if (!fits(p, n)) return out;
      const list = b.field('tls.handshake.ciphersuites', p, n, '');
      if (list) {
        list.children = [];
        for (let q = p; q + 2 <= p + n && list.children.length < MOST_ITEMS; q += 2) push(list.children, b.hexUint('tls.handshake.ciphersuite', q, 2));
        out.push(list);
      }
      p += n;
      if (!fits(p, 1)) return out;
      const c = b.u8(p);
      push(out, b.uint('tls.handshake.comp_methods_length', p, 1));
      p += 1;
      if (!fits(p, c)) return out;
      const methods = b.field('tls.handshake.comp_methods', p, c, '');
      if (methods) {
        methods.children = [];
        for (let q = p; q < p + c; q++) push(methods.children, b.uint('tls.handshake.comp_method', q, 1));
        out.push(methods);
      }
      p += c;
    } else {
      if (!fits(p, 3)) return out;
      push(out, b.hexUint('tls.handshake.ciphersuite', p, 2));
      push(out, b.uint('tls.handshake.comp_method', p + 2, 1));
      p += 3;
    }
    if (!fits(p, 2)) return out;
    const extLen = b.u16(p);
    push(out, b.uint('tls.handshake.extensions_length', p, 2));
    p += 2;
    const extEnd = Math.min(end, p + extLen);
    let count = 0;
    while (p + 4 <= extEnd && count++ < MOST_ITEMS) {
      const type = b.u16(p);
      const len = b.u16(p + 2);
      const ext = this.heading('#tls.extension', p, Math.min(4 + len, extEnd - p), { name: EXTENSION_NAMES[type] ?? 'Unknown type ' + String(type), len });
      if (!ext) break;
      const kids: Array<AnatomyField | null> = [b.uint('tls.handshake.extension.type', p, 2), b.uint('tls.handshake.extension.len', p + 2, 2)];
      const from = p + 4;
      const to = Math.min(from + len, extEnd);
      if (from + len <= extEnd) kids.push(...this.extension(type, client, from, to));
      ext.children = compact(kids);
      out.push(ext);
      p = from + len;
    }
    return out;
  }

  private extension(type: number, client: boolean, from: number, to: number): AnatomyField[] {
    const b = this.b;
    const out: AnatomyField[] = [];
    const fits = (o: number, n: number): boolean => o + n <= to && b.fits(o, n);
    if (type === 0 && client && fits(from, 2)) {
      push(out, b.uint('tls.handshake.extensions_server_name_list_len', from, 2));
      let q = from + 2;
      while (fits(q, 3) && out.length < MOST_ITEMS) {
        const n = b.u16(q + 1);
        push(out, b.uint('tls.handshake.extensions_server_name_type', q, 1));
        push(out, b.uint('tls.handshake.extensions_server_name_len', q + 1, 2));
        if (!fits(q + 3, n)) break;
        push(out, this.str('tls.handshake.extensions_server_name', q + 3, q + 3 + n));
        q += 3 + n;
      }
    } else if (type === 16 && fits(from, 2)) {
      const n = b.u16(from);
      push(out, b.uint('tls.handshake.extensions_alpn_len', from, 2));
      if (fits(from + 2, n)) {
        const list = b.field('tls.handshake.extensions_alpn_list', from + 2, n, '');
        if (list) {
          list.children = [];
          let q = from + 2;
          while (q < from + 2 + n && list.children.length < MOST_ITEMS) {
            const k = b.u8(q);
            push(list.children, b.uint('tls.handshake.extensions_alpn_str_len', q, 1));
            if (q + 1 + k > from + 2 + n) break;
            push(list.children, this.str('tls.handshake.extensions_alpn_str', q + 1, q + 1 + k));
            q += 1 + k;
          }
          out.push(list);
        }
      }
    } else if (type === 43 && client && fits(from, 1)) {
      const n = b.u8(from);
      push(out, b.uint('tls.handshake.extensions.supported_versions_len', from, 1));
      for (let q = from + 1; q + 2 <= from + 1 + n && fits(q, 2) && out.length < MOST_ITEMS; q += 2) push(out, b.hexUint('tls.handshake.extensions.supported_version', q, 2));
    } else if (type === 43 && fits(from, 2)) {
      push(out, b.hexUint('tls.handshake.extensions.supported_version', from, 2));
    } else if (to > from) {
      push(out, b.text('#tls.extension_data', from, to - from));
    }
    return out;
  }
}

/** IANA's names of the extensions a hello usually carries, as Wireshark titles them. */
const EXTENSION_NAMES: Record<number, string> = {
  0: 'server_name',
  5: 'status_request',
  10: 'supported_groups',
  11: 'ec_point_formats',
  13: 'signature_algorithms',
  16: 'application_layer_protocol_negotiation',
  18: 'signed_certificate_timestamp',
  21: 'padding',
  22: 'encrypt_then_mac',
  23: 'extended_master_secret',
  27: 'compress_certificate',
  35: 'session_ticket',
  41: 'pre_shared_key',
  42: 'early_data',
  43: 'supported_versions',
  44: 'cookie',
  45: 'psk_key_exchange_modes',
  49: 'post_handshake_auth',
  50: 'signature_algorithms_cert',
  51: 'key_share',
  65281: 'renegotiation_info',
};

function isTokenChar(c: number): boolean {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return true;
  return "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c));
}

function indexOf(d: Uint8Array, byte: number, from: number, to: number): number {
  for (let k = from; k < to; k++) if (d[k] === byte) return k;
  return -1;
}

/** Bytes one character each, as a header line is shown (the text stays data: the view escapes it). */
function latin(d: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let k = from; k < to; k++) s += String.fromCharCode(d[k]!);
  return s;
}

function push(list: AnatomyField[], f: AnatomyField | null): void {
  if (f) list.push(f);
}

function compact(list: Array<AnatomyField | null>): AnatomyField[] {
  return list.filter((f): f is AnatomyField => f !== null);
}
