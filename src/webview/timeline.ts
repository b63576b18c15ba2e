import { controlsEscaped } from '../core/escape';
import { niceStep, tickLabeller } from '../core/graph/export';
import { OUTCOMES, TimelineMarks } from '../core/view/timeline';
import type { CaptureOverview, ConnectionRow, FromWebview, RowsPage, TableQuery, ToWebview } from '../shared/protocol';
import { el } from './dom';
import { forgetFarRows } from './rowWindow';

/*
 * The timeline: the connection table's other view. One row per connection in stream order (the
 * order they started), a bar from its first to its last segment at seconds since the capture's
 * first packet, coloured by how it went, with its retransmissions and zero windows marked where
 * they happened. Like the table it is a window over rows kept by the index worker: only the rows
 * on screen are in the page, so 150,000 connections scroll as smoothly as 10.
 *
 * It follows the table's filter box (the same words and expressions), and sits in the table's
 * section: a switch above the filter shows one view or the other. Keyboard: the list keeps the
 * focus and points at its active row (aria-activedescendant), as a virtual list must, since a
 * focused row could scroll out of the page.
 */

export type ConnectionsView = 'table' | 'timeline';

/** What the page keeps across reloads. */
export interface TimelineState {
  view: ConnectionsView;
  scroll: number;
  /** The time range shown, in seconds since the capture's first packet; null: all of it. */
  zoom: [number, number] | null;
}

export interface TimelineHost {
  t(key: string): string;
  post(m: FromWebview): void;
  /** Opens a connection (its ladder), as a click on a table row does. */
  select(stream: number): void;
  selected(): number | null;
  saved(): TimelineState | undefined;
  save(s: TimelineState): void;
}

const ROW_HEIGHT = 22;
/** Rows fetched beyond the visible ones on each side. */
const OVERSCAN = 20;
const FETCH = 200;
/** Rows kept in the page before those far from view are let go. */
const CACHE_ROWS = 20 * FETCH;
/**
 * The timeline's row requests are numbered from here, so that its answers and the table's
 * (which count from 1) never mix: both come back as `rows` messages.
 */
const SEQ_BASE = 1e12;
/** A drag shorter than this (pixels) is a click. */
const DRAG_PX = 4;
/** The narrowest time range one can zoom to. */
const MIN_SPAN = 1e-6;
/** Marks are asked for once scrolling rests this long (ms): a fling past 10,000 rows asks nothing. */
const MARKS_DELAY = 120;

/** A number per object, for telling whether a row was drawn from this very page (or marks). */
const stamps = new WeakMap<object, number>();
let nextStamp = 1;
function stamp(o: object): number {
  let n = stamps.get(o);
  if (n === undefined) stamps.set(o, (n = nextStamp++));
  return n;
}

function fill(template: string, ...args: Array<string | number>): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
}

export class Timeline {
  /** The switch between the table and the timeline, above the filter. */
  readonly switcher = el('div', { class: 'view-switch', role: 'group' });
  readonly element = el('div', { class: 'timeline', hidden: '' });
  private readonly tableButton = el('button', { type: 'button', class: 'tool', 'data-view': 'table' });
  private readonly timelineButton = el('button', { type: 'button', class: 'tool', 'data-view': 'timeline' });
  private readonly resetButton = el('button', { type: 'button', class: 'tool', 'data-action': 'reset-zoom', disabled: '' });
  private readonly range = el('span', { class: 'tl-range' });
  /** How to zoom and pan, on hover or focus (the page's tooltip shows data-hover). */
  private readonly help = el('span', { class: 'tl-help', tabindex: '0', role: 'note' }, '?');
  private readonly legend = el('ul', { class: 'tl-legend' });
  private readonly axis = el('div', { class: 'tl-axis' });
  private readonly axisLabel = el('div', { class: 'tl-axis-label' });
  private readonly axisTrack = el('div', { class: 'tl-axis-track' });
  private readonly body = el('div', { class: 'tl-body' });
  private readonly scroller = el('div', { class: 'tl-scroll', role: 'listbox', tabindex: '0' });
  private readonly canvas = el('div', { class: 'tl-canvas' });
  private readonly brush = el('div', { class: 'tl-brush', hidden: '' });
  private readonly empty = el('p', { class: 'tl-empty', hidden: '' });

