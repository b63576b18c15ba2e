import { PCAPNG_SHB, BYTE_ORDER_MAGIC } from './pcapng';
import { CaptureInfo, CaptureInterface, CaptureRecord, NO_LINK_TYPE } from './types';

/**
 * Writes records as pcapng (little-endian): a section header, an interface description for
 * each interface as its first packet comes, and an Enhanced Packet Block per packet. It turns
 * a running tcpdump's pcap into the .pcapng a user asked for, record by record, losing nothing
 * a pcap holds: times keep their resolution (µs, or ns through if_tsresol), lengths both.
 *
 * For one section (pcap, or a pcapng's first): records of a later section are not written.
 */
export class PcapngWriter {
  private started = false;
  /** The interfaces described so far, by the records' interface id. */
  private readonly described = new Map<number, { nanos: boolean }>();

  constructor(
    private readonly write: (bytes: Uint8Array) => void,
    /** Written as shb_userappl. */
    private readonly application = 'TCP Explainer',
  ) {}

  /**
   * Starts the file: the section header and the interfaces known so far. Called by `record`
   * too; call it once the capture's header is read, so a capture of no packets is a file.
   */
  begin(info: CaptureInfo): void {
    if (this.started) return;
    this.started = true;
    this.write(sectionHeader(this.application));
    for (let id = 0; id < info.interfaces.length; id++) this.describe(id, info.interfaces[id]!);
  }

  /** Writes one record (packets only; a pcapng custom block is not a packet). */
  record(rec: CaptureRecord, info: CaptureInfo): void {
    if (rec.linkType === NO_LINK_TYPE || rec.section !== 0) return;
    this.begin(info);
    // Interface ids are given in order of description: describe any skipped ones first.
    for (let id = this.described.size; id <= rec.interfaceId; id++) {
      this.describe(id, info.interfaces[id] ?? { linkType: rec.linkType, snapLen: 0, tsResolution: 'ns' });
    }
    this.write(packetBlock(rec, this.described.get(rec.interfaceId)!.nanos));
  }

  private describe(id: number, iface: CaptureInterface): void {
    const nanos = iface.tsResolution !== 'µs';
    this.described.set(id, { nanos });
    this.write(interfaceBlock(iface, nanos));
  }
}

function block(type: number, body: Uint8Array): Uint8Array {
  const len = 12 + body.length;
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, len, true);
  b.set(body, 8);
  v.setUint32(len - 4, len, true);
  return b;
}

/** Options: code, length, value padded to 4 bytes; then opt_endofopt. */
function options(list: Array<[number, Uint8Array]>): Uint8Array {
  if (list.length === 0) return new Uint8Array(0);
  const size = list.reduce((n, [, v]) => n + 4 + pad4(v.length), 4);
  const b = new Uint8Array(size);
  const view = new DataView(b.buffer);
  let o = 0;
  for (const [code, value] of list) {
    view.setUint16(o, code, true);
    view.setUint16(o + 2, value.length, true);
    b.set(value, o + 4);
    o += 4 + pad4(value.length);
  }
  return b;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** A name as the reader read it: one byte per character (latin1), so its bytes go back as they came. */
function bytesOf(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

function sectionHeader(application: string): Uint8Array {
  const opts = options(application ? [[4, bytesOf(application)]] : []);
  const body = new Uint8Array(16 + opts.length);
  const v = new DataView(body.buffer);
  v.setUint32(0, BYTE_ORDER_MAGIC, true);
  v.setUint16(4, 1, true);
  v.setUint16(6, 0, true);
  // Section length unknown (-1): the section is written as it goes.
  v.setInt32(8, -1, true);
  v.setInt32(12, -1, true);
  body.set(opts, 16);
  return block(PCAPNG_SHB, body);
}

function interfaceBlock(iface: CaptureInterface, nanos: boolean): Uint8Array {
  const list: Array<[number, Uint8Array]> = [];
  if (iface.name) list.push([2, bytesOf(iface.name)]);
  if (nanos) list.push([9, Uint8Array.of(9)]);
  const opts = options(list);
  const body = new Uint8Array(8 + opts.length);
  const v = new DataView(body.buffer);
  v.setUint16(0, iface.linkType, true);
  v.setUint32(4, iface.snapLen >>> 0, true);
  body.set(opts, 8);
  return block(1, body);
}

function packetBlock(rec: CaptureRecord, nanos: boolean): Uint8Array {
  const body = new Uint8Array(20 + pad4(rec.capLen));
  const v = new DataView(body.buffer);
  // Ticks since 1970 in the interface's unit; BigInt, because nanoseconds pass 2^53.
  const ticks = BigInt.asUintN(
    64,
    BigInt(Math.trunc(rec.tsSec)) * (nanos ? 1000000000n : 1000000n) + BigInt(nanos ? rec.tsNsec : Math.floor(rec.tsNsec / 1000)),
  );
  v.setUint32(0, rec.interfaceId, true);
  v.setUint32(4, Number(ticks >> 32n), true);
  v.setUint32(8, Number(ticks & 0xffffffffn), true);
  v.setUint32(12, rec.capLen, true);
  v.setUint32(16, rec.origLen, true);
  body.set(rec.data.subarray(0, rec.capLen), 20);
  return block(6, body);
}
