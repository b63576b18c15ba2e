import { ConnectionExplanation, narrateConnection } from '../core/explain/connection';
import { Lang, NumberFacts, Term, explainAck, explainSeq } from '../core/explain/glossary';
import { describeStep } from '../core/explain/steps';
import type { Ladder, LadderRow } from '../core/tcp/ladder';
import type { CaptureOverview, FromWebview, LiveStatus, SortKey, Strings, TableQuery, ToWebview } from '../shared/protocol';
import { LiveBar } from './live';
import { ConnectionTable } from './table';
import { Timeline, TimelineState } from './timeline';
import { el } from './dom';
import { frameAppText } from '../core/app/attribution';
import type { FrameApp } from '../core/app/attribution';
import { controlsEscaped } from '../core/escape';
import { LadderLayout, pauseMark, spaceToggle, whenMark } from './ladder';
import { deltaText } from '../core/explain/export';
import { Inspector, InspectorTab } from './inspector';
import type { FollowMode } from './follow';
import type { GraphSettings } from './graphs';
import { Replay } from './replay';
import type { ReplaySpeed } from '../core/view/replay';

/*
 * The capture editor's page: overview, connection table, ladder diagram. DOM only; every
 * string that came from a capture is set as text, never as HTML.
 */

interface VsCodeApi {
  postMessage(m: FromWebview): void;
  getState(): SavedState | undefined;
  setState(s: SavedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface SavedState {
  selected: number | null;
  filter: string;
  sortKey: SortKey;
  sortDir: 1 | -1;
  ladderScroll: number;
  tableScroll?: number;
  /** The inspector's tab and how Follow shows bytes. */
  tab?: InspectorTab;
  followMode?: FollowMode;
  /** The ladder's rows spaced by the time between them (the toolbar's switch). */
  spaceByTime?: boolean;
  /** Table or timeline, and the timeline's scroll and zoom. */
  timeline?: TimelineState;
  /** The graphs' choices: graph, direction, averaging window, Stevens dots, hidden sets. */
  graphs?: GraphSettings;
  /** How a replay of the ladder paces its steps. */
  replaySpeed?: ReplaySpeed;
}

const ROW_HEIGHT = 72;
const PAGE = 200;
const layout = new LadderLayout(ROW_HEIGHT);

const vscode = acquireVsCodeApi();
const saved: SavedState = vscode.getState() ?? { selected: null, filter: '', sortKey: 'stream', sortDir: 1, ladderScroll: 0 };

let strings: Strings = {};
let lang: Lang = 'en';
let overview: CaptureOverview | null = null;
let numbers: 'relative' | 'absolute' = 'relative';
/** Ladder rows received, per stream: segment number -> row. */
interface LadderEntry {
  meta: Ladder;
  rows: Map<number, LadderRow>;
  requested: Set<number>;
  /** The gap before each segment (Ladder.pace), for spacing rows by time. */
  pace?: string;
  /** What segments carried (HTTP, TLS, bytes), by frame. */
  carried?: Map<number, FrameApp>;
}
const ladders = new Map<number, LadderEntry>();
/** Each connection's explanation (it comes with the first page of its ladder). */
const explanations = new Map<number, ConnectionExplanation>();

const app = document.getElementById('app')!;
const t = (key: string): string => strings[key] ?? key;
/** A capture that grows (live, or a file followed): its state, shown under the facts. */
let live: LiveStatus | null = null;
const liveBar = new LiveBar(t, (m) => vscode.postMessage(m));
/** The ladder was scrolled to its end when its connection grew: it stays at the end. */
let stickToEnd = false;

function save(): void {
  vscode.setState(saved);
}

// ---------------------------------------------------------------- layout

const header = el('header', { class: 'overview' });
const connTable = new ConnectionTable(
  {
    t,
    lang: () => lang,
    requestRows: (seq, first, count, query) => vscode.postMessage({ type: 'rows', seq, first, count, query }),
    select: (stream) => selectStream(stream, false),
    selected: () => saved.selected,
    saveQuery: (q: TableQuery, scrollTop: number) => {
      saved.filter = q.filter;
      saved.sortKey = q.sort;
      saved.sortDir = q.dir;
      saved.tableScroll = scrollTop;
      save();
    },
  },
  { sort: saved.sortKey, dir: saved.sortDir, filter: saved.filter },
  saved.tableScroll ?? 0,
);
const tableSection = connTable.element;
// The table's other view, in its section, under the same filter.
const timeline = new Timeline({
  t,
  post: (m) => vscode.postMessage(m),
  select: (stream) => selectStream(stream, false),
  selected: () => saved.selected,
  saved: () => saved.timeline,
  save: (s) => {
    saved.timeline = s;
    save();
  },
});
timeline.mount(tableSection);
const ladderSection = el('section', { class: 'ladder', 'aria-label': 'ladder' });
const ladderTitle = el('div', { class: 'ladder-title' });
const ladderTools = el('div', { class: 'ladder-tools', role: 'toolbar' });
const story = el('div', { class: 'story' });
const lanes = el('div', { class: 'lanes' });
const scroller = el('div', { class: 'ladder-scroll', tabindex: '0' });
const canvas = el('div', { class: 'ladder-canvas' });
const details = el('aside', { class: 'details', 'aria-live': 'polite' });
const tooltip = el('div', { class: 'tooltip', role: 'tooltip', hidden: '' });
scroller.append(canvas);
const inspector = new Inspector(
  {
    t,
    post: (m) => vscode.postMessage(m),
    selectRow: (n) => selectRow(n),
    saved: () => ({ tab: saved.tab ?? 'segment', followMode: saved.followMode ?? 'text' }),
    save: (s) => {
      saved.tab = s.tab;
      saved.followMode = s.followMode;
      save();
    },
    lang: () => lang,
    graphSettings: () => saved.graphs,
    saveGraphSettings: (g) => {
      saved.graphs = g;
      save();
    },
  },
  details,
);
const ladderMain = el('div', { class: 'ladder-main' });
ladderMain.append(lanes, scroller);
const replay = new Replay(
  {
    t,
    lang: () => lang,
    ladder: () => {
      const entry = saved.selected === null ? undefined : ladders.get(saved.selected);
      return entry?.meta ? { stream: saved.selected!, meta: entry.meta, rows: entry.rows, pace: entry.pace } : null;
    },
    ensurePages,
    select: (n) => selectRow(n),
    unselect: () => {
      selectedRow = null;
      details.textContent = '';
    },
    render: () => renderLadder(),
    speed: () => saved.replaySpeed ?? 'paced',
    saveSpeed: (speed) => {
      saved.replaySpeed = speed;
      save();
    },
  },
  ladderSection,
  [ladderTools, ladderMain],
  scroller,
);
lanes.before(replay.bar);
const ladderBody = el('div', { class: 'ladder-body' });
ladderBody.append(ladderMain, inspector.element);
ladderSection.append(el('div', { class: 'ladder-head' }), story, ladderBody);
ladderSection.firstElementChild!.append(ladderTitle, ladderTools);
app.append(header, tableSection, ladderSection, tooltip);
app.textContent = '';
// The host wrote the first words into the page in the user's language (strings come with init).
app.append(el('p', { class: 'loading' }, app.dataset.loading ?? ''));

// ---------------------------------------------------------------- messages

window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
  const m = e.data;
  switch (m.type) {
    case 'init':
      strings = m.strings;
      lang = m.lang;
      overview = m.overview;
      numbers = m.numbers;
      app.textContent = '';
      app.append(header, tableSection, ladderSection, tooltip);
      renderOverview();
      // The inspector was drawn before the words came.
      inspector.relabel();
      connTable.start();
      if (saved.selected !== null && saved.selected < m.overview.connections) selectStream(saved.selected, false);
      // A capture with one connection is about that connection: show its ladder straight away.
      else if (saved.selected === null && !m.overview.indexing && m.overview.connections === 1) selectStream(0, false);
      else renderLadder();
      break;
    case 'progress': {
      const p = app.querySelector('.loading');
      if (p) p.textContent = `${t('loading')} ${Math.round(m.fraction * 100)}%`;
      if (overview) {
        overview = m.overview ?? { ...overview, connections: m.connections, indexing: m.fraction < 1, ...(m.listed ? { listed: true } : {}) };
        renderOverview(m.fraction);
        // Rows on screen may have grown, and new ones may have come into view.
        connTable.refresh();
        if (m.grew) grown(m.grew);
      }
      break;
    }
    case 'live':
      live = m.live;
      liveBar.render(live);
      break;
    case 'indexed':
      overview = m.overview;
      renderOverview();
      connTable.refresh();
      // A capture with one connection is about that connection: show its ladder straight away.
      if (saved.selected === null && m.overview.connections === 1) selectStream(0, false);
      break;
    case 'rows':
      connTable.onRows(m.seq, m.page);
      if (overview && !m.page.indexing && overview.indexing) {
        overview = m.page.overview;
        renderOverview();
      }
      break;
    case 'error':
      app.append(el('p', { class: 'error', role: 'alert' }, m.message));
      break;
    case 'ladder': {
      if (m.explanation) explanations.set(m.ladder.stream, m.explanation);
      const entry: LadderEntry = ladders.get(m.ladder.stream) ?? { meta: m.ladder, rows: new Map(), requested: new Set() };
      entry.meta = m.ladder;
      // The gaps before every segment come with the first page only.
      if (m.ladder.pace !== undefined) entry.pace = m.ladder.pace;
      for (const r of m.ladder.rows) entry.rows.set(r.n, r);
      if (m.carried) {
        entry.carried ??= new Map();
        for (const c of m.carried) entry.carried.set(c.frame, c);
      }
      ladders.set(m.ladder.stream, entry);
      if (m.ladder.stream === saved.selected) {
        renderLadder();
        if (stickToEnd && m.ladder.first === 0) {
          stickToEnd = false;
          scroller.scrollTop = scroller.scrollHeight;
        }
        const waiting = pendingRow === null ? undefined : entry.rows.get(pendingRow);
        if (waiting) {
          pendingRow = null;
          rowChosen(waiting);
        }
        replay.rowsCame();
      }
      break;
    }
    case 'select':
      selectStream(m.stream, true);
      break;
    case 'anatomy':
      inspector.onAnatomy(m.anatomy);
      break;
    case 'follow':
      inspector.onFollow(m.page);
      break;
    case 'graph':
      inspector.onGraph(m.view);
      break;
    case 'failed':
      inspector.onFailed(m.request, m.stream, m.message);
      break;
    case 'numbers':
      numbers = m.numbers;
      ladders.clear();
      renderLadder();
      break;
    case 'copy': {
      // A clipboard that asks for permission may never answer: after a moment the host writes instead.
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer')), 1500));
      Promise.race([navigator.clipboard.writeText(m.text), timeout]).then(
        () => vscode.postMessage({ type: 'copied', stream: m.stream, ok: true, text: '' }),
        () => vscode.postMessage({ type: 'copied', stream: m.stream, ok: false, text: m.text }),
      );
      break;
    }
    case 'language':
      lang = m.lang;
      strings = m.strings;
      document.documentElement.lang = lang === 'zh-cn' ? 'zh-CN' : 'en';
      renderOverview();
      connTable.relabel();
      renderLadder();
      inspector.relabel();
      break;
  }
  timeline.onMessage(m);
});

