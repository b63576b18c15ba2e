import { AnalysisTerm, Lang, fill, glossary, termMeaning } from '../explain/glossary';
import { describeStep } from '../explain/steps';
import { CaptureIndex, indexCapture } from '../index/captureIndex';
import { TH_SYN } from '../tcp/analysis';
import { LadderRow, buildLadder } from '../tcp/ladder';
import { TextSegment, TextToken } from './parse';
import { markdownText } from '../escape';
import { PLACEHOLDER_PROTOCOL, RebuiltPacket, RebuiltText, rebuildCapture, rebuiltSource } from './rebuild';

/**
 * Capture text understood: the text rebuilt into a capture and indexed, so a hover over any
 * word of a tcpdump or tshark line is answered with the same facts and words as the ladder.
 */
export interface ExplainedText {
  rebuilt: RebuiltText;
  index: CaptureIndex;
  /** Index segment of each rebuilt frame. */
  segmentOfFrame: Map<number, number>;
}

export function explainText(text: string): ExplainedText {
  const rebuilt = rebuildCapture(text);
  const index = indexCapture(() => rebuiltSource(rebuilt));
  index.rawNumbersKnown = !rebuilt.tcp.some((t) => t.synthetic);
  const segmentOfFrame = new Map<number, number>();
  for (let i = 0; i < index.count; i++) segmentOfFrame.set(index.frame[i]!, i);
  return { rebuilt, index, segmentOfFrame };
}

/** Skip reasons of the rebuilt capture that stand for text lines, not for the traffic. */
export function isPlaceholderSkip(reason: string): boolean {
  return reason === `not TCP (IP protocol ${PLACEHOLDER_PROTOCOL})`;
}

export interface TextHover {
  token: TextToken;
  /** Markdown paragraphs. */
  paragraphs: string[];
}

/** The segment a text line belongs to: its packet, its frame in the rebuilt capture, its ladder row. */
export interface LineSegment {
  packet: TextSegment;
  rebuilt: RebuiltPacket;
  stream: number;
  row: LadderRow;
  serverPort: number;
}

export function segmentAtLine(x: ExplainedText, line: number): LineSegment | null {
  const p = x.rebuilt.parsed.lineToPacket[line];
  if (p === undefined || p < 0) return null;
  const packet = x.rebuilt.parsed.packets[p]!;
  if (packet.kind !== 'tcp') return null;
  const frame = x.rebuilt.frameOfPacket[p]!;
  const rebuilt = x.rebuilt.tcp.find((t) => t.packet === p);
  const i = x.segmentOfFrame.get(frame);
  if (!rebuilt || i === undefined) return null;
  const stream = x.index.stream[i]!;
  const segments = x.index.segmentsOf(stream);
  const n = segments.indexOf(i);
  const ladder = buildLadder(x.index, { stream, first: n, count: 1 });
  return { packet, rebuilt, stream, row: ladder.rows[0]!, serverPort: ladder.server.port };
}

