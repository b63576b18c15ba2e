import { TH_ACK, TH_AE, TH_CWR, TH_ECE, TH_FIN, TH_PUSH, TH_RST, TH_SYN, TH_URG } from '../tcp/analysis';

/**
 * Capture text: the one-line output of `tcpdump -nn` (with -t/-tt/-tttt/-v/-S/-i any) and of
 * `tshark` (default columns), read back into segments. Each line keeps where its words are
 * (tokens), for highlighting checks and hovers. Numbers are kept as printed; rebuild.ts works
 * out the raw ones.
 */

export type TextFormat = 'tcpdump' | 'tshark';

export type TokenKind =
  | 'frame'
  | 'time'
  | 'address'
  | 'port'
  | 'flags'
  | 'seq'
  | 'ack'
  | 'win'
  | 'len'
  | 'mss'
  | 'wscale'
  | 'sackOK'
  | 'sack'
  | 'tsval'
  | 'tsecr'
  | 'tfo'
  | 'analysis'
  | 'protocol';

export interface TextToken {
  kind: TokenKind;
  /** Line (0-based) and columns [start, end) of the token's text. */
  line: number;
  start: number;
  end: number;
  text: string;
}

export interface TextTime {
  /** clock: time of day (tcpdump default), date: -tttt, epoch: -tt, relative: tshark's seconds since the first packet. */
  kind: 'clock' | 'date' | 'epoch' | 'relative';
  /** Seconds (since midnight, since the epoch, or since the first packet) with the printed digits. */
  sec: number;
  nsec: number;
}

export interface TextEndpoint {
  address: string;
  port: number;
}

export interface TextSegment {
  format: TextFormat;
  /** First line of the packet (a tcpdump -v packet takes two). */
  line: number;
  /** tshark's frame number; tcpdump lines are numbered by the caller. */
  frame: number | null;
  time: TextTime | null;
  /** tshark's frame length (link and IP headers included). */
  frameLen: number | null;
  ipv6: boolean;
  src: TextEndpoint;
  dst: TextEndpoint;
  flags: number;
  /** As printed: tcpdump's "seq 1:79" gives seq 1 (and end 79); tshark's Seq=. null when not printed. */
  seq: number | null;
  seqEnd: number | null;
  ack: number | null;
  win: number | null;
  /** Payload bytes (tcpdump "length", tshark "Len"). */
  len: number;
  mss: number | null;
  /** tcpdump "wscale 10" is the shift; tshark "WS=1024" the multiplier: both kept as the shift. */
  wsShift: number | null;
  sackPerm: boolean;
  sack: Array<[number, number]>;
  tsval: number | null;
  tsecr: number | null;
  tfo: 'request' | 'cookie' | null;
  /** tshark's expert markers, as tcp.analysis names (retransmission, duplicate_ack...). */
  analysis: string[];
  tokens: TextToken[];
}

/** A line that is a packet but not one we can rebuild (ARP, UDP, an HTTP line of tshark). */
export interface OtherPacket {
  format: TextFormat;
  line: number;
  frame: number | null;
  time: TextTime | null;
  /** tshark's Source and Destination (addresses, or MACs for ARP); tcpdump's are not parsed. */
  src: string | null;
  dst: string | null;
  protocol: string;
  /** tshark's frame length. */
  frameLen: number | null;
  /** tshark's Info column. */
  info: string;
  text: string;
}

export type TextPacket = ({ kind: 'tcp' } & TextSegment) | ({ kind: 'other' } & OtherPacket);

export interface ParsedText {
  format: TextFormat | null;
  packets: TextPacket[];
  /** Per line: the packet index it belongs to, or -1 (headers, blank lines, continuation noise). */
  lineToPacket: Int32Array;
  /** Lines longer than MAX_LINE_CHARS, read up to that length. */
  longLines: number;
}

const TCPDUMP_FLAGS: Record<string, number> = {
  F: TH_FIN,
  S: TH_SYN,
  R: TH_RST,
  P: TH_PUSH,
  '.': TH_ACK,
  U: TH_URG,
  E: TH_ECE,
  W: TH_CWR,
  e: TH_AE,
};

