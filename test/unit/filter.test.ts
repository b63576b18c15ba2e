import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as fc from 'fast-check';
import { MemorySource } from '../../src/core/capture/source';
import { ClosingScenario, OpeningScenario, classify } from '../../src/core/explain/scenario';
import { CaptureIndex, indexCapture } from '../../src/core/index/captureIndex';
import { CompareOp, FilterExpr, FilterValue, SetItem, parseIpv4, parseIpv6, printFilter } from '../../src/core/filter/ast';
import { ConnectionFields, ConversationFields, FIELDS, FIELD_NAMES, ANALYSIS_FLAG_MASKS, OPENING_NAMES, CLOSING_NAMES } from '../../src/core/filter/fields';
import { CompiledFilter, FilterError, MAX_FILTER_LENGTH, filterErrorText, formatFilterError, looksLikeExpression, parseFilter } from '../../src/core/filter/filter';
import { FILTER_MESSAGES } from '../../src/core/filter/messages';
import { MAX_FILTER_DEPTH } from '../../src/core/filter/parser';
import {
  A_ACK_LOST_PACKET,
  A_DUPLICATE_ACK,
  A_FAST_RETRANSMISSION,
  A_KEEP_ALIVE,
  A_KEEP_ALIVE_ACK,
  A_LOST_PACKET,
  A_OUT_OF_ORDER,
  A_RETRANSMISSION,
  A_REUSED_PORTS,
  A_SPURIOUS_RETRANSMISSION,
  A_WINDOW_FULL,
  A_WINDOW_UPDATE,
  A_ZERO_WINDOW,
  A_ZERO_WINDOW_PROBE,
  A_ZERO_WINDOW_PROBE_ACK,
} from '../../src/core/tcp/analysis';
import { fixture } from '../helpers/paths';
import { tsharkAvailable } from '../helpers/tshark';

/*
 * The connection filter (src/core/filter): plain words as before, and Wireshark-style
 * expressions over connection fields. Examples pin each field, operator and error place;
 * properties hold for any expression the grammar makes (it prints and parses back, and the
 * compiled closures agree with a slow interpreter written here from the documented
 * semantics) and for any junk (never a throw, always a place inside the text, linear work).
 * Last, tshark itself: for tests that do not depend on a packet's direction, a connection
 * passes exactly when tshark -Y shows one of its packets.
 */

// ------------------------------------------------------------------------------- helpers

function words4(text: string): { words: [number, number, number, number]; v6: boolean } {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { words: [v4, 0, 0, 0], v6: false };
  const v6 = parseIpv6(text);
  assert.ok(v6, text);
  return { words: v6, v6: true };
}

interface ConnSpec {
  stream?: number;
  client?: string;
  server?: string;
  clientPort?: number;
  serverPort?: number;
  completeness?: number;
  start?: number;
  opening?: OpeningScenario;
  closing?: ClosingScenario;
  analysis?: number;
}

