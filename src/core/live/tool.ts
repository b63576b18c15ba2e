import { Lang, fill } from '../explain/glossary';

/**
 * What the capture tools (Wireshark's dumpcap, tcpdump) say, read as facts: their interface
 * lists, the line that says the capture is attached, their final packet count, and why a
 * capture could not start, with what to do about it on each system, in both languages.
 * Pure text in, facts out: src/node/captureTool.ts runs the programs.
 */

export type CaptureToolKind = 'dumpcap' | 'tcpdump';

/** The systems whose fixes differ. */
export type CapturePlatform = 'linux' | 'darwin' | 'win32' | 'other';

export function capturePlatform(nodePlatform: string): CapturePlatform {
  return nodePlatform === 'linux' || nodePlatform === 'darwin' || nodePlatform === 'win32' ? nodePlatform : 'other';
}

export interface CaptureInterfaceEntry {
  /** What the tool takes after -i. */
  name: string;
  /** The tool's friendly name or description ("Loopback", "Ethernet 2"), or "". */
  description: string;
  /** For a picker: "lo (Loopback)", "\Device\NPF_{…} (Ethernet 2)". */
  label: string;
  loopback: boolean;
}

/**
 * An interface list as `dumpcap -D -M`, `dumpcap -D` or `tcpdump -D` prints it, loopback
 * first and otherwise in the tool's order.
 *
 *   dumpcap -D -M:  "3. lo<TAB><TAB>Loopback<TAB>0<TAB>127.0.0.1,::1<TAB>loopback<TAB>"
 *   dumpcap -D:     "3. lo (Loopback)"
 *   tcpdump -D:     "3.lo [Up, Running, Loopback]", "2.any (Pseudo-device that captures on all interfaces) [Up, Running]"
 */
export function parseInterfaceList(text: string): CaptureInterfaceEntry[] {
  const out: CaptureInterfaceEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.slice(0, 4096);
    const m = /^\s*\d+\.\s?(.*)$/.exec(line);
    if (!m) continue;
    const rest = m[1]!;
    let name: string;
    let description = '';
    let loopback = false;
    if (rest.includes('\t')) {
      // Machine-readable: name, vendor description, friendly name, type, addresses, loopback|network.
      const f = rest.split('\t');
      name = f[0]!.trim();
      description = (f[2] ?? '').trim() || (f[1] ?? '').trim();
      loopback = (f[5] ?? '').trim() === 'loopback';
    } else {
      const flags = /\s\[([^\]]*)\]\s*$/.exec(rest);
      const body = flags ? rest.slice(0, flags.index) : rest;
      if (flags) loopback = flags[1]!.split(',').some((s) => s.trim().toLowerCase() === 'loopback');
      const desc = /^(\S+)\s+\((.*)\)\s*$/.exec(body);
      name = (desc ? desc[1]! : body).trim();
      description = desc ? desc[2]!.trim() : '';
    }
    if (!name) continue;
    // Linux lo, macOS lo0, Npcap's \Device\NPF_Loopback, or a tool that calls it so.
    if (/^lo\d*$/.test(name) || /NPF_Loopback$/i.test(name) || /\bloopback\b/i.test(description)) loopback = true;
    out.push({ name, description, label: description && description !== name ? `${name} (${description})` : name, loopback });
  }
  return [...out.filter((i) => i.loopback), ...out.filter((i) => !i.loopback)];
}

/** The loopback interface's usual name, for when the tool cannot list them. */
export function defaultLoopback(platform: CapturePlatform): string {
  return platform === 'darwin' ? 'lo0' : platform === 'win32' ? '\\Device\\NPF_Loopback' : 'lo';
}

/**
 * The tool's line saying it opened the interface: tcpdump's "listening on lo, link-type …",
 * dumpcap's "Capturing on 'Loopback: lo'". dumpcap prints its line before it opens the
 * device, so it counts together with the capture's header arriving (see captureTool.ts).
 */
