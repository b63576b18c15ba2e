import { Lang } from '../explain/glossary';
import { mediaType } from './http';
import { AppMessage, HttpMessage, MalformedReason, PREVIEW_CHARS, TlsMessage, TlsType } from './types';
import { AppWord, appWord } from './words';

/**
 * Text for application messages: a summary per message ("HTTP/1.1 200 OK · text/html · 11
 * bytes: hello world"), the names Wireshark's Info column gives them ("Client Hello"), and one
 * line per connection ("HTTP GET / → 200 +2 more").
 *
 * These strings hold text from the capture (URIs, phrases, server names, previews) unescaped:
 * the caller escapes them for where they are shown.
 */

/** IANA names of the cipher suites seen in practice; others are shown in hex. */
const CIPHER_SUITES: Record<number, string> = {
  0x1301: 'TLS_AES_128_GCM_SHA256',
  0x1302: 'TLS_AES_256_GCM_SHA384',
  0x1303: 'TLS_CHACHA20_POLY1305_SHA256',
  0x1304: 'TLS_AES_128_CCM_SHA256',
  0x1305: 'TLS_AES_128_CCM_8_SHA256',
  0xc02b: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  0xc02c: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  0xc02f: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  0xc030: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  0xcca8: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  0xcca9: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  0xccaa: 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  0xc009: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  0xc00a: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  0xc013: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  0xc014: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  0xc023: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256',
  0xc024: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384',
  0xc027: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
  0xc028: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384',
  0x009c: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
  0x009d: 'TLS_RSA_WITH_AES_256_GCM_SHA384',
  0x009e: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256',
  0x009f: 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384',
  0x002f: 'TLS_RSA_WITH_AES_128_CBC_SHA',
  0x0035: 'TLS_RSA_WITH_AES_256_CBC_SHA',
  0x003c: 'TLS_RSA_WITH_AES_128_CBC_SHA256',
  0x003d: 'TLS_RSA_WITH_AES_256_CBC_SHA256',
  0x0033: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA',
  0x0039: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA',
  0x000a: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA',
  0x0005: 'TLS_RSA_WITH_RC4_128_SHA',
  0x0004: 'TLS_RSA_WITH_RC4_128_MD5',
};

export function cipherSuiteName(suite: number): string {
  return CIPHER_SUITES[suite] ?? `0x${suite.toString(16).padStart(4, '0')}`;
}

export function tlsVersionName(v: number): string {
  if (v === 0x0300) return 'SSL 3.0';
  if (v >= 0x0301 && v <= 0x0304) return `TLS 1.${v - 0x0301}`;
  return `0x${v.toString(16).padStart(4, '0')}`;
}

/** RFC 8446 / RFC 5246 alert descriptions (the registry's names). */
const ALERTS: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  21: 'decryption_failed',
  22: 'record_overflow',
  30: 'decompression_failure',
  40: 'handshake_failure',
  41: 'no_certificate',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  60: 'export_restriction',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  100: 'no_renegotiation',
  109: 'missing_extension',
  110: 'unsupported_extension',
  111: 'certificate_unobtainable',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  114: 'bad_certificate_hash_value',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

export function alertName(description: number): string {
  return ALERTS[description] ?? `alert ${description}`;
}

/** The TLS message names of the standards (CamelCase, as RFC 8446 writes them). */
const TLS_NAMES: Partial<Record<TlsType, string>> = {
  hello_request: 'HelloRequest',
  client_hello: 'ClientHello',
  server_hello: 'ServerHello',
  hello_verify_request: 'HelloVerifyRequest',
  new_session_ticket: 'NewSessionTicket',
  end_of_early_data: 'EndOfEarlyData',
  encrypted_extensions: 'EncryptedExtensions',
  certificate: 'Certificate',
  server_key_exchange: 'ServerKeyExchange',
  certificate_request: 'CertificateRequest',
  server_hello_done: 'ServerHelloDone',
  certificate_verify: 'CertificateVerify',
  client_key_exchange: 'ClientKeyExchange',
  finished: 'Finished',
  certificate_status: 'CertificateStatus',
  key_update: 'KeyUpdate',
  change_cipher_spec: 'ChangeCipherSpec',
};

/** The names Wireshark 4.0's Info column gives TLS messages. */
const WIRESHARK_TLS: Partial<Record<TlsType, string>> = {
  hello_request: 'Hello Request',
  client_hello: 'Client Hello',
  server_hello: 'Server Hello',
  hello_verify_request: 'Hello Verify Request',
  new_session_ticket: 'New Session Ticket',
  end_of_early_data: 'End of Early Data',
  encrypted_extensions: 'Encrypted Extensions',
  certificate: 'Certificate',
  server_key_exchange: 'Server Key Exchange',
  certificate_request: 'Certificate Request',
  server_hello_done: 'Server Hello Done',
  certificate_verify: 'Certificate Verify',
  client_key_exchange: 'Client Key Exchange',
  finished: 'Finished',
  certificate_status: 'Certificate Status',
  key_update: 'Key Update',
  encrypted_handshake: 'Encrypted Handshake Message',
  change_cipher_spec: 'Change Cipher Spec',
  application_data: 'Application Data',
};

