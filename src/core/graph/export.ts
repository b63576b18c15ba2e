import { endpointText } from '../decode/address';
import { xmlText } from '../escape';
import { type Lang, fill } from '../explain/glossary';
import type { AxisUnit, Graph, GraphColumn, GraphSet, SetId, ValueFormat } from './series';
import { GRAPH_WORDS } from './words';
import { eachColumn } from './draw';

/*
 * A graph taken elsewhere: its points as CSV or JSON (columns, each point with its frame) and
 * a standalone SVG picture with axes, ticks with units, a title and a legend. The interactive
 * graphs in the editor draw on a canvas; this static picture is written by hand, and every
 * text in it that came from the capture is escaped.
 */

function formatValue(x: number, format: ValueFormat): string {
  switch (format) {
    case 'int':
      return String(Math.round(x));
    case 'seconds':
      return x.toFixed(9);
    case 'rate':
      return String(Math.round(x * 1000) / 1000);
  }
}

/** The CSV columns of a graph: series, frame, time, then each value column the sets use, once. */
export function csvColumns(graph: Graph): GraphColumn[] {
  const seen = new Map<string, GraphColumn>();
  for (const s of graph.sets) {
    if (!seen.has(s.yColumn.name)) seen.set(s.yColumn.name, s.yColumn);
    if (s.y2Column && !seen.has(s.y2Column.name)) seen.set(s.y2Column.name, s.y2Column);
  }
  return [...seen.values()];
}

/**
 * The graph's points as CSV, line by line: a header row, then one row per point in frame order
 * (the sets' points merged), each with its series, frame and time; a column a series does not
 * use is left empty. Series names and numbers only: nothing from the capture's bytes.
 */
export function graphCsvLines(graph: Graph, emit: (line: string) => void): void {
  const columns = csvColumns(graph);
  const index = new Map(columns.map((c, i) => [c.name, i]));
  emit(['series', 'frame', 'time_s', ...columns.map((c) => c.name)].join(','));
  const sets = graph.sets.filter((s) => s.count > 0);
  const next = sets.map(() => 0);
  const cells: string[] = columns.map(() => '');
  for (;;) {
    // The set whose next point has the lowest frame (the earlier set on a tie): a merge by frame.
    let pick = -1;
    for (let k = 0; k < sets.length; k++) {
      if (next[k]! >= sets[k]!.count) continue;
      if (pick < 0 || sets[k]!.frame[next[k]!]! < sets[pick]!.frame[next[pick]!]!) pick = k;
    }
    if (pick < 0) return;
    const s = sets[pick]!;
    const i = next[pick]!++;
    cells.fill('');
    cells[index.get(s.yColumn.name)!] = formatValue(s.y[i]!, s.yColumn.format);
    if (s.y2 && s.y2Column) cells[index.get(s.y2Column.name)!] = formatValue(s.y2[i]!, s.y2Column.format);
    emit([s.id, String(s.frame[i]), s.time[i]!.toFixed(9), ...cells].join(','));
  }
}

/** The graph as one JSON-ready object: its description and each set's columns as arrays. */
export function graphJson(graph: Graph): object {
  return {
    kind: graph.kind,
    stream: graph.stream,
    direction: graph.side,
    from: graph.from,
    to: graph.to,
    x: graph.x,
    y: graph.y,
    ...(graph.y2 ? { y2: graph.y2 } : {}),
    ...(graph.windowSeconds !== null ? { window_s: graph.windowSeconds } : {}),
    levels: graph.levels.map((l) => ({ id: l.id, y: l.y })),
    series: graph.sets.map((s) => ({
      id: s.id,
      draw: s.draw,
      axis: s.axis,
      count: s.count,
      columns: {
        frame: Array.from(s.frame),
        time_s: Array.from(s.time),
        [s.yColumn.name]: Array.from(s.y),
        ...(s.y2 && s.y2Column ? { [s.y2Column.name]: Array.from(s.y2) } : {}),
      },
    })),
  };
}

// ---- SVG ---------------------------------------------------------------------------------------

const COLORS: Record<SetId | 'irtt', string> = {
  data: '#1f4e9c',
  ack: '#2e8b3d',
  rwin: '#c9a227',
  sack: '#8a4fbf',
  retransmission: '#d1242f',
  out_of_order: '#e36209',
  lost: '#7a4a2a',
  duplicate_ack: '#d63384',
  zero_window: '#d1242f',
  segment_length: '#8c959f',
  throughput: '#1f4e9c',
  goodput: '#2e8b3d',
  rtt: '#1f4e9c',
  window: '#2e8b3d',
  bytes_in_flight: '#1f4e9c',
  window_full: '#e36209',
  irtt: '#6e7781',
};

