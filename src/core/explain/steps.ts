import { CaptureIndex } from '../index/captureIndex';
import { TH_ACK, TH_FIN, TH_RST, TH_SYN } from '../tcp/analysis';
import { SideState, StateTrace } from '../tcp/states';
import { AnalysisTerm, Lang, fill, glossary, termMeaning } from './glossary';

/**
 * What each segment of a ladder does, as a teacher would say it next to the arrow: a short
 * note shown on the step and the full explanation on hover. The kind and the facts are
 * language-neutral (they travel in ladder rows); `describeStep` puts them into words.
 */

export type StepKind =
  | 'syn'
  | 'syn-again'
  | 'syn-simultaneous'
  | 'syn-ack'
  | 'handshake-ack'
  | 'refused'
  | 'data'
  | 'ack'
  | 'fin'
  | 'fin-ack'
  | 'fin-passive'
  | 'fin-with-ack'
  | 'fin-crossed'
  | 'last-ack'
  | 'rst'
  | 'rst-after-fin';

/** The peer segment whose end this segment's Ack reaches: the arithmetic `Ack = Seq + Len (+1)`. */
export interface AckSource {
  frame: number;
  seq: number;
  len: number;
  syn: boolean;
  fin: boolean;
}

export interface StepFacts {
  kind: StepKind;
  /** The ISN (raw) a SYN or SYN-ACK carries. */
  isn: number | null;
  /** The segment this one acknowledges for the first time, or null when its Ack is not new. */
  ackFrom: AckSource | null;
  /** Each side's state before this segment. */
  before: { client: SideState; server: SideState };
}

/** How far back to look for the segment an Ack answers; beyond it the arithmetic is left out. */
const ACK_LOOKBACK = 512;

/** Where things first happened in a stream (segment positions; Infinity when never). */
export interface StreamMarks {
  firstFin: number;
  firstSynFromClient: number;
  firstSynFromServer: number;
  /** The first step after which a side is ESTABLISHED. */
  firstEstablished: number;
}

export function streamMarks(index: CaptureIndex, segments: Uint32Array, trace: StateTrace): StreamMarks {
  const marks: StreamMarks = { firstFin: Infinity, firstSynFromClient: Infinity, firstSynFromServer: Infinity, firstEstablished: Infinity };
  for (let n = 0; n < segments.length; n++) {
    const k = segments[n]!;
    const f = index.flags[k]!;
    if (f & TH_FIN && marks.firstFin === Infinity) marks.firstFin = n;
    if ((f & (TH_SYN | TH_ACK)) === TH_SYN) {
      if (index.toServer[k] === 1) marks.firstSynFromClient = Math.min(marks.firstSynFromClient, n);
      else marks.firstSynFromServer = Math.min(marks.firstSynFromServer, n);
    }
    const st = trace.steps[n]!;
    if (marks.firstEstablished === Infinity && (st.client.state === 'ESTABLISHED' || st.server.state === 'ESTABLISHED')) marks.firstEstablished = n;
  }
  return marks;
}

/**
 * The step facts of segment `n` of a stream. `segments` are the stream's index positions and
 * `trace` its state trace; numbers are compared as displayed (relative or raw).
 */
