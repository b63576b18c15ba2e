import { seqDiff } from '../tcp/seq';
import { MissingCause, StreamBytesSink } from '../stream/types';
import { HTTP_START_BYTES, HttpExchange, HttpParser, fieldText, httpStart, newHttpMessage, recogniseHttpLine } from './http';
import { BoundedBuffer, Mark, ParserHost, latin1, messageStart } from './parser';
import { TlsParser, TlsSession, tlsStart } from './tls';
import { AppMessage, DATA_PREVIEW_BYTES, DataMessage, HEADER_LIMIT } from './types';

/** What a connection's two directions share while their messages are read. */
export class AppConversation {
  readonly http = new HttpExchange();
  readonly tls = new TlsSession();
}

export interface TrackerListener {
  /** A message was found; its fields may fill in until `settled`. */
  opened(m: AppMessage): void;
  settled(m: AppMessage): void;
  /** Its end is known (`m.length` is set). */
  ended(m: AppMessage): void;
}

/**
 * Finds the application messages in one direction's bytes, fed in sequence order (it is a
 * StreamBytesSink). Protocols are recognised by content where a message can begin: at the
 * start of each segment's bytes while nothing is recognised (as Wireshark tries its heuristic
 * dissectors on each segment), and where the previous message ended.
 *
 * Memory is bounded and independent of the bytes that pass: the current HTTP line (at most
 * HEADER_LIMIT), a hello being read (at most HELLO_LIMIT), a 5-byte record header, counters.
 */
export class DirectionTracker implements StreamBytesSink, ParserHost {
  /** Offset of the next byte (bytes and holes so far). */
  position = 0;
  private nextSeq = 0;
  private started = false;
  private closed = false;
  // The delivery being read.
  private frame = 0;
  private deliveryOffset = 0;
  private deliverySeq = 0;
  /**
   * probe: deciding what the bytes from probeMark are; http/tls: a parser reads them;
   * data: the rest of this delivery is unrecognised; await: probe at the next delivery.
   */
  private mode: 'probe' | 'http' | 'tls' | 'data' | 'await' = 'probe';
  private readonly probe = new BoundedBuffer(HEADER_LIMIT);
  private probeMark: Mark | null = null;
  private probeKind: 'http' | 'tls' = 'http';
  /** The previous message was HTTP: blank lines before the next one are skipped. */
  private afterHttp = false;
  private http: HttpParser | null = null;
  private tls: TlsParser | null = null;
  private dataMsg: DataMessage | null = null;

  constructor(
    private readonly conversation: AppConversation,
    private readonly listener: TrackerListener,
  ) {}

  /** The message the next byte belongs to, if one is open. */
  get current(): AppMessage | null {
    switch (this.mode) {
      case 'http':
        return this.http?.current ?? null;
      case 'tls':
        return this.tls?.current ?? null;
      case 'data':
        return this.dataMsg;
      default:
        return null;
    }
  }