  private state: TimelineState;
  private tableWrap: HTMLElement | null = null;
  private filter = '';
  private overview: CaptureOverview | null = null;
  private started = false;

  /** Rows received for the current filter, by index (stream order). */
  private rows = new Map<number, ConnectionRow>();
  /** The query version the rows answer. */
  private rowsVersion = -1;
  private asked = new Set<number>();
  private version = 0;
  private seq = SEQ_BASE;
  private seqVersion = new Map<number, number>();
  private total = 0;
  /** The query version `total` was counted for. */
  private totalVersion = -1;
  private all = 0;
  /** The earliest start and latest end among the rows received for the query. */
  private extent: [number, number] = [0, 0];

  /** Marks per stream, and streams asked for and not yet answered. */
  private marks = new Map<number, TimelineMarks>();
  private marksAsked = new Set<number>();
  private marksTimer: ReturnType<typeof setTimeout> | undefined;

  /** The whole time range: the capture's span, widened by any bar outside it (a clock that ran backwards). */
  private domain: [number, number] = [0, 1];
  /** The row the keyboard is on. */
  private active = 0;
  /** Pixels: where the time track starts in a row and how wide it is (measured at each draw). */
  private trackLeft = 0;
  private trackWidth = 1;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private measured = false;
  /** Rows in the page by index, each with what it was drawn from. */
  private drawn = new Map<number, { row: HTMLElement; key: string }>();
  private axisKey = '';
  /** Moves on when the words change (language): every row is drawn anew. */
  private wordsStamp = 0;
  private scrollFrame = 0;

  constructor(private readonly host: TimelineHost) {
    this.state = host.saved() ?? { view: 'table', scroll: 0, zoom: null };
    this.switcher.append(this.tableButton, this.timelineButton);
    this.tableButton.addEventListener('click', () => this.show('table'));
    this.timelineButton.addEventListener('click', () => this.show('timeline'));
    this.resetButton.addEventListener('click', () => this.setZoom(null));
    const tools = el('div', { class: 'tl-tools' });
    tools.append(this.resetButton, this.help, this.range, this.legend);
    this.axis.append(this.axisLabel, this.axisTrack);
    this.scroller.append(this.canvas);
    this.body.append(this.scroller, this.brush);
    this.element.append(tools, this.axis, this.body, this.empty);
    this.listen();
  }

  /**
   * Puts the switch and the timeline into the table's section: the switch first, the timeline
   * after the table, and the filter box shared (its words are this view's filter too).
   */
  mount(section: HTMLElement): void {
    section.prepend(this.switcher);
    this.tableWrap = section.querySelector<HTMLElement>('.table-wrap');
    (this.tableWrap ?? section.lastElementChild ?? section).after(this.element);
    const input = section.querySelector<HTMLInputElement>('input.filter');
    if (input) {
      this.filter = input.value;
      let timer: ReturnType<typeof setTimeout> | undefined;
      input.addEventListener('input', () => {
        clearTimeout(timer);
        timer = setTimeout(() => this.setFilter(input.value), 150);
      });
      // Down from the filter goes to the view on screen, as it goes to the table's first row.
      input.addEventListener('keydown', (e) => {
        if (e.key === 'ArrowDown' && this.visible()) this.scroller.focus();
      });
    }
    this.relabel();
    this.applyView();
  }

