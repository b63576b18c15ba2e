import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openCapture } from '../../src/core/capture/open';
import { MemorySource } from '../../src/core/capture/source';
import { CaptureRecord } from '../../src/core/capture/types';
import { formatEpoch } from '../../src/core/report';
import { PcapngBlocks } from '../helpers/pcapngBlocks';
import { tsharkAvailable, tsharkFrames } from '../helpers/tshark';

function records(bytes: Buffer): Array<Pick<CaptureRecord, 'frame' | 'linkType' | 'interfaceId' | 'section'> & { time: string }> {
  const reader = openCapture(new MemorySource(bytes));
  const out = [];
  for (let r = reader.next(); r; r = reader.next()) {
    out.push({ frame: r.frame, time: formatEpoch(r.tsSec, r.tsNsec), linkType: r.linkType, interfaceId: r.interfaceId, section: r.section });
  }
  assert.deepEqual(reader.problems, []);
  return out;
}

describe('pcapng details', () => {
  const frame = Buffer.from('45000014000000004006000001020304050607080000', 'hex');
  const file = new PcapngBlocks()
    .section(true)
    .iface(1) // default resolution: microseconds
    .iface(101, { tsresol: 9 }) // nanoseconds
    .iface(228, { tsresol: 0x80 | 10, tsoffset: 1000n }) // 2^-10 s, plus 1000 s
    .other(0x00000bad + 0x100) // a block nobody knows: skipped by its length
    .packet(0, 1_700_000_000_123_456n, frame)
    .packet(1, 1_700_000_000_123_456_789n, frame)
    .packet(2, 1_700_000_000n * 1024n + 512n, frame)
    .section(false) // a second section, big-endian, with its own interface 0
    .iface(229, { tsresol: 3 })
    .packet(0, 1_700_000_000_250n, frame)
    .bytes();

  it('applies if_tsresol (10^-6, 10^-9, 2^-10) and if_tsoffset, per interface', () => {
    const r = records(file);
    assert.deepEqual(
      r.map((x) => x.time),
      ['1700000000.123456000', '1700000000.123456789', '1700001000.500000000', '1700000000.250000000'],
    );
  });

  it('gives each packet its interface link type, and numbers interfaces per section', () => {
    const r = records(file);
    assert.deepEqual(
      r.map((x) => [x.linkType, x.interfaceId, x.section]),
      [
        [1, 0, 0],
        [101, 1, 0],
        [228, 2, 0],
        [229, 0, 1],
      ],
    );
  });

  it('agrees with tshark on the same file', function () {
    if (!tsharkAvailable()) this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-ng-'));
    const f = path.join(dir, 'synthetic.pcapng');
    fs.writeFileSync(f, file);
    const theirs = tsharkFrames(f).frames;
    fs.rmSync(dir, { recursive: true });
    assert.deepEqual(
      theirs.map((t) => [t.time, t.interfaceId]),
      records(file).map((x) => [x.time, x.interfaceId]),
    );
  });

  it('a packet naming an interface its section never described is reported and skipped', () => {
    const bad = new PcapngBlocks().section(true).iface(1).packet(3, 0n, frame).packet(0, 0n, frame).bytes();
    const reader = openCapture(new MemorySource(bad));
    const frames: number[] = [];
    for (let r = reader.next(); r; r = reader.next()) frames.push(r.frame);
    assert.deepEqual(frames, [2]);
    assert.match(reader.problems[0]!.message, /packet 1: refers to interface 3/);
  });
});
