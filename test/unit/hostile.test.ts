import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemorySource } from '../../src/core/capture/source';
import { scanCapture, scanConversations } from '../../src/core/scan';
import MarkdownIt from 'markdown-it';
import { explainText, hoverAt } from '../../src/core/text/hover';
import { parseCaptureText } from '../../src/core/text/parse';
import { MAX_TEXT_PAYLOAD_TOTAL, rebuildCapture, rebuiltSource } from '../../src/core/text/rebuild';
import { indexCapture } from '../../src/core/index/captureIndex';
import { ROOT } from '../helpers/paths';
import { frameGaps, hugeLengths, longAddressLines, longFragmentLines, ordinaryConnections, recordClaiming2GB, selfConnections } from '../helpers/hostile';

/**
 * Issue 11's hostile files, each once costly far beyond its size. The CLI runs each (and the
 * same at twice the size) in a child process, which reports its own peak memory and time; a
 * deadline far above the target only catches a hang, the figures are printed, and memory is
 * asserted. Costs that can be counted (conversations compared, frames and bytes made) are
 * asserted exactly.
 */

const CLI = path.join(ROOT, 'dist', 'cli.js');
const HOOK = path.join(ROOT, 'test', 'helpers', 'measureHook.cjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-hostile-'));

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  maxRssMb: number;
  stderr: string;
}

function runCli(args: string[], deadlineMs = 20000): Run {
  const measure = path.join(tmp, `measure-${process.hrtime.bigint()}.json`);
  const r = spawnSync(process.execPath, ['-r', HOOK, CLI, ...args], {
    env: { ...process.env, TCPX_MEASURE_FILE: measure },
    timeout: deadlineMs,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const m = fs.existsSync(measure) ? (JSON.parse(fs.readFileSync(measure, 'utf8')) as { ms: number; maxRssMb: number }) : { ms: NaN, maxRssMb: NaN };
  return { status: r.status, signal: r.signal, ms: m.ms, maxRssMb: m.maxRssMb, stderr: r.stderr ?? '' };
}

function write(name: string, data: string | Uint8Array): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, data);
  return f;
}

/** Runs `explain` on the input and on its double; both must finish within bounds. */
function readsWithinBounds(name: string, make: (scale: number) => string | Uint8Array, maxRssMb: number, ext = 'txt'): void {
  const runs = [1, 2].map((scale) => {
    const file = write(`${name}-x${scale}.${ext}`, make(scale));
    const r = runCli(['explain', file]);
    assert.equal(r.signal, null, `${name} x${scale}: killed after ${r.ms} ms (a hang)\n${r.stderr.slice(0, 2000)}`);
    assert.ok(r.status === 0 || r.status === 1, `${name} x${scale}: exit ${r.status}\n${r.stderr.slice(0, 2000)}`);
    assert.ok(r.maxRssMb < maxRssMb, `${name} x${scale}: peak ${r.maxRssMb.toFixed(0)} MB (limit ${maxRssMb} MB)`);
    return { size: fs.statSync(file).size, ...r };
  });
  const [one, two] = runs as [Run & { size: number }, Run & { size: number }];
  console.log(
    `      ${name}: ${one.size} B ${one.ms.toFixed(0)} ms ${one.maxRssMb.toFixed(0)} MB; ` +
      `${two.size} B ${two.ms.toFixed(0)} ms ${two.maxRssMb.toFixed(0)} MB; time x${(two.ms / one.ms).toFixed(2)} for input x${(two.size / one.size).toFixed(2)}`,
  );
}