vscode.postMessage({ type: 'ready' });

// ---------------------------------------------------------------- overview and table

function renderOverview(fraction?: number): void {
  if (!overview) return;
  header.textContent = '';
  const o = overview;
  const reading = o.indexing ? ` · ${t(o.listed ? 'analysing' : 'indexing').replace('{0}', String(Math.round((fraction ?? 0) * 100)))}` : '';
  const facts = el('p', { class: 'facts' });
  facts.append(
    `${o.format} · ${o.linkTypes.join(', ') || '—'} · ${t('packetCount').replace('{0}', String(o.packets)).replace('{1}', String(o.tcpPackets))} · ${o.span.toFixed(6)} s · `,
    el('span', { class: 'conn-count' }, String(o.connections)),
    ` ${t('connections')}${reading}`,
  );
  header.append(el('h1', {}, o.fileName), facts, liveBar.element);
  for (const n of o.notes) header.append(el('p', { class: 'note' }, n));
}

/**
 * New segments landed (a live capture, a followed file): the open ladder asks again for its
 * first page (the explanation comes with it) and the pages on screen, which now hold more rows.
 * A capture that grows shows its first connection as soon as there is one.
 */
function grown(grew: number[] | 'all'): void {
  const stream = saved.selected;
  if (stream === null) {
    if (overview && overview.connections > 0 && (live?.following || live?.capture?.running)) selectStream(0, false);
    return;
  }
  if (grew !== 'all' && !grew.includes(stream)) return;
  const entry = ladders.get(stream);
  if (!entry?.meta) return;
  stickToEnd = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 4;
  entry.requested.clear();
  ensurePages(stream, 0, 1);
  renderLadder();
  inspector.grew();
}

