import { ConnectionApp } from '../app/attribution';
import { StreamApp } from '../app/stream';
import { GrowingCapture } from '../capture/growing';
import { CaptureInfo, CaptureProblem, CaptureRecord } from '../capture/types';
import { DecodedFrame } from '../decode/frame';
import { parseTcpOptions } from '../decode/tcpOptions';
import { ConnectionExplanation, explainConnection } from '../explain/connection';
import { CaptureIndex, handshakeOptions } from '../index/captureIndex';
import { ScanSummary, Scanner } from '../scan';
import { SegmentAnalysis, TH_RST, TH_SYN } from '../tcp/analysis';
import { Ladder, LadderRow, StreamFacts, buildLadder, streamFacts } from '../tcp/ladder';
import { TcpState } from '../tcp/states';

/**
 * A capture read while it is made: the bytes of a running capture tool go in, and out come the
 * same facts a file gives, as they happen. Each segment runs through the same forward pass as
 * a file (Scanner, TcpAnalyzer); each gets its ladder row (states, step facts) from what its
 * connection has shown so far; each connection that ends (both FINs acknowledged, a RST, or
 * refused) gets its whole explanation. No printing here: the CLI and the editor listen.
 */

export interface LiveConnectionEnd {
  stream: number;
  /** Why it counts as ended now. */
  how: 'closed' | 'reset';
  explanation: ConnectionExplanation;
  /** Every step of the connection so far, with states and step facts. */
  ladder: Ladder;
  /** Its application messages and what each frame carried (carriedLines puts them into words). */
  app: StreamApp;
}

export interface LiveSessionEvents {
  /** Every record read, TCP or not, with the capture's description (to save or count it). */
  onRecord?(record: CaptureRecord, info: CaptureInfo): void;
  /** Every TCP segment as the analysis leaves it; the objects are reused after the call. */
  onSegment?(record: CaptureRecord, frame: DecodedFrame, segment: SegmentAnalysis): void;
  /**
   * Each new segment's ladder row, in capture order, once the bytes pushed are read: rows of one
   * push come together after its segments (a batch keeps the cost per connection, not per row).
   */
  onStep?(row: LadderRow, ladder: Ladder): void;
  /** A connection ended; it comes after its rows. Once per connection. */
  onConnectionEnd?(end: LiveConnectionEnd): void;
  /** Damage or oddities in the stream, as a file's reader reports them. */
  onProblem?(problem: CaptureProblem): void;
}

export interface LiveSessionOptions {
  /**
   * Connections that ended and are still kept, so a late segment (a retransmitted FIN, the
   * last ACK) gets its row. Older ones are let go: memory follows the open connections.
   */
  keepEnded?: number;
  /** Bytes each direction's reassembly may hold behind a hole (what a segment carried). */
  maxBuffered?: number;
}

interface LiveConnection {
  stream: number;
  index: CaptureIndex;
  app: ConnectionApp | null;
  /** Rows already given out. */
  shown: number;
  ended: boolean;
  /** A RST was seen. */
  reset: boolean;
}

/** States after which a side has nothing more to send or receive on the connection. */
const DONE: ReadonlySet<TcpState> = new Set<TcpState>(['CLOSED', 'TIME_WAIT']);

