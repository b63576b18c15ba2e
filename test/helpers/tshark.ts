import { spawnSync } from 'node:child_process';

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
] as const;

const ANALYSIS_PREFIX = 'tcp.analysis.';
const ANALYSIS_FLAGS = FIELDS.filter(
  (f) => f.startsWith(ANALYSIS_PREFIX) && f !== 'tcp.analysis.initial_rtt' && f !== 'tcp.analysis.duplicate_ack_num',
);

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
