import { HandshakeOptions, CaptureIndex } from '../index/captureIndex';
import { Endpoint, TH_ACK, TH_CWR, TH_ECE, TH_SYN, analysisFlagNames } from '../tcp/analysis';
import { StreamFacts } from '../tcp/ladder';
import { endpointText } from '../decode/address';
import { AnalysisTerm, Lang, fill, termMeaning } from './glossary';
import { Scenario, classify, describeScenario } from './scenario';
import { analysisLabel } from './steps';

/**
 * Everything said about one connection as a whole: the scenario, who closed, the options the
 * handshake negotiated, iRTT, bytes each way and the analysis events. The facts are
 * language-neutral (the CLI's --json); `narrateConnection` says them in either language.
 */

export interface ConnectionExplanation extends Scenario {
  client: Endpoint;
  server: Endpoint;
  segments: number;
  /** Seconds from the first to the last segment. */
  duration: number;
  /** TCP payload bytes each way. */
  bytes: { toServer: number; toClient: number };
  irtt: number | null;
  /** What each side's SYN (or SYN-ACK) offered; null when that segment was not captured. */
  options: { client: HandshakeOptions | null; server: HandshakeOptions | null };
  /** Whether each side's SYN asked for / agreed to ECN (ECE+CWR on the SYN, ECE on the SYN-ACK). */
  ecn: { client: boolean; server: boolean };
  /** tcp.analysis.* events, with how often and where first. */
  events: Array<{ name: string; count: number; firstFrame: number }>;
}

export function explainConnection(
  index: CaptureIndex,
  stream: number,
  facts: Pick<StreamFacts, 'segments'> = { segments: index.segmentsOf(stream) },
): ConnectionExplanation {
  const conv = index.summary.analyzer.conversationOf(stream);
  if (!conv) throw new RangeError(`no TCP stream ${stream} in this capture`);
  const scenario = classify(index, stream, facts);
  const toServer = conv.clientIsA ? conv.flowAB : conv.flowBA;
  const toClient = conv.clientIsA ? conv.flowBA : conv.flowAB;
  let client: HandshakeOptions | null = null;
  let server: HandshakeOptions | null = null;
  let ecnClient = false;
  let ecnServer = false;
  const events = new Map<string, { name: string; count: number; firstFrame: number }>();
  for (const i of facts.segments) {
    const f = index.flags[i]!;
    if (f & TH_SYN) {
      const fromClient = index.toServer[i] === 1;
      const opts = index.synOptions.get(i) ?? null;
      // The first SYN of each side counts; a retransmitted one offers the same.
      if (fromClient && !client && !(f & TH_ACK)) {
        client = opts;
        ecnClient = (f & (TH_ECE | TH_CWR)) === (TH_ECE | TH_CWR);
      } else if (!fromClient && !server) {
        server = opts;
        ecnServer = (f & TH_ECE) !== 0;
      }
    }
    if (!index.analysis[i]) continue;
    for (const name of analysisFlagNames(index.analysis[i]!, index.dupAck[i]!)) {
      const e = events.get(name);
      if (e) e.count++;
      else events.set(name, { name, count: 1, firstFrame: index.frame[i]! });
    }
  }
  const first = facts.segments[0];
  const last = facts.segments[facts.segments.length - 1];
  const duration =
    first !== undefined && last !== undefined ? index.tsSec[last]! - index.tsSec[first]! + (index.tsNsec[last]! - index.tsNsec[first]!) / 1e9 : 0;
  return {
    ...scenario,
    client: conv.clientIsA ? conv.a : conv.b,
    server: conv.clientIsA ? conv.b : conv.a,
    segments: facts.segments.length,
    duration,
    bytes: { toServer: toServer.payloadBytes, toClient: toClient.payloadBytes },
    irtt: conv.firstRttNs ? conv.firstRttNs / 1e9 : null,
    options: { client, server },
    ecn: { client: ecnClient, server: ecnServer },
    events: [...events.values()],
  };
}

export interface Narrative {
  /** "Stream 0: 127.0.0.1:51234 → 127.0.0.1:4000" */
  title: string;
  /** How it opened and closed: two sentences. */
  summary: string[];
  /** Options, iRTT, bytes, events: one sentence each. */
  details: string[];
}

