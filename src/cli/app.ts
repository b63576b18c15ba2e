import { ConnectionApp, FrameApp, frameAppText } from '../core/app/attribution';
import { alertName, cipherSuiteName, messageSummary, tlsVersionName } from '../core/app/summary';
import { AppMessage } from '../core/app/types';
import { CaptureRecord } from '../core/capture/types';
import { DecodedFrame } from '../core/decode/frame';
import { SegmentAnalysis } from '../core/tcp/analysis';

/**
 * `packets` with what each segment carried. Lines are written in frame order, but a segment's
 * messages are known only once its bytes are in sequence and its messages' heads are read,
 * which can take later segments (a header over two segments, a segment that came early). So
 * each line waits in a queue until its frame is settled; a queue longer than `limit` lines
 * lets its oldest go with what is known. Per connection only the trackers' bounded state is
 * kept, and it is let go when the connection has ended and its lines are written.
 */

interface Pending {
  frame: number;
  stream: number;
  fromA: boolean;
  /** Payload bytes the reassembly will account for this frame. */
  bytes: number;
  render: (app: FrameApp | null) => string;
}

interface Connection {
  app: ConnectionApp;
  pending: number;
}

/** Bytes each direction may hold behind a hole: enough for real losses, bounded for many connections. */
const MAX_BUFFERED = 1 << 20;

export class PacketApps {
  private readonly connections = new Map<number, Connection>();
  /** Connections that ended: a late copy of one of their segments starts nothing new. */
  private readonly ended = new Set<number>();
  private queue: Array<Pending | undefined> = [];
  private head = 0;

  constructor(
    private readonly write: (line: string) => void,
    private readonly limit = 8192,
  ) {}

  /** One segment in capture order, and how to write its line once its messages are known. */
  add(rec: CaptureRecord, f: DecodedFrame, seg: SegmentAnalysis, render: (app: FrameApp | null) => string): void {
    const stream = seg.conversation.stream;
    let bytes = 0;
    let conn = this.connections.get(stream);
    const payloadStart = f.tcpOffset + f.tcpHeaderLen;
    // Segments whose header Wireshark would not read take no part (as in Follow).
    if (!this.ended.has(stream) && f.headerValid && f.data.length >= payloadStart) {
      if (!conn) {
        conn = { app: new ConnectionApp({ maxBuffered: MAX_BUFFERED }), pending: 0 };
        this.connections.set(stream, conn);
      }
      const payload = f.data.subarray(payloadStart, Math.min(f.data.length, payloadStart + f.payloadLen));
      bytes = payload.length > 0 ? f.payloadLen : 0;
      conn.app.segment(rec.frame, seg.fromA, f.flags, seg.relSeq, seg.relAck, f.ack, payload, f.payloadLen);
    }
    if (conn) conn.pending++;
    this.queue.push({ frame: rec.frame, stream, fromA: seg.fromA, bytes, render });
    this.release(false);
  }

  /** The capture ended: every connection's waiting bytes go through, every line is written. */
  finish(): void {
    for (const c of this.connections.values()) c.app.finish();
    this.release(true);
  }

  /**
   * Every waiting line is written now with what is known so far, the connections going on (a
   * live capture gone quiet: a line must not wait for a segment that may never come).
   */
  flush(): void {
    this.release(true);
  }

  /** Lines waiting for their segment's messages. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  private release(force: boolean): void {
    const q = this.queue;
    while (this.head < q.length) {
      const p = q[this.head]!;
      const conn = this.connections.get(p.stream);
      const dir = conn ? (p.fromA ? conn.app.client : conn.app.server) : null;
      const crowded = q.length - this.head > this.limit;
      if (dir && !force && !crowded && !dir.settledFrame(p.frame, p.bytes)) break;
      const app = dir ? dir.take(p.frame) : null;
      this.write(p.render(app && (app.starts.length || app.continues || app.repeats.length) ? app : null));
      q[this.head++] = undefined;
      if (conn && --conn.pending === 0 && conn.app.closed) {
        this.connections.delete(p.stream);
        this.ended.add(p.stream);
      }
    }
    if (this.head > 4096 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
  }
}

/** The words a text line ends with ("GET / HTTP/1.1", "[continues …]"); unescaped. */
export function appLineText(app: FrameApp | null): string {
  return app ? frameAppText(app, 'en', 'info') : '';
}

/** The `app` array of a packet's JSON: one object per message that starts in the segment. */
export function appJson(app: FrameApp | null): Array<Record<string, unknown>> | null {
  if (!app || app.starts.length === 0) return null;
  return app.starts.map(messageJson);
}

export function messageJson(m: AppMessage): Record<string, unknown> {
  const o: Record<string, unknown> = { protocol: m.protocol, type: m.type };
  switch (m.protocol) {
    case 'http':
      if (m.type === 'request') Object.assign(o, { method: m.method, uri: m.uri, version: m.version });
      else Object.assign(o, { version: m.version, code: m.code, phrase: m.phrase });
      if (m.contentType !== null) o.content_type = m.contentType;
      if (m.contentLength !== null) o.content_length = m.contentLength;
      if (m.chunked) o.chunked = true;
      break;
    case 'tls':
      o.record_version = tlsVersionName(m.recordVersion);
      o.record_length = m.recordLength;
      if (m.handshakeType !== null) o.handshake_type = m.handshakeType;
      if (m.sni !== null) o.sni = m.sni;
      if (m.alpn !== null) o.alpn = m.alpn;
      if (m.version !== null) o.version = tlsVersionName(m.version);
      if (m.cipherSuite !== null) o.cipher_suite = cipherSuiteName(m.cipherSuite);
      if (m.helloRetry) o.hello_retry_request = true;
      if (m.alertLevel !== null) o.alert_level = m.alertLevel;
      if (m.alertDescription !== null) o.alert_description = alertName(m.alertDescription);
      if (m.encrypted && m.type !== 'application_data') o.encrypted = true;
      break;
    default:
      if (m.length !== null) o.length = m.length;
  }
  o.summary = messageSummary(m, 'en');
  if (m.incomplete) o.incomplete = true;
  if (m.malformed) o.malformed = m.malformed;
  return o;
}
