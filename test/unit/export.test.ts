import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemorySource } from '../../src/core/capture/source';
import { explainConnection } from '../../src/core/explain/connection';
import { explanationMarkdown, ladderMermaid, ladderSvg } from '../../src/core/explain/export';
import { indexCapture } from '../../src/core/index/captureIndex';
import { buildLadder } from '../../src/core/tcp/ladder';
import { ROOT, fixture } from '../helpers/paths';
import MarkdownIt from 'markdown-it';
import { SaxesParser } from 'saxes';
import { catalogCapture } from '../../src/core/index/catalog';
import { carriedLines, streamApp } from '../../src/core/app/stream';
import { injectionCapture } from '../helpers/injection';

/*
 * The narrative of the tutorial capture in both languages is pinned by snapshots in
 * test/snapshots/: a change of words shows up as a diff to review. Run with
 * TCPX_UPDATE_SNAPSHOTS=1 to write them anew after a deliberate change.
 */

const SNAPSHOTS = path.join(ROOT, 'test', 'snapshots');

function matchSnapshot(name: string, actual: string): void {
  const file = path.join(SNAPSHOTS, name);
  if (process.env['TCPX_UPDATE_SNAPSHOTS'] === '1' || !fs.existsSync(file)) {
    if (process.env['CI'] && !fs.existsSync(file)) assert.fail(`snapshot ${name} is missing (run with TCPX_UPDATE_SNAPSHOTS=1 and commit it)`);
    fs.writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, fs.readFileSync(file, 'utf8'), `${name} differs: review, then TCPX_UPDATE_SNAPSHOTS=1 if the change is meant`);
}

function tutorial(numbers: 'relative' | 'absolute' = 'relative') {
  const bytes = fs.readFileSync(fixture('01_http_node_conn_close.pcapng'));
  const index = indexCapture(() => new MemorySource(bytes));
  return { explanation: explainConnection(index, 0), ladder: buildLadder(index, { stream: 0, numbers }) };
}

