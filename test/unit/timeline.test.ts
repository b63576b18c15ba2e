import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MemorySource } from '../../src/core/capture/source';
import type { ClosingScenario, OpeningScenario } from '../../src/core/explain/scenario';
import { readStreamSamples } from '../../src/core/graph/series';
import { CaptureCatalog, catalogCapture } from '../../src/core/index/catalog';
import { connectionRow } from '../../src/core/view/connections';
import { MARKS_PER_KIND, OUTCOMES, Outcome, TimelineMarks, finsBothWays, outcome, timelineMarks } from '../../src/core/view/timeline';
import { LruCache } from '../../src/core/lru';
import { MAX_TIMELINE_STREAMS, checkFromWebview } from '../../src/extension/webviewMessages';
import type { OpenResult } from '../../src/extension/indexWorker';
import { MessageHandler, RpcMessage } from '../../src/shared/rpc';
import { FIXTURES, ROOT, fixture, listCaptures } from '../helpers/paths';
import { tsharkAvailable } from '../helpers/tshark';

/*
 * Issue 12, the whole capture: the timeline's outcome classes (on every fixture, against what
 * tshark shows of each connection's SYNs, RSTs and FINs) and its marks (at the times tshark
 * flags retransmissions and zero windows), regenerated with tshark here, never stored.
 */

const OPENINGS: OpeningScenario[] = ['three-way-handshake', 'syn-retransmitted', 'refused', 'no-answer', 'simultaneous-open', 'tcp-fast-open', 'mid-stream'];
const CLOSINGS: ClosingScenario[] = ['four-way-close', 'three-segment-close', 'simultaneous-close', 'half-close', 'reset', 'rst-after-fin', 'open-at-end'];

function catalogOf(file: string): CaptureCatalog {
  const bytes = fs.readFileSync(file);
  return catalogCapture(new MemorySource(bytes), () => new MemorySource(bytes));
}

function needTshark(): void {
  if (!tsharkAvailable()) throw new Error('tshark is not installed: run `apt-get install -y tshark` (these tests compare with it)');
}

