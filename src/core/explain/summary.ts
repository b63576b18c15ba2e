import { C_ACK, C_RST, C_SYN, C_SYNACK, TcpConversation } from '../tcp/analysis';
import { Lang } from './glossary';

/** How a connection opened and ended, in a few words, from what the capture shows. */

export type Opening = 'handshake' | 'refused' | 'no-answer' | 'syn-synack-only' | 'mid-stream';
export type Ending = 'closed' | 'half-closed' | 'reset' | 'open';

export interface ConnectionSummary {
  opening: Opening;
  ending: Ending;
  /** Who sent the first FIN, or the RST. */
  by: 'client' | 'server' | null;
}

export function summarize(c: TcpConversation): ConnectionSummary {
  const toServer = c.clientIsA ? c.flowAB : c.flowBA;
  const toClient = c.clientIsA ? c.flowBA : c.flowAB;
  const k = c.completeness;
  let opening: Opening;
  if (!(k & C_SYN) && toServer.synCount === 0) opening = 'mid-stream';
  else if (k & C_SYNACK && k & C_ACK) opening = 'handshake';
  else if (k & C_SYNACK) opening = 'syn-synack-only';
  else if (k & C_RST && toClient.rstCount > 0) opening = 'refused';
  else opening = 'no-answer';
  const firstRst = pickFirst(toServer.firstRstFrame, toClient.firstRstFrame);
  const firstFin = pickFirst(toServer.firstFinFrame, toClient.firstFinFrame);
  if (firstRst && opening !== 'refused') {
    return { opening, ending: 'reset', by: firstRst === toServer.firstRstFrame ? 'client' : 'server' };
  }
  if (opening === 'refused') return { opening, ending: 'reset', by: 'server' };
  if (firstFin) {
    const by = firstFin === toServer.firstFinFrame ? 'client' : 'server';
    const both = toServer.finCount > 0 && toClient.finCount > 0;
    return { opening, ending: both ? 'closed' : 'half-closed', by };
  }
  return { opening, ending: 'open', by: null };
}

function pickFirst(a: number, b: number): number {
  if (!a) return b;
  if (!b) return a;
  return Math.min(a, b);
}

const WORDS: Record<Lang, Record<string, string>> = {
  en: {
    handshake: 'handshake',
    refused: 'refused (RST)',
    'no-answer': 'SYN, no answer',
    'syn-synack-only': 'SYN, SYN-ACK, no final ACK',
    'mid-stream': 'no handshake captured',
    closed: 'FIN from {by}, closed',
    'half-closed': 'FIN from {by}, half-closed',
    reset: 'reset by {by}',
    open: 'still open at the end',
    client: 'client',
    server: 'server',
  },
  'zh-cn': {
    handshake: '三次握手',
    refused: '被拒绝（RST）',
    'no-answer': 'SYN 无应答',
    'syn-synack-only': 'SYN、SYN-ACK，缺最后的 ACK',
    'mid-stream': '未抓到握手',
    closed: '{by}先发 FIN，已关闭',
    'half-closed': '{by}发 FIN，半关闭',
    reset: '{by}发送 RST 重置',
    open: '抓包结束时仍未关闭',
    client: '客户端',
    server: '服务器',
  },
};

export function openingText(s: ConnectionSummary, lang: Lang = 'en'): string {
  return WORDS[lang][s.opening]!;
}

export function endingText(s: ConnectionSummary, lang: Lang = 'en'): string {
  const w = WORDS[lang];
  return w[s.ending]!.replace('{by}', s.by ? w[s.by]! : '?');
}
