import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { MemorySource } from '../../src/core/capture/source';
import { GLOSSARY_TERMS, explainAck, explainSeq, glossary } from '../../src/core/explain/glossary';
import { endingText, openingText, summarize } from '../../src/core/explain/summary';
import { scanCapture } from '../../src/core/scan';
import { uiKeys, webviewStrings } from '../../src/extension/strings';
import { fixture } from '../helpers/paths';

function conversations(name: string) {
  return scanCapture(new MemorySource(fs.readFileSync(fixture(name)))).analyzer.conversations;
}

describe('explanations', () => {
  it('every glossary term has English and Chinese words', () => {
    for (const t of GLOSSARY_TERMS) {
      assert.ok(glossary(t, 'en').length > 20, t);
      assert.match(glossary(t, 'zh-cn'), /[\u4e00-\u9fff]/, t);
    }
  });

  it('Ack=1 says where the 1 comes from, in both languages', () => {
    const facts = { flags: ['SYN', 'ACK'], seq: 0, seqRaw: 1463006226, ack: 1, ackRaw: 3372679851, len: 0, relative: true, peerIsn: 3372679850, ownIsn: 1463006226 };
    assert.match(explainAck(facts, 'en'), /peer's SYN used sequence number 0.*raw 3372679851 = peer's ISN 3372679850 \+ 1/);
    assert.match(explainAck(facts, 'zh-cn'), /对方的 SYN 用掉了序列号 0/);
    assert.match(explainSeq(facts, 'en'), /raw 1463006226 minus this side's ISN 1463006226\. The SYN uses one sequence number\. This segment uses 1, so this side's next Seq is 1\./);
  });

  it('a FIN uses one sequence number too', () => {
    const fin = { flags: ['FIN', 'ACK'], seq: 135, seqRaw: 1463006361, ack: 79, ackRaw: 3372679929, len: 0, relative: true, peerIsn: 3372679850, ownIsn: 1463006226 };
    assert.match(explainSeq(fin, 'en'), /FIN uses one sequence number\. This segment uses 1, so this side's next Seq is 136/);
  });

  const cases: Array<[string, number, string, string]> = [
    ['01_http_node_conn_close.pcap', 0, 'handshake', 'FIN from server, closed'],
    ['03_conn_refused_loopback_v4_v6.pcap', 0, 'refused (RST)', 'reset by server'],
    ['04_server_abort_rst_linger0.pcap', 0, 'handshake', 'reset by server'],
    ['08_ipv6_loopback_http_conn_close.pcap', 0, 'handshake', 'FIN from client, closed'],
    ['10_capture_started_mid_connection.pcap', 0, 'no handshake captured', 'FIN from client, closed'],
  ];
  for (const [file, stream, opened, ended] of cases) {
    it(`${file}: "${opened}", "${ended}"`, () => {
      const s = summarize(conversations(file)[stream]!);
      assert.equal(openingText(s), opened);
      assert.equal(endingText(s), ended);
      assert.match(openingText(s, 'zh-cn') + endingText(s, 'zh-cn'), /[\u4e00-\u9fff]/);
    });
  }
});

describe('webview words', () => {
  it('every key exists in English and in Chinese', () => {
    assert.deepEqual(uiKeys('zh-cn').sort(), uiKeys('en').sort());
    const zh = webviewStrings('zh-cn');
    assert.equal(zh['handshake'], '三次握手');
    assert.equal(zh['teardown'], '四次挥手');
  });
});
