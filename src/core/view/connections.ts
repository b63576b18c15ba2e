import { endpointText } from '../decode/address';
import type { Lang } from '../explain/glossary';
import { scenarioShort } from '../explain/scenario';
import { ConnectionFields } from '../filter/fields';
import { CompiledFilter, FilterError, filterNeedsAnalysis, parseFilter } from '../filter/filter';
import { CaptureCatalog } from '../index/catalog';
import { QuickTable } from '../index/quickTable';
import { secondsBetween, spanSeconds } from '../report';
import type { ScanSummary } from '../scan';
import { TcpConversation } from '../tcp/analysis';
import { ConversationTable } from '../tcp/conversationTable';
import type { ConnectionRow, SortKey, TableQuery } from '../../shared/protocol';
import { finsBothWays, outcome } from './timeline';

/**
 * The connection table of a catalogued capture, where it lives: in the index worker. Sorting,
 * filtering and paging happen here, over numbers kept per connection; rows (with their words
 * and address texts) are made only for the page a view shows. 150,000 connections sort and
 * filter in milliseconds, and the webview holds only what is on screen.
 */

export type { SortKey, TableQuery };
export const SORT_KEYS: readonly SortKey[] = ['stream', 'client', 'packets', 'bytesToServer', 'bytesToClient', 'duration', 'irtt'];

export interface TableView {
  /** Stream numbers in table order, after the filter. */
  order: Uint32Array;
  /** Connections before the filter. */
  all: number;
  error: FilterError | null;
  /**
   * The order will not change while the capture is still being read: every connection is
   * listed and the filter and sort use only what the quick count knows.
   */
  settled?: boolean;
}

/** One connection's filter fields, filled in place (no object per connection per test). */
class FieldsOf implements ConnectionFields {
  conv!: TcpConversation;
  catalog!: CaptureCatalog;
  readonly clientAddr = [0, 0, 0, 0];
  readonly serverAddr = [0, 0, 0, 0];
  stream = 0;
  ipVersion: 4 | 6 = 4;
  clientPort = 0;
  serverPort = 0;
  completeness = 0;
  start = 0;
  analysis = 0;

  load(catalog: CaptureCatalog, conv: TcpConversation): this {
    this.catalog = catalog;
    this.conv = conv;
    this.stream = conv.stream;
    this.ipVersion = conv.ipVersion;
    const a = [conv.a0, conv.a1, conv.a2, conv.a3];
    const b = [conv.b0, conv.b1, conv.b2, conv.b3];
    const [c, s] = conv.clientIsA ? [a, b] : [b, a];
    for (let i = 0; i < 4; i++) {
      this.clientAddr[i] = c[i]!;
      this.serverAddr[i] = s[i]!;
    }
    this.clientPort = conv.clientIsA ? conv.portA : conv.portB;
    this.serverPort = conv.clientIsA ? conv.portB : conv.portA;
    this.completeness = conv.displayedCompleteness;
    const sum = catalog.summary;
    this.start = secondsBetween(sum.firstSec, sum.firstNsec, conv.firstSec, conv.firstNsec);
    this.analysis = catalog.analysisOf(conv.stream);
    return this;
  }
  get opening() {
    return this.catalog.scenario(this.stream).opening;
  }
  get closing() {
    return this.catalog.scenario(this.stream).closing;
  }
  get clientText(): string {
    return endpointText(this.conv.clientIsA ? this.conv.a : this.conv.b).toLowerCase();
  }
  get serverText(): string {
    return endpointText(this.conv.clientIsA ? this.conv.b : this.conv.a).toLowerCase();
  }
  get carriedText(): string {
    // Both languages' lines: a word typed in either finds it (the capture's text is the same in both).
    const en = this.catalog.carriedText(this.stream, 'en');
    return en ? `${en}\n${this.catalog.carriedText(this.stream, 'zh-cn')}`.toLowerCase() : '';
  }
}

function sortValue(c: TcpConversation, key: Exclude<SortKey, 'client'>): number {
  const toServer = c.clientIsA ? c.flowAB : c.flowBA;
  const toClient = c.clientIsA ? c.flowBA : c.flowAB;
  switch (key) {
    case 'stream':
      return c.stream;
    case 'packets':
      return toServer.packets + toClient.packets;
    case 'bytesToServer':
      return toServer.bytes;
    case 'bytesToClient':
      return toClient.bytes;
    case 'duration':
      return secondsBetween(c.firstSec, c.firstNsec, c.lastSec, c.lastNsec);
    case 'irtt':
      // Unknown iRTTs sort before every known one, as "—" sorts before numbers.
      return c.firstRttNs ? c.firstRttNs : -1;
  }
}

