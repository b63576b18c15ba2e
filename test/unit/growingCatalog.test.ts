import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ByteSource, MemorySource } from '../../src/core/capture/source';
import { CaptureFormatError } from '../../src/core/capture/types';
import { CaptureCatalog, catalogCapture, startCatalog } from '../../src/core/index/catalog';
import { buildLadder } from '../../src/core/tcp/ladder';
import { connectionRow } from '../../src/core/view/connections';
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { LadderParams, LadderResult, OpenParams, OpenResult, ProgressNote, RowsParams, WatchParams, WatchState } from '../../src/extension/indexWorker';
import type { CaptureOverview, RowsPage } from '../../src/shared/protocol';
import { MessageHandler, RpcMessage } from '../../src/shared/rpc';
import { FIXTURES, ROOT, listCaptures } from '../helpers/paths';
import { seededRandom } from '../helpers/random';

/**
 * A capture file read while another program writes it (issue 13): the editor's catalog reads
 * what is there, waits, and goes on from where it stopped when the file grew. Fed a fixture in
 * pieces, the catalog after the last piece equals the catalog of the whole file, and it never
 * read a byte before the record it had stopped at.
 */

const SEED = Number(process.env.TCPX_GROWING_SEED ?? Date.now() % 100000);


/** A file as a writer leaves it: the bytes written so far; `reads` logs where it was read. */
class GrowingBytes implements ByteSource {
  size = 0;
  readonly reads: number[] = [];
  constructor(private readonly all: Uint8Array) {}
  read(offset: number, length: number): Uint8Array {
    this.reads.push(offset);
    const end = Math.min(this.size, offset + length);
    return this.all.subarray(Math.min(offset, end), end);
  }
}

/** Everything the table, the overview and a ladder show, for comparing two catalogs. */
function shown(c: CaptureCatalog): unknown {
  const s = c.summary;
  const streams = [];
  for (let k = 0; k < c.conversations.length; k++) {
    streams.push({
      row: connectionRow(c, k, 'en'),
      analysis: c.analysisOf(k),
      carried: c.carriedText(k),
      first: c.firstSegment[k],
      last: c.lastSegment[k],
      at: c.locations.ofStream(k),
      ladder: buildLadder(c.streamIndex(k), { stream: k }),
    });
  }
  return {
    frames: s.frames,
    tcpFrames: s.tcpFrames,
    time: [s.firstSec, s.firstNsec, s.lastSec, s.lastNsec],
    linkTypes: [...s.linkTypes],
    skipped: [...s.skipped],
    damaged: [...s.damaged],
    problems: s.problems,
    info: s.info,
    segments: c.locations.count,
    streams,
  };
}

/** Grows `bytes` piece by piece into a growing catalog, as the editor's worker follows a file. */
function followInPieces(bytes: Uint8Array, rnd: () => number): { catalog: CaptureCatalog; source: GrowingBytes; pieces: number } | null {
  const source = new GrowingBytes(bytes);
  // The first piece holds the file's header: the editor opens a capture once it has one.
  source.size = Math.min(bytes.length, 64 + Math.floor(rnd() * 400));
  const reread = new GrowingBytes(bytes);
  reread.size = source.size;
  let builder;
  try {
    builder = startCatalog(source, () => reread, { growing: true });
  } catch (e) {
    if (e instanceof CaptureFormatError) return null;
    throw e;
  }
  // Followed from the start: a record not all here yet is waited for.
  builder.resume(true);
  let pieces = 1;
  for (;;) {
    while (builder.step(1 + Math.floor(rnd() * 50)));
    // Between two writes, nothing a cut record says is a problem yet.
    assert.ok(!builder.catalog.summary.problems.some((p) => /cut short/.test(p.message) && p.offset >= builder.position), 'a record not all here was reported');
    if (source.size === bytes.length) break;
    reread.size = source.size = Math.min(bytes.length, source.size + 1 + Math.floor(rnd() < 0.3 ? rnd() * 40 : rnd() * 6000));
    pieces++;
    const stoppedAt = builder.position;
    const before = source.reads.length;
    if (!builder.resume(true)) break;
    while (builder.step(1 + Math.floor(rnd() * 50)));
    for (const at of source.reads.slice(before)) assert.ok(at >= stoppedAt, `read at ${at}, before ${stoppedAt} where reading had stopped`);
  }
  // The writer is done: what is still cut short is damage, as in any file.
  builder.resume(false);
  while (builder.step(100));
  builder.end();
  return { catalog: builder.catalog, source, pieces };
}

