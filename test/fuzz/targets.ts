import * as fc from 'fast-check';
import { openCapture } from '../../src/core/capture/open';
import { MemorySource } from '../../src/core/capture/source';
import { CaptureFormatError, CaptureProblem } from '../../src/core/capture/types';
import { formatAddress } from '../../src/core/decode/address';
import { parseFilter } from '../../src/core/filter/filter';
import { DecodedFrame, FrameKind, decodeFrame } from '../../src/core/decode/frame';
import { findWindowScale, parseTcpOptions } from '../../src/core/decode/tcpOptions';
import { indexCapture } from '../../src/core/index/captureIndex';
import { scanPacketRecords } from '../../src/core/scan';
import { explainText, hoverAt, segmentAtLine } from '../../src/core/text/hover';
import { detectTextFormat, parseCaptureText } from '../../src/core/text/parse';
import { rebuildCapture } from '../../src/core/text/rebuild';
import {
  CaptureSample,
  fnv1a,
  FrameInput,
  RecordFacts,
  TcpOptionsInput,
  frameInputArb,
  pcapSampleArb,
  pcapngSampleArb,
  tcpOptionsInputArb,
} from './captureInputs';
import { captureTextArb } from './textInputs';

/**
 * Every fuzz target: what it feeds, to what, and what must hold. The unit test
 * (test/unit/fuzz.test.ts) runs each for a fixed number of cases with a fixed seed, and
 * `npm run fuzz` runs them for as long as asked. Both run `run` in a worker thread
 * (test/fuzz/worker.ts) that also holds the time and memory limits (test/fuzz/budget.ts).
 *
 * To fuzz a new parser, add one entry to TARGETS: `textTarget(...)` for one that reads text,
 * `bytesTarget(...)` for one that reads bytes, or a full FuzzTarget.
 */
export interface FuzzTarget<I = unknown> {
  /** Also the folder of its regression files and the value of `npm run fuzz -- --target`. */
  name: string;
  /** One line: what is fed to what. */
  about: string;
  /** Inputs, made when needed (the worker never builds them). */
  inputs(): fc.Arbitrary<I>;
  /**
   * Runs the code under test on one input and checks what must hold. It throws only when
   * something is wrong (an unexpected exception passes through as the failure). What it returns
   * is kept alive while the worker measures memory.
   */
  run(input: I): unknown;
  /** Size of the input in bytes, for the time budget. */
  size(input: I): number;
  /** Time allowed per KB of input beyond the base (budget.ts), when the target's linear work is heavier. */
  msPerKB?: number;
  /** An input of the same shape about twice as large, for the linear-time check; absent when inputs are small by construction. */
  twice?(input: I): I;
  /** How an input is kept as a regression file. */
  file: { ext: 'bin' | 'txt'; save(input: I): Uint8Array; load(bytes: Uint8Array): I };
  /** Cases in the unit test. */
  unitCases: number;
}

/** A broken invariant (as opposed to an exception the code under test threw on its own). */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

function check(ok: unknown, message: () => string): asserts ok {
  if (!ok) throw new InvariantError(message());
}

// ---------------------------------------------------------------------------------------------
// Capture readers

interface ReadResult {
  records: RecordFacts[];
  problems: CaptureProblem[];
  /** The CaptureFormatError message, when the bytes were refused as "not a capture". */
  refused: string | null;
}

function readAll(bytes: Uint8Array): ReadResult {
  let reader;
  try {
    reader = openCapture(new MemorySource(bytes));
  } catch (e) {
    if (e instanceof CaptureFormatError) return { records: [], problems: [], refused: e.message };
    throw e;
  }
  const records: RecordFacts[] = [];
  for (let r = reader.next(); r; r = reader.next()) {
    check(r.data.length === r.capLen, () => `frame ${r!.frame}: capLen ${r!.capLen} but ${r!.data.length} bytes of data`);
    records.push({
      frame: r.frame,
      fileOffset: r.fileOffset,
      end: reader.position,
      interfaceId: r.interfaceId,
      section: r.section,
      linkType: r.linkType,
      tsSec: r.tsSec,
      tsNsec: r.tsNsec,
      hasTimestamp: r.hasTimestamp,
      capLen: r.capLen,
      origLen: r.origLen,
      dataHash: fnv1a(r.data),
    });
  }
  return { records, problems: reader.problems, refused: null };
}

