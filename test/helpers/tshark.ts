import { spawn, spawnSync } from 'node:child_process';
import { execFile } from 'node:child_process';
import { SaxesParser } from 'saxes';

/** tshark's view of a capture, regenerated in the test run (never a stored copy). */

export function tsharkAvailable(): boolean {
  return spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;
}

export function tsharkVersion(): string {
  const out = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n')[0] ?? '';
}

const FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'frame.len',
  'tcp.stream',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags',
  'tcp.seq',
  'tcp.seq_raw',
  'tcp.ack',
  'tcp.ack_raw',
  'tcp.len',
  'tcp.window_size',
  'tcp.window_size_scalefactor',
  'tcp.completeness',
  'tcp.analysis.initial_rtt',
  'tcp.analysis.duplicate_ack_num',
  'tcp.analysis.retransmission',
  'tcp.analysis.fast_retransmission',
  'tcp.analysis.spurious_retransmission',
  'tcp.analysis.out_of_order',
  'tcp.analysis.lost_segment',
  'tcp.analysis.ack_lost_segment',
  'tcp.analysis.duplicate_ack',
  'tcp.analysis.zero_window',
  'tcp.analysis.zero_window_probe',
  'tcp.analysis.zero_window_probe_ack',
  'tcp.analysis.window_full',
  'tcp.analysis.window_update',
  'tcp.analysis.keep_alive',
  'tcp.analysis.keep_alive_ack',
  'tcp.analysis.reused_ports',
  'tcp.analysis.ack_rtt',
  'tcp.analysis.bytes_in_flight',
] as const;

const ANALYSIS_PREFIX = 'tcp.analysis.';
/** Analysis fields that are numbers, not flags. */
const ANALYSIS_NUMBERS: readonly string[] = ['tcp.analysis.initial_rtt', 'tcp.analysis.duplicate_ack_num', 'tcp.analysis.ack_rtt', 'tcp.analysis.bytes_in_flight'];
const ANALYSIS_FLAGS = FIELDS.filter((f) => f.startsWith(ANALYSIS_PREFIX) && !ANALYSIS_NUMBERS.includes(f));

export interface TsharkSegment {
  frame: number;
  time: string;
  frameLen: number;
  stream: number;
  src: string;
  dst: string;
  srcport: number;
  dstport: number;
  flags: number;
  seq: number;
  seqRaw: number;
  ack: number;
  ackRaw: number;
  len: number;
  win: number;
  /** tcp.window_size_scalefactor; null when tshark shows none (SYNs). */
  winScale: number | null;
  completeness: number;
  irtt: number | null;
  dupAckNum: number;
  /** tcp.analysis.ack_rtt as tshark prints it ("0.000018000"), '' where it shows none. */
  ackRtt: string;
  /** tcp.analysis.bytes_in_flight, 0 where tshark shows none. */
  bytesInFlight: number;
  analysis: string[];
  /** How many TCP layers tshark saw in the frame (tunnels, ICMP errors give more than one). */
  tcpLayers: number;
}

export interface TsharkResult {
  segments: TsharkSegment[];
  stderr: string;
  status: number | null;
}

/**
 * Every TCP frame as tshark dissects it in two passes (-2), which is what Wireshark's packet
 * details show: analysis from the in-order first pass, windows with the scale known at the end.
 */
export function tsharkSegments(file: string): TsharkResult {
  const args = ['-n', '-r', file, '-2', '-Y', 'tcp', '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=|'];
  for (const f of FIELDS) args.push('-e', f);
  const run = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const segments: TsharkSegment[] = [];
  for (const line of (run.stdout ?? '').split('\n')) {
    if (!line) continue;
    const cols = line.split('\t');
    const get = (name: (typeof FIELDS)[number]): string => cols[FIELDS.indexOf(name)] ?? '';
    const first = (name: (typeof FIELDS)[number]): string => get(name).split('|')[0] ?? '';
    const num = (name: (typeof FIELDS)[number]): number => Number(first(name));
    const analysis = ANALYSIS_FLAGS.filter((f) => get(f) !== '').map((f) => f.slice(ANALYSIS_PREFIX.length));
    const scale = first('tcp.window_size_scalefactor');
    const irtt = first('tcp.analysis.initial_rtt');
    segments.push({
      frame: num('frame.number'),
      time: first('frame.time_epoch'),
      frameLen: num('frame.len'),
      stream: num('tcp.stream'),
      src: first('ip.src') || first('ipv6.src'),
      dst: first('ip.dst') || first('ipv6.dst'),
      srcport: num('tcp.srcport'),
      dstport: num('tcp.dstport'),
      flags: parseInt(first('tcp.flags'), 16),
      seq: num('tcp.seq'),
      seqRaw: num('tcp.seq_raw'),
      ack: num('tcp.ack'),
      ackRaw: num('tcp.ack_raw'),
      len: num('tcp.len'),
      win: num('tcp.window_size'),
      winScale: scale === '' ? null : Number(scale),
      completeness: num('tcp.completeness'),
      irtt: irtt === '' ? null : Number(irtt),
      dupAckNum: first('tcp.analysis.duplicate_ack_num') === '' ? 0 : num('tcp.analysis.duplicate_ack_num'),
      ackRtt: first('tcp.analysis.ack_rtt'),
      bytesInFlight: first('tcp.analysis.bytes_in_flight') === '' ? 0 : num('tcp.analysis.bytes_in_flight'),
      analysis,
      tcpLayers: get('tcp.stream').split('|').length,
    });
  }
  return { segments, stderr: run.stderr ?? '', status: run.status };
}

