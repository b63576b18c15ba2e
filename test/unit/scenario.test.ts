import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemorySource } from '../../src/core/capture/source';
import { classify, describeScenario } from '../../src/core/explain/scenario';
import { indexCapture } from '../../src/core/index/captureIndex';
import { ROOT, fixture } from '../helpers/paths';

/*
 * Every scenario capture of shared/captures (its MANIFEST says what each one is), classified
 * from what the capture shows. Both the pcap and the pcapng of each must agree.
 */
const TABLE: Array<[file: string, stream: number, opening: string, closing: string, closer: string | null]> = [
  ['01_http_node_conn_close', 0, 'three-way-handshake', 'three-segment-close', 'server'],
  ['02_http_keepalive_5req_client_close', 0, 'three-way-handshake', 'three-segment-close', 'client'],
  ['03_conn_refused_loopback_v4_v6', 0, 'refused', 'reset', 'server'],
  ['03_conn_refused_loopback_v4_v6', 1, 'refused', 'reset', 'server'],
  ['04_server_abort_rst_linger0', 0, 'three-way-handshake', 'reset', 'server'],
  ['05_half_close_client_shut_wr', 0, 'three-way-handshake', 'half-close', 'client'],
  ['06a_simultaneous_open', 0, 'simultaneous-open', 'three-segment-close', 'client'],
  ['06b_simultaneous_close', 0, 'three-way-handshake', 'simultaneous-close', 'both'],
  ['07b_syn_retransmission', 0, 'syn-retransmitted', 'three-segment-close', 'client'],
  ['08_ipv6_loopback_http_conn_close', 0, 'three-way-handshake', 'three-segment-close', 'client'],
  ['10_capture_started_mid_connection', 0, 'mid-stream', 'three-segment-close', 'client'],
  ['12_tcp_fast_open_cookie_then_data_in_syn', 0, 'three-way-handshake', 'three-segment-close', 'server'],
  ['12_tcp_fast_open_cookie_then_data_in_syn', 1, 'tcp-fast-open', 'three-segment-close', 'server'],
  ['13_zero_window_slow_reader', 0, 'three-way-handshake', 'four-way-close', 'server'],
  // Made for this project (test/fixtures/make/make-extra.sh): scenarios shared/captures lacks.
  ['15_syn_no_answer_dropped', 0, 'no-answer', 'open-at-end', null],
  ['16_rst_after_fin_write_after_peer_close', 0, 'three-way-handshake', 'rst-after-fin', 'server'],
  ['17_client_abort_rst_linger0', 0, 'three-way-handshake', 'reset', 'client'],
  ['18_four_way_close_client_first', 0, 'three-way-handshake', 'four-way-close', 'client'],
];

/** How each scenario must be named, in English and in Chinese. */
const WORDS: Record<string, [RegExp, RegExp]> = {
  'three-way-handshake': [/three-way handshake/, /三次握手/],
  'syn-retransmitted': [/SYN \d+ more time/, /又重传了 \d+ 次/],
  refused: [/^Refused/, /连接被拒绝/],
  'no-answer': [/SYN got no answer/, /SYN 没有得到应答/],
  'simultaneous-open': [/^Simultaneous open/, /^同时打开/],
  'tcp-fast-open': [/TCP Fast Open/, /TCP 快速打开/],
  'mid-stream': [/started after the handshake/, /抓包开始于握手之后/],
  'four-way-close': [/four segments/, /四次挥手/],
  'three-segment-close': [/three segments/, /三个报文段完成关闭/],
  'simultaneous-close': [/^Simultaneous close/, /^同时关闭/],
  'half-close': [/^Half-closed/, /^半关闭/],
  reset: [/^Aborted by RST from the (client|server)/, /^(客户端|服务器)发送 RST 中止连接/],
  'rst-after-fin': [/then the (client|server) sent RST/, /随后(客户端|服务器)发送 RST/],
  'open-at-end': [/Still open|No connection was made/, /仍然打开|连接没有建立/],
};
const CLOSER_WORDS: Record<string, [string, string]> = { client: ['client', '客户端'], server: ['server', '服务器'], both: ['both', '双方'] };

describe('scenario classification', () => {
  it('counts SYN retransmissions and how long they took', () => {
    const bytes = fs.readFileSync(fixture('07b_syn_retransmission.pcap'));
    const s = classify(indexCapture(() => new MemorySource(bytes)), 0);
    assert.equal(s.synRetransmissions, 3);
    // Frames 1, 3, 5 and 6: the last SYN left 3.063552 s after the first.
    assert.ok(s.synRetransmissionSpan !== null && Math.abs(s.synRetransmissionSpan - 3.063552) < 1e-6, String(s.synRetransmissionSpan));
  });

  for (const [file, stream, opening, closing, closer] of TABLE) {
    for (const ext of ['pcap', 'pcapng']) {
      it(`${file}.${ext} stream ${stream}: ${opening}, ${closing}, closed by ${closer}`, () => {
        const bytes = fs.readFileSync(fixture(`${file}.${ext}`));
        const s = classify(indexCapture(() => new MemorySource(bytes)), stream);
        assert.deepEqual([s.opening, s.closing, s.activeCloser], [opening, closing, closer]);
        for (const [k, lang] of [[0, 'en'], [1, 'zh-cn']] as const) {
          const [open, close] = describeScenario(s, lang);
          assert.match(open!, WORDS[opening]![k], `${lang}: ${open}`);
          assert.match(close!, WORDS[closing]![k], `${lang}: ${close}`);
          if (closer) assert.ok(close!.includes(CLOSER_WORDS[closer]![k]) || closing === 'simultaneous-close', `${lang}: ${close}`);
        }
      });
    }
  }

  it('the CLI says the same: explain --json, and in Chinese with --lang zh-cn', () => {
    const cli = path.join(ROOT, 'dist', 'cli.js');
    const json = spawnSync(process.execPath, [cli, 'explain', fixture('01_http_node_conn_close.pcapng'), '--stream', '0', '--json'], { encoding: 'utf8' });
    assert.equal(json.status, 0, json.stderr);
    const r = JSON.parse(json.stdout) as { stream: number; opening: string; closing: string; activeCloser: string };
    assert.deepEqual([r.stream, r.opening, r.closing, r.activeCloser], [0, 'three-way-handshake', 'three-segment-close', 'server']);
    const zh = spawnSync(process.execPath, [cli, 'explain', fixture('06b_simultaneous_close.pcap'), '--lang', 'zh-cn'], { encoding: 'utf8' });
    assert.match(zh.stdout, /同时关闭/);
    const bad = spawnSync(process.execPath, [cli, 'explain', fixture('01_http_node_conn_close.pcap'), '--stream', '9'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /no TCP stream 9/);
  });
});
