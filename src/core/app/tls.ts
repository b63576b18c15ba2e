import { BoundedBuffer, Mark, ParserHost, messageStart, utf8 } from './parser';
import { HELLO_LIMIT, MalformedReason, TLS_RECORD_LIMIT, TlsMessage, TlsType } from './types';

/**
 * TLS records, one direction. Each record is named from its 5-byte header; a handshake record
 * read in clear is split into its handshake messages (which may span records), and a
 * ClientHello or ServerHello is read whole for its fields. After a side's ChangeCipherSpec its
 * handshake records are encrypted (TLS 1.2's Finished), and TLS 1.3 sends what follows the
 * ServerHello as application data records, as Wireshark shows them without keys.
 */

export const TLS13 = 0x0304;

/** What a connection's two directions share: the version the ServerHello chose. */
export class TlsSession {
  version: number | null = null;
}

/**
 * Whether bytes[0, len) can begin a TLS record: content type 20-24, version 3.0-3.4 (SSL 3.0
 * to TLS 1.3), length at most 2^14 + 2048. 'maybe' while fewer than 5 bytes agree so far.
 */
export function tlsStart(b: Uint8Array, len: number): 'yes' | 'maybe' | 'no' {
  if (len >= 1 && (b[0]! < 20 || b[0]! > 24)) return 'no';
  if (len >= 2 && b[1] !== 3) return 'no';
  if (len >= 3 && b[2]! > 4) return 'no';
  if (len >= 4 && b[3]! > TLS_RECORD_LIMIT >> 8) return 'no';
  if (len < 5) return 'maybe';
  return ((b[3]! << 8) | b[4]!) <= TLS_RECORD_LIMIT ? 'yes' : 'no';
}

const HANDSHAKE_TYPES: Record<number, TlsType> = {
  0: 'hello_request',
  1: 'client_hello',
  2: 'server_hello',
  3: 'hello_verify_request',
  4: 'new_session_ticket',
  5: 'end_of_early_data',
  8: 'encrypted_extensions',
  11: 'certificate',
  12: 'server_key_exchange',
  13: 'certificate_request',
  14: 'server_hello_done',
  15: 'certificate_verify',
  16: 'client_key_exchange',
  20: 'finished',
  22: 'certificate_status',
  24: 'key_update',
};

