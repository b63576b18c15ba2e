import { CaptureRecord } from './capture/types';
import { formatAddress } from './decode/address';
import { DecodedFrame } from './decode/frame';
import { TcpOption, parseTcpOptions } from './decode/tcpOptions';
import { ConversationTable } from './tcp/conversationTable';
import {
  A_ACK_LOST_PACKET,
  A_DUPLICATE_ACK,
  A_FAST_RETRANSMISSION,
  A_KEEP_ALIVE,
  A_KEEP_ALIVE_ACK,
  A_LOST_PACKET,
  A_OUT_OF_ORDER,
  A_RETRANSMISSION,
  A_REUSED_PORTS,
  A_SPURIOUS_RETRANSMISSION,
  A_WINDOW_FULL,
  A_WINDOW_UPDATE,
  A_ZERO_WINDOW,
  A_ZERO_WINDOW_PROBE,
  A_ZERO_WINDOW_PROBE_ACK,
  HalfFlow,
  SegmentAnalysis,
  TH_ACK,
  TcpConversation,
  analysisFlagNames,
  scaledWindow,
} from './tcp/analysis';

/** The stable, script-facing shapes of the CLI's JSON output, and the text forms beside them. */

/** "<seconds>.<9 digits>", exact (no floating point). */
export function formatEpoch(sec: number, nsec: number): string {
  if (sec < 0 && nsec > 0) {
    // -1.25 s is stored as sec -2, nsec 750000000.
    return `-${-(sec + 1)}.${String(1e9 - nsec).padStart(9, '0')}`;
  }
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

/** Seconds between two (sec, nsec) instants, as a number. */
export function secondsBetween(aSec: number, aNsec: number, bSec: number, bNsec: number): number {
  return bSec - aSec + (bNsec - aNsec) / 1e9;
}

/**
 * The time from (aSec, aNsec) to (bSec, bNsec) as tshark prints a relative time (tcp.time_delta,
 * tcp.time_relative): a sign when it runs backwards, then seconds and nine decimals, exact.
 */
export function formatSpan(aSec: number, aNsec: number, bSec: number, bNsec: number): string {
  let sec = bSec - aSec;
  let nsec = bNsec - aNsec;
  // Both parts take the sign of the whole, as Wireshark's nstime_delta leaves them.
  if (sec > 0 && nsec < 0) {
    sec -= 1;
    nsec += 1e9;
  } else if (sec < 0 && nsec > 0) {
    sec += 1;
    nsec -= 1e9;
  }
  return `${sec < 0 || nsec < 0 ? '-' : ''}${Math.abs(sec)}.${String(Math.abs(nsec)).padStart(9, '0')}`;
}

/**
 * formatSpan as a number: the double nearest to what tshark prints, so `Number(tshark's text)`
 * equals it (secondsBetween loses the last digits of epoch times).
 */
export function spanSeconds(aSec: number, aNsec: number, bSec: number, bNsec: number): number {
  const ns = (bSec - aSec) * 1e9 + (bNsec - aNsec);
  // Below 2^53 ns (104 days) the nanoseconds are exact and one division rounds them once.
  return Number.isSafeInteger(ns) ? ns / 1e9 : Number(formatSpan(aSec, aNsec, bSec, bNsec));
}

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'] as const;

/** Flag names in Wireshark's order: "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE". */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < FLAG_NAMES.length; i++) if (flags & (1 << i)) out.push(FLAG_NAMES[i]!);
  if (flags & 0x0e00) out.push('Reserved');
  return out;
}

/** "[SYN, ACK]" as in Wireshark's Info column. */
export function flagsLabel(flags: number): string {
  const names = flagNames(flags);
  return `[${names.length ? names.join(', ') : '<None>'}]`;
}

