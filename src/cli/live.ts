import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { carriedLines } from '../core/app/stream';
import { PcapngWriter } from '../core/capture/pcapngWrite';
import { CaptureProblem } from '../core/capture/types';
import { controlsEscaped } from '../core/escape';
import { Lang } from '../core/explain/glossary';
import { LiveSession } from '../core/live/session';
import { CaptureFailure, CaptureInterfaceEntry, capturePlatform, classifyFailure, defaultLoopback, describeFailure, failureDetail } from '../core/live/tool';
import { packetRecord } from '../core/report';
import { CaptureRun, CaptureTool, checkFilter, findCaptureTool, listInterfaces, notInstalled, startCapture } from '../node/captureTool';
import { PacketApps, appLineText } from './app';
import { packetLine, stepNoteLine, storyLines, withCarried } from './lines';
import { writeText } from './terminal';

/**
 * `tcp-explainer live`: capture with the machine's own tool and explain as it happens. Each
 * segment is printed as `packets` prints it, with its note; each connection's story (as
 * `explain --stream N` tells it) when the connection ends; the tool's own packet count at the
 * end. Scripts wait for "listening on IFACE" on stderr before they make traffic.
 */

export const LIVE_USAGE = `  live [-i IFACE] [-f FILTER] [--count N] [--connections N] [-w FILE] [--lang en|zh-cn] [--tool PATH]
                                capture and explain as it happens (dumpcap, else tcpdump):
                                each segment as it arrives with its note, each connection's
                                story when it ends (both FINs acknowledged, a RST, refused);
                                "listening on IFACE" on stderr once capturing; stops after N
                                packets, N finished connections or Ctrl-C, then prints the
                                tool's "N packets captured" on stderr. Defaults: loopback,
                                "tcp port 4000". -w saves every packet (pcapng if FILE ends in
                                .pcapng, else pcap); --tool names the capture program`;

export class LiveUsageError extends Error {}

export interface LiveArgs {
  iface: string | null;
  filter: string;
  count: number | null;
  connections: number | null;
  write: string | null;
  lang: Lang;
  tool: string | null;
}

/** The tutorial's server listens on 4000. */
export const DEFAULT_FILTER = 'tcp port 4000';
/** A capture quiet this long lets waiting lines go with what is known (a fraction of a second). */
const QUIET_MS = 200;
/** A tool that neither starts nor fails within this long is stopped and reported. */
const ATTACH_TIMEOUT_MS = 10000;

/** The arguments after `live`; null for --help. */
export function parseLiveArgs(argv: string[]): LiveArgs | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        interface: { type: 'string', short: 'i' },
        filter: { type: 'string', short: 'f' },
        count: { type: 'string' },
        connections: { type: 'string' },
        write: { type: 'string', short: 'w' },
        lang: { type: 'string' },
        tool: { type: 'string' },
      },
    });
  } catch (e) {
    throw new LiveUsageError(controlsEscaped((e as Error).message));
  }
  const o = parsed.values;
  if (o.help) return null;
  const positive = (v: string | undefined, name: string): number | null => {
    if (v === undefined) return null;
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 2 ** 31 - 1) throw new LiveUsageError(`${name} needs a whole number from 1`);
    return Number(v);
  };
  if (o.lang !== undefined && o.lang !== 'en' && o.lang !== 'zh-cn') throw new LiveUsageError('--lang is en or zh-cn');
  if (o.interface === '') throw new LiveUsageError('-i needs an interface name');
  if (o.write === '') throw new LiveUsageError('-w needs a file name');
  return {
    iface: o.interface ?? null,
    filter: o.filter ?? DEFAULT_FILTER,
    count: positive(o.count, '--count'),
    connections: positive(o.connections, '--connections'),
    write: o.write ?? null,
    lang: (o.lang as Lang | undefined) ?? 'en',
    tool: o.tool ?? null,
  };
}

/**
 * Lines to a terminal or a pipe, written at once (a live capture is read as it goes). Every
 * capture string is escaped where the line is made; escaping the line again is the last guard
 * (escaped text stays as it is). A closed stdout (`| head`) ends the capture.
 */
class Lines {
  stdoutClosed = false;
  constructor(private readonly onStdoutClosed: () => void) {}

  out(line: string): void {
    if (this.stdoutClosed) return;
    if (!this.write(1, line)) {
      this.stdoutClosed = true;
      this.onStdoutClosed();
    }
  }

  err(line: string): void {
    this.write(2, line);
  }

  private write(fd: number, line: string): boolean {
    try {
      return writeText(fd, `${line}\n`);
    } catch {
      return false;
    }
  }
}

function printFailure(lines: Lines, f: CaptureFailure, lang: Lang, extra: { explicit?: boolean; interfaces?: string[]; command?: string; seconds?: number } = {}): number {
  const d = describeFailure(f, lang, {
    platform: capturePlatform(process.platform),
    toolOption: '--tool PATH',
    ...extra,
  });
  lines.err(`tcp-explainer: cannot capture: ${d.reason}`);
  if (d.fix) lines.err(`tcp-explainer: ${d.fix}`);
  return 1;
}

