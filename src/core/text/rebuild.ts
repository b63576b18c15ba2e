import { MemorySource } from '../capture/source';
import { TH_ACK, TH_AE, TH_FIN, TH_PUSH, TH_RST, TH_SYN } from '../tcp/analysis';
import { MAX_LINE_CHARS, ParsedText, TextFormat, TextPacket, TextSegment, TextTime, emptySegment, parseCaptureText } from './parse';

/**
 * From capture text back to a capture: the raw sequence numbers each printed number stands
 * for, then a classic pcap (link type RAW, nanosecond times) with one frame per packet line, so
 * the text goes through the very engine a capture file does and gets the same stream numbers,
 * relative numbers, analysis, scenario and ladder. What text cannot show is said in `notes`.
 */

export interface RebuiltPacket {
  /** Index into ParsedText.packets. */
  packet: number;
  /** Frame number in the rebuilt capture (tshark's own number when it printed one). */
  frame: number;
  /** Raw numbers, as on the wire (or synthetic, when the text showed only relative ones). */
  seqRaw: number;
  ackRaw: number;
  winRaw: number;
  /** How the printed seq/ack relate to the raw ones. */
  numbers: 'absolute' | 'relative';
  /** The raw ISN-like bases the printed relative numbers count from (sender's, receiver's), when known. */
  senderBase: number | null;
  receiverBase: number | null;
  /** True when the text did not show the raw values, so seqRaw/ackRaw are invented (relative ones are right). */
  synthetic: boolean;
  /** True for a tshark line of an application protocol whose TCP fields were rebuilt from the lines around it. */
  inferred: boolean;
}

export interface RebuiltText {
  parsed: ParsedText;
  format: TextFormat | null;
  /** The capture the text describes. Read it through rebuiltSource(), which numbers its frames as the text did. */
  pcap: Uint8Array;
  /** The frame number of each record of `pcap` (tshark's, with its gaps). */
  frameNumbers: Int32Array;
  /** One per TCP packet line (and per inferred application line), in order. */
  tcp: RebuiltPacket[];
  /** Frame number of each parsed packet (also non-TCP ones, which become placeholder frames). */
  frameOfPacket: Int32Array;
  /** Frames that stand for lines that explain nothing (non-TCP lines, unreadable addresses). */
  placeholderFrames: number;
  /** What the text could not show, for the user: one sentence each. */
  notes: string[];
}

const TWO32 = 2 ** 32;
const u32 = (x: number): number => ((x % TWO32) + TWO32) % TWO32;

function sideKey(a: { address: string; port: number }): string {
  return `${a.address}|${a.port}`;
}

function tupleKey(s: Pick<TextSegment, 'src' | 'dst'>): string {
  const a = sideKey(s.src);
  const b = sideKey(s.dst);
  return a < b ? `${a}>${b}` : `${b}>${a}`;
}

/** Invented raw bases: far from zero and from each other, so nothing wraps or collides. */
function syntheticBase(n: number): number {
  return u32(0x10000000 + n * 0x01234567);
}

interface Numbers {
  seq: number;
  ack: number;
  numbers: 'absolute' | 'relative';
  senderBase: number | null;
  receiverBase: number | null;
  synthetic: boolean;
}

/**
 * tcpdump without -S prints numbers relative to what it saw first: the first segment with an
 * ACK on an address/port pair (or any SYN-ACK) is printed raw and sets the bases (its seq for
 * the sender, its ack - 1 for the receiver); later segments with an ACK print seq and ack minus
 * those bases. Segments without an ACK are printed raw. This undoes exactly that.
 */
