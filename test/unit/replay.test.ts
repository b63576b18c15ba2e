import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { MemorySource } from '../../src/core/capture/source';
import { indexCapture } from '../../src/core/index/captureIndex';
import { PACE_BREAK, PACE_LEVELS, buildLadder, paceLevel } from '../../src/core/tcp/ladder';
import {
  PAUSE_MS,
  QUICKEST_MS,
  ReplayState,
  STEADY_MS,
  replayCurrent,
  replayDelay,
  replayHides,
  replayMove,
  replayResize,
  replaySides,
  replayStart,
  replayTick,
  replayToggle,
} from '../../src/core/view/replay';
import { fixture } from '../helpers/paths';

function tutorialLadder() {
  const bytes = fs.readFileSync(fixture('01_http_node_conn_close.pcap'));
  return buildLadder(indexCapture(() => new MemorySource(bytes)), { stream: 0 });
}

describe('replay: how long each step waits', () => {
  it('real time (compressed): the wait grows with the pace level, from the quickest to the slowest', () => {
    const waits = [...PACE_LEVELS].map((c) => replayDelay(c, 0, 'paced'));
    assert.equal(waits[0], QUICKEST_MS);
    for (let i = 1; i < waits.length; i++) assert.ok(waits[i]! > waits[i - 1]!, `level ${PACE_LEVELS[i]} waits longer than ${PACE_LEVELS[i - 1]}`);
    // A pause waits longer than any level, and still a few seconds at most.
    assert.equal(replayDelay(PACE_BREAK, 0, 'paced'), PAUSE_MS);
    assert.ok(PAUSE_MS > waits[waits.length - 1]!);
    assert.ok(PAUSE_MS <= 5000);
  });

  it('reads the pace character of the segment about to be shown', () => {
    const pace = `0${paceLevel(0.5)}${paceLevel(3600)}${paceLevel(5e-5)}`;
    assert.equal(pace, '0ap2');
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => replayDelay(pace, n, 'paced')),
      [replayDelay('0', 0, 'paced'), replayDelay('a', 0, 'paced'), PAUSE_MS, replayDelay('2', 0, 'paced')],
    );
    // An hour's pause is a pause: seconds, not the hour.
    assert.equal(replayDelay(pace, 2, 'paced'), PAUSE_MS);
  });

  it('one step a second, whatever the pace', () => {
    for (const c of [...PACE_LEVELS, PACE_BREAK]) assert.equal(replayDelay(c, 0, 'steady'), STEADY_MS);
    assert.equal(replayDelay(undefined, 5, 'steady'), 1000);
  });

  it('a pace that is unknown or does not reach the segment (a growing capture) waits a second', () => {
    assert.equal(replayDelay(undefined, 0, 'paced'), STEADY_MS);
    assert.equal(replayDelay('00', 2, 'paced'), STEADY_MS);
    assert.equal(replayDelay('0?', 1, 'paced'), STEADY_MS);
  });

  it("the tutorial's connection plays in seconds at either speed", () => {
    const ladder = tutorialLadder();
    assert.equal(ladder.pace?.length, ladder.total);
    const total = (speed: 'paced' | 'steady'): number => {
      let ms = 0;
      for (let n = 0; n < ladder.total; n++) ms += replayDelay(ladder.pace, n, speed);
      return ms;
    };
    assert.equal(total('steady'), ladder.total * 1000);
    const paced = total('paced');
    assert.ok(paced >= 1000 && paced <= 20000, `${paced} ms`);
    // Its gaps are microseconds to milliseconds: faster than a step a second.
    assert.ok(paced < total('steady'), `${paced} ms`);
  });
});

describe('replay: where it stands', () => {
  const at = (shown: number, total = 10, playing = false): ReplayState => ({ total, shown, playing });

  it('starts before the first segment, paused, with every segment hidden', () => {
    const s = replayStart(10);
    assert.deepEqual(s, at(0));
    assert.equal(replayCurrent(s), null);
    assert.equal(replayHides(s, 0), true);
  });

  it('next, previous, first and last stay within 0..N and pause', () => {
    assert.deepEqual(replayMove(at(0), 'next'), at(1));
    assert.deepEqual(replayMove(at(10), 'next'), at(10));
    assert.deepEqual(replayMove(at(0), 'previous'), at(0));
    assert.deepEqual(replayMove(at(4), 'previous'), at(3));
    assert.deepEqual(replayMove(at(7), 'first'), at(0));
    assert.deepEqual(replayMove(at(2), 'last'), at(10));
    assert.deepEqual(replayMove(at(4, 10, true), 'next'), at(5));
    assert.deepEqual(replayMove(replayStart(0), 'next'), at(0, 0));
  });

  it('after step k, segment k-1 is current: it and those before show, the rest hide', () => {
    const s = at(3);
    assert.equal(replayCurrent(s), 2);
    assert.deepEqual([0, 1, 2, 3, 9].map((n) => replayHides(s, n)), [false, false, false, true, true]);
  });

  it('play and pause; playing at the end starts again; the timer stops at the end', () => {
    assert.deepEqual(replayToggle(at(3)), at(3, 10, true));
    assert.deepEqual(replayToggle(at(3, 10, true)), at(3));
    assert.deepEqual(replayToggle(at(10)), at(0, 10, true));
    assert.deepEqual(replayToggle(replayStart(0)), at(0, 0, false));
    assert.deepEqual(replayTick(at(3, 10, true)), at(4, 10, true));
    assert.deepEqual(replayTick(at(9, 10, true)), at(10, 10, false));
    assert.deepEqual(replayTick(at(10, 10, true)), at(10, 10, false));
  });

  it('a connection that grows keeps the place; one read again shorter clamps it', () => {
    assert.deepEqual(replayResize(at(10, 10), 12), at(10, 12));
    assert.deepEqual(replayResize(at(8, 10, true), 5), at(5, 5, false));
  });
});

describe('replay: the lane heads show each side after the current step', () => {
  it('before the first step the initial states, after step k the states of row k', () => {
    const ladder = tutorialLadder();
    const rows = new Map(ladder.rows.map((r) => [r.n, r]));
    assert.deepEqual(replaySides(0, ladder.initial, rows), ladder.initial);
    assert.deepEqual(ladder.initial.client.state, 'CLOSED');
    for (let k = 1; k <= ladder.total; k++) {
      const r = ladder.rows[k - 1]!;
      assert.deepEqual(replaySides(k, ladder.initial, rows), { client: r.client, server: r.server }, `step ${k}`);
    }
    // The handshake as a learner sees it, step by step.
    const states = [1, 2, 3].map((k) => {
      const s = replaySides(k, ladder.initial, rows)!;
      return `${s.client.state}/${s.server.state}`;
    });
    assert.deepEqual(states, ['SYN_SENT/SYN_RECEIVED', 'ESTABLISHED/SYN_RECEIVED', 'ESTABLISHED/ESTABLISHED']);
  });

  it('a step whose row has not come yet has no states (the replay waits for it)', () => {
    const ladder = tutorialLadder();
    const firstPage = new Map(ladder.rows.slice(0, 4).map((r) => [r.n, r]));
    assert.notEqual(replaySides(4, ladder.initial, firstPage), null);
    assert.equal(replaySides(5, ladder.initial, firstPage), null);
  });
});
