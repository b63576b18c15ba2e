import * as fs from 'node:fs';
import { parseArgs as parseArgvWith } from 'node:util';
import { CompiledFilter, filterNeedsAnalysis, parseFilter } from '../core/filter/filter';
import { catalogCapture, locateStreams } from '../core/index/catalog';
import { streamFilter, tableStreamFilter } from '../core/view/connections';
import { filterMessageAt } from '../core/filter/messages';
import { CaptureFormatError, CaptureProblem } from '../core/capture/types';
import { endpointText } from '../core/decode/address';
import { linkTypeName } from '../core/decode/linktypes';
import {
  ConversationRecord,
  conversationRecord,
  ackRttText,
  round9,
  secondsBetween,
  tableConversationRecord,
  segmentTimeTexts,
  packetRecord,
} from '../core/report';
import { PacketRecordVisitor, ScanSummary, scanConversations, scanPacketRecords } from '../core/scan';
import { ConversationTable, decimalDigits } from '../core/tcp/conversationTable';
import { ByteLines } from './byteLines';
import { FileSource } from '../node/fileSource';
import { ByteSource } from '../core/capture/source';
import { detectTextFormat } from '../core/text/parse';
import { PLACEHOLDER_PROTOCOL, RebuiltText, rebuildCapture, rebuiltSource } from '../core/text/rebuild';
import { explainConnection, narrateConnection } from '../core/explain/connection';
import { explanationMarkdown, ladderMermaid, ladderSvg } from '../core/explain/export';
import { describeStep } from '../core/explain/steps';
import { CaptureIndex, indexCapture } from '../core/index/captureIndex';
import { buildLadder, streamFacts } from '../core/tcp/ladder';
import { controlsEscaped } from '../core/escape';
import { carriedLines, streamApp } from '../core/app/stream';
import { FOLLOW_FORMATS, FollowFormat, NoSuchStream, runFollow } from './follow';
import { PacketApps, appJson, appLineText } from './app';
import { writeText } from './terminal';
import { NoSuchFrame, runPacket } from './packet';
import { GraphSettings, GraphUsage, graphSettings, runGraph } from './graph';
import { packetLine, storyLines, withCarried } from './lines';
import { LIVE_USAGE, runLive } from './live';

const USAGE = `Usage: tcp-explainer <command> FILE [options]

Commands:
  packets FILE [--json] [-Y EXPR]
                                every TCP segment: stream, times (since the connection's first
                                and previous segment), relative seq/ack, window, analysis, and
                                the HTTP or TLS messages it starts (found by content, any port)
  conversations FILE [--json] [-Y EXPR]
                                every TCP connection (tcp.stream): endpoints, counts, completeness, iRTT
  explain FILE [--stream N] [--lang en|zh-cn] [--format F] [--absolute]
                                how each connection opened and closed, who closed first, the
                                options, iRTT and events; with --stream, every step explained
  follow FILE --stream N [--format text|hex|raw|json]
                                Follow TCP Stream: the connection's bytes, each once, in order;
                                raw prints what tshark -q -z follow,tcp,raw,N prints
  packet FILE --frame N [--json] [--lang en|zh-cn]
                                one frame's layers: every field named as Wireshark names it, with
                                its place in the frame, its value and what it means; then its bytes
  graph FILE --stream N --kind tcptrace|throughput|rtt|window --format svg|csv|json
        [--direction client|server] [--window SECONDS] [--lang en|zh-cn]
                                one connection over time, one side's segments (default: the side
                                that sent more bytes): sequence numbers (tcptrace), throughput and
                                goodput (moving average over --window, default 1 s), RTT per
                                acknowledged segment (tcp.analysis.ack_rtt), window and bytes in
                                flight; as a picture (svg) or its points (csv, json; each point
                                with its frame)
${LIVE_USAGE}

Options:
  --json        machine-readable output (packets: one JSON object per line; conversations: an array)
  --format F    explain as text (default), json, markdown, mermaid (sequence diagram) or svg;
                markdown, mermaid and svg draw one connection (--stream N);
                follow as text (default), hex (a dump per piece), raw or json
  --absolute    explain with absolute sequence numbers instead of relative ones
  --frame N     packet: the frame's number, as Wireshark numbers frames (from 1)
  --kind K      graph: which picture; --direction client|server: whose segments;
                --window SECONDS: the throughput's moving-average window
  -Y EXPR       only the connections that pass a Wireshark-style filter over connections:
                ip.addr == 10.0.0.1, tcp.port == 4000, tcp.stream == 17, tcp.completeness,
                frame.time_relative > 2, opening == "refused", closing == "reset",
                tcp.analysis.retransmission (has any), joined with and/or/not and ( );
                plain words match an address or port, a bare number a stream
  -h, --help    this text

FILE is a .pcap, .pcapng or .cap capture, or the text output of tcpdump (-nn, with or without
-S, -v, -t...) or tshark (default columns): what it is, is read from its content. Text is read
back into the packets it describes; notes on stderr say what the text could not show.
Exit status: 0 on success (a damaged tail is a warning on stderr), 1 when FILE cannot be read
as a capture, 2 on a usage error.`;

