import { bytesAsText } from '../core/escape';
import type { FollowItem, FollowPage } from '../shared/protocol';
import { asciiOf, el, fromBase64, hex2 } from './dom';

/*
 * Follow TCP Stream: a connection's bytes, both directions in sequence order, each byte once
 * (as Wireshark's Follow TCP Stream shows them), as text, as a hex dump, or the two directions
 * side by side. Each chunk knows its frame: clicking it selects that ladder row, and selecting a
 * ladder row lights its chunks.
 */

export type FollowMode = 'text' | 'hex' | 'split';

export interface FollowHost {
  t(key: string): string;
  /** Items [first, first + count) of a connection's follow; the answer comes to `onPage`. */
  request(stream: number, first: number, count: number): void;
  /** A chunk was clicked: select ladder row `n`. */
  selectRow(n: number): void;
  save(stream: number, from: 'client' | 'server'): void;
  mode(): FollowMode;
  setMode(mode: FollowMode): void;
}

const PAGE = 500;
/** Items asked for at once when a grown connection is shown again (the host's limit is 5000). */
const MAX_RELOAD = 5000;

export class FollowPanel {
  readonly element = el('div', { class: 'follow' });
  private stream: number | null = null;
  private items: FollowItem[] = [];
  private page: FollowPage | null = null;
  private waiting = false;
  private readonly tools = el('div', { class: 'follow-tools', role: 'toolbar' });
  private readonly summary = el('p', { class: 'follow-summary' });
  private readonly body = el('div', { class: 'follow-body', tabindex: '0' });
  private readonly more = el('button', { type: 'button', class: 'tool follow-more' });
  private currentFrame: number | null = null;
  /** Asking again from the first item because the connection grew (the answer replaces what is shown). */
  private reloading = false;
  private reloadTimer: ReturnType<typeof setTimeout> | 0 = 0;
  private lastAsked = 0;

  constructor(private readonly host: FollowHost) {
    this.more.addEventListener('click', () => this.loadMore());
    this.body.addEventListener('click', (e) => {
      const chunk = (e.target as HTMLElement).closest<HTMLElement>('.chunk[data-n]');
      if (chunk) host.selectRow(Number(chunk.dataset.n));
    });
    this.body.addEventListener('keydown', (e) => {
      const chunk = (e.target as HTMLElement).closest<HTMLElement>('.chunk[data-n]');
      if (chunk && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        host.selectRow(Number(chunk.dataset.n));
      }
    });
    this.element.append(this.tools, this.summary, this.body, this.more);
  }

  /** Shows connection `stream`, asking for its first page unless it is already here. */
  open(stream: number): void {
    if (this.stream === stream && this.page) return;
    this.stream = stream;
    this.items = [];
    this.page = null;
    this.reloading = false;
    this.body.textContent = '';
    this.summary.textContent = this.host.t('loading');
    this.more.hidden = true;
    this.renderTools();
    this.waiting = true;
    this.host.request(stream, 0, PAGE);
  }

