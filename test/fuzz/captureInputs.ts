import * as fs from 'node:fs';
import * as fc from 'fast-check';
import { openCapture } from '../../src/core/capture/open';
import { MemorySource } from '../../src/core/capture/source';
import { NO_LINK_TYPE } from '../../src/core/capture/types';
import { fixture } from '../helpers/paths';

/**
 * Structure-aware inputs for the capture readers and the decoders: pcap and pcapng files
 * written from random packet records (each a TCP/IP frame of some link type, or junk), then
 * damaged: truncated, bytes flipped, a length field set to 0xFFFFFFF0 or 2 GB (or a trailing
 * block length that disagrees with the leading one), a range cut out or repeated, a block too
 * short for its type slipped in. The writer knows every record it wrote, so the property can
 * say exactly which packets are whole before the damage.
 */

/** A packet record as the reader must return it (also a comparable copy of what it did return). */
export interface RecordFacts {
  frame: number;
  fileOffset: number;
  /** File offset just past the record (pcap record or pcapng block). */
  end: number;
  interfaceId: number;
  section: number;
  linkType: number;
  tsSec: number;
  tsNsec: number;
  hasTimestamp: boolean;
  capLen: number;
  origLen: number;
  /** FNV-1a of the captured bytes: comparing hashes keeps the reads nearly free of allocation, so GC does not blur the time checks. */
  dataHash: number;
}

export function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

/** A capture to read, and what reading it must give. */
export interface CaptureSample {
  /** The bytes under test: a generated or fixture capture, usually damaged. */
  bytes: Uint8Array;
  /** The undamaged capture, or null (a regression file keeps only the bytes). */
  original: Uint8Array | null;
  /** What reading `original` must return, when the writer knows it (null for fixtures). */
  expected: RecordFacts[] | null;
  /** First offset the damage touched: every record of `original` ending at or before it is whole. */
  damageAt: number;
  /** What was done to the bytes, for failure messages. */
  damage: string[];
}

// ---------------------------------------------------------------------------------------------
// Frames: link header + IPv4/IPv6 + TCP, with the knobs a hostile or damaged frame turns.

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;
const ECE = 0x40;
const CWR = 0x80;

const V4 = [
  [127, 0, 0, 1],
  [10, 0, 0, 1],
  [10, 0, 0, 2],
  [192, 168, 1, 1],
];
const V6 = [
  [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
];

export interface TcpFrameSpec {
  kind: 'tcp';
  v6: boolean;
  /** Indexes into a small address pool, so frames of one file fall into a few connections. */
  src: number;
  dst: number;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  win: number;
  options: number[];
  payload: number;
  /** What the IP length field says: the truth, 0 (TSO), too little or too much. */
  ipLen: 'right' | 'zero' | 'short' | 'long';
  /** A TCP data offset that lies, or null for the right one. */
  dataOffset: number | null;
  /** IPv6 extension headers (0, 43, 44, 60, 51) or, for IPv4, 51 = an AH before TCP. */
  ext: number[];
  /** IPv4 flags and fragment offset (0x2000 = more fragments). */
  fragment: number;
  vlan: boolean;
  ecn: number;
  /** Keep only this many bytes, as a snapshot length does. */
  snap: number | null;
  flips: Array<{ at: number; xor: number }>;
}

export interface JunkFrameSpec {
  kind: 'junk';
  bytes: Uint8Array;
}

export type FrameSpec = TcpFrameSpec | JunkFrameSpec;

const u32Arb = fc.oneof(
  fc.constantFrom(0, 1, 1000, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe),
  fc.integer({ min: 0, max: 0xffffffff }),
);
const portArb = fc.oneof(fc.constantFrom(4000, 53416, 80, 443, 0, 65535), fc.integer({ min: 0, max: 65535 }));
const flagsArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(SYN, SYN | ACK, ACK, PSH | ACK, FIN | ACK, RST, RST | ACK, SYN | ECE | CWR, ACK | ECE) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xfff }) },
);

/** TCP option bytes, well-formed and not: lengths that lie, kinds nobody knows, no padding. */
export const tcpOptionBytesArb: fc.Arbitrary<number[]> = fc
  .array(
    fc.oneof(
      fc.constant([1]),
      fc.constant([0]),
      fc.integer({ min: 0, max: 65535 }).map((m) => [2, 4, m >> 8, m & 255]),
      fc.integer({ min: 0, max: 255 }).map((s) => [3, 3, s]),
      fc.constant([4, 2]),
      fc.array(fc.tuple(u32Arb, u32Arb), { maxLength: 4 }).map((bs) => [5, 2 + 8 * bs.length, ...bs.flatMap(([l, r]) => [...be32(l), ...be32(r)])]),
      fc.tuple(u32Arb, u32Arb).map(([v, e]) => [8, 10, ...be32(v), ...be32(e)]),
      fc.uint8Array({ maxLength: 16 }).map((c) => [34, 2 + c.length, ...c]),
      fc.uint8Array({ maxLength: 16 }).map((c) => [254, 4 + c.length, 0xf9, 0x89, ...c]),
      fc
        .record({ kind: fc.integer({ min: 0, max: 255 }), len: fc.integer({ min: 0, max: 255 }), body: fc.uint8Array({ maxLength: 40 }) })
        .map(({ kind, len, body }) => [kind, len, ...body]),
    ),
    { maxLength: 10 },
  )
  .map((parts) => parts.flat());

