import type { Lang } from '../core/explain/glossary';
import { GLOSSARY_TERMS, glossary } from '../core/explain/glossary';
import type { Strings } from '../shared/protocol';

/** The webview's words in the user's language; glossary entries come from src/core/explain. */
const UI: Record<Lang, Strings> = {
  en: {
    connections: 'TCP connections',
    filter: 'Filter: address, port, stream, or an expression (tcp.port == 4000 && closing == "reset")',
    stream: 'Stream',
    clientServer: 'Client → server',
    opened: 'Opened',
    ended: 'Ended',
    packets: 'Packets',
    bytesToServer: 'Bytes →',
    bytesToClient: 'Bytes ←',
    duration: 'Duration',
    irtt: 'iRTT',
    flags: 'Events',
    client: 'Client',
    server: 'Server',
    handshake: 'Three-way handshake',
    data: 'Data',
    teardown: 'Teardown',
    inferred: 'inferred: the capture cannot show this state',
    pick: 'Select a connection to see its ladder diagram.',
    noConnections: 'No TCP connections in this capture.',
    loading: 'Reading the capture…',
    retransmissions: 'retransmissions',
    resets: 'resets',
    zeroWindows: 'zero windows',
    segment: 'Segment',
    segments: 'segments',
    frame: 'Frame',
    time: 'Time',
    stateAfter: 'State after this segment',
    relative: 'relative',
    absolute: 'absolute',
    more: 'Options, timing and events',
    packetCount: '{0} packets ({1} TCP)',
    copyMarkdown: 'Copy as Markdown',
    exportMermaid: 'Mermaid',
    exportSvg: 'SVG',
    indexing: 'reading… {0}%',
    noMatch: 'No connection matches the filter.',
  },
  'zh-cn': {
    connections: 'TCP 连接',
    filter: '筛选：地址、端口、流编号或表达式（tcp.port == 4000 && closing == "reset"）',
    stream: '流',
    clientServer: '客户端 → 服务器',
    opened: '建立',
    ended: '结束',
    packets: '包数',
    bytesToServer: '字节 →',
    bytesToClient: '字节 ←',
    duration: '时长',
    irtt: '初始 RTT',
    flags: '事件',
    client: '客户端',
    server: '服务器',
    handshake: '三次握手',
    data: '数据传输',
    teardown: '挥手（关闭连接）',
    inferred: '推断：抓包无法直接显示这个状态',
    pick: '选择一个连接，查看它的时序图。',
    noConnections: '这个抓包里没有 TCP 连接。',
    loading: '正在读取抓包…',
    retransmissions: '重传',
    resets: '重置',
    zeroWindows: '零窗口',
    segment: '报文段',
    segments: '个报文段',
    frame: '帧',
    time: '时间',
    stateAfter: '本报文段之后的状态',
    relative: '相对',
    absolute: '绝对',
    more: '选项、时间与事件',
    packetCount: '{0} 个包（{1} 个 TCP）',
    copyMarkdown: '复制为 Markdown',
    exportMermaid: 'Mermaid',
    exportSvg: 'SVG',
    indexing: '正在读取… {0}%',
    noMatch: '没有连接符合筛选条件。',
  },
};

export function webviewStrings(lang: Lang): Strings {
  const out: Strings = { ...UI[lang] };
  for (const t of GLOSSARY_TERMS) out[`term.${t}`] = glossary(t, lang);
  return out;
}

export function uiKeys(lang: Lang): string[] {
  return Object.keys(UI[lang]);
}
