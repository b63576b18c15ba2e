import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * An injection capture: a plain HTTP exchange over TCP (handshake, request, response, four-way
 * close) in which every place that holds a string carries text meant to do harm when a viewer
 * forgets that it is data. Written fresh by each test, never committed, so the hostile bytes
 * live only in this generator.
 *
 * The exchange itself is ordinary, so every view has something to show: tshark reads it as 11
 * TCP segments of one stream, with an HTTP request and response.
 */

/** Each kind of attack, on its own, for tests that look for one of them. */
export const HOSTILE = {
  script: '<script>alert(1)</script>',
  img: '<img src=x onerror=alert(1)>',
  htmlJsLink: '<a href="javascript:alert(1)">x</a>',
  markdownJsLink: '[click me](javascript:alert(1))',
  commandLink: '[Show details](command:workbench.action.terminal.new)',
  markdownImage: '![x](https://example.invalid/x.png)',
  mermaidDirective: '%%{init: {"securityLevel":"loose"}}%%',
  ansiColour: '\x1b[31m',
  ansiTitle: '\x1b]0;title\x07',
  /** C0 controls other than tab and line breaks, and DEL. */
  c0: '\x00\x01\x08\x0b\x0c\x7f',
  /** C1 controls: NEL, and CSI (which some terminals obey like ESC [). */
  c1: '\u0085\u009b31m',
  bidiOverride: '\u202e',
} as const;

/** Every attack in one line (no CR or LF: it must fit in an HTTP header). */
export const HOSTILE_LINE = Object.values(HOSTILE).join(' ');

/** Every attack, with line breaks that would start Markdown blocks or end Mermaid statements. */
export const HOSTILE_TEXT = `${HOSTILE_LINE}\n# heading\n| a | b |\n</svg>]]>-->\r\n${HOSTILE.commandLink};%%\n`;

/**
 * The request line cannot hold spaces (tshark, like a server, splits it at them): the same
 * attacks, written without any.
 */
const HOSTILE_URI =
  `/${HOSTILE.script}?img=<img/src=x/onerror=alert(1)>&go=javascript:alert(1)` +
  `&md=[Show_details](command:workbench.action.terminal.new)![x](https://example.invalid/x.png)` +
  `&m=%%{init:{"securityLevel":"loose"}}%%&t=${HOSTILE.ansiColour}${HOSTILE.ansiTitle}${HOSTILE.bidiOverride}`;

/**
 * The file names: the first holds a Markdown command link, the second HTML, ANSI escapes and a
 * right-to-left override, after which "gnp.pcapng" reads as "gnpacp.png" (a picture, not a capture).
 */
export const FILE_NAMES = [
  `${HOSTILE.commandLink}.pcapng`,
  `${HOSTILE.img}${HOSTILE.ansiColour}red${HOSTILE.ansiTitle}${HOSTILE.bidiOverride}gnp.pcapng`,
] as const;

export const CLIENT = { ip: [10, 0, 0, 1], port: 51515 } as const;
export const SERVER = { ip: [10, 0, 0, 2], port: 80 } as const;
/** Names the Name Resolution Block gives the two addresses. */
export const RESOLVED_NAMES = [
  `${HOSTILE.script}${HOSTILE.ansiTitle}.example`,
  `${HOSTILE.commandLink}${HOSTILE.bidiOverride}.example`,
] as const;

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

export const HTTP_REQUEST = Buffer.concat([
  utf8(`POST ${HOSTILE_URI} HTTP/1.1\r\n`),
  utf8(`Host: ${HOSTILE.script}.example\r\n`),
  utf8(`User-Agent: ${HOSTILE_LINE}\r\n`),
  utf8(`X-Injection: ${HOSTILE.commandLink} ${HOSTILE.markdownImage} ${HOSTILE.mermaidDirective}\r\n`),
  utf8('Content-Type: text/html\r\n'),
  utf8(`Content-Length: ${utf8(HOSTILE_TEXT).length + 4}\r\n`),
  utf8('\r\n'),
  utf8(HOSTILE_TEXT),
  // C1 controls as raw bytes too, which are not UTF-8: a decoder may pass them on as U+0080-U+009F.
  Buffer.from([0x85, 0x9b, 0x9d, 0x8d]),
]);

