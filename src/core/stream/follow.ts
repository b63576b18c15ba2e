import { ByteSource } from '../capture/source';
import { endpointText } from '../decode/address';
import { CaptureCatalog, catalogCapture } from '../index/catalog';
import { TH_ACK } from '../tcp/analysis';
import { DirectionReassembler, ReassemblyOptions } from './reassembly';
import { MissingCause, Side } from './types';

/**
 * Follow TCP Stream: one connection's bytes, each direction put back in order, both directions
 * interleaved as Wireshark 4.0 lists them (`tshark -z follow,tcp,raw,N`): a piece appears when
 * the segment that completes it is read, so a reply can come before the request's last piece
 * when that piece was captured late.
 *
 * Only segments Wireshark's follow tap sees take part: those with a sane header length whose
 * header the capture kept whole (Wireshark stops dissecting the others before its tap).
 */

export interface FollowHeader {
  stream: number;
  /** The side that sent the connection's first SYN (or, without one, its first segment). */
  client: string;
  server: string;
  /**
   * The side that sent the first segment Follow saw: tshark's "Node 0", whose lines it does not
   * indent. Null when Follow saw no segment at all.
   */
  firstSender: Side | null;
}

export interface FollowVisitor {
  /** Called once, before any piece. */
  start?(header: FollowHeader): void;
  /** Bytes in order; `bytes` is valid during the call only. */
  chunk(from: Side, frame: number, seq: number, bytes: Uint8Array): void;
  /** A hole in `from`'s bytes (see MissingCause: only `unseen` and `overflow` show in tshark). */
  missing(from: Side, frame: number, seq: number, len: number, cause: MissingCause): void;
}

export interface FollowChunk {
  from: Side;
  frame: number;
  seq: number;
  bytes: Uint8Array;
}

export interface FollowGap {
  from: Side;
  frame: number;
  seq: number;
  len: number;
  cause: MissingCause;
  /** How many chunks came before it: where it stands among them. */
  at: number;
}

export interface FollowResult extends FollowHeader {
  chunks: FollowChunk[];
  missing: FollowGap[];
}

/** Follows one stream of a catalogued capture (which kept its segment locations). */
export function followStream(catalog: CaptureCatalog, stream: number, visitor: FollowVisitor, options: ReassemblyOptions = {}): FollowHeader {
  const conv = catalog.conversation(stream);
  if (!conv) throw new RangeError(`no TCP stream ${stream} in this capture`);
  const clientIsA = conv.clientIsA;
  const header: FollowHeader = {
    stream,
    client: endpointText(clientIsA ? conv.a : conv.b),
    server: endpointText(clientIsA ? conv.b : conv.a),
    firstSender: null,
  };
  const sideOf = (fromA: boolean): Side => (fromA === clientIsA ? 'client' : 'server');
  const direction = (fromA: boolean): DirectionReassembler => {
    const from = sideOf(fromA);
    return new DirectionReassembler(
      {
        data: (frame, seq, bytes) => visitor.chunk(from, frame, seq, bytes),
        missing: (frame, seq, len, cause) => visitor.missing(from, frame, seq, len, cause ?? 'unseen'),
      },
      options,
    );
  };
  const fromA = direction(true);
  const fromB = direction(false);
  let started = false;
  catalog.readStream(stream, (rec, f, seg) => {
    if (!f.headerValid) return;
    const payloadStart = f.tcpOffset + f.tcpHeaderLen;
    if (f.data.length < payloadStart) return;
    if (!started) {
      started = true;
      header.firstSender = sideOf(seg.fromA);
      visitor.start?.(header);
    }
    const own = seg.fromA ? fromA : fromB;
    const peer = seg.fromA ? fromB : fromA;
    // Wireshark makes the ack relative only when the ACK flag is set; otherwise it compares the raw field.
    peer.acknowledged(rec.frame, f.flags & TH_ACK ? seg.relAck : f.ack);
    const payload = f.data.subarray(payloadStart, Math.min(f.data.length, payloadStart + f.payloadLen));
    own.segment(rec.frame, seg.relSeq, f.flags, payload, f.payloadLen);
  });
  if (!started) visitor.start?.(header);
  fromA.finish();
  fromB.finish();
  return header;
}

/** Follows one stream and keeps every piece (the bytes are copied). */
export function collectStream(catalog: CaptureCatalog, stream: number, options: ReassemblyOptions = {}): FollowResult {
  const chunks: FollowChunk[] = [];
  const missing: FollowGap[] = [];
  const header = followStream(
    catalog,
    stream,
    {
      chunk: (from, frame, seq, bytes) => chunks.push({ from, frame, seq, bytes: bytes.slice() }),
      missing: (from, frame, seq, len, cause) => missing.push({ from, frame, seq, len, cause, at: chunks.length }),
    },
    options,
  );
  return { ...header, chunks, missing };
}

/** Catalogues a whole capture and follows one of its streams (tests, the command line). */
export function followCapture(open: () => ByteSource, stream: number, options: ReassemblyOptions = {}): FollowResult {
  const catalog = catalogCapture(open(), open);
  return collectStream(catalog, stream, options);
}

/** The text tshark writes in place of bytes a peer acknowledged but the capture lacks. */
export function missingPlaceholder(len: number): string {
  return `[${len} bytes missing in capture file]`;
}

/**
 * The lines `tshark -q -z follow,tcp,raw,N` prints between its header and footer: each piece in
 * hex, the second node's indented by a tab. A hole it reports is its placeholder text with the
 * C string's terminating zero byte, in hex too.
 */
export function rawFollowLines(result: FollowResult): string[] {
  const lines: string[] = [];
  const indent = (from: Side): string => (from === result.firstSender ? '' : '\t');
  let g = 0;
  const gaps = result.missing;
  const flushGaps = (upTo: number): void => {
    for (; g < gaps.length && gaps[g]!.at <= upTo; g++) {
      const gap = gaps[g]!;
      if (gap.cause === 'cut' || gap.cause === 'end') continue;
      lines.push(indent(gap.from) + hexOf(placeholderBytes(gap.len)));
    }
  };
  result.chunks.forEach((c, i) => {
    flushGaps(i);
    lines.push(indent(c.from) + hexOf(c.bytes));
  });
  flushGaps(Infinity);
  return lines;
}

/** The placeholder as tshark stores it: ASCII text and a terminating zero. */
export function placeholderBytes(len: number): Uint8Array {
  const text = missingPlaceholder(len);
  const out = new Uint8Array(text.length + 1);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hexOf(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}
