import * as assert from 'node:assert/strict';
import { GraphCanvas, Pen, PlotArea, nearestPoint, padRange, setExtent } from '../../src/core/graph/draw';
import type { Draw, Graph, GraphSet, SetId } from '../../src/core/graph/series';
import { seededRandom as seeded } from '../helpers/random';

/*
 * The editor's graphs draw at the screen's resolution: a million points become a few thousand
 * strokes. These tests draw with a pen that records what it was asked to draw, and check that
 * nothing a point shows is lost on the way (every point's pixels are covered), that a crowded
 * view costs strokes per pixel column rather than per point, and that hovering finds the point
 * under the pointer.
 */

function set(id: SetId, draw: Draw, time: number[], y: number[], y2: number[] | null = null): GraphSet {
  return {
    id,
    draw,
    axis: 'y',
    count: time.length,
    frame: Uint32Array.from(time.map((_, i) => i + 1)),
    time: Float64Array.from(time),
    y: Float64Array.from(y),
    yColumn: { name: 'seq', format: 'int' },
    y2: y2 ? Float64Array.from(y2) : null,
    y2Column: y2 ? { name: 'seq_end', format: 'int' } : null,
  };
}

function graphOf(sets: GraphSet[]): Graph {
  const none = { address: '', port: 0 };
  return { kind: 'tcptrace', stream: 0, side: 'server', from: none, to: none, x: { quantity: 'time', unit: 's' }, y: { quantity: 'seq', unit: 'B' }, y2: null, sets, levels: [], windowSeconds: null };
}

/** Records rectangles and line paths (as vertical spans per pixel column). */
class RecordingPen implements Pen {
  rects: Array<[number, number, number, number]> = [];
  /** Pixel column → the lowest and highest y a stroked path passed through there. */
  columns = new Map<number, [number, number]>();
  calls = 0;
  private at: [number, number] | null = null;
  strokeStyle: unknown = '';
  fillStyle: unknown = '';
  lineWidth = 1;
  lineJoin: unknown = '';
  save(): void {}
  restore(): void {}
  clip(): void {}
  fill(): void {}
  stroke(): void {}
  closePath(): void {}
  setLineDash(): void {}
  beginPath(): void {
    this.at = null;
  }
  rect(x: number, y: number, w: number, h: number): void {
    this.calls++;
    this.rects.push([x, y, w, h]);
  }
  arc(): void {
    this.calls++;
  }
  moveTo(x: number, y: number): void {
    this.calls++;
    this.at = [x, y];
    this.touch(x, y);
  }
  lineTo(x: number, y: number): void {
    this.calls++;
    const [x0, y0] = this.at ?? [x, y];
    // A vertical or horizontal move covers every column and row between.
    for (let c = Math.min(x0, x); c <= Math.max(x0, x); c++) {
      const f = x === x0 ? 0 : (c - x0) / (x - x0);
      this.touch(Math.round(c), y0 + f * (y - y0));
    }
    this.touch(x, y);
    this.at = [x, y];
  }
  private touch(x: number, y: number): void {
    const c = Math.round(x);
    const span = this.columns.get(c);
    if (!span) this.columns.set(c, [y, y]);
    else {
      span[0] = Math.min(span[0], y);
      span[1] = Math.max(span[1], y);
    }
  }
}

const AREA = { left: 0, top: 0, width: 800, height: 400, ratio: 1 };

function draw(sets: GraphSet[], x = setExtent(sets, 'x'), y = setExtent(sets, 'y')): { pen: RecordingPen; area: PlotArea } {
  const pen = new RecordingPen();
  const area: PlotArea = { ctx: pen, ...AREA, x, y, y2: null };
  new GraphCanvas(graphOf(sets), () => '#000', () => ({ stevens: false, hidden: [] }), () => null, () => null).draw(area);
  return { pen, area };
}

/** A bulk transfer: bars climbing with time, now and then one sent again lower down. */
function transfer(n: number, seed: number): GraphSet {
  const rnd = seeded(seed);
  const time: number[] = [];
  const y: number[] = [];
  const y2: number[] = [];
  let t = 0;
  let seq = 0;
  for (let i = 0; i < n; i++) {
    t += 1e-5 * (0.5 + rnd());
    const again = i > 100 && rnd() < 0.01;
    const start = again ? seq - 1448 * Math.floor(1 + rnd() * 50) : seq;
    if (!again) seq += 1448;
    time.push(t);
    y.push(start);
    y2.push(start + 1448);
  }
  return set('data', 'bar', time, y, y2);
}

