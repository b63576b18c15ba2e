import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemorySource } from '../../src/core/capture/source';
import { CaptureFormatError } from '../../src/core/capture/types';
import { CaptureCatalog, catalogCapture, locateStreams } from '../../src/core/index/catalog';
import { conversationRecord, packetRecord } from '../../src/core/report';
import { scanSegmentsTwice } from '../../src/core/scan';
import { FIXTURES, SHARED, listCaptures, sharedAvailable } from '../helpers/paths';
import { streamSegments } from '../helpers/streamSegments';

/**
 * The command line's views of one connection (follow, explain, graph, packet) find it with the
 * conversation table's pass and analyse it alone (locateStreams). Proof that they see what the
 * whole analysed catalog sees: on every fixture and shared capture, for every connection, the
 * same conversation, scenario, analysis bits and, segment by segment, the same analysis.
 */

function compare(file: string): number {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const open = () => new MemorySource(bytes);
  let full: CaptureCatalog;
  try {
    full = catalogCapture(open(), open);
  } catch (e) {
    if (e instanceof CaptureFormatError) {
      assert.throws(() => locateStreams(open(), open, [0]), CaptureFormatError);
      return 0;
    }
    throw e;
  }
  const where = path.basename(file);
  const n = full.conversations.length;
  const wanted = (k: number) => [k];
  for (let s = 0; s < n; s++) {
    const located = locateStreams(open(), open, wanted(s));
    assert.equal(located.conversations.length, n, `${where}: connections`);
    if (s === 0) {
      for (const k of ['frames', 'tcpFrames', 'firstSec', 'firstNsec', 'lastSec', 'lastNsec', 'linkTypes', 'skipped', 'damaged', 'problems'] as const) {
        assert.deepEqual(located.summary[k], full.summary[k], `${where}: ${k}`);
      }
    }
    const conv = located.conversations[s];
    assert.ok(conv, `${where}: stream ${s} located`);
    const sum = full.summary;
    assert.deepEqual(conversationRecord(conv, sum.firstSec, sum.firstNsec), conversationRecord(full.conversations[s]!, sum.firstSec, sum.firstNsec), `${where}: stream ${s}`);
    assert.equal(conv.startedByReuse, full.conversations[s]!.startedByReuse, `${where}: stream ${s} began by reusing ports`);
    assert.deepEqual(located.scenario(s), full.scenario(s), `${where}: stream ${s} scenario`);
    assert.equal(located.analysisOf(s), full.analysisOf(s), `${where}: stream ${s} analysis bits`);
    assert.deepEqual(streamSegments(located, s), streamSegments(full, s), `${where}: stream ${s} segments`);
    // Only the connection asked for is there.
    if (n > 1) assert.equal(located.conversations[(s + 1) % n], undefined);
  }
  if (n > 2) {
    // Several at once, as a filter would ask.
    const some = [n - 1, 0, Math.floor(n / 2)];
    const located = locateStreams(open(), open, some);
    for (const s of some) assert.deepEqual(streamSegments(located, s), streamSegments(full, s), `${where}: stream ${s} among ${some.join(', ')}`);
  }
  // A stream past the last is not there, and nothing breaks.
  assert.equal(locateStreams(open(), open, [n, -1, 1.5]).conversations.filter(Boolean).length, 0);
  return n;
}

/** Several connections read twice in file order (packets -Y) against the whole capture read twice. */
function compareTwice(file: string): number {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const open = () => new MemorySource(bytes);
  const whole: string[] = [];
  try {
    scanSegmentsTwice(open, (rec, f, seg, flow, peer) => whole.push(`${seg.conversation.stream} ${JSON.stringify(packetRecord(rec, f, seg, flow, peer))}`));
  } catch (e) {
    if (e instanceof CaptureFormatError) return 0;
    throw e;
  }
  const n = new Set(whole.map((l) => l.slice(0, l.indexOf(' ')))).size;
  // Every other connection, and the last: connections read together, not each alone.
  const wanted = new Set<number>([n - 1]);
  for (let s = 0; s < n; s += 2) wanted.add(s);
  const located = locateStreams(open(), open, wanted);
  const seen: string[] = [];
  located.readLocatedTwice((rec, f, seg, flow, peer) => seen.push(`${seg.conversation.stream} ${JSON.stringify(packetRecord(rec, f, seg, flow, peer))}`));
  assert.deepEqual(seen, whole.filter((l) => wanted.has(Number(l.slice(0, l.indexOf(' '))))), path.basename(file));
  return seen.length;
}

function compareAll(files: string[], what: string): void {
  let streams = 0;
  for (const f of files) streams += compare(f);
  console.log(`      ${files.length} ${what}: ${streams} connections located alone, all equal`);
}

describe('one connection found by the conversation table and analysed alone (issue 10)', function () {
  this.timeout(600000);

  it('is the whole pass’s connection, on every fixture', () => {
    const files = listCaptures(FIXTURES);
    assert.ok(files.length > 20);
    compareAll(files, 'fixtures');
  });

  it('several read together, twice, in file order, are what the whole capture read twice gives them', () => {
    let n = 0;
    for (const f of listCaptures(FIXTURES)) n += compareTwice(f);
    console.log(`      ${n} segments of the fixtures' connections read together, all equal`);
    if (sharedAvailable()) for (const f of listCaptures(SHARED)) compareTwice(f);
    assert.ok(n > 5000);
  });

  it('and on every shared capture: ours, public and malformed', function () {
    if (!sharedAvailable()) {
      console.log(`      ../shared is absent (${SHARED}): the shared captures were not compared`);
      this.skip();
    }
    compareAll(listCaptures(SHARED), 'shared captures');
  });
});