class UsageError extends Error {}

type ExplainFormat = 'text' | 'json' | 'markdown' | 'mermaid' | 'svg';
const FORMATS: readonly ExplainFormat[] = ['text', 'json', 'markdown', 'mermaid', 'svg'];

interface Args {
  command: string;
  file: string;
  json: boolean;
  format: ExplainFormat;
  numbers: 'relative' | 'absolute';
  stream: number | null;
  lang: 'en' | 'zh-cn';
  /** -Y: only the connections that pass (packets: only their segments). */
  filter: CompiledFilter | null;
  followFormat: FollowFormat;
  /** packet --frame N. */
  frame: number | null;
  /** graph: its options, checked. */
  graph?: GraphSettings;
}

function parseArgs(argv: string[]): Args | null {
  let parsed: ReturnType<typeof parseArgv>;
  try {
    parsed = parseArgv(argv);
  } catch (e) {
    // node:util names the option as typed: a file's name can be in it.
    throw new UsageError(controlsEscaped((e as Error).message));
  }
  const o = parsed.values;
  if (o.help) return null;
  const positional = parsed.positionals;
  if (positional.length === 0) return null;
  const [command, file, ...extra] = positional;
  if (command !== 'packets' && command !== 'conversations' && command !== 'explain' && command !== 'follow' && command !== 'packet' && command !== 'graph') throw new UsageError(`unknown command "${controlsEscaped(command ?? '')}"`);
  if (!file) throw new UsageError(`${command} needs a capture FILE`);
  if (extra.length) throw new UsageError(`unexpected argument "${controlsEscaped(extra[0]!)}"`);
  if (command === 'graph') {
    let graph: GraphSettings;
    try {
      graph = graphSettings(o);
    } catch (e) {
      if (e instanceof GraphUsage) throw new UsageError(e.message);
      throw e;
    }
    return { command, file, json: false, format: 'text', numbers: 'relative', stream: graph.stream, lang: graph.lang, filter: null, followFormat: 'text', frame: null, graph };
  }
  let format: ExplainFormat | null = null;
  if (o.format !== undefined && command !== 'follow') {
    if (!FORMATS.includes(o.format as ExplainFormat)) throw new UsageError(`--format is one of ${FORMATS.join(', ')}`);
    format = o.format as ExplainFormat;
  }
  let stream: number | null = null;
  if (o.stream !== undefined) {
    if (!/^\d+$/.test(o.stream)) throw new UsageError('--stream needs a stream number');
    stream = Number(o.stream);
  }
  if (o.lang !== undefined && o.lang !== 'en' && o.lang !== 'zh-cn') throw new UsageError('--lang is en or zh-cn');
  const json = o.json === true;
  if (format && command !== 'explain') throw new UsageError('--format is for explain');
  if (format && format !== 'json' && json) throw new UsageError(`--json and --format ${format} disagree`);
  let followFormat: FollowFormat = json ? 'json' : 'text';
  if (command === 'follow') {
    if (o.format !== undefined) {
      if (!FOLLOW_FORMATS.includes(o.format as FollowFormat)) throw new UsageError(`follow --format is one of ${FOLLOW_FORMATS.join(', ')}`);
      if (json && o.format !== 'json') throw new UsageError(`--json and --format ${o.format} disagree`);
      followFormat = o.format as FollowFormat;
    }
    if (stream === null) throw new UsageError('follow needs --stream N (a tcp.stream number, as the conversations command lists them)');
    if (o.filter !== undefined) throw new UsageError('-Y is for packets and conversations (follow takes --stream N)');
  }
  let frame: number | null = null;
  if (o.frame !== undefined) {
    if (command !== 'packet') throw new UsageError('--frame is for packet');
    if (!/^\d+$/.test(o.frame) || Number(o.frame) < 1) throw new UsageError('--frame needs a frame number (from 1)');
    frame = Number(o.frame);
  }
  if (command === 'packet') {
    if (frame === null) throw new UsageError('packet needs --frame N (a frame number, as Wireshark numbers frames)');
    if (o.filter !== undefined || o.stream !== undefined || o.format !== undefined || o.absolute) throw new UsageError('packet takes --frame N, --json and --lang');
  }
  let filter: CompiledFilter | null = null;
  if (o.filter !== undefined) {
    if (command === 'explain') throw new UsageError('-Y is for packets and conversations (explain takes --stream N)');
    const f = parseFilter(o.filter);
    if ('error' in f) throw new UsageError(`-Y: ${filterMessageAt(f.error.id, f.error.args, f.error.offset)}\n  ${controlsEscaped(o.filter)}\n  ${' '.repeat(f.error.offset)}^`);
    filter = f.ok;
  }
  return {
    command,
    file,
    json: json || format === 'json',
    format: format ?? (json ? 'json' : 'text'),
    numbers: o.absolute ? 'absolute' : 'relative',
    stream,
    lang: (o.lang as 'en' | 'zh-cn' | undefined) ?? 'en',
    filter,
    followFormat,
    frame,
  };
}

