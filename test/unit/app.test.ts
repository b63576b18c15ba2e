import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PacketApps, appJson } from '../../src/cli/app';
import { ConnectionApp, DirectionApp, FrameApp, frameAppText } from '../../src/core/app/attribution';
import { ConnectionAppSummary, messageInfo, messageSummary } from '../../src/core/app/summary';
import { streamApp } from '../../src/core/app/stream';
import { AppConversation } from '../../src/core/app/tracker';
import { catalogCapture } from '../../src/core/index/catalog';
import { HTTP_METHODS, HTTP_START_BYTES, asciiNameIs, digitsValue, httpStart } from '../../src/core/app/http';
import { AppMessage, HEADER_LIMIT, HttpRequest, HttpResponse, TlsMessage } from '../../src/core/app/types';
import { APP_WORDS } from '../../src/core/app/words';
import { controlsEscaped, markdownText } from '../../src/core/escape';
import { scanPacketRecords } from '../../src/core/scan';
import { FileSource } from '../../src/node/fileSource';
import { FIXTURES, ROOT, SHARED, fixture, listCaptures, sharedAvailable } from '../helpers/paths';
import { TsharkAppMessage, TsharkAppResult, tsharkAppMessagesAsync, tsharkAvailable } from '../helpers/tshark';

// ---------------------------------------------------------------------------------------------
// Hand-made bytes

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const bytesOf = (s: string): Uint8Array => Uint8Array.from(ascii(s));
const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
const u24 = (n: number): number[] => [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const concat = (...parts: Array<Uint8Array | number[]>): Uint8Array => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

function record(type: number, body: number[] | Uint8Array, version = 0x0303): number[] {
  return [type, ...u16(version), ...u16(body.length), ...Array.from(body)];
}
function handshake(type: number, body: number[]): number[] {
  return [type, ...u24(body.length), ...body];
}
function extension(type: number, body: number[]): number[] {
  return [...u16(type), ...u16(body.length), ...body];
}
function clientHello(o: { sni?: string; alpn?: string[]; versions?: number[] }): number[] {
  const exts: number[] = [];
  if (o.sni !== undefined) {
    const name = ascii(o.sni);
    const entry = [0, ...u16(name.length), ...name];
    exts.push(...extension(0, [...u16(entry.length), ...entry]));
  }
  if (o.alpn) {
    const list = o.alpn.flatMap((p) => [p.length, ...ascii(p)]);
    exts.push(...extension(16, [...u16(list.length), ...list]));
  }
  if (o.versions) exts.push(...extension(43, [o.versions.length * 2, ...o.versions.flatMap(u16)]));
  const random = Array.from({ length: 32 }, (_, i) => i);
  const body = [3, 3, ...random, 0, ...u16(4), 0x13, 0x01, 0xc0, 0x2f, 1, 0, ...u16(exts.length), ...exts];
  return handshake(1, body);
}
function serverHello(o: { cipher: number; version?: number; alpn?: string }): number[] {
  const exts: number[] = [];
  if (o.version) exts.push(...extension(43, u16(o.version)));
  if (o.alpn) exts.push(...extension(16, [...u16(o.alpn.length + 1), o.alpn.length, ...ascii(o.alpn)]));
  const random = Array.from({ length: 32 }, (_, i) => 100 + i);
  return handshake(2, [3, 3, ...random, 0, ...u16(o.cipher), 0, ...u16(exts.length), ...exts]);
}

/** One direction fed piece by piece, each piece its own frame (1, 2, ...). */
function track(pieces: Uint8Array[], conversation = new AppConversation(), close = true): { dir: DirectionApp; messages: AppMessage[]; frames: Map<number, FrameApp> } {
  const dir = new DirectionApp(conversation, { keepMessages: true });
  let seq = 1;
  pieces.forEach((p, k) => {
    dir.data(k + 1, seq, p);
    seq += p.length;
  });
  if (close) dir.tracker.close();
  return { dir, messages: dir.messages, frames: new Map(dir.allFrames().map((f) => [f.frame, f])) };
}

/** The pieces of `all` cut at the given offsets. */
function cut(all: Uint8Array, at: number[]): Uint8Array[] {
  const edges = [0, ...at.filter((x) => x > 0 && x < all.length), all.length];
  const out: Uint8Array[] = [];
  for (let k = 0; k + 1 < edges.length; k++) out.push(all.subarray(edges[k]!, edges[k + 1]!));
  return out;
}

/** What a message is, whatever frame it came in (for comparing splits). */
function shape(m: AppMessage): unknown {
  const { frame: _frame, ...rest } = m;
  return rest;
}

const REQ1 = 'GET /one HTTP/1.1\r\nHost: example.test\r\n\r\n';
const REQ2 = 'POST /two HTTP/1.1\r\nHost: example.test\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world';
const REQ3 = 'GET /three HTTP/1.0\r\n\r\n';
const RESP1 = 'HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 11\r\n\r\nhello world';
const RESP2 =
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n';
const RESP3 = 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';

describe('application messages: HTTP/1.x', () => {
  it('says whether bytes can start an HTTP message exactly as the method names, read as text, say', () => {
    // The rule as text: "yes" once a method and its space (or "HTTP/1.") is there, "maybe"
    // while the bytes are the start of one.
    const starts = [...HTTP_METHODS.map((m) => `${m} `), 'HTTP/1.'];
    const byText = (bytes: Uint8Array, len: number): string => {
      const head = String.fromCharCode(...bytes.subarray(0, Math.min(len, HTTP_START_BYTES)));
      if (starts.some((s) => head.startsWith(s))) return 'yes';
      return head.length > 0 && starts.some((s) => s.startsWith(head)) ? 'maybe' : 'no';
    };
    const check = (bytes: Uint8Array, len: number): void => assert.equal(httpStart(bytes, len), byText(bytes, len), JSON.stringify(String.fromCharCode(...bytes.subarray(0, len))));
    const latin = (t: string): Uint8Array => Uint8Array.from(t, (c) => c.charCodeAt(0));
    for (const s of starts) {
      for (const tail of ['', '/ HTTP/1.1', 'x', '\r\n', '\u00ff']) {
        const b = latin(s + tail);
        for (let len = 0; len <= b.length; len++) check(b, len);
      }
      // One byte changed anywhere in the start.
      for (let k = 0; k < s.length; k++) {
        const b = latin(s + '/');
        b[k] ^= 0x20;
        check(b, b.length);
        check(b, k + 1);
      }
    }
    const alphabet = fc.constantFrom(...'GETHPOSUDLNCAMIKV-_ /.1\u00ff\r\n'.split('').map((c) => c.charCodeAt(0)));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }), fc.nat(30), (codes, len) => check(Uint8Array.from(codes), Math.min(len, codes.length))),
      { numRuns: 20000 },
    );
  });

  it('header names and Content-Length read as bytes equal the text rules (property test)', () => {
    // The text rules the parser used: a header's name lower-cased, and a length that is 1 to 15
    // digits (the list form "5, 5" still goes through the text rule; digitsValue only says -1).
    const latin = (b: Uint8Array, from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));
    const names = ['content-type', 'content-length', 'content-encoding', 'transfer-encoding'];
    const checkName = (b: Uint8Array): void => {
      for (const name of names) {
        if (b.length < name.length) continue;
        assert.equal(asciiNameIs(b, name), latin(b, 0, name.length).toLowerCase() === name, JSON.stringify(latin(b, 0, b.length)));
      }
    };
    const checkDigits = (b: Uint8Array): void => {
      const text = latin(b, 0, b.length);
      assert.equal(digitsValue(b, 0, b.length), /^\d{1,15}$/.test(text) ? Number(text) : -1, JSON.stringify(text));
    };
    for (const name of names) {
      const b = Uint8Array.from(name, (c) => c.charCodeAt(0));
      checkName(b);
      for (let k = 0; k < b.length; k++) {
        // Each byte in upper case, and each changed to its neighbours and to Latin-1 letters.
        for (const c of [b[k]! & ~0x20, b[k]! + 1, b[k]! - 1, 0xc0 + (b[k]! & 0x1f), 0xe0 + (b[k]! & 0x1f), b[k]! | 0x80]) {
          const v = Uint8Array.from(b);
          v[k] = c & 0xff;
          checkName(v);
        }
      }
    }
    for (const t of ['0', '5', '007', '123456789012345', '1234567890123456', '', ' 5', '5 ', '5,5', '-1', '+1', '1e3', '0x10', '\u00b2']) {
      checkDigits(Uint8Array.from(t, (c) => c.charCodeAt(0)));
    }
    const nameBytes = fc.constantFrom(...'contypelgh-rasfiCONTYPELGHRASFI\u00c3\u00e3\u00cf\u00ef_ '.split('').map((c) => c.charCodeAt(0)));
    fc.assert(fc.property(fc.array(nameBytes, { minLength: 12, maxLength: 18 }), (codes) => checkName(Uint8Array.from(codes))), { numRuns: 20000 });
    const digitBytes = fc.constantFrom(...'0123456789 ,+-./:e\u00b2'.split('').map((c) => c.charCodeAt(0)));
    fc.assert(fc.property(fc.array(digitBytes, { maxLength: 18 }), (codes) => checkDigits(Uint8Array.from(codes))), { numRuns: 20000 });
  });

  it('a request and a response with their fields and a preview of a text body', () => {
    const req = track([bytesOf(REQ1)]).messages;
    assert.equal(req.length, 1);
    const r = req[0] as HttpRequest;
    assert.deepEqual([r.type, r.method, r.uri, r.version, r.length, r.incomplete, r.offset], ['request', 'GET', '/one', 'HTTP/1.1', REQ1.length, false, 0]);
    assert.equal(messageSummary(r), 'GET /one HTTP/1.1');
    const resp = track([bytesOf(RESP1)]).messages[0] as HttpResponse;
    assert.deepEqual([resp.code, resp.phrase, resp.contentLength, resp.preview], [200, 'OK', 11, 'hello world']);
    assert.equal(messageSummary(resp), 'HTTP/1.1 200 OK · text/html · 11 bytes: hello world');
    assert.equal(messageInfo(resp), 'HTTP/1.1 200 OK (text/html)');
  });

  it('pipelined and keep-alive messages: each found where the one before ends, chunked bodies followed to their end', () => {
    const client = track([bytesOf(REQ1 + REQ2 + REQ3)]).messages as HttpRequest[];
    assert.deepEqual(
      client.map((m) => [m.method, m.uri, m.offset, m.length]),
      [
        ['GET', '/one', 0, REQ1.length],
        ['POST', '/two', REQ1.length, REQ2.length],
        ['GET', '/three', REQ1.length + REQ2.length, REQ3.length],
      ],
    );
    assert.equal(client[1]!.preview, 'hello world');
    const server = track([bytesOf(RESP1 + RESP2 + RESP3)]).messages as HttpResponse[];
    assert.deepEqual(
      server.map((m) => [m.code, m.offset, m.length, m.bodyBytes, m.incomplete]),
      [
        [200, 0, RESP1.length, 11, false],
        [200, RESP1.length, RESP2.length, 11, false],
        [404, RESP1.length + RESP2.length, RESP3.length, 0, false],
      ],
    );
    assert.equal(server[1]!.chunked, true);
    assert.equal(server[1]!.preview, 'hello world');
    assert.equal(messageSummary(server[1]!), 'HTTP/1.1 200 OK · text/plain · chunked: hello world');
  });

  it('split at every byte boundary, and byte by byte, the same messages, each named on the frame of its first byte', () => {
    for (const text of [REQ1 + REQ2 + REQ3, RESP1 + RESP2 + RESP3]) {
      const all = bytesOf(text);
      const whole = track([all]).messages;
      for (let k = 1; k < all.length; k++) {
        const split = track(cut(all, [k])).messages;
        assert.deepEqual(split.map(shape), whole.map(shape), `split at ${k}`);
        assert.deepEqual(
          split.map((m) => m.frame),
          whole.map((m) => (m.offset < k ? 1 : 2)),
          `split at ${k}`,
        );
      }
      const bytewise = track(Array.from(all, (b) => Uint8Array.of(b)));
      assert.deepEqual(bytewise.messages.map(shape), whole.map(shape));
      assert.deepEqual(
        bytewise.messages.map((m) => m.frame),
        whole.map((m) => m.offset + 1),
      );
      // Every other byte's frame continues the message it is in.
      for (const m of bytewise.messages) {
        for (let o = m.offset + 1; o < m.offset + m.length!; o++) {
          const f = bytewise.frames.get(o + 1)!;
          if (f.starts.length === 0) assert.equal(f.continues, m, `byte ${o}`);
        }
      }
    }
  });

  it('a response to HEAD has no body; 204, 304 and 1xx have none; 101 hands the connection to another protocol', () => {
    const conversation = new AppConversation();
    track([bytesOf('HEAD / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n')], conversation);
    const answers = 'HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n';
    const server = track([bytesOf(answers)], conversation).messages as HttpResponse[];
    assert.deepEqual(
      server.map((m) => [m.code, m.bodyBytes, m.incomplete]),
      [
        [200, 0, false],
        [100, 0, false],
        [304, 0, false],
      ],
    );
    const upgrade = new AppConversation();
    track([bytesOf('GET /chat HTTP/1.1\r\nUpgrade: websocket\r\n\r\n')], upgrade);
    const switched = track([bytesOf('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello'), bytesOf('\x81\x02hi')], upgrade).messages;
    assert.deepEqual(
      switched.map((m) => [m.protocol, m.frame]),
      [
        ['http', 1],
        ['data', 1],
        ['data', 2],
      ],
    );
  });

  it('a body that runs until the connection closes is whole when it does; a head cut short by the end is incomplete', () => {
    const untilClose = track([bytesOf('HTTP/1.0 200 OK\r\n\r\nsome'), bytesOf(' more')]).messages[0]!;
    assert.deepEqual([untilClose.length, untilClose.incomplete], [28, false]);
    const cutShort = track([bytesOf('HTTP/1.1 200 OK\r\nContent-Len')]).messages[0]!;
    assert.deepEqual([cutShort.incomplete, cutShort.headKnown], [true, true]);
    const bodyShort = track([bytesOf('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')]).messages[0]!;
    assert.equal(bodyShort.incomplete, true);
  });

  it('bytes never captured: a hole in a body of known length keeps the framing; a hole in a head does not', () => {
    const dir = new DirectionApp(new AppConversation(), { keepMessages: true });
    const head = bytesOf('HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123');
    dir.data(1, 1, head);
    dir.missing(2, 1 + head.length, 10, 'unseen');
    dir.data(2, 1 + head.length + 10, bytesOf('456789' + RESP3));
    dir.tracker.close();
    const [a, b] = dir.messages as HttpResponse[];
    assert.deepEqual([a!.code, a!.incomplete, a!.length], [200, true, head.length + 16]);
    assert.deepEqual([b!.code, b!.frame, b!.incomplete], [404, 2, false]);

    const lost = new DirectionApp(new AppConversation(), { keepMessages: true });
    lost.data(1, 1, bytesOf('HTTP/1.1 200 OK\r\nContent-'));
    lost.missing(2, 27, 30, 'unseen');
    lost.data(2, 57, bytesOf('rest of a lost head\r\n\r\n'));
    lost.data(3, 80, bytesOf(RESP3));
    lost.tracker.close();
    assert.deepEqual(
      lost.messages.map((m) => [m.protocol, m.frame, m.incomplete]),
      [
        ['http', 1, true],
        ['data', 2, false],
        ['http', 3, false],
      ],
    );
  });

  it('hostile: an endless header line or header block is malformed at 64 KiB and the direction stops there', () => {
    const endlessLine = concat(bytesOf('GET / HTTP/1.1\r\nX-Long: '), new Uint8Array(HEADER_LIMIT * 3).fill(0x41));
    const a = track(cut(endlessLine, [1000, 70000, 140000]));
    assert.equal(a.messages.length, 1);
    assert.deepEqual([a.messages[0]!.malformed, a.messages[0]!.headKnown], ['header-too-long', true]);
    assert.equal(a.frames.get(4)!.continues, a.messages[0]);
    const manyLines = bytesOf('GET / HTTP/1.1\r\n' + 'X-A: b\r\n'.repeat(20000) + '\r\nGET /next HTTP/1.1\r\n\r\n');
    const b = track([manyLines]).messages;
    assert.deepEqual(b.map((m) => m.malformed), ['header-too-long']);
    // A request line with no end: a request by its method, malformed, the URI kept to a bound.
    const c = track([concat(bytesOf('GET /'), new Uint8Array(HEADER_LIMIT * 2).fill(0x61))]).messages as HttpRequest[];
    assert.deepEqual([c.length, c[0]!.method, c[0]!.malformed], [1, 'GET', 'header-too-long']);
    assert.ok(c[0]!.uri.length <= 4096);
    // A line that never begins like HTTP is decided on within its first bytes.
    const d = track([new Uint8Array(HEADER_LIMIT * 2).fill(0x47)]).messages;
    assert.deepEqual(d.map((m) => m.protocol), ['data']);
  });

  it('hostile: giant and broken lengths, bad chunk sizes', () => {
    const giant = track([bytesOf('HTTP/1.1 200 OK\r\nContent-Length: 999999999999999\r\n\r\n'), new Uint8Array(100000)]).messages[0] as HttpResponse;
    assert.deepEqual([giant.contentLength, giant.bodyBytes, giant.incomplete], [999999999999999, 100000, true]);
    const tooBig = track([bytesOf('HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nabc')]).messages[0] as HttpResponse;
    assert.deepEqual([tooBig.malformed, tooBig.contentLength], ['bad-length', null]);
    const twoLengths = track([bytesOf('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd')]).messages[0]!;
    assert.equal(twoLengths.malformed, 'bad-length');
    const badChunk = track([bytesOf('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n')]).messages;
    assert.deepEqual(badChunk.map((m) => m.malformed), ['bad-chunk']);
    const giantChunk = track([bytesOf('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFF\r\nabc')]).messages[0]!;
    assert.deepEqual([giantChunk.malformed, giantChunk.incomplete], [null, true]);
  });

  it('hostile: strings from the bytes stay raw in the model and are escaped where shown', () => {
    const evil = 'GET /<script>alert(1)</script>\x1b[31m HTTP/1.1\r\nContent-Type: text/html<img src=x onerror=alert(1)>\r\nContent-Length: 26\r\n\r\n<script>alert(2)</script>\x07';
    const m = track([bytesOf(evil)]).messages[0] as HttpRequest;
    assert.equal(m.uri, '/<script>alert(1)</script>\x1b[31m');
    assert.equal(m.contentType, 'text/html<img src=x onerror=alert(1)>');
    const summary = messageSummary(m);
    assert.ok(summary.includes('<script>'), 'kept raw until shown');
    assert.ok(!/[<>]/.test(markdownText(summary).replace(/\\[<>]/g, '')), markdownText(summary));
    assert.ok(!/[\x00-\x1f]/.test(controlsEscaped(summary)));
    assert.ok(!/[\x00-\x1f]/.test(controlsEscaped(messageInfo(m))));
    // A target in UTF-8 reads as its characters, a bidi override among them shown escaped.
    const utf = track([bytesOf('GET /caf\xc3\xa9/\xe2\x80\xaegnp.exe HTTP/1.1\r\n\r\n')]).messages[0] as HttpRequest;
    assert.equal(utf.uri, '/café/\u202egnp.exe');
    assert.equal(controlsEscaped(messageInfo(utf)), 'GET /café/\\u202egnp.exe HTTP/1.1');
  });
});