function conn(s: ConnSpec = {}): ConnectionFields {
  const client = words4(s.client ?? '10.0.0.1');
  const server = words4(s.server ?? '192.168.1.20');
  assert.equal(client.v6, server.v6, 'one family per connection');
  const clientPort = s.clientPort ?? 53416;
  const serverPort = s.serverPort ?? 4000;
  const text = (a: string, p: number): string => (a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`);
  return {
    stream: s.stream ?? 0,
    ipVersion: client.v6 ? 6 : 4,
    clientAddr: client.words,
    serverAddr: server.words,
    clientPort,
    serverPort,
    completeness: s.completeness ?? 31,
    start: s.start ?? 0,
    opening: s.opening ?? 'three-way-handshake',
    closing: s.closing ?? 'four-way-close',
    analysis: s.analysis ?? 0,
    clientText: text(s.client ?? '10.0.0.1', clientPort).toLowerCase(),
    serverText: text(s.server ?? '192.168.1.20', serverPort).toLowerCase(),
  };
}

function ok(text: string): CompiledFilter {
  const r = parseFilter(text);
  if ('error' in r) assert.fail(`${JSON.stringify(text)}: ${r.error.message}`);
  return r.ok;
}

function err(text: string): FilterError {
  const r = parseFilter(text);
  if ('ok' in r) assert.fail(`${JSON.stringify(text)} parsed as ${r.ok.kind} ${JSON.stringify(r.ok.text)}`);
  return r.error;
}

/** Which of the connections pass, by index. */
function passing(text: string, conns: ConnectionFields[]): number[] {
  const f = ok(text);
  return conns.flatMap((c, i) => (f.test(c) ? [i] : []));
}

function yes(text: string, c: ConnectionFields): void {
  assert.equal(ok(text).test(c), true, `${text} should match`);
}
function no(text: string, c: ConnectionFields): void {
  assert.equal(ok(text).test(c), false, `${text} should not match`);
}

// ------------------------------------------------------------------------------- plain words

describe('filter: plain words and bare numbers keep their old meaning', () => {
  const conns = [
    conn({ stream: 0, client: '10.0.0.1', clientPort: 53416, server: '10.0.0.2', serverPort: 4000 }),
    conn({ stream: 17, client: '172.16.0.9', clientPort: 41000, server: '10.0.0.2', serverPort: 443 }),
    conn({ stream: 170, client: 'fe80::1', clientPort: 5000, server: 'FE80::AB', serverPort: 80 }),
  ];

  it('empty or blank shows everything', () => {
    for (const t of ['', '   ', '\t\n']) {
      const f = ok(t);
      assert.equal(f.kind, 'all');
      assert.deepEqual(passing(t, conns), [0, 1, 2]);
    }
  });

  it('a bare number is that stream and nothing else (not 170, not a port)', () => {
    const f = ok(' 17 ');
    assert.equal(f.kind, 'stream');
    assert.equal(f.text, 'tcp.stream == 17');
    assert.deepEqual(passing('17', conns), [1]);
    assert.deepEqual(passing('4000', conns), []);
    assert.deepEqual(passing('0', conns), [0]);
    assert.deepEqual(passing('007', conns), [], 'decimal: 007 is stream 7');
    assert.equal(err(' 4294967296').message, '4294967296 is too big for tcp.stream (at most 4294967295) at 1');
  });

  it('a word is a substring of either endpoint, in any case; several words must all appear', () => {
    assert.deepEqual(passing('10.0.0', conns), [0, 1]);
    assert.deepEqual(passing(':443', conns), [1]);
    assert.deepEqual(passing('FE80::', conns), [2]);
    assert.deepEqual(passing('[fe80::ab]:80', conns), [2]);
    assert.deepEqual(passing('10.0.0.2 :4000', conns), [0]);
    assert.deepEqual(passing('172.16 :4000', conns), []);
    const f = ok('10.0.0.1');
    assert.equal(f.kind, 'words');
    assert.equal(f.needsText, true);
  });

  it('tells words from expressions as documented', () => {
    const plain = ['10.0.0.1', '10.0.0.1:4000', ':443', 'fe80::1', '[::1]:4000', '10.0.0.0/8', '4000 10.0', '-', '...', 'abc', 'xyz123'];
    const expressions = [
      'tcp',
      'ip.addr == 10.0.0.1',
      'closing',
      'tcp.analysis.retransmission',
      'not x',
      '10.0.0.1 and 10.0.0.2',
      'ip.adr',
      'a.b',
      '(x',
      'x)',
      '"x"',
      'x ~ y',
      'x|y',
      '!x',
      'a & b',
      'a < b',
    ];
    for (const t of plain) assert.equal(looksLikeExpression(t), false, t);
    for (const t of expressions) assert.equal(looksLikeExpression(t), true, t);
    assert.equal(err('ip.adr').message, "unknown field 'ip.adr': did you mean ip.addr? at 0");
  });
});

// ------------------------------------------------------------------------------- fields

describe('filter: every field', () => {
  it('tcp.stream', () => {
    yes('tcp.stream == 17', conn({ stream: 17 }));
    no('tcp.stream == 17', conn({ stream: 170 }));
    yes('tcp.stream >= 100', conn({ stream: 170 }));
    yes('tcp.stream == 4294967295', conn({ stream: 4294967295 }));
  });

  it('tcp.port matches either end; tcp.srcport is the client, tcp.dstport the server', () => {
    const c = conn({ clientPort: 53416, serverPort: 4000 });
    yes('tcp.port == 4000', c);
    yes('tcp.port == 53416', c);
    no('tcp.port == 80', c);
    yes('tcp.srcport == 53416', c);
    no('tcp.srcport == 4000', c);
    yes('tcp.dstport == 4000', c);
    no('tcp.dstport == 53416', c);
  });

  it('ip.addr matches either end; ip.src is the client, ip.dst the server', () => {
    const c = conn({ client: '10.0.0.1', server: '192.168.1.20' });
    yes('ip.addr == 10.0.0.1', c);
    yes('ip.addr == 192.168.1.20', c);
    no('ip.addr == 10.0.0.2', c);
    yes('ip.src == 10.0.0.1', c);
    no('ip.src == 192.168.1.20', c);
    yes('ip.dst == 192.168.1.20', c);
    no('ip.dst == 10.0.0.1', c);
  });

  it('IPv6 literals, on ip.* and ipv6.*; ipv6.* exists only on IPv6 connections', () => {
    const c6 = conn({ client: '2001:db8::1', server: '::1' });
    const c4 = conn({ client: '10.0.0.1', server: '127.0.0.1' });
    yes('ip.addr == ::1', c6);
    yes('ip.src == 2001:db8:0:0:0:0:0:1', c6);
    yes('ipv6.dst == ::1', c6);
    yes('ipv6.addr == 2001:DB8::1', c6);
    no('ip.addr == ::1', c4);
    no('ipv6.addr != ::1', c4);
    no('ipv6.addr', c4);
    yes('ipv6.addr', c6);
    yes('ip', c4);
    no('ip', c6);
    yes('ipv6', c6);
    no('ipv6', c4);
    yes('tcp', c4);
    yes('ip.addr == ::ffff:10.0.0.1', conn({ client: '::ffff:10.0.0.1', server: '::1' }));
    no('ip.addr == 10.0.0.1', conn({ client: '::ffff:10.0.0.1', server: '::1' }));
  });

  it('CIDR networks, IPv4 and IPv6, compared on the network bits (also for ordering)', () => {
    const c = conn({ client: '10.1.2.3', server: '192.168.1.20' });
    yes('ip.addr == 10.0.0.0/8', c);
    yes('ip.src == 10.1.0.0/16', c);
    no('ip.src == 10.2.0.0/16', c);
    yes('ip.addr == 0.0.0.0/0', c);
    yes('ip.dst == 192.168.1.0/24', c);
    no('ip.addr == 172.16.0.0/12', c);
    yes('ip.src > 9.0.0.0/8', c);
    no('ip.src > 10.0.0.0/8', c);
    yes('ip.src >= 10.0.0.0/8', c);
    yes('ip.src < 10.1.2.4', c);
    yes('ip.addr == 2001:db8::/32', conn({ client: '2001:db8:1::5', server: '::1' }));
    no('ip.addr == 2001:db9::/32', conn({ client: '2001:db8:1::5', server: '::1' }));
    yes('ip.src == 2001:db8:1::/48', conn({ client: '2001:db8:1:ffff::5', server: '::1' }));
    yes('ip.src == fe80::/10', conn({ client: 'febf::1', server: '::1' }));
    no('ip.src == fe80::/10', conn({ client: 'fec0::1', server: '::1' }));
  });

  it('tcp.completeness, also as a bit mask', () => {
    const c = conn({ completeness: 31 });
    yes('tcp.completeness == 31', c);
    yes('tcp.completeness == 0x1f', c);
    yes('tcp.completeness == 037', c);
    yes('tcp.completeness & 0x10', c);
    no('tcp.completeness & 0x20', c);
    yes('tcp.completeness bitwise_and 4', c);
    yes('not tcp.completeness & 0x20', c);
  });

  it('frame.time_relative is the connection start', () => {
    const c = conn({ start: 1.25 });
    yes('frame.time_relative == 1.25', c);
    yes('frame.time_relative > 1', c);
    no('frame.time_relative > 1.25', c);
    yes('frame.time_relative <= 1.250000', c);
    yes('frame.time_relative in {1..2}', c);
    no('frame.time_relative in {0 .. 1.2, 1.3..9}', c);
  });

  it('opening and closing take the scenario ids, quoted or not', () => {
    const c = conn({ opening: 'three-way-handshake', closing: 'reset' });
    yes('closing == "reset"', c);
    yes('closing == reset', c);
    no('closing == "four-way-close"', c);
    yes('opening == three-way-handshake', c);
    yes('opening != "refused"', c);
    yes('closing in {"reset", "rst-after-fin"}', c);
    yes('closing contains "rst" or closing contains "reset"', c);
    no('opening contains "refused"', c);
    yes('opening', c);
    assert.deepEqual(OPENING_NAMES.slice().sort(), ['mid-stream', 'no-answer', 'refused', 'simultaneous-open', 'syn-retransmitted', 'tcp-fast-open', 'three-way-handshake']);
    assert.deepEqual(CLOSING_NAMES.slice().sort(), ['four-way-close', 'half-close', 'open-at-end', 'reset', 'rst-after-fin', 'simultaneous-close', 'three-segment-close']);
  });

  // Written out by hand (not from analysisFlagNames) so a change in either is seen here.
  const FLAGS: Array<[name: string, bit: number, alsoSets?: string[]]> = [
    ['retransmission', A_RETRANSMISSION],
    ['fast_retransmission', A_FAST_RETRANSMISSION, ['retransmission']],
    ['spurious_retransmission', A_SPURIOUS_RETRANSMISSION, ['retransmission']],
    ['out_of_order', A_OUT_OF_ORDER],
    ['lost_segment', A_LOST_PACKET],
    ['ack_lost_segment', A_ACK_LOST_PACKET],
    ['window_update', A_WINDOW_UPDATE],
    ['window_full', A_WINDOW_FULL],
    ['keep_alive', A_KEEP_ALIVE],
    ['keep_alive_ack', A_KEEP_ALIVE_ACK],
    ['duplicate_ack', A_DUPLICATE_ACK],
    ['zero_window_probe', A_ZERO_WINDOW_PROBE],
    ['zero_window', A_ZERO_WINDOW],
    ['zero_window_probe_ack', A_ZERO_WINDOW_PROBE_ACK],
    ['reused_ports', A_REUSED_PORTS],
  ];

  it('every tcp.analysis.* flag the engine knows: the connection has any such segment', () => {
    assert.deepEqual([...ANALYSIS_FLAG_MASKS.keys()].sort(), FLAGS.map((f) => f[0]).sort());
    for (const [name, bit, also] of FLAGS) {
      const c = conn({ analysis: bit });
      for (const [other] of FLAGS) {
        const expected = other === name || (also ?? []).includes(other);
        assert.equal(ok(`tcp.analysis.${other}`).test(c), expected, `${name} set: tcp.analysis.${other}`);
      }
      yes('tcp.analysis.flags', c);
      no(`not tcp.analysis.${name}`, c);
    }
    no('tcp.analysis.flags', conn({ analysis: 0 }));
    // Per connection, not per segment: "has a flag, and has no window update at all".
    yes('tcp.analysis.flags && !tcp.analysis.window_update', conn({ analysis: A_ZERO_WINDOW }));
    no('tcp.analysis.flags && !tcp.analysis.window_update', conn({ analysis: A_ZERO_WINDOW | A_WINDOW_UPDATE }));
    no('tcp.analysis.flags && !tcp.analysis.window_update', conn({ analysis: A_WINDOW_UPDATE }));
  });

  it('every field has an example above, and FIELD_NAMES lists the table', () => {
    assert.deepEqual(FIELD_NAMES, [...FIELDS.keys()]);
    for (const name of FIELD_NAMES) assert.equal('ok' in parseFilter(name), true, name);
  });
});

// ------------------------------------------------------------------------------- operators

describe('filter: operators', () => {
  const c = conn({ stream: 5, clientPort: 53416, serverPort: 4000, client: '10.0.0.1', server: '10.0.0.2' });

  it('== != < <= > >= and their English names', () => {
    const table: Array<[string, boolean]> = [
      ['tcp.stream == 5', true],
      ['tcp.stream eq 5', true],
      ['tcp.stream any_eq 5', true],
      ['tcp.stream != 5', false],
      ['tcp.stream ne 6', true],
      ['tcp.stream < 5', false],
      ['tcp.stream lt 6', true],
      ['tcp.stream <= 5', true],
      ['tcp.stream le 4', false],
      ['tcp.stream > 4', true],
      ['tcp.stream gt 5', false],
      ['tcp.stream >= 5', true],
      ['tcp.stream ge 6', false],
      ['tcp.stream===5', true],
      ['tcp.stream all_eq 5', true],
      ['tcp.stream !== 5', false],
      ['tcp.stream ~= 6', true],
      ['tcp.stream any_ne 6', true],
      ['tcp.stream all_ne 5', false],
    ];
    for (const [t, expected] of table) assert.equal(ok(t).test(c), expected, t);
  });

  it('on two-valued fields: == any, != none equal (Wireshark 4), === all, !== any differs', () => {
    const table: Array<[string, boolean]> = [
      ['tcp.port == 4000', true],
      ['tcp.port != 4000', false],
      ['!(tcp.port == 4000)', false],
      ['tcp.port != 80', true],
      ['tcp.port === 4000', false],
      ['tcp.port !== 4000', true],
      ['tcp.port > 50000', true],
      ['tcp.port < 4000', false],
      ['ip.addr != 10.0.0.1', false],
      ['ip.addr != 10.0.0.9', true],
      ['ip.addr === 10.0.0.0/24', true],
      ['ip.addr === 10.0.0.1', false],
      ['ip.addr !== 10.0.0.1', true],
      ['ip.addr !== 10.0.0.0/24', false],
    ];
    for (const [t, expected] of table) assert.equal(ok(t).test(c), expected, t);
  });

  it('in {…} with commas or spaces, ranges, and not in', () => {
    const table: Array<[string, boolean]> = [
      ['tcp.port in {80, 443, 4000}', true],
      ['tcp.port in {80 443 4000}', true],
      ['tcp.port in {80,443}', false],
      ['tcp.port in {3990..4010}', true],
      ['tcp.port in {1 .. 1023, 8080}', false],
      ['tcp.port not in {80, 443}', true],
      ['tcp.port not in {4000}', false],
      ['tcp.stream in {0x5}', true],
      ['ip.addr in {10.0.0.2, 192.168.0.0/16}', true],
      ['ip.src in {10.0.0.0..10.0.0.0}', false],
      ['ip.src in {10.0.0.0..10.0.0.1}', true],
      ['ip.src in {10.0.0.0/24 .. 10.0.0.0/24}', true],
      ['ip.addr in {::1}', false],
      ['ipv6.addr not in {::1}', true],
    ];
    for (const [t, expected] of table) assert.equal(ok(t).test(c), expected, t);
  });

  it('and or not && || ! and parentheses', () => {
    const table: Array<[string, boolean]> = [
      ['tcp.port == 4000 and tcp.stream == 5', true],
      ['tcp.port == 4000 && tcp.stream == 6', false],
      ['tcp.port == 1 or tcp.stream == 5', true],
      ['tcp.port == 1 || tcp.stream == 6', false],
      ['not tcp.port == 1', true],
      ['!tcp.port == 4000', false],
      ['!(tcp.port == 4000)', false],
      ['not not tcp', true],
      ['!!!tcp', false],
      ['((tcp.stream == 5))', true],
      ['tcp.port==4000&&tcp.stream==5', true],
    ];
    for (const [t, expected] of table) assert.equal(ok(t).test(c), expected, t);
  });

  it('precedence: not binds tighter than and, and tighter than or', () => {
    const T = 'tcp';
    const F = 'not tcp';
    // a or b and c  ==  a or (b and c)
    assert.equal(ok(`${T} or ${F} and ${F}`).test(c), true);
    assert.equal(ok(`(${T} or ${F}) and ${F}`).test(c), false);
    // a and b or c  ==  (a and b) or c
    assert.equal(ok(`${F} and ${F} or ${T}`).test(c), true);
    // not a and b  ==  (not a) and b
    assert.equal(ok('not tcp.stream == 5 and tcp').test(c), false);
    assert.equal(ok('not (tcp.stream == 5 and not tcp)').test(c), true);
    // not a or b  ==  (not a) or b
    assert.equal(ok('not tcp or tcp').test(c), true);
    assert.deepEqual(ok('tcp or not tcp and tcp').expr, {
      kind: 'or',
      items: [{ kind: 'exists', field: 'tcp' }, { kind: 'and', items: [{ kind: 'not', item: { kind: 'exists', field: 'tcp' } }, { kind: 'exists', field: 'tcp' }] }],
    });
  });

  it('prints a canonical form that says the grouping', () => {
    const table: Array<[string, string]> = [
      ['tcp.port eq 80', 'tcp.port == 80'],
      ['tcp.port==0x50', 'tcp.port == 80'],
      ['!tcp || (ip && ipv6)', 'not tcp or ip and ipv6'],
      ['(tcp || ip) && ipv6', '(tcp or ip) and ipv6'],
      ['!(tcp && ip)', 'not (tcp and ip)'],
      ['tcp and (ip and ipv6)', 'tcp and (ip and ipv6)'],
      ['ip.addr == 10.1.2.3/8', 'ip.addr == 10.1.2.3/8'],
      ['ip.addr == 2001:DB8:0::1', 'ip.addr == 2001:db8::1'],
      ['tcp.port in {80 443 8000..8080}', 'tcp.port in {80, 443, 8000..8080}'],
      ['closing==reset', 'closing == "reset"'],
      ['opening contains "\\x41\\"\\\\"', 'opening contains "A\\"\\\\"'],
      ['tcp.completeness & 16', 'tcp.completeness & 0x10'],
      ['tcp.port ~= 1', 'tcp.port !== 1'],
      ['frame.time_relative >= 0.500', 'frame.time_relative >= 0.500'],
      ['opening contains "\\u4e2d\\u202e\\ud800\\x7f"', 'opening contains "中\\u202e\\ud800\\x7f"'],
      ['tcp\u3000and\u00a0ip', 'tcp and ip'],
    ];
    for (const [t, printed] of table) assert.equal(ok(t).text, printed, t);
  });
});

// ------------------------------------------------------------------------------- errors

describe('filter: a wrong expression says where it is wrong', () => {
  const table: Array<[text: string, offset: number, message: string]> = [
    ['ip.addr == ', 11, "expected a value after '==' instead of the end of the filter at 11"],
    ['tcp.port ==  and tcp', 13, "expected a value after '==' instead of 'and' at 13"],
    ['tcp.port == 80 tcp', 15, "expected 'and', 'or' or the end instead of 'tcp' at 15"],
    ['(tcp.port == 80 tcp)', 16, "expected 'and', 'or' or ')' instead of 'tcp' at 16"],
    ['((tcp)', 6, "the '(' at 0 is never closed at 6"],
    ['tcp)', 3, "expected 'and', 'or' or the end instead of ')' at 3"],
    ['tcp and', 7, "expected a field, 'not' or '(' instead of the end of the filter at 7"],
    ['and tcp', 0, "expected a field, 'not' or '(' instead of 'and' at 0"],
    ['tcp.prot == 80', 0, "unknown field 'tcp.prot': did you mean tcp.port? at 0"],
    ['TCP.PORT == 80', 0, "unknown field 'TCP.PORT': did you mean tcp.port? at 0"],
    ['http.host == 1', 0, "unknown field 'http.host' at 0"],
    ['10.0.0.1 or tcp', 0, "'10.0.0.1' is a value, not a field: write, for example, ip.addr == 10.0.0.1 at 0"],
    ['80 || 443', 0, "'80' is a value, not a field: write, for example, tcp.port == 80 at 0"],
    ['tcp.port == 70000', 12, '70000 is too big for tcp.port (at most 65535) at 12'],
    ['tcp.stream == 1.5', 14, "'1.5' is not a valid number at 14"],
    ['tcp.stream == 08', 14, "'08' is not a valid number at 14"],
    ['frame.time_relative > 1e3', 22, "'1e3' is not a valid time in seconds at 22"],
    ['ip.addr == 10.1', 11, "'10.1' is not a valid IPv4 or IPv6 address at 11"],
    ['ip.addr == 10.0.0.1/33', 19, 'a /33 network is wider than the address (32 bits at most) at 19'],
    ['ip.addr == "10.0.0.1"', 11, 'ip.addr takes its value without quotes at 11'],
    ['ipv6.addr == 10.0.0.1', 13, 'ipv6.addr takes an IPv6 address at 13'],
    ['ip.addr == 1:2:3', 11, "'1:2:3' is not a valid IPv4 or IPv6 address at 11"],
    ['tcp.analysis.retransmission == 1', 28, "tcp.analysis.retransmission is a flag and takes no value: write it alone, or with 'not' at 28"],
    ['closing < "reset"', 8, "'<' does not apply to closing at 8"],
    ['tcp.port contains 80', 9, "'contains' does not apply to tcp.port at 9"],
    ['ip.addr & 1', 8, "'&' does not apply to ip.addr at 8"],
    ['closing == "rest"', 11, "'rest' is not a name closing knows: one of four-way-close, three-segment-close, simultaneous-close, half-close, reset, rst-after-fin, open-at-end at 11"],
    ['closing in {reset..open-at-end}', 17, "a range ('..') does not apply to closing at 17"],
    ['tcp.port in 80', 12, "expected '{' after 'in' instead of '80' at 12"],
    ['tcp.port in {}', 13, "the set is empty: put at least one value between '{' and '}' at 13"],
    ['tcp.port in {80,}', 16, "expected a value after ',' instead of '}' at 16"],
    ['tcp.port in {80', 15, "expected a value, ',' or '}' instead of the end of the filter at 15"],
    ['tcp.port in {80 (', 16, "expected a value, ',' or '}' instead of '(' at 16"],
    ['tcp.port in {80 and 90}', 16, "expected a value, ',' or '}' instead of 'and' at 16"],
    ['tcp.port not 80', 13, "expected 'in' after 'not' instead of '80' at 13"],
    ['tcp.port == tcp.stream', 12, "comparing with another field ('tcp.stream') is not supported at 12"],
    ['closing matches "re"', 8, "'matches' is not supported in this filter at 8"],
    ['closing ~ "re"', 8, "'~' is not supported in this filter at 8"],
    ['closing == "reset', 11, 'this string has no closing quote at 11'],
    ['closing == "re\\qset"', 14, "unknown escape '\\q' in a string (use \\\\, \\\", \\n, \\t, \\r, \\xHH or \\uHHHH) at 14"],
    ['closing == "\\u12"', 12, "unknown escape '\\u' in a string (use \\\\, \\\", \\n, \\t, \\r, \\xHH or \\uHHHH) at 12"],
    ['tcp.port == 80 \u202e or tcp', 15, "unexpected character '\\u202e' at 15"],
    ['tcp.port \uff1d\uff1d 80', 9, "unexpected character '\uff1d' at 9"],
    ['tcp.port == 80 @', 15, "unexpected character '@' at 15"],
    ['tcp.port[0] == 1', 8, "unexpected character '[' at 8"],
    ['tcp.port == 80 ^^ tcp', 15, "unexpected character '^' at 15"],
    ['tcp.port == 80 and\u0001', 18, "unexpected character '\\x01' at 18"],
    ['AND tcp', 0, "unknown field 'AND' at 0"],
  ];

  for (const [text, offset, message] of table) {
    it(`${JSON.stringify(text)} -> ${offset}`, () => {
      const e = err(text);
      assert.equal(e.message, message);
      assert.equal(e.offset, offset);
      assert.equal(formatFilterError(e), message);
      assert.ok(e.offset >= 0 && e.offset <= text.length);
    });
  }

  it('the same errors in Simplified Chinese', () => {
    assert.equal(formatFilterError(err('ip.addr == '), 'zh-cn'), "'==' 之后应是一个值，却是 过滤器末尾（位置 11）");
    assert.equal(formatFilterError(err('tcp.prot == 80'), 'zh-cn'), "未知字段 'tcp.prot'：是不是想写 tcp.port？（位置 0）");
    assert.equal(filterErrorText(err('((tcp)'), 'zh-cn'), "位置 0 的 '(' 没有闭合");
    for (const [text] of table) assert.match(formatFilterError(err(text), 'zh-cn'), /[\u4e00-\u9fff]/, text);
  });

  it('too long: refused before any work, at the limit', () => {
    const e = err(`tcp and ${'x'.repeat(MAX_FILTER_LENGTH)}`);
    assert.equal(e.offset, MAX_FILTER_LENGTH);
    assert.equal(e.message, `the filter is longer than ${MAX_FILTER_LENGTH} characters at ${MAX_FILTER_LENGTH}`);
    const longest = `${'tcp or '.repeat(584)}tcp`.padEnd(MAX_FILTER_LENGTH, ' ');
    assert.equal(longest.length, MAX_FILTER_LENGTH);
    assert.equal('ok' in parseFilter(longest), true);
  });

  it('too deep: nesting past the cap is an error at the first level too many', () => {
    for (const open of ['(', '!', 'not ', '!(']) {
      const ok1 = `${open.repeat(MAX_FILTER_DEPTH / (open === '!(' ? 2 : 1))}tcp${open.includes('(') ? ')'.repeat(MAX_FILTER_DEPTH / (open === '!(' ? 2 : 1)) : ''}`;
      assert.equal('ok' in parseFilter(ok1), true, ok1.slice(0, 20));
      const deep = `${open.repeat(4000 / open.length)}tcp`.slice(0, 4000);
      const e = err(deep);
      assert.equal(e.id, 'tooDeep', open);
      assert.equal(e.message, `the filter nests deeper than ${MAX_FILTER_DEPTH} levels at ${e.offset}`);
      const step = open === '!(' ? 1 : open.length;
      assert.equal(e.offset, MAX_FILTER_DEPTH * step, open);
    }
  });

  it('messages: both languages have the same keys and placeholders', () => {
    const en = FILTER_MESSAGES.en;
    const zh = FILTER_MESSAGES['zh-cn'];
    assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
    const holes = (s: string): string[] => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const k of Object.keys(en) as Array<keyof typeof en>) {
      assert.deepEqual(holes(zh[k]), holes(en[k]), k);
      if (k !== 'at') assert.match(zh[k], /[\u4e00-\u9fff]/, k);
    }
  });
});

// ------------------------------------------------------------------------------- properties

const UINT_FIELDS = ['tcp.stream', 'tcp.port', 'tcp.srcport', 'tcp.dstport', 'tcp.completeness'];
const ADDR_FIELDS = ['ip.addr', 'ip.src', 'ip.dst', 'ipv6.addr', 'ipv6.src', 'ipv6.dst'];
const NAME_FIELDS = ['opening', 'closing'];
const ALL_OPS: CompareOp[] = ['==', '!=', '===', '!==', '<', '<=', '>', '>='];

const u32 = fc.oneof(fc.constantFrom(0, 1, 0x0a000001, 0x7f000001, 0xffffffff, 0x80000000), fc.integer({ min: 0, max: 0xffffffff }));

function valueArb(field: string): fc.Arbitrary<FilterValue> {
  const f = FIELDS.get(field)!;
  switch (f.type) {
    case 'uint':
      return fc.oneof(fc.integer({ min: 0, max: Math.min(f.max!, 8) }), fc.integer({ min: 0, max: f.max! })).map((value) => ({ type: 'uint' as const, value }));
    case 'time':
      return fc
        .tuple(fc.oneof(fc.nat(3), fc.nat(1_000_000)), fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }))
        .map(([whole, frac]) => {
          const text = frac === undefined ? String(whole) : `${whole}.${frac}`;
          return { type: 'time' as const, value: Number(text), text };
        });
    case 'addr': {
      const v4 = fc.tuple(u32, fc.oneof(fc.constant(32), fc.integer({ min: 0, max: 32 }))).map(([w, prefix]) => ({ type: 'addr' as const, v6: false, words: [w, 0, 0, 0] as [number, number, number, number], prefix }));
      const v6 = fc
        .tuple(fc.oneof(fc.tuple(u32, u32, u32, u32), fc.tuple(fc.constant(0), fc.constant(0), fc.constantFrom(0, 0xffff), u32)), fc.oneof(fc.constant(128), fc.integer({ min: 0, max: 128 })))
        .map(([w, prefix]) => ({ type: 'addr' as const, v6: true, words: w as [number, number, number, number], prefix }));
      return f.ipv6Only ? v6 : fc.oneof(v4, v6);
    }
    default:
      return fc.constantFrom(...f.names!).map((value) => ({ type: 'name' as const, value }));
  }
}

const anyText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\t', '\x01', '\x7f', '\x9f', 'a', ' ', '中', 'x', '{', '}'), maxLength: 10 }),
);

const testArb: fc.Arbitrary<FilterExpr> = fc.oneof(
  fc.constantFrom(...FIELD_NAMES).map((field): FilterExpr => ({ kind: 'exists', field })),
  fc.constantFrom(...UINT_FIELDS, 'frame.time_relative', ...ADDR_FIELDS).chain((field) =>
    fc.record({ kind: fc.constant('compare' as const), field: fc.constant(field), op: fc.constantFrom(...ALL_OPS), value: valueArb(field) }),
  ),
  fc.constantFrom(...NAME_FIELDS).chain((field) =>
    fc.record({ kind: fc.constant('compare' as const), field: fc.constant(field), op: fc.constantFrom<CompareOp>('==', '!=', '===', '!=='), value: valueArb(field) }),
  ),
  fc.record({ kind: fc.constant('contains' as const), field: fc.constantFrom(...NAME_FIELDS), value: anyText }),
  fc.constantFrom(...UINT_FIELDS, 'frame.time_relative', ...ADDR_FIELDS, ...NAME_FIELDS).chain((field) => {
    const v = valueArb(field);
    const item: fc.Arbitrary<SetItem> = NAME_FIELDS.includes(field) ? v : fc.oneof(v, fc.record({ type: fc.constant('range' as const), lo: v, hi: v }));
    return fc.record({ kind: fc.constant('in' as const), field: fc.constant(field), negated: fc.boolean(), items: fc.array(item, { minLength: 1, maxLength: 4 }) });
  }),
  fc.constantFrom(...UINT_FIELDS).chain((field) =>
    fc.record({ kind: fc.constant('bitand' as const), field: fc.constant(field), mask: fc.integer({ min: 0, max: FIELDS.get(field)!.max! }) }),
  ),
);

const exprArb: fc.Arbitrary<FilterExpr> = fc.letrec<{ expr: FilterExpr }>((tie) => ({
  expr: fc.oneof(
    { maxDepth: 5, depthSize: 'small' },
    testArb,
    tie('expr').map((item): FilterExpr => ({ kind: 'not', item })),
    fc.array(tie('expr'), { minLength: 2, maxLength: 4 }).map((items): FilterExpr => ({ kind: 'and', items })),
    fc.array(tie('expr'), { minLength: 2, maxLength: 4 }).map((items): FilterExpr => ({ kind: 'or', items })),
  ),
})).expr;

const connArb: fc.Arbitrary<ConnectionFields> = fc
  .record({
    v6: fc.boolean(),
    a: fc.tuple(u32, u32, u32, u32),
    b: fc.tuple(u32, u32, u32, u32),
    stream: fc.oneof(fc.nat(8), fc.nat(0xffffffff)),
    clientPort: fc.oneof(fc.constantFrom(0, 80, 4000, 65535), fc.nat(65535)),
    serverPort: fc.oneof(fc.constantFrom(0, 80, 4000, 65535), fc.nat(65535)),
    completeness: fc.nat(63),
    start: fc.oneof(fc.constantFrom(0, 1, 0.5), fc.double({ min: 0, max: 2e6, noNaN: true })),
    opening: fc.constantFrom(...(OPENING_NAMES as OpeningScenario[])),
    closing: fc.constantFrom(...(CLOSING_NAMES as ClosingScenario[])),
    analysis: fc.oneof(fc.constant(0), fc.nat(0x7fff)),
  })
  .map((r) => ({
    stream: r.stream,
    ipVersion: r.v6 ? 6 : 4,
    clientAddr: r.v6 ? r.a : [r.a[0], 0, 0, 0],
    serverAddr: r.v6 ? r.b : [r.b[0], 0, 0, 0],
    clientPort: r.clientPort,
    serverPort: r.serverPort,
    completeness: r.completeness,
    start: r.start,
    opening: r.opening,
    closing: r.closing,
    analysis: r.analysis,
    clientText: '',
    serverText: '',
  }));

/** A connection that shares values with the expression, so tests are not all false. */
function connLike(e: FilterExpr): fc.Arbitrary<ConnectionFields> {
  const seen: FilterValue[] = [];
  const walk = (x: FilterExpr): void => {
    if (x.kind === 'and' || x.kind === 'or') x.items.forEach(walk);
    else if (x.kind === 'not') walk(x.item);
    else if (x.kind === 'compare') seen.push(x.value);
    else if (x.kind === 'in') for (const i of x.items) seen.push(...(i.type === 'range' ? [i.lo, i.hi] : [i]));
  };
  walk(e);
  if (seen.length === 0) return connArb;
  return fc.tuple(connArb, fc.constantFrom(...seen), fc.constantFrom(...seen), fc.nat(3)).map(([c, v, w, where]) => {
    const out = { ...c } as { -readonly [K in keyof ConnectionFields]: ConnectionFields[K] };
    for (const val of [v, w]) {
      if (val.type === 'uint') {
        if (where === 0) out.stream = val.value;
        if (where <= 1 && val.value <= 0xffff) out.clientPort = val.value;
        if (where >= 1 && val.value <= 0xffff) out.serverPort = val.value;
        if (where === 3 && val.value <= 0xff) out.completeness = val.value;
      } else if (val.type === 'time') out.start = val.value;
      else if (val.type === 'addr') {
        out.ipVersion = val.v6 ? 6 : 4;
        const mine = val.v6 ? [...val.words] : [val.words[0], 0, 0, 0];
        const other = (a: ArrayLike<number>): number[] => (val.v6 ? Array.from(a) : [a[0]!, 0, 0, 0]);
        if (where % 2 === 0) {
          out.clientAddr = mine;
          out.serverAddr = other(c.serverAddr);
        } else {
          out.serverAddr = mine;
          out.clientAddr = other(c.clientAddr);
        }
      } else if (OPENING_NAMES.includes(val.value)) out.opening = val.value as OpeningScenario;
      else out.closing = val.value as ClosingScenario;
    }
    return out;
  });
}

// A slow interpreter of the documented semantics (compile.ts's header), with BigInt addresses.

type RefValue = number | { v6: boolean; n: bigint } | string;

const REF_FLAGS: Record<string, number> = {
  retransmission: A_RETRANSMISSION | A_FAST_RETRANSMISSION | A_SPURIOUS_RETRANSMISSION,
  fast_retransmission: A_FAST_RETRANSMISSION,
  spurious_retransmission: A_SPURIOUS_RETRANSMISSION,
  out_of_order: A_OUT_OF_ORDER,
  lost_segment: A_LOST_PACKET,
  ack_lost_segment: A_ACK_LOST_PACKET,
  window_update: A_WINDOW_UPDATE,
  window_full: A_WINDOW_FULL,
  keep_alive: A_KEEP_ALIVE,
  keep_alive_ack: A_KEEP_ALIVE_ACK,
  duplicate_ack: A_DUPLICATE_ACK,
  zero_window_probe: A_ZERO_WINDOW_PROBE,
  zero_window: A_ZERO_WINDOW,
  zero_window_probe_ack: A_ZERO_WINDOW_PROBE_ACK,
  reused_ports: A_REUSED_PORTS,
};

function bigAddr(words: ArrayLike<number>, v6: boolean): { v6: boolean; n: bigint } {
  if (!v6) return { v6, n: BigInt(words[0]! >>> 0) };
  let n = 0n;
  for (let i = 0; i < 4; i++) n = (n << 32n) | BigInt(words[i]! >>> 0);
  return { v6, n };
}

function refExists(field: string, c: ConnectionFields): boolean {
  if (field === 'tcp') return true;
  if (field === 'ip') return c.ipVersion === 4;
  if (field === 'ipv6' || field.startsWith('ipv6.')) return c.ipVersion === 6;
  if (field === 'tcp.analysis.flags') return c.analysis !== 0;
  if (field.startsWith('tcp.analysis.')) return (c.analysis & REF_FLAGS[field.slice('tcp.analysis.'.length)]!) !== 0;
  return true;
}

function refValues(field: string, c: ConnectionFields): RefValue[] {
  const v6 = c.ipVersion === 6;
  switch (field) {
    case 'tcp.stream':
      return [c.stream];
    case 'tcp.port':
      return [c.clientPort, c.serverPort];
    case 'tcp.srcport':
      return [c.clientPort];
    case 'tcp.dstport':
      return [c.serverPort];
    case 'tcp.completeness':
      return [c.completeness];
    case 'frame.time_relative':
      return [c.start];
    case 'ip.addr':
    case 'ipv6.addr':
      return [bigAddr(c.clientAddr, v6), bigAddr(c.serverAddr, v6)];
    case 'ip.src':
    case 'ipv6.src':
      return [bigAddr(c.clientAddr, v6)];
    case 'ip.dst':
    case 'ipv6.dst':
      return [bigAddr(c.serverAddr, v6)];
    case 'opening':
      return [c.opening];
    case 'closing':
      return [c.closing];
  }
  throw new Error(field);
}

/** -1, 0, 1, or NaN across address families. */
function refOrder(x: RefValue, v: FilterValue): number {
  if (v.type === 'uint' || v.type === 'time') return (x as number) < v.value ? -1 : (x as number) > v.value ? 1 : 0;
  if (v.type === 'name') return x === v.value ? 0 : NaN;
  const a = x as { v6: boolean; n: bigint };
  if (a.v6 !== v.v6) return NaN;
  const bits = v.v6 ? 128 : 32;
  const lit = bigAddr(v.words, v.v6).n;
  const shift = BigInt(bits - v.prefix);
  const am = a.n >> shift;
  const lm = lit >> shift;
  return am < lm ? -1 : am > lm ? 1 : 0;
}

function refEval(e: FilterExpr, c: ConnectionFields): boolean {
  switch (e.kind) {
    case 'or':
      return e.items.some((x) => refEval(x, c));
    case 'and':
      return e.items.every((x) => refEval(x, c));
    case 'not':
      return !refEval(e.item, c);
    case 'exists':
      return refExists(e.field, c);
    case 'compare': {
      if (!refExists(e.field, c)) return false;
      const xs = refValues(e.field, c);
      const o = (x: RefValue): number => refOrder(x, e.value);
      switch (e.op) {
        case '==':
          return xs.some((x) => o(x) === 0);
        case '!=':
          return !xs.some((x) => o(x) === 0);
        case '===':
          return xs.every((x) => o(x) === 0);
        case '!==':
          return xs.some((x) => o(x) !== 0);
        case '<':
          return xs.some((x) => o(x) < 0);
        case '<=':
          return xs.some((x) => o(x) <= 0);
        case '>':
          return xs.some((x) => o(x) > 0);
        case '>=':
          return xs.some((x) => o(x) >= 0);
      }
      break;
    }
    case 'contains':
      return refValues(e.field, c).some((x) => (x as string).includes(e.value));
    case 'in': {
      const has =
        refExists(e.field, c) &&
        refValues(e.field, c).some((x) => e.items.some((i) => (i.type === 'range' ? refOrder(x, i.lo) >= 0 && refOrder(x, i.hi) <= 0 : refOrder(x, i) === 0)));
      return e.negated ? !has : has;
    }
    case 'bitand':
      return refValues(e.field, c).some((x) => ((x as number) & e.mask) !== 0);
  }
}

/** Junk made of the language's own pieces, so it often gets deep into the parser. */
const PIECES = [
  'tcp.port', 'ip.addr', 'ip.src', 'ipv6.dst', 'tcp.stream', 'closing', 'opening', 'frame.time_relative', 'tcp.analysis.flags', 'tcp.completeness',
  'tcp', 'ip', 'ip.adr', 'x.y', 'and', 'or', 'not', 'in', 'contains', 'eq', 'matches', 'bitwise_and',
  ' ', ' ', ' ', '==', '!=', '===', '!==', '~=', '<', '<=', '>', '>=', '&&', '||', '!', '&', '|', '=', '~', '^',
  '(', ')', '{', '}', ',', '..', '.', ':', '/', '-', '"', '\\', '\\x4', '\\x41', 'r"',
  '10.0.0.1', '::1', 'fe80::', '/8', '/200', '0x', '0x1F', '010', '08', '80', '65536', '4294967296', '1.5', 'reset', 'three-way-handshake',
  '\u0000', '\n', 'é', '中', '\ud800', '😀', '[', ']', '@', '#', '$',
];
const junkArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((a) => a.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 60 }) },
  // A valid expression, damaged in one place.
  {
    weight: 3,
    arbitrary: fc.tuple(exprArb, fc.nat(), fc.nat(3), fc.constantFrom(...PIECES)).map(([e, at, how, piece]) => {
      const s = printFilter(e);
      const i = s.length ? at % s.length : 0;
      return how === 0 ? s.slice(0, i) : how === 1 ? s.slice(0, i) + s.slice(i + 1) : how === 2 ? s.slice(0, i) + piece + s.slice(i) : s.slice(i);
    }),
  },
);

describe('filter: properties', () => {
  const RUNS = 1000;

  it('any expression the grammar makes prints and parses back to itself', () => {
    fc.assert(
      fc.property(exprArb, (e) => {
        const text = printFilter(e);
        const r = parseFilter(text);
        if ('error' in r) throw new Error(`${text}: ${r.error.message}`);
        assert.equal(r.ok.kind, 'expression');
        // fast-check's records have no prototype; compare the data only.
        assert.deepEqual(r.ok.expr, JSON.parse(JSON.stringify(e)));
        assert.equal(r.ok.text, text);
      }),
      { numRuns: RUNS, seed: 20261210 },
    );
  });

  it('the compiled closures agree with a slow interpreter of the semantics', () => {
    fc.assert(
      fc.property(
        exprArb.chain((e) => fc.tuple(fc.constant(e), fc.array(fc.oneof(connArb, connLike(e)), { minLength: 1, maxLength: 6 }))),
        ([e, conns]) => {
          const f = ok(printFilter(e));
          for (const c of conns) assert.equal(f.test(c), refEval(e, c), `${printFilter(e)} on ${JSON.stringify(c)}`);
        },
      ),
      { numRuns: RUNS, seed: 20261211 },
    );
  });

  it('junk never throws: it is a filter or an error placed inside the text', () => {
    fc.assert(
      fc.property(junkArb, (text) => {
        const r = parseFilter(text);
        if ('error' in r) {
          assert.ok(Number.isInteger(r.error.offset) && r.error.offset >= 0 && r.error.offset <= text.length, `offset ${r.error.offset} of ${text.length}`);
          assert.equal(r.error.message, formatFilterError(r.error));
          assert.ok(formatFilterError(r.error, 'zh-cn').length > 0);
          assert.doesNotMatch(r.error.message, /[\x00-\x08\x0b-\x1f]/, 'no control characters in a message');
        } else if (r.ok.kind === 'expression') {
          // The canonical form is a fixed point.
          const again = ok(r.ok.text);
          assert.equal(again.text, r.ok.text);
          assert.deepEqual(again.expr, r.ok.expr);
        }
      }),
      { numRuns: RUNS * 2, seed: 20261212 },
    );
  });

  it('work is linear in the length: 4000 characters of anything cost a bounded number of steps', () => {
    const unit = fc.oneof(
      fc.constantFrom(...PIECES),
      fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 6 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(unit, (u) => {
        const text = u.repeat(Math.ceil(4000 / u.length)).slice(0, 4000);
        const stats = { steps: 0 };
        const r = parseFilter(text, stats);
        assert.ok(stats.steps <= 8 * text.length + 64, `${stats.steps} steps for ${text.length} characters of ${JSON.stringify(u)} (${'error' in r ? r.error.message : 'ok'})`);
      }),
      { numRuns: 300, seed: 20261213 },
    );
  });

  it('work is linear on hand-made hostile inputs too', () => {
    const chain = (n: number, sep: string, item: string): string => Array.from({ length: n }, () => item).join(sep);
    const hostile = [
      chain(220, ' or ', 'tcp.port == 80'),
      chain(400, ' and ', '(tcp)'),
      chain(130, ' || ', 'tcp.port in {1, 2..3, 4 5}'),
      `tcp.port in {${chain(900, ',', '80')}}`,
      `ip.addr in {${chain(200, ' ', '2001:db8::1/64')}}`,
      `closing contains "${'\\x41'.repeat(900)}"`,
      `closing contains "${'a'.repeat(3990)}`,
      `tcp.stream == ${'9'.repeat(3980)}`,
      `ip.addr == ${'1:'.repeat(1990)}`,
      `frame.time_relative == ${'1'.repeat(2000)}.${'2'.repeat(1970)}`,
      `${'x'.repeat(3990)}.y == 1`,
      '('.repeat(4000),
      '!'.repeat(4000),
      `${'(tcp) or '.repeat(440)}`,
      `${'tcp and not '.repeat(330)}tcp`,
      'a.'.repeat(2000),
      '..'.repeat(2000),
      '"'.repeat(4000),
      '\\'.repeat(4000),
    ];
    for (const text of hostile) {
      assert.ok(text.length <= MAX_FILTER_LENGTH, `${text.length}`);
      const stats = { steps: 0 };
      const r = parseFilter(text, stats);
      assert.ok(stats.steps <= 8 * text.length + 64, `${stats.steps} steps for ${JSON.stringify(text.slice(0, 30))}… (${'error' in r ? r.error.message : 'ok'})`);
      if ('ok' in r) {
        // Long chains stay flat: evaluating them uses no deep recursion.
        r.ok.test(conn());
      }
    }
  });
});

