/** Builds pcapng blocks in either byte order, for cases no capture at hand has (sections in both orders, odd blocks). */
export class PcapngBlocks {
  private parts: Buffer[] = [];
  constructor(private le = true) {}

  private block(type: number, body: Buffer): this {
    const len = 12 + body.length;
    const b = Buffer.alloc(len);
    this.u32(b, type, 0);
    this.u32(b, len, 4);
    body.copy(b, 8);
    this.u32(b, len, len - 4);
    this.parts.push(b);
    return this;
  }
  private u32(b: Buffer, v: number, o: number): void {
    if (this.le) b.writeUInt32LE(v >>> 0, o);
    else b.writeUInt32BE(v >>> 0, o);
  }
  private u16(b: Buffer, v: number, o: number): void {
    if (this.le) b.writeUInt16LE(v, o);
    else b.writeUInt16BE(v, o);
  }
  private option(code: number, value: Buffer): Buffer {
    const b = Buffer.alloc(4 + ((value.length + 3) & ~3));
    this.u16(b, code, 0);
    this.u16(b, value.length, 2);
    value.copy(b, 4);
    return b;
  }

  section(le: boolean): this {
    this.le = le;
    const body = Buffer.alloc(16);
    this.u32(body, 0x1a2b3c4d, 0);
    this.u16(body, 1, 4);
    this.u16(body, 0, 6);
    body.writeInt32LE(-1, 8);
    body.writeInt32LE(-1, 12);
    return this.block(0x0a0d0d0a, body);
  }

  iface(linkType: number, opts: { tsresol?: number; tsoffset?: bigint } = {}): this {
    const head = Buffer.alloc(8);
    this.u16(head, linkType, 0);
    this.u32(head, 65535, 4);
    const options: Buffer[] = [];
    if (opts.tsresol !== undefined) options.push(this.option(9, Buffer.from([opts.tsresol])));
    if (opts.tsoffset !== undefined) {
      const v = Buffer.alloc(8);
      if (this.le) v.writeBigInt64LE(opts.tsoffset);
      else v.writeBigInt64BE(opts.tsoffset);
      options.push(this.option(14, v));
    }
    if (options.length) options.push(Buffer.alloc(4));
    return this.block(1, Buffer.concat([head, ...options]));
  }

  packet(ifId: number, ticks: bigint, data: Buffer): this {
    const head = Buffer.alloc(20);
    this.u32(head, ifId, 0);
    this.u32(head, Number(ticks >> 32n), 4);
    this.u32(head, Number(ticks & 0xffffffffn), 8);
    this.u32(head, data.length, 12);
    this.u32(head, data.length, 16);
    const padded = Buffer.alloc((data.length + 3) & ~3);
    data.copy(padded);
    return this.block(6, Buffer.concat([head, padded]));
  }

  /** A block of another type with `size` bytes of body (a block nobody knows is skipped by its length). */
  other(type: number, size = 8): this {
    return this.block(type, Buffer.alloc(size, 0xee));
  }

  /** A Simple Packet Block (no interface, no time). */
  simple(data: Buffer): this {
    const head = Buffer.alloc(4);
    this.u32(head, data.length, 0);
    const padded = Buffer.alloc((data.length + 3) & ~3);
    data.copy(padded);
    return this.block(3, Buffer.concat([head, padded]));
  }

  /** Bytes as they are: a damaged block. */
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

