import { CaptureIndex } from '../index/captureIndex';
import { TH_ACK, TH_FIN, TH_RST, TH_SYN } from '../tcp/analysis';
import { StreamFacts } from '../tcp/ladder';
import { seqGE } from '../tcp/seq';

/**
 * How a connection opened and closed, as stable identifiers for scripts and as the key to the
 * words of an explanation. Only what the capture shows counts: a connection seen mid-stream
 * does not claim a handshake, one still open at the end does not claim a close.
 */

export type OpeningScenario =
  | 'three-way-handshake'
  | 'syn-retransmitted'
  | 'refused'
  | 'no-answer'
  | 'simultaneous-open'
  | 'tcp-fast-open'
  | 'mid-stream';

export type ClosingScenario =
  | 'four-way-close'
  | 'three-segment-close'
  | 'simultaneous-close'
  | 'half-close'
  | 'reset'
  | 'rst-after-fin'
  | 'open-at-end';

export interface Scenario {
  stream: number;
  opening: OpeningScenario;
  closing: ClosingScenario;
  /** Who closed first (goes to TIME_WAIT), "both" for a simultaneous close; for a reset, who sent the RST. */
  activeCloser: 'client' | 'server' | 'both' | null;
  /** Extra SYNs the client sent before an answer (SYN retransmissions). */
  synRetransmissions: number;
  /** Seconds from the first SYN to the last one, when it was retransmitted. */
  synRetransmissionSpan: number | null;
}

export function classify(index: CaptureIndex, stream: number, facts?: Pick<StreamFacts, 'segments'>): Scenario {
  // Straight from the index columns, without the state trace: the table classifies every
  // connection of a capture when it opens, so nothing here allocates per segment.
  const segs = facts?.segments ?? index.segmentsOf(stream);
  const flagsOf = (n: number): number => index.flags[segs[n]!]!;
  const toServer = (n: number): boolean => index.toServer[segs[n]!] === 1;
  const isPureSyn = (n: number): boolean => (flagsOf(n) & (TH_SYN | TH_ACK)) === TH_SYN;
  let clientSyns = 0;
  let serverSyns = 0;
  let firstSyn = -1;
  let lastSyn = -1;
  let synData = false;
  let synAck = false;
  let firstRst = -1;
  let firstFin = -1;
  for (let n = 0; n < segs.length; n++) {
    const f = flagsOf(n);
    if (isPureSyn(n)) {
      if (toServer(n)) {
        clientSyns++;
        if (firstSyn < 0) firstSyn = n;
        lastSyn = n;
        if (index.len[segs[n]!]! > 0) synData = true;
      } else serverSyns++;
    }
    if ((f & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK)) synAck = true;
    if (f & TH_RST && firstRst < 0) firstRst = n;
    if (f & TH_FIN && firstFin < 0) firstFin = n;
  }

  let opening: OpeningScenario;
  if (clientSyns === 0) opening = 'mid-stream';
  else if (serverSyns > 0) opening = 'simultaneous-open';
  else if (synData) opening = 'tcp-fast-open';
  else if (!synAck && firstRst >= 0 && !toServer(firstRst)) opening = 'refused';
  else if (!synAck) opening = 'no-answer';
  else if (clientSyns > 1) opening = 'syn-retransmitted';
  else opening = 'three-way-handshake';

  const synRetransmissions = Math.max(0, clientSyns - 1);
  const synRetransmissionSpan =
    synRetransmissions && firstSyn >= 0 ? index.tsSec[segs[lastSyn]!]! - index.tsSec[segs[firstSyn]!]! + (index.tsNsec[segs[lastSyn]!]! - index.tsNsec[segs[firstSyn]!]!) / 1e9 : null;
  const who = (fromClient: boolean): 'client' | 'server' => (fromClient ? 'client' : 'server');
  const base = { stream, opening, synRetransmissions, synRetransmissionSpan };

  if (firstRst >= 0 && opening !== 'refused') {
    const closing: ClosingScenario = firstFin >= 0 && firstFin < firstRst ? 'rst-after-fin' : 'reset';
    return { ...base, closing, activeCloser: who(toServer(firstRst)) };
  }
  if (opening === 'refused') return { ...base, closing: 'reset', activeCloser: 'server' };
  if (firstFin < 0) return { ...base, closing: 'open-at-end', activeCloser: null };

  const closer = toServer(firstFin);
  const fin = segs[firstFin]!;
  const finEnd = (index.seqRaw[fin]! + index.len[fin]! + 1) >>> 0;
  let otherFin = -1;
  let dataAfterFin = false;
  let separateAck = false;
  for (let n = firstFin + 1; n < segs.length; n++) {
    if (toServer(n) === closer) continue;
    const k = segs[n]!;
    const f = index.flags[k]!;
    if (index.len[k]! > 0) dataAfterFin = true;
    if (f & TH_FIN) {
      if (otherFin < 0) otherFin = n;
    } else if (otherFin < 0 && f & TH_ACK && index.ackRaw[k] === finEnd) separateAck = true;
  }
  let closing: ClosingScenario;
  let activeCloser: Scenario['activeCloser'] = who(closer);
  // The other side's FIN crossed the first one when it does not acknowledge it: both went
  // FIN_WAIT_1 -> CLOSING (as the state trace shows it).
  const other = otherFin >= 0 ? segs[otherFin]! : -1;
  const crossed = other >= 0 && !(index.flags[other]! & TH_ACK && seqGE(index.ackRaw[other]!, finEnd));
  if (crossed) {
    closing = 'simultaneous-close';
    activeCloser = 'both';
  } else if (dataAfterFin || otherFin < 0) {
    closing = 'half-close';
  } else {
    // Three segments when the passive closer's FIN also carries the ACK of the first FIN,
    // with no separate ACK of it before.
    closing = separateAck ? 'four-way-close' : 'three-segment-close';
  }
  return { ...base, closing, activeCloser };
}