export class LiveSession {
  readonly capture = new GrowingCapture();
  private scanner: Scanner | null = null;
  private readonly connections = new Map<number, LiveConnection>();
  /** Ended connections still kept, oldest first. */
  private readonly endedOrder: number[] = [];
  /** Streams whose connection was let go: later segments get no row. */
  private readonly forgotten = new Set<number>();
  /** Streams with new segments in the current push, in the order of their first new one. */
  private touched: number[] = [];
  private problemsSeen = 0;
  private ended = 0;
  private readonly keepEnded: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly events: LiveSessionEvents = {},
    options: LiveSessionOptions = {},
  ) {
    this.keepEnded = options.keepEnded ?? 256;
    this.maxBuffered = options.maxBuffered ?? 1 << 20;
  }

  /** What the pass found so far (null before the capture's header arrived). */
  get summary(): ScanSummary | null {
    return this.scanner?.summary ?? null;
  }

  get problems(): CaptureProblem[] {
    return this.capture.problems;
  }

  /** Records read so far (every packet, TCP or not). */
  get frames(): number {
    return this.scanner?.summary.frames ?? 0;
  }

  /** Connections that ended so far. */
  get connectionsEnded(): number {
    return this.ended;
  }

  /** Bytes of the capture as they arrive, in order. Everything they complete is reported before it returns. */
  push(chunk: Uint8Array): void {
    this.capture.push(chunk);
    this.read();
  }

  /** No more bytes: the rest is read (a cut record is reported) and the pass ends. */
  end(): void {
    this.capture.end();
    this.read();
    this.scanner?.finish();
  }

  private read(): void {
    const capture = this.capture;
    if (!this.scanner && capture.hasRecord()) {
      this.scanner = new Scanner(capture, 0, {
        onSegment: (rec, f, seg) => this.segment(rec, f, seg),
        onOtherFrame: (rec) => this.events.onRecord?.(rec, capture.info),
      });
    }
    // One record a step: the scanner ends for good at a null, and here null means "not yet".
    while (this.scanner && capture.hasRecord()) this.scanner.step(1);
    this.rows();
    const problems = capture.problems;
    while (this.problemsSeen < problems.length) this.events.onProblem?.(problems[this.problemsSeen++]!);
  }

  private segment(rec: CaptureRecord, f: DecodedFrame, seg: SegmentAnalysis): void {
    this.events.onRecord?.(rec, this.capture.info);
    const stream = seg.conversation.stream;
    if (!this.forgotten.has(stream)) this.keep(stream, rec, f, seg);
    this.events.onSegment?.(rec, f, seg);
  }

  /** The segment goes into its connection's index (for rows and the story) and its messages. */
  private keep(stream: number, rec: CaptureRecord, f: DecodedFrame, seg: SegmentAnalysis): void {
    let conn = this.connections.get(stream);
    if (!conn) {
      conn = {
        stream,
        index: new CaptureIndex(this.scanner!.summary),
        app: new ConnectionApp({ keepMessages: true, maxBuffered: this.maxBuffered }),
        shown: 0,
        ended: false,
        reset: false,
      };
      this.connections.set(stream, conn);
    }
    const conv = seg.conversation;
    // Relative numbers and windows as known now: a file's view knows the end, a live one cannot.
    const flow = seg.inFlow1 ? conv.flow1 : conv.flow2;
    const peer = seg.inFlow1 ? conv.flow2 : conv.flow1;
    const fromClient = seg.fromA === conv.clientIsA;
    const i = conn.index.count;
    conn.index.add(rec, f, seg, flow, peer, fromClient);
    if (f.flags & TH_SYN && f.tcpHeaderLen > 20) {
      conn.index.synOptions.set(i, handshakeOptions(parseTcpOptions(f.data, f.tcpOffset, f.tcpHeaderLen)));
    }
    if (f.flags & TH_RST) conn.reset = true;
    // Only segments whose header Wireshark reads take part, as in Follow.
    const payloadStart = f.tcpOffset + f.tcpHeaderLen;
    if (conn.app && f.headerValid && f.data.length >= payloadStart) {
      const payload = f.data.subarray(payloadStart, Math.min(f.data.length, payloadStart + f.payloadLen));
      conn.app.segment(rec.frame, fromClient, f.flags, seg.relSeq, seg.relAck, f.ack, payload, f.payloadLen);
    }
    // The first segment since the last rows: the connection has rows to give.
    if (i === conn.shown) this.touched.push(stream);
  }

  /** The rows of this push's segments, in capture order, then the connections that ended. */
  private rows(): void {
    if (this.touched.length === 0) return;
    const touched = this.touched;
    this.touched = [];
    const fresh: Array<{ row: LadderRow; ladder: Ladder }> = [];
    const ending: Array<{ conn: LiveConnection; facts: StreamFacts }> = [];
    for (const stream of touched) {
      const conn = this.connections.get(stream);
      if (!conn) continue;
      const facts = streamFacts(conn.index, stream);
      const total = facts.segments.length;
      const ladder = buildLadder(conn.index, { stream, first: conn.shown, count: total - conn.shown }, facts);
      conn.shown = total;
      for (const row of ladder.rows) fresh.push({ row, ladder });
      if (conn.ended) continue;
      const last = facts.trace.steps[total - 1];
      const closed = last !== undefined && DONE.has(last.client.state) && DONE.has(last.server.state);
      if (conn.reset || closed) ending.push({ conn, facts });
    }
    if (touched.length > 1) fresh.sort((a, b) => a.row.frame - b.row.frame);
    for (const { row, ladder } of fresh) this.events.onStep?.(row, ladder);
    for (const { conn, facts } of ending) this.finishConnection(conn, facts);
  }

  private finishConnection(conn: LiveConnection, facts: StreamFacts): void {
    conn.ended = true;
    this.ended++;
    const app = conn.app!;
    app.finish();
    conn.app = null;
    const frames = new Map([...app.client.allFrames(), ...app.server.allFrames()].map((f) => [f.frame, f]));
    const end: LiveConnectionEnd = {
      stream: conn.stream,
      how: conn.reset ? 'reset' : 'closed',
      explanation: explainConnection(conn.index, conn.stream, facts),
      ladder: buildLadder(conn.index, { stream: conn.stream }, facts),
      app: { stream: conn.stream, fromClient: app.client.messages, fromServer: app.server.messages, frames, summary: null },
    };
    this.endedOrder.push(conn.stream);
    while (this.endedOrder.length > this.keepEnded) {
      const old = this.endedOrder.shift()!;
      this.connections.delete(old);
      this.forgotten.add(old);
    }
    this.events.onConnectionEnd?.(end);
  }
}
