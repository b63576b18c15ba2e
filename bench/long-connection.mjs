// Writes a capture of ONE long TCP connection: a bulk download of `segments` data segments of
// 1448 bytes from server to client, seen at the server, with about `loss` of them lost on the
// way. The receiver ACKs every second segment, answers a hole with duplicate ACKs carrying SACK
// blocks, and the sender retransmits after the third duplicate: the graphs get retransmissions,
// duplicate ACKs, SACK blocks and a window that moves. Records keep the headers only (snaplen
// 66), as a capture with -s 66 would: the packet lengths are the real ones.
//
//   node bench/long-connection.mjs OUT.pcap [--segments N] [--loss P] [--seed S]
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const MSS = 1448;
const CLIENT = [10, 0, 0, 1];
const SERVER = [10, 0, 0, 2];
const CLIENT_PORT = 50000;
const SERVER_PORT = 4000;

/** A small seeded generator (the capture is the same every run). */
function random(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

export function writeLongConnection(file, { segments = 700_000, loss = 0.003, seed = 7 } = {}) {
  const rnd = random(seed);
  const fd = fs.openSync(file, 'w');
  const chunks = [];
  let buffered = 0;
  const flush = () => {
    if (!chunks.length) return;
    fs.writeSync(fd, Buffer.concat(chunks));
    chunks.length = 0;
    buffered = 0;
  };
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(66, 16);
  header.writeUInt32LE(1, 20);
  chunks.push(header);
  let micros = 1_700_000_000 * 1e6;
  let packets = 0;

  /** One packet: Ethernet, IPv4, TCP with `options` (padded to 4 bytes), `len` bytes of payload not kept. */
  const emit = (fromClient, flags, seq, ack, win, len, options = []) => {
    const opt = [...options];
    while (opt.length % 4) opt.push(1);
    const tcpLen = 20 + opt.length;
    const wire = 14 + 20 + tcpLen + len;
    const cap = Math.min(wire, 14 + 20 + tcpLen);
    const b = Buffer.alloc(16 + cap);
    b.writeUInt32LE(Math.floor(micros / 1e6), 0);
    b.writeUInt32LE(micros % 1e6, 4);
    b.writeUInt32LE(cap, 8);
    b.writeUInt32LE(wire, 12);
    const e = 16;
    b.writeUInt16BE(0x0800, e + 12);
    const ip = e + 14;
    b[ip] = 0x45;
    b.writeUInt16BE(20 + tcpLen + len, ip + 2);
    b.writeUInt16BE(packets & 0xffff, ip + 4);
    b[ip + 6] = 0x40;
    b[ip + 8] = 64;
    b[ip + 9] = 6;
    const [src, dst] = fromClient ? [CLIENT, SERVER] : [SERVER, CLIENT];
    for (let k = 0; k < 4; k++) {
      b[ip + 12 + k] = src[k];
      b[ip + 16 + k] = dst[k];
    }
    const t = ip + 20;
    b.writeUInt16BE(fromClient ? CLIENT_PORT : SERVER_PORT, t);
    b.writeUInt16BE(fromClient ? SERVER_PORT : CLIENT_PORT, t + 2);
    b.writeUInt32BE(seq >>> 0, t + 4);
    b.writeUInt32BE(ack >>> 0, t + 8);
    b[t + 12] = (tcpLen / 4) << 4;
    b[t + 13] = flags;
    b.writeUInt16BE(win, t + 14);
    Buffer.from(opt).copy(b, t + 20);
    chunks.push(b);
    buffered += b.length;
    packets++;
    if (buffered > 1 << 22) flush();
  };
  const u32 = (v) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  const SYN = 0x02;
  const ACK = 0x10;
  const PSH = 0x08;
  const FIN = 0x01;
  const cIsn = 1_000_000;
  const sIsn = 3_000_000_000;
  // Handshake: MSS, SACK permitted, window scale 7 on both sides.
  emit(true, SYN, cIsn, 0, 64240, 0, [2, 4, 0x05, 0xb4, 4, 2, 3, 3, 7]);
  micros += 100;
  emit(false, SYN | ACK, sIsn, cIsn + 1, 65160, 0, [2, 4, 0x05, 0xb4, 4, 2, 3, 3, 7]);
  micros += 100;
  emit(true, ACK, cIsn + 1, sIsn + 1, 502, 0);
  micros += 50;
  emit(true, PSH | ACK, cIsn + 1, sIsn + 1, 502, 80);
  micros += 50;
  const cSeq = cIsn + 81;

  // The receiver's view: what it has in order, what it holds beyond a hole.
  let rcvNext = sIsn + 1;
  const held = new Map();
  let unacked = 0;
  let sent = 0;
  let nextSeq = sIsn + 1;
  const lost = [];
  let dupAcks = 0;
  const ackNow = () => {
    const opts = [];
    if (held.size) {
      // One SACK block: the held run just above the hole.
      let start = Infinity;
      for (const s of held.keys()) start = Math.min(start, s);
      let end = start;
      while (held.has(end)) end += held.get(end);
      opts.push(1, 1, 5, 10, ...u32(start >>> 0), ...u32(end >>> 0));
    }
    emit(true, ACK, cSeq, rcvNext, 2000, 0, opts);
    micros += 5;
  };
  const arrive = (seq, len) => {
    if (seq === rcvNext) {
      rcvNext += len;
      while (held.has(rcvNext)) {
        const l = held.get(rcvNext);
        held.delete(rcvNext);
        rcvNext += l;
      }
      if (++unacked >= 2 || held.size) {
        ackNow();
        unacked = 0;
      }
    } else if (seq > rcvNext) {
      held.set(seq, len);
      ackNow();
      dupAcks++;
    }
  };
  while (sent < segments) {
    // Retransmit the oldest lost segment after three duplicate ACKs.
    if (lost.length && dupAcks >= 3) {
      const seq = lost.shift();
      emit(false, PSH | ACK, seq, cSeq, 501, MSS);
      micros += 12;
      arrive(seq, MSS);
      dupAcks = 0;
      sent++;
      continue;
    }
    const seq = nextSeq;
    nextSeq += MSS;
    emit(false, PSH | ACK, seq, cSeq, 501, MSS);
    micros += 12 + Math.floor(rnd() * 4);
    sent++;
    if (rnd() < loss) lost.push(seq);
    else arrive(seq, MSS);
  }
  // What was lost and not yet sent again goes now.
  for (const seq of lost) {
    emit(false, PSH | ACK, seq, cSeq, 501, MSS);
    micros += 12;
    arrive(seq, MSS);
  }
  ackNow();
  emit(false, FIN | ACK, nextSeq, cSeq, 501, 0);
  micros += 100;
  emit(true, FIN | ACK, cSeq, nextSeq + 1, 2000, 0);
  micros += 100;
  emit(false, ACK, nextSeq + 1, cSeq + 1, 501, 0);
  flush();
  fs.closeSync(fd);
  return { packets };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const valueOf = (flag, d) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : d);
  const out = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
  if (!out) {
    console.error('usage: node bench/long-connection.mjs OUT.pcap [--segments N] [--loss P] [--seed S]');
    process.exit(2);
  }
  const r = writeLongConnection(out, { segments: valueOf('--segments', 700_000), loss: valueOf('--loss', 0.003), seed: valueOf('--seed', 7) });
  console.log(`${out}: ${r.packets} packets in one connection`);
}
