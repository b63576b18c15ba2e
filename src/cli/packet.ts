import { frameAnatomy, tcpPayloadSpan } from '../core/anatomy/anatomy';
import { appLayers, streamTlsVersion } from '../core/anatomy/app';
import { streamApp } from '../core/app/stream';
import { locateStreams } from '../core/index/catalog';
import { hexDumpLines } from '../core/anatomy/hexdump';
import type { AnatomyField, FrameAnatomy, TcpContext } from '../core/anatomy/types';
import { viewText } from '../core/anatomy/words';
import { openCapture } from '../core/capture/open';
import type { ByteSource } from '../core/capture/source';
import { linkTypeName } from '../core/decode/linktypes';
import { controlsEscaped } from '../core/escape';
import type { Lang } from '../core/explain/glossary';
import { packetRecord } from '../core/report';
import { ScanSummary, scanConversations, streamOfFrame } from '../core/scan';

/**
 * `tcp-explainer packet FILE --frame N [--json] [--lang en|zh-cn]`: one frame's anatomy, its
 * layers as a tree of Wireshark-named fields (like `tshark -V`, with what each field means),
 * then its bytes as a hex/ASCII dump. A TCP segment is read with its connection, so its
 * numbers are relative and its window scaled, as Wireshark shows them.
 */

export interface PacketOutput {
  line(s: string): void;
}

/** Thrown when the capture has no such frame; the caller reports it as a usage error. */
export class NoSuchFrame extends Error {}

export function runPacket(file: string, frame: number, json: boolean, lang: Lang, open: () => ByteSource, out: PacketOutput): ScanSummary {
  const found = findFrame(open, frame);
  if (!found.record) {
    throw new NoSuchFrame(
      found.count === 0
        ? `no frame ${frame} in ${controlsEscaped(file)} (it has no frames)`
        : `no frame ${frame} in ${controlsEscaped(file)} (its frames are 1 to ${found.count})`,
    );
  }
  const record = found.record;
  let anatomy = frameAnatomy(record, lang);
  let summary: ScanSummary;
  const seen: { stream: number | null; context: TcpContext | null } = { stream: null, context: null };
  const stream = anatomy.isTcp ? streamOfFrame(open(), frame) : null;
  if (stream !== null) {
    // The connection gives what one frame cannot: relative numbers, the window's scale. It is
    // found by the conversation table's pass and read alone, twice (for its final window scale).
    const catalog = locateStreams(open(), open, [stream]);
    summary = catalog.summary;
    catalog.readLocatedTwice((rec, f, seg, flow, peer) => {
      if (rec.frame !== frame) return;
      const packet = packetRecord(rec, f, seg, flow, peer);
      seen.stream = packet.stream;
      seen.context = { relSeq: packet.seq, relAck: f.flags & 0x010 ? packet.ack : null, window: packet.win, scaleFactor: packet.win_scale };
    });
    if (seen.context) anatomy = frameAnatomy(record, lang, seen.context);
    const span = tcpPayloadSpan(anatomy);
    if (seen.context && seen.stream !== null && span && span.length > 0) {
      // Which messages start, go on or repeat here is known only from the whole connection, re-read as Follow does.
      const apps = streamApp(catalog, seen.stream);
      anatomy.layers.push(...appLayers(anatomy.bytes, span, seen.context.relSeq, apps.frames.get(frame), lang, streamTlsVersion(apps)));
    }
  } else {
    // The capture's summary (what was skipped or damaged) from the quick pass that counts connections.
    summary = scanConversations(open()).summary;
  }
  if (json) out.line(packetJson(anatomy, seen.stream));
  else printPacket(anatomy, seen.stream, lang, out);
  return summary;
}

interface FoundFrame {
  record: { frame: number; linkType: number; data: Uint8Array; origLen: number } | null;
  count: number;
}

