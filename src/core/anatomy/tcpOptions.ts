import type { Builder } from './anatomy';
import type { AnatomyField } from './types';
import { fieldWords } from './words';

/**
 * The TCP options as Wireshark 4.0 lays them out: each option a field named after it
 * (tcp.options.mss, tcp.options.sack...) holding tcp.option_kind, tcp.option_len and its
 * values. Unlike the engine's own walk (decode/tcpOptions.ts), which stops at End of Option
 * List, this one goes on as Wireshark does: zero bytes after EOL are more EOLs, and the first
 * other byte starts "non-zero header padding" that runs to the header's end.
 *
 * An option that claims more bytes than the header has ends the walk with a line saying so.
 * An option cut by the snapshot length shows what was captured; the walk stops there
 * (`cut`), and so does the TCP layer: the payload is not looked for past a cut header.
 */

export interface OptionsWalk {
  fields: AnatomyField[];
  cut: boolean;
}

/** Wireshark's field for each option kind (253 and 254 are both "experimental"). */
const OPTION_FIELDS: Record<number, string> = {
  2: 'tcp.options.mss',
  3: 'tcp.options.wscale',
  4: 'tcp.options.sack_perm',
  5: 'tcp.options.sack',
  6: 'tcp.options.echo',
  7: 'tcp.options.echo',
  8: 'tcp.options.timestamp',
  11: 'tcp.options.cc',
  12: 'tcp.options.cc',
  13: 'tcp.options.cc',
  19: 'tcp.options.md5',
  20: 'tcp.options.scps',
  21: 'tcp.options.snack',
  22: 'tcp.options.scpsrec',
  23: 'tcp.options.scpscor',
  27: 'tcp.options.qs',
  28: 'tcp.options.user_to',
  29: 'tcp.options.ao',
  30: 'mptcp',
  34: 'tcp.options.tfo',
  76: 'tcp.options.rvbd.probe',
  78: 'tcp.options.rvbd.trpy',
  172: 'tcp.options.acc_ecn',
  174: 'tcp.options.acc_ecn',
  253: 'tcp.options.experimental',
  254: 'tcp.options.experimental',
};

/** Options whose length is fixed: another length is flagged and their values are not read. */
const FIXED_LENGTH: Record<number, number> = { 2: 4, 3: 3, 4: 2, 6: 6, 7: 6, 8: 10, 11: 6, 12: 6, 13: 6, 19: 18, 28: 4 };

/** An option's name in the reader's language (the title of its field), for its kind and for a broken one. */
function optionName(b: Builder, kind: number): string {
  const field = kind === 0 ? 'tcp.options.eol' : kind === 1 ? 'tcp.options.nop' : OPTION_FIELDS[kind];
  return field ? fieldWords(field, b.lang).label : b.note('unknownOption', { kind });
}

const TFO_EXID = 0xf989;
const ACC_ECN_EXID_0 = 0xacc0;
const ACC_ECN_EXID_1 = 0xacc1;

/**
 * `ack` is the header's raw acknowledgment number (a first SACK block below it is a D-SACK);
 * `ackBase` turns SACK edges into relative numbers, as Wireshark shows them by default.
 */
export function walkTcpOptions(b: Builder, start: number, length: number, ack: number, ackBase: number | null): OptionsWalk {
  const out: AnatomyField[] = [];
  const end = start + length;
  let o = start;
  let afterEol = false;
  while (o < end) {
    if (!b.fits(o, 1)) return { fields: out, cut: true };
    const kind = b.u8(o);
    if (afterEol && kind !== 0) {
      add(out, b.text('#tcp.options.padding', o, end - o));
      break;
    }
    if (kind === 0 || kind === 1) {
      const f = b.field(kind === 0 ? 'tcp.options.eol' : 'tcp.options.nop', o, 1, b.colonBytes(o, 1));
      if (f) {
        f.children = present([b.uint('tcp.option_kind', o, 1, optionName(b, kind))]);
        out.push(f);
      }
      if (kind === 0) afterEol = true;
      o++;
      continue;
    }
    if (o + 1 >= end) {
      add(out, b.text('#tcp.option.no_length', o, 1, { option: optionName(b, kind) }));
      break;
    }
    if (!b.fits(o + 1, 1)) return { fields: out, cut: true };
    const optlen = b.u8(o + 1);
    if (optlen < 2) {
      add(out, b.text('#tcp.option.too_short', o, 2, { option: optionName(b, kind), length: optlen }));
      break;
    }
    if (o + optlen > end) {
      add(out, b.text('#tcp.option.too_long', o, end - o - 2, { option: optionName(b, kind), length: optlen }));
      break;
    }
    const option = b.block(OPTION_FIELDS[kind] ?? 'tcp.options.unknown', o, optlen);
    if (!option) return { fields: out, cut: true };
    out.push(option);
    const kids: AnatomyField[] = [];
    option.children = kids;
    const complete = optionBody(b, kind, o, optlen, kids, ack, ackBase);
    if (!complete || !b.fits(o, optlen)) return { fields: out, cut: true };
    o += optlen;
  }
  return { fields: out, cut: false };
}

