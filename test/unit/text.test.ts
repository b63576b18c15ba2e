import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemorySource } from '../../src/core/capture/source';
import { classify } from '../../src/core/explain/scenario';
import { CaptureIndex, indexCapture } from '../../src/core/index/captureIndex';
import { TH_ACK, TH_FIN, TH_PUSH, TH_SYN } from '../../src/core/tcp/analysis';
import { LadderRow, buildLadder } from '../../src/core/tcp/ladder';
import { detectTextFormat, parseCaptureText } from '../../src/core/text/parse';
import { rebuildCapture, rebuiltSource } from '../../src/core/text/rebuild';
import { renderTcpdump } from '../../src/core/text/render';
import { FIXTURES, SHARED, fixture, listCaptures, sharedAvailable } from '../helpers/paths';

/*
 * Capture text read back: the real output of the installed tcpdump and tshark for every
 * fixture, generated here, parsed, rebuilt into a capture and run through the same engine. The
 * scenario of every connection must be the one the capture file gives, and so must the
 * ladder, except where the text does not say (listed below with the reason).
 */

function run(cmd: string, args: string[]): string {
  // tcpdump prints local time; ours is UTC.
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, TZ: 'UTC' } });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

function available(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status === 0;
}

const VARIANTS: Array<[name: string, cmd: string, args: string[]]> = [
  ['tcpdump -nn', 'tcpdump', ['-nn', '-r']],
  ['tcpdump -nn -S', 'tcpdump', ['-nn', '-S', '-r']],
  ['tcpdump -nn -v', 'tcpdump', ['-nn', '-v', '-r']],
  ['tcpdump -nn -tttt', 'tcpdump', ['-nn', '-tttt', '-r']],
  ['tcpdump -nn -tt', 'tcpdump', ['-nn', '-tt', '-r']],
  ['tshark', 'tshark', ['-r']],
];

function indexOf(bytes: Uint8Array): CaptureIndex {
  return indexCapture(() => new MemorySource(bytes));
}

/** What a ladder row says, for comparison: frame, flags, relative numbers, length, analysis. */
function rowFacts(r: LadderRow, lenient: { psh: boolean; win: boolean; options: boolean; keepAlive: boolean }): string {
  const flags = r.flags.filter((f) => !(lenient.psh && f === 'PSH'));
  let label = `${r.frame} [${flags.join(',')}] seq=${lenient.keepAlive ? '?' : r.seq} ack=${r.ack} len=${r.len}`;
  if (!lenient.win) label += ` win=${r.win}`;
  if (!lenient.options) label += ` ${r.label.split(` Len=${r.len}`)[1] ?? ''}`;
  const analysis = r.analysis.filter((a) => !(lenient.keepAlive && (a === 'keep_alive' || a === 'duplicate_ack')));
  return `${label} {${analysis.join(',')}}`;
}

/*
 * Where the text does not say what the capture does (checked per row, by reason):
 * - tcpdump prints no seq for a segment without data, SYN, FIN or RST, so a keep-alive (seq
 *   one below the next byte) reads as a plain ACK: keep-alive vs duplicate ACK is not in the text.
 * - tshark prints an application protocol's line (HTTP) without TCP fields: it is rebuilt
 *   from the neighbouring lines, but its PSH flag, window and SYN options are not in the text.
 */