function problemLine(p: CaptureProblem): string {
  const where = p.frame !== undefined ? `packet ${p.frame}, offset ${p.offset}` : `offset ${p.offset}`;
  return `tcp-explainer: ${p.severity}: capture stream: ${where}: ${p.message}`;
}

/** The interfaces by name, for a message about a wrong one. */
async function interfaceNames(tool: CaptureTool): Promise<string[]> {
  const l = await listInterfaces(tool);
  return 'interfaces' in l ? l.interfaces.map((i) => i.name) : [];
}

export async function runLive(argv: string[]): Promise<number> {
  const early = new Lines(() => undefined);
  let args: LiveArgs | null;
  try {
    args = parseLiveArgs(argv);
  } catch (e) {
    if (!(e instanceof LiveUsageError)) throw e;
    early.err(`tcp-explainer: ${e.message}\n\nUsage: tcp-explainer live [options]\n${LIVE_USAGE}`);
    return 2;
  }
  if (!args) {
    early.out(`Usage: tcp-explainer live [options]\n${LIVE_USAGE}`);
    return 0;
  }
  const { lang } = args;
  const tool = findCaptureTool(args.tool ? { explicit: args.tool } : {});
  if (!tool) return printFailure(early, notInstalled(args.tool ?? undefined), lang, { explicit: args.tool !== null });

  let iface = args.iface;
  if (!iface) {
    // Loopback, as the tool names it: the tutorial's server is on this machine.
    const listed = await listInterfaces(tool);
    if ('failure' in listed) return printFailure(early, listed.failure, lang);
    const loopback: CaptureInterfaceEntry | undefined = listed.interfaces.find((i) => i.loopback);
    iface = loopback?.name ?? defaultLoopback(capturePlatform(process.platform));
  }
  const checked = await checkFilter(tool, iface, args.filter);
  if (checked) {
    const interfaces = checked.kind === 'no-interface' ? await interfaceNames(tool) : undefined;
    return printFailure(early, checked, lang, interfaces ? { interfaces } : {});
  }
  return capture(tool, iface, args);
}