// ------------------------------------------------------------------------------- real captures

interface Indexed {
  ix: CaptureIndex;
  conns: Array<{ stream: number; fields: ConnectionFields }>;
}

function analysisOf(ix: CaptureIndex, stream: number): number {
  let a = 0;
  for (const i of ix.segmentsOf(stream)) a |= ix.analysis[i]!;
  return a;
}

function indexed(file: string): Indexed {
  const bytes = fs.readFileSync(fixture(file));
  const ix = indexCapture(() => new MemorySource(bytes));
  const buf = new ConversationFields();
  const conns = ix.summary.analyzer.conversations.map((conv) => {
    const s = classify(ix, conv.stream);
    buf.set(conv, s.opening, s.closing, analysisOf(ix, conv.stream), ix.summary.firstSec, ix.summary.firstNsec);
    // A copy: the buffer is refilled for the next one.
    const fields: ConnectionFields = { ...buf, clientAddr: Array.from(buf.clientAddr), serverAddr: Array.from(buf.serverAddr), clientText: buf.clientText, serverText: buf.serverText };
    return { stream: conv.stream, fields };
  });
  return { ix, conns };
}

describe('filter: on real captures', () => {
  it('ConversationFields fills the client as ip.src/tcp.srcport, the scenario, the start and the flags', () => {
    const { conns } = indexed('01_http_node_conn_close.pcapng');
    assert.equal(conns.length, 1);
    const c = conns[0]!.fields;
    assert.equal(c.clientText, '127.0.0.1:53416');
    assert.equal(c.serverText, '127.0.0.1:4000');
    yes('ip.src == 127.0.0.1 and tcp.srcport == 53416 and tcp.dstport == 4000', c);
    yes('opening == "three-way-handshake" and closing == "three-segment-close"', c);
    yes('frame.time_relative == 0 and tcp.completeness == 31', c);
    no('tcp.analysis.flags', c);
    yes(':4000', c);

    const six = indexed('08_ipv6_loopback_http_conn_close.pcapng').conns[0]!.fields;
    yes('ipv6 and ip.addr == ::1 and ipv6.src == ::1/128', six);
    assert.equal(six.serverText.startsWith('[::1]:'), true);

    const zero = indexed('13_zero_window_slow_reader.pcapng').conns[0]!.fields;
    yes('tcp.analysis.zero_window and tcp.analysis.flags', zero);
  });

  it('bare numbers and words find a connection among many', () => {
    const { conns } = indexed('09_many_short_connections_200_plus_20_port_reuse.pcapng');
    const fields = conns.map((c) => c.fields);
    const last = conns.length - 1;
    assert.deepEqual(passing(String(last), fields), [last]);
    assert.deepEqual(passing(`tcp.stream == ${last}`, fields), [last]);
    assert.ok(passing('tcp.analysis.reused_ports', fields).length > 0);
    assert.ok(passing('frame.time_relative > 0', fields).length > 0);
  });

  const PARITY_FILES = [
    '03_conn_refused_loopback_v4_v6.pcapng',
    '07_loss10pct_600KB_client_side.pcapng',
    '09_many_short_connections_200_plus_20_port_reuse.pcapng',
    '13_zero_window_slow_reader.pcapng',
  ];
  // Only tests a connection's every packet agrees on (both ends, both ports, the stream, or
  // an or of flags), so "a packet of it passes tshark -Y" means "the connection passes".
  const PARITY_EXPRESSIONS = [
    ...[...ANALYSIS_FLAG_MASKS.keys()].map((n) => `tcp.analysis.${n}`),
    'tcp.analysis.flags',
    'tcp.analysis.retransmission or tcp.analysis.duplicate_ack or tcp.analysis.zero_window',
    'tcp.port == 4000',
    'tcp.port != 4000',
    'tcp.port !== 4000',
    'tcp.port in {4000, 40000..50000}',
    'tcp.port not in {4000}',
    'tcp.port > 50000 and tcp.port < 60000',
    'tcp.stream in {0, 3..7} or tcp.stream == 100',
    'not tcp.stream == 1',
    'ip.addr == 127.0.0.1',
    'ip.addr == 127.0.0.0/8 && !(tcp.port == 4000)',
    'ipv6.addr == ::1',
    'ipv6.addr != ::1',
    'ipv6.addr not in {::1}',
    'ipv6',
    'ip',
  ];

  it('agrees with tshark 4.0 (-z conv,tcp,FILTER): the same connections pass', function () {
    if (!tsharkAvailable()) this.skip();
    this.timeout(120_000);
    for (const file of PARITY_FILES) {
      const { conns } = indexed(file);
      // One tshark run per file, a conversation table per expression: a row for each stream
      // with a packet that passes, named by its two endpoints (a reused pair comes once per stream).
      const r = spawnSync('tshark', ['-n', '-q', '-r', fixture(file), ...PARITY_EXPRESSIONS.flatMap((e) => ['-z', `conv,tcp,${e}`])], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${file}: ${r.stderr}`);
      const tables = new Map<string, string[]>();
      let current: string[] | null = null;
      for (const line of r.stdout.split('\n')) {
        if (line.startsWith('Filter:')) tables.set(line.slice('Filter:'.length), (current = []));
        else if (line.startsWith('====')) current = null;
        else if (current && line.includes('<->')) {
          const [a, , b] = line.trim().split(/\s+/);
          current.push([a!, b!].sort().join(' '));
        }
      }
      const endpoint = (t: string): string => t.replace(/^\[(.*)\]:/, '$1:');
      for (const e of PARITY_EXPRESSIONS) {
        const theirs = tables.get(e);
        assert.ok(theirs, `${file}: no table for ${e}`);
        const f = ok(e);
        const ours = conns.filter((c) => f.test(c.fields)).map((c) => [endpoint(c.fields.clientText), endpoint(c.fields.serverText)].sort().join(' '));
        assert.deepEqual(ours.sort(), theirs.sort(), `${file}: ${e}`);
      }
    }
  });
});