const UNIT_PREFIXES: Record<AxisUnit, Array<[exponent: number, prefix: string]>> = {
  s: [
    [-9, 'n'],
    [-6, 'µ'],
    [-3, 'm'],
    [0, ''],
  ],
  B: [
    [0, ''],
    [3, 'k'],
    [6, 'M'],
    [9, 'G'],
    [12, 'T'],
  ],
  'bit/s': [
    [0, ''],
    [3, 'k'],
    [6, 'M'],
    [9, 'G'],
    [12, 'T'],
  ],
};

/** A tick step of 1, 2 or 5 times a power of ten giving about `target` ticks over the span. */
export function niceStep(span: number, target = 6): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

/**
 * Labels for ticks at multiples of `step`, all with one SI prefix chosen by the largest value,
 * and as many decimals as the step needs: "0 s", "250 ms", "1.5 MB", "20 Mbit/s".
 */
export function tickLabeller(unit: AxisUnit, largest: number, step: number): (v: number) => string {
  const table = UNIT_PREFIXES[unit];
  let [exponent, prefix] = table[0]!;
  for (const [e, p] of table) if (largest >= 10 ** e) [exponent, prefix] = [e, p];
  const scale = 10 ** exponent;
  const decimals = Math.max(0, Math.min(9, Math.ceil(-Math.log10(step / scale) - 1e-9)));
  return (v) => {
    const text = (v / scale).toFixed(decimals);
    return `${/^-0(\.0*)?$/.test(text) ? text.slice(1) : text} ${prefix}${unit}`;
  };
}

interface Range {
  lo: number;
  hi: number;
}

function extend(r: Range, v: number): void {
  if (v < r.lo) r.lo = v;
  if (v > r.hi) r.hi = v;
}

/**
 * A range with room: points at the extremes stay clear of the frame, and a flat or empty range
 * opens to something drawable.
 */
function padded(r: Range, fromZero: boolean): Range {
  let { lo, hi } = r;
  if (lo > hi) return { lo: 0, hi: 1 };
  if (fromZero && lo > 0) lo = 0;
  if (hi === lo) hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.1);
  const room = (hi - lo) * 0.04;
  return { lo: fromZero && lo === 0 ? 0 : lo - room, hi: hi + room };
}

interface Scale {
  lo: number;
  hi: number;
  /** Pixel of lo and of hi. */
  p0: number;
  p1: number;
}

function at(s: Scale, v: number): number {
  return s.p0 + ((v - s.lo) / (s.hi - s.lo)) * (s.p1 - s.p0);
}

const r1 = (v: number): string => String(Math.round(v * 10) / 10);

/**
 * A set's points as path data at the picture's resolution: a connection of a million segments
 * makes a picture of a few thousand strokes, not a million (points that fall on the same pixels
 * are drawn once).
 */
function setPath(s: GraphSet, x: Scale, y: Scale): string {
  const n = s.count;
  if (n === 0) return '';
  const px = (i: number): number => Math.round(at(x, s.time[i]!));
  const py = (v: number): number => Math.round(at(y, v));
  const parts: string[] = [];
  if (s.draw === 'bar' || (s.draw === 'mark' && s.y2)) {
    // Vertical strokes per pixel column, overlapping ones merged.
    const cols = new Map<number, Array<[number, number]>>();
    for (let i = 0; i < n; i++) {
      const a = py(s.y[i]!);
      const b = s.y2 ? py(s.y2[i]!) : a;
      const col = px(i);
      let list = cols.get(col);
      if (!list) cols.set(col, (list = []));
      list.push(a < b ? [a, b] : [b, a]);
    }
    for (const [col, list] of cols) {
      list.sort((p, q) => p[0] - q[0]);
      let [lo, hi] = list[0]!;
      const flush = (): void => {
        parts.push(`M${col} ${lo}V${hi === lo ? hi + 1 : hi}`);
      };
      for (let k = 1; k < list.length; k++) {
        const [a, b] = list[k]!;
        if (a <= hi + 1) hi = Math.max(hi, b);
        else {
          flush();
          [lo, hi] = [a, b];
        }
      }
      flush();
    }
    return parts.join('');
  }
  if (s.draw === 'dot' || s.draw === 'mark') {
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const a = px(i);
      const b = py(s.y[i]!);
      const key = a * 100003 + b;
      if (seen.has(key)) continue;
      seen.add(key);
      parts.push(`M${a} ${b}h0`);
    }
    return parts.join('');
  }
  // Lines and steps: per pixel column the first, lowest, highest and last value, in order.
  let started = false;
  eachColumn(0, n, px, (i) => py(s.y[i]!), (col, first, lo, hi, last) => {
    if (!started) parts.push(`M${col} ${first}`);
    else if (s.draw === 'step') parts.push(`H${col}V${first}`);
    else parts.push(`L${col} ${first}`);
    if (lo !== first || hi !== first) parts.push(`V${lo}V${hi}`);
    if (last !== hi) parts.push(`V${last}`);
    started = true;
  });
  return parts.join('');
}

