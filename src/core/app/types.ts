/**
 * Application messages found in one direction of a TCP connection: HTTP/1.x requests and
 * responses, TLS records, and the bytes that are neither. They are recognised by what the bytes
 * say, never by the port.
 *
 * Every string here was read from a capture and is kept as it was, unescaped (URIs, phrases,
 * header values, server names and previews decoded as UTF-8, a malformed byte as U+FFFD; the
 * data preview one character per byte): it is data, and whoever shows it escapes it for the
 * place it goes (src/core/escape.ts).
 */

export type AppProtocol = 'http' | 'tls' | 'data';

/** Why a message's bytes could not be read as its protocol. */
export type MalformedReason =
  /** The head (request or status line and header lines) ran past HEADER_LIMIT bytes. */
  | 'header-too-long'
  /** A chunk-size line was not a hexadecimal number, or ran on too long. */
  | 'bad-chunk'
  /** A Content-Length that is not a number, or two that disagree. */
  | 'bad-length'
  /** A hello longer than HELLO_LIMIT: not read for its fields. */
  | 'bad-handshake';

interface MessageBase {
  /** Relative sequence number of the message's first byte in its direction. */
  seq: number;
  /**
   * Where the first byte stands in the direction's bytes as the tracker counts them (from the
   * first byte it was given, holes included): seq without the 32-bit wrap.
   */
  offset: number;
  /** The frame that carried the first byte: the message is named there. */
  frame: number;
  /** Bytes from the first to the last (holes included), once the end is known; null until then. */
  length: number | null;
  /** True once the fields a summary shows are read (the head of an HTTP message, a whole hello). */
  headKnown: boolean;
  /** Some of its bytes were never captured, or the stream ended before it did. */
  incomplete: boolean;
  malformed: MalformedReason | null;
}

interface HttpBase extends MessageBase {
  protocol: 'http';
  /** "HTTP/1.1" as written. */
  version: string;
  /** Content-Type as written (parameters included); null without one. */
  contentType: string | null;
  /** Content-Length; null without one. */
  contentLength: number | null;
  /** Transfer-Encoding ends in chunked. */
  chunked: boolean;
  /** A Transfer-Encoding header is there (without chunked last, a response then runs until the close). */
  transferEncoding: boolean;
  /** Content-Encoding as written (gzip, br...); null without one. */
  contentEncoding: string | null;
  /** Body bytes read so far (after chunked framing is removed), holes not counted. */
  bodyBytes: number;
  /** The first body bytes (up to PREVIEW_BYTES; text bodies only), decoded as UTF-8. */
  preview: string | null;
}

export interface HttpRequest extends HttpBase {
  type: 'request';
  method: string;
  uri: string;
}

export interface HttpResponse extends HttpBase {
  type: 'response';
  code: number;
  /** The reason phrase as written (may be empty). */
  phrase: string;
}

export type HttpMessage = HttpRequest | HttpResponse;

/** A TLS message: a record that is not a handshake, or one handshake message of a record. */
export type TlsType =
  | 'hello_request'
  | 'client_hello'
  | 'server_hello'
  | 'hello_verify_request'
  | 'new_session_ticket'
  | 'end_of_early_data'
  | 'encrypted_extensions'
  | 'certificate'
  | 'server_key_exchange'
  | 'certificate_request'
  | 'server_hello_done'
  | 'certificate_verify'
  | 'client_key_exchange'
  | 'finished'
  | 'certificate_status'
  | 'key_update'
  | 'handshake'
  | 'encrypted_handshake'
  | 'change_cipher_spec'
  | 'alert'
  | 'application_data'
  | 'heartbeat';

export interface TlsMessage extends MessageBase {
  protocol: 'tls';
  type: TlsType;
  /** The record's content type (20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data, 24 heartbeat). */
  contentType: number;
  /** The record's version field (0x0301 = TLS 1.0 ... ). */
  recordVersion: number;
  /** The record's length field. */
  recordLength: number;
  /** The handshake message type byte, for handshake messages read in clear. */
  handshakeType: number | null;
  /** The record's bytes could not be read: it came after this side's ChangeCipherSpec. */
  encrypted: boolean;
  /** ClientHello: server_name (host_name) as written. */
  sni: string | null;
  /** ClientHello: the protocols offered; ServerHello: the one chosen. */
  alpn: string[] | null;
  /**
   * ClientHello: the highest version offered (supported_versions, else the hello's field);
   * ServerHello: the version chosen (supported_versions, else the hello's field).
   */
  version: number | null;
  /** ServerHello: the cipher suite chosen. */
  cipherSuite: number | null;
  /** ServerHello: its random is the one that makes it a TLS 1.3 HelloRetryRequest. */
  helloRetry: boolean;
  /** Alert in clear: level (1 warning, 2 fatal) and description. */
  alertLevel: number | null;
  alertDescription: number | null;
}

/** Bytes that are neither HTTP nor TLS: one per segment (what Wireshark calls Data). */
export interface DataMessage extends MessageBase {
  protocol: 'data';
  type: 'data';
  /** The first bytes (up to DATA_PREVIEW_BYTES), one character per byte (ISO-8859-1). */
  head: string;
}

export type AppMessage = HttpRequest | HttpResponse | TlsMessage | DataMessage;

/** Bytes an HTTP head may take before the message is called malformed. */
export const HEADER_LIMIT = 64 * 1024;
/** Body bytes kept for a preview. */
export const PREVIEW_BYTES = 240;
/** Characters a preview shows. */
export const PREVIEW_CHARS = 60;
/** Bytes of unrecognised data kept for its preview. */
export const DATA_PREVIEW_BYTES = 16;
/** Longest handshake message read whole for its fields (a ClientHello with post-quantum keys is ~2 KB). */
export const HELLO_LIMIT = 64 * 1024;
/** Longest TLS record a sane peer sends: 2^14 bytes of plaintext plus 2048 of expansion. */
export const TLS_RECORD_LIMIT = (1 << 14) + 2048;