function capture(tool: CaptureTool, iface: string, args: LiveArgs): Promise<number> {
  const { lang } = args;
  const target = args.write;
  const wantNg = target !== null && /\.pcapng$/i.test(target);
  // A place that can take the file, checked before capturing (a wrong path costs no capture);
  // the file itself is made when the first bytes come, so a capture that fails spoils nothing.
  if (target !== null) {
    try {
      fs.accessSync(path.dirname(path.resolve(target)), fs.constants.W_OK);
      if (fs.existsSync(target)) {
        if (fs.statSync(target).isDirectory()) throw new Error('is a directory');
        fs.accessSync(target, fs.constants.W_OK);
      }
    } catch (e) {
      new Lines(() => undefined).err(`tcp-explainer: error: ${target}: ${(e as Error).message}`);
      return Promise.resolve(1);
    }
  }
  let fd: number | null = null;
  return new Promise<number>((resolve) => {
    let run: CaptureRun | null = null;
    let stopRequested = false;
    const stop = (): void => {
      stopRequested = true;
      run?.stop();
    };
    const lines = new Lines(stop);
    let writeError: string | null = null;
    const save = (bytes: Uint8Array): void => {
      if (target === null || writeError) return;
      try {
        fd ??= fs.openSync(target, 'w');
        let off = 0;
        while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
      } catch (e) {
        writeError = (e as Error).message;
        stop();
      }
    };
    // The tool writes the format asked for (tcpdump only pcap): the bytes are saved as they
    // come; a pcap that should be pcapng is rewritten record by record.
    const toolFormat = tool.kind === 'dumpcap' ? (wantNg ? 'pcapng' : 'pcap') : 'pcap';
    const convert = wantNg && toolFormat === 'pcap' ? new PcapngWriter(save) : null;

    let records = 0;
    /** Lines PacketApps let go, in order, waiting for their notes (given after each push). */
    const released: Array<{ frame: number; line: string }> = [];
    const lineFrames: number[] = [];
    let lineHead = 0;
    const notes = new Map<number, string>();
    const stories: string[][] = [];
    const apps = new PacketApps((line) => released.push({ frame: lineFrames[lineHead++]!, line }));
    const session = new LiveSession({
      onRecord(rec, info) {
        records++;
        convert?.record(rec, info);
        if (args.count !== null && records >= args.count) stop();
      },
      onSegment(rec, f, seg) {
        const conv = seg.conversation;
        const flow = seg.inFlow1 ? conv.flow1 : conv.flow2;
        const peer = seg.inFlow1 ? conv.flow2 : conv.flow1;
        const summary = session.summary!;
        const line = packetLine(rec, f, seg, packetRecord(rec, f, seg, flow, peer), summary.firstSec, summary.firstNsec);
        lineFrames.push(rec.frame);
        apps.add(rec, f, seg, (app) => withCarried(line, appLineText(app)));
      },
      onStep(row, ladder) {
        notes.set(row.frame, stepNoteLine(row, ladder, lang, '        '));
      },
      onConnectionEnd(end) {
        stories.push(storyLines(end.explanation, end.ladder, carriedLines(end.app, lang), lang));
        if (args.connections !== null && session.connectionsEnded >= args.connections) stop();
      },
      onProblem(p) {
        lines.err(problemLine(p));
      },
    });
    const drain = (): void => {
      for (const r of released.splice(0)) {
        lines.out(r.line);
        const note = notes.get(r.frame);
        if (note !== undefined) {
          lines.out(note);
          notes.delete(r.frame);
        }
      }
      if (lineHead > 4096) {
        lineFrames.splice(0, lineHead);
        lineHead = 0;
      }
      for (const story of stories.splice(0)) {
        lines.out('');
        for (const l of story) lines.out(l);
        lines.out('');
      }
    };

    let quiet: NodeJS.Timeout | null = null;
    const flushQuiet = (): void => {
      quiet = null;
      apps.flush();
      drain();
    };

    let attachLine = false;
    let attached = false;
    const checkAttached = (): void => {
      if (attached || !attachLine || !session.capture.started) return;
      attached = true;
      lines.err(`listening on ${iface}`);
    };

    run = startCapture(
      tool,
      { iface, filter: args.filter, format: toolFormat, ...(args.count !== null ? { count: args.count } : {}) },
      {
        onData(chunk) {
          if (!convert) save(chunk);
          session.push(chunk);
          // A capture of no packets is still a file the user can open.
          if (convert && session.capture.started) convert.begin(session.capture.info);
          drain();
          checkAttached();
          // A line waits for what its segment carried only while more keeps coming.
          if (quiet) clearTimeout(quiet);
          quiet = apps.waiting > 0 ? setTimeout(flushQuiet, QUIET_MS) : null;
        },
        onAttachLine() {
          attachLine = true;
          checkAttached();
        },
      },
    );
    if (stopRequested) run.stop();
    let timedOut = false;
    const attachTimer = setTimeout(() => {
      if (attached) return;
      timedOut = true;
      run!.stop();
    }, ATTACH_TIMEOUT_MS);
    attachTimer.unref();

    // Ctrl-C stops the capture cleanly (the tool then prints its count); a second one kills it.
    let interrupts = 0;
    const onSignal = (): void => {
      if (++interrupts > 1) run!.kill();
      else stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    void run.ended.then((end) => {
      clearTimeout(attachTimer);
      if (quiet) clearTimeout(quiet);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      session.end();
      apps.finish();
      drain();
      if (fd !== null) fs.closeSync(fd);
      if (!attached) {
        // Nothing was captured: say why, and leave no file holding only a header behind.
        if (fd !== null && target !== null) fs.rmSync(target, { force: true });
        const failure: CaptureFailure = {
          kind: timedOut ? 'no-start' : classifyFailure(end.stderr, end.spawnError),
          tool: tool.path,
          iface,
          filter: args.filter,
          detail: failureDetail(end.stderr) || end.spawnError || `exit status ${end.code ?? end.signal}`,
        };
        const go = async (): Promise<number> => {
          const interfaces = failure.kind === 'no-interface' ? await interfaceNames(tool) : undefined;
          return printFailure(lines, failure, lang, {
            command: run!.command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' '),
            seconds: ATTACH_TIMEOUT_MS / 1000,
            ...(interfaces ? { interfaces } : {}),
          });
        };
        void go().then(resolve);
        return;
      }
      if (writeError) lines.err(`tcp-explainer: error: ${target}: ${writeError}`);
      // The tool's own count, as it printed it: what it wrote, so what the saved file holds.
      const count = end.count ?? records;
      lines.err(`${count} packet${count === 1 ? '' : 's'} captured`);
      if (end.count === null) lines.err(`tcp-explainer: note: ${tool.kind} did not report its count; counted ${records} here`);
      else if (end.count !== records) lines.err(`tcp-explainer: warning: ${tool.kind} reported ${end.count} packets, ${records} were read`);
      // A tool that died on its own (not asked, not done with --count) failed mid-capture.
      const diedAlone = !end.stopped && !(args.count !== null && records >= args.count) && end.code !== 0;
      if (diedAlone) {
        lines.err(`tcp-explainer: error: ${tool.kind} stopped: ${failureDetail(end.stderr) || `exit status ${end.code ?? end.signal}`}`);
        resolve(1);
        return;
      }
      resolve(writeError ? 1 : 0);
    });
  });
}