const OPENING_WORDS: Record<'en' | 'zh-cn', Record<OpeningScenario, string>> = {
  en: {
    'three-way-handshake': 'Opened with a three-way handshake: SYN, SYN-ACK, ACK.',
    'syn-retransmitted': 'Opened with a three-way handshake after the client sent its SYN {n} more time(s) over {t} s (no answer came in time).',
    refused: 'Refused: the server answered the SYN with RST (no program was listening on that port).',
    'no-answer': 'The SYN got no answer in this capture: sent {times} time(s) over {t} s. Something dropped it silently (a firewall, or no host at that address): a closed port would have answered with RST.',
    'simultaneous-open': 'Simultaneous open: both sides sent a SYN, then both a SYN-ACK; neither was listening.',
    'tcp-fast-open': 'TCP Fast Open: the client sent data inside its SYN, using a cookie from an earlier connection.',
    'mid-stream': 'The capture started after the handshake: the ISNs, options and who opened cannot be known.',
  },
  'zh-cn': {
    'three-way-handshake': '通过三次握手建立：SYN、SYN-ACK、ACK。',
    'syn-retransmitted': '客户端的 SYN 在 {t} 秒内又重传了 {n} 次（没有及时收到应答），之后完成三次握手。',
    refused: '连接被拒绝：服务器用 RST 回应 SYN（该端口没有程序在监听）。',
    'no-answer': '在这个抓包里 SYN 没有得到应答：在 {t} 秒内共发送了 {times} 次。它被悄悄丢弃了（防火墙，或该地址没有主机）：如果只是端口关闭，对方会用 RST 回应。',
    'simultaneous-open': '同时打开：双方都发送了 SYN，然后都发送了 SYN-ACK；没有一方在监听。',
    'tcp-fast-open': 'TCP 快速打开（TFO）：客户端用之前连接得到的 cookie，在 SYN 里直接携带数据。',
    'mid-stream': '抓包开始于握手之后：无法得知初始序列号、选项以及是谁发起的连接。',
  },
};

const CLOSING_WORDS: Record<'en' | 'zh-cn', Record<ClosingScenario, string>> = {
  en: {
    'four-way-close': 'Closed in four segments: FIN, ACK, FIN, ACK; each direction closes on its own. The {closer} closed first and waits in TIME_WAIT (2×MSL) so a late duplicate cannot be taken for a new connection.',
    'three-segment-close': 'Closed in three segments: the {closer} sent the first FIN; the other side had nothing more to send, so its FIN carried the ACK of that FIN; a last ACK ended it. The {closer} waits in TIME_WAIT (2×MSL).',
    'simultaneous-close': 'Simultaneous close: both FINs crossed; each side went FIN_WAIT_1 → CLOSING → TIME_WAIT.',
    'half-close': 'Half-closed: the {closer} sent FIN (it will send no more), while the other direction stayed open.',
    reset: 'Aborted by RST from the {closer}: no FIN exchange, unread data is discarded.',
    'rst-after-fin': 'A FIN started the close, then the {closer} sent RST and aborted it.',
    'open-at-end': 'Still open when the capture ended.',
  },
  'zh-cn': {
    'four-way-close': '四次挥手关闭：FIN、ACK、FIN、ACK，每个方向各自关闭。{closer}先关闭，进入 TIME_WAIT（2×MSL），防止迟到的旧报文被当成新连接的数据。',
    'three-segment-close': '三个报文段完成关闭：{closer}先发 FIN；另一方没有数据要发，它的 FIN 顺带确认了对方的 FIN；最后一个 ACK 结束连接。{closer}进入 TIME_WAIT（2×MSL）。',
    'simultaneous-close': '同时关闭：双方的 FIN 交叉而过；两边都经历 FIN_WAIT_1 → CLOSING → TIME_WAIT。',
    'half-close': '半关闭：{closer}发送了 FIN（不再发送数据），另一个方向仍然打开。',
    reset: '{closer}发送 RST 中止连接：没有 FIN 挥手，未读的数据被丢弃。',
    'rst-after-fin': '先有 FIN 开始关闭，随后{closer}发送 RST 中止了连接。',
    'open-at-end': '抓包结束时连接仍然打开。',
  },
};