const W = {
  en: {
    title: 'Stream {stream}: {client} → {server}',
    mss: 'MSS: the client accepts up to {c} bytes of data per segment, the server {s}.',
    mssOne: 'MSS: the {who} accepts up to {n} bytes of data per segment (the other side\'s SYN did not say).',
    wsOn: 'Window scaling is on: the client multiplies its window field by {c} (shift {cs}), the server by {s} (shift {ss}), so Win can exceed 64 KiB.',
    wsOff: 'Window scaling is off: only one side offered it, so windows stay below 64 KiB.',
    sackOn: 'SACK is permitted by both sides: a receiver can report the ranges it holds beyond a gap.',
    sackOff: 'SACK is not in use (not offered by both sides).',
    tsOn: 'Timestamps are on (TSval/TSecr on every segment): each side can measure round-trip time and detect old wrapped sequence numbers (PAWS).',
    tsOff: 'Timestamps are not in use.',
    ecnOn: 'ECN was negotiated: routers may mark congestion instead of dropping packets.',
    ecnAsked: 'The client asked for ECN; the server did not agree.',
    noHandshake: 'The handshake was not captured, so the negotiated options (MSS, window scale, SACK, timestamps) are unknown, and relative numbers count from the first segment seen.',
    irtt: 'iRTT {ms} ms: the time from the client\'s SYN to its ACK of the SYN-ACK, about one round trip.',
    bytes: 'Data: {up} bytes client → server, {down} bytes server → client, in {segments} segments over {duration} s.',
    timeWait: 'The {closer} closed first, so it is the one that waits in TIME_WAIT (2×MSL) afterwards: a lost final ACK can still be answered and stale segments die out before the ports are reused.',
    timeWaitBoth: 'Both sides closed at once, so both wait in TIME_WAIT (2×MSL).',
    noEvents: 'No retransmissions, duplicate ACKs or window problems: the capture shows a clean exchange.',
    event: '{label} ×{count} (first in frame {frame}): {meaning}',
  },
  'zh-cn': {
    title: '流 {stream}：{client} → {server}',
    mss: 'MSS：客户端每个报文段最多接收 {c} 字节数据，服务器 {s} 字节。',
    mssOne: 'MSS：{who}每个报文段最多接收 {n} 字节数据（另一方的 SYN 没有说明）。',
    wsOn: '窗口缩放已启用：客户端的窗口字段乘以 {c}（shift {cs}），服务器乘以 {s}（shift {ss}），所以 Win 可以超过 64 KiB。',
    wsOff: '窗口缩放未启用：只有一方提出，窗口不超过 64 KiB。',
    sackOn: '双方都允许 SACK：接收方可以报告空缺之后已经收到的数据范围。',
    sackOff: '未使用 SACK（不是双方都提出）。',
    tsOn: '时间戳已启用（每个报文段都带 TSval/TSecr）：双方可以测量往返时间，并识别回绕的旧序列号（PAWS）。',
    tsOff: '未使用时间戳。',
    ecnOn: '协商了 ECN：路由器可以标记拥塞而不是丢包。',
    ecnAsked: '客户端请求了 ECN，服务器没有同意。',
    noHandshake: '没有抓到握手，所以协商的选项（MSS、窗口缩放、SACK、时间戳）未知，相对序列号从看到的第一个报文段开始计数。',
    irtt: '初始 RTT {ms} 毫秒：从客户端的 SYN 到它确认 SYN-ACK 的 ACK，大约一个往返。',
    bytes: '数据：客户端 → 服务器 {up} 字节，服务器 → 客户端 {down} 字节，共 {segments} 个报文段，历时 {duration} 秒。',
    timeWait: '{closer}先关闭，所以之后由它在 TIME_WAIT 等待 2×MSL：丢失的最后一个 ACK 仍可补发，旧报文段也会在端口被重新使用之前消失。',
    timeWaitBoth: '双方同时关闭，所以双方都要在 TIME_WAIT 等待 2×MSL。',
    noEvents: '没有重传、重复 ACK 或窗口问题：这是一次干净的交互。',
    event: '{label} ×{count}（首次在帧 {frame}）：{meaning}',
  },
} satisfies Record<Lang, Record<string, string>>;

const SIDE_NAMES = { en: { client: 'client', server: 'server' }, 'zh-cn': { client: '客户端', server: '服务器' } };

export function narrateConnection(x: ConnectionExplanation, lang: Lang = 'en'): Narrative {
  const w = W[lang];
  const details: string[] = [];
  const c = x.options.client;
  const s = x.options.server;
  if (x.opening === 'mid-stream') details.push(w.noHandshake);
  else if (c || s) {
    if (c?.mss != null && s?.mss != null) details.push(fill(w.mss, { c: c.mss, s: s.mss }));
    else if (c?.mss != null) details.push(fill(w.mssOne, { who: SIDE_NAMES[lang].client, n: c.mss }));
    else if (s?.mss != null) details.push(fill(w.mssOne, { who: SIDE_NAMES[lang].server, n: s.mss }));
    if (c && s) {
      if (c.wsShift !== null && s.wsShift !== null) {
        details.push(fill(w.wsOn, { c: 2 ** c.wsShift, cs: c.wsShift, s: 2 ** s.wsShift, ss: s.wsShift }));
      } else if (c.wsShift !== null || s.wsShift !== null) details.push(w.wsOff);
      details.push(c.sackPerm && s.sackPerm ? w.sackOn : w.sackOff);
      details.push(c.tsval !== null && s.tsval !== null ? w.tsOn : w.tsOff);
      if (x.ecn.client) details.push(x.ecn.server ? w.ecnOn : w.ecnAsked);
    }
  }
  if (x.irtt !== null) details.push(fill(w.irtt, { ms: (x.irtt * 1000).toFixed(3) }));
  details.push(fill(w.bytes, { up: x.bytes.toServer, down: x.bytes.toClient, segments: x.segments, duration: x.duration.toFixed(6) }));
  if (x.activeCloser && x.closing !== 'reset' && x.closing !== 'rst-after-fin' && x.closing !== 'open-at-end' && x.closing !== 'half-close') {
    details.push(x.activeCloser === 'both' ? w.timeWaitBoth : fill(w.timeWait, { closer: SIDE_NAMES[lang][x.activeCloser] }));
  }
  if (x.events.length === 0) details.push(w.noEvents);
  for (const e of x.events) {
    details.push(
      fill(w.event, { label: analysisLabel(e.name, lang), count: e.count, frame: e.firstFrame, meaning: termMeaning(e.name as AnalysisTerm, lang) }),
    );
  }
  return {
    title: fill(w.title, { stream: x.stream, client: endpointText(x.client), server: endpointText(x.server) }),
    summary: describeScenario(x, lang),
    details,
  };
}