describe('application messages: TLS records', () => {
  const hello = clientHello({ sni: 'example.test', alpn: ['h2', 'http/1.1'], versions: [0x0a0a, 0x0304, 0x0303] });

  it('a ClientHello: SNI, ALPN and the highest version offered (GREASE left out)', () => {
    const m = track([Uint8Array.from(record(22, hello, 0x0301))]).messages[0] as TlsMessage;
    assert.deepEqual([m.type, m.sni, m.alpn, m.version, m.recordVersion, m.incomplete], ['client_hello', 'example.test', ['h2', 'http/1.1'], 0x0304, 0x0301, false]);
    assert.equal(messageSummary(m), 'TLS ClientHello · SNI example.test · ALPN h2, http/1.1');
    assert.equal(messageInfo(m), 'Client Hello (SNI=example.test)');
  });

  it('a TLS 1.3 flight: ServerHello, ChangeCipherSpec, then what is encrypted shows as Application Data', () => {
    const conversation = new AppConversation();
    const flight = Uint8Array.from([
      ...record(22, serverHello({ cipher: 0x1302, version: 0x0304 })),
      ...record(20, [1]),
      ...record(23, new Array<number>(40).fill(7)),
      ...record(23, new Array<number>(900).fill(8)),
    ]);
    track([Uint8Array.from(record(22, hello, 0x0301))], conversation);
    const server = track([flight], conversation).messages as TlsMessage[];
    assert.deepEqual(server.map((m) => m.type), ['server_hello', 'change_cipher_spec', 'application_data', 'application_data']);
    assert.equal(messageSummary(server[0]!), 'TLS ServerHello · TLS 1.3 · TLS_AES_256_GCM_SHA384');
    assert.equal(frameAppText({ frame: 1, starts: server, continues: null, repeats: [] }), 'Server Hello, Change Cipher Spec, Application Data, Application Data');
    // The client's CCS and its encrypted Finished (type 23): a second ClientHello after a
    // HelloRetryRequest would still be read in clear, as TLS 1.3 encrypts with type 23 only.
    const client = track([Uint8Array.from([...record(20, [1]), ...record(22, hello)])], conversation).messages as TlsMessage[];
    assert.deepEqual(client.map((m) => m.type), ['change_cipher_spec', 'client_hello']);
  });

  it('a TLS 1.2 flight: several handshake messages in one record are each named; after ChangeCipherSpec handshakes and alerts are encrypted', () => {
    const conversation = new AppConversation();
    const flight = record(22, [
      ...serverHello({ cipher: 0xc02f, alpn: 'http/1.1' }),
      ...handshake(11, new Array<number>(700).fill(1)),
      ...handshake(12, new Array<number>(100).fill(2)),
      ...handshake(14, []),
    ]);
    const server = track(cut(Uint8Array.from(flight), [300, 600]), conversation).messages as TlsMessage[];
    assert.deepEqual(server.map((m) => [m.type, m.frame]), [
      ['server_hello', 1],
      ['certificate', 1],
      ['server_key_exchange', 1],
      ['server_hello_done', 1],
    ]);
    assert.equal(messageSummary(server[0]!), 'TLS ServerHello · TLS 1.2 · TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 · ALPN http/1.1');
    const client = track(
      [Uint8Array.from([...record(22, handshake(16, new Array<number>(33).fill(3))), ...record(20, [1]), ...record(22, new Array<number>(40).fill(0)), ...record(21, new Array<number>(26).fill(9))])],
      conversation,
    ).messages as TlsMessage[];
    assert.deepEqual(client.map((m) => m.type), ['client_key_exchange', 'change_cipher_spec', 'encrypted_handshake', 'alert']);
    assert.equal(client[3]!.encrypted, true);
    assert.equal(messageInfo(client[3]!), 'Encrypted Alert');
  });

  it('an alert in clear, with its level and description', () => {
    const m = track([Uint8Array.from(record(21, [2, 40]))]).messages[0] as TlsMessage;
    assert.deepEqual([m.alertLevel, m.alertDescription, m.encrypted], [2, 40, false]);
    assert.equal(messageInfo(m), 'Alert (Level: Fatal, Description: Handshake Failure)');
    assert.equal(messageSummary(m), 'TLS Alert · fatal · handshake_failure');
  });

  it('a handshake message over two records, records over segments: split at every byte, the same messages, named where they start', () => {
    const first = hello.slice(0, 60);
    const rest = hello.slice(60);
    const all = Uint8Array.from([...record(22, first, 0x0301), ...record(22, rest, 0x0301), ...record(23, new Array<number>(30).fill(5))]);
    const whole = track([all]).messages as TlsMessage[];
    assert.deepEqual(whole.map((m) => [m.type, m.offset, m.length]), [
      ['client_hello', 0, 5 + first.length + 5 + rest.length],
      ['application_data', 10 + hello.length, 35],
    ]);
    assert.equal(whole[0]!.sni, 'example.test');
    for (let k = 1; k < all.length; k++) {
      const split = track(cut(all, [k])).messages;
      assert.deepEqual(split.map(shape), whole.map(shape), `split at ${k}`);
      assert.deepEqual(split.map((m) => m.frame), whole.map((m) => (m.offset < k ? 1 : 2)), `split at ${k}`);
    }
  });

  it('hostile: a record length over 2^14 + 2048 is not TLS; a handshake length beyond any record is not read whole', () => {
    const huge = track([Uint8Array.from([22, 3, 3, 0xff, 0xff, 1, 2, 3])]).messages;
    assert.deepEqual(huge.map((m) => m.protocol), ['data']);
    const lying = track([Uint8Array.from(record(22, [1, 0xff, 0xff, 0xff, 3, 3, 9, 9]))]).messages[0] as TlsMessage;
    assert.deepEqual([lying.type, lying.malformed, lying.sni], ['client_hello', 'bad-handshake', null]);
    // Its truncated fields are read as far as they go, never past the bytes.
    const truncated = Uint8Array.from(record(22, hello.slice(0, 50)));
    const t = track([truncated]).messages[0] as TlsMessage;
    assert.deepEqual([t.type, t.incomplete], ['client_hello', true]);
  });

  it('a hole inside a record keeps the records after it; a hole over a record boundary loses them until a segment starts a record', () => {
    const dir = new DirectionApp(new AppConversation(), { keepMessages: true });
    const a = Uint8Array.from(record(23, new Array<number>(100).fill(1)));
    dir.data(1, 1, a.subarray(0, 30));
    dir.missing(2, 31, 40, 'unseen');
    dir.data(2, 71, concat(a.subarray(70), record(23, [1, 2, 3])));
    dir.missing(3, 1 + a.length + 8, 50, 'unseen');
    dir.data(4, 1 + a.length + 58, bytesOf('xyz'));
    dir.data(5, 1 + a.length + 61, Uint8Array.from(record(21, [1, 0])));
    dir.tracker.close();
    assert.deepEqual(
      dir.messages.map((m) => [m.type, m.frame, m.incomplete]),
      [
        ['application_data', 1, true],
        ['application_data', 2, false],
        ['data', 4, false],
        ['alert', 5, false],
      ],
    );
  });
});

