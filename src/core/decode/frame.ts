import { u16be, u32be } from '../capture/bytes';
import { NO_LINK_TYPE } from '../capture/types';
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
} from './linktypes';

/** What a frame turned out to be. Only `Tcp` frames carry valid TCP fields. */
export const enum FrameKind {
  Tcp = 0,
  /** A link type this decoder does not read; counted and reported, never guessed. */
  UnsupportedLink = 1,
  /** Link layer fine, but no IPv4/IPv6 inside (ARP, LLDP, 802.3 LLC...). */
  NotIp = 2,
  /** IP carrying another protocol (UDP, ICMP...). */
  NotTcp = 3,
  /** An IP fragment: TCP is only visible after reassembly, which this engine does not do. */
  Fragment = 4,
  /** A header was cut short by the capture's snapshot length. */
  Truncated = 5,
  /** A header contradicts itself (bogus lengths, bad version). */
  Malformed = 6,
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
const IPPROTO_TCP = 6;
const IPPROTO_AH = 51;

/**
 * One decoded frame. A single instance is reused for every frame (no allocation per packet);
 * offsets point into `data`, the record's bytes (or, from decodeFrameAt, the buffer holding
 * them), which are never copied.
 */
export class DecodedFrame {
  kind: FrameKind = FrameKind.NotIp;
  /** Why the frame is not TCP, for reports (empty for TCP frames). */
  reason = '';
  data: Uint8Array = new Uint8Array(0);
  ipVersion: 4 | 6 = 4;
  ipOffset = 0;
  /** Offsets of the source and destination address in `data`, and their length (4 or 16). */
  srcAddrOffset = 0;
  dstAddrOffset = 0;
  addrLen = 4;
  /** ECN codepoint of the IP header (0..3). */
  ipEcn = 0;
  ttl = 0;
  tcpOffset = 0;
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  /** The 12 flag bits (AE CWR ECE URG ACK PSH RST SYN FIN plus 3 reserved), as tcp.flags. */
  flags = 0;
  window = 0;
  urgent = 0;
  /** TCP header length in bytes (data offset * 4). */
  tcpHeaderLen = 0;
  /** Payload length as the IP header reports it (tcp.len), whatever the snaplen kept. */
  payloadLen = 0;
  /** True when the capture kept fewer bytes than the TCP header and payload. */
  truncated = false;
  /**
   * False when the TCP header length field is bogus (below 20, or beyond the segment): the
   * ports and numbers are real and the segment still belongs to a stream, as in Wireshark,
   * but it has no length and takes no part in sequence analysis.
   */
  headerValid = true;
}

/**
 * Decodes link, IP and TCP headers of one frame in place.
 * `origLen` is the frame's length on the wire, which bounds what IP may claim, as in Wireshark.
 */
export function decodeFrame(
  linkType: number,
  data: Uint8Array,
  origLen: number,
  out: DecodedFrame,
): FrameKind {
  return decodeFrameAt(linkType, data, 0, data.length, origLen, out);
}

/**
 * decodeFrame for a frame that lies in a larger buffer, at [start, start + capLen): no view is
 * made of it, and `out`'s offsets point into `bytes` (out.data). A pass that only reads the
 * headers (the conversation table's) then allocates nothing per packet.
 */
export function decodeFrameAt(
  linkType: number,
  bytes: Uint8Array,
  start: number,
  capLen: number,
  origLen: number,
  out: DecodedFrame,
): FrameKind {
  const data = bytes;
  // Bounds are ends in `bytes`: what was captured, and where the frame would end on the wire.
  const end = start + capLen;
  const origEnd = start + origLen;
  out.data = data;
  out.reason = '';
  out.truncated = false;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return decodeEthernet(data, start, origEnd, end, out);
    case LINKTYPE_RAW:
    case DLT_RAW_12:
    case DLT_RAW_14:
      return decodeIpByVersion(data, start, origEnd, end, out);
    case LINKTYPE_IPV4:
      return decodeIpv4(data, start, origEnd, end, out);
    case LINKTYPE_IPV6:
      return decodeIpv6(data, start, origEnd, end, out);
    case LINKTYPE_LINUX_SLL:
      if (capLen < 16) return fail(out, FrameKind.Truncated, 'Linux cooked header cut short');
      return decodeEthertype(u16be(data, start + 14), data, start + 16, origEnd, end, out);
    case LINKTYPE_LINUX_SLL2:
      if (capLen < 20) return fail(out, FrameKind.Truncated, 'Linux cooked v2 header cut short');
      return decodeEthertype(u16be(data, start), data, start + 20, origEnd, end, out);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      return decodeNull(linkType, data, start, origEnd, end, out);
    case NO_LINK_TYPE:
      return fail(out, FrameKind.NotIp, 'a pcapng record that is not a packet');
    default:
      return fail(out, FrameKind.UnsupportedLink, `link type ${linkType} (not decoded)`);
  }
}

function fail(out: DecodedFrame, kind: FrameKind, reason: string): FrameKind {
  out.kind = kind;
  out.reason = reason;
  return kind;
}

