import * as assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { GrowingCapture } from '../../src/core/capture/growing';
import { openCapture } from '../../src/core/capture/open';
import { PcapngWriter } from '../../src/core/capture/pcapngWrite';
import { MemorySource } from '../../src/core/capture/source';
import { CaptureInfo, CaptureProblem, CaptureRecord, RecordReader } from '../../src/core/capture/types';
import { classify } from '../../src/core/explain/scenario';
import { indexCapture } from '../../src/core/index/captureIndex';
import { LiveConnectionEnd, LiveSession } from '../../src/core/live/session';
import { CAPTURE_FAILURE_TEXTS, capturedCount, classifyFailure, describeFailure, isAttachedLine, parseInterfaceList } from '../../src/core/live/tool';
import { scanCapture } from '../../src/core/scan';
import { findCaptureTool, findCaptureToolAsync } from '../../src/node/captureTool';
import { FIXTURES, ROOT, listCaptures } from '../helpers/paths';
import { tsharkAvailable } from '../helpers/tshark';
import { PcapngBlocks } from '../helpers/pcapngBlocks';
import { seededRandom } from '../helpers/random';

/**
 * Live capture (issue 13): a capture read while it grows gives what the file gives, record by
 * record and segment by segment; the CLI captures for real on loopback when it may (root, a
 * capture tool), and says why not when it cannot, without hanging.
 */

const CLI = path.join(ROOT, 'dist', 'cli.js');
const SEED = Number(process.env.TCPX_LIVE_SEED ?? Date.now() % 100000);

/** Chunk sizes as a pipe gives them: single bytes, a packet or so, big gulps. */
function chunkSize(rnd: () => number): number {
  const r = rnd();
  if (r < 0.3) return 1 + Math.floor(rnd() * 16);
  if (r < 0.75) return 17 + Math.floor(rnd() * 2000);
  return 2001 + Math.floor(rnd() * 70000);
}

/**
 * A record kept: the reader reuses its record and the bytes it points at. Which buffer holds
 * the bytes (`bytes`, `dataStart`) differs between readers; that they hold `data` is checked.
 */
type Snap = Omit<CaptureRecord, 'data' | 'bytes' | 'dataStart'> & { data: Buffer };

function snap(r: CaptureRecord): Snap {
  const { bytes, dataStart, ...rest } = r;
  assert.deepEqual(Buffer.from(bytes.subarray(dataStart, dataStart + r.capLen)), Buffer.from(r.data), `record ${r.frame}: bytes[dataStart...] is its data`);
  return { ...rest, data: Buffer.from(r.data) };
}

interface Read {
  records: Snap[];
  problems: CaptureProblem[];
  info: CaptureInfo | null;
}

function fileRead(bytes: Uint8Array): Read {
  let reader: RecordReader;
  try {
    reader = openCapture(new MemorySource(bytes));
  } catch (e) {
    const err = e as Error & { offset?: number };
    return { records: [], problems: [{ severity: 'error', offset: err.offset ?? 0, message: err.message }], info: null };
  }
  const records: Snap[] = [];
  for (let r = reader.next(); r; r = reader.next()) records.push(snap(r));
  return { records, problems: reader.problems, info: reader.info };
}

/** Fed in random chunks, drained after each as a consumer would (both ways of asking). */
function growingRead(bytes: Uint8Array, rnd: () => number): Read & { beforeEnd: CaptureProblem[] } {
  const g = new GrowingCapture();
  const records: Snap[] = [];
  const drain = (): void => {
    for (;;) {
      if (rnd() < 0.5) {
        if (!g.hasRecord()) return;
        records.push(snap(g.next()!));
      } else {
        const r = g.next();
        if (!r) return;
        records.push(snap(r));
      }
    }
  };
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(bytes.length - at, chunkSize(rnd));
    // A copy the pusher then spoils: the reader must have copied what it keeps.
    const chunk = Uint8Array.from(bytes.subarray(at, at + n));
    g.push(chunk);
    chunk.fill(0xee);
    at += n;
    drain();
  }
  const beforeEnd = [...g.problems];
  g.end();
  drain();
  assert.ok(g.finished, 'after end() and draining, the capture is finished');
  return { records, problems: g.problems, info: g.started ? g.info : null, beforeEnd };
}

function sameRead(a: Read, b: Read, what: string): void {
  assert.equal(a.records.length, b.records.length, `${what}: record count`);
  for (let i = 0; i < a.records.length; i++) assert.deepEqual(a.records[i], b.records[i], `${what}: record ${i + 1}`);
  assert.deepEqual(a.problems, b.problems, `${what}: problems`);
  if (b.info) assert.deepEqual(a.info, b.info, `${what}: info`);
}

