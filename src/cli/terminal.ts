import * as fs from 'node:fs';
import { controlsEscaped } from '../core/escape';

/**
 * Controls the CLI itself never writes (its own line breaks and tabs are the only ones). Every
 * string from a file is escaped where it is printed; this is the last guard, for a string that
 * some day reaches the output without it.
 */
// eslint-disable-next-line no-control-regex
const STRAY_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Writes all of `s` to `fd`, stray controls escaped. Synchronous, so it keeps its order with
 * stderr. False when the reader has gone (a closed pipe); other errors are thrown.
 */
export function writeText(fd: number, s: string): boolean {
  const text = s.replace(STRAY_CONTROLS, controlsEscaped);
  // A string goes to the file as it is (Node encodes it several times faster than
  // Buffer.from, which was most of the cost of printing a table of 150,000 rows); a write cut
  // short (a pipe that is full) goes on from the bytes written.
  let written = 0;
  try {
    written = fs.writeSync(fd, text);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') return false;
    if (code !== 'EAGAIN') throw e;
  }
  if (written === Buffer.byteLength(text, 'utf8')) return true;
  return writeBytes(fd, Buffer.from(text, 'utf8'), written);
}

/**
 * Writes `bytes` from `from` on to `fd`, however many writes that takes (a pipe that is full
 * takes part of them). False when the reader has gone (a closed pipe); other errors are thrown.
 */
export function writeBytes(fd: number, bytes: Uint8Array, from = 0): boolean {
  let off = from;
  while (off < bytes.length) {
    try {
      off += fs.writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') return false;
      throw e;
    }
  }
  return true;
}