const tcpFrameArb: fc.Arbitrary<TcpFrameSpec> = fc.record({
  kind: fc.constant('tcp' as const),
  v6: fc.boolean(),
  src: fc.nat(3),
  dst: fc.nat(3),
  sport: portArb,
  dport: portArb,
  seq: u32Arb,
  ack: u32Arb,
  flags: flagsArb,
  win: fc.integer({ min: 0, max: 65535 }),
  options: fc.oneof({ weight: 2, arbitrary: fc.constant<number[]>([]) }, { weight: 3, arbitrary: tcpOptionBytesArb }),
  payload: fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 200 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 9000 }) },
  ),
  ipLen: fc.constantFrom('right', 'right', 'right', 'right', 'zero', 'short', 'long') as fc.Arbitrary<TcpFrameSpec['ipLen']>,
  dataOffset: fc.option(fc.integer({ min: 0, max: 15 }), { freq: 8 }),
  ext: fc.oneof({ weight: 5, arbitrary: fc.constant<number[]>([]) }, { weight: 1, arbitrary: fc.array(fc.constantFrom(0, 43, 44, 60, 51), { maxLength: 3 }) }),
  fragment: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(0, 0x4000) }, { weight: 1, arbitrary: fc.constantFrom(0x2000, 0x0001, 0x3fff) }),
  vlan: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  ecn: fc.nat(3),
  snap: fc.option(fc.integer({ min: 0, max: 120 }), { freq: 6 }),
  flips: fc.oneof(
    { weight: 5, arbitrary: fc.constant<Array<{ at: number; xor: number }>>([]) },
    { weight: 1, arbitrary: fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 3 }) },
  ),
});

export const frameSpecArb: fc.Arbitrary<FrameSpec> = fc.oneof(
  { weight: 6, arbitrary: tcpFrameArb },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 96 }).map((bytes): JunkFrameSpec => ({ kind: 'junk', bytes })) },
);

/** Link types the decoder reads, one it must refuse, and any other number. */
export const SUPPORTED_LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];
export const linkTypeArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...SUPPORTED_LINK_TYPES) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);