export function isAttachedLine(kind: CaptureToolKind, line: string): boolean {
  return kind === 'tcpdump' ? /^(tcpdump: )?listening on /.test(line) : /^Capturing on /.test(line);
}

/** The tool's own count of packets written, from what it printed on stopping; null if none. */
export function capturedCount(kind: CaptureToolKind, stderr: string): number | null {
  const re = kind === 'tcpdump' ? /^(\d+) packets? captured\s*$/gm : /Packets captured: (\d+)/g;
  let last: number | null = null;
  for (let m = re.exec(stderr); m; m = re.exec(stderr)) last = Number(m[1]);
  return last;
}

export type CaptureFailureKind =
  /** No capture tool on PATH, or the one named does not exist. */
  | 'not-installed'
  /** The tool runs but may not capture (root, CAP_NET_RAW, /dev/bpf*, Npcap for admins). */
  | 'no-permission'
  /** Windows: the packet driver (Npcap) is missing. */
  | 'no-driver'
  /** No interface of that name (or it is down). */
  | 'no-interface'
  /** The capture filter does not compile. */
  | 'bad-filter'
  /** The tool neither attached nor failed in time. */
  | 'no-start'
  /** Anything else: the tool's own words say what. */
  | 'failed';

export interface CaptureFailure {
  kind: CaptureFailureKind;
  /** The tool's path (or its name when none was found). */
  tool: string;
  iface?: string;
  filter?: string;
  /** What the tool itself said (its error lines), unescaped: it is data. */
  detail: string;
}

/**
 * Why a tool failed, from what it printed (and the error of starting it, e.g. ENOENT). The
 * checks run from the most specific cause: a device that cannot be opened for lack of rights
 * is a permission problem even though the message names the device.
 */