function decodeEthernet(data: Uint8Array, start: number, origEnd: number, end: number, out: DecodedFrame): FrameKind {
  if (end < start + 14) return fail(out, FrameKind.Truncated, 'Ethernet header cut short');
  let type = u16be(data, start + 12);
  let off = start + 14;
  // 802.1Q / 802.1ad tags, possibly stacked (Q-in-Q).
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
    if (end < off + 4) return fail(out, FrameKind.Truncated, 'VLAN tag cut short');
    type = u16be(data, off + 2);
    off += 4;
  }
  return decodeEthertype(type, data, off, origEnd, end, out);
}

function decodeEthertype(
  type: number,
  data: Uint8Array,
  off: number,
  origEnd: number,
  end: number,
  out: DecodedFrame,
): FrameKind {
  // Wireshark hands ethertype 0x0800 to its "ip" dissector, which goes by the version nibble.
  if (type === ETHERTYPE_IPV4) return decodeIpByVersion(data, off, origEnd, end, out);
  if (type === ETHERTYPE_IPV6) return decodeIpv6(data, off, origEnd, end, out);
  return fail(out, FrameKind.NotIp, `ethertype 0x${type.toString(16).padStart(4, '0')}`);
}

function decodeNull(linkType: number, data: Uint8Array, start: number, origEnd: number, end: number, out: DecodedFrame): FrameKind {
  if (end < start + 4) return fail(out, FrameKind.Truncated, 'loopback header cut short');
  let family: number;
  if (linkType === LINKTYPE_LOOP) {
    family = u32be(data, start);
  } else {
    // DLT_NULL holds the family in the capturing host's byte order; families are small numbers.
    family = u32be(data, start);
    if (family > 0xffff) family = (data[start]! | (data[start + 1]! << 8) | (data[start + 2]! << 16) | (data[start + 3]! << 24)) >>> 0;
  }
  switch (family) {
    case 2: // AF_INET everywhere
      return decodeIpv4(data, start + 4, origEnd, end, out);
    case 10: // AF_INET6 Linux
    case 24: // NetBSD, OpenBSD, BSD/OS
    case 28: // FreeBSD, DragonFly
    case 30: // macOS
      return decodeIpv6(data, start + 4, origEnd, end, out);
    default:
      return fail(out, FrameKind.NotIp, `loopback address family ${family}`);
  }
}

function decodeIpByVersion(data: Uint8Array, off: number, origEnd: number, end: number, out: DecodedFrame): FrameKind {
  if (end < off + 1) return fail(out, FrameKind.Truncated, 'IP header cut short');
  const version = data[off]! >> 4;
  if (version === 4) return decodeIpv4(data, off, origEnd, end, out);
  if (version === 6) return decodeIpv6(data, off, origEnd, end, out);
  return fail(out, FrameKind.Malformed, `IP version ${version}`);
}

function decodeIpv4(data: Uint8Array, off: number, origEnd: number, end: number, out: DecodedFrame): FrameKind {
  if (end < off + 20) return fail(out, FrameKind.Truncated, 'IPv4 header cut short');
  const vihl = data[off]!;
  if (vihl >> 4 !== 4) return fail(out, FrameKind.Malformed, `IPv4 header with version ${vihl >> 4}`);
  const hlen = (vihl & 0x0f) * 4;
  if (hlen < 20) return fail(out, FrameKind.Malformed, `IPv4 header length ${hlen} is below 20`);
  if (end < off + hlen) return fail(out, FrameKind.Truncated, 'IPv4 options cut short');
  const reported = origEnd - off;
  let totalLen = u16be(data, off + 2);
  if (totalLen < hlen) {
    // Zero means TCP segmentation offload on the capturing host: the frame length is the truth.
    if (totalLen === 0) totalLen = reported;
    else return fail(out, FrameKind.Malformed, `IPv4 total length ${totalLen} is below its header length ${hlen}`);
  }
  const fragField = u16be(data, off + 6);
  if (fragField & 0x3fff) return fail(out, FrameKind.Fragment, 'IPv4 fragment');
  let proto = data[off + 9]!;
  let p = off + hlen;
  out.ipVersion = 4;
  out.ipOffset = off;
  out.srcAddrOffset = off + 12;
  out.dstAddrOffset = off + 16;
  out.addrLen = 4;
  out.ipEcn = data[off + 1]! & 3;
  out.ttl = data[off + 8]!;
  // As in Wireshark: a total length beyond the frame is not trusted; the frame's length bounds it.
  const ipLen = totalLen > reported ? reported : totalLen;
  let remaining = ipLen - hlen;
  if (proto === IPPROTO_AH) {
    // Authentication Header (RFC 4302): TCP follows it in the clear.
    if (end < p + 2) return fail(out, FrameKind.Truncated, 'IPv4 AH cut short');
    const ahLen = (data[p + 1]! + 2) * 4;
    proto = data[p]!;
    p += ahLen;
    remaining -= ahLen;
  }
  if (proto !== IPPROTO_TCP) return fail(out, FrameKind.NotTcp, notTcpReason(proto));
  return decodeTcp(data, p, remaining, end, out);
}

