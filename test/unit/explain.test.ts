import * as assert from 'node:assert/strict';
import { GLOSSARY_TERMS, explainAck, explainSeq, glossary } from '../../src/core/explain/glossary';
import { uiKeys, webviewStrings } from '../../src/extension/strings';

describe('explanations', () => {
  it("every glossary term has English and Chinese words", () => {
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

});

describe('webview words', () => {
  it('every key exists in English and in Chinese', () => {
    assert.deepEqual(uiKeys('zh-cn').sort(), uiKeys('en').sort());
    const zh = webviewStrings('zh-cn');
    assert.equal(zh['handshake'], '三次握手');
    assert.equal(zh['teardown'], '挥手（关闭连接）');
  });
});
