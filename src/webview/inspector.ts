import type { AnatomyView, FollowPage, FromWebview } from '../shared/protocol';
import { AnatomyPanel } from './anatomy';
import { el } from './dom';
import { FollowMode, FollowPanel } from './follow';
import { GraphPanel, GraphSettings, DEFAULT_GRAPH_SETTINGS } from './graphs';
import type { GraphView } from '../shared/protocol';
import type { Lang } from '../core/explain/glossary';

/*
 * The inspector beside the ladder: three tabs about the connection on screen. "Segment" is the
 * selected row's facts and explanation, "Layers & bytes" its anatomy, "Follow TCP stream" the
 * connection's bytes. A tab asks the host for what it shows only when it is on screen.
 */

export type InspectorTab = 'segment' | 'anatomy' | 'follow' | 'graphs';

export interface InspectorHost {
  t(key: string): string;
  post(m: FromWebview): void;
  /** Select ladder row `n` of the connection on screen (from a Follow chunk). */
  selectRow(n: number): void;
  saved(): { tab: InspectorTab; followMode: FollowMode };
  save(s: { tab: InspectorTab; followMode: FollowMode }): void;
  lang(): Lang;
  /** The graphs' choices (graph, direction, averaging window, hidden sets), kept across connections. */
  graphSettings(): GraphSettings | undefined;
  saveGraphSettings(s: GraphSettings): void;
}

const TABS: InspectorTab[] = ['segment', 'anatomy', 'follow', 'graphs'];

export class Inspector {
  readonly element = el('aside', { class: 'inspector' });
  private readonly tabList = el('div', { class: 'tabs', role: 'tablist' });
  private readonly panels = new Map<InspectorTab, HTMLElement>();
  private readonly anatomy: AnatomyPanel;
  private readonly follow: FollowPanel;
  private readonly graphs: GraphPanel;
  private stream: number | null = null;
  /** The selected ladder row: its place in the connection and its frame. */
  private row: { n: number; frame: number } | null = null;

  constructor(
    private readonly host: InspectorHost,
    segmentPanel: HTMLElement,
  ) {
    const t = host.t;
    this.anatomy = new AnatomyPanel({ t });
    this.follow = new FollowPanel({
      t,
      request: (stream, first, count) => host.post({ type: 'follow', stream, first, count }),
      selectRow: (n) => host.selectRow(n),
      save: (stream, from) => host.post({ type: 'saveBytes', stream, from }),
      mode: () => host.saved().followMode,
      setMode: (followMode) => host.save({ ...host.saved(), followMode }),
    });
    this.graphs = new GraphPanel({
      lang: () => host.lang(),
      post: (m) => host.post(m),
      selectRow: (n) => host.selectRow(n),
      settings: () => ({ ...DEFAULT_GRAPH_SETTINGS, ...host.graphSettings() }),
      saveSettings: (s) => host.saveGraphSettings(s),
    });
    this.panels.set('segment', segmentPanel);
    this.panels.set('anatomy', this.anatomy.element);
    this.panels.set('follow', this.follow.element);
    this.panels.set('graphs', this.graphs.element);
    for (const tab of TABS) {
      const panel = this.panels.get(tab)!;
      panel.setAttribute('role', 'tabpanel');
      panel.id = `panel-${tab}`;
      panel.setAttribute('aria-labelledby', `tab-${tab}`);
    }
    this.tabList.addEventListener('keydown', (e) => {
      const i = TABS.indexOf(host.saved().tab);
      const next = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i + TABS.length - 1) % TABS.length : -1;
      if (next < 0) return;
      e.preventDefault();
      this.choose(TABS[next]!);
      (this.tabList.querySelector(`#tab-${TABS[next]}`) as HTMLElement | null)?.focus();
    });
    this.element.append(this.tabList, ...this.panels.values());
    this.renderTabs();
  }

  /** The connection on screen changed (or was chosen again). */
  showStream(stream: number | null): void {
    if (stream === this.stream) return;
    this.stream = stream;
    this.row = null;
    this.graphs.forget();
    this.anatomy.showLoading(this.host.t('pickSegment'));
    this.element.hidden = stream === null;
    this.refresh();
  }

  /** The connection on screen got new segments (a live capture, a followed file). */
  grew(): void {
    if (this.stream === null) return;
    const tab = this.host.saved().tab;
    if (tab === 'graphs') this.graphs.grew();
    if (tab === 'follow') this.follow.grew();
  }

  /** A ladder row was selected. */
  showRow(n: number, frame: number): void {
    this.row = { n, frame };
    this.follow.markFrame(frame);
    this.graphs.markFrame(frame);
    this.refresh();
  }

  choose(tab: InspectorTab): void {
    this.host.save({ ...this.host.saved(), tab });
    this.renderTabs();
    this.refresh();
  }

  onAnatomy(view: AnatomyView): void {
    if (view.stream === this.stream && this.row?.n === view.n) this.anatomy.show(view);
  }

  onFollow(page: FollowPage): void {
    this.follow.onPage(page);
  }

  onGraph(view: GraphView): void {
    this.graphs.onGraph(view);
    if (this.row) this.graphs.markFrame(this.row.frame);
  }

  onFailed(request: 'anatomy' | 'follow' | 'graph', stream: number, message: string): void {
    if (stream !== this.stream) return;
    if (request === 'graph') this.graphs.showError(stream, message);
    else if (request === 'anatomy') this.anatomy.showError(message);
    else this.follow.showError(stream, message);
  }

  relabel(): void {
    this.renderTabs();
    this.follow.relabel();
    this.graphs.relabel();
    // The anatomy's words come from the host in the user's language: ask again.
    const shown = this.anatomy.current;
    if (shown && this.host.saved().tab === 'anatomy') this.host.post({ type: 'anatomy', stream: shown.stream, n: shown.n });
  }

  private refresh(): void {
    if (this.stream === null) return;
    const tab = this.host.saved().tab;
    if (tab === 'follow') this.follow.open(this.stream);
    if (tab === 'graphs') this.graphs.open(this.stream);
    if (tab === 'anatomy') {
      const shown = this.anatomy.current;
      if (!this.row) this.anatomy.showLoading(this.host.t('pickSegment'));
      else if (!shown || shown.stream !== this.stream || shown.n !== this.row.n) {
        this.anatomy.showLoading(this.host.t('loading'));
        this.host.post({ type: 'anatomy', stream: this.stream, n: this.row.n });
      }
    }
  }

  private renderTabs(): void {
    const current = this.host.saved().tab;
    this.tabList.textContent = '';
    for (const tab of TABS) {
      const b = el('button', {
        type: 'button',
        role: 'tab',
        id: `tab-${tab}`,
        class: 'tab',
        'aria-selected': String(tab === current),
        'aria-controls': `panel-${tab}`,
        tabindex: tab === current ? '0' : '-1',
        'data-tab': tab,
      }, this.host.t(`tab.${tab}`));
      b.addEventListener('click', () => this.choose(tab));
      this.tabList.append(b);
      this.panels.get(tab)!.hidden = tab !== current;
    }
  }
}
