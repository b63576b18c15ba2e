import type { Graph, GraphSet, SetId } from './series';

/*
 * The points of a connection's graph, drawn on the editor's canvas (uPlot's) at the screen's resolution. A
 * connection of a million segments has far more points than the plot has pixel columns, so each
 * set is reduced per pixel column as it is drawn (bars that overlap merge, a line keeps its
 * first, lowest, highest and last value, dots and marks are drawn once per pixel), and only the
 * points in the view are looked at (binary search on time). A redraw costs one pass over the
 * points in view, never an object per point.
 */

export interface Range {
  lo: number;
  hi: number;
}

/**
 * What the drawing needs of a canvas: the part of CanvasRenderingContext2D it uses (the editor
 * passes its canvas; tests pass a recorder).
 */
export interface Pen {
  save(): void;
  restore(): void;
  beginPath(): void;
  closePath(): void;
  rect(x: number, y: number, w: number, h: number): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  arc(x: number, y: number, r: number, start: number, end: number): void;
  clip(): void;
  fill(): void;
  stroke(): void;
  setLineDash(segments: number[]): void;
  strokeStyle: unknown;
  fillStyle: unknown;
  lineWidth: number;
  lineJoin: unknown;
}

/** Each set's colour, as the theme has it. */
export type Colours = (id: SetId | 'irtt') => string;

/** Where to draw: the plot's rectangle in canvas pixels and the scales' ranges. */
export interface PlotArea {
  ctx: Pen;
  left: number;
  top: number;
  width: number;
  height: number;
  /** Canvas pixels per CSS pixel. */
  ratio: number;
  x: Range;
  y: Range;
  y2: Range | null;
}

/** What the drawing reads of the panel's settings. */
interface DrawSettings {
  stevens: boolean;
  hidden: SetId[];
}

/** Marks differ by shape as well as colour (not everyone tells red from orange). */
type Shape = 'cross' | 'triangle' | 'square' | 'diamond' | 'ring' | 'down';
const SHAPES: Partial<Record<SetId, Shape>> = {
  retransmission: 'cross',
  out_of_order: 'triangle',
  lost: 'square',
  duplicate_ack: 'diamond',
  zero_window: 'ring',
  window_full: 'down',
};

/** Whether a set's times never go backwards (a capture's clock can): then binary search finds the view. */
const ascending = new WeakMap<Float64Array, boolean>();
function timesAscend(t: Float64Array): boolean {
  let known = ascending.get(t);
  if (known === undefined) {
    known = true;
    for (let i = 1; i < t.length; i++) {
      if (t[i]! < t[i - 1]!) {
        known = false;
        break;
      }
    }
    ascending.set(t, known);
  }
  return known;
}