function tsharkFields(file: string, fields: string[], filter?: string): string[][] {
  const args = ['-r', file, ...(filter ? ['-Y', filter] : []), '-T', 'fields', ...fields.flatMap((f) => ['-e', f])];
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `tshark ${args.join(' ')}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
}

/**
 * Each connection's outcome from what tshark shows of its segments alone: a SYN never answered
 * by SYN+ACK is refused when the other side sent RST, else unanswered; then any RST is a reset;
 * FINs both ways a clean close; anything else was still open when the capture ended.
 */
function tsharkOutcomes(file: string): Map<number, Outcome> {
  interface Seen {
    synFrom: Set<string>;
    synAck: boolean;
    rstFrom: Set<string>;
    finFrom: Set<string>;
  }
  const streams = new Map<number, Seen>();
  for (const [stream, flagsHex, ip4, ip6, port] of tsharkFields(file, ['tcp.stream', 'tcp.flags', 'ip.src', 'ipv6.src', 'tcp.srcport'])) {
    if (!stream) continue;
    const s = streams.get(Number(stream)) ?? { synFrom: new Set(), synAck: false, rstFrom: new Set(), finFrom: new Set() };
    streams.set(Number(stream), s);
    const flags = Number(flagsHex);
    // Two interfaces' copies (fixture 19) list an address per copy: the first names the sender.
    const from = `${(ip4 || ip6 || '').split(',')[0]}:${port}`;
    if ((flags & 0x12) === 0x02) s.synFrom.add(from);
    if ((flags & 0x12) === 0x12) s.synAck = true;
    if (flags & 0x04) s.rstFrom.add(from);
    if (flags & 0x01) s.finFrom.add(from);
  }
  const out = new Map<number, Outcome>();
  for (const [stream, s] of streams) {
    let o: Outcome;
    if (s.synFrom.size === 1 && !s.synAck) o = [...s.rstFrom].some((x) => !s.synFrom.has(x)) ? 'refused' : 'no-answer';
    else if (s.rstFrom.size) o = 'reset';
    else if (s.finFrom.size === 2) o = 'closed';
    else o = 'open';
    out.set(stream, o);
  }
  return out;
}

describe('the timeline: outcomes (issue 12)', () => {
  it('refused and no answer come from the opening, whatever the closing', () => {
    for (const closing of CLOSINGS) {
      assert.equal(outcome('refused', closing), 'refused');
      assert.equal(outcome('no-answer', closing, true), 'no-answer');
    }
  });

  it('every other opening is classed by its closing; RST after FIN is a reset; a half-close counts as closed only once both sides sent FIN', () => {
    const byClosing: Record<ClosingScenario, [Outcome, Outcome]> = {
      'four-way-close': ['closed', 'closed'],
      'three-segment-close': ['closed', 'closed'],
      'simultaneous-close': ['closed', 'closed'],
      'half-close': ['open', 'closed'],
      reset: ['reset', 'reset'],
      'rst-after-fin': ['reset', 'reset'],
      'open-at-end': ['open', 'open'],
    };
    for (const opening of OPENINGS.filter((o) => o !== 'refused' && o !== 'no-answer')) {
      for (const closing of CLOSINGS) {
        assert.deepEqual([outcome(opening, closing, false), outcome(opening, closing, true)], byClosing[closing], `${opening} / ${closing}`);
      }
    }
  });

  describe('on every fixture, as tshark shows its SYNs, RSTs and FINs', function () {
    this.timeout(120000);
    before(needTshark);
    const files = listCaptures(FIXTURES).filter((f) => f.endsWith('.pcap') || !fs.existsSync(f.replace(/\.pcapng$/, '.pcap')));
    const seen = new Map<Outcome, string[]>();
    /** Our class of every connection in `file` against tshark's facts; returns the scenarios. */
    const compare = (file: string, name: string): string[] => {
      const theirs = tsharkOutcomes(file);
      const catalog = catalogOf(file);
      assert.equal(catalog.conversations.length, theirs.size, 'connections');
      const scenarios: string[] = [];
      for (let s = 0; s < catalog.conversations.length; s++) {
        const sc = catalog.scenario(s);
        const ours = outcome(sc.opening, sc.closing, finsBothWays(catalog.conversations[s]!));
        assert.equal(ours, theirs.get(s), `stream ${s} (${sc.opening}, ${sc.closing})`);
        // The row the webview gets carries the same class.
        assert.equal(connectionRow(catalog, s, 'en').outcome, ours);
        seen.set(ours, [...(seen.get(ours) ?? []), `${name}#${s}`]);
        scenarios.push(`${sc.closing} ${ours}`);
      }
      return scenarios;
    };
    for (const file of files) {
      const name = path.basename(file);
      it(name, () => void compare(file, name));
    }
    // No fixture ends with a connection open: cut two of them short, as a capture stopped early would be.
    it('captures cut short (editcap -r): open at the end, and a half-close whose other side has not closed yet', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-timeline-'));
      try {
        const cut = (name: string, frames: string): string => {
          const out = path.join(dir, `cut-${frames}-${name}`);
          const r = spawnSync('editcap', ['-r', fixture(name), out, frames], { encoding: 'utf8' });
          assert.equal(r.status, 0, `editcap: ${r.stderr}`);
          return out;
        };
        // 01: the handshake and the request, no FIN yet.
        assert.deepEqual(compare(cut('01_http_node_conn_close.pcap', '1-4'), 'cut 01'), ['open-at-end open']);
        // 05: the client's FIN (frame 12) and the server still sending.
        assert.deepEqual(compare(cut('05_half_close_client_shut_wr.pcap', '1-20'), 'cut 05'), ['half-close open']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
    it('the fixtures show every class, and the named scenarios land where they should', () => {
      assert.deepEqual(OUTCOMES.filter((o) => !seen.has(o)), [], 'classes no fixture shows');
      const has = (o: Outcome, where: string): void => assert.ok(seen.get(o)?.includes(where), `${where} is not ${o}: ${JSON.stringify(Object.fromEntries(seen))}`);
      has('refused', '03_conn_refused_loopback_v4_v6.pcap#0');
      has('refused', '03_conn_refused_loopback_v4_v6.pcap#1');
      has('no-answer', '15_syn_no_answer_dropped.pcap#0');
      has('reset', '04_server_abort_rst_linger0.pcap#0');
      has('reset', '16_rst_after_fin_write_after_peer_close.pcap#0');
      has('closed', '05_half_close_client_shut_wr.pcap#0');
      has('closed', '18_four_way_close_client_first.pcap#0');
    });
  });
});

