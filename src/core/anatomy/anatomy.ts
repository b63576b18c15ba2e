import { u16be, u32be } from '../capture/bytes';
import { formatIpv4, formatIpv6 } from '../decode/address';
import { DecodedFrame, FrameKind, decodeFrame } from '../decode/frame';
import {
  DLT_RAW_12,
  DLT_RAW_14,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from '../decode/linktypes';
import type { Lang } from '../explain/glossary';
import { walkTcpOptions } from './tcpOptions';
import type { AnatomyField, AnatomyLayer, AnatomyRecord, FrameAnatomy, LayerName, TcpContext } from './types';
import { etherTypeName, fieldWords, ipProtoName, layerWords, noteText, problemText, type NoteKey } from './words';

/**
 * Builds a frame's anatomy the way Wireshark's packet details show it (tshark 4.0): the same
 * field names, the same offsets and lengths, the values as `tshark -T pdml` prints them. The
 * walk follows the engine's decoder (decode/frame.ts) so it reaches the same TCP header; where
 * the decoder stops, so does the anatomy, and `problem` says why.
 *
 * Bytes are data from strangers: every read is checked against what was captured, a field
 * that would lie past the cut is left out, and nothing here throws.
 */

/** Values and hex of byte runs stop here ("…" follows): the dump beside the tree shows them all. */
const SHOWN_BYTES = 64;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
const IPPROTO_TCP = 6;
const IPPROTO_AH = 51;
const IPPROTO_FRAGMENT = 44;

export function frameAnatomy(record: AnatomyRecord, lang: Lang = 'en', tcp?: TcpContext): FrameAnatomy {
  const bytes = record.data.slice();
  const decoded = new DecodedFrame();
  const kind = decodeFrame(record.linkType, bytes, record.origLen, decoded);
  const b = new Builder(bytes, lang, record.origLen, tcp);
  b.link(record.linkType);
  const isTcp = kind === FrameKind.Tcp;
  let problem: string | null = null;
  if (!isTcp) problem = problemText(kind, decoded.reason, lang);
  else if (!decoded.headerValid) problem = problemText(FrameKind.Malformed, decoded.reason, lang);
  return {
    frame: record.frame,
    linkType: record.linkType,
    capLen: bytes.length,
    origLen: record.origLen,
    layers: b.layers,
    cutAt: bytes.length < record.origLen ? bytes.length : null,
    isTcp,
    problem,
    bytes,
  };
}

/** Where the TCP payload lies in the frame (for an application layer built by the caller). */
export function tcpPayloadSpan(anatomy: FrameAnatomy): { offset: number; length: number } | null {
  const tcp = anatomy.layers.find((l) => l.name === 'tcp');
  const payload = tcp?.fields.find((f) => f.name === 'tcp.payload');
  return payload ? { offset: payload.offset, length: payload.length } : null;
}

/** The bytes after an IP header: where they start, how many the header says, which protocol. */
interface IpPayload {
  proto: number;
  offset: number;
  length: number;
}

/** The layer that dispatched on an ethertype and so shows the trailer after the IP packet. */
interface TrailerHost {
  layer: AnatomyLayer;
  trailerName: string;
  /** Only Ethernet itself may end in a frame check sequence (VLAN and SLL pass 0, as Wireshark). */
  mayHaveFcs: boolean;
}

/**
 * The walk's state: the frame's bytes and the layers built so far, with the reads and the field
 * makers every layer uses (tcpOptions.ts adds the options through it). Each maker checks bounds.
 */
export class Builder {
  readonly layers: AnatomyLayer[] = [];

  constructor(
    readonly data: Uint8Array,
    readonly lang: Lang,
    readonly origLen: number,
    private readonly tcpContext: TcpContext | undefined,
  ) {}

  // ---- reading --------------------------------------------------------------------------

  fits(offset: number, length: number): boolean {
    return offset >= 0 && length >= 0 && offset + length <= this.data.length;
  }

  u8(o: number): number {
    return this.data[o]!;
  }

  u16(o: number): number {
    return u16be(this.data, o);
  }

  u24(o: number): number {
    return (this.data[o]! << 16) | (this.data[o + 1]! << 8) | this.data[o + 2]!;
  }

  u32(o: number): number {
    return u32be(this.data, o);
  }

  /** Bytes as tshark shows an FT_BYTES value: "02:04:05:b4". */
  colonBytes(o: number, n: number): string {
    const end = Math.min(o + Math.min(n, SHOWN_BYTES), this.data.length);
    const parts: string[] = [];
    for (let i = o; i < end; i++) parts.push(hex2(this.data[i]!));
    return parts.join(':') + (n > SHOWN_BYTES ? '…' : '');
  }

  rawHex(o: number, n: number): string {
    const end = Math.min(o + Math.min(n, SHOWN_BYTES), this.data.length);
    let s = '';
    for (let i = o; i < end; i++) s += hex2(this.data[i]!);
    return n > SHOWN_BYTES ? s + '…' : s;
  }

  mac(o: number): string {
    return this.colonBytes(o, 6);
  }

  // ---- building ---------------------------------------------------------------------------

  layer(name: LayerName, offset: number, length: number): AnatomyLayer {
    const words = layerWords(name, this.lang);
    const captured = Math.max(0, Math.min(length, this.data.length - offset));
    const l: AnatomyLayer = { name, title: words.title, offset, length: captured, about: words.about, fields: [] };
    this.layers.push(l);
    return l;
  }

  /** A field whose bytes were all captured, else null (nothing past the cut is invented). */
  field(name: string, o: number, n: number, value: string, note?: string, mask?: number): AnatomyField | null {
    if (!this.fits(o, n)) return null;
    const w = fieldWords(name, this.lang);
    const f: AnatomyField = { name, label: w.label, offset: o, length: n, value, raw: this.rawHex(o, n), meaning: w.meaning };
    if (note !== undefined && note !== '') f.note = note;
    if (mask !== undefined) f.mask = mask;
    return f;
  }

  /** A run of bytes (a block, a payload): clipped to what was captured, as Wireshark does. */
  block(name: string, o: number, n: number, note?: string): AnatomyField | null {
    const kept = Math.min(n, this.data.length - o);
    if (o < 0 || kept <= 0) return null;
    return this.field(name, o, kept, this.colonBytes(o, kept), note);
  }

  /** A line Wireshark shows without a field name: `key` picks its words, `vars` fill its label. */
  text(key: string, o: number, n: number, vars: Record<string, string | number> = {}, note?: string): AnatomyField | null {
    const kept = Math.min(n, this.data.length - o);
    if (o < 0 || kept < 0 || (n > 0 && kept === 0)) return null;
    const w = fieldWords(key, this.lang, vars);
    const f: AnatomyField = { name: '', label: w.label, offset: o, length: kept, value: this.colonBytes(o, kept), raw: this.rawHex(o, kept), meaning: w.meaning };
    if (note) f.note = note;
    return f;
  }

  uint(name: string, o: number, n: number, note?: string): AnatomyField | null {
    if (!this.fits(o, n)) return null;
    return this.field(name, o, n, String(this.readUint(o, n)), note);
  }

  /** An integer Wireshark shows in hex, zero-padded to its type's width ("0x0800"). */
  hexUint(name: string, o: number, n: number, note?: string, digits = n * 2): AnatomyField | null {
    if (!this.fits(o, n)) return null;
    return this.field(name, o, n, hexValue(this.readUint(o, n), digits), note);
  }

  /** A bit-field: `mask` over the `n` bytes at `o`; its value is the bits shifted down. */
  bits(name: string, o: number, n: number, mask: number, format: 'dec' | 'hex' | 'bool' = 'dec', note?: string, hexDigits = n * 2): AnatomyField | null {
    if (!this.fits(o, n)) return null;
    const v = maskedValue(this.readUint(o, n), mask);
    // A boolean over several bits (tcp.flags.res) is 1 when any of them is set, as Wireshark shows it.
    const value = format === 'hex' ? hexValue(v, hexDigits) : format === 'bool' ? (v ? '1' : '0') : String(v);
    const f = this.field(name, o, n, value, note ?? (format === 'bool' ? this.note(v ? 'set' : 'notSet') : undefined), mask);
    return f;
  }

  readUint(o: number, n: number): number {
    switch (n) {
      case 1:
        return this.u8(o);
      case 2:
        return this.u16(o);
      case 3:
        return this.u24(o);
      default:
        return this.u32(o);
    }
  }

  note(key: NoteKey, vars: Record<string, string | number> = {}): string {
    return noteText(key, this.lang, vars);
  }

  // ---- link layers --------------------------------------------------------------------------

  link(linkType: number): void {
    const d = this.data;
    switch (linkType) {
      case LINKTYPE_ETHERNET:
        return this.ethernet();
      case LINKTYPE_RAW:
      case DLT_RAW_12:
      case DLT_RAW_14: {
        // Wireshark shows a "Raw packet data" line with no fields: there is no link header. It
        // hands on only IPv4 or IPv6 (by the version nibble), after a look at two bytes.
        this.layer('raw', 0, 0);
        if (d.length < 2 || (d[0]! >> 4 !== 4 && d[0]! >> 4 !== 6)) return;
        return void this.ipByVersion(0);
      }
      case LINKTYPE_IPV4:
        return void this.ipv4(0);
      case LINKTYPE_IPV6:
        return void this.ipv6(0);
      case LINKTYPE_LINUX_SLL:
        return this.sll(1);
      case LINKTYPE_LINUX_SLL2:
        return this.sll(2);
      case LINKTYPE_NULL:
      case LINKTYPE_LOOP:
        return this.nullLoopback(linkType);
      default:
        return;
    }
  }

  private ethernet(): void {
    const l = this.layer('eth', 0, 14);
    const address = (name: 'dst' | 'src', o: number): void => {
      const f = this.field(`eth.${name}`, o, 6, this.mac(o));
      if (!f) return;
      const lg = this.bits(`eth.${name}.lg`, o, 3, 0x020000, 'dec', this.note(this.u8(o) & 0x02 ? 'macLocal' : 'macGlobal'));
      const ig = this.bits(`eth.${name}.ig`, o, 3, 0x010000, 'dec', this.note(this.u8(o) & 0x01 ? 'macGroup' : 'macIndividual'));
      f.children = compact([this.field('eth.addr', o, 6, this.mac(o)), lg, ig]);
      l.fields.push(f);
    };
    address('dst', 0);
    address('src', 6);
    if (!this.fits(12, 2)) return;
    const type = this.u16(12);
    if (type <= 1500) {
      // An IEEE 802.3 frame: a length, then LLC. The engine stops here (not IP).
      l.title = 'IEEE 802.3 Ethernet';
      push(l, this.uint('eth.len', 12, 2));
      return;
    }
    push(l, this.hexUint('eth.type', 12, 2, etherTypeName(type)));
    this.afterEthertype(type, 14, { layer: l, trailerName: 'eth.trailer', mayHaveFcs: true });
  }

  /** VLAN tags (possibly stacked), then IP; what the engine's decoder does after an ethertype. */
  private afterEthertype(type: number, off: number, host: TrailerHost): void {
    let t = type;
    let o = off;
    let h = host;
    for (let guard = 0; guard < 64 && (t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD); guard++) {
      const qinq = t === ETHERTYPE_QINQ;
      const l = this.layer(qinq ? 'ieee8021ad' : 'vlan', o, 4);
      const p = qinq ? 'ieee8021ad' : 'vlan';
      // Wireshark reads 802.1ad's priority and DEI from one byte, 802.1Q's from two.
      push(l, this.bits(`${p}.priority`, o, qinq ? 1 : 2, qinq ? 0xe0 : 0xe000));
      push(l, this.bits(`${p}.dei`, o, qinq ? 1 : 2, qinq ? 0x10 : 0x1000));
      push(l, this.bits(`${p}.id`, o, 2, 0x0fff));
      if (!this.fits(o + 2, 2)) return;
      t = this.u16(o + 2);
      push(l, this.hexUint(qinq ? 'ieee8021ah.etype' : 'vlan.etype', o + 2, 2, etherTypeName(t)));
      o += 4;
      h = { layer: l, trailerName: qinq ? '' : 'vlan.trailer', mayHaveFcs: false };
    }
    let end: number | null = null;
    if (t === ETHERTYPE_IPV4) end = this.ipByVersion(o);
    else if (t === ETHERTYPE_IPV6) end = this.ipv6(o);
    if (end !== null && h.trailerName) this.trailer(h, end);
  }

  /**
   * The bytes after the IP packet: zero padding up to Ethernet's 60-byte minimum, a trailer, and
   * (on Ethernet, for a frame of 64 bytes or more with 4 to spare) a frame check sequence.
   */
  private trailer(host: TrailerHost, ipEnd: number): void {
    const total = this.origLen;
    let reported = total - ipEnd;
    let captured = this.data.length - ipEnd;
    if (reported <= 0 || ipEnd < 0) return;
    let padding = 0;
    if (total >= 60 && total - reported < 60) {
      padding = 60 - (total - reported);
      for (let i = 0; i < padding; i++) {
        if (!this.fits(ipEnd + i, 1) || this.u8(ipEnd + i) !== 0) {
          padding = 0;
          break;
        }
      }
      if (padding > 0) {
        push(host.layer, this.block('eth.padding', ipEnd, padding));
        reported -= padding;
        captured -= padding;
      }
    }
    let fcs = false;
    if (host.mayHaveFcs && total >= 64 && reported >= 4) {
      reported -= 4;
      if (captured > reported) captured = reported;
      fcs = true;
    }
    const start = ipEnd + padding;
    if (captured > 0) push(host.layer, this.block(host.trailerName, start, captured));
    if (fcs) {
      const at = start + Math.max(captured, 0);
      if (this.fits(at, 4)) push(host.layer, this.hexUint('eth.fcs', at, 4, this.note('notVerified')));
    }
  }

  private sll(version: 1 | 2): void {
    const size = version === 1 ? 16 : 20;
    const l = this.layer(version === 1 ? 'sll' : 'sll2', 0, size);
    const protoAt = version === 1 ? 14 : 0;
    const hatypeAt = version === 1 ? 2 : 8;
    const hatype = this.fits(hatypeAt, 2) ? this.u16(hatypeAt) : 0;
    const protocolField = (): void => {
      if (!this.fits(protoAt, 2)) return;
      const p = this.u16(protoAt);
      // Linux's own protocol numbers sit below 1536; a GRE device carries GRE protocol types.
      if (p <= 1536) push(l, this.hexUint('sll.ltype', protoAt, 2));
      else if (hatype === 778) push(l, this.hexUint('sll.gretype', protoAt, 2, etherTypeName(p)));
      else push(l, this.hexUint('sll.etype', protoAt, 2, etherTypeName(p)));
    };
    if (version === 1) {
      push(l, this.uint('sll.pkttype', 0, 2, this.fits(0, 2) ? this.packetTypeNote(this.u16(0)) : undefined));
      push(l, this.uint('sll.hatype', 2, 2, hatypeName(hatype)));
      this.sllAddress(l, 4, 2);
      protocolField();
    } else {
      protocolField();
      push(l, this.uint('sll.ifindex', 4, 4));
      push(l, this.uint('sll.hatype', 8, 2, hatypeName(hatype)));
      push(l, this.uint('sll.pkttype', 10, 1, this.fits(10, 1) ? this.packetTypeNote(this.u8(10)) : undefined));
      this.sllAddress(l, 11, 1);
    }
    if (!this.fits(0, size)) return;
    const p = this.u16(protoAt);
    if (p > 1536) this.afterEthertype(p, size, { layer: l, trailerName: 'sll.trailer', mayHaveFcs: false });
  }

  private sllAddress(l: AnatomyLayer, lenAt: number, lenSize: number): void {
    if (!this.fits(lenAt, lenSize)) return;
    const halen = this.readUint(lenAt, lenSize);
    push(l, this.uint('sll.halen', lenAt, lenSize));
    const at = lenAt + lenSize;
    if (halen === 4) push(l, this.field('sll.src.ipv4', at, 4, this.fits(at, 4) ? formatIpv4(this.data, at) : ''));
    else if (halen === 6) push(l, this.field('sll.src.eth', at, 6, this.fits(at, 6) ? this.mac(at) : ''));
    else if (halen > 0) push(l, this.block('sll.src.other', at, Math.min(halen, 8)));
    if (halen < 8) push(l, this.block('sll.unused', at + halen, 8 - halen));
  }

  private packetTypeNote(t: number): string | undefined {
    const keys: NoteKey[] = ['pktHost', 'pktBroadcast', 'pktMulticast', 'pktOtherHost', 'pktOutgoing'];
    return t < keys.length ? this.note(keys[t]!) : undefined;
  }

  private nullLoopback(linkType: number): void {
    if (!this.fits(0, 4)) return;
    const l = this.layer('null', 0, 4);
    let family = this.u32(0);
    // DLT_NULL keeps the capturing host's byte order; LOOP is always big-endian.
    if (linkType === LINKTYPE_NULL && family > 0xffff) {
      family = (this.u8(0) | (this.u8(1) << 8) | (this.u8(2) << 16) | (this.u8(3) << 24)) >>> 0;
    }
    const name = family === 2 ? 'IPv4' : family === 10 || family === 24 || family === 28 || family === 30 ? 'IPv6' : undefined;
    push(l, this.field('null.family', 0, 4, String(family), name));
    if (family === 2) this.ipv4(4);
    else if (name === 'IPv6') this.ipv6(4);
  }

  // ---- IP -------------------------------------------------------------------------------------

  /** Wireshark's "ip" dissector (ethertype 0x0800, raw IP) goes by the version nibble. Returns where IP ends. */
  private ipByVersion(off: number): number | null {
    if (!this.fits(off, 1)) return null;
    const version = this.u8(off) >> 4;
    if (version === 6) return this.ipv6(off);
    return this.ipv4(off);
  }

  /** IPv4 at `off`; returns the offset where the IP packet ends (for the trailer), or null. */
  private ipv4(off: number): number | null {
    if (!this.fits(off, 1)) return null;
    const d = this.data;
    const vihl = this.u8(off);
    const hlen = (vihl & 0x0f) * 4;
    const l = this.layer('ip', off, hlen);
    push(l, this.bits('ip.version', off, 1, 0xf0));
    push(l, this.field('ip.hdr_len', off, 1, String(hlen), this.note('headerLength', { bytes: hlen, words: vihl & 0x0f }), 0x0f));
    if (vihl >> 4 !== 4 || hlen < 20) return null;
    if (this.fits(off + 1, 1)) {
      const ds = this.u8(off + 1);
      const f = this.hexUint('ip.dsfield', off + 1, 1, `DSCP ${dscpName(ds >> 2)}, ECN ${ecnShort(ds & 3)}`);
      if (f) {
        f.children = compact([this.bits('ip.dsfield.dscp', off + 1, 1, 0xfc, 'dec', dscpName(ds >> 2)), this.bits('ip.dsfield.ecn', off + 1, 1, 0x03, 'dec', this.ecnNote(ds & 3))]);
        l.fields.push(f);
      }
    }
    const reported = this.origLen - off;
    let totalLen = this.fits(off + 2, 2) ? this.u16(off + 2) : -1;
    if (totalLen >= 0) {
      if (totalLen === 0) {
        // TCP segmentation offload: the host wrote 0; Wireshark takes the frame's length.
        push(l, this.field('ip.len', off + 2, 2, String(reported), this.note('tsoLength', { bytes: reported })));
        totalLen = reported;
      } else push(l, this.uint('ip.len', off + 2, 2));
    }
    push(l, this.hexUint('ip.id', off + 4, 2, this.fits(off + 4, 2) ? String(this.u16(off + 4)) : undefined));
    let fragField = -1;
    if (this.fits(off + 6, 2)) {
      fragField = this.u16(off + 6);
      const flags = this.bits('ip.flags', off + 6, 1, 0xe0, 'hex', this.ipFlagsNote(fragField >> 13));
      if (flags) {
        flags.children = compact([
          this.bits('ip.flags.rb', off + 6, 1, 0x80, 'bool'),
          this.bits('ip.flags.df', off + 6, 1, 0x40, 'bool'),
          this.bits('ip.flags.mf', off + 6, 1, 0x20, 'bool'),
        ]);
        l.fields.push(flags);
      }
      push(l, this.bits('ip.frag_offset', off + 6, 2, 0x1fff, 'dec', this.note('fragmentOffset', { bytes: (fragField & 0x1fff) * 8 })));
    }
    push(l, this.uint('ip.ttl', off + 8, 1));
    const proto = this.fits(off + 9, 1) ? this.u8(off + 9) : -1;
    push(l, this.uint('ip.proto', off + 9, 1, proto >= 0 ? ipProtoName(proto) : undefined));
    push(l, this.hexUint('ip.checksum', off + 10, 2, this.note('notVerified')));
    push(l, this.field('ip.src', off + 12, 4, this.fits(off + 12, 4) ? formatIpv4(d, off + 12) : ''));
    // With a source route still to follow, the header's destination is only the next stop:
    // Wireshark shows it as ip.cur_rt and takes ip.dst from the route's last address.
    const finalStop = hlen > 20 ? this.sourceRouteEnd(off + 20, hlen - 20) : null;
    if (finalStop === null) push(l, this.field('ip.dst', off + 16, 4, this.fits(off + 16, 4) ? formatIpv4(d, off + 16) : ''));
    else {
      push(l, this.field('ip.dst', finalStop, 4, formatIpv4(d, finalStop)));
      push(l, this.field('ip.cur_rt', off + 16, 4, formatIpv4(d, off + 16)));
    }
    if (hlen > 20) this.ipv4Options(l, off + 20, hlen - 20);
    if (!this.fits(off, hlen) || totalLen < 0) return null;
    if (totalLen < hlen) return null;
    // A total length beyond the frame is not trusted: the frame's length bounds it.
    const ipLen = totalLen > reported ? reported : totalLen;
    const end = off + ipLen;
    if (fragField & 0x3fff) return end;
    this.afterIp({ proto, offset: off + hlen, length: ipLen - hlen }, 4);
    return end;
  }

  private ipFlagsNote(flags: number): string {
    const names: string[] = [];
    if (flags & 4) names.push(this.note('reservedBit'));
    if (flags & 2) names.push(this.note('dontFragment'));
    if (flags & 1) names.push(this.note('moreFragments'));
    return names.join(', ');
  }

  private ecnNote(ecn: number): string {
    return this.note((['ecnNotEct', 'ecnEct1', 'ecnEct0', 'ecnCe'] as const)[ecn]!);
  }

  /** Options as a block, each option with its type and length (Wireshark stops at EOL). */
  private ipv4Options(l: AnatomyLayer, start: number, len: number): void {
    const block = this.text('#ip.options', start, len, { bytes: len });
    if (!block) return;
    l.fields.push(block);
    const kids: AnatomyField[] = [];
    const end = start + len;
    let o = start;
    while (o < end && this.fits(o, 1)) {
      const type = this.u8(o);
      const named = IPV4_OPTION_NAMES[type];
      if (type === 0 || type === 1) {
        const f = this.field(`ip.options.${named}`, o, 1, this.colonBytes(o, 1));
        if (f) {
          f.children = compact([this.ipOptionType(o)]);
          kids.push(f);
        }
        o++;
        if (type === 0) break;
        continue;
      }
      if (o + 1 >= end || !this.fits(o + 1, 1)) {
        push2(kids, this.text('#ip.option.bad', o, 1, { kind: type }));
        break;
      }
      const optlen = this.u8(o + 1);
      if (optlen < 2 || o + optlen > end) {
        push2(kids, this.text('#ip.option.bad', o, Math.min(2, end - o), { kind: type }));
        break;
      }
      if (named) {
        const f = this.block(`ip.options.${named}`, o, optlen);
        if (f) {
          f.children = compact([this.ipOptionType(o), this.uint('ip.opt.len', o + 1, 1)]);
          if (type === 7 || type === 131 || type === 137 || type === 68) push2(f.children, this.uint('ip.opt.ptr', o + 2, 1));
          if (type === 68 && optlen >= 4) {
            push2(f.children, this.bits('ip.opt.overflow', o + 3, 1, 0xf0));
            push2(f.children, this.bits('ip.opt.flag', o + 3, 1, 0x0f, 'hex'));
          }
          if (type === 148 && optlen === 4) push2(f.children, this.uint('ip.opt.ra', o + 2, 2));
          kids.push(f);
        }
      } else {
        push2(kids, this.text('#ip.option.unknown', o, optlen, { kind: type, bytes: optlen }));
      }
      o += optlen;
    }
    if (kids.length) block.children = kids;
  }

  /** Where the last address of an unfinished loose or strict source route is, if the options have one. */
  private sourceRouteEnd(start: number, len: number): number | null {
    const end = start + len;
    let o = start;
    while (o < end && this.fits(o, 1)) {
      const type = this.u8(o);
      if (type === 0) return null;
      if (type === 1) {
        o++;
        continue;
      }
      if (o + 1 >= end || !this.fits(o + 1, 1)) return null;
      const optlen = this.u8(o + 1);
      if (optlen < 2 || o + optlen > end) return null;
      if ((type === 131 || type === 137) && optlen >= 7 && this.fits(o, optlen) && this.u8(o + 2) <= optlen) {
        return o + 3 + 4 * (Math.floor((optlen - 3) / 4) - 1);
      }
      o += optlen;
    }
    return null;
  }

  private ipOptionType(o: number): AnatomyField | null {
    const t = this.uint('ip.opt.type', o, 1);
    if (!t) return null;
    t.children = compact([this.bits('ip.opt.type.copy', o, 1, 0x80), this.bits('ip.opt.type.class', o, 1, 0x60), this.bits('ip.opt.type.number', o, 1, 0x1f)]);
    return t;
  }

  /** IPv6 at `off`: the fixed header, then the extension headers the engine walks. */
  private ipv6(off: number): number | null {
    const d = this.data;
    const l = this.layer('ipv6', off, 40);
    push(l, this.bits('ipv6.version', off, 1, 0xf0));
    if (!this.fits(off, 1) || this.u8(off) >> 4 !== 6) return null;
    if (this.fits(off, 4)) {
      const first = this.u32(off);
      const tc = (first >>> 20) & 0xff;
      const f = this.bits('ipv6.tclass', off, 4, 0x0ff00000, 'hex', `DSCP ${dscpName(tc >> 2)}, ECN ${ecnShort(tc & 3)}`, 8);
      if (f) {
        f.children = compact([this.bits('ipv6.tclass.dscp', off, 4, 0x0fc00000, 'dec', dscpName(tc >> 2)), this.bits('ipv6.tclass.ecn', off, 4, 0x00300000, 'dec', this.ecnNote(tc & 3))]);
        l.fields.push(f);
      }
    }
    push(l, this.bits('ipv6.flow', off + 1, 3, 0x0fffff, 'hex', undefined, 6));
    const plenField = this.fits(off + 4, 2) ? this.u16(off + 4) : -1;
    push(l, this.uint('ipv6.plen', off + 4, 2, plenField === 0 ? this.note('jumbogram') : undefined));
    const nxt = this.fits(off + 6, 1) ? this.u8(off + 6) : -1;
    push(l, this.uint('ipv6.nxt', off + 6, 1, nxt >= 0 ? ipProtoName(nxt) : undefined));
    push(l, this.uint('ipv6.hlim', off + 7, 1));
    push(l, this.field('ipv6.src', off + 8, 16, this.fits(off + 8, 16) ? formatIpv6(d, off + 8) : ''));
    push(l, this.field('ipv6.dst', off + 24, 16, this.fits(off + 24, 16) ? formatIpv6(d, off + 24) : ''));
    this.embeddedAddresses(l, off + 8, 'src');
    this.embeddedAddresses(l, off + 24, 'dst');
    if (!this.fits(off, 40)) return null;
    // The decoder's bounds: the payload length (or a Jumbo option's) within the frame.
    const reported = this.origLen - off - 40;
    let plen = plenField;
    if (plen === 0 && nxt === 0) plen = this.jumboLength(off + 40) ?? 0;
    if (plen > reported) plen = reported;
    const end = off + 40 + Math.max(plen, 0);
    this.ipv6Extensions(nxt, off + 40, plen);
    return end;
  }

  /** Addresses that carry another address inside (6to4, Teredo, ISATAP, SLAAC's MAC), as Wireshark adds them. */
  private embeddedAddresses(l: AnatomyLayer, a: number, side: 'src' | 'dst'): void {
    if (!this.fits(a, 16)) return;
    const d = this.data;
    if (d[a] === 0x20 && d[a + 1] === 0x02) {
      push(l, this.field(`ipv6.${side}_6to4_gw_ipv4`, a + 2, 4, formatIpv4(d, a + 2)));
      push(l, this.uint(`ipv6.${side}_6to4_sla_id`, a + 6, 2));
    } else if (d[a] === 0x20 && d[a + 1] === 0x01 && d[a + 2] === 0 && d[a + 3] === 0) {
      push(l, this.field(`ipv6.${side}_ts_ipv4`, a + 4, 4, formatIpv4(d, a + 4)));
      push(l, this.field(`ipv6.${side}_tc_port`, a + 10, 2, String(this.u16(a + 10) ^ 0xffff)));
      const client = new Uint8Array(4);
      for (let i = 0; i < 4; i++) client[i] = d[a + 12 + i]! ^ 0xff;
      push(l, this.field(`ipv6.${side}_tc_ipv4`, a + 12, 4, formatIpv4(client, 0)));
    }
    if (d[a + 11] === 0xff && d[a + 12] === 0xfe) {
      const mac = [d[a + 8]! ^ 0x02, d[a + 9]!, d[a + 10]!, d[a + 13]!, d[a + 14]!, d[a + 15]!].map(hex2).join(':');
      push(l, this.field(`ipv6.${side}_slaac_mac`, a + 8, 8, mac));
    } else if ((d[a + 8]! & 0xfd) === 0 && d[a + 9] === 0 && d[a + 10] === 0x5e && d[a + 11] === 0xfe) {
      push(l, this.field(`ipv6.${side}_isatap_ipv4`, a + 12, 4, formatIpv4(d, a + 12)));
    }
  }

  private jumboLength(hbh: number): number | null {
    if (!this.fits(hbh, 2)) return null;
    const end = Math.min(hbh + (this.u8(hbh + 1) + 1) * 8, this.data.length);
    let o = hbh + 2;
    while (o < end) {
      const type = this.u8(o);
      if (type === 0) {
        o++;
        continue;
      }
      if (o + 1 >= end) return null;
      const len = this.u8(o + 1);
      if (type === 0xc2 && len === 4 && o + 6 <= end) return this.u32(o + 2);
      o += 2 + len;
    }
    return null;
  }

  private ipv6Extensions(firstNext: number, start: number, payloadLength: number): void {
    let nh = firstNext;
    let p = start;
    let remaining = payloadLength;
    for (let guard = 0; guard < 32; guard++) {
      if (nh === IPPROTO_TCP) return this.afterIp({ proto: nh, offset: p, length: remaining }, 6);
      if (nh === IPPROTO_FRAGMENT) {
        const l = this.layer('ipv6.fraghdr', p, 8);
        push(l, this.uint('ipv6.fraghdr.nxt', p, 1, this.fits(p, 1) ? ipProtoName(this.u8(p)) : undefined));
        push(l, this.hexUint('ipv6.fraghdr.reserved_octet', p + 1, 1));
        const fo = this.fits(p + 2, 2) ? this.u16(p + 2) : 0;
        push(l, this.bits('ipv6.fraghdr.offset', p + 2, 2, 0xfff8, 'dec', this.note('fragmentOffset', { bytes: (fo >> 3) * 8 })));
        push(l, this.bits('ipv6.fraghdr.reserved_bits', p + 2, 2, 0x0006));
        push(l, this.bits('ipv6.fraghdr.more', p + 2, 2, 0x0001, 'bool'));
        push(l, this.hexUint('ipv6.fraghdr.ident', p + 4, 4));
        if (!this.fits(p, 8) || fo & 0xfff9) return;
        nh = this.u8(p);
        p += 8;
        remaining -= 8;
        continue;
      }
      if (nh === IPPROTO_AH) {
        const next = this.authHeader(p);
        if (!next) return;
        nh = next.proto;
        p += next.length;
        remaining -= next.length;
        continue;
      }
      const name = IPV6_EXTENSIONS[nh];
      if (name === undefined) return;
      if (!this.fits(p, 2)) {
        this.layer(name, p, 2);
        return;
      }
      const len = (this.u8(p + 1) + 1) * 8;
      const l = this.layer(name, p, len);
      const next = this.u8(p);
      if (name === 'ipv6.ext') {
        push(l, this.text('#ipv6.ext.nxt', p, 1, {}, ipProtoName(next)));
        push(l, this.text('#ipv6.ext.len', p + 1, 1, {}, this.note('bytesCount', { bytes: len })));
      } else {
        push(l, this.uint(`${name}.nxt`, p, 1, ipProtoName(next)));
        push(l, this.uint(`${name}.len`, p + 1, 1));
        push(l, this.field(`${name}.len_oct`, p + 1, 1, String(len), this.note('bytesCount', { bytes: len })));
        if (name === 'ipv6.routing') this.routingHeader(l, p, len);
        else this.ipv6Options(l, p + 2, len - 2);
      }
      nh = next;
      p += len;
      remaining -= len;
      if (remaining < 0) return;
    }
  }

  private routingHeader(l: AnatomyLayer, p: number, len: number): void {
    if (!this.fits(p + 2, 2)) return;
    const type = this.u8(p + 2);
    push(l, this.uint('ipv6.routing.type', p + 2, 1, ROUTING_TYPES[type]));
    push(l, this.uint('ipv6.routing.segleft', p + 3, 1));
    if (type === 0) {
      push(l, this.block('ipv6.routing.src.reserved', p + 4, 4));
      for (let a = p + 8; a + 16 <= p + len && this.fits(a, 16); a += 16) push(l, this.field('ipv6.routing.src.addr', a, 16, formatIpv6(this.data, a)));
    } else if (len > 4) {
      push(l, this.block('ipv6.routing.unknown_data', p + 4, len - 4));
    }
  }

  /** Hop-by-Hop and Destination options. */
  private ipv6Options(l: AnatomyLayer, start: number, len: number): void {
    const end = start + len;
    let o = start;
    while (o < end && this.fits(o, 1)) {
      const type = this.u8(o);
      if (type === 0) {
        const f = this.field('ipv6.opt', o, 1, '', 'Pad1');
        if (f) {
          f.children = compact([this.hexUint('ipv6.opt.type', o, 1, 'Pad1'), this.field('ipv6.opt.pad1', o, 1, '')]);
          l.fields.push(f);
        }
        o++;
        continue;
      }
      if (!this.fits(o + 1, 1) || o + 1 >= end) return;
      const optlen = this.u8(o + 1);
      const name = IPV6_OPTION_NAMES[type];
      const f = this.field('ipv6.opt', o, Math.min(2 + optlen, this.data.length - o), '', name ?? this.note('unknownOption', { kind: type }));
      if (!f) return;
      const t = this.hexUint('ipv6.opt.type', o, 1, name);
      if (t) t.children = compact([this.bits('ipv6.opt.type.action', o, 1, 0xc0), this.bits('ipv6.opt.type.change', o, 1, 0x20, 'bool'), this.bits('ipv6.opt.type.rest', o, 1, 0x1f, 'hex')]);
      f.children = compact([t, this.uint('ipv6.opt.length', o + 1, 1)]);
      if (type === 1) push2(f.children, this.field('ipv6.opt.padn', o + 2, optlen, this.fits(o + 2, optlen) ? this.colonBytes(o + 2, optlen) : ''));
      else if (type === 5 && optlen === 2) push2(f.children, this.uint('ipv6.opt.router_alert', o + 2, 2));
      else if (type === 0xc2 && optlen === 4) push2(f.children, this.uint('ipv6.opt.jumbo', o + 2, 4));
      else if (optlen > 0) push2(f.children, this.block('ipv6.opt.unknown', o + 2, optlen));
      l.fields.push(f);
      o += 2 + optlen;
    }
  }

  /** The Authentication Header (RFC 4302): TCP follows it in the clear. */
  private authHeader(p: number): { proto: number; length: number } | null {
    if (!this.fits(p, 2)) {
      this.layer('ah', p, 2);
      return null;
    }
    const len = (this.u8(p + 1) + 2) * 4;
    const l = this.layer('ah', p, len);
    const next = this.u8(p);
    push(l, this.uint('ah.next_header', p, 1, ipProtoName(next)));
    push(l, this.uint('ah.length', p + 1, 1, this.note('bytesCount', { bytes: len })));
    push(l, this.block('ah.reserved', p + 2, 2));
    push(l, this.hexUint('ah.spi', p + 4, 4));
    push(l, this.uint('ah.sequence', p + 8, 4));
    if (len > 12) push(l, this.block('ah.icv', p + 12, len - 12));
    return { proto: next, length: len };
  }

  /** What follows an IP header: AH, then TCP, as the engine's decoder goes. */
  private afterIp(payload: IpPayload, version: 4 | 6): void {
    let { proto, offset, length } = payload;
    if (version === 4 && proto === IPPROTO_AH) {
      const next = this.authHeader(offset);
      if (!next) return;
      proto = next.proto;
      offset += next.length;
      length -= next.length;
    }
    if (proto === IPPROTO_TCP) this.tcp(offset, Math.max(length, 0));
  }

  // ---- TCP ------------------------------------------------------------------------------------

  private tcp(off: number, segLen: number): void {
    const ctx = this.tcpContext;
    const captured = this.data.length - off;
    const hl = this.fits(off + 12, 1) ? (this.u8(off + 12) >> 4) * 4 : 20;
    const bogus = hl < 20 || hl > segLen;
    const l = this.layer('tcp', off, bogus ? segLen : Math.min(hl, captured));
    push(l, this.uint('tcp.srcport', off, 2));
    push(l, this.uint('tcp.dstport', off + 2, 2));
    if (this.fits(off + 4, 4)) {
      const raw = this.u32(off + 4);
      if (ctx) {
        push(l, this.field('tcp.seq', off + 4, 4, String(ctx.relSeq), this.note('relativeSeq')));
        push(l, this.field('tcp.seq_raw', off + 4, 4, String(raw)));
      } else push(l, this.field('tcp.seq', off + 4, 4, String(raw), this.note('rawSeq')));
    }
    if (hl < 20 && this.fits(off + 12, 1)) {
      // Wireshark stops at a header length below 20: nothing after it is a header it trusts.
      push(l, this.field('tcp.hdr_len', off + 12, 1, String(hl), this.note('headerTooShort', { bytes: hl }), 0xf0));
      return;
    }
    const flags = this.fits(off + 12, 2) ? this.u16(off + 12) & 0x0fff : 0;
    if (this.fits(off + 8, 4)) {
      const raw = this.u32(off + 8);
      if (ctx) {
        // Without the ACK flag there is nothing to be relative to: Wireshark shows the raw number twice.
        if (ctx.relAck !== null) push(l, this.field('tcp.ack', off + 8, 4, String(ctx.relAck), this.note('relativeAck')));
        else push(l, this.field('tcp.ack', off + 8, 4, String(raw), this.note('ackUnused')));
        push(l, this.field('tcp.ack_raw', off + 8, 4, String(raw)));
      } else push(l, this.field('tcp.ack', off + 8, 4, String(raw), flags & 0x010 ? this.note('rawSeq') : this.note('ackUnused')));
    }
    if (this.fits(off + 12, 1)) {
      push(l, this.field('tcp.hdr_len', off + 12, 1, String(hl), this.note('headerLength', { bytes: hl, words: hl / 4 }), 0xf0));
    }
    if (this.fits(off + 12, 2)) {
      const f = this.bits('tcp.flags', off + 12, 2, 0x0fff, 'hex', flagsSummary(flags), 4);
      if (f) {
        const bit = (name: string, o: number, mask: number): AnatomyField | null => this.bits(name, o, 1, mask, 'bool');
        f.children = compact([
          this.bits('tcp.flags.res', off + 12, 1, 0x0e, 'bool'),
          bit('tcp.flags.ae', off + 12, 0x01),
          bit('tcp.flags.cwr', off + 13, 0x80),
          bit('tcp.flags.ece', off + 13, 0x40),
          bit('tcp.flags.urg', off + 13, 0x20),
          bit('tcp.flags.ack', off + 13, 0x10),
          bit('tcp.flags.push', off + 13, 0x08),
          bit('tcp.flags.reset', off + 13, 0x04),
          bit('tcp.flags.syn', off + 13, 0x02),
          bit('tcp.flags.fin', off + 13, 0x01),
          this.field('tcp.flags.str', off + 12, 2, flagsString(flags)),
        ]);
        l.fields.push(f);
      }
    }
    if (this.fits(off + 14, 2)) {
      const win = this.u16(off + 14);
      if (ctx) {
        push(l, this.field('tcp.window_size_value', off + 14, 2, String(win)));
        push(l, this.field('tcp.window_size', off + 14, 2, String(ctx.window), this.windowNote(ctx)));
        if (ctx.scaleFactor !== null) push(l, this.field('tcp.window_size_scalefactor', off + 14, 2, String(ctx.scaleFactor)));
      } else push(l, this.field('tcp.window_size_value', off + 14, 2, String(win), flags & 0x002 ? this.note('windowSyn') : this.note('windowUnscaled')));
    }
    push(l, this.hexUint('tcp.checksum', off + 16, 2, this.note('notVerified')));
    push(l, this.uint('tcp.urgent_pointer', off + 18, 2, flags & 0x020 ? undefined : this.note('urgentUnused')));
    if (bogus) return;
    if (hl > 20) {
      const block = this.block('tcp.options', off + 20, hl - 20, this.note('bytesCount', { bytes: hl - 20 }));
      if (block) {
        const ack = this.fits(off + 8, 4) ? this.u32(off + 8) : 0;
        const ackBase = ctx && ctx.relAck !== null ? (ack - ctx.relAck) >>> 0 : null;
        const walk = walkTcpOptions(this, off + 20, hl - 20, ack, ackBase);
        if (walk.fields.length) block.children = walk.fields;
        l.fields.push(block);
        if (walk.cut) return;
      }
    }
    const payloadLen = segLen - hl;
    if (payloadLen > 0) {
      const kept = Math.min(payloadLen, Math.max(0, captured - hl));
      const note = kept < payloadLen ? this.note('payloadCut', { kept, bytes: payloadLen }) : this.note('bytesCount', { bytes: payloadLen });
      push(l, this.block('tcp.payload', off + hl, payloadLen, note));
    }
  }

  private windowNote(ctx: TcpContext): string {
    if (ctx.scaleFactor === null) return this.note('windowSyn');
    if (ctx.scaleFactor === -1) return this.note('windowScaleUnknown');
    if (ctx.scaleFactor === -2) return this.note('windowNoScaling');
    return this.note('windowScaled', { factor: ctx.scaleFactor });
  }
}

// ---- tables and helpers ----------------------------------------------------------------------

const IPV4_OPTION_NAMES: Record<number, string> = {
  0: 'eol',
  1: 'nop',
  7: 'record_route',
  68: 'timestamp',
  130: 'security',
  131: 'route',
  137: 'source_route',
  148: 'routeralert',
};

const IPV6_EXTENSIONS: Record<number, LayerName> = {
  0: 'ipv6.hopopts',
  43: 'ipv6.routing',
  60: 'ipv6.dstopts',
  135: 'ipv6.ext',
  139: 'ipv6.ext',
  140: 'ipv6.ext',
  253: 'ipv6.ext',
  254: 'ipv6.ext',
};

const IPV6_OPTION_NAMES: Record<number, string> = { 1: 'PadN', 5: 'Router Alert', 0xc2: 'Jumbo Payload' };

const ROUTING_TYPES: Record<number, string> = { 0: 'Source Route', 1: 'Nimrod', 2: 'Type 2 Routing', 3: 'RPL Source Route', 4: 'Segment Routing' };

const SLL_HATYPES: Record<number, string> = {
  1: 'Ethernet',
  24: 'IEEE 1394',
  32: 'InfiniBand',
  512: 'PPP',
  768: 'IPIP tunnel',
  769: 'IP6IP6 tunnel',
  772: 'Loopback',
  776: 'IPv6-in-IPv4',
  778: 'GRE over IP',
  801: 'IEEE 802.11',
  803: 'IEEE 802.11 + radiotap',
  823: 'IP6GRE',
  65534: 'None',
  65535: 'Void',
};

function hatypeName(t: number): string | undefined {
  return SLL_HATYPES[t];
}

const DSCP_NAMES: Record<number, string> = { 0: 'CS0', 8: 'CS1', 16: 'CS2', 24: 'CS3', 32: 'CS4', 40: 'CS5', 48: 'CS6', 56: 'CS7', 10: 'AF11', 12: 'AF12', 14: 'AF13', 18: 'AF21', 20: 'AF22', 22: 'AF23', 26: 'AF31', 28: 'AF32', 30: 'AF33', 34: 'AF41', 36: 'AF42', 38: 'AF43', 44: 'VOICE-ADMIT', 46: 'EF', 1: 'LE' };

function dscpName(dscp: number): string {
  return DSCP_NAMES[dscp] ?? String(dscp);
}

function ecnShort(ecn: number): string {
  return ['Not-ECT', 'ECT(1)', 'ECT(0)', 'CE'][ecn]!;
}

const FLAG_NAMES: Array<[number, string]> = [
  [0x001, 'FIN'],
  [0x002, 'SYN'],
  [0x004, 'RST'],
  [0x008, 'PSH'],
  [0x010, 'ACK'],
  [0x020, 'URG'],
  [0x040, 'ECE'],
  [0x080, 'CWR'],
  [0x100, 'AE'],
  [0xe00, 'Reserved'],
];

/** As Wireshark's summary of tcp.flags: "SYN, ACK" (its order: FIN first). */
function flagsSummary(flags: number): string {
  const names = FLAG_NAMES.filter(([bit]) => flags & bit).map(([, n]) => n);
  return names.length ? names.join(', ') : '<None>';
}

/** tcp.flags.str: one character a bit, "·" when clear ("··········S·"). */
function flagsString(flags: number): string {
  const letters = 'RRRACEUAPRSF';
  let s = '';
  for (let i = 0; i < 12; i++) s += flags & (0x800 >> i) ? letters[i] : '·';
  return s;
}

export function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function hexValue(v: number, digits: number): string {
  return `0x${v.toString(16).padStart(digits, '0')}`;
}

function maskedValue(v: number, mask: number): number {
  let m = mask >>> 0;
  let x = (v & m) >>> 0;
  while (m !== 0 && (m & 1) === 0) {
    m >>>= 1;
    x >>>= 1;
  }
  return x;
}

function compact(fields: Array<AnatomyField | null>): AnatomyField[] {
  return fields.filter((f): f is AnatomyField => f !== null);
}

function push(layer: AnatomyLayer, f: AnatomyField | null): void {
  if (f) layer.fields.push(f);
}

function push2(list: AnatomyField[], f: AnatomyField | null): void {
  if (f) list.push(f);
}