/** Collapses runs of white space (line breaks included) and cuts to `max` characters. */
export function oneLine(s: string, max: number): string {
  const flat = s.replace(/[\s\u0085\u2028\u2029]+/g, ' ').trim();
  const chars = Array.from(flat);
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : flat;
}

/** Bytes as Wireshark's ASCII pane shows them: printable ASCII, a dot for anything else. */
export function printable(raw: string): string {
  return raw.replace(/[^\x20-\x7e]/g, '.');
}

function malformedWhy(reason: MalformedReason, lang: Lang): string {
  const word: Record<MalformedReason, AppWord> = {
    'header-too-long': 'headerTooLong',
    'bad-chunk': 'badChunk',
    'bad-length': 'badLength',
    'bad-handshake': 'badHandshake',
  };
  return appWord('malformed', lang, { why: appWord(word[reason], lang) });
}

/** The request or status line: "GET / HTTP/1.1", "HTTP/1.1 200 OK". */
export function httpFirstLine(m: HttpMessage): string {
  if (m.type === 'request') return m.version ? `${m.method} ${m.uri} ${m.version}` : `${m.method} ${m.uri}`;
  return m.phrase ? `${m.version} ${m.code} ${m.phrase}` : `${m.version} ${m.code}`;
}

/** The short name of a message, as "continues …" and "repeats …" refer to it. */
export function messageName(m: AppMessage, lang: Lang = 'en'): string {
  switch (m.protocol) {
    case 'http':
      return oneLine(httpFirstLine(m), 120);
    case 'tls':
      return `TLS ${tlsName(m, lang)}`;
    default:
      return appWord('data', lang);
  }
}

function tlsName(m: TlsMessage, lang: Lang): string {
  if (m.type === 'server_hello' && m.helloRetry) return appWord('helloRetry', lang);
  if (m.type === 'encrypted_handshake') return appWord('encryptedHandshake', lang);
  if (m.type === 'application_data') return appWord('applicationData', lang);
  if (m.type === 'alert') return appWord('alert', lang);
  if (m.type === 'heartbeat') return appWord('heartbeat', lang);
  if (m.type === 'handshake') return appWord('unknownHandshake', lang, { n: m.handshakeType ?? 0 });
  return TLS_NAMES[m.type] ?? m.type;
}

/**
 * One message in a line: "GET / HTTP/1.1", "HTTP/1.1 200 OK · text/html · 11 bytes: hello
 * world", "TLS ClientHello · SNI example.test · ALPN h2, http/1.1", `Data: 16 bytes "hello…"`.
 */
export function messageSummary(m: AppMessage, lang: Lang = 'en'): string {
  const parts: string[] = [];
  switch (m.protocol) {
    case 'http': {
      parts.push(oneLine(httpFirstLine(m), 200));
      if (m.contentType) parts.push(oneLine(mediaType(m.contentType), 60));
      const size = m.contentLength !== null ? appWord('bytes', lang, { n: m.contentLength }) : m.chunked ? appWord('chunked', lang) : '';
      const preview = m.preview ? oneLine(m.preview, PREVIEW_CHARS) : '';
      if (size && preview) parts.push(`${size}: ${preview}`);
      else if (size || preview) parts.push(size || preview);
      break;
    }
    case 'tls':
      parts.push(`TLS ${tlsName(m, lang)}`);
      if (m.type === 'client_hello') {
        if (m.sni !== null) parts.push(`SNI ${oneLine(m.sni, 120)}`);
        if (m.alpn?.length) parts.push(`ALPN ${oneLine(m.alpn.join(', '), 120)}`);
      } else if (m.type === 'server_hello') {
        if (m.version !== null) parts.push(tlsVersionName(m.version));
        if (m.cipherSuite !== null) parts.push(cipherSuiteName(m.cipherSuite));
        if (m.alpn?.length) parts.push(`ALPN ${oneLine(m.alpn.join(', '), 120)}`);
      } else if (m.type === 'alert') {
        if (m.encrypted) parts.push(appWord('encrypted', lang));
        else if (m.alertLevel !== null && m.alertDescription !== null) {
          parts.push(m.alertLevel === 2 ? appWord('fatal', lang) : m.alertLevel === 1 ? appWord('warning', lang) : `level ${m.alertLevel}`);
          parts.push(alertName(m.alertDescription));
        }
      } else if (m.type === 'application_data' || m.type === 'encrypted_handshake' || m.type === 'heartbeat') {
        parts.push(appWord('bytes', lang, { n: m.recordLength }));
      }
      break;
    default: {
      const preview = oneLine(printable(m.head), 16);
      parts.push(
        m.length !== null
          ? appWord('dataSummary', lang, { n: m.length, preview })
          : appWord('dataSummaryNoLength', lang, { preview }),
      );
    }
  }
  let text = parts.join(' · ');
  if (m.malformed) text += ` (${malformedWhy(m.malformed, lang)})`;
  else if (m.incomplete) text += ` (${appWord('incomplete', lang)})`;
  return text;
}

