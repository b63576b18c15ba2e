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

/** ScenarioTracker's yes/no facts, bits of its `bits`; the sides of the first RST and FIN sit above them. */
const SEEN_SYN_DATA_A = 1;
const SEEN_SYN_DATA_B = 2;
const SEEN_SYN_ACK = 4;
const SEEN_FIN_BEFORE_RST = 8;
const SEEN_OTHER_FIN = 16;
const SEEN_DATA_AFTER_FIN = 32;
const SEEN_SEPARATE_ACK = 64;
const SEEN_CROSSED = 128;
const FIRST_RST_SHIFT = 8;
const FIRST_FIN_SHIFT = 10;

/**
 * What classification needs of a connection, gathered one segment at a time in capture order,
 * so a single forward pass over a capture of any size can classify every connection while
 * keeping a few numbers per connection. Directions are the conversation's own (from A, the
 * first packet's sender); which side is the client is applied at the end, when it is known.
 */
export class ScenarioTracker {
  /** Pure SYNs from A and from B. */
  private synsA = 0;
  private synsB = 0;
  /** Time of the first and last pure SYN from each side (seconds and nanoseconds): numbers, not arrays (one tracker per connection). */
  private firstSynASec = 0;
  private firstSynANsec = 0;
  private lastSynASec = 0;
  private lastSynANsec = 0;
  private firstSynBSec = 0;
  private firstSynBNsec = 0;
  private lastSynBSec = 0;
  private lastSynBNsec = 0;
  /**
   * The yes/no facts (SEEN_*), and the side (1: A, 2: B, 0: none yet) of the first RST and the
   * first FIN, in one number: a busy capture has a tracker for each of its connections.
   */
  private bits = 0;
  private finEnd = 0;

  private get firstRst(): number {
    return (this.bits >>> FIRST_RST_SHIFT) & 3;
  }
  private get firstFin(): number {
    return (this.bits >>> FIRST_FIN_SHIFT) & 3;
  }
  private has(bit: number): boolean {
    return (this.bits & bit) !== 0;
  }

  /** One segment of the connection, in capture order. */
  add(fromA: boolean, flags: number, len: number, seqRaw: number, ackRaw: number, sec: number, nsec: number): void {
    const side = fromA ? 1 : 2;
    if ((flags & (TH_SYN | TH_ACK)) === TH_SYN) {
      if (fromA) {
        if (this.synsA++ === 0) {
          this.firstSynASec = sec;
          this.firstSynANsec = nsec;
        }
        this.lastSynASec = sec;
        this.lastSynANsec = nsec;
        if (len > 0) this.bits |= SEEN_SYN_DATA_A;
      } else {
        if (this.synsB++ === 0) {
          this.firstSynBSec = sec;
          this.firstSynBNsec = nsec;
        }
        this.lastSynBSec = sec;
        this.lastSynBNsec = nsec;
        if (len > 0) this.bits |= SEEN_SYN_DATA_B;
      }
    }
    if ((flags & (TH_SYN | TH_ACK)) === (TH_SYN | TH_ACK)) this.bits |= SEEN_SYN_ACK;
    if (flags & TH_RST && this.firstRst === 0) {
      this.bits |= side << FIRST_RST_SHIFT;
      if (this.firstFin !== 0) this.bits |= SEEN_FIN_BEFORE_RST;
    }
    const firstFin = this.firstFin;
    if (firstFin === 0) {
      if (flags & TH_FIN) {
        this.bits |= side << FIRST_FIN_SHIFT;
        this.finEnd = (seqRaw + len + 1) >>> 0;
      }
      return;
    }
    // After the first FIN: what the other side does.
    if (side === firstFin) return;
    if (len > 0) this.bits |= SEEN_DATA_AFTER_FIN;
    if (flags & TH_FIN) {
      if (!this.has(SEEN_OTHER_FIN)) {
        this.bits |= SEEN_OTHER_FIN;
        if (!(flags & TH_ACK && seqGE(ackRaw, this.finEnd))) this.bits |= SEEN_CROSSED;
      }
    } else if (!this.has(SEEN_OTHER_FIN) && flags & TH_ACK && ackRaw === this.finEnd) this.bits |= SEEN_SEPARATE_ACK;
  }

  /** The scenario, once every segment is in; `clientIsA` says which side opened. */
  scenario(stream: number, clientIsA: boolean): Scenario {
    const clientSyns = clientIsA ? this.synsA : this.synsB;
    const serverSyns = clientIsA ? this.synsB : this.synsA;
    const synData = this.has(clientIsA ? SEEN_SYN_DATA_A : SEEN_SYN_DATA_B);
    const clientSide = clientIsA ? 1 : 2;
    const fromClient = (side: number): boolean => side === clientSide;
    let opening: OpeningScenario;
    if (clientSyns === 0) opening = 'mid-stream';
    else if (serverSyns > 0) opening = 'simultaneous-open';
    else if (synData) opening = 'tcp-fast-open';
    else if (!this.has(SEEN_SYN_ACK) && this.firstRst !== 0 && !fromClient(this.firstRst)) opening = 'refused';
    else if (!this.has(SEEN_SYN_ACK)) opening = 'no-answer';
    else if (clientSyns > 1) opening = 'syn-retransmitted';
    else opening = 'three-way-handshake';

    const synRetransmissions = Math.max(0, clientSyns - 1);
    const span = clientIsA
      ? this.lastSynASec - this.firstSynASec + (this.lastSynANsec - this.firstSynANsec) / 1e9
      : this.lastSynBSec - this.firstSynBSec + (this.lastSynBNsec - this.firstSynBNsec) / 1e9;
    const synRetransmissionSpan = synRetransmissions ? span : null;
    const who = (side: number): 'client' | 'server' => (fromClient(side) ? 'client' : 'server');
    const base = { stream, opening, synRetransmissions, synRetransmissionSpan };

    if (this.firstRst !== 0 && opening !== 'refused') {
      return { ...base, closing: this.has(SEEN_FIN_BEFORE_RST) ? 'rst-after-fin' : 'reset', activeCloser: who(this.firstRst) };
    }
    if (opening === 'refused') return { ...base, closing: 'reset', activeCloser: 'server' };
    if (this.firstFin === 0) return { ...base, closing: 'open-at-end', activeCloser: null };
    if (this.has(SEEN_CROSSED)) return { ...base, closing: 'simultaneous-close', activeCloser: 'both' };
    const closing: ClosingScenario =
      this.has(SEEN_DATA_AFTER_FIN) || !this.has(SEEN_OTHER_FIN) ? 'half-close' : this.has(SEEN_SEPARATE_ACK) ? 'four-way-close' : 'three-segment-close';
    return { ...base, closing, activeCloser: who(this.firstFin) };
  }
}

/** A connection's scenario from an index that holds its segments. */
export function classify(index: CaptureIndex, stream: number, facts?: Pick<StreamFacts, 'segments'>): Scenario {
  const segs = facts?.segments ?? index.segmentsOf(stream);
  const tracker = new ScenarioTracker();
  // The index knows client and server; the tracker counts from the client's side as "A".
  for (let n = 0; n < segs.length; n++) {
    const k = segs[n]!;
    tracker.add(index.toServer[k] === 1, index.flags[k]!, index.len[k]!, index.seqRaw[k]!, index.ackRaw[k]!, index.tsSec[k]!, index.tsNsec[k]!);
  }
  return tracker.scenario(stream, true);
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
