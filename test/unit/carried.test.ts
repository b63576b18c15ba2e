import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { streamApp } from '../../src/core/app/stream';
import { appWord } from '../../src/core/app/words';
import { MemorySource } from '../../src/core/capture/source';
import { CaptureFormatError } from '../../src/core/capture/types';
import { CARRIED_BUDGET, CaptureCatalog, catalogCapture } from '../../src/core/index/catalog';
import { connectionRow, tableView } from '../../src/core/view/connections';
import { FIXTURES, SHARED, fixture, listCaptures, sharedAvailable } from '../helpers/paths';

/**
 * The connection table's "Carried" column comes from the one forward pass that catalogues a
 * capture, whose parsers stop when a connection ends or has given them CARRIED_BUDGET bytes. Proof that it says what reading the
 * connection again says: for every stream of every capture, the pass's line equals
 * streamApp's summary (Follow's reassembly and the same trackers, over that stream alone).
 */

function catalogOf(file: string): CaptureCatalog | null {
  const bytes = new Uint8Array(fs.readFileSync(file));
  try {
    return catalogCapture(new MemorySource(bytes));
  } catch (e) {
    if (e instanceof CaptureFormatError) return null;
    throw e;
  }
}

/** Streams compared, and those whose line is not empty. */
let partial = 0;

/** The application bytes a connection's segments carried (captured), as the pass gives them to its parsers. */
function payloadOf(catalog: CaptureCatalog, stream: number): number {
  let n = 0;
  catalog.readStream(stream, (_rec, f) => {
    if (f.headerValid) n += Math.max(0, Math.min(f.data.length, f.tcpOffset + f.tcpHeaderLen + f.payloadLen) - (f.tcpOffset + f.tcpHeaderLen));
  });
  return n;
}

function compareAll(file: string): { streams: number; carried: number } {
  const catalog = catalogOf(file);
  if (!catalog) return { streams: 0, carried: 0 };
  let carried = 0;
  for (let s = 0; s < catalog.conversations.length; s++) {
    const whole: string = streamApp(catalog, s).summary ?? '';
    const line: string = catalog.carriedText(s, 'en');
    // The pass reads a connection's first CARRIED_BUDGET bytes: past them its line ends in "…",
    // and says what the view of the whole connection says up to its count of further messages.
    const again: string = line.endsWith(' …') ? `${whole.replace(/ \+\d+ more$/, '')}${/ \+\d+ more …$/.exec(line)?.[0] ?? ' …'}` : whole;
    if (line.endsWith(' …')) {
      assert.ok(payloadOf(catalog, s) > CARRIED_BUDGET, `${path.basename(file)} stream ${s}: cut short within the budget`);
      const counted = Number(/ \+(\d+) more …$/.exec(line)?.[1] ?? 0);
      const all = Number(/ \+(\d+) more$/.exec(whole)?.[1] ?? 0);
      assert.ok(counted <= all, `${path.basename(file)} stream ${s}: ${counted} more counted, ${all} in all`);
      partial++;
    }
    assert.equal(line, again, `${path.basename(file)} stream ${s}`);
    assert.equal(connectionRow(catalog, s, 'en').carried, again, `${path.basename(file)} stream ${s}: the row`);
    // The other language says something exactly when English does.
    assert.equal(connectionRow(catalog, s, 'zh-cn').carried === '', again === '', `${path.basename(file)} stream ${s}: zh-cn`);
    if (line) carried++;
  }
  return { streams: catalog.conversations.length, carried };
}

function streamsMatching(catalog: CaptureCatalog, filter: string): number[] {
  const v = tableView(catalog, { filter, sort: 'stream', dir: 1 });
  assert.equal(v.error, null, filter);
  return [...v.order];
}

describe('carried: what each connection carried, from the one forward pass', function () {
  this.timeout(600000);

  it('equals streamApp for every stream of every fixture', function () {
    let streams = 0;
    let carried = 0;
    for (const file of listCaptures(FIXTURES)) {
      const r = compareAll(file);
      streams += r.streams;
      carried += r.carried;
    }
    assert.ok(streams > 300, `only ${streams} streams compared`);
    // Most fixtures carry HTTP: a pass that found nothing would agree with nothing.
    assert.ok(carried > 200, `only ${carried} streams carried something`);
    // The bulk transfers (07, 21, 23) are read only as far as the budget: their lines say so.
    assert.ok(partial > 0, 'no connection went past the budget: the cut is not tested');
    console.log(`      (${streams} streams, ${carried} carried something, ${partial} past the ${CARRIED_BUDGET}-byte budget)`);
  });

  it('equals streamApp for every stream of the shared public captures', function () {
    if (!sharedAvailable()) {
      this.skip(); // ../shared/captures is absent: the public captures are not compared
      return;
    }
    const files = listCaptures(path.join(SHARED, 'public'));
    let streams = 0;
    for (const file of files) streams += compareAll(file).streams;
    console.log(`      (compared ${streams} streams of ${files.length} public captures)`);
  });

  it('names HTTP exchanges and TLS server names in both languages', function () {
    const http = catalogOf(fixture('02_http_keepalive_5req_client_close.pcap'))!;
    assert.match(http.carriedText(0, 'en'), /^HTTP GET \/\S* → 200 \+4 more$/);
    assert.ok(http.carriedText(0, 'zh-cn').endsWith(appWord('more', 'zh-cn', { n: 4 })));

    const tls = catalogOf(fixture('22_tls13_and_tls12_sni_alpn_https_443.pcap'))!;
    assert.equal(tls.conversations.length, 2);
    for (const s of [0, 1]) {
      assert.equal(tls.carriedText(s, 'en'), `${appWord('layerTls', 'en')} example.test`);
      assert.equal(connectionRow(tls, s, 'zh-cn').carried, `${appWord('layerTls', 'zh-cn')} example.test`);
    }

    const refused = catalogOf(fixture('03_conn_refused_loopback_v4_v6.pcap'))!;
    for (let s = 0; s < refused.conversations.length; s++) assert.equal(connectionRow(refused, s, 'en').carried, '');
  });

  it('lets plain words find a connection by what it carried', function () {
    const favicon = catalogOf(fixture('20_express_chromium_localhost_4000_favicon.pcap'))!;
    const found = streamsMatching(favicon, 'favicon');
    assert.equal(found.length, 1);
    assert.match(favicon.carriedText(found[0]!), /GET \/favicon\.ico → 404/);
    // Any case, and with an address word too: every word must be found somewhere.
    assert.deepEqual(streamsMatching(favicon, 'FAVICON'), found);
    assert.deepEqual(streamsMatching(favicon, 'favicon ::1'), found);
    assert.deepEqual(streamsMatching(favicon, 'favicon 10.9.9.9'), []);

    const tls = catalogOf(fixture('22_tls13_and_tls12_sni_alpn_https_443.pcap'))!;
    assert.deepEqual(streamsMatching(tls, 'example.test'), [0, 1]);
    assert.deepEqual(streamsMatching(tls, 'example.invalid'), []);
    // Expressions are unchanged: they do not read the carried line.
    assert.deepEqual(streamsMatching(tls, 'tcp.port == 443'), [0, 1]);
  });
});
