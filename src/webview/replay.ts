import type { Lang } from '../core/explain/glossary';
import { describeStep } from '../core/explain/steps';
import type { Ladder, LadderRow } from '../core/tcp/ladder';
import {
  REPLAY_SPEEDS,
  ReplayMove,
  ReplaySpeed,
  ReplayState,
  Sides,
  replayCurrent,
  replayDelay,
  replayHides,
  replayMove,
  replayResize,
  replaySides,
  replayStart,
  replayTick,
  replayToggle,
} from '../core/view/replay';
import { el } from './dom';

/*
 * Replay: the ladder played one segment at a time, so a learner watches the handshake and the
 * close happen. The steps, the timing and the states are src/core/view/replay.ts; this is the
 * bar (step k of N, play, previous, next, speed, exit), the keys and the timer. The page
 * (main.ts) asks which rows to hide and which states the lane heads show.
 */

/** What the replay needs from the page it plays on. */
export interface ReplayHost {
  t(key: string): string;
  lang(): Lang;
  /** The connection on screen, or null while its first page is on its way. */
  ladder(): { stream: number; meta: Ladder; rows: ReadonlyMap<number, LadderRow>; pace?: string } | null;
  /** Ask for the pages that hold segments [from, to) (the page keeps track of what it asked). */
  ensurePages(stream: number, from: number, to: number): void;
  /** Select segment n as a click on its row does, and bring it on screen. */
  select(n: number): void;
  /** No segment selected: the replay stands before the first. */
  unselect(): void;
  /** Draw the ladder again. */
  render(): void;
  speed(): ReplaySpeed;
  saveSpeed(speed: ReplaySpeed): void;
}

/** How far ahead of the current step rows are asked for, so playing rarely waits. */
const LOOKAHEAD = 50;

type Keyed = ReplayMove | 'toggle' | 'exit';
const KEYS: Record<string, Keyed> = {
  ' ': 'toggle',
  ArrowRight: 'next',
  ArrowDown: 'next',
  ArrowLeft: 'previous',
  ArrowUp: 'previous',
  Home: 'first',
  End: 'last',
  Escape: 'exit',
};

export class Replay {
  /** Where the replay stands (what is on screen); null when not replaying. */
  private state: ReplayState | null = null;
  private stream = -1;
  /** A position asked for whose segment has not come yet: it is taken when its row lands. */
  private pending: ReplayState | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** What the note says now: the page draws often (each scroll), and a live region re-read at every draw would chatter. */
  private noteKey = '';

  readonly bar = el('div', { class: 'replay-bar', role: 'group', hidden: '' });
  private readonly counter = el('span', { class: 'replay-step' });
  private readonly playButton = el('button', { type: 'button', class: 'tool replay-play', 'data-replay': 'toggle' });
  private readonly previousButton = el('button', { type: 'button', class: 'tool', 'data-replay': 'previous' });
  private readonly nextButton = el('button', { type: 'button', class: 'tool', 'data-replay': 'next' });
  private readonly speedLabel = el('label', { class: 'replay-speed' });
  private readonly speedText = el('span');
  private readonly speedSelect = el('select', { 'data-replay': 'speed' });
  private readonly exitButton = el('button', { type: 'button', class: 'tool', 'data-replay': 'exit' });
  private readonly keysHint = el('span', { class: 'replay-keys' });
  /** The current step's note, read out as it changes. */
  private readonly note = el('p', { class: 'replay-note', 'aria-live': 'polite' });
  /** What the step changed: each side's state before → after. */
  private readonly change = el('p', { class: 'replay-change' });

