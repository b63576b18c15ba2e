import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { DirectionReassembler, ReassemblyOptions } from '../../src/core/stream/reassembly';
import { MissingCause, StreamBytesSink } from '../../src/core/stream/types';

/**
 * The reassembler on hand-made segments. What Wireshark 4.0's follow tap does is the reference
 * (the same cases run through tshark in follow.test.ts via real captures); these pin each rule.
 */

const SYN = 0x002;
const ACK = 0x010;

type Event =
  | { kind: 'data'; frame: number; seq: number; text: string }
  | { kind: 'missing'; frame: number; seq: number; len: number; cause: MissingCause | undefined }
  | { kind: 'repeated'; frame: number; seq: number; len: number };

class Recorder implements StreamBytesSink {
  readonly events: Event[] = [];
  data(frame: number, seq: number, bytes: Uint8Array): void {
    this.events.push({ kind: 'data', frame, seq, text: Buffer.from(bytes).toString('latin1') });
  }
  missing(frame: number, seq: number, len: number, cause?: MissingCause): void {
    this.events.push({ kind: 'missing', frame, seq, len, cause });
  }
  repeated(frame: number, seq: number, len: number): void {
    this.events.push({ kind: 'repeated', frame, seq, len });
  }
  /** Data and holes only, as "seq:text" and "seq!len(cause)". */
  get pieces(): string[] {
    return this.events.flatMap((e) => (e.kind === 'data' ? [`${e.seq}:${e.text}`] : e.kind === 'missing' ? [`${e.seq}!${e.len}(${e.cause})`] : []));
  }
}

function setup(options?: ReassemblyOptions): { r: DirectionReassembler; out: Recorder } {
  const out = new Recorder();
  return { r: new DirectionReassembler(out, options), out };
}

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
/** A segment whose captured bytes are all of it. */
function seg(r: DirectionReassembler, frame: number, seq: number, text: string, flags = ACK): void {
  r.segment(frame, seq, flags, bytes(text), text.length);
}