/** A TLS 1.3 ServerHello with this random is a HelloRetryRequest (RFC 8446 4.1.3). */
const HELLO_RETRY_RANDOM = [
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

interface RecordState {
  mark: Mark;
  type: number;
  version: number;
  length: number;
  remaining: number;
  encrypted: boolean;
  /** Messages that started in this record, or carried into it, and end with it. */
  messages: TlsMessage[];
}

export class TlsParser {
  lost: { mark: Mark; head: Uint8Array } | null = null;
  private readonly header = new Uint8Array(5);
  private headerLen = 0;
  private headerMark: Mark | null = null;
  private record: RecordState | null = null;
  /** This side sent ChangeCipherSpec: what follows is encrypted. */
  private changedCipher = false;
  // A handshake message being read: its 4-byte header, then its body.
  private readonly hsHeader = new Uint8Array(4);
  private hsHeaderLen = 0;
  private hsMark: Mark | null = null;
  private hsMsg: TlsMessage | null = null;
  private hsRemaining = 0;
  private hsBody: BoundedBuffer | null = null;
  /** A hole broke the handshake framing: the rest of this record is skipped. */
  private hsBroken = false;
  private readonly alert = new Uint8Array(2);
  private alertLen = 0;

  constructor(
    private readonly host: ParserHost,
    private readonly session: TlsSession,
  ) {}

  get current(): TlsMessage | null {
    if (this.hsMsg) return this.hsMsg;
    const r = this.record;
    return r && r.messages.length ? r.messages[r.messages.length - 1]! : null;
  }

  /** The frame a handshake record began in, while more of its messages may yet be named there. */
  get holding(): number {
    if (this.hsHeaderLen > 0 && this.hsMark) return this.hsMark.frame;
    if (this.headerLen > 0 && this.headerMark) return this.headerMark.frame;
    const r = this.record;
    return r && r.type === 22 && !r.encrypted ? r.mark.frame : -1;
  }

  /** Begins with a record header the tracker already read (5 bytes that passed `tlsStart`). */
  begin(header: Uint8Array, mark: Mark): void {
    this.header.set(header.subarray(0, 5));
    this.headerLen = 0;
    this.headerMark = mark;
    this.openRecord(mark);
    if (this.record!.remaining === 0) this.closeRecord(mark.offset + 5);
  }

  feed(bytes: Uint8Array, from: number, to: number): number {
    let i = from;
    while (i < to) {
      const r = this.record;
      if (!r) {
        if (this.headerLen === 0) this.headerMark = this.host.markAt(i);
        while (this.headerLen < 5 && i < to) {
          this.header[this.headerLen++] = bytes[i++]!;
          if (tlsStart(this.header, this.headerLen) === 'no') {
            this.lost = { mark: this.headerMark!, head: this.header.slice(0, this.headerLen) };
            this.headerLen = 0;
            return i;
          }
        }
        if (this.headerLen < 5) return i;
        this.headerLen = 0;
        this.openRecord(this.headerMark!);
        if (this.record!.remaining === 0) this.closeRecord(this.host.markAt(i).offset);
        continue;
      }
      const n = Math.min(r.remaining, to - i);
      this.recordBytes(r, bytes, i, i + n);
      r.remaining -= n;
      i += n;
      if (r.remaining === 0) this.closeRecord(this.host.markAt(i).offset);
    }
    return i;
  }

  /** `len` bytes at `offset` never captured: true when the next record is still where it was expected. */
  gap(offset: number, len: number): boolean {
    const r = this.record;
    if (!r) {
      // Without the next header in hand, nothing says where records begin again.
      this.headerLen = 0;
      return false;
    }
    for (const m of r.messages) m.incomplete = true;
    if (r.type === 22 && !r.encrypted) this.handshakeGap(len, r);
    if (len <= r.remaining) {
      r.remaining -= len;
      if (r.remaining === 0) this.closeRecord(offset + len);
      return true;
    }
    this.closeRecord(offset + r.remaining);
    this.dropHandshake(offset + len);
    return false;
  }

  close(endOffset: number): void {
    this.headerLen = 0;
    const r = this.record;
    if (r && r.remaining > 0) {
      for (const m of r.messages) m.incomplete = true;
      if (this.hsMsg) this.hsMsg.incomplete = true;
      this.closeRecord(endOffset);
    }
    this.dropHandshake(endOffset);
  }

  private openRecord(mark: Mark): void {
    const h = this.header;
    const type = h[0]!;
    const version = (h[1]! << 8) | h[2]!;
    const length = (h[3]! << 8) | h[4]!;
    const tls13 = this.session.version === TLS13;
    let encrypted = false;
    if (type === 22) encrypted = this.changedCipher && !tls13;
    else if (type === 21) encrypted = length !== 2 || (this.changedCipher && !tls13);
    else if (type === 24) encrypted = this.changedCipher;
    const r: RecordState = { mark, type, version, length, remaining: length, encrypted, messages: [] };
    this.record = r;
    if (type !== 22 && this.hsMsg) {
      // Another record came between the pieces of a handshake message: it will never be whole.
      this.hsMsg.incomplete = true;
      this.dropHandshake(mark.offset);
    }
    switch (type) {
      case 20:
        this.changedCipher = true;
        this.emit(r, 'change_cipher_spec', null, true);
        break;
      case 21:
        this.alertLen = 0;
        this.emit(r, 'alert', null, encrypted);
        break;
      case 22:
        this.hsBroken = false;
        if (encrypted) this.emit(r, 'encrypted_handshake', null, true);
        else if (this.hsMsg) r.messages.push(this.hsMsg);
        break;
      case 23:
        this.emit(r, 'application_data', null, true);
        break;
      default:
        this.emit(r, 'heartbeat', null, true);
    }
  }

  private emit(r: RecordState, type: TlsType, handshakeType: number | null, settled: boolean, at: Mark = r.mark): TlsMessage {
    const m: TlsMessage = {
      protocol: 'tls',
      type,
      ...messageStart(at),
      contentType: r.type,
      recordVersion: r.version,
      recordLength: r.length,
      handshakeType,
      encrypted: r.encrypted,
      sni: null,
      alpn: null,
      version: null,
      cipherSuite: null,
      helloRetry: false,
      alertLevel: null,
      alertDescription: null,
    };
    r.messages.push(m);
    this.host.opened(m);
    if (settled) this.settle(m);
    return m;
  }

  private settle(m: TlsMessage): void {
    if (m.headKnown) return;
    m.headKnown = true;
    this.host.settled(m);
  }

  private recordBytes(r: RecordState, bytes: Uint8Array, from: number, to: number): void {
    if (r.type === 21 && !r.encrypted) {
      for (let k = from; k < to && this.alertLen < 2; k++) this.alert[this.alertLen++] = bytes[k]!;
      if (this.alertLen === 2) {
        const m = r.messages[0]!;
        m.alertLevel = this.alert[0]!;
        m.alertDescription = this.alert[1]!;
        this.settle(m);
      }
      return;
    }
    if (r.type !== 22 || r.encrypted || this.hsBroken) return;
    let j = from;
    while (j < to) {
      if (!this.hsMsg) {
        if (this.hsHeaderLen === 0) this.hsMark = r.mark;
        while (this.hsHeaderLen < 4 && j < to) this.hsHeader[this.hsHeaderLen++] = bytes[j++]!;
        if (this.hsHeaderLen < 4) return;
        this.hsHeaderLen = 0;
        this.openHandshake(r);
        continue;
      }
      const n = Math.min(this.hsRemaining, to - j);
      if (this.hsBody) this.hsBody.append(bytes, j, j + n);
      this.hsRemaining -= n;
      j += n;
      if (this.hsRemaining === 0) this.finishHandshake();
    }
  }

  private openHandshake(r: RecordState): void {
    const h = this.hsHeader;
    const type = h[0]!;
    const length = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
    const mark = this.hsMark ?? r.mark;
    const m = this.emit(r, HANDSHAKE_TYPES[type] ?? 'handshake', type, false, mark);
    // A message that began in an earlier record still ends with the record that holds its end.
    if (mark !== r.mark) m.recordLength = r.length;
    this.hsMsg = m;
    this.hsRemaining = length;
    if (type === 1 || type === 2) {
      if (length <= HELLO_LIMIT) this.hsBody = new BoundedBuffer(length, Math.min(length, 2048));
      else this.malformedHandshake(m, 'bad-handshake');
    } else {
      this.settle(m);
    }
    if (length === 0) this.finishHandshake();
  }

  private malformedHandshake(m: TlsMessage, reason: MalformedReason): void {
    m.malformed = reason;
    this.hsBody = null;
    this.settle(m);
  }

  private finishHandshake(): void {
    const m = this.hsMsg!;
    if (this.hsBody) {
      const body = this.hsBody.view();
      if (m.type === 'client_hello') readClientHello(body, m);
      else readServerHello(body, m);
      if (m.type === 'server_hello' && m.version !== null) this.session.version = m.version;
      this.hsBody = null;
    }
    this.settle(m);
    this.hsMsg = null;
  }

  private handshakeGap(len: number, r: RecordState): void {
    if (this.hsBroken) return;
    if (this.hsMsg && this.hsHeaderLen === 0 && len < this.hsRemaining && len < r.remaining) {
      // The message's end is still known; its fields are not (a hello missing bytes is not read).
      this.hsMsg.incomplete = true;
      this.hsBody = null;
      this.settle(this.hsMsg);
      this.hsRemaining -= len;
      return;
    }
    if (this.hsMsg) {
      this.hsMsg.incomplete = true;
      this.hsBody = null;
      this.settle(this.hsMsg);
      this.hsMsg = null;
    }
    this.hsHeaderLen = 0;
    this.hsBroken = true;
  }

  /** A handshake message that can no longer be finished ends where things stand. */
  private dropHandshake(endOffset: number): void {
    const m = this.hsMsg;
    this.hsMsg = null;
    this.hsBody = null;
    this.hsHeaderLen = 0;
    if (!m) return;
    m.incomplete = true;
    this.settle(m);
    if (m.length === null) this.host.ended(m, endOffset);
  }

  private closeRecord(endOffset: number): void {
    const r = this.record!;
    this.record = null;
    for (const m of r.messages) {
      if (m === this.hsMsg) continue;
      if (!m.headKnown) {
        // An alert cut short, a hello whose record ended first.
        m.incomplete = m.incomplete || (m.type === 'alert' && !m.encrypted);
        this.settle(m);
      }
      this.host.ended(m, endOffset);
    }
  }
}

function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/** Most bytes of a server name kept, and most ALPN protocols. */
const NAME_BYTES = 1024;
const MOST_PROTOCOLS = 32;

/** Walks a hello's extensions (bounded by the bytes there are). */
function extensions(b: Uint8Array, p: number, visit: (type: number, from: number, to: number) => void): void {
  if (p + 2 > b.length) return;
  const end = Math.min(b.length, p + 2 + u16(b, p));
  p += 2;
  while (p + 4 <= end) {
    const type = u16(b, p);
    const len = u16(b, p + 2);
    p += 4;
    if (p + len > end) return;
    visit(type, p, p + len);
    p += len;
  }
}

function readAlpn(b: Uint8Array, from: number, to: number): string[] {
  const out: string[] = [];
  if (from + 2 > to) return out;
  const end = Math.min(to, from + 2 + u16(b, from));
  let p = from + 2;
  while (p < end && out.length < MOST_PROTOCOLS) {
    const len = b[p]!;
    if (p + 1 + len > end) break;
    out.push(utf8(b.subarray(p + 1, p + 1 + len)));
    p += 1 + len;
  }
  return out;
}

export function readClientHello(b: Uint8Array, m: TlsMessage): void {
  if (b.length < 2) return;
  m.version = u16(b, 0);
  let p = 2 + 32;
  if (p >= b.length) return;
  p += 1 + b[p]!;
  if (p + 2 > b.length) return;
  p += 2 + u16(b, p);
  if (p >= b.length) return;
  p += 1 + b[p]!;
  extensions(b, p, (type, from, to) => {
    if (type === 0 && from + 2 <= to) {
      // server_name: a list of (type, length, name); the host_name entry is the one shown.
      const end = Math.min(to, from + 2 + u16(b, from));
      let q = from + 2;
      while (q + 3 <= end) {
        const nameType = b[q]!;
        const len = u16(b, q + 1);
        if (q + 3 + len > end) break;
        if (nameType === 0 && m.sni === null) m.sni = utf8(b.subarray(q + 3, q + 3 + Math.min(len, NAME_BYTES)));
        q += 3 + len;
      }
    } else if (type === 16) {
      m.alpn = readAlpn(b, from, to);
    } else if (type === 43 && from < to) {
      let best = -1;
      const end = Math.min(to, from + 1 + b[from]!);
      for (let q = from + 1; q + 2 <= end; q += 2) {
        const v = u16(b, q);
        if (!isGrease(v) && v > best) best = v;
      }
      if (best >= 0) m.version = best;
    }
  });
}

export function readServerHello(b: Uint8Array, m: TlsMessage): void {
  if (b.length < 2) return;
  m.version = u16(b, 0);
  if (b.length < 34) return;
  m.helloRetry = HELLO_RETRY_RANDOM.every((x, k) => b[2 + k] === x);
  let p = 34;
  p += 1 + b[p]!;
  if (p + 2 > b.length) return;
  m.cipherSuite = u16(b, p);
  p += 3;
  extensions(b, p, (type, from, to) => {
    if (type === 43 && from + 2 <= to) m.version = u16(b, from);
    else if (type === 16) m.alpn = readAlpn(b, from, to);
  });
}