function selectStream(stream: number, scrollIntoView: boolean): void {
  if (saved.selected !== stream) {
    saved.ladderScroll = 0;
    replay.stop();
  }
  saved.selected = stream;
  save();
  vscode.postMessage({ type: 'selected', stream });
  connTable.markSelected(stream);
  if (scrollIntoView) tableSection.querySelector(`tr[data-stream="${stream}"]`)?.scrollIntoView({ block: 'nearest' });
  details.textContent = '';
  selectedRow = null;
  inspector.showStream(stream);
  renderLadder();
  scroller.scrollTop = saved.ladderScroll;
}

/** The ladder row selected in the connection on screen (its place in the connection). */
let selectedRow: number | null = null;

function selectRow(n: number): void {
  const stream = saved.selected;
  if (stream === null) return;
  selectedRow = n;
  // Bring the row on screen; its page may still have to come.
  const top = layout.top(n);
  if (top < scroller.scrollTop || top + ROW_HEIGHT > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 3);
  renderLadder();
  const r = ladders.get(stream)?.rows.get(n);
  pendingRow = r ? null : n;
  if (r) rowChosen(r);
}

/** A row asked for (by a Follow chunk) before its page of the ladder came. */
let pendingRow: number | null = null;

function rowChosen(r: LadderRow): void {
  selectedRow = r.n;
  for (const e of canvas.querySelectorAll('.seg.selected')) e.classList.remove('selected');
  canvas.querySelector(`.seg[data-n="${r.n}"]`)?.classList.add('selected');
  showDetails(r);
  inspector.showRow(r.n, r.frame);
}

