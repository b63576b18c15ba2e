import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MessageHandler, RpcMessage } from '../../src/shared/rpc';
import type { OpenResult, ProgressNote, RowsParams } from '../../src/extension/indexWorker';
import type { RowsPage } from '../../src/shared/protocol';
import { ROOT } from '../helpers/paths';

/**
 * The editor's index worker (dist/indexWorker.js) as the extension drives it: it reads a
 * capture in steps and answers the table's page requests between them, so the first rows come
 * while the capture is still being read; once read, every connection is in the table.
 */

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