function parseArgv(argv: string[]) {
  return parseArgvWith({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      absolute: { type: 'boolean' },
      format: { type: 'string' },
      stream: { type: 'string' },
      lang: { type: 'string' },
      frame: { type: 'string' },
      kind: { type: 'string' },
      direction: { type: 'string' },
      window: { type: 'string' },
      filter: { type: 'string', short: 'Y' },
    },
  });
}

/**
 * JSON for a terminal. JSON.stringify escapes C0 controls but leaves DEL, the C1 controls
 * (U+0080-U+009F, which some terminals obey like ESC sequences) and the bidirectional marks as
 * they are. Outside strings JSON has only ASCII, so each can be written as its \u escape
 * anywhere in the text: still valid JSON, and it parses back to the same value.
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** Output goes through one buffered writer: a capture can have millions of lines. */
class Output {
  private chunks: string[] = [];
  private size = 0;
  line(s: string): void {
    this.chunks.push(s, '\n');
    this.size += s.length + 1;
    if (this.size > 1 << 16) this.flush();
  }
  flush(): void {
    if (this.chunks.length === 0) return;
    writeAll(1, this.chunks.join(''));
    this.chunks = [];
    this.size = 0;
  }
}

function writeAll(fd: number, s: string): void {
  // A closed pipe (`| head`) ends the command quietly.
  if (!writeText(fd, s)) process.exit(0);
}

function describeProblem(file: string, p: CaptureProblem): string {
  const where = p.frame !== undefined ? `packet ${p.frame}, offset ${p.offset}` : `offset ${p.offset}`;
  const what = p.message.startsWith(`packet ${p.frame}: `) ? p.message.slice(`packet ${p.frame}: `.length) : p.message;
  return `tcp-explainer: ${p.severity}: ${controlsEscaped(file)}: ${where}: ${controlsEscaped(what)}`;
}

function reportProblems(file: string, summary: ScanSummary): void {
  for (const p of summary.problems) writeAll(2, describeProblem(file, p) + '\n');
  if (summary.problems.some((p) => p.severity === 'error' || p.message.includes('cut short'))) {
    writeAll(2, `tcp-explainer: warning: ${controlsEscaped(file)}: kept the ${summary.frames} packets read before the damage\n`);
  }
}

/**
 * `packets -Y` reads the passing connections alone when there are at most this many (each
 * holds two analyses while it is read); more take the two passes over the whole capture.
 */
const LOCATED_STREAMS_MAX = 4096;

