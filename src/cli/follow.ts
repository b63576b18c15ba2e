import { ByteSource } from '../core/capture/source';
import { controlsEscaped } from '../core/escape';
import { CaptureCatalog, locateStreams } from '../core/index/catalog';
import { ScanSummary } from '../core/scan';
import { FollowHeader, FollowResult, collectStream, followStream, hexOf, missingPlaceholder, rawFollowLines } from '../core/stream/follow';
import { MissingCause, Side } from '../core/stream/types';

/**
 * `tcp-explainer follow FILE --stream N [--format text|hex|raw|json]`: Follow TCP Stream.
 *
 * - raw: exactly what `tshark -q -z follow,tcp,raw,N -r FILE` prints (header, each piece in hex,
 *   the second node's indented by a tab, tshark's placeholder for bytes a peer acknowledged but
 *   the capture lacks, footer), so the two outputs compare byte for byte.
 * - json: the stream, its endpoints, its pieces in hex and its holes.
 * - text: each piece headed by who sent it and its frame, as UTF-8, every byte that is not
 *   printable text escaped (\xNN), line breaks kept.
 * - hex: each piece as a hex dump (offset within its direction, 16 bytes, ASCII), as
 *   Wireshark's Follow shows "Hex Dump".
 */

export type FollowFormat = 'text' | 'hex' | 'raw' | 'json';
export const FOLLOW_FORMATS: readonly FollowFormat[] = ['text', 'hex', 'raw', 'json'];

export interface FollowOutput {
  line(s: string): void;
}

/** Thrown when the stream is not in the capture; the caller reports it as a usage error. */
export class NoSuchStream extends Error {}

export function runFollow(file: string, stream: number, format: FollowFormat, open: () => ByteSource, out: FollowOutput): ScanSummary {
  // The connection is found by the conversation table's pass and analysed alone: no other is.
  const catalog = locateStreams(open(), open, [stream]);
  const count = catalog.conversations.length;
  if (!catalog.conversations[stream]) {
    throw new NoSuchStream(
      count === 0
        ? `no TCP stream ${stream} in ${controlsEscaped(file)} (it has no TCP connection)`
        : `no TCP stream ${stream} in ${controlsEscaped(file)} (its streams are 0 to ${count - 1})`,
    );
  }
  if (format === 'raw') printRaw(collectStream(catalog, stream), out);
  else if (format === 'json') out.line(followJson(collectStream(catalog, stream)));
  else printReadable(catalog, stream, format, out);
  return catalog.summary;
}

const RULE = '='.repeat(67);

/** tshark's whole output for one `-z follow,tcp,raw,N`. */
export function printRaw(r: FollowResult, out: FollowOutput): void {
  // With no segment tshark knows neither node and prints an empty address and port 0.
  const first = r.firstSender === null ? ':0' : r.firstSender === 'client' ? r.client : r.server;
  const second = r.firstSender === null ? ':0' : r.firstSender === 'client' ? r.server : r.client;
  out.line('');
  out.line(RULE);
  out.line('Follow: tcp,raw');
  out.line(`Filter: tcp.stream eq ${r.stream}`);
  out.line(`Node 0: ${first}`);
  out.line(`Node 1: ${second}`);
  for (const l of rawFollowLines(r)) out.line(l);
  out.line(RULE);
}

/**
 * The JSON form. Strings in it are addresses and hex, nothing from the payload as text, so it
 * is safe for a terminal as it is.
 */
export function followJson(r: FollowResult): string {
  return JSON.stringify({
    stream: r.stream,
    client: r.client,
    server: r.server,
    chunks: r.chunks.map((c) => ({ from: c.from, frame: c.frame, seq: c.seq, hex: hexOf(c.bytes) })),
    missing: r.missing.map((m) => ({ from: m.from, frame: m.frame, seq: m.seq, len: m.len, cause: m.cause })),
  });
}

function holeText(len: number, cause: MissingCause): string {
  switch (cause) {
    case 'cut':
      return `[${len} bytes cut off by the snapshot length]`;
    case 'overflow':
      return `[${len} bytes missing: too much data waited behind them]`;
    default:
      return missingPlaceholder(len);
  }
}

