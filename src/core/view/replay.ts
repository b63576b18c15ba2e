import type { SideState } from '../tcp/states';
import { PACE_BREAK, PACE_LEVELS } from '../tcp/ladder';

/*
 * Replaying a ladder one segment at a time, for learners: where the replay stands, where a key
 * or the timer moves it, each side's state at that point, and how long to wait before the next
 * segment. Pure: the webview (src/webview/replay.ts) draws it and keeps the timer.
 *
 * The position is how many segments are shown: 0 before the first (each side still in its
 * initial state), N when the whole connection has been played. The current step is segment
 * shown - 1, so "step k of N" reads the position as it stands.
 */

/** 'paced': waits that grow with the gap before each segment (the ladder's compressed time); 'steady': one step a second. */
export type ReplaySpeed = 'paced' | 'steady';
export const REPLAY_SPEEDS: readonly ReplaySpeed[] = ['paced', 'steady'];

export interface ReplayState {
  /** Segments in the connection. */
  readonly total: number;
  /** Segments shown: 0 .. total. */
  readonly shown: number;
  readonly playing: boolean;
}

export type ReplayMove = 'next' | 'previous' | 'first' | 'last';

/** One step a second. */
export const STEADY_MS = 1000;
/** The wait before a segment that followed the one before it at once (pace level '0'). */
export const QUICKEST_MS = 250;
/**
 * Added per pace level. A level is half a decade of real time, so the wait is logarithmic in
 * the real gap: 10 µs and 300 ms both read, and the slowest level ('a') waits 1.5 s.
 */
export const PER_LEVEL_MS = 125;
/** After a pause of a second or more (pace 'p'): longer than any level, yet seconds, never the real hours. */
export const PAUSE_MS = 2500;

/**
 * How long to wait before showing segment `n` (0-based), given the connection's pace (one
 * character per segment, the gap before it; see Ladder.pace). A pace that is unknown or does
 * not cover `n` (a capture still growing) waits as long as the steady speed.
 */
export function replayDelay(pace: string | undefined, n: number, speed: ReplaySpeed): number {
  if (speed === 'steady') return STEADY_MS;
  const c = pace?.[n];
  if (c === undefined) return STEADY_MS;
  if (c === PACE_BREAK) return PAUSE_MS;
  const level = PACE_LEVELS.indexOf(c);
  return level < 0 ? STEADY_MS : QUICKEST_MS + level * PER_LEVEL_MS;
}

/** A replay of `total` segments, before the first, paused. */
export function replayStart(total: number): ReplayState {
  return { total: Math.max(0, total), shown: 0, playing: false };
}

function clampShown(shown: number, total: number): number {
  return Math.max(0, Math.min(total, shown));
}

/**
 * A move by the learner (a key or a button): it pauses, because someone stepping by hand wants
 * to look. 'first' goes back before the first segment, where both sides are in their initial
 * states; 'last' shows the whole connection.
 */
export function replayMove(s: ReplayState, move: ReplayMove): ReplayState {
  const to = move === 'next' ? s.shown + 1 : move === 'previous' ? s.shown - 1 : move === 'first' ? 0 : s.total;
  return { total: s.total, shown: clampShown(to, s.total), playing: false };
}

/** Play or pause. Playing at the end starts again from the beginning. */
export function replayToggle(s: ReplayState): ReplayState {
  if (s.playing) return { ...s, playing: false };
  return { total: s.total, shown: s.shown >= s.total ? 0 : s.shown, playing: s.total > 0 };
}

/** The timer's step: one segment more; playing stops at the end. */
export function replayTick(s: ReplayState): ReplayState {
  const shown = clampShown(s.shown + 1, s.total);
  return { total: s.total, shown, playing: s.playing && shown < s.total };
}

/** The connection grew (a live capture) or was read again: the position stays where it can. */
export function replayResize(s: ReplayState, total: number): ReplayState {
  if (total === s.total) return s;
  const t = Math.max(0, total);
  const shown = clampShown(s.shown, t);
  return { total: t, shown, playing: s.playing && shown < t };
}

/** Whether segment `n` is still to come (hidden while replaying). */
export function replayHides(s: ReplayState, n: number): boolean {
  return n >= s.shown;
}

/** The segment of the current step, or null before the first. */
export function replayCurrent(s: Pick<ReplayState, 'shown'>): number | null {
  return s.shown > 0 ? s.shown - 1 : null;
}

export interface Sides {
  client: SideState;
  server: SideState;
}

/**
 * Each side's state after `shown` segments: the initial states before the first, else the
 * states after segment shown - 1. Null when that segment's row has not come yet: the replay
 * waits for it rather than show a state it does not know.
 */
export function replaySides(shown: number, initial: Sides, rows: ReadonlyMap<number, Sides>): Sides | null {
  if (shown <= 0) return initial;
  const r = rows.get(shown - 1);
  return r ? { client: r.client, server: r.server } : null;
}
