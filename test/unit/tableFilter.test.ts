import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { MemorySource } from '../../src/core/capture/source';
import { CaptureFormatError } from '../../src/core/capture/types';
import { filterNeedsAnalysis, parseFilter } from '../../src/core/filter/filter';
import { catalogCapture } from '../../src/core/index/catalog';
import { spanSeconds } from '../../src/core/report';
import { scanConversations } from '../../src/core/scan';
import { streamFilter, tableStreamFilter } from '../../src/core/view/connections';
import { FIXTURES, SHARED, listCaptures, sharedAvailable } from '../helpers/paths';

/**
 * A filter of addresses, ports, stream numbers, completeness and times is answered by the
 * conversation table (tcp-explainer `conversations -Y` and `packets -Y` take that pass when the
 * filter allows it). Proof that it passes the very streams the analysed catalog passes: random
 * expressions built from each capture's own connections, on every fixture and shared capture.
 */

function parsed(text: string) {
  const r = parseFilter(text);
  if ('error' in r) throw new Error(`${text}: ${r.error.message}`);
  return r.ok;
}

describe('filters the conversation table answers without the analysis (issue 10)', function () {
  this.timeout(600000);

  it('says which filters need the analysis: opening, closing, tcp.analysis.* and plain words', () => {
    for (const text of ['tcp.port == 4000', 'ip.addr == 10.0.0.0/8 and not tcp.stream in {1 2}', '17', 'tcp.completeness & 0x10', 'frame.time_relative >= 1.5 || ipv6', 'tcp', '']) {
      assert.equal(filterNeedsAnalysis(parsed(text)), false, text);
    }
    for (const text of ['closing == "reset"', 'tcp.port == 80 and opening != "three-way-handshake"', 'not tcp.analysis.retransmission', 'tcp.analysis.flags', '(tcp.stream < 3 or (tcp.port == 1 and tcp.analysis.zero_window))', 'example.test', 'GET 200']) {
      assert.equal(filterNeedsAnalysis(parsed(text)), true, text);
    }
  });

  it('refuses a filter it cannot answer rather than guess', () => {
    const { summary, table } = scanConversations(new MemorySource(new Uint8Array(fs.readFileSync(listCaptures(FIXTURES)[0]!))));
    assert.throws(() => tableStreamFilter(table, summary, parsed('closing == "reset"')), /needs the sequence analysis/);
  });

  /** Random filters over this capture's connections; returns how many streams were compared in all. */
  function compare(file: string, runs: number): number {
    const bytes = new Uint8Array(fs.readFileSync(file));
    let catalog;
    try {
      catalog = catalogCapture(new MemorySource(bytes), undefined, { locations: false });
    } catch (e) {
      if (e instanceof CaptureFormatError) return 0;
      throw e;
    }
    const convs = catalog.conversations;
    if (convs.length === 0) return 0;
    const { summary, table } = scanConversations(new MemorySource(bytes));
    const sum = catalog.summary;
    const ends = (s: number) => {
      const c = convs[s]!;
      return c.clientIsA ? [c.a, c.b] : [c.b, c.a];
    };
    const stream = fc.nat(convs.length + 1);
    const known = fc.nat(convs.length - 1);
    const op = fc.constantFrom('==', '!=', '<', '<=', '>', '>=');
    const atom: fc.Arbitrary<string> = fc.oneof(
      fc.tuple(op, stream).map(([o, s]) => `tcp.stream ${o} ${s}`),
      fc.tuple(known, fc.constantFrom('ip.src', 'ip.dst', 'ip.addr'), fc.constantFrom('==', '!=', '===', '!==')).map(([s, f, o]) => {
        const [client, server] = ends(s);
        return `${f} ${o} ${f === 'ip.dst' ? server!.address : client!.address}`;
      }),
      fc.tuple(known, fc.constantFrom(8, 16, 24, 64, 120)).map(([s, bits]) => {
        const a = ends(s)[1]!.address;
        const v6 = a.includes(':');
        return `ip.addr == ${a}/${v6 ? bits : Math.min(bits, 32)}`;
      }),
      fc.tuple(known, fc.constantFrom('tcp.port', 'tcp.srcport', 'tcp.dstport'), op).map(([s, f, o]) => `${f} ${o} ${ends(s)[f === 'tcp.srcport' ? 0 : 1]!.port}`),
      fc.tuple(known, op).map(([s, o]) => `tcp.completeness ${o} ${convs[s]!.displayedCompleteness}`),
      fc.constantFrom(1, 2, 4, 8, 16, 32).map((m) => `tcp.completeness & ${m}`),
      // Times of the connections' own starts: the edges of <= and >= are where a difference would
    // show (a literal is never negative; a capture whose time runs backwards has starts below 0).
      fc.tuple(known, op).map(([s, o]) => `frame.time_relative ${o} ${Math.max(0, spanSeconds(sum.firstSec, sum.firstNsec, convs[s]!.firstSec, convs[s]!.firstNsec)).toFixed(9)}`),
      fc.tuple(known, known).map(([x, y]) => `tcp.stream in {${Math.min(x, y)}..${Math.max(x, y)} ${x}}`),
      fc.constantFrom('ip', 'ipv6', 'tcp', 'ipv6.addr == ::1', 'ipv6.src != ::1'),
    );
    const expr = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        atom,
        fc.tuple(tie('e'), fc.constantFrom('and', 'or', '&&', '||'), tie('e')).map(([a, j, b]) => `(${a}) ${j} (${b})`),
        tie('e').map((a) => `not (${a})`),
      ),
    })).e;
    let compared = 0;
    fc.assert(
      fc.property(expr, (text) => {
        const filter = parsed(text);
        assert.equal(filterNeedsAnalysis(filter), false, text);
        const full = streamFilter(catalog, filter);
        const counted = tableStreamFilter(table, summary, filter);
        for (let s = 0; s < convs.length; s++) assert.equal(counted(s), full(s), `${path.basename(file)}: ${text}: stream ${s}`);
        compared += convs.length;
      }),
      { numRuns: runs, seed: 20261203 },
    );
    return compared;
  }

  it('passes the streams the analysed catalog passes, on every fixture', () => {
    let n = 0;
    const files = listCaptures(FIXTURES);
    for (const f of files) n += compare(f, 150);
    console.log(`      ${files.length} fixtures: ${n} stream tests, all equal`);
    assert.ok(n > 50000);
  });

  it('and on every shared capture: ours, public and malformed', function () {
    if (!sharedAvailable()) {
      console.log(`      ../shared is absent (${SHARED}): the shared captures were not compared`);
      this.skip();
    }
    let n = 0;
    const files = listCaptures(SHARED);
    for (const f of files) n += compare(f, 40);
    console.log(`      ${files.length} shared captures: ${n} stream tests, all equal`);
  });
});
