import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { frameAnatomy, tcpPayloadSpan } from '../../src/core/anatomy/anatomy';
import type { AnatomyField, AnatomyLayer, FrameAnatomy } from '../../src/core/anatomy/types';
import { FIELD_KEYS, LAYER_TITLES, NOTE_KEYS, VIEW_KEYS, fieldWords, hasFieldWords, layerWords } from '../../src/core/anatomy/words';
import { openCapture } from '../../src/core/capture/open';
import { MemorySource } from '../../src/core/capture/source';
import { NO_LINK_TYPE } from '../../src/core/capture/types';
import type { Lang } from '../../src/core/explain/glossary';
import { scanPacketRecords } from '../../src/core/scan';
import type { TcpContext } from '../../src/core/anatomy/types';
import { FIXTURES, ROOT, SHARED, fixture, listCaptures, sharedAvailable } from '../helpers/paths';
import { PdmlItem, PdmlProto, tsharkAvailable, tsharkPdml } from '../helpers/tshark';

/*
 * The anatomy against `tshark -T pdml` (tshark 4.0, run here, never a stored copy): for every
 * frame of every capture, every field both of us name that tshark takes from the frame's own
 * bytes (nonzero size) must sit at the same offset with the same length and show the same
 * value; every such field of tshark's inside the layers we build must be one we build too,
 * unless ALLOWED below says why not; and each layer must span what tshark's protocol spans.
 *
 * tshark runs with relative sequence numbers off: the anatomy of one frame, built without its
 * connection, shows tcp.seq, tcp.ack and SACK edges as the wire has them, and so does tshark
 * then. (With the connection's context the anatomy shows relative numbers, as Wireshark does
 * by default; the CLI passes that context.)
 */

const LANGS: Lang[] = ['en', 'zh-cn'];

/** Fields tshark shows that the anatomy leaves out, by name (or prefix, ending in "."), with the reason. */
const ALLOWED: Array<[prefix: string, reason: string]> = [
  ['tcp.window_size', 'tcp.window_size and its scale factor need the connection\'s SYNs: built only with context'],
  ['tcp.window_size_scalefactor', 'tcp.window_size and its scale factor need the connection\'s SYNs: built only with context'],
  ['tcp.seq_raw', 'shown beside a relative tcp.seq, which needs the connection: built only with context'],
  ['tcp.ack_raw', 'shown beside a relative tcp.ack, which needs the connection: built only with context'],
  ['tcp.flags.ace', 'tshark shows ACE in place of AE/CWR/ECE once it has seen Accurate ECN agreed on the connection'],
  ['tcp.segment_data', 'reassembly: the bytes a retransmission repeats, known from other frames'],
  ['tcp.pdu.size', 'reassembly: the size of a PDU spread over several frames'],
  ['tcp.reset_cause', 'a heuristic reading of text in a RST\'s payload'],
  ['tcp.options.mptcp.', 'MPTCP options are shown with their subtype and bytes; their many subfields are not decoded'],
  ['mptcp.', 'MPTCP analysis (needs the connection)'],
  ['tcp.options.scps.', 'SCPS capabilities are shown as bytes'],
  ['tcp.options.scpsflags.', 'SCPS capabilities are shown as bytes'],
  ['tcp.options.rvbd.', 'Riverbed options are shown as bytes'],
  ['ip.rec_rt', 'IPv4 route options are shown with type, length and pointer; their addresses are bytes'],
  ['ip.empty_rt', 'IPv4 route options are shown with type, length and pointer; their addresses are bytes'],
  ['ip.src_rt', 'IPv4 route options are shown with type, length and pointer; their addresses are bytes'],
  ['ip.opt.sec_rfc791_sec', 'the IPv4 security option is shown with type and length; its fields are bytes'],
  ['ip.opt.sec_rfc791_comp', 'the IPv4 security option is shown with type and length; its fields are bytes'],
  ['ip.opt.sec_rfc791_hr', 'the IPv4 security option is shown with type and length; its fields are bytes'],
  ['ip.opt.sec_rfc791_tcc', 'the IPv4 security option is shown with type and length; its fields are bytes'],
  ['ip.opt.time_stamp', 'IPv4 time stamp options are shown with their header; the entries are bytes'],
  ['ip.opt.time_stamp_addr', 'IPv4 time stamp options are shown with their header; the entries are bytes'],
];

/**
 * Crafted frames on which the engine's decoder (decode/frame.ts), and so the anatomy that follows
 * it, parts from tshark 4.0: the frame, and why. Real captures have none of these.
 */
const DECODER_DIFFERENCES: Record<string, string> = {
  'crafted null #4': 'decode/frame.ts takes NULL family 10 (Linux AF_INET6) as IPv6; tshark 4.0 knows only the BSD values 24, 28 and 30',
  'crafted rawip4 #2': 'decode/frame.ts reads LINKTYPE_IPV4 as IPv4 whatever the version nibble; tshark goes by the nibble (here 6)',
};

/** Known differences in where tshark puts a field: name, and the reason. */
const SIZE_QUIRKS: Record<string, string> = {
  // Wireshark 4.0 sizes the item of a Pad1 option from the bytes after it, not as one byte.
  'ipv6.opt': 'tshark 4.0 sizes a Pad1 option\'s item wrongly (2 bytes or more for one byte)',
};

/** The allow-list entry that covers a field, if any: [name or prefix, reason]. */
function allowed(name: string): [string, string] | null {
  for (const entry of ALLOWED) if (name === entry[0] || (entry[0].endsWith('.') && name.startsWith(entry[0]))) return entry;
  return null;
}

/** How tshark groups the layers we build: extension headers and AH after IPv6 sit inside "ipv6". */
function pdmlGroups(layers: AnatomyLayer[]): Array<{ name: string; layers: AnatomyLayer[] }> {
  const groups: Array<{ name: string; layers: AnatomyLayer[] }> = [];
  for (const l of layers) {
    const last = groups[groups.length - 1];
    const insideIpv6 = l.name.startsWith('ipv6.') || (l.name === 'ah' && last?.name === 'ipv6');
    if (insideIpv6 && last?.name === 'ipv6') {
      last.layers.push(l);
      continue;
    }
    groups.push({ name: l.name === 'sll2' ? 'sll' : l.name, layers: [l] });
  }
  return groups;
}