  /** Every message the page gets; the timeline takes what concerns it. */
  onMessage(m: ToWebview): void {
    switch (m.type) {
      case 'init':
        this.overview = m.overview;
        this.relabel();
        this.started = true;
        this.refetch();
        if (this.visible()) requestAnimationFrame(() => {
          this.scroller.scrollTop = this.state.scroll;
          this.draw();
        });
        break;
      case 'progress':
        if (this.overview) this.overview = m.overview ?? { ...this.overview, connections: m.connections, indexing: m.fraction < 1 };
        // Connections that got segments: their bars and marks are read again.
        if (m.grew === 'all') this.marks.clear();
        else for (const s of m.grew ?? []) this.marks.delete(s);
        this.reask();
        break;
      case 'indexed':
        this.overview = m.overview;
        // Marks read while the capture was being read may miss the segments that came after.
        this.marks.clear();
        this.refetch();
        break;
      case 'rows':
        if (this.seqVersion.has(m.seq)) this.onRows(m.seq, m.page);
        break;
      case 'timelineMarks':
        for (const k of m.marks) {
          this.marks.set(k.stream, k);
          this.marksAsked.delete(k.stream);
        }
        this.draw();
        break;
      case 'language':
        this.relabel();
        // The rows' words (opened, ended) come in the new language.
        this.refetch();
        break;
      case 'select':
        this.draw();
        break;
    }
  }

  // ------------------------------------------------------------------ view, words, state

  private visible(): boolean {
    return this.state.view === 'timeline';
  }

  private show(view: ConnectionsView): void {
    if (this.state.view === view) return;
    this.state.view = view;
    this.persist();
    this.applyView();
    (view === 'timeline' ? this.timelineButton : this.tableButton).focus();
  }

  private applyView(): void {
    const timeline = this.visible();
    this.tableButton.setAttribute('aria-pressed', String(!timeline));
    this.timelineButton.setAttribute('aria-pressed', String(timeline));
    if (this.tableWrap) this.tableWrap.hidden = timeline;
    this.element.hidden = !timeline;
    this.measured = false;
    if (timeline && this.started) {
      this.refetch();
      requestAnimationFrame(() => {
        this.scroller.scrollTop = this.state.scroll;
        this.draw();
      });
    }
  }

  private persist(): void {
    this.host.save({ ...this.state });
  }

  private relabel(): void {
    const t = (k: string): string => this.host.t(k);
    this.switcher.setAttribute('aria-label', t('view.switch'));
    this.tableButton.textContent = t('view.table');
    this.timelineButton.textContent = t('view.timeline');
    this.resetButton.textContent = t('timeline.resetZoom');
    this.scroller.setAttribute('aria-label', t('timeline.label'));
    this.help.setAttribute('data-hover', t('timeline.hint'));
    this.help.setAttribute('aria-label', t('timeline.hint'));
    this.scroller.setAttribute('aria-description', t('timeline.hint'));
    this.axis.title = t('timeline.axis');
    this.wordsStamp++;
    this.measured = false;
    this.legend.textContent = '';
    this.legend.setAttribute('aria-label', t('timeline.legend'));
    for (const o of OUTCOMES) {
      const li = el('li');
      li.append(el('span', { class: `tl-swatch o-${o}`, 'aria-hidden': 'true' }), document.createTextNode(t(`outcome.${o}`)));
      this.legend.append(li);
    }
    for (const [kind, key] of [
      ['retrans', 'mark.retransmission'],
      ['zero', 'mark.zeroWindow'],
    ] as const) {
      const li = el('li');
      const sample = el('span', { class: 'tl-swatch tl-mark-sample', 'aria-hidden': 'true' });
      sample.append(el('span', { class: `tl-mark ${kind}` }));
      li.append(sample, document.createTextNode(t(key)));
      this.legend.append(li);
    }
    this.draw();
  }

  // ------------------------------------------------------------------ rows from the worker

  private setFilter(filter: string): void {
    if (filter === this.filter) return;
    this.filter = filter;
    this.state.scroll = 0;
    this.scroller.scrollTop = 0;
    this.active = 0;
    this.persist();
    this.refetch();
  }

  private query(): TableQuery {
    // Stream order is start order: tcp.stream numbers connections by their first segment.
    return { sort: 'stream', dir: 1, filter: this.filter };
  }