/** text and hex: written piece by piece as the stream is read, nothing kept. */
function printReadable(catalog: CaptureCatalog, stream: number, format: 'text' | 'hex', out: FollowOutput): void {
  let header: FollowHeader | null = null;
  const endpoint = (side: Side): string => (header ? (side === 'client' ? header.client : header.server) : side);
  const offsets: Record<Side, number> = { client: 0, server: 0 };
  followStream(catalog, stream, {
    start(h) {
      header = h;
      out.line(`Stream ${h.stream}: client ${h.client}, server ${h.server}`);
    },
    chunk(from, frame, seq, bytes) {
      out.line('');
      out.line(`${from} ${endpoint(from)} → ${endpoint(from === 'client' ? 'server' : 'client')}, frame ${frame}, seq ${seq}, ${bytes.length} byte${bytes.length === 1 ? '' : 's'}:`);
      if (format === 'text') for (const l of printableLines(bytes)) out.line(l);
      else for (const l of hexDumpLines(bytes, offsets[from])) out.line(l);
      offsets[from] += bytes.length;
    },
    missing(from, frame, _seq, len, cause) {
      out.line('');
      out.line(`${from} ${endpoint(from)}, before frame ${frame}: ${holeText(len, cause)}`);
      // The bytes were there on the wire: offsets go on counting them, as seq numbers do.
      offsets[from] += len;
    },
  });
}

/**
 * Bytes as lines of text for a terminal: well-formed UTF-8 is shown as its characters; any
 * other byte, and every control character but the line break, is escaped (\xNN, \uNNNN), so
 * nothing from the capture can steer the terminal. CR LF and LF end lines.
 */
export function printableLines(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b === 0x0a) {
      lines.push(line);
      line = '';
      i++;
      continue;
    }
    if (b === 0x0d && bytes[i + 1] === 0x0a) {
      lines.push(line);
      line = '';
      i += 2;
      continue;
    }
    if (b < 0x80) {
      line += controlsEscaped(String.fromCharCode(b));
      i++;
      continue;
    }
    const n = utf8Length(bytes, i);
    if (n === 0) {
      line += `\\x${b.toString(16).padStart(2, '0')}`;
      i++;
      continue;
    }
    let cp = b & (n === 2 ? 0x1f : n === 3 ? 0x0f : 0x07);
    for (let k = 1; k < n; k++) cp = (cp << 6) | (bytes[i + k]! & 0x3f);
    line += controlsEscaped(String.fromCodePoint(cp));
    i += n;
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/** Length of the well-formed UTF-8 sequence at `i` (2 to 4), or 0 (RFC 3629: no overlongs, no surrogates). */
function utf8Length(b: Uint8Array, i: number): number {
  const c0 = b[i]!;
  const cont = (k: number): boolean => i + k < b.length && (b[i + k]! & 0xc0) === 0x80;
  if (c0 >= 0xc2 && c0 <= 0xdf) return cont(1) ? 2 : 0;
  if (c0 >= 0xe0 && c0 <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const c1 = b[i + 1]!;
    if (c0 === 0xe0 && c1 < 0xa0) return 0;
    if (c0 === 0xed && c1 >= 0xa0) return 0;
    return 3;
  }
  if (c0 >= 0xf0 && c0 <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const c1 = b[i + 1]!;
    if (c0 === 0xf0 && c1 < 0x90) return 0;
    if (c0 === 0xf4 && c1 >= 0x90) return 0;
    return 4;
  }
  return 0;
}

/**
 * A hex dump as Wireshark's Follow "Hex Dump" lays it out: the offset within the direction's
 * bytes (8 hex digits), 16 bytes in hex with a gap after the eighth, then those bytes as ASCII
 * (a dot for anything not printable).
 */
export function hexDumpLines(bytes: Uint8Array, startOffset = 0): string[] {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, bytes.length));
    let hex = '';
    let ascii = '';
    for (let k = 0; k < 16; k++) {
      if (k === 8) {
        hex += ' ';
        if (k < row.length) ascii += ' ';
      }
      if (k < row.length) {
        const b = row[k]!;
        hex += hexOf(row.subarray(k, k + 1)) + ' ';
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else hex += '   ';
    }
    const offset = ((startOffset + at) >>> 0).toString(16).toUpperCase().padStart(8, '0');
    lines.push(`${offset}  ${hex} ${ascii}`);
  }
  return lines;
}