export interface TsharkConversation {
  a: string;
  b: string;
  framesBtoA: number;
  framesAtoB: number;
  relStart: string;
}

/** `tshark -q -z conv,tcp`: endpoints, frames each way, relative start. */
export function tsharkConversations(file: string): TsharkConversation[] {
  const run = spawnSync('tshark', ['-n', '-r', file, '-q', '-z', 'conv,tcp'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const out: TsharkConversation[] = [];
  const re = /^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+\d+\s+\S+\s+(\d+)\s+\d+\s+\S+\s+\d+\s+\d+\s+\S+\s+(\d+\.\d+)\s+/;
  for (const line of (run.stdout ?? '').split('\n')) {
    const m = re.exec(line.replace(/(\d),(\d)/g, '$1$2'));
    if (m) out.push({ a: m[1]!, b: m[2]!, framesBtoA: Number(m[3]), framesAtoB: Number(m[4]), relStart: m[5]! });
  }
  return out;
}

export interface TsharkFrame {
  frame: number;
  time: string;
  len: number;
  capLen: number;
  interfaceId: number;
}

/** Every frame's framing (number, time, lengths, interface) as tshark reads the file. */
export function tsharkFrames(file: string): { frames: TsharkFrame[]; stderr: string } {
  const args = ['-n', '-r', file, '-T', 'fields', '-E', 'separator=\t'];
  for (const f of ['frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_id']) args.push('-e', f);
  const run = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const frames: TsharkFrame[] = [];
  for (const line of (run.stdout ?? '').split('\n')) {
    if (!line) continue;
    const [n, t, len, cap, ifid] = line.split('\t');
    frames.push({ frame: Number(n), time: t ?? '', len: Number(len), capLen: Number(cap), interfaceId: ifid ? Number(ifid) : 0 });
  }
  return { frames, stderr: run.stderr ?? '' };
}

/** One stream as `tshark -q -z follow,tcp,raw,N` prints it. */
export interface TsharkFollow {
  /** "Node 0: addr:port" and "Node 1: ..." as printed. */
  node0: string;
  node1: string;
  /** The lines between the node lines and the footer: hex, the second node's indented by a tab. */
  lines: string[];
}

const FOLLOW_RULE = '='.repeat(67);

/**
 * tshark's Follow TCP Stream (raw) for several streams of one file, `batch` streams per tshark
 * run (each run reads the file once, whatever the number of -z), `parallel` runs at a time.
 * Streams tshark printed nothing for are absent from the map; `status` is the worst exit
 * status of the runs.
 */
export async function tsharkFollowRaw(
  file: string,
  streams: number[],
  batch = 500,
): Promise<{ follows: Map<number, TsharkFollow>; status: number | null; stderr: string }> {
  const follows = new Map<number, TsharkFollow>();
  let status: number | null = 0;
  let stderr = '';
  const runs: Array<Promise<void>> = [];
  for (let i = 0; i < streams.length; i += batch) {
    const args = ['-n', '-q', '-r', file];
    for (const s of streams.slice(i, i + batch)) args.push('-z', `follow,tcp,raw,${s}`);
    runs.push(
      runTshark(args).then((run) => {
        if (run.status !== 0) status = run.status;
        stderr += run.stderr;
        parseFollowBlocks(run.stdout, follows);
      }),
    );
  }
  await Promise.all(runs);
  return { follows, status, stderr };
}

/** At most this many tshark processes at once (they spend much of their time starting up). */
const TSHARK_PARALLEL = 4;
let tsharkRunning = 0;
const tsharkWaiting: Array<() => void> = [];

function runTshark(args: string[]): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const start = (): void => {
      tsharkRunning++;
      const child = spawn('tshark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (code) => {
        tsharkRunning--;
        tsharkWaiting.shift()?.();
        resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), status: code });
      });
    };
    if (tsharkRunning < TSHARK_PARALLEL) start();
    else tsharkWaiting.push(start);
  });
}

