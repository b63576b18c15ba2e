import uPlot from 'uplot';
import { endpointText } from '../core/decode/address';
import { Lang, fill } from '../core/explain/glossary';
import { niceStep, tickLabeller } from '../core/graph/export';
import type { AxisUnit, Graph, GraphKind, GraphSet, GraphSide, SetId } from '../core/graph/series';
import { GRAPH_WORDS } from '../core/graph/words';
import type { FromWebview, GraphQuery, GraphView } from '../shared/protocol';
import { el } from './dom';
import { GraphCanvas, PlotArea, Range, lowerBound, nearestPoint, padRange, setExtent } from '../core/graph/draw';

/*
 * A connection's graphs over time beside its ladder, as Wireshark's TCP Stream Graphs: time
 * sequence (tcptrace, or Stevens dots), throughput, RTT, window. uPlot gives the axes, scales,
 * drag-to-zoom and the cursor; the points are drawn by graphDraw.ts at the screen's resolution,
 * so a connection of a million segments redraws in milliseconds. The host reads the connection
 * once; switching graphs or directions asks again and costs no reading of the file.
 */

export interface GraphSettings {
  kind: GraphKind;
  /** null: the side that sent more bytes. */
  side: GraphSide | null;
  windowSeconds: number;
  stevens: boolean;
  /** Sets hidden from the legend. */
  hidden: SetId[];
}

export const DEFAULT_GRAPH_SETTINGS: GraphSettings = { kind: 'tcptrace', side: null, windowSeconds: 1, stevens: false, hidden: [] };

export interface GraphsHost {
  lang(): Lang;
  post(m: FromWebview): void;
  /** A point was clicked: select ladder row `n` of the connection on screen. */
  selectRow(n: number): void;
  settings(): GraphSettings;
  saveSettings(s: GraphSettings): void;
}

/** Where the ladder's selected segment is on the graph. */
interface Marked {
  frame: number;
  time: number;
}

/** Each set's colour: a VS Code chart colour (so light, dark and high-contrast themes fit), else a fallback. */
const COLOURS: Record<SetId | 'irtt', [cssVar: string, fallback: string]> = {
  data: ['--vscode-charts-blue', '#1f6feb'],
  sack: ['--vscode-charts-purple', '#8250df'],
  ack: ['--vscode-charts-green', '#2e8b3d'],
  rwin: ['--vscode-charts-yellow', '#b08800'],
  retransmission: ['--vscode-charts-red', '#d1242f'],
  out_of_order: ['--vscode-charts-orange', '#e36209'],
  lost: ['--vscode-charts-foreground', '#6e4a2a'],
  duplicate_ack: ['--vscode-charts-purple', '#d63384'],
  zero_window: ['--vscode-charts-red', '#d1242f'],
  segment_length: ['--vscode-charts-lines', '#8c959f'],
  throughput: ['--vscode-charts-blue', '#1f6feb'],
  goodput: ['--vscode-charts-green', '#2e8b3d'],
  rtt: ['--vscode-charts-blue', '#1f6feb'],
  window: ['--vscode-charts-green', '#2e8b3d'],
  bytes_in_flight: ['--vscode-charts-blue', '#1f6feb'],
  window_full: ['--vscode-charts-orange', '#e36209'],
  irtt: ['--vscode-charts-foreground', '#6e7781'],
};

