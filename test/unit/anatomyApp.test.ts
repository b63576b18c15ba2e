import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { frameAnatomy, tcpPayloadSpan } from '../../src/core/anatomy/anatomy';
import { appLayers, streamTlsVersion } from '../../src/core/anatomy/app';
import type { AnatomyField, AnatomyLayer } from '../../src/core/anatomy/types';
import { APP_LAYER_KEYS, appLayerWords, hasFieldWords } from '../../src/core/anatomy/words';
import type { FrameApp } from '../../src/core/app/attribution';
import { streamApp } from '../../src/core/app/stream';
import type { AppMessage, HttpRequest } from '../../src/core/app/types';
import type { Lang } from '../../src/core/explain/glossary';
import { catalogCapture } from '../../src/core/index/catalog';
import { FileSource } from '../../src/node/fileSource';
import { FIXTURES, fixture } from '../helpers/paths';
import { PdmlItem, tsharkAvailable, tsharkPdml } from '../helpers/tshark';

const LANGS: Lang[] = ['en', 'zh-cn'];

function flatten(fields: AnatomyField[]): AnatomyField[] {
  const out: AnatomyField[] = [];
  const walk = (list: AnatomyField[]): void => {
    for (const f of list) {
      out.push(f);
      if (f.children) walk(f.children);
    }
  };
  walk(fields);
  return out;
}

/** One frame's application layers, with whether each is a message wholly inside the frame. */
interface OurFrame {
  layers: AnatomyLayer[];
  /** [from, to) of the layers whose message starts and ends in this frame's captured bytes. */
  complete: Array<[number, number, AnatomyLayer]>;
  continues: boolean;
}

function ourApp(file: string, lang: Lang = 'en'): Map<number, OurFrame> {
  const sources: FileSource[] = [];
  const open = (): FileSource => {
    const s = FileSource.open(file);
    sources.push(s);
    return s;
  };
  const out = new Map<number, OurFrame>();
  try {
    const catalog = catalogCapture(open(), open);
    for (let stream = 0; stream < catalog.conversations.length; stream++) {
      const app = streamApp(catalog, stream);
      const tls = streamTlsVersion(app);
      catalog.readStream(stream, (rec, _f, seg) => {
        const fa = app.frames.get(rec.frame);
        if (!fa) return;
        const anatomy = frameAnatomy(rec, lang);
        const span = tcpPayloadSpan(anatomy);
        if (!span) return;
        const layers = appLayers(anatomy.bytes, span, seg.relSeq, fa, lang, tls);
        const complete: Array<[number, number, AnatomyLayer]> = [];
        for (const m of fa.starts) {
          const at = span.offset + ((m.seq - seg.relSeq) >>> 0);
          // A body read until the close completes at the FIN for tshark, which names the message there.
          const untilClose = m.protocol === 'http' && m.type === 'response' && m.contentLength === null && !m.chunked;
          if (untilClose || m.length === null || m.incomplete || at + m.length > anatomy.bytes.length || at + m.length > span.offset + span.length) continue;
          const layer = layers.find((l) => l.offset === at && l.name === m.protocol);
          if (layer) complete.push([at, at + m.length, layer]);
        }
        out.set(rec.frame, { layers, complete, continues: fa.continues !== null || fa.repeats.length > 0 });
      });
    }
  } finally {
    for (const s of sources) s.close();
  }
  return out;
}

/**
 * Names tshark shows at a different place, or not at all, for a reason that is not a mistake
 * of ours. Each entry says why.
 */
const ALLOWED: Record<string, string> = {
  // A chunked body's File Data lies in the de-chunked data source Wireshark builds, not in the frame.
  'http.file_data': 'chunked bodies are shown de-chunked by tshark (another data source)',
};

describe('anatomy: application layers against tshark -T pdml', function () {
  this.timeout(120000);

  it('places every HTTP and TLS field of a message that starts and ends in its frame where tshark does', async function () {
    if (!tsharkAvailable()) this.skip();
    const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap')).sort();
    let compared = 0;
    const problems: string[] = [];
    for (const name of files) {
      const file = path.join(FIXTURES, name);
      const ours = ourApp(file);
      const wanted = [...ours].filter(([, f]) => f.complete.some(([, , l]) => l.name === 'http' || l.name === 'tls') && !f.continues);
      if (!wanted.length) continue;
      const ourNames = new Set<string>();
      for (const [, f] of ours) for (const l of f.layers) for (const x of flatten(l.fields)) if (x.name) ourNames.add(x.name);
      const theirs = new Map<number, PdmlItem[]>();
      const wantedFrames = new Set(wanted.map(([n]) => n));
      const r = await tsharkPdml(file, ['-Y', 'http || tls'], (protos, frame) => {
        if (!wantedFrames.has(frame)) return;
        theirs.set(frame, protos.filter((p) => p.name === 'http' || p.name === 'tls').flatMap((p) => p.items));
      });
      assert.equal(r.status, 0, r.stderr);
      for (const [frame, f] of wanted) {
        const items = (theirs.get(frame) ?? []).filter((i) => i.kind === 'field' && !i.hidden && ourNames.has(i.name));
        for (const [from, to, layer] of f.complete) {
          if (layer.name !== 'http' && layer.name !== 'tls') continue;
          const chunked = flatten(layer.fields).some((x) => x.label === 'Chunked body');
          const key = (name: string, pos: number, size: number): string => `${name}@${pos}+${size}`;
          const mine = flatten(layer.fields).filter((x) => x.name).map((x) => key(x.name, x.offset, x.length)).sort();
          const them = items
            .filter((i) => i.pos >= from && i.pos < to && !(chunked && ALLOWED[i.name]))
            .map((i) => key(i.name, i.pos, i.size))
            .sort();
          compared += mine.length;
          const missing = them.filter((k) => !mine.includes(k));
          const extra = mine.filter((k) => !them.includes(k));
          if (missing.length || extra.length) problems.push(`${name} frame ${frame} ${layer.name}@${from}: tshark only ${missing.join(' ')} | ours only ${extra.join(' ')}`);
        }
      }
    }
    assert.deepEqual(problems.slice(0, 40), []);
    assert.ok(compared > 200, `only ${compared} fields compared`);
  });
});