describe('a capture file read while it is written (issue 13)', function () {
  this.timeout(600000);

  it(`every fixture, grown in random pieces, ends as the whole file's catalog, never reading back (seed ${SEED})`, () => {
    const rnd = seededRandom(SEED);
    const files = listCaptures(FIXTURES);
    assert.ok(files.length > 20);
    let pieces = 0;
    let streams = 0;
    for (const file of files) {
      const bytes = new Uint8Array(fs.readFileSync(file));
      let whole: CaptureCatalog;
      try {
        whole = catalogCapture(new MemorySource(bytes));
      } catch (e) {
        if (e instanceof CaptureFormatError) continue;
        throw e;
      }
      const grown = followInPieces(bytes, rnd);
      assert.ok(grown, `${path.basename(file)} could not be opened in pieces`);
      assert.deepEqual(shown(grown.catalog), shown(whole), `${path.basename(file)} (seed ${SEED})`);
      pieces += grown.pieces;
      streams += whole.conversations.length;
    }
    console.log(`      ${files.length} fixtures in ${pieces} pieces: ${streams} streams, all equal`);
  });

  it('a record cut at the end waits while followed, and is reported as the file reports it once not', () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(FIXTURES, '01_http_node_conn_close.pcap')));
    const cut = bytes.subarray(0, bytes.length - 30);
    const source = new GrowingBytes(bytes);
    source.size = cut.length;
    const builder = startCatalog(source, () => source, { growing: true });
    builder.resume(true);
    while (builder.step(10));
    assert.deepEqual(builder.catalog.summary.problems, [], 'nothing is wrong with a record still being written');
    const waiting = builder.catalog.summary.frames;
    // Not followed any more: the file is what it is, and says so as a whole file would.
    builder.resume(false);
    while (builder.step(10));
    const asFile = catalogCapture(new MemorySource(cut));
    assert.deepEqual(builder.catalog.summary.problems, asFile.summary.problems);
    assert.equal(asFile.summary.problems.length, 1);
    assert.equal(builder.catalog.summary.frames, waiting);
    // Followed again, and the rest arrives: the warning is taken back, the record read.
    source.size = bytes.length;
    builder.resume(true);
    while (builder.step(10));
    builder.end();
    assert.deepEqual(shown(builder.catalog), shown(catalogCapture(new MemorySource(bytes))));
  });

  it('damage ends reading for good, however much more comes', () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(FIXTURES, '01_http_node_conn_close.pcap')));
    const damaged = bytes.slice();
    // The third record's captured length: far past any limit.
    let at = 24;
    for (let i = 0; i < 2; i++) at += 16 + new DataView(damaged.buffer).getUint32(at + 8, true);
    new DataView(damaged.buffer).setUint32(at + 8, 0x7fffffff, true);
    const source = new GrowingBytes(damaged);
    source.size = damaged.length;
    const builder = startCatalog(source, () => source, { growing: true });
    builder.resume(true);
    while (builder.step(10));
    assert.equal(builder.catalog.summary.frames, 2);
    assert.equal(builder.catalog.summary.problems[0]?.severity, 'error');
    assert.equal(builder.resume(true), false);
    assert.equal(builder.step(10), false);
  });
});