/** IPv6 extension headers that may precede TCP and share the generic (next, length) layout. */
function isIpv6ExtensionHeader(nh: number): boolean {
  return nh === 0 || nh === 43 || nh === 60 || nh === 135 || nh === 139 || nh === 140 || nh === 253 || nh === 254;
}

function decodeIpv6(data: Uint8Array, off: number, origEnd: number, end: number, out: DecodedFrame): FrameKind {
  if (end < off + 40) return fail(out, FrameKind.Truncated, 'IPv6 header cut short');
  const v = data[off]! >> 4;
  if (v !== 6) return fail(out, FrameKind.Malformed, `IPv6 header with version ${v}`);
  const reported = origEnd - off - 40;
  let plen = u16be(data, off + 4);
  let nh = data[off + 6]!;
  out.ipVersion = 6;
  out.ipOffset = off;
  out.srcAddrOffset = off + 8;
  out.dstAddrOffset = off + 24;
  out.addrLen = 16;
  out.ipEcn = (u16be(data, off) >> 4) & 3;
  out.ttl = data[off + 7]!;
  if (plen === 0 && nh === 0) plen = jumboPayloadLength(data, off + 40, end) ?? 0;
  if (plen > reported) plen = reported;
  let p = off + 40;
  let remaining = plen;
  for (let guard = 0; guard < 32; guard++) {
    if (nh === IPPROTO_TCP) return decodeTcp(data, p, remaining, end, out);
    if (nh === 44) {
      // Fragment header: only an atomic fragment (offset 0, no more fragments) carries whole TCP.
      if (end < p + 8) return fail(out, FrameKind.Truncated, 'IPv6 fragment header cut short');
      const fo = u16be(data, p + 2);
      if (fo & 0xfff9) return fail(out, FrameKind.Fragment, 'IPv6 fragment');
      nh = data[p]!;
      p += 8;
      remaining -= 8;
      continue;
    }
    if (nh === 51) {
      // Authentication Header: length in 4-octet units, minus 2.
      if (end < p + 2) return fail(out, FrameKind.Truncated, 'IPv6 AH cut short');
      const len = (data[p + 1]! + 2) * 4;
      nh = data[p]!;
      p += len;
      remaining -= len;
      continue;
    }
    if (isIpv6ExtensionHeader(nh)) {
      if (end < p + 2) return fail(out, FrameKind.Truncated, 'IPv6 extension header cut short');
      const len = (data[p + 1]! + 1) * 8;
      nh = data[p]!;
      p += len;
      remaining -= len;
      if (remaining < 0) return fail(out, FrameKind.Malformed, 'IPv6 extension headers longer than the payload');
      continue;
    }
    return fail(out, FrameKind.NotTcp, `IPv6 next header ${nh}`);
  }
  return fail(out, FrameKind.Malformed, 'too many IPv6 extension headers');
}

function decodeTcp(data: Uint8Array, off: number, segLen: number, end: number, out: DecodedFrame): FrameKind {
  // Wireshark reads ports, numbers, flags and window (16 bytes) before it judges any length.
  if (end < off + 16) return fail(out, FrameKind.Truncated, 'TCP header cut short');
  out.tcpOffset = off;
  out.srcPort = u16be(data, off);
  out.dstPort = u16be(data, off + 2);
  out.seq = u32be(data, off + 4);
  out.ack = u32be(data, off + 8);
  const hl = (data[off + 12]! >> 4) * 4;
  out.flags = u16be(data, off + 12) & 0x0fff;
  out.window = u16be(data, off + 14);
  out.urgent = end >= off + 20 ? u16be(data, off + 18) : 0;
  out.tcpHeaderLen = hl;
  out.truncated = end < off + segLen;
  out.kind = FrameKind.Tcp;
  if (hl < 20 || hl > segLen) {
    out.headerValid = false;
    out.payloadLen = 0;
    out.reason = hl < 20 ? `TCP header length ${hl} is below 20` : `TCP header length ${hl} exceeds the segment (${segLen} bytes)`;
    return FrameKind.Tcp;
  }
  out.headerValid = true;
  out.payloadLen = segLen - hl;
  return FrameKind.Tcp;
}

/** The Jumbo Payload option (RFC 2675) of a Hop-by-Hop header, as Linux BIG TCP uses it. */
function jumboPayloadLength(data: Uint8Array, hbh: number, frameEnd: number): number | null {
  if (frameEnd < hbh + 2) return null;
  const end = Math.min(hbh + (data[hbh + 1]! + 1) * 8, frameEnd);
  let o = hbh + 2;
  while (o < end) {
    const type = data[o]!;
    if (type === 0) {
      o++;
      continue;
    }
    if (o + 1 >= end) return null;
    const len = data[o + 1]!;
    if (type === 0xc2 && len === 4 && o + 6 <= end) return u32be(data, o + 2);
    o += 2 + len;
  }
  return null;
}

/** One string per IP protocol, made once: a capture of millions of UDP frames names the same few reasons. */
const NOT_TCP_REASONS: string[] = [];
function notTcpReason(proto: number): string {
  return (NOT_TCP_REASONS[proto] ??= `IP protocol ${proto}`);
}