const W = {
  en: {
    relativeTcpdump: 'Relative: tcpdump (without -S) counts from the first number it printed for the {whose}, {base}. Raw: {base} + {printed} = {raw}.',
    absoluteTcpdumpSyn: 'tcpdump prints SYNs and other segments without ACK with raw numbers: this is the raw value.',
    absolute: 'Raw (absolute) value, as on the wire.',
    relativeTshark: 'Relative (Wireshark\'s default): the ISN counts as 0. The raw value is not in tshark\'s text; `-o tcp.relative_sequence_numbers:FALSE` prints it.',
    isn: 'This SYN carries the {side}\'s ISN: raw {raw}. Wireshark shows it as Seq=0 (relative).',
    range: 'Bytes {first} to {last} of the {side}\'s stream: {len} bytes (`seq a:b` ends one past the last byte). The {side}\'s next segment starts at {next}.',
    winRaw: 'tcpdump prints the raw 16-bit window field.',
    winScaled: 'Scaled by ×{mult} (window scale {shift}, offered on both SYNs): {bytes} bytes.',
    winUnscaled: 'No window scaling on this connection: {bytes} bytes.',
    winSyn: 'A SYN\'s window is never scaled.',
    winTshark: 'tshark prints the window already scaled (×{mult}): the field on the wire holds {raw}.',
    wsShift: 'Shift {shift}: windows from this side are multiplied by 2^{shift} = {mult}, once both SYNs carry the option.',
    wsPeer: 'The peer\'s SYN {did} carry it, so window scaling is {state} on this connection.',
    did: 'did',
    didNot: 'did not',
    on: 'in use',
    off: 'not in use',
    mss: 'The {side} accepts segments of up to {mss} bytes of data.',
    tsval: 'TSval {val}: the sender\'s timestamp clock. TSecr {ecr}: the last TSval it received from the peer (0 on a first SYN).',
    sackBlock: 'Bytes {left} to {right} arrived beyond the Ack: only what lies before them is missing.',
    endpoint: '{role} of TCP stream {stream} (tshark\'s numbering).',
    client: 'Client',
    server: 'Server',
    frame: 'Frame {frame}: segment {n} of TCP stream {stream}.',
    time: 'Capture time of the packet.',
    step: '**What this segment does:** {text}',
    inferredTfo: 'The text showed this line without its TCP fields; they were rebuilt from the lines around it.',
  },
  'zh-cn': {
    relativeTcpdump: '相对值：tcpdump（未加 -S）从它为{whose}打印的第一个数 {base} 开始计数。原始值：{base} + {printed} = {raw}。',
    absoluteTcpdumpSyn: 'tcpdump 对 SYN 以及其他不带 ACK 的报文段打印原始值：这就是原始值。',
    absolute: '原始（绝对）值，与线路上一致。',
    relativeTshark: '相对值（Wireshark 默认）：ISN 记为 0。tshark 的文本里没有原始值；加 `-o tcp.relative_sequence_numbers:FALSE` 可以打印。',
    isn: '这个 SYN 携带{side}的 ISN：原始值 {raw}。Wireshark 把它显示为 Seq=0（相对值）。',
    range: '{side}数据流的第 {first} 到第 {last} 字节，共 {len} 字节（`seq a:b` 的 b 是最后一个字节的下一个）。{side}的下一个报文段从 {next} 开始。',
    winRaw: 'tcpdump 打印的是原始的 16 位窗口字段。',
    winScaled: '按 ×{mult} 换算（窗口缩放 {shift}，双方 SYN 都提出）：{bytes} 字节。',
    winUnscaled: '这个连接没有窗口缩放：{bytes} 字节。',
    winSyn: 'SYN 的窗口从不缩放。',
    winTshark: 'tshark 打印的窗口已经换算（×{mult}）：线路上的字段值为 {raw}。',
    wsShift: 'shift {shift}：双方 SYN 都带这个选项后，这一方的窗口要乘以 2^{shift} = {mult}。',
    wsPeer: '对方的 SYN {did}携带它，所以这个连接的窗口缩放{state}。',
    did: '',
    didNot: '没有',
    on: '已启用',
    off: '未启用',
    mss: '{side}接收的每个报文段最多 {mss} 字节数据。',
    tsval: 'TSval {val}：发送方的时间戳时钟。TSecr {ecr}：它最近从对方收到的 TSval（第一个 SYN 上为 0）。',
    sackBlock: '第 {left} 到第 {right} 字节已在 Ack 之后收到：只缺它们之前的部分。',
    endpoint: 'TCP 流 {stream} 的{role}（与 tshark 的编号一致）。',
    client: '客户端',
    server: '服务器',
    frame: '帧 {frame}：TCP 流 {stream} 的第 {n} 个报文段。',
    time: '抓到这个包的时间。',
    step: '**这个报文段做了什么：**{text}',
    inferredTfo: '文本里这一行没有 TCP 字段；这些字段是根据前后几行重建的。',
  },
} satisfies Record<Lang, Record<string, string>>;

const FLAG_TERMS: Record<string, string> = { S: 'SYN', '.': 'ACK', F: 'FIN', R: 'RST', P: 'PSH', U: 'URG', E: 'ECE', W: 'CWR', e: 'AE' };