/** Compares clients as addresses (numerically, IPv4 before IPv6), then ports. */
function compareClients(x: TcpConversation, y: TcpConversation): number {
  if (x.addrLen !== y.addrLen) return x.addrLen - y.addrLen;
  const wx = x.clientIsA ? [x.a0, x.a1, x.a2, x.a3] : [x.b0, x.b1, x.b2, x.b3];
  const wy = y.clientIsA ? [y.a0, y.a1, y.a2, y.a3] : [y.b0, y.b1, y.b2, y.b3];
  for (let i = 0; i < 4; i++) {
    const d = (wx[i]! >>> 0) - (wy[i]! >>> 0);
    if (d) return d;
  }
  return (x.clientIsA ? x.portA : x.portB) - (y.clientIsA ? y.portA : y.portB);
}

/** A connection's row as the table shows it, in the user's language. */
export function connectionRow(catalog: CaptureCatalog, stream: number, lang: Lang): ConnectionRow {
  const quick = catalog.quickTable;
  if (quick && !catalog.passHasFinished(stream)) return listedRow(quick, stream);
  const c = catalog.conversations[stream];
  if (!c) throw new RangeError(`no TCP stream ${stream} in this capture`);
  const x = catalog.scenario(stream);
  const words = scenarioShort(x, lang);
  const toServer = c.clientIsA ? c.flowAB : c.flowBA;
  const toClient = c.clientIsA ? c.flowBA : c.flowAB;
  const opened = x.opening === 'three-way-handshake' || x.opening === 'syn-retransmitted' || x.opening === 'simultaneous-open' || x.opening === 'tcp-fast-open';
  const closed = x.closing !== 'open-at-end' && x.closing !== 'reset' && x.closing !== 'rst-after-fin';
  return {
    stream: c.stream,
    analysed: true,
    client: endpointText(c.clientIsA ? c.a : c.b),
    server: endpointText(c.clientIsA ? c.b : c.a),
    opening: x.opening,
    closing: x.closing,
    activeCloser: x.activeCloser,
    synRetransmissions: x.synRetransmissions,
    opened: words.opened,
    ended: words.ended,
    carried: catalog.carriedText(stream, lang),
    packets: toServer.packets + toClient.packets,
    bytesToServer: toServer.bytes,
    bytesToClient: toClient.bytes,
    duration: secondsBetween(c.firstSec, c.firstNsec, c.lastSec, c.lastNsec),
    // Exact to the nanosecond, as tshark's frame.time_relative (the timeline's marks add to it).
    start: spanSeconds(catalog.summary.firstSec, catalog.summary.firstNsec, c.firstSec, c.firstNsec),
    outcome: outcome(x.opening, x.closing, finsBothWays(c)),
    irtt: c.firstRttNs ? c.firstRttNs / 1e9 : null,
    retransmissions: toServer.retransmissions + toClient.retransmissions,
    resets: toServer.rstCount + toClient.rstCount,
    zeroWindows: toServer.zeroWindows + toClient.zeroWindows,
    interest: (opened ? 2 : 0) + (closed ? 2 : x.closing === 'open-at-end' ? 0 : 1),
  };
}

/**
 * A connection's row from the quick count alone, before the analysis reaches it: what the count
 * knows (ends, packets, bytes, times, iRTT) as connectionRow gives it (a test holds the two
 * equal), the rest empty until the analysis fills it in.
 */