function be16(v: number): number[] {
  return [(v >>> 8) & 255, v & 255];
}
function be32(v: number): number[] {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

/** IP and TCP headers, with lengths that count `s.payload` bytes of payload to follow them. */
function tcpIpHeaders(s: TcpFrameSpec): number[] {
  const opts = s.options.slice(0, 40);
  while (opts.length % 4) opts.push(0);
  const tcpLen = 20 + opts.length;
  const hdrWords = s.dataOffset ?? tcpLen / 4;
  const tcp = [
    ...be16(s.sport),
    ...be16(s.dport),
    ...be32(s.seq),
    ...be32(s.ack),
    ((hdrWords & 15) << 4) | ((s.flags >> 8) & 15),
    s.flags & 255,
    ...be16(s.win),
    0,
    0,
    0,
    0,
    ...opts,
  ];
  const tcpTotal = tcp.length + s.payload;
  const lie = (truth: number): number =>
    s.ipLen === 'right' ? truth : s.ipLen === 'zero' ? 0 : s.ipLen === 'short' ? Math.max(0, truth - 30) : Math.min(0xffff, truth + 1000);
  if (!s.v6) {
    const ah = s.ext.includes(51) ? [6, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1] : [];
    const total = 20 + ah.length + tcpTotal;
    const ip = [0x45, s.ecn, ...be16(lie(total)), 0, 1, ...be16(s.fragment), 64, ah.length ? 51 : 6, 0, 0, ...V4[s.src]!, ...V4[s.dst]!];
    return [...ip, ...ah, ...tcp];
  }
  const ext: number[] = [];
  let firstNext = 6;
  for (let i = s.ext.length - 1; i >= 0; i--) {
    const type = s.ext[i]!;
    const next = firstNext;
    firstNext = type;
    if (type === 44) ext.unshift(next, 0, 0, 0, 0, 0, 0, 1);
    else if (type === 51) ext.unshift(next, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1);
    else if (type === 0 && s.ipLen === 'zero') ext.unshift(next, 0, 0xc2, 4, ...be32(tcpTotal + 8));
    else ext.unshift(next, 0, 1, 4, 0, 0, 0, 0);
  }
  const plen = ext.length + tcpTotal;
  const ip = [0x60 | (s.ecn >> 2), (s.ecn & 3) << 4, 0, 0, ...be16(lie(plen)), firstNext, 64, ...V6[s.src]!, ...V6[s.dst]!];
  return [...ip, ...ext, ...tcp];
}

function linkHeader(linkType: number, v6: boolean, vlan: boolean): number[] {
  const ethertype = v6 ? 0x86dd : 0x0800;
  switch (linkType) {
    case 1:
      return [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, ...(vlan ? [0x81, 0x00, 0, 5] : []), ...be16(ethertype)];
    case 113:
      return [0, 0, 3, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, ...be16(ethertype)];
    case 276:
      return [...be16(ethertype), 0, 0, 0, 0, 0, 1, 3, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0];
    case 0:
      return v6 ? [30, 0, 0, 0] : [2, 0, 0, 0];
    case 108:
      return v6 ? [0, 0, 0, 24] : [0, 0, 0, 2];
    default:
      return [];
  }
}

/** The frame's captured bytes and its length on the wire. */
export function buildFrame(linkType: number, spec: FrameSpec): { data: Uint8Array; wireLen: number } {
  if (spec.kind === 'junk') return { data: spec.bytes, wireLen: spec.bytes.length };
  const head = [...linkHeader(linkType, spec.v6, spec.vlan), ...tcpIpHeaders(spec)];
  const bytes = new Uint8Array(head.length + spec.payload);
  bytes.set(head);
  for (let i = 0; i < spec.payload; i++) bytes[head.length + i] = i & 255;
  for (const f of spec.flips) if (bytes.length) bytes[f.at % bytes.length]! ^= f.xor;
  const kept = spec.snap === null ? bytes : bytes.slice(0, spec.snap);
  return { data: kept, wireLen: bytes.length };
}

// ---------------------------------------------------------------------------------------------
// A byte writer that remembers where the length fields are, for damage aimed at them.

class FileWriter {
  private buf = new Uint8Array(1024);
  private n = 0;
  /** Offsets of 32-bit length fields (record and block lengths, captured and original lengths). */
  readonly u32Fields: number[] = [];
  /** Offsets of 16-bit fields worth damaging (option lengths, link types). */
  readonly u16Fields: number[] = [];
  /** Where each record or block starts: places to slip in a block that lies about itself. */
  readonly starts: number[] = [];
  le = true;

  get length(): number {
    return this.n;
  }
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    bigger.set(this.buf.subarray(0, this.n));
    this.buf = bigger;
  }
  u8(...v: number[]): void {
    this.raw(v);
  }
  u16(v: number, mark = false): void {
    if (mark) this.u16Fields.push(this.n);
    this.room(2);
    new DataView(this.buf.buffer).setUint16(this.n, v & 0xffff, this.le);
    this.n += 2;
  }
  u32(v: number, mark = false): void {
    if (mark) this.u32Fields.push(this.n);
    this.room(4);
    new DataView(this.buf.buffer).setUint32(this.n, v >>> 0, this.le);
    this.n += 4;
  }
  raw(b: ArrayLike<number>): void {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
  pad4(): void {
    while (this.n % 4) this.u8(0);
  }
  patchU32(at: number, v: number): void {
    new DataView(this.buf.buffer).setUint32(at, v >>> 0, this.le);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}

/** A capture as written, and where its fields are, for damage aimed at them. */
export interface DamageTarget {
  bytes: Uint8Array;
  format: 'pcap' | 'pcapng';
  u32Fields: number[];
  u16Fields: number[];
  starts: number[];
}

export interface WrittenCapture extends DamageTarget {
  records: RecordFacts[];
}

// ---------------------------------------------------------------------------------------------
// pcap

interface PcapPacket {
  frame: FrameSpec;
  sec: number;
  frac: number;
  /** Bytes the wire had beyond what was captured (beyond the snapshot). */
  extra: number;
}

export interface PcapSpec {
  magic: number;
  version: [number, number];
  snapLen: number;
  linkType: number;
  /** Bits 28-31 of the link-type field (FCS length), which the reader must ignore. */
  fcsBits: number;
  packets: PcapPacket[];
  /** The packet list written this many times: a few large files, for the time checks. */
  repeat: number;
}

const repeatArb = fc.oneof({ weight: 24, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 20, max: 300 }) });