  constructor(
    private readonly host: ReplayHost,
    /** The ladder's section (marked while replaying), and what counts as "the ladder has focus". */
    private readonly section: HTMLElement,
    private readonly ladderArea: HTMLElement[],
    /** The scrolling ladder: focused when replay starts, so the keys work at once. */
    private readonly scroller: HTMLElement,
  ) {
    const controls = el('div', { class: 'replay-controls' });
    this.speedLabel.append(this.speedText, this.speedSelect);
    controls.append(this.counter, this.previousButton, this.playButton, this.nextButton, this.speedLabel, this.exitButton, this.keysHint);
    this.bar.append(controls, this.note, this.change);
    this.previousButton.addEventListener('click', () => this.act('previous'));
    this.nextButton.addEventListener('click', () => this.act('next'));
    this.playButton.addEventListener('click', () => this.act('toggle'));
    this.exitButton.addEventListener('click', () => this.act('exit'));
    this.speedSelect.addEventListener('change', () => {
      const speed = this.speedSelect.value as ReplaySpeed;
      if (!REPLAY_SPEEDS.includes(speed)) return;
      this.host.saveSpeed(speed);
      // The wait under way was measured at the old speed.
      this.schedule();
    });
    document.addEventListener('keydown', (e) => this.onKey(e));
  }

  get active(): boolean {
    return this.state !== null;
  }

  /** The toolbar's Replay switch. */
  button(): HTMLButtonElement {
    const b = el('button', { type: 'button', class: 'tool replay-toggle', 'data-replay': 'start', 'aria-pressed': String(this.active), 'data-hover': this.host.t('replayHint') }, this.host.t('replay'));
    b.addEventListener('click', () => (this.active ? this.exit() : this.start(false)));
    return b;
  }

  /** Replay the connection on screen from before its first segment. */
  start(play: boolean): void {
    const ladder = this.host.ladder();
    if (!ladder) return;
    this.stream = ladder.stream;
    this.pending = null;
    this.bar.hidden = false;
    this.section.classList.add('replaying');
    const first = replayStart(ladder.meta.total);
    this.go(play ? replayToggle(first) : first);
    this.playButton.focus();
  }

  /** Leave replay without drawing (the page is about to draw another connection). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.state = null;
    this.pending = null;
    this.noteKey = '';
    this.bar.hidden = true;
    this.section.classList.remove('replaying');
  }

  /** Leave replay: every row back, the selected one kept. */
  exit(): void {
    if (!this.active) return;
    this.stop();
    this.host.render();
    this.section.querySelector<HTMLButtonElement>('[data-replay="start"]')?.focus();
  }

  /** Whether the ladder leaves segment n out (it is still to come). */
  hides(n: number): boolean {
    return this.state !== null && replayHides(this.state, n);
  }

  /** The states the lane heads show: after the current step while replaying, else the initial ones. */
  sides(initial: Sides): Sides {
    const ladder = this.host.ladder();
    if (!this.state || !ladder) return initial;
    return replaySides(this.state.shown, initial, ladder.rows) ?? initial;
  }

  /** Rows of the connection on screen landed: a step waiting for one goes on; a grown connection is counted. */
  rowsCame(): void {
    const ladder = this.host.ladder();
    if (!this.state || !ladder || ladder.stream !== this.stream) return;
    if (ladder.meta.total !== this.state.total) this.state = replayResize(this.state, ladder.meta.total);
    if (this.pending) this.go(replayResize(this.pending, ladder.meta.total));
    else this.update();
  }

  /** The bar's words and state, again (after a move, or in another language). */
  update(): void {
    const s = this.state;
    if (!s) return;
    const t = (k: string): string => this.host.t(k);
    this.bar.setAttribute('aria-label', t('replay'));
    this.counter.textContent = t('replayStep').replace('{0}', String(s.shown)).replace('{1}', String(s.total));
    this.previousButton.textContent = t('replayPrevious');
    this.nextButton.textContent = t('replayNext');
    this.exitButton.textContent = t('replayExit');
    this.playButton.textContent = s.playing ? t('replayPause') : t('replayPlay');
    this.playButton.setAttribute('aria-pressed', String(s.playing));
    this.previousButton.disabled = s.shown === 0;
    this.nextButton.disabled = s.shown >= s.total;
    this.speedText.textContent = t('replaySpeed');
    const speed = this.host.speed();
    if (this.speedSelect.options.length !== REPLAY_SPEEDS.length) {
      for (const v of REPLAY_SPEEDS) this.speedSelect.append(el('option', { value: v }));
    }
    for (const o of this.speedSelect.options) o.textContent = t(`replaySpeed.${o.value}`);
    this.speedSelect.value = speed;
    this.keysHint.textContent = t('replayKeys');
    this.renderNote();
  }