// ---- hand-made frames -----------------------------------------------------------------------

function bytesOf(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'latin1'));
}

function request(seq: number, frame: number, length: number | null, uri = '/'): HttpRequest {
  return {
    protocol: 'http',
    type: 'request',
    method: 'GET',
    uri,
    version: 'HTTP/1.1',
    seq,
    offset: seq - 1,
    frame,
    length,
    headKnown: true,
    incomplete: false,
    malformed: null,
    contentType: null,
    contentLength: null,
    chunked: false,
    transferEncoding: false,
    contentEncoding: null,
    bodyBytes: 0,
    preview: null,
  };
}

function frameApp(frame: number, starts: AppMessage[], continues: AppMessage | null = null, repeats: AppMessage[] = []): FrameApp {
  return { frame, starts, continues, repeats };
}

/** A frame of `header` bytes (standing for link, IP and TCP) followed by the payload. */
function frameWith(payload: string, header = 54): { bytes: Uint8Array; span: { offset: number; length: number } } {
  const p = bytesOf(payload);
  const bytes = new Uint8Array(header + p.length);
  bytes.set(p, header);
  return { bytes, span: { offset: header, length: p.length } };
}

describe('anatomy: application layers on hand-made frames', () => {
  it('reads a frame holding two requests as two HTTP layers at their offsets', () => {
    const a = 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n';
    const b = 'GET /b HTTP/1.1\r\nX-Mine: 1\r\n\r\n';
    const { bytes, span } = frameWith(a + b);
    const layers = appLayers(bytes, span, 1, frameApp(4, [request(1, 4, a.length, '/a'), request(1 + a.length, 4, b.length, '/b')]));
    assert.equal(layers.length, 2);
    assert.deepEqual(layers.map((l) => [l.name, l.title, l.offset, l.length]), [
      ['http', 'Hypertext Transfer Protocol', 54, a.length],
      ['http', 'Hypertext Transfer Protocol', 54 + a.length, b.length],
    ]);
    const second = flatten(layers[1]!.fields);
    assert.deepEqual(second.find((f) => f.name === 'http.request.uri'), { ...second.find((f) => f.name === 'http.request.uri')!, offset: 54 + a.length + 4, length: 2, value: '/b' });
    const unknown = second.find((f) => f.name === 'http.request.line')!;
    assert.equal(unknown.offset, 54 + a.length + 17);
    assert.equal(unknown.value, 'X-Mine: 1');
    assert.equal(flatten(layers[0]!.fields).find((f) => f.name === 'http.host')!.value, 'x');
  });

  it('shows a header split across frames as an unfinished line, then as "continues" in the next frame', () => {
    const whole = 'GET / HTTP/1.1\r\nUser-Agent: curl/8\r\n\r\n';
    const cut = 22;
    const m = request(1, 1, whole.length);
    const one = frameWith(whole.slice(0, cut));
    const first = appLayers(one.bytes, one.span, 1, frameApp(1, [m]));
    const fields = flatten(first[0]!.fields);
    assert.ok(!fields.some((f) => f.name === 'http.user_agent'), 'no header field from half a line');
    const partial = fields[fields.length - 1]!;
    assert.equal(partial.name, '');
    assert.equal(partial.offset, 54 + 16);
    assert.equal(partial.length, cut - 16);
    assert.match(partial.label, /User-A$/);
    const two = frameWith(whole.slice(cut));
    const second = appLayers(two.bytes, two.span, 1 + cut, frameApp(2, [], m));
    assert.equal(second.length, 1);
    assert.equal(second[0]!.name, 'http');
    assert.match(second[0]!.about, /GET \/ HTTP\/1\.1/);
    assert.deepEqual([second[0]!.offset, second[0]!.length], [54, whole.length - cut]);
    assert.equal(second[0]!.fields[0]!.length, whole.length - cut);
  });

  it('names what a retransmission repeats', () => {
    const text = 'GET / HTTP/1.1\r\n\r\n';
    const m = request(1, 1, text.length);
    const { bytes, span } = frameWith(text);
    const layers = appLayers(bytes, span, 1, frameApp(3, [], null, [m]), 'zh-cn');
    assert.equal(layers.length, 1);
    assert.match(layers[0]!.about, /重传/);
    assert.match(layers[0]!.fields[0]!.label, /GET \/ HTTP\/1\.1/);
  });

  it('keeps a hostile header as data: the raw text, no markup added or removed', () => {
    const evil = 'GET /<script>alert(1)</script> HTTP/1.1\r\nHost: <script>x</script>\r\nX-A: <img src=x onerror=alert(1)>\r\n\r\n';
    const { bytes, span } = frameWith(evil);
    const fields = flatten(appLayers(bytes, span, 1, frameApp(1, [request(1, 1, evil.length)]))[0]!.fields);
    assert.equal(fields.find((f) => f.name === 'http.request.uri')!.value, '/<script>alert(1)</script>');
    assert.equal(fields.find((f) => f.name === 'http.host')!.value, '<script>x</script>');
    assert.equal(fields.find((f) => f.name === 'http.request.line')!.value, 'X-A: <img src=x onerror=alert(1)>');
  });

  it('stops at the snapshot length: nothing past the captured bytes (fixture 24)', () => {
    const file = fixture('24_http_snaplen96_payload_cut.pcap');
    if (!fs.existsSync(file)) return;
    const frames = ourApp(file);
    let seen = 0;
    for (const [, f] of frames) {
      for (const l of f.layers) {
        for (const x of flatten(l.fields)) {
          assert.ok(x.offset + x.length <= 96, `${x.name || x.label} at ${x.offset}+${x.length}`);
          seen++;
        }
      }
    }
    assert.ok(seen > 0, 'fixture 24 shows application fields');
  });

  it('never throws on random bytes and keeps every field inside the frame', () => {
    let state = 7;
    const rand = (): number => (state = (state * 1103515245 + 12345) >>> 0) >>> 16;
    for (let k = 0; k < 300; k++) {
      const n = rand() % 200;
      const p = new Uint8Array(n);
      for (let i = 0; i < n; i++) p[i] = k % 2 ? [0x16, 0x03, 0x01, 0x0d, 0x0a, 0x3a, 0x20, 0x41][rand() % 8]! : rand() & 0xff;
      if (k % 3 === 0 && n > 5) p.set([0x16, 0x03, 0x03, 0x00, 0x40, 0x01], 0);
      const bytes = new Uint8Array(54 + n);
      bytes.set(p, 54);
      const tls: AppMessage = { ...request(1, 1, null), protocol: 'tls', type: 'client_hello', contentType: 22, recordVersion: 0x0303, recordLength: 64, handshakeType: 1, encrypted: false, sni: null, alpn: null, version: null, cipherSuite: null, helloRetry: false, alertLevel: null, alertDescription: null } as unknown as AppMessage;
      const m = k % 2 ? tls : request(1, 1, null);
      // The wire may say more than was captured.
      for (const layer of appLayers(bytes, { offset: 54, length: n + 40 }, 1, frameApp(1, [m]))) {
        for (const f of flatten(layer.fields)) assert.ok(f.offset >= 54 && f.offset + f.length <= bytes.length, `${f.name} ${f.offset}+${f.length}`);
      }
    }
  });
});