const pcapPacketArb: fc.Arbitrary<PcapPacket> = fc.record({
  frame: frameSpecArb,
  sec: fc.oneof(fc.constantFrom(0, 1700000000, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff })),
  frac: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 999999 }) }, { weight: 1, arbitrary: u32Arb }),
  extra: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 70000 }) }),
});

export const pcapSpecArb: fc.Arbitrary<PcapSpec> = fc.record({
  magic: fc.constantFrom(0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1),
  version: fc.constantFrom<[number, number]>([2, 4], [2, 4], [2, 2], [0, 0], [0xffff, 0xffff]),
  snapLen: fc.constantFrom(65535, 262144, 0, 96, 16, 0xffffffff),
  linkType: linkTypeArb,
  fcsBits: fc.constantFrom(0, 0, 0, 0x10000000, 0xf0000000),
  packets: fc.array(pcapPacketArb, { maxLength: 24 }),
  repeat: repeatArb,
});

export function writePcap(spec: PcapSpec): WrittenCapture {
  const w = new FileWriter();
  const le = spec.magic === 0xd4c3b2a1 || spec.magic === 0x4d3cb2a1;
  const nanos = spec.magic === 0xa1b23c4d || spec.magic === 0x4d3cb2a1;
  w.u8(...be32(spec.magic));
  w.le = le;
  w.u16(spec.version[0], true);
  w.u16(spec.version[1]);
  w.u32(0);
  w.u32(0);
  w.u32(spec.snapLen, true);
  w.u32((spec.linkType | spec.fcsBits) >>> 0);
  const records: RecordFacts[] = [];
  const frames = spec.packets.map((p) => buildFrame(spec.linkType, p.frame));
  for (let r = 0; r < spec.repeat; r++) {
    for (const [i, p] of spec.packets.entries()) {
      const { data, wireLen } = frames[i]!;
      const at = w.length;
      w.starts.push(at);
      w.u32(p.sec);
      w.u32(p.frac);
      w.u32(data.length, true);
      w.u32(wireLen + p.extra, true);
      w.raw(data);
      records.push({
        frame: records.length + 1,
        fileOffset: at,
        end: w.length,
        interfaceId: 0,
        section: 0,
        linkType: spec.linkType,
        tsSec: p.sec,
        tsNsec: nanos ? p.frac : p.frac * 1000,
        hasTimestamp: true,
        capLen: data.length,
        origLen: wireLen + p.extra,
        dataHash: fnv1a(data),
      });
    }
  }
  return { bytes: w.done(), format: 'pcap', records, u32Fields: w.u32Fields, u16Fields: w.u16Fields, starts: w.starts };
}

// ---------------------------------------------------------------------------------------------
// pcapng

interface PcapngInterface {
  linkType: number;
  snapLen: number;
  /** if_tsresol byte, or null for the default (microseconds). */
  tsresol: number | null;
  name: string | null;
  tsoffset: number | null;
}

type PcapngBlock =
  | { kind: 'epb' | 'pb' | 'spb'; iface: number; frame: FrameSpec; tsHi: number; tsLo: number; extra: number; options: boolean }
  | { kind: 'other'; type: number; body: Uint8Array };

interface PcapngSection {
  le: boolean;
  shbOptions: boolean;
  interfaces: PcapngInterface[];
  blocks: PcapngBlock[];
}

export interface PcapngSpec {
  sections: PcapngSection[];
  repeat: number;
}

const PCAPNG_SHB = 0x0a0d0d0a;
/** Block types the reader treats as something: a random "other" block must not be one of them. */
const KNOWN_BLOCKS = new Set([PCAPNG_SHB, 1, 2, 3, 6]);
const RECORD_BLOCKS = new Set([0x00000bad, 0x40000bad, 9]);

const pcapngInterfaceArb: fc.Arbitrary<PcapngInterface> = fc.record({
  linkType: linkTypeArb,
  snapLen: fc.constantFrom(0, 65535, 262144, 96),
  tsresol: fc.option(fc.constantFrom(0, 3, 6, 9, 12, 0x80 | 10, 0x80 | 30, 0x80), { freq: 3 }),
  name: fc.option(fc.constantFrom('eth0', 'lo', 'any', 'x'.repeat(300), '\u00e9\u0000junk'), { freq: 2 }),
  tsoffset: fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), { freq: 5 }),
});