/** The closing of a connection that never opened: nothing to close. */
const NEVER_OPENED = {
  en: 'No connection was made: the client was still waiting in SYN_SENT when the capture ended (connect() times out after about 2 minutes on Linux).',
  'zh-cn': '连接没有建立：抓包结束时客户端仍在 SYN_SENT 状态等待（Linux 上 connect() 大约 2 分钟后超时）。',
};

const SIDE_WORDS = { en: { client: 'client', server: 'server', both: 'both sides' }, 'zh-cn': { client: '客户端', server: '服务器', both: '双方' } };

/** The scenario in two sentences, in English or Simplified Chinese. */
export function describeScenario(s: Scenario, lang: 'en' | 'zh-cn' = 'en'): string[] {
  const opening = OPENING_WORDS[lang][s.opening]
    .replace('{n}', String(s.synRetransmissions))
    .replace('{times}', String(s.synRetransmissions + 1))
    .replace('{t}', (s.synRetransmissionSpan ?? 0).toFixed(3));
  const closer = s.activeCloser ? SIDE_WORDS[lang][s.activeCloser] : '?';
  const closing =
    s.opening === 'no-answer' && s.closing === 'open-at-end'
      ? NEVER_OPENED[lang]
      : CLOSING_WORDS[lang][s.closing].split('{closer}').join(closer);
  return [opening, closing];
}

const OPENING_SHORT: Record<'en' | 'zh-cn', Record<OpeningScenario, string>> = {
  en: {
    'three-way-handshake': 'three-way handshake',
    'syn-retransmitted': 'handshake after {n} SYN retransmission(s)',
    refused: 'refused (RST)',
    'no-answer': 'SYN, no answer',
    'simultaneous-open': 'simultaneous open',
    'tcp-fast-open': 'TCP Fast Open',
    'mid-stream': 'no handshake captured',
  },
  'zh-cn': {
    'three-way-handshake': '三次握手',
    'syn-retransmitted': 'SYN 重传 {n} 次后握手',
    refused: '被拒绝（RST）',
    'no-answer': 'SYN 无应答',
    'simultaneous-open': '同时打开',
    'tcp-fast-open': 'TCP 快速打开',
    'mid-stream': '未抓到握手',
  },
};

const CLOSING_SHORT: Record<'en' | 'zh-cn', Record<ClosingScenario, string>> = {
  en: {
    'four-way-close': 'four-way close, {closer} first',
    'three-segment-close': 'three-segment close, {closer} first',
    'simultaneous-close': 'simultaneous close',
    'half-close': 'half-closed by {closer}',
    reset: 'reset by {closer}',
    'rst-after-fin': 'FIN, then RST from {closer}',
    'open-at-end': 'still open at the end',
  },
  'zh-cn': {
    'four-way-close': '四次挥手，{closer}先关闭',
    'three-segment-close': '三次挥手，{closer}先关闭',
    'simultaneous-close': '同时关闭',
    'half-close': '{closer}半关闭',
    reset: '{closer}发送 RST 重置',
    'rst-after-fin': '先 FIN，后由{closer}发送 RST',
    'open-at-end': '抓包结束时仍未关闭',
  },
};

const NEVER_OPENED_SHORT = { en: 'never opened', 'zh-cn': '未建立' };

/** The scenario in a few words each, for a table's "opened" and "ended" cells. */
export function scenarioShort(s: Scenario, lang: 'en' | 'zh-cn' = 'en'): { opened: string; ended: string } {
  const closer = s.activeCloser ? SIDE_WORDS[lang][s.activeCloser] : '?';
  return {
    opened: OPENING_SHORT[lang][s.opening].replace('{n}', String(s.synRetransmissions)),
    ended:
      s.opening === 'no-answer' && s.closing === 'open-at-end'
        ? NEVER_OPENED_SHORT[lang]
        : CLOSING_SHORT[lang][s.closing].split('{closer}').join(closer),
  };
}

/** For the tests that check both languages say everything. */
export const SCENARIO_TEXTS = { opening: OPENING_WORDS, closing: CLOSING_WORDS, openingShort: OPENING_SHORT, closingShort: CLOSING_SHORT };
