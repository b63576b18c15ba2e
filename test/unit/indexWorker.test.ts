import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MessageHandler, RpcMessage } from '../../src/shared/rpc';
import type { AnatomyParams, FollowParams, LadderParams, LadderResult, OpenResult, PickParams, PickResult, ProgressNote, RowsParams, SentBytesParams } from '../../src/extension/indexWorker';
import { INDEX_WORKER_RESOURCE_LIMITS, type AnatomyView, type FollowItem, type FollowPage, type RowsPage } from '../../src/shared/protocol';
import { ROOT, fixture } from '../helpers/paths';
import { CaptureCatalog, catalogCapture } from '../../src/core/index/catalog';
import { MemorySource } from '../../src/core/capture/source';
import { collectStream } from '../../src/core/stream/follow';
import { streamApp } from '../../src/core/app/stream';
import { frameAppText } from '../../src/core/app/attribution';

/**
 * The editor's index worker (dist/indexWorker.js) as the extension drives it: it reads a
 * capture in steps and answers the table's page requests between them, so the first rows come
 * while the capture is still being read; once read, every connection is in the table.
 */

describe('the benchmarks run the index worker as the editor does', () => {
  it('with the resource limits the editor gives it', () => {
    for (const bench of ['editor-open.mjs', 'graphs.mjs']) {
      const text = fs.readFileSync(path.join(ROOT, 'bench', bench), 'utf8');
      const limits = /new Worker\([^;]*resourceLimits: (\{[^}]*\})/.exec(text);
      assert.ok(limits, `bench/${bench} gives the worker no resource limits`);
      const young = /maxYoungGenerationSizeMb: (\d+)/.exec(limits[1]!);
      assert.deepEqual({ maxYoungGenerationSizeMb: Number(young?.[1]) }, INDEX_WORKER_RESOURCE_LIMITS, `bench/${bench}`);
    }
  });
});

describe('the index worker answers pages while it reads (issue 10)', function () {
  this.timeout(180000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-worker-'));
  const file = path.join(dir, 'forty.pcap');
  let connections = 0;
  before(() => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bench', 'make-capture.mjs'), file, '--bytes', '40000000'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    connections = Number(/(\d+) connections/.exec(r.stdout)![1]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('first rows while indexing, then every connection, sorted and filtered in the worker', async () => {
    const worker = new Worker(path.join(ROOT, 'dist', 'indexWorker.js'));
    const rpc = new MessageHandler((m: RpcMessage) => worker.postMessage(m));
    worker.on('message', (m: unknown) => rpc.handleMessage(m));
    const query = { sort: 'stream' as const, dir: 1 as const, filter: '' };
    const ask = (q: RowsParams['query'], first = 0, count = 50): Promise<RowsPage> => rpc.sendRequest<RowsPage>('rows', { query: q, first, count, lang: 'en' } satisfies RowsParams);
    const asked: { early: Promise<RowsPage> | null } = { early: null };
    const fractions: number[] = [];
    rpc.registerHandler('progress', (p) => {
      const note = p as ProgressNote;
      fractions.push(note.fraction);
      // Asked at the first progress note, as the webview does: answered before reading ends.
      if (!asked.early && note.fraction < 1) asked.early = ask(query);
    });
    try {
      const opened = await rpc.sendRequest<OpenResult>('open', { file, name: 'forty.pcap' });
      assert.ok(asked.early, `no progress note before the end (${fractions.length} notes)`);
      const first = await asked.early;
      assert.equal(first.indexing, true, 'the first page was answered only after reading ended');
      assert.ok(first.rows.length > 0 && first.total < connections, `${first.rows.length} rows of ${first.total} while reading`);
      assert.equal(opened.total, connections);
      // Once read: every connection; the last one is reachable.
      const last = await ask(query, connections - 1, 10);
      assert.deepEqual([last.indexing, last.total, last.rows.map((r) => r.stream)], [false, connections, [connections - 1]]);
      const most = await ask({ sort: 'packets', dir: -1, filter: '' }, 0, 1);
      const least = await ask({ sort: 'packets', dir: -1, filter: '' }, connections - 1, 1);
      assert.ok(most.rows[0]!.packets >= least.rows[0]!.packets && most.rows[0]!.packets > 0, 'sorted by packets, most first');
      const filtered = await ask({ ...query, filter: `tcp.stream == ${connections - 1} || tcp.stream == 0` });
      assert.deepEqual(filtered.rows.map((r) => r.stream), [0, connections - 1]);
      const wrong = await ask({ ...query, filter: 'tcp.port == ' });
      assert.ok(wrong.error && wrong.error.offset === 12, JSON.stringify(wrong.error));
      console.log(`      ${connections} connections; first page at fraction ${fractions[0]!.toFixed(2)} with ${first.total} found so far`);
    } finally {
      await worker.terminate();
    }
  });
});

