import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repository root (tests are compiled to out/test/...). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
/** `../shared` beside the checkout: public and malformed captures that are not ours to commit. */
export const SHARED = path.resolve(ROOT, '..', 'shared', 'captures');

export function sharedAvailable(): boolean {
  return fs.existsSync(path.join(SHARED, 'public'));
}

const CAPTURE_EXT = /\.(pcap|pcapng|cap)$/i;

export function listCaptures(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (CAPTURE_EXT.test(e.name)) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}