// ---------------------------------------------------------------- ladder

function ensurePages(stream: number, from: number, to: number): void {
  const entry = ladders.get(stream);
  for (let p = Math.floor(from / PAGE); p <= Math.floor(Math.max(from, to - 1) / PAGE); p++) {
    if (entry?.requested.has(p)) continue;
    if (entry) entry.requested.add(p);
    else ladders.set(stream, { meta: null as unknown as Ladder, rows: new Map(), requested: new Set([p]) });
    vscode.postMessage({ type: 'ladder', stream, first: p * PAGE, count: PAGE });
  }
}

function renderLadder(): void {
  const stream = saved.selected;
  canvas.textContent = '';
  lanes.textContent = '';
  ladderTools.textContent = '';
  story.textContent = '';
  if (stream === null) {
    ladderTitle.textContent = t('pick');
    canvas.style.height = '0px';
    return;
  }
  const entry = ladders.get(stream);
  if (!entry?.meta) {
    ladderTitle.textContent = t('loading');
    ensurePages(stream, 0, PAGE);
    return;
  }
  const meta = entry.meta;
  ladderTitle.textContent = `${t('stream')} ${stream}: ${meta.client.address}:${meta.client.port} → ${meta.server.address}:${meta.server.port} · ${meta.total} ${t('segments')} · ${t(numbers)}`;
  renderStory(stream);
  renderTools(stream);
  // Replaying, the lane heads show each side's state after the current step.
  const sides = replay.sides(meta.initial);
  lanes.append(laneHead(t('client'), `${meta.client.address}:${meta.client.port}`, sides.client), laneHead(t('server'), `${meta.server.address}:${meta.server.port}`, sides.server));
  replay.update();
  layout.reset(meta.total, entry.pace, saved.spaceByTime === true);
  canvas.style.height = `${layout.height()}px`;
  const top = scroller.scrollTop;
  const first = Math.max(0, layout.rowAt(top) - 5);
  const last = Math.min(meta.total, layout.rowAt(top + scroller.clientHeight) + 6);
  ensurePages(stream, first, last);
  let prevPhase: string | null = first > 0 ? (entry.rows.get(first - 1)?.phase ?? null) : null;
  for (let n = first; n < last; n++) {
    const r = entry.rows.get(n);
    if (!r || replay.hides(n)) continue;
    const gap = layout.gapAbove(n);
    if (gap.pause) canvas.append(pauseMark(r, layout.top(n) - gap.px, gap.px, lang, t));
    canvas.append(ladderRow(r, prevPhase !== r.phase));
    prevPhase = r.phase;
  }
}