const pcapngBlockArb: fc.Arbitrary<PcapngBlock> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constantFrom('epb', 'epb', 'epb', 'epb', 'pb', 'spb') as fc.Arbitrary<'epb' | 'pb' | 'spb'>,
      iface: fc.nat(5),
      frame: frameSpecArb,
      // 0x100000..0x1fffff: microsecond-scale ticks at 2^52..2^53, where float division rounds.
      tsHi: fc.oneof(fc.constantFrom(0, 0x5e0be, 0x17f5a9, 0x100000, 0x1fffff, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff })),
      tsLo: u32Arb,
      extra: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 70000 }) }),
      options: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('other' as const),
      type: fc.oneof(
        fc.constantFrom(4, 5, 0x0a, 0x00000bad, 0x40000bad, 9, 0x80000001),
        fc.integer({ min: 0, max: 0xffffffff }).filter((t) => !KNOWN_BLOCKS.has(t)),
      ),
      body: fc.uint8Array({ maxLength: 40 }),
    }),
  },
);

export const pcapngSpecArb: fc.Arbitrary<PcapngSpec> = fc.record({
  sections: fc.array(
    fc.record({
      le: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      shbOptions: fc.boolean(),
      interfaces: fc.array(pcapngInterfaceArb, { minLength: 1, maxLength: 3 }),
      blocks: fc.array(pcapngBlockArb, { maxLength: 20 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  repeat: repeatArb,
});

function option(w: FileWriter, code: number, value: ArrayLike<number>): void {
  w.u16(code);
  w.u16(value.length, true);
  w.raw(value);
  w.pad4();
}

function latin1Bytes(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0) & 255);
}

/** Start a block; the returned function writes the trailing length and patches the leading one. */
function block(w: FileWriter, type: number): () => number {
  const at = w.length;
  w.starts.push(at);
  w.u32(type);
  w.u32(0, true);
  return () => {
    w.pad4();
    const len = w.length + 4 - at;
    w.u32(len, true);
    w.patchU32(at + 4, len);
    return at;
  };
}

/** Seconds and nanoseconds of `ticks` at if_tsresol `resol`, in exact integer arithmetic. */
function ticksToTime(hi: number, lo: number, resol: number | null, offset: number): [number, number] {
  const ticks = (BigInt(hi) << 32n) | BigInt(lo);
  const r = resol ?? 6;
  const perSec = r & 0x80 ? 2n ** BigInt(r & 0x7f) : 10n ** BigInt(r);
  return [Number(ticks / perSec) + offset, Number(((ticks % perSec) * 1_000_000_000n) / perSec)];
}

export function writePcapng(spec: PcapngSpec): WrittenCapture {
  const w = new FileWriter();
  const records: RecordFacts[] = [];
  spec.sections.forEach((section, sectionIndex) => {
    w.le = section.le;
    const endShb = block(w, PCAPNG_SHB);
    w.u32(0x1a2b3c4d);
    w.u16(1, true);
    w.u16(0);
    w.u32(0xffffffff);
    w.u32(0xffffffff);
    if (section.shbOptions) {
      option(w, 2, latin1Bytes('fuzzed hardware'));
      option(w, 3, latin1Bytes('Linux'));
      option(w, 4, latin1Bytes('tcp-explainer fuzz'));
      option(w, 0, []);
    }
    endShb();
    for (const iface of section.interfaces) {
      const end = block(w, 1);
      w.u16(iface.linkType, true);
      w.u16(0);
      w.u32(iface.snapLen);
      if (iface.name !== null) option(w, 2, latin1Bytes(iface.name));
      if (iface.tsresol !== null) option(w, 9, [iface.tsresol]);
      if (iface.tsoffset !== null) {
        const hi = iface.tsoffset < 0 ? 0xffffffff : 0;
        const lo = iface.tsoffset >>> 0;
        const v = section.le ? [lo, lo >>> 8, lo >>> 16, lo >>> 24, hi, hi, hi, hi] : [hi, hi, hi, hi, lo >>> 24, lo >>> 16, lo >>> 8, lo];
        option(w, 14, v);
      }
      if (iface.name !== null || iface.tsresol !== null || iface.tsoffset !== null) option(w, 0, []);
      end();
    }
    const frames = section.blocks.map((b) =>
      b.kind === 'other' ? null : buildFrame(section.interfaces[b.kind === 'spb' ? 0 : b.iface % section.interfaces.length]!.linkType, b.frame),
    );
    for (let r = 0; r < spec.repeat; r++) {
      for (const [blockIndex, b] of section.blocks.entries()) {
        if (b.kind === 'other') {
          const recordLike = RECORD_BLOCKS.has(b.type);
          // A custom block carries a 4-byte Private Enterprise Number before its data.
          const body = b.type === 0x00000bad || b.type === 0x40000bad ? Uint8Array.from([0, 0, 0x7f, 0xfe, ...b.body]) : b.body;
          const end = block(w, b.type);
          w.raw(body);
          const at = end();
          if (recordLike) {
            const overhead = b.type === 9 ? 12 : 16;
            const len = w.length - at;
            records.push({
              frame: records.length + 1,
              fileOffset: at,
              end: w.length,
              interfaceId: -1,
              section: sectionIndex,
              linkType: NO_LINK_TYPE,
              tsSec: 0,
              tsNsec: 0,
              hasTimestamp: false,
              capLen: len - overhead,
              origLen: len - overhead,
              dataHash: fnv1a(Uint8Array.from({ length: len - overhead }, (_, i) => b.body[i] ?? 0)),
            });
          }
          continue;
        }
        const ifIndex = b.kind === 'spb' ? 0 : b.iface % section.interfaces.length;
        const iface = section.interfaces[ifIndex]!;
        const built = frames[blockIndex]!;
        let data = built.data;
        let origLen = built.wireLen + b.extra;
        if (b.kind === 'spb') {
          // The block holds min(original length, snapshot length) bytes: write exactly that.
          origLen = data.length;
          if (iface.snapLen > 0 && data.length > iface.snapLen) data = data.slice(0, iface.snapLen);
        }
        const end = block(w, b.kind === 'epb' ? 6 : b.kind === 'pb' ? 2 : 3);
        if (b.kind === 'spb') {
          w.u32(origLen, true);
        } else {
          if (b.kind === 'epb') w.u32(ifIndex, true);
          else {
            w.u16(ifIndex, true);
            w.u16(0);
          }
          w.u32(b.tsHi);
          w.u32(b.tsLo);
          w.u32(data.length, true);
          w.u32(origLen, true);
        }
        w.raw(data);
        w.pad4();
        if (b.options && b.kind !== 'spb') {
          option(w, 1, latin1Bytes('a comment'));
          option(w, 2, [0, 0, 0, 1]);
          option(w, 0, []);
        }
        const at = end();
        const [tsSec, tsNsec] = b.kind === 'spb' ? [0, 0] : ticksToTime(b.tsHi, b.tsLo, iface.tsresol, iface.tsoffset ?? 0);
        records.push({
          frame: records.length + 1,
          fileOffset: at,
          end: w.length,
          interfaceId: ifIndex,
          section: sectionIndex,
          linkType: iface.linkType,
          tsSec,
          tsNsec,
          hasTimestamp: b.kind !== 'spb',
          capLen: data.length,
          origLen,
          dataHash: fnv1a(data),
        });
      }
    }
  });
  return { bytes: w.done(), format: 'pcapng', records, u32Fields: w.u32Fields, u16Fields: w.u16Fields, starts: w.starts };
}

// ---------------------------------------------------------------------------------------------
// Damage

export type Damage =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; xor: number; count: number }
  | { op: 'setLength'; field: number; value: number | 'pastEnd'; swapped: boolean }
  | { op: 'setU16'; field: number; value: number }
  | { op: 'remove'; at: number; len: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'duplicate'; at: number; len: number }
  /** A block (pcapng) or record (pcap) of `len` bytes slipped in before the start-th one: too short for its type, mostly. */
  | { op: 'insertBlock'; start: number; type: number; len: number };

/** Lengths a hostile file claims: 2 GB, 4 GB minus a little, zero, just below a header, just past the end. */
export const HOSTILE_LENGTHS = [
  0xfffffff0, 0x80000000, 0x7fffffff, 0xffffffff, 0xfffffffc, 0x7ffffffc, 0, 1, 4, 8, 12, 13, 16, 28, 32, 0x10000, 0x40000, 0x40001,
  128 << 20, (128 << 20) + 4,
];

export const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }), count: fc.integer({ min: 1, max: 8 }) }),
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('setLength' as const),
      field: fc.nat(),
      value: fc.oneof(fc.constantFrom(...HOSTILE_LENGTHS), fc.constant('pastEnd' as const), fc.integer({ min: 0, max: 0xffffffff })),
      swapped: fc.boolean(),
    }),
  },
  fc.record({ op: fc.constant('setU16' as const), field: fc.nat(), value: fc.constantFrom(0, 1, 3, 0xfff0, 0xffff, 276, 1000) }),
  fc.record({ op: fc.constant('remove' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 300 }) }),
  fc.record({
    op: fc.constant('insertBlock' as const),
    start: fc.nat(),
    type: fc.constantFrom(1, 2, 3, 5, 6, 9, 0x00000bad, 0x40000bad, PCAPNG_SHB),
    len: fc.constantFrom(12, 16, 20, 24, 28, 32),
  }),
);

