import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { GrowingCapture } from '../core/capture/growing';
import { PcapngWriter } from '../core/capture/pcapngWrite';
import { plainUiText } from '../core/escape';
import { CaptureFailure, CaptureInterfaceEntry, capturePlatform, classifyFailure, defaultLoopback, describeFailure, failureDetail } from '../core/live/tool';
import { CaptureRun, CaptureTool, checkFilter, findCaptureToolAsync, listInterfaces, notInstalled, startCapture } from '../node/captureTool';
import type { LiveStatus } from '../shared/protocol';
import { CaptureEditorProvider, LiveCaptureLink, VIEW_TYPE } from './captureEditor';
import { setContextKey } from './contextKeys';
import { say, userLanguage } from './l10n';
import { showErrorWithActions, showInfo } from './notify';

/**
 * "Capture and explain": capture with the machine's own tool (dumpcap, else tcpdump) into a
 * .pcapng in the extension's storage, and show it in the capture editor while it grows. The
 * tool's bytes come through a pipe; they are written to the file as they come (a tcpdump's
 * pcap rewritten as pcapng record by record) and the editor's worker reads the new records as
 * they land. Never runs sudo: when the tool may not capture, the user is told why and how to
 * fix it. Every wait is bounded: the tool's quick questions (10 s), attaching (10 s), stopping
 * (SIGINT, then SIGTERM after 3 s, SIGKILL after 6 s).
 */

/** What the command takes, so scripts, tests and the walkthrough need no pickers. */
export interface CaptureCommandOptions {
  /** The interface as the tool names it. */
  iface?: string;
  /** Capture on the loopback interface the tool lists (the tutorial's server is on this machine). */
  loopback?: boolean;
  /** A BPF capture filter ('' for every packet); without it the user is asked. */
  filter?: string;
}

export interface LiveCaptureResult {
  uri: vscode.Uri;
  iface: string;
  filter: string;
  /** Packets written to the file. */
  packets: number;
  /** The capture tool's own count, when it said. */
  toolCount: number | null;
}

/** The tutorial's filter: its server listens on port 4000. */
export const DEFAULT_FILTER = 'tcp port 4000';
/** A tool that neither starts capturing nor fails within this long is stopped and reported. */
const ATTACH_TIMEOUT_MS = 10000;
/** The status bar and the editor's line are brought up to date at most this often. */
const STATUS_MS = 250;
/** The editor's worker is told new bytes were written at most this often (it also looks by itself). */
const POKE_MS = 40;
/** Live captures kept in storage: older ones are deleted when a new one starts. */
const KEEP_CAPTURES = 20;

/** Options from a command link or another extension are checked before use. */
function checkedOptions(raw: unknown): CaptureCommandOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const r = raw as Record<string, unknown>;
  const out: CaptureCommandOptions = {};
  if (typeof r.iface === 'string' && r.iface.length > 0 && r.iface.length < 256) out.iface = r.iface;
  if (r.loopback === true) out.loopback = true;
  if (typeof r.filter === 'string' && r.filter.length < 4096) out.filter = r.filter;
  return out;
}

/** One capture: the tool, the file it fills, and what the editor shows of it. */
class LiveCapture implements LiveCaptureLink {
  packets = 0;
  running = true;
  attached = false;
  toolCount: number | null = null;
  readonly run: CaptureRun;
  readonly ended: Promise<void>;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly growing = new GrowingCapture();
  private readonly convert: PcapngWriter | null;
  private readonly out: fs.WriteStream;
  private writeError: string | null = null;
  private attachLine = false;
  private timedOut = false;
  private statusTimer: NodeJS.Timeout | null = null;
  private pokeTimer: NodeJS.Timeout | null = null;
  private readonly attachedListeners: Array<() => void> = [];
  /** The last write's completion: the editor opens once the file's header is on disk. */
  private lastWrite: Promise<void> = Promise.resolve();
  end: { code: number | null; stderr: string; spawnError?: string; stopped: boolean } | null = null;