/** A set's colour in the theme on screen. */
function colourOf(id: SetId | 'irtt'): string {
  const [name, fallback] = COLOURS[id];
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

const KINDS: GraphKind[] = ['tcptrace', 'throughput', 'rtt', 'window'];
/** The plot's height: most of a screen's height beside the ladder, legend and controls still in view. */
const plotHeight = (): number => Math.round(Math.min(420, Math.max(220, window.innerHeight * 0.38)));

export class GraphPanel {
  readonly element = el('div', { class: 'graphs' });
  private readonly tools = el('div', { class: 'graph-tools', role: 'toolbar' });
  private readonly heading = el('p', { class: 'graph-heading' });
  private readonly plotBox = el('div', { class: 'graph-plot', tabindex: '0' });
  private readonly legend = el('ul', { class: 'graph-legend' });
  private readonly status = el('p', { class: 'graph-status', 'aria-live': 'polite' });
  private readonly hint = el('p', { class: 'graph-hint' });
  private readonly tip = el('div', { class: 'graph-tip', role: 'tooltip', hidden: '' });
  private stream: number | null = null;
  private view: GraphView | null = null;
  private asked: string | null = null;
  private plot: uPlot | null = null;
  /** The full extent of each scale, and the zoomed view (null: the full extent). */
  private full: { x: Range; y: Range; y2: Range | null } | null = null;
  private zoom: { x: Range; y: Range; y2: Range | null } | null = null;
  private marked: Marked | null = null;
  private hovered: { set: GraphSet; i: number } | null = null;
  private resize: ResizeObserver | null = null;
  /** A request made because the connection grew, waiting to go (one a second at most). */
  private refreshTimer: ReturnType<typeof setTimeout> | 0 = 0;
  private lastAsked = 0;

  constructor(private readonly host: GraphsHost) {
    this.plotBox.append(this.tip);
    this.element.append(this.tools, this.heading, this.plotBox, this.legend, this.status, this.hint);
    this.plotBox.addEventListener('keydown', (e) => this.onKey(e));
    this.resize = new ResizeObserver(() => this.fit());
    this.resize.observe(this.element);
  }

  private get words() {
    return GRAPH_WORDS[this.host.lang()];
  }

  private query(stream: number): GraphQuery {
    const s = this.host.settings();
    return { stream, kind: s.kind, side: s.side, windowSeconds: s.windowSeconds };
  }

  /** Shows the graphs of a connection (asks the host when they are not the ones on screen). */
  open(stream: number): void {
    this.stream = stream;
    const q = this.query(stream);
    const key = JSON.stringify(q);
    this.renderTools();
    if (this.view && JSON.stringify(this.view.query) === key) {
      if (!this.plot) this.draw();
      return;
    }
    if (this.asked === key) return;
    this.asked = key;
    this.lastAsked = performance.now();
    this.status.textContent = this.words.ui.loading;
    this.host.post({ type: 'graph', query: q });
  }

  /**
   * The connection got new segments: its graph is asked for again, at most once a second and
   * one request at a time, and the graph on screen stays (with its zoom) until the new one comes.
   */
  grew(): void {
    if (this.stream === null || !this.view || this.asked !== null || this.refreshTimer) return;
    const since = performance.now() - this.lastAsked;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = 0;
      if (this.stream === null || !this.view || this.asked !== null) return;
      const q = this.query(this.stream);
      this.asked = JSON.stringify(q);
      this.lastAsked = performance.now();
      this.host.post({ type: 'graph', query: q });
    }, Math.max(0, 1000 - since));
  }

  /** The connection on screen changed: its graphs are asked for when the tab shows. */
  forget(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = 0;
    this.stream = null;
    this.view = null;
    this.asked = null;
    this.marked = null;
    this.destroyPlot();
    this.heading.textContent = '';
    this.legend.textContent = '';
  }

  onGraph(view: GraphView): void {
    if (view.query.stream !== this.stream || JSON.stringify(view.query) !== this.asked) return;
    // How long a graph takes from its data's arrival to its first picture (bench/graphs.mjs reads it).
    performance.mark('tcpx-graph-received');
    this.asked = null;
    // The same graph again (the connection grew): the zoom stays where the user put it.
    const again = this.view !== null && JSON.stringify(this.view.query) === JSON.stringify(view.query);
    this.view = { ...view, frames: asUint32(view.frames), times: asFloat64(view.times), graph: normalised(view.graph) };
    if (!again) this.zoom = null;
    // The side the host chose when asked for the busier one: the switch shows it.
    this.renderTools();
    this.draw();
  }

  showError(stream: number, message: string): void {
    if (stream !== this.stream) return;
    this.asked = null;
    this.destroyPlot();
    this.status.textContent = message;
  }

  /** The ladder's selected segment: drawn on the graph. */
  markFrame(frame: number | null): void {
    const v = this.view;
    if (frame === null || !v) {
      this.marked = null;
    } else {
      const i = lowerBound(v.frames, frame);
      this.marked = i < v.frames.length && v.frames[i] === frame ? { frame, time: v.times[i]! } : null;
    }
    if (this.marked) this.plotBox.setAttribute('data-marked', String(this.marked.frame));
    else this.plotBox.removeAttribute('data-marked');
    this.plot?.redraw(false, false);
  }

  relabel(): void {
    this.renderTools();
    if (this.view) this.draw();
  }

  // ------------------------------------------------------------ controls

  private change(patch: Partial<GraphSettings>): void {
    this.host.saveSettings({ ...this.host.settings(), ...patch });
    if (this.stream !== null) this.open(this.stream);
  }

  private renderTools(): void {
    const w = this.words.ui;
    const s = this.host.settings();
    this.tools.textContent = '';
    const kinds = el('div', { class: 'graph-kinds', role: 'radiogroup', 'aria-label': w.kindLabel });
    for (const k of KINDS) {
      const b = el('button', { type: 'button', class: 'tool', role: 'radio', 'aria-checked': String(k === s.kind), 'data-kind': k }, w.kind[k]);
      b.addEventListener('click', () => this.change({ kind: k }));
      kinds.append(b);
    }
    this.tools.append(kinds);
    const v = this.view;
    const side = v?.graph.side ?? s.side;
    const direction = el('select', { class: 'graph-side', 'aria-label': w.directionLabel, title: w.directionLabel });
    for (const who of ['client', 'server'] as const) {
      const g = v?.graph;
      // The endpoints as the graph names them: the client is A or B of the conversation.
      const text = g ? (who === g.side ? `${endpointText(g.from)} → ${endpointText(g.to)}` : `${endpointText(g.to)} → ${endpointText(g.from)}`) : who;
      const o = el('option', { value: who }, text);
      if (who === side) o.selected = true;
      direction.append(o);
    }
    direction.addEventListener('change', () => this.change({ side: direction.value as GraphSide }));
    this.tools.append(direction);
    if (s.kind === 'tcptrace') {
      const b = el('button', { type: 'button', class: 'tool toggle graph-stevens', 'aria-pressed': String(s.stevens), title: w.stevensHint }, w.stevens);
      b.addEventListener('click', () => {
        this.host.saveSettings({ ...this.host.settings(), stevens: !this.host.settings().stevens });
        this.renderTools();
        this.draw();
      });
      this.tools.append(b);
    }
    if (s.kind === 'throughput') {
      const label = el('label', { class: 'graph-window', title: w.windowHint });
      const input = el('input', { type: 'number', min: '0.001', max: '86400', step: 'any', value: String(s.windowSeconds), 'aria-label': w.windowLabel });
      input.addEventListener('change', () => {
        const v = Number(input.value);
        if (v >= 1e-6 && v <= 86400) this.change({ windowSeconds: v });
        else input.value = String(this.host.settings().windowSeconds);
      });
      label.append(`${w.windowLabel} `, input);
      this.tools.append(label);
    }
    const button = (label: string, cls: string, act: () => void): void => {
      const b = el('button', { type: 'button', class: `tool ${cls}` }, label);
      b.addEventListener('click', act);
      this.tools.append(b);
    };
    button(w.reset, 'graph-reset', () => this.resetZoom());
    button(w.saveSvg, 'graph-save', () => this.save('svg'));
    button(w.savePng, 'graph-save', () => this.save('png'));
    button(w.saveCsv, 'graph-save', () => this.save('csv'));
    this.hint.textContent = w.hint;
  }

  private save(format: 'svg' | 'csv' | 'png'): void {
    const v = this.view;
    if (!v) return;
    const query: GraphQuery = { ...v.query, side: v.graph.side };
    if (format !== 'png') {
      this.host.post({ type: 'saveGraph', query, format });
      return;
    }
    const png = this.picture();
    if (png) this.host.post({ type: 'saveGraph', query, format, png });
  }

  /** The graph as a PNG (base64): its heading, the plot as drawn, and the legend. */
  private picture(): string | null {
    const u = this.plot;
    if (!u) return null;
    const source = u.ctx.canvas;
    const ratio = source.width / Math.max(1, u.width);
    const items = this.legendItems();
    const lineH = Math.round(20 * ratio);
    const out = document.createElement('canvas');
    out.width = source.width;
    out.height = source.height + lineH * (2 + Math.ceil(items.length / 2));
    const ctx = out.getContext('2d');
    if (!ctx) return null;
    const style = getComputedStyle(this.element);
    ctx.fillStyle = themeColour('--vscode-editor-background', '#ffffff');
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = style.color || '#000';
    ctx.font = `${Math.round(13 * ratio)}px ${style.fontFamily}`;
    ctx.textBaseline = 'middle';
    ctx.fillText(this.heading.textContent ?? '', 8 * ratio, lineH / 2 + 4);
    ctx.drawImage(source, 0, lineH);
    items.forEach((item, k) => {
      const x = (k % 2) * (out.width / 2) + 8 * ratio;
      const y = source.height + lineH * (1.5 + Math.floor(k / 2));
      GraphCanvas.swatch(ctx, colourOf(item.id), item.id, item.draw, x + 8 * ratio, y, ratio);
      ctx.fillStyle = style.color || '#000';
      ctx.fillText(item.label, x + 22 * ratio, y);
    });
    return out.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  }

  // ------------------------------------------------------------ drawing

  private legendItems(): Array<{ id: SetId | 'irtt'; draw: string; label: string }> {
    const g = this.view?.graph;
    if (!g) return [];
    const w = this.words;
    const stevens = this.host.settings().stevens;
    const items: Array<{ id: SetId | 'irtt'; draw: string; label: string }> = g.sets
      .filter((s) => s.count > 0)
      .map((s) => ({ id: s.id, draw: s.id === 'data' && stevens ? 'dot' : s.draw, label: w.legend[s.id] }));
    for (const l of g.levels) items.push({ id: l.id, draw: 'level', label: w.legend[l.id] });
    return items;
  }

  private destroyPlot(): void {
    this.plot?.destroy();
    this.plot = null;
    this.tip.hidden = true;
  }

  private draw(): void {
    const v = this.view;
    this.destroyPlot();
    if (!v) return;
    const g = v.graph;
    const w = this.words;
    this.heading.textContent = fill(w.heading, { title: w.title[g.kind], stream: g.stream, from: endpointText(g.from), to: endpointText(g.to) }) + (g.windowSeconds !== null ? ` · ${fill(w.window, { seconds: g.windowSeconds })}` : '');
    const shown = g.sets.filter((s) => s.count > 0);
    this.renderLegend();
    const points = shown.reduce((n, s) => n + s.count, 0);
    this.status.textContent = shown.length ? fill(w.ui.points, { points }) : w.empty;
    if (!shown.length) return;

    const x = setExtent(shown, 'x');
    const y = padRange(setExtent(shown.filter((s) => s.axis === 'y'), 'y', g.levels.map((l) => l.y)), g.y.quantity !== 'seq');
    const y2Sets = shown.filter((s) => s.axis === 'y2');
    const y2 = g.y2 && y2Sets.length ? padRange(setExtent(y2Sets, 'y'), true) : null;
    this.full = { x: padRange(x, false), y, y2 };
    const view = (): { x: Range; y: Range; y2: Range | null } => this.zoom ?? this.full!;
    const canvas = new GraphCanvas(g, colourOf, () => this.host.settings(), () => this.marked, () => this.hovered);

    const axisStroke = themeColour('--vscode-foreground', '#333');
    const gridStroke = themeColour('--vscode-editorWidget-border', 'rgba(128,128,128,0.25)');
    const font = `11px ${getComputedStyle(this.element).fontFamily || 'sans-serif'}`;
    const labels = (unit: AxisUnit, key: 'x' | 'y' | 'y2') => (_u: uPlot, splits: number[]) => {
      const r = view()[key] ?? { lo: 0, hi: 1 };
      const step = splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : niceStep(r.hi - r.lo);
      const label = tickLabeller(unit, Math.max(Math.abs(r.lo), Math.abs(r.hi)), step);
      return splits.map(label);
    };
    const axes: uPlot.Axis[] = [
      { scale: 'x', label: w.axis[g.x.quantity], stroke: axisStroke, grid: { stroke: gridStroke, width: 1 }, ticks: { stroke: gridStroke }, font, labelFont: font, values: labels(g.x.unit, 'x') },
      { scale: 'y', label: w.axis[g.y.quantity], stroke: axisStroke, grid: { stroke: gridStroke, width: 1 }, ticks: { stroke: gridStroke }, font, labelFont: font, values: labels(g.y.unit, 'y'), size: 70 },
    ];
    const scales: uPlot.Scales = {
      x: { time: false, auto: false, range: () => [view().x.lo, view().x.hi] },
      y: { auto: false, range: () => [view().y.lo, view().y.hi] },
    };
    const series: uPlot.Series[] = [{}, { scale: 'y', paths: () => null, points: { show: false } }];
    const data: uPlot.AlignedData = [
      [this.full.x.lo, this.full.x.hi],
      [y.lo, y.hi],
    ];
    if (g.y2 && y2) {
      axes.push({ scale: 'y2', side: 1, label: w.axis[g.y2.quantity], stroke: axisStroke, grid: { show: false }, ticks: { stroke: gridStroke }, font, labelFont: font, values: labels(g.y2.unit, 'y2'), size: 80 });
      scales.y2 = { auto: false, range: () => [view().y2!.lo, view().y2!.hi] };
      series.push({ scale: 'y2', paths: () => null, points: { show: false } });
      data.push([y2.lo, y2.hi]);
    }
    const width = Math.max(240, this.plotBox.clientWidth || this.element.clientWidth || 480);
    const opts: uPlot.Options = {
      width,
      height: plotHeight(),
      series,
      scales,
      axes,
      legend: { show: false },
      cursor: { drag: { x: true, y: true, uni: 40, setScale: false }, points: { show: false }, x: true, y: true },
      hooks: {
        draw: [
          (u) => {
            const area: PlotArea = {
              ctx: u.ctx,
              left: u.bbox.left,
              top: u.bbox.top,
              width: u.bbox.width,
              height: u.bbox.height,
              ratio: u.bbox.width / Math.max(1, u.over.clientWidth || u.bbox.width),
              x: view().x,
              y: view().y,
              y2: view().y2,
            };
            canvas.draw(area);
            if (performance.getEntriesByName('tcpx-graph-received').length) {
              performance.measure('tcpx-graph-drawn', 'tcpx-graph-received');
              performance.clearMarks('tcpx-graph-received');
            }
          },
        ],
        setSelect: [(u) => this.selected(u)],
      },
    };
    this.plot = new uPlot(opts, data, this.plotBox);
    this.plotBox.append(this.tip);
    this.showView();
    this.bindPointer(this.plot);
  }

  private renderLegend(): void {
    this.legend.textContent = '';
    const hidden = new Set(this.host.settings().hidden);
    for (const item of this.legendItems()) {
      const li = el('li', { 'data-set': item.id });
      const b = el('button', { type: 'button', class: 'legend-item', 'aria-pressed': String(!hidden.has(item.id as SetId)), title: `${this.words.meaning[item.id]}\n${this.words.ui.legendHint}` });
      const sw = el('canvas', { class: 'swatch', width: '32', height: '32' });
      const ctx = sw.getContext('2d');
      if (ctx) GraphCanvas.swatch(ctx, colourOf(item.id), item.id, item.draw, 16, 16, 2);
      b.append(sw, el('span', {}, item.label));
      if (item.id !== 'irtt') {
        b.addEventListener('click', () => {
          const s = this.host.settings();
          const set = new Set(s.hidden);
          if (set.has(item.id as SetId)) set.delete(item.id as SetId);
          else set.add(item.id as SetId);
          this.host.saveSettings({ ...s, hidden: [...set] });
          b.setAttribute('aria-pressed', String(!set.has(item.id as SetId)));
          this.plot?.redraw(false, false);
        });
      }
      li.append(b);
      this.legend.append(li);
    }
  }

  private fit(): void {
    const u = this.plot;
    if (!u) return;
    const width = Math.max(240, this.plotBox.clientWidth);
    const height = plotHeight();
    if (Math.abs(width - u.width) > 1 || Math.abs(height - u.height) > 1) u.setSize({ width, height });
  }

  // ------------------------------------------------------------ zoom, pan, hover, click

  private setView(next: { x: Range; y: Range; y2: Range | null } | null): void {
    const u = this.plot;
    if (!u || !this.full) return;
    this.zoom = next;
    const v = next ?? this.full;
    u.batch(() => {
      u.setScale('x', { min: v.x.lo, max: v.x.hi });
      u.setScale('y', { min: v.y.lo, max: v.y.hi });
      if (v.y2) u.setScale('y2', { min: v.y2.lo, max: v.y2.hi });
    });
    this.showView();
  }

  /** The view's time range and whether it is zoomed, on the plot (tests and assistive tools read them). */
  private showView(): void {
    const v = this.zoom ?? this.full;
    if (!v) return;
    this.plotBox.setAttribute('data-zoomed', String(this.zoom !== null));
    this.plotBox.setAttribute('data-x', `${v.x.lo} ${v.x.hi}`);
  }

  resetZoom(): void {
    this.setView(null);
  }

  /** The drag's box (or band, for a mostly horizontal drag) becomes the view. */
  private selected(u: uPlot): void {
    // A copy: clearing the selection below changes uPlot's own object.
    const s = { ...u.select };
    if (s.width < 3 && s.height < 3) return;
    const cur = this.zoom ?? this.full!;
    const xr = { lo: u.posToVal(s.left, 'x'), hi: u.posToVal(s.left + s.width, 'x') };
    // A mostly horizontal drag selects a band of time over the whole height (uPlot's `uni`).
    const full = s.top <= 0 && s.height >= u.over.clientHeight - 1;
    const yr = full ? cur.y : { lo: u.posToVal(s.top + s.height, 'y'), hi: u.posToVal(s.top, 'y') };
    const y2r = cur.y2 && !full ? { lo: u.posToVal(s.top + s.height, 'y2'), hi: u.posToVal(s.top, 'y2') } : cur.y2;
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (s.width >= 3 && xr.hi > xr.lo) this.setView({ x: xr, y: yr, y2: y2r });
  }

  /** Zooms time by `factor` around the time at `px` (CSS pixels into the plot). */
  private zoomAt(px: number, factor: number): void {
    const u = this.plot;
    if (!u || !this.full) return;
    const cur = this.zoom ?? this.full;
    const at = u.posToVal(px, 'x');
    const lo = at - (at - cur.x.lo) * factor;
    const hi = at + (cur.x.hi - at) * factor;
    if (hi - lo < 1e-9) return;
    if (factor > 1 && lo <= this.full.x.lo && hi >= this.full.x.hi) this.setView(null);
    else this.setView({ ...cur, x: { lo, hi } });
  }

  /** Moves the view along time by `fraction` of its width. */
  private pan(fraction: number): void {
    if (!this.full) return;
    const cur = this.zoom ?? this.full;
    const d = (cur.x.hi - cur.x.lo) * fraction;
    this.setView({ ...cur, x: { lo: cur.x.lo + d, hi: cur.x.hi + d } });
  }

  private onKey(e: KeyboardEvent): void {
    const step: Record<string, () => void> = {
      ArrowLeft: () => this.pan(-0.2),
      ArrowRight: () => this.pan(0.2),
      '+': () => this.zoomAt((this.plot?.over.clientWidth ?? 0) / 2, 0.5),
      '=': () => this.zoomAt((this.plot?.over.clientWidth ?? 0) / 2, 0.5),
      '-': () => this.zoomAt((this.plot?.over.clientWidth ?? 0) / 2, 2),
      '0': () => this.resetZoom(),
      Escape: () => {
        this.tip.hidden = true;
      },
    };
    const act = step[e.key];
    if (!act) return;
    e.preventDefault();
    act();
  }

  private bindPointer(u: uPlot): void {
    const over = u.over;
    let down: { x: number; y: number } | null = null;
    over.addEventListener('mousedown', (e) => {
      down = { x: e.clientX, y: e.clientY };
    });
    over.addEventListener('click', (e) => {
      // A drag that zoomed is not a click on a point.
      if (down && Math.hypot(e.clientX - down.x, e.clientY - down.y) > 3) return;
      const hit = this.hit(e);
      if (!hit) return;
      const v = this.view!;
      const frame = hit.set.frame[hit.i]!;
      const n = lowerBound(v.frames, frame);
      if (v.frames[n] === frame) this.host.selectRow(n);
    });
    over.addEventListener('dblclick', () => this.resetZoom());
    over.addEventListener('wheel', (e) => {
      e.preventDefault();
      const rect = over.getBoundingClientRect();
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) this.pan(((e.shiftKey ? e.deltaY : e.deltaX) > 0 ? 1 : -1) * 0.1);
      else this.zoomAt(e.clientX - rect.left, e.deltaY > 0 ? 1.25 : 0.8);
    }, { passive: false });
    over.addEventListener('mousemove', (e) => this.hover(e));
    over.addEventListener('mouseleave', () => {
      this.tip.hidden = true;
      if (this.hovered) {
        this.hovered = null;
        u.redraw(false, false);
      }
    });
  }

  private hit(e: MouseEvent): { set: GraphSet; i: number } | null {
    const u = this.plot;
    const v = this.view;
    if (!u || !v) return null;
    const rect = u.over.getBoundingClientRect();
    const cur = this.zoom ?? this.full!;
    const hidden = new Set(this.host.settings().hidden);
    return nearestPoint(
      v.graph.sets.filter((s) => s.count > 0 && !hidden.has(s.id)),
      { width: rect.width, height: rect.height, x: cur.x, y: cur.y, y2: cur.y2 },
      e.clientX - rect.left,
      e.clientY - rect.top,
      10,
    );
  }

  private hover(e: MouseEvent): void {
    const hit = this.hit(e);
    const same = hit && this.hovered && hit.set === this.hovered.set && hit.i === this.hovered.i;
    if (!same) {
      this.hovered = hit;
      this.plot?.redraw(false, false);
    }
    if (!hit) {
      this.tip.hidden = true;
      return;
    }
    this.tip.textContent = '';
    const w = this.words;
    const s = hit.set;
    const i = hit.i;
    this.tip.append(el('strong', {}, w.legend[s.id]), el('p', {}, w.meaning[s.id]));
    const dl = el('dl');
    const add = (k: string, val: string): void => {
      dl.append(el('dt', {}, k), el('dd', {}, val));
    };
    add(w.ui.frame, String(s.frame[i]));
    add(w.ui.time, `${s.time[i]!.toFixed(6)} s`);
    add(s.yColumn.name, valueText(s.y[i]!, s.yColumn.format));
    if (s.y2 && s.y2Column) add(s.y2Column.name, valueText(s.y2[i]!, s.y2Column.format));
    if (s.y2 && s.draw === 'bar') add('len', String(s.y2[i]! - s.y[i]!));
    this.tip.append(dl);
    this.tip.hidden = false;
    const box = this.plotBox.getBoundingClientRect();
    const left = Math.min(e.clientX - box.left + 14, box.width - 300);
    this.tip.style.left = `${Math.max(0, left)}px`;
    this.tip.style.top = `${e.clientY - box.top + 14}px`;
  }
}