export function listedRow(quick: QuickTable, stream: number): ConnectionRow {
  const t = quick.table;
  if (!Number.isSafeInteger(stream) || stream < 0 || stream >= t.count) throw new RangeError(`no TCP stream ${stream} in this capture`);
  const client = t.clientIsA(stream) ? 0 : 1;
  const server = client === 0 ? 1 : 0;
  const toServer = 2 * stream + client;
  const toClient = 2 * stream + server;
  const rtt = t.firstRttNs[stream]!;
  return {
    stream,
    analysed: false,
    client: endpointText({ address: t.address(stream, client), port: t.port(stream, client) }),
    server: endpointText({ address: t.address(stream, server), port: t.port(stream, server) }),
    opening: null,
    closing: null,
    activeCloser: null,
    synRetransmissions: 0,
    opened: '',
    ended: '',
    carried: '',
    packets: t.packets[toServer]! + t.packets[toClient]!,
    bytesToServer: t.bytes[toServer]!,
    bytesToClient: t.bytes[toClient]!,
    duration: secondsBetween(t.firstSec[stream]!, t.firstNsec[stream]!, t.lastSec[stream]!, t.lastNsec[stream]!),
    start: spanSeconds(quick.firstSec, quick.firstNsec, t.firstSec[stream]!, t.firstNsec[stream]!),
    outcome: 'pending',
    irtt: rtt ? rtt / 1e9 : null,
    retransmissions: 0,
    resets: 0,
    zeroWindows: 0,
    interest: 0,
  };
}

/** A sort key's value of a connection in the quick count (sortValue's, from the table). */
function tableSortValue(t: ConversationTable, c: number, key: Exclude<SortKey, 'client'>): number {
  const toServer = 2 * c + (t.clientIsA(c) ? 0 : 1);
  const toClient = toServer ^ 1;
  switch (key) {
    case 'stream':
      return c;
    case 'packets':
      return t.packets[toServer]! + t.packets[toClient]!;
    case 'bytesToServer':
      return t.bytes[toServer]!;
    case 'bytesToClient':
      return t.bytes[toClient]!;
    case 'duration':
      return secondsBetween(t.firstSec[c]!, t.firstNsec[c]!, t.lastSec[c]!, t.lastNsec[c]!);
    case 'irtt':
      return t.firstRttNs[c] ? t.firstRttNs[c]! : -1;
  }
}

/** compareClients over the quick count's table. */
function compareTableClients(t: ConversationTable, x: number, y: number, wx: number[], wy: number[]): number {
  const lx = t.addressLength(x);
  const ly = t.addressLength(y);
  if (lx !== ly) return lx - ly;
  const cx = t.clientIsA(x) ? 0 : 1;
  const cy = t.clientIsA(y) ? 0 : 1;
  t.addressWords(x, cx, wx);
  t.addressWords(y, cy, wy);
  for (let i = 0; i < 4; i++) {
    const d = (wx[i]! >>> 0) - (wy[i]! >>> 0);
    if (d) return d;
  }
  return t.port(x, cx) - t.port(y, cy);
}

/** A compiled filter as a test of stream numbers of a catalogued capture. */
export function streamFilter(catalog: CaptureCatalog, filter: CompiledFilter): (stream: number) => boolean {
  if (filter.kind === 'all') return () => true;
  const fields = new FieldsOf();
  return (stream) => {
    const conv = catalog.conversations[stream];
    return conv !== undefined && filter.test(fields.load(catalog, conv));
  };
}

/** When a capture's first frame came: connections' start times (frame.time_relative) count from it. */
type CaptureStart = Pick<ScanSummary, 'firstSec' | 'firstNsec'>;

/**
 * One connection of a conversation table (a pass without the sequence analysis) as a filter
 * sees it: every field but those only the analysis knows, which a caller has ruled out with
 * filterNeedsAnalysis. The values are the ones FieldsOf reads from the analysis; a test holds
 * the two filters equal on every capture.
 */
class TableFieldsOf implements ConnectionFields {
  readonly clientAddr = [0, 0, 0, 0];
  readonly serverAddr = [0, 0, 0, 0];
  stream = 0;
  ipVersion: 4 | 6 = 4;
  clientPort = 0;
  serverPort = 0;
  completeness = 0;
  start = 0;

  constructor(
    private readonly table: ConversationTable,
    private readonly summary: CaptureStart,
  ) {}

