import { Lang } from '../explain/glossary';
import { DirectionReassembler } from '../stream/reassembly';
import { MissingCause, StreamBytesSink } from '../stream/types';
import { seqDiff } from '../tcp/seq';
import { messageInfo, messageName, messageSummary } from './summary';
import { AppConversation, DirectionTracker, TrackerListener } from './tracker';
import { AppMessage } from './types';
import { appWord } from './words';

/**
 * Which application messages each segment carried. A message is named on the frame that
 * carried its first byte (Wireshark names it on the one that completes it); the frames after
 * it "continue" it, and a retransmitted copy "repeats" what it copies.
 */
export interface FrameApp {
  frame: number;
  /** Messages whose first byte this frame carried, in stream order. */
  starts: AppMessage[];
  /** The message this frame's first new byte belongs to, when it began in an earlier frame. */
  continues: AppMessage | null;
  /** For bytes already delivered by an earlier frame: the messages they belong to. */
  repeats: AppMessage[];
}

interface FrameRecord extends FrameApp {
  /** Offset of the first new byte this frame delivered, or -1 (only copies, or nothing yet). */
  firstOffset: number;
  /** Bytes of this frame accounted for: delivered, repeated, or cut by the snapshot length. */
  accounted: number;
}

/** Frames kept for late "continues" (a message recognised after the frames that carried its start). */
const RECENT_FRAMES = 64;
/** Messages kept to name what a retransmission repeats. */
const RECENT_MESSAGES = 64;

export interface DirectionAppOptions {
  /** Keep every message of the direction (a view of one connection); the CLI keeps none. */
  keepMessages?: boolean;
  /** Called once per message when its fields are final (for a connection's summary). */
  onSettled?: (m: AppMessage) => void;
  /**
   * Keep what each frame carried (default true). A forward pass that wants only the messages
   * (a connection table's summary) turns it off: then nothing is kept per frame.
   */
  frames?: boolean;
}

/** One direction: the tracker that finds messages, and the frame bookkeeping around it. */
export class DirectionApp implements StreamBytesSink, TrackerListener {
  readonly tracker: DirectionTracker;
  readonly messages: AppMessage[] = [];
  /** Made on the first frame recorded: a forward pass that keeps no frames makes none per connection. */
  private frames: Map<number, FrameRecord> | null = null;
  private readonly recentFrames: FrameRecord[] = [];
  private readonly recent: AppMessage[] = [];
  /** Frames up to this one were taken: nothing more is recorded for them. */
  private takenUpTo = -1;
  /** The sequence number after the last delivered byte, to place repeated bytes. */
  private nextSeq = 0;

  constructor(
    conversation: AppConversation,
    private readonly options: DirectionAppOptions = {},
  ) {
    this.tracker = new DirectionTracker(conversation, this);
  }

  // StreamBytesSink: bookkeeping first, then the tracker.

  data(frame: number, seq: number, bytes: Uint8Array): void {
    const rec = this.record(frame);
    if (rec) {
      if (rec.firstOffset < 0) {
        rec.firstOffset = this.tracker.position;
        const open = this.tracker.current;
        if (open && open.frame !== frame) rec.continues = open;
        this.recentFrames.push(rec);
        if (this.recentFrames.length > RECENT_FRAMES) this.recentFrames.shift();
      }
      rec.accounted += bytes.length;
    }
    this.tracker.data(frame, seq, bytes);
    this.nextSeq = (seq + bytes.length) >>> 0;
  }

  missing(frame: number, seq: number, len: number, cause?: MissingCause): void {
    // Only the snapshot length's cut belongs to the frame named; other holes are no frame's bytes.
    if (cause === 'cut') {
      const rec = this.record(frame);
      if (rec) rec.accounted += len;
    }
    this.tracker.missing(frame, seq, len, cause);
    this.nextSeq = (seq + len) >>> 0;
  }

  repeated(frame: number, seq: number, len: number): void {
    const rec = this.record(frame);
    if (!rec) return;
    rec.accounted += len;
    // Where the copied bytes stand, counted back from the next byte expected.
    const end = this.tracker.position - seqDiff(this.nextSeq, (seq + len) >>> 0);
    const start = end - len;
    for (const m of this.recent) {
      const mEnd = m.length === null ? Infinity : m.offset + m.length;
      if (m.offset < end && mEnd > start && !rec.repeats.includes(m)) rec.repeats.push(m);
    }
  }

  // TrackerListener

  opened(m: AppMessage): void {
    if (this.options.keepMessages) this.messages.push(m);
    if (this.options.frames === false) return;
    const rec = this.record(m.frame);
    if (rec) rec.starts.push(m);
    this.recent.push(m);
    if (this.recent.length > RECENT_MESSAGES) this.recent.shift();
    // Frames that came after this message's first byte and before it was recognised continue it.
    for (let k = this.recentFrames.length - 1; k >= 0; k--) {
      const r = this.recentFrames[k]!;
      if (r.firstOffset <= m.offset) break;
      if (r.frame !== m.frame && (r.continues === null || r.continues.offset <= m.offset)) r.continues = m;
    }
  }