export const damagesArb = fc.array(damageArb, { maxLength: 3 });

function setU32(b: Uint8Array, at: number, v: number, le: boolean): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, le);
}

/** Applies the damage in order; returns the damaged bytes and the first offset any of it touched. */
export function applyDamage(
  written: DamageTarget,
  le: boolean,
  damages: Damage[],
): { bytes: Uint8Array; damageAt: number; damage: string[] } {
  let b = written.bytes.slice();
  let damageAt = Infinity;
  const said: string[] = [];
  for (const d of damages) {
    const size = b.length;
    switch (d.op) {
      case 'truncate': {
        const at = d.at % (size + 1);
        b = b.slice(0, at);
        damageAt = Math.min(damageAt, at);
        said.push(`truncated at ${at}`);
        break;
      }
      case 'flip': {
        if (!size) break;
        const spots: number[] = [];
        for (let i = 0; i < d.count; i++) {
          const at = (d.at + i * 7919) % size;
          b[at]! ^= d.xor;
          spots.push(at);
          damageAt = Math.min(damageAt, at);
        }
        said.push(`bytes at ${spots.join(',')} xor 0x${d.xor.toString(16)}`);
        break;
      }
      case 'setLength': {
        const fields = written.u32Fields.filter((f) => f + 4 <= size);
        if (!fields.length) break;
        const at = fields[d.field % fields.length]!;
        const v = d.value === 'pastEnd' ? size - at + 4 : d.value;
        setU32(b, at, v, d.swapped ? !le : le);
        damageAt = Math.min(damageAt, at);
        said.push(`u32 at ${at} set to 0x${v.toString(16)}${d.swapped ? ' (other byte order)' : ''}`);
        break;
      }
      case 'setU16': {
        const fields = written.u16Fields.filter((f) => f + 2 <= size);
        if (!fields.length) break;
        const at = fields[d.field % fields.length]!;
        new DataView(b.buffer, b.byteOffset, b.byteLength).setUint16(at, d.value, le);
        damageAt = Math.min(damageAt, at);
        said.push(`u16 at ${at} set to ${d.value}`);
        break;
      }
      case 'remove': {
        const at = d.at % (size + 1);
        const end = Math.min(size, at + d.len);
        const out = new Uint8Array(size - (end - at));
        out.set(b.subarray(0, at));
        out.set(b.subarray(end), at);
        b = out;
        damageAt = Math.min(damageAt, at);
        said.push(`removed ${at}..${end}`);
        break;
      }
      case 'insert': {
        const at = d.at % (size + 1);
        const out = new Uint8Array(size + d.bytes.length);
        out.set(b.subarray(0, at));
        out.set(d.bytes, at);
        out.set(b.subarray(at), at + d.bytes.length);
        b = out;
        damageAt = Math.min(damageAt, at);
        said.push(`inserted ${d.bytes.length} bytes at ${at}`);
        break;
      }
      case 'duplicate': {
        const at = d.at % (size + 1);
        const end = Math.min(size, at + d.len);
        const out = new Uint8Array(size + (end - at));
        out.set(b.subarray(0, end));
        out.set(b.subarray(at), end);
        b = out;
        damageAt = Math.min(damageAt, end);
        said.push(`repeated ${at}..${end}`);
        break;
      }
      case 'insertBlock': {
        // Earlier damage may have cut the file short of every place the writer noted.
        const starts = [...written.starts, written.bytes.length].filter((o) => o <= size);
        if (!starts.length) break;
        const at = starts[d.start % starts.length]!;
        const block = new Uint8Array(written.format === 'pcapng' ? d.len : 16 + d.len - 12);
        const dv = new DataView(block.buffer);
        if (written.format === 'pcapng') {
          dv.setUint32(0, d.type, le);
          dv.setUint32(4, d.len, le);
          dv.setUint32(d.len - 4, d.len, le);
        } else {
          dv.setUint32(8, d.len - 12, le);
          dv.setUint32(12, d.type, le);
        }
        const out = new Uint8Array(size + block.length);
        out.set(b.subarray(0, at));
        out.set(block, at);
        out.set(b.subarray(at), at + block.length);
        b = out;
        damageAt = Math.min(damageAt, at);
        said.push(`a ${block.length}-byte block of type 0x${d.type.toString(16)} inserted at ${at}`);
        break;
      }
    }
  }
  return { bytes: b, damageAt: Number.isFinite(damageAt) ? damageAt : b.length, damage: said };
}