/** The connection in words, above its ladder: how it opened and closed, then the details. */
function renderStory(stream: number): void {
  const x = explanations.get(stream);
  if (!x) return;
  const n = narrateConnection(x, lang);
  story.append(el('p', { class: 'summary' }, n.summary.join(lang === 'zh-cn' ? '' : ' ')));
  const more = el('details');
  more.append(el('summary', {}, t('more')));
  const ul = el('ul');
  for (const d of n.details) ul.append(el('li', {}, d));
  more.append(ul);
  story.append(more);
}

function renderTools(stream: number): void {
  const button = (label: string, format: 'markdown' | 'mermaid' | 'svg'): HTMLButtonElement => {
    const b = el('button', { type: 'button', class: 'tool', 'data-export': format }, t(label));
    b.addEventListener('click', () => vscode.postMessage({ type: 'export', stream, format }));
    return b;
  };
  const spacing = spaceToggle(saved.spaceByTime === true, t, () => {
    // Keep the row at the top of the view where it is.
    const anchor = layout.rowAt(scroller.scrollTop);
    saved.spaceByTime = !saved.spaceByTime;
    save();
    renderLadder();
    scroller.scrollTop = layout.top(anchor);
    ladderTools.querySelector<HTMLButtonElement>('.toggle')?.focus();
  });
  ladderTools.append(replay.button(), spacing, button('copyMarkdown', 'markdown'), button('exportMermaid', 'mermaid'), button('exportSvg', 'svg'));
}

function laneHead(role: string, endpoint: string, state: { state: string; inferred: boolean }): HTMLElement {
  const d = el('div', { class: 'lane-head' });
  d.append(el('strong', {}, role), el('span', { class: 'endpoint' }, endpoint), stateBadge(state));
  return d;
}

function stateBadge(s: { state: string; inferred: boolean }): HTMLElement {
  const b = el('span', { class: `state${s.inferred ? ' inferred' : ''}`, 'data-state': s.state }, s.inferred ? `${s.state}?` : s.state);
  const meaning = t(`term.${s.state}`);
  b.setAttribute('data-hover', s.inferred ? `${meaning}\n${t('inferred')}` : meaning);
  return b;
}

let scrollTimer = 0;
scroller.addEventListener('scroll', () => {
  saved.ladderScroll = scroller.scrollTop;
  if (!scrollTimer) {
    scrollTimer = requestAnimationFrame(() => {
      scrollTimer = 0;
      renderLadder();
      save();
    });
  }
});

function ladderRow(r: LadderRow, phaseStarts: boolean): HTMLElement {
  const row = el('div', { class: `seg ${r.phase} ${r.toServer ? 'to-server' : 'to-client'}`, 'data-frame': String(r.frame), tabindex: '-1' });
  row.style.top = `${layout.top(r.n)}px`;
  if (phaseStarts) row.append(el('span', { class: 'phase-label' }, t(r.phase)));
  row.append(stateBadge(r.client));
  const arrow = el('div', { class: 'arrow' });
  const label = el('div', { class: 'label' });
  label.append(...labelTokens(r));
  for (const a of r.analysis) label.append(' ', el('span', { class: 'analysis', 'data-term': a }, `[${a.replace(/_/g, ' ')}]`));
  const words = describeStep(r, lang, ladders.get(saved.selected ?? -1)?.meta.server.port);
  const note = el('div', { class: 'note', 'data-hover': words.full }, words.short);
  arrow.append(label);
  // What the segment carried, on its arrow: text from the capture, set as text.
  const carried = ladders.get(saved.selected ?? -1)?.carried?.get(r.frame);
  if (carried) {
    const what = frameAppText(carried, lang, 'summary');
    if (what) arrow.append(el('div', { class: `carried${carried.starts.length ? '' : ' continues'}`, 'data-hover': controlsEscaped(what) }, controlsEscaped(what)));
  }
  arrow.append(el('div', { class: 'line' }), note);
  row.append(arrow, stateBadge(r.server), whenMark(r, lang, t));
  row.setAttribute('data-n', String(r.n));
  if (r.n === selectedRow) row.classList.add('selected');
  row.addEventListener('click', () => rowChosen(r));
  return row;
}

