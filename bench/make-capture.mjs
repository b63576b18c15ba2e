// Synthesises a large benchmark capture from real loopback traffic: connections recorded in
// test/fixtures are replayed many times with new addresses, ports and ISNs, interleaved so
// that many connections are open at once, as in a busy server's capture.
//
//   node bench/make-capture.mjs OUT.pcap [--bytes N] [--connections N] [--short-only] [--pcapng OUT.pcapng]
//
// Templates: the tutorial's short HTTP exchange (10 packets) and a 600 kB download through a
// lossy link (828 packets, with retransmissions and SACK). Default: about 1.05 GB and
// 120 000 short connections, 2.4 million packets. --connections sets the number of short
// connections (the bulk ones come on top, as many as fill --bytes). --pcapng also writes the
// very same packets as pcapng (one IDB, one EPB each), so the two formats are compared on
// identical traffic.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, '..', 'test', 'fixtures');

/** Reads a little-endian microsecond pcap of Ethernet frames (our fixtures). */
function readTemplate(name) {
  const b = fs.readFileSync(path.join(fixtures, name));
  if (b.readUInt32LE(0) !== 0xa1b2c3d4 || b.readUInt32LE(20) !== 1) throw new Error(`${name}: expected LE µs Ethernet pcap`);
  const packets = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const cap = b.readUInt32LE(o + 8);
    const orig = b.readUInt32LE(o + 12);
    packets.push({ data: Buffer.from(b.subarray(o + 16, o + 16 + cap)), orig });
    o += 16 + cap;
  }
  // The connection's client: the sender of its first TCP segment (IPv4 over Ethernet). Not the
  // first packet's: the bulk template begins with an ICMPv6 report, and reading addresses from
  // it made every segment of the copies look sent by the server.
  const first = packets.find((p) => p.data.readUInt16BE(12) === 0x0800 && p.data[23] === 6)?.data;
  if (!first) throw new Error(`${name}: no TCP over IPv4`);
  const clientIp = first.readUInt32BE(26);
  const clientPort = first.readUInt16BE(34);
  return { name, packets, clientIp, clientPort };
}

const args = process.argv.slice(2);
const valueOf = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const out = args.find((a, i) => !a.startsWith('--') && (i === 0 || !['--bytes', '--connections', '--pcapng'].includes(args[i - 1])));
if (!out) {
  console.error('usage: node bench/make-capture.mjs OUT.pcap [--bytes N] [--connections N] [--short-only] [--pcapng OUT.pcapng]');
  process.exit(2);
}
const shortOnly = args.includes('--short-only');
const shortConnections = valueOf('--connections') !== undefined ? Number(valueOf('--connections')) : 120000;
const targetBytes = valueOf('--bytes') !== undefined ? Number(valueOf('--bytes')) : shortOnly ? 0 : 1.05e9;
const outNg = valueOf('--pcapng');

const short = readTemplate('01_http_node_conn_close.pcap');
const bulk = readTemplate('07_loss10pct_600KB_client_side.pcap');
const bytesOf = (t) => t.packets.reduce((n, p) => n + 16 + p.data.length, 0);
const shortBytes = shortConnections * bytesOf(short);
const bulkConnections = Math.max(0, Math.round((targetBytes - shortBytes) / bytesOf(bulk)));

// Which template each connection replays: bulk ones spread evenly among the short ones.
const plan = [];
const every = bulkConnections ? Math.floor(shortConnections / bulkConnections) : Infinity;
for (let i = 0, b = 0; i < shortConnections; i++) {
  plan.push(short);
  if (b < bulkConnections && (i + 1) % every === 0) {
    plan.push(bulk);
    b++;
  }
}

const CONCURRENT = 256;

/** A file written through one large buffer: a few big writes instead of millions of small ones. */
class Sink {
  constructor(file) {
    this.fd = fs.openSync(file, 'w');
    this.chunk = Buffer.alloc(8 << 20);
    this.used = 0;
    this.written = 0;
  }
  /** Room for `n` more bytes at `this.used`. */
  reserve(n) {
    if (this.used + n > this.chunk.length) this.flush();
    if (n > this.chunk.length) this.chunk = Buffer.alloc(n);
  }
  advance(n) {
    this.used += n;
    this.written += n;
  }
  flush() {
    fs.writeSync(this.fd, this.chunk, 0, this.used);
    this.used = 0;
  }
  close() {
    this.flush();
    fs.closeSync(this.fd);
  }
}

const pcap = new Sink(out);
pcap.reserve(24);
pcap.chunk.writeUInt32LE(0xa1b2c3d4, 0);
pcap.chunk.writeUInt16LE(2, 4);
pcap.chunk.writeUInt16LE(4, 6);
pcap.chunk.writeUInt32LE(262144, 16);
pcap.chunk.writeUInt32LE(1, 20);
pcap.advance(24);

