import * as assert from 'node:assert/strict';
import { FLOW_ROW_BYTES, FlowRows, HalfFlow, WSCALE_NONE, WSCALE_UNKNOWN } from '../../src/core/tcp/analysis';

/**
 * A direction's state lives in a row of FlowRows, read through HalfFlow's accessors. The
 * parity tests prove the analysis unchanged on every capture; these hold the storage itself:
 * every field keeps what it is given over its whole range, rows never overlap, and a flow
 * starts with the values the analysis expects.
 */
const NUMBER_FIELDS = [
  'baseSeq', 'winScale', 'window', 'nextSeq', 'nextSeqSec', 'nextSeqNsec', 'maxSeqToBeAcked', 'lastAck',
  'lastAckSec', 'lastAckNsec', 'dupAckNum', 'lastNonDupAck', 'lastSegmentFlags', 'unackedHead', 'unackedCount',
  'unackedLow', 'unackedHigh', 'unackedBase', 'sackedBytes', 'packets', 'bytes', 'payloadBytes', 'synCount',
  'finCount', 'rstCount', 'firstFinFrame', 'firstRstFrame', 'retransmissions', 'zeroWindows', 'duplicateAcks',
  'lostSegments', 'mss',
] as const;
const BOOLEAN_FIELDS = [
  'baseSeqSet', 'sawSyn', 'sawSynAck', 'isFirstAck', 'closingInitiator', 'validBif', 'sackPermitted', 'timestamps',
] as const;
/** Fields that hold more than 32-bit words: times (a damaged record's too), byte counts, frames, and the negative states. */
const WIDE = new Set(['nextSeqSec', 'nextSeqNsec', 'lastAckSec', 'lastAckNsec', 'bytes', 'payloadBytes', 'firstFinFrame', 'firstRstFrame', 'lastNonDupAck', 'dupAckNum', 'winScale']);

type Flow = Record<string, number | boolean>;

describe('flow rows (a HalfFlow is a view of its row)', () => {
  it('a new flow starts as the analysis expects', () => {
    const f = new HalfFlow() as unknown as Flow;
    for (const k of NUMBER_FIELDS) {
      const want = k === 'window' ? 0xffffffff : k === 'winScale' ? WSCALE_UNKNOWN : 0;
      assert.equal(f[k], want, k);
    }
    for (const k of BOOLEAN_FIELDS) assert.equal(f[k], k === 'validBif', k);
    assert.equal(new HalfFlow().unacked, null);
  });

  it('every field keeps every value of its range, in rows that never overlap, across chunks', () => {
    const rows = new FlowRows();
    const flows: Flow[] = [];
    // Enough flows for several chunks, each written with values that differ per flow and per field.
    for (let i = 0; i < 9000; i++) flows.push(new HalfFlow(rows) as unknown as Flow);
    const value = (i: number, j: number, k: string): number => {
      if (k === 'winScale') return [WSCALE_UNKNOWN, WSCALE_NONE, 0, 14][(i + j) % 4]!;
      if (k === 'dupAckNum') return [-1, 0, 7, 2 ** 33][(i + j) % 4]!;
      if (WIDE.has(k)) return [2 ** 40 + i * 31 + j, -(i + 1), 0.5 + i, 1e9 - 1][(i + j) % 4]!;
      return [0xffffffff - i - j, 0, 0x80000000 + i, i * 1000 + j][(i + j) % 4]!;
    };
    flows.forEach((f, i) => {
      NUMBER_FIELDS.forEach((k, j) => (f[k] = value(i, j, k)));
      BOOLEAN_FIELDS.forEach((k, j) => (f[k] = (i >> j) % 2 === 1));
    });
    flows.forEach((f, i) => {
      NUMBER_FIELDS.forEach((k, j) => assert.equal(f[k], value(i, j, k), `flow ${i} ${k}`));
      BOOLEAN_FIELDS.forEach((k, j) => assert.equal(f[k], (i >> j) % 2 === 1, `flow ${i} ${k}`));
    });
    assert.equal(rows.count, 9000);
    assert.ok(rows.bytes >= 9000 * FLOW_ROW_BYTES && rows.bytes < 2 * 9000 * FLOW_ROW_BYTES, `${rows.bytes} bytes`);
  });

  it('counters count through the accessors', () => {
    const f = new HalfFlow();
    for (let i = 0; i < 70000; i++) f.packets++;
    f.bytes += 2 ** 40;
    f.bytes += 3;
    assert.equal(f.packets, 70000);
    assert.equal(f.bytes, 2 ** 40 + 3);
  });
});