function labelTokens(r: LadderRow): Node[] {
  const out: Node[] = [document.createTextNode('[')];
  r.flags.forEach((f, i) => {
    if (i) out.push(document.createTextNode(', '));
    out.push(el('span', { class: 'flag', 'data-term': f }, f));
  });
  out.push(document.createTextNode('] '));
  out.push(el('span', { class: 'num', 'data-num': 'seq' }, `Seq=${r.seq}`));
  if (r.ack !== null) out.push(document.createTextNode(' '), el('span', { class: 'num', 'data-num': 'ack' }, `Ack=${r.ack}`));
  out.push(document.createTextNode(' '), el('span', { class: 'num', 'data-term': 'Win' }, `Win=${r.win}`));
  out.push(document.createTextNode(' '), el('span', { class: 'num', 'data-term': 'Len' }, `Len=${r.len}`));
  const rest = r.label.split(` Len=${r.len}`)[1];
  if (rest) out.push(el('span', { class: 'opts' }, rest));
  return out;
}

function showDetails(r: LadderRow): void {
  details.textContent = '';
  const dl = el('dl');
  const add = (k: string, v: string): void => {
    dl.append(el('dt', {}, k), el('dd', {}, v));
  };
  add(t('frame'), String(r.frame));
  add(t('time'), `${r.time.toFixed(6)} s`);
  if (r.n > 0) add(t('delta'), deltaText(r, lang));
  add('', r.toServer ? `${t('client')} → ${t('server')}` : `${t('server')} → ${t('client')}`);
  add('Flags', r.flags.join(', '));
  add('Seq', `${r.seq} (raw ${r.seqRaw})`);
  if (r.ack !== null) add('Ack', `${r.ack} (raw ${r.ackRaw})`);
  add('Len', String(r.len));
  add('Win', String(r.win));
  if (r.analysis.length) add('Analysis', r.analysis.join(', '));
  const carried = ladders.get(saved.selected ?? -1)?.carried?.get(r.frame);
  if (carried) add(t('segmentCarried'), controlsEscaped(frameAppText(carried, lang, 'summary')));
  add(t('stateAfter'), `${t('client')} ${r.client.state} · ${t('server')} ${r.server.state}`);
  details.append(el('h2', {}, `${t('segment')} ${r.n + 1}`), el('p', { class: 'explanation' }, describeStep(r, lang, ladders.get(saved.selected ?? -1)?.meta.server.port).full), dl);
}

// ---------------------------------------------------------------- hovers

function numberFacts(r: LadderRow): NumberFacts {
  const entry = ladders.get(saved.selected ?? -1);
  const synFrom = (toServer: boolean): boolean =>
    [...(entry?.rows.values() ?? [])].some((x) => x.toServer === toServer && x.flags.includes('SYN'));
  const relative = numbers === 'relative';
  return {
    flags: r.flags,
    seq: r.seq,
    seqRaw: r.seqRaw,
    ack: r.ack,
    ackRaw: r.ackRaw,
    len: r.len,
    relative,
    ownIsn: relative && synFrom(r.toServer) ? (r.seqRaw - r.seq) >>> 0 : null,
    peerIsn: relative && r.ack !== null && r.ackRaw !== null && synFrom(!r.toServer) ? (r.ackRaw - r.ack) >>> 0 : null,
  };
}

function hoverText(target: HTMLElement): string | null {
  const explicit = target.getAttribute('data-hover');
  if (explicit) return explicit;
  const term = target.getAttribute('data-term');
  if (term) return t(`term.${term as Term}`);
  const num = target.getAttribute('data-num');
  if (num) {
    const frame = Number(target.closest('.seg')?.getAttribute('data-frame'));
    const row = [...(ladders.get(saved.selected ?? -1)?.rows.values() ?? [])].find((x) => x.frame === frame);
    if (!row) return null;
    return num === 'seq' ? explainSeq(numberFacts(row), lang) : explainAck(numberFacts(row), lang);
  }
  return null;
}

function showTooltip(target: HTMLElement): void {
  const text = hoverText(target);
  if (!text) return;
  tooltip.textContent = text;
  tooltip.hidden = false;
  const r = target.getBoundingClientRect();
  tooltip.style.left = `${Math.min(r.left, window.innerWidth - 360)}px`;
  tooltip.style.top = `${r.bottom + 6}px`;
}

document.addEventListener('mouseover', (e) => {
  const target = (e.target as HTMLElement).closest<HTMLElement>('[data-term],[data-num],[data-hover]');
  if (target) showTooltip(target);
  else tooltip.hidden = true;
});
document.addEventListener('focusin', (e) => {
  const target = (e.target as HTMLElement).closest<HTMLElement>('[data-term],[data-num],[data-hover]');
  if (target) showTooltip(target);
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') tooltip.hidden = true;
});