describe('hostile input (issue 11)', function () {
  this.timeout(120000);
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('capture text', () => {
    it('long lines that look like tcpdump addresses are read in linear time', () => {
      readsWithinBounds('long-address-lines', longAddressLines, 400);
    });

    it('long lines of repeated field words are read in linear time', () => {
      readsWithinBounds('long-fragment-lines', longFragmentLines, 400);
    });

    it('a long line is read up to its first 4096 characters and said so', () => {
      const parsed = parseCaptureText(longFragmentLines());
      assert.ok(parsed.longLines >= 5, `long lines: ${parsed.longLines}`);
      const rebuilt = rebuildCapture(longFragmentLines());
      assert.ok(rebuilt.notes.some((n) => /longer than 4096 characters/.test(n)), rebuilt.notes.join('\n'));
    });

    it('"length N" is bounded: a few lines claiming 4 GB each make a small capture', () => {
      const text = hugeLengths();
      const rebuilt = rebuildCapture(text);
      assert.ok(rebuilt.pcap.length < 256 * 1024, `rebuilt ${rebuilt.pcap.length} bytes from ${text.length}`);
      assert.ok(rebuilt.notes.some((n) => /more payload than an IP packet holds/.test(n)), rebuilt.notes.join('\n'));
      readsWithinBounds('huge-lengths', hugeLengths, 400);
    });

    it('zero payload rebuilt from text is capped in all; past the cap packets keep their headers', () => {
      const lines = ['12:00:00.000000 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [S], seq 0, win 65535, length 0'];
      const per = 60000;
      const count = Math.ceil(MAX_TEXT_PAYLOAD_TOTAL / per) + 20;
      for (let i = 0; i < count; i++) lines.push(`12:00:01.${String(i).padStart(6, '0')} IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [.], seq ${1 + i * per}:${1 + (i + 1) * per}, ack 1, win 1, length ${per}`);
      const rebuilt = rebuildCapture(lines.join('\n'));
      assert.ok(rebuilt.pcap.length < MAX_TEXT_PAYLOAD_TOTAL + count * 100, `rebuilt ${rebuilt.pcap.length} bytes`);
      assert.ok(rebuilt.notes.some((n) => /headers only/.test(n)), rebuilt.notes.join('\n'));
      // The claimed lengths still count: the segments are as long as the text says.
      const summary = scanCapture(new MemorySource(rebuilt.pcap));
      const conv = summary.analyzer.conversations[0]!;
      assert.equal(conv.clientIsA ? conv.flowAB.packets : conv.flowBA.packets, count + 1);
    });

    it('gaps in tshark frame numbers cost nothing: one frame per line, numbered as tshark numbered them', () => {
      const text = frameGaps();
      const rebuilt = rebuildCapture(text);
      assert.equal(rebuilt.placeholderFrames, 0);
      assert.ok(rebuilt.pcap.length < 100 * text.length, `${rebuilt.pcap.length} bytes rebuilt from ${text.length}`);
      assert.deepEqual(rebuilt.tcp.map((t) => t.frame), [1, 1_000_001, 2_000_001, 3_000_001, 4_000_001, 5_000_001, 6_000_001]);
      // The engine sees tshark's frame numbers, and seven frames.
      const index = indexCapture(() => rebuiltSource(rebuilt));
      assert.deepEqual([...index.frame.subarray(0, index.count)], [1, 1_000_001, 2_000_001, 3_000_001, 4_000_001, 5_000_001, 6_000_001]);
      const one = rebuildCapture('1000000  0.000000 127.0.0.1 → 127.0.0.2 TCP 74 4000 → 4001 [SYN] Seq=0 Win=65535 Len=0\n');
      assert.deepEqual([one.pcap.length < 200, one.tcp[0]?.frame], [true, 1_000_000]);
      readsWithinBounds('frame-gaps', frameGaps, 400);
    });

    it('an IPv6 address with junk in a group is not an address', () => {
      const line = (src: string): string => `    1   0.000000 ${src} → ::2 TCP 74 1000 → 80 [SYN] Seq=0 Win=65535 Len=0`;
      assert.equal(rebuildCapture(line('fe80::1')).tcp.length, 1);
      for (const junk of ['fe80::1zz', 'fe80::12345', '1:2:3:4:5:6:7:8::', 'fe80::1:x']) {
        const r = rebuildCapture(line(junk));
        assert.equal(r.tcp.length, 0, `${junk} was read as an address`);
        assert.ok(r.notes.some((n) => /could not be read/.test(n)), `${junk}: ${r.notes.join('\n')}`);
      }
    });
  });

  describe('captures', () => {
    it('connections crafted to collide in the conversation table cost what ordinary ones do', () => {
      const n = 20000;
      const crafted = scanCapture(new MemorySource(selfConnections(n))).analyzer;
      const ordinary = scanCapture(new MemorySource(ordinaryConnections(n))).analyzer;
      assert.equal(crafted.conversations.length, n);
      assert.equal(ordinary.conversations.length, n);
      console.log(`      conversations compared per lookup: crafted ${(crafted.probes / n).toFixed(3)}, ordinary ${(ordinary.probes / n).toFixed(3)}`);
      assert.ok(crafted.probes < 3 * ordinary.probes + n, `crafted ${crafted.probes} vs ordinary ${ordinary.probes} comparisons`);
      // And the table `conversations` counts into, without the analysis.
      const craftedTable = scanConversations(new MemorySource(selfConnections(n))).table;
      const ordinaryTable = scanConversations(new MemorySource(ordinaryConnections(n))).table;
      assert.deepEqual([craftedTable.count, ordinaryTable.count], [n, n]);
      console.log(`      slots probed per segment in the table: crafted ${(craftedTable.probes / n).toFixed(3)}, ordinary ${(ordinaryTable.probes / n).toFixed(3)}`);
      assert.ok(craftedTable.probes < 3 * ordinaryTable.probes + n, `table: crafted ${craftedTable.probes} vs ordinary ${ordinaryTable.probes} probes`);
    });

    it('80,000 crafted connections read as fast as 80,000 ordinary ones (figures printed)', () => {
      const crafted = runCli(['conversations', write('self-80k.pcap', selfConnections(80000))]);
      const ordinary = runCli(['conversations', write('ordinary-80k.pcap', ordinaryConnections(80000))]);
      for (const r of [crafted, ordinary]) assert.equal(r.status, 0, r.stderr);
      console.log(`      80k crafted: ${crafted.ms.toFixed(0)} ms ${crafted.maxRssMb.toFixed(0)} MB; ordinary: ${ordinary.ms.toFixed(0)} ms ${ordinary.maxRssMb.toFixed(0)} MB; x${(crafted.ms / ordinary.ms).toFixed(2)}`);
    });

    for (const format of ['pcap', 'pcapng'] as const) {
      it(`a ${format} record that claims 2 GB in a tiny file ends quickly, in little memory, saying where`, () => {
        const file = write(`claims-2gb.${format}`, recordClaiming2GB(format));
        const r = runCli(['conversations', file], 10000);
        assert.equal(r.signal, null, 'killed: a hang');
        assert.ok(r.maxRssMb < 200, `peak ${r.maxRssMb} MB`);
        assert.match(r.stderr, /offset \d+/);
        console.log(`      ${format} claiming 2 GB: exit ${r.status}, ${r.ms.toFixed(0)} ms, ${r.maxRssMb.toFixed(0)} MB: ${r.stderr.trim().split('\n')[0]}`);
      });
    }
  });
});