/** One line of `tcp-explainer packets --json`. */
export interface PacketRecord {
  frame: number;
  time: string;
  /** tcp.time_relative: seconds since the connection's first segment (9 decimals, as tshark). */
  time_relative: number;
  /** tcp.time_delta: seconds since the connection's previous segment (negative when time runs backwards). */
  time_delta: number;
  stream: number;
  src: string;
  srcport: number;
  dst: string;
  dstport: number;
  flags: string;
  seq: number;
  seq_raw: number;
  ack: number;
  ack_raw: number;
  len: number;
  win: number;
  /** tcp.window_size_scalefactor: the multiplier, -1 unknown (no handshake seen), -2 no scaling; null on SYNs. */
  win_scale: number | null;
  analysis: string[];
  /** Present on duplicate ACKs: which duplicate this is (tcp.analysis.duplicate_ack_num). */
  dup_ack?: number;
  /** tcp.analysis.ack_rtt: seconds since the segment this one acknowledges; absent where tshark shows none. */
  ack_rtt?: number;
  /** tcp.analysis.bytes_in_flight: bytes sent and not yet acknowledged after this segment; absent where tshark shows none. */
  bytes_in_flight?: number;
  /** Present when the capture kept fewer bytes than the segment had (snapshot length). */
  truncated?: true;
}

export function windowScaleFactor(flags: number, flow: HalfFlow): number | null {
  if (flags & 0x002) return null;
  return flow.winScale >= 0 ? 2 ** flow.winScale : flow.winScale;
}

/**
 * The record for one segment. `finalFlow` and `finalPeer` are the segment's direction and the
 * opposite one as they stand at the end of the capture: Wireshark shows windows with the scale
 * and relative numbers with the bases it knows once the file is read.
 */
/**
 * Relative numbers count from the bases as they stand at the end of the file, as Wireshark
 * shows them (a SYN-ACK with a new ISN on reused ports moves the base for the whole flow).
 */
export function relativeNumbers(f: DecodedFrame, seg: SegmentAnalysis, finalFlow: HalfFlow, finalPeer: HalfFlow): { relSeq: number; relAck: number } {
  return {
    relSeq: f.headerValid ? (f.seq - finalFlow.baseSeq) >>> 0 : seg.relSeq,
    relAck: f.headerValid ? (f.ack - finalPeer.baseSeq) >>> 0 : seg.relAck,
  };
}

export function packetRecord(
  rec: CaptureRecord,
  f: DecodedFrame,
  seg: SegmentAnalysis,
  finalFlow: HalfFlow,
  finalPeer: HalfFlow,
): PacketRecord {
  const hasAck = (f.flags & TH_ACK) !== 0;
  const { relSeq, relAck } = relativeNumbers(f, seg, finalFlow, finalPeer);
  const out: PacketRecord = {
    frame: rec.frame,
    time: formatEpoch(rec.tsSec, rec.tsNsec),
    time_relative: spanSeconds(seg.conversation.firstSec, seg.conversation.firstNsec, rec.tsSec, rec.tsNsec),
    time_delta: spanSeconds(seg.prevSec, seg.prevNsec, rec.tsSec, rec.tsNsec),
    stream: seg.conversation.stream,
    src: formatAddress(f.data, f.srcAddrOffset, f.addrLen),
    srcport: f.srcPort,
    dst: formatAddress(f.data, f.dstAddrOffset, f.addrLen),
    dstport: f.dstPort,
    flags: `0x${f.flags.toString(16).padStart(4, '0')}`,
    seq: relSeq,
    seq_raw: f.seq,
    ack: hasAck ? relAck : 0,
    ack_raw: hasAck ? f.ack : 0,
    len: f.payloadLen,
    win: scaledWindow(f.window, f.flags, finalFlow),
    win_scale: windowScaleFactor(f.flags, finalFlow),
    analysis: analysisFlagNames(seg.flags, seg.dupAckNum),
  };
  if (seg.dupAckNum) out.dup_ack = seg.dupAckNum;
  const ackRtt = seg.ackRtt;
  if (ackRtt !== undefined) out.ack_rtt = ackRtt;
  if (seg.bytesInFlight) out.bytes_in_flight = seg.bytesInFlight;
  if (f.truncated) out.truncated = true;
  return out;
}

/** tcp.analysis.ack_rtt as tshark prints it ("0.000034000"), or null where it shows none. */
export function ackRttText(seg: SegmentAnalysis): string | null {
  return seg.ackRtt === undefined ? null : formatSpan(0, 0, seg.ackRttSec, seg.ackRttNsec);
}

