import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { MemorySource } from '../../src/core/capture/source';
import { indexCapture } from '../../src/core/index/captureIndex';
import { scanPacketRecords } from '../../src/core/scan';
import { analysisFlagNames } from '../../src/core/tcp/analysis';
import { buildLadder } from '../../src/core/tcp/ladder';
import { FIXTURES, fixture } from '../helpers/paths';

function indexOf(name: string) {
  const bytes = fs.readFileSync(fixture(name));
  return indexCapture(() => new MemorySource(bytes));
}

describe('ladder rows', () => {
  it('the tutorial: labels as Wireshark writes them, phases, and states', () => {
    const ladder = buildLadder(indexOf('01_http_node_conn_close.pcapng'), { stream: 0 });
    assert.deepEqual(ladder.client, { address: '127.0.0.1', port: 53416 });
    assert.deepEqual(ladder.server, { address: '127.0.0.1', port: 4000 });
    assert.equal(ladder.total, 10);
    assert.deepEqual(
      ladder.rows.map((r) => `${r.toServer ? '→' : '←'} ${r.label} | ${r.phase} | ${r.client.state}/${r.server.state}`),
      [
        '→ [SYN] Seq=0 Win=65495 Len=0 MSS=65495 SACK_PERM WS=1024 | handshake | SYN_SENT/SYN_RECEIVED',
        '← [SYN, ACK] Seq=0 Ack=1 Win=65483 Len=0 MSS=65495 SACK_PERM WS=1024 | handshake | ESTABLISHED/SYN_RECEIVED',
        '→ [ACK] Seq=1 Ack=1 Win=65536 Len=0 | handshake | ESTABLISHED/ESTABLISHED',
        '→ [PSH, ACK] Seq=1 Ack=1 Win=65536 Len=78 | data | ESTABLISHED/ESTABLISHED',
        '← [ACK] Seq=1 Ack=79 Win=65536 Len=0 | data | ESTABLISHED/ESTABLISHED',
        '← [PSH, ACK] Seq=1 Ack=79 Win=65536 Len=134 | data | ESTABLISHED/ESTABLISHED',
        '→ [ACK] Seq=79 Ack=135 Win=65536 Len=0 | data | ESTABLISHED/ESTABLISHED',
        '← [FIN, ACK] Seq=135 Ack=79 Win=65536 Len=0 | teardown | CLOSE_WAIT/FIN_WAIT_1',
        '→ [FIN, ACK] Seq=79 Ack=136 Win=65536 Len=0 | teardown | LAST_ACK/TIME_WAIT',
        '← [ACK] Seq=136 Ack=80 Win=65536 Len=0 | teardown | CLOSED/TIME_WAIT',
      ],
    );
  });

  it('absolute numbers on request, and pages', () => {
    const index = indexOf('01_http_node_conn_close.pcapng');
    const page = buildLadder(index, { stream: 0, first: 1, count: 2, numbers: 'absolute' });
    assert.equal(page.first, 1);
    assert.deepEqual(
      page.rows.map((r) => [r.frame, r.seq, r.ack]),
      [
        [2, 1463006226, 3372679851],
        [3, 3372679851, 1463006227],
      ],
    );
  });

  it('half-close: the server data after the client FIN stays data', () => {
    const ladder = buildLadder(indexOf('05_half_close_client_shut_wr.pcap'), { stream: 0 });
    const finRow = ladder.rows.findIndex((r) => r.flags.includes('FIN'));
    const after = ladder.rows.slice(finRow + 1).filter((r) => r.len > 0);
    assert.ok(after.length > 5);
    assert.ok(after.every((r) => r.phase === 'data' && !r.toServer));
  });

  it('analysis events ride on their rows', () => {
    const ladder = buildLadder(indexOf('07_loss10pct_600KB_client_side.pcap'), { stream: 0 });
    assert.ok(ladder.rows.some((r) => r.analysis.includes('retransmission')));
    assert.ok(ladder.rows.some((r) => r.analysis.includes('duplicate_ack')));
  });

  it('an unknown stream is a clear error', () => {
    assert.throws(() => buildLadder(indexOf('01_http_node_conn_close.pcapng'), { stream: 7 }), /no TCP stream 7/);
  });
});

describe('the index', () => {
  it('holds for every segment of every fixture exactly what the packet records say (the parity-checked path)', () => {
    let segments = 0;
    for (const name of fs.readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng)$/.test(f))) {
      const bytes = fs.readFileSync(fixture(name));
      const open = (): MemorySource => new MemorySource(bytes);
      const index = indexCapture(open);
      let i = 0;
      scanPacketRecords(open, (p) => {
        const where = `${name} frame ${p.frame}`;
        assert.deepEqual(
          [index.frame[i], index.stream[i], index.seq[i], index.seqRaw[i], index.ack[i], index.ackRaw[i], index.len[i], index.win[i], index.winScale[i], index.dupAck[i], index.truncated[i]],
          [p.frame, p.stream, p.seq, p.seq_raw, p.ack, p.ack_raw, p.len, p.win, p.win_scale ?? 0, p.dup_ack ?? 0, p.truncated ? 1 : 0],
          where,
        );
        assert.deepEqual(analysisFlagNames(index.analysis[i]!, index.dupAck[i]!), p.analysis, where);
        i++;
      });
      assert.equal(i, index.count, name);
      segments += i;
    }
    assert.ok(segments > 5000, `${segments} segments`);
  });
});