  private refetch(): void {
    if (!this.started || !this.visible()) return;
    this.version++;
    this.asked.clear();
    this.ensure(this.visibleRange());
  }

  /** The same query asked again (indexing goes on): answers on their way still count (see ConnectionTable.refresh). */
  private reask(): void {
    if (!this.started || !this.visible()) return;
    this.asked.clear();
    this.ensure(this.visibleRange());
  }

  private visibleRange(): [number, number] {
    const first = Math.floor(this.scroller.scrollTop / ROW_HEIGHT);
    const shown = Math.ceil((this.scroller.clientHeight || 400) / ROW_HEIGHT) + 1;
    return [Math.max(0, first - OVERSCAN), first + shown + OVERSCAN];
  }

  private ensure([from, to]: [number, number]): void {
    for (let page = Math.floor(from / FETCH); page * FETCH < to; page++) {
      const first = page * FETCH;
      if (this.asked.has(first)) continue;
      if (first >= this.total && this.totalVersion === this.version) break;
      this.asked.add(first);
      const seq = ++this.seq;
      this.seqVersion.set(seq, this.version);
      this.host.post({ type: 'rows', seq, first, count: FETCH, query: this.query() });
    }
  }

  private onRows(seq: number, page: RowsPage): void {
    const v = this.seqVersion.get(seq);
    this.seqVersion.delete(seq);
    if (v !== this.version) return;
    // The first answer to a new query (the filter or the capture changed) starts the rows
    // anew. Only then: a page dropped while still marked as asked would never be asked again.
    if (this.rowsVersion !== v) {
      this.rows = new Map();
      this.extent = [0, 0];
      this.rowsVersion = v;
    }
    this.total = page.total;
    this.totalVersion = v;
    this.all = page.all;
    this.overview = page.overview;
    page.rows.forEach((r, i) => {
      this.rows.set(page.first + i, r);
      this.extent = [Math.min(this.extent[0], r.start), Math.max(this.extent[1], r.start + r.duration)];
    });
    // Scrolling through 150,000 connections keeps a few thousand rows, not all of them.
    forgetFarRows(this.rows, this.asked, this.visibleRange(), FETCH, CACHE_ROWS);
    this.draw();
  }

  // ------------------------------------------------------------------ time and zoom

  /** The time range on screen. */
  private view(): [number, number] {
    const [lo, hi] = this.domain;
    const z = this.state.zoom;
    if (!z) return [lo, hi];
    return [z[0], z[1]];
  }

  private widenDomain(): void {
    const lo = Math.min(0, this.extent[0]);
    let hi = Math.max(this.overview?.span ?? 0, this.extent[1]);
    // A capture of one instant still gets a range to draw in.
    if (hi - lo < MIN_SPAN * 10) hi = lo + MIN_SPAN * 10;
    this.domain = [lo, hi];
  }

  private setZoom(z: [number, number] | null): void {
    if (z) {
      const [lo, hi] = this.domain;
      let [a, b] = z[0] <= z[1] ? z : [z[1], z[0]];
      if (b - a < MIN_SPAN) {
        const mid = (a + b) / 2;
        [a, b] = [mid - MIN_SPAN / 2, mid + MIN_SPAN / 2];
      }
      // Zoomed out to everything or more: no zoom. Otherwise kept inside the capture.
      if (b - a >= hi - lo) z = null;
      else {
        if (a < lo) [a, b] = [lo, lo + (b - a)];
        if (b > hi) [a, b] = [hi - (b - a), hi];
        z = [a, b];
      }
    }
    this.state.zoom = z;
    this.persist();
    this.draw();
  }

  /** Zooms by `factor` (<1 in, >1 out) keeping the time at pixel `px` of the track where it is. */
  private zoomAt(px: number, factor: number): void {
    const [v0, v1] = this.view();
    const at = v0 + (px / this.trackWidth) * (v1 - v0);
    this.setZoom([at - (at - v0) * factor, at + (v1 - at) * factor]);
  }