function tcpdumpNumbers(segments: TextSegment[]): Map<TextSegment, Numbers> {
  const out = new Map<TextSegment, Numbers>();
  const absolute = tcpdumpPrintsAbsolute(segments);
  const bases = new Map<string, Map<string, number>>();
  const next = new Map<string, number>(); // per direction: the sender's next raw seq
  const lastAck = new Map<string, number>(); // per direction: the sender's last raw ack
  let invented = 0;
  for (const s of segments) {
    const dir = `${sideKey(s.src)}>${sideKey(s.dst)}`;
    const back = `${sideKey(s.dst)}>${sideKey(s.src)}`;
    let seq: number | null = s.seq;
    let ack = s.ack ?? 0;
    let numbers: Numbers['numbers'] = 'absolute';
    let senderBase: number | null = null;
    let receiverBase: number | null = null;
    let synthetic = false;
    if (!absolute && s.flags & TH_ACK) {
      const key = tupleKey(s);
      const b = bases.get(key);
      if (!b || s.flags & TH_SYN) {
        const fresh = new Map<string, number>();
        if (seq === null) {
          // A bare ACK opened tcpdump's bookkeeping: its seq was not printed; any base will do.
          seq = next.get(dir) ?? lastAck.get(back) ?? syntheticBase(invented++);
          synthetic = !next.has(dir) && !lastAck.has(back);
        }
        fresh.set(sideKey(s.src), seq);
        fresh.set(sideKey(s.dst), u32(ack - 1));
        bases.set(key, fresh);
      } else {
        senderBase = b.get(sideKey(s.src))!;
        receiverBase = b.get(sideKey(s.dst))!;
        numbers = 'relative';
        if (seq !== null) seq = u32(seq + senderBase);
        ack = u32(ack + receiverBase);
      }
    }
    if (seq === null) {
      // tcpdump leaves out the seq of a segment without data, SYN, FIN or RST: it is the sender's next.
      seq = next.get(dir) ?? lastAck.get(back) ?? syntheticBase(invented++);
    }
    const uses = s.len + (s.flags & TH_SYN ? 1 : 0) + (s.flags & TH_FIN ? 1 : 0);
    const end = u32(seq + uses);
    const prev = next.get(dir);
    if (prev === undefined || u32(end - prev) < 0x80000000) next.set(dir, end);
    if (s.flags & TH_ACK) lastAck.set(dir, ack);
    out.set(s, { seq, ack: s.flags & TH_ACK ? ack : 0, numbers, senderBase, receiverBase, synthetic });
  }
  return out;
}

/** -S (absolute numbers) or not: after the first ACK of a pair, relative acks are small and absolute ones near the base. */
function tcpdumpPrintsAbsolute(segments: TextSegment[]): boolean {
  const first = new Map<string, TextSegment>();
  let votes = 0;
  for (const s of segments) {
    if (!(s.flags & TH_ACK) || s.ack === null) continue;
    const key = tupleKey(s);
    const f = first.get(key);
    if (!f || f.ack === null) {
      first.set(key, s);
      continue;
    }
    if (s.flags & TH_SYN) continue;
    // The base this segment's ack would be counted from, in the first segment's terms.
    const base = sideKey(s.dst) === sideKey(f.dst) ? u32(f.ack - 1) : (f.seq ?? null);
    if (base === null) continue;
    // Relative acks are small; an absolute one lies a little past its base (wrapping included).
    const past = u32(s.ack - base);
    if (s.ack < 1 << 20 && past >= 1 << 20) votes--;
    else if (past < 1 << 30) votes++;
  }
  return votes > 0;
}

/**
 * tshark prints Wireshark's relative numbers (the ISN, or the first seq - 1, counts as 0); raw
 * ones only when told (-o tcp.relative_sequence_numbers:FALSE), which shows as a SYN with Seq≠0.
 * Relative numbers get invented bases per connection; a new SYN on a used address/port pair
 * starts a new connection, as in Wireshark.
 */
function tsharkNumbers(segments: TextSegment[]): Map<TextSegment, Numbers> {
  const out = new Map<TextSegment, Numbers>();
  const absolute = segments.some((s) => s.flags & TH_SYN && s.seq !== null && s.seq !== 0);
  const conns = new Map<string, { bases: Map<string, number>; answered: boolean; closed: boolean }>();
  let invented = 0;
  for (const s of segments) {
    const seq = s.seq ?? 0;
    const ack = s.ack ?? 0;
    if (absolute) {
      out.set(s, { seq, ack: s.flags & TH_ACK ? ack : 0, numbers: 'absolute', senderBase: null, receiverBase: null, synthetic: false });
      continue;
    }
    const key = tupleKey(s);
    let c = conns.get(key);
    const pureSyn = (s.flags & (TH_SYN | TH_ACK)) === TH_SYN;
    if (!c || (pureSyn && (c.answered || c.closed))) {
      c = { bases: new Map(), answered: false, closed: false };
      conns.set(key, c);
    }
    if ((s.flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK)) c.answered = true;
    if (s.flags & (TH_FIN | TH_RST)) c.closed = true;
    const base = (side: string): number => {
      let b = c.bases.get(side);
      if (b === undefined) {
        b = syntheticBase(invented++);
        c.bases.set(side, b);
      }
      return b;
    };
    const senderBase = base(sideKey(s.src));
    const receiverBase = base(sideKey(s.dst));
    out.set(s, {
      seq: u32(seq + senderBase),
      ack: s.flags & TH_ACK ? u32(ack + receiverBase) : 0,
      numbers: 'relative',
      senderBase,
      receiverBase,
      synthetic: true,
    });
  }
  return out;
}