function findFrame(open: () => ByteSource, frame: number): FoundFrame {
  const reader = openCapture(open());
  let count = 0;
  for (let r = reader.next(); r; r = reader.next()) {
    count = r.frame;
    // The record's bytes are reused by the next read: keep a copy.
    if (r.frame === frame) return { record: { frame: r.frame, linkType: r.linkType, data: r.data.slice(), origLen: r.origLen }, count };
  }
  return { record: null, count };
}

/** The anatomy as one JSON object: the layers and fields, and the captured bytes in hex. */
export function packetJson(a: FrameAnatomy, stream: number | null): string {
  let hex = '';
  for (const b of a.bytes) hex += b.toString(16).padStart(2, '0');
  return JSON.stringify({
    frame: a.frame,
    linkType: a.linkType,
    capLen: a.capLen,
    origLen: a.origLen,
    cutAt: a.cutAt,
    isTcp: a.isTcp,
    stream,
    problem: a.problem,
    layers: a.layers,
    bytes: hex,
  });
}

function printPacket(a: FrameAnatomy, stream: number | null, lang: Lang, out: PacketOutput): void {
  const link = a.linkType < 0 ? '-' : linkTypeName(a.linkType);
  out.line(controlsEscaped(viewText('frameHeading', lang, { frame: a.frame, origLen: a.origLen, capLen: a.capLen, link })) + (stream !== null ? ` · tcp.stream ${stream}` : ''));
  for (const layer of a.layers) {
    out.line('');
    const range = layer.length > 0 ? viewText('bytesRange', lang, { from: layer.offset, to: layer.offset + layer.length - 1 }) : viewText('noBytes', lang);
    out.line(controlsEscaped(lang === 'zh-cn' ? `${layer.title}（${range}）` : `${layer.title} (${range})`));
    out.line(`  » ${controlsEscaped(layer.about)}`);
    for (const f of layer.fields) printField(f, 1, a.bytes, lang, out);
  }
  if (a.problem) {
    out.line('');
    out.line(`! ${controlsEscaped(a.problem)}`);
  }
  if (a.cutAt !== null) {
    out.line('');
    out.line(controlsEscaped(viewText('cutNote', lang, { capLen: a.capLen, origLen: a.origLen, last: a.capLen - 1 })));
  }
  out.line('');
  out.line(viewText('dumpTitle', lang));
  for (const l of hexDumpLines(a.bytes)) out.line(controlsEscaped(l));
  if (a.cutAt !== null) out.line(viewText('dumpCut', lang, { missing: a.origLen - a.capLen }));
}

function printField(f: AnatomyField, depth: number, bytes: Uint8Array, lang: Lang, out: PacketOutput): void {
  const indent = '  '.repeat(depth);
  const zh = lang === 'zh-cn';
  const bits = f.mask !== undefined ? `${bitPattern(bytes, f.offset, f.length, f.mask)} = ` : '';
  const value = f.value === '' ? '' : `${zh ? '：' : ': '}${f.value}`;
  const note = f.note ? (zh ? `（${f.note}）` : ` (${f.note})`) : '';
  const where = `[${f.name ? `${f.name} ` : ''}@${f.offset}${f.length === 1 ? '' : `+${f.length}`}]`;
  const meaning = f.meaning ? `  ${f.meaning}` : '';
  out.line(controlsEscaped(`${indent}${bits}${f.label}${value}${note}  ${where}${meaning}`));
  for (const c of f.children ?? []) printField(c, depth + 1, bytes, lang, out);
}

/** Wireshark's picture of a bit-field: "..1. ...." over the bytes that hold it. */
function bitPattern(bytes: Uint8Array, offset: number, length: number, mask: number): string {
  if (length > 4 || offset + length > bytes.length) return '';
  let s = '';
  for (let i = 0; i < length * 8; i++) {
    const bit = length * 8 - 1 - i;
    const inMask = Math.floor(mask / 2 ** bit) % 2 === 1;
    const byte = bytes[offset + (i >> 3)]!;
    s += inMask ? ((byte >> (7 - (i & 7))) & 1 ? '1' : '0') : '.';
    if (i % 4 === 3 && i !== length * 8 - 1) s += ' ';
  }
  return s;
}
