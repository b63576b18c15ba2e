import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemorySource } from '../../src/core/capture/source';
import { CaptureFormatError } from '../../src/core/capture/types';
import { explainConnection } from '../../src/core/explain/connection';
import { classify } from '../../src/core/explain/scenario';
import { CaptureIndex, indexCapture } from '../../src/core/index/captureIndex';
import { LOCATION_BYTES, SegmentLocations, catalogCapture } from '../../src/core/index/catalog';
import { buildLadder } from '../../src/core/tcp/ladder';
import { FIXTURES, SHARED, listCaptures, sharedAvailable } from '../helpers/paths';

/**
 * The catalog reads a capture once and keeps 12 bytes per segment; a view of one connection
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
  // Exactly 12 bytes a segment once the capture is read (distance into the file, frame and
  // stream) and a base per chunk, nothing more.
  assert.equal(catalog.locations.bytes, LOCATION_BYTES * full.count + 8 * catalog.locations.chunks, `${catalog.locations.bytes} bytes for ${full.count} segments`);
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

describe('segment locations: 12 bytes a segment, whatever the file size', () => {
  it('keeps offsets past 4 GiB exactly: a chunk whose span would pass 4 GiB ends, and a backward offset starts a chunk too', () => {
    const loc = new SegmentLocations();
    const G4 = 2 ** 32;
    // Offsets as a capture of rare TCP segments between huge frames, or past 4 GiB, would give.
    const pushed: Array<[number, number, number]> = [
      [24, 1, 0],
      [1500, 2, 1],
      [G4 - 1 + 24, 3, 0], // exactly 4 GiB - 1 from the chunk's first: still fits
      [G4 + 24, 4, 1], // one byte more: a new chunk
      [3 * G4 + 7, 9, 0],
      [3 * G4 + 9000, 10, 2],
      [2 ** 52, 11, 2], // a file far beyond any disk: the base is a double, the distance 0
      [2 ** 52 + 123_456, 12, 0],
      [100, 13, 1], // backwards (never from a reader, but never wrong either)
    ];
    for (const [o, f, st] of pushed) loc.push(o, f, st);
    const seen: Array<[number, number, number]> = [];
    loc.forEach((o, f, st) => seen.push([o, f, st]));
    assert.deepEqual(seen, pushed);
    for (const st of [0, 1, 2]) {
      const mine = pushed.filter((p) => p[2] === st);
      assert.deepEqual(loc.ofStream(st), { offsets: mine.map((p) => p[0]), frames: mine.map((p) => p[1]) }, `stream ${st}`);
    }
    // Between its first and last segment only (ordinals 2 to 6).
    assert.deepEqual(loc.ofStream(0, 2, 6), { offsets: [G4 - 1 + 24, 3 * G4 + 7], frames: [3, 9] });
    assert.equal(loc.count, pushed.length);
    // Cut-short chunks gave back what they did not use.
    loc.trim();
    assert.equal(loc.bytes, LOCATION_BYTES * pushed.length + 8 * loc.chunks);
    assert.equal(loc.chunks, 5);
  });

  it('a million segments in a file past 4 GiB: every offset back as it went in', () => {
    const loc = new SegmentLocations();
    const n = 1_500_000;
    // About 6 kB a record: the file passes 4 GiB around segment 700,000, inside a chunk.
    const offsetOf = (i: number): number => 24 + i * 6151 + (i % 7);
    for (let i = 0; i < n; i++) loc.push(offsetOf(i), i + 1, i % 1000);
    loc.trim();
    let i = 0;
    let wrong = 0;
    loc.forEach((o, f, st) => {
      if (o !== offsetOf(i) || f !== i + 1 || st !== i % 1000) wrong++;
      i++;
    });
    assert.equal(i, n);
    assert.equal(wrong, 0);
    const s = loc.ofStream(999);
    assert.equal(s.offsets.length, n / 1000);
    assert.equal(s.offsets.at(-1), offsetOf(n - 1));
    assert.equal(loc.bytes, LOCATION_BYTES * n + 8 * loc.chunks);
  });
});