/**
 * tshark shows an application protocol's line (HTTP...) without its TCP fields: no ports, no
 * numbers. The segment is rebuilt when the text pins it down: its sender is the side whose
 * next bytes the following segments account for (the sender's next seq, or the peer's Ack),
 * and the frame length agrees with the header overhead of that connection's other lines. When
 * no following segment accounts for them, the frame length less the sender's own header
 * overhead sizes the segment (recorded in `sizedByFrame`).
 * Loopback has the same address on both sides, so both directions are tried.
 */
function inferApplicationSegments(parsed: ParsedText, numbers: Map<TextSegment, Numbers>, sizedByFrame: Set<number>): Map<number, TextSegment> {
  const inferred = new Map<number, TextSegment>();
  const packets = parsed.packets;
  const segmentAt = (q: number): TextSegment | null => {
    const x = packets[q]!;
    return x.kind === 'tcp' ? x : (inferred.get(q) ?? null);
  };
  const uses = (x: TextSegment): number => x.len + (x.flags & TH_SYN ? 1 : 0) + (x.flags & TH_FIN ? 1 : 0);
  // Who answered with SYN-ACK on each address/port pair (the server), found once: only printed
  // TCP lines carry a SYN-ACK, never a rebuilt one.
  const synAckSender = new Map<string, string>();
  for (const x of packets) {
    if (x.kind === 'tcp' && (x.flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK) && !synAckSender.has(tupleKey(x))) synAckSender.set(tupleKey(x), sideKey(x.src));
  }
  for (let p = 0; p < packets.length; p++) {
    const other = packets[p]!;
    if (other.kind !== 'other' || other.format !== 'tshark' || !other.src || !other.dst) continue;
    if (/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(other.src) || !(/^\d+\.\d+\.\d+\.\d+$/.test(other.src) || other.src.includes(':'))) continue;
    // Connections between these two addresses, seen in TCP lines around this one (nearest first).
    const candidates: Array<{ src: TextSegment['src']; dst: TextSegment['dst']; near: TextSegment }> = [];
    const seen = new Set<string>();
    for (let d = 1; d <= 2000 && candidates.length < 4; d++) {
      for (const q of [p - d, p + d]) {
        if (q < 0 || q >= packets.length) continue;
        const x = segmentAt(q);
        if (!x) continue;
        for (const [a, b] of [
          [x.src, x.dst],
          [x.dst, x.src],
        ] as const) {
          const k = `${sideKey(a)}>${sideKey(b)}`;
          if (a.address === other.src && b.address === other.dst && !seen.has(k)) {
            seen.add(k);
            candidates.push({ src: a, dst: b, near: x });
          }
        }
      }
    }
    // An HTTP-like line says who sent it: a status line comes from the server, a request from the client.
    const info = other.info;
    const role: 'client' | 'server' | null = /^HTTP\/\d/.test(info) ? 'server' : /^[A-Z]+ \S+ HTTP\/\d/.test(info) ? 'client' : null;
    const isServerSide = (a: TextSegment['src'], b: TextSegment['src']): boolean | null => {
      const server = synAckSender.get(tupleKey({ src: a, dst: b }));
      if (server !== undefined) return server === sideKey(a);
      return a.port === b.port ? null : a.port < b.port;
    };
    const options: Array<{ seg: TextSegment; near: TextSegment; score: number; sizedByFrame: boolean }> = [];
    for (const c of candidates) {
      const from = (x: TextSegment): boolean => sideKey(x.src) === sideKey(c.src) && sideKey(x.dst) === sideKey(c.dst);
      const to = (x: TextSegment): boolean => sideKey(x.src) === sideKey(c.dst) && sideKey(x.dst) === sideKey(c.src);
      // The sender's next seq, last ack and window, from what came before.
      let seqNext: number | null = null;
      let peerNext: number | null = null;
      let ackLast: number | null = null;
      let win: number | null = null;
      let overhead: number | null = null;
      // The sender's own header size, from a printed line with the header its data segments have:
      // not a SYN (more options), nor an RST (RFC 7323 lets it leave out the timestamps every
      // other segment then carries, so TSval shows on those), nor one with SACK blocks.
      let senderOverhead: number | null = null;
      // The flags of the latest segment each way: after its own FIN or either side's RST the sender sends no more data.
      let lastFromFlags: number | null = null;
      let lastToFlags: number | null = null;
      for (let q = p - 1; q >= 0 && p - q < 5000; q--) {
        const x = segmentAt(q);
        if (!x) continue;
        const printed = packets[q]!.kind === 'tcp' && x.frameLen !== null && !(x.flags & TH_SYN);
        if (overhead === null && printed && (from(x) || to(x))) overhead = x.frameLen! - x.len;
        if (senderOverhead === null && printed && from(x) && !(x.flags & TH_RST) && x.sack.length === 0) senderOverhead = x.frameLen! - x.len;
        if (from(x)) {
          lastFromFlags ??= x.flags;
          if (seqNext === null && x.seq !== null) seqNext = x.seq + uses(x);
          if (ackLast === null && x.ack !== null) ackLast = x.ack;
          if (win === null && x.win !== null) win = x.win;
        } else if (to(x)) {
          lastToFlags ??= x.flags;
          if (seqNext === null && x.ack !== null) seqNext = x.ack;
          if (peerNext === null && x.seq !== null) peerNext = x.seq + uses(x);
        }
        if (seqNext !== null && ackLast !== null && peerNext !== null && win !== null && overhead !== null && senderOverhead !== null) break;
      }
      // How far the following segments say the sender's bytes went: its next seq, or the peer's Ack.
      let bound: number | null = null;
      let synAck: TextSegment | null = null;
      for (let q = p + 1; q < packets.length && q - p < 5000; q++) {
        const x = segmentAt(q);
        if (!x || !(from(x) || to(x))) continue;
        if (seqNext === null) {
          if (to(x) && (x.flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK)) synAck = x;
          break;
        }
        if (from(x) && x.seq !== null) {
          bound = x.seq;
          break;
        }
        if (to(x) && x.ack !== null && x.ack > seqNext) {
          bound = x.ack;
          break;
        }
      }
      if (synAck && synAck.ack !== null && synAck.ack > 1) {
        // Data on a SYN (TCP Fast Open) shown as the application's line: the SYN-ACK acknowledges SYN + data.
        // A SYN-ACK may carry WS, SACK_PERM and timestamps only when the SYN did (RFC 7323, 2018);
        // its TSecr echoes the SYN's TSval. The SYN's own MSS and shift are not in the text: the
        // server's stand in for them.
        const syn = appSegment(other, c.src, c.dst, TH_SYN, 0, null, null, synAck.ack - 1);
        syn.mss = synAck.mss;
        syn.wsShift = synAck.wsShift;
        syn.sackPerm = synAck.sackPerm;
        syn.tsval = synAck.tsecr;
        syn.tsecr = synAck.tsecr !== null ? 0 : null;
        syn.tfo = 'cookie';
        options.push({ seg: syn, near: synAck, score: 1, sizedByFrame: false });
        continue;
      }
      if (seqNext === null) continue;
      const headerSize = senderOverhead ?? overhead;
      let len: number;
      let flags = other.protocol === 'TCP' ? TH_ACK : TH_ACK | TH_PUSH;
      let sizedByFrame = false;
      if (bound !== null && bound > seqNext) {
        // The frame length less the header overhead is the payload; else what the bound leaves.
        len = headerSize !== null && other.frameLen !== null ? other.frameLen - headerSize : bound - seqNext;
        if (len === 0 && bound - seqNext === 1) {
          // No bytes, yet the peer acknowledges one more: the FIN that completed the message.
          flags = TH_ACK | TH_FIN;
        }
      } else if (senderOverhead !== null && other.frameLen !== null && other.frameLen > senderOverhead && !((lastFromFlags ?? 0) & (TH_FIN | TH_RST)) && !((lastToFlags ?? 0) & TH_RST)) {
        // No later line says how far the bytes went (the peer answered with a bare RST, or the
        // listing ends): only the frame length less the sender's own header size can. Nothing
        // checks that guess, so any option a later line confirms goes first (score below).
        len = other.frameLen - senderOverhead;
        sizedByFrame = true;
      } else continue;
      const span = len + (flags & TH_FIN ? 1 : 0);
      if (len < 0 || len > 0x100000 || (bound !== null && bound > seqNext && seqNext + span > bound)) continue;
      const ack = peerNext !== null && (ackLast === null || peerNext > ackLast) ? peerNext : ackLast;
      const fromServer = isServerSide(c.src, c.dst);
      const roleFits = role === null || fromServer === null || role === (fromServer ? 'server' : 'client');
      options.push({ seg: appSegment(other, c.src, c.dst, flags, seqNext, ack, win, len), near: c.near, score: sizedByFrame ? (roleFits ? -1 : -2) : (seqNext + span === bound ? 2 : 0) + (roleFits ? 4 : 0), sizedByFrame });
    }
    options.sort((x, y) => y.score - x.score);
    const chosen = options[0];
    if (!chosen) continue;
    inferred.set(p, chosen.seg);
    if (chosen.sizedByFrame) sizedByFrame.add(p);
    const near = numbers.get(chosen.near)!;
    const forward = sideKey(chosen.near.src) === sideKey(chosen.seg.src);
    const senderBase = forward ? near.senderBase : near.receiverBase;
    const receiverBase = forward ? near.receiverBase : near.senderBase;
    numbers.set(chosen.seg, {
      seq: u32((chosen.seg.seq ?? 0) + (senderBase ?? 0)),
      ack: chosen.seg.flags & TH_ACK ? u32((chosen.seg.ack ?? 0) + (receiverBase ?? 0)) : 0,
      numbers: near.numbers,
      senderBase,
      receiverBase,
      synthetic: near.synthetic,
    });
  }
  return inferred;
}

