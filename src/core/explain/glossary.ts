/**
 * The words behind every hover: what a flag or a number means, and where the number comes
 * from. One table per language; the webview, the text hovers and the CLI all read these.
 */

import type { TcpState } from '../tcp/states';

export type Lang = 'en' | 'zh-cn';

export type FlagTerm = 'SYN' | 'ACK' | 'FIN' | 'RST' | 'PSH' | 'URG' | 'ECE' | 'CWR' | 'AE';
export type FieldTerm = 'Seq' | 'Ack' | 'Len' | 'Win' | 'ISN' | 'WS' | 'MSS' | 'SACK_PERM' | 'SACK' | 'TS' | 'TFO' | 'ECN' | 'iRTT' | 'MSL';
export type StateTerm = TcpState;
/** Wireshark's tcp.analysis.* names, as analysisFlagNames() gives them. */
export type AnalysisTerm =
  | 'retransmission'
  | 'fast_retransmission'
  | 'spurious_retransmission'
  | 'out_of_order'
  | 'lost_segment'
  | 'ack_lost_segment'
  | 'window_update'
  | 'window_full'
  | 'keep_alive'
  | 'keep_alive_ack'
  | 'duplicate_ack'
  | 'zero_window_probe'
  | 'zero_window'
  | 'zero_window_probe_ack'
  | 'reused_ports';
export type Term = FlagTerm | FieldTerm | StateTerm | AnalysisTerm;