  constructor(
    readonly tool: CaptureTool,
    readonly uri: vscode.Uri,
    readonly iface: string,
    readonly ifaceLabel: string,
    readonly filter: string,
    private readonly onPacketsWritten: () => void,
  ) {
    this.out = fs.createWriteStream(uri.fsPath, { flags: 'wx' });
    this.out.on('error', (e) => this.failWrite(e.message));
    // dumpcap writes pcapng; tcpdump only pcap, which is rewritten as pcapng as it comes.
    this.convert = tool.kind === 'dumpcap' ? null : new PcapngWriter((bytes) => this.write(bytes));
    this.run = startCapture(
      tool,
      { iface, filter, format: 'pcapng' },
      {
        onData: (chunk) => this.data(chunk),
        onAttachLine: () => {
          this.attachLine = true;
          this.checkAttached();
        },
      },
    );
    const attachTimer = setTimeout(() => {
      if (this.attached) return;
      this.timedOut = true;
      this.run.stop();
    }, ATTACH_TIMEOUT_MS);
    this.ended = this.run.ended.then(async (end) => {
      clearTimeout(attachTimer);
      this.growing.end();
      this.count();
      await new Promise<void>((resolve) => this.out.end(resolve));
      this.end = { code: end.code, stderr: end.stderr, stopped: end.stopped, ...(end.spawnError ? { spawnError: end.spawnError } : {}) };
      this.toolCount = end.count;
      this.running = false;
      if (this.statusTimer) clearTimeout(this.statusTimer);
      if (this.pokeTimer) clearTimeout(this.pokeTimer);
      this.checkAttached();
      this.changed.fire();
    });
  }

  status(): NonNullable<LiveStatus['capture']> {
    return { iface: this.iface, ifaceLabel: this.ifaceLabel, filter: this.filter, packets: this.packets, running: this.running, toolCount: this.toolCount };
  }

  stop(): void {
    this.run.stop();
  }

  /** Why the capture failed before it started, when it did. */
  failure(): CaptureFailure | null {
    if (this.attached || !this.end) return null;
    return {
      kind: this.timedOut ? 'no-start' : classifyFailure(this.end.stderr, this.end.spawnError),
      tool: this.tool.path,
      iface: this.iface,
      filter: this.filter,
      detail: failureDetail(this.end.stderr) || this.end.spawnError || this.writeError || `exit status ${this.end.code}`,
    };
  }

  /** Why a capture that started stopped by itself (the tool died, the disk is full), or null. */
  brokenOff(): string | null {
    if (this.writeError) return this.writeError;
    if (!this.end || this.end.stopped || this.end.code === 0) return null;
    return failureDetail(this.end.stderr) || `exit status ${this.end.code}`;
  }

  /** Resolves once the capture is attached and its header is in the file; false if it never was. */
  whenAttached(): Promise<boolean> {
    return new Promise<void>((resolve) => {
      if (this.attached || !this.running) resolve();
      else this.attachedListeners.push(resolve);
    }).then(() => (this.attached ? this.lastWrite.then(() => true) : false));
  }

  dispose(): void {
    this.run.kill();
    this.changed.dispose();
  }

  private data(chunk: Uint8Array): void {
    this.growing.push(chunk);
    if (this.convert) {
      // A capture of no packets is still a file the editor can open.
      if (this.growing.started) this.convert.begin(this.growing.info);
    } else this.write(chunk);
    this.count();
    this.checkAttached();
    this.scheduleStatus();
  }

  /** Reads the records that are whole: they are counted (and rewritten, for tcpdump). */
  private count(): void {
    for (let rec = this.growing.next(); rec; rec = this.growing.next()) {
      this.packets++;
      this.convert?.record(rec, this.growing.info);
    }
  }

  private write(bytes: Uint8Array): void {
    if (this.writeError) return;
    this.lastWrite = new Promise<void>((resolve) => {
      this.out.write(bytes, (e) => {
        if (e) this.failWrite(e.message);
        else this.schedulePoke();
        resolve();
      });
    });
  }

  private failWrite(message: string): void {
    if (this.writeError) return;
    this.writeError = message;
    this.run.stop();
  }

  private checkAttached(): void {
    if (!this.attached && this.attachLine && this.growing.started && this.running) this.attached = true;
    if (this.attached || !this.running) for (const l of this.attachedListeners.splice(0)) l();
  }

  private scheduleStatus(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      if (this.running) this.changed.fire();
    }, STATUS_MS);
  }

  private schedulePoke(): void {
    if (this.pokeTimer) return;
    this.pokeTimer = setTimeout(() => {
      this.pokeTimer = null;
      this.onPacketsWritten();
    }, POKE_MS);
  }
}