/** Each block: rule, "Follow: tcp,raw", "Filter: tcp.stream eq N", two node lines, data lines, rule. */
function parseFollowBlocks(stdout: string, into: Map<number, TsharkFollow>): void {
  const lines = stdout.split('\n');
  for (let k = 0; k < lines.length; k++) {
    if (lines[k] !== FOLLOW_RULE || lines[k + 1] !== 'Follow: tcp,raw') continue;
    const m = /^Filter: tcp\.stream eq (\d+)$/.exec(lines[k + 2] ?? '');
    if (!m) continue;
    const block: TsharkFollow = { node0: lines[k + 3] ?? '', node1: lines[k + 4] ?? '', lines: [] };
    let j = k + 5;
    for (; j < lines.length && lines[j] !== FOLLOW_RULE; j++) block.lines.push(lines[j]!);
    into.set(Number(m[1]), block);
    k = j;
  }
}

/** One application message tshark shows, placed on the frame that holds its first byte. */
export interface TsharkAppMessage {
  /** The frame tshark shows it on (the one that completes it). */
  shownIn: number;
  /** The frame of its first byte: the first of `tcp.segment` for the first message of a reassembled PDU. */
  start: number;
  stream: number;
  /** "GET /uri", "200", "hs:1" (TLS handshake type), "ct:23" (TLS record content type). */
  what: string;
  /** ClientHello: tls.handshake.extensions_server_name. */
  sni?: string;
}

type Json = string | Json[] | { [k: string]: Json };