/** What the word under the cursor means, with this line's own numbers and where they come from. */
export function hoverAt(x: ExplainedText, line: number, character: number, lang: Lang = 'en'): TextHover | null {
  const seg = segmentAtLine(x, line);
  if (!seg) return null;
  const token = seg.packet.tokens.find((t) => t.line === line && t.start <= character && character < t.end);
  if (!token) return null;
  const w = W[lang];
  const { packet, rebuilt, row } = seg;
  const sides = { client: lang === 'zh-cn' ? '客户端' : 'client', server: lang === 'zh-cn' ? '服务器' : 'server' };
  const side = row.toServer ? sides.client : sides.server;
  const peer = row.toServer ? sides.server : sides.client;
  const i = x.segmentOfFrame.get(rebuilt.frame)!;
  const out: string[] = [];
  const step = describeStep(row, lang, seg.serverPort);
  const numbersNote = (printed: number | null, raw: number, own: boolean): string | null => {
    if (packet.format === 'tshark') return rebuilt.numbers === 'absolute' ? w.absolute : w.relativeTshark;
    if (rebuilt.numbers === 'relative') {
      const base = own ? rebuilt.senderBase : rebuilt.receiverBase;
      return fill(w.relativeTcpdump, { whose: own ? side : peer, base: base ?? '?', printed: printed ?? '?', raw });
    }
    if (printed !== null && !(packet.flags & 0x010)) return w.absoluteTcpdumpSyn;
    return w.absolute;
  };
  switch (token.kind) {
    case 'flags': {
      const names = packet.format === 'tshark' ? token.text.replace(/[[\]]/g, '').split(/,\s*/) : [...token.text.replace(/^Flags \[|\]$/g, '')].map((c) => (Object.hasOwn(FLAG_TERMS, c) ? FLAG_TERMS[c]! : c));
      // Words of the document are shown as text; only names we know get their glossary entry.
      out.push(`**${names.map(markdownText).join(' + ')}**`);
      for (const n of names) if (Object.values(FLAG_TERMS).includes(n)) out.push(glossary(n as 'SYN', lang));
      out.push(fill(w.step, { text: step.full.split('\n')[0]! }));
      break;
    }
    case 'seq': {
      out.push(`**${markdownText(token.text)}**`);
      if (packet.flags & TH_SYN && packet.format === 'tcpdump' && rebuilt.numbers === 'absolute') out.push(fill(w.isn, { side, raw: rebuilt.seqRaw }));
      else {
        const note = numbersNote(packet.seq, rebuilt.seqRaw, true);
        if (note) out.push(note);
      }
      if (packet.len > 0 && packet.seq !== null) {
        const first = packet.seq;
        out.push(fill(w.range, { first, last: first + packet.len - 1, len: packet.len, side, next: first + packet.len }));
      }
      out.push(glossary(packet.flags & TH_SYN ? 'SYN' : 'Seq', lang));
      break;
    }
    case 'ack': {
      out.push(`**${markdownText(token.text)}**`);
      const note = numbersNote(packet.ack, rebuilt.ackRaw, false);
      if (note) out.push(note);
      out.push(glossary('Ack', lang));
      const where = step.full.split('\n').find((p) => /^Where the Ack comes from|^确认号的来历/.test(p));
      if (where) out.push(where);
      break;
    }
    case 'win': {
      out.push(`**${markdownText(token.text)}**`, glossary('Win', lang));
      const mult = x.index.winScale[i]!;
      if (packet.flags & TH_SYN) out.push(w.winSyn);
      else if (packet.format === 'tcpdump') {
        out.push(w.winRaw);
        out.push(mult > 0 ? fill(w.winScaled, { mult, shift: Math.log2(mult), bytes: x.index.win[i]! }) : fill(w.winUnscaled, { bytes: x.index.win[i]! }));
      } else if (mult > 0) out.push(fill(w.winTshark, { mult, raw: rebuilt.winRaw }));
      else out.push(fill(w.winUnscaled, { bytes: x.index.win[i]! }));
      break;
    }
    case 'len':
      out.push(`**${markdownText(token.text)}**`, glossary('Len', lang));
      break;
    case 'mss':
      out.push(`**${markdownText(token.text)}**`, glossary('MSS', lang), fill(w.mss, { side, mss: packet.mss ?? '?' }));
      break;
    case 'wscale': {
      out.push(`**${markdownText(token.text)}**`, glossary('WS', lang));
      if (packet.wsShift !== null) out.push(fill(w.wsShift, { shift: packet.wsShift, mult: 2 ** packet.wsShift }));
      const both = x.index.segmentsOf(seg.stream).some((k) => x.index.winScale[k]! > 0);
      out.push(fill(w.wsPeer, { did: both ? w.did : w.didNot, state: both ? w.on : w.off }));
      break;
    }
    case 'sackOK':
      out.push(`**${markdownText(token.text)}**`, glossary('SACK_PERM', lang));
      break;
    case 'sack': {
      out.push(`**${markdownText(token.text)}**`, glossary('SACK', lang));
      for (const [left, right] of packet.sack) out.push(fill(w.sackBlock, { left, right: right - 1 }));
      break;
    }
    case 'tsval':
    case 'tsecr':
      out.push(`**${markdownText(token.text)}**`, glossary('TS', lang), fill(w.tsval, { val: packet.tsval ?? '?', ecr: packet.tsecr ?? '?' }));
      break;
    case 'tfo':
      out.push(`**${markdownText(token.text)}**`, glossary('TFO', lang));
      break;
    case 'analysis': {
      out.push(`**${markdownText(token.text)}**`);
      const names = packet.analysis.length ? packet.analysis : row.analysis;
      for (const a of new Set(names)) out.push(termMeaning(a as AnalysisTerm, lang));
      break;
    }
    case 'address':
    case 'port': {
      const isClient = token.kind === 'port' ? Number(token.text) === (row.toServer ? packet.src.port : packet.dst.port) : null;
      const role = isClient === null ? `${w.client} / ${w.server}` : isClient ? w.client : w.server;
      out.push(`**${markdownText(token.text)}**`, fill(w.endpoint, { role, stream: seg.stream }));
      break;
    }
    case 'frame':
      out.push(fill(w.frame, { frame: rebuilt.frame, n: row.n + 1, stream: seg.stream }));
      break;
    case 'time':
      out.push(w.time);
      break;
    case 'protocol':
      out.push(fill(w.step, { text: step.full.split('\n')[0]! }));
      break;
  }
  if (rebuilt.inferred) out.push(w.inferredTfo);
  return { token, paragraphs: out };
}
