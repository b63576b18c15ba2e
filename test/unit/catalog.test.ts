import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemorySource } from '../../src/core/capture/source';
import { CaptureFormatError } from '../../src/core/capture/types';
import { explainConnection } from '../../src/core/explain/connection';
import { classify } from '../../src/core/explain/scenario';
import { CaptureIndex, indexCapture } from '../../src/core/index/captureIndex';
import { catalogCapture } from '../../src/core/index/catalog';
import { buildLadder } from '../../src/core/tcp/ladder';
import { FIXTURES, SHARED, listCaptures, sharedAvailable } from '../helpers/paths';

/**
 * The catalog reads a capture once and keeps 16 bytes per segment; a view of one connection
 * reads its segments again and analyses them alone. Proof that nothing is lost: for every
 * stream of every fixture and public capture, the connection indexed alone equals the whole
 * capture's index of it, column by column, and so do its scenario, ladder and explanation.
 */

const COLUMNS = ['frame', 'offset', 'tsSec', 'tsNsec', 'flags', 'toServer', 'seq', 'seqRaw', 'ack', 'ackRaw', 'len', 'win', 'winScale', 'analysis', 'dupAck', 'truncated'] as const;

function segmentRows(ix: CaptureIndex, stream: number): Array<Record<string, unknown>> {
  return [...ix.segmentsOf(stream)].map((i) => {
    const row: Record<string, unknown> = {};
    for (const c of COLUMNS) row[c] = ix[c][i];
    row.options = ix.synOptions.get(i)?.text ?? null;
    return row;
  });
}

function compare(file: string): { streams: number; segments: number } {
  const bytes = new Uint8Array(fs.readFileSync(file));
  let full: CaptureIndex;
  try {
    full = indexCapture(() => new MemorySource(bytes));
  } catch (e) {
    if (e instanceof CaptureFormatError) return { streams: 0, segments: 0 };
    throw e;
  }
  const catalog = catalogCapture(new MemorySource(bytes));
  const convs = full.summary.analyzer.conversations;
  assert.equal(catalog.conversations.length, convs.length, 'conversations');
  assert.equal(catalog.locations.count, full.count, 'segments');
  // Exactly 16 bytes a segment once the capture is read: offset, frame and stream, nothing more.
  assert.equal(catalog.locations.bytes, 16 * full.count, `${catalog.locations.bytes} bytes for ${full.count} segments`);
  let segments = 0;
  for (const conv of convs) {
    const s = conv.stream;
    const alone = catalog.streamIndex(s);
    const where = `${path.basename(file)} stream ${s}`;
    assert.deepEqual(segmentRows(alone, s), segmentRows(full, s), `${where}: segments`);
    const convAlone = alone.summary.analyzer.conversationOf(s)!;
    for (const k of ['completeness', 'firstSegmentBits', 'firstRttNs', 'synSender', 'clientIsA', 'displayedCompleteness'] as const) {
      assert.deepEqual(convAlone[k], conv[k], `${where}: ${k}`);
    }
    assert.deepEqual(catalog.scenario(s), classify(full, s), `${where}: scenario`);
    assert.deepEqual(buildLadder(alone, { stream: s }), buildLadder(full, { stream: s }), `${where}: ladder`);
    assert.deepEqual(explainConnection(alone, s), explainConnection(full, s), `${where}: explanation`);
    segments += full.segmentsOf(s).length;
  }
  return { streams: convs.length, segments };
}

describe('catalogue once, read one connection again (issue 10)', function () {
  this.timeout(600000);

  it('every stream of every fixture equals the whole-capture index', () => {
    let streams = 0;
    let segments = 0;
    const files = listCaptures(FIXTURES);
    assert.ok(files.length > 20);
    for (const f of files) {
      const r = compare(f);
      streams += r.streams;
      segments += r.segments;
    }
    console.log(`      ${files.length} fixtures: ${streams} streams, ${segments} segments, all equal`);
  });

  it('every stream of every public capture equals the whole-capture index', function () {
    if (!sharedAvailable()) {
      console.log(`      ../shared is absent (${SHARED}): the public captures were not compared`);
      this.skip();
    }
    let streams = 0;
    let segments = 0;
    const files = listCaptures(path.join(SHARED, 'public'));
    for (const f of files) {
      const r = compare(f);
      streams += r.streams;
      segments += r.segments;
    }
    console.log(`      ${files.length} public captures: ${streams} streams, ${segments} segments, all equal`);
  });
});
