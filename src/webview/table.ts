import type { Lang } from '../core/explain/glossary';
import { FilterMessageId, filterMessageAt } from '../core/filter/messages';
import type { ConnectionRow, RowsPage, SortKey, TableQuery } from '../shared/protocol';
import { el } from './dom';
import { forgetFarRows } from './rowWindow';

/*
 * The connection table: a window over rows that live in the index worker, where they are
 * sorted and filtered. Only the rows on screen (and a few either side) exist in the page; the
 * scroll bar spans all of them, so the last of 150,000 connections is one End key away. Rows
 * are fixed-height, so a row's place is its index times the height.
 */

export interface TableHost {
  t(key: string): string;
  lang(): Lang;
  /** Asks the host for rows [first, first + count) of `query`; the answer comes to `onRows`. */
  requestRows(seq: number, first: number, count: number, query: TableQuery): void;
  select(stream: number): void;
  selected(): number | null;
  /** The table's state changed (sort, filter, scroll): keep it across reloads. */
  saveQuery(query: TableQuery, scrollTop: number): void;
}

const ROW_HEIGHT = 24;
/** Rows fetched beyond the visible ones on each side, so scrolling a little shows rows at once. */
const OVERSCAN = 20;
const FETCH = 200;
/** Rows kept in the page's cache before those far from view are dropped (the webview holds a window, not the table). */
const CACHE_ROWS = 10 * FETCH;

interface Column {
  key: SortKey | null;
  label: string;
  cell: (c: ConnectionRow, t: (k: string) => string) => string;
  num?: boolean;
}

const COLUMNS: Column[] = [
  { key: 'stream', label: 'stream', cell: (c) => String(c.stream), num: true },
  { key: 'client', label: 'clientServer', cell: (c) => `${c.client} → ${c.server}` },
  { key: null, label: 'opened', cell: (c) => c.opened },
  { key: null, label: 'ended', cell: (c) => c.ended },
  { key: null, label: 'carried', cell: (c) => c.carried },
  { key: 'packets', label: 'packets', cell: (c) => String(c.packets), num: true },
  { key: 'bytesToServer', label: 'bytesToServer', cell: (c) => String(c.bytesToServer), num: true },
  { key: 'bytesToClient', label: 'bytesToClient', cell: (c) => String(c.bytesToClient), num: true },
  { key: 'duration', label: 'duration', cell: (c) => c.duration.toFixed(6), num: true },
  { key: 'irtt', label: 'irtt', cell: (c) => (c.irtt === null ? '—' : c.irtt.toFixed(6)), num: true },
  { key: null, label: 'flags', cell: badges },
];

function badges(c: ConnectionRow, t: (k: string) => string): string {
  const b: string[] = [];
  if (c.retransmissions) b.push(`${c.retransmissions} ${t('retransmissions')}`);
  if (c.resets) b.push(`${c.resets} ${t('resets')}`);
  if (c.zeroWindows) b.push(`${c.zeroWindows} ${t('zeroWindows')}`);
  return b.join(' · ');
}

export class ConnectionTable {
  readonly element = el('section', { class: 'connections', 'aria-label': 'connections' });
  private readonly filterInput = el('input', { type: 'search', class: 'filter', spellcheck: 'false' });
  private readonly filterError = el('p', { class: 'filter-error', role: 'alert', hidden: '' });
  private readonly wrap = el('div', { class: 'table-wrap', tabindex: '-1' });
  private readonly table = el('table', { class: 'conn-table', role: 'grid' });
  private readonly thead = el('thead');
  private readonly tbody = el('tbody');
  private readonly topSpacer = el('tr', { class: 'spacer', 'aria-hidden': 'true' });
  private readonly bottomSpacer = el('tr', { class: 'spacer', 'aria-hidden': 'true' });
  /** Rows received for the current query, by index in the table. */
  private rows = new Map<number, ConnectionRow>();
  /** The query version the cached rows answer. */
  private rowsVersion = -1;
  /** Index ranges asked for and not yet answered (by first row). */
  private asked = new Set<number>();
  private version = 0;
  private seq = 0;
  /** Which request answers belong to the current query. */
  private seqVersion = new Map<number, number>();
  total = 0;
  all = 0;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;
  /** A row index to focus once its row is drawn (End, Page Down past what is loaded). */
  private focusIndex: number | null = null;
  /**
   * The row the keyboard is on, kept while its row is not in the page (scrolled away, or
   * waiting for its page): the table itself holds the focus then, and the keys move from here.
   */
  private cursor: number | null = null;