const TSHARK_FLAGS: Record<string, number> = {
  FIN: TH_FIN,
  SYN: TH_SYN,
  RST: TH_RST,
  PSH: TH_PUSH,
  ACK: TH_ACK,
  URG: TH_URG,
  ECE: TH_ECE,
  CWR: TH_CWR,
  AE: TH_AE,
  NS: TH_AE,
};

/** tshark's "Name=number" fields that are one number of the segment, and the token each makes. */
const TSHARK_NUMBER_FIELDS: Record<string, 'seq' | 'ack' | 'win' | 'len' | 'mss' | 'tsval' | 'tsecr'> = {
  Seq: 'seq',
  Ack: 'ack',
  Win: 'win',
  Len: 'len',
  MSS: 'mss',
  TSval: 'tsval',
  TSecr: 'tsecr',
};

/** tshark's expert markers and the tcp.analysis names they stand for. */
const TSHARK_ANALYSIS: Array<[RegExp, string[]]> = [
  [/^TCP Retransmission$/, ['retransmission']],
  [/^TCP Fast Retransmission$/, ['retransmission', 'fast_retransmission']],
  [/^TCP Spurious Retransmission$/, ['retransmission', 'spurious_retransmission']],
  [/^TCP Out-Of-Order$/, ['out_of_order']],
  [/^TCP Previous segment not captured$/, ['lost_segment']],
  [/^TCP ACKed unseen segment$/, ['ack_lost_segment']],
  [/^TCP Window Update$/, ['window_update']],
  [/^TCP Window Full$/, ['window_full']],
  [/^TCP Keep-Alive$/, ['keep_alive']],
  [/^TCP Keep-Alive ACK$/, ['keep_alive_ack']],
  [/^TCP Dup ACK \d+#\d+$/, ['duplicate_ack']],
  [/^TCP ZeroWindowProbe$/, ['zero_window_probe']],
  [/^TCP ZeroWindow$/, ['zero_window']],
  [/^TCP ZeroWindowProbeAck$/, ['zero_window_probe_ack']],
  [/^TCP Port numbers reused$/, ['reused_ports']],
];

export function tsharkAnalysisNames(marker: string): string[] | null {
  for (const [re, names] of TSHARK_ANALYSIS) if (re.test(marker)) return names;
  return null;
}

// A time at the start of a tcpdump line: -tttt date and clock, clock (default, also -ttt/-ttttt deltas), or -tt epoch.
const TCPDUMP_TIME = /^(?:(\d{4})-(\d{2})-(\d{2}) )?(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\b|^(\d{9,11})\.(\d{1,9})\b/;
/**
 * Lines longer than this are read up to it (a real tcpdump or tshark packet line is a few
 * hundred characters; the fields this parser reads come first). Every pattern below is anchored
 * or bounded, so a line costs time linear in its length: a listing is data from strangers.
 */
export const MAX_LINE_CHARS = 4096;
/** An address and port as tcpdump prints them: "127.0.0.1.53416", "::1.4000". */
const TCPDUMP_ENDPOINT = /^([0-9A-Fa-f:.]{1,45})\.(\d{1,5})$/;
const TCPDUMP_IP = /^(?:(?:\S+)\s+(?:In|Out|M|B|P)\s+)?(IP6?)\b/;
// A tshark line: "    1   0.000000    127.0.0.1 → 127.0.0.1    TCP 74 53416 → 4000 [SYN] Seq=0 ...".
const TSHARK_LINE = /^\s*(?<no>\d+)\s+(?<time>-?\d+\.\d+)\s+(?<src>\S+)\s+(?:→|->)\s+(?<dst>\S+)\s+(?<proto>\S+)\s+(?<flen>\d+)\s?(?<info>.*)$/;
const TSHARK_TCP_INFO = /^(?<pre>(?:\[[^\]]*\]\s+)*)(?<sport>\d{1,5})\s+(?:→|->)\s+(?<dport>\d{1,5})\s+\[(?<flags>[A-Z, ]*)\]\s*(?<fields>.*)$/;

/** tcpdump's TCP part, "127.0.0.1.53416 > 127.0.0.1.4000: Flags [S.]", found by its fixed words, not by a scanning pattern. */
interface TcpdumpTcp {
  /** Where the source address starts. */
  index: number;
  /** Just after the closing bracket of the flags. */
  end: number;
  src: string;
  sport: string;
  dst: string;
  dport: string;
  flags: string;
}

function findTcpdumpTcp(text: string): TcpdumpTcp | null {
  const flagsWord = text.indexOf(': Flags [');
  if (flagsWord < 0) return null;
  const close = text.indexOf(']', flagsWord + 9);
  if (close < 0 || close - flagsWord > 32) return null;
  const gt = text.lastIndexOf(' > ', flagsWord);
  if (gt < 0) return null;
  const dst = TCPDUMP_ENDPOINT.exec(text.slice(gt + 3, flagsWord));
  const index = text.lastIndexOf(' ', gt - 1) + 1;
  const src = TCPDUMP_ENDPOINT.exec(text.slice(index, gt));
  if (!src || !dst) return null;
  return { index, end: close + 1, src: src[1]!, sport: src[2]!, dst: dst[1]!, dport: dst[2]!, flags: text.slice(flagsWord + 9, close) };
}

/** tcpdump's ", name value" fields, each read where a ", " starts (the first of each kind counts). */
const TCPDUMP_FIELD = /(seq|ack|win|length) (\d{1,15})(?::(\d{1,15}))?(?!\d)/y;

function digitsToNs(frac: string | undefined): number {
  if (!frac) return 0;
  return Number((frac + '000000000').slice(0, 9));
}

function tcpdumpTime(m: RegExpExecArray): TextTime {
  if (m[8] !== undefined) return { kind: 'epoch', sec: Number(m[8]), nsec: digitsToNs(m[9]) };
  const sec = Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]);
  if (m[1] !== undefined) {
    const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000;
    return { kind: 'date', sec: day + sec, nsec: digitsToNs(m[7]) };
  }
  return { kind: 'clock', sec, nsec: digitsToNs(m[7]) };
}