describe('a big capture: every connection listed by the quick count while the analysis reads (issue 10)', function () {
  this.timeout(300000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-quick-'));
  const file = path.join(dir, 'big.pcap');
  let connections = 0;
  before(() => {
    // Big enough that the analysis (about four times the count's work per byte) is still reading when the count is done.
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bench', 'make-capture.mjs'), file, '--bytes', '200000000'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    connections = Number(/(\d+) connections/.exec(r.stdout)![1]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists them all, sorts and filters them, and opens any ladder before the analysis gets there; all equal after', async () => {
    const worker = new Worker(path.join(ROOT, 'dist', 'indexWorker.js'), { resourceLimits: INDEX_WORKER_RESOURCE_LIMITS });
    const rpc = new MessageHandler((m: RpcMessage) => worker.postMessage(m));
    worker.on('message', (m: unknown) => rpc.handleMessage(m));
    const last = (): number => connections - 1;
    const asks = async () => {
      const rows = (query: RowsParams['query'], first: number, count: number) => rpc.sendRequest<RowsPage>('rows', { query, first, count, lang: 'en' } satisfies RowsParams);
      return {
        end: await rows({ sort: 'stream', dir: 1, filter: '' }, last() - 4, 10),
        busiest: await rows({ sort: 'packets', dir: -1, filter: '' }, 0, 5),
        byClient: await rows({ sort: 'client', dir: 1, filter: '' }, 0, 5),
        filtered: await rows({ sort: 'stream', dir: 1, filter: `tcp.stream == ${last()} || tcp.stream == 0 || tcp.port == 1` }, 0, 10),
        ladder: await rpc.sendRequest<LadderResult>('ladder', { stream: last(), first: 0, count: 40, numbers: 'relative' } satisfies LadderParams),
        pick: await rpc.sendRequest<PickResult>('pick', { lang: 'en', limit: 50 } satisfies PickParams),
      };
    };
    let early: Promise<Awaited<ReturnType<typeof asks>>> | null = null;
    let listedAt: number | null = null;
    rpc.registerHandler('progress', (p) => {
      const note = p as ProgressNote;
      if (note.listed && !early) {
        listedAt = note.fraction;
        assert.equal(note.connections, connections, 'every connection in the note that says they are listed');
        early = asks();
      }
    });
    try {
      await rpc.sendRequest<OpenResult>('open', { file, name: 'big.pcap' });
      assert.ok(early, 'the quick count never listed the connections before the analysis ended');
      const before = await (early as unknown as Promise<Awaited<ReturnType<typeof asks>>>);
      const after = await asks();
      assert.equal(before.end.indexing, true, 'answered only after the analysis ended');
      assert.equal(before.end.overview.listed, true);
      assert.equal(after.end.overview.listed, undefined);
      assert.equal(before.end.total, connections);
      const lastRow = before.end.rows.at(-1)!;
      assert.equal(lastRow.stream, last());
      assert.equal(lastRow.analysed, false, 'the last connection was analysed before the count came');
      // What a listed row shows is the analysed row's; the rest comes with the analysis.
      const listedFields = (r: RowsPage['rows'][number]) => [r.stream, r.client, r.server, r.packets, r.bytesToServer, r.bytesToClient, r.duration, r.start, r.irtt];
      assert.deepEqual(before.end.rows.map(listedFields), after.end.rows.map(listedFields));
      assert.ok(after.end.rows.every((r) => r.analysed && r.opened !== '' && r.outcome !== 'pending'));
      // Sorted and filtered by what the count knows: the same order as once analysed.
      for (const k of ['busiest', 'byClient', 'filtered'] as const) {
        assert.deepEqual(before[k].rows.map((r) => r.stream), after[k].rows.map((r) => r.stream), k);
        assert.equal(before[k].total, after[k].total, k);
      }
      assert.deepEqual(before.filtered.rows.map((r) => r.stream), [0, last()]);
      // The last connection's ladder, read alone from the span the count found, is the one the finished pass gives.
      assert.ok(before.ladder.ladder.rows.length > 0);
      assert.deepEqual(before.ladder, after.ladder);
      // The picker counts every connection listed and offers only analysed ones (with their words).
      assert.equal(before.pick.total, connections);
      assert.ok(before.pick.rows.length > 0 && before.pick.rows.every((r) => r.analysed && r.opened !== ''), JSON.stringify(before.pick.rows.slice(0, 2)));
      console.log(`      ${connections} connections listed at ${(100 * (listedAt ?? 0)).toFixed(0)}% of the analysis`);
    } finally {
      await worker.terminate();
    }
  });
});

describe('the index worker answers the inspector: what segments carried, Follow, layers and bytes (issue 9)', function () {
  this.timeout(120000);
  const file = fixture('21_http_keepalive_3req_200KB_chunked_mtu1500.pcapng');
  let worker: Worker;
  let rpc: MessageHandler;
  let catalog: CaptureCatalog;
  before(async () => {
    worker = new Worker(path.join(ROOT, 'dist', 'indexWorker.js'));
    rpc = new MessageHandler((m: RpcMessage) => worker.postMessage(m));
    worker.on('message', (m: unknown) => rpc.handleMessage(m));
    rpc.registerHandler('progress', () => undefined);
    await rpc.sendRequest<OpenResult>('open', { file, name: path.basename(file) });
    catalog = catalogCapture(new MemorySource(fs.readFileSync(file)));
  });
  after(() => worker.terminate());

  it("Follow's pages, read to the end, are the connection's bytes in order, each once; each chunk links to its ladder row", async () => {
    const expected = collectStream(catalog, 0);
    const items: FollowItem[] = [];
    for (let first = 0; ; ) {
      const page = await rpc.sendRequest<FollowPage>('follow', { stream: 0, first, count: 40 } satisfies FollowParams);
      assert.equal(page.first, first);
      items.push(...page.items);
      first += page.items.length;
      if (first >= page.total || page.items.length === 0) break;
    }
    const data = items.filter((i) => i.kind === 'data');
    assert.equal(data.length, expected.chunks.length);
    const ladder = await rpc.sendRequest<LadderResult>('ladder', { stream: 0, first: 0, count: 100000, numbers: 'relative' } satisfies LadderParams);
    data.forEach((it, k) => {
      const c = expected.chunks[k]!;
      assert.deepEqual([it.from, it.frame, it.seq], [c.from, c.frame, c.seq]);
      assert.ok(Buffer.from(it.data, 'base64').equals(Buffer.from(c.bytes)), `chunk ${k}: bytes`);
      assert.equal(ladder.ladder.rows[it.n]!.frame, it.frame, `chunk ${k}: its row`);
    });
    // Save the server's bytes: the same bytes, in the same order.
    const saved = await rpc.sendRequest<Uint8Array>('sentBytes', { stream: 0, from: 'server' } satisfies SentBytesParams);
    const server = Buffer.concat(expected.chunks.filter((c) => c.from === 'server').map((c) => Buffer.from(c.bytes)));
    assert.ok(Buffer.from(saved).equals(server), `${saved.length} bytes saved, ${server.length} sent`);
    assert.ok(server.length > 400000, 'three bodies of 200 kB');
  });

  it("the ladder's pages say what each segment carried, as a view of the connection alone finds it", async () => {
    const ladder = await rpc.sendRequest<LadderResult>('ladder', { stream: 0, first: 0, count: 100000, numbers: 'relative' } satisfies LadderParams);
    const expected = streamApp(catalog, 0);
    assert.deepEqual(
      (ladder.carried ?? []).map((c) => [c.frame, frameAppText(c)]),
      ladder.ladder.rows.filter((r) => expected.frames.has(r.frame)).map((r) => [r.frame, frameAppText(expected.frames.get(r.frame)!)]),
    );
    const starts = (ladder.carried ?? []).flatMap((c) => c.starts).filter((m) => m.protocol === 'http');
    assert.deepEqual(starts.map((m) => m.type), ['request', 'response', 'request', 'response', 'request', 'response']);
  });

  it("a segment's anatomy is its frame's, with the connection's relative numbers", async () => {
    const ladder = await rpc.sendRequest<LadderResult>('ladder', { stream: 0, first: 0, count: 10, numbers: 'relative' } satisfies LadderParams);
    for (const row of ladder.ladder.rows) {
      const a = await rpc.sendRequest<AnatomyView>('anatomy', { stream: 0, n: row.n, lang: 'en' } satisfies AnatomyParams);
      assert.equal(a.frame, row.frame);
      const tcp = a.layers.find((l) => l.name === 'tcp')!;
      const seq = tcp.fields.find((f) => f.name === 'tcp.seq')!;
      assert.equal(seq.value, String(row.seq), `frame ${row.frame}: tcp.seq is relative`);
      assert.equal(Buffer.from(a.bytes, 'base64').length, a.capLen);
    }
    await assert.rejects(rpc.sendRequest('anatomy', { stream: 0, n: 1e6, lang: 'en' }), /no segment/);
  });
});
