import type { FromWebview, LiveStatus } from '../shared/protocol';
import { el } from './dom';

/**
 * The line under the capture's facts for a capture that grows: the editor's own live capture
 * (where, what, how many packets; Stop; Save capture as…), and "Follow" for any capture file,
 * which reads new packets as another program (a running `tcpdump -w`) writes them.
 */
export class LiveBar {
  readonly element = el('div', { class: 'live-bar', role: 'status' });

  constructor(
    private readonly t: (key: string) => string,
    private readonly post: (m: FromWebview) => void,
  ) {}

  render(s: LiveStatus | null): void {
    const bar = this.element;
    bar.textContent = '';
    if (!s) return;
    const fill = (key: string, ...args: Array<string | number>): string => this.t(key).replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
    const c = s.capture;
    if (c) {
      const where = c.ifaceLabel && c.ifaceLabel !== c.iface ? `${c.iface} (${c.ifaceLabel})` : c.iface;
      if (c.running) {
        bar.append(el('span', { class: 'live-dot', 'aria-hidden': 'true' }), el('span', { class: 'live-text' }, fill('liveCapturing', where, c.filter || '—', c.packets)));
        bar.append(this.button(this.t('liveStop'), 'stop', () => this.post({ type: 'stopCapture' })));
      } else {
        const counted = c.toolCount !== null && c.toolCount !== c.packets ? ` ${fill('liveToolCount', c.toolCount)}` : '';
        bar.append(el('span', { class: 'live-text' }, `${fill('liveStopped', where, c.filter || '—', c.packets)}${counted}`));
      }
      bar.append(this.button(this.t('liveSave'), 'save', () => this.post({ type: 'saveCapture' })));
    } else if (s.canFollow || s.following) {
      const b = this.button(this.t('followFile'), 'follow', () => this.post({ type: 'watch', on: !s.following }));
      b.classList.add('toggle');
      b.setAttribute('aria-pressed', String(s.following));
      b.setAttribute('data-hover', this.t('followFileHint'));
      bar.append(b);
      if (s.following) bar.append(el('span', { class: 'live-dot', 'aria-hidden': 'true' }), el('span', { class: 'live-text' }, this.t('following')));
    }
    if (s.note) bar.append(el('span', { class: 'note' }, s.note));
  }

  private button(label: string, what: string, click: () => void): HTMLButtonElement {
    const b = el('button', { type: 'button', class: 'tool', 'data-live': what }, label);
    b.addEventListener('click', click);
    return b;
  }
}