  private renderNote(): void {
    const s = this.state;
    const ladder = this.host.ladder();
    if (!s || !ladder) return;
    const t = (k: string): string => this.host.t(k);
    const lang = this.host.lang();
    const current = replayCurrent(s);
    const key = `${this.stream}|${s.shown}|${s.total}|${this.pending?.shown ?? ''}|${lang}|${current !== null && ladder.rows.has(current)}`;
    if (key === this.noteKey) return;
    this.noteKey = key;
    const waiting = this.pending ? t('replayWaiting').replace('{0}', String(this.pending.shown)) : '';
    const row = current === null ? undefined : ladder.rows.get(current);
    this.note.textContent = '';
    this.change.textContent = '';
    const text = row ? describeStep(row, lang, ladder.meta.server.port).short : current === null ? t('replayBefore') : '';
    this.note.append(el('span', { class: 'replay-what' }, text));
    if (waiting) this.note.append(' ', el('span', { class: 'replay-waiting' }, waiting));
    // Each side: its state before this step → after it; a side this step left alone shows its state once.
    const before = replaySides(s.shown - 1, ladder.meta.initial, ladder.rows);
    const after = replaySides(s.shown, ladder.meta.initial, ladder.rows);
    if (!after) return;
    const side = (who: 'client' | 'server'): HTMLElement => {
      const span = el('span', { class: 'replay-side' });
      const was = s.shown > 0 && before ? before[who] : null;
      const now = after[who];
      const name = (x: { state: string; inferred: boolean }): string => (x.inferred ? `${x.state}?` : x.state);
      span.append(el('strong', {}, `${t(who)} `));
      if (was && was.state !== now.state) span.append(el('span', { class: 'was' }, name(was)), ' → ');
      span.append(el('span', { class: `now${was && was.state !== now.state ? ' changed' : ''}` }, name(now)));
      return span;
    };
    this.change.append(side('client'), side('server'));
  }

  private act(what: Keyed): void {
    const s = this.state;
    if (!s) return;
    if (what === 'exit') this.exit();
    else if (what === 'toggle') this.go(replayToggle(this.pending ?? s));
    else this.go(replayMove(this.pending ?? s, what));
  }

  /**
   * Stand at `next`: at once when its segment's row is here, else once it comes (asked for
   * now). The selection follows the current step as a click on its row would.
   */
  private go(next: ReplayState): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const ladder = this.host.ladder();
    if (!ladder) return;
    const current = replayCurrent(next);
    this.host.ensurePages(ladder.stream, Math.max(0, next.shown - 1), Math.min(next.total, next.shown + LOOKAHEAD));
    if (current !== null && !ladder.rows.has(current)) {
      this.pending = next;
      this.update();
      return;
    }
    this.pending = null;
    this.state = next;
    if (current === null) {
      this.host.unselect();
      this.scroller.scrollTop = 0;
      this.host.render();
    } else {
      this.host.select(current);
      // The ladder scrolls inside the page: the page may have to move too for the row to show.
      this.scroller.querySelector(`.seg[data-n="${current}"]`)?.scrollIntoView({ block: 'nearest' });
    }
    this.update();
    this.schedule();
  }

  /** While playing, the next step after its wait. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.state;
    if (!s?.playing || this.pending) return;
    const ladder = this.host.ladder();
    const wait = replayDelay(ladder?.pace, s.shown, this.host.speed());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.state) this.go(replayTick(this.state));
    }, wait);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey || e.defaultPrevented) return;
    const what = KEYS[e.key];
    if (!what) return;
    const target = e.target instanceof HTMLElement ? e.target : null;
    // Typing and choosing stay theirs; Space and Enter on a button press that button.
    if (target?.closest('input, textarea, select, [contenteditable="true"]')) return;
    if (e.key === ' ' && target?.closest('button')) return;
    const inLadder = !target || target === document.body || this.ladderArea.some((a) => a.contains(target));
    if (!inLadder) return;
    if (!this.active) {
      // With the ladder focused, Space starts a replay; the other keys keep scrolling it.
      if (e.key !== ' ' || !this.scroller.contains(target)) return;
      e.preventDefault();
      this.start(true);
      return;
    }
    e.preventDefault();
    this.act(what);
  }
}