/** A segment with nothing known yet but where it is. */
export function emptySegment(format: TextFormat, line: number): TextSegment {
  return {
    format,
    line,
    frame: null,
    time: null,
    frameLen: null,
    ipv6: false,
    src: { address: '', port: 0 },
    dst: { address: '', port: 0 },
    flags: 0,
    seq: null,
    seqEnd: null,
    ack: null,
    win: null,
    len: 0,
    mss: null,
    wsShift: null,
    sackPerm: false,
    sack: [],
    tsval: null,
    tsecr: null,
    tfo: null,
    analysis: [],
    tokens: [],
  };
}

/** Tokens for every regex match of `re` in `text` (offset `base` on line `line`), group 1 as the token. */
function addToken(seg: TextSegment, kind: TokenKind, line: number, start: number, text: string): void {
  seg.tokens.push({ kind, line, start, end: start + text.length, text });
}

/** The fields after tcpdump's "Flags [..]": ", seq 1:79, ack 1, win 512, options [...], length 78". */
function tcpdumpFields(seg: TextSegment, text: string, line: number, base: number): void {
  const seen = new Set<string>();
  let options: { at: number; body: string } | null = null;
  for (let k = text.indexOf(', '); k >= 0; k = text.indexOf(', ', k + 2)) {
    if (!options && text.startsWith('options [', k + 2)) {
      const close = text.indexOf(']', k + 11);
      if (close < 0) break;
      options = { at: k + 11, body: text.slice(k + 11, close) };
      k = close - 1;
      continue;
    }
    TCPDUMP_FIELD.lastIndex = k + 2;
    const f = TCPDUMP_FIELD.exec(text);
    if (!f || seen.has(f[1]!)) continue;
    seen.add(f[1]!);
    const start = base + k + 2;
    switch (f[1]) {
      case 'seq':
        seg.seq = Number(f[2]);
        if (f[3] !== undefined) seg.seqEnd = Number(f[3]);
        addToken(seg, 'seq', line, start, f[0]);
        break;
      case 'ack':
        seg.ack = Number(f[2]);
        addToken(seg, 'ack', line, start, f[0]);
        break;
      case 'win':
        seg.win = Number(f[2]);
        addToken(seg, 'win', line, start, f[0]);
        break;
      case 'length':
        seg.len = Number(f[2]);
        addToken(seg, 'len', line, start, f[0]);
        break;
    }
  }
  if (options) {
    let at = base + options.at;
    for (const part of options.body.split(',')) {
      const p = part.trim();
      const lead = part.length - part.trimStart().length;
      const start = at + lead;
      let m: RegExpExecArray | null;
      if ((m = /^mss (\d+)$/.exec(p))) {
        seg.mss = Number(m[1]);
        addToken(seg, 'mss', line, start, p);
      } else if ((m = /^wscale (\d+)$/.exec(p))) {
        seg.wsShift = Number(m[1]);
        addToken(seg, 'wscale', line, start, p);
      } else if (p === 'sackOK') {
        seg.sackPerm = true;
        addToken(seg, 'sackOK', line, start, p);
      } else if ((m = /^TS val (\d+) ecr (\d+)$/.exec(p))) {
        seg.tsval = Number(m[1]);
        seg.tsecr = Number(m[2]);
        addToken(seg, 'tsval', line, start, `TS val ${m[1]}`);
        addToken(seg, 'tsecr', line, start + p.indexOf(' ecr ') + 1, `ecr ${m[2]}`);
      } else if ((m = /^sack \d+ ((?:\{\d+:\d+\})+)$/.exec(p))) {
        for (const b of m[1]!.matchAll(/\{(\d+):(\d+)\}/g)) seg.sack.push([Number(b[1]), Number(b[2])]);
        addToken(seg, 'sack', line, start, p);
      } else if ((m = /^tfo\s+(cookiereq|cookie\s+[0-9a-f]+)/.exec(p))) {
        seg.tfo = m[1] === 'cookiereq' ? 'request' : 'cookie';
        addToken(seg, 'tfo', line, start, p);
      }
      at += part.length + 1;
    }
  }
}

