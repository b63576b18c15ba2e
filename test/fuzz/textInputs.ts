import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { FIXTURES } from '../helpers/paths';

/**
 * Capture text for the tcpdump/tshark parsers: lines built from real-looking tokens (times,
 * addresses, flags, seq/ack/win/length, options, tshark's fields and expert markers) over a small
 * pool of endpoints so lines fall into conversations; the same lines damaged; junk; real fixture
 * listings cut up and repeated; and very long lines of one fragment repeated (`1.1.1.1...`,
 * `, options [`, `[TCP [TCP `), the shape that makes a backtracking regex quadratic.
 */

const numberArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('0', '1', '79', '1460', '65535', '65536', '4294967295', '4294967296', '2000000000', '2147483648') },
  { weight: 1, arbitrary: fc.constantFrom('99999999999999999999', '-1', '01', '1e3', '0x10', 'NaN', '') },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0xffffffff }).map(String) },
  { weight: 2, arbitrary: fc.nat(2000).map(String) },
);

const v4Arb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('127.0.0.1', '10.0.0.1', '10.0.0.2', '192.168.1.10') }, { weight: 1, arbitrary: fc.ipV4() });
const v6Arb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('::1', 'fe80::1', '2001:db8::1', '2001:db8::2') }, { weight: 1, arbitrary: fc.ipV6() });
const addressArb = fc.oneof(
  { weight: 4, arbitrary: v4Arb },
  { weight: 2, arbitrary: v6Arb },
  { weight: 1, arbitrary: fc.constantFrom('1.1.1.1.1.1', ':::::', 'localhost', '', 'ff:ff:ff:ff:ff:ff', '1.2.3') },
);
const portArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('4000', '53416', '80', '443') }, { weight: 1, arbitrary: numberArb });

