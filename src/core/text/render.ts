import { CaptureIndex } from '../index/captureIndex';
import { TH_ACK, TH_AE, TH_CWR, TH_ECE, TH_FIN, TH_PUSH, TH_RST, TH_SYN, TH_URG } from '../tcp/analysis';

/**
 * A capture (or one connection of it) as `tcpdump -nn` prints it, for "Open capture as text":
 * the same time, address, flag and number layout, relative numbers as tcpdump makes them, so
 * the text reads back into the same connections. Options are the ones the index keeps (those
 * of SYNs); timestamps of other segments are not kept and are left out.
 */

const FLAG_CHARS: Array<[number, string]> = [
  [TH_FIN, 'F'],
  [TH_SYN, 'S'],
  [TH_RST, 'R'],
  [TH_PUSH, 'P'],
  [TH_ACK, '.'],
  [TH_URG, 'U'],
  [TH_ECE, 'E'],
  [TH_CWR, 'W'],
  [TH_AE, 'e'],
];

function flagsText(f: number): string {
  const s = FLAG_CHARS.filter(([bit]) => f & bit)
    .map(([, c]) => c)
    .join('');
  return s || 'none';
}

function clock(sec: number, nsec: number): string {
  const day = ((Math.floor(sec) % 86400) + 86400) % 86400;
  const hh = String(Math.floor(day / 3600)).padStart(2, '0');
  const mm = String(Math.floor((day % 3600) / 60)).padStart(2, '0');
  const ss = String(day % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}.${String(Math.floor(nsec / 1000)).padStart(6, '0')}`;
}

const u32 = (x: number): number => ((x % 2 ** 32) + 2 ** 32) % 2 ** 32;

export interface RenderOptions {
  /** Only this connection; all of them when absent. */
  stream?: number;
  /** Absolute numbers everywhere, as tcpdump -S. */
  absolute?: boolean;
}

export function renderTcpdump(index: CaptureIndex, opts: RenderOptions = {}): string {
  const analyzer = index.summary.analyzer;
  const lines: string[] = [];
  // tcpdump's bookkeeping for relative numbers, per address/port pair: the bases of each side.
  const bases = new Map<string, Map<string, number>>();
  const positions = opts.stream !== undefined ? Array.from(index.segmentsOf(opts.stream)) : Array.from({ length: index.count }, (_, i) => i);
  for (const i of positions) {
    const c = analyzer.conversationOf(index.stream[i]!)!;
    const client = c.clientIsA ? c.a : c.b;
    const server = c.clientIsA ? c.b : c.a;
    const toServer = index.toServer[i] === 1;
    const src = toServer ? client : server;
    const dst = toServer ? server : client;
    const v6 = src.address.includes(':');
    const f = index.flags[i]!;
    let seq = index.seqRaw[i]!;
    let ack = index.ackRaw[i]!;
    const srcKey = `${src.address}|${src.port}`;
    const dstKey = `${dst.address}|${dst.port}`;
    if (!opts.absolute && f & TH_ACK) {
      const key = srcKey < dstKey ? `${srcKey}>${dstKey}` : `${dstKey}>${srcKey}`;
      const b = bases.get(key);
      if (!b || f & TH_SYN) {
        bases.set(
          key,
          new Map([
            [srcKey, seq],
            [dstKey, u32(ack - 1)],
          ]),
        );
      } else {
        seq = u32(seq - b.get(srcKey)!);
        ack = u32(ack - b.get(dstKey)!);
      }
    }
    const len = index.len[i]!;
    const parts = [`Flags [${flagsText(f)}]`];
    if (len > 0) parts.push(`seq ${seq}:${u32(seq + len)}`);
    else if (f & (TH_SYN | TH_FIN | TH_RST)) parts.push(`seq ${seq}`);
    if (f & TH_ACK) parts.push(`ack ${ack}`);
    const mult = index.winScale[i]!;
    const rawWin = mult > 0 ? Math.floor(index.win[i]! / mult) : index.win[i]!;
    parts.push(`win ${rawWin}`);
    const o = index.synOptions.get(i);
    if (o) {
      const opt: string[] = [];
      if (o.mss !== null) opt.push(`mss ${o.mss}`);
      if (o.sackPerm) opt.push('sackOK');
      if (o.tsval !== null) opt.push(`TS val ${o.tsval} ecr ${o.tsecr ?? 0}`);
      if (o.wsShift !== null) opt.push('nop', `wscale ${o.wsShift}`);
      if (o.tfo) opt.push(o.tfo === 'request' ? 'tfo  cookiereq' : 'tfo  cookie 0000000000000000');
      if (opt.length) parts.push(`options [${opt.join(',')}]`);
    }
    parts.push(`length ${len}`);
    const addr = (e: { address: string; port: number }): string => `${e.address}.${e.port}`;
    lines.push(`${clock(index.tsSec[i]!, index.tsNsec[i]!)} ${v6 ? 'IP6' : 'IP'} ${addr(src)} > ${addr(dst)}: ${parts.join(', ')}`);
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}