// ---------------------------------------------------------------------------------------------
// Fixtures: real captures (curl and a node server on loopback) as further bases to damage.

interface FixtureBase extends DamageTarget {
  name: string;
  le: boolean;
}

const fixtureCache = new Map<string, FixtureBase>();

/** Small fixture captures of each format, with the length fields of their records found by reading them. */
export const FIXTURE_BASES = {
  pcap: [
    '01_http_node_conn_close.pcap',
    '01_http_node_conn_close_any_sll2.pcap',
    '01_http_node_conn_close_nanosec.pcap',
    '08_ipv6_loopback_http_conn_close.pcap',
    '07b_syn_retransmission.pcap',
  ],
  pcapng: ['01_http_node_conn_close.pcapng', '08_ipv6_loopback_http_conn_close.pcapng', '11_rawip_tun_v4_v6.pcapng', '06b_simultaneous_close.pcapng'],
};

function loadFixture(name: string): FixtureBase {
  let f = fixtureCache.get(name);
  if (f) return f;
  const bytes = new Uint8Array(fs.readFileSync(fixture(name)));
  const reader = openCapture(new MemorySource(bytes));
  const le = reader.info.byteOrder === 'little';
  const u32Fields: number[] = [];
  const starts: number[] = [];
  const pcapng = reader.info.format === 'pcapng';
  for (let r = reader.next(); r; r = reader.next()) {
    starts.push(r.fileOffset);
    if (pcapng) u32Fields.push(r.fileOffset + 4, r.fileOffset + 20, r.fileOffset + 24, reader.position - 4);
    else u32Fields.push(r.fileOffset + 8, r.fileOffset + 12);
  }
  f = { name, bytes, format: reader.info.format, u32Fields, u16Fields: [], starts, le };
  fixtureCache.set(name, f);
  return f;
}