function describeRecord(r: RecordFacts): string {
  return JSON.stringify(r);
}

function sameRecord(a: RecordFacts, b: RecordFacts): string | null {
  const keys = ['frame', 'fileOffset', 'end', 'interfaceId', 'section', 'linkType', 'tsSec', 'tsNsec', 'hasTimestamp', 'capLen', 'origLen', 'dataHash'] as const;
  for (const k of keys) if (a[k] !== b[k]) return `${k} ${a[k]} != ${b[k]}`;
  return null;
}

/** What every read must look like, damaged file or not. */
function checkWellFormed(r: ReadResult, size: number, what: string): void {
  let lastFrame = 0;
  let lastEnd = 0;
  for (const rec of r.records) {
    const at = `${what}, frame ${rec.frame}`;
    check(Number.isInteger(rec.frame) && rec.frame > lastFrame, () => `${at}: frame numbers must increase (after ${lastFrame})`);
    check(rec.fileOffset >= lastEnd && rec.end > rec.fileOffset && rec.end <= size, () => `${at}: record at ${rec.fileOffset}..${rec.end} outside the file or overlapping (${size} bytes)`);
    check(Number.isInteger(rec.capLen) && rec.capLen >= 0, () => `${at}: capLen ${rec.capLen}`);
    check(rec.capLen <= rec.end - rec.fileOffset, () => `${at}: capLen ${rec.capLen} larger than its record`);
    check(Number.isInteger(rec.origLen) && rec.origLen >= 0, () => `${at}: origLen ${rec.origLen}`);
    check(Number.isFinite(rec.tsSec) && Number.isInteger(rec.tsNsec) && rec.tsNsec >= 0, () => `${at}: time ${rec.tsSec} s ${rec.tsNsec} ns`);
    check(Number.isInteger(rec.linkType) && Number.isInteger(rec.interfaceId), () => `${at}: link type ${rec.linkType}, interface ${rec.interfaceId}`);
    lastFrame = rec.frame;
    lastEnd = rec.end;
  }
  for (const p of r.problems) {
    check(
      (p.severity === 'error' || p.severity === 'warning') && Number.isInteger(p.offset) && p.offset >= 0 && p.offset <= size && p.message.length > 0,
      () => `${what}: problem with an impossible offset or no words: ${JSON.stringify(p)} (${size} bytes)`,
    );
  }
}

/** Where to cut the bytes for the prefix check: the middle, and at and just before a record's end. */
function cutPoints(bytes: Uint8Array, records: RecordFacts[]): number[] {
  const cuts = new Set<number>([bytes.length >> 1]);
  const mid = records[records.length >> 1];
  if (mid) {
    cuts.add(mid.end);
    cuts.add(mid.end - 1);
  }
  return [...cuts].filter((c) => c >= 0 && c < bytes.length);
}

/**
 * (a) Only CaptureFormatError, and only for bytes that are no capture at all.
 * (d) Every packet whose record ends before the damage comes back, identical to the undamaged
 * read; and reading any prefix of the bytes gives exactly the records that end within it.
 */