  load(c: number): this {
    const t = this.table;
    const client = t.clientIsA(c) ? 0 : 1;
    const server = client === 0 ? 1 : 0;
    this.stream = c;
    this.ipVersion = t.addressLength(c) === 16 ? 6 : 4;
    t.addressWords(c, client, this.clientAddr);
    t.addressWords(c, server, this.serverAddr);
    this.clientPort = t.port(c, client);
    this.serverPort = t.port(c, server);
    this.completeness = t.displayedCompleteness(c);
    this.start = secondsBetween(this.summary.firstSec, this.summary.firstNsec, t.firstSec[c]!, t.firstNsec[c]!);
    return this;
  }
  get opening(): never {
    return notCounted('opening');
  }
  get closing(): never {
    return notCounted('closing');
  }
  get analysis(): never {
    return notCounted('tcp.analysis');
  }
  get clientText(): string {
    return this.endText(this.table.clientIsA(this.stream) ? 0 : 1);
  }
  get serverText(): string {
    return this.endText(this.table.clientIsA(this.stream) ? 1 : 0);
  }
  private endText(side: 0 | 1): string {
    return endpointText({ address: this.table.address(this.stream, side), port: this.table.port(this.stream, side) }).toLowerCase();
  }
}

function notCounted(field: string): never {
  throw new Error(`${field} is known only after the sequence analysis: this filter needs a catalog (filterNeedsAnalysis)`);
}

/**
 * A compiled filter as a test of the stream numbers of a conversation table, for a filter that
 * needs no analysis (filterNeedsAnalysis is false): it passes the streams streamFilter passes
 * over a catalog of the same capture.
 */
export function tableStreamFilter(table: ConversationTable, summary: CaptureStart, filter: CompiledFilter): (stream: number) => boolean {
  if (filter.kind === 'all') return () => true;
  if (filterNeedsAnalysis(filter)) throw new Error(`the filter "${filter.text}" needs the sequence analysis: test it over a catalog (streamFilter)`);
  const fields = new TableFieldsOf(table, summary);
  return (stream) => Number.isInteger(stream) && stream >= 0 && stream < table.count && filter.test(fields.load(stream));
}

/**
 * The table's rows for a query: the filter applied, then the sort (ties by stream). While the
 * quick count lists connections the analysis has not finished, every connection is there and
 * sorts by what the count knows (every sort key); a filter the count answers passes what it
 * will pass once the analysis is done, one that needs the analysis passes among the
 * connections it has finished (the table says it is still reading).
 */
export function tableView(catalog: CaptureCatalog, q: TableQuery): TableView {
  const quick = catalog.quickTable;
  const convs = catalog.conversations;
  const all = catalog.streamCount;
  const parsed = parseFilter(q.filter);
  if ('error' in parsed) return { order: new Uint32Array(0), all, error: parsed.error };
  const filter = parsed.ok;
  const analysed = streamFilter(catalog, filter);
  const t = quick?.table;
  // A connection the count listed is read from its table; one past it (a file that grew) is the pass' own.
  const counted = (s: number): boolean => t !== undefined && s < t.count;
  const needsAnalysis = filter.kind !== 'all' && filterNeedsAnalysis(filter);
  let passes = analysed;
  if (quick && filter.kind !== 'all') {
    if (needsAnalysis) passes = (s) => catalog.passHasFinished(s) && analysed(s);
    else {
      const listed = tableStreamFilter(quick.table, quick, filter);
      passes = (s) => (counted(s) ? listed(s) : analysed(s));
    }
  }
  let order = new Uint32Array(all);
  let n = 0;
  for (let s = 0; s < all; s++) if (passes(s)) order[n++] = s;
  order = order.subarray(0, n);
  if (q.sort === 'stream') {
    if (q.dir < 0) order.reverse();
  } else if (q.sort === 'client') {
    const wx = [0, 0, 0, 0];
    const wy = [0, 0, 0, 0];
    const compare = (x: number, y: number): number => {
      const cx = counted(x);
      if (cx !== counted(y)) return cx ? -1 : 1;
      return cx ? compareTableClients(t!, x, y, wx, wy) : compareClients(convs[x]!, convs[y]!);
    };
    order.sort((x, y) => (compare(x, y) || x - y) * q.dir);
  } else {
    const key = q.sort;
    const values = new Float64Array(all);
    for (let i = 0; i < n; i++) {
      const s = order[i]!;
      values[s] = counted(s) ? tableSortValue(t!, s, key) : sortValue(convs[s]!, key);
    }
    order.sort((x, y) => (values[x]! - values[y]! || x - y) * q.dir);
  }
  return quick ? { order, all, error: null, settled: !needsAnalysis } : { order, all, error: null };
}
