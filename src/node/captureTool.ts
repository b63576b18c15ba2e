import { ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CaptureFailure,
  CaptureInterfaceEntry,
  CaptureToolKind,
  capturedCount,
  classifyFailure,
  failureDetail,
  isAttachedLine,
  parseInterfaceList,
} from '../core/live/tool';

/**
 * The capture tool as a program: found on PATH (or named), asked for its interfaces, asked to
 * check a filter, started writing pcap or pcapng into a pipe, and stopped cleanly so it
 * prints its own packet count. Never runs sudo and never asks for a password: when the tool
 * may not capture, that is reported (src/core/live/tool.ts says why and what to do).
 * Nothing here prints; callers get results and callbacks.
 */

export interface CaptureTool {
  kind: CaptureToolKind;
  /** Absolute path, or the name as given when it was named explicitly. */
  path: string;
  /** Named by the user (a setting or --tool), not found on PATH. */
  explicit: boolean;
}

export interface FindOptions {
  /** A path or a program name the user gave (tcpExplainer.captureTool, --tool). */
  explicit?: string;
  /** PATH and PATHEXT to search; process.env by default. */
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/** Where the tools live when they are installed but not on PATH (sbin on Linux, the Wireshark app). */
function extraDirs(platform: NodeJS.Platform): string[] {
  if (platform === 'win32') return ['C:\\Program Files\\Wireshark', 'C:\\Program Files (x86)\\Wireshark'];
  if (platform === 'darwin') return ['/Applications/Wireshark.app/Contents/MacOS', '/usr/sbin', '/usr/local/bin', '/opt/homebrew/bin'];
  return ['/usr/sbin', '/usr/local/sbin', '/sbin'];
}

function executable(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function searchDirs(name: string, dirs: string[], env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | null {
  const exts = platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean)] : [''];
  for (const dir of dirs) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      if (executable(file, platform)) return file;
    }
  }
  return null;
}

/** Which tool a program is by its name, or null when the name does not say. */
function kindByName(file: string): CaptureToolKind | null {
  const base = path.basename(file).toLowerCase();
  if (base.includes('dumpcap')) return 'dumpcap';
  if (base.includes('tcpdump') || base.includes('windump')) return 'tcpdump';
  return null;
}

/** Which tool a program is by what its `--version` said. */
function kindByVersion(said: string): CaptureToolKind | null {
  if (/dumpcap/i.test(said)) return 'dumpcap';
  if (/tcpdump|windump/i.test(said)) return 'tcpdump';
  return null;
}

const VERSION_PROBE_MS = 5000;

/**
 * Where the tool is: the one named, else dumpcap, else tcpdump, on PATH (then in the places
 * installers put them). `kind` is null when only running the named program can tell.
 */
function locate(options: FindOptions): { file: string; kind: CaptureToolKind | null; explicit: boolean } | null {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const pathDirs = (env.PATH ?? env.Path ?? '').split(path.delimiter);
  if (options.explicit) {
    const named = options.explicit;
    const file = /[\\/]/.test(named) ? (executable(named, platform) ? path.resolve(named) : null) : searchDirs(named, pathDirs, env, platform);
    return file ? { file, kind: kindByName(file), explicit: true } : null;
  }
  for (const dirs of [pathDirs, extraDirs(platform)]) {
    for (const kind of ['dumpcap', 'tcpdump'] as const) {
      const file = searchDirs(kind, dirs, env, platform);
      if (file) return { file, kind, explicit: false };
    }
  }
  return null;
}

/**
 * The tool to capture with (see locate). Null when there is none, or the named one cannot be
 * run or is neither tool. May run the named program for up to 5 s: for the command line; the
 * extension host uses findCaptureToolAsync.
 */
