import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT, fixture } from '../helpers/paths';

/** `-Y EXPR` on the command line: the editor's filter language over connections. */

const CLI = path.join(ROOT, 'dist', 'cli.js');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function streamsOf(jsonLines: string): number[] {
  return [...new Set(jsonLines.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { stream: number }).stream))].sort((a, b) => a - b);
}

describe('tcp-explainer -Y (issue 10)', () => {
  const many = fixture('09_many_short_connections_200_plus_20_port_reuse.pcap');

  it('conversations -Y keeps only the connections that pass', () => {
    const r = cli('conversations', many, '--json', '-Y', 'tcp.stream >= 3 && tcp.stream < 6 || tcp.stream == 100');
    assert.equal(r.status, 0, r.stderr);
    const streams = (JSON.parse(r.stdout) as Array<{ stream: number }>).map((c) => c.stream);
    assert.deepEqual(streams, [3, 4, 5, 100]);
  });

  it('conversations -Y reads scenarios: the refused connections of 03', () => {
    const r = cli('conversations', fixture('03_conn_refused_loopback_v4_v6.pcap'), '--json', '-Y', 'opening == "refused" && closing == "reset"');
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as unknown[]).length, 2);
    const none = cli('conversations', fixture('03_conn_refused_loopback_v4_v6.pcap'), '--json', '-Y', 'opening == "three-way-handshake"');
    assert.deepEqual(JSON.parse(none.stdout), []);
  });

  it('packets -Y prints every segment of the passing connections and no other', () => {
    const all = cli('packets', fixture('07_loss10pct_600KB_client_side.pcap'), '--json');
    const some = cli('packets', fixture('07_loss10pct_600KB_client_side.pcap'), '--json', '-Y', 'tcp.analysis.retransmission');
    assert.equal(some.status, 0, some.stderr);
    const kept = streamsOf(some.stdout);
    assert.ok(kept.length > 0);
    const expected = all.stdout.trim().split('\n').filter((l) => kept.includes((JSON.parse(l) as { stream: number }).stream));
    assert.deepEqual(some.stdout.trim().split('\n'), expected);
    const byPort = cli('packets', many, '--json', '-Y', 'tcp.port == 4000 and tcp.stream in {7 9}');
    assert.deepEqual(streamsOf(byPort.stdout), [7, 9]);
  });

  it('a filter of addresses, ports, streams and times prints what the analysed pass prints', () => {
    // The same filter made to need the analysis (an opening is always one or the other): the
    // CLI answers the first from the conversation table, the second from the catalog.
    const analysed = (e: string) => `(${e}) and (opening == "mid-stream" or opening != "mid-stream")`;
    const cases: Array<[string, string]> = [
      [many, 'tcp.stream >= 3 && tcp.stream < 6 || tcp.stream == 100'],
      [many, 'tcp.srcport > 40000 and frame.time_relative < 5'],
      [fixture('03_conn_refused_loopback_v4_v6.pcap'), 'ipv6 or tcp.completeness & 4'],
      [fixture('07_loss10pct_600KB_client_side.pcap'), 'ip.dst == 10.7.2.0/24 and tcp.dstport == 9000'],
    ];
    for (const [file, e] of cases) {
      for (const command of ['conversations', 'packets']) {
        for (const format of [[], ['--json']]) {
          const counted = cli(command, file, ...format, '-Y', e);
          const full = cli(command, file, ...format, '-Y', analysed(e));
          assert.equal(counted.status, 0, counted.stderr);
          assert.equal(counted.stdout, full.stdout, `${command} ${format.join(' ')} -Y ${e}`);
          assert.equal(counted.stderr, full.stderr);
        }
      }
      assert.notEqual(cli('conversations', file, '--json', '-Y', e).stdout.trim(), '[]', `${e} passes some connection`);
    }
  });

  it("the table's first line counts packets and connections in words that agree with the number", () => {
    const one = cli('conversations', fixture('01_http_node_conn_close.pcap'));
    assert.equal(one.status, 0, one.stderr);
    assert.match(one.stdout.split('\n')[0]!, /; 10 packets \(10 TCP\) over [\d.]+ s; 1 TCP connection$/);
    const filtered = cli('conversations', many, '-Y', 'tcp.stream == 3');
    // The first line counts the capture's connections, not those the filter passed.
    assert.match(filtered.stdout.split('\n')[0]!, /; 220 TCP connections$/);
  });

  it('packets -Y reads the passing connections alone and prints what the whole capture prints for them', () => {
    const cases: Array<[string, string]> = [
      ['09_many_short_connections_200_plus_20_port_reuse.pcap', 'tcp.stream in {0 5 201 219}'],
      ['09_many_short_connections_200_plus_20_port_reuse.pcapng', 'closing == "three-segment-close" and tcp.stream in {3..9 100 150..160 219}'],
      ['07_loss10pct_600KB_client_side.pcapng', 'tcp.analysis.retransmission'],
      ['02_http_keepalive_5req_client_close.pcap', 'GET'],
      ['03_conn_refused_loopback_v4_v6.pcap', 'ipv6'],
    ];
    for (const [name, e] of cases) {
      // Text lines: frame, time, stream first; what a segment carried is known from its connection.
      const all = cli('packets', fixture(name));
      const some = cli('packets', fixture(name), '-Y', e);
      assert.equal(some.status, 0, some.stderr);
      const lines = some.stdout.replace(/\n$/, '').split('\n').filter((l) => l !== '');
      const kept = new Set(lines.map((l) => l.trim().split(/\s+/)[2]));
      assert.ok(kept.size > 0, `${name}: ${e} passes some connection`);
      const expected = all.stdout.split('\n').filter((l) => l !== '' && kept.has(l.trim().split(/\s+/)[2]));
      assert.deepEqual(lines, expected, `${name}: ${e}`);
      const json = cli('packets', fixture(name), '--json', '-Y', e);
      const allJson = cli('packets', fixture(name), '--json').stdout.trim().split('\n');
      const keptJson = new Set(streamsOf(json.stdout));
      assert.deepEqual(json.stdout.trim().split('\n'), allJson.filter((l) => keptJson.has((JSON.parse(l) as { stream: number }).stream)), `${name}: ${e} (json)`);
    }
  });

  it('a wrong expression is a usage error that shows where', () => {
    const r = cli('conversations', many, '-Y', 'tcp.port == ');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /-Y: expected a value/);
    assert.match(r.stderr, /\n {2}tcp\.port == \n {14}\^/);
  });
});
