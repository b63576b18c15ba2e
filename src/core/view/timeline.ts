import type { ClosingScenario, OpeningScenario } from '../explain/scenario';
import type { StreamSamples } from '../graph/series';
import { A_FAST_RETRANSMISSION, A_RETRANSMISSION, A_SPURIOUS_RETRANSMISSION, A_ZERO_WINDOW, TcpConversation } from '../tcp/analysis';

/*
 * The timeline of a capture's connections: one bar per connection from its first to its last
 * segment, coloured by how it went, with its retransmissions and zero windows marked where
 * they happened. What the webview needs that the table does not: the outcome in five classes
 * (the scenarios have fourteen, too many colours to tell apart) and the times of the marks.
 */

/**
 * How a connection went, in the five classes the timeline colours:
 * - `refused`: the SYN was answered by RST (from the opening, whatever came after);
 * - `no-answer`: the SYN got no answer in the capture (from the opening, whatever came after);
 * - `reset`: aborted by RST, also when a FIN had started the close (RST after FIN);
 * - `closed`: both directions closed with FIN (four-way, three-segment, simultaneous close, and
 *   a half-close whose other direction closed too: the connection ended cleanly, data just went
 *   on flowing one way after the first FIN);
 * - `open`: still open when the capture ended, including a half-close whose other direction
 *   never sent its FIN (half of it was still open).
 */
export type Outcome = 'closed' | 'reset' | 'refused' | 'no-answer' | 'open';
export const OUTCOMES: readonly Outcome[] = ['closed', 'reset', 'refused', 'no-answer', 'open'];

/**
 * The outcome of a connection from its scenarios. `finsBothWays`: each direction sent a FIN
 * (only a half-close needs it, to tell one that ended from one left half open).
 */
export function outcome(opening: OpeningScenario, closing: ClosingScenario, finsBothWays = false): Outcome {
  if (opening === 'refused') return 'refused';
  if (opening === 'no-answer') return 'no-answer';
  switch (closing) {
    case 'reset':
    case 'rst-after-fin':
      return 'reset';
    case 'four-way-close':
    case 'three-segment-close':
    case 'simultaneous-close':
      return 'closed';
    case 'half-close':
      return finsBothWays ? 'closed' : 'open';
    case 'open-at-end':
      return 'open';
  }
}

/** Each direction of the connection sent at least one FIN. */
export function finsBothWays(conv: TcpConversation): boolean {
  return conv.flow1.finCount > 0 && conv.flow2.finCount > 0;
}

/** The events marked on a connection's bar, at seconds since the capture's first packet. */
export interface TimelineMarks {
  stream: number;
  /** tcp.analysis.retransmission (fast and spurious ones included, as tshark counts them). */
  retransmissions: number[];
  /** tcp.analysis.zero_window. */
  zeroWindows: number[];
  /** Marks left out because a kind had more than the cap (spread evenly over the rest). */
  omitted: number;
}

/** Marks of one kind on one bar at most: more would only overdraw the same pixels. */
export const MARKS_PER_KIND = 500;

const RETRANSMITTED = A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION;

/**
 * The marks of one connection read again (`samples`), its segments' times moved from the
 * connection's first segment to the capture's first packet by `start` (that segment's time
 * since the capture's first packet). Past `cap` marks of a kind, every k-th is kept, so the
 * marks still show where they crowd.
 */
export function timelineMarks(samples: StreamSamples, start: number, cap = MARKS_PER_KIND): TimelineMarks {
  const retransmissions: number[] = [];
  const zeroWindows: number[] = [];
  for (let i = 0; i < samples.count; i++) {
    const bits = samples.analysis[i]!;
    if (bits & RETRANSMITTED) retransmissions.push(start + samples.time[i]!);
    if (bits & A_ZERO_WINDOW) zeroWindows.push(start + samples.time[i]!);
  }
  const kept = (times: number[]): number[] => {
    if (times.length <= cap) return times;
    const out: number[] = [];
    for (let k = 0; k < cap; k++) out.push(times[Math.floor((k * times.length) / cap)]!);
    return out;
  };
  const r = kept(retransmissions);
  const z = kept(zeroWindows);
  return { stream: samples.stream, retransmissions: r, zeroWindows: z, omitted: retransmissions.length - r.length + zeroWindows.length - z.length };
}