  constructor(
    private readonly host: TableHost,
    private query: TableQuery,
    private readonly initialScroll = 0,
  ) {
    this.table.append(this.thead, this.tbody);
    this.wrap.append(this.table);
    this.element.append(this.filterInput, this.filterError, this.wrap);
    this.filterInput.value = query.filter;
    this.filterInput.addEventListener('input', () => {
      clearTimeout(this.filterTimer);
      this.filterTimer = setTimeout(() => this.setQuery({ ...this.query, filter: this.filterInput.value }), 150);
    });
    this.filterInput.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        this.focusRow(0);
      }
    });
    this.wrap.addEventListener('scroll', () => {
      this.draw();
      this.host.saveQuery(this.query, this.wrap.scrollTop);
    });
    this.wrap.addEventListener('keydown', (e) => this.onKey(e));
    this.tbody.addEventListener('focusin', (e) => {
      const tr = (e.target as HTMLElement).closest('tr[data-index]');
      if (tr) this.cursor = Number(tr.getAttribute('data-index'));
    });
    this.tbody.addEventListener('click', (e) => {
      const tr = (e.target as HTMLElement).closest('tr[data-stream]');
      if (tr) this.host.select(Number(tr.getAttribute('data-stream')));
    });
  }

  /** Draws the header and asks for the first rows. */
  start(): void {
    this.renderHead();
    this.refetch();
    requestAnimationFrame(() => {
      this.wrap.scrollTop = this.initialScroll;
      this.draw();
    });
  }

  /** The words changed (language): header and visible rows again; row words come anew. */
  relabel(): void {
    this.renderHead();
    this.refetch();
  }

  /**
   * More connections were found, or their rows grew (indexing goes on): ask again for what is
   * on screen. The query is the same, so answers already on their way still count: progress
   * notes come every few tens of milliseconds, and dropping every answer asked before the
   * latest note would leave the rows never drawn while a big capture is read.
   */
  refresh(): void {
    this.asked.clear();
    this.ensure(this.visibleRange());
  }

  private setQuery(q: TableQuery): void {
    this.query = q;
    // Row indexes now mean other connections: the keyboard starts again from the top.
    this.cursor = null;
    this.host.saveQuery(q, 0);
    this.wrap.scrollTop = 0;
    this.renderHead();
    this.refetch();
  }

  private refetch(): void {
    this.version++;
    this.asked.clear();
    this.ensure(this.visibleRange());
  }

  private visibleRange(): [number, number] {
    const first = Math.floor(this.wrap.scrollTop / ROW_HEIGHT);
    const shown = Math.ceil((this.wrap.clientHeight || 400) / ROW_HEIGHT) + 1;
    return [Math.max(0, first - OVERSCAN), first + shown + OVERSCAN];
  }

  private ensure([from, to]: [number, number]): void {
    for (let page = Math.floor(from / FETCH); page * FETCH < to; page++) {
      const first = page * FETCH;
      if (this.asked.has(first)) continue;
      if (this.total && first >= this.total && this.version === this.seqVersion.get(this.seq)) break;
      this.asked.add(first);
      const seq = ++this.seq;
      this.seqVersion.set(seq, this.version);
      this.host.requestRows(seq, first, FETCH, this.query);
    }
  }

  /** A page from the worker. Pages of an older query are dropped. */
  onRows(seq: number, page: RowsPage): void {
    const v = this.seqVersion.get(seq);
    this.seqVersion.delete(seq);
    if (v !== this.version) return;
    // The first answer to a new query starts the row cache anew (until then the old rows stay
    // on screen, so a new sort does not flash). Only then: a page dropped from the cache while
    // it is still marked as asked would never be asked again, and its rows would stay "…".
    if (this.rowsVersion !== v) {
      this.rows = new Map();
      this.rowsVersion = v;
    }
    this.total = page.total;
    this.all = page.all;
    page.rows.forEach((r, i) => this.rows.set(page.first + i, r));
    forgetFarRows(this.rows, this.asked, this.visibleRange(), FETCH, CACHE_ROWS);
    this.showError(page.error);
    this.draw();
  }

  private showError(error: RowsPage['error']): void {
    if (!error) {
      this.filterError.hidden = true;
      this.filterError.textContent = '';
      this.filterInput.removeAttribute('aria-invalid');
      return;
    }
    const message = filterMessageAt(error.id as FilterMessageId, error.args, error.offset, this.host.lang());
    this.filterError.hidden = false;
    this.filterError.textContent = '';
    // Where it is wrong: the filter with a mark under the place.
    const text = this.filterInput.value;
    const shown = el('code', { class: 'filter-where' });
    shown.append(document.createTextNode(text.slice(0, error.offset)), el('mark', {}, text.slice(error.offset, error.offset + 1) || ' '), document.createTextNode(text.slice(error.offset + 1)));
    this.filterError.append(el('span', {}, message), shown);
    this.filterInput.setAttribute('aria-invalid', 'true');
  }

  private renderHead(): void {
    const t = (k: string): string => this.host.t(k);
    this.filterInput.placeholder = t('filter');
    this.filterInput.setAttribute('aria-label', t('filter'));
    this.thead.textContent = '';
    const hr = el('tr');
    for (const col of COLUMNS) {
      const th = el('th', { scope: 'col' });
      if (col.key) {
        const key = col.key;
        const active = this.query.sort === key;
        const b = el('button', { type: 'button', class: 'sort' }, t(col.label) + (active ? (this.query.dir > 0 ? ' ▲' : ' ▼') : ''));
        th.setAttribute('aria-sort', active ? (this.query.dir > 0 ? 'ascending' : 'descending') : 'none');
        b.addEventListener('click', () => this.setQuery({ ...this.query, sort: key, dir: active ? ((-this.query.dir) as 1 | -1) : 1 }));
        th.append(b);
      } else th.textContent = t(col.label);
      hr.append(th);
    }
    this.thead.append(hr);
  }

  /** Puts the rows in view in the page, and asks for those not here yet. */
  private draw(): void {
    const t = (k: string): string => this.host.t(k);
    const [from, to] = this.visibleRange();
    const end = Math.min(this.total, to);
    this.ensure([from, end]);
    // The rows are drawn anew: the keyboard's row gets the focus back afterwards. A row that
    // is not drawn (scrolled away, or its page not here yet) leaves the focus on the table,
    // not on the body, so the next key still moves from it.
    const keyboardHere = this.focusIndex !== null || (document.activeElement !== null && this.wrap.contains(document.activeElement));
    this.tbody.textContent = '';
    if (this.total === 0) {
      const tr = el('tr', { class: 'empty' });
      tr.append(el('td', { colspan: String(COLUMNS.length) }, this.all === 0 ? t('noConnections') : t('noMatch')));
      this.tbody.append(tr);
      return;
    }
    this.topSpacer.style.height = `${from * ROW_HEIGHT}px`;
    this.bottomSpacer.style.height = `${Math.max(0, this.total - end) * ROW_HEIGHT}px`;
    this.tbody.append(this.topSpacer);
    const selected = this.host.selected();
    for (let i = from; i < end; i++) {
      const c = this.rows.get(i);
      const tr = el('tr', { 'data-index': String(i), 'aria-rowindex': String(i + 2) });
      tr.style.height = `${ROW_HEIGHT}px`;
      if (!c) {
        tr.className = 'pending';
        tr.append(el('td', { colspan: String(COLUMNS.length) }, '…'));
      } else {
        tr.tabIndex = 0;
        tr.setAttribute('data-stream', String(c.stream));
        tr.setAttribute('aria-selected', String(c.stream === selected));
        for (const col of COLUMNS) {
          // The columns without a sort key are the analysis': a row listed before it shows a mark there.
          if (!c.analysed && col.key === null) tr.append(el('td', { class: 'not-analysed', title: t('notAnalysed') }, '…'));
          else tr.append(el('td', col.num ? { class: 'num' } : {}, col.cell(c, t)));
        }
      }
      this.tbody.append(tr);
    }
    this.tbody.append(this.bottomSpacer);
    this.table.setAttribute('aria-rowcount', String(this.total + 1));
    if (!keyboardHere) return;
    const want = this.focusIndex ?? this.cursor;
    const row = want === null ? null : (this.tbody.querySelector(`tr[data-index="${want}"][data-stream]`) as HTMLElement | null);
    if (row) {
      this.focusIndex = null;
      row.focus({ preventScroll: true });
    } else if (document.activeElement !== this.wrap) this.wrap.focus({ preventScroll: true });
  }

  /** Scrolls row `i` into view and focuses it once it is drawn. */
  focusRow(i: number): void {
    if (this.total === 0) return;
    const index = Math.max(0, Math.min(this.total - 1, i));
    const top = index * ROW_HEIGHT;
    const h = this.wrap.clientHeight;
    if (top < this.wrap.scrollTop) this.wrap.scrollTop = top;
    else if (top + ROW_HEIGHT > this.wrap.scrollTop + h) this.wrap.scrollTop = top + ROW_HEIGHT - h;
    this.focusIndex = index;
    this.cursor = index;
    this.draw();
  }

  private onKey(e: KeyboardEvent): void {
    const tr = (e.target as HTMLElement).closest('tr[data-index]');
    const i = tr ? Number(tr.getAttribute('data-index')) : e.target === this.wrap ? this.cursor : null;
    if (i === null) return;
    const page = Math.max(1, Math.floor(this.wrap.clientHeight / ROW_HEIGHT) - 1);
    const to: Record<string, number> = { ArrowDown: i + 1, ArrowUp: i - 1, PageDown: i + page, PageUp: i - page, Home: 0, End: this.total - 1 };
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      const stream = this.rows.get(i)?.stream;
      if (stream !== undefined) this.host.select(stream);
    } else if (e.key in to) {
      e.preventDefault();
      this.focusRow(to[e.key]!);
    }
  }

  /** Marks the selected row (the ladder shows it). */
  markSelected(stream: number | null): void {
    for (const tr of this.tbody.querySelectorAll('tr[data-stream]')) tr.setAttribute('aria-selected', String(tr.getAttribute('data-stream') === String(stream)));
  }
}