function flatten(fields: AnatomyField[], out: AnatomyField[] = []): AnatomyField[] {
  for (const f of fields) {
    out.push(f);
    if (f.children) flatten(f.children, out);
  }
  return out;
}

interface Report {
  frames: number;
  compared: number;
  shows: number;
  problems: string[];
  allowedSeen: Map<string, number>;
}

const MAX_PROBLEMS = 40;

/** Values tshark shows from the connection's state, not the frame's bytes: name, test, reason. */
function showQuirk(name: string, theirs: string): string | null {
  // Once tshark has seen Accurate ECN agreed on a connection it writes the AE, CWR and ECE bits as one counter.
  if (name === 'tcp.flags.str' && theirs.includes('-')) return 'ACE counter rendering (connection state)';
  return null;
}

function compareFrame(where: string, ours: FrameAnatomy, theirs: PdmlProto[], report: Report): void {
  const excuse = DECODER_DIFFERENCES[where];
  let differs = false;
  const problem = (s: string): void => {
    differs = true;
    if (!excuse && report.problems.length < MAX_PROBLEMS) report.problems.push(`${where}: ${s}`);
  };
  compareLayers(ours, theirs, problem, report);
  if (excuse && !differs) report.problems.push(`${where}: expected to differ (${excuse}), but it matches tshark: drop it from DECODER_DIFFERENCES`);
  if (excuse && differs) count(report, `${where} (${excuse})`);
}

function count(report: Report, what: string): void {
  report.allowedSeen.set(what, (report.allowedSeen.get(what) ?? 0) + 1);
}

function compareLayers(ours: FrameAnatomy, theirs: PdmlProto[], problem: (s: string) => void, report: Report): void {
  const groups = pdmlGroups(ours.layers);
  let j = 0;
  for (const g of groups) {
    while (j < theirs.length && theirs[j]!.name !== g.name) j++;
    const t = theirs[j];
    if (!t) {
      if (g.name !== 'raw' || g.layers.length > 1) problem(`tshark has no "${g.name}" layer after the ones matched (${theirs.map((p) => p.name).join(':')})`);
      return;
    }
    j++;
    // The layer's span, against tshark's protocol (which holds IPv6's extension headers).
    const first = g.layers[0]!;
    const span = g.layers.reduce((n, l) => n + l.length, 0);
    if (g.name !== 'raw' && (t.pos !== first.offset || t.size !== span)) problem(`layer ${g.name}: ours at ${first.offset}+${span}, tshark's at ${t.pos}+${t.size}`);
    const mine = g.layers.flatMap((l) => flatten(l.fields)).filter((f) => f.name !== '');
    const nested = g.layers.slice(1).map((l) => `${l.name}@${l.offset}`);
    const theirsItems = t.items.filter((i) => !i.hidden && i.size > 0 && i.name !== '' && !i.name.startsWith('_ws.'));
    const byKey = new Map<string, PdmlItem[]>();
    for (const i of theirsItems) {
      const k = `${i.name}@${i.pos}`;
      byKey.set(k, [...(byKey.get(k) ?? []), i]);
    }
    const mineKeys = new Set([...mine.map((f) => `${f.name}@${f.offset}`), ...nested]);
    for (const f of mine) {
      const same = byKey.get(`${f.name}@${f.offset}`);
      if (!same) {
        // A field each of us shows once, at different places, is misplaced.
        const theirsNamed = theirsItems.filter((i) => i.name === f.name);
        const mineNamed = mine.filter((m) => m.name === f.name);
        if (theirsNamed.length === 1 && mineNamed.length === 1 && !SIZE_QUIRKS[f.name]) problem(`${f.name}: ours at ${f.offset}+${f.length}, tshark's at ${theirsNamed[0]!.pos}+${theirsNamed[0]!.size}`);
        continue;
      }
      report.compared++;
      if (!same.some((i) => i.size === f.length)) {
        if (SIZE_QUIRKS[f.name]) count(report, `${f.name} size (${SIZE_QUIRKS[f.name]})`);
        else problem(`${f.name} at ${f.offset}: ours ${f.length} bytes, tshark's ${same.map((i) => i.size).join('/')}`);
        continue;
      }
      // A protocol item (mptcp) has no value in pdml; a long run of bytes is shown cut short here.
      if (f.value.endsWith('…') || same.every((i) => i.kind === 'proto')) continue;
      report.shows++;
      if (same.some((i) => i.show === f.value)) continue;
      const quirk = same.map((i) => showQuirk(f.name, i.show)).find((q) => q);
      if (quirk) count(report, `${f.name} (${quirk})`);
      else problem(`${f.name} at ${f.offset}: ours shows ${JSON.stringify(f.value)}, tshark ${same.map((i) => JSON.stringify(i.show)).join('/')}`);
    }
    for (const i of theirsItems) {
      if (i.pos + i.size > ours.capLen) continue;
      if (mineKeys.has(`${i.name}@${i.pos}`)) continue;
      const entry = allowed(i.name);
      if (entry) {
        count(report, entry[0].endsWith('.') ? `${entry[0]}*` : entry[0]);
        continue;
      }
      problem(`tshark shows ${i.name} at ${i.pos}+${i.size} (${JSON.stringify(i.show)}); we do not`);
    }
  }
}

/** One frame to compare: where it came from, and what the anatomy is built from. */
interface Frame {
  where: string;
  linkType: number;
  data: Uint8Array;
  origLen: number;
}

