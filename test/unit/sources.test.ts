import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSource } from '../../src/node/fileSource';
import { openCapture } from '../../src/core/capture/open';
import { ByteSource, MemorySource } from '../../src/core/capture/source';
import { PacketRecord, conversationRecord } from '../../src/core/report';
import { scanCapture, scanPacketRecords } from '../../src/core/scan';
import { fixture, FIXTURES, listCaptures } from '../helpers/paths';

function packetsOf(open: () => ByteSource): string[] {
  const out: string[] = [];
  scanPacketRecords(open, (p: PacketRecord) => out.push(JSON.stringify(p)));
  return out;
}

/** Rewrites a little-endian µs pcap into another of the four classic pcap magics. */
function convertPcap(le: Buffer, bigEndian: boolean, nanos: boolean): Buffer {
  const out = Buffer.alloc(le.length);
  const w32 = (v: number, o: number): number => (bigEndian ? out.writeUInt32BE(v, o) : out.writeUInt32LE(v, o));
  const w16 = (v: number, o: number): number => (bigEndian ? out.writeUInt16BE(v, o) : out.writeUInt16LE(v, o));
  w32(nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(le.readUInt16LE(4), 4);
  w16(le.readUInt16LE(6), 6);
  w32(le.readUInt32LE(8), 8);
  w32(le.readUInt32LE(12), 12);
  w32(le.readUInt32LE(16), 16);
  w32(le.readUInt32LE(20), 20);
  for (let o = 24; o + 16 <= le.length; ) {
    const cap = le.readUInt32LE(o + 8);
    w32(le.readUInt32LE(o), o);
    w32(le.readUInt32LE(o + 4) * (nanos ? 1000 : 1), o + 4);
    w32(cap, o + 8);
    w32(le.readUInt32LE(o + 12), o + 12);
    le.copy(out, o + 16, o + 16, o + 16 + cap);
    o += 16 + cap;
  }
  return out;
}

describe('byte sources and formats', function () {
  this.timeout(60000);

  it('a file read through small pages gives exactly what the bytes in memory give', function () {
    // Pages of 4 KiB force records across page edges and many refills of one reused buffer.
    for (const f of listCaptures(FIXTURES)) {
      const bytes = fs.readFileSync(f);
      const fromMemory = packetsOf(() => new MemorySource(bytes));
      const sources: FileSource[] = [];
      const small = (): ByteSource => {
        const s = FileSource.open(f);
        sources.push(s);
        return { size: s.size, read: (o, n) => s.read(o, Math.min(n, 4096)) };
      };
      const fromFile = packetsOf(small);
      for (const s of sources) s.close();
      assert.deepEqual(fromFile, fromMemory, path.basename(f));
      // Conversations keep copies of what they need, not views of a reused page.
      const file = FileSource.open(f);
      const viaFile = scanCapture(file, { pageSize: 4096 });
      file.close();
      const viaMemory = scanCapture(new MemorySource(bytes));
      const rec = (s: typeof viaFile): string[] =>
        s.analyzer.conversations.map((c) => JSON.stringify(conversationRecord(c, s.firstSec, s.firstNsec)));
      assert.deepEqual(rec(viaFile), rec(viaMemory), path.basename(f));
    }
  });

  for (const [bigEndian, nanos] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`classic pcap, ${bigEndian ? 'big' : 'little'}-endian, ${nanos ? 'nano' : 'micro'}second magic: same packets`, function () {
      const le = fs.readFileSync(fixture('07_loss10pct_600KB_client_side.pcap'));
      const converted = convertPcap(le, bigEndian, nanos);
      const reader = openCapture(new MemorySource(converted));
      assert.equal(reader.info.byteOrder, bigEndian ? 'big' : 'little');
      assert.equal(reader.info.interfaces[0]!.tsResolution, nanos ? 'ns' : 'µs');
      assert.deepEqual(packetsOf(() => new MemorySource(converted)), packetsOf(() => new MemorySource(le)));
    });
  }

  it('pcapng and pcap of the same capture give the same packets', function () {
    for (const name of ['01_http_node_conn_close', '07_loss10pct_600KB_client_side', '13_zero_window_slow_reader']) {
      // dumpcap and tcpdump wrote the two files from one capture run, so only framing differs.
      const a = packetsOf(() => new MemorySource(fs.readFileSync(fixture(`${name}.pcap`))));
      const b = packetsOf(() => new MemorySource(fs.readFileSync(fixture(`${name}.pcapng`))));
      assert.deepEqual(b, a, name);
    }
  });

  it('FileSource reads a file larger than its page, to the last byte', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcpx-src-'));
    const f = path.join(dir, 'x.bin');
    const data = Buffer.alloc(100_003);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    fs.writeFileSync(f, data);
    const s = FileSource.open(f);
    assert.equal(s.size, data.length);
    assert.ok(Buffer.from(s.read(99_000, 5000)).equals(data.subarray(99_000)));
    s.close();
    fs.rmSync(dir, { recursive: true });
  });
});