export function stepFacts(
  index: CaptureIndex,
  segments: Uint32Array,
  trace: StateTrace,
  marks: StreamMarks,
  n: number,
  numbers: 'relative' | 'absolute',
): StepFacts {
  const i = segments[n]!;
  const f = index.flags[i]!;
  const toServer = index.toServer[i] === 1;
  const seqOf = (k: number): number => (numbers === 'relative' ? index.seq[k]! : index.seqRaw[k]!);
  const ackOf = (k: number): number => (numbers === 'relative' ? index.ack[k]! : index.ackRaw[k]!);
  const before = n > 0 ? { client: trace.steps[n - 1]!.client, server: trace.steps[n - 1]!.server } : trace.initial;
  const sender = toServer ? before.client.state : before.server.state;
  const after = toServer ? trace.steps[n]!.client.state : trace.steps[n]!.server.state;

  let ackFrom: AckSource | null = null;
  if (f & TH_ACK) {
    const ack = ackOf(i);
    let ackIsNew = true;
    let sameSideChecked = false;
    for (let m = n - 1; m >= 0 && m >= n - ACK_LOOKBACK; m--) {
      const k = segments[m]!;
      const kf = index.flags[k]!;
      if (index.toServer[k] === index.toServer[i]) {
        if (!sameSideChecked && kf & TH_ACK) {
          sameSideChecked = true;
          if (ackOf(k) === ack) ackIsNew = false;
        }
        continue;
      }
      if (ackFrom || !ackIsNew) continue;
      const syn = (kf & TH_SYN) !== 0;
      const fin = (kf & TH_FIN) !== 0;
      // A bare ACK uses no sequence numbers: it cannot be what an Ack acknowledges.
      if (index.len[k] === 0 && !syn && !fin) continue;
      const end = (seqOf(k) + index.len[k]! + (syn ? 1 : 0) + (fin ? 1 : 0)) >>> 0;
      if (end === ack) ackFrom = { frame: index.frame[k]!, seq: seqOf(k), len: index.len[k]!, syn, fin };
    }
    if (!ackIsNew) ackFrom = null;
  }
  const sawFin = marks.firstFin < n;
  const earlierSynFromSender = (toServer ? marks.firstSynFromClient : marks.firstSynFromServer) < n;

  let kind: StepKind;
  if (f & TH_RST) {
    if (!toServer && marks.firstEstablished >= n && before.client.state === 'SYN_SENT') kind = 'refused';
    else kind = sawFin ? 'rst-after-fin' : 'rst';
  } else if ((f & (TH_SYN | TH_ACK)) === TH_SYN) {
    kind = !toServer && !earlierSynFromSender && before.client.state === 'SYN_SENT' ? 'syn-simultaneous' : earlierSynFromSender ? 'syn-again' : 'syn';
  } else if (f & TH_SYN) {
    kind = 'syn-ack';
  } else if (f & TH_FIN) {
    if (after === 'CLOSING') kind = 'fin-crossed';
    else if (sender === 'CLOSE_WAIT' || after === 'LAST_ACK') kind = ackFrom?.fin ? 'fin-with-ack' : 'fin-passive';
    else kind = 'fin';
  } else if (ackFrom?.syn && toServer) {
    kind = 'handshake-ack';
  } else if (index.len[i]! > 0) {
    kind = 'data';
  } else if (ackFrom?.fin && (toServer ? before.server : before.client).state === 'LAST_ACK') {
    kind = 'last-ack';
  } else if (ackFrom?.fin && after === 'CLOSE_WAIT') {
    kind = 'fin-ack';
  } else {
    kind = 'ack';
  }
  const isn = f & TH_SYN && index.rawNumbersKnown ? index.seqRaw[i]! : null;
  return { kind, isn, ackFrom, before };
}

/** What describeStep needs of a ladder row. */
export interface StepRow {
  toServer: boolean;
  flags: string[];
  seq: number;
  ack: number | null;
  len: number;
  time: number;
  analysis: string[];
  client: SideState;
  server: SideState;
  step: StepFacts;
}

export interface StepWords {
  /** A few words, shown on the step. */
  short: string;
  /** The whole explanation, for the hover. */
  full: string;
}

type Vars = Record<string, string | number>;

interface StepText {
  short: string;
  full: string;
}