function parseTcpdump(lines: string[], i: number): { packet: TextPacket; lines: number } | null {
  const text = lines[i]!;
  const t = TCPDUMP_TIME.exec(text);
  const afterTime = t ? t[0].length + 1 : 0;
  const rest = text.slice(afterTime);
  const ip = TCPDUMP_IP.exec(rest);
  if (!t && !ip) return null;
  const time = t ? tcpdumpTime(t) : null;
  // -v: "IP (tos 0x0, ...)" then an indented line with the addresses and the TCP fields.
  let tcpLine = i;
  let tcpText = text;
  let m = findTcpdumpTcp(text);
  if (!m && ip && /^\s/.test(lines[i + 1] ?? '')) {
    const next = findTcpdumpTcp(lines[i + 1]!);
    if (next && /^\s+$/.test(lines[i + 1]!.slice(0, next.index))) {
      tcpLine = i + 1;
      tcpText = lines[i + 1]!;
      m = next;
    }
  }
  if (!m || !ip) {
    const protocol = ip ? ip[1]! : (/^\s*([A-Za-z0-9]{1,32})/.exec(rest)?.[1] ?? 'unknown');
    return { packet: { kind: 'other', format: 'tcpdump', line: i, frame: null, time, src: null, dst: null, protocol, frameLen: null, info: '', text }, lines: 1 };
  }
  const seg = emptySegment('tcpdump', i);
  seg.time = time;
  if (t) addToken(seg, 'time', i, 0, t[0]);
  seg.ipv6 = ip[1] === 'IP6';
  seg.src = { address: m.src, port: Number(m.sport) };
  seg.dst = { address: m.dst, port: Number(m.dport) };
  const at = m.index;
  addToken(seg, 'address', tcpLine, at, m.src);
  addToken(seg, 'port', tcpLine, at + m.src.length + 1, m.sport);
  const dstAt = at + m.src.length + 1 + m.sport.length + 3;
  addToken(seg, 'address', tcpLine, dstAt, m.dst);
  addToken(seg, 'port', tcpLine, dstAt + m.dst.length + 1, m.dport);
  for (const c of m.flags) {
    const bit = TCPDUMP_FLAGS[c];
    if (bit === undefined) return null;
    seg.flags |= bit;
  }
  addToken(seg, 'flags', tcpLine, m.end - m.flags.length - 1 - 'Flags ['.length, `Flags [${m.flags}]`);
  tcpdumpFields(seg, tcpText.slice(m.end), tcpLine, m.end);
  return { packet: { kind: 'tcp', ...seg }, lines: tcpLine - i + 1 };
}

