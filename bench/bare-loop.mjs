// The floor for reading a capture in JavaScript: the least work that still looks at every
// packet's TCP 4-tuple. It reads the file as the engine does (positional fs.readSync of 4 MB
// pages into one reused buffer, as src/node/fileSource.ts and PagedReader do), walks pcap
// records or pcapng blocks, and for Ethernet/IPv4/TCP frames reads the two addresses and
// ports into numbers. Nothing else: no flows, no analysis, no output per packet. The
// checksum keeps the JIT from dropping the reads.
//
//   node bench/bare-loop.mjs CAPTURE      prints {"format","packets","tcp","checksum"}
import * as fs from 'node:fs';

const PAGE = 4 << 20;

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/bare-loop.mjs CAPTURE');
  process.exit(2);
}
const fd = fs.openSync(file, 'r');
const size = fs.fstatSync(fd).size;
let buf = Buffer.allocUnsafe(PAGE);
/** Where buf[0] is in the file, and how many bytes of buf are valid. */
let base = 0;
let have = 0;

/** Makes [offset, offset + length) of the file readable in buf; false at the end of the file. */
function load(offset, length) {
  if (offset >= base && offset + length <= base + have) return true;
  if (offset + length > size) return false;
  const want = Math.min(Math.max(PAGE, length), size - offset);
  if (buf.length < want) buf = Buffer.allocUnsafe(want);
  let got = 0;
  while (got < want) {
    const n = fs.readSync(fd, buf, got, want - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  base = offset;
  have = got;
  return got >= length;
}

let packets = 0;
let tcp = 0;
let checksum = 0;

/** One frame's 4-tuple, when it is Ethernet/IPv4/TCP: `o` is where the frame starts in buf. */
function tuple(o, caplen) {
  if (caplen < 34 || buf[o + 12] !== 0x08 || buf[o + 13] !== 0x00 || buf[o + 23] !== 6) return;
  const ihl = (buf[o + 14] & 0x0f) << 2;
  const t = o + 14 + ihl;
  if (14 + ihl + 4 > caplen) return;
  const src = (buf[o + 26] << 24) | (buf[o + 27] << 16) | (buf[o + 28] << 8) | buf[o + 29];
  const dst = (buf[o + 30] << 24) | (buf[o + 31] << 16) | (buf[o + 32] << 8) | buf[o + 33];
  const sport = (buf[t] << 8) | buf[t + 1];
  const dport = (buf[t + 2] << 8) | buf[t + 3];
  checksum = (Math.imul(checksum, 31) + (src ^ dst) + ((sport << 16) | dport)) | 0;
  tcp++;
}

const u32 = (o, le) =>
  le ? (buf[o] | (buf[o + 1] << 8) | (buf[o + 2] << 16) | (buf[o + 3] << 24)) >>> 0 : ((buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3]) >>> 0;

function pcap() {
  load(0, 24);
  const magic = u32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const ethernet = (u32(20, le) & 0x0fffffff) === 1;
  let at = 24;
  while (load(at, 16)) {
    const h = at - base;
    const caplen = u32(h + 8, le);
    if (!load(at, 16 + caplen)) break;
    packets++;
    if (ethernet) tuple(at - base + 16, caplen);
    at += 16 + caplen;
  }
}

function pcapng() {
  let le = true;
  /** Per interface of the current section: is it Ethernet. */
  let ethernet = [];
  let at = 0;
  while (load(at, 12)) {
    let h = at - base;
    if (u32(h, true) === 0x0a0d0d0a) {
      le = u32(h + 8, true) === 0x1a2b3c4d;
      ethernet = [];
    }
    const type = u32(h, le);
    const len = u32(h + 4, le);
    if (len < 12 || !load(at, len)) break;
    h = at - base;
    if (type === 6) {
      packets++;
      const iface = u32(h + 8, le);
      if (ethernet[iface]) tuple(h + 28, Math.min(u32(h + 20, le), len - 32));
    } else if (type === 1) {
      const link = le ? buf[h + 8] | (buf[h + 9] << 8) : (buf[h + 8] << 8) | buf[h + 9];
      ethernet.push(link === 1);
    }
    at += len;
  }
}

const magic = load(0, 4) ? u32(0, true) : 0;
const format = magic === 0x0a0d0d0a ? 'pcapng' : 'pcap';
if (format === 'pcapng') pcapng();
else pcap();
fs.closeSync(fd);
console.log(JSON.stringify({ format, packets, tcp, checksum }));