/** Classic pcap in the other byte order: the two big-endian magics come from the fixtures this way. */
function swapPcap(le: Uint8Array): Buffer {
  const b = Buffer.from(le);
  const out = Buffer.alloc(b.length);
  b.copy(out);
  const swap32 = (o: number): void => void out.writeUInt32BE(b.readUInt32LE(o), o);
  const swap16 = (o: number): void => void out.writeUInt16BE(b.readUInt16LE(o), o);
  swap32(0);
  swap16(4);
  swap16(6);
  for (const o of [8, 12, 16, 20]) swap32(o);
  for (let at = 24; at + 16 <= b.length; ) {
    const capLen = b.readUInt32LE(at + 8);
    for (const o of [0, 4, 8, 12]) swap32(at + o);
    at += 16 + capLen;
  }
  return out;
}

const FRAME = Buffer.from('45000028000100004006000001020304050607080400fa0000000001000000005002ffff00000000', 'hex');

describe('live capture: a capture read while it grows (issue 13)', () => {
  const fixtures = listCaptures(FIXTURES);

  it(`reads every fixture in random chunks exactly as the file reader does (seed ${SEED})`, () => {
    assert.ok(fixtures.length > 40, 'the fixtures are there');
    fixtures.forEach((file, i) => {
      const bytes = fs.readFileSync(file);
      const grown = growingRead(bytes, seededRandom(SEED + i));
      sameRead(grown, fileRead(bytes), `${path.basename(file)} (seed ${SEED + i})`);
      assert.deepEqual(grown.beforeEnd, [], `${path.basename(file)}: whole records never look damaged`);
      assert.ok(grown.records.length > 0);
    });
  });

  it('reads all four pcap magics: µs and ns, little- and big-endian', () => {
    const us = fs.readFileSync(path.join(FIXTURES, '01_http_node_conn_close.pcap'));
    const ns = fs.readFileSync(path.join(FIXTURES, '01_http_node_conn_close_nanosec.pcap'));
    const variants = [us, ns, swapPcap(us), swapPcap(ns)];
    assert.deepEqual(
      variants.map((v) => v.readUInt32BE(0).toString(16)),
      ['d4c3b2a1', '4d3cb2a1', 'a1b2c3d4', 'a1b23c4d'],
    );
    variants.forEach((v, i) => {
      const grown = growingRead(v, seededRandom(SEED + 100 + i));
      sameRead(grown, fileRead(v), `magic ${i}`);
      assert.equal(grown.info!.byteOrder, i < 2 ? 'little' : 'big');
    });
    // The swapped files say the same packets.
    assert.deepEqual(fileRead(swapPcap(us)).records, fileRead(us).records);
  });

  it('reads pcapng with several sections in both byte orders, several interfaces, simple and odd blocks', () => {
    const file = new PcapngBlocks()
      .section(true)
      .iface(101)
      .iface(101, { tsresol: 9 })
      .other(0x00000004, 16) // name resolution: skipped
      .packet(0, 1_700_000_000_123_456n, FRAME)
      .packet(1, 1_700_000_000_123_456_789n, FRAME)
      .simple(FRAME)
      .packet(5, 1n, FRAME) // an interface nobody described: counted, reported, skipped
      .other(0x00000bad, 24) // custom block: a frame that is not a packet
      .section(false)
      .iface(228, { tsresol: 9 })
      .packet(0, 1_700_000_001_000_000_000n, FRAME)
      .section(true)
      .iface(101)
      .packet(0, 1_700_000_002_000_000n, FRAME)
      .bytes();
    const want = fileRead(file);
    assert.equal(want.records.length, 6);
    assert.equal(want.info!.sections, 3);
    assert.equal(want.problems.length, 1);
    for (let seed = 0; seed < 200; seed++) sameRead(growingRead(file, seededRandom(SEED + seed)), want, `sections (seed ${SEED + seed})`);
    // One byte at a time too.
    const g = new GrowingCapture();
    const got: Snap[] = [];
    for (const b of file) {
      g.push(Uint8Array.of(b));
      for (let r = g.next(); r; r = g.next()) got.push(snap(r));
    }
    g.end();
    assert.deepEqual(got, want.records);
  });

  it('keeps a partial record until its bytes arrive, and reports a cut tail only at the end', () => {
    for (const name of ['01_http_node_conn_close.pcap', '01_http_node_conn_close.pcapng']) {
      const bytes = fs.readFileSync(path.join(FIXTURES, name));
      const whole = fileRead(bytes).records;
      // Cut inside the last record: everything before it is out at once, nothing is wrong yet.
      const cut = whole[whole.length - 1]!.fileOffset + 10;
      const g = new GrowingCapture();
      g.push(bytes.subarray(0, cut));
      const got: Snap[] = [];
      for (let r = g.next(); r; r = g.next()) got.push(snap(r));
      assert.deepEqual(got, whole.slice(0, -1), name);
      assert.deepEqual(g.problems, []);
      assert.equal(g.finished, false);
      // The rest arrives: the last record comes out whole.
      g.push(bytes.subarray(cut));
      const last = g.next();
      assert.deepEqual(last && snap(last), whole[whole.length - 1]);
      // A stream that ends mid-record: the file reader's own warning, with packet number and offset.
      const h = new GrowingCapture();
      h.push(bytes.subarray(0, cut));
      while (h.next());
      h.end();
      assert.equal(h.next(), null);
      const fileProblems = fileRead(bytes.subarray(0, cut)).problems;
      assert.equal(fileProblems.length, 1);
      assert.deepEqual(h.problems, fileProblems, name);
      assert.match(h.problems[0]!.message, /packet \d+|cut short/);
    }
  });

  it('takes a record longer than the readers allow as damage at once, without waiting for its bytes', () => {
    const pcap = Buffer.from(fs.readFileSync(path.join(FIXTURES, '01_http_node_conn_close.pcap')));
    const firstLen = pcap.readUInt32LE(24 + 8);
    const second = 24 + 16 + firstLen;
    pcap.writeUInt32LE(0x7ffffff0, second + 8);
    const ng = new PcapngBlocks().section(true).iface(1).packet(0, 1n, FRAME).raw(Buffer.from('06000000f0ffff7f00000000', 'hex')).bytes();
    for (const [bytes, upTo] of [
      [pcap, second + 16],
      [ng, ng.length],
    ] as const) {
      const g = new GrowingCapture();
      g.push(bytes.subarray(0, upTo));
      const got: Snap[] = [];
      for (let r = g.next(); r; r = g.next()) got.push(snap(r));
      assert.equal(got.length, 1);
      // Reported now, as the file reader reports the same bytes: the stream has not ended.
      assert.equal(g.finished, true);
      assert.deepEqual(g.problems, fileRead(bytes.subarray(0, upTo)).problems);
      assert.equal(g.problems[0]!.severity, 'error');
      assert.ok(g.held < 1 << 20, 'no buffer sized by the claimed length');
    }
  });

  it('never throws on bytes that are not a capture, or on damage anywhere (seeded mutations)', () => {
    const g = new GrowingCapture();
    g.push(Buffer.from('GET / HTTP/1.1\r\n'));
    assert.equal(g.next(), null);
    assert.equal(g.problems[0]!.severity, 'error');
    assert.match(g.problems[0]!.message, /not a pcap or pcapng/);
    const short = new GrowingCapture();
    short.push(Uint8Array.of(0xd4, 0xc3));
    short.end();
    assert.equal(short.problems.length, 1);

    const bases = ['01_http_node_conn_close.pcap', '01_http_node_conn_close.pcapng', '19_same_packets_two_interfaces_time_backwards.pcapng'].map((n) =>
      fs.readFileSync(path.join(FIXTURES, n)),
    );
    const rnd = seededRandom(SEED + 7);
    for (let k = 0; k < 300; k++) {
      const b = Buffer.from(bases[k % bases.length]!);
      const edits = 1 + Math.floor(rnd() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rnd() * b.length);
        const how = rnd();
        if (how < 0.5) b[at] = Math.floor(rnd() * 256);
        else if (at + 4 <= b.length) b.writeUInt32LE(how < 0.75 ? 0xfffffff0 : Math.floor(rnd() * 4096), at);
      }
      const bytes = rnd() < 0.3 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
      sameRead(growingRead(bytes, seededRandom(SEED + 1000 + k)), fileRead(bytes), `mutation ${k} (seed ${SEED})`);
    }
  });

  it('lets read bytes go: memory follows the unread records, not the stream', () => {
    const bytes = fs.readFileSync(path.join(FIXTURES, '07_loss10pct_600KB_client_side.pcapng'));
    const g = new GrowingCapture();
    let n = 0;
    for (let at = 0; at < bytes.length; at += 1500) {
      g.push(bytes.subarray(at, at + 1500));
      while (g.next()) n++;
    }
    g.end();
    assert.equal(n, fileRead(bytes).records.length);
    assert.ok(g.held <= 256 << 10, `held ${g.held} bytes of a ${bytes.length}-byte stream`);
  });
});

