import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openCapture } from '../../src/core/capture/open';
import { MemorySource } from '../../src/core/capture/source';
import { formatEpoch } from '../../src/core/report';
import { FIXTURES, SHARED, listCaptures, sharedAvailable } from '../helpers/paths';
import { tsharkAvailable, tsharkFrames } from '../helpers/tshark';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pcapParser = require('pcap-parser') as {
  parse(input: string): NodeJS.EventEmitter;
};

interface Framed {
  frame: number;
  tsSec: number;
  tsNsec: number;
  capLen: number;
  origLen: number;
  interfaceId: number;
  hasTimestamp: boolean;
  data: Buffer;
}

function ourFrames(file: string): { frames: Framed[]; problems: string[] } {
  const reader = openCapture(new MemorySource(fs.readFileSync(file)));
  const frames: Framed[] = [];
  for (let r = reader.next(); r; r = reader.next()) {
    frames.push({
      frame: r.frame,
      tsSec: r.tsSec,
      tsNsec: r.tsNsec,
      capLen: r.capLen,
      origLen: r.origLen,
      interfaceId: r.interfaceId,
      hasTimestamp: r.hasTimestamp,
      data: Buffer.from(r.data),
    });
  }
  return { frames, problems: reader.problems.map((p) => p.message) };
}

interface ParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}

function pcapParserFrames(file: string): Promise<ParserPacket[]> {
  return new Promise((resolve, reject) => {
    const packets: ParserPacket[] = [];
    const parser = pcapParser.parse(file);
    parser.on('packet', (p: ParserPacket) => packets.push(p));
    parser.on('error', reject);
    parser.on('end', () => resolve(packets));
  });
}

/** Classic µs pcap files, the only kind pcap-parser reads. */
function isMicrosecondPcap(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  const b = Buffer.alloc(4);
  fs.readSync(fd, b, 0, 4, 0);
  fs.closeSync(fd);
  const m = b.toString('hex');
  return m === 'a1b2c3d4' || m === 'd4c3b2a1';
}

function captureSets(): Array<{ title: string; files: string[] }> {
  const sets = [{ title: 'fixtures', files: listCaptures(FIXTURES) }];
  if (sharedAvailable()) sets.push({ title: '../shared/captures/public', files: listCaptures(path.join(SHARED, 'public')) });
  return sets;
}

describe('record framing', function () {
  if (!sharedAvailable()) {
    it('public captures need ../shared beside the checkout (absent here: those cases did not run)', function () {
      this.skip();
    });
  }

  describe('equals pcap-parser (an independent reader) on every classic microsecond pcap', function () {
    for (const set of captureSets()) {
      for (const file of set.files.filter(isMicrosecondPcap)) {
        it(`${set.title}: ${path.basename(file)}`, async function () {
          const ours = ourFrames(file).frames;
          const theirs = await pcapParserFrames(file);
          assert.equal(ours.length, theirs.length, 'record count');
          for (let i = 0; i < ours.length; i++) {
            const o = ours[i]!;
            const t = theirs[i]!;
            const at = `record ${i + 1}`;
            assert.equal(o.tsSec, t.header.timestampSeconds, `${at}: seconds`);
            assert.equal(o.tsNsec, t.header.timestampMicroseconds * 1000, `${at}: fraction`);
            assert.equal(o.capLen, t.header.capturedLength, `${at}: captured length`);
            assert.equal(o.origLen, t.header.originalLength, `${at}: original length`);
            assert.ok(o.data.equals(t.data), `${at}: bytes differ`);
          }
        });
      }
    }
  });

  describe('equals tshark on every capture (frame count, time, lengths, interface)', function () {
    before(function () {
      if (!tsharkAvailable()) throw new Error('tshark is not installed: run `apt-get install -y tshark`');
    });
    for (const set of captureSets()) {
      for (const file of set.files) {
        it(`${set.title}: ${path.relative(set.title === 'fixtures' ? FIXTURES : SHARED, file)}`, function () {
          this.timeout(60000);
          const ours = ourFrames(file);
          const theirs = tsharkFrames(file);
          const diffs: string[] = [];
          if (ours.frames.length !== theirs.frames.length) {
            diffs.push(`${ours.frames.length} frames, tshark reads ${theirs.frames.length} (ours: ${ours.problems.join('; ')}; tshark: ${theirs.stderr.trim()})`);
          }
          const n = Math.min(ours.frames.length, theirs.frames.length);
          for (let i = 0; i < n && diffs.length < 10; i++) {
            const o = ours.frames[i]!;
            const t = theirs.frames[i]!;
            const time = o.hasTimestamp ? formatEpoch(o.tsSec, o.tsNsec) : '';
            if (o.frame !== t.frame) diffs.push(`record ${i + 1}: frame number ${o.frame} vs ${t.frame}`);
            if (time !== t.time) diffs.push(`frame ${t.frame}: time ${time} vs ${t.time}`);
            if (o.origLen !== t.len) diffs.push(`frame ${t.frame}: length ${o.origLen} vs ${t.len}`);
            if (o.capLen !== t.capLen) diffs.push(`frame ${t.frame}: captured length ${o.capLen} vs ${t.capLen}`);
            if (o.interfaceId >= 0 && o.interfaceId !== t.interfaceId) diffs.push(`frame ${t.frame}: interface ${o.interfaceId} vs ${t.interfaceId}`);
          }
          assert.deepEqual(diffs, []);
        });
      }
    }
  });
});
