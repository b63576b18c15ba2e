import { Lang, fill } from '../explain/glossary';

/**
 * The words application messages are told in. Protocol names and the names a protocol gives
 * its own messages (GET, ClientHello, ChangeCipherSpec) stay as the standards write them, in
 * both languages, as Wireshark shows them; what we say about them is translated.
 */
const EN = {
  continues: 'continues {what}',
  repeats: 'repeats {what}',
  incomplete: 'incomplete',
  malformed: 'malformed: {why}',
  more: '+{n} more',
  bytes: '{n} bytes',
  chunked: 'chunked',
  data: 'Data',
  dataSummary: 'Data: {n} bytes "{preview}"',
  dataSummaryNoLength: 'Data: "{preview}"',
  encrypted: 'encrypted',
  encryptedHandshake: 'encrypted handshake message',
  applicationData: 'Application Data',
  alert: 'Alert',
  heartbeat: 'Heartbeat',
  unknownHandshake: 'handshake message type {n}',
  helloRetry: 'HelloRetryRequest',
  warning: 'warning',
  fatal: 'fatal',
  layerHttp: 'HTTP',
  layerTls: 'TLS',
  layerData: 'Data',
  headerTooLong: 'header longer than 64 KiB',
  badChunk: 'bad chunk size',
  badLength: 'bad Content-Length',
  badHandshake: 'hello longer than 64 KiB',
} as const;

export type AppWord = keyof typeof EN;

const ZH: Record<AppWord, string> = {
  continues: '接续 {what}',
  repeats: '重复 {what}',
  incomplete: '不完整',
  malformed: '格式错误：{why}',
  more: '另有 {n} 个',
  bytes: '{n} 字节',
  chunked: '分块传输',
  data: '数据',
  dataSummary: '数据：{n} 字节 "{preview}"',
  dataSummaryNoLength: '数据："{preview}"',
  encrypted: '已加密',
  encryptedHandshake: '加密的握手消息',
  applicationData: '应用数据',
  alert: '告警',
  heartbeat: '心跳',
  unknownHandshake: '握手消息类型 {n}',
  helloRetry: 'HelloRetryRequest',
  warning: '警告',
  fatal: '致命',
  layerHttp: 'HTTP',
  layerTls: 'TLS',
  layerData: '数据',
  headerTooLong: '头部超过 64 KiB',
  badChunk: '分块大小错误',
  badLength: 'Content-Length 无效',
  badHandshake: 'hello 消息超过 64 KiB',
};

export const APP_WORDS: Record<Lang, Record<AppWord, string>> = { en: EN, 'zh-cn': ZH };

export function appWord(word: AppWord, lang: Lang = 'en', vars: Record<string, string | number> = {}): string {
  return fill(APP_WORDS[lang][word], vars);
}