  /**
   * After a zoom to a range where none of the rows on screen has a bar: scrolls to the first
   * connection (of those received) that has one, so the zoom never shows an empty page.
   */
  private revealRange(): void {
    const [v0, v1] = this.view();
    const inRange = (r: ConnectionRow): boolean => r.start <= v1 && r.start + r.duration >= v0;
    const top = Math.ceil(this.scroller.scrollTop / ROW_HEIGHT);
    const bottom = Math.floor((this.scroller.scrollTop + this.scroller.clientHeight) / ROW_HEIGHT) - 1;
    for (let i = top; i <= bottom; i++) {
      const r = this.rows.get(i);
      if (r && inRange(r)) return;
    }
    let first = -1;
    for (const [i, r] of this.rows) if (inRange(r) && (first < 0 || i < first)) first = i;
    if (first >= 0) {
      this.active = first;
      this.scroller.scrollTop = first * ROW_HEIGHT;
    }
  }

  private pan(px: number): void {
    const [v0, v1] = this.view();
    if (!this.state.zoom) return;
    const dt = (px / this.trackWidth) * (v1 - v0);
    this.setZoom([v0 + dt, v1 + dt]);
  }

  private timeAt(clientX: number): number {
    const [v0, v1] = this.view();
    const x = clientX - this.scroller.getBoundingClientRect().left - this.trackLeft;
    return v0 + (x / this.trackWidth) * (v1 - v0);
  }

  // ------------------------------------------------------------------ drawing

  /**
   * Puts the rows in view in the page, asks for the ones missing, and draws the axis. A row
   * already in the page stays when nothing it shows changed: a scroll step adds and removes a
   * few rows instead of drawing them all again.
   */
  draw(): void {
    if (!this.visible() || !this.started) return;
    const t = (k: string): string => this.host.t(k);
    const [from, to] = this.visibleRange();
    const end = Math.min(this.total, to);
    this.ensure([from, end]);
    this.widenDomain();
    if (!this.measured) this.measure();
    const [v0, v1] = this.view();
    this.drawAxis(v0, v1);
    this.resetButton.disabled = this.state.zoom === null;
    this.range.textContent = this.state.zoom ? `${v0.toFixed(6)} s – ${v1.toFixed(6)} s` : '';
    this.canvas.style.height = `${this.total * ROW_HEIGHT}px`;
    this.scroller.setAttribute('aria-rowcount', String(this.total));
    if (this.total === 0) {
      this.canvas.textContent = '';
      this.drawn.clear();
      this.empty.hidden = false;
      // Before the first page comes, nothing is known: "no connections" would be a guess.
      this.empty.textContent = this.totalVersion < 0 ? t('loading') : this.all === 0 ? t('noConnections') : t('noMatch');
      this.scroller.removeAttribute('aria-activedescendant');
      return;
    }
    this.empty.hidden = true;
    if (this.active >= this.total) this.active = this.total - 1;
    const selected = this.host.selected();
    const common = `${v0}|${v1}|${this.trackLeft}|${this.trackWidth}|${this.total}|${this.wordsStamp}`;
    for (const [i, d] of this.drawn) {
      if (i >= from && i < end) continue;
      d.row.remove();
      this.drawn.delete(i);
    }
    for (let i = from; i < end; i++) {
      const c = this.rows.get(i);
      const marks = c ? this.marks.get(c.stream) : undefined;
      const key = `${c ? stamp(c) : 'pending'}|${marks ? stamp(marks) : 0}|${c?.stream === selected}|${i === this.active}|${common}`;
      const had = this.drawn.get(i);
      if (had?.key === key) continue;
      const row = this.makeRow(i, c, c?.stream === selected, v0, v1);
      if (had) had.row.replaceWith(row);
      else this.canvas.append(row);
      this.drawn.set(i, { row, key });
    }
    if (this.rows.has(this.active) && this.active >= from && this.active < end) this.scroller.setAttribute('aria-activedescendant', `tl-row-${this.active}`);
    else this.scroller.removeAttribute('aria-activedescendant');
    this.askMarks(from, end);
  }