const EN: Record<Term, string> = {
  SYN: 'SYN (synchronize): opens a connection and carries the sender\'s initial sequence number (ISN). It uses one sequence number, so the reply acknowledges ISN + 1.',
  ACK: 'ACK: the Ack field is valid. Every segment after the first SYN carries it; it says which byte the sender expects next.',
  FIN: 'FIN (finish): the sender has no more data to send in this direction. Like SYN it uses one sequence number, so the peer acknowledges it with Seq + 1. The other direction stays open until its own FIN.',
  RST: 'RST (reset): aborts the connection at once, without the FIN exchange. Sent for a connection that does not exist (a refused SYN) or by an application that aborts.',
  PSH: 'PSH (push): deliver the data to the application now rather than waiting for more. Senders set it on the last segment of a write.',
  URG: 'URG (urgent): the urgent pointer field is valid (rarely used today).',
  ECE: 'ECE (ECN-Echo): on a SYN, the sender can do Explicit Congestion Notification; later, it reports that the network marked a packet as congested.',
  CWR: 'CWR (congestion window reduced): the sender has slowed down in answer to an ECE. On a SYN, together with ECE, it asks for ECN.',
  AE: 'AE (accurate ECN, formerly NS): a bit used by Accurate ECN (RFC 9768) to count congestion marks.',
  Seq: 'Seq: the number of the first byte of this segment\'s data. Each side numbers its own bytes, starting from its ISN.',
  Ack: 'Ack: the next byte the sender expects from the peer, i.e. everything before it has arrived. Ack = peer\'s Seq + Len, plus 1 for a SYN or FIN.',
  Len: 'Len: bytes of data in this segment (the TCP payload, headers not counted). Seq advances by Len.',
  Win: 'Win: how many more bytes the sender can receive (its receive window), after window scaling.',
  ISN: 'ISN (initial sequence number): the random number each side picks for its SYN. Relative numbers (Wireshark\'s default) subtract it, so the SYN shows Seq=0.',
  WS: 'Window scale (WS): offered on the SYN by both sides; when both do, the 16-bit window field is multiplied by 2^shift from the handshake on, so windows larger than 64 KiB fit. Win shows the scaled value.',
  MSS: 'MSS (maximum segment size): the largest payload the sender wants to receive in one segment, announced on the SYN. Each side announces its own.',
  SACK_PERM: 'SACK permitted: on the SYN, the sender can receive selective acknowledgments. Both sides must offer it.',
  SACK: 'SACK (selective acknowledgment): ranges of data received beyond the Ack, so the sender retransmits only the missing bytes.',
  TS: 'Timestamps (TSval/TSecr): each segment carries the sender\'s clock and echoes the peer\'s, to measure round-trip time and to protect against wrapped sequence numbers (PAWS).',
  TFO: 'TCP Fast Open (TFO): a client with a cookie from an earlier connection sends data on its SYN, saving one round trip. TFO=R asks for a cookie, TFO=C carries one.',
  ECN: 'ECN (Explicit Congestion Notification): routers mark packets instead of dropping them; the receiver echoes the mark (ECE), the sender slows down (CWR). Negotiated on the SYN with ECE+CWR and on the SYN-ACK with ECE.',
  iRTT: 'iRTT (initial round-trip time): from the client\'s SYN to its ACK of the SYN-ACK, as Wireshark measures it. Roughly one network round trip.',
  MSL: 'MSL (maximum segment lifetime): how long a segment may wander in the network. TIME_WAIT lasts 2×MSL (60 s on Linux).',
  CLOSED: 'CLOSED: no connection.',
  LISTEN: 'LISTEN: a server waits for a SYN on its port. Never seen on the wire: it is known because a SYN-ACK answers.',
  SYN_SENT: 'SYN_SENT: the client has sent its SYN and waits for SYN-ACK.',
  SYN_RECEIVED: 'SYN_RECEIVED: a SYN arrived and was answered with SYN-ACK; waiting for the ACK that completes the handshake.',
  ESTABLISHED: 'ESTABLISHED: the handshake is complete; both directions can carry data.',
  FIN_WAIT_1: 'FIN_WAIT_1: this side sent its FIN (it will send no more data) and waits for it to be acknowledged.',
  FIN_WAIT_2: 'FIN_WAIT_2: this side\'s FIN is acknowledged; it can still receive data until the peer\'s FIN.',
  CLOSE_WAIT: 'CLOSE_WAIT: the peer has closed its direction (FIN received); this side may still send, and waits for its application to close.',
  CLOSING: 'CLOSING: both sides sent a FIN at the same time; this side waits for the ACK of its own FIN.',
  LAST_ACK: 'LAST_ACK: this side sent its FIN after the peer\'s and waits for the last ACK.',
  TIME_WAIT: 'TIME_WAIT: the side that closed first waits 2×MSL before forgetting the connection, so a lost last ACK can be sent again and old duplicate segments die out before the same ports are reused.',
  retransmission: 'Retransmission: this data was sent before and is sent again; the first copy or its ACK was probably lost (or the timer fired too early).',
  fast_retransmission: 'Fast retransmission: sent again after duplicate ACKs showed the peer is missing this data, without waiting for the timer.',
  spurious_retransmission: 'Spurious retransmission: sent again although the peer had already acknowledged it; the retransmission was not needed.',
  out_of_order: 'Out of order: this segment arrived later than a segment with a higher sequence number.',
  lost_segment: 'Previous segment not captured: a gap in sequence numbers; a segment before this one was lost or missed by the capture.',
  ack_lost_segment: 'ACKed unseen segment: this ACK covers data the capture never saw.',
  window_update: 'Window update: no data and no new ACK, only a bigger window: the receiver has read data and has room again.',
  window_full: 'Window full: this segment fills the peer\'s receive window; the sender must wait for an ACK or window update.',
  keep_alive: 'Keep-alive: a probe with the sequence number one below the next byte, to check that the peer is still there.',
  keep_alive_ack: 'Keep-alive ACK: the answer to a keep-alive probe; the peer is alive.',
  duplicate_ack: 'Duplicate ACK: the same Ack again. The receiver got a segment beyond a gap and repeats what it still needs; three in a row trigger a fast retransmission.',
  zero_window_probe: 'Zero-window probe: the peer\'s window is zero; the sender tests whether it has opened.',
  zero_window: 'Zero window: the sender\'s receive buffer is full; the peer must stop sending until a window update.',
  zero_window_probe_ack: 'Zero-window probe ACK: the answer to a zero-window probe.',
  reused_ports: 'Port numbers reused: a new SYN on the same addresses and ports as an earlier connection.',
};

