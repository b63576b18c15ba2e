import type { Lang } from '../explain/glossary';
import type { AxisQuantity, GraphKind, SetId } from './series';

/**
 * The graphs' words, one table per language: titles, axis names and legend entries. The unit
 * test fails when one language lacks a key the other has.
 */

interface GraphWords {
  /** "{title} · {from} → {to}": {from} sent the data drawn. */
  heading: string;
  title: Record<GraphKind, string>;
  axis: Record<AxisQuantity, string>;
  legend: Record<SetId | 'irtt', string>;
  /** Under the title: the throughput's averaging window. */
  window: string;
  /** A graph with nothing to draw. */
  empty: string;
  /** What a point of each set means, for the hover in the editor. */
  meaning: Record<SetId | 'irtt', string>;
  /** The editor's graph controls. */
  ui: {
    kind: Record<GraphKind, string>;
    kindLabel: string;
    /** The direction switch: "{from} → {to}" is what each choice reads. */
    directionLabel: string;
    stevens: string;
    stevensHint: string;
    windowLabel: string;
    windowHint: string;
    reset: string;
    saveSvg: string;
    savePng: string;
    saveCsv: string;
    hint: string;
    frame: string;
    time: string;
    loading: string;
    /** Under the graph: how many points it draws. */
    points: string;
    /** The legend: click a name to hide or show its points. */
    legendHint: string;
  };
}

const EN: GraphWords = {
  heading: '{title} · stream {stream} · {from} → {to}',
  title: {
    tcptrace: 'Sequence numbers (tcptrace)',
    throughput: 'Throughput',
    rtt: 'Round-trip time',
    window: 'Window and bytes in flight',
  },
  axis: {
    time: 'Time since the first segment',
    seq: 'Relative sequence number',
    length: 'Segment length',
    rate: 'Rate',
    rtt: 'Round-trip time (tcp.analysis.ack_rtt)',
    bytes: 'Bytes',
  },
  legend: {
    data: 'Data segment (seq to seq + len)',
    ack: 'ACK (acknowledged up to)',
    rwin: 'Receive window (ACK + window)',
    sack: 'SACK block',
    retransmission: 'Retransmission',
    out_of_order: 'Out of order',
    lost: 'After a segment not captured',
    duplicate_ack: 'Duplicate ACK',
    zero_window: 'Zero window',
    segment_length: 'Segment length',
    throughput: 'Throughput (moving average)',
    goodput: 'Goodput: bytes acknowledged (moving average)',
    rtt: 'RTT of an acknowledged segment',
    window: 'Receive window advertised by the peer',
    bytes_in_flight: 'Bytes in flight (tcp.analysis.bytes_in_flight)',
    window_full: 'Window full',
    irtt: 'Initial RTT (handshake)',
  },
  window: 'Moving average over {seconds} s',
  empty: 'Nothing to draw: this direction has no such points.',
  meaning: {
    data: 'A segment the sender sent: its bar runs from its first byte (seq) to after its last (seq + len).',
    ack: 'The receiver has everything up to here (its ACK number).',
    rwin: 'How far the sender may send: the ACK plus the window the receiver advertised.',
    sack: 'Bytes the receiver holds beyond a gap (selective acknowledgement): only the gap needs sending again.',
    retransmission: 'These bytes were sent before: the first copy was lost, or its ACK was.',
    out_of_order: 'This segment came after one with higher sequence numbers.',
    lost: 'A segment before this one was not captured (lost, or missed by the capture).',
    duplicate_ack: 'The same ACK again: the receiver is still missing the bytes at this number.',
    zero_window: 'The receiver has no room: the sender must wait.',
    segment_length: 'How many bytes of data this segment carried.',
    throughput: 'Bits the sender sent per second, averaged over the window (retransmissions count).',
    goodput: 'Bits the receiver acknowledged for the first time per second, averaged over the window.',
    rtt: 'Time from a segment to the ACK that first covered it (tcp.analysis.ack_rtt).',
    window: 'The room the receiver advertised, scaled.',
    bytes_in_flight: 'Bytes sent and not yet acknowledged (tcp.analysis.bytes_in_flight).',
    window_full: 'The sender filled the receiver\'s whole window: it must wait for an ACK.',
    irtt: 'The round trip of the handshake (SYN to the ACK of SYN-ACK).',
  },
  ui: {
    kind: { tcptrace: 'Sequence (tcptrace)', throughput: 'Throughput', rtt: 'Round-trip time', window: 'Window' },
    kindLabel: 'Graph',
    directionLabel: 'Segments sent',
    stevens: 'Dots (Stevens)',
    stevensHint: 'Draw each segment as a dot at its sequence number, as W. Richard Stevens drew them, instead of a bar from seq to seq + len.',
    windowLabel: 'Average over (s)',
    windowHint: 'The moving-average window of the throughput, in seconds (kept for the next graphs).',
    reset: 'Reset zoom',
    saveSvg: 'Save SVG',
    savePng: 'Save PNG',
    saveCsv: 'Save data (CSV)',
    hint: 'Drag to zoom · wheel zooms time · Shift+wheel or arrow keys pan · double-click or 0 resets · click a point to select its segment',
    frame: 'Frame',
    time: 'Time',
    loading: 'Reading the connection…',
    points: '{points} points',
    legendHint: 'Click to hide or show',
  },
};

