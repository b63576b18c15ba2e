/**
 * Messages between the extension host and the capture editor's webview. The webview speaks
 * first (`ready`), the host answers (`init`); rows of a ladder are paged on demand.
 * Types only: both sides import this file and nothing else from each other.
 */
import type { ConnectionExplanation } from '../core/explain/connection';
import type { ClosingScenario, OpeningScenario } from '../core/explain/scenario';
import type { Ladder } from '../core/tcp/ladder';
import type { AnatomyLayer } from '../core/anatomy/types';
import type { FrameApp } from '../core/app/attribution';
import type { Outcome, TimelineMarks } from '../core/view/timeline';
import type { Graph, GraphKind, GraphSide } from '../core/graph/series';

export type { AnatomyField, AnatomyLayer } from '../core/anatomy/types';

export interface ConnectionRow {
  stream: number;
  client: string;
  server: string;
  /**
   * False for a connection the analysis has not finished (a big capture still being read, whose
   * connections the quick count listed first): its addresses, counts, times and iRTT are final,
   * what only the analysis knows (opening, closing, carried, outcome, events) is not there yet.
   */
  analysed: boolean;
  /** Null while not analysed. */
  opening: OpeningScenario | null;
  closing: ClosingScenario | null;
  activeCloser: 'client' | 'server' | 'both' | null;
  /** SYNs the client sent again before an answer. */
  synRetransmissions: number;
  /** The opening in a few words, in the user's language ("three-way handshake", "refused (RST)"). */
  opened: string;
  /** The closing in a few words ("four-way close, client first", "reset by server"). */
  ended: string;
  /** What the connection carried in one line ("HTTP GET / → 200", "TLS example.test"), or '' when nothing was recognised. Text from the capture: show it as text. */
  carried: string;
  packets: number;
  bytesToServer: number;
  bytesToClient: number;
  duration: number;
  /** Seconds from the capture's first packet to the connection's first segment (the timeline's x). */
  start: number;
  /** How it went, in the timeline's five colours; 'pending' while not analysed. */
  outcome: Outcome | 'pending';
  irtt: number | null;
  retransmissions: number;
  resets: number;
  zeroWindows: number;
  /** Higher is more interesting to explain first (a full handshake and teardown). */
  interest: number;
}

export interface CaptureOverview {
  fileName: string;
  format: string;
  linkTypes: string[];
  packets: number;
  tcpPackets: number;
  /** Seconds from the first to the last frame. */
  span: number;
  /** Lines about what was skipped or damaged ("skipped 3 packets: not TCP (IP protocol 17)"). */
  notes: string[];
  /** TCP connections found (so far, while `indexing`). */
  connections: number;
  /** True while the capture is still being read: counts grow. */
  indexing: boolean;
  /**
   * While indexing: every connection is listed already (the quick count of a big capture came),
   * with final counts; the analysis of their segments goes on.
   */
  listed?: boolean;
  /** New packets are read as they land in the file (a live capture, or "Follow" turned on). */
  following?: boolean;
}

export type SortKey = 'stream' | 'client' | 'packets' | 'bytesToServer' | 'bytesToClient' | 'duration' | 'irtt';

/** What the table shows: its sort and its filter (plain words or a Wireshark-style expression). */
export interface TableQuery {
  sort: SortKey;
  /** 1 ascending, -1 descending. */
  dir: 1 | -1;
  filter: string;
}

/** Rows [first, first + rows.length) of the table for a query, and how many rows it has. */
export interface RowsPage {
  first: number;
  rows: ConnectionRow[];
  /** Rows that pass the filter. */
  total: number;
  /** Connections in the capture (so far). */
  all: number;
  /** A filter that could not be read: where and why (the message in English; id and args for other languages). */
  error: { offset: number; message: string; id: string; args: Record<string, string | number> } | null;
  indexing: boolean;
  overview: CaptureOverview;
}

/** A segment's layers and its bytes, for the inspector beside the ladder. */
export interface AnatomyView {
  stream: number;
  /** The segment's place in its connection (the ladder row). */
  n: number;
  frame: number;
  capLen: number;
  origLen: number;
  /** Where the captured bytes stop when the snapshot length cut the packet (else null). */
  cutAt: number | null;
  layers: AnatomyLayer[];
  /** Why decoding stopped before TCP, when it did. */
  problem: string | null;
  /** The frame's captured bytes, base64. */
  bytes: string;
}

/** One piece of Follow TCP Stream, in the order both directions' bytes are shown. */
export type FollowItem =
  | { kind: 'data'; from: 'client' | 'server'; frame: number; /** ladder row of that frame */ n: number; seq: number; /** base64 */ data: string }
  | { kind: 'missing'; from: 'client' | 'server'; seq: number; len: number };

/** A page of a connection's bytes, both directions in sequence order, each byte once. */
export interface FollowPage {
  stream: number;
  client: string;
  server: string;
  /** Items [first, first + items.length) of `total`. */
  first: number;
  total: number;
  items: FollowItem[];
  /** Bytes each side sent (each counted once) and the bytes never captured. */
  bytes: { client: number; server: number };
  missing: { client: number; server: number };
}

/** A capture that grows: the editor's own live capture, or a file followed as it is written. */
export interface LiveStatus {
  /** The capture this editor is making (null: a file on disk). */
  capture: {
    /** The interface as the capture tool names it, and its friendly name (or ''). */
    iface: string;
    ifaceLabel: string;
    filter: string;
    /** Packets written so far. */
    packets: number;
    running: boolean;
    /** The capture tool's own count once it stopped (null when it did not say). */
    toolCount: number | null;
  } | null;
  /** New packets are read as they land. */
  following: boolean;
  /** The file can be followed (a capture file on disk, not damaged where reading stopped). */
  canFollow: boolean;
  /** Why following stopped or cannot start, or null. */
  note: string | null;
}