const ZH: Record<Term, string> = {
  SYN: 'SYN（同步）：发起连接，携带发送方的初始序列号（ISN）。SYN 占用一个序列号，所以对方确认时 Ack = ISN + 1。',
  ACK: 'ACK：确认号字段有效。第一个 SYN 之后的每个报文段都带 ACK，表示发送方期望收到的下一个字节。',
  FIN: 'FIN（结束）：发送方在这个方向上不再发送数据。和 SYN 一样，FIN 占用一个序列号，对方用 Seq + 1 来确认。另一个方向在它自己的 FIN 之前仍然可以发送（半关闭）。',
  RST: 'RST（重置）：立即中止连接，不经过 FIN 挥手。用于不存在的连接（例如被拒绝的 SYN），或应用主动中止。',
  PSH: 'PSH（推送）：让接收方立即把数据交给应用，而不是等待更多数据。发送方通常在一次写入的最后一个报文段上设置它。',
  URG: 'URG（紧急）：紧急指针字段有效（现在很少使用）。',
  ECE: 'ECE（ECN 回显）：在 SYN 上表示支持显式拥塞通知；之后表示网络把某个包标记为拥塞。',
  CWR: 'CWR（拥塞窗口已减小）：发送方已根据 ECE 降低了发送速率。在 SYN 上与 ECE 一起表示请求使用 ECN。',
  AE: 'AE（精确 ECN，以前叫 NS）：Accurate ECN（RFC 9768）用来统计拥塞标记的标志位。',
  Seq: 'Seq（序列号）：本报文段数据第一个字节的编号。双方各自给自己发送的字节编号，从自己的 ISN 开始。',
  Ack: 'Ack（确认号）：发送方期望从对方收到的下一个字节，即在它之前的字节都已收到。Ack = 对方的 Seq + Len，SYN 或 FIN 再加 1。',
  Len: 'Len：本报文段携带的数据字节数（TCP 载荷，不含首部）。Seq 按 Len 增长。',
  Win: 'Win（窗口）：发送方还能接收的字节数（接收窗口），已按窗口缩放因子换算。',
  ISN: 'ISN（初始序列号）：双方各自为自己的 SYN 随机选取的序列号。相对序列号（Wireshark 默认）减去了它，所以 SYN 显示为 Seq=0。',
  WS: '窗口缩放（WS）：双方在 SYN 上提出；只有双方都提出时才生效，从握手之后起 16 位的窗口字段要乘以 2^shift，这样窗口可以超过 64 KiB。Win 显示的是换算后的值。',
  MSS: 'MSS（最大报文段长度）：发送方在 SYN 上告知的、它愿意在一个报文段里接收的最大载荷。双方各自告知自己的值。',
  SACK_PERM: '允许 SACK：在 SYN 上表示发送方能接收选择性确认。双方都必须提出。',
  SACK: 'SACK（选择性确认）：告知对方在 Ack 之后已经收到的数据范围，这样对方只需重传缺失的字节。',
  TS: '时间戳（TSval/TSecr）：每个报文段带上发送方的时钟并回显对方的时钟，用于测量往返时间，并防止序列号回绕（PAWS）。',
  TFO: 'TCP 快速打开（TFO）：持有之前连接得到的 cookie 的客户端可以在 SYN 上直接发送数据，省去一个往返。TFO=R 表示请求 cookie，TFO=C 表示携带 cookie。',
  ECN: 'ECN（显式拥塞通知）：路由器给包打标记而不是丢弃；接收方回显标记（ECE），发送方降速（CWR）。在 SYN 上用 ECE+CWR、在 SYN-ACK 上用 ECE 协商。',
  iRTT: 'iRTT（初始往返时间）：从客户端的 SYN 到它确认 SYN-ACK 的 ACK，与 Wireshark 的算法一致。大约是一个网络往返。',
  MSL: 'MSL（报文段最大生存时间）：一个报文段在网络中可能存在的最长时间。TIME_WAIT 持续 2×MSL（Linux 上为 60 秒）。',
  CLOSED: 'CLOSED：没有连接。',
  LISTEN: 'LISTEN：服务器在端口上等待 SYN。这个状态不会出现在线路上：是因为有 SYN-ACK 回应才知道它在监听。',
  SYN_SENT: 'SYN_SENT：客户端已发送 SYN，等待 SYN-ACK。',
  SYN_RECEIVED: 'SYN_RECEIVED：收到 SYN 并已回复 SYN-ACK，等待完成握手的 ACK。',
  ESTABLISHED: 'ESTABLISHED：握手完成，两个方向都可以传输数据。',
  FIN_WAIT_1: 'FIN_WAIT_1：本方已发送 FIN（不再发送数据），等待对方确认。',
  FIN_WAIT_2: 'FIN_WAIT_2：本方的 FIN 已被确认；在对方发来 FIN 之前仍可以接收数据。',
  CLOSE_WAIT: 'CLOSE_WAIT：对方已关闭它的方向（收到 FIN）；本方仍可发送数据，等待自己的应用关闭连接。',
  CLOSING: 'CLOSING：双方同时发送了 FIN；本方等待对方确认自己的 FIN。',
  LAST_ACK: 'LAST_ACK：本方在对方之后发送了 FIN，等待最后一个 ACK。',
  TIME_WAIT: 'TIME_WAIT：先关闭的一方要等待 2×MSL 才释放连接，这样丢失的最后一个 ACK 可以重发，旧的重复报文段也会在相同端口被重新使用之前消失。',
  retransmission: '重传：这段数据之前发送过，现在再次发送；第一次发送的报文段或它的确认可能丢失了（也可能是定时器过早超时）。',
  fast_retransmission: '快速重传：重复 ACK 表明对方缺少这段数据，发送方没有等待超时就重传了。',
  spurious_retransmission: '虚假重传：对方已经确认过这段数据，重传其实没有必要。',
  out_of_order: '乱序：这个报文段比序列号更大的报文段来得晚。',
  lost_segment: '前一个报文段未被抓到：序列号出现空缺；之前的某个报文段丢失了，或者没有被抓包抓到。',
  ack_lost_segment: '确认了未抓到的报文段：这个 ACK 确认的数据没有出现在抓包里。',
  window_update: '窗口更新：没有数据也没有新的确认，只是窗口变大了：接收方读走了数据，又有空间了。',
  window_full: '窗口已满：这个报文段填满了对方的接收窗口；发送方必须等待确认或窗口更新。',
  keep_alive: '保活（keep-alive）：序列号比下一个字节小 1 的探测报文，用来检查对方是否还在。',
  keep_alive_ack: '保活确认：对保活探测的回应，对方仍然在线。',
  duplicate_ack: '重复 ACK：再次发送相同的确认号。接收方收到了空缺之后的报文段，重复告知它仍需要的数据；连续三个会触发快速重传。',
  zero_window_probe: '零窗口探测：对方窗口为零，发送方探测窗口是否已经打开。',
  zero_window: '零窗口：发送方的接收缓冲区已满；对方必须停止发送，直到窗口更新。',
  zero_window_probe_ack: '零窗口探测确认：对零窗口探测的回应。',
  reused_ports: '端口重用：在与之前的连接相同的地址和端口上出现了新的 SYN。',
};

/** Puts values into a sentence: "{side} closes" with { side: "client" }. Unknown names stay as written. */
export function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

export function glossary(term: Term, lang: Lang = 'en'): string {
  return (lang === 'zh-cn' ? ZH : EN)[term];
}

/** A glossary entry without its leading name ("FIN_WAIT_1: this side sent…" → "this side sent…"). */
export function termMeaning(term: Term, lang: Lang = 'en'): string {
  const text = glossary(term, lang);
  const cut = lang === 'zh-cn' ? text.indexOf('：') : text.indexOf(': ');
  if (cut < 0) return text;
  const rest = text.slice(cut + (lang === 'zh-cn' ? 1 : 2));
  return lang === 'zh-cn' ? rest : rest.charAt(0).toUpperCase() + rest.slice(1);
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