/** The fields inside one option; false when a field it needs lies past the cut. */
function optionBody(b: Builder, kind: number, o: number, len: number, kids: AnatomyField[], ack: number, ackBase: number | null): boolean {
  const need = (f: AnatomyField | null): boolean => {
    if (!f) return false;
    kids.push(f);
    return true;
  };
  if (!need(b.uint('tcp.option_kind', o, 1, optionName(b, kind)))) return false;
  const fixed = FIXED_LENGTH[kind];
  const lenNote = fixed !== undefined && fixed !== len ? b.note('optionLengthShould', { length: fixed }) : undefined;
  if (!need(b.uint('tcp.option_len', o + 1, 1, lenNote))) return false;
  if (lenNote) return true;
  const v = o + 2;
  switch (kind) {
    case 2:
      return need(b.uint('tcp.options.mss_val', v, 2, b.note('bytesCount', { bytes: b.fits(v, 2) ? b.u16(v) : 0 })));
    case 3: {
      if (!b.fits(v, 1)) return false;
      const shift = b.u8(v);
      const capped = Math.min(shift, 14);
      need(b.uint('tcp.options.wscale.shift', v, 1, shift > 14 ? b.note('shiftCapped') : undefined));
      return need(b.field('tcp.options.wscale.multiplier', v, 1, String(2 ** capped)));
    }
    case 4:
      return true;
    case 5:
      return sack(b, o, len, kids, ack, ackBase);
    case 6:
    case 7:
      return need(b.uint('tcp.options.echo_value', v, 4));
    case 8:
      return need(b.uint('tcp.options.timestamp.tsval', v, 4)) && need(b.uint('tcp.options.timestamp.tsecr', v + 4, 4));
    case 11:
    case 12:
    case 13:
      return need(b.uint('tcp.options.cc_value', v, 4));
    case 19:
      return need(b.block('tcp.options.md5.digest', v, 16));
    case 21:
      if (len !== 6) return true;
      return need(b.uint('tcp.options.snack.offset', v, 2)) && need(b.uint('tcp.options.snack.size', v + 2, 2));
    case 27:
      if (len !== 8) return true;
      return need(b.bits('tcp.options.qs.rate', v, 1, 0x0f)) && need(b.uint('tcp.options.qs.ttl_diff', v + 1, 1));
    case 28:
      return need(b.bits('tcp.options.user_to_granularity', v, 2, 0x8000, 'dec', b.fits(v, 1) ? b.note(b.u8(v) & 0x80 ? 'minutes' : 'seconds') : undefined)) && need(b.bits('tcp.options.user_to_val', v, 2, 0x7fff));
    case 29:
      if (len < 4) return true;
      if (!need(b.uint('tcp.options.ao.keyid', v, 1)) || !need(b.uint('tcp.options.ao.rnextkeyid', v + 1, 1))) return false;
      return len > 4 ? need(b.block('tcp.options.ao.mac', v + 2, len - 4)) : true;
    case 30:
      return len > 2 ? need(b.bits('tcp.options.mptcp.subtype', v, 1, 0xf0)) : true;
    case 34:
      return fastOpen(b, o, len, kids);
    case 172:
    case 174:
      return accurateEcn(b, v, len - 2, kind === 172 ? 0 : 1, kids);
    case 253:
    case 254: {
      if (len < 4) return true;
      if (!b.fits(v, 2)) return false;
      const exid = b.u16(v);
      const names: Record<number, string> = { [TFO_EXID]: 'Fast Open', [ACC_ECN_EXID_0]: 'Accurate ECN - Order 0', [ACC_ECN_EXID_1]: 'Accurate ECN - Order 1' };
      need(b.hexUint('tcp.options.experimental.exid', v, 2, names[exid]));
      if (exid === TFO_EXID) return fastOpen(b, v, len - 2, kids);
      if (exid === ACC_ECN_EXID_0 || exid === ACC_ECN_EXID_1) return accurateEcn(b, v + 2, len - 4, exid === ACC_ECN_EXID_0 ? 0 : 1, kids);
      return len > 4 ? need(b.block('tcp.options.experimental.data', v + 2, len - 4)) : true;
    }
    default:
      if (OPTION_FIELDS[kind] !== undefined) return true;
      return len > 2 ? need(b.block('tcp.options.unknown.payload', v, len - 2)) : true;
  }
}

