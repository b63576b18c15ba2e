import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { openCapture } from '../../src/core/capture/open';
import { MemorySource } from '../../src/core/capture/source';
import { formatIpv6 } from '../../src/core/decode/address';
import { DecodedFrame, FrameKind, decodeFrame } from '../../src/core/decode/frame';
import { findWindowScale, parseTcpOptions } from '../../src/core/decode/tcpOptions';
import { seqGT, seqLE, seqLT, seqSub } from '../../src/core/tcp/seq';
import { fixture } from '../helpers/paths';

/** The IP packet (no link header) of frame `n` of an Ethernet fixture. */
function ipPacket(name: string, n: number): Uint8Array {
  const reader = openCapture(new MemorySource(fs.readFileSync(fixture(name))));
  for (let r = reader.next(); r; r = reader.next()) {
    if (r.frame === n) return Uint8Array.from(r.data.subarray(14));
  }
  throw new Error(`no frame ${n}`);
}

function concat(...parts: Array<Uint8Array | number[]>): Uint8Array {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function fields(f: DecodedFrame): string {
  return JSON.stringify([f.ipVersion, f.srcPort, f.dstPort, f.seq, f.ack, f.flags, f.window, f.payloadLen, f.tcpHeaderLen]);
}

describe('link-layer decoding', () => {
  const ip4 = ipPacket('01_http_node_conn_close.pcap', 4); // the HTTP request: 78 bytes of payload
  const ip6 = ipPacket('08_ipv6_loopback_http_conn_close.pcap', 4);
  const decode = (linkType: number, data: Uint8Array): DecodedFrame => {
    const f = new DecodedFrame();
    decodeFrame(linkType, data, data.length, f);
    return f;
  };
  const raw4 = decode(101, ip4);
  const raw6 = decode(101, ip6);
  const eth = (type: number[]): number[] => [...new Array(12).fill(0), ...type];

  it('raw IP sees the request', () => {
    assert.equal(raw4.kind, FrameKind.Tcp);
    assert.equal(raw4.payloadLen, 78);
    assert.equal(raw6.kind, FrameKind.Tcp);
    assert.equal(raw6.ipVersion, 6);
  });

  const cases: Array<[string, number, Uint8Array, DecodedFrame]> = [
    ['Ethernet', 1, concat(eth([0x08, 0x00]), ip4), raw4],
    ['Ethernet + 802.1Q', 1, concat(eth([0x81, 0x00]), [0x00, 0x05, 0x08, 0x00], ip4), raw4],
    ['Ethernet + 802.1ad + 802.1Q', 1, concat(eth([0x88, 0xa8]), [0, 1, 0x81, 0x00], [0, 2, 0x86, 0xdd], ip6), raw6],
    ['NULL, little-endian AF_INET', 0, concat([2, 0, 0, 0], ip4), raw4],
    ['NULL, big-endian AF_INET6 (macOS 30)', 0, concat([0, 0, 0, 30], ip6), raw6],
    ['NULL, little-endian AF_INET6 (FreeBSD 28)', 0, concat([28, 0, 0, 0], ip6), raw6],
    ['LOOP, AF_INET6 (OpenBSD 24)', 108, concat([0, 0, 0, 24], ip6), raw6],
    ['IPv4 link type', 228, ip4, raw4],
    ['IPv6 link type', 229, ip6, raw6],
    ['Linux SLL', 113, concat([0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00], ip4), raw4],
    ['Linux SLL2', 276, concat([0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0], ip6), raw6],
  ];
  for (const [name, linkType, bytes, expected] of cases) {
    it(`${name} gives the same TCP fields`, () => {
      const f = decode(linkType, bytes);
      assert.equal(f.kind, FrameKind.Tcp, f.reason);
      assert.equal(fields(f), fields(expected));
    });
  }

  it('an Ethernet padded frame keeps the length IP states', () => {
    const f = decode(1, concat(eth([0x08, 0x00]), ip4, new Array(30).fill(0)));
    assert.equal(f.payloadLen, 78);
  });

  it('cut by the snapshot length: decoded as far as the bytes go, and marked', () => {
    const whole = concat(eth([0x08, 0x00]), ip4);
    const f = new DecodedFrame();
    decodeFrame(1, whole.subarray(0, 14 + 20 + 32 + 10), whole.length, f);
    assert.equal(f.kind, FrameKind.Tcp);
    assert.equal(f.truncated, true);
    assert.equal(f.payloadLen, 78, 'the length comes from the IP header, not from what was kept');
  });

  it('reports what it does not decode, with the reason', () => {
    assert.equal(decode(1, concat(eth([0x08, 0x06]), new Array(28).fill(0))).reason, 'ethertype 0x0806');
    assert.equal(decode(105, new Uint8Array(40)).kind, FrameKind.UnsupportedLink);
    const frag = Uint8Array.from(ip4);
    frag[6] = 0x20; // more fragments
    assert.equal(decode(101, frag).kind, FrameKind.Fragment);
    const udp = Uint8Array.from(ip4);
    udp[9] = 17;
    assert.equal(decode(101, udp).reason, 'IP protocol 17');
    const bogus = Uint8Array.from(ip4);
    bogus[0] = 0x43; // IHL 3
    assert.equal(decode(101, bogus).kind, FrameKind.Malformed);
  });

  it('a TCP header length below 20 keeps ports and numbers but no length', () => {
    const bad = Uint8Array.from(ip4);
    bad[20 + 12] = 0x30; // data offset 3 words
    const f = decode(101, bad);
    assert.equal(f.kind, FrameKind.Tcp);
    assert.equal(f.headerValid, false);
    assert.equal(f.srcPort, raw4.srcPort);
  });
});

describe('TCP options', () => {
  it('reads MSS, SACK_PERM, timestamps and window scale of a SYN', () => {
    const syn = ipPacket('01_http_node_conn_close.pcap', 1);
    const opts = parseTcpOptions(syn, 20, 40);
    assert.deepEqual(
      opts.map((o) => o.name),
      ['MSS', 'SACK_PERM', 'TS', 'NOP', 'WS'],
    );
    assert.deepEqual(opts[0], { kind: 2, name: 'MSS', mss: 65495 });
    assert.deepEqual(opts[4], { kind: 3, name: 'WS', shift: 10, multiplier: 1024 });
    assert.equal(findWindowScale(syn, 20, 40), 10);
  });

  it('reads SACK blocks, TFO cookies and names unknown kinds', () => {
    const hdr = new Uint8Array(20 + 28);
    hdr.set([5, 10, 0, 0, 0, 100, 0, 0, 0, 200], 20);
    hdr.set([34, 6, 0xde, 0xad, 0xbe, 0xef], 30);
    hdr.set([1, 1, 99, 4, 7, 7, 0], 36);
    const opts = parseTcpOptions(hdr, 0, 48);
    assert.deepEqual(opts[0], { kind: 5, name: 'SACK', blocks: [[100, 200]] });
    assert.deepEqual(opts[1], { kind: 34, name: 'TFO', cookie: 'deadbeef', request: false });
    assert.deepEqual(opts[4], { kind: 99, name: 'kind 99', length: 4 });
    assert.equal(opts[5]!.name, 'EOL');
  });

  it('stops at an impossible option length instead of reading past the header', () => {
    const hdr = new Uint8Array(24);
    hdr.set([2, 40, 0, 0], 20);
    const opts = parseTcpOptions(hdr, 0, 24);
    assert.equal(opts.length, 1);
    assert.ok('malformed' in opts[0]!);
    assert.equal(findWindowScale(hdr, 0, 24), -1);
  });

  it('caps a window scale above 14 at 14 (RFC 7323)', () => {
    const hdr = new Uint8Array(24);
    hdr.set([3, 3, 15, 0], 20);
    assert.equal(findWindowScale(hdr, 0, 24), 14);
  });
});

describe('sequence arithmetic', () => {
  it('compares across the 2^32 wrap', () => {
    assert.ok(seqGT(5, 0xfffffff0));
    assert.ok(seqLT(0xfffffff0, 5));
    assert.ok(seqLE(7, 7));
    assert.equal(seqSub(5, 0xfffffff0), 21);
  });
});

describe('addresses', () => {
  it('prints IPv6 as RFC 5952 does', () => {
    const b = (words: number[]): Uint8Array => {
      const out = new Uint8Array(16);
      words.forEach((w, i) => {
        out[2 * i] = w >> 8;
        out[2 * i + 1] = w & 0xff;
      });
      return out;
    };
    assert.equal(formatIpv6(b([0, 0, 0, 0, 0, 0, 0, 1]), 0), '::1');
    assert.equal(formatIpv6(b([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), 0), '2001:db8::1:0:0:1');
    assert.equal(formatIpv6(b([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), 0), '2001:db8:0:1:1:1:1:1');
    assert.equal(formatIpv6(b([0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001]), 0), '::ffff:10.0.0.1');
  });
});