  /**
   * The connection got new segments (a live capture, a followed file): what is shown is asked
   * for again from the start, at most once a second. Bytes can land anywhere (a retransmission
   * fills a gap), so the answer replaces the items rather than adding to them; the scroll stays.
   */
  grew(): void {
    if (this.stream === null || !this.page || this.reloadTimer) return;
    const since = performance.now() - this.lastAsked;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = 0;
      if (this.stream === null || !this.page || this.waiting) return;
      this.waiting = true;
      this.reloading = true;
      this.lastAsked = performance.now();
      this.host.request(this.stream, 0, Math.max(PAGE, Math.min(this.items.length, MAX_RELOAD)));
    }, Math.max(0, 1000 - since));
  }

  showError(stream: number, text: string): void {
    if (stream !== this.stream) return;
    this.waiting = false;
    this.summary.textContent = '';
    this.body.textContent = '';
    this.body.append(el('p', { class: 'error', role: 'alert' }, text));
  }

  onPage(page: FollowPage): void {
    if (page.stream !== this.stream) return;
    this.waiting = false;
    if (this.reloading && page.first === 0) {
      this.reloading = false;
      const scroll = this.body.scrollTop;
      this.items = [];
      this.body.textContent = '';
      this.body.scrollTop = 0;
      this.onPage(page);
      this.body.scrollTop = scroll;
      return;
    }
    if (page.first !== this.items.length) return;
    this.page = page;
    this.items.push(...page.items);
    this.renderSummary();
    this.appendItems(page.items, page.first);
    this.more.hidden = this.items.length >= page.total;
    this.more.textContent = this.host.t('followMore').replace('{0}', String(page.total - this.items.length));
    if (this.currentFrame !== null) this.markFrame(this.currentFrame, false);
  }

  /** Lights the chunks a frame carried (the ladder's selection). */
  markFrame(frame: number | null, scroll = true): void {
    this.currentFrame = frame;
    for (const c of this.body.querySelectorAll('.chunk.current')) c.classList.remove('current');
    if (frame === null) return;
    const hits = this.body.querySelectorAll<HTMLElement>(`.chunk[data-frame="${frame}"]`);
    hits.forEach((c) => c.classList.add('current'));
    if (scroll && hits[0]) hits[0].scrollIntoView({ block: 'nearest' });
  }

  relabel(): void {
    if (this.stream === null) return;
    this.renderTools();
    this.renderSummary();
    this.body.textContent = '';
    this.appendItems(this.items, 0);
    this.markFrame(this.currentFrame, false);
  }

  private loadMore(): void {
    if (this.stream === null || this.waiting || !this.page) return;
    this.waiting = true;
    this.host.request(this.stream, this.items.length, PAGE);
  }

  private renderTools(): void {
    const t = this.host.t;
    this.tools.textContent = '';
    const modes: FollowMode[] = ['text', 'hex', 'split'];
    const group = el('div', { class: 'segmented', role: 'radiogroup', 'aria-label': t('followShowAs') });
    for (const m of modes) {
      const b = el('button', { type: 'button', class: 'tool', role: 'radio', 'aria-checked': String(this.host.mode() === m), 'data-mode': m }, t(`follow.${m}`));
      b.addEventListener('click', () => {
        this.host.setMode(m);
        this.relabel();
      });
      group.append(b);
    }
    this.tools.append(group);
    for (const from of ['client', 'server'] as const) {
      const b = el('button', { type: 'button', class: 'tool', 'data-save': from }, t(from === 'client' ? 'saveClientBytes' : 'saveServerBytes'));
      b.addEventListener('click', () => this.stream !== null && this.host.save(this.stream, from));
      this.tools.append(b);
    }
  }

  private renderSummary(): void {
    const p = this.page;
    if (!p) return;
    const t = this.host.t;
    this.summary.textContent = '';
    const side = (from: 'client' | 'server', endpoint: string): HTMLElement => {
      const s = el('span', { class: `who from-${from}` });
      s.append(`${t(from)} ${endpoint}: `, t('followBytes').replace('{0}', String(p.bytes[from])));
      if (p.missing[from]) s.append(` · ${t('followMissingTotal').replace('{0}', String(p.missing[from]))}`);
      return s;
    };
    this.summary.append(side('client', p.client), ' · ', side('server', p.server));
  }

  private appendItems(items: FollowItem[], first: number): void {
    const mode = this.host.mode();
    this.body.dataset.mode = mode;
    const frag = document.createDocumentFragment();
    // Hex offsets count each direction's bytes from its first, as Wireshark's hex view does.
    const offset = { client: 0, server: 0 };
    for (let i = 0; i < first; i++) {
      const it = this.items[i]!;
      offset[it.from] += it.kind === 'data' ? fromBase64(it.data).length : it.len;
    }
    for (const it of items) {
      const chunk = el('div', { class: `chunk from-${it.from}${it.kind === 'missing' ? ' missing' : ''}` });
      if (it.kind === 'missing') {
        chunk.textContent = this.host.t('followMissing').replace('{0}', String(it.len));
        offset[it.from] += it.len;
      } else {
        const bytes = fromBase64(it.data);
        chunk.setAttribute('data-frame', String(it.frame));
        chunk.setAttribute('data-n', String(it.n));
        chunk.setAttribute('tabindex', '-1');
        chunk.setAttribute('data-hover', this.host.t('followChunk').replace('{0}', String(it.frame)).replace('{1}', String(bytes.length)));
        if (mode === 'hex') chunk.append(hexDump(bytes, offset[it.from]));
        else chunk.append(textOf(bytes));
        offset[it.from] += bytes.length;
      }
      frag.append(chunk);
    }
    this.body.append(frag);
  }
}

function textOf(bytes: Uint8Array): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const run of bytesAsText(bytes)) frag.append(run.escaped ? el('span', { class: 'esc' }, run.text) : document.createTextNode(run.text));
  return frag;
}

function hexDump(bytes: Uint8Array, base: number): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (let line = 0; line < bytes.length; line += 16) {
    let hex = '';
    let ascii = '';
    for (let o = line; o < line + 16; o++) {
      if (o < bytes.length) {
        hex += hex2(bytes[o]!) + (o === line + 7 ? '  ' : ' ');
        ascii += asciiOf(bytes[o]!);
      } else hex += o === line + 7 ? '    ' : '   ';
    }
    frag.append(`${(base + line).toString(16).padStart(8, '0')}  ${hex} ${ascii}\n`);
  }
  return frag;
}