  settled(m: AppMessage): void {
    this.options.onSettled?.(m);
  }

  ended(_m: AppMessage): void {}

  /** Whether what a frame carried is final: all its bytes seen, its messages known. */
  settledFrame(frame: number, payloadBytes: number): boolean {
    const rec = this.frames?.get(frame);
    if (!rec) return payloadBytes === 0 || this.tracker.isClosed;
    if (this.tracker.holding === frame) return false;
    if (rec.accounted < payloadBytes && !this.tracker.isClosed) return false;
    return rec.starts.every((m) => m.headKnown);
  }

  /** What a frame carried, forgotten once taken (frames are taken in increasing order). */
  take(frame: number): FrameApp | null {
    const rec = this.frames?.get(frame) ?? null;
    this.frames?.delete(frame);
    if (frame > this.takenUpTo) this.takenUpTo = frame;
    return rec ? { frame: rec.frame, starts: rec.starts, continues: rec.continues, repeats: rec.repeats } : null;
  }

  /** Every frame's record (a view of one connection, which takes none). */
  allFrames(): FrameApp[] {
    return [...(this.frames?.values() ?? [])].map((r) => ({ frame: r.frame, starts: r.starts, continues: r.continues, repeats: r.repeats }));
  }

  private record(frame: number): FrameRecord | null {
    if (frame <= this.takenUpTo || this.options.frames === false) return null;
    this.frames ??= new Map();
    let rec = this.frames.get(frame);
    if (!rec) {
      rec = { frame, starts: [], continues: null, repeats: [], firstOffset: -1, accounted: 0 };
      this.frames.set(frame, rec);
    }
    return rec;
  }
}

export interface ConnectionAppOptions extends DirectionAppOptions {
  /** Bytes each direction's reassembly may hold behind a hole (see ReassemblyOptions). */
  maxBuffered?: number;
}

const TH_FIN = 0x001;
const TH_SYN = 0x002;
const TH_RST = 0x004;
const TH_ACK = 0x010;

/**
 * One connection's application messages, fed its segments in capture order (as Follow reads
 * them): each direction is reassembled, and its bytes go through a tracker.
 */
export class ConnectionApp {
  readonly conversation = new AppConversation();
  readonly client: DirectionApp;
  readonly server: DirectionApp;
  private readonly fromClient: DirectionReassembler;
  private readonly fromServer: DirectionReassembler;

  constructor(options: ConnectionAppOptions = {}) {
    this.client = new DirectionApp(this.conversation, options);
    this.server = new DirectionApp(this.conversation, options);
    const reassembly = options.maxBuffered !== undefined ? { maxBuffered: options.maxBuffered } : {};
    this.fromClient = new DirectionReassembler(this.client, reassembly);
    this.fromServer = new DirectionReassembler(this.server, reassembly);
  }

  /**
   * One segment. `relSeq` and `relAck` are relative; `rawAck` is the header's field (Wireshark
   * compares it raw when the ACK flag is off); `payload` the captured bytes, `wireLength` tcp.len.
   */
  segment(frame: number, fromClient: boolean, flags: number, relSeq: number, relAck: number, rawAck: number, payload: Uint8Array, wireLength: number): void {
    const own = fromClient ? this.fromClient : this.fromServer;
    const peer = fromClient ? this.fromServer : this.fromClient;
    const ownApp = fromClient ? this.client : this.server;
    peer.acknowledged(frame, flags & TH_ACK ? relAck : rawAck);
    own.segment(frame, relSeq, flags, payload, wireLength);
    if (flags & TH_RST) {
      this.finish();
      return;
    }
    if (flags & TH_FIN) {
      // Everything before the FIN is in: nothing more will come this way.
      const fin = (relSeq + (flags & TH_SYN ? 1 : 0) + wireLength) >>> 0;
      if (own.nextSeq === fin && own.bufferedBytes === 0) ownApp.tracker.close();
    }
  }

  /** Both directions have ended: nothing more will be found. */
  get closed(): boolean {
    return this.client.tracker.isClosed && this.server.tracker.isClosed;
  }

  /** The capture (or the connection) ended: bytes still waiting go through after their holes. */
  finish(): void {
    this.fromClient.finish(true);
    this.fromServer.finish(true);
    this.client.tracker.close();
    this.server.tracker.close();
  }
}

/** The words after a segment's line: what it started, continued or repeated. */
export function frameAppText(app: FrameApp, lang: Lang = 'en', style: 'info' | 'summary' = 'info'): string {
  const parts: string[] = [];
  if (app.starts.length) {
    const names = app.starts.map((m) => {
      const s = style === 'info' ? messageInfo(m) : messageSummary(m, lang);
      return style === 'info' && m.incomplete ? `${s} [${appWord('incomplete', lang)}]` : s;
    });
    parts.push(names.join(', '));
  }
  if (app.continues && !app.starts.length) parts.push(`[${appWord('continues', lang, { what: messageName(app.continues, lang) })}]`);
  if (app.repeats.length) parts.push(`[${appWord('repeats', lang, { what: app.repeats.map((m) => messageName(m, lang)).join(', ') })}]`);
  return parts.join(' ');
}