function checkCaptureRead(sample: CaptureSample): unknown {
  let whole: RecordFacts[] | null = null;
  if (sample.original) {
    const o = readAll(sample.original);
    check(o.refused === null, () => `the undamaged capture was refused: ${o.refused}`);
    checkWellFormed(o, sample.original.length, 'undamaged');
    if (sample.expected) {
      const errors = o.problems.filter((p) => p.severity === 'error');
      check(errors.length === 0, () => `the undamaged capture reported an error: ${errors[0]!.message}`);
      check(o.records.length === sample.expected.length, () => `the undamaged capture gave ${o.records.length} records, ${sample.expected!.length} were written`);
      sample.expected.forEach((want, i) => {
        const diff = sameRecord(o.records[i]!, want);
        check(diff === null, () => `the undamaged capture's record ${i + 1}: ${diff}: read ${describeRecord(o.records[i]!)}, wrote ${describeRecord(want)}`);
      });
    }
    whole = o.records;
  }

  const damaged = readAll(sample.bytes);
  checkWellFormed(damaged, sample.bytes.length, 'damaged');
  if (whole) {
    const kept = whole.filter((r) => r.end <= sample.damageAt);
    const damage = sample.damage.join('; ');
    const before = `${kept.length} packets were whole before byte ${sample.damageAt}`;
    check(damaged.refused === null || kept.length === 0, () => `${damage}: refused as not a capture (${damaged.refused}), though ${before}`);
    check(damaged.records.length >= kept.length, () => `${damage}: kept ${damaged.records.length} packets; ${before}`);
    kept.forEach((want, i) => {
      const diff = sameRecord(damaged.records[i]!, want);
      check(diff === null, () => `${damage}: packet ${i + 1}, whole before the damage at ${sample.damageAt}, came back different: ${diff}`);
    });
  }

  for (const cut of cutPoints(sample.bytes, damaged.records)) {
    const prefix = readAll(sample.bytes.slice(0, cut));
    checkWellFormed(prefix, cut, `first ${cut} bytes`);
    const within = damaged.records.filter((r) => r.end <= cut);
    check(prefix.refused === null || within.length === 0, () => `the first ${cut} bytes were refused (${prefix.refused}), though ${within.length} records end within them`);
    check(prefix.records.length === within.length, () => `the first ${cut} bytes gave ${prefix.records.length} records; the whole file has ${within.length} ending within them`);
    within.forEach((want, i) => {
      const diff = sameRecord(prefix.records[i]!, want);
      check(diff === null, () => `the first ${cut} bytes: record ${i + 1} differs from the whole file's: ${diff}`);
    });
  }
  return damaged;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A capture's records twice over: pcap repeats what follows its file header, pcapng a whole section. */
function captureTwice(bytes: Uint8Array): Uint8Array {
  const pcapng = bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a;
  return concat(bytes, pcapng ? bytes : bytes.subarray(Math.min(24, bytes.length)));
}

const captureFile: FuzzTarget<CaptureSample>['file'] = {
  ext: 'bin',
  save: (s) => s.bytes,
  load: (bytes) => ({ bytes, original: null, expected: null, damageAt: bytes.length, damage: ['a regression file'] }),
};

function captureTarget(t: Pick<FuzzTarget<CaptureSample>, 'name' | 'about' | 'inputs' | 'run' | 'unitCases' | 'msPerKB'>): FuzzTarget<CaptureSample> {
  return {
    ...t,
    size: (s) => s.bytes.length,
    twice: (s) => ({
      bytes: captureTwice(s.bytes),
      original: s.original && captureTwice(s.original),
      expected: null,
      damageAt: s.damageAt,
      damage: [...s.damage, 'then doubled'],
    }),
    file: captureFile,
  };
}

// ---------------------------------------------------------------------------------------------
// Decoders

function checkDecode(input: FrameInput): unknown {
  const f = new DecodedFrame();
  const kind = decodeFrame(input.linkType, input.data, input.origLen, f);
  const n = input.data.length;
  check(kind === f.kind, () => `decodeFrame returned ${kind} but the frame says ${f.kind}`);
  if (kind !== FrameKind.Tcp) {
    check(f.reason.length > 0, () => `frame kind ${kind} without a reason`);
    return f;
  }
  check(
    f.ipOffset >= 0 && f.srcAddrOffset + f.addrLen <= n && f.dstAddrOffset + f.addrLen <= n,
    () => `addresses at ${f.srcAddrOffset}/${f.dstAddrOffset} (+${f.addrLen}) outside ${n} bytes`,
  );
  check(f.tcpOffset >= 0 && f.tcpOffset + 16 <= n, () => `TCP header at ${f.tcpOffset} outside ${n} bytes`);
  check(f.srcPort >= 0 && f.srcPort <= 0xffff && f.dstPort >= 0 && f.dstPort <= 0xffff, () => `ports ${f.srcPort} ${f.dstPort}`);
  check(f.seq >= 0 && f.seq <= 0xffffffff && f.ack >= 0 && f.ack <= 0xffffffff, () => `seq ${f.seq} ack ${f.ack}`);
  check(Number.isInteger(f.payloadLen) && f.payloadLen >= 0, () => `payload length ${f.payloadLen}`);
  check(!f.headerValid || (f.tcpHeaderLen >= 20 && f.tcpHeaderLen <= 60), () => `a valid header of ${f.tcpHeaderLen} bytes`);
  check(f.headerValid || f.reason.length > 0, () => 'a bad TCP header without a reason');
  formatAddress(f.data, f.srcAddrOffset, f.addrLen);
  formatAddress(f.data, f.dstAddrOffset, f.addrLen);
  if (f.headerValid) checkOptions({ data: f.data, tcpOffset: f.tcpOffset, headerLen: f.tcpHeaderLen });
  return f;
}

function checkOptions(input: TcpOptionsInput): unknown {
  const options = parseTcpOptions(input.data, input.tcpOffset, input.headerLen);
  const ws = findWindowScale(input.data, input.tcpOffset, input.headerLen);
  check(options.length <= Math.max(0, input.headerLen - 20), () => `${options.length} options in ${input.headerLen - 20} bytes`);
  const firstWs = options.find((o) => o.name === 'WS' && 'shift' in o);
  const expectedWs = firstWs && 'shift' in firstWs ? firstWs.shift : -1;
  check(ws === expectedWs, () => `findWindowScale says ${ws}, parseTcpOptions found ${expectedWs}`);
  for (const o of options) {
    check(Number.isInteger(o.kind) && o.kind >= 0 && o.kind <= 255, () => `option kind ${o.kind}`);
    if ('shift' in o) check(o.shift >= 0 && o.shift <= 14 && o.multiplier === 2 ** o.shift, () => `WS shift ${o.shift} x${o.multiplier}`);
    if ('blocks' in o) check(o.blocks.length <= 4, () => `${o.blocks.length} SACK blocks in one option`);
  }
  return options;
}

/** Regression file of a decoder input: link type (int32 LE), length on the wire (uint32 LE), then the frame. */
const frameFile: FuzzTarget<FrameInput>['file'] = {
  ext: 'bin',
  save: (i) => {
    const out = new Uint8Array(8 + i.data.length);
    const dv = new DataView(out.buffer);
    dv.setInt32(0, i.linkType, true);
    dv.setUint32(4, i.origLen >>> 0, true);
    out.set(i.data, 8);
    return out;
  },
  load: (b) => {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return { linkType: b.length >= 4 ? dv.getInt32(0, true) : 1, origLen: b.length >= 8 ? dv.getUint32(4, true) : 0, data: b.slice(8) };
  },
};

/** Regression file of an option walk: TCP header offset and header length (uint16 LE each), then the bytes. */
const optionsFile: FuzzTarget<TcpOptionsInput>['file'] = {
  ext: 'bin',
  save: (i) => {
    const out = new Uint8Array(4 + i.data.length);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, i.tcpOffset, true);
    dv.setUint16(2, i.headerLen, true);
    out.set(i.data, 4);
    return out;
  },
  load: (b) => {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return { tcpOffset: b.length >= 2 ? dv.getUint16(0, true) : 0, headerLen: b.length >= 4 ? dv.getUint16(2, true) : 20, data: b.slice(4) };
  },
};