describe("the editor's worker follows a file while it is written (issue 13)", function () {
  this.timeout(120000);
  let dir = '';
  before(() => {
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'indexWorker.js')), 'dist/indexWorker.js is built (node esbuild.js)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-follow-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function startWorker(): { worker: Worker; rpc: MessageHandler; notes: ProgressNote[] } {
    const worker = new Worker(path.join(ROOT, 'dist', 'indexWorker.js'));
    const rpc = new MessageHandler((m: RpcMessage) => worker.postMessage(m));
    const notes: ProgressNote[] = [];
    rpc.registerHandler('progress', (p) => void notes.push(p as ProgressNote));
    worker.on('message', (m: unknown) => rpc.handleMessage(m));
    return { worker, rpc, notes };
  }

  /** Asks until the answer is right; bounded by the test's timeout, never by a clock in the assertion. */
  async function until<T>(_waitingFor: string, probe: () => Promise<T | undefined | null | false>): Promise<T> {
    for (;;) {
      const v = await probe();
      if (v) return v;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Packets a file of these bytes holds whole. */
  const wholeRecords = (b: Uint8Array): number => catalogCapture(new MemorySource(b)).summary.frames;
  const query = { sort: 'stream' as const, dir: 1 as const, filter: '' };

  it('reads what lands, grows the table and the ladder, and ends as the whole file', async () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(FIXTURES, '02_http_keepalive_5req_client_close.pcapng')));
    const whole = catalogCapture(new MemorySource(bytes));
    const file = path.join(dir, 'growing.pcapng');
    // The header and a cut first record: a writer caught between two writes.
    let written = 300;
    fs.writeFileSync(file, bytes.subarray(0, written));
    const { worker, rpc, notes } = startWorker();
    try {
      const opened = await rpc.sendRequest<OpenResult>('open', { file, name: 'growing.pcapng', follow: true } satisfies OpenParams);
      assert.equal(opened.overview.following, true);
      assert.deepEqual(opened.overview.notes, [], 'a record still being written is not damage');
      const totals: number[] = [];
      while (written < bytes.length) {
        const from = written;
        written = Math.min(bytes.length, written + 700);
        fs.appendFileSync(file, bytes.subarray(from, written));
        rpc.notify('poke', null);
        const want = wholeRecords(bytes.subarray(0, written));
        await until('the packets written so far', async () => (await rpc.sendRequest<CaptureOverview>('overview', null)).packets === want);
        if ((await rpc.sendRequest<CaptureOverview>('overview', null)).connections > 0) {
          const l = await rpc.sendRequest<LadderResult>('ladder', { stream: 0, first: 0, count: 200, numbers: 'relative' } satisfies LadderParams);
          totals.push(l.ladder.total);
        }
      }
      assert.ok(totals.length > 3 && totals.every((t, i) => i === 0 || t >= totals[i - 1]!), `the ladder grew: ${totals.join(' ')}`);
      assert.ok(totals[0]! < totals[totals.length - 1]!, 'the open ladder got new rows');
      const grown = notes.filter((n) => n.grew !== undefined);
      assert.ok(grown.length > 3, `${grown.length} notes of growth`);
      assert.ok(grown.every((n) => n.overview?.following === true));
      // The writer is done: the last read, and the table is the whole file's.
      const end = await rpc.sendRequest<OpenResult>('endGrowing', null);
      assert.equal(end.overview.following, false);
      assert.equal(end.total, whole.conversations.length);
      const page = await rpc.sendRequest<RowsPage>('rows', { query, first: 0, count: 50, lang: 'en' } satisfies RowsParams);
      assert.deepEqual(page.rows, whole.conversations.map((_, s) => connectionRow(whole, s, 'en')));
      const l = await rpc.sendRequest<LadderResult>('ladder', { stream: 0, first: 0, count: 200, numbers: 'relative' } satisfies LadderParams);
      assert.deepEqual(l.ladder, buildLadder(whole.streamIndex(0), { stream: 0, first: 0, count: 200 }));
      assert.equal(notes[notes.length - 1]!.finished, whole.conversations.length, 'every connection of the fixture ended');
    } finally {
      await worker.terminate();
    }
  });

  it('"Follow" on a file opened whole: its cut end waits, new packets are read, and a file that shrinks stops it', async () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(FIXTURES, '01_http_node_conn_close.pcap')));
    const file = path.join(dir, 'cut.pcap');
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 20));
    const { worker, rpc, notes } = startWorker();
    try {
      const opened = await rpc.sendRequest<OpenResult>('open', { file, name: 'cut.pcap' } satisfies OpenParams);
      assert.equal(opened.overview.following, false);
      assert.match(opened.overview.notes.join('\n'), /cut short/, 'a file not followed says its end is cut');
      const state = await rpc.sendRequest<WatchState>('watch', { on: true } satisfies WatchParams);
      assert.deepEqual(state, { following: true, cannot: null });
      const overview = await rpc.sendRequest<CaptureOverview>('overview', null);
      assert.doesNotMatch(overview.notes.join('\n'), /cut short/, 'while followed, the last record is still being written');
      // No poke: the worker looks at the file's size by itself.
      fs.appendFileSync(file, bytes.subarray(bytes.length - 20));
      await until('the last packet', async () => (await rpc.sendRequest<CaptureOverview>('overview', null)).packets === wholeRecords(bytes));
      // Replaced by something shorter: what was read stays, and following stops, saying why.
      fs.writeFileSync(file, bytes.subarray(0, 100));
      const stopped = await until('following to stop', async () => notes.find((n) => n.cannot));
      assert.equal(stopped.cannot!.why, 'shorter');
      assert.equal(stopped.overview!.following, false);
      assert.deepEqual(await rpc.sendRequest<WatchState>('watch', { on: true } satisfies WatchParams), { following: false, cannot: stopped.cannot });
    } finally {
      await worker.terminate();
    }
  });

  it('a capture from bytes cannot be followed, and says so', async () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(FIXTURES, '01_http_node_conn_close.pcap')));
    const { worker, rpc } = startWorker();
    try {
      await rpc.sendRequest<OpenResult>('open', { bytes, name: 'x.pcap' } satisfies OpenParams);
      assert.deepEqual(await rpc.sendRequest<WatchState>('watch', { on: true } satisfies WatchParams), { following: false, cannot: { why: 'not-a-file', detail: '' } });
    } finally {
      await worker.terminate();
    }
  });
});
