import { u16be, u32be } from '../capture/bytes';

export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WSCALE = 3;
export const TCPOPT_SACK_PERM = 4;
export const TCPOPT_SACK = 5;
export const TCPOPT_TIMESTAMP = 8;
export const TCPOPT_MD5 = 19;
export const TCPOPT_USER_TO = 28;
export const TCPOPT_AO = 29;
export const TCPOPT_MPTCP = 30;
export const TCPOPT_TFO = 34;
export const TCPOPT_ACCECN0 = 172;
export const TCPOPT_ACCECN1 = 174;
export const TCPOPT_EXP_FD = 253;
export const TCPOPT_EXP_FE = 254;
/** Experimental-option magic for TCP Fast Open before kind 34 was assigned (RFC 7413). */
const TFO_EXP_MAGIC = 0xf989;

export type TcpOption =
  | { kind: 0; name: 'EOL' }
  | { kind: 1; name: 'NOP' }
  | { kind: 2; name: 'MSS'; mss: number }
  | { kind: 3; name: 'WS'; shift: number; multiplier: number }
  | { kind: 4; name: 'SACK_PERM' }
  | { kind: 5; name: 'SACK'; blocks: Array<[left: number, right: number]> }
  | { kind: 8; name: 'TS'; tsval: number; tsecr: number }
  | { kind: 34; name: 'TFO'; cookie: string; request: boolean }
  | { kind: number; name: string; length: number; malformed?: true };

const OTHER_NAMES: Record<number, string> = {
  6: 'ECHO',
  7: 'ECHOREPLY',
  [TCPOPT_MD5]: 'MD5',
  [TCPOPT_USER_TO]: 'USER_TO',
  [TCPOPT_AO]: 'TCP-AO',
  [TCPOPT_MPTCP]: 'MPTCP',
  [TCPOPT_ACCECN0]: 'AccECN0',
  [TCPOPT_ACCECN1]: 'AccECN1',
  [TCPOPT_EXP_FD]: 'EXP',
  [TCPOPT_EXP_FE]: 'EXP',
};

function hex(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += b[o + i]!.toString(16).padStart(2, '0');
  return s;
}

/**
 * Walks the options of a TCP header at `tcpOffset` (as far as the captured bytes go).
 * Options with an impossible length end the walk with a `malformed` entry, as in Wireshark.
 */
export function parseTcpOptions(data: Uint8Array, tcpOffset: number, headerLen: number): TcpOption[] {
  const out: TcpOption[] = [];
  const end = Math.min(tcpOffset + headerLen, data.length);
  let o = tcpOffset + 20;
  while (o < end) {
    const kind = data[o]!;
    if (kind === TCPOPT_EOL) {
      out.push({ kind: 0, name: 'EOL' });
      break;
    }
    if (kind === TCPOPT_NOP) {
      out.push({ kind: 1, name: 'NOP' });
      o++;
      continue;
    }
    if (o + 1 >= end) {
      out.push({ kind, name: OTHER_NAMES[kind] ?? `kind ${kind}`, length: 0, malformed: true });
      break;
    }
    const len = data[o + 1]!;
    if (len < 2 || o + len > end) {
      out.push({ kind, name: OTHER_NAMES[kind] ?? `kind ${kind}`, length: len, malformed: true });
      break;
    }
    const v = o + 2;
    switch (kind) {
      case TCPOPT_MSS:
        out.push(len === 4 ? { kind: 2, name: 'MSS', mss: u16be(data, v) } : bad(kind, 'MSS', len));
        break;
      case TCPOPT_WSCALE:
        if (len === 3) {
          const shift = Math.min(data[v]!, 14);
          out.push({ kind: 3, name: 'WS', shift, multiplier: 1 << shift });
        } else out.push(bad(kind, 'WS', len));
        break;
      case TCPOPT_SACK_PERM:
        out.push(len === 2 ? { kind: 4, name: 'SACK_PERM' } : bad(kind, 'SACK_PERM', len));
        break;
      case TCPOPT_SACK: {
        const blocks: Array<[number, number]> = [];
        for (let p = v; p + 8 <= o + len; p += 8) blocks.push([u32be(data, p), u32be(data, p + 4)]);
        out.push({ kind: 5, name: 'SACK', blocks });
        break;
      }
      case TCPOPT_TIMESTAMP:
        out.push(
          len === 10
            ? { kind: 8, name: 'TS', tsval: u32be(data, v), tsecr: u32be(data, v + 4) }
            : bad(kind, 'TS', len),
        );
        break;
      case TCPOPT_TFO:
        out.push({ kind: 34, name: 'TFO', cookie: hex(data, v, len - 2), request: len === 2 });
        break;
      case TCPOPT_EXP_FE:
      case TCPOPT_EXP_FD:
        if (len >= 4 && u16be(data, v) === TFO_EXP_MAGIC) {
          out.push({ kind: 34, name: 'TFO', cookie: hex(data, v + 2, len - 4), request: len === 4 });
        } else {
          out.push({ kind, name: 'EXP', length: len });
        }
        break;
      default:
        out.push({ kind, name: OTHER_NAMES[kind] ?? `kind ${kind}`, length: len });
    }
    o += len;
  }
  return out;
}

function bad(kind: number, name: string, length: number): TcpOption {
  return { kind, name, length, malformed: true };
}

/**
 * The window-scale shift a header announces (capped at 14, RFC 7323), or -1 when it has no
 * well-formed WS option. The analysis calls this for every segment, so it allocates nothing.
 */
export function findWindowScale(data: Uint8Array, tcpOffset: number, headerLen: number): number {
  const end = Math.min(tcpOffset + headerLen, data.length);
  let o = tcpOffset + 20;
  while (o < end) {
    const kind = data[o]!;
    if (kind === TCPOPT_EOL) return -1;
    if (kind === TCPOPT_NOP) {
      o++;
      continue;
    }
    if (o + 1 >= end) return -1;
    const len = data[o + 1]!;
    if (len < 2 || o + len > end) return -1;
    if (kind === TCPOPT_WSCALE && len === 3) return Math.min(data[o + 2]!, 14);
    o += len;
  }
  return -1;
}
