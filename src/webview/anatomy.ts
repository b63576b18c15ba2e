import type { AnatomyField, AnatomyView } from '../shared/protocol';
import { controlsEscaped } from '../core/escape';
import { asciiOf, el, fromBase64, hex2 } from './dom';

/*
 * A segment's anatomy: its layers as a tree of Wireshark-named fields beside a hex/ASCII dump
 * of its bytes. Hovering (or focusing) a field lights its bytes; hovering a byte lights the
 * field it belongs to. Each layer's bytes wear that layer's colour, so the wrapping of one
 * layer inside the next (the tutorial's parcel passing from depot to depot) can be seen.
 */

/** A frame's dump stops here until asked for more: a 64 KiB frame is 130,000 elements. */
const DUMP_LIMIT = 4096;

export interface AnatomyHost {
  t(key: string): string;
}

interface Placed {
  field: AnatomyField;
  layer: number;
  depth: number;
  row: HTMLElement;
}

export class AnatomyPanel {
  readonly element = el('div', { class: 'anatomy' });
  private view: AnatomyView | null = null;
  private bytes: Uint8Array = new Uint8Array(0);
  /** For each byte, the deepest field that covers it. */
  private owner: (Placed | undefined)[] = [];
  private layerOf: Int8Array = new Int8Array(0);
  private byteCells: HTMLElement[][] = [];
  private lit: HTMLElement[] = [];
  private shownBytes = DUMP_LIMIT;

  constructor(private readonly host: AnatomyHost) {}

  showLoading(text: string): void {
    this.view = null;
    this.element.textContent = '';
    this.element.append(el('p', { class: 'muted' }, text));
  }

  showError(text: string): void {
    this.view = null;
    this.element.textContent = '';
    this.element.append(el('p', { class: 'error', role: 'alert' }, text));
  }

  get current(): { stream: number; n: number } | null {
    return this.view ? { stream: this.view.stream, n: this.view.n } : null;
  }

  show(view: AnatomyView): void {
    this.view = view;
    this.bytes = fromBase64(view.bytes);
    this.shownBytes = DUMP_LIMIT;
    this.render();
  }

  private render(): void {
    const v = this.view!;
    const t = this.host.t;
    this.element.textContent = '';
    this.owner = new Array(this.bytes.length);
    this.layerOf = new Int8Array(this.bytes.length).fill(-1);
    this.lit = [];

    const head = el('p', { class: 'anatomy-head' });
    head.textContent = t('anatomyHead')
      .replace('{0}', String(v.frame))
      .replace('{1}', String(v.origLen))
      .replace('{2}', String(v.capLen));
    const tree = el('div', { class: 'anatomy-tree', role: 'tree', 'aria-label': t('layers') });
    if (v.problem) this.element.append(el('p', { class: 'note' }, v.problem));
    v.layers.forEach((layer, li) => {
      for (let o = layer.offset; o < Math.min(layer.offset + layer.length, this.bytes.length); o++) this.layerOf[o] = li % 6;
      const box = el('details', { class: `layer layer-${li % 6}`, 'data-layer': layer.name, open: '' });
      const sum = el('summary', { role: 'treeitem', 'aria-expanded': 'true' });
      sum.append(el('span', { class: 'layer-title' }, controlsEscaped(layer.title)), ' ', el('span', { class: 'range' }, rangeText(t, layer.offset, layer.length)));
      box.addEventListener('toggle', () => sum.setAttribute('aria-expanded', String(box.open)));
      box.append(sum);
      if (layer.about) box.append(el('p', { class: 'about' }, controlsEscaped(layer.about)));
      box.append(this.fieldList(layer.fields, li, 0));
      tree.append(box);
      this.hoverBytes(sum, layer.offset, layer.length);
    });
    const dump = el('div', { class: 'hexdump', 'aria-label': t('bytes') });
    this.renderDump(dump);
    this.element.append(head, el('div', { class: 'anatomy-body' }, undefined));
    this.element.lastElementChild!.append(tree, dump);
  }