export function classifyFailure(stderr: string, spawnError?: string): CaptureFailureKind {
  if (spawnError === 'ENOENT') return 'not-installed';
  const s = stderr;
  if (/npcap|winpcap|wpcap\.dll|packet\.dll/i.test(s) && /not (installed|found|loaded)|unable to load|couldn't load|could not load/i.test(s)) return 'no-driver';
  if (/permission|operation not permitted|\bEPERM\b|\bEACCES\b|access denied|must be root|superuser|insufficient privileges/i.test(s)) return 'no-permission';
  if (/invalid capture filter|isn't a valid capture filter|filter expression|syntax error|unknown (host|port|protocol|network|ether host)|illegal (token|qualifier|port|character)|not a valid (filter|expression)/i.test(s)) return 'bad-filter';
  if (/no such device|no device named|there is no device|device not configured|no such interface|is not up|doesn't exist|does not exist|no interfaces? (found|available)|interface .* not found/i.test(s)) return 'no-interface';
  return 'failed';
}

/** The tool's error lines, without its progress chatter; bounded (it is shown to the user). */
export function failureDetail(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !/^(tcpdump: )?listening on |^Capturing on |^File: |^Packets( captured)?: |^Running as user /.test(l));
  const text = lines.slice(0, 4).join(' ');
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

const EN = {
  'not-installed': {
    reason: 'Nothing here can capture packets: neither dumpcap (Wireshark\'s capture program) nor tcpdump was found on PATH.',
    reasonAt: 'The capture tool {tool} does not exist or cannot be run.',
    linux: 'Install one: `sudo apt install tshark` (Debian, Ubuntu: brings dumpcap), `sudo dnf install wireshark-cli` (Fedora) or `sudo apt install tcpdump`; or name the tool with {toolOption}.',
    darwin: 'tcpdump comes with macOS (/usr/sbin/tcpdump); Wireshark from https://www.wireshark.org brings dumpcap. Or name the tool with {toolOption}.',
    win32: 'Install Wireshark with Npcap from https://www.wireshark.org (dumpcap.exe goes to C:\\Program Files\\Wireshark), or capture inside WSL, where `sudo apt install tcpdump` works as on Linux. Or name the tool with {toolOption}.',
    other: 'Install Wireshark (dumpcap) or tcpdump, or name the tool with {toolOption}.',
  },
  'no-permission': {
    reason: '{tool} is not allowed to capture on {iface}: capturing packets needs rights an ordinary program does not have.',
    linux: 'Let dumpcap capture without root, once: `sudo dpkg-reconfigure wireshark-common` (answer Yes), `sudo usermod -aG wireshark $USER`, then log out and back in. Or give the tool the capability: `sudo setcap cap_net_raw,cap_net_admin=eip {tool}`. TCP Explainer never runs sudo itself.',
    darwin: 'Install ChmodBPF (the Wireshark installer offers it, or open "Install ChmodBPF.pkg" in its disk image): it lets the access_bpf group read /dev/bpf*. Then log out and back in. TCP Explainer never runs sudo itself.',
    win32: 'Npcap may be limited to administrators: reinstall Npcap without "Restrict Npcap driver\'s access to Administrators only". Or capture inside WSL, as root.',
    other: 'Capture with the rights your system asks for. TCP Explainer never runs sudo itself.',
  },
  'no-driver': {
    reason: '{tool} cannot find the packet capture driver (Npcap).',
    linux: 'Install libpcap with your package manager (it comes with tcpdump and Wireshark).',
    darwin: 'Reinstall Wireshark from https://www.wireshark.org.',
    win32: 'Install Npcap from https://npcap.com (the Wireshark installer offers it), with "Support loopback traffic" checked to capture on loopback. Or capture inside WSL.',
    other: 'Install libpcap (or Npcap on Windows).',
  },
  'no-interface': {
    reason: 'There is no interface named "{iface}" to capture on (or it is down).',
    all: 'Pick one that {tool} lists: {list}.',
  },
  'bad-filter': {
    reason: 'The capture filter "{filter}" is not valid: {detail}',
    all: 'A capture filter is in tcpdump\'s language (pcap-filter): `tcp port 4000`, `host 127.0.0.1 and tcp`, `tcp port 80 or tcp port 443`. Wireshark\'s display filters such as `tcp.port == 4000` do not work here.',
  },
  'no-start': {
    reason: '{tool} did not start capturing within {seconds} s, so it was stopped.',
    all: 'Try it by hand to see what it waits for: {command}',
  },
  failed: {
    reason: '{tool} could not capture: {detail}',
    all: '',
  },
};

type Words = typeof EN;

const ZH: Words = {
  'not-installed': {
    reason: '这里没有能抓包的程序：在 PATH 中既找不到 dumpcap（Wireshark 的抓包程序），也找不到 tcpdump。',
    reasonAt: '抓包程序 {tool} 不存在或无法运行。',
    linux: '安装其中一个：`sudo apt install tshark`（Debian、Ubuntu，会带上 dumpcap）、`sudo dnf install wireshark-cli`（Fedora）或 `sudo apt install tcpdump`；也可以用 {toolOption} 指定程序。',
    darwin: 'macOS 自带 tcpdump（/usr/sbin/tcpdump）；从 https://www.wireshark.org 安装 Wireshark 会带上 dumpcap。也可以用 {toolOption} 指定程序。',
    win32: '从 https://www.wireshark.org 安装带 Npcap 的 Wireshark（dumpcap.exe 位于 C:\\Program Files\\Wireshark），或者在 WSL 中抓包，那里可以像 Linux 一样 `sudo apt install tcpdump`。也可以用 {toolOption} 指定程序。',
    other: '安装 Wireshark（dumpcap）或 tcpdump，或者用 {toolOption} 指定程序。',
  },
  'no-permission': {
    reason: '{tool} 没有在 {iface} 上抓包的权限：抓包需要普通程序没有的权限。',
    linux: '让 dumpcap 无需 root 即可抓包（只需一次）：`sudo dpkg-reconfigure wireshark-common`（选择“是”），`sudo usermod -aG wireshark $USER`，然后注销并重新登录。或者给该程序授予能力：`sudo setcap cap_net_raw,cap_net_admin=eip {tool}`。TCP Explainer 自己从不运行 sudo。',
    darwin: '安装 ChmodBPF（Wireshark 安装程序会提供，或打开其磁盘映像中的“Install ChmodBPF.pkg”）：它让 access_bpf 组可以读取 /dev/bpf*。然后注销并重新登录。TCP Explainer 自己从不运行 sudo。',
    win32: 'Npcap 可能被限制为只允许管理员使用：重新安装 Npcap，不要勾选“Restrict Npcap driver\'s access to Administrators only”。或者在 WSL 中以 root 抓包。',
    other: '请以系统要求的权限抓包。TCP Explainer 自己从不运行 sudo。',
  },
  'no-driver': {
    reason: '{tool} 找不到抓包驱动（Npcap）。',
    linux: '用包管理器安装 libpcap（tcpdump 和 Wireshark 都会带上它）。',
    darwin: '从 https://www.wireshark.org 重新安装 Wireshark。',
    win32: '从 https://npcap.com 安装 Npcap（Wireshark 安装程序也会提供），要在回环接口上抓包请勾选“Support loopback traffic”。或者在 WSL 中抓包。',
    other: '安装 libpcap（Windows 上是 Npcap）。',
  },
  'no-interface': {
    reason: '没有名为“{iface}”的接口可以抓包（或者它没有启用）。',
    all: '请从 {tool} 列出的接口中选择一个：{list}。',
  },
  'bad-filter': {
    reason: '抓包过滤器“{filter}”无效：{detail}',
    all: '抓包过滤器使用 tcpdump 的语法（pcap-filter）：`tcp port 4000`、`host 127.0.0.1 and tcp`、`tcp port 80 or tcp port 443`。Wireshark 的显示过滤器（如 `tcp.port == 4000`）在这里不能用。',
  },
  'no-start': {
    reason: '{tool} 在 {seconds} 秒内没有开始抓包，已被停止。',
    all: '手动运行它，看看它在等什么：{command}',
  },
  failed: {
    reason: '{tool} 无法抓包：{detail}',
    all: '',
  },
};

/** The failure words, for tests that check both languages have every one. */
export const CAPTURE_FAILURE_TEXTS = { en: EN, 'zh-cn': ZH };

export interface FailureVars {
  platform: CapturePlatform;
  /** How the user names a tool: "--tool PATH", "the tcpExplainer.captureTool setting". */
  toolOption: string;
  /** The interfaces the tool lists, for a wrong name. */
  interfaces?: string[];
  /** The command line that was run, for a tool that never started. */
  command?: string;
  seconds?: number;
  /** True when the tool was named explicitly (not looked up on PATH). */
  explicit?: boolean;
}

/** Why the capture cannot run, and how to fix it here, in `lang`. Values are not escaped: the caller escapes for its place. */
export function describeFailure(f: CaptureFailure, lang: Lang, v: FailureVars): { reason: string; fix: string } {
  const w = (lang === 'zh-cn' ? ZH : EN)[f.kind];
  const vars: Record<string, string | number> = {
    tool: f.tool,
    iface: f.iface ?? '',
    filter: f.filter ?? '',
    detail: f.detail,
    toolOption: v.toolOption,
    list: (v.interfaces ?? []).join(', ') || `${f.tool} -D`,
    command: v.command ?? f.tool,
    seconds: v.seconds ?? 0,
  };
  const reason = f.kind === 'not-installed' && v.explicit ? (w as Words['not-installed']).reasonAt : w.reason;
  const fix = 'all' in w ? w.all : (w as Record<CapturePlatform, string>)[v.platform];
  return { reason: fill(reason, vars), fix: fill(fix, vars) };
}