// ---------------------------------------------------------------------------------------------
// The whole pass over a capture

function checkScan(sample: CaptureSample): unknown {
  let records = 0;
  let summary;
  try {
    summary = scanPacketRecords(
      () => new MemorySource(sample.bytes),
      () => {
        records++;
      },
    );
  } catch (e) {
    if (e instanceof CaptureFormatError) return null;
    throw e;
  }
  check(summary.tcpFrames <= summary.frames, () => `${summary.tcpFrames} TCP frames of ${summary.frames}`);
  check(records === summary.tcpFrames, () => `${records} packet records for ${summary.tcpFrames} TCP frames`);
  const index = indexCapture(() => new MemorySource(sample.bytes));
  check(index.count === summary.tcpFrames, () => `the index has ${index.count} segments, the scan ${summary.tcpFrames}`);
  return index;
}

// ---------------------------------------------------------------------------------------------
// Capture text

const textFile: FuzzTarget<string>['file'] = {
  ext: 'txt',
  save: (s) => new TextEncoder().encode(s),
  load: (b) => new TextDecoder().decode(b),
};

/** Every line doubled: long lines twice as long, many lines each twice as long. */
function textTwice(text: string): string {
  return text
    .split('\n')
    .map((l) => l + l)
    .join('\n');
}