const EN: Record<StepKind, StepText> = {
  syn: {
    short: 'Picks its ISN, asks to open',
    full: 'The {side} asks to open a connection. Its SYN carries the initial sequence number it picked (ISN{isnRaw}; relative numbers show it as 0). Each side picks its own random ISN and the other must acknowledge it: synchronising both ISNs is what the handshake is for, and it lets a side reject a stale duplicate SYN from an old connection on the same ports. The SYN uses one sequence number.',
  },
  'syn-again': {
    short: 'SYN again: no answer yet',
    full: 'The {side} sends its SYN again, {t} s after the first: no SYN-ACK arrived within the retransmission timeout. Linux waits 1 s and doubles the wait each time.',
  },
  'syn-simultaneous': {
    short: 'Its own SYN: simultaneous open',
    full: 'The {side} sends a SYN of its own (ISN{isnRaw}) instead of answering: both sides are opening at once (simultaneous open). Each answers the other\'s SYN with a SYN-ACK; neither was listening.',
  },
  'syn-ack': {
    short: 'ACKs the SYN, sends its own ISN',
    full: 'The {side} accepts. One segment does two jobs: its ACK acknowledges the {peer}\'s SYN, and its SYN carries the {side}\'s own ISN{isnParen}. The reply must be SYN+ACK because the {side} has to confirm the {peer}\'s ISN and announce its own.',
  },
  'handshake-ack': {
    short: 'ACKs the SYN-ACK: handshake done',
    full: 'The {side} acknowledges the {peer}\'s SYN; the three-way handshake is complete. Why a third segment: after the SYN-ACK only the {side} knows that both directions work; this ACK tells the {peer} that its SYN arrived too. Now each side knows the other can send and receive.',
  },
  refused: {
    short: 'RST: refused, nothing listening',
    full: 'The {side} answers the SYN with RST: nothing listens on port {port} (or a firewall rejects it). The {peer}\'s connect() fails with "connection refused". No connection was ever established.',
  },
  data: {
    short: '{len} bytes, next Seq {next}',
    full: '{len} bytes of data from the {side}: bytes {seq} to {last}. The {side}\'s next Seq will be {seq} + {len} = {next}.',
  },
  ack: {
    short: 'ACK, no data',
    full: 'The {side} acknowledges and sends no data.',
  },
  fin: {
    short: 'FIN: {side} is done sending',
    full: 'The {side} has no more data to send and closes its direction: it is the active closer. The {peer} can still send until its own FIN. The FIN uses sequence number {seq}, so the {peer} will acknowledge {next}.',
  },
  'fin-ack': {
    short: 'ACKs the FIN; its own FIN later',
    full: 'The {side}\'s TCP acknowledges the FIN at once (a FIN uses one sequence number, hence + 1). Its own FIN comes later, in a separate segment, because its application may still have data to send and decides when to close: each direction closes on its own, which is why closing takes four segments.',
  },
  'fin-passive': {
    short: 'FIN: {side} closes too',
    full: 'The {side}\'s application has closed too: this FIN closes the second direction. The {side} waits in LAST_ACK for the final ACK.',
  },
  'fin-with-ack': {
    short: 'FIN+ACK together: 3-segment close',
    full: 'The {side} had nothing left to send, so its FIN also carries the ACK of the {peer}\'s FIN: the close takes three segments instead of four (typical of a server answering with "Connection: close").',
  },
  'fin-crossed': {
    short: 'FINs crossed: simultaneous close',
    full: 'The {side} sent its FIN before the {peer}\'s FIN reached it: the two FINs crossed (simultaneous close). Each side goes FIN_WAIT_1 → CLOSING → TIME_WAIT.',
  },
  'last-ack': {
    short: 'Last ACK; {side} waits in TIME_WAIT (2×MSL)',
    full: 'This last ACK acknowledges the {peer}\'s FIN. The {side} closed first, so it now waits in TIME_WAIT for 2×MSL: if this ACK is lost, the {peer} sends its FIN again and the {side} can still answer, and old duplicate segments die out before the same ports are reused. The {peer} is CLOSED as soon as this ACK arrives.',
  },
  rst: {
    short: 'RST: {side} aborts',
    full: 'The {side} aborts the connection with RST: no FIN exchange; data not yet delivered is thrown away and the {peer}\'s application sees "connection reset". Typical of an application that closes a socket with unread data, or of a peer that no longer knows the connection.',
  },
  'rst-after-fin': {
    short: 'RST after FIN: abort',
    full: 'The {side} sends RST after the close had begun with a FIN: the rest of the orderly close is abandoned (for example, data arrived after the application had closed its socket).',
  },
};