export function findCaptureTool(options: FindOptions = {}): CaptureTool | null {
  const found = locate(options);
  if (!found) return null;
  let kind = found.kind;
  if (!kind) {
    const r = spawnSync(found.file, ['--version'], { encoding: 'utf8', timeout: VERSION_PROBE_MS, windowsHide: true });
    kind = kindByVersion(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  }
  return kind ? { kind, path: found.file, explicit: found.explicit } : null;
}

/** findCaptureTool without blocking: the version probe runs as a child the event loop waits for. */
export async function findCaptureToolAsync(options: FindOptions = {}): Promise<CaptureTool | null> {
  const found = locate(options);
  if (!found) return null;
  let kind = found.kind;
  if (!kind) {
    const said = await new Promise<string>((resolve) => {
      execFile(found.file, ['--version'], { encoding: 'utf8', timeout: VERSION_PROBE_MS, windowsHide: true }, (_e, stdout, stderr) => resolve(`${stdout ?? ''}${stderr ?? ''}`));
    });
    kind = kindByVersion(said);
  }
  return kind ? { kind, path: found.file, explicit: found.explicit } : null;
}

/** A failure when no tool was found: `named` is what the user gave, if anything. */
export function notInstalled(named?: string): CaptureFailure {
  return { kind: 'not-installed', tool: named ?? 'dumpcap/tcpdump', detail: '' };
}

/** Messages are parsed: ask for them untranslated. */
const TOOL_ENV = { ...process.env, LC_ALL: 'C', LANG: 'C' };
/** Listing and checking are quick; a tool that takes longer is stuck (or waits for something). */
const QUICK_TIMEOUT_MS = 10000;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: string;
}

function run(tool: CaptureTool, args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      tool.path,
      args,
      { encoding: 'utf8', timeout: QUICK_TIMEOUT_MS, maxBuffer: 1 << 20, windowsHide: true, env: TOOL_ENV },
      (error, stdout, stderr) => {
        const e = error as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null;
        const spawnError = e && typeof e.code === 'string' ? e.code : undefined;
        const code = e ? (typeof e.code === 'number' ? e.code : null) : 0;
        resolve({ code, stdout: String(stdout ?? ''), stderr: String(stderr ?? '') + (e?.killed ? '\n(timed out)' : ''), ...(spawnError ? { spawnError } : {}) });
      },
    );
  });
}

function failureOf(tool: CaptureTool, r: Ran, iface?: string, filter?: string): CaptureFailure {
  const kind = classifyFailure(r.stderr, r.spawnError);
  const detail = failureDetail(r.stderr) || (r.spawnError ? r.spawnError : `exit status ${r.code}`);
  return { kind, tool: tool.path, detail, ...(iface !== undefined ? { iface } : {}), ...(filter !== undefined ? { filter } : {}) };
}

/** The interfaces the tool can capture on, loopback first, with friendly names. */
export async function listInterfaces(tool: CaptureTool): Promise<{ interfaces: CaptureInterfaceEntry[] } | { failure: CaptureFailure }> {
  const r = await run(tool, tool.kind === 'dumpcap' ? ['-D', '-M'] : ['-D']);
  const interfaces = r.code === 0 ? parseInterfaceList(r.stdout) : [];
  if (r.code !== 0 || interfaces.length === 0) {
    const f = failureOf(tool, r);
    // A tool that lists nothing usually may not look: that is the reason to give.
    return { failure: r.code === 0 ? { ...f, kind: 'no-permission', detail: f.detail || 'no interfaces listed' } : f };
  }
  return { interfaces };
}

/**
 * Compiles `filter` for `iface` without capturing (`tcpdump -d`, `dumpcap -d`): null when it
 * is good, else why not (a wrong filter, but also no such interface or no permission, since
 * both tools open the interface to learn its link type). dumpcap exits 0 even for a wrong
 * filter, so its words decide.
 */
export async function checkFilter(tool: CaptureTool, iface: string, filter: string): Promise<CaptureFailure | null> {
  const args = tool.kind === 'dumpcap' ? ['-d', '-i', iface, ...(filter ? ['-f', filter] : [])] : ['-d', '-i', iface, ...(filter ? ['--', filter] : [])];
  const r = await run(tool, args);
  const compiled = /^\(000\)/m.test(r.stdout);
  const kind = classifyFailure(r.stderr, r.spawnError);
  if (r.code === 0 && compiled && kind === 'failed') return null;
  return failureOf(tool, r, iface, filter);
}

export interface CaptureOptions {
  iface: string;
  /** A BPF capture filter ("" for every packet). */
  filter: string;
  /** The tool stops by itself after this many packets. */
  count?: number;
  /** What to write into the pipe; tcpdump writes pcap whatever is asked. */
  format?: 'pcap' | 'pcapng';
}