  /** The frame whose messages may still change (bytes read but not yet recognised), or -1. */
  get holding(): number {
    if (this.probe.length > 0 && this.probeMark) return this.probeMark.frame;
    if (this.mode === 'tls' && this.tls) return this.tls.holding;
    return -1;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  data(frame: number, seq: number, bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    if (!this.started) {
      this.started = true;
      this.nextSeq = seq;
    } else if (seq !== this.nextSeq) {
      // The sink contract delivers bytes in order; anything else is a hole or an overlap.
      const d = seqDiff(seq, this.nextSeq);
      if (d > 0) this.missing(frame, this.nextSeq, d);
      else if (-d >= bytes.length) return;
      else {
        bytes = bytes.subarray(-d);
        seq = this.nextSeq;
      }
    }
    this.frame = frame;
    this.deliveryOffset = this.position;
    this.deliverySeq = seq;
    if (this.mode === 'await' || this.mode === 'data') this.mode = 'probe';
    const n = bytes.length;
    let i = 0;
    while (i < n) {
      switch (this.mode) {
        case 'probe':
          i = this.probeBytes(bytes, i, n);
          break;
        case 'http': {
          const h = this.http!;
          i = h.feed(bytes, i, n);
          if (h.done) {
            this.http = null;
            this.afterHttp = true;
            if (h.tunnel) {
              // 101 Switching Protocols or a CONNECT tunnel: what follows is another protocol,
              // looked for at the next segment.
              if (i < n) this.startData(this.markAt(i), new Uint8Array(0), bytes, i);
              else this.mode = 'await';
            } else this.mode = 'probe';
          }
          break;
        }
        case 'tls': {
          const t = this.tls!;
          i = t.feed(bytes, i, n);
          if (t.lost) {
            const lost = t.lost;
            t.lost = null;
            this.startData(lost.mark, lost.head, bytes, i);
          }
          break;
        }
        default:
          i = n;
      }
    }
    this.position += n;
    this.nextSeq = (seq + n) >>> 0;
    // (The parsers change the mode inside the loop; TypeScript cannot see that.)
    if ((this.mode as string) === 'data') this.endData(this.position);
  }

  missing(_frame: number, seq: number, len: number, _cause?: MissingCause): void {
    if (this.closed || len <= 0) return;
    if (!this.started) {
      this.started = true;
      this.nextSeq = seq;
    }
    const at = this.position;
    switch (this.mode) {
      case 'probe':
        if (this.probe.length > 0) this.probeFailed(at);
        this.mode = 'await';
        break;
      case 'http':
        if (!this.http!.gap(at, len) || this.http!.done) {
          this.http = null;
          this.mode = 'await';
        }
        break;
      case 'tls':
        if (!this.tls!.gap(at, len)) this.mode = 'await';
        break;
      case 'data':
        this.endData(at);
        break;
      default:
        break;
    }
    this.position += len;
    this.nextSeq = (seq + len) >>> 0;
  }

  /** The direction ended (FIN delivered, RST, or the end of the capture). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const end = this.position;
    if (this.mode === 'probe' && this.probe.length > 0) this.probeFailed(end);
    if (this.mode === 'data') this.endData(end);
    this.http?.close(end);
    this.http = null;
    this.tls?.close(end);
    this.mode = 'await';
  }

  // ParserHost

  markAt(i: number): Mark {
    return { offset: this.deliveryOffset + i, seq: (this.deliverySeq + i) >>> 0, frame: this.frame };
  }

  opened(m: AppMessage): void {
    this.listener.opened(m);
  }

  settled(m: AppMessage): void {
    this.listener.settled(m);
  }

  ended(m: AppMessage, endOffset: number): void {
    m.length = Math.max(0, endOffset - m.offset);
    this.listener.ended(m);
  }

  // Recognition

  private probeBytes(bytes: Uint8Array, i: number, n: number): number {
    if (this.probe.length === 0) {
      if (this.afterHttp) while (i < n && (bytes[i] === 0x0d || bytes[i] === 0x0a)) i++;
      if (i >= n) return i;
      this.probeMark = this.markAt(i);
      const b = bytes[i]!;
      this.probeKind = b >= 20 && b <= 24 ? 'tls' : 'http';
    }
    return this.probeKind === 'tls' ? this.probeTls(bytes, i, n) : this.probeHttp(bytes, i, n);
  }

  private probeTls(bytes: Uint8Array, i: number, n: number): number {
    while (i < n && this.probe.length < 5) {
      this.probe.append(bytes, i, i + 1);
      i++;
      const verdict = tlsStart(this.probe.bytes, this.probe.length);
      if (verdict === 'no') {
        this.startData(this.probeMark!, this.probe.view(), bytes, i);
        this.probe.clear();
        return i;
      }
    }
    if (this.probe.length < 5) return i;
    const mark = this.probeMark!;
    const header = this.probe.view().slice(0, 5);
    this.probe.clear();
    this.afterHttp = false;
    this.tls ??= new TlsParser(this, this.conversation.tls);
    this.mode = 'tls';
    this.tls.begin(header, mark);
    return i;
  }

  private probeHttp(bytes: Uint8Array, i: number, n: number): number {
    let lf = bytes.indexOf(0x0a, i);
    if (lf >= n) lf = -1;
    const stop = lf < 0 ? n : lf + 1;
    // The first bytes say whether this can be HTTP at all, before much is kept.
    if (this.probe.length < HTTP_START_BYTES) {
      const take = Math.min(stop, i + HTTP_START_BYTES - this.probe.length);
      this.probe.append(bytes, i, take);
      i = take;
      if (httpStart(this.probe.bytes, this.probe.length) === 'no') return this.notHttp(bytes, i);
    }
    if (i < stop) {
      if (this.probe.length + (stop - i) > HEADER_LIMIT) return this.giantLine(bytes, i);
      this.probe.append(bytes, i, stop);
      i = stop;
    }
    if (lf < 0) return i;
    let len = this.probe.length - 1;
    if (len > 0 && this.probe.bytes[len - 1] === 0x0d) len--;
    const first = recogniseHttpLine(this.probe.bytes, len);
    if (!first) return this.notHttp(bytes, i);
    const msg = newHttpMessage(first, this.probeMark!);
    const lineBytes = this.probe.length;
    this.probe.clear();
    this.afterHttp = false;
    this.mode = 'http';
    this.http = new HttpParser(this, this.conversation.http, msg, lineBytes);
    return i;
  }

  /** The bytes held by the probe (and the rest of this delivery) are data. */
  private notHttp(bytes: Uint8Array, i: number): number {
    const head = this.probe.view().slice(0, DATA_PREVIEW_BYTES);
    this.probe.clear();
    this.startData(this.probeMark!, head, bytes, i);
    return i;
  }

  /**
   * A request line longer than HEADER_LIMIT: a request by its method, malformed, that takes the
   * direction's bytes until a hole (nothing says where it ends).
   */
  private giantLine(bytes: Uint8Array, i: number): number {
    const space = HEADER_LIMIT - this.probe.length;
    this.probe.append(bytes, i, i + space);
    i += space;
    const line = this.probe.bytes;
    const sp = line.indexOf(0x20);
    if (httpStart(line, this.probe.length) !== 'yes' || line[0] === 0x48 /* "HTTP/1." */ || sp <= 0) return this.notHttp(bytes, i);
    const msg = newHttpMessage(
      { type: 'request', method: latin1(line, 0, sp), uri: fieldText(line, sp + 1, this.probe.length), version: '' },
      this.probeMark!,
    );
    const lineBytes = this.probe.length;
    this.probe.clear();
    this.afterHttp = false;
    this.mode = 'http';
    this.http = new HttpParser(this, this.conversation.http, msg, lineBytes);
    this.http.malformed('header-too-long');
    return i;
  }

  private probeFailed(at: number): void {
    const head = this.probe.view().slice(0, DATA_PREVIEW_BYTES);
    const m = this.newData(this.probeMark!, head);
    this.probe.clear();
    this.listener.opened(m);
    this.listener.settled(m);
    this.ended(m, at);
  }

  /** Unrecognised bytes from `mark` to the end of this delivery. */
  private startData(mark: Mark, head: Uint8Array, bytes: Uint8Array, from: number): void {
    const preview = new Uint8Array(DATA_PREVIEW_BYTES);
    const k = Math.min(head.length, DATA_PREVIEW_BYTES);
    preview.set(head.subarray(0, k));
    const more = Math.min(DATA_PREVIEW_BYTES - k, bytes.length - from);
    if (more > 0) preview.set(bytes.subarray(from, from + more), k);
    const m = this.newData(mark, preview.subarray(0, k + Math.max(0, more)));
    this.dataMsg = m;
    this.mode = 'data';
    this.afterHttp = false;
    this.listener.opened(m);
    this.listener.settled(m);
  }

  private endData(at: number): void {
    const m = this.dataMsg;
    this.dataMsg = null;
    this.mode = 'await';
    if (m) this.ended(m, at);
  }

  private newData(mark: Mark, head: Uint8Array): DataMessage {
    return {
      protocol: 'data',
      type: 'data',
      ...messageStart(mark),
      headKnown: true,
      head: latin1(head),
    };
  }
}