function appSegment(
  other: Extract<TextPacket, { kind: 'other' }>,
  src: TextSegment['src'],
  dst: TextSegment['dst'],
  flags: number,
  seq: number,
  ack: number | null,
  win: number | null,
  len: number,
): TextSegment {
  return {
    ...emptySegment('tshark', other.line),
    frame: other.frame,
    time: other.time,
    frameLen: other.frameLen,
    ipv6: src.address.includes(':'),
    src,
    dst,
    flags,
    seq,
    ack,
    win,
    len,
  };
}

// ------------------------------------------------------------------ writing the capture

function ipv4Bytes(s: string): number[] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  return b.every((x) => x <= 255) ? b : null;
}

function ipv6Bytes(s: string): number[] | null {
  let text = s;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipv4Bytes(v4[1]!);
    if (!b) return null;
    tail.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
    text = text.slice(0, -v4[1]!.length) + (text.endsWith(':' + v4[1]) ? '0' : '');
    if (text.endsWith(':0')) text = text.slice(0, -2);
    else if (text.endsWith('::0')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  // Each group is 1 to 4 hex digits and nothing else (parseInt would read "12zz" as 0x12).
  const part = (h: string): number[] => (h ? h.split(':').map((w) => (/^[0-9A-Fa-f]{1,4}$/.test(w) ? parseInt(w, 16) : NaN)) : []);
  const head = part(halves[0]!);
  const rest = halves.length === 2 ? part(halves[1]!) : [];
  const zeros = 8 - head.length - rest.length - tail.length;
  if (halves.length === 2 && zeros < 1) return null;
  const words = halves.length === 2 ? [...head, ...new Array<number>(zeros).fill(0), ...rest, ...tail] : [...head, ...tail];
  if (words.length !== 8 || words.some((w) => !(w >= 0 && w <= 0xffff))) return null;
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

class Writer {
  private chunks: Uint8Array[] = [];
  size = 0;
  push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function tcpOptions(s: TextSegment, tsval: number | null, tsecr: number | null, sack: Array<[number, number]>): number[] {
  const o: number[] = [];
  if (s.flags & TH_SYN) {
    if (s.mss !== null) o.push(2, 4, (s.mss >> 8) & 0xff, s.mss & 0xff);
    if (s.sackPerm) o.push(4, 2);
    if (tsval !== null) o.push(8, 10, ...be32(tsval), ...be32(tsecr ?? 0));
    if (s.wsShift !== null) o.push(1, 3, 3, s.wsShift);
    if (s.tfo === 'request') o.push(34, 2);
    else if (s.tfo === 'cookie') o.push(34, 10, 0, 0, 0, 0, 0, 0, 0, 0);
  } else {
    if (tsval !== null) o.push(1, 1, 8, 10, ...be32(tsval), ...be32(tsecr ?? 0));
    if (sack.length) {
      o.push(1, 1, 5, 2 + 8 * sack.length);
      for (const [l, r] of sack) o.push(...be32(l), ...be32(r));
    }
  }
  while (o.length % 4) o.push(0);
  return o.length > 40 ? o.slice(0, 40) : o;
}

function be32(x: number): number[] {
  return [(x >>> 24) & 0xff, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff];
}

/**
 * The most payload one rebuilt packet claims: what an IPv4 packet can carry. A larger "length"
 * in text (GRO, or a forged line) is read as this much.
 */
export const MAX_TEXT_PAYLOAD = 65535 - 20 - 60;
/**
 * Text shows no payload bytes, so the rebuilt packets carry zeros. Past this many zero bytes in
 * all, packets carry their headers only (cut as by a snapshot length): a short listing that
 * claims huge lengths cannot make a huge capture.
 */
export const MAX_TEXT_PAYLOAD_TOTAL = 64 << 20;

/** One TCP/IP packet of the rebuilt capture (no link header: link type RAW); `keep` payload bytes are written. */
function tcpPacket(s: TextSegment, n: Numbers, win: number, sack: Array<[number, number]>, keep: number): Uint8Array | null {
  const v6 = s.src.address.includes(':');
  const src = v6 ? ipv6Bytes(s.src.address) : ipv4Bytes(s.src.address);
  const dst = v6 ? ipv6Bytes(s.dst.address) : ipv4Bytes(s.dst.address);
  if (!src || !dst) return null;
  const opts = tcpOptions(s, s.tsval, s.tsecr, sack);
  const tcpLen = 20 + opts.length;
  const ipLen = v6 ? 40 : 20;
  const out = new Uint8Array(ipLen + tcpLen + Math.min(keep, s.len));
  const dv = new DataView(out.buffer);
  if (v6) {
    out[0] = 0x60;
    dv.setUint16(4, tcpLen + s.len);
    out[6] = 6;
    out[7] = 64;
    out.set(src, 8);
    out.set(dst, 24);
  } else {
    out[0] = 0x45;
    dv.setUint16(2, Math.min(0xffff, 20 + tcpLen + s.len));
    dv.setUint16(6, 0x4000);
    out[8] = 64;
    out[9] = 6;
    out.set(src, 12);
    out.set(dst, 16);
  }
  const t = ipLen;
  dv.setUint16(t, s.src.port);
  dv.setUint16(t + 2, s.dst.port);
  dv.setUint32(t + 4, n.seq >>> 0);
  dv.setUint32(t + 8, n.ack >>> 0);
  dv.setUint16(t + 12, ((tcpLen / 4) << 12) | (s.flags & 0x0fff & ~TH_AE) | (s.flags & TH_AE ? 0x100 : 0));
  dv.setUint16(t + 14, Math.min(0xffff, win));
  out.set(opts, t + 20);
  return out;
}

/** Placeholder for a packet line that is not TCP: an IPv4 packet of a protocol no one uses (253, for experiments). */
const PLACEHOLDER = new Uint8Array([0x45, 0, 0, 20, 0, 0, 0, 0, 64, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
/** The IP protocol number placeholder frames carry; a view that counts what was skipped leaves them out. */
export const PLACEHOLDER_PROTOCOL = 253;

function timeOf(t: TextTime | null, dayOffset: number): [number, number] {
  if (!t) return [0, 0];
  return [t.sec + dayOffset, t.nsec];
}

/** Parses capture text and writes the capture it describes. */
export function rebuildCapture(text: string): RebuiltText {
  const parsed = parseCaptureText(text);
  const tcp = parsed.packets.filter((p): p is Extract<TextPacket, { kind: 'tcp' }> => p.kind === 'tcp');
  const numbers = parsed.format === 'tshark' ? tsharkNumbers(tcp) : tcpdumpNumbers(tcp);
  /** Application lines whose length only their frame length says (no later Ack does). */
  const sizedByFrame = new Set<number>();
  const inferred =
    parsed.format === 'tshark' && !tcp.some((s) => numbers.get(s)!.numbers === 'absolute') ? inferApplicationSegments(parsed, numbers, sizedByFrame) : new Map<number, TextSegment>();
  const notes: string[] = [];

  // Window scaling, as Wireshark applies it: both SYNs offered it, and never on a SYN.
  const shifts = new Map<string, number | null>();
  for (const s of [...tcp, ...inferred.values()]) if (s.flags & TH_SYN) shifts.set(`${sideKey(s.src)}>${sideKey(s.dst)}`, s.wsShift);

  const w = new Writer();
  const header = new Uint8Array(24);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, 0xa1b23c4d, true); // nanosecond pcap
  hv.setUint16(4, 2, true);
  hv.setUint16(6, 4, true);
  hv.setUint32(16, 262144, true);
  hv.setUint32(20, 101, true); // LINKTYPE_RAW
  w.push(header);

  const frameOfPacket = new Int32Array(parsed.packets.length).fill(0);
  const rebuilt: RebuiltPacket[] = [];
  let frame = 0;
  let placeholders = 0;
  /** The frame number of each record: tshark's own, gaps and all (the frames it did not print cost nothing). */
  const frameNumbers: number[] = [];
  let dayOffset = 0;
  let lastClock = -1;
  const record = (bytes: Uint8Array, t: TextTime | null, origLen = bytes.length): void => {
    if (t && (t.kind === 'clock' || t.kind === 'date')) {
      // tcpdump's time of day starts again at midnight.
      if (t.kind === 'clock' && lastClock >= 0 && t.sec + 43200 < lastClock) dayOffset += 86400;
      lastClock = t.sec;
    }
    const [sec, nsec] = timeOf(t, t?.kind === 'clock' ? dayOffset : 0);
    const rec = new Uint8Array(16);
    const rv = new DataView(rec.buffer);
    rv.setUint32(0, sec >>> 0, true);
    rv.setUint32(4, nsec, true);
    rv.setUint32(8, bytes.length, true);
    rv.setUint32(12, origLen, true);
    w.push(rec);
    w.push(bytes);
    frame++;
    frameNumbers.push(frame);
  };
  let unreadable = 0;
  let gaps = 0;
  let payloadBudget = MAX_TEXT_PAYLOAD_TOTAL;
  let cutLengths = 0;
  let headersOnly = 0;
  parsed.packets.forEach((p, index) => {
    // tshark's numbering: frames it did not print (a display filter) are skipped in the numbers
    // (ByteSource.frameNumbers), not written, so a line numbered 1000000 costs one frame.
    if (p.frame !== null && p.frame > frame + 1 && p.frame <= 0x7fffffff) {
      frame = p.frame - 1;
      gaps++;
    }
    const seg = p.kind === 'tcp' ? p : inferred.get(index);
    if (!seg) {
      record(PLACEHOLDER, p.time);
      placeholders++;
      frameOfPacket[index] = frame;
      return;
    }
    const n = numbers.get(seg)!;
    const dir = `${sideKey(seg.src)}>${sideKey(seg.dst)}`;
    const back = `${sideKey(seg.dst)}>${sideKey(seg.src)}`;
    const shift = shifts.get(dir);
    const scaled = seg.format === 'tshark' && !(seg.flags & TH_SYN) && shift != null && shifts.get(back) != null;
    const win = seg.win === null ? 0 : scaled ? Math.floor(seg.win / 2 ** shift) : seg.win;
    const sackBase = n.numbers === 'relative' ? (n.receiverBase ?? 0) : 0;
    const sack = seg.sack.map(([l, r]): [number, number] => [u32(l + sackBase), u32(r + sackBase)]);
    const cut = seg.len > MAX_TEXT_PAYLOAD;
    if (cut) cutLengths++;
    const len = cut ? MAX_TEXT_PAYLOAD : seg.len;
    const keep = Math.min(len, payloadBudget);
    if (keep < len) headersOnly++;
    payloadBudget -= keep;
    const bytes = tcpPacket(cut ? { ...seg, len } : seg, n, win, sack, keep);
    if (!bytes) {
      unreadable++;
      record(PLACEHOLDER, p.time);
      placeholders++;
      frameOfPacket[index] = frame;
      return;
    }
    record(bytes, p.time, bytes.length + len - keep);
    frameOfPacket[index] = frame;
    rebuilt.push({
      packet: index,
      frame,
      seqRaw: n.seq,
      ackRaw: n.ack,
      winRaw: win,
      numbers: n.numbers,
      senderBase: n.senderBase,
      receiverBase: n.receiverBase,
      synthetic: n.synthetic,
      inferred: p.kind !== 'tcp',
    });
  });

  if (parsed.format === 'tshark' && rebuilt.some((r) => r.synthetic)) {
    notes.push('tshark printed relative sequence numbers: the raw ones (and so the ISNs) are not in the text; the absolute numbers shown are invented, the relative ones are exact.');
  }
  if (parsed.format === 'tcpdump' && rebuilt.some((r) => r.numbers === 'relative')) {
    notes.push('tcpdump printed relative numbers after the first ACK of each connection (no -S): they were turned back into raw numbers from the segments it printed raw.');
  }
  if (parsed.format === 'tcpdump' && rebuilt.some((r) => r.synthetic)) {
    notes.push('Some connections start with a bare ACK, whose sequence number tcpdump does not print: their raw numbers are invented, the relative ones are exact.');
  }
  const inferredCount = rebuilt.filter((r) => r.inferred).length;
  const framedCount = rebuilt.filter((r) => r.inferred && sizedByFrame.has(r.packet)).length;
  if (inferredCount) {
    const framed = framedCount ? ` For ${framedCount} of them no later Ack says where their bytes end: their length rests on the frame length alone.` : '';
    notes.push(
      `${inferredCount} line(s) of an application protocol (HTTP, TLS...) show no TCP fields: each was rebuilt from the sender's previous segment; its length is the frame length less the header size of the connection's other lines, checked against the peer's next Ack (or that Ack alone when no line shows the header size).${framed} \`tshark --disable-protocol http --disable-protocol tls\` prints their TCP fields.`,
    );
  }
  const others = parsed.packets.length - rebuilt.length - unreadable;
  if (others > 0) notes.push(`${others} packet line(s) are not TCP, or show no TCP fields: they keep their frame numbers but explain nothing.`);
  if (unreadable) notes.push(`${unreadable} TCP line(s) have addresses that could not be read.`);
  if (gaps) notes.push(`tshark's frame numbers skip ${gaps} time(s) (a display filter): the frames it did not print keep their numbers free, as in the listing.`);
  if (cutLengths) notes.push(`${cutLengths} line(s) claim more payload than an IP packet holds: read as ${MAX_TEXT_PAYLOAD} bytes.`);
  if (headersOnly) notes.push(`The text claims more than ${MAX_TEXT_PAYLOAD_TOTAL >> 20} MiB of payload: ${headersOnly} packet(s) are rebuilt with their headers only.`);
  if (parsed.longLines) notes.push(`${parsed.longLines} line(s) are longer than ${MAX_LINE_CHARS} characters: each was read up to that length.`);
  if (parsed.format === 'tcpdump') notes.push('tcpdump does not print frame sizes or link headers: frames are rebuilt as bare IP packets, so byte counts per frame are smaller than on the wire.');
  if (tcp.some((s) => s.time === null)) notes.push('The text has no times (tcpdump -t): durations and iRTT are unknown.');
  if (parsed.format === 'tcpdump' && tcp.some((s) => s.time?.kind === 'clock')) {
    notes.push('tcpdump printed the time of day only (no date): times are counted from midnight of 1 January 1970.');
  }
  return { parsed, format: parsed.format, pcap: w.bytes(), frameNumbers: Int32Array.from(frameNumbers), tcp: rebuilt, frameOfPacket, placeholderFrames: placeholders, notes };
}

/** The rebuilt capture as a source whose records carry the listing's frame numbers. */
export function rebuiltSource(r: RebuiltText): MemorySource {
  return new MemorySource(r.pcap, r.frameNumbers);
}
