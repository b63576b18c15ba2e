import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { MemorySource } from '../../src/core/capture/source';
import { scanCapture } from '../../src/core/scan';
import { SegmentFacts, StateTrace, traceStates } from '../../src/core/tcp/states';
import { fixture } from '../helpers/paths';

/** The segments of one stream of a fixture, oriented by who the client is. */
function streamSegments(name: string, stream: number): SegmentFacts[] {
  const raw: Array<SegmentFacts & { fromA: boolean }> = [];
  const summary = scanCapture(new MemorySource(fs.readFileSync(fixture(name))), {
    onSegment(rec, f, seg) {
      if (seg.conversation.stream !== stream) return;
      raw.push({ frame: rec.frame, fromClient: true, fromA: seg.fromA, flags: f.flags, seq: f.seq, ack: f.ack, len: f.payloadLen });
    },
  });
  const clientIsA = summary.analyzer.conversations[stream]!.clientIsA;
  return raw.map(({ fromA, ...s }) => ({ ...s, fromClient: fromA === clientIsA }));
}

/** "frame: client/server" lines, with "?" marking inferred states. */
function lines(t: StateTrace): string[] {
  const side = (s: { state: string; inferred: boolean }): string => s.state + (s.inferred ? '?' : '');
  return [`-: ${side(t.initial.client)}/${side(t.initial.server)}`, ...t.steps.map((s) => `${s.frame}: ${side(s.client)}/${side(s.server)}`)];
}

describe('TCP states of each side', () => {
  it('the tutorial: handshake, data, server closes, three-segment close', () => {
    assert.deepEqual(lines(traceStates(streamSegments('01_http_node_conn_close.pcap', 0))), [
      '-: CLOSED/LISTEN?',
      '1: SYN_SENT/SYN_RECEIVED',
      '2: ESTABLISHED/SYN_RECEIVED',
      '3: ESTABLISHED/ESTABLISHED',
      '4: ESTABLISHED/ESTABLISHED',
      '5: ESTABLISHED/ESTABLISHED',
      '6: ESTABLISHED/ESTABLISHED',
      '7: ESTABLISHED/ESTABLISHED',
      '8: CLOSE_WAIT/FIN_WAIT_1',
      '9: LAST_ACK/TIME_WAIT',
      '10: CLOSED/TIME_WAIT',
    ]);
  });

  it('simultaneous close: both FIN_WAIT_1, then CLOSING, then TIME_WAIT', () => {
    const t = lines(traceStates(streamSegments('06b_simultaneous_close.pcap', 0)));
    assert.deepEqual(t.slice(-4), ['8: ESTABLISHED/FIN_WAIT_1', '9: CLOSING/CLOSING', '10: TIME_WAIT/CLOSING', '11: TIME_WAIT/TIME_WAIT']);
  });

  it('simultaneous open: SYN both ways, no side ever listened', () => {
    // Each side retransmits its bare SYN a second later (frames 3 and 4): proof that the other
    // SYN had not arrived yet, so each goes SYN_SENT -> SYN_RECEIVED only at its own retransmission.
    const t = lines(traceStates(streamSegments('06a_simultaneous_open.pcap', 0)));
    assert.deepEqual(t.slice(0, 7), [
      '-: CLOSED/CLOSED?',
      '1: SYN_SENT/CLOSED?',
      '2: SYN_SENT/SYN_SENT',
      '3: SYN_SENT/SYN_RECEIVED',
      '4: SYN_RECEIVED/SYN_RECEIVED',
      '5: SYN_RECEIVED/ESTABLISHED',
      '6: ESTABLISHED/ESTABLISHED',
    ]);
  });

  it('refused: the RST closes the client; nothing listened', () => {
    assert.deepEqual(lines(traceStates(streamSegments('03_conn_refused_loopback_v4_v6.pcap', 0))), [
      '-: CLOSED/CLOSED?',
      '1: SYN_SENT/CLOSED?',
      '2: CLOSED/CLOSED',
    ]);
  });

  it('no answer: the server shows nothing, so it stays as assumed (never SYN_RECEIVED)', () => {
    assert.deepEqual(lines(traceStates(streamSegments('15_syn_no_answer_dropped.pcap', 0))), [
      '-: CLOSED/LISTEN?',
      '1: SYN_SENT/LISTEN?',
      '2: SYN_SENT/LISTEN?',
      '3: SYN_SENT/LISTEN?',
      '4: SYN_SENT/LISTEN?',
    ]);
  });

  it('half-close: the client waits in FIN_WAIT_2 while data still flows to it', () => {
    const t = traceStates(streamSegments('05_half_close_client_shut_wr.pcap', 0));
    const afterFin = t.steps.find((s) => s.frame === 14)!;
    assert.deepEqual([afterFin.client.state, afterFin.server.state], ['FIN_WAIT_2', 'CLOSE_WAIT']);
    const last = t.steps[t.steps.length - 1]!;
    assert.deepEqual([last.client.state, last.server.state], ['TIME_WAIT', 'CLOSED']);
  });

  it('a capture started mid-connection: ESTABLISHED, marked inferred until a segment shows more', () => {
    const t = traceStates(streamSegments('10_capture_started_mid_connection.pcap', 0));
    assert.deepEqual(t.initial, { client: { state: 'ESTABLISHED', inferred: true }, server: { state: 'ESTABLISHED', inferred: true } });
    const last = t.steps[t.steps.length - 1]!;
    assert.ok(['TIME_WAIT', 'CLOSED'].includes(last.client.state) && ['TIME_WAIT', 'CLOSED'].includes(last.server.state), JSON.stringify(last));
  });
});