function runPackets(file: string, json: boolean, filter: CompiledFilter | null, out: Output): ScanSummary {
  let t0Sec = 0;
  let t0Nsec = 0;
  const input = new Input(file);
  input.reportNotes();
  const open = input.open;
  try {
    // With -Y, a first pass finds the connections that pass; their segments are printed.
    const matching = filter && filter.kind !== 'all' ? matchingStreams(open, filter) : null;
    const passes = matching?.passes ?? null;
    const apps = new PacketApps((line) => out.line(line));
    const onRecord: PacketRecordVisitor = (packet, rec, f, seg) => {
      if (passes && !passes(packet.stream)) return;
      if (json) {
        // The times with tshark's nine decimals (JSON.stringify would write 0.0000001 as 1e-7).
        const times = segmentTimeTexts(rec, seg);
        const rtt = ackRttText(seg);
        apps.add(rec, f, seg, (app) => {
          const messages = appJson(app);
          const text = jsonText(messages ? { ...packet, app: messages } : packet).replace(TIME_RELATIVE_JSON, `$1${times.relative}`).replace(TIME_DELTA_JSON, `$1${times.delta}`);
          return rtt === null ? text : text.replace(ACK_RTT_JSON, `$1${rtt}`);
        });
        return;
      }
      const line = packetLine(rec, f, seg, packet, t0Sec, t0Nsec);
      // What the segment carried ends the line, once known (see PacketApps).
      apps.add(rec, f, seg, (app) => withCarried(line, appLineText(app)));
    };
    if (matching) {
      const wanted: number[] = [];
      for (let s = 0; s < matching.count; s++) if (matching.passes(s)) wanted.push(s);
      if (wanted.length === 0) return matching.summary;
      if (wanted.length <= LOCATED_STREAMS_MAX) {
        // A few connections: found by the quick count and read alone, not the whole capture twice.
        const catalog = locateStreams(open(), open, wanted);
        t0Sec = catalog.summary.firstSec;
        t0Nsec = catalog.summary.firstNsec;
        catalog.readLocatedTwice((rec, f, seg, flow, peer) => onRecord(packetRecord(rec, f, seg, flow, peer), rec, f, seg, flow));
        apps.finish();
        return catalog.summary;
      }
    }
    // Times count from the capture's first frame, as Wireshark's Time column does.
    const summary = scanPacketRecords(open, onRecord, (firstPass) => {
      t0Sec = firstPass.firstSec;
      t0Nsec = firstPass.firstNsec;
    });
    apps.finish();
    return summary;
  } finally {
    input.close();
  }
}

const TIME_RELATIVE_JSON = /("time_relative":)-?[\d.]+(?:e[-+]?\d+)?/;
const TIME_DELTA_JSON = /("time_delta":)-?[\d.]+(?:e[-+]?\d+)?/;
const ACK_RTT_JSON = /("ack_rtt":)-?[\d.]+(?:e[-+]?\d+)?/;

/**
 * The streams that pass a filter, in one pass that keeps nothing per packet. A filter of
 * addresses, ports, stream numbers, completeness and times needs no analysis: the conversation
 * table `conversations` counts with answers it (with its `table`), several times faster on a
 * big capture. Opening, closing, tcp.analysis.* and plain words classify each connection.
 */
function matchingStreams(open: () => ByteSource, filter: CompiledFilter): { summary: ScanSummary; count: number; passes: (stream: number) => boolean; table: ConversationTable | null } {
  let summary: ScanSummary;
  let table: ConversationTable | null = null;
  let count: number;
  let test: (stream: number) => boolean;
  if (filterNeedsAnalysis(filter)) {
    const catalog = catalogCapture(open(), undefined, { locations: false });
    ({ summary } = catalog);
    count = catalog.conversations.length;
    test = streamFilter(catalog, filter);
  } else {
    ({ summary, table } = scanConversations(open()));
    count = table.count;
    test = tableStreamFilter(table, summary, filter);
  }
  const passes = new Uint8Array(count);
  for (let s = 0; s < count; s++) passes[s] = test(s) ? 1 : 0;
  return { summary, count, table, passes: (s) => passes[s] === 1 };
}

/** The connections `conversations` prints, however they were counted. */
interface ConversationList {
  /** Every connection in the capture, and the streams shown (all, or those a filter passed). */
  total: number;
  streams: number[];
  /** The connection as --json prints it. */
  record(stream: number): ConversationRecord;
  /** The row's numbers, in one object reused by every call: 150,000 rows are printed. */
  cells(stream: number): RowCells;
  /** The characters of "client → server", counted without making the text. */
  endpointsLength(stream: number): number;
  /** Writes "client → server"; returns its length in characters (what pads the cell). */
  writeEndpoints(stream: number, out: ByteLines): number;
}

interface RowCells {
  packetsToServer: number;
  packetsToClient: number;
  bytesToServer: number;
  bytesToClient: number;
  start: number;
  duration: number;
  completeness: number;
  irtt: number | null;
}

const newCells = (): RowCells => ({ packetsToServer: 0, packetsToClient: 0, bytesToServer: 0, bytesToClient: 0, start: 0, duration: 0, completeness: 0, irtt: null });

/** Between the two ends: " → ", and its UTF-8 bytes. */
const ARROW = ' → ';
const ARROW_BYTES = Buffer.from(ARROW, 'utf8');

/**
 * Every connection (or those `passes` keeps), counted in columns: the table needs no sequence
 * analysis and keeps nothing per packet.
 */