describe('application messages: data, attribution, words', () => {
  it('unrecognised bytes: one Data message per segment, with a printable preview', () => {
    const m = track([bytesOf('hello, world\x00\x01\xff!!'), bytesOf('more')]).messages;
    assert.deepEqual(m.map((x) => [x.protocol, x.frame, x.length]), [
      ['data', 1, 17],
      ['data', 2, 4],
    ]);
    assert.equal(messageSummary(m[0]!), 'Data: 17 bytes "hello, world...!"');
    assert.equal(messageSummary(m[0]!, 'zh-cn'), '数据：17 字节 "hello, world...!"');
  });

  it('segments of one connection: continues, repeats (a retransmission), several messages in one segment, incomplete', () => {
    const conn = new ConnectionApp({ keepMessages: true });
    const req = bytesOf(REQ1 + REQ3);
    const resp = bytesOf(RESP1);
    const ACK = 0x010;
    conn.segment(1, true, 0x002, 0, 0, 0, new Uint8Array(0), 0);
    conn.segment(2, false, 0x012, 0, 1, 0, new Uint8Array(0), 0);
    conn.segment(3, true, ACK, 1, 1, 0, req, req.length);
    conn.segment(4, false, ACK, 1, 1 + req.length, 0, resp.subarray(0, 20), 20);
    conn.segment(5, false, ACK, 21, 1 + req.length, 0, resp.subarray(20), resp.length - 20);
    conn.segment(6, false, ACK, 1, 1 + req.length, 0, resp.subarray(0, 20), 20);
    conn.segment(7, true, ACK, 1 + req.length, 1 + resp.length, 0, bytesOf('GET /cut'), 8);
    conn.finish();
    const client = new Map(conn.client.allFrames().map((f) => [f.frame, f]));
    const server = new Map(conn.server.allFrames().map((f) => [f.frame, f]));
    assert.deepEqual(client.get(3)!.starts.map((m) => messageSummary(m)), ['GET /one HTTP/1.1', 'GET /three HTTP/1.0']);
    assert.equal(frameAppText(server.get(4)!), 'HTTP/1.1 200 OK (text/html)');
    assert.equal(frameAppText(server.get(5)!), '[continues HTTP/1.1 200 OK]');
    assert.equal(frameAppText(server.get(6)!), '[repeats HTTP/1.1 200 OK]');
    assert.equal(frameAppText(server.get(6)!, 'zh-cn'), '[重复 HTTP/1.1 200 OK]');
    // The last request never ends: still named on its segment, marked incomplete.
    assert.deepEqual(client.get(7)!.starts.map((m) => [m.protocol, m.incomplete]), [['data', false]]);
    assert.deepEqual(appJson(client.get(3)!), [
      { protocol: 'http', type: 'request', method: 'GET', uri: '/one', version: 'HTTP/1.1', summary: 'GET /one HTTP/1.1' },
      { protocol: 'http', type: 'request', method: 'GET', uri: '/three', version: 'HTTP/1.0', summary: 'GET /three HTTP/1.0' },
    ]);
    const cutReq = track([bytesOf('GET /cut HTTP/1.1\r\nHost: x\r\n')]).messages[0]!;
    assert.equal(cutReq.incomplete, true);
    assert.equal(frameAppText({ frame: 1, starts: [cutReq], continues: null, repeats: [] }), 'GET /cut HTTP/1.1 [incomplete]');
  });

  it('a connection in one line: HTTP with the first exchange and how many more, TLS by its server name', () => {
    const http = new ConnectionAppSummary();
    for (const m of [...track([bytesOf(REQ1 + REQ3)]).messages, ...track([bytesOf(RESP1 + RESP3)]).messages]) http.add(m);
    assert.equal(http.text(), 'HTTP GET /one → 200 +1 more');
    assert.equal(http.text('zh-cn'), 'HTTP GET /one → 200 另有 1 个');
    const tls = new ConnectionAppSummary();
    for (const m of track([Uint8Array.from(record(22, clientHello({ sni: 'example.test' })))]).messages) tls.add(m);
    assert.equal(tls.text(), 'TLS example.test');
    assert.equal(new ConnectionAppSummary().text(), null);
  });

  it('both languages have the same words with the same placeholders', () => {
    const en = APP_WORDS.en;
    const zh = APP_WORDS['zh-cn'];
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
    for (const k of Object.keys(en) as Array<keyof typeof en>) {
      const holes = (s: string): string[] => (s.match(/\{\w+\}/g) ?? []).sort();
      assert.deepEqual(holes(zh[k]), holes(en[k]), k);
    }
  });

  it('memory stays bounded: a megabyte-long body and endless unrecognised bytes keep no bytes', () => {
    const big = track([bytesOf('HTTP/1.1 200 OK\r\nContent-Length: 4000000\r\n\r\n'), ...Array.from({ length: 40 }, () => new Uint8Array(100000))]);
    assert.deepEqual([big.messages.length, (big.messages[0] as HttpResponse).bodyBytes], [1, 4000000]);
    const junk = track(Array.from({ length: 40 }, (_, k) => new Uint8Array(100000).fill(k % 2 ? 0x47 : 0x16)));
    assert.deepEqual([junk.messages.length, new Set(junk.messages.map((m) => m.protocol)).size], [40, 1]);
    for (const t of [big, junk]) {
      const internals = t.dir.tracker as unknown as { probe: { bytes: Uint8Array } };
      assert.ok(internals.probe.bytes.length <= 4096);
    }
  });
});