const tcpdumpTimeArb = fc.oneof(
  fc.constantFrom('21:00:11.032717', '00:00:00.000000', '23:59:59.999999', '21:00:11.032717123', '99:99:99.9'),
  fc.constantFrom('2024-03-01 21:00:11.032717', '1700000000.123456', '1700000000.000000001', '12345678901.1'),
  fc.tuple(fc.nat(23), fc.nat(59), fc.nat(59), fc.nat(999999)).map(
    ([h, m, s, us]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(us).padStart(6, '0')}`,
  ),
);

const tcpdumpFlagsArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('S', 'S.', '.', 'P.', 'F.', 'R', 'R.', 'FP.', 'SEW', 'S.E', 'none', 'e') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

const tcpdumpOptionArb = fc.oneof(
  numberArb.map((n) => `mss ${n}`),
  numberArb.map((n) => `wscale ${n}`),
  fc.constantFrom('sackOK', 'nop', 'eol', 'tfo cookiereq', 'tfo cookie a1b2c3d4', 'mptcp capable v1', 'unknown-99 0x0102', 'md5 shared secret not known'),
  fc.tuple(numberArb, numberArb).map(([v, e]) => `TS val ${v} ecr ${e}`),
  fc.array(fc.tuple(numberArb, numberArb), { maxLength: 4 }).map((bs) => `sack ${bs.length} ${bs.map(([l, r]) => `{${l}:${r}}`).join('')}`),
  fc.string({ maxLength: 12 }),
);

const tcpdumpFieldArb = fc.oneof(
  numberArb.map((n) => `, seq ${n}`),
  fc.tuple(numberArb, numberArb).map(([a, b]) => `, seq ${a}:${b}`),
  numberArb.map((n) => `, ack ${n}`),
  numberArb.map((n) => `, win ${n}`),
  fc.array(tcpdumpOptionArb, { maxLength: 6 }).map((o) => `, options [${o.join(',')}]`),
  numberArb.map((n) => `, length ${n}`),
  fc.constantFrom(', cksum 0xfe30 (incorrect -> 0x1234)', ', urg 1', ': HTTP: GET / HTTP/1.1', ': HTTP/1.1 200 OK', ' [bad hdr length 16 - too short, < 20]'),
);

/** A tcpdump line, usually in the order tcpdump prints its fields. */
const tcpdumpLineArb = fc
  .record({
    time: fc.option(tcpdumpTimeArb, { freq: 6 }),
    iface: fc.option(fc.constantFrom('eth0 In ', 'lo Out ', 'any M ', 'wlan0 B ', 'x P '), { freq: 5 }),
    ip: fc.constantFrom('IP', 'IP', 'IP6', 'ARP,', 'IP6', 'IP (tos 0x0, ttl 64)'),
    src: addressArb,
    sport: portArb,
    dst: addressArb,
    dport: portArb,
    flags: tcpdumpFlagsArb,
    fields: fc.array(tcpdumpFieldArb, { maxLength: 7 }),
    verbose: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  })
  .map((l) => {
    const head = `${l.time !== null ? `${l.time} ` : ''}${l.iface ?? ''}`;
    const tcp = `${l.src}.${l.sport} > ${l.dst}.${l.dport}: Flags [${l.flags}]${l.fields.join('')}`;
    // tcpdump -v: the IP header on one line, the addresses and TCP fields indented on the next.
    if (l.verbose) return `${head}IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 60)\n    ${tcp}`;
    return `${head}${l.ip} ${tcp}`;
  });

const tsharkFlagsArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('SYN', 'SYN, ACK', 'ACK', 'PSH, ACK', 'FIN, ACK', 'RST', 'RST, ACK', 'ECE, CWR, SYN', 'AE, SYN', 'NS, ACK', '') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z, ]{0,12}$/) },
);

const tsharkMarkerArb = fc.constantFrom(
  '[TCP Retransmission] ',
  '[TCP Fast Retransmission] ',
  '[TCP Dup ACK 5#1] ',
  '[TCP Previous segment not captured] ',
  '[TCP Out-Of-Order] ',
  '[TCP Keep-Alive] ',
  '[TCP ZeroWindow] ',
  '[TCP Window Update] ',
  '[TCP Port numbers reused] ',
  '[TCP ACKed unseen segment] ',
  '[TCP ',
  '[',
);

const tsharkFieldArb = fc.oneof(
  fc.tuple(fc.constantFrom('Seq', 'Ack', 'Win', 'Len', 'MSS', 'WS', 'TSval', 'TSecr', 'SLE', 'SRE', 'TFO'), numberArb).map(([k, v]) => `${k}=${v}`),
  fc.constantFrom('SACK_PERM', 'TFO=R', 'WS=1024', 'Len=0', '[TCP segment of a reassembled PDU]', '[TCP CHECKSUM INCORRECT]'),
);

const tsharkOtherInfoArb = fc.constantFrom(
  'GET / HTTP/1.1 ',
  'HTTP/1.1 200 OK  (text/plain)',
  'Who has 10.0.0.1? Tell 10.0.0.2',
  'Standard query 0x1234 A example.com',
  'Client Hello (SNI=example.com)',
  '',
);

/** A tshark line with its default columns. */
const tsharkLineArb = fc
  .record({
    no: fc.oneof({ weight: 4, arbitrary: fc.nat(2000).map(String) }, { weight: 1, arbitrary: numberArb }),
    time: fc.oneof(
      fc.constantFrom('0.000000', '12.5', '-0.1', '1700000000.123456789', '0.000000000'),
      fc.nat(100000).map((n) => `${Math.floor(n / 1000)}.${String(n % 1000).padStart(6, '0')}`),
    ),
    pad: fc.constantFrom(' ', '    ', '  ', ''),
    src: addressArb,
    dst: addressArb,
    arrow: fc.constantFrom('→', '→', '->'),
    proto: fc.constantFrom('TCP', 'TCP', 'TCP', 'HTTP', 'ARP', 'UDP', 'TLSv1.3', 'DNS'),
    flen: numberArb,
    markers: fc.array(tsharkMarkerArb, { maxLength: 3 }),
    sport: portArb,
    dport: portArb,
    flags: tsharkFlagsArb,
    fields: fc.array(tsharkFieldArb, { maxLength: 9 }),
    other: tsharkOtherInfoArb,
  })
  .map((l) => {
    const cols = `${l.pad}${l.no} ${l.pad}${l.time} ${l.src} ${l.arrow} ${l.dst} ${l.proto} ${l.flen} `;
    if (l.proto !== 'TCP') return cols + l.other;
    return `${cols}${l.markers.join('')}${l.sport} ${l.arrow} ${l.dport} [${l.flags}] ${l.fields.join(' ')}`;
  });

/** Pieces of both formats and some that belong to neither, for junk lines and inserted damage. */
const JUNK_TOKENS = [
  'IP', 'IP6', '>', 'Flags', '[S]', '[', ']', '[TCP ', ', seq', '1:2', ':', '.', '→', '->', 'Seq=', 'Len=', 'TCP', '74', '\t', ' ', '  ',
  '127.0.0.1', '::1', 'options [', '{1:2}', 'reading from file ', '\u0000', '\u00e9', '\uffff', '\ud800', '\u{1f642}', '\r', 'length',
  'ack', 'win', '21:00:11.032717', '1', '0', '4000', 'HTTP', 'GET',
];
const junkArb = fc.oneof(
  fc.array(fc.constantFrom(...JUNK_TOKENS), { maxLength: 30 }).map((t) => t.join('')),
  fc.array(fc.constantFrom(...JUNK_TOKENS), { maxLength: 30 }).map((t) => t.join(' ')),
  fc.string({ maxLength: 60, unit: 'binary' }),
);

/** A real-looking line with a few characters dropped, repeated, cut or replaced. */
const damagedLineArb = fc
  .tuple(
    fc.oneof(tcpdumpLineArb, tsharkLineArb),
    fc.array(fc.record({ op: fc.constantFrom('drop', 'repeat', 'cut', 'junk'), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }), junk: junkArb }), {
      minLength: 1,
      maxLength: 3,
    }),
  )
  .map(([line, edits]) => {
    let s = line;
    for (const e of edits) {
      const at = e.at % (s.length + 1);
      if (e.op === 'drop') s = s.slice(0, at) + s.slice(at + e.len);
      else if (e.op === 'repeat') s = s.slice(0, at + e.len) + s.slice(at);
      else if (e.op === 'cut') s = s.slice(0, at);
      else s = s.slice(0, at) + e.junk + s.slice(at);
    }
    return s;
  });

/** Fragments whose repetition makes a backtracking regex work per character per start position. */
export const LONG_LINE_FRAGMENTS = [
  '1.', '1.1.1.1.', '1', ' ', ':', 'a:', 'ff:', ', options [', ', options [mss 1,', '[TCP ', '[TCP [TCP ', '[', ']', 'Flags [', '{1:2}',
  'Seq=1 ', '→ ', '1 → ', '1 → 2 ', ', seq 1', ', seq 1:2', ', length 1', 'IP ', '1.1 > ', '.1 > 1.1: Flags [S]', 'TCP 74 ', '\t',
  'sack 1 {1:2}', 'TS val 1 ecr ', 'SLE=1 SRE=2 ', '0', '. ', ' > ',
];

const longLineArb = fc
  .record({
    prefix: fc.oneof(
      fc.constantFrom(
        '',
        '21:00:11.032717 IP ',
        '21:00:11.032717 IP 127.0.0.1.4000 > 127.0.0.1.53416: Flags [S.]',
        '    1   0.000000    127.0.0.1 → 127.0.0.1    TCP 74 ',
        '1 0.0 a → b TCP 74 1 → 2 [SYN] ',
      ),
      tcpdumpLineArb,
      tsharkLineArb,
    ),
    fragment: fc.constantFrom(...LONG_LINE_FRAGMENTS),
    count: fc.integer({ min: 200, max: 20000 }),
    suffix: fc.constantFrom('', ': Flags [S]', ' TCP 74 1 → 2 [SYN]', ']', ', length 1', 'x'),
  })
  // At most about 120 KB: long enough that quadratic work shows, short enough for many cases.
  .map(({ prefix, fragment, count, suffix }) => prefix + fragment.repeat(Math.min(count, Math.floor(120_000 / fragment.length))) + suffix);

const lineArb = fc.oneof(
  { weight: 5, arbitrary: tcpdumpLineArb },
  { weight: 5, arbitrary: tsharkLineArb },
  { weight: 3, arbitrary: damagedLineArb },
  { weight: 1, arbitrary: junkArb },
  { weight: 1, arbitrary: fc.constantFrom('', 'reading from file x.pcap, link-type EN10MB (Ethernet), snapshot length 262144', '   ', 'tcpdump: verbose output suppressed') },
);

const eolArb = fc.constantFrom('\n', '\n', '\r\n', '\r');

const linesTextArb = fc
  .record({ lines: fc.array(lineArb, { maxLength: 40 }), eol: eolArb, last: fc.boolean() })
  .map(({ lines, eol, last }) => lines.join(eol) + (last ? eol : ''));

const withLongLineArb = fc
  .record({ lines: fc.array(lineArb, { maxLength: 10 }), long: longLineArb, at: fc.nat(), eol: eolArb })
  .map(({ lines, long, at, eol }) => {
    const all = [...lines];
    all.splice(at % (lines.length + 1), 0, long);
    return all.join(eol);
  });

let fixtureTexts: string[] | null = null;
function textFixtures(): string[] {
  if (!fixtureTexts) {
    const dir = path.join(FIXTURES, 'text');
    fixtureTexts = fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  return fixtureTexts;
}

/** A real tcpdump or tshark listing with lines dropped, repeated, swapped or damaged, maybe many times over. */
const fixtureTextArb = fc
  .record({
    which: fc.nat(),
    edits: fc.array(
      fc.record({ op: fc.constantFrom('drop', 'repeat', 'swap', 'replace'), at: fc.nat(), other: fc.nat(), line: fc.oneof(lineArb, damagedLineArb) }),
      { maxLength: 6 },
    ),
    times: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 60 }) }),
  })
  .map(({ which, edits, times }) => {
    const texts = textFixtures();
    const lines = texts[which % texts.length]!.split('\n');
    for (const e of edits) {
      if (!lines.length) break;
      const at = e.at % lines.length;
      if (e.op === 'drop') lines.splice(at, 1);
      else if (e.op === 'repeat') lines.splice(at, 0, lines[at]!);
      else if (e.op === 'replace') lines[at] = e.line;
      else {
        const b = e.other % lines.length;
        [lines[at], lines[b]] = [lines[b]!, lines[at]!];
      }
    }
    return Array.from({ length: times }, () => lines.join('\n')).join('\n');
  });

export const captureTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: linesTextArb },
  { weight: 3, arbitrary: fixtureTextArb },
  { weight: 1, arbitrary: withLongLineArb },
);