function tableList(summary: ScanSummary, table: ConversationTable, passes: (stream: number) => boolean = () => true): ConversationList {
  const cells = newCells();
  const streams: number[] = [];
  for (let s = 0; s < table.count; s++) if (passes(s)) streams.push(s);
  const endpointsLength = (s: number): number => table.endpointTextLength(s, 0) + ARROW.length + table.endpointTextLength(s, 1);
  const writeEnd = (s: number, side: 0 | 1, out: ByteLines): void => {
    if (table.addressLength(s) === 4) out.ipv4(table.ipv4Word(s, side));
    else out.ascii(`[${table.address(s, side)}]`);
    out.byte(0x3a);
    out.integer(table.port(s, side));
  };
  return {
    total: table.count,
    streams,
    record: (s) => tableConversationRecord(table, s, summary.firstSec, summary.firstNsec),
    cells(s) {
      const client = table.clientIsA(s) ? 0 : 1;
      const server = client === 0 ? 1 : 0;
      cells.packetsToServer = table.packets[2 * s + client]!;
      cells.packetsToClient = table.packets[2 * s + server]!;
      cells.bytesToServer = table.bytes[2 * s + client]!;
      cells.bytesToClient = table.bytes[2 * s + server]!;
      // As tableConversationRecord gives them to --json.
      cells.start = round9(secondsBetween(summary.firstSec, summary.firstNsec, table.firstSec[s]!, table.firstNsec[s]!));
      cells.duration = round9(secondsBetween(table.firstSec[s]!, table.firstNsec[s]!, table.lastSec[s]!, table.lastNsec[s]!));
      cells.completeness = table.displayedCompleteness(s);
      cells.irtt = table.firstRttNs[s] === 0 ? null : table.firstRttNs[s]! / 1e9;
      return cells;
    },
    endpointsLength,
    writeEndpoints(s, out) {
      const client = table.clientIsA(s) ? 0 : 1;
      writeEnd(s, client, out);
      out.raw(ARROW_BYTES);
      writeEnd(s, client === 0 ? 1 : 0, out);
      return endpointsLength(s);
    },
  };
}

/** The connections a filter passes: a filter may ask about the analysis (tcp.analysis.retransmission). */
function filteredList(summary: ScanSummary, passes: (stream: number) => boolean): ConversationList {
  const convs = summary.analyzer.conversations;
  const record = (s: number): ConversationRecord => conversationRecord(convs[s]!, summary.firstSec, summary.firstNsec);
  const cells = newCells();
  const endpoints = (s: number): string => {
    const r = record(s);
    return `${endpointText(r.client)}${ARROW}${endpointText(r.server)}`;
  };
  return {
    total: convs.length,
    streams: convs.map((c) => c.stream).filter(passes),
    record,
    cells(s) {
      const r = record(s);
      cells.packetsToServer = r.packets.to_server;
      cells.packetsToClient = r.packets.to_client;
      cells.bytesToServer = r.bytes.to_server;
      cells.bytesToClient = r.bytes.to_client;
      cells.start = r.start;
      cells.duration = r.duration;
      cells.completeness = r.completeness;
      cells.irtt = r.irtt;
      return cells;
    },
    endpointsLength: (s) => endpoints(s).length,
    writeEndpoints(s, out) {
      const text = endpoints(s);
      out.utf8(text);
      return text.length;
    },
  };
}