function asList(v: Json | undefined): Json[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The first value of `key` anywhere below `o`, depth first. */
function deepFind(o: Json, key: string): string | undefined {
  if (typeof o === 'string') return undefined;
  if (Array.isArray(o)) {
    for (const x of o) {
      const r = deepFind(x, key);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(o)) {
    if (k === key && typeof v === 'string') return v;
    const r = deepFind(v, key);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** Every value of `key` below `o`, in document order. */
function deepAll(o: Json, key: string, out: string[] = []): string[] {
  if (typeof o === 'string') return out;
  if (Array.isArray(o)) {
    for (const x of o) deepAll(x, key, out);
    return out;
  }
  for (const [k, v] of Object.entries(o)) {
    if (k === key) for (const x of asList(v)) if (typeof x === 'string') out.push(x);
    deepAll(v, key, out);
  }
  return out;
}

/**
 * Every HTTP request and response and every TLS record tshark shows (-2, JSON with the layers in
 * order), each placed on the frame holding its first byte. tshark shows a message on the frame
 * that completes it; when that frame ends a reassembled PDU, the PDU is its first message and
 * `tcp.segment` lists the frames it came from, the first holding its first byte. Later messages
 * in the frame begin in it.
 */
export function tsharkAppMessages(file: string, extra: string[] = []): TsharkAppResult {
  const run = spawnSync('tshark', appArgs(file, extra), { encoding: 'utf8', maxBuffer: 1 << 30 });
  return parseAppMessages(run.stdout ?? '', run.stderr ?? '', run.status);
}

/** tsharkAppMessages without waiting: several tshark runs can overlap a test's own work. */
export function tsharkAppMessagesAsync(file: string, extra: string[] = []): Promise<TsharkAppResult> {
  return new Promise((resolve) => {
    execFile('tshark', appArgs(file, extra), { encoding: 'utf8', maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve(parseAppMessages(stdout, stderr, status));
    });
  });
}

export interface TsharkAppResult {
  messages: TsharkAppMessage[];
  stderr: string;
  status: number | null;
}

function appArgs(file: string, extra: string[]): string[] {
  // No TLS keys: records are shown as the wire has them (a key log in tshark's preferences would decrypt them).
  return ['-n', '-r', file, '-2', '-o', 'tls.keylog_file:', ...extra, '-Y', 'http.request || http.response || tls', '-T', 'json', '--no-duplicate-keys'];
}

function parseAppMessages(stdout: string, stderr: string, status: number | null): TsharkAppResult {
  const messages: TsharkAppMessage[] = [];
  let packets: Json[] = [];
  try {
    packets = JSON.parse(stdout || '[]') as Json[];
  } catch {
    return { messages, stderr: `${stderr}\nunreadable JSON from tshark`, status };
  }
  for (const p of packets) {
    const layers = (p as { _source: { layers: Record<string, Json> } })._source.layers;
    // HTTP over UDP (SSDP) is not ours to find.
    if (!layers.tcp) continue;
    const frameNumber = Number(deepFind(layers.frame!, 'frame.number'));
    const stream = Number(deepFind(layers.tcp ?? {}, 'tcp.stream'));
    const segments = layers['tcp.segments'] ? deepAll(layers['tcp.segments'], 'tcp.segment').map(Number) : [];
    // The PDU a reassembly completed is the frame's first layer of its protocol.
    let firstOfFrame = true;
    const place = (): number => {
      const start = firstOfFrame && segments.length ? segments[0]! : frameNumber;
      firstOfFrame = false;
      return start;
    };
    for (const h of asList(layers.http)) {
      const method = deepFind(h, 'http.request.method');
      const code = deepFind(h, 'http.response.code');
      const start = place();
      if (method !== undefined) messages.push({ shownIn: frameNumber, start, stream, what: `${method} ${deepFind(h, 'http.request.uri') ?? ''}` });
      else if (code !== undefined) messages.push({ shownIn: frameNumber, start, stream, what: code });
    }
    for (const t of asList(layers.tls)) {
      if (typeof t === 'string') continue;
      for (const r of asList((t as Record<string, Json>)['tls.record'])) {
        if (typeof r !== 'object' || Array.isArray(r)) continue;
        const start = place();
        const types = asList(r['tls.handshake']).flatMap((h) => (typeof h === 'object' && !Array.isArray(h) && typeof h['tls.handshake.type'] === 'string' ? [h] : []));
        if (types.length) {
          for (const h of types) {
            const m: TsharkAppMessage = { shownIn: frameNumber, start, stream, what: `hs:${h['tls.handshake.type'] as string}` };
            const sni = deepFind(h, 'tls.handshake.extensions_server_name');
            if (sni !== undefined) m.sni = sni;
            messages.push(m);
          }
        } else {
          const ct = r['tls.record.content_type'] ?? r['tls.record.opaque_type'];
          if (typeof ct === 'string') messages.push({ shownIn: frameNumber, start, stream, what: `ct:${ct}` });
        }
      }
    }
  }
  return { messages, stderr, status };
}

/** One item of `tshark -T pdml`: a protocol or a field, with where its bytes are in the frame. */
export interface PdmlItem {
  kind: 'proto' | 'field';
  name: string;
  pos: number;
  size: number;
  show: string;
  /** Wireshark marks duplicates made for filtering (eth.addr, ip.src_host...) hidden. */
  hidden: boolean;
}

/** A protocol at the top of a packet's tree, with every item below it in document order. */
export interface PdmlProto {
  name: string;
  pos: number;
  size: number;
  items: PdmlItem[];
}

/**
 * `tshark -n -T pdml -r FILE` read as it streams (pdml of a large capture is large): `onPacket`
 * gets each packet's top-level protocols, geninfo and frame left out.
 */
export function tsharkPdml(file: string, extra: string[], onPacket: (protos: PdmlProto[], frame: number) => void): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('tshark', ['-n', '-T', 'pdml', ...extra, '-r', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const parser = new SaxesParser();
    let protos: PdmlProto[] = [];
    let top: PdmlProto | null = null;
    let frame = 0;
    let inGeninfo = false;
    let depth = 0;
    let failure: Error | null = null;
    parser.on('opentag', (tag) => {
      depth++;
      const a = tag.attributes as Record<string, string>;
      if (tag.name === 'packet') {
        protos = [];
        return;
      }
      if (tag.name !== 'proto' && tag.name !== 'field') return;
      const item = { name: a.name ?? '', pos: Number(a.pos ?? 0), size: Number(a.size ?? 0), show: a.show ?? '' };
      if (depth === 3 && tag.name === 'proto') {
        inGeninfo = item.name === 'geninfo';
        top = inGeninfo || item.name === 'frame' ? null : { name: item.name, pos: item.pos, size: item.size, items: [] };
        if (top) protos.push(top);
        return;
      }
      if (inGeninfo && item.name === 'num') frame = Number(item.show);
      top?.items.push({ kind: tag.name, ...item, hidden: a.hide === 'yes' });
    });
    parser.on('closetag', (tag) => {
      depth--;
      if (tag.name === 'packet') onPacket(protos, frame);
      if (depth === 2) {
        top = null;
        inGeninfo = false;
      }
    });
    parser.on('error', (e) => {
      failure = e;
    });
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      if (!failure) parser.write(s);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (!failure) parser.close();
      if (failure) reject(failure);
      else resolve({ status: code, stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
