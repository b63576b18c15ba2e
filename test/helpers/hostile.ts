/**
 * Hostile inputs, as issue 11 found them: each is small, and each once cost the engine time
 * or memory far out of proportion to its size. `scale` doubles them, so a test can see that
 * cost grows no faster than the input.
 */

/** Three long lines that look like the start of a tcpdump line ("IP 1.1.1.1.1…"): once quadratic. */
export function longAddressLines(scale = 1): string {
  const line = 'IP ' + '1.'.repeat(40000 * scale);
  return `${line}\n${line}\n${line}\n`;
}

/** Long lines of other repeated fragments the text patterns once rescanned from every position. */
export function longFragmentLines(scale = 1): string {
  const n = 8000 * scale;
  return [
    '12:00:00.000001 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq 1, win 1, length 0',
    `12:00:00.000002 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [.]${', options ['.repeat(n)}`,
    `12:00:00.000003 IP ${'1.1 > '.repeat(n)}`,
    `12:00:00.000004 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [.]${', seq '.repeat(n)}`,
    `    5   0.000005     10.0.0.1 → 10.0.0.2     TCP 54 ${'[TCP '.repeat(n)}`,
    `12:00:00.000006 ${': Flags ['.repeat(n)}`,
  ].join('\n');
}

/** tcpdump lines whose "length" claims 4 GB each: once allocated as given (284 bytes, 3 GB). */
export function hugeLengths(scale = 1): string {
  const lines = ['12:00:00.000000 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [S], seq 0, win 65535, length 0'];
  for (let i = 1; i <= 2 * scale; i++) {
    lines.push(`12:00:00.00000${i} IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [P.], seq ${i}:${i + 1}, ack 1, win 1, length 4294967295`);
  }
  return lines.join('\n') + '\n';
}

/** tshark lines whose frame numbers jump by a million each: once 7 million placeholder frames (704 bytes). */
export function frameGaps(scale = 1): string {
  const lines: string[] = [];
  let frame = 1;
  for (let i = 0; i < 7 * scale; i++) {
    lines.push(`${String(frame).padStart(8)}   ${(i / 1000).toFixed(6)}     10.0.0.1 → 10.0.0.2     TCP 54 1000 → 80 [ACK] Seq=${i} Ack=1 Win=512 Len=0`);
    frame += 1_000_000;
  }
  return lines.join('\n') + '\n';
}

/** A classic pcap (µs, Ethernet) of the given IPv4 TCP SYNs. */
function pcapOf(packets: Array<{ src: number; dst: number; sport: number; dport: number }>): Uint8Array {
  const recLen = 16 + 14 + 20 + 20;
  const out = new Uint8Array(24 + packets.length * recLen);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, 65535, true);
  v.setUint32(20, 1, true);
  packets.forEach((p, i) => {
    const o = 24 + i * recLen;
    v.setUint32(o, 1_700_000_000 + Math.floor(i / 1000), true);
    v.setUint32(o + 4, (i % 1000) * 1000, true);
    v.setUint32(o + 8, recLen - 16, true);
    v.setUint32(o + 12, recLen - 16, true);
    const e = o + 16;
    v.setUint16(e + 12, 0x0800);
    const ip = e + 14;
    out[ip] = 0x45;
    v.setUint16(ip + 2, 40);
    out[ip + 8] = 64;
    out[ip + 9] = 6;
    v.setUint32(ip + 12, p.src);
    v.setUint32(ip + 16, p.dst);
    const t = ip + 20;
    v.setUint16(t, p.sport);
    v.setUint16(t + 2, p.dport);
    v.setUint32(t + 4, 1000 + i);
    v.setUint16(t + 12, (5 << 12) | 0x002);
    v.setUint16(t + 14, 65535);
  });
  return out;
}

/** Connections from an address and port to itself: once all in one bucket of the conversation table. */
export function selfConnections(count: number): Uint8Array {
  const packets = [];
  for (let i = 0; i < count; i++) {
    const addr = 0x0a000000 + Math.floor(i / 60000);
    const port = 1 + (i % 60000);
    packets.push({ src: addr, dst: addr, sport: port, dport: port });
  }
  return pcapOf(packets);
}

/** As many ordinary connections (many clients to one server), for comparison. */
export function ordinaryConnections(count: number): Uint8Array {
  const packets = [];
  for (let i = 0; i < count; i++) {
    packets.push({ src: 0x0a000000 + Math.floor(i / 60000) + 1, dst: 0x0a0000ff, sport: 1 + (i % 60000), dport: 80 });
  }
  return pcapOf(packets);
}

/** A classic pcap whose only record claims 2 GB; and a pcapng whose block claims 2 GB. */
export function recordClaiming2GB(format: 'pcap' | 'pcapng'): Uint8Array {
  if (format === 'pcap') {
    const out = new Uint8Array(24 + 16 + 64);
    const v = new DataView(out.buffer);
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, 0x7fffffff, true);
    v.setUint32(20, 1, true);
    v.setUint32(24 + 8, 0x7fffffff, true);
    v.setUint32(24 + 12, 0x7fffffff, true);
    return out;
  }
  const out = new Uint8Array(28 + 20 + 64);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x0a0d0d0a, true);
  v.setUint32(4, 28, true);
  v.setUint32(8, 0x1a2b3c4d, true);
  v.setUint16(12, 1, true);
  v.setBigInt64(16, -1n, true);
  v.setUint32(24, 28, true);
  v.setUint32(28, 1, true);
  v.setUint32(32, 20, true);
  v.setUint16(36, 1, true);
  v.setUint32(40, 0, true);
  v.setUint32(44, 20, true);
  v.setUint32(48, 6, true);
  v.setUint32(52, 0x7ffffff0, true);
  return out;
}
