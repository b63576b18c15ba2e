import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openCapture } from '../../src/core/capture/open';
import { MemorySource } from '../../src/core/capture/source';
import { CaptureRecord } from '../../src/core/capture/types';
import { formatEpoch } from '../../src/core/report';
import { tsharkAvailable, tsharkFrames } from '../helpers/tshark';

/** Builds pcapng blocks in either byte order, for cases no capture at hand has. */
class PcapngWriter {
  private parts: Buffer[] = [];
  constructor(private le = true) {}

  private block(type: number, body: Buffer): this {
    const len = 12 + body.length;
    const b = Buffer.alloc(len);
    this.u32(b, type, 0);
    this.u32(b, len, 4);
    body.copy(b, 8);
    this.u32(b, len, len - 4);
    this.parts.push(b);
    return this;
  }
  private u32(b: Buffer, v: number, o: number): void {
    if (this.le) b.writeUInt32LE(v >>> 0, o);
    else b.writeUInt32BE(v >>> 0, o);
  }
  private u16(b: Buffer, v: number, o: number): void {
    if (this.le) b.writeUInt16LE(v, o);
    else b.writeUInt16BE(v, o);
  }
  private option(code: number, value: Buffer): Buffer {
    const b = Buffer.alloc(4 + ((value.length + 3) & ~3));
    this.u16(b, code, 0);
    this.u16(b, value.length, 2);
    value.copy(b, 4);
    return b;
  }

  section(le: boolean): this {
    this.le = le;
    const body = Buffer.alloc(16);
    this.u32(body, 0x1a2b3c4d, 0);
    this.u16(body, 1, 4);
    this.u16(body, 0, 6);
    body.writeInt32LE(-1, 8);
    body.writeInt32LE(-1, 12);
    return this.block(0x0a0d0d0a, body);
  }

  iface(linkType: number, opts: { tsresol?: number; tsoffset?: bigint } = {}): this {
    const head = Buffer.alloc(8);
    this.u16(head, linkType, 0);
    this.u32(head, 65535, 4);
    const options: Buffer[] = [];
    if (opts.tsresol !== undefined) options.push(this.option(9, Buffer.from([opts.tsresol])));
    if (opts.tsoffset !== undefined) {
      const v = Buffer.alloc(8);
      if (this.le) v.writeBigInt64LE(opts.tsoffset);
      else v.writeBigInt64BE(opts.tsoffset);
      options.push(this.option(14, v));
    }
    if (options.length) options.push(Buffer.alloc(4));
    return this.block(1, Buffer.concat([head, ...options]));
  }

  packet(ifId: number, ticks: bigint, data: Buffer): this {
    const head = Buffer.alloc(20);
    this.u32(head, ifId, 0);
    this.u32(head, Number(ticks >> 32n), 4);
    this.u32(head, Number(ticks & 0xffffffffn), 8);
    this.u32(head, data.length, 12);
    this.u32(head, data.length, 16);
    const padded = Buffer.alloc((data.length + 3) & ~3);
    data.copy(padded);
    return this.block(6, Buffer.concat([head, padded]));
  }

  unknown(type: number): this {
    return this.block(type, Buffer.alloc(8, 0xee));
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

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
  const file = new PcapngWriter()
    .section(true)
    .iface(1) // default resolution: microseconds
    .iface(101, { tsresol: 9 }) // nanoseconds
    .iface(228, { tsresol: 0x80 | 10, tsoffset: 1000n }) // 2^-10 s, plus 1000 s
    .unknown(0x00000bad + 0x100) // a block nobody knows: skipped by its length
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
    const bad = new PcapngWriter().section(true).iface(1).packet(3, 0n, frame).packet(0, 0n, frame).bytes();
    const reader = openCapture(new MemorySource(bad));
    const frames: number[] = [];
    for (let r = reader.next(); r; r = reader.next()) frames.push(r.frame);
    assert.deepEqual(frames, [2]);
    assert.match(reader.problems[0]!.message, /packet 1: refers to interface 3/);
  });
});
