import { decimalDigits } from '../core/tcp/conversationTable';
import { writeBytes } from './terminal';

/**
 * Lines written as bytes into one reused buffer, then to a file descriptor. `conversations`
 * prints a row per connection (150,000 on a big capture): a template string per row, the join
 * of the rows and the encoding of the result cost more than counting the capture, and numbers
 * written as digits straight into the buffer cost almost nothing.
 *
 * Only for text this program makes itself (digits, addresses it formatted, spaces, its own
 * ASCII words): nothing read from a capture passes here, so nothing needs writeText's last
 * guard against control characters.
 */
export class ByteLines {
  private buf: Buffer;
  private at = 0;

  constructor(
    private readonly fd: number,
    size = 1 << 16,
  ) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Pads with spaces. */
  spaces(n: number): void {
    if (n <= 0) return;
    this.room(n);
    // A loop: Buffer.fill costs more than the few spaces a cell takes.
    const b = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) b[at++] = 0x20;
    this.at = at;
  }

  /** One ASCII string (the caller's own words and formatted numbers). */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const b = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) b[at++] = s.charCodeAt(i);
    this.at = at;
  }

  /** Any string this program made, encoded as UTF-8 ("→"). */
  utf8(s: string): void {
    this.room(Buffer.byteLength(s, 'utf8'));
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  /** Bytes encoded once beforehand (a separator used on every row). */
  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
  }

  /** A non-negative integer below 2^53, in decimal. */
  integer(n: number): void {
    const digits = decimalDigits(n);
    this.room(digits);
    const b = this.buf;
    let i = this.at + digits;
    this.at = i;
    if (n < 0x80000000) {
      let x = n | 0;
      do {
        const q = (x / 10) | 0;
        b[--i] = 0x30 + (x - q * 10);
        x = q;
      } while (x > 0);
    } else {
      let x = n;
      do {
        const q = Math.floor(x / 10);
        b[--i] = 0x30 + (x - q * 10);
        x = q;
      } while (x > 0);
    }
  }

  /** An IPv4 address held as a big-endian word, dotted. */
  ipv4(word: number): void {
    this.integer(word >>> 24);
    this.byte(0x2e);
    this.integer((word >>> 16) & 0xff);
    this.byte(0x2e);
    this.integer((word >>> 8) & 0xff);
    this.byte(0x2e);
    this.integer(word & 0xff);
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  newline(): void {
    this.byte(0x0a);
  }

  /** Writes what the buffer holds. False when the reader has gone (a closed pipe). */
  flush(): boolean {
    const n = this.at;
    this.at = 0;
    return n === 0 || writeBytes(this.fd, this.buf.subarray(0, n));
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    // A reader that has gone ends the program quietly, as writeText's callers do.
    if (!this.flush()) process.exit(0);
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }
}
