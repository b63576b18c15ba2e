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
};

export const GRAPH_WORDS: Record<Lang, GraphWords> = { en: EN, 'zh-cn': ZH };