/** A target over text: the parser must never throw, whatever the text. */
export function textTarget(t: Pick<FuzzTarget<string>, 'name' | 'about' | 'run' | 'unitCases' | 'msPerKB'> & { inputs?: () => fc.Arbitrary<string> }): FuzzTarget<string> {
  return { inputs: () => captureTextArb, size: (s) => s.length, twice: textTwice, file: textFile, ...t };
}

/** A target over bytes (a future TLS record or HTTP message parser): it must never throw. */
export function bytesTarget(
  t: Pick<FuzzTarget<Uint8Array>, 'name' | 'about' | 'run' | 'unitCases' | 'msPerKB'> & { inputs?: () => fc.Arbitrary<Uint8Array> },
): FuzzTarget<Uint8Array> {
  return {
    inputs: () => fc.uint8Array({ maxLength: 4096 }),
    size: (b) => b.length,
    twice: (b) => concat(b, b),
    file: { ext: 'bin', save: (b) => b, load: (b) => b },
    ...t,
  };
}

function checkParse(text: string): unknown {
  const format = detectTextFormat(text);
  const parsed = parseCaptureText(text);
  const lines = text.split(/\r?\n/);
  check(parsed.format === format, () => `detectTextFormat says ${format}, parseCaptureText ${parsed.format}`);
  check(format !== null || parsed.packets.length === 0, () => 'packets from text of no known format');
  check(parsed.lineToPacket.length === lines.length, () => `lineToPacket has ${parsed.lineToPacket.length} entries for ${lines.length} lines`);
  parsed.packets.forEach((p, i) => {
    check(p.line >= 0 && p.line < lines.length && parsed.lineToPacket[p.line] === i, () => `packet ${i} says line ${p.line}, which maps to ${parsed.lineToPacket[p.line]}`);
    if (p.kind !== 'tcp') return;
    for (const t of p.tokens) {
      const line = lines[t.line];
      // Hovers and highlighting find words by these columns: they must point at the word.
      check(
        line !== undefined && t.start >= 0 && t.end <= line.length && line.slice(t.start, t.end) === t.text,
        () => `packet ${i}: token ${t.kind} ${JSON.stringify(t.text)} at line ${t.line} [${t.start}, ${t.end}) reads ${JSON.stringify(line?.slice(t.start, t.end))}`,
      );
    }
  });
  return parsed;
}

function checkRebuild(text: string): unknown {
  const r = rebuildCapture(text);
  const read = readAll(r.pcap);
  check(read.refused === null, () => `the rebuilt capture was refused: ${read.refused}`);
  const bad = read.problems.filter((p) => p.severity === 'error' || /cut short/.test(p.message));
  check(bad.length === 0, () => `the rebuilt capture is damaged: ${bad[0]!.message}`);
  // One record per frame the text shows; frame numbers are the text's own (gaps cost no record).
  const frames = read.records.length;
  check(r.frameNumbers.length === frames, () => `${r.frameNumbers.length} frame numbers for ${frames} records`);
  const numbered = new Set(r.frameNumbers);
  for (let k = 1; k < r.frameNumbers.length; k++) check(r.frameNumbers[k]! > r.frameNumbers[k - 1]!, () => `frame numbers go back at record ${k + 1}`);
  r.frameOfPacket.forEach((f, i) => check(f === 0 || numbered.has(f), () => `packet ${i} has frame ${f}, which no record carries`));
  for (const t of r.tcp) check(numbered.has(t.frame), () => `rebuilt TCP frame ${t.frame}, which no record carries`);
  return r;
}

/** A hover asks about one word; the editor asks for as many as the user points at, so a few lines are enough. */
const HOVERED_PACKETS = 12;

function checkExplain(text: string): unknown {
  const x = explainText(text);
  const packets = x.rebuilt.parsed.packets;
  const some = packets.length <= HOVERED_PACKETS ? packets : [...packets.slice(0, HOVERED_PACKETS - 4), ...packets.slice(-4)];
  for (const p of some) {
    segmentAtLine(x, p.line);
    if (p.kind !== 'tcp') continue;
    for (const t of p.tokens) {
      for (const lang of ['en', 'zh-cn'] as const) {
        const h = hoverAt(x, t.line, t.start, lang);
        if (h) check(h.paragraphs.every((s) => typeof s === 'string'), () => `hover on ${t.kind} gave a paragraph that is not text`);
      }
    }
  }
  return x;
}

