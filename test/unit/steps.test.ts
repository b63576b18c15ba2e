import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { MemorySource } from '../../src/core/capture/source';
import { describeStep } from '../../src/core/explain/steps';
import { CaptureIndex, indexCapture } from '../../src/core/index/captureIndex';
import { Ladder, buildLadder } from '../../src/core/tcp/ladder';
import { FIXTURES, fixture } from '../helpers/paths';

function load(name: string): CaptureIndex {
  const bytes = fs.readFileSync(fixture(name));
  return indexCapture(() => new MemorySource(bytes));
}

function ladderOf(name: string, stream: number, numbers: 'relative' | 'absolute' = 'relative'): Ladder {
  return buildLadder(load(name), { stream, numbers });
}

/*
 * What each step of a ladder is, for the scenario captures: the kinds are what the notes say,
 * so a wrong kind is a wrong explanation.
 */
const KINDS: Array<[file: string, stream: number, kinds: string]> = [
  ['01_http_node_conn_close.pcapng', 0, 'syn syn-ack handshake-ack data ack data ack fin fin-with-ack last-ack'],
  ['18_four_way_close_client_first.pcap', 0, 'syn syn-ack handshake-ack data ack data ack fin fin-ack fin-passive last-ack'],
  ['03_conn_refused_loopback_v4_v6.pcap', 0, 'syn refused'],
  ['15_syn_no_answer_dropped.pcap', 0, 'syn syn-again syn-again syn-again'],
  ['07b_syn_retransmission.pcap', 0, 'syn syn-again syn-again syn-again syn-ack handshake-ack data ack data ack fin fin-with-ack last-ack'],
  ['16_rst_after_fin_write_after_peer_close.pcap', 0, 'syn syn-ack handshake-ack data ack fin fin-ack data rst-after-fin'],
  ['17_client_abort_rst_linger0.pcap', 0, 'syn syn-ack handshake-ack data ack data ack rst'],
  ['06b_simultaneous_close.pcap', 0, 'syn syn-ack handshake-ack data ack data ack fin fin-crossed ack ack'],
  ['06a_simultaneous_open.pcap', 0, 'syn syn-simultaneous syn-again syn-again syn-ack syn-ack ack ack data ack data ack fin fin-with-ack last-ack'],
  ['12_tcp_fast_open_cookie_then_data_in_syn.pcap', 1, 'syn syn-ack handshake-ack data ack fin fin-with-ack last-ack'],
];

