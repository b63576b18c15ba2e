import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ByteLines } from '../../src/cli/byteLines';
import { decimalDigits } from '../../src/core/tcp/conversationTable';
import { endpointText } from '../../src/core/decode/address';
import { ConversationRecord } from '../../src/core/report';
import { FIXTURES, ROOT, listCaptures } from '../helpers/paths';

/**
 * `conversations` writes its rows as bytes, cell by cell (src/cli/byteLines.ts), not as
 * strings: the text must still say exactly what --json says, aligned.
 */

const CLI = path.join(ROOT, 'dist', 'cli.js');

function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** What ByteLines wrote, through a real file descriptor and a buffer of `size` bytes. */
function written(size: number, write: (out: ByteLines) => void): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bytelines-')), 'out');
  const fd = fs.openSync(file, 'w');
  try {
    const out = new ByteLines(fd, size);
    write(out);
    assert.equal(out.flush(), true);
  } finally {
    fs.closeSync(fd);
  }
  const text = fs.readFileSync(file, 'utf8');
  fs.rmSync(path.dirname(file), { recursive: true });
  return text;
}

describe('conversations text rows (issue 10: the CLI prints 150,000 rows fast)', () => {
  it('writes integers as String() does, below and above 2^31 and up to 2^53', () => {
    const values = [0, 1, 9, 10, 99, 100, 999999, 1000000, 2147483647, 2147483648, 4294967295, 4294967296, 1e15 + 7, 2 ** 53 - 1];
    for (let d = 1; d < 16; d++) values.push(10 ** d - 1, 10 ** d);
    const text = written(64, (out) => {
      for (const v of values) {
        out.integer(v);
        out.newline();
      }
    });
    assert.deepEqual(text.split('\n').slice(0, -1), values.map(String));
    for (const v of values) assert.equal(decimalDigits(v), String(v).length, `${v}`);
  });

  it('writes addresses, padding, UTF-8 and pre-encoded bytes across many flushes of a small buffer', () => {
    const words = [0, 0x7f000001, 0x0a000002, 0xc0a80101 | 0, 0xffffffff | 0];
    const arrow = Buffer.from(' → ');
    const text = written(8, (out) => {
      for (const w of words) {
        out.ipv4(w);
        out.raw(arrow);
        out.spaces(3);
        out.ascii('[::1]:4000');
        out.utf8('已全部列出');
        out.byte(0x7c);
        out.newline();
      }
    });
    const dotted = (w: number): string => [w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff].join('.');
    assert.equal(text, words.map((w) => `${dotted(w)} →    [::1]:4000已全部列出|\n`).join(''));
  });

  // Every fixture, through the table's path and through a filter that needs the analysis.
  for (const file of listCaptures(FIXTURES)) {
    for (const filter of [[], ['-Y', 'opening == "refused" or opening != "refused"']]) {
      it(`${path.basename(file)}${filter.length ? ' -Y (analysis)' : ''}: each row says what --json says, every line as wide as the header`, () => {
        const records = cli('conversations', file, '--json', ...filter)
          .trim()
          .split('\n')
          .filter((l) => l !== '' && l !== '[]')
          .map((l) => JSON.parse(l.replace(/^\[/, '').replace(/[\],]$/, '')) as ConversationRecord);
        const lines = cli('conversations', file, ...filter).split('\n');
        assert.equal(lines.pop(), '', 'ends with a line break');
        const headerAt = lines.findIndex((l) => l.trimStart().startsWith('stream  client → server'));
        if (records.length === 0) {
          assert.equal(headerAt, -1);
          assert.equal(lines.at(-1), 'No TCP connections.');
          return;
        }
        const rows = lines.slice(headerAt + 1);
        assert.equal(rows.length, records.length);
        const width = lines[headerAt]!.length;
        rows.forEach((row, i) => {
          const r = records[i]!;
          assert.equal(row.length, width, `row ${i} is as wide as the header: ${JSON.stringify(row)}`);
          const cells = row.trim().split(/ {2,}/);
          assert.deepEqual(cells, [
            String(r.stream),
            `${endpointText(r.client)} → ${endpointText(r.server)}`,
            `${r.packets.to_server}/${r.packets.to_client}`,
            `${r.bytes.to_server}/${r.bytes.to_client}`,
            r.start.toFixed(6),
            r.duration.toFixed(6),
            String(r.completeness),
            r.irtt === null ? '-' : r.irtt.toFixed(6),
          ]);
        });
      });
    }
  }
});