const ZH: Record<StepKind, StepText> = {
  syn: {
    short: '选定 ISN，请求建立连接',
    full: '{side}请求建立连接。它的 SYN 携带自己选定的初始序列号（ISN{isnRaw}；相对序列号显示为 0）。双方各自随机选取 ISN，并且必须得到对方的确认：同步双方的 ISN 正是握手的目的，这样可以拒绝同一端口上旧连接遗留的重复 SYN。SYN 占用一个序列号。',
  },
  'syn-again': {
    short: '再次发送 SYN：尚无应答',
    full: '{side}在第一个 SYN 之后 {t} 秒再次发送 SYN：在重传超时之前没有收到 SYN-ACK。Linux 先等 1 秒，之后每次等待时间加倍。',
  },
  'syn-simultaneous': {
    short: '自己的 SYN：同时打开',
    full: '{side}没有应答，而是发送了自己的 SYN（ISN{isnRaw}）：双方同时发起连接（同时打开）。双方都用 SYN-ACK 回应对方的 SYN；没有一方在监听。',
  },
  'syn-ack': {
    short: '确认 SYN，并发送自己的 ISN',
    full: '{side}接受连接。一个报文段做两件事：ACK 确认{peer}的 SYN，SYN 携带{side}自己的 ISN{isnParen}。回应必须是 SYN+ACK，因为{side}既要确认{peer}的 ISN，又要告知自己的 ISN。',
  },
  'handshake-ack': {
    short: '确认 SYN-ACK：握手完成',
    full: '{side}确认{peer}的 SYN，三次握手完成。为什么需要第三个报文段：收到 SYN-ACK 后只有{side}知道两个方向都通；这个 ACK 告诉{peer}它的 SYN 也已送达。现在双方都知道对方能发也能收。',
  },
  refused: {
    short: 'RST：拒绝连接，端口无人监听',
    full: '{side}用 RST 回应 SYN：端口 {port} 上没有程序在监听（或被防火墙拒绝）。{peer}的 connect() 以“连接被拒绝”（connection refused）失败。连接从未建立。',
  },
  data: {
    short: '{len} 字节，下一个 Seq = {next}',
    full: '{side}发送了 {len} 字节数据：第 {seq} 到第 {last} 字节。{side}的下一个 Seq = {seq} + {len} = {next}。',
  },
  ack: {
    short: 'ACK，无数据',
    full: '{side}发送确认，不带数据。',
  },
  fin: {
    short: 'FIN：{side}不再发送',
    full: '{side}没有数据要发了，关闭自己这个方向：它是主动关闭方。在{peer}发送自己的 FIN 之前，{peer}仍然可以发送数据。FIN 占用序列号 {seq}，所以{peer}会确认 {next}。',
  },
  'fin-ack': {
    short: '确认 FIN；自己的 FIN 稍后发',
    full: '{side}的 TCP 立即确认了 FIN（FIN 占用一个序列号，所以要 + 1）。它自己的 FIN 要稍后单独发送，因为它的应用可能还有数据要发，由应用决定何时关闭：每个方向各自关闭，这就是挥手需要四次的原因。',
  },
  'fin-passive': {
    short: 'FIN：{side}也关闭',
    full: '{side}的应用也关闭了：这个 FIN 关闭第二个方向。{side}进入 LAST_ACK，等待最后一个 ACK。',
  },
  'fin-with-ack': {
    short: 'FIN 与 ACK 合并：三次挥手',
    full: '{side}没有数据要发了，所以它的 FIN 同时确认了{peer}的 FIN：关闭只需要三个报文段而不是四个（服务器以“Connection: close”应答时很常见）。',
  },
  'fin-crossed': {
    short: 'FIN 交叉：同时关闭',
    full: '{side}在收到{peer}的 FIN 之前就发出了自己的 FIN：两个 FIN 交叉而过（同时关闭）。双方都经历 FIN_WAIT_1 → CLOSING → TIME_WAIT。',
  },
  'last-ack': {
    short: '最后的 ACK；{side}在 TIME_WAIT 等待 2×MSL',
    full: '最后一个 ACK 确认{peer}的 FIN。{side}先关闭，所以现在要在 TIME_WAIT 等待 2×MSL：如果这个 ACK 丢了，{peer}会重发 FIN，{side}仍能应答；旧的重复报文段也会在相同端口被重新使用之前消失。{peer}一收到这个 ACK 就进入 CLOSED。',
  },
  rst: {
    short: 'RST：{side}中止连接',
    full: '{side}用 RST 中止连接：没有 FIN 挥手；尚未交付的数据被丢弃，{peer}的应用会看到“连接被重置”（connection reset）。常见于应用在还有未读数据时关闭套接字，或对方已经不认识这个连接。',
  },
  'rst-after-fin': {
    short: 'FIN 之后 RST：中止',
    full: '在 FIN 开始关闭之后，{side}又发送了 RST：有序关闭的剩余过程被放弃（例如应用关闭套接字之后又收到了数据）。',
  },
};