interface SegmentFacts {
  frame: number;
  stream: number;
  relSeq: number;
  relAck: number;
  analysis: number;
  dupAck: number;
  fromA: boolean;
}

describe('live capture: the session gives each segment the analysis a file gives (issue 13)', () => {
  const fixtures = listCaptures(FIXTURES);
  const SAID_CLOSED = new Set(['four-way-close', 'three-segment-close', 'simultaneous-close', 'reset', 'rst-after-fin']);

  it(`every fixture, in random chunks: the same segments, a row for each, stories for the connections that end (seed ${SEED})`, function () {
    this.timeout(120000);
    fixtures.forEach((file, i) => {
      const name = path.basename(file);
      const bytes = fs.readFileSync(file);
      const fromFile: SegmentFacts[] = [];
      scanCapture(new MemorySource(bytes), {
        onSegment: (rec, _f, seg) =>
          fromFile.push({ frame: rec.frame, stream: seg.conversation.stream, relSeq: seg.relSeq, relAck: seg.relAck, analysis: seg.flags, dupAck: seg.dupAckNum, fromA: seg.fromA }),
      });
      const live: SegmentFacts[] = [];
      const rows: number[] = [];
      const ends: LiveConnectionEnd[] = [];
      const segmentsAfterEnd = new Map<number, number>();
      let records = 0;
      const session = new LiveSession({
        onRecord: () => records++,
        onSegment: (rec, _f, seg) => {
          const stream = seg.conversation.stream;
          live.push({ frame: rec.frame, stream, relSeq: seg.relSeq, relAck: seg.relAck, analysis: seg.flags, dupAck: seg.dupAckNum, fromA: seg.fromA });
          if (ends.some((e) => e.stream === stream)) segmentsAfterEnd.set(stream, (segmentsAfterEnd.get(stream) ?? 0) + 1);
        },
        onStep: (row) => rows.push(row.frame),
        onConnectionEnd: (end) => {
          // Its rows came first.
          assert.ok(end.ladder.rows.every((r) => rows.includes(r.frame)), `${name}: rows before the story`);
          ends.push(end);
        },
      });
      const rnd = seededRandom(SEED + 300 + i);
      for (let at = 0; at < bytes.length; ) {
        const n = Math.min(bytes.length - at, chunkSize(rnd));
        session.push(bytes.subarray(at, at + n));
        at += n;
      }
      session.end();
      assert.deepEqual(live, fromFile, `${name}: segment analysis`);
      assert.deepEqual(rows, fromFile.map((s) => s.frame), `${name}: one row per segment, in capture order`);
      assert.equal(records, fileRead(bytes).records.length, `${name}: every record`);
      assert.equal(session.connectionsEnded, ends.length);
      // The connections the file says were closed or reset ended live, told as the file tells them.
      const index = indexCapture(() => new MemorySource(bytes));
      const ended = new Set(ends.map((e) => e.stream));
      for (const c of index.summary.analyzer.conversations) {
        const s = classify(index, c.stream);
        if (SAID_CLOSED.has(s.closing)) assert.ok(ended.has(c.stream), `${name}: stream ${c.stream} (${s.closing}) ended live`);
      }
      for (const e of ends) {
        assert.equal(e.how === 'reset', e.explanation.closing === 'reset' || e.explanation.closing === 'rst-after-fin', `${name}: stream ${e.stream} how`);
        if (segmentsAfterEnd.has(e.stream)) continue;
        const s = classify(index, e.stream);
        assert.deepEqual(
          [e.explanation.opening, e.explanation.closing, e.explanation.activeCloser],
          [s.opening, s.closing, s.activeCloser],
          `${name}: stream ${e.stream} told as the file tells it`,
        );
        assert.equal(e.ladder.rows.length, index.segmentsOf(e.stream).length);
      }
    });
  });

  it('writes a pcap as pcapng record by record, losing nothing (times, lengths, bytes, link type)', function () {
    this.timeout(60000);
    const pcaps = fixtures.filter((f) => f.endsWith('.pcap'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-live-ng-'));
    try {
      for (const file of pcaps) {
        const bytes = fs.readFileSync(file);
        const parts: Uint8Array[] = [];
        const writer = new PcapngWriter((b) => parts.push(Uint8Array.from(b)));
        const reader = openCapture(new MemorySource(bytes));
        for (let r = reader.next(); r; r = reader.next()) writer.record(r, reader.info);
        const ng = Buffer.concat(parts);
        const a = fileRead(bytes);
        const b = fileRead(ng);
        assert.equal(b.info!.format, 'pcapng');
        assert.deepEqual(b.problems, []);
        const key = (s: Snap) => [s.tsSec, s.tsNsec, s.capLen, s.origLen, s.linkType, s.data.toString('hex')];
        assert.deepEqual(b.records.map(key), a.records.map(key), path.basename(file));
        if (tsharkAvailable() && /01_http_node_conn_close(_nanosec)?\.pcap$/.test(file)) {
          const out = path.join(dir, `${path.basename(file)}ng`);
          fs.writeFileSync(out, ng);
          const fields = (f: string) => spawnSync('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'frame.protocols'], { encoding: 'utf8' }).stdout;
          assert.equal(fields(out), fields(file), `tshark reads ${path.basename(file)} converted the same`);
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('live capture: what the capture tools say (issue 13)', () => {
  it('lists interfaces with friendly names, loopback first, from each tool\'s format', () => {
    const tcpdump = parseInterfaceList('1.eth0 [Up, Running, Connected]\n2.any (Pseudo-device that captures on all interfaces) [Up, Running]\n3.lo [Up, Running, Loopback]\n4.ifb0 [none]\n');
    assert.deepEqual(tcpdump.map((i) => [i.name, i.loopback]), [['lo', true], ['eth0', false], ['any', false], ['ifb0', false]]);
    assert.equal(tcpdump[2]!.label, 'any (Pseudo-device that captures on all interfaces)');
    const dumpcapM = parseInterfaceList('1. eth0\t\t\t0\t192.0.2.2\tnetwork\t\n3. lo\t\tLoopback\t0\t127.0.0.1,::1\tloopback\t\n');
    assert.deepEqual(dumpcapM.map((i) => i.label), ['lo (Loopback)', 'eth0']);
    const windows = parseInterfaceList('1. \\Device\\NPF_{78032B7E-4968-42D3-9F37-287EA86C0AAA} (Ethernet 2)\n2. \\Device\\NPF_Loopback (Adapter for loopback traffic capture)\n');
    assert.equal(windows[0]!.name, '\\Device\\NPF_Loopback');
    assert.equal(windows[1]!.label, '\\Device\\NPF_{78032B7E-4968-42D3-9F37-287EA86C0AAA} (Ethernet 2)');
    const mac = parseInterfaceList('1.en0 [Up, Running, Wireless, Associated]\n2.lo0 [Up, Running, Loopback]\n');
    assert.equal(mac[0]!.name, 'lo0');
    // What the installed tools print, read the same way.
    for (const [tool, args] of [['tcpdump', ['-D']], ['dumpcap', ['-D', '-M']]] as const) {
      const r = spawnSync(tool, args, { encoding: 'utf8', timeout: 10000 });
      if (r.status !== 0) continue;
      const list = parseInterfaceList(r.stdout);
      assert.ok(list.length > 0, tool);
      if (list.some((i) => i.name === 'lo')) assert.equal(list[0]!.name, 'lo', tool);
    }
  });

  it('reads the attach line and the final count as each tool prints them', () => {
    assert.ok(isAttachedLine('tcpdump', 'tcpdump: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes'));
    assert.ok(isAttachedLine('dumpcap', "Capturing on 'Loopback: lo'"));
    assert.ok(!isAttachedLine('tcpdump', "Capturing on 'Loopback: lo'"));
    assert.equal(capturedCount('tcpdump', 'listening on lo\n10 packets captured\n20 packets received by filter\n0 packets dropped by kernel\n'), 10);
    assert.equal(capturedCount('tcpdump', '1 packet captured\n2 packets received by filter\n'), 1);
    assert.equal(capturedCount('dumpcap', "Capturing on 'Loopback: lo'\nFile: -\nPackets: 2 Packets captured: 2\nPackets received/dropped on interface 'Loopback: lo': 2/0\n"), 2);
    assert.equal(capturedCount('tcpdump', 'tcpdump: lo: No such device exists\n'), null);
  });

  it('tells why a tool cannot capture, from its own words', () => {
    const cases: Array<[string, string]> = [
      ["tcpdump: lo: You don't have permission to perform this capture on that device\n(socket: Operation not permitted)", 'no-permission'],
      ["tcpdump: lo: You don't have permission to capture on that device\n((cannot open BPF device) /dev/bpf0: Permission denied)", 'no-permission'],
      ["Capturing on 'Loopback: lo'\ndumpcap: You do not have permission to capture on device \"lo\".\n(socket: Operation not permitted)\nPlease check to make sure you have sufficient permissions.", 'no-permission'],
      ['tcpdump: nosuch: No such device exists\n(SIOCGIFHWADDR: No such device)', 'no-interface'],
      ["Capturing on 'nosuch'\ndumpcap: There is no device named \"nosuch\".\n(No such device exists)", 'no-interface'],
      ["tcpdump: can't parse filter expression: syntax error", 'bad-filter'],
      ["dumpcap: Invalid capture filter \"tcp portx 4000\" for interface 'lo'.\n\nThat string isn't a valid capture filter (can't parse filter expression: syntax error).", 'bad-filter'],
      ['dumpcap: Unable to load Npcap or WinPcap (wpcap.dll); you will not be able to capture packets.', 'no-driver'],
      ['tcpdump: something else went wrong', 'failed'],
    ];
    for (const [text, kind] of cases) assert.equal(classifyFailure(text), kind, text);
    assert.equal(classifyFailure('', 'ENOENT'), 'not-installed');
  });

  it('has every failure\'s words in English and Chinese, with the same placeholders, and a fix for each system', () => {
    const { en, 'zh-cn': zh } = CAPTURE_FAILURE_TEXTS;
    assert.deepEqual(Object.keys(zh), Object.keys(en));
    const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const kind of Object.keys(en) as Array<keyof typeof en>) {
      const e = en[kind] as Record<string, string>;
      const z = zh[kind] as Record<string, string>;
      assert.deepEqual(Object.keys(z), Object.keys(e), kind);
      for (const k of Object.keys(e)) {
        assert.deepEqual(holes(z[k]!), holes(e[k]!), `${kind}.${k}`);
        if (e[k]) assert.ok(z[k], `${kind}.${k} in Chinese`);
      }
    }
    const perm = { kind: 'no-permission' as const, tool: '/usr/bin/tcpdump', iface: 'lo', detail: '' };
    assert.match(describeFailure(perm, 'en', { platform: 'linux', toolOption: '--tool PATH' }).fix, /wireshark.*setcap cap_net_raw/s);
    assert.match(describeFailure(perm, 'en', { platform: 'darwin', toolOption: '--tool PATH' }).fix, /ChmodBPF/);
    assert.match(describeFailure(perm, 'en', { platform: 'win32', toolOption: '--tool PATH' }).fix, /Npcap.*WSL/s);
    assert.match(describeFailure({ kind: 'not-installed', tool: 'x', detail: '' }, 'en', { platform: 'win32', toolOption: '--tool PATH' }).fix, /Npcap.*WSL/s);
    for (const p of ['linux', 'darwin', 'win32', 'other'] as const) {
      for (const lang of ['en', 'zh-cn'] as const) {
        for (const kind of Object.keys(en) as Array<keyof typeof en>) {
          const d = describeFailure({ kind, tool: 't', iface: 'i', filter: 'f', detail: 'd' }, lang, { platform: p, toolOption: 'o', interfaces: ['lo'], command: 'c', seconds: 1 });
          assert.ok(!/\{\w+\}/.test(d.reason + d.fix), `${kind} ${lang} ${p}: every placeholder filled`);
        }
      }
    }
  });

  it('finds dumpcap before tcpdump on PATH, or the tool it is given', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-live-find-'));
    try {
      for (const name of ['tcpdump', 'dumpcap', 'mycapture']) fs.writeFileSync(path.join(dir, name), '#!/bin/sh\necho "tcpdump version 4.99"\n', { mode: 0o755 });
      assert.deepEqual(findCaptureTool({ env: { PATH: dir }, platform: 'linux' }), { kind: 'dumpcap', path: path.join(dir, 'dumpcap'), explicit: false });
      fs.rmSync(path.join(dir, 'dumpcap'));
      assert.equal(findCaptureTool({ env: { PATH: dir }, platform: 'linux' })?.path, path.join(dir, 'tcpdump'));
      // Named by path: its kind by its name, else by what --version says.
      assert.equal(findCaptureTool({ explicit: path.join(dir, 'mycapture'), env: { PATH: '' } })?.kind, 'tcpdump');
      assert.equal(findCaptureTool({ explicit: path.join(dir, 'nothing-here'), env: { PATH: dir } }), null);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the tool without blocking (the extension host): the same answers, --version asked asynchronously', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-live-find-async-'));
    try {
      fs.writeFileSync(path.join(dir, 'mycapture'), '#!/bin/sh\necho "tcpdump version 4.99"\n', { mode: 0o755 });
      fs.writeFileSync(path.join(dir, 'other'), '#!/bin/sh\necho "something else 1.0"\n', { mode: 0o755 });
      fs.writeFileSync(path.join(dir, 'dumpcap'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      // While the probe runs, the event loop goes on (a blocking probe would resolve before it turned).
      let turned = false;
      setImmediate(() => (turned = true));
      const probed = await findCaptureToolAsync({ explicit: path.join(dir, 'mycapture'), env: { PATH: '' } });
      assert.deepEqual(probed, { kind: 'tcpdump', path: path.join(dir, 'mycapture'), explicit: true });
      assert.ok(turned, 'the event loop ran while --version was asked');
      assert.equal(await findCaptureToolAsync({ explicit: path.join(dir, 'other'), env: { PATH: '' } }), null);
      assert.deepEqual(await findCaptureToolAsync({ env: { PATH: dir }, platform: 'linux' }), findCaptureTool({ env: { PATH: dir }, platform: 'linux' }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Running {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

/** Children and servers started by a test, ended after it whatever happened. */
const children: ChildProcess[] = [];
const servers: http.Server[] = [];
const sockets: net.Socket[] = [];

function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Running {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const r: Running = { child, stdout: '', stderr: '', exit: Promise.resolve(null) };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (r.stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (r.stderr += s));
  r.exit = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  return r;
}

function running(r: Running): boolean {
  return r.child.exitCode === null && r.child.signalCode === null;
}

/** Waits for a line on stderr, or for the process to end; bounded by the test's own timeout. */
async function waitForStderr(r: Running, pattern: RegExp): Promise<boolean> {
  for (;;) {
    if (pattern.test(r.stderr)) return true;
    if (!running(r)) return pattern.test(r.stderr);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function request(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, headers: { Connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => (body += s));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}

async function tutorialServer(): Promise<number> {
  const server = http.createServer((_req, res) => {
    res.setHeader('Connection', 'close');
    res.end('hello world');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function which(tool: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

describe('tcp-explainer live (issue 13)', () => {
  const isRoot = process.getuid?.() === 0;
  let dir = '';

  before(() => {
    assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (node esbuild.js)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-live-'));
  });

  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(
      servers.splice(0).map((s) => {
        s.closeAllConnections();
        return new Promise((resolve) => s.close(resolve));
      }),
    );
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const tool of ['dumpcap', 'tcpdump']) {
    it(`captures one connection on loopback with ${tool}, explains it, and saves every packet the tool counted`, async function () {
      this.timeout(40000);
      const found = which(tool);
      if (!isRoot || !found) {
        console.log(`      skipped: capturing for real needs root and ${tool} (${isRoot ? 'root' : 'not root'}, ${found ? `${tool} at ${found}` : `no ${tool}`})`);
        this.skip();
      }
      const port = await tutorialServer();
      const saved = path.join(dir, `${tool}.pcapng`);
      const r = runCli(['live', '--tool', found!, '-i', 'lo', '-f', `tcp port ${port}`, '--connections', '1', '-w', saved]);
      assert.ok(await waitForStderr(r, /^listening on lo$/m), `listening: ${r.stderr}`);
      assert.equal(await request(port), 'hello world');
      const code = await r.exit;
      assert.equal(code, 0, r.stderr);
      assert.match(r.stdout, /\[SYN\] Seq=0/);
      assert.match(r.stdout, /Opened with a three-way handshake/);
      assert.match(r.stdout, /Closed in (three|four) segments|Simultaneous close/);
      assert.match(r.stdout, /SYN_SENT \/ [A-Z_]+\??: /, 'each segment has its note');
      const count = /^(\d+) packets? captured$/m.exec(r.stderr);
      assert.ok(count, r.stderr);
      assert.ok(Number(count[1]) >= 7, 'a handshake, a request, an answer and a close');
      if (!tsharkAvailable()) {
        console.log('      tshark is not installed: the saved file is read by our own reader only');
        const read = fileRead(fs.readFileSync(saved));
        assert.equal(read.records.length, Number(count[1]));
        return;
      }
      const t = spawnSync('tshark', ['-r', saved, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
      assert.equal(t.status, 0, t.stderr);
      assert.equal(t.stdout.trim().split('\n').length, Number(count[1]), 'tshark reads as many packets as the tool reported');
      assert.match(spawnSync('capinfos', ['-t', saved], { encoding: 'utf8' }).stdout || 'pcapng', /pcapng/);
    });
  }

  it('prints a segment while its connection waits, and stops on Ctrl-C (SIGINT): the tool\'s count, exit 0', async function () {
    this.timeout(30000);
    const found = which('dumpcap') ?? which('tcpdump');
    if (!isRoot || !found) {
      console.log('      skipped: capturing for real needs root and dumpcap or tcpdump');
      this.skip();
    }
    const port = await tutorialServer();
    const r = runCli(['live', '-i', 'lo', '-f', `tcp port ${port}`]);
    assert.ok(await waitForStderr(r, /^listening on lo$/m), r.stderr);
    // Half a request, then nothing: its segment is printed while the connection waits.
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write('GET / HTTP/1.1\r\nHo');
    while (!/ Len=18 /.test(r.stdout) && running(r)) await new Promise((res) => setTimeout(res, 50));
    assert.match(r.stdout, /\[PSH, ACK\] Seq=1 Ack=1 .* Len=18 .*\n +ESTABLISHED \/ ESTABLISHED: 18 bytes/);
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.setEncoding('utf8').on('data', (d: string) => (text += d));
      socket.on('end', () => resolve(text));
    });
    socket.write('st: x\r\nConnection: close\r\n\r\n');
    assert.match(await answer, /hello world$/);
    // The story comes when the connection ends, while the capture goes on.
    while (!/Opened with a three-way handshake/.test(r.stdout) && running(r)) await new Promise((res) => setTimeout(res, 50));
    r.child.kill('SIGINT');
    assert.equal(await r.exit, 0, r.stderr);
    assert.match(r.stderr, /^\d+ packets? captured$/m);
  });

  it('says a wrong filter is wrong, and exits 1', async function () {
    this.timeout(30000);
    const found = which('dumpcap') ?? which('tcpdump');
    if (!isRoot || !found) {
      console.log('      skipped: the real tools open the interface to check a filter, which needs root here');
      this.skip();
    }
    for (const filter of ['tcp portx 4000', 'tcp.port == 4000']) {
      const r = runCli(['live', '-i', 'lo', '-f', filter]);
      assert.equal(await r.exit, 1, r.stderr);
      assert.ok(r.stderr.includes(`The capture filter "${filter}" is not valid`), r.stderr);
      assert.match(r.stderr, /tcpdump's language/);
      assert.doesNotMatch(r.stderr, /listening on/);
    }
  });

  /** A stand-in `tcpdump` on an otherwise empty PATH. */
  function standIn(name: string, script: string): NodeJS.ProcessEnv {
    const bin = path.join(dir, name);
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'tcpdump'), `#!/bin/sh\ncase "$1" in -D) echo "1.lo [Up, Running, Loopback]"; exit 0;; esac\n${script}\n`, { mode: 0o755 });
    return { ...process.env, PATH: bin };
  }

  const DENIED = `echo "tcpdump: lo: You don't have permission to perform this capture on that device" >&2\necho "(socket: Operation not permitted)" >&2\nexit 1`;

  it('a tool without permission: the reason and how to fix it, exit 1, nothing left behind', async function () {
    this.timeout(30000);
    const env = standIn('denied', DENIED);
    const saved = path.join(dir, 'denied.pcapng');
    const r = runCli(['live', '-w', saved], env);
    assert.equal(await r.exit, 1, r.stderr);
    assert.match(r.stderr, /tcpdump is not allowed to capture on lo/);
    assert.match(r.stderr, /setcap cap_net_raw|wireshark|ChmodBPF|Npcap/);
    assert.match(r.stderr, /never runs sudo/);
    assert.doesNotMatch(r.stderr, /listening on/);
    assert.equal(fs.existsSync(saved), false);
    const zh = runCli(['live', '--lang', 'zh-cn'], env);
    assert.equal(await zh.exit, 1);
    assert.match(zh.stderr, /没有在 lo 上抓包的权限/);
  });

  it('a tool that checks the filter but may not capture: the same explanation once the capture fails', async function () {
    this.timeout(30000);
    const env = standIn('denied-late', `case "$1" in -d) echo "(000) ret #262144"; exit 0;; esac\n${DENIED}`);
    const r = runCli(['live', '-i', 'lo'], env);
    assert.equal(await r.exit, 1, r.stderr);
    assert.match(r.stderr, /not allowed to capture on lo/);
  });

  it('a tool that says the filter is wrong: exit 1 saying so', async function () {
    this.timeout(30000);
    const env = standIn('bad-filter', `echo "tcpdump: can't parse filter expression: syntax error" >&2\nexit 1`);
    const r = runCli(['live', '-f', 'tcp portx 4000'], env);
    assert.equal(await r.exit, 1, r.stderr);
    assert.match(r.stderr, /capture filter "tcp portx 4000" is not valid: tcpdump: can't parse filter expression/);
  });

  it('a tool that never starts capturing is stopped and reported, exit 1', async function () {
    this.timeout(40000);
    const env = standIn('silent', `case "$1" in -d) echo "(000) ret #262144"; exit 0;; esac\nexec /bin/sleep 60`);
    const r = runCli(['live', '-i', 'lo'], env);
    assert.equal(await r.exit, 1, r.stderr);
    assert.match(r.stderr, /did not start capturing within 10 s/);
  });

  it('no capture tool at all: says so, and how to install one', async function () {
    // Installers' places are searched after PATH: a machine with one there cannot show this.
    const elsewhere = ['/usr/sbin', '/usr/local/sbin', '/sbin'].flatMap((d) => ['dumpcap', 'tcpdump'].map((t) => path.join(d, t))).filter((f) => fs.existsSync(f));
    if (elsewhere.length) {
      console.log(`      skipped: a capture tool is installed outside PATH (${elsewhere.join(', ')})`);
      this.skip();
    }
    const r = runCli(['live'], { ...process.env, PATH: path.join(dir, 'empty-path') });
    assert.equal(await r.exit, 1);
    assert.match(r.stderr, /neither dumpcap .* nor tcpdump/);
  });

  it('wrong arguments are a usage error (exit 2)', async () => {
    for (const args of [['--count', '0'], ['--lang', 'fr'], ['--bogus'], ['extra']]) {
      const r = runCli(['live', ...args]);
      assert.equal(await r.exit, 2, args.join(' '));
      assert.match(r.stderr, /Usage: tcp-explainer live/);
    }
  });
});