function runConversations(file: string, json: boolean, filter: CompiledFilter | null, out: Output): ScanSummary {
  const input = new Input(file);
  input.reportNotes();
  let summary: ScanSummary;
  let list: ConversationList;
  try {
    if (filter && filter.kind !== 'all') {
      const matching = matchingStreams(input.open, filter);
      summary = matching.summary;
      list = matching.table ? tableList(summary, matching.table, matching.passes) : filteredList(summary, matching.passes);
    } else {
      const scanned = scanConversations(input.open());
      summary = scanned.summary;
      list = tableList(summary, scanned.table);
    }
  } finally {
    input.close();
  }
  const { streams } = list;
  if (json) {
    // One array, one conversation per line, written as it goes: no giant string in memory.
    if (streams.length === 0) out.line('[]');
    streams.forEach((s, i) => {
      out.line(`${i === 0 ? '[' : ''}${jsonText(list.record(s))}${i === streams.length - 1 ? ']' : ','}`);
    });
    return summary;
  }
  out.line(describeCapture(file, summary, input.text !== null, list.total));
  if (streams.length === 0) {
    out.line('No TCP connections.');
    return summary;
  }
  // Columns are sized first, then each row is written as bytes, cell by cell: a table of
  // 150,000 connections makes no string per row. The times' widths come from the extremes
  // (toFixed grows with the magnitude), the rest from digit counts.
  const header = ['stream', 'client → server', 'packets →/←', 'bytes →/←', 'start', 'duration', 'complete', 'iRTT'];
  const widths = header.map((h) => h.length);
  const extremes = { start: [Infinity, -Infinity], duration: [Infinity, -Infinity], irtt: [Infinity, -Infinity] };
  const widen = (i: number, n: number): void => {
    if (n > widths[i]!) widths[i] = n;
  };
  const stretch = (range: number[], x: number): void => {
    if (x < range[0]!) range[0] = x;
    if (x > range[1]!) range[1] = x;
  };
  for (const s of streams) {
    const r = list.cells(s);
    widen(0, decimalDigits(s));
    widen(1, list.endpointsLength(s));
    widen(2, decimalDigits(r.packetsToServer) + 1 + decimalDigits(r.packetsToClient));
    widen(3, decimalDigits(r.bytesToServer) + 1 + decimalDigits(r.bytesToClient));
    stretch(extremes.start, r.start);
    stretch(extremes.duration, r.duration);
    widen(6, decimalDigits(r.completeness));
    if (r.irtt !== null) stretch(extremes.irtt, r.irtt);
  }
  const timeWidth = (range: number[]): number => (range[0]! > range[1]! ? 1 : Math.max(range[0]!.toFixed(6).length, range[1]!.toFixed(6).length));
  widen(4, timeWidth(extremes.start));
  widen(5, timeWidth(extremes.duration));
  widen(7, timeWidth(extremes.irtt));
  const [w0, w1, w2, w3, w4, w5, w6, w7] = widths as [number, number, number, number, number, number, number, number];
  const cellsOf = header.map((h, i) => (i === 1 ? h.padEnd(widths[i]!) : h.padStart(widths[i]!)));
  out.line(cellsOf.join('  '));
  out.flush();
  const rows = new ByteLines(1);
  const gap = (): void => rows.spaces(2);
  const pair = (a: number, b: number, width: number): void => {
    rows.spaces(width - decimalDigits(a) - 1 - decimalDigits(b));
    rows.integer(a);
    rows.byte(0x2f);
    rows.integer(b);
  };
  const right = (text: string, width: number): void => {
    rows.spaces(width - text.length);
    rows.ascii(text);
  };
  for (const s of streams) {
    const r = list.cells(s);
    rows.spaces(w0 - decimalDigits(s));
    rows.integer(s);
    gap();
    rows.spaces(w1 - list.writeEndpoints(s, rows));
    gap();
    pair(r.packetsToServer, r.packetsToClient, w2);
    gap();
    pair(r.bytesToServer, r.bytesToClient, w3);
    gap();
    right(r.start.toFixed(6), w4);
    gap();
    right(r.duration.toFixed(6), w5);
    gap();
    rows.spaces(w6 - decimalDigits(r.completeness));
    rows.integer(r.completeness);
    gap();
    right(r.irtt === null ? '-' : r.irtt.toFixed(6), w7);
    rows.newline();
  }
  if (!rows.flush()) process.exit(0);
  return summary;
}