// ---------------------------------------------------------------------------------------------

export const TARGETS: ReadonlyArray<FuzzTarget<any>> = [
  captureTarget({
    name: 'pcap',
    about: 'pcap files (every magic, random records, then damaged) through openCapture and next()',
    inputs: () => pcapSampleArb,
    run: checkCaptureRead,
    unitCases: 900,
  }),
  captureTarget({
    name: 'pcapng',
    about: 'pcapng files (sections of either byte order, interfaces, every packet block, then damaged) through openCapture and next()',
    inputs: () => pcapngSampleArb,
    run: checkCaptureRead,
    unitCases: 900,
  }),
  {
    name: 'frame',
    about: 'link, IP and TCP headers of each link type (decodeFrame), then the options of what decoded as TCP',
    inputs: () => frameInputArb,
    run: checkDecode,
    size: (i) => i.data.length,
    file: frameFile,
    unitCases: 1500,
  } satisfies FuzzTarget<FrameInput>,
  {
    name: 'tcp-options',
    about: 'TCP option bytes with lengths that lie (parseTcpOptions, findWindowScale)',
    inputs: () => tcpOptionsInputArb,
    run: checkOptions,
    size: (i) => i.data.length,
    file: optionsFile,
    unitCases: 1000,
  } satisfies FuzzTarget<TcpOptionsInput>,
  captureTarget({
    name: 'scan',
    about: 'pcap and pcapng files through the whole pass: scanPacketRecords (both passes) and indexCapture',
    inputs: () => fc.oneof(pcapSampleArb, pcapngSampleArb),
    run: checkScan,
    unitCases: 500,
  }),
  textTarget({
    name: 'text-parse',
    about: 'tcpdump and tshark text through detectTextFormat and parseCaptureText; token columns must point at their words',
    run: checkParse,
    unitCases: 700,
  }),
  textTarget({
    name: 'text-rebuild',
    about: 'tcpdump and tshark text rebuilt into a capture (rebuildCapture), which must read back whole',
    run: checkRebuild,
    // As for text-explain below: tshark text costs 5 to 8 ms per KB to rebuild, linearly.
    msPerKB: 25,
    unitCases: 300,
  }),
  textTarget({
    name: 'text-explain',
    about: 'tcpdump and tshark text explained (explainText) and hovered word by word (hoverAt, both languages)',
    run: checkExplain,
    // Rebuilding looks up to a few thousand lines around each application line for its peer:
    // linear, but 5 to 8 ms per KB of tshark text on a 2-core machine.
    msPerKB: 25,
    unitCases: 200,
  }),
  textTarget({
    name: 'filter',
    about: 'connection filter text (parseFilter): never throws, an error points inside the text, an expression reads back the same',
    // The language's own pieces, so cases get past the lexer, and any text at all.
    inputs: () =>
      fc.oneof(
        fc
          .array(
            fc.constantFrom(...['tcp.port', 'ip.addr', 'closing', 'tcp.analysis.flags', 'tcp', 'and', 'or', 'not', 'in', 'contains', ' ', ' ', '==', '!=', '<', '>=', '&&', '||', '!', '&', '~', '(', ')', '{', '}', ',', '..', '"', '\\', '10.0.0.1', '::1', '/8', '0x1F', '08', '80', 'reset', '\u0000', '中', '\ud800']),
            { maxLength: 200 },
          )
          .map((a) => a.join('')),
        fc.string({ unit: 'binary', maxLength: 2000 }),
      ),
    run: (text) => {
      const r = parseFilter(text);
      if ('error' in r) {
        check(r.error.offset >= 0 && r.error.offset <= text.length, () => `error offset ${r.error.offset} outside ${text.length} characters`);
      } else if (r.ok.kind === 'expression') {
        const again = parseFilter(r.ok.text);
        check('ok' in again && again.ok.text === r.ok.text, () => `the canonical form ${JSON.stringify(r.ok.text)} does not read back as itself`);
      }
      return r;
    },
    unitCases: 1000,
  }),
];

export function targetNamed(name: string): FuzzTarget<any> | undefined {
  return TARGETS.find((t) => t.name === name);
}