describe('graph drawing at the screen resolution (issue 12)', () => {
  it('the extent of a crowded set, read from its runs, equals the points’ own', () => {
    const s = transfer(50_000, 3);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < s.count; i++) {
      lo = Math.min(lo, s.y[i]!, s.y2![i]!);
      hi = Math.max(hi, s.y[i]!, s.y2![i]!);
    }
    assert.deepEqual(setExtent([s], 'y'), { lo, hi });
    assert.deepEqual(setExtent([s], 'x'), { lo: s.time[0]!, hi: s.time[s.count - 1]! });
    assert.deepEqual(padRange({ lo: 5, hi: 5 }, false), { lo: 5 - 0.02, hi: 5.5 + 0.02 });
    assert.deepEqual(setExtent([], 'y'), { lo: 0, hi: 1 });
  });

  for (const n of [300, 200_000]) {
    it(`bars of ${n} segments: every segment's pixels are drawn, at most a few strokes per pixel column`, () => {
      const s = transfer(n, n);
      const { pen, area } = draw([s]);
      const X = (t: number): number => Math.round(area.left + ((t - area.x.lo) / (area.x.hi - area.x.lo)) * area.width);
      const Y = (v: number): number => area.top + area.height - ((v - area.y.lo) / (area.y.hi - area.y.lo)) * area.height;
      // A crowded view draws runs of points that fall within a pixel or two: allow that much.
      const slack = n > 10_000 ? 2 : 0;
      const covered = (col: number, top: number, bottom: number): boolean =>
        pen.rects.some(([x, y, w, h]) => x - slack <= col && col <= x + w + slack && y <= top + 1 && y + h >= bottom - 1);
      const rnd = seeded(9);
      for (let k = 0; k < 400; k++) {
        const i = Math.floor(rnd() * s.count);
        const a = Y(s.y[i]!);
        const b = Y(s.y2![i]!);
        assert.ok(covered(X(s.time[i]!), Math.min(a, b), Math.max(a, b)), `segment ${i} not drawn`);
      }
      if (n > 10_000) assert.ok(pen.calls < 6 * area.width, `${pen.calls} strokes for ${area.width} columns`);
    });
  }

  it('a crowded step line keeps each pixel column’s lowest and highest value', () => {
    const rnd = seeded(5);
    const time: number[] = [];
    const y: number[] = [];
    let v = 0;
    for (let i = 0; i < 100_000; i++) {
      time.push(i * 1e-4);
      v = Math.max(0, v + (rnd() < 0.5 ? -1 : 1) * Math.floor(rnd() * 3000));
      y.push(v);
    }
    const s = set('ack', 'step', time, y);
    const { pen, area } = draw([s]);
    const Y = (val: number): number => area.top + area.height - ((val - area.y.lo) / (area.y.hi - area.y.lo)) * area.height;
    for (let i = 0; i < s.count; i += 97) {
      const col = Math.round(((s.time[i]! - area.x.lo) / (area.x.hi - area.x.lo)) * area.width);
      const py = Y(s.y[i]!);
      const near = [col - 2, col - 1, col, col + 1, col + 2].map((c) => pen.columns.get(c)).filter((x): x is [number, number] => !!x);
      assert.ok(near.some(([lo, hi]) => lo <= py + 1 && py - 1 <= hi), `point ${i} (${col}, ${py}) not on the line`);
    }
    assert.ok(pen.calls < 8 * area.width, `${pen.calls} path steps for ${area.width} columns`);
  });

  it('a capture whose clock goes backwards: every point is still looked at', () => {
    const time = [0, 1, 2, 1.5, 3, 4];
    const s = set('data', 'bar', time, [0, 10, 20, 10, 30, 40], [10, 20, 30, 20, 40, 50]);
    const { pen } = draw([s], { lo: 1.4, hi: 1.6 }, { lo: 0, hi: 60 });
    // The segment at 1.5 s is in view, though its neighbours in the list are not: a binary
    // search on time would have missed it. (What lies outside the view is clipped.)
    assert.ok(pen.rects.some(([x]) => x === 400), `rects at ${pen.rects.map((r) => r[0])}`);
  });

  it('hovering finds the point under the pointer, a mark before the bar it marks, nothing far away', () => {
    const data = set('data', 'bar', [0, 1, 2], [0, 100, 200], [100, 200, 300]);
    const mark = set('retransmission', 'mark', [1], [100], [200]);
    const plot = { width: 200, height: 300, x: { lo: 0, hi: 2 }, y: { lo: 0, hi: 300 }, y2: null };
    // Time 1 is x = 100; seq 150 is y = 150 (from the top).
    assert.equal(nearestPoint([data, mark], plot, 100, 150, 10)?.set.id, 'retransmission');
    const hit = nearestPoint([data], plot, 198, 20, 10);
    assert.deepEqual([hit?.set.id, hit?.i], ['data', 2]);
    assert.equal(nearestPoint([data, mark], plot, 50, 20, 10), null);
  });
});
