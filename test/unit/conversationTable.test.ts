import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemorySource } from '../../src/core/capture/source';
import { CaptureFormatError } from '../../src/core/capture/types';
import { conversationRecord, tableConversationRecord } from '../../src/core/report';
import { scanCapture, scanConversations } from '../../src/core/scan';
import { FIXTURES, SHARED, listCaptures, sharedAvailable } from '../helpers/paths';

/**
 * `conversations` counts connections in a table of columns, without the sequence analysis.
 * Proof that it lists what the analysis finds: on every fixture and every shared capture
 * (ours, public and malformed), the same streams with the same records, and the same summary.
 */
function compare(file: string): number {
  const bytes = new Uint8Array(fs.readFileSync(file));
  let full;
  try {
    full = scanCapture(new MemorySource(bytes));
  } catch (e) {
    if (e instanceof CaptureFormatError) {
      assert.throws(() => scanConversations(new MemorySource(bytes)), CaptureFormatError);
      return 0;
    }
    throw e;
  }
  const { summary, table } = scanConversations(new MemorySource(bytes));
  const where = path.basename(file);
  const convs = full.analyzer.conversations;
  assert.equal(table.count, convs.length, `${where}: connections`);
  for (const k of ['frames', 'tcpFrames', 'firstSec', 'firstNsec', 'lastSec', 'lastNsec', 'linkTypes', 'skipped', 'damaged', 'problems'] as const) {
    assert.deepEqual(summary[k], full[k], `${where}: ${k}`);
  }
  for (const c of convs) {
    assert.deepEqual(
      tableConversationRecord(table, c.stream, summary.firstSec, summary.firstNsec),
      conversationRecord(c, full.firstSec, full.firstNsec),
      `${where}: stream ${c.stream}`,
    );
  }
  return convs.length;
}

function compareAll(files: string[], what: string): void {
  let streams = 0;
  for (const f of files) streams += compare(f);
  console.log(`      ${files.length} ${what}: ${streams} connections, all equal`);
}

describe('the conversation table without the sequence analysis (issue 10)', function () {
  this.timeout(600000);

  it('lists every connection of every fixture as the analysis does', () => {
    const files = listCaptures(FIXTURES);
    assert.ok(files.length > 20);
    compareAll(files, 'fixtures');
  });

  it('and of every shared capture: ours, public and malformed', function () {
    if (!sharedAvailable()) {
      console.log(`      ../shared is absent (${SHARED}): the shared captures were not compared`);
      this.skip();
    }
    compareAll(listCaptures(SHARED), 'shared captures');
  });

  it('finds a connection that reuses its ports as a new stream, from the new SYN on', () => {
    const files = listCaptures(FIXTURES).filter((f) => /port_reuse/.test(f));
    assert.ok(files.length > 0, 'a port-reuse fixture');
    for (const f of files) {
      const { table } = scanConversations(new MemorySource(new Uint8Array(fs.readFileSync(f))));
      const ends = new Set<string>();
      let reused = 0;
      for (let c = 0; c < table.count; c++) {
        const key = [table.address(c, 0), table.port(c, 0), table.address(c, 1), table.port(c, 1)].join(' ');
        if (ends.has(key)) reused++;
        ends.add(key);
      }
      assert.ok(reused > 0, `${path.basename(f)}: no 4-tuple came back as a new stream`);
    }
  });
});