describe('the timeline: marks where tshark flags them (issue 12)', function () {
  this.timeout(120000);
  before(needTshark);

  /** tshark's frames matching `filter`, per stream: frame.time_relative, and tcp.time_relative plus the stream's first frame's time. */
  function tsharkTimes(file: string, filter: string): Map<number, { frameTime: number[]; streamTime: number[] }> {
    const firstOfStream = new Map<number, number>();
    for (const [stream, t] of tsharkFields(file, ['tcp.stream', 'frame.time_relative'], 'tcp')) {
      if (!firstOfStream.has(Number(stream))) firstOfStream.set(Number(stream), Number(t));
    }
    const out = new Map<number, { frameTime: number[]; streamTime: number[] }>();
    for (const [stream, frameTime, tcpTime] of tsharkFields(file, ['tcp.stream', 'frame.time_relative', 'tcp.time_relative'], filter)) {
      const s = Number(stream);
      const e = out.get(s) ?? { frameTime: [], streamTime: [] };
      out.set(s, e);
      e.frameTime.push(Number(frameTime));
      e.streamTime.push(Number(tcpTime) + firstOfStream.get(s)!);
    }
    return out;
  }

  function ourMarks(catalog: CaptureCatalog, stream: number, cap?: number): TimelineMarks {
    return timelineMarks(readStreamSamples(catalog, stream), connectionRow(catalog, stream, 'en').start, cap);
  }

  function sameTimes(ours: number[], theirs: number[], what: string): void {
    assert.equal(ours.length, theirs.length, `${what}: ${ours.length} marks, tshark ${theirs.length}`);
    // tshark prints nanoseconds: ours round to the same nanosecond.
    const off = ours.map((t, i) => [t, theirs[i]!] as const).filter(([a, b]) => Math.abs(a - b) > 5e-10);
    assert.deepEqual(off.slice(0, 5), [], `${what}: marks away from tshark's times`);
  }

  for (const [name, filter, kind] of [
    ['07_loss10pct_600KB_client_side.pcap', 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission', 'retransmissions'],
    ['23_http_400KB_loss8pct_both_ways_client_side.pcap', 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission', 'retransmissions'],
    ['13_zero_window_slow_reader.pcap', 'tcp.analysis.zero_window', 'zeroWindows'],
  ] as const) {
    it(`${name}: ${kind} at tshark's frame.time_relative (= tcp.time_relative + the connection's start)`, () => {
      const file = fixture(name);
      const theirs = tsharkTimes(file, filter);
      assert.ok(theirs.size > 0, `tshark flags nothing in ${name} with ${filter}`);
      const catalog = catalogOf(file);
      for (let s = 0; s < catalog.conversations.length; s++) {
        const mine = ourMarks(catalog, s);
        const t = theirs.get(s) ?? { frameTime: [], streamTime: [] };
        sameTimes(mine[kind], t.frameTime, `stream ${s} against frame.time_relative`);
        sameTimes(mine[kind], t.streamTime, `stream ${s} against tcp.time_relative + start`);
        assert.equal(mine.omitted, 0);
        // The table's count is the number of marks.
        assert.equal(mine[kind].length, connectionRow(catalog, s, 'en')[kind]);
      }
    });
  }

  it('past the cap, marks are kept evenly spread and the rest counted', () => {
    const catalog = catalogOf(fixture('07_loss10pct_600KB_client_side.pcap'));
    const all = ourMarks(catalog, 0);
    assert.ok(all.retransmissions.length > 20 && all.retransmissions.length <= MARKS_PER_KIND);
    const few = ourMarks(catalog, 0, 10);
    assert.equal(few.retransmissions.length, 10);
    assert.equal(few.omitted, all.retransmissions.length - 10 + all.zeroWindows.length - few.zeroWindows.length);
    assert.equal(few.retransmissions[0], all.retransmissions[0]);
    // A subset in time order, reaching into the last tenth of the marks.
    let at = -1;
    for (const t of few.retransmissions) {
      const i = all.retransmissions.indexOf(t, at + 1);
      assert.ok(i > at, `${t} is not one of the marks, in order`);
      at = i;
    }
    assert.ok(at >= all.retransmissions.length * 0.9 - 1, `the kept marks stop at ${at} of ${all.retransmissions.length}`);
  });

  it('a connection starts where its first segment is, since the capture\'s first packet', () => {
    const catalog = catalogOf(fixture('09_many_short_connections_200_plus_20_port_reuse.pcap'));
    const firsts = new Map<number, number>();
    for (const [stream, t] of tsharkFields(fixture('09_many_short_connections_200_plus_20_port_reuse.pcap'), ['tcp.stream', 'frame.time_relative'], 'tcp')) {
      if (!firsts.has(Number(stream))) firsts.set(Number(stream), Number(t));
    }
    let previous = -Infinity;
    for (let s = 0; s < catalog.conversations.length; s++) {
      const row = connectionRow(catalog, s, 'en');
      assert.ok(Math.abs(row.start - firsts.get(s)!) < 5e-10, `stream ${s}: start ${row.start}, tshark ${firsts.get(s)}`);
      // Stream order is start order: the timeline's rows go down in time.
      assert.ok(row.start >= previous, `stream ${s} starts before stream ${s - 1}`);
      previous = row.start;
    }
  });
});

describe('the timeline: the worker answers marks, the host checks the request (issue 12)', function () {
  this.timeout(60000);

  it('timelineMarks from dist/indexWorker.js equal the marks read here', async () => {
    const bundle = path.join(ROOT, 'dist', 'indexWorker.js');
    if (!fs.existsSync(bundle)) throw new Error('dist/indexWorker.js is missing: run `node esbuild.js` first');
    const file = fixture('07_loss10pct_600KB_client_side.pcap');
    const worker = new Worker(bundle);
    const rpc = new MessageHandler((m: RpcMessage) => worker.postMessage(m));
    worker.on('message', (m: unknown) => rpc.handleMessage(m));
    rpc.registerHandler('progress', () => undefined);
    try {
      await rpc.sendRequest<OpenResult>('open', { file, name: path.basename(file) });
      const answered = await rpc.sendRequest<TimelineMarks[]>('timelineMarks', { streams: [0] });
      const catalog = catalogOf(file);
      const expected = timelineMarks(readStreamSamples(catalog, 0), connectionRow(catalog, 0, 'en').start);
      assert.deepEqual(answered, [expected]);
      // From its cache the second time: the same answer.
      assert.deepEqual(await rpc.sendRequest<TimelineMarks[]>('timelineMarks', { streams: [0, 0] }), [expected, expected]);
    } finally {
      await worker.terminate();
    }
  });

  it('the host takes a list of the capture\'s streams and nothing else', () => {
    assert.deepEqual(checkFromWebview({ type: 'timelineMarks', streams: [0, 2] }, 3), { ok: { type: 'timelineMarks', streams: [0, 2] } });
    const rejected = (m: unknown): void => assert.ok('rejected' in checkFromWebview(m, 3), `${JSON.stringify(m)} was accepted`);
    rejected({ type: 'timelineMarks', streams: [3] });
    rejected({ type: 'timelineMarks', streams: [-1] });
    rejected({ type: 'timelineMarks', streams: [0.5] });
    rejected({ type: 'timelineMarks', streams: ['0'] });
    rejected({ type: 'timelineMarks', streams: [] });
    rejected({ type: 'timelineMarks', streams: 0 });
    rejected({ type: 'timelineMarks', streams: [0], cap: 5 });
    rejected({ type: 'timelineMarks', streams: new Array(MAX_TIMELINE_STREAMS + 1).fill(0) });
  });

  it('the marks cache lets the least recently used go first', () => {
    const lru = new LruCache<number, string>(2);
    lru.set(1, 'a');
    lru.set(2, 'b');
    assert.equal(lru.get(1), 'a');
    lru.set(3, 'c');
    assert.deepEqual([lru.get(1), lru.get(2), lru.get(3), lru.size], ['a', undefined, 'c', 2]);
  });
});