/** tcp.time_relative and tcp.time_delta of a segment, as tshark prints them ("0.000019000"). */
export function segmentTimeTexts(rec: CaptureRecord, seg: SegmentAnalysis): { relative: string; delta: string } {
  return {
    relative: formatSpan(seg.conversation.firstSec, seg.conversation.firstNsec, rec.tsSec, rec.tsNsec),
    delta: formatSpan(seg.prevSec, seg.prevNsec, rec.tsSec, rec.tsNsec),
  };
}

/** Expert markers as Wireshark prefixes them to the Info column. */
export function analysisMarkers(flags: number, dupAckNum: number, dupAckFrame: number): string[] {
  const m: string[] = [];
  if (flags & A_REUSED_PORTS) m.push('[TCP Port numbers reused]');
  if (flags & A_SPURIOUS_RETRANSMISSION) m.push('[TCP Spurious Retransmission]');
  else if (flags & A_FAST_RETRANSMISSION) m.push('[TCP Fast Retransmission]');
  else if (flags & A_RETRANSMISSION) m.push('[TCP Retransmission]');
  if (flags & A_OUT_OF_ORDER) m.push('[TCP Out-Of-Order]');
  if (flags & A_LOST_PACKET) m.push('[TCP Previous segment not captured]');
  if (flags & A_ACK_LOST_PACKET) m.push('[TCP ACKed unseen segment]');
  if (flags & A_WINDOW_UPDATE) m.push('[TCP Window Update]');
  if (flags & A_WINDOW_FULL) m.push('[TCP Window Full]');
  if (flags & A_KEEP_ALIVE) m.push('[TCP Keep-Alive]');
  if (flags & A_KEEP_ALIVE_ACK) m.push('[TCP Keep-Alive ACK]');
  if (flags & A_DUPLICATE_ACK && dupAckNum) m.push(`[TCP Dup ACK ${dupAckFrame}#${dupAckNum}]`);
  if (flags & A_ZERO_WINDOW_PROBE) m.push('[TCP ZeroWindowProbe]');
  if (flags & A_ZERO_WINDOW) m.push('[TCP ZeroWindow]');
  if (flags & A_ZERO_WINDOW_PROBE_ACK) m.push('[TCP ZeroWindowProbeAck]');
  return m;
}

function optionText(o: TcpOption): string | null {
  switch (o.name) {
    case 'MSS':
      return 'mss' in o ? `MSS=${o.mss}` : null;
    case 'WS':
      return 'multiplier' in o ? `WS=${o.multiplier}` : null;
    case 'SACK_PERM':
      return 'SACK_PERM';
    case 'SACK':
      return 'blocks' in o ? o.blocks.map(([l, r]) => `SLE=${l} SRE=${r}`).join(' ') : null;
    case 'TS':
      return 'tsval' in o ? `TSval=${o.tsval} TSecr=${o.tsecr}` : null;
    case 'TFO':
      return 'cookie' in o ? (o.request ? 'TFO=R' : `TFO=C`) : null;
    default:
      return null;
  }
}

/**
 * The Info text Wireshark shows for a segment, e.g.
 * "53416 → 4000 [SYN] Seq=0 Win=65495 Len=0 MSS=65495 SACK_PERM TSval=1 TSecr=0 WS=1024".
 * SACK edges are shown relative, as Wireshark does with relative sequence numbers.
 */
export function segmentInfo(f: DecodedFrame, seg: SegmentAnalysis, packet: PacketRecord, peerBase: number): string {
  const parts: string[] = analysisMarkers(seg.flags, seg.dupAckNum, seg.dupAckFrame);
  parts.push(`${f.srcPort} → ${f.dstPort}`, flagsLabel(f.flags), `Seq=${packet.seq}`);
  if (f.flags & TH_ACK) parts.push(`Ack=${packet.ack}`);
  parts.push(`Win=${packet.win}`, `Len=${f.payloadLen}`);
  if (f.tcpHeaderLen > 20) {
    for (const o of parseTcpOptions(f.data, f.tcpOffset, f.tcpHeaderLen)) {
      if (o.name === 'SACK' && 'blocks' in o) {
        for (const [l, r] of o.blocks) parts.push(`SLE=${(l - peerBase) >>> 0} SRE=${(r - peerBase) >>> 0}`);
        continue;
      }
      const t = optionText(o);
      if (t) parts.push(t);
    }
  }
  return parts.join(' ');
}