  private makeRow(i: number, c: ConnectionRow | undefined, selected: boolean, v0: number, v1: number): HTMLElement {
    const row = el('div', { class: 'tl-row', id: `tl-row-${i}`, role: 'option', 'data-index': String(i), 'aria-posinset': String(i + 1), 'aria-setsize': String(this.total) });
    row.style.top = `${i * ROW_HEIGHT}px`;
    if (i === this.active) row.classList.add('active');
    if (!c) {
      row.classList.add('pending');
      row.setAttribute('aria-selected', 'false');
      row.append(el('span', { class: 'tl-label' }, '…'));
      return row;
    }
    const words = this.describe(c);
    row.setAttribute('data-stream', String(c.stream));
    row.setAttribute('aria-selected', String(selected));
    row.setAttribute('aria-label', words);
    const label = el('span', { class: 'tl-label' });
    label.append(el('span', { class: 'tl-stream' }, String(c.stream)), el('span', { class: 'tl-ends' }, `${c.client} → ${c.server}`));
    row.append(label);
    const track = el('div', { class: 'tl-track' });
    track.style.left = `${this.trackLeft}px`;
    track.style.width = `${this.trackWidth}px`;
    const scale = this.trackWidth / (v1 - v0);
    const x0 = (c.start - v0) * scale;
    const x1 = (c.start + c.duration - v0) * scale;
    if (x1 >= -2 && x0 <= this.trackWidth + 2) {
      const bar = el('div', { class: `tl-bar o-${c.outcome}`, 'data-hover': words });
      // Clipped to a little past the track's edges: a bar zoomed far into stays a sane size.
      const left = Math.max(-4, x0);
      bar.style.left = `${left}px`;
      bar.style.width = `${Math.max(0, Math.min(this.trackWidth + 4, x1) - left)}px`;
      track.append(bar);
      this.drawMarks(track, c.stream, v0, scale);
    }
    row.append(track);
    return row;
  }

  /** Where the time track is in a row: after the label column, up to the scroll bar (again when the list is resized). */
  private measure(): void {
    this.trackLeft = this.axisLabel.offsetWidth;
    this.trackWidth = Math.max(40, this.scroller.clientWidth - this.trackLeft - 8);
    this.axisTrack.style.width = `${this.trackWidth}px`;
    // Hidden, the list has no size yet: measured again once it shows.
    this.measured = this.scroller.clientWidth > 0;
  }

  private drawAxis(v0: number, v1: number): void {
    const key = `${v0}|${v1}|${this.trackWidth}|${this.wordsStamp}`;
    if (key === this.axisKey) return;
    this.axisKey = key;
    this.axisTrack.textContent = '';
    const span = v1 - v0;
    const step = niceStep(span, Math.max(2, Math.floor(this.trackWidth / 110)));
    const label = tickLabeller('s', Math.max(Math.abs(v0), Math.abs(v1)), step);
    // Ticks at whole multiples of the step: counted, not added up, so no error creeps in.
    const first = Math.ceil(v0 / step - 1e-9);
    const last = Math.floor(v1 / step + 1e-9);
    for (let k = first; k <= last && k - first < 200; k++) {
      const v = k * step;
      const x = ((v - v0) / span) * this.trackWidth;
      // A label that would run past the track's end is left off; its tick stays.
      const tick = el('span', { class: 'tl-tick' }, x > this.trackWidth - 44 ? '' : label(v));
      tick.style.left = `${x}px`;
      this.axisTrack.append(tick);
    }
  }