describe('ladder step notes', () => {
  for (const [file, stream, kinds] of KINDS) {
    it(`${file} stream ${stream}: ${kinds}`, () => {
      assert.equal(
        ladderOf(file, stream)
          .rows.map((r) => r.step.kind)
          .join(' '),
        kinds,
      );
    });
  }

  it('shows the arithmetic of each new Ack: peer Seq + Len, +1 for SYN or FIN', () => {
    const ladder = ladderOf('01_http_node_conn_close.pcapng', 0);
    const short = ladder.rows.map((r) => describeStep(r, 'en', ladder.server.port).short);
    assert.match(short[1]!, /Ack = 0 \+ 1 \(SYN\) = 1$/);
    assert.match(short[4]!, /^Ack = 1 \+ 78 = 79$/);
    // The passive closer's wait in CLOSE_WAIT follows the arithmetic (test/unit/time.test.ts checks the waits).
    assert.match(short[8]!, /Ack = 135 \+ 1 \(FIN\) = 136 · client closed 1\.39 ms after the server's FIN$/);
    assert.match(short[9]!, /TIME_WAIT.*Ack = 79 \+ 1 \(FIN\) = 80$/);
    const full = describeStep(ladder.rows[4]!, 'en').full;
    assert.match(full, /segment in frame 4 had Seq=1 and Len=78, so Ack = 1 \+ 78 = 79/);
  });

  it('with absolute numbers the arithmetic uses the raw ISN', () => {
    const ladder = ladderOf('01_http_node_conn_close.pcapng', 0, 'absolute');
    const syn = ladder.rows[0]!;
    const synAck = ladder.rows[1]!;
    assert.equal(describeStep(synAck, 'en').short.endsWith(`Ack = ${syn.seqRaw} + 1 (SYN) = ${(syn.seqRaw + 1) >>> 0}`), true);
    assert.match(describeStep(syn, 'en').full, new RegExp(`ISN, raw ${syn.seqRaw}`));
  });

  it('explains why three segments open and why closing takes four (or three)', () => {
    const tutorial = ladderOf('01_http_node_conn_close.pcapng', 0);
    assert.match(describeStep(tutorial.rows[0]!, 'en').full, /stale duplicate SYN/);
    assert.match(describeStep(tutorial.rows[1]!, 'en').full, /must be SYN\+ACK/);
    assert.match(describeStep(tutorial.rows[2]!, 'en').full, /both directions work.*can send and receive/);
    assert.match(describeStep(tutorial.rows[8]!, 'en').full, /three segments instead of four/);
    assert.match(describeStep(tutorial.rows[8]!, 'zh-cn').full, /三个报文段而不是四个/);
    const fourWay = ladderOf('18_four_way_close_client_first.pcap', 0);
    assert.match(describeStep(fourWay.rows[8]!, 'en').full, /each direction closes on its own, which is why closing takes four segments/);
    assert.match(describeStep(fourWay.rows[8]!, 'zh-cn').full, /挥手需要四次/);
    assert.match(describeStep(fourWay.rows[10]!, 'en').full, /TIME_WAIT for 2×MSL/);
  });

  it('says each state change and what the new state means', () => {
    const ladder = ladderOf('18_four_way_close_client_first.pcap', 0);
    const fin = describeStep(ladder.rows[7]!, 'en').full;
    assert.match(fin, /Client: ESTABLISHED → FIN_WAIT_1\. This side sent its FIN/);
    assert.match(fin, /Server: ESTABLISHED → CLOSE_WAIT\. The peer has closed its direction/);
    assert.match(describeStep(ladder.rows[7]!, 'zh-cn').full, /客户端：ESTABLISHED → FIN_WAIT_1。本方已发送 FIN/);
  });

  it('refusal names the port; TCP Fast Open names the data in the SYN', () => {
    const refused = ladderOf('03_conn_refused_loopback_v4_v6.pcap', 0);
    assert.match(describeStep(refused.rows[1]!, 'en', refused.server.port).full, new RegExp(`nothing listens on port ${refused.server.port}`));
    const tfo = ladderOf('12_tcp_fast_open_cookie_then_data_in_syn.pcap', 1);
    assert.match(describeStep(tfo.rows[0]!, 'en').short, /22 bytes in the SYN \(TFO\)/);
    assert.match(describeStep(tfo.rows[1]!, 'en').short, /Ack = 0 \+ 22 \+ 1 \(SYN\) = 23/);
  });

  it('analysis events get their words on the step', () => {
    const ladder = ladderOf('07_loss10pct_600KB_client_side.pcap', 0);
    const dup = ladder.rows.find((r) => r.analysis.includes('duplicate_ack'))!;
    const words = describeStep(dup, 'en');
    assert.match(words.short, /duplicate ACK/);
    assert.match(words.full, /three in a row trigger a fast retransmission/);
    assert.match(describeStep(dup, 'zh-cn').short, /重复 ACK/);
  });

  it('every step of every fixture has both notes filled in, in both languages', () => {
    let steps = 0;
    for (const name of fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap'))) {
      const index = load(name);
      for (const c of index.summary.analyzer.conversations) {
        const ladder = buildLadder(index, { stream: c.stream });
        for (const r of ladder.rows) {
          for (const lang of ['en', 'zh-cn'] as const) {
            const w = describeStep(r, lang, ladder.server.port);
            for (const text of [w.short, w.full]) {
              assert.ok(text.length > 0, `${name} ${c.stream}/${r.n}`);
              assert.doesNotMatch(text, /\{\w+\}|undefined|NaN|null/, `${name} stream ${c.stream} step ${r.n} (${lang}): ${text}`);
            }
            if (lang === 'zh-cn') assert.match(w.full, /[\u4e00-\u9fff]/);
          }
          steps++;
        }
      }
    }
    assert.ok(steps > 1000, `only ${steps} steps`);
  });
});