describe('hovers over hostile capture text (issue 11)', () => {
  // A tshark line whose words carry Markdown links, an image and HTML where the parser keeps the text as is.
  const line = (info: string): string => `    1   0.000000     10.0.0.1 → 10.0.0.2     TCP 74 ${info}`;
  const text = [
    line('[TCP <img src=x onerror=alert(1)> <script>alert(1)</script>] 1000 → 80 [SYN] Seq=0 Win=65535[x](command:workbench.action.terminal.new) Len=0![x](https://example.invalid/x.png)'),
    '    2   0.000100     10.0.0.2 → 10.0.0.1     TCP 74 80 → 1000 [SYN, ACK] Seq=0 Ack=1 Win=65535 Len=0',
  ].join('\n');

  it('shows every word of the document as text: no link, image or HTML survives', () => {
    const x = explainText(text);
    const tokens = x.rebuilt.parsed.packets[0]!.kind === 'tcp' ? x.rebuilt.parsed.packets[0]!.tokens : [];
    const hostile = tokens.filter((t) => /[[<]/.test(t.text) && t.kind !== 'flags');
    assert.ok(hostile.length >= 1, `hostile tokens: ${hostile.map((t) => t.text).join(' | ')}`);
    for (const t of hostile) {
      const h = hoverAt(x, t.line, t.start, 'en');
      assert.ok(h, `no hover on ${t.text}`);
      const html = new MarkdownIt({ html: true }).render(h.paragraphs.join('\n\n'));
      assert.doesNotMatch(html, /<a |<img|<script/, `${t.kind} hover renders live markup:\n${html}`);
      assert.ok(html.includes('command:workbench') || html.includes('onerror') || html.includes('example.invalid'), 'the words are still shown');
    }
  });
});