describe('application messages: properties', () => {
  const token = fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE');
  const path_ = fc.stringMatching(/^\/[a-z0-9/<>%?=&]{0,30}$/);
  const body = fc.string({ maxLength: 300 });
  const httpMessage = fc.oneof(
    fc.record({ m: token.filter((t) => t !== 'HEAD'), p: path_, b: body }).map(({ m, p, b }) => `${m} ${p} HTTP/1.1\r\nContent-Length: ${b.length}\r\n\r\n${b}`),
    fc.record({ p: path_ }).map(({ p }) => `GET ${p} HTTP/1.0\r\nX-A: 1\r\n\r\n`),
  );
  const httpResponse = fc.oneof(
    body.map((b) => `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${b.length}\r\n\r\n${b}`),
    fc.array(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 5 }).map(
      (chunks) => `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('')}0\r\n\r\n`,
    ),
    fc.constant('HTTP/1.1 304 Not Modified\r\n\r\n'),
  );
  const tlsRecord = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((b) => record(23, b)),
    fc.constant(record(20, [1])),
    fc.constant(record(21, [1, 0])),
    fc.constantFrom('a.test', 'example.test').map((sni) => record(22, clientHello({ sni, alpn: ['h2'] }))),
  );
  const stream = fc.oneof(
    fc.array(httpMessage, { minLength: 1, maxLength: 6 }).map((ms) => bytesOf(ms.join(''))),
    fc.array(httpResponse, { minLength: 1, maxLength: 6 }).map((ms) => bytesOf(ms.join(''))),
    fc.array(tlsRecord, { minLength: 1, maxLength: 8 }).map((rs) => Uint8Array.from(rs.flat())),
  );

  it('however a stream of messages is cut into segments, the same messages are found, each on the segment of its first byte', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), (all, points) => {
        const at = [...new Set(points.map((p) => p % (all.length + 1)))].sort((a, b) => a - b);
        const whole = track([all]).messages;
        const pieces = cut(all, at);
        const split = track(pieces).messages;
        assert.deepEqual(split.map(shape), whole.map(shape));
        const starts = [0, ...at.filter((x) => x > 0 && x < all.length)];
        for (const m of split) {
          let frame = 0;
          while (frame < starts.length && starts[frame]! <= m.offset) frame++;
          assert.equal(m.frame, frame);
        }
        // The messages tile the stream: none overlaps the next, none runs past the end.
        for (let k = 0; k + 1 < whole.length; k++) assert.ok(whole[k]!.offset + whole[k]!.length! <= whole[k + 1]!.offset);
      }),
      { numRuns: 300 },
    );
  });

  it('any bytes, cut anywhere, with holes: no exception, every message within the bytes, every frame\'s record consistent', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ bytes: fc.uint8Array({ maxLength: 400 }), hole: fc.nat(50) }), { maxLength: 12 }), (pieces) => {
        const dir = new DirectionApp(new AppConversation(), { keepMessages: true });
        let seq = 1;
        pieces.forEach((p, k) => {
          if (p.hole % 5 === 0 && p.hole > 0) {
            dir.missing(k + 1, seq, p.hole, 'unseen');
            seq += p.hole;
          }
          dir.data(k + 1, seq, p.bytes);
          seq += p.bytes.length;
        });
        dir.tracker.close();
        const total = seq - 1;
        for (const f of dir.allFrames()) for (const m of f.starts) assert.equal(m.frame, f.frame);
        for (const m of dir.messages) {
          assert.ok(m.headKnown);
          assert.ok(m.length !== null && m.offset >= 0 && m.offset + m.length <= total);
          assert.doesNotThrow(() => messageSummary(m));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a view of one connection read again names the same frames as the whole-file pass', () => {
    for (const name of ['02_http_keepalive_5req_client_close.pcap', '21_http_keepalive_3req_200KB_chunked_mtu1500.pcap', '22_tls13_and_tls12_sni_alpn_https_443.pcap', '07_loss10pct_600KB_client_side.pcap']) {
      const file = fixture(name);
      if (!fs.existsSync(file)) continue;
      const whole = new Map<number, string[]>();
      for (const o of ourMessages(file).messages) whole.set(o.frame, [...(whole.get(o.frame) ?? []), messageSummary(o.m)]);
      const sources: FileSource[] = [];
      const open = (): FileSource => {
        const s = FileSource.open(file);
        sources.push(s);
        return s;
      };
      try {
        const catalog = catalogCapture(open(), open);
        const again = new Map<number, string[]>();
        for (let stream = 0; stream < catalog.conversations.length; stream++) {
          for (const [frame, f] of streamApp(catalog, stream).frames) if (f.starts.length) again.set(frame, f.starts.map((m) => messageSummary(m)));
        }
        assert.deepEqual([...again].sort((a, b) => a[0] - b[0]), [...whole].sort((a, b) => a[0] - b[0]), name);
      } finally {
        for (const s of sources) s.close();
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Parity with tshark on real captures

interface Ours {
  frame: number;
  stream: number;
  m: AppMessage;
}

/**
 * What `packets` finds, through the same code (PacketApps over the two-pass scan), and whether
 * the capture can hold application bytes for tshark at all: TCP payload we read, or frames we
 * could not read (a link type we do not decode, IP fragments, damage) that tshark might.
 */
function ourMessages(file: string): { messages: Ours[]; payloadSegments: number; unread: number; tcpFrames: Set<number> } {
  const sources: FileSource[] = [];
  const messages: Ours[] = [];
  let payloadSegments = 0;
  let unread = 0;
  const tcpFrames = new Set<number>();
  try {
    const apps = new PacketApps(() => {});
    const summary = scanPacketRecords(
      () => {
        const s = FileSource.open(file);
        sources.push(s);
        return s;
      },
      (packet, rec, f, seg) => {
        if (f.payloadLen > 0) payloadSegments++;
        tcpFrames.add(rec.frame);
        // The reader reuses its record: what the line needs is read now, not when it is written.
        const frame = rec.frame;
        apps.add(rec, f, seg, (app) => {
          for (const m of app?.starts ?? []) messages.push({ frame, stream: packet.stream, m });
          return '';
        });
      },
    );
    apps.finish();
    for (const [why, n] of summary.skipped) if (/link type|fragment|not IP/.test(why)) unread += n;
    for (const n of summary.damaged.values()) unread += n;
    if (summary.problems.length) unread++;
  } finally {
    for (const s of sources) s.close();
  }
  return { messages, payloadSegments, unread, tcpFrames };
}

/** A message as the parity test compares it (the same words as TsharkAppMessage.what). */
function what(m: AppMessage): string | null {
  if (m.protocol === 'http') return m.type === 'request' ? `${m.method} ${m.uri}` : String(m.code);
  if (m.protocol === 'tls') return m.handshakeType !== null ? `hs:${m.handshakeType}` : `ct:${m.contentType}`;
  return null;
}

/**
 * Differences from tshark we know and accept, each with its reason, and a check that the reason
 * holds (so an entry cannot hide another difference at the same place). `side` says who names
 * the message: 'ours' (we name it, tshark does not) or 'tshark'.
 */
type Known = {
  file: RegExp;
  frame: number;
  what: string;
  side: 'ours' | 'tshark';
  why: string;
} & (
  | /** tshark with these options names it at the same frame: only its defaults differ. */ { tsharkWith: string[] }
  | /** The frame is no TCP segment to us (the TCP layer's difference, not this one's). */ { notTcpForUs: true }
);

/**
 * Wireshark 4.0 leaves tcp.reassemble_out_of_order off: a PDU whose later segments came before
 * an earlier one's retransmission is never completed, so the response of a download with losses
 * is never shown. Every byte is in the capture; with the option on, tshark names the response
 * on the same segment we do.
 */
const OUT_OF_ORDER = {
  why: 'tshark 4.0 does not reassemble out-of-order segments by default; with tcp.reassemble_out_of_order on it names the same response',
  tsharkWith: ['-o', 'tcp.reassemble_out_of_order:TRUE'],
};
/** ARCNET frames (link types 7 and 129) are not decoded by our reader: no TCP at all. */
const ARCNET = { why: 'ARCNET link types are not decoded by our reader: these frames are not TCP segments to us', notTcpForUs: true as const };

const KNOWN: Known[] = [
  { file: /07_loss10pct_600KB_client_side\.pcap(ng)?$/, frame: 7, what: '200', side: 'ours', ...OUT_OF_ORDER },
  { file: /23_http_400KB_loss8pct_both_ways_client_side\.pcap(ng)?$/, frame: 6, what: '200', side: 'ours', ...OUT_OF_ORDER },
  { file: /libpcap-tests\/tcp\/arcnet-rfc1051-arp-icmp-http\.pcap$/, frame: 14, what: 'GET /', side: 'tshark', ...ARCNET },
  { file: /tcpdump-tests\/tcp\/arcnet-rfc1051-arp-icmp-http\.pcap$/, frame: 14, what: 'GET /', side: 'tshark', ...ARCNET },
  { file: /tcpdump-tests\/tcp\/arcnet-rfc1051-arp-icmp-http\.pcap$/, frame: 17, what: '301', side: 'tshark', ...ARCNET },
  { file: /tcpdump-tests\/tcp\/arcnet-rfc1201-arp-icmp-http\.pcap$/, frame: 16, what: 'GET /', side: 'tshark', ...ARCNET },
  { file: /tcpdump-tests\/tcp\/arcnet-rfc1201-arp-icmp-http\.pcap$/, frame: 19, what: '301', side: 'tshark', ...ARCNET },
];

function captures(): string[] {
  const ours = listCaptures(FIXTURES);
  const shared = sharedAvailable() ? listCaptures(SHARED) : [];
  return [...ours, ...shared];
}

/*
 * tshark needs no decode-as here: Wireshark 4.0's heuristic HTTP dissector (http_tcp, on by
 * default) takes a TCP conversation whose segment starts with a request or status line, on any
 * port (4000, 8021, 8443 in the fixtures; `--disable-heuristic http_tcp` hides them all), and
 * its TLS heuristic likewise finds TLS off port 443.
 */
describe('application messages: parity with tshark', function () {
  this.timeout(1800000);

  before(function () {
    if (!tsharkAvailable()) this.skip();
    if (!sharedAvailable()) console.log(`    note: ${SHARED} is absent: only test/fixtures are compared`);
  });

  it('every HTTP message and TLS record tshark shows is named by us on the segment where it starts, and we name no others', async () => {
    const report: string[] = [];
    const used = new Set<Known>();
    let compared = 0;
    let skipped = 0;
    // The same bytes under two names (test/fixtures copies shared/captures) are compared once.
    const seen = new Set<string>();
    const files = captures().filter((file) => {
      const digest = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      if (seen.has(digest)) return false;
      seen.add(digest);
      return true;
    });
    // Our scan of each file first: one without TCP payload, whose every frame we read, cannot
    // hold a message for any tool, and spares tshark's start-up (most public captures are
    // handshakes and options).
    const work: Array<{ file: string; scan: ReturnType<typeof ourMessages> }> = [];
    for (const file of files) {
      let scan: ReturnType<typeof ourMessages>;
      try {
        scan = ourMessages(file);
      } catch (e) {
        report.push(`${path.relative(ROOT, file)}: our scan failed: ${(e as Error).message}`);
        continue;
      }
      if (scan.payloadSegments === 0 && scan.unread === 0) skipped++;
      else work.push({ file, scan });
    }
    // tshark runs two at a time while the answers are compared.
    const pending = work.map(() => null as Promise<TsharkAppResult> | null);
    const start = (k: number): void => {
      if (k < work.length && !pending[k]) pending[k] = tsharkAppMessagesAsync(work[k]!.file);
    };
    start(0);
    start(1);
    for (let k = 0; k < work.length; k++) {
      const { file, scan } = work[k]!;
      const theirs = await pending[k]!;
      pending[k] = null;
      start(k + 2);
      const rel = path.relative(ROOT, file);
      const known = (frame: number, w: string, side: 'ours' | 'tshark'): boolean => {
        const k = KNOWN.find((x) => x.file.test(file) && x.frame === frame && x.what === w && x.side === side);
        if (!k) return false;
        if ('notTcpForUs' in k && scan.tcpFrames.has(frame)) return false;
        used.add(k);
        return true;
      };
      const left = new Map<string, TsharkAppMessage[]>();
      for (const t of theirs.messages) {
        const key = `${t.start} ${t.what}`;
        left.set(key, [...(left.get(key) ?? []), t]);
      }
      for (const o of scan.messages) {
        const w = what(o.m);
        if (w === null) continue;
        compared++;
        const match = left.get(`${o.frame} ${w}`)?.shift();
        if (match) {
          if (match.sni !== undefined && o.m.protocol === 'tls' && o.m.sni !== match.sni) report.push(`${rel}: frame ${o.frame} ${w}: SNI ${o.m.sni} (tshark ${match.sni})`);
          continue;
        }
        // A message tshark never completes because its bytes are missing (or the capture ends first).
        if (o.m.incomplete || o.m.malformed) continue;
        if (!known(o.frame, w, 'ours')) report.push(`${rel}: stream ${o.stream} frame ${o.frame}: we name ${w}, tshark does not`);
      }
      for (const rest of left.values()) {
        for (const t of rest) {
          if (!known(t.start, t.what, 'tshark')) report.push(`${rel}: stream ${t.stream} frame ${t.start} (shown in ${t.shownIn}): tshark names ${t.what}, we do not`);
        }
      }
    }
    // Each known difference is still one, for the reason given.
    for (const k of KNOWN) {
      const file = work.find((w) => k.file.test(w.file))?.file;
      if (!file) continue;
      if (!used.has(k)) report.push(`${path.relative(ROOT, file)}: frame ${k.frame} ${k.what} is no longer a difference: take it off the list`);
      else if ('tsharkWith' in k) {
        const confirmed = (await tsharkAppMessagesAsync(file, k.tsharkWith)).messages.some((t) => t.start === k.frame && t.what === k.what);
        if (!confirmed) report.push(`${path.relative(ROOT, file)}: frame ${k.frame} ${k.what}: tshark ${k.tsharkWith.join(' ')} does not name it either`);
      }
    }
    console.log(`    compared ${compared} messages in ${work.length} captures (${skipped} without TCP payload not given to tshark)`);
    assert.ok(compared > 0, 'no application message in any capture');
    assert.deepEqual(report, []);
  });
});

describe('application messages: the packets command', () => {
  const cli = path.join(ROOT, 'dist', 'cli.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });

  before(() => {
    if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  });

  it('text lines end with what the segment carried; JSON objects gain "app" where messages start', () => {
    const text = run('packets', fixture('01_http_node_conn_close.pcap'));
    assert.equal(text.status, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.match(lines[3]!, / · GET \/ HTTP\/1\.1$/);
    assert.match(lines[5]!, / · HTTP\/1\.1 200 OK \(text\/plain\)$/);
    assert.ok(!lines[4]!.includes(' · '));
    const json = run('packets', fixture('01_http_node_conn_close.pcap'), '--json');
    const objects = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { frame: number; app?: Array<Record<string, unknown>> });
    assert.deepEqual(objects.filter((o) => o.app).map((o) => o.frame), [4, 6]);
    assert.deepEqual(objects[3]!.app, [{ protocol: 'http', type: 'request', method: 'GET', uri: '/', version: 'HTTP/1.1', summary: 'GET / HTTP/1.1' }]);
    assert.deepEqual(
      [objects[5]!.app![0]!.code, objects[5]!.app![0]!.phrase, objects[5]!.app![0]!.type],
      [200, 'OK', 'response'],
    );
  });

  it('TLS: the ClientHello with its server name and protocols, each record of a flight', function () {
    const file = fixture('22_tls13_and_tls12_sni_alpn_https_443.pcap');
    if (!fs.existsSync(file)) this.skip();
    const json = run('packets', file, '--json');
    assert.equal(json.status, 0, json.stderr);
    const apps = json.stdout
      .trim()
      .split('\n')
      .flatMap((l) => (JSON.parse(l) as { app?: Array<Record<string, unknown>> }).app ?? []);
    const hellos = apps.filter((a) => a.type === 'client_hello');
    assert.equal(hellos.length, 2);
    for (const h of hellos) assert.deepEqual([h.protocol, h.sni, h.alpn], ['tls', 'example.test', ['h2', 'http/1.1']]);
    assert.deepEqual(apps.filter((a) => a.type === 'server_hello').map((a) => a.version), ['TLS 1.3', 'TLS 1.2']);
    const text = run('packets', file);
    assert.match(text.stdout, / · Client Hello \(SNI=example\.test\)\n/);
    assert.match(text.stdout, / · Server Hello, Certificate, Server Key Exchange, Server Hello Done\n/);
  });
});