  private fieldList(fields: AnatomyField[], layer: number, depth: number): HTMLElement {
    const ul = el('ul', { role: 'group' });
    for (const f of fields) {
      const li = el('li', { role: 'treeitem', class: 'field', tabindex: '-1', 'data-field': f.name });
      const line = el('div', { class: 'field-line' });
      // A line Wireshark shows without a field of its own (an options block) has only its label.
      // Values, notes and labels can be read from the packet (a header's name and value): shown
      // as text, with controls and bidi marks written out.
      if (f.label) line.append(el('span', { class: 'flabel' }, controlsEscaped(f.label)), ' ');
      if (f.name) line.append(el('code', { class: 'fname' }, controlsEscaped(f.name)), ' ');
      line.append(el('span', { class: 'fval' }, controlsEscaped(f.value)));
      if (f.note) line.append(' ', el('span', { class: 'fnote' }, `(${controlsEscaped(f.note)})`));
      if (f.length > 0) line.append(' ', el('span', { class: 'range' }, rangeText(this.host.t, f.offset, f.length)));
      li.append(line);
      if (f.meaning) li.append(el('div', { class: 'fmeaning' }, controlsEscaped(f.meaning)));
      const placed: Placed = { field: f, layer, depth, row: li };
      if (f.length > 0) {
        for (let o = f.offset; o < Math.min(f.offset + f.length, this.bytes.length); o++) {
          const prev = this.owner[o];
          if (!prev || prev.depth <= depth) this.owner[o] = placed;
        }
      }
      this.hoverBytes(line, f.offset, f.length);
      if (f.children?.length) li.append(this.fieldList(f.children, layer, depth + 1));
      ul.append(li);
    }
    return ul;
  }

  /** Hovering or focusing `target` lights bytes [offset, offset + length). */
  private hoverBytes(target: HTMLElement, offset: number, length: number): void {
    const on = (): void => this.light(offset, length, null);
    target.addEventListener('mouseenter', on);
    target.addEventListener('focusin', on);
    target.addEventListener('mouseleave', () => this.light(0, 0, null));
  }

  private light(offset: number, length: number, field: HTMLElement | null): void {
    for (const e of this.lit) e.classList.remove('lit');
    this.lit = [];
    for (let o = offset; o < offset + length && o < this.byteCells.length; o++) {
      for (const cell of this.byteCells[o] ?? []) {
        cell.classList.add('lit');
        this.lit.push(cell);
      }
    }
    if (field) {
      field.classList.add('lit');
      this.lit.push(field);
    }
  }

  private renderDump(dump: HTMLElement): void {
    const v = this.view!;
    const t = this.host.t;
    dump.textContent = '';
    this.byteCells = [];
    const end = Math.min(this.bytes.length, this.shownBytes);
    for (let line = 0; line < end; line += 16) {
      const row = el('div', { class: 'hexline' });
      row.append(el('span', { class: 'hoff' }, line.toString(16).padStart(4, '0')));
      const hexPart = el('span', { class: 'hbytes' });
      const asciiPart = el('span', { class: 'hascii' });
      for (let o = line; o < line + 16; o++) {
        if (o >= end) {
          hexPart.append(el('span', { class: 'b pad' }, '  '));
          continue;
        }
        const layer = this.layerOf[o]!;
        const cls = layer >= 0 ? ` layer-${layer}` : '';
        const b = el('span', { class: `b${cls}`, 'data-off': String(o) }, hex2(this.bytes[o]!));
        const a = el('span', { class: `a${cls}`, 'data-off': String(o) }, asciiOf(this.bytes[o]!));
        this.byteCells[o] = [b, a];
        hexPart.append(b);
        asciiPart.append(a);
      }
      row.append(hexPart, asciiPart);
      dump.append(row);
    }
    if (end < this.bytes.length) {
      const more = el('button', { type: 'button', class: 'tool' }, t('showAllBytes').replace('{0}', String(this.bytes.length - end)));
      more.addEventListener('click', () => {
        this.shownBytes = this.bytes.length;
        this.renderDump(dump);
      });
      dump.append(more);
    }
    if (v.cutAt !== null || v.capLen < v.origLen) {
      dump.append(el('p', { class: 'cut' }, t('cutHere').replace('{0}', String(v.capLen)).replace('{1}', String(v.origLen))));
    }
    const byteAt = (e: Event): number | null => {
      const off = (e.target as HTMLElement).getAttribute?.('data-off');
      return off === null || off === undefined ? null : Number(off);
    };
    dump.addEventListener('mouseover', (e) => {
      const o = byteAt(e);
      if (o === null) return;
      const p = this.owner[o];
      if (p) {
        this.light(p.field.offset, p.field.length, p.row);
        (e.target as HTMLElement).setAttribute('data-hover', `${controlsEscaped(`${p.field.name || p.field.label} = ${p.field.value}`)}${p.field.meaning ? `\n${controlsEscaped(p.field.meaning)}` : ''}`);
        p.row.scrollIntoView({ block: 'nearest' });
      } else this.light(o, 1, null);
    });
    dump.addEventListener('mouseleave', () => this.light(0, 0, null));
  }
}

function rangeText(t: (k: string) => string, offset: number, length: number): string {
  if (length <= 0) return '';
  return length === 1 ? t('byteAt').replace('{0}', String(offset)) : t('bytesAt').replace('{0}', String(offset)).replace('{1}', String(offset + length - 1));
}