describe('explanations taken elsewhere', () => {
  for (const lang of ['en', 'zh-cn'] as const) {
    it(`the tutorial's narrative in ${lang} (snapshot)`, () => {
      const { explanation, ladder } = tutorial();
      const md = explanationMarkdown(explanation, ladder, lang);
      matchSnapshot(`tutorial.${lang}.md`, md);
      // What a reader of the tutorial asks, answered.
      if (lang === 'en') {
        assert.match(md, /three-way handshake/);
        assert.match(md, /Closed in three segments/);
        assert.match(md, /TIME_WAIT/);
      } else {
        assert.match(md, /三次握手/);
        assert.match(md, /三个报文段完成关闭/);
      }
      assert.equal(md.split('\n').filter((l) => /^\| \d+ \|/.test(l)).length, ladder.total);
    });

    it(`the tutorial as Mermaid in ${lang} (snapshot)`, () => {
      const { ladder } = tutorial();
      const mmd = ladderMermaid(ladder, lang);
      matchSnapshot(`tutorial.${lang}.mmd`, mmd);
      const lines = mmd.trimEnd().split('\n');
      assert.equal(lines[0], 'sequenceDiagram');
      assert.equal(lines.filter((l) => /^ {4}(C->>S|S->>C): /.test(l)).length, ladder.total);
      // Mermaid ends a statement at ';' and starts an entity at '#': neither may appear raw.
      for (const l of lines.slice(1)) assert.doesNotMatch(l.replace(/#\d+;/g, ''), /[;#]/, l);
    });
  }

  it('Mermaid shows each state change once, on the lane that changed', () => {
    const mmd = ladderMermaid(tutorial().ladder, 'en');
    assert.deepEqual(
      mmd.split('\n').filter((l) => /^ {4}Note over [CS]:/.test(l)).map((l) => l.trim()),
      [
        'Note over C: CLOSED',
        'Note over S: LISTEN?',
        'Note over C: SYN_SENT',
        'Note over S: SYN_RECEIVED',
        'Note over C: ESTABLISHED',
        'Note over S: ESTABLISHED',
        'Note over C: CLOSE_WAIT',
        'Note over S: FIN_WAIT_1',
        'Note over C: LAST_ACK',
        'Note over S: TIME_WAIT',
        'Note over C: CLOSED',
      ],
    );
  });

  it('SVG: one arrow per segment, capture text escaped, a well-formed document', () => {
    const { ladder } = tutorial();
    const svg = ladderSvg(ladder, 'en');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal((svg.match(/<line class="arrow/g) ?? []).length, ladder.total);
    assert.match(svg, /\[SYN, ACK\] Seq=0 Ack=1/);
    // Every element opened is closed (the drawing has no nesting beyond svg/style/defs/marker).
    const opened = (svg.match(/<(svg|style|defs|marker|text)\b/g) ?? []).length;
    const closed = (svg.match(/<\/(svg|style|defs|marker|text)>/g) ?? []).length;
    assert.equal(opened, closed);
    assert.doesNotMatch(svg.replace(/<[^>]*>/g, ''), /[<>]/);
  });

  it('the CLI writes the same Markdown, Mermaid and SVG', () => {
    const cli = path.join(ROOT, 'dist', 'cli.js');
    const { explanation, ladder } = tutorial();
    const bytes = new Uint8Array(fs.readFileSync(fixture('01_http_node_conn_close.pcapng')));
    const app = streamApp(catalogCapture(new MemorySource(bytes)), 0);
    const run = (format: string, ...more: string[]): string => {
      const r = spawnSync(process.execPath, [cli, 'explain', fixture('01_http_node_conn_close.pcapng'), '--format', format, ...more], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    assert.equal(run('markdown', '--lang', 'zh-cn'), explanationMarkdown(explanation, ladder, 'zh-cn', carriedLines(app, 'zh-cn')));
    assert.equal(run('mermaid'), ladderMermaid(ladder, 'en', carriedLines(app, 'en')));
    assert.equal(run('svg'), ladderSvg(ladder, 'en', carriedLines(app, 'en')));
    const many = spawnSync(process.execPath, [cli, 'explain', fixture('03_conn_refused_loopback_v4_v6.pcap'), '--format', 'mermaid'], { encoding: 'utf8' });
    assert.equal(many.status, 2);
    assert.match(many.stderr, /draws one connection: pick it with --stream N/);
  });

  it('explain --stream N (the connection found by the quick count and read alone) draws what the whole index draws', () => {
    const cli = path.join(ROOT, 'dist', 'cli.js');
    // A reused 4-tuple's second connection, a refused IPv6 one, a lossy transfer, one begun mid-stream.
    const cases: Array<[string, number]> = [
      ['09_many_short_connections_200_plus_20_port_reuse.pcap', 201],
      ['09_many_short_connections_200_plus_20_port_reuse.pcapng', 7],
      ['03_conn_refused_loopback_v4_v6.pcap', 1],
      ['07_loss10pct_600KB_client_side.pcapng', 0],
      ['10_capture_started_mid_connection.pcap', 0],
    ];
    for (const [name, stream] of cases) {
      const bytes = new Uint8Array(fs.readFileSync(fixture(name)));
      const index = indexCapture(() => new MemorySource(bytes));
      const ladder = buildLadder(index, { stream, numbers: 'relative' });
      const app = streamApp(catalogCapture(new MemorySource(bytes)), stream);
      for (const lang of ['en', 'zh-cn'] as const) {
        const r = spawnSync(process.execPath, [cli, 'explain', fixture(name), '--stream', String(stream), '--format', 'markdown', '--lang', lang], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, explanationMarkdown(explainConnection(index, stream), ladder, lang, carriedLines(app, lang)), `${name} stream ${stream} (${lang})`);
      }
    }
  });

  it('explain --json gives options, iRTT, bytes and events besides the scenario', () => {
    const cli = path.join(ROOT, 'dist', 'cli.js');
    const r = spawnSync(process.execPath, [cli, 'explain', fixture('14_ecn_negotiated_http.pcap'), '--stream', '0', '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const x = JSON.parse(r.stdout) as {
      options: { client: { mss: number; sackPerm: boolean }; server: { mss: number } };
      ecn: { client: boolean; server: boolean };
      irtt: number;
      bytes: { toServer: number; toClient: number };
      steps: Array<{ kind: string; note: { short: string; full: string } }>;
      text: { details: string[] };
    };
    assert.equal(x.ecn.client && x.ecn.server, true);
    assert.ok(x.options.client.mss > 0 && x.options.server.mss > 0);
    assert.ok(x.irtt > 0);
    assert.ok(x.bytes.toServer > 0 && x.bytes.toClient > 0);
    assert.ok(x.text.details.some((d) => /ECN was negotiated/.test(d)));
    assert.equal(x.steps[0]!.kind, 'syn');
  });
});

describe('exports say what each segment carried (issue 9)', () => {
  const withCarried = (bytes: Uint8Array, lang: 'en' | 'zh-cn' = 'en') => {
    const index = indexCapture(() => new MemorySource(bytes));
    const catalog = catalogCapture(new MemorySource(bytes));
    const ladder = buildLadder(index, { stream: 0 });
    return { explanation: explainConnection(index, 0), ladder, carried: carriedLines(streamApp(catalog, 0), lang) };
  };

  it('Markdown gains a Carried column, Mermaid and SVG a line on the arrow, on the segments that carried something', () => {
    const { explanation, ladder, carried } = withCarried(new Uint8Array(fs.readFileSync(fixture('01_http_node_conn_close.pcapng'))));
    const get = ladder.rows.find((r) => r.len > 0 && r.toServer)!;
    const answer = ladder.rows.find((r) => r.len > 0 && !r.toServer)!;
    assert.equal(carried.get(get.frame), 'GET / HTTP/1.1');
    assert.match(carried.get(answer.frame)!, /^HTTP\/1\.1 200 OK/);
    const md = explanationMarkdown(explanation, ladder, 'en', carried);
    const table = md.split('\n').filter((l) => l.startsWith('|'));
    assert.match(table[0]!, /\| Segment \| Carried \| Client \|/);
    // Every row has as many cells as the header: the column is there on rows without data too.
    const cells = (l: string): number => l.replace(/\\\|/g, '').split('|').length;
    for (const l of table) assert.equal(cells(l), cells(table[0]!), l);
    assert.match(new MarkdownIt().render(md), /<td>GET \/ HTTP\/1\.1<\/td>/);
    assert.match(ladderMermaid(ladder, 'en', carried), /C->>S: \[PSH, ACK\][^\n]*<br\/>GET \/ HTTP\/1\.1<br\/>/);
    assert.match(ladderSvg(ladder, 'en', carried), /<text [^>]*class="carried"[^>]*>GET \/ HTTP\/1\.1<\/text>/);
    // Without the lines, the exports are as before (the snapshots above).
    assert.equal(explanationMarkdown(explanation, ladder, 'en', new Map()), explanationMarkdown(explanation, ladder, 'en'));
  });

  it("a hostile payload's words stay text in every export", () => {
    const { explanation, ladder, carried } = withCarried(new Uint8Array(injectionCapture()));
    assert.ok(carried.size >= 2, 'the request and the response are named');
    const html = new MarkdownIt({ html: true }).render(explanationMarkdown(explanation, ladder, 'en', carried));
    assert.ok(!/<(script|img|a)[\s>]/i.test(html), html);
    const mermaid = ladderMermaid(ladder, 'en', carried);
    assert.ok(!/[<>]script|%%\{|[\u0000-\u0008\u001b]/.test(mermaid.replace(/<br\/>/g, '')), mermaid);
    const svg = ladderSvg(ladder, 'en', carried);
    const tags: string[] = [];
    const parser = new SaxesParser();
    parser.on('opentag', (t) => tags.push(t.name));
    parser.write(svg).close();
    assert.deepEqual([...new Set(tags)].sort(), ['defs', 'line', 'marker', 'path', 'rect', 'style', 'svg', 'text']);
  });
});