export interface CaptureHandlers {
  /** Bytes of the capture, in order, as the tool writes them. */
  onData(chunk: Uint8Array): void;
  /** The tool's attach line (see isAttachedLine). */
  onAttachLine?(line: string): void;
  /** Every line the tool writes on stderr. */
  onStderrLine?(line: string): void;
}

export interface CaptureEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Everything the tool wrote on stderr (the last 64 KiB). */
  stderr: string;
  /** The tool's own count of packets written, if it said. */
  count: number | null;
  /** The error starting it (ENOENT, EACCES), if any. */
  spawnError?: string;
  /** True when it ended because stop() or kill() asked it to. */
  stopped: boolean;
}

const STDERR_KEEP = 64 << 10;

/** A running capture. */
export class CaptureRun {
  /** The command line, for messages. */
  readonly command: string[];
  /** The format of the bytes in the pipe. */
  readonly format: 'pcap' | 'pcapng';
  readonly ended: Promise<CaptureEnd>;
  private readonly child: ChildProcess;
  private stopping = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    readonly tool: CaptureTool,
    options: CaptureOptions,
    handlers: CaptureHandlers,
  ) {
    this.format = tool.kind === 'dumpcap' ? (options.format ?? 'pcapng') : 'pcap';
    const count = options.count ? ['-c', String(options.count)] : [];
    // tcpdump: -U writes each packet as it comes, --immediate-mode hands it over at once
    // (without it, packets wait in the kernel's buffer and Ctrl-C can lose them).
    const args =
      tool.kind === 'dumpcap'
        ? ['-i', options.iface, ...(options.filter ? ['-f', options.filter] : []), '-w', '-', ...(this.format === 'pcap' ? ['-P'] : []), ...count]
        : ['-i', options.iface, '-U', '--immediate-mode', '-w', '-', ...count, ...(options.filter ? ['--', options.filter] : [])];
    this.command = [tool.path, ...args];
    this.child = spawn(tool.path, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, env: TOOL_ENV });
    let stderr = '';
    let partial = '';
    let attached = false;
    let spawnError: string | undefined;
    this.child.stdout!.on('data', (chunk: Buffer) => handlers.onData(chunk));
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_KEEP);
      // dumpcap rewrites its "Packets: N" status with carriage returns: each is a line too.
      const lines = (partial + text).split(/\r\n|\r|\n/);
      partial = lines.pop()!.slice(-4096);
      for (const line of lines) {
        handlers.onStderrLine?.(line);
        if (!attached && isAttachedLine(tool.kind, line)) {
          attached = true;
          handlers.onAttachLine?.(line);
        }
      }
    });
    this.ended = new Promise((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (done) return;
        done = true;
        for (const t of this.timers) clearTimeout(t);
        if (partial) handlers.onStderrLine?.(partial);
        resolve({ code, signal, stderr, count: capturedCount(tool.kind, stderr), stopped: this.stopping, ...(spawnError ? { spawnError } : {}) });
      };
      this.child.on('error', (e: NodeJS.ErrnoException) => {
        spawnError = e.code ?? e.message;
        // A tool that never started has no streams to close.
        if (this.child.pid === undefined) finish(null, null);
      });
      this.child.on('close', (code, signal) => finish(code, signal));
    });
  }

  /**
   * Stops the capture as Ctrl-C would: the tool writes what it holds, prints its count and
   * exits. A tool that does not stop is asked again (SIGTERM), then killed.
   */
  stop(): void {
    if (this.stopping || this.child.exitCode !== null || this.child.signalCode !== null) {
      this.stopping = true;
      return;
    }
    this.stopping = true;
    this.signal('SIGINT');
    this.timers.push(setTimeout(() => this.signal('SIGTERM'), 3000).unref());
    this.timers.push(setTimeout(() => this.signal('SIGKILL'), 6000).unref());
  }

  /** Ends it now (a second Ctrl-C, a test's cleanup). */
  kill(): void {
    this.stopping = true;
    this.signal('SIGKILL');
  }

  private signal(s: NodeJS.Signals): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      this.child.kill(s);
    } catch {
      // Already gone.
    }
  }
}

/** Starts capturing; bytes arrive through handlers.onData until the tool exits. */
export function startCapture(tool: CaptureTool, options: CaptureOptions, handlers: CaptureHandlers): CaptureRun {
  return new CaptureRun(tool, options, handlers);
}