describe('capture text read back into the engine', function () {
  this.timeout(120000);
  before(function () {
    for (const tool of ['tcpdump', 'tshark']) {
      if (!available(tool)) throw new Error(`${tool} is not installed: run \`apt-get install -y ${tool}\` (the text tests read its output)`);
    }
  });

  const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap'));
  for (const file of files) {
    describe(file, () => {
      const bytes = fs.readFileSync(fixture(file));
      const original = indexOf(bytes);
      const streams = original.summary.analyzer.conversations.length;
      for (const [name, cmd, args] of VARIANTS) {
        it(`${name}: every connection has the same scenario and the same ladder`, () => {
          const text = run(cmd, [...args, fixture(file)]);
          const rebuilt = rebuildCapture(text);
          assert.equal(rebuilt.format, cmd);
          const index = indexOf(rebuilt.pcap);
          assert.equal(index.summary.frames, original.summary.frames, 'one frame per packet, numbered as in the capture');
          assert.equal(index.summary.analyzer.conversations.length, streams);
          for (let s = 0; s < streams; s++) {
            const a = classify(original, s);
            const b = classify(index, s);
            assert.deepEqual([b.opening, b.closing, b.activeCloser, b.synRetransmissions], [a.opening, a.closing, a.activeCloser, a.synRetransmissions], `stream ${s}`);
            const la = buildLadder(original, { stream: s }).rows;
            const lb = buildLadder(index, { stream: s }).rows;
            assert.equal(lb.length, la.length, `stream ${s}: segments`);
            la.forEach((ra, k) => {
              const inferred = rebuilt.tcp.find((t) => t.frame === ra.frame)?.inferred ?? false;
              const lenient = { psh: inferred, win: inferred, options: inferred, keepAlive: cmd === 'tcpdump' && ra.len === 0 && !ra.flags.some((f) => f === 'SYN' || f === 'FIN' || f === 'RST') };
              assert.equal(rowFacts(lb[k]!, lenient), rowFacts(ra, lenient), `stream ${s} row ${k}`);
            });
          }
        });
      }
    });
  }

  it('tshark\'s HTTP lines are rebuilt from their neighbours, and the notes say so', () => {
    const text = run('tshark', ['-r', fixture('01_http_node_conn_close.pcap')]);
    const rebuilt = rebuildCapture(text);
    const inferred = rebuilt.tcp.filter((t) => t.inferred).map((t) => t.frame);
    assert.deepEqual(inferred, [4, 6]);
    assert.ok(rebuilt.notes.some((n) => /--disable-protocol http/.test(n)));
    assert.ok(rebuilt.notes.some((n) => /relative sequence numbers.*invented/.test(n)));
  });

  it('a display-filtered tshark listing keeps its frame numbers', () => {
    const text = run('tshark', ['-r', fixture('09_many_short_connections_200_plus_20_port_reuse.pcap'), '-Y', 'tcp.stream == 7']);
    const rebuilt = rebuildCapture(text);
    const index = indexCapture(() => rebuiltSource(rebuilt));
    const original = indexOf(fs.readFileSync(fixture('09_many_short_connections_200_plus_20_port_reuse.pcap')));
    const frames = (ix: CaptureIndex, stream: number): number[] => buildLadder(ix, { stream }).rows.map((r) => r.frame);
    assert.deepEqual(frames(index, 0), frames(original, 7));
  });

  it('every public capture\'s tcpdump text reads back without an exception', function () {
    if (!sharedAvailable()) this.skip();
    let packets = 0;
    for (const file of listCaptures(path.join(SHARED, 'public'))) {
      const r = spawnSync('tcpdump', ['-nn', '-r', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
      const rebuilt = rebuildCapture(r.stdout ?? '');
      indexOf(rebuilt.pcap);
      packets += rebuilt.parsed.packets.length;
    }
    assert.ok(packets > 1000, `${packets} packets`);
  });
});

describe('capture text lines', () => {
  it('tcpdump: every field and where it is on the line', () => {
    const line =
      '21:00:11.032736 IP 127.0.0.1.4000 > 127.0.0.1.53416: Flags [S.], seq 1463006226, ack 3372679851, win 65483, options [mss 65495,sackOK,TS val 1155725964 ecr 197273369,nop,wscale 10], length 0';
    const p = parseCaptureText(line);
    assert.equal(p.format, 'tcpdump');
    const s = p.packets[0]!;
    assert.equal(s.kind, 'tcp');
    if (s.kind !== 'tcp') return;
    assert.deepEqual([s.src, s.dst], [
      { address: '127.0.0.1', port: 4000 },
      { address: '127.0.0.1', port: 53416 },
    ]);
    assert.equal(s.flags, TH_SYN | TH_ACK);
    assert.deepEqual([s.seq, s.ack, s.win, s.len, s.mss, s.wsShift, s.sackPerm, s.tsval, s.tsecr], [1463006226, 3372679851, 65483, 0, 65495, 10, true, 1155725964, 197273369]);
    const at = (kind: string): string[] => s.tokens.filter((t) => t.kind === kind).map((t) => line.slice(t.start, t.end));
    assert.deepEqual(at('flags'), ['Flags [S.]']);
    assert.deepEqual(at('seq'), ['seq 1463006226']);
    assert.deepEqual(at('ack'), ['ack 3372679851']);
    assert.deepEqual(at('win'), ['win 65483']);
    assert.deepEqual(at('mss'), ['mss 65495']);
    assert.deepEqual(at('wscale'), ['wscale 10']);
    assert.deepEqual(at('sackOK'), ['sackOK']);
    assert.deepEqual(at('tsval'), ['TS val 1155725964']);
    assert.deepEqual(at('tsecr'), ['ecr 197273369']);
    assert.deepEqual(at('len'), ['length 0']);
    assert.deepEqual(at('address'), ['127.0.0.1', '127.0.0.1']);
    assert.deepEqual(at('port'), ['4000', '53416']);
    assert.deepEqual(at('time'), ['21:00:11.032736']);
  });

  it('tcpdump: a data range, IPv6, -i any and a -v packet on two lines', () => {
    const text = [
      'reading from file x.pcap, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 262144',
      '21:00:11.032847 lo    In  IP6 ::1.53416 > ::1.4000: Flags [P.], seq 1:79, ack 1, win 64, options [nop,nop,TS val 197273369 ecr 1155725964], length 78',
      '21:00:11.032736 IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 60)',
      '    127.0.0.1.4000 > 127.0.0.1.53416: Flags [F.], cksum 0xfe30 (incorrect -> 0x266f), seq 135, ack 79, win 64, length 0',
    ].join('\n');
    const p = parseCaptureText(text);
    assert.equal(p.packets.length, 2);
    const [a, b] = p.packets;
    assert.ok(a?.kind === 'tcp' && b?.kind === 'tcp');
    assert.deepEqual([a.ipv6, a.src.address, a.flags, a.seq, a.seqEnd, a.len], [true, '::1', TH_PUSH | TH_ACK, 1, 79, 78]);
    assert.deepEqual([b.flags, b.seq, b.ack, b.line], [TH_FIN | TH_ACK, 135, 79, 2]);
    assert.deepEqual(Array.from(p.lineToPacket), [-1, 0, 1, 1]);
    assert.equal(b.tokens.find((t) => t.kind === 'flags')!.line, 3);
  });

  it('tshark: fields, expert markers and the flags in words', () => {
    const line = '   12   0.851390     10.7.2.2 → 10.7.1.2     TCP 1514 [TCP Retransmission] 9000 → 60832 [PSH, ACK] Seq=2897 Ack=23 Win=65536 Len=1448 TSval=2876000186 TSecr=2785353928';
    const p = parseCaptureText(line);
    assert.equal(p.format, 'tshark');
    const s = p.packets[0]!;
    assert.ok(s.kind === 'tcp');
    assert.deepEqual([s.frame, s.src.port, s.dst.port, s.flags, s.seq, s.ack, s.win, s.len, s.analysis], [12, 9000, 60832, TH_PUSH | TH_ACK, 2897, 23, 65536, 1448, ['retransmission']]);
    assert.deepEqual(
      s.tokens.filter((t) => t.kind === 'analysis' || t.kind === 'flags').map((t) => line.slice(t.start, t.end)),
      ['[TCP Retransmission]', '[PSH, ACK]'],
    );
  });

  it('tshark: an application line no later Ack sizes takes its length from its frame length less the sender\'s header size', () => {
    // The client's alert is answered by a bare RST (no Ack): only its frame length (97) less the
    // client's own header size says its length. The SYN (74, more options) and the server's RST
    // (54, no timestamps) have other header sizes; the client's pure ACK (66, Len=0) has the right one.
    const lines = [
      '    1   0.000000     10.0.0.1 → 10.0.0.2     TCP 74 50000 → 443 [SYN] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM TSval=100 TSecr=0 WS=128',
      '    2   0.000100     10.0.0.2 → 10.0.0.1     TCP 74 443 → 50000 [SYN, ACK] Seq=0 Ack=1 Win=65160 Len=0 MSS=1460 SACK_PERM TSval=200 TSecr=100 WS=128',
      '    3   0.000200     10.0.0.1 → 10.0.0.2     TCP 66 50000 → 443 [ACK] Seq=1 Ack=1 Win=64256 Len=0 TSval=101 TSecr=200',
      '    4   0.000300     10.0.0.2 → 10.0.0.1     TCP 566 443 → 50000 [PSH, ACK] Seq=1 Ack=1 Win=65280 Len=500 TSval=201 TSecr=101',
      '    5   0.000400     10.0.0.1 → 10.0.0.2     TLSv1.2 97 Encrypted Alert',
      '    6   0.000500     10.0.0.2 → 10.0.0.1     TCP 54 443 → 50000 [RST] Seq=501 Win=0 Len=0',
    ];
    const rebuilt = rebuildCapture(lines.join('\n'));
    assert.deepEqual(rebuilt.tcp.filter((t) => t.inferred).map((t) => t.frame), [5]);
    const rows = buildLadder(indexCapture(() => rebuiltSource(rebuilt)), { stream: 0 }).rows;
    const alert = rows.find((r) => r.frame === 5);
    assert.ok(alert, rows.map((r) => r.frame).join(','));
    assert.deepEqual([alert.flags, alert.seq, alert.ack, alert.len], [['PSH', 'ACK'], 1, 501, 31]);
    assert.deepEqual(rows.map((r) => r.frame), [1, 2, 3, 4, 5, 6]);
    assert.ok(rebuilt.notes.some((n) => /1 line\(s\) of an application protocol.*For 1 of them no later Ack.*frame length alone/.test(n)), rebuilt.notes.join('\n'));

    // Without the client's pure ACK only its SYN shows a header size, and a SYN's is not a data
    // segment's: the alert is not guessed at.
    const bare = rebuildCapture(lines.filter((_, k) => k !== 2).join('\n'));
    assert.deepEqual(bare.tcp.filter((t) => t.inferred), []);
    assert.ok(bare.notes.some((n) => /1 packet line\(s\) are not TCP, or show no TCP fields/.test(n)), bare.notes.join('\n'));
  });

  it('detects the format from the first packet line, not the file name', () => {
    assert.equal(detectTextFormat('hello\n\n21:00:11.032717 IP 10.0.0.1.5 > 10.0.0.2.80: Flags [S], seq 1, win 10, length 0'), 'tcpdump');
    assert.equal(detectTextFormat('    1 0.000000    10.0.0.1 → 10.0.0.2    TCP 74 5 → 80 [SYN] Seq=0 Win=10 Len=0'), 'tshark');
    assert.equal(detectTextFormat('just some notes\nabout TCP'), null);
  });
});

describe('a capture rendered as tcpdump text ("Open capture as text")', function () {
  this.timeout(60000);
  before(function () {
    if (!available('tcpdump')) throw new Error('tcpdump is not installed: run `apt-get install -y tcpdump`');
  });
  for (const file of fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap'))) {
    it(`${file}: the same segments as the installed tcpdump prints, and it reads back to the same scenarios`, () => {
      const original = indexOf(fs.readFileSync(fixture(file)));
      const ours = parseCaptureText(renderTcpdump(original)).packets;
      const theirs = parseCaptureText(run('tcpdump', ['-nn', '-r', fixture(file)])).packets.filter((p) => p.kind === 'tcp');
      assert.equal(ours.length, theirs.length);
      const facts = (p: (typeof ours)[number]): string => {
        if (p.kind !== 'tcp') return 'other';
        const syn = p.flags & TH_SYN ? ` mss=${p.mss} ws=${p.wsShift} sack=${p.sackPerm} ts=${p.tsval}/${p.tsecr}` : '';
        return `${p.src.address}.${p.src.port}>${p.dst.address}.${p.dst.port} ${p.flags} seq=${p.seq}:${p.seqEnd} ack=${p.ack} win=${p.win} len=${p.len}${syn} t=${p.time?.sec}.${p.time?.nsec}`;
      };
      ours.forEach((p, k) => assert.equal(facts(p), facts(theirs[k]!), `segment ${k}`));
      const back = indexOf(rebuildCapture(renderTcpdump(original)).pcap);
      for (const c of original.summary.analyzer.conversations) {
        const a = classify(original, c.stream);
        const b = classify(back, c.stream);
        assert.deepEqual([b.opening, b.closing, b.activeCloser], [a.opening, a.closing, a.activeCloser]);
      }
    });
  }

  it('one connection only', () => {
    const original = indexOf(fs.readFileSync(fixture('03_conn_refused_loopback_v4_v6.pcap')));
    const text = renderTcpdump(original, { stream: 1 });
    assert.equal(text.trim().split('\n').length, 2);
    assert.match(text, / IP6 ::1\.\d+ > ::1\.4999: Flags \[S\]/);
  });
});