const SIDES: Record<Lang, { client: string; server: string }> = {
  en: { client: 'client', server: 'server' },
  'zh-cn': { client: '客户端', server: '服务器' },
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `Ack = 0 + 0 + 1 (SYN) = 1`: where an Ack number comes from. */
export function ackArithmetic(row: Pick<StepRow, 'ack'>, from: AckSource): string {
  // A zero Len is left out: "Ack = 0 + 1 (SYN) = 1" reads better than "0 + 0 + 1".
  let s = from.len || (!from.syn && !from.fin) ? `Ack = ${from.seq} + ${from.len}` : `Ack = ${from.seq}`;
  if (from.syn) s += ' + 1 (SYN)';
  if (from.fin) s += ' + 1 (FIN)';
  return `${s} = ${row.ack}`;
}

/** The short note and the full explanation of one ladder step. */
export function describeStep(row: StepRow, lang: Lang = 'en', port?: number): StepWords {
  const table = lang === 'zh-cn' ? ZH : EN;
  const sides = SIDES[lang];
  const side = row.toServer ? sides.client : sides.server;
  const peer = row.toServer ? sides.server : sides.client;
  const { step } = row;
  const uses = row.len + (row.flags.includes('SYN') ? 1 : 0) + (row.flags.includes('FIN') ? 1 : 0);
  const vars: Vars = {
    side,
    peer,
    // Where the raw numbers are not known (capture text with relative numbers only), none is named.
    isnRaw: step.isn === null ? '' : lang === 'zh-cn' ? `，原始值 ${step.isn}` : `, raw ${step.isn}`,
    isnParen: step.isn === null ? '' : lang === 'zh-cn' ? `（原始值 ${step.isn}）` : ` (raw ${step.isn})`,
    len: row.len,
    seq: row.seq,
    last: (row.seq + row.len - 1) >>> 0,
    next: (row.seq + uses) >>> 0,
    t: row.time.toFixed(3),
    port: port ?? '?',
  };
  const text = table[step.kind];
  let short = fill(text.short, vars);
  const parts = [fill(text.full, vars)];
  if (row.len > 0 && (step.kind === 'syn' || step.kind === 'syn-again')) {
    // Data on a SYN: TCP Fast Open.
    short += fill(lang === 'zh-cn' ? ' · SYN 携带 {len} 字节（TFO）' : ' · {len} bytes in the SYN (TFO)', vars);
    parts.push(
      fill(
        lang === 'zh-cn'
          ? '这个 SYN 还携带了 {len} 字节数据（TCP 快速打开）：客户端出示之前连接得到的 cookie，服务器验证后可以在握手完成之前就把数据交给应用，省去一个往返。'
          : 'This SYN also carries {len} bytes of data (TCP Fast Open): the client shows a cookie from an earlier connection, and the server may hand the data to its application before the handshake completes, saving a round trip.',
        vars,
      ),
    );
  }
  const from = step.ackFrom;
  if (from && row.ack !== null) {
    const arithmetic = ackArithmetic(row, from);
    // Steps whose point is the acknowledgment show its arithmetic on the step itself.
    if (step.kind === 'ack' || step.kind === 'fin-ack' || step.kind === 'last-ack' || step.kind === 'handshake-ack' || step.kind === 'syn-ack' || step.kind === 'fin-with-ack') {
      short = step.kind === 'ack' ? arithmetic : `${short} · ${arithmetic}`;
    }
    const extras = [from.syn ? 'SYN' : '', from.fin ? 'FIN' : ''].filter(Boolean).join('+');
    parts.push(
      lang === 'zh-cn'
        ? `确认号的来历：${peer}在帧 ${from.frame} 中 Seq=${from.seq}、Len=${from.len}${extras ? `，${extras} 还占用一个序列号` : ''}，所以 ${arithmetic}，即${peer}在 ${row.ack} 之前的所有字节都已收到。`
        : `Where the Ack comes from: the ${peer}'s segment in frame ${from.frame} had Seq=${from.seq} and Len=${from.len}${extras ? `, and its ${extras} uses one more sequence number` : ''}, so ${arithmetic}: everything the ${peer} sent before ${row.ack} has arrived.`,
    );
  } else if (row.ack !== null && step.kind !== 'refused' && step.kind !== 'rst' && step.kind !== 'rst-after-fin') {
    parts.push(
      lang === 'zh-cn'
        ? `Ack=${row.ack} 与${side}上一次的确认号相同：没有确认新的数据。`
        : `Ack=${row.ack} repeats the ${side}'s previous acknowledgment: nothing new is acknowledged.`,
    );
  }
  const changes: string[] = [];
  for (const who of ['client', 'server'] as const) {
    const was = step.before[who];
    const now = row[who];
    if (was.state === now.state) continue;
    const name = lang === 'zh-cn' ? sides[who] : capitalise(sides[who]);
    const mark = now.inferred ? (lang === 'zh-cn' ? '（推断）' : ' (inferred)') : '';
    changes.push(`${name}${lang === 'zh-cn' ? '：' : ': '}${was.state} → ${now.state}${mark}${lang === 'zh-cn' ? '。' : '. '}${termMeaning(now.state, lang)}`);
  }
  parts.push(...changes);
  for (const a of row.analysis) parts.push(glossary(a as AnalysisTerm, lang));
  if (row.analysis.length) short = `${short} · ${row.analysis.map((a) => analysisLabel(a, lang)).join(', ')}`;
  // One paragraph per thought: the hover shows them as lines.
  return { short: lang === 'en' ? capitalise(short) : short, full: parts.join('\n') };
}

const ANALYSIS_LABELS: Record<Lang, Record<AnalysisTerm, string>> = {
  en: {
    retransmission: 'retransmission',
    fast_retransmission: 'fast retransmission',
    spurious_retransmission: 'spurious retransmission',
    out_of_order: 'out of order',
    lost_segment: 'previous segment not captured',
    ack_lost_segment: 'ACKed unseen segment',
    window_update: 'window update',
    window_full: 'window full',
    keep_alive: 'keep-alive',
    keep_alive_ack: 'keep-alive ACK',
    duplicate_ack: 'duplicate ACK',
    zero_window_probe: 'zero-window probe',
    zero_window: 'zero window',
    zero_window_probe_ack: 'zero-window probe ACK',
    reused_ports: 'ports reused',
  },
  'zh-cn': {
    retransmission: '重传',
    fast_retransmission: '快速重传',
    spurious_retransmission: '虚假重传',
    out_of_order: '乱序',
    lost_segment: '前一报文段未抓到',
    ack_lost_segment: '确认了未抓到的报文段',
    window_update: '窗口更新',
    window_full: '窗口已满',
    keep_alive: '保活',
    keep_alive_ack: '保活确认',
    duplicate_ack: '重复 ACK',
    zero_window_probe: '零窗口探测',
    zero_window: '零窗口',
    zero_window_probe_ack: '零窗口探测确认',
    reused_ports: '端口重用',
  },
};

/** A tcp.analysis.* name in a few words ("duplicate ACK", "重复 ACK"). */
export function analysisLabel(name: string, lang: Lang = 'en'): string {
  return ANALYSIS_LABELS[lang][name as AnalysisTerm] ?? name.replace(/_/g, ' ');
}

/** For the tests that check both languages say everything. */
export const STEP_TEXTS = { en: EN, 'zh-cn': ZH };
export const ANALYSIS_TEXTS = ANALYSIS_LABELS;
