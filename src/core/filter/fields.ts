import { endpointText } from '../decode/address';
import type { ClosingScenario, OpeningScenario } from '../explain/scenario';
import { TcpConversation, analysisFlagNames } from '../tcp/analysis';

/*
 * The fields a connection filter can name, with Wireshark's names where Wireshark has one,
 * and the plain record a filter reads them from. The record is an interface of numbers and
 * strings (no methods) so the index worker can fill one object per pass and test 150k
 * connections without allocating.
 */

/** One connection as a filter sees it. */
export interface ConnectionFields {
  /** tcp.stream */
  readonly stream: number;
  readonly ipVersion: 4 | 6;
  /**
   * The client's and the server's address as four big-endian 32-bit words (IPv4 in word 0, the
   * other three 0), signed or unsigned: as TcpConversation keeps them (a0..a3), so filling
   * this costs no formatting. The client is the side that sent the first SYN (without one, the
   * first packet's sender): ip.src and tcp.srcport are the client's.
   */
  readonly clientAddr: ArrayLike<number>;
  readonly serverAddr: ArrayLike<number>;
  readonly clientPort: number;
  readonly serverPort: number;
  /** tcp.completeness as tshark -2 shows it on the connection's last segment. */
  readonly completeness: number;
  /** frame.time_relative of the connection's first segment: seconds since the capture's first frame. */
  readonly start: number;
  readonly opening: OpeningScenario;
  readonly closing: ClosingScenario;
  /** The tcp.analysis.* bits (A_* in tcp/analysis.ts) of all the connection's segments, or-ed. */
  readonly analysis: number;
  /**
   * "10.0.0.1:4000", "[::1]:4000" in lower case (as endpointText writes them), read only by
   * plain-word filters: implement them as getters to format on demand.
   */
  readonly clientText: string;
  readonly serverText: string;
  /**
   * What the connection carried in one line ("http get /favicon.ico → 404"), lower case, or ''
   * (or absent, where a pass has not read the application bytes): read only by plain words.
   */
  readonly carriedText?: string;
}

/** What a field holds, which decides the operators and literals it takes. */
export type FieldType =
  /** An unsigned integer (decimal, 0x hex or 0 octal literals, as Wireshark). */
  | 'uint'
  /** Seconds, with a fraction. */
  | 'time'
  /** An IPv4 or IPv6 address, with CIDR. */
  | 'addr'
  /** One of a fixed list of names (the scenario ids). */
  | 'name'
  /** Present or not: a protocol or an analysis flag, used bare, as in Wireshark. */
  | 'flag';

type Get<T> = (c: ConnectionFields) => T;

export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  /** Whether this connection has the field at all (a bare field name tests this). */
  readonly exists: Get<boolean>;
  /** uint: the getters of its values (two for tcp.port: it matches either end, as in Wireshark). */
  readonly numbers?: ReadonlyArray<Get<number>>;
  /** uint: the largest value the field can hold (a bigger literal is an error, as in tshark). */
  readonly max?: number;
  /** addr: the getters of its addresses (two for ip.addr). */
  readonly addresses?: ReadonlyArray<Get<ArrayLike<number>>>;
  /** addr: takes IPv6 literals only (the ipv6.* fields). */
  readonly ipv6Only?: boolean;
  /** name: the getter and the names it may hold. */
  readonly text?: Get<string>;
  readonly names?: readonly string[];
  /**
   * Known only after the sequence analysis and the classification of the whole connection
   * (opening, closing, tcp.analysis.*): a pass that only counts connections cannot answer it.
   */
  readonly analysed?: true;
}

// Records, not arrays: adding a scenario without naming it here fails to compile.
const OPENINGS: Record<OpeningScenario, true> = {
  'three-way-handshake': true,
  'syn-retransmitted': true,
  refused: true,
  'no-answer': true,
  'simultaneous-open': true,
  'tcp-fast-open': true,
  'mid-stream': true,
};
const CLOSINGS: Record<ClosingScenario, true> = {
  'four-way-close': true,
  'three-segment-close': true,
  'simultaneous-close': true,
  'half-close': true,
  reset: true,
  'rst-after-fin': true,
  'open-at-end': true,
};

export const OPENING_NAMES: readonly string[] = Object.keys(OPENINGS);
export const CLOSING_NAMES: readonly string[] = Object.keys(CLOSINGS);

/**
 * tcp.analysis.<name> -> the A_* bits that make a segment show it. Built from the engine's own
 * naming (analysisFlagNames) so a flag it learns is filterable at once; a fast or spurious
 * retransmission is also a retransmission there, and so here.
 */
export const ANALYSIS_FLAG_MASKS: ReadonlyMap<string, number> = (() => {
  const masks = new Map<string, number>();
  for (let bit = 1; bit <= 0x8000; bit <<= 1) {
    for (const name of analysisFlagNames(bit, 1)) masks.set(name, (masks.get(name) ?? 0) | bit);
  }
  return masks;
})();

const always = (): boolean => true;