function runExplain(args: Args, out: Output): ScanSummary {
  const input = new Input(args.file);
  input.reportNotes();
  let index: CaptureIndex;
  let summary: ScanSummary;
  /** Connections in the capture, and those explained. */
  let count: number;
  let streams: number[];
  // What the chosen connection's segments carried: one more read of that connection (a listing has no payload).
  let carried: (stream: number) => Map<number, string> = () => new Map();
  try {
    if (args.stream !== null) {
      // One connection: found by the conversation table's pass and analysed alone, so a big
      // capture costs one quick pass, not an index of every segment.
      const catalog = locateStreams(input.open(), input.open, [args.stream]);
      summary = catalog.summary;
      count = catalog.conversations.length;
      if (!catalog.conversations[args.stream]) {
        throw new UsageError(`no TCP stream ${args.stream} in ${controlsEscaped(args.file)} (it has ${count})`);
      }
      index = catalog.streamIndex(args.stream);
      streams = [args.stream];
      if (!input.text) {
        const lines = carriedLines(streamApp(catalog, args.stream), args.lang);
        carried = () => lines;
      }
    } else {
      index = indexCapture(input.open);
      summary = index.summary;
      const convs = index.summary.analyzer.conversations;
      count = convs.length;
      streams = convs.map((c) => c.stream);
      // The only connection has its steps shown.
      if (count === 1 && !input.text) {
        const catalog = catalogCapture(input.open(), input.open);
        const lines = carriedLines(streamApp(catalog, 0), args.lang);
        carried = () => lines;
      }
    }
  } finally {
    input.close();
  }
  const drawing = args.format === 'markdown' || args.format === 'mermaid' || args.format === 'svg';
  if (drawing && streams.length !== 1) {
    throw new UsageError(`--format ${args.format} draws one connection: pick it with --stream N (${controlsEscaped(args.file)} has ${count})`);
  }
  if (drawing) streams = streams.slice(0, 1);
  // Steps are shown for one chosen connection; a whole capture gets the summaries.
  const withSteps = args.stream !== null || drawing;
  const results = streams.map((stream) => {
    const facts = streamFacts(index, stream);
    const explanation = explainConnection(index, stream, facts);
    const ladder = withSteps ? buildLadder(index, { stream, numbers: args.numbers }, facts) : null;
    return { explanation, ladder, carried: carried(stream) };
  });
  if (drawing) {
    const { explanation, ladder, carried: lines } = results[0]!;
    const text =
      args.format === 'markdown'
        ? explanationMarkdown(explanation, ladder!, args.lang, lines)
        : args.format === 'mermaid'
          ? ladderMermaid(ladder!, args.lang, lines)
          : ladderSvg(ladder!, args.lang, lines);
    out.line(text.replace(/\n$/, ''));
    return summary;
  }
  if (args.json) {
    const objects = results.map(({ explanation, ladder, carried: lines }) => {
      const n = narrateConnection(explanation, args.lang);
      const steps = ladder?.rows.map((r) => ({
        n: r.n + 1,
        frame: r.frame,
        time: r.time,
        delta: r.delta,
        direction: r.toServer ? 'to-server' : 'to-client',
        label: r.label,
        analysis: r.analysis,
        kind: r.step.kind,
        wait: r.step.wait,
        ...(lines.has(r.frame) ? { carried: lines.get(r.frame) } : {}),
        client: r.client,
        server: r.server,
        note: describeStep(r, args.lang, ladder.server.port),
      }));
      return { ...explanation, text: { summary: n.summary, details: n.details }, ...(steps ? { steps } : {}) };
    });
    out.line(jsonText(args.stream !== null ? objects[0] : objects));
    return summary;
  }
  for (const { explanation, ladder, carried: lines } of results) {
    for (const line of storyLines(explanation, ladder, lines, args.lang)) out.line(line);
  }
  return summary;
}

function runFollowCommand(args: Args, out: Output): ScanSummary {
  const input = new Input(args.file);
  input.reportNotes();
  try {
    return runFollow(args.file, args.stream!, args.followFormat, input.open, out);
  } catch (e) {
    if (e instanceof NoSuchStream) throw new UsageError(e.message);
    throw e;
  } finally {
    input.close();
  }
}

function runGraphCommand(args: Args, out: Output): ScanSummary {
  const input = new Input(args.file);
  input.reportNotes();
  try {
    return runGraph(args.file, args.graph!, input.open, out);
  } catch (e) {
    if (e instanceof NoSuchStream) throw new UsageError(e.message);
    throw e;
  } finally {
    input.close();
  }
}

function runPacketCommand(args: Args, out: Output): ScanSummary {
  const input = new Input(args.file);
  input.reportNotes();
  try {
    return runPacket(args.file, args.frame!, args.json, args.lang, input.open, out);
  } catch (e) {
    if (e instanceof NoSuchFrame) throw new UsageError(e.message);
    throw e;
  } finally {
    input.close();
  }
}

function describeCapture(file: string, s: ScanSummary, fromText: boolean, connections: number): string {
  const links = [...s.linkTypes.keys()].map(linkTypeName).join(', ') || 'no packets';
  const span = s.frames ? secondsBetween(s.firstSec, s.firstNsec, s.lastSec, s.lastNsec).toFixed(6) : '0';
  const lines = [
    `${controlsEscaped(file)}: ${s.info.format} ${s.info.version}, ${links}; ${s.frames} packet${s.frames === 1 ? '' : 's'} (${s.tcpFrames} TCP) over ${span} s; ${connections} TCP connection${connections === 1 ? '' : 's'}`,
  ];
  for (const [why, n] of s.skipped) {
    // Text lines that are not TCP stand in the rebuilt capture as placeholders: the notes said so.
    if (fromText && why === `not TCP (IP protocol ${PLACEHOLDER_PROTOCOL})`) continue;
    lines.push(`  skipped ${n} packet${n === 1 ? '' : 's'}: ${controlsEscaped(why)}`);
  }
  for (const [why, n] of s.damaged) lines.push(`  damaged ${n} packet${n === 1 ? '' : 's'}: ${controlsEscaped(why)}`);
  return lines.join('\n');
}