/** The packets of a capture we read (records that are not packets are left out). */
function framesOf(file: string): Frame[] {
  const reader = openCapture(new MemorySource(fs.readFileSync(file)));
  const out: Frame[] = [];
  for (let r = reader.next(); r; r = reader.next()) {
    if (r.linkType === NO_LINK_TYPE) continue;
    // A record claiming fewer bytes on the wire than it holds: both of us see it whole.
    out.push({ where: `${path.basename(file)} frame ${r.frame}`, linkType: r.linkType, data: r.data.slice(), origLen: Math.max(r.origLen, r.data.length) });
  }
  return out;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * The frames as one pcapng (an interface per link type), so one tshark run covers many files:
 * tshark starts in about a second, and there are hundreds of small captures. tshark dissects
 * each packet from its own bytes, link type and length, which is all the anatomy reads.
 */
function mergedPcapng(frames: Frame[]): { bytes: Buffer; kept: Frame[] } {
  const parts: Buffer[] = [];
  const shb = Buffer.alloc(28);
  shb.writeUInt32LE(0x0a0d0d0a, 0);
  shb.writeUInt32LE(28, 4);
  shb.writeUInt32LE(0x1a2b3c4d, 8);
  shb.writeUInt16LE(1, 12);
  shb.writeUInt16LE(0, 14);
  shb.writeInt32LE(-1, 16);
  shb.writeInt32LE(-1, 20);
  shb.writeUInt32LE(28, 24);
  parts.push(shb);
  const interfaces = new Map<number, number>();
  const seen = new Set<string>();
  const kept: Frame[] = [];
  for (const f of frames) {
    // The same bytes twice (a capture and its pcapng twin) are compared once.
    const key = `${f.linkType}/${f.origLen}/${Buffer.from(f.data).toString('base64')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let id = interfaces.get(f.linkType);
    if (id === undefined) {
      id = interfaces.size;
      interfaces.set(f.linkType, id);
      const idb = Buffer.alloc(20);
      idb.writeUInt32LE(1, 0);
      idb.writeUInt32LE(20, 4);
      idb.writeUInt16LE(f.linkType, 8);
      idb.writeUInt32LE(0, 12);
      idb.writeUInt32LE(20, 16);
      parts.push(idb);
    }
    const len = 32 + pad4(f.data.length);
    const epb = Buffer.alloc(len);
    epb.writeUInt32LE(6, 0);
    epb.writeUInt32LE(len, 4);
    epb.writeUInt32LE(id, 8);
    epb.writeUInt32LE(0, 12);
    epb.writeUInt32LE(kept.length * 1000, 16);
    epb.writeUInt32LE(f.data.length, 20);
    epb.writeUInt32LE(f.origLen, 24);
    Buffer.from(f.data).copy(epb, 28);
    epb.writeUInt32LE(len, len - 4);
    parts.push(epb);
    kept.push(f);
  }
  return { bytes: Buffer.concat(parts), kept };
}

async function compareFrames(frames: Frame[], tmpFile: string): Promise<Report> {
  const { bytes, kept } = mergedPcapng(frames);
  fs.writeFileSync(tmpFile, bytes);
  const report: Report = { frames: 0, compared: 0, shows: 0, problems: [], allowedSeen: new Map() };
  const run = await tsharkPdml(tmpFile, ['-o', 'tcp.relative_sequence_numbers:FALSE'], (protos, n) => {
    const f = kept[n - 1];
    if (!f) {
      report.problems.push(`tshark shows a frame ${n} that was not written`);
      return;
    }
    report.frames++;
    compareFrame(f.where, frameAnatomy({ frame: n, linkType: f.linkType, data: f.data, origLen: f.origLen }, 'en'), protos, report);
  });
  if (report.frames !== kept.length) report.problems.push(`tshark showed ${report.frames} of ${kept.length} frames (exit ${run.status}): ${run.stderr.slice(0, 300)}`);
  return report;
}

// ---- crafted frames: the corners real captures rarely reach ---------------------------------

function be16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}
function be32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

interface TcpSpec {
  payload?: number[];
  flags?: number;
  options?: number[];
  seq?: number;
  ack?: number;
  headerLength?: number;
  urgent?: number;
}

/** Each crafted segment gets its own port: tshark keeps state per connection (Accurate ECN, for one). */
let nextPort = 20000;

function tcp(s: TcpSpec = {}): number[] {
  const options = s.options ?? [];
  const hl = s.headerLength ?? 20 + options.length;
  return [...be16(nextPort++), ...be16(80), ...be32(s.seq ?? 1000), ...be32(s.ack ?? 2000), ...be16(((hl / 4) << 12) | (s.flags ?? 0x18)), ...be16(512), 0, 0, ...be16(s.urgent ?? 0), ...options, ...(s.payload ?? [])];
}

function ip4(payload: number[], o: { proto?: number; options?: number[]; totalLength?: number; flags?: number; tos?: number } = {}): number[] {
  const options = o.options ?? [];
  const hl = 20 + options.length;
  return [0x40 | (hl / 4), o.tos ?? 0, ...be16(o.totalLength ?? hl + payload.length), 0x12, 0x34, ...be16(o.flags ?? 0x4000), 64, o.proto ?? 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, ...options, ...payload];
}

function ip6(payload: number[], o: { next?: number; src?: number[]; dst?: number[]; tclass?: number } = {}): number[] {
  const first = (6 << 28) | ((o.tclass ?? 0) << 20) | 0x12345;
  return [...be32(first >>> 0), ...be16(payload.length), o.next ?? 6, 64, ...(o.src ?? [...new Array(15).fill(0), 1]), ...(o.dst ?? [...new Array(15).fill(0), 2]), ...payload];
}

function eth(payload: number[], type = 0x0800): number[] {
  return [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, ...be16(type), ...payload];
}

function zeros(n: number): number[] {
  return new Array(n).fill(0);
}

const SYN_OPTIONS = [2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1];

/** Frames on Ethernet that reach the corners: options of every kind, damage, cuts, trailers. */
function craftedEthernet(): Array<number[] | [number[], number]> {
  const withOptions = (options: number[], s: TcpSpec = {}): number[] => eth(ip4(tcp({ ...s, options })));
  const full = eth(ip4(tcp({ payload: [...Buffer.from('hello world')], flags: 0x02, options: SYN_OPTIONS })));
  const t6 = tcp({ payload: [0x78, 0x79, 0x7a] });
  return [
    eth(ip4(tcp({ payload: [0x68, 0x69] }), { options: [1, 7, 7, 4, 0, 0, 0, 0, 0, 0, 0, 0] })),
    eth(ip4(tcp({ payload: [0x61, 0x62] }), { options: [0x55, 4, 1, 2, 148, 4, 0, 0] })),
    eth(ip4(tcp({ payload: [0x61, 0x62] }), { options: [68, 12, 5, 1, 1, 2, 3, 4, 5, 6, 7, 8] })),
    eth(ip4(tcp({ payload: zeros(8) }), { flags: 0x2000 })),
    eth(ip4(zeros(16), { flags: 100 })),
    eth(ip4(tcp({ payload: [0x61] }), { options: [131, 11, 4, 1, 2, 3, 4, 5, 6, 7, 8, 0] })),
    eth(ip4(tcp({ payload: [0x61] }), { options: [137, 7, 8, 9, 9, 9, 9, 0] })),
    eth(ip4(tcp({ payload: [0x61] }), { options: [7, 11, 8, 1, 2, 3, 4, 0, 0, 0, 0, 0] })),
    eth(ip4(tcp({ payload: [0x61] }), { options: [130, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] })),
    [full.slice(0, 60), full.length],
    [full.slice(0, 80), full.length],
    [full.slice(0, 25), full.length],
    [full.slice(0, 51), full.length],
    [full.slice(0, 44), full.length],
    withOptions([2, 40, 0, 0]),
    withOptions([1, 1, 9, 1]),
    withOptions([99, 4, 1, 2, 19, 18, ...new Array(16).fill(0xab), 0, 0]),
    eth(ip4(tcp({ payload: [1, 2, 3], headerLength: 16 }))),
    eth(ip4(tcp({ headerLength: 60 }))),
    eth(ip4(tcp({ payload: [1, 2, 3] }), { totalLength: 200 })),
    eth(ip4(tcp({ payload: [1, 2, 3, 4, 5, 6] }), { totalLength: 0 })),
    withOptions([1, 1, 5, 18, ...be32(4000), ...be32(4100), ...be32(6000), ...be32(6100)], { flags: 0x10, ack: 5000 }),
    withOptions([5, 18, ...be32(6000), ...be32(6100), ...be32(5000), ...be32(7000), 1, 1], { flags: 0x10, ack: 9000 }),
    eth(ip4(tcp(), { tos: 0xbb })),
    eth(ip4(tcp({ payload: [0x75], flags: 0x38, urgent: 1 }))),
    [...eth(ip4(tcp({ flags: 0x10 }))), ...zeros(6)],
    [...eth(ip4(tcp({ flags: 0x10 }))), ...zeros(6), 9, 9],
    [...eth(ip4(tcp({ payload: [0x78, 0x78] }))), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    [...eth(ip4(tcp({ flags: 0x10 }))), 0x20, 0x20, 0x20, 0x20, 0x20, 0x20],
    withOptions([3, 3, 15, 2, 5, 1, 2, 3, 8, 9, 1, 2, 3, 4, 5, 6, 7, 0], { flags: 0x02 }),
    withOptions([6, 6, 1, 2, 3, 4, 7, 6, 1, 2, 3, 4]),
    withOptions([11, 6, 1, 2, 3, 4, 12, 6, 1, 2, 3, 4, 13, 6, 1, 2, 3, 4, 0, 0]),
    withOptions([29, 6, 1, 2, 3, 4, 172, 11, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 0]),
    withOptions([254, 8, 0x12, 0x34, 1, 2, 3, 4, 253, 4, 0xac, 0xc1]),
    withOptions([254, 12, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8]),
    withOptions([254, 4, 0xf9, 0x89, 254, 13, 0xac, 0xc0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 0]),
    withOptions([4, 3, 0, 5, 6, 1, 2, 3, 4, 1, 1]),
    withOptions([8, 9, 1, 2, 3, 4, 5, 6, 7, 1, 1, 1]),
    withOptions([2, 5, 1, 2, 3, 3, 2, 0, 0]),
    withOptions([1, 1, 5, 10, ...be32(100), ...be32(200)], { flags: 0x08, ack: 5000 }),
    withOptions([28, 4, 0x80, 5, 27, 8, 0x21, 0x40, 1, 2, 3, 4]),
    withOptions([21, 6, 1, 2, 3, 4, 1, 1]),
    withOptions([20, 4, 1, 2]),
    withOptions([76, 6, 1, 2, 3, 4, 1, 1]),
    withOptions([30, 4, 0x00, 0x01]),
    withOptions([1, 1, 1, 2]),
    withOptions([34, 4, 1, 2, 34, 3, 1, 0]),
    withOptions([34, 2, 1, 1]),
    withOptions([8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 0, 5]),
    withOptions([0, 0, 5, 0]),
    withOptions([1, 0, 0, 0, 0, 0, 0, 5]),
    withOptions([19, 10, 1, 2, 3, 4, 5, 6, 7, 8]),
    eth(tcp({ flags: 0xfff })),
    eth(ip4(tcp({ flags: 0xfff }))),
    eth(ip4(tcp({ flags: 0x100 }))),
    eth(ip6([6, 0, 1, 4, 0, 0, 0, 0, ...t6], { next: 0 }), 0x86dd),
    eth(ip6([44, 2, 0, 1, 0, 0, 0, 0, ...zeros(16), 6, 0, 0, 0, 0, 0, 0, 1, ...t6], { next: 43 }), 0x86dd),
    eth(ip6([6, 0, 0, 0, 0, 0, 0, 0, ...t6], { next: 60 }), 0x86dd),
    eth(ip6([6, 1, 5, 2, 0, 0, 1, 0, 0xc2, 4, 0, 0, 0, 0, 1, 0, ...t6], { next: 0 }), 0x86dd),
    eth(ip6(t6, { src: [0x20, 0x02, 192, 0, 2, 1, 0, 5, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55], dst: [0x20, 0x01, 0, 0, 65, 54, 227, 120, 0x80, 0, 0xf2, 0x27, 0xbe, 0xff, 0xbe, 0xfe] }), 0x86dd),
    eth(ip6(t6, { src: [0xfe, 0x80, ...zeros(6), 0, 0, 0x5e, 0xfe, 10, 0, 0, 1], dst: [0x20, 0x01, 0x0d, 0xb8, ...zeros(8), 1, 2, 3, 4] }), 0x86dd),
    eth(ip6(t6, { tclass: 0xb9 }), 0x86dd),
    eth(ip6(t6)),
    eth(ip4([6, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, ...zeros(12), ...t6], { proto: 51 })),
    eth(ip6([6, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, ...zeros(12), ...t6], { next: 51 }), 0x86dd),
    [...eth([...be16(0x2005), ...be16(0x0800), ...ip4(tcp({ flags: 0x10 }))], 0x8100), ...zeros(6)],
    eth([...be16(0x0064), ...be16(0x8100), ...be16(0xe00a), ...be16(0x0800), ...ip4(tcp({ payload: [0x71] }))], 0x88a8),
    eth([...be16(0x0003), ...be16(0x0800), ...ip4(t6)], 0x9100),
    eth([...be16(0x0800), ...zeros(10)], 0x05dc),
    eth(ip4([...be16(53), ...be16(53), 0, 8, 0, 0], { proto: 17 })),
    eth([0, 1, 8, 0, 6, 4, 0, 1, ...zeros(20)], 0x0806),
  ];
}

function sll1(halen: number, addr: number[], protocol: number, hatype = 1): number[] {
  const a = [...addr, ...zeros(8)].slice(0, 8);
  return [0, 4, ...be16(hatype), ...be16(halen), ...a, ...be16(protocol)];
}

function sll2(protocol: number, halen = 6): number[] {
  return [...be16(protocol), 0, 0, ...be32(3), ...be16(772), 0, halen, ...[1, 2, 3, 4, 5, 6, 7, 8]];
}

/** Each crafted capture: [name, link type, frames]. */
function craftedCaptures(): Array<[string, number, Array<number[] | [number[], number]>]> {
  const t = ip4(tcp({ payload: [0x78, 0x79, 0x7a] }));
  const t6 = ip6(tcp({ payload: [0x78, 0x79, 0x7a] }));
  return [
    ['ethernet', 1, craftedEthernet()],
    ['sll', 113, [sll1(6, [1, 2, 3, 4, 5, 6], 0x0800).concat(t), sll1(4, [10, 0, 0, 1], 0x0800, 778).concat(t), sll1(10, new Array(8).fill(1), 0x0800).concat(t), sll1(0, [], 0x86dd).concat(t6), sll1(6, [1, 1, 1, 1, 1, 1], 0x0004).concat(t), [...sll1(6, [1, 2, 3, 4, 5, 6], 0x0800), ...ip4(tcp({ flags: 0x10 })), ...zeros(8)], sll1(6, [1, 2, 3, 4, 5, 6], 0x0800).slice(0, 10)]],
    ['sll2', 276, [sll2(0x0800).concat(t), sll2(0x86dd, 4).concat(t6), sll2(0x0800).slice(0, 12)]],
    ['null', 0, [[2, 0, 0, 0, ...t], [0, 0, 0, 2, ...t], [30, 0, 0, 0, ...t6], [10, 0, 0, 0, ...t6], [7, 0, 0, 0, ...t], [2, 0]]],
    ['loop', 108, [[0, 0, 0, 2, ...t], [2, 0, 0, 0, ...t], [0, 0, 0, 24, ...t6]]],
    ['raw', 101, [t, t6, [0x50, ...t.slice(1)], [0x45]]],
    ['raw12', 12, [t, t6]],
    ['rawip4', 228, [t, [0x60, ...t.slice(1)]]],
    ['rawip6', 229, [t6]],
  ];
}

// ---- the tests --------------------------------------------------------------------------------

describe('anatomy: words', () => {
  it('has the same field, note and layer keys in English and Simplified Chinese, none empty', () => {
    assert.deepEqual([...FIELD_KEYS['zh-cn']].sort(), [...FIELD_KEYS.en].sort());
    assert.deepEqual([...NOTE_KEYS['zh-cn']].sort(), [...NOTE_KEYS.en].sort());
    assert.deepEqual([...VIEW_KEYS['zh-cn']].sort(), [...VIEW_KEYS.en].sort());
    for (const lang of LANGS) {
      for (const key of FIELD_KEYS.en) {
        const w = fieldWords(key, lang);
        assert.ok(w.label.trim() && w.meaning.trim(), `${lang}: ${key} lacks words`);
      }
    }
    assert.ok(Object.values(LAYER_TITLES).every((t) => t.trim()));
  });

  it('says what each layer adds in one or two sentences, in both languages', () => {
    for (const name of Object.keys(LAYER_TITLES) as Array<keyof typeof LAYER_TITLES>) {
      for (const lang of LANGS) {
        const about = layerWords(name, lang).about;
        const sentences = lang === 'zh-cn' ? about.split('。').filter((x) => x.trim()).length : about.split(/[.!?](?:\s|$)/).filter((x) => x.trim()).length;
        assert.ok(about && sentences >= 1 && sentences <= 2, `${lang} ${name}: ${sentences} sentences`);
      }
    }
  });

  it('writes Chinese in Chinese: every zh-cn meaning has Han characters and differs from the English', () => {
    for (const key of FIELD_KEYS.en) {
      const zh = fieldWords(key, 'zh-cn').meaning;
      const en = fieldWords(key, 'en').meaning;
      assert.match(zh, /[\u4e00-\u9fff]/, `${key}: ${zh}`);
      assert.notEqual(zh, en, key);
    }
    const ttl = frameAnatomy({ frame: 1, linkType: 1, data: Uint8Array.from(eth(ip4(tcp()))), origLen: 54 }, 'zh-cn');
    const field = flatten(ttl.layers.flatMap((l) => l.fields)).find((f) => f.name === 'ip.ttl')!;
    assert.equal(field.label, '生存时间（TTL）');
    assert.match(ttl.layers[0]!.about, /以太网/);
  });

  it('knows every field the anatomy shows, on every capture and crafted frame, in both languages', () => {
    const files = [...listCaptures(FIXTURES)];
    const unknown = new Set<string>();
    const check = (a: FrameAnatomy): void => {
      for (const f of flatten(a.layers.flatMap((l) => l.fields))) {
        if (f.name !== '' && !hasFieldWords(f.name)) unknown.add(f.name);
        if (!f.label || f.label.startsWith('#') || !f.meaning) unknown.add(`${f.name || '(text)'} "${f.label}"`);
      }
      for (const l of a.layers) if (!l.about || !l.title) unknown.add(`layer ${l.name}`);
    };
    for (const file of files) for (const f of framesOf(file)) check(frameAnatomy({ frame: 1, linkType: f.linkType, data: f.data, origLen: f.origLen }, 'en'));
    for (const [, linkType, frames] of craftedCaptures()) {
      for (const lang of LANGS) {
        for (const f of frames) {
          const [data, orig] = Array.isArray(f[0]) ? (f as [number[], number]) : [f as number[], (f as number[]).length];
          check(frameAnatomy({ frame: 1, linkType, data: Uint8Array.from(data), origLen: orig }, lang));
        }
      }
    }
    assert.deepEqual([...unknown], []);
  });
});

describe('anatomy: bounded, and honest about cut packets', () => {
  const linkTypes = [0, 1, 12, 101, 108, 113, 228, 229, 276, 147];

  function checkBounds(a: FrameAnatomy): void {
    const within = (f: AnatomyField, lo: number, hi: number, where: string): void => {
      assert.ok(f.offset >= 0 && f.length >= 0 && f.offset + f.length <= a.capLen, `${where} ${f.name} ${f.offset}+${f.length} past ${a.capLen}`);
      assert.ok(f.raw.length <= 2 * 64 + 1 && f.value.length < 4096, `${f.name}: bounded text`);
      for (const c of f.children ?? []) within(c, lo, hi, `${where} ${f.name} >`);
    };
    for (const l of a.layers) {
      assert.ok(l.offset >= 0 && l.offset + l.length <= Math.max(a.capLen, l.offset), `layer ${l.name}`);
      for (const f of l.fields) within(f, 0, a.capLen, l.name);
    }
  }

  it('never throws and never names bytes it does not have, on any bytes of any link type', () => {
    fc.assert(
      fc.property(fc.constantFrom(...linkTypes), fc.uint8Array({ maxLength: 200 }), fc.nat(300), fc.constantFrom<Lang>('en', 'zh-cn'), (linkType, data, extra, lang) => {
        const a = frameAnatomy({ frame: 1, linkType, data, origLen: data.length + (extra % 3 === 0 ? extra : 0) }, lang);
        checkBounds(a);
        assert.equal(a.cutAt, a.origLen > a.capLen ? a.capLen : null);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on real frames with bytes changed at random (options, lengths, extension headers)', () => {
    const seeds = [
      ...framesOf(fixture('01_http_node_conn_close.pcap')).slice(0, 4),
      ...framesOf(fixture('07_loss10pct_600KB_client_side.pcap')).slice(17, 20),
      ...framesOf(fixture('08_ipv6_loopback_http_conn_close.pcap')).slice(0, 2),
      ...framesOf(fixture('01_http_node_conn_close_any_sll2.pcap')).slice(0, 2),
      ...framesOf(fixture('04_server_abort_rst_linger0.pcap')).slice(0, 1),
    ];
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }), fc.nat(200), (which, changes, cut) => {
        const seed = seeds[which]!;
        const data = seed.data.slice();
        for (const [at, v] of changes) data[at % data.length] = v;
        const kept = data.subarray(0, Math.max(0, data.length - (cut % 40)));
        checkBounds(frameAnatomy({ frame: 1, linkType: seed.linkType, data: kept, origLen: seed.origLen }, 'en'));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps to the bytes it has when a real frame is cut at every length', () => {
    const file = path.join(FIXTURES, '12_tcp_fast_open_cookie_then_data_in_syn.pcap');
    const reader = openCapture(new MemorySource(fs.readFileSync(file)));
    for (let r = reader.next(); r; r = reader.next()) {
      if (r.frame > 12) break;
      const whole = r.data.slice();
      for (let cut = 0; cut <= whole.length; cut++) {
        const a = frameAnatomy({ frame: r.frame, linkType: r.linkType, data: whole.subarray(0, cut), origLen: r.origLen }, 'en');
        checkBounds(a);
        assert.equal(a.cutAt, cut < r.origLen ? cut : null);
      }
    }
  });

  it('gives relative numbers and the scaled window when told the connection, and leaves room for an application layer', () => {
    const data = Uint8Array.from(eth(ip4(tcp({ payload: [...Buffer.from('GET / HTTP/1.1\r\n\r\n')], seq: 5000, ack: 9000, flags: 0x18 }))));
    const a = frameAnatomy({ frame: 7, linkType: 1, data, origLen: data.length }, 'en', { relSeq: 1, relAck: 1, window: 512 * 128, scaleFactor: 128 });
    const tcpFields = flatten(a.layers.find((l) => l.name === 'tcp')!.fields);
    const value = (n: string): string | undefined => tcpFields.find((f) => f.name === n)?.value;
    assert.equal(value('tcp.seq'), '1');
    assert.equal(value('tcp.seq_raw'), '5000');
    assert.equal(value('tcp.ack'), '1');
    assert.equal(value('tcp.ack_raw'), '9000');
    assert.equal(value('tcp.window_size'), String(512 * 128));
    assert.equal(value('tcp.window_size_scalefactor'), '128');
    assert.deepEqual(tcpPayloadSpan(a), { offset: 54, length: 18 });
    assert.equal(a.isTcp, true);
    assert.equal(a.problem, null);
  });

  it('says why a frame is not TCP, in both languages', () => {
    const udp = Uint8Array.from(eth(ip4([0, 53, 0, 53, 0, 8, 0, 0], { proto: 17 })));
    const en = frameAnatomy({ frame: 1, linkType: 1, data: udp, origLen: udp.length }, 'en');
    const zh = frameAnatomy({ frame: 1, linkType: 1, data: udp, origLen: udp.length }, 'zh-cn');
    assert.equal(en.isTcp, false);
    assert.deepEqual(en.layers.map((l) => l.name), ['eth', 'ip']);
    assert.match(en.problem ?? '', /Not TCP \(IP protocol 17\)/);
    assert.match(zh.problem ?? '', /不是 TCP/);
  });
});

describe('anatomy: parity with tshark -T pdml', function () {
  this.timeout(600000);
  let tmp = '';
  const totals = { frames: 0, compared: 0, shows: 0, allowed: new Map<string, number>() };

  before(function () {
    if (!tsharkAvailable()) this.skip();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anatomy-'));
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (!totals.frames) return;
    const allowed = [...totals.allowed].map(([n, c]) => `${n} ×${c}`).join(', ');
    console.log(`      anatomy parity: ${totals.frames} distinct frames, ${totals.compared} fields placed as tshark places them, ${totals.shows} values equal to tshark's; left out as allowed: ${allowed || 'none'}`);
  });

  function check(what: string, report: Report): void {
    totals.frames += report.frames;
    totals.compared += report.compared;
    totals.shows += report.shows;
    for (const [n, c] of report.allowedSeen) totals.allowed.set(n, (totals.allowed.get(n) ?? 0) + c);
    assert.ok(report.frames > 0, `${what}: no frames compared`);
    assert.deepEqual(report.problems, [], `${what}: differences from tshark`);
  }

  it('matches tshark on crafted frames: every option kind, damage, cuts, trailers, every link type', async () => {
    const frames: Frame[] = [];
    for (const [name, linkType, list] of craftedCaptures()) {
      list.forEach((f, i) => {
        const [data, orig] = Array.isArray(f[0]) ? (f as [number[], number]) : [f as number[], (f as number[]).length];
        frames.push({ where: `crafted ${name} #${i + 1}`, linkType, data: Uint8Array.from(data), origLen: orig });
      });
    }
    check('crafted frames', await compareFrames(frames, path.join(tmp, 'crafted.pcapng')));
  });

  const fixtures = listCaptures(FIXTURES);
  it(`matches tshark on every frame of the ${fixtures.length} captures in test/fixtures`, async () => {
    check('test/fixtures', await compareFrames(fixtures.flatMap(framesOf), path.join(tmp, 'fixtures.pcapng')));
  });

  it('matches tshark on every frame of the shared captures (top level and public/)', async function () {
    if (!sharedAvailable()) {
      console.log(`      note: ${SHARED} is absent: the shared captures were not compared`);
      this.skip();
    }
    const files = [...fs.readdirSync(SHARED).filter((f) => /\.(pcap|pcapng|cap)$/i.test(f)).map((f) => path.join(SHARED, f)), ...listCaptures(path.join(SHARED, 'public'))];
    const frames: Frame[] = [];
    const unread: string[] = [];
    for (const file of files) {
      try {
        frames.push(...framesOf(file));
      } catch (e) {
        // Not a capture we read at all (the capture readers' own tests cover that): nothing to compare.
        unread.push(`${path.basename(file)} (${(e as Error).message})`);
      }
    }
    if (unread.length) console.log(`      note: not captures, not compared: ${unread.join('; ')}`);
    check('shared captures', await compareFrames(frames, path.join(tmp, 'shared.pcapng')));
  });
});

