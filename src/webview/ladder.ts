import { Lang } from '../core/explain/glossary';
import { formatDuration } from '../core/explain/steps';
import { deltaText } from '../core/explain/export';
import type { LadderRow } from '../core/tcp/ladder';
import { el } from './dom';

/*
 * When each segment came, on the ladder: the time on every row, and the layout that spaces rows
 * by time. Spaced, each row stands below the one before by its height plus a gap that grows with
 * the time between them on a compressed scale (the pace the host sends with a ladder's first
 * page, one character per segment), so gaps of 10 µs and of 1 s both show; a pause of a second
 * or more is a break labelled with its length.
 */

/** Pixels of gap per pace level ('0' none ... 'a' the most). */
const PX_PER_LEVEL = 5;
/** The height of a pause: a break, not a scale. */
const PAUSE_PX = 56;
/** Ladder pace character of a pause (PACE_BREAK in src/core/tcp/ladder.ts). */
const PAUSE = 'p';

function gapPx(c: string): number {
  if (c === PAUSE) return PAUSE_PX;
  const level = parseInt(c, 16);
  return Number.isNaN(level) ? 0 : level * PX_PER_LEVEL;
}

/** Where each row of a ladder stands: evenly, or spaced by time. */
export class LadderLayout {
  private total = 0;
  private pace: string | null = null;
  /** tops[n]: the top of row n; tops[total]: the height of the whole ladder. Null when even. */
  private tops: Float64Array | null = null;

  constructor(readonly rowHeight: number) {}

  /** Lays out `total` rows: spaced by `pace` when asked and known, else evenly. Cheap when nothing changed. */
  reset(total: number, pace: string | undefined, spaced: boolean): void {
    const want = spaced && pace !== undefined && pace.length === total ? pace : null;
    if (total === this.total && want === this.pace) return;
    this.total = total;
    this.pace = want;
    if (want === null) {
      this.tops = null;
      return;
    }
    const tops = new Float64Array(total + 1);
    let y = 0;
    for (let n = 0; n < total; n++) {
      y += gapPx(want[n]!);
      tops[n] = y;
      y += this.rowHeight;
    }
    tops[total] = y;
    this.tops = tops;
  }

  get spaced(): boolean {
    return this.tops !== null;
  }

  top(n: number): number {
    return this.tops ? this.tops[Math.max(0, Math.min(n, this.total))]! : n * this.rowHeight;
  }

  height(): number {
    return this.top(this.total);
  }

  /** The gap drawn above row n: its height, and whether it is a pause (a break). */
  gapAbove(n: number): { px: number; pause: boolean } {
    if (!this.pace) return { px: 0, pause: false };
    const c = this.pace[n] ?? '0';
    return { px: gapPx(c), pause: c === PAUSE };
  }

  /** The row at height y (the last row that starts at or above it). */
  rowAt(y: number): number {
    if (!this.tops) return Math.max(0, Math.min(this.total - 1, Math.floor(y / this.rowHeight)));
    let lo = 0;
    let hi = this.total - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.tops[mid]! <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}


/** A row's time: since the connection's first segment, and since the one before it. */
export function whenMark(r: LadderRow, lang: Lang, t: (key: string) => string): HTMLElement {
  const when = el('div', { class: 'when' });
  const seconds = lang === 'zh-cn' ? '秒' : 's';
  when.append(el('span', { class: 'at' }, `${r.time.toFixed(6)} ${seconds}`));
  const delta = deltaText(r, lang);
  if (delta) when.append(' ', el('span', { class: `delta${r.delta < 0 ? ' backwards' : ''}` }, delta));
  const hover = [`${r.time.toFixed(9)} ${seconds}: ${t('sinceFirst')}`];
  if (r.n > 0) hover.push(`${r.delta.toFixed(9)} ${seconds}: ${t('sincePrevious')}${r.delta < 0 ? `\n${t('timeBackwards')}` : ''}`);
  when.setAttribute('data-hover', hover.join('\n'));
  return when;
}

/** The break drawn in the gap above a row that came after a pause, labelled with its length. */
export function pauseMark(r: LadderRow | undefined, top: number, height: number, lang: Lang, t: (key: string) => string): HTMLElement {
  const mark = el('div', { class: 'pause', role: 'separator' });
  mark.style.top = `${top}px`;
  mark.style.height = `${height}px`;
  const length = r ? formatDuration(r.delta, lang) : `≥ ${formatDuration(1, lang)}`;
  mark.append(el('span', {}, t('pause').replace('{0}', length)));
  return mark;
}

/** The toolbar's "space by time" switch. */
export function spaceToggle(on: boolean, t: (key: string) => string, toggle: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', class: 'tool toggle', 'aria-pressed': String(on), 'data-hover': t('spaceByTimeHint') }, t('spaceByTime'));
  b.addEventListener('click', toggle);
  return b;
}