  private drawMarks(track: HTMLElement, stream: number, v0: number, scale: number): void {
    const m = this.marks.get(stream);
    if (!m) return;
    for (const [kind, times] of [
      ['retrans', m.retransmissions],
      ['zero', m.zeroWindows],
    ] as const) {
      // One mark every other pixel at most: closer ones would draw a solid block.
      let lastPx = -Infinity;
      for (const time of times) {
        const px = Math.round((time - v0) * scale);
        if (px < 0 || px > this.trackWidth || Math.abs(px - lastPx) < 2) continue;
        lastPx = px;
        const mark = el('span', { class: `tl-mark ${kind}`, 'data-time': time.toFixed(9) });
        mark.style.left = `${px}px`;
        track.append(mark);
      }
    }
  }

  /** The connection in words: the bar's tooltip and the row's accessible name. */
  private describe(c: ConnectionRow): string {
    const t = (k: string): string => this.host.t(k);
    const lines = [
      `${t('stream')} ${c.stream}: ${c.client} → ${c.server}`,
      fill(t('timeline.start'), c.start.toFixed(6), c.duration.toFixed(6)),
      c.analysed ? fill(t('timeline.outcome'), t(`outcome.${c.outcome}`), c.opened, c.ended) : t('outcome.pending'),
    ];
    const counts: string[] = [fill(t('timeline.packets'), c.packets)];
    if (c.retransmissions) counts.push(`${c.retransmissions} ${t('retransmissions')}`);
    if (c.resets) counts.push(`${c.resets} ${t('resets')}`);
    if (c.zeroWindows) counts.push(`${c.zeroWindows} ${t('zeroWindows')}`);
    lines.push(counts.join(' · '));
    const omitted = this.marks.get(c.stream)?.omitted ?? 0;
    if (omitted) lines.push(fill(t('timeline.omitted'), omitted));
    // What it carried is text from the capture: no control characters, set as text.
    if (c.carried) lines.push(controlsEscaped(c.carried));
    return lines.join('\n');
  }

  /** Asks, once scrolling rests, for the marks of the bars on screen that have any. */
  private askMarks(from: number, end: number): void {
    clearTimeout(this.marksTimer);
    this.marksTimer = setTimeout(() => {
      const want: number[] = [];
      for (let i = from; i < end; i++) {
        const c = this.rows.get(i);
        if (!c || (c.retransmissions === 0 && c.zeroWindows === 0)) continue;
        if (this.marks.has(c.stream) || this.marksAsked.has(c.stream)) continue;
        want.push(c.stream);
      }
      if (!want.length) return;
      for (const s of want) this.marksAsked.add(s);
      this.host.post({ type: 'timelineMarks', streams: want });
    }, MARKS_DELAY);
  }

  // ------------------------------------------------------------------ mouse and keys

  private listen(): void {
    this.scroller.addEventListener('scroll', () => {
      // Once a frame, however many scroll events it had.
      if (!this.scrollFrame) {
        this.scrollFrame = requestAnimationFrame(() => {
          this.scrollFrame = 0;
          this.draw();
        });
      }
      this.state.scroll = this.scroller.scrollTop;
      clearTimeout(this.saveTimer);
      this.saveTimer = setTimeout(() => this.persist(), 200);
    });
    new ResizeObserver(() => {
      this.measured = false;
      this.draw();
    }).observe(this.scroller);
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    this.scroller.addEventListener('focus', () => {
      // Coming back to the list: the active row is one on screen.
      const top = Math.ceil(this.scroller.scrollTop / ROW_HEIGHT);
      const bottom = Math.floor((this.scroller.scrollTop + this.scroller.clientHeight) / ROW_HEIGHT) - 1;
      if (this.active < top || this.active > bottom) this.active = Math.max(0, Math.min(this.total - 1, top));
      this.draw();
    });
    this.body.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.axis.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.scroller.addEventListener('mousedown', (e) => this.onRowsDown(e));
    this.axis.addEventListener('mousedown', (e) => this.onAxisDown(e));
  }