/** The first index below `n` whose value is at least `v` (the array ascending). */
export function lowerBound(a: ArrayLike<number>, v: number, n = a.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The indices of a set's points with time in [lo, hi], one more on each side (a line enters and leaves the view). */
function indicesIn(s: GraphSet, lo: number, hi: number): [number, number] {
  if (!timesAscend(s.time)) return [0, s.count];
  const i0 = Math.max(0, lowerBound(s.time, lo, s.count) - 1);
  const i1 = Math.min(s.count, lowerBound(s.time, hi, s.count) + 1);
  let end = i1;
  while (end < s.count && s.time[end]! <= hi) end++;
  return [i0, end];
}

/**
 * Runs of BUCKET consecutive points summed up: their first and last time, their lowest and
 * highest value (a bar's both ends), their first and last value. When the view holds many
 * points per pixel column, bars and lines are drawn from these runs instead of the points
 * (each run falls within a pixel or two), so the whole of a million-point graph redraws in a
 * millisecond or two. Made once per set, on first need; a set whose times go backwards has none.
 */
const BUCKET = 64;
interface Buckets {
  count: number;
  t0: Float64Array;
  t1: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
  first: Float64Array;
  last: Float64Array;
}
const bucketCache = new WeakMap<Float64Array, Buckets | null>();

function bucketsOf(s: GraphSet): Buckets | null {
  let b = bucketCache.get(s.time);
  if (b !== undefined) return b;
  b = null;
  if (s.count >= 4 * BUCKET && timesAscend(s.time)) {
    const count = Math.ceil(s.count / BUCKET);
    b = { count, t0: new Float64Array(count), t1: new Float64Array(count), lo: new Float64Array(count), hi: new Float64Array(count), first: new Float64Array(count), last: new Float64Array(count) };
    const both = s.y2 !== null && s.draw !== 'line';
    for (let k = 0; k < count; k++) {
      const i0 = k * BUCKET;
      const i1 = Math.min(s.count, i0 + BUCKET);
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = i0; i < i1; i++) {
        const v = s.y[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        if (both) {
          const w = s.y2![i]!;
          if (w < lo) lo = w;
          if (w > hi) hi = w;
        }
      }
      b.t0[k] = s.time[i0]!;
      b.t1[k] = s.time[i1 - 1]!;
      b.lo[k] = lo;
      b.hi[k] = hi;
      b.first[k] = s.y[i0]!;
      b.last[k] = s.y[i1 - 1]!;
    }
  }
  bucketCache.set(s.time, b);
  return b;
}

/** The runs to draw instead of the points of [i0, i1), when the view is that crowded. */
function crowded(s: GraphSet, i0: number, i1: number, widthPx: number): { b: Buckets; k0: number; k1: number } | null {
  if (i1 - i0 < (BUCKET / 2) * widthPx) return null;
  const b = bucketsOf(s);
  return b ? { b, k0: Math.floor(i0 / BUCKET), k1: Math.min(b.count, Math.ceil(i1 / BUCKET)) } : null;
}

/**
 * A line at a picture's resolution: for each pixel column the points [i0, i1) fall in (their
 * columns in order), the first, lowest, highest and last of their pixel values. A line drawn
 * through those four per column looks the same as one drawn through every point. Shared by
 * the editor's canvas and the SVG export.
 */
export function eachColumn(
  i0: number,
  i1: number,
  columnOf: (i: number) => number,
  valueOf: (i: number) => number,
  emit: (column: number, first: number, lo: number, hi: number, last: number) => void,
): void {
  if (i1 <= i0) return;
  let col = columnOf(i0);
  let first = valueOf(i0);
  let lo = first;
  let hi = first;
  let last = first;
  for (let i = i0 + 1; i < i1; i++) {
    const c = columnOf(i);
    const v = valueOf(i);
    if (c !== col) {
      emit(col, first, lo, hi, last);
      col = c;
      first = lo = hi = last = v;
    } else {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      last = v;
    }
  }
  emit(col, first, lo, hi, last);
}

/** The lowest and highest value of the sets' times ('x') or values and bar ends ('y'). */
export function setExtent(sets: GraphSet[], which: 'x' | 'y', extra: number[] = []): Range {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of extra) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  for (const s of sets) {
    const b = bucketsOf(s);
    if (b) {
      const [l, h] = which === 'x' ? [b.t0, b.t1] : [b.lo, b.hi];
      for (let k = 0; k < b.count; k++) {
        if (l[k]! < lo) lo = l[k]!;
        if (h[k]! > hi) hi = h[k]!;
      }
      continue;
    }
    const cols = which === 'x' ? [s.time] : s.y2 && s.draw !== 'line' ? [s.y, s.y2] : [s.y];
    for (const a of cols) {
      for (let i = 0; i < s.count; i++) {
        const v = a[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  return lo <= hi ? { lo, hi } : { lo: 0, hi: 1 };
}

/** A range with room at its ends (from zero when asked), never empty. */
export function padRange(r: Range, fromZero: boolean): Range {
  let { lo, hi } = r;
  if (fromZero && lo > 0) lo = 0;
  if (hi === lo) hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.1);
  const room = (hi - lo) * 0.04;
  return { lo: fromZero && lo === 0 ? 0 : lo - room, hi: hi + room };
}

/** The point nearest to (px, py) in CSS pixels of a plot of that size, within `within` pixels. */
export function nearestPoint(
  sets: GraphSet[],
  plot: { width: number; height: number; x: Range; y: Range; y2: Range | null },
  px: number,
  py: number,
  within: number,
): { set: GraphSet; i: number } | null {
  const sx = plot.width / (plot.x.hi - plot.x.lo);
  const tLo = plot.x.lo + (px - within) / sx;
  const tHi = plot.x.lo + (px + within) / sx;
  let best: { set: GraphSet; i: number } | null = null;
  let bestD = within * within;
  // Marks lie on top of the data they mark: they win a tie.
  const ordered = [...sets].sort((a, b) => Number(b.draw === 'mark') - Number(a.draw === 'mark'));
  for (const s of ordered) {
    const yr = s.axis === 'y2' && plot.y2 ? plot.y2 : plot.y;
    const sy = plot.height / (yr.hi - yr.lo);
    const Y = (v: number): number => plot.height - (v - yr.lo) * sy;
    const [i0, i1] = indicesIn(s, tLo, tHi);
    for (let i = i0; i < i1; i++) {
      const t = s.time[i]!;
      if (t < tLo || t > tHi) continue;
      const dx = (t - plot.x.lo) * sx - px;
      let dy: number;
      if (s.y2 && (s.draw === 'bar' || s.draw === 'mark')) {
        const a = Y(s.y[i]!);
        const b = Y(s.y2[i]!);
        const top = Math.min(a, b);
        const bottom = Math.max(a, b);
        dy = py < top ? top - py : py > bottom ? py - bottom : 0;
      } else dy = Y(s.y[i]!) - py;
      const d = dx * dx + dy * dy;
      if (d < bestD || (d === bestD && best !== null && best.set.draw !== 'mark' && s.draw === 'mark')) {
        bestD = d;
        best = { set: s, i };
      }
    }
  }
  return best;
}

/** One pixel per cell: what has been drawn at this resolution, so a pixel is drawn once. */
class PixelSeen {
  private bits = new Uint8Array(0);
  private w = 0;

  reset(w: number, h: number): void {
    const size = Math.max(1, Math.ceil(w) * Math.ceil(h));
    this.w = Math.ceil(w);
    if (this.bits.length < size) this.bits = new Uint8Array(size);
    else this.bits.fill(0, 0, size);
  }

  /** True the first time (x, y) is seen since reset. */
  first(x: number, y: number): boolean {
    const k = y * this.w + x;
    if (this.bits[k]) return false;
    this.bits[k] = 1;
    return true;
  }
}

export class GraphCanvas {
  private readonly seen = new PixelSeen();

  constructor(
    private readonly graph: Graph,
    private readonly colourOf: Colours,
    private readonly settings: () => DrawSettings,
    private readonly marked: () => { frame: number; time: number } | null,
    private readonly hovered: () => { set: GraphSet; i: number } | null,
  ) {}

  draw(a: PlotArea): void {
    const { ctx } = a;
    const s = this.settings();
    const hidden = new Set(s.hidden);
    ctx.save();
    ctx.beginPath();
    ctx.rect(a.left, a.top, a.width, a.height);
    ctx.clip();
    for (const set of this.graph.sets) {
      if (set.count === 0 || hidden.has(set.id)) continue;
      const draw = set.id === 'data' && s.stevens ? 'dot' : set.draw;
      const yr = set.axis === 'y2' && a.y2 ? a.y2 : a.y;
      ctx.strokeStyle = ctx.fillStyle = this.colourOf(set.id);
      if (draw === 'bar') this.bars(a, set, yr);
      else if (draw === 'step' || draw === 'line') this.line(a, set, yr, draw === 'step');
      else if (draw === 'dot') this.dots(a, set, yr);
      else this.marks(a, set, yr);
    }
    for (const level of this.graph.levels) {
      const y = a.top + a.height - ((level.y - a.y.lo) / (a.y.hi - a.y.lo)) * a.height;
      ctx.strokeStyle = this.colourOf(level.id);
      ctx.lineWidth = a.ratio;
      ctx.setLineDash([6 * a.ratio, 4 * a.ratio]);
      ctx.beginPath();
      ctx.moveTo(a.left, y);
      ctx.lineTo(a.left + a.width, y);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    this.highlights(a, hidden);
    ctx.restore();
  }

  private xOf(a: PlotArea): (t: number) => number {
    const k = a.width / (a.x.hi - a.x.lo);
    return (t) => a.left + (t - a.x.lo) * k;
  }

  private yOf(a: PlotArea, r: Range): (v: number) => number {
    const k = a.height / (r.hi - r.lo);
    return (v) => a.top + a.height - (v - r.lo) * k;
  }

  /** Bars from y to y2; overlapping ones in a pixel column merge. Seen up close, each has end ticks as tcptrace draws them. */
  private bars(a: PlotArea, s: GraphSet, r: Range): void {
    const { ctx } = a;
    const X = this.xOf(a);
    const Y = this.yOf(a, r);
    const [i0, i1] = indicesIn(s, a.x.lo, a.x.hi);
    const lw = Math.max(1, Math.round(a.ratio));
    const ticks = i1 - i0 < a.width / (8 * a.ratio);
    const tick = 3 * a.ratio;
    ctx.beginPath();
    let col = NaN;
    let lo = 0;
    let hi = 0;
    const flush = (): void => {
      if (col === col) ctx.rect(col, lo, lw, Math.max(lw, hi - lo));
    };
    const add = (c: number, top: number, bottom: number): void => {
      if (c === col && top <= hi + lw && bottom >= lo - lw) {
        if (top < lo) lo = top;
        if (bottom > hi) hi = bottom;
        return;
      }
      flush();
      col = c;
      lo = top;
      hi = bottom;
      if (ticks) {
        ctx.rect(c - tick, top, 2 * tick + lw, lw);
        ctx.rect(c - tick, bottom - lw, 2 * tick + lw, lw);
      }
    };
    const runs = crowded(s, i0, i1, a.width);
    if (runs) {
      const { b, k0, k1 } = runs;
      for (let k = k0; k < k1; k++) add(Math.round(X(b.t0[k]!)), Y(b.hi[k]!), Y(b.lo[k]!));
    } else {
      for (let i = i0; i < i1; i++) {
        const p = Y(s.y2 ? s.y2[i]! : s.y[i]!);
        const q = Y(s.y[i]!);
        add(Math.round(X(s.time[i]!)), Math.min(p, q), Math.max(p, q));
      }
    }
    flush();
    ctx.fill();
  }

  /** A line or steps: per pixel column its first, lowest, highest and last value, in order. */
  private line(a: PlotArea, s: GraphSet, r: Range, step: boolean): void {
    const { ctx } = a;
    const X = this.xOf(a);
    const Y = this.yOf(a, r);
    const [i0, i1] = indicesIn(s, a.x.lo, a.x.hi);
    if (i1 <= i0) return;
    ctx.lineWidth = 1.5 * a.ratio;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    let started = false;
    let prev = 0;
    const emit = (col: number, first: number, lo: number, hi: number, last: number): void => {
      if (!started) ctx.moveTo(col, first);
      else if (step) {
        ctx.lineTo(col, prev);
        ctx.lineTo(col, first);
      } else ctx.lineTo(col, first);
      if (lo !== first || hi !== first) {
        ctx.lineTo(col, lo);
        ctx.lineTo(col, hi);
      }
      ctx.lineTo(col, last);
      started = true;
      prev = last;
    };
    const runs = crowded(s, i0, i1, a.width);
    if (runs) {
      // Each run falls within a pixel or two: it stands for its points. Screen y grows
      // downwards, so a run's highest value is its lowest pixel.
      const { b, k0, k1 } = runs;
      let col = NaN;
      let first = 0;
      let lo = 0;
      let hi = 0;
      let last = 0;
      for (let k = k0; k < k1; k++) {
        const c = Math.round(X(b.t0[k]!));
        const top = Y(b.hi[k]!);
        const bottom = Y(b.lo[k]!);
        if (c !== col) {
          if (col === col) emit(col, first, lo, hi, last);
          col = c;
          first = Y(b.first[k]!);
          lo = top;
          hi = bottom;
        } else {
          if (top < lo) lo = top;
          if (bottom > hi) hi = bottom;
        }
        last = Y(b.last[k]!);
      }
      if (col === col) emit(col, first, lo, hi, last);
    } else {
      eachColumn(i0, i1, (i) => Math.round(X(s.time[i]!)), (i) => Y(s.y[i]!), emit);
    }
    // A step holds its value to the end of the view.
    if (step) ctx.lineTo(a.left + a.width, prev);
    ctx.stroke();
  }

  /** Dots, each pixel once. */
  private dots(a: PlotArea, s: GraphSet, r: Range): void {
    const { ctx } = a;
    const [i0, i1] = indicesIn(s, a.x.lo, a.x.hi);
    const size = Math.max(2, Math.round(2.5 * a.ratio));
    this.seen.reset(a.left + a.width + 1, a.top + a.height + 1);
    // The scales written out: this loop may see every one of a million points.
    const kx = a.width / (a.x.hi - a.x.lo);
    const ky = a.height / (r.hi - r.lo);
    const right = a.left + a.width;
    const bottom = a.top + a.height;
    const time = s.time;
    const ys = s.y;
    let lastX = -1;
    let lastY = -1;
    ctx.beginPath();
    for (let i = i0; i < i1; i++) {
      const x = Math.round(a.left + (time[i]! - a.x.lo) * kx);
      const y = Math.round(bottom - (ys[i]! - r.lo) * ky);
      if (x === lastX && y === lastY) continue;
      lastX = x;
      lastY = y;
      if (x < a.left || x > right || y < a.top || y > bottom) continue;
      if (!this.seen.first(x, y)) continue;
      ctx.rect(x - size / 2, y - size / 2, size, size);
    }
    ctx.fill();
  }

  /** Event marks, each in its own shape, at most one per few pixels. */
  private marks(a: PlotArea, s: GraphSet, r: Range): void {
    const { ctx } = a;
    const X = this.xOf(a);
    const Y = this.yOf(a, r);
    const [i0, i1] = indicesIn(s, a.x.lo, a.x.hi);
    const shape = SHAPES[s.id] ?? 'ring';
    const grid = Math.max(1, Math.round(3 * a.ratio));
    this.seen.reset((a.left + a.width) / grid + 2, (a.top + a.height) / grid + 2);
    ctx.lineWidth = 1.5 * a.ratio;
    ctx.beginPath();
    for (let i = i0; i < i1; i++) {
      const x = X(s.time[i]!);
      // A mark on a bar sits at its top (the bytes' end); others at their value.
      const y = Y(s.y2 ? Math.max(s.y[i]!, s.y2[i]!) : s.y[i]!);
      if (x < a.left - 8 || x > a.left + a.width + 8 || y < a.top - 8 || y > a.top + a.height + 8) continue;
      if (!this.seen.first(Math.max(0, Math.round(x / grid)), Math.max(0, Math.round(y / grid)))) continue;
      shapePath(ctx, shape, x, y, 4 * a.ratio);
    }
    ctx.stroke();
  }

  /** The ladder's selected segment (a vertical line at its time, its points ringed) and the point under the pointer. */
  private highlights(a: PlotArea, hidden: Set<SetId>): void {
    const { ctx } = a;
    const X = this.xOf(a);
    const ring = (set: GraphSet, i: number, radius: number): void => {
      const r = set.axis === 'y2' && a.y2 ? a.y2 : a.y;
      const Y = this.yOf(a, r);
      const x = X(set.time[i]!);
      const y = set.y2 && set.draw !== 'line' ? (Y(set.y[i]!) + Y(set.y2[i]!)) / 2 : Y(set.y[i]!);
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
      ctx.stroke();
    };
    const fg = this.colourOf('irtt');
    const m = this.marked();
    if (m && m.time >= a.x.lo && m.time <= a.x.hi) {
      const x = X(m.time);
      ctx.strokeStyle = fg;
      ctx.lineWidth = a.ratio;
      ctx.setLineDash([3 * a.ratio, 3 * a.ratio]);
      ctx.beginPath();
      ctx.moveTo(x, a.top);
      ctx.lineTo(x, a.top + a.height);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.lineWidth = 2 * a.ratio;
      for (const set of this.graph.sets) {
        if (set.count === 0 || hidden.has(set.id)) continue;
        const i = lowerBound(set.frame, m.frame, set.count);
        if (i < set.count && set.frame[i] === m.frame) {
          ctx.strokeStyle = this.colourOf(set.id);
          ring(set, i, 7 * a.ratio);
        }
      }
    }
    const h = this.hovered();
    if (h) {
      ctx.strokeStyle = fg;
      ctx.lineWidth = 2 * a.ratio;
      ring(h.set, h.i, 5 * a.ratio);
    }
  }

  /** A legend's sample of how a set is drawn, centred at (x, y). */
  static swatch(ctx: Pen, colour: string, id: SetId | 'irtt', draw: string, x: number, y: number, ratio: number): void {
    ctx.save();
    ctx.strokeStyle = ctx.fillStyle = colour;
    ctx.lineWidth = 1.5 * ratio;
    const r = 6 * ratio;
    ctx.beginPath();
    if (draw === 'bar') {
      ctx.moveTo(x, y - r);
      ctx.lineTo(x, y + r);
      ctx.moveTo(x - r / 2, y - r);
      ctx.lineTo(x + r / 2, y - r);
      ctx.moveTo(x - r / 2, y + r);
      ctx.lineTo(x + r / 2, y + r);
      ctx.stroke();
    } else if (draw === 'dot') {
      ctx.arc(x, y, 2 * ratio, 0, 2 * Math.PI);
      ctx.fill();
    } else if (draw === 'mark') {
      shapePath(ctx, SHAPES[id as SetId] ?? 'ring', x, y, 4 * ratio);
      ctx.stroke();
    } else {
      if (draw === 'level') ctx.setLineDash([4 * ratio, 3 * ratio]);
      ctx.moveTo(x - r, y);
      ctx.lineTo(x + r, y);
      ctx.stroke();
    }
    ctx.restore();
  }
}

function shapePath(ctx: Pen, shape: Shape, x: number, y: number, r: number): void {
  switch (shape) {
    case 'cross':
      ctx.moveTo(x - r, y - r);
      ctx.lineTo(x + r, y + r);
      ctx.moveTo(x + r, y - r);
      ctx.lineTo(x - r, y + r);
      break;
    case 'triangle':
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y + r);
      ctx.lineTo(x - r, y + r);
      ctx.closePath();
      break;
    case 'down':
      ctx.moveTo(x, y + r);
      ctx.lineTo(x + r, y - r);
      ctx.lineTo(x - r, y - r);
      ctx.closePath();
      break;
    case 'square':
      ctx.rect(x - r, y - r, 2 * r, 2 * r);
      break;
    case 'diamond':
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r);
      ctx.lineTo(x - r, y);
      ctx.closePath();
      break;
    case 'ring':
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      break;
  }
}