function generatedSample(written: WrittenCapture, le: boolean, damages: Damage[]): CaptureSample {
  const d = applyDamage(written, le, damages);
  return { bytes: d.bytes, original: written.bytes, expected: written.records, damageAt: d.damageAt, damage: d.damage };
}

function fixtureSample(name: string, damages: Damage[]): CaptureSample {
  const f = loadFixture(name);
  const d = applyDamage(f, f.le, damages);
  return { bytes: d.bytes, original: f.bytes, expected: null, damageAt: d.damageAt, damage: [`fixture ${name}`, ...d.damage] };
}

const pcapLittleEndian = (spec: PcapSpec): boolean => spec.magic === 0xd4c3b2a1 || spec.magic === 0x4d3cb2a1;

export const pcapSampleArb: fc.Arbitrary<CaptureSample> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(pcapSpecArb, damagesArb).map(([spec, dmg]) => generatedSample(writePcap(spec), pcapLittleEndian(spec), dmg)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...FIXTURE_BASES.pcap), damagesArb).map(([name, dmg]) => fixtureSample(name, dmg)) },
);

export const pcapngSampleArb: fc.Arbitrary<CaptureSample> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(pcapngSpecArb, damagesArb).map(([spec, dmg]) => generatedSample(writePcapng(spec), spec.sections[0]!.le, dmg)) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...FIXTURE_BASES.pcapng), damagesArb).map(([name, dmg]) => fixtureSample(name, dmg)) },
);

/** One frame for the decoder: a link type, its bytes, and a length on the wire that may lie. */
export interface FrameInput {
  linkType: number;
  data: Uint8Array;
  origLen: number;
}

export const frameInputArb: fc.Arbitrary<FrameInput> = fc
  .record({
    linkType: fc.oneof({ weight: 12, arbitrary: linkTypeArb }, { weight: 1, arbitrary: fc.constant(NO_LINK_TYPE) }),
    // The frame is built for this link type, which may differ from the one it is decoded as.
    builtAs: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: linkTypeArb }),
    frame: frameSpecArb,
    origLen: fc.oneof(
      { weight: 6, arbitrary: fc.constant('wire' as const) },
      { weight: 1, arbitrary: fc.constantFrom(0, 1, 20, 0xffffffff, 0x80000000) },
      { weight: 1, arbitrary: fc.nat(200) },
    ),
  })
  .map(({ linkType, builtAs, frame, origLen }) => {
    const built = buildFrame(builtAs ?? linkType, frame);
    return { linkType, data: built.data, origLen: origLen === 'wire' ? built.wireLen : origLen };
  });

/** A TCP header (maybe after some other bytes) for the option walkers, with a header length that may lie. */
export interface TcpOptionsInput {
  data: Uint8Array;
  tcpOffset: number;
  headerLen: number;
}

export const tcpOptionsInputArb: fc.Arbitrary<TcpOptionsInput> = fc
  .record({
    before: fc.uint8Array({ maxLength: 8 }),
    header: fc.uint8Array({ minLength: 20, maxLength: 20 }),
    options: tcpOptionBytesArb,
    headerLen: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 100 }) }),
    cut: fc.option(fc.nat(), { freq: 4 }),
  })
  .map(({ before, header, options, headerLen, cut }) => {
    const all = Uint8Array.from([...before, ...header, ...options]);
    const data = cut === null ? all : all.slice(0, cut % (all.length + 1));
    return { data, tcpOffset: before.length, headerLen: headerLen ?? Math.min(60, 20 + ((options.length + 3) & ~3)) };
  });