  private onWheel(e: WheelEvent): void {
    const rect = this.scroller.getBoundingClientRect();
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      // Line and page deltas (Firefox, some mice) count as a notch of 100 pixels.
      const dy = e.deltaMode === 0 ? e.deltaY : e.deltaY * 100;
      this.zoomAt(e.clientX - rect.left - this.trackLeft, Math.exp(dy * 0.002));
      return;
    }
    const sideways = Math.abs(e.deltaX) > Math.abs(e.deltaY);
    if (e.shiftKey || sideways) {
      if (!this.state.zoom) return;
      e.preventDefault();
      const d = sideways ? e.deltaX : e.deltaY;
      this.pan(e.deltaMode === 0 ? d : d * 40);
    }
  }

  /** Down on the rows: a drag across them zooms to its time range; without moving, a click opens the connection. */
  private onRowsDown(e: MouseEvent): void {
    // The scroll bar is the list's own: it scrolls, nothing else.
    if (e.button !== 0 || e.target === this.scroller) return;
    const startX = e.clientX;
    const bodyRect = this.body.getBoundingClientRect();
    const rowEl = (e.target as HTMLElement).closest<HTMLElement>('.tl-row[data-stream]');
    let dragging = false;
    const move = (ev: MouseEvent): void => {
      if (!dragging && Math.abs(ev.clientX - startX) < DRAG_PX) return;
      dragging = true;
      const lo = Math.max(this.trackLeft, Math.min(startX, ev.clientX) - bodyRect.left);
      const hi = Math.min(this.trackLeft + this.trackWidth, Math.max(startX, ev.clientX) - bodyRect.left);
      this.brush.hidden = false;
      this.brush.style.left = `${lo}px`;
      this.brush.style.width = `${Math.max(0, hi - lo)}px`;
    };
    const up = (ev: MouseEvent): void => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      this.brush.hidden = true;
      if (dragging) {
        this.setZoom([this.timeAt(startX), this.timeAt(ev.clientX)]);
        this.revealRange();
        return;
      }
      if (rowEl) {
        this.active = Number(rowEl.dataset.index);
        this.host.select(Number(rowEl.dataset.stream));
        this.draw();
      }
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
    // No text selection while dragging; the list keeps the keyboard.
    e.preventDefault();
    this.scroller.focus({ preventScroll: true });
  }

  /** Dragging the axis pans. */
  private onAxisDown(e: MouseEvent): void {
    if (e.button !== 0 || !this.state.zoom) return;
    let lastX = e.clientX;
    const move = (ev: MouseEvent): void => {
      this.pan(lastX - ev.clientX);
      lastX = ev.clientX;
    };
    const up = (): void => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      this.axis.classList.remove('panning');
    };
    this.axis.classList.add('panning');
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
    e.preventDefault();
  }

  private onKey(e: KeyboardEvent): void {
    if (this.total === 0) return;
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 1);
    const i = this.active;
    const to: Record<string, number> = { ArrowDown: i + 1, ArrowUp: i - 1, PageDown: i + page, PageUp: i - page, Home: 0, End: this.total - 1 };
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      const c = this.rows.get(i);
      if (c) {
        this.host.select(c.stream);
        this.draw();
      }
    } else if (e.key in to) {
      e.preventDefault();
      this.moveTo(to[e.key]!);
    } else if (e.key === '+' || e.key === '=') {
      e.preventDefault();
      this.zoomAt(this.trackWidth / 2, 0.5);
    } else if (e.key === '-' || e.key === '_') {
      e.preventDefault();
      this.zoomAt(this.trackWidth / 2, 2);
    } else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      this.pan(((e.key === 'ArrowLeft' ? -1 : 1) * this.trackWidth) / 5);
    }
  }

  /** Makes row `i` the active one and scrolls it into view. */
  private moveTo(i: number): void {
    const index = Math.max(0, Math.min(this.total - 1, i));
    this.active = index;
    const top = index * ROW_HEIGHT;
    const h = this.scroller.clientHeight;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > this.scroller.scrollTop + h) this.scroller.scrollTop = top + ROW_HEIGHT - h;
    this.draw();
  }
}