/** The capture commands, the status bar item, and the one capture that may run at a time. */
export class LiveCaptureController implements vscode.Disposable {
  private current: LiveCapture | null = null;
  private last: LiveCaptureResult | null = null;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly provider: CaptureEditorProvider,
  ) {
    this.statusItem = vscode.window.createStatusBarItem('tcpExplainer.capture', vscode.StatusBarAlignment.Left, 100);
    this.statusItem.name = say('TCP Explainer capture');
    this.statusItem.command = 'tcpExplainer.stopCapture';
    this.subscriptions.push(this.statusItem);
    setContextKey('tcpExplainer.capturing', false);
  }

  /** The capture running now, or else the last one, for tests and the API. */
  state(): { uri: vscode.Uri; iface: string; filter: string; packets: number; running: boolean; toolCount: number | null } | null {
    const c = this.current;
    if (c) return { uri: c.uri, iface: c.iface, filter: c.filter, packets: c.packets, running: c.running, toolCount: c.toolCount };
    return this.last ? { ...this.last, running: false } : null;
  }

  /**
   * "Capture and explain": asks for an interface and a filter (unless given), checks the
   * filter, starts capturing and opens the capture's editor once the tool is attached.
   * Resolves with the capture file, or undefined when it did not start (the user was told why).
   */
  async captureAndExplain(rawOptions?: unknown): Promise<vscode.Uri | undefined> {
    const options = checkedOptions(rawOptions);
    if (this.current) {
      showInfo(say('A capture is already running on {0}: stop it first.', this.current.iface));
      await vscode.commands.executeCommand('vscode.openWith', this.current.uri, VIEW_TYPE);
      return undefined;
    }
    const named = vscode.workspace.getConfiguration('tcpExplainer').get<string>('captureTool', '').trim();
    const tool = await findCaptureToolAsync(named ? { explicit: named } : {});
    if (!tool) {
      await this.showFailure(notInstalled(named || undefined), null, { explicit: named !== '' });
      return undefined;
    }
    const picked = await this.chooseInterface(tool, options);
    if (!picked) return undefined;
    const filter = options.filter !== undefined ? await this.checked(tool, picked.name, options.filter) : await this.askFilter(tool, picked.name);
    if (filter === undefined) return undefined;
    return this.start(tool, picked, filter);
  }

  /** "Stop capture": the tool stops as on Ctrl-C, the last packets are read. Resolves with what was captured. */
  async stopCapture(): Promise<LiveCaptureResult | undefined> {
    const c = this.current;
    if (!c) {
      showInfo(say('No capture is running.'));
      return undefined;
    }
    c.stop();
    await c.ended;
    return this.finished(c);
  }

  /** "Save capture as…": a copy of a capture file where the user says (or to `target`). */
  async saveCaptureAs(uri?: unknown, target?: unknown): Promise<vscode.Uri | undefined> {
    const source = uri instanceof vscode.Uri ? uri : (this.provider.editorFor()?.document.uri ?? this.current?.uri ?? this.last?.uri);
    if (!source) {
      showInfo(say('No capture to save.'));
      return undefined;
    }
    let where = target instanceof vscode.Uri ? target : undefined;
    if (!where) {
      const home = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
      where = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(home, path.basename(source.path)),
        filters: { [say('Packet captures')]: ['pcapng'] },
        saveLabel: say('Save'),
      });
    }
    if (!where) return undefined;
    try {
      // A capture still running is saved as it stands now: every whole packet written so far.
      await vscode.workspace.fs.copy(source, where, { overwrite: true });
    } catch (e) {
      await showErrorWithActions(say('Could not save the capture: {0}', (e as Error).message));
      return undefined;
    }
    showInfo(say('Saved the capture to {0}.', where.fsPath || where.toString(true)));
    return where;
  }

  dispose(): void {
    this.current?.dispose();
    for (const d of this.subscriptions) d.dispose();
  }

  private async chooseInterface(tool: CaptureTool, options: CaptureCommandOptions): Promise<CaptureInterfaceEntry | undefined> {
    if (options.iface) return { name: options.iface, description: '', label: options.iface, loopback: false };
    const listing = listInterfaces(tool);
    if (options.loopback) {
      const listed = await listing;
      if ('failure' in listed) {
        await this.showFailure(listed.failure, tool);
        return undefined;
      }
      const name = defaultLoopback(capturePlatform(process.platform));
      return listed.interfaces.find((i) => i.loopback) ?? { name, description: '', label: name, loopback: true };
    }
    type Item = vscode.QuickPickItem & { entry: CaptureInterfaceEntry };
    const qp = vscode.window.createQuickPick<Item>();
    qp.title = say('Capture and explain (1/2): interface');
    qp.placeholder = say('Which interface? Loopback (this machine talking to itself, as the tutorial does) comes first.');
    qp.busy = true;
    qp.enabled = false;
    return new Promise<CaptureInterfaceEntry | undefined>((resolve) => {
      let failed: CaptureFailure | null = null;
      qp.onDidAccept(() => {
        resolve(qp.selectedItems[0]?.entry);
        qp.hide();
      });
      qp.onDidHide(() => {
        resolve(undefined);
        qp.dispose();
        if (failed) void this.showFailure(failed, tool);
      });
      qp.show();
      void listing.then((listed) => {
        if ('failure' in listed) {
          failed = listed.failure;
          qp.hide();
          return;
        }
        qp.items = listed.interfaces.map((i) => ({
          label: plainUiText(i.name),
          description: plainUiText(i.description),
          ...(i.loopback ? { detail: say('Loopback: connections from this machine to itself, such as a server on localhost') } : {}),
          entry: i,
        }));
        qp.busy = false;
        qp.enabled = true;
      });
    });
  }

  /** The filter checked by the tool, or undefined (the user was told why). */
  private async checked(tool: CaptureTool, iface: string, filter: string): Promise<string | undefined> {
    const f = await checkFilter(tool, iface, filter);
    if (!f) return filter;
    await this.showFailure(f, tool);
    return undefined;
  }

  /** Asks for the filter; a wrong one is said inline, under the box, and the box stays. */
  private askFilter(tool: CaptureTool, iface: string): Promise<string | undefined> {
    const box = vscode.window.createInputBox();
    box.title = say('Capture and explain (2/2): capture filter on {0}', iface);
    box.value = this.context.globalState.get<string>('tcpExplainer.lastFilter') ?? DEFAULT_FILTER;
    box.prompt = say('A capture filter as tcpdump takes it (BPF), such as tcp port 4000 or host 10.0.0.1 and tcp. Empty: every packet.');
    return new Promise<string | undefined>((resolve) => {
      let other: CaptureFailure | null = null;
      let done = false;
      box.onDidChangeValue(() => (box.validationMessage = undefined));
      box.onDidAccept(async () => {
        const value = box.value.trim();
        box.busy = true;
        box.enabled = false;
        const f = await checkFilter(tool, iface, value);
        box.busy = false;
        box.enabled = true;
        if (!f) {
          done = true;
          void this.context.globalState.update('tcpExplainer.lastFilter', value);
          resolve(value);
          box.hide();
        } else if (f.kind === 'bad-filter') {
          const d = this.describe(f, tool);
          box.validationMessage = `${d.reason} ${d.fix}`.trim();
        } else {
          other = f;
          box.hide();
        }
      });
      box.onDidHide(() => {
        if (!done) resolve(undefined);
        box.dispose();
        if (other) void this.showFailure(other, tool);
      });
      box.show();
    });
  }

  private async start(tool: CaptureTool, picked: CaptureInterfaceEntry, filter: string): Promise<vscode.Uri | undefined> {
    let uri: vscode.Uri;
    try {
      uri = await this.newCaptureFile(picked.name);
    } catch (e) {
      await showErrorWithActions(say('Could not make the capture file: {0}', (e as Error).message));
      return undefined;
    }
    const label = picked.description && picked.description !== picked.name ? picked.description : '';
    const capture = new LiveCapture(tool, uri, picked.name, label, filter, () => this.provider.editorFor(uri)?.document.poke());
    this.current = capture;
    const registered = this.provider.registerLive(uri, capture);
    this.showStatus(capture);
    const statusSub = capture.onDidChange(() => this.showStatus(capture));
    void capture.ended.then(() => {
      statusSub.dispose();
      void this.finished(capture);
    });
    if (!(await capture.whenAttached())) {
      await capture.ended;
      registered.dispose();
      await fs.promises.rm(uri.fsPath, { force: true }).catch(() => undefined);
      const failure = capture.failure();
      if (failure) await this.showFailure(failure, tool, { command: capture.run.command.map(shellWord).join(' '), seconds: ATTACH_TIMEOUT_MS / 1000 });
      return undefined;
    }
    setContextKey('tcpExplainer.capturing', true);
    setContextKey('tcpExplainer.captureStarted', true);
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const document = this.provider.editorFor(uri)?.document;
    if (document) {
      const sub = document.onProgress(() => {
        if (document.finished > 0) {
          // The walkthrough's "read the ladder" step: a whole connection went by.
          setContextKey('tcpExplainer.sawFinishedConnection', true);
          sub.dispose();
        }
      });
      void capture.ended.then(() => sub.dispose());
    }
    return uri;
  }

  /** Once a capture's tool exited: its editor reads the rest, the status bar goes, the user is told. */
  private readonly finishing = new WeakMap<LiveCapture, Promise<LiveCaptureResult | undefined>>();
  private finished(c: LiveCapture): Promise<LiveCaptureResult | undefined> {
    let p = this.finishing.get(c);
    if (!p) {
      p = (async () => {
        await c.ended;
        if (this.current === c) this.current = null;
        this.statusItem.hide();
        setContextKey('tcpExplainer.capturing', false);
        if (!c.attached) return undefined;
        await this.provider.endLive(c.uri).catch(() => null);
        const result: LiveCaptureResult = { uri: c.uri, iface: c.iface, filter: c.filter, packets: c.packets, toolCount: c.toolCount };
        this.last = result;
        const broken = c.brokenOff();
        if (broken) await showErrorWithActions(say('The capture on {0} stopped by itself: {1}', c.iface, broken));
        else showInfo(say('Captured {0} packets on {1}. Use "Save capture as…" to keep them.', c.packets, c.iface));
        return result;
      })();
      this.finishing.set(c, p);
    }
    return p;
  }

  private showStatus(c: LiveCapture): void {
    if (!c.running) {
      this.statusItem.hide();
      return;
    }
    this.statusItem.text = c.attached ? `$(record) ${say('Capturing on {0} · {1} packets', c.iface, c.packets)}` : `$(loading~spin) ${say('Starting capture on {0}…', c.iface)}`;
    this.statusItem.tooltip = say('TCP Explainer is capturing on {0} with the filter "{1}". Click to stop.', c.iface, c.filter);
    this.statusItem.show();
  }

  /** A new file in the extension's storage (a temporary folder when there is none on disk). */
  private async newCaptureFile(iface: string): Promise<vscode.Uri> {
    const storage = this.context.globalStorageUri;
    const dir = storage.scheme === 'file' ? path.join(storage.fsPath, 'captures') : path.join(os.tmpdir(), 'tcp-explainer-captures');
    await fs.promises.mkdir(dir, { recursive: true });
    await this.prune(dir);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
    const safe = iface.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 40) || 'capture';
    for (let n = 0; ; n++) {
      const file = path.join(dir, `capture-${stamp}-${safe}${n ? `-${n}` : ''}.pcapng`);
      if (!fs.existsSync(file)) return vscode.Uri.file(file);
    }
  }

  /** Keeps the newest captures only: the user saves the ones to keep elsewhere. */
  private async prune(dir: string): Promise<void> {
    try {
      const names = (await fs.promises.readdir(dir)).filter((n) => /^capture-.*\.pcapng$/.test(n)).sort();
      for (const n of names.slice(0, Math.max(0, names.length - (KEEP_CAPTURES - 1)))) {
        const file = path.join(dir, n);
        if (this.provider.editorFor(vscode.Uri.file(file))) continue;
        await fs.promises.rm(file, { force: true });
      }
    } catch {
      // Old captures that cannot be listed or removed only take room.
    }
  }

  private describe(f: CaptureFailure, tool: CaptureTool | null, extra: { explicit?: boolean; interfaces?: string[]; command?: string; seconds?: number } = {}): { reason: string; fix: string } {
    return describeFailure(f, userLanguage(), {
      platform: capturePlatform(process.platform),
      toolOption: say('the tcpExplainer.captureTool setting'),
      explicit: tool?.explicit ?? false,
      ...extra,
    });
  }

  /** Why the capture cannot run and how to fix it, in the user's language, with a way to the setting. */
  private async showFailure(f: CaptureFailure, tool: CaptureTool | null, extra: { explicit?: boolean; command?: string; seconds?: number } = {}): Promise<void> {
    let interfaces: string[] | undefined;
    if (f.kind === 'no-interface' && tool) {
      const listed = await listInterfaces(tool);
      if ('interfaces' in listed) interfaces = listed.interfaces.map((i) => i.name);
    }
    const d = this.describe(f, tool, { ...extra, ...(interfaces ? { interfaces } : {}) });
    const settings = say('Open Settings');
    const text = say('Cannot capture: {0} {1}', d.reason, d.fix).trim();
    void showErrorWithActions(text, settings).then((chosen) => {
      if (chosen === settings) void vscode.commands.executeCommand('workbench.action.openSettings', 'tcpExplainer.captureTool');
    });
  }
}

/** An argument as a POSIX shell reads it back, for a command line the user may run by hand. */
function shellWord(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