function uint(name: string, max: number, ...numbers: Get<number>[]): FieldDef {
  return { name, type: 'uint', exists: always, numbers, max };
}
function addr(name: string, ipv6Only: boolean, ...addresses: Get<ArrayLike<number>>[]): FieldDef {
  return { name, type: 'addr', exists: ipv6Only ? (c) => c.ipVersion === 6 : always, addresses, ipv6Only };
}
function flag(name: string, exists: Get<boolean>): FieldDef {
  return { name, type: 'flag', exists };
}
function analysisFlag(name: string, exists: Get<boolean>): FieldDef {
  return { name, type: 'flag', exists, analysed: true };
}

const client: Get<ArrayLike<number>> = (c) => c.clientAddr;
const server: Get<ArrayLike<number>> = (c) => c.serverAddr;
const clientPort: Get<number> = (c) => c.clientPort;
const serverPort: Get<number> = (c) => c.serverPort;

const DEFS: FieldDef[] = [
  // Protocols, as a bare word in Wireshark: every connection is TCP; ip and ipv6 tell the family.
  flag('tcp', always),
  flag('ip', (c) => c.ipVersion === 4),
  flag('ipv6', (c) => c.ipVersion === 6),
  uint('tcp.stream', 0xffffffff, (c) => c.stream),
  uint('tcp.port', 0xffff, clientPort, serverPort),
  uint('tcp.srcport', 0xffff, clientPort),
  uint('tcp.dstport', 0xffff, serverPort),
  uint('tcp.completeness', 0xff, (c) => c.completeness),
  { name: 'frame.time_relative', type: 'time', exists: always, numbers: [(c) => c.start] },
  // ip.* covers both families here (a connection list has no separate IPv6 layer to look at);
  // ipv6.* narrows to IPv6 connections, for users who write it out of habit.
  addr('ip.addr', false, client, server),
  addr('ip.src', false, client),
  addr('ip.dst', false, server),
  addr('ipv6.addr', true, client, server),
  addr('ipv6.src', true, client),
  addr('ipv6.dst', true, server),
  { name: 'opening', type: 'name', exists: always, text: (c) => c.opening, names: OPENING_NAMES, analysed: true },
  { name: 'closing', type: 'name', exists: always, text: (c) => c.closing, names: CLOSING_NAMES, analysed: true },
  // Any analysis flag at all, as Wireshark's tcp.analysis.flags (window updates included).
  analysisFlag('tcp.analysis.flags', (c) => c.analysis !== 0),
  ...[...ANALYSIS_FLAG_MASKS].map(([name, mask]) => analysisFlag(`tcp.analysis.${name}`, (c) => (c.analysis & mask) !== 0)),
];

export const FIELDS: ReadonlyMap<string, FieldDef> = new Map(DEFS.map((d) => [d.name, d]));

/** Every field name, for completion and suggestions. */
export const FIELD_NAMES: readonly string[] = DEFS.map((d) => d.name);

/**
 * A ConnectionFields to refill for each conversation of a pass: the addresses are copied into
 * its own words and the endpoint texts are made only when a plain-word filter asks.
 */
export class ConversationFields implements ConnectionFields {
  stream = 0;
  ipVersion: 4 | 6 = 4;
  readonly clientAddr = new Uint32Array(4);
  readonly serverAddr = new Uint32Array(4);
  clientPort = 0;
  serverPort = 0;
  completeness = 0;
  start = 0;
  opening: OpeningScenario = 'mid-stream';
  closing: ClosingScenario = 'open-at-end';
  analysis = 0;
  private conv: TcpConversation | null = null;
  private texts: [string, string] | null = null;

  /**
   * `analysis` is the or of the connection's segments' analysis bits (the pass or the index
   * has them; a conversation keeps counts only); `firstSec`/`firstNsec` are the capture's first
   * frame, the zero of frame.time_relative.
   */
  set(conv: TcpConversation, opening: OpeningScenario, closing: ClosingScenario, analysis: number, firstSec: number, firstNsec: number): this {
    const a = conv.clientIsA;
    this.conv = conv;
    this.texts = null;
    this.stream = conv.stream;
    this.ipVersion = conv.ipVersion;
    fillWords(this.clientAddr, a ? conv.a0 : conv.b0, a ? conv.a1 : conv.b1, a ? conv.a2 : conv.b2, a ? conv.a3 : conv.b3);
    fillWords(this.serverAddr, a ? conv.b0 : conv.a0, a ? conv.b1 : conv.a1, a ? conv.b2 : conv.a2, a ? conv.b3 : conv.a3);
    this.clientPort = a ? conv.portA : conv.portB;
    this.serverPort = a ? conv.portB : conv.portA;
    this.completeness = conv.displayedCompleteness;
    this.start = conv.firstSec - firstSec + (conv.firstNsec - firstNsec) / 1e9;
    this.opening = opening;
    this.closing = closing;
    this.analysis = analysis;
    return this;
  }

  get clientText(): string {
    return this.endpointTexts()[0];
  }
  get serverText(): string {
    return this.endpointTexts()[1];
  }

  private endpointTexts(): [string, string] {
    if (!this.texts) {
      const c = this.conv;
      if (!c) return ['', ''];
      this.texts = c.clientIsA ? [endpointText(c.a), endpointText(c.b)] : [endpointText(c.b), endpointText(c.a)];
    }
    return this.texts;
  }
}

function fillWords(out: Uint32Array, w0: number, w1: number, w2: number, w3: number): void {
  out[0] = w0;
  out[1] = w1;
  out[2] = w2;
  out[3] = w3;
}
