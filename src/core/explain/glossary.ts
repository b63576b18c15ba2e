/**
 * The words behind every hover: what a flag or a number means, and where the number comes
 * from. One table per language; the webview, the text hovers and the CLI all read these.
 */

export type Lang = 'en' | 'zh-cn';

export type Term =
  | 'SYN'
  | 'ACK'
  | 'FIN'
  | 'RST'
  | 'PSH'
  | 'URG'
  | 'ECE'
  | 'CWR'
  | 'AE'
  | 'Seq'
  | 'Ack'
  | 'Len'
  | 'Win';

const EN: Record<Term, string> = {
  SYN: 'SYN (synchronize): opens a connection and carries the sender\'s initial sequence number (ISN). It uses one sequence number, so the reply acknowledges ISN + 1.',
  ACK: 'ACK: the Ack field is valid. Every segment after the first SYN carries it; it says which byte the sender expects next.',
  FIN: 'FIN (finish): the sender has no more data to send in this direction. Like SYN it uses one sequence number, so the peer acknowledges it with Seq + 1. The other direction stays open until its own FIN.',
  RST: 'RST (reset): aborts the connection at once, without the FIN exchange. Sent for a connection that does not exist (a refused SYN) or by an application that aborts.',
  PSH: 'PSH (push): deliver the data to the application now rather than waiting for more.',
  URG: 'URG (urgent): the urgent pointer field is valid (rarely used today).',
  ECE: 'ECE (ECN-Echo): on a SYN, the sender can do Explicit Congestion Notification; later, it reports that the network marked a packet as congested.',
  CWR: 'CWR (congestion window reduced): the sender has slowed down in answer to an ECE.',
  AE: 'AE (accurate ECN): a bit used by Accurate ECN (formerly NS).',
  Seq: 'Seq: the number of the first byte of this segment\'s data.',
  Ack: 'Ack: the next byte the sender expects from the peer, i.e. everything before it has arrived.',
  Len: 'Len: bytes of data in this segment (the TCP payload, headers not counted).',
  Win: 'Win: how many bytes the sender can still receive (its receive window), after window scaling.',
};

const ZH: Record<Term, string> = {
  SYN: 'SYN（同步）：发起连接，携带发送方的初始序列号（ISN）。SYN 占用一个序列号，所以对方确认时 Ack = ISN + 1。',
  ACK: 'ACK：确认号字段有效。第一个 SYN 之后的每个报文段都带 ACK，表示发送方期望收到的下一个字节。',
  FIN: 'FIN（结束）：发送方在这个方向上不再发送数据。和 SYN 一样，FIN 占用一个序列号，对方用 Seq + 1 来确认。另一个方向在它自己的 FIN 之前仍然可以发送（半关闭）。',
  RST: 'RST（重置）：立即中止连接，不经过 FIN 挥手。用于不存在的连接（例如被拒绝的 SYN），或应用主动中止。',
  PSH: 'PSH（推送）：让接收方立即把数据交给应用，而不是等待更多数据。',
  URG: 'URG（紧急）：紧急指针字段有效（现在很少使用）。',
  ECE: 'ECE（ECN 回显）：在 SYN 上表示支持显式拥塞通知；之后表示网络把某个包标记为拥塞。',
  CWR: 'CWR（拥塞窗口已减小）：发送方已根据 ECE 降低了发送速率。',
  AE: 'AE（精确 ECN）：Accurate ECN 使用的标志位（以前叫 NS）。',
  Seq: 'Seq（序列号）：本报文段数据第一个字节的编号。',
  Ack: 'Ack（确认号）：发送方期望从对方收到的下一个字节，即在它之前的字节都已收到。',
  Len: 'Len：本报文段携带的数据字节数（TCP 载荷，不含首部）。',
  Win: 'Win（窗口）：发送方还能接收的字节数（接收窗口），已按窗口缩放因子换算。',
};

export function glossary(term: Term, lang: Lang = 'en'): string {
  return (lang === 'zh-cn' ? ZH : EN)[term];
}

export const GLOSSARY_TERMS = Object.keys(EN) as Term[];

/** Facts about one segment that explain where its numbers come from. */
export interface NumberFacts {
  flags: string[];
  seq: number;
  seqRaw: number;
  ack: number | null;
  ackRaw: number | null;
  len: number;
  relative: boolean;
  /** The peer's ISN (raw) and whether its SYN was captured. */
  peerIsn: number | null;
  /** This side's ISN (raw), when its SYN was captured. */
  ownIsn: number | null;
}

/** "Seq=0" explained: relative or raw, from which ISN, and what the next Seq will be. */
export function explainSeq(f: NumberFacts, lang: Lang = 'en'): string {
  const uses = f.len + (f.flags.includes('SYN') ? 1 : 0) + (f.flags.includes('FIN') ? 1 : 0);
  const next = (f.seq + uses) >>> 0;
  if (lang === 'zh-cn') {
    const base = f.relative
      ? f.ownIsn !== null
        ? `相对序列号：原始值 ${f.seqRaw} 减去本方 ISN ${f.ownIsn}。`
        : `相对序列号：本方的 SYN 未被抓到，从第一个报文段的 Seq − 1 开始计数（原始值 ${f.seqRaw}）。`
      : `绝对（原始）序列号。`;
    const syn = f.flags.includes('SYN') ? ' SYN 占用一个序列号。' : '';
    const fin = f.flags.includes('FIN') ? ' FIN 占用一个序列号。' : '';
    return `${base}${syn}${fin} 本段使用 ${uses} 个序列号，本方下一个 Seq = ${next}。`;
  }
  const base = f.relative
    ? f.ownIsn !== null
      ? `Relative sequence number: raw ${f.seqRaw} minus this side's ISN ${f.ownIsn}.`
      : `Relative sequence number: this side's SYN was not captured, so counting starts at its first segment's Seq − 1 (raw ${f.seqRaw}).`
    : `Absolute (raw) sequence number.`;
  const syn = f.flags.includes('SYN') ? ' The SYN uses one sequence number.' : '';
  const fin = f.flags.includes('FIN') ? ' The FIN uses one sequence number.' : '';
  return `${base}${syn}${fin} This segment uses ${uses}, so this side's next Seq is ${next}.`;
}

/** "Ack=1" explained: which bytes it confirms and why it is that number. */
export function explainAck(f: NumberFacts, lang: Lang = 'en'): string {
  if (f.ack === null) return lang === 'zh-cn' ? '没有 ACK 标志：确认号无意义。' : 'No ACK flag: the Ack field means nothing here.';
  if (lang === 'zh-cn') {
    const why =
      f.relative && f.ack === 1 ? '对方的 SYN 用掉了序列号 0，所以期望的下一个是 1。' : `对方从 0 到 ${(f.ack - 1) >>> 0} 的序列号都已收到。`;
    const raw = f.relative && f.peerIsn !== null ? `（原始值 ${f.ackRaw} = 对方 ISN ${f.peerIsn} + ${f.ack}）` : '';
    return `Ack=${f.ack}：期望对方下一个序列号为 ${f.ack}。${why}${raw}`;
  }
  const why =
    f.relative && f.ack === 1
      ? "the peer's SYN used sequence number 0, so 1 is the next one expected."
      : `everything the peer sent up to ${(f.ack - 1) >>> 0} has arrived.`;
  const raw = f.relative && f.peerIsn !== null ? ` (raw ${f.ackRaw} = peer's ISN ${f.peerIsn} + ${f.ack})` : '';
  return `Ack=${f.ack}: the next sequence number expected from the peer; ${why}${raw}`;
}