/** TFO's cookie, or its request for one (a bare option of two bytes): `o` is where its kind (or exid) starts. */
function fastOpen(b: Builder, o: number, len: number, kids: AnatomyField[]): boolean {
  const f = len === 2 ? b.field('tcp.options.tfo.request', o, 2, '') : b.block('tcp.options.tfo.cookie', o + 2, len - 2);
  if (!f) return false;
  kids.push(f);
  return true;
}

/** Accurate ECN's byte counters, three bytes each, in the option's order. */
function accurateEcn(b: Builder, start: number, length: number, order: 0 | 1, kids: AnatomyField[]): boolean {
  // Wireshark reads the counters only when the option holds whole ones.
  if (length % 3 !== 0) return true;
  const names = order === 0 ? ['ee0b', 'eceb', 'ee1b'] : ['ee1b', 'eceb', 'ee0b'];
  for (let i = 0; i < length / 3 && i < 3; i++) {
    const f = b.uint(`tcp.options.acc_ecn.${names[i]}`, start + 3 * i, 3);
    if (!f) return false;
    kids.push(f);
  }
  return true;
}

/** Wrap-safe "a before b" over 32-bit sequence numbers. */
function seqBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

function sack(b: Builder, o: number, len: number, kids: AnatomyField[], ack: number, ackBase: number | null): boolean {
  const shown = (raw: number): string => String(ackBase === null ? raw : (raw - ackBase) >>> 0);
  const edges: Array<[number, number, number]> = [];
  let p = o + 2;
  let left = len - 2;
  while (left > 0) {
    if (left < 4) {
      add(kids, b.text('#tcp.option.sack_malformed', p, left));
      break;
    }
    if (!b.fits(p, 4)) return false;
    const le = b.u32(p);
    add(kids, b.field('tcp.options.sack_le', p, 4, shown(le)));
    left -= 4;
    if (left < 4) {
      add(kids, b.text('#tcp.option.sack_malformed', p, left));
      break;
    }
    if (!b.fits(p + 4, 4)) return false;
    const re = b.u32(p + 4);
    add(kids, b.field('tcp.options.sack_re', p + 4, 4, shown(re)));
    left -= 4;
    edges.push([p, le, re]);
    p += 8;
  }
  // RFC 2883: a first block below the ACK, or inside the second block, reports a duplicate.
  const first = edges[0];
  const second = edges[1];
  if (first && (seqBefore(first[1], ack) || (second && !seqBefore(first[1], second[1]) && !seqBefore(second[2], first[2])))) {
    add(kids, b.field('tcp.options.sack.dsack_le', first[0], 4, shown(first[1])));
    add(kids, b.field('tcp.options.sack.dsack_re', first[0] + 4, 4, shown(first[2])));
    add(kids, b.text('#tcp.option.dsack', first[0], 8));
  }
  return true;
}

function add(list: AnatomyField[], f: AnatomyField | null): void {
  if (f) list.push(f);
}

function present(fields: Array<AnatomyField | null>): AnatomyField[] {
  return fields.filter((f): f is AnatomyField => f !== null);
}