/** What a graph of a connection is asked with: which graph, which side's segments, the averaging window. */
export interface GraphQuery {
  stream: number;
  kind: GraphKind;
  /** null: the side that sent more bytes. */
  side: GraphSide | null;
  /** The throughput graph's moving-average window, in seconds. */
  windowSeconds: number;
}

/** A graph of a connection, with the frame of each of its segments in ladder order. */
export interface GraphView {
  query: GraphQuery;
  graph: Graph;
  frames: Uint32Array;
  /** Each segment's time since the connection's first, in ladder order. */
  times: Float64Array;
}

/** Words the webview shows, in the user's language (the host picks it). */
export type Strings = Record<string, string>;

export type ToWebview =
  /** Everything the editor needs to draw its first screen. */
  | {
      type: 'init';
      overview: CaptureOverview;
      strings: Strings;
      lang: 'en' | 'zh-cn';
      numbers: 'relative' | 'absolute';
    }
  /**
   * Indexing progress (0..1) and the connections found so far: visible rows may have changed.
   * A growing capture adds the connections that got segments and the overview as it stands.
   */
  | { type: 'progress'; fraction: number; connections: number; grew?: number[] | 'all'; overview?: CaptureOverview; listed?: boolean }
  /** The state of a capture that grows (live capture, Follow). */
  | { type: 'live'; live: LiveStatus }
  /** The whole capture is read. */
  | { type: 'indexed'; overview: CaptureOverview }
  /** A page of table rows, answering `rows` (its `seq`). */
  | { type: 'rows'; seq: number; page: RowsPage }
  /** The capture could not be read. */
  | { type: 'error'; message: string }
  /** A page of a ladder, answering `ladder`, with what each of its segments carried. */
  | { type: 'ladder'; ladder: Ladder; explanation?: ConnectionExplanation; carried?: FrameApp[] }
  /** Show this connection (from the command or the quick pick). */
  | { type: 'select'; stream: number }
  /** Put this text on the clipboard (the webview has the user's focus, so it can). */
  | { type: 'copy'; stream: number; text: string }
  /** The language setting changed. */
  | { type: 'language'; lang: 'en' | 'zh-cn'; strings: Strings }
  /** Retransmissions and zero windows of connections on the timeline, answering `timelineMarks`. */
  | { type: 'timelineMarks'; marks: TimelineMarks[] }
  /** The sequence-number setting changed. */
  | { type: 'numbers'; numbers: 'relative' | 'absolute' }
  /** A segment's layers and bytes, answering `anatomy`. */
  | { type: 'anatomy'; anatomy: AnatomyView }
  /** A page of Follow TCP Stream, answering `follow`. */
  | { type: 'follow'; page: FollowPage }
  /** A graph of a connection, answering `graph`. */
  | { type: 'graph'; view: GraphView }
  /** A request about a connection could not be answered (shown where it was asked). */
  | { type: 'failed'; request: 'anatomy' | 'follow' | 'graph'; stream: number; message: string };

export type FromWebview =
  /** The webview is loaded and listening. */
  | { type: 'ready' }
  /** Table rows [first, first + count) for a query; `seq` comes back with the answer. */
  | { type: 'rows'; seq: number; first: number; count: number; query: TableQuery }
  /** Rows [first, first + count) of a connection's ladder. */
  | { type: 'ladder'; stream: number; first: number; count: number }
  /** The user picked a connection (so the host knows what "Explain" refers to). */
  | { type: 'selected'; stream: number }
  /** A button above the ladder: copy the explanation or export the diagram. */
  | { type: 'export'; stream: number; format: 'markdown' | 'mermaid' | 'svg' }
  /** The webview's clipboard write of a `copy` worked (or not: then the host writes it). */
  | { type: 'copied'; stream: number; ok: boolean; text: string }
  /** The layers and bytes of segment `n` of a connection. */
  | { type: 'anatomy'; stream: number; n: number }
  /** Items [first, first + count) of a connection's Follow TCP Stream. */
  | { type: 'follow'; stream: number; first: number; count: number }
  /** A graph of a connection. */
  | { type: 'graph'; query: GraphQuery }
  /**
   * Save a graph: as an SVG picture or its data as CSV (made by the host), or as the PNG the
   * webview drew (`png`: base64).
   */
  | { type: 'saveGraph'; query: GraphQuery; format: 'svg' | 'csv' | 'png'; png?: string }
  /** Save the bytes one side sent (in sequence order, each once) to a file the user picks. */
  | { type: 'saveBytes'; stream: number; from: 'client' | 'server' }
  /** Where the retransmissions and zero windows of these connections happened (timeline bars on screen). */
  | { type: 'timelineMarks'; streams: number[] }
  /** "Follow": read new packets as they land in the file (on), or stop (off). */
  | { type: 'watch'; on: boolean }
  /** Stop the live capture this editor shows. */
  | { type: 'stopCapture' }
  /** Save the capture to a file the user picks. */
  | { type: 'saveCapture' };

/**
 * How the host runs the index worker. A young generation bigger than a worker thread's default
 * lets each segment's short-lived objects die before a scavenge copies them. Measured (medians
 * of 3): 150,000 short connections open in 3.4 s instead of 3.6 s and the 2.2 GB bench capture
 * in 7.0 s instead of 7.6 s. 96 MB was a little faster still on the big capture but kept 35 MB
 * more on the short one; memory is the host's tighter limit. The benchmarks run the worker with
 * these limits too (test/unit/indexWorker.test.ts holds them equal).
 */
export const INDEX_WORKER_RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 32 } as const;