describe('anatomy: with the connection, as Wireshark shows it by default', function () {
  this.timeout(120000);
  before(function () {
    if (!tsharkAvailable()) this.skip();
  });

  it('gives relative tcp.seq, tcp.ack and SACK edges and the scaled window that tshark shows (07: loss, SACK)', async () => {
    const file = fixture('07_loss10pct_600KB_client_side.pcap');
    const bytes = fs.readFileSync(file);
    const contexts = new Map<number, TcpContext>();
    scanPacketRecords(
      () => new MemorySource(bytes),
      (packet, rec, f) => contexts.set(rec.frame, { relSeq: packet.seq, relAck: f.flags & 0x010 ? packet.ack : null, window: packet.win, scaleFactor: packet.win_scale }),
    );
    const frames = new Map(framesOf(file).map((f, i) => [i + 1, f]));
    const names = new Set(['tcp.seq', 'tcp.seq_raw', 'tcp.ack', 'tcp.ack_raw', 'tcp.window_size', 'tcp.window_size_scalefactor', 'tcp.options.sack_le', 'tcp.options.sack_re']);
    const problems: string[] = [];
    let compared = 0;
    await tsharkPdml(file, [], (protos, n) => {
      const f = frames.get(n);
      const ctx = contexts.get(n);
      const tcpProto = protos.find((p) => p.name === 'tcp');
      if (!f || !ctx || !tcpProto) return;
      const a = frameAnatomy({ frame: n, linkType: f.linkType, data: f.data, origLen: f.origLen }, 'en', ctx);
      const mine = flatten(a.layers.find((l) => l.name === 'tcp')!.fields).filter((x) => names.has(x.name));
      const theirs = tcpProto.items.filter((i) => names.has(i.name) && !i.hidden);
      const key = (name: string, pos: number, show: string): string => `${name}@${pos}=${show}`;
      const mineKeys = mine.map((x) => key(x.name, x.offset, x.value)).sort();
      const theirKeys = theirs.map((i) => key(i.name, i.pos, i.show)).sort();
      compared += theirKeys.length;
      if (JSON.stringify(mineKeys) !== JSON.stringify(theirKeys) && problems.length < 20) problems.push(`frame ${n}: ours ${mineKeys.join(' ')} | tshark ${theirKeys.join(' ')}`);
    });
    assert.ok(compared > 3000, `only ${compared} values compared`);
    assert.deepEqual(problems, []);
  });
});

