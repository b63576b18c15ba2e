import * as fs from 'node:fs';
import { ByteSource } from '../core/capture/source';

/**
 * A file read with positional reads into one reused buffer: the engine asks for large pages
 * in order, so this streams a file of gigabytes with constant memory.
 */
export class FileSource implements ByteSource {
  /** The size when opened; `grow()` raises it for a file still being written. */
  size: number;
  private buffer = Buffer.alloc(0);

  constructor(private readonly fd: number) {
    this.size = fs.fstatSync(fd).size;
  }

  static open(path: string): FileSource {
    return new FileSource(fs.openSync(path, 'r'));
  }

  /**
   * The file's size now. The source takes it when the file grew; a file that got shorter
   * (replaced, truncated) keeps the size it had, so records already found stay readable.
   */
  grow(): number {
    const now = fs.fstatSync(this.fd).size;
    if (now > this.size) this.size = now;
    return now;
  }


  read(offset: number, length: number): Uint8Array {
    const want = Math.max(0, Math.min(length, this.size - offset));
    if (this.buffer.length < want) this.buffer = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const n = fs.readSync(this.fd, this.buffer, got, want - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    // A plain Uint8Array view: the engine's many subarray() calls are cheaper on it than on a Buffer.
    return new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, got);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