/**
 * What FILE holds: a capture (read page by page), or tcpdump/tshark text (recognised by its
 * content, rebuilt into a capture in memory). `open` gives a fresh source each pass.
 */
/** Capture text larger than this is not read (its rebuilt capture would be held in memory). */
const TEXT_LIMIT = 512 << 20;

class Input {
  private readonly sources: FileSource[] = [];
  readonly text: RebuiltText | null;

  constructor(readonly file: string) {
    this.text = Input.readText(file);
  }

  private static readText(file: string): RebuiltText | null {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(4);
      const n = fs.readSync(fd, head, 0, 4, 0);
      const magic = n === 4 ? head.readUInt32BE(0) : 0;
      if ([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a].includes(magic)) return null;
    } finally {
      fs.closeSync(fd);
    }
    // Text is read whole; a file this big that is not a capture is not a listing either.
    const size = fs.statSync(file).size;
    const text = size <= TEXT_LIMIT ? fs.readFileSync(file, 'utf8') : '';
    if (!detectTextFormat(text)) {
      const first = Buffer.from(text.slice(0, 4), 'utf8').toString('hex').padEnd(8, '0');
      throw new CaptureFormatError(`not a pcap or pcapng capture (unknown magic number 0x${first.slice(0, 8)}), nor tcpdump or tshark output (no packet line in its first 200 lines)`, 0);
    }
    return rebuildCapture(text);
  }

  open = (): ByteSource => {
    if (this.text) return rebuiltSource(this.text);
    const src = FileSource.open(this.file);
    this.sources.push(src);
    return src;
  };

  close(): void {
    for (const s of this.sources.splice(0)) s.close();
  }

  /** For text: say what the text could not show, once, on stderr. */
  reportNotes(): void {
    if (!this.text) return;
    writeAll(2, `tcp-explainer: note: ${controlsEscaped(this.file)}: read as ${this.text.format} text (${this.text.parsed.packets.length} packet lines)\n`);
    for (const n of this.text.notes) writeAll(2, `tcp-explainer: note: ${controlsEscaped(n)}\n`);
  }
}

export function main(argv: string[]): number | Promise<number> {
  // live reads no FILE and runs as long as the capture: the one command that waits.
  if (argv[0] === 'live') return runLive(argv.slice(1));
  let args: Args | null;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      writeAll(2, `tcp-explainer: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (!args) {
    writeAll(1, USAGE + '\n');
    return 0;
  }
  const out = new Output();
  try {
    const summary =
      args.command === 'packets'
        ? runPackets(args.file, args.json, args.filter, out)
        : args.command === 'explain'
          ? runExplain(args, out)
          : args.command === 'follow'
            ? runFollowCommand(args, out)
            : args.command === 'packet'
              ? runPacketCommand(args, out)
              : args.command === 'graph'
                ? runGraphCommand(args, out)
                : runConversations(args.file, args.json, args.filter, out);
    out.flush();
    reportProblems(args.file, summary);
    return 0;
  } catch (e) {
    out.flush();
    if (e instanceof UsageError) {
      writeAll(2, `tcp-explainer: ${e.message}\n`);
      return 2;
    }
    if (e instanceof CaptureFormatError) {
      writeAll(2, `tcp-explainer: error: ${controlsEscaped(args.file)}: offset ${e.offset}: ${controlsEscaped(e.message)}\n`);
      return 1;
    }
    // Any failure of the system to open or read FILE (missing, a directory, a loop, a name too
    // long...): its message quotes the path, so it is escaped like the name itself.
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string') {
      writeAll(2, `tcp-explainer: error: ${controlsEscaped(args.file)}: ${controlsEscaped((e as Error).message)}\n`);
      return 1;
    }
    // A bug: Node would print its message (which may quote the capture) raw; print it escaped.
    const lines = String((e as Error).stack ?? e).split('\n');
    writeAll(2, `tcp-explainer: internal error: ${lines.map(controlsEscaped).join('\n')}\n`);
    return 1;
  }
}

// Run as the command (the bundle, or node main.js); tests import jsonText without running it.
if (require.main === module) {
  const code = main(process.argv.slice(2));
  if (typeof code === 'number') process.exitCode = code;
  else void code.then((c) => (process.exitCode = c));
}