describe('anatomy: application layer words', () => {
  it('has every application layer and field in both languages', () => {
    assert.deepEqual([...APP_LAYER_KEYS['zh-cn']].sort(), [...APP_LAYER_KEYS.en].sort());
    for (const key of APP_LAYER_KEYS.en as Array<'http'>) {
      for (const lang of LANGS) {
        const w = appLayerWords(key, lang, { what: 'x', protocol: 'http' });
        assert.ok(w.title && w.about, `${lang} ${key}`);
        const sentences = lang === 'zh-cn' ? w.about.split('。').filter((x) => x.trim()).length : w.about.split(/[.!?](?:\s|$)/).filter((x) => x.trim()).length;
        assert.ok(sentences >= 1 && sentences <= 2, `${lang} ${key}: ${sentences} sentences`);
      }
    }
    const file = fixture('22_tls13_and_tls12_sni_alpn_https_443.pcap');
    const names = new Set<string>();
    for (const f of [file, fixture('20_express_chromium_localhost_4000_favicon.pcap')]) {
      for (const lang of LANGS) {
        for (const [, frame] of ourApp(f, lang)) {
          for (const l of frame.layers) {
            assert.ok(l.about && l.title, `layer ${l.name}`);
            for (const x of flatten(l.fields)) {
              if (x.name && !hasFieldWords(x.name)) names.add(x.name);
              if (!x.label || !x.meaning) names.add(`${x.name} "${x.label}"`);
            }
          }
        }
      }
    }
    assert.deepEqual([...names], []);
  });
});