const ZH: GraphWords = {
  heading: '{title} · 流 {stream} · {from} → {to}',
  title: {
    tcptrace: '序列号（tcptrace）',
    throughput: '吞吐量',
    rtt: '往返时间',
    window: '窗口与在途字节',
  },
  axis: {
    time: '距第一个报文段的时间',
    seq: '相对序列号',
    length: '报文段长度',
    rate: '速率',
    rtt: '往返时间（tcp.analysis.ack_rtt）',
    bytes: '字节',
  },
  legend: {
    data: '数据报文段（seq 到 seq + len）',
    ack: 'ACK（确认到此）',
    rwin: '接收窗口（ACK + 窗口）',
    sack: 'SACK 块',
    retransmission: '重传',
    out_of_order: '乱序',
    lost: '前一报文段未被捕获',
    duplicate_ack: '重复 ACK',
    zero_window: '零窗口',
    segment_length: '报文段长度',
    throughput: '吞吐量（移动平均）',
    goodput: '有效吞吐量：已确认字节（移动平均）',
    rtt: '被确认报文段的往返时间',
    window: '对端通告的接收窗口',
    bytes_in_flight: '在途字节（tcp.analysis.bytes_in_flight）',
    window_full: '窗口已满',
    irtt: '初始往返时间（握手）',
  },
  window: '{seconds} 秒移动平均',
  empty: '无可绘制内容：此方向没有这类数据点。',
  meaning: {
    data: '发送方发出的报文段：竖条从它的第一个字节（seq）画到最后一个字节之后（seq + len）。',
    ack: '接收方已收到此处之前的全部数据（它的 ACK 号）。',
    rwin: '发送方最多可以发到这里：ACK 加上接收方通告的窗口。',
    sack: '接收方在缺口之后已收到的字节（选择性确认）：只需重发缺口。',
    retransmission: '这些字节之前发过：第一份丢了，或者它的 ACK 丢了。',
    out_of_order: '这个报文段到得比序列号更大的报文段晚。',
    lost: '它之前的一个报文段没有被捕获（丢失，或抓包漏掉）。',
    duplicate_ack: '又一个相同的 ACK：接收方仍缺这个序号处的字节。',
    zero_window: '接收方没有空间了：发送方必须等待。',
    segment_length: '这个报文段携带的数据字节数。',
    throughput: '发送方每秒发出的比特数，在窗口内取平均（重传也计入）。',
    goodput: '接收方每秒首次确认的比特数，在窗口内取平均。',
    rtt: '从报文段发出到第一次确认它的 ACK 的时间（tcp.analysis.ack_rtt）。',
    window: '接收方通告的空间（已按窗口缩放）。',
    bytes_in_flight: '已发送但尚未被确认的字节（tcp.analysis.bytes_in_flight）。',
    window_full: '发送方已填满接收方的整个窗口：必须等待 ACK。',
    irtt: '握手的往返时间（从 SYN 到对 SYN-ACK 的 ACK）。',
  },
  ui: {
    kind: { tcptrace: '序列号（tcptrace）', throughput: '吞吐量', rtt: '往返时间', window: '窗口' },
    kindLabel: '图',
    directionLabel: '发送的报文段',
    stevens: '画点（Stevens）',
    stevensHint: '像 W. Richard Stevens 那样，把每个报文段画成其序列号处的一个点，而不是从 seq 到 seq + len 的竖条。',
    windowLabel: '平均窗口（秒）',
    windowHint: '吞吐量移动平均的窗口，单位为秒（之后的图沿用此值）。',
    reset: '重置缩放',
    saveSvg: '保存 SVG',
    savePng: '保存 PNG',
    saveCsv: '保存数据（CSV）',
    hint: '拖动以缩放 · 滚轮缩放时间 · Shift+滚轮或方向键平移 · 双击或按 0 重置 · 点击数据点选中其报文段',
    frame: '帧',
    time: '时间',
    loading: '正在读取此连接…',
    points: '{points} 个数据点',
    legendHint: '点击以隐藏或显示',
  },
};

export const GRAPH_WORDS: Record<Lang, GraphWords> = { en: EN, 'zh-cn': ZH };