function parseTshark(text: string, i: number): TextPacket | null {
  const m = TSHARK_LINE.exec(text);
  if (!m) return null;
  const g = m.groups!;
  const [sec, frac] = g['time']!.split('.');
  const time: TextTime = { kind: 'relative', sec: Number(sec), nsec: digitsToNs(frac) };
  const frame = Number(g['no']);
  const info = g['info']!;
  const infoAt = text.length - info.length;
  const tcp = g['proto'] === 'TCP' ? TSHARK_TCP_INFO.exec(info) : null;
  if (!tcp) {
    return {
      kind: 'other',
      format: 'tshark',
      line: i,
      frame,
      time,
      src: g['src']!,
      dst: g['dst']!,
      protocol: g['proto']!,
      frameLen: Number(g['flen']),
      info,
      text,
    };
  }
  const seg = emptySegment('tshark', i);
  seg.frame = frame;
  seg.time = time;
  seg.frameLen = Number(g['flen']);
  const noAt = text.indexOf(g['no']!);
  addToken(seg, 'frame', i, noAt, g['no']!);
  const timeAt = text.indexOf(g['time']!, noAt + g['no']!.length);
  addToken(seg, 'time', i, timeAt, g['time']!);
  const srcAt = text.indexOf(g['src']!, timeAt + g['time']!.length);
  addToken(seg, 'address', i, srcAt, g['src']!);
  const dstAt = text.indexOf(g['dst']!, srcAt + g['src']!.length + 2);
  addToken(seg, 'address', i, dstAt, g['dst']!);
  addToken(seg, 'protocol', i, text.indexOf('TCP', dstAt + g['dst']!.length), 'TCP');
  seg.ipv6 = g['src']!.includes(':');
  const t = tcp.groups!;
  seg.src = { address: g['src']!, port: Number(t['sport']) };
  seg.dst = { address: g['dst']!, port: Number(t['dport']) };
  // Expert markers before the ports, and more at the end ("[TCP segment of a reassembled PDU]").
  for (let open = info.indexOf('[TCP '); open >= 0; ) {
    const close = info.indexOf(']', open);
    if (close < 0) break;
    const marker = info.slice(open + 1, close);
    // A marker holds no '[' (then the bracket that opened it was not the marker's own).
    const inner = marker.lastIndexOf('[');
    if (inner >= 0) {
      open = info.indexOf('[TCP ', open + 1 + inner);
      continue;
    }
    const names = tsharkAnalysisNames(marker);
    if (names) seg.analysis.push(...names);
    addToken(seg, 'analysis', i, infoAt + open, `[${marker}]`);
    open = info.indexOf('[TCP ', close);
  }
  const portsAt = infoAt + t['pre']!.length;
  addToken(seg, 'port', i, portsAt, t['sport']!);
  addToken(seg, 'port', i, info.indexOf(t['dport']!, t['pre']!.length + t['sport']!.length) + infoAt, t['dport']!);
  const flagsText = `[${t['flags']}]`;
  const flagsAt = infoAt + info.indexOf(flagsText, t['pre']!.length);
  addToken(seg, 'flags', i, flagsAt, flagsText);
  for (const name of t['flags']!.split(',').map((x) => x.trim()).filter(Boolean)) {
    const bit = Object.hasOwn(TSHARK_FLAGS, name) ? TSHARK_FLAGS[name] : undefined;
    if (bit === undefined) return null;
    seg.flags |= bit;
  }
  const fields = t['fields']!;
  const fieldsAt = text.length - fields.length;
  for (const f of fields.matchAll(/(?<=^|\s)(Seq|Ack|Win|Len|MSS|WS|TSval|TSecr|SLE|SRE|TFO)=(\S+)|(?<=^|\s)SACK_PERM(?=\s|$)/g)) {
    const start = fieldsAt + f.index!;
    if (f[0] === 'SACK_PERM') {
      seg.sackPerm = true;
      addToken(seg, 'sackOK', i, start, f[0]);
      continue;
    }
    const v = f[2]!;
    // A field's value is digits (TFO's is R or a cookie); anything else is not tshark's, and is left unread.
    if (f[1] === 'TFO' ? !/^(?:R|C|[0-9a-fA-F]{1,64})$/.test(v) : !/^\d{1,15}$/.test(v)) continue;
    const n = Number(v);
    const plain = TSHARK_NUMBER_FIELDS[f[1]!];
    if (plain) {
      seg[plain] = n;
      addToken(seg, plain, i, start, f[0]);
      continue;
    }
    switch (f[1]) {
      case 'WS':
        // WS=1024 is the multiplier 2^shift.
        seg.wsShift = Number.isInteger(Math.log2(n)) ? Math.log2(n) : null;
        addToken(seg, 'wscale', i, start, f[0]);
        break;
      case 'SLE':
        seg.sack.push([n, n]);
        addToken(seg, 'sack', i, start, f[0]);
        break;
      case 'SRE': {
        const last = seg.sack[seg.sack.length - 1];
        if (last) last[1] = n;
        addToken(seg, 'sack', i, start, f[0]);
        break;
      }
      case 'TFO':
        seg.tfo = v === 'R' ? 'request' : 'cookie';
        addToken(seg, 'tfo', i, start, f[0]);
        break;
    }
  }
  return { kind: 'tcp', ...seg };
}