/**
 * What Wireshark 4.0's Info column says for a message: "GET / HTTP/1.1", "HTTP/1.1 200 OK
 * (text/html)", "Client Hello (SNI=example.test)", "Alert (Level: Fatal, Description: Handshake
 * Failure)". (4.0 shows no SNI in its Info column; newer versions do, and it is worth the room.)
 */
export function messageInfo(m: AppMessage): string {
  switch (m.protocol) {
    case 'http': {
      const line = oneLine(httpFirstLine(m), 200);
      return m.type === 'response' && m.contentType ? `${line} (${oneLine(mediaType(m.contentType), 60)})` : line;
    }
    case 'tls': {
      if (m.type === 'client_hello' && m.sni !== null) return `Client Hello (SNI=${oneLine(m.sni, 120)})`;
      if (m.type === 'server_hello' && m.helloRetry) return 'Hello Retry Request';
      if (m.type === 'alert') {
        if (m.encrypted) return 'Encrypted Alert';
        if (m.alertLevel === null || m.alertDescription === null) return 'Alert';
        const level = m.alertLevel === 1 ? 'Warning' : m.alertLevel === 2 ? 'Fatal' : `Unknown (${m.alertLevel})`;
        const words = alertName(m.alertDescription)
          .split('_')
          .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
          .join(' ');
        return `Alert (Level: ${level}, Description: ${words})`;
      }
      if (m.type === 'heartbeat') return m.encrypted ? 'Encrypted Heartbeat' : 'Heartbeat';
      if (m.type === 'handshake') return `Unknown Handshake Message (${m.handshakeType ?? 0})`;
      return WIRESHARK_TLS[m.type] ?? m.type;
    }
    default:
      return messageSummary(m, 'en');
  }
}

/**
 * One connection in a line, from its first messages: "HTTP GET / → 200", "HTTP GET /a → 200
 * +2 more", "TLS example.test", "TLS 1.3" (no server name). Fed message by message during the
 * forward pass; keeps a few strings and counters.
 */
export class ConnectionAppSummary {
  private firstRequest: string | null = null;
  private firstCode: number | null = null;
  private requests = 0;
  private responses = 0;
  private sni: string | null = null;
  private tlsVersion: number | null = null;
  private tls = false;
  private data = false;
  /** Only the connection's first bytes were read: more messages may follow the ones counted. */
  partial = false;

  add(m: AppMessage): void {
    if (m.protocol === 'http') {
      if (m.type === 'request') {
        this.requests++;
        this.firstRequest ??= `${m.method} ${m.uri}`;
      } else if (m.code >= 200 || this.responses === 0) {
        if (m.code >= 200) this.responses++;
        if (this.firstCode === null || this.firstCode < 200) this.firstCode = m.code;
      }
    } else if (m.protocol === 'tls') {
      this.tls = true;
      if (m.type === 'client_hello' && this.sni === null && m.sni !== null) this.sni = m.sni;
      if (m.type === 'server_hello' && m.version !== null && !m.helloRetry) this.tlsVersion = m.version;
    } else {
      this.data = true;
    }
  }

  /** The line, or null when the connection carried no application bytes. */
  text(lang: Lang = 'en'): string | null {
    if (this.firstRequest !== null || this.firstCode !== null) {
      let s = appWord('layerHttp', lang);
      if (this.firstRequest !== null) s += ` ${oneLine(this.firstRequest, 80)}`;
      if (this.firstCode !== null) s += ` → ${this.firstCode}`;
      const more = Math.max(this.requests, this.responses) - 1;
      if (more > 0) s += ` ${appWord('more', lang, { n: more })}`;
      return this.partial ? `${s} …` : s;
    }
    if (this.tls) {
      if (this.sni !== null) return `${appWord('layerTls', lang)} ${oneLine(this.sni, 80)}`;
      return this.tlsVersion !== null ? tlsVersionName(this.tlsVersion) : appWord('layerTls', lang);
    }
    return this.data ? appWord('layerData', lang) : null;
  }
}
