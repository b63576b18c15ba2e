// Synthesises a large benchmark capture from real loopback traffic: connections recorded in
// test/fixtures are replayed many times with new addresses, ports and ISNs, interleaved so
// that many connections are open at once, as in a busy server's capture.
//
//   node bench/make-capture.mjs OUT.pcap [--bytes N] [--short-only]
//
// Templates: the tutorial's short HTTP exchange (10 packets) and a 600 kB download through a
// lossy link (825 packets, with retransmissions and SACK). Default: about 1.05 GB and
// 120 000 connections, 2.4 million packets.
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
  // The connection's two ends, from its first packet (IPv4 over Ethernet).
  const first = packets[0].data;
  const clientIp = first.readUInt32BE(26);
  const clientPort = first.readUInt16BE(34);
  return { name, packets, clientIp, clientPort };
}

const args = process.argv.slice(2);
const out = args.find((a) => !a.startsWith('--'));
if (!out) {
  console.error('usage: node bench/make-capture.mjs OUT.pcap [--bytes N] [--short-only]');
  process.exit(2);
}
const shortOnly = args.includes('--short-only');
const bytesArg = args.indexOf('--bytes');
const shortConnections = 120000;
const targetBytes = bytesArg >= 0 ? Number(args[bytesArg + 1]) : shortOnly ? 0 : 1.05e9;

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
const fd = fs.openSync(out, 'w');
const header = Buffer.alloc(24);
header.writeUInt32LE(0xa1b2c3d4, 0);
header.writeUInt16LE(2, 4);
header.writeUInt16LE(4, 6);
header.writeUInt32LE(262144, 16);
header.writeUInt32LE(1, 20);
let chunk = Buffer.alloc(8 << 20);
let used = 0;
const flush = () => {
  fs.writeSync(fd, chunk, 0, used);
  used = 0;
};
chunk.set(header, 0);
used = 24;

let clock = 1_700_000_000 * 1e6; // microseconds
let written = 0;
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
    const need = 16 + d.length;
    if (used + need > chunk.length) flush();
    clock += 7;
    chunk.writeUInt32LE(Math.floor(clock / 1e6), used);
    chunk.writeUInt32LE(clock % 1e6, used + 4);
    chunk.writeUInt32LE(d.length, used + 8);
    chunk.writeUInt32LE(p.orig, used + 12);
    const o = used + 16;
    d.copy(chunk, o);
    // Rewrite IPv4 addresses, ports and sequence numbers, keeping each side consistent.
    const fromClient = d.readUInt32BE(26) === c.t.clientIp && d.readUInt16BE(34) === c.t.clientPort;
    chunk.writeUInt32BE(fromClient ? c.clientIp : c.serverIp, o + 26);
    chunk.writeUInt32BE(fromClient ? c.serverIp : c.clientIp, o + 30);
    chunk.writeUInt16BE(fromClient ? c.clientPort : c.serverPort, o + 34);
    chunk.writeUInt16BE(fromClient ? c.serverPort : c.clientPort, o + 36);
    const seq = d.readUInt32BE(38);
    const ack = d.readUInt32BE(42);
    chunk.writeUInt32BE((seq + (fromClient ? c.dClient : c.dServer)) >>> 0, o + 38);
    if (d[47] & 0x10) chunk.writeUInt32BE((ack + (fromClient ? c.dServer : c.dClient)) >>> 0, o + 42);
    used += need;
    written += need;
    packetsOut++;
    if (c.at === c.t.packets.length) {
      if (next < plan.length) open[k] = start(next++);
      else open.splice(k--, 1);
    }
  }
}
flush();
fs.closeSync(fd);
console.log(
  `${out}: ${((written + 24) / 1e9).toFixed(3)} GB, ${plan.length} connections (${bulkConnections} bulk), ${packetsOut} packets`,
);