/** The text's lines, each cut at MAX_LINE_CHARS; at most `limit` of them. */
function splitLines(text: string, limit = Infinity): { lines: string[]; longLines: number } {
  const lines: string[] = [];
  let longLines = 0;
  let at = 0;
  while (at <= text.length && lines.length < limit) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    let end = nl > at && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    if (end - at > MAX_LINE_CHARS) {
      longLines++;
      end = at + MAX_LINE_CHARS;
    }
    lines.push(text.slice(at, end));
    at = nl + 1;
  }
  return { lines, longLines };
}

/** How many lines detection looks at for the first packet line. */
const DETECT_LINES = 200;

function detectInLines(lines: string[]): TextFormat | null {
  for (let i = 0; i < lines.length && i < DETECT_LINES; i++) {
    const line = lines[i]!;
    if (!line.trim() || line.startsWith('reading from file ')) continue;
    if (TSHARK_LINE.test(line)) return 'tshark';
    const p = parseTcpdump(lines, i);
    if (p?.packet.kind === 'tcp') return 'tcpdump';
  }
  return null;
}

/** Which tool printed this text, from its first packet-looking line; null when neither. */
export function detectTextFormat(text: string): TextFormat | null {
  return detectInLines(splitLines(text, DETECT_LINES + 1).lines);
}

/** Every packet line of a tcpdump or tshark listing. Lines of neither kind are left out. */
export function parseCaptureText(text: string): ParsedText {
  const { lines, longLines } = splitLines(text);
  const format = detectInLines(lines);
  const packets: TextPacket[] = [];
  const lineToPacket = new Int32Array(lines.length).fill(-1);
  if (!format) return { format, packets, lineToPacket, longLines };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    if (format === 'tshark') {
      const p = parseTshark(line, i);
      if (p) {
        lineToPacket[i] = packets.length;
        packets.push(p);
      }
      continue;
    }
    // A tcpdump packet starts at the left margin; indented lines belong to the one before.
    if (/^\s/.test(line) || line.startsWith('reading from file ')) continue;
    const p = parseTcpdump(lines, i);
    if (!p) continue;
    for (let k = 0; k < p.lines; k++) lineToPacket[i + k] = packets.length;
    packets.push(p.packet);
    i += p.lines - 1;
  }
  return { format, packets, lineToPacket, longLines };
}