function valueText(v: number, format: 'int' | 'seconds' | 'rate'): string {
  if (format === 'int') return String(Math.round(v));
  if (format === 'seconds') return v < 1 ? `${(v * 1000).toFixed(3)} ms` : `${v.toFixed(6)} s`;
  return tickLabeller('bit/s', Math.abs(v), Math.max(1e-3, Math.abs(v) / 1000))(v);
}

function themeColour(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/*
 * Typed arrays cross the webview's message channel as typed arrays in VS Code; should a host
 * ever send them as plain arrays or index-keyed objects, they are rebuilt here.
 */
function asFloat64(a: unknown): Float64Array {
  if (a instanceof Float64Array) return a;
  if (Array.isArray(a)) return Float64Array.from(a as number[]);
  if (a && typeof a === 'object') return Float64Array.from(Object.values(a as Record<string, number>));
  return new Float64Array(0);
}

function asUint32(a: unknown): Uint32Array {
  if (a instanceof Uint32Array) return a;
  if (Array.isArray(a)) return Uint32Array.from(a as number[]);
  if (a && typeof a === 'object') return Uint32Array.from(Object.values(a as Record<string, number>));
  return new Uint32Array(0);
}

function normalised(g: Graph): Graph {
  return {
    ...g,
    sets: g.sets.map((s) => ({ ...s, frame: asUint32(s.frame), time: asFloat64(s.time), y: asFloat64(s.y), y2: s.y2 === null ? null : asFloat64(s.y2) })),
  };
}