const ng = outNg ? new Sink(outNg) : null;
if (ng) {
  // Section header (little-endian, version 1.0, section length unknown), then one Ethernet
  // interface without options: its timestamps are then in microseconds, as the pcap's.
  const c = ng.chunk;
  ng.reserve(48);
  c.writeUInt32LE(0x0a0d0d0a, 0);
  c.writeUInt32LE(28, 4);
  c.writeUInt32LE(0x1a2b3c4d, 8);
  c.writeUInt16LE(1, 12);
  c.writeUInt16LE(0, 14);
  c.writeInt32LE(-1, 16);
  c.writeInt32LE(-1, 20);
  c.writeUInt32LE(28, 24);
  c.writeUInt32LE(1, 28);
  c.writeUInt32LE(20, 32);
  c.writeUInt16LE(1, 36);
  c.writeUInt16LE(0, 38);
  c.writeUInt32LE(262144, 40);
  c.writeUInt32LE(20, 44);
  ng.advance(48);
}

let clock = 1_700_000_000 * 1e6; // microseconds
let packetsOut = 0;
let next = 0;
/** An open connection being replayed: template, position, rewrite parameters. */
const open = [];
const start = (i) => {
  const t = plan[i];
  const n = i + 1;
  return {
    t,
    at: 0,
    clientIp: (10 << 24) | ((n >>> 16) & 0xff) << 16 | ((n >>> 8) & 0xff) << 8 | (n & 0xff),
    serverIp: (10 << 24) | (255 << 16) | ((n % 200) + 1),
    clientPort: 1024 + (n % 60000),
    serverPort: t === bulk ? 9000 : 4000,
    dClient: (Math.imul(n, 2654435761) >>> 0),
    dServer: (Math.imul(n, 40503) * 65537) >>> 0,
  };
};
while (open.length < CONCURRENT && next < plan.length) open.push(start(next++));

while (open.length) {
  for (let k = 0; k < open.length; k++) {
    const c = open[k];
    const p = c.t.packets[c.at++];
    const d = p.data;
    clock += 7;
    pcap.reserve(16 + d.length);
    const chunk = pcap.chunk;
    const at = pcap.used;
    chunk.writeUInt32LE(Math.floor(clock / 1e6), at);
    chunk.writeUInt32LE(clock % 1e6, at + 4);
    chunk.writeUInt32LE(d.length, at + 8);
    chunk.writeUInt32LE(p.orig, at + 12);
    const o = at + 16;
    d.copy(chunk, o);
    // Rewrite IPv4 addresses, ports and sequence numbers, keeping each side consistent. The
    // bulk template's few ICMPv6 packets are kept as they are.
    if (d.readUInt16BE(12) === 0x0800 && d[23] === 6) {
      const fromClient = d.readUInt32BE(26) === c.t.clientIp && d.readUInt16BE(34) === c.t.clientPort;
      chunk.writeUInt32BE(fromClient ? c.clientIp : c.serverIp, o + 26);
      chunk.writeUInt32BE(fromClient ? c.serverIp : c.clientIp, o + 30);
      chunk.writeUInt16BE(fromClient ? c.clientPort : c.serverPort, o + 34);
      chunk.writeUInt16BE(fromClient ? c.serverPort : c.clientPort, o + 36);
      const seq = d.readUInt32BE(38);
      const ack = d.readUInt32BE(42);
      chunk.writeUInt32BE((seq + (fromClient ? c.dClient : c.dServer)) >>> 0, o + 38);
      if (d[47] & 0x10) chunk.writeUInt32BE((ack + (fromClient ? c.dServer : c.dClient)) >>> 0, o + 42);
    }
    pcap.advance(16 + d.length);
    if (ng) {
      // The same frame, rewritten above, as an Enhanced Packet Block on interface 0.
      const padded = (d.length + 3) & ~3;
      const len = 32 + padded;
      ng.reserve(len);
      const b = ng.chunk;
      const q = ng.used;
      b.writeUInt32LE(6, q);
      b.writeUInt32LE(len, q + 4);
      b.writeUInt32LE(0, q + 8);
      b.writeUInt32LE(Math.floor(clock / 2 ** 32), q + 12);
      b.writeUInt32LE(clock % 2 ** 32, q + 16);
      b.writeUInt32LE(d.length, q + 20);
      b.writeUInt32LE(p.orig, q + 24);
      chunk.copy(b, q + 28, o, o + d.length);
      b.fill(0, q + 28 + d.length, q + 28 + padded);
      b.writeUInt32LE(len, q + 28 + padded);
      ng.advance(len);
    }
    packetsOut++;
    if (c.at === c.t.packets.length) {
      if (next < plan.length) open[k] = start(next++);
      else open.splice(k--, 1);
    }
  }
}
pcap.close();
ng?.close();
console.log(
  `${out}: ${(pcap.written / 1e9).toFixed(3)} GB, ${plan.length} connections (${bulkConnections} bulk), ${packetsOut} packets` +
    (ng ? `; ${outNg}: ${(ng.written / 1e9).toFixed(3)} GB, the same packets as pcapng` : ''),
);