const RESPONSE_BODY = utf8(`<!DOCTYPE html><title>${HOSTILE.script}</title>\n${HOSTILE_TEXT}${HOSTILE.htmlJsLink}\n`);

export const HTTP_RESPONSE = Buffer.concat([
  utf8(`HTTP/1.1 200 OK ${HOSTILE.img}${HOSTILE.ansiColour}\r\n`),
  utf8(`Server: ${HOSTILE_LINE}\r\n`),
  utf8(`X-Injection: ${HOSTILE.markdownJsLink} ${HOSTILE.commandLink}\r\n`),
  utf8('Content-Type: text/html\r\n'),
  utf8(`Content-Length: ${RESPONSE_BODY.length}\r\n`),
  utf8('Connection: close\r\n'),
  utf8('\r\n'),
  RESPONSE_BODY,
]);

// ---------------------------------------------------------------- packets

const FIN = 0x01;
const SYN = 0x02;
const PSH = 0x08;
const ACK = 0x10;

export interface Segment {
  toServer: boolean;
  flags: number;
  seq: number;
  ack: number;
  payload: Buffer;
  /** Microseconds after the first segment. */
  at: number;
}

function checksum(b: Buffer, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if (b.length % 2) sum += b[b.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** One Ethernet frame holding an IPv4 packet holding the TCP segment (checksums right, too). */
function frame(s: Segment, ipId: number): Buffer {
  const [src, dst] = s.toServer ? [CLIENT, SERVER] : [SERVER, CLIENT];
  // The SYNs carry an MSS, as every real stack's do; others carry no options.
  const options = s.flags & SYN ? Buffer.from([2, 4, 0x05, 0xb4]) : Buffer.alloc(0);
  const tcp = Buffer.alloc(20 + options.length + s.payload.length);
  tcp.writeUInt16BE(src.port, 0);
  tcp.writeUInt16BE(dst.port, 2);
  tcp.writeUInt32BE(s.seq >>> 0, 4);
  tcp.writeUInt32BE(s.flags & ACK ? s.ack >>> 0 : 0, 8);
  tcp[12] = ((20 + options.length) / 4) << 4;
  tcp[13] = s.flags;
  tcp.writeUInt16BE(64240, 14);
  options.copy(tcp, 20);
  s.payload.copy(tcp, 20 + options.length);
  const pseudo = Buffer.alloc(12);
  Buffer.from(src.ip).copy(pseudo, 0);
  Buffer.from(dst.ip).copy(pseudo, 4);
  pseudo[9] = 6;
  pseudo.writeUInt16BE(tcp.length, 10);
  tcp.writeUInt16BE(checksum(Buffer.concat([pseudo, tcp])), 16);

  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + tcp.length, 2);
  ip.writeUInt16BE(ipId, 4);
  ip.writeUInt16BE(0x4000, 6); // don't fragment
  ip[8] = 64;
  ip[9] = 6;
  Buffer.from(src.ip).copy(ip, 12);
  Buffer.from(dst.ip).copy(ip, 16);
  ip.writeUInt16BE(checksum(ip), 10);

  const eth = Buffer.alloc(14);
  Buffer.from(s.toServer ? [2, 0, 0, 0, 0, 2] : [2, 0, 0, 0, 0, 1]).copy(eth, 0);
  Buffer.from(s.toServer ? [2, 0, 0, 0, 0, 1] : [2, 0, 0, 0, 0, 2]).copy(eth, 6);
  eth.writeUInt16BE(0x0800, 12);
  return Buffer.concat([eth, ip, tcp]);
}

/** The exchange, segment by segment: the client opens, asks, reads the answer and closes first. */
export function segments(): Segment[] {
  const c = 0x1c0ffee0; // client ISN
  const s = 0x5eed0000; // server ISN
  const req = HTTP_REQUEST.length;
  const res = HTTP_RESPONSE.length;
  const none = Buffer.alloc(0);
  return [
    { toServer: true, flags: SYN, seq: c, ack: 0, payload: none, at: 0 },
    { toServer: false, flags: SYN | ACK, seq: s, ack: c + 1, payload: none, at: 210 },
    { toServer: true, flags: ACK, seq: c + 1, ack: s + 1, payload: none, at: 420 },
    { toServer: true, flags: PSH | ACK, seq: c + 1, ack: s + 1, payload: HTTP_REQUEST, at: 650 },
    { toServer: false, flags: ACK, seq: s + 1, ack: c + 1 + req, payload: none, at: 860 },
    { toServer: false, flags: PSH | ACK, seq: s + 1, ack: c + 1 + req, payload: HTTP_RESPONSE, at: 1900 },
    { toServer: true, flags: ACK, seq: c + 1 + req, ack: s + 1 + res, payload: none, at: 2110 },
    { toServer: true, flags: FIN | ACK, seq: c + 1 + req, ack: s + 1 + res, payload: none, at: 2500 },
    { toServer: false, flags: ACK, seq: s + 1 + res, ack: c + 2 + req, payload: none, at: 2710 },
    { toServer: false, flags: FIN | ACK, seq: s + 1 + res, ack: c + 2 + req, payload: none, at: 2900 },
    { toServer: true, flags: ACK, seq: c + 2 + req, ack: s + 2 + res, payload: none, at: 3110 },
  ];
}

// ---------------------------------------------------------------- pcapng

const pad4 = (n: number): number => (n + 3) & ~3;

function option(code: number, value: Buffer): Buffer {
  const b = Buffer.alloc(4 + pad4(value.length));
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(value.length, 2);
  value.copy(b, 4);
  return b;
}

const END_OF_OPTIONS = Buffer.alloc(4);

/** A block: type, total length, body (already padded), total length again (little-endian). */
function block(type: number, body: Buffer): Buffer {
  const len = 12 + body.length;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  body.copy(b, 8);
  b.writeUInt32LE(len, len - 4);
  return b;
}

const OPT_COMMENT = 1;

function sectionHeader(): Buffer {
  const fixed = Buffer.alloc(16);
  fixed.writeUInt32LE(0x1a2b3c4d, 0);
  fixed.writeUInt16LE(1, 4);
  fixed.writeUInt16LE(0, 6);
  fixed.writeBigInt64LE(-1n, 8); // section length not given
  return block(
    0x0a0d0d0a,
    Buffer.concat([
      fixed,
      option(OPT_COMMENT, utf8(HOSTILE_TEXT)),
      option(2, utf8(`shb_hardware ${HOSTILE_LINE}`)), // shb_hardware
      option(3, utf8(`Linux ${HOSTILE.script}${HOSTILE.ansiTitle}`)), // shb_os
      option(4, utf8(`${HOSTILE.commandLink} ${HOSTILE.mermaidDirective}${HOSTILE.bidiOverride}`)), // shb_userappl
      END_OF_OPTIONS,
    ]),
  );
}

function interfaceDescription(): Buffer {
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(1, 0); // LINKTYPE_ETHERNET
  fixed.writeUInt32LE(262144, 4);
  return block(
    0x00000001,
    Buffer.concat([
      fixed,
      option(2, utf8(`eth0${HOSTILE.img}${HOSTILE.ansiColour}${HOSTILE.bidiOverride}`)), // if_name
      option(3, utf8(`${HOSTILE.commandLink} ${HOSTILE.markdownImage} ${HOSTILE.c1}`)), // if_description
      option(OPT_COMMENT, utf8(HOSTILE_TEXT)),
      option(9, Buffer.from([6])), // if_tsresol: microseconds
      END_OF_OPTIONS,
    ]),
  );
}

function nameResolution(): Buffer {
  const record = (type: number, value: Buffer): Buffer => {
    const b = Buffer.alloc(4 + pad4(value.length));
    b.writeUInt16LE(type, 0);
    b.writeUInt16LE(value.length, 2);
    value.copy(b, 4);
    return b;
  };
  const ipv4 = (ip: readonly number[], name: string): Buffer =>
    record(1, Buffer.concat([Buffer.from(ip), utf8(name), Buffer.from([0])]));
  return block(
    0x00000004,
    Buffer.concat([
      ipv4(CLIENT.ip, RESOLVED_NAMES[0]),
      ipv4(SERVER.ip, RESOLVED_NAMES[1]),
      record(0, Buffer.alloc(0)), // nrb_record_end
      option(OPT_COMMENT, utf8(HOSTILE_LINE)),
      END_OF_OPTIONS,
    ]),
  );
}

/** Seconds since 1970 of the first segment (an ordinary recent day). */
export const START_SEC = 1764633600;

function enhancedPacket(data: Buffer, micros: number, comment: string): Buffer {
  const ticks = BigInt(START_SEC) * 1000000n + BigInt(micros);
  const fixed = Buffer.alloc(20);
  fixed.writeUInt32LE(0, 0); // interface 0
  fixed.writeUInt32LE(Number(ticks >> 32n), 4);
  fixed.writeUInt32LE(Number(ticks & 0xffffffffn), 8);
  fixed.writeUInt32LE(data.length, 12);
  fixed.writeUInt32LE(data.length, 16);
  const padded = Buffer.alloc(pad4(data.length));
  data.copy(padded);
  return block(0x00000006, Buffer.concat([fixed, padded, option(OPT_COMMENT, utf8(comment)), END_OF_OPTIONS]));
}

/** The whole capture, as bytes; without packets, only its hostile header, interface and names. */
export function injectionCapture({ packets = true } = {}): Buffer {
  const blocks = [sectionHeader(), interfaceDescription(), nameResolution()];
  const attacks = Object.values(HOSTILE);
  (packets ? segments() : []).forEach((s, i) => {
    blocks.push(enhancedPacket(frame(s, 0x4000 + i), s.at, `frame ${i + 1}: ${attacks[i % attacks.length]} ${HOSTILE_TEXT}`));
  });
  return Buffer.concat(blocks);
}

/** The name of the listing: a `/` cannot be in a file name, so the HTML is one without it. */
export const LISTING_NAME = `<svg onload=alert(1)>${HOSTILE.ansiTitle}${HOSTILE.bidiOverride}.tcpdump`;

/**
 * The same exchange as `tcpdump -nn -S -A` would print it, the way it lands in a ticket: packet
 * lines, each followed by its payload as text (where the hostile bytes are, controls included,
 * as a careless copy would keep them).
 */
export function injectionListing(): Buffer {
  const flagText = (f: number): string => (f & SYN ? 'S' : '') + (f & FIN ? 'F' : '') + (f & PSH ? 'P' : '') + (f & ACK ? '.' : '');
  const lines: Buffer[] = [];
  for (const s of segments()) {
    const [src, dst] = s.toServer ? [CLIENT, SERVER] : [SERVER, CLIENT];
    const micros = String(s.at).padStart(6, '0');
    const seq = s.payload.length || s.flags & (SYN | FIN) ? `seq ${s.payload.length ? `${s.seq}:${s.seq + s.payload.length}` : s.seq}, ` : '';
    const ack = s.flags & ACK ? `ack ${s.ack >>> 0}, ` : '';
    const options = s.flags & SYN ? 'options [mss 1460], ' : '';
    lines.push(
      utf8(`00:00:00.${micros} IP ${src.ip.join('.')}.${src.port} > ${dst.ip.join('.')}.${dst.port}: Flags [${flagText(s.flags)}], ${seq}${ack}win 64240, ${options}length ${s.payload.length}\n`),
    );
    if (s.payload.length) lines.push(s.payload, utf8('\n'));
  }
  return Buffer.concat(lines);
}

/**
 * Writes the capture into `dir` under each hostile name this file system accepts, and returns
 * the paths written. The first must be written (any POSIX file system takes it); the second
 * holds controls and `<>`, which some file systems refuse.
 */
export function writeInjectionCaptures(dir: string): string[] {
  const bytes = injectionCapture();
  const written: string[] = [];
  for (const name of FILE_NAMES) {
    const file = path.join(dir, name);
    try {
      fs.writeFileSync(file, bytes);
      written.push(file);
    } catch (e) {
      if (written.length === 0) throw e;
    }
  }
  return written;
}

/** Writes the listing into `dir` under its hostile name; returns its path. */
export function writeInjectionListing(dir: string): string {
  const file = path.join(dir, LISTING_NAME);
  fs.writeFileSync(file, injectionListing());
  return file;
}

/** A capture with no packet at all, under a name holding a command link: "no TCP connections" names it. */
export const NO_TCP_NAME = `${HOSTILE.commandLink} no TCP.pcapng`;

export function writeNoTcpCapture(dir: string): string {
  const file = path.join(dir, NO_TCP_NAME);
  fs.writeFileSync(file, injectionCapture({ packets: false }));
  return file;
}