export interface SvgOptions {
  /** A line under the title (the file's name, say): it is escaped like any text from a file. */
  subtitle?: string;
  width?: number;
  height?: number;
}

/** The graph as a standalone SVG picture. */
export function graphSvg(graph: Graph, lang: Lang = 'en', options: SvgOptions = {}): string {
  const w = GRAPH_WORDS[lang];
  const width = options.width ?? 960;
  const height = options.height ?? 600;
  const shown = graph.sets.filter((s) => s.count > 0);
  const legendItems: Array<{ id: SetId | 'irtt'; draw: string }> = shown.map((s) => ({ id: s.id, draw: s.draw }));
  for (const l of graph.levels) legendItems.push({ id: l.id, draw: 'level' });
  const legendCols = 2;
  const legendRows = Math.ceil(legendItems.length / legendCols);
  const left = 96;
  const right = graph.y2 ? 96 : 32;
  const top = options.subtitle ? 84 : 68;
  const bottom = 64 + legendRows * 20;
  const plotW = width - left - right;
  const plotH = height - top - bottom;

  // Ranges over everything drawn on each axis.
  const xr: Range = { lo: Infinity, hi: -Infinity };
  const yr: Range = { lo: Infinity, hi: -Infinity };
  const y2r: Range = { lo: Infinity, hi: -Infinity };
  for (const s of shown) {
    const r = s.axis === 'y2' ? y2r : yr;
    for (let i = 0; i < s.count; i++) {
      extend(xr, s.time[i]!);
      extend(r, s.y[i]!);
      if (s.y2 && s.draw !== 'dot' && s.draw !== 'line') extend(r, s.y2[i]!);
    }
  }
  for (const l of graph.levels) extend(yr, l.y);
  const xs = padded(xr, xr.lo >= 0);
  const ys = padded(yr, yr.lo >= 0);
  const y2s = padded(y2r, true);
  const x: Scale = { lo: xs.lo, hi: xs.hi, p0: left, p1: left + plotW };
  const y: Scale = { lo: ys.lo, hi: ys.hi, p0: top + plotH, p1: top };
  const y2: Scale = { lo: y2s.lo, hi: y2s.hi, p0: top + plotH, p1: top };

  const out: string[] = [];
  const text = (tx: number, ty: number, s: string, attrs = ''): string => `<text x="${r1(tx)}" y="${r1(ty)}"${attrs ? ' ' + attrs : ''}>${xmlText(s)}</text>`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Segoe UI, Helvetica, Arial, 'Noto Sans CJK SC', sans-serif" font-size="12">`,
    '<style>.title{font-size:15px;font-weight:700;fill:#1f2328}.sub{fill:#57606a}.axis{stroke:#57606a;stroke-width:1;fill:none}.grid{stroke:#d0d7de;stroke-width:1;fill:none}.tick{fill:#57606a;font-variant-numeric:tabular-nums}.label{fill:#1f2328}.legend{fill:#1f2328}</style>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  );
  const heading = fill(w.heading, { title: w.title[graph.kind], stream: graph.stream, from: endpointText(graph.from), to: endpointText(graph.to) });
  out.push(text(left, 26, heading, 'class="title"'));
  const notes: string[] = [];
  if (graph.windowSeconds !== null) notes.push(fill(w.window, { seconds: String(graph.windowSeconds) }));
  if (options.subtitle) out.push(text(left, 46, options.subtitle, 'class="sub"'));
  if (notes.length) out.push(text(left, options.subtitle ? 64 : 46, notes.join(' · '), 'class="sub"'));

  // Grid, ticks and axis titles.
  const ticks = (scale: Scale, unit: AxisUnit, side: 'x' | 'y' | 'y2'): void => {
    const step = niceStep(scale.hi - scale.lo);
    const label = tickLabeller(unit, Math.max(Math.abs(scale.lo), Math.abs(scale.hi)), step);
    for (let v = Math.ceil(scale.lo / step) * step; v <= scale.hi + step * 1e-9; v += step) {
      const p = r1(at(scale, v));
      if (side === 'x') {
        out.push(`<path class="grid" d="M${p} ${top}V${top + plotH}"/>`, text(Number(p), top + plotH + 16, label(v), 'class="tick" text-anchor="middle"'));
      } else if (side === 'y') {
        out.push(`<path class="grid" d="M${left} ${p}H${left + plotW}"/>`, text(left - 6, Number(p) + 4, label(v), 'class="tick" text-anchor="end"'));
      } else {
        out.push(text(left + plotW + 6, Number(p) + 4, label(v), 'class="tick"'));
      }
    }
  };
  ticks(x, graph.x.unit, 'x');
  ticks(y, graph.y.unit, 'y');
  if (graph.y2) ticks(y2, graph.y2.unit, 'y2');
  out.push(`<path class="axis" d="M${left} ${top}V${top + plotH}H${left + plotW}${graph.y2 ? `V${top}` : ''}"/>`);
  // The ticks carry the units (with their prefixes); the titles name the quantities.
  out.push(text(left + plotW / 2, top + plotH + 36, w.axis[graph.x.quantity], 'class="label" text-anchor="middle"'));
  out.push(text(18, top + plotH / 2, w.axis[graph.y.quantity], `class="label" text-anchor="middle" transform="rotate(-90 18 ${r1(top + plotH / 2)})"`));
  if (graph.y2) {
    const xr2 = width - 14;
    out.push(text(xr2, top + plotH / 2, w.axis[graph.y2.quantity], `class="label" text-anchor="middle" transform="rotate(90 ${xr2} ${r1(top + plotH / 2)})"`));
  }

  // The data, clipped to the plot.
  out.push(`<clipPath id="plot"><rect x="${left}" y="${top}" width="${plotW}" height="${plotH}"/></clipPath>`, '<g clip-path="url(#plot)">');
  for (const l of graph.levels) {
    const p = r1(at(y, l.y));
    out.push(`<path d="M${left} ${p}H${left + plotW}" stroke="${COLORS[l.id]}" stroke-width="1.5" stroke-dasharray="6 4" fill="none"/>`);
  }
  // Bars and lines first, marks on top.
  const order = [...shown].sort((a, b) => Number(a.draw === 'mark') - Number(b.draw === 'mark'));
  for (const s of order) {
    const d = setPath(s, x, s.axis === 'y2' ? y2 : y);
    const color = COLORS[s.id];
    const style =
      s.draw === 'bar'
        ? `stroke="${color}" stroke-width="${s.id === 'sack' ? 3 : 1.5}" fill="none"${s.id === 'sack' ? ' stroke-opacity="0.6"' : ''}`
        : s.draw === 'dot'
          ? `stroke="${color}" stroke-width="4" stroke-linecap="round" fill="none"`
          : s.draw === 'mark'
            ? `stroke="${color}" stroke-width="5" stroke-linecap="round" fill="none" stroke-opacity="0.8"`
            : `stroke="${color}" stroke-width="1.5" stroke-linejoin="round" fill="none"`;
    out.push(`<path data-series="${s.id}" d="${d}" ${style}/>`);
  }
  out.push('</g>');
  if (shown.length === 0) out.push(text(left + plotW / 2, top + plotH / 2, w.empty, 'class="sub" text-anchor="middle"'));

  // The legend, under the plot, in two columns.
  const legendTop = top + plotH + 56;
  out.push('<g class="legend-box">');
  legendItems.forEach((item, k) => {
    const lx = left + (k % legendCols) * (plotW / legendCols);
    const ly = legendTop + Math.floor(k / legendCols) * 20;
    const color = COLORS[item.id];
    const swatch =
      item.draw === 'bar'
        ? `<path d="M${lx + 10} ${ly - 9}V${ly + 3}" stroke="${color}" stroke-width="3"/>`
        : item.draw === 'dot' || item.draw === 'mark'
          ? `<path d="M${lx + 10} ${ly - 3}h0" stroke="${color}" stroke-width="${item.draw === 'mark' ? 6 : 4}" stroke-linecap="round"/>`
          : `<path d="M${lx} ${ly - 3}H${lx + 20}" stroke="${color}" stroke-width="2"${item.draw === 'level' ? ' stroke-dasharray="6 4"' : ''}/>`;
    out.push(swatch, text(lx + 28, ly + 1, w.legend[item.id], 'class="legend"'));
  });
  out.push('</g>', '</svg>');
  return out.join('\n') + '\n';
}