/** One element of `tcp-explainer conversations --json`. */
export interface ConversationRecord {
  stream: number;
  client: { address: string; port: number };
  server: { address: string; port: number };
  /** Frames each way (as tshark -z conv,tcp counts them). */
  packets: { to_server: number; to_client: number };
  /** Frame bytes each way (as tshark -z conv,tcp counts them). */
  bytes: { to_server: number; to_client: number };
  /** TCP payload bytes each way. */
  payload: { to_server: number; to_client: number };
  /** Seconds from the first frame of the capture to this conversation's first frame. */
  start: number;
  /** Absolute time of the first frame, "<seconds since epoch>.<9 digits>". */
  start_time: string;
  duration: number;
  /** tcp.completeness bitmask: 1 SYN, 2 SYN-ACK, 4 ACK, 8 data, 16 FIN, 32 RST. */
  completeness: number;
  /** Initial round-trip time in seconds (SYN to the first pure ACK), or null. */
  irtt: number | null;
  first_frame: number;
  last_frame: number;
}

export function conversationRecord(c: TcpConversation, captureStartSec: number, captureStartNsec: number): ConversationRecord {
  const clientIsA = c.clientIsA;
  const client = clientIsA ? c.a : c.b;
  const server = clientIsA ? c.b : c.a;
  const toServer = clientIsA ? c.flowAB : c.flowBA;
  const toClient = clientIsA ? c.flowBA : c.flowAB;
  return {
    stream: c.stream,
    client: { address: client.address, port: client.port },
    server: { address: server.address, port: server.port },
    packets: { to_server: toServer.packets, to_client: toClient.packets },
    bytes: { to_server: toServer.bytes, to_client: toClient.bytes },
    payload: { to_server: toServer.payloadBytes, to_client: toClient.payloadBytes },
    start: round9(secondsBetween(captureStartSec, captureStartNsec, c.firstSec, c.firstNsec)),
    start_time: formatEpoch(c.firstSec, c.firstNsec),
    duration: round9(secondsBetween(c.firstSec, c.firstNsec, c.lastSec, c.lastNsec)),
    completeness: c.displayedCompleteness,
    irtt: c.firstRttNs === 0 ? null : c.firstRttNs / 1e9,
    first_frame: c.firstFrame,
    last_frame: c.lastFrame,
  };
}

/** conversationRecord for row `c` of a ConversationTable (the same fields, from its columns). */
export function tableConversationRecord(t: ConversationTable, c: number, captureStartSec: number, captureStartNsec: number): ConversationRecord {
  const client = t.clientIsA(c) ? 0 : 1;
  const server = client === 0 ? 1 : 0;
  return {
    stream: c,
    client: { address: t.address(c, client), port: t.port(c, client) },
    server: { address: t.address(c, server), port: t.port(c, server) },
    packets: { to_server: t.packets[2 * c + client]!, to_client: t.packets[2 * c + server]! },
    bytes: { to_server: t.bytes[2 * c + client]!, to_client: t.bytes[2 * c + server]! },
    payload: { to_server: t.payloadBytes[2 * c + client]!, to_client: t.payloadBytes[2 * c + server]! },
    start: round9(secondsBetween(captureStartSec, captureStartNsec, t.firstSec[c]!, t.firstNsec[c]!)),
    start_time: formatEpoch(t.firstSec[c]!, t.firstNsec[c]!),
    duration: round9(secondsBetween(t.firstSec[c]!, t.firstNsec[c]!, t.lastSec[c]!, t.lastNsec[c]!)),
    completeness: t.displayedCompleteness(c),
    irtt: t.firstRttNs[c] === 0 ? null : t.firstRttNs[c]! / 1e9,
    first_frame: t.firstFrame[c]!,
    last_frame: t.lastFrame[c]!,
  };
}

/** Seconds rounded to the nanosecond, as the records give them. */
export function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