describe('tcp-explainer packet', () => {
  const CLI = path.join(ROOT, 'dist', 'cli.js');
  const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const tutorial = fixture('01_http_node_conn_close.pcap');

  it('--json gives the layers, fields with offsets, values and meanings, and relative numbers as tshark shows them', () => {
    const r = cli('packet', tutorial, '--frame', '4', '--json');
    assert.equal(r.status, 0, r.stderr);
    const a = JSON.parse(r.stdout) as FrameAnatomy & { stream: number; bytes: string };
    assert.deepEqual(a.layers.map((l) => [l.name, l.title, l.offset, l.length]), [
      ['eth', 'Ethernet II', 0, 14],
      ['ip', 'Internet Protocol Version 4', 14, 20],
      ['tcp', 'Transmission Control Protocol', 34, 32],
      ['http', 'Hypertext Transfer Protocol', 66, 78],
    ]);
    const fields = flatten(a.layers.flatMap((l) => l.fields));
    const ttl = fields.find((f) => f.name === 'ip.ttl')!;
    assert.deepEqual([ttl.offset, ttl.length, ttl.value, ttl.raw], [22, 1, '64', '40']);
    assert.match(ttl.meaning, /router/);
    const t = spawnSync('tshark', ['-n', '-r', tutorial, '-Y', 'frame.number == 4', '-T', 'fields', '-e', 'tcp.seq', '-e', 'tcp.ack', '-e', 'tcp.window_size', '-e', 'tcp.len'], { encoding: 'utf8' });
    const [seq, ack, win, len] = t.stdout.trim().split('\t');
    assert.equal(fields.find((f) => f.name === 'tcp.seq')!.value, seq);
    assert.equal(fields.find((f) => f.name === 'tcp.ack')!.value, ack);
    assert.equal(fields.find((f) => f.name === 'tcp.window_size')!.value, win);
    assert.equal(fields.find((f) => f.name === 'tcp.payload')!.length, Number(len));
    assert.equal(a.stream, 0);
    assert.equal(a.bytes.length, a.capLen * 2);
  });

  it('prints a tree with meanings and a hex/ASCII dump, in English or Chinese', () => {
    const en = cli('packet', tutorial, '--frame', '1');
    assert.equal(en.status, 0, en.stderr);
    assert.match(en.stdout, /^Frame 1: 74 bytes on the wire, 74 bytes captured \(Ethernet\)/);
    assert.match(en.stdout, /MSS Value: 65495 \(65495 bytes\)\s+\[tcp\.options\.mss_val @56\+2\]/);
    assert.match(en.stdout, /\.1\.\. \.\.\.\. = Don't fragment: 1 \(Set\)/);
    assert.match(en.stdout, /^0040  27 19 00 00 00 00 01 03  03 0a {2,}'\.{9}$/m);
    const zh = cli('packet', tutorial, '--frame', '1', '--lang', 'zh-cn');
    assert.match(zh.stdout, /^第 1 帧：线路上 74 字节/);
    assert.match(zh.stdout, /生存时间（TTL）：64/);
    assert.match(zh.stdout, /序列号：0（相对于发送方的初始序列号）/);
  });

  it('shows where the bytes stop in a packet the snapshot length cut', () => {
    const r = cli('packet', fixture('24_http_snaplen96_payload_cut.pcap'), '--frame', '4');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /only 30 of 78 bytes were captured/);
    assert.match(r.stdout, /only its first 96 of 144 bytes were recorded/);
    assert.match(r.stdout, /-- the capture stops here: 48 more bytes were on the wire --/);
  });

  it('says plainly when the frame is not TCP or does not exist, and reads text listings too', () => {
    const icmp = cli('packet', fixture('04_server_abort_rst_linger0.pcap'), '--frame', '1');
    assert.equal(icmp.status, 0, icmp.stderr);
    assert.match(icmp.stdout, /^! Not TCP \(IPv6 next header 58\)/m);
    assert.match(icmp.stdout, /IPv6 Hop-by-Hop Option/);
    const none = cli('packet', tutorial, '--frame', '11');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no frame 11 in .*\(its frames are 1 to 10\)/);
    const missing = cli('packet', tutorial);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /packet needs --frame N/);
    const text = cli('packet', path.join(FIXTURES, 'text', '01_http_node_conn_close.tcpdump'), '--frame', '4', '--json');
    assert.equal(text.status, 0, text.stderr);
    const a = JSON.parse(text.stdout) as FrameAnatomy;
    // A listing shows no payload: the rebuilt segment's bytes are only its length, read as data.
    assert.deepEqual(a.layers.map((l) => l.name), ['raw', 'ip', 'tcp', 'data']);
  });

  it('never lets a byte of the capture reach the terminal as a control character', () => {
    const evil = [...Buffer.from('\x1b]0;owned\x07\x1b[2J\x9b31m\u202e')];
    const data = eth(ip4(tcp({ payload: evil })));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anatomy-cli-'));
    try {
      const file = path.join(dir, 'evil\x1b[31m.pcap');
      const { bytes } = mergedPcapng([{ where: '', linkType: 1, data: Uint8Array.from(data), origLen: data.length }]);
      fs.writeFileSync(file, bytes);
      for (const args of [['--frame', '1'], ['--frame', '1', '--json'], ['--frame', '2']]) {
        const r = cli('packet', file, ...args);
        // eslint-disable-next-line no-control-regex
        assert.doesNotMatch(r.stdout + r.stderr, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