describe('DirectionReassembler', () => {
  it('starts after the SYN and delivers in-order data as it comes', () => {
    const { r, out } = setup();
    r.segment(1, 0, SYN, new Uint8Array(0), 0);
    seg(r, 3, 1, 'hello');
    seg(r, 4, 6, ' world');
    assert.deepEqual(out.pieces, ['1:hello', '6: world']);
    assert.equal(r.nextSeq, 12);
  });

  it('delivers the data a SYN carries (TCP Fast Open) from the byte after it', () => {
    const { r, out } = setup();
    r.segment(1, 0, SYN, bytes('GET'), 3);
    seg(r, 3, 4, ' /');
    assert.deepEqual(out.pieces, ['1:GET', '4: /']);
  });

  it('a capture that starts mid-stream starts at its first segment', () => {
    const { r, out } = setup();
    seg(r, 1, 5000, 'abc');
    seg(r, 2, 5003, 'def');
    assert.deepEqual(out.pieces, ['5000:abc', '5003:def']);
  });

  it('a retransmission delivers nothing and is reported repeated', () => {
    const { r, out } = setup();
    seg(r, 1, 1, 'abcde');
    seg(r, 2, 1, 'abcde');
    assert.deepEqual(out.pieces, ['1:abcde']);
    assert.deepEqual(out.events[1], { kind: 'repeated', frame: 2, seq: 1, len: 5 });
  });

  it('an overlapping retransmission with more data delivers only the new bytes', () => {
    const { r, out } = setup();
    seg(r, 1, 1, 'abcde');
    seg(r, 2, 3, 'cdefgh');
    assert.deepEqual(out.pieces, ['1:abcde', '6:fgh']);
    assert.deepEqual(out.events[1], { kind: 'repeated', frame: 2, seq: 3, len: 3 });
    assert.equal(out.events.filter((e) => e.kind === 'data')[1]!.frame, 2);
  });

  it('an out-of-order segment waits until the hole before it fills', () => {
    const { r, out } = setup();
    seg(r, 1, 1, 'ab');
    seg(r, 2, 6, 'fg');
    assert.deepEqual(out.pieces, ['1:ab']);
    seg(r, 3, 3, 'cde');
    assert.deepEqual(out.pieces, ['1:ab', '3:cde', '6:fg']);
    const frames = out.events.filter((e) => e.kind === 'data').map((e) => e.frame);
    assert.deepEqual(frames, [1, 3, 2], 'each piece keeps the frame that carried it');
  });

  it('waiting segments are taken in the order they arrived among those that fit (as Wireshark walks its list)', () => {
    const { r, out } = setup();
    seg(r, 1, 1, 'a');
    seg(r, 2, 3, 'cd'); // arrives first, shorter
    seg(r, 3, 3, 'cdef'); // arrives second, longer
    seg(r, 4, 2, 'b');
    assert.deepEqual(out.pieces, ['1:a', '2:b', '3:cd', '5:ef']);
  });

  it('a waiting segment that starts inside delivered bytes gives only its new tail', () => {
    const { r, out } = setup();
    seg(r, 1, 1, 'a');
    seg(r, 2, 4, 'defg');
    seg(r, 3, 2, 'bcdef');
    assert.deepEqual(out.pieces, ['1:a', '2:bcdef', '7:g']);
  });

  it('a hole the peer acknowledged is reported missing, then the bytes after it come', () => {
    const { r, out } = setup();
    seg(r, 1, 1, 'AAAAA');
    seg(r, 2, 11, 'CCCCC');
    r.acknowledged(3, 11); // does not pass the waiting segment's start: still waiting
    assert.deepEqual(out.pieces, ['1:AAAAA']);
    r.acknowledged(4, 16);
    assert.deepEqual(out.pieces, ['1:AAAAA', '6!5(unseen)', '11:CCCCC']);
    assert.equal((out.events[1] as { frame: number }).frame, 4, 'the hole is dated by the acknowledging frame');
    seg(r, 5, 16, 'DD');
    assert.deepEqual(out.pieces.slice(-1), ['16:DD']);
  });

  it('a hole at the end that nobody acknowledged is dropped, as in Wireshark, or flushed on request', () => {
    const a = setup();
    seg(a.r, 1, 1, 'AAAAA');
    seg(a.r, 2, 11, 'CCCCC');
    a.r.finish();
    assert.deepEqual(a.out.pieces, ['1:AAAAA']);
    assert.equal(a.r.bufferedBytes, 0);

    const b = setup();
    seg(b.r, 1, 1, 'AAAAA');
    seg(b.r, 2, 11, 'CCCCC');
    seg(b.r, 3, 20, 'E');
    b.r.finish(true);
    assert.deepEqual(b.out.pieces, ['1:AAAAA', '6!5(end)', '11:CCCCC', '16!4(end)', '20:E']);
  });

  it('bytes the snapshot length cut off are passed over and reported as cut', () => {
    const { r, out } = setup();
    r.segment(1, 1, ACK, bytes('AAAA'), 10); // 10 bytes on the wire, 4 captured
    seg(r, 2, 11, 'BBBBB');
    assert.deepEqual(out.pieces, ['1:AAAA', '5!6(cut)', '11:BBBBB']);
  });

  it('a segment with no captured byte is ignored, so the next one waits (Wireshark)', () => {
    const { r, out } = setup();
    seg(r, 1, 1, 'AA');
    r.segment(2, 3, ACK, new Uint8Array(0), 5);
    seg(r, 3, 8, 'CC');
    assert.deepEqual(out.pieces, ['1:AA']);
    r.acknowledged(4, 10);
    assert.deepEqual(out.pieces, ['1:AA', '3!5(unseen)', '8:CC']);
  });

  it('a cut segment that had to wait moves the stream by its captured bytes only (Wireshark)', () => {
    const { r, out } = setup();
    seg(r, 1, 1, 'A');
    r.segment(2, 3, ACK, bytes('CC'), 4); // waits; 2 of its 4 bytes captured
    seg(r, 3, 2, 'B');
    seg(r, 4, 7, 'G');
    assert.deepEqual(out.pieces, ['1:A', '2:B', '3:CC']);
    r.acknowledged(5, 8);
    assert.deepEqual(out.pieces, ['1:A', '2:B', '3:CC', '5!2(unseen)', '7:G']);
  });

  it('sequence numbers wrap at 2^32', () => {
    const { r, out } = setup();
    const start = 2 ** 32 - 3;
    seg(r, 1, start, 'abc'); // ends exactly at the wrap: the stream now expects 0
    seg(r, 2, 2, 'fg'); // after the wrap, out of order
    seg(r, 3, 0, 'de');
    seg(r, 4, start + 1, 'bc'); // old bytes from before the wrap
    seg(r, 5, 2 ** 32 - 1, 'cdefgh'); // straddles the wrap: only "h" is new
    assert.deepEqual(out.pieces, [`${start}:abc`, '0:de', '2:fg', '4:h']);
  });

  it('out-of-order segments across the wrap wait and fill in', () => {
    const { r, out } = setup();
    seg(r, 1, 2 ** 32 - 4, 'ab');
    seg(r, 2, 2, 'ef');
    seg(r, 3, 0, 'E'); // waits too: the hole at 2^32-2 is still open
    seg(r, 4, 2 ** 32 - 2, 'XY');
    assert.deepEqual(out.pieces, [`${2 ** 32 - 4}:ab`, `${2 ** 32 - 2}:XY`, '0:E']);
    r.acknowledged(5, 4);
    assert.deepEqual(out.pieces.slice(3), ['1!1(unseen)', '2:ef']);
  });

  it('keeps at most maxBuffered bytes waiting: beyond it the lowest hole is given up', () => {
    const max = 1000;
    const { r, out } = setup({ maxBuffered: max });
    seg(r, 1, 1, 'a');
    // A hostile stream: a hole at 2, then ever more bytes beyond it, never acknowledged.
    let seq = 3;
    for (let frame = 2; frame < 200; frame++) {
      seg(r, frame, seq, 'x'.repeat(50));
      seq += 60; // a new 10-byte hole after each
      assert.ok(r.bufferedBytes <= max, `buffered ${r.bufferedBytes} at frame ${frame}`);
    }
    const holes = out.events.filter((e) => e.kind === 'missing');
    assert.ok(holes.length > 100);
    assert.ok(holes.every((h) => h.kind === 'missing' && h.cause === 'overflow'));
    assert.deepEqual(out.pieces.slice(0, 3), ['1:a', '2!1(overflow)', `3:${'x'.repeat(50)}`]);
  });

  it('costs O(log n) a segment: 100,000 segments in reverse order', () => {
    const { r, out } = setup();
    const n = 100_000;
    seg(r, 1, 1, 'a');
    for (let i = n; i >= 1; i--) seg(r, n - i + 2, 1 + i, 'b');
    assert.equal(out.events.filter((e) => e.kind === 'data').length, n + 1);
    assert.equal(r.nextSeq, n + 2);
    assert.equal(r.bufferedBytes, 0);
  });

  it('property: any split, duplication and reordering of a stream gives it back, each byte once', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.array(fc.tuple(fc.nat(300), fc.nat(40)), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (stream, cuts, order, isn) => {
          // Segments covering the whole stream, plus random extra pieces (duplicates, overlaps).
          const pieces: Array<[number, number]> = [];
          for (let at = 0; at < stream.length; ) {
            const len = Math.min(stream.length - at, 1 + ((cuts[pieces.length % cuts.length]![1] * 7) % 50));
            pieces.push([at, len]);
            at += len;
          }
          for (const [at, len] of cuts) if (at < stream.length) pieces.push([at, Math.min(len, stream.length - at)]);
          // Shuffle all but the first (which starts the stream, as a capture's first segment does).
          const rest = pieces.slice(1);
          for (let i = 0; i < order.length && rest.length > 1; i++) {
            const a = order[i]! % rest.length;
            const b = (order[i]! >>> 8) % rest.length;
            [rest[a], rest[b]] = [rest[b]!, rest[a]!];
          }
          const { r, out } = setup();
          r.segment(0, isn, SYN, new Uint8Array(0), 0);
          [pieces[0]!, ...rest].forEach(([at, len], i) => {
            if (len > 0) r.segment(i + 1, (isn + 1 + at) >>> 0, ACK, stream.subarray(at, at + len), len);
          });
          r.finish();
          const got = Buffer.concat(out.events.filter((e) => e.kind === 'data').map((e) => Buffer.from((e as { text: string }).text, 'latin1')));
          assert.deepEqual(new Uint8Array(got), stream);
          let expect = (isn + 1) >>> 0;
          for (const e of out.events) {
            if (e.kind !== 'data') continue;
            assert.equal(e.seq, expect);
            expect = (expect + e.text.length) >>> 0;
          }
          assert.equal(out.events.some((e) => e.kind === 'missing'), false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
