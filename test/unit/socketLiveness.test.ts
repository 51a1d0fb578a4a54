import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIVENESS, SocketLiveness, type LivenessSettings } from '../../src/core/lifecycle/socketLiveness';
import { FakeClock } from '../support/fakeClock';

/** A liveness object on a fake clock, recording when it pinged and when it declared the socket dead. */
function rig(settings: LivenessSettings = DEFAULT_LIVENESS) {
  const clock = new FakeClock(0);
  const pings: number[] = [];
  const deaths: { at: number; silentMs: number }[] = [];
  const liveness = new SocketLiveness(settings, { sendPing: () => pings.push(clock.now()), onDead: (silentMs) => deaths.push({ at: clock.now(), silentMs }) }, clock);
  return { clock, pings, deaths, liveness };
}

describe('lifecycle/socketLiveness', () => {
  it('defaults: a ping every 30 s; a socket that answers none is dead at 75 s, once, and then nothing more is scheduled', () => {
    const { clock, pings, deaths } = rig();
    clock.advance(74_999);
    assert.deepEqual(pings, [30_000, 60_000]);
    assert.deepEqual(deaths, []);
    clock.advance(1);
    assert.deepEqual(deaths, [{ at: 75_000, silentMs: 75_000 }]);
    assert.equal(clock.pendingTimers, 0);
    clock.advance(600_000);
    assert.equal(deaths.length, 1);
    assert.equal(pings.length, 2, 'no pings after death');
  });

  it('a pong (or any frame) after each ping keeps a quiet socket alive indefinitely, still pinging every interval', () => {
    const { clock, pings, deaths, liveness } = rig();
    for (let i = 0; i < 20; i++) {
      clock.advance(30_000);
      clock.advance(200); // the round trip
      liveness.heard();
    }
    assert.deepEqual(deaths, []);
    assert.equal(pings.length, 20);
  });

  it('the limit counts from the last frame heard: silence after a frame is dead 75 s after it, not after the first ping', () => {
    const { clock, deaths, liveness } = rig();
    clock.advance(50_000);
    liveness.heard();
    clock.advance(74_999);
    assert.deepEqual(deaths, []);
    clock.advance(1);
    assert.deepEqual(deaths, [{ at: 125_000, silentMs: 75_000 }]);
  });

  it('short test intervals: ping every 1 s, dead after 3 s of silence', () => {
    const { clock, pings, deaths } = rig({ pingIntervalMs: 1000, deadAfterMs: 3000 });
    clock.advance(3000);
    assert.deepEqual(pings, [1000, 2000]);
    assert.deepEqual(deaths, [{ at: 3000, silentMs: 3000 }]);
  });

  it('pingNow (ping(cb) of the provider socket) sends at once and moves the next interval ping, so two callers do not double the pings', () => {
    const { clock, pings, liveness } = rig();
    clock.advance(20_000);
    liveness.pingNow();
    liveness.heard();
    clock.advance(29_999);
    assert.deepEqual(pings, [20_000]);
    clock.advance(1);
    assert.deepEqual(pings, [20_000, 50_000]);
  });

  it('a dead limit below two intervals is raised to two (one late pong is no death)', () => {
    const { clock, deaths } = rig({ pingIntervalMs: 30_000, deadAfterMs: 10_000 });
    clock.advance(59_999);
    assert.deepEqual(deaths, []);
    clock.advance(1);
    assert.equal(deaths.length, 1);
  });

  it('interval 0: no pings, no deaths, no timers; pingNow still sends', () => {
    const { clock, pings, deaths, liveness } = rig({ pingIntervalMs: 0, deadAfterMs: 75_000 });
    assert.equal(clock.pendingTimers, 0);
    clock.advance(10 * 60_000);
    assert.deepEqual([pings, deaths], [[], []]);
    liveness.pingNow();
    assert.equal(pings.length, 1);
    assert.equal(clock.pendingTimers, 0);
  });

  it('the machine slept (the timer fires far too late): no death on waking; a ping goes out at once and the socket has until 45 s later to answer', () => {
    const { clock, pings, deaths } = rig();
    clock.advance(10_000);
    clock.jump(10 * 60_000);
    clock.advance(0);
    assert.deepEqual(deaths, [], 'the time asleep is no evidence against the socket');
    const woke = clock.now();
    assert.deepEqual(pings, [woke]);
    clock.advance(44_999);
    assert.deepEqual(deaths, []);
    clock.advance(1);
    assert.deepEqual(deaths, [{ at: woke + 45_000, silentMs: 75_000 }]);
    // An answer after waking keeps it, as on any other ping.
    const again = rig();
    again.clock.jump(10 * 60_000);
    again.clock.advance(0);
    again.clock.advance(300);
    again.liveness.heard();
    again.clock.advance(74_000);
    assert.deepEqual(again.deaths, []);
  });

  it('dispose stops everything: no pings, no death', () => {
    const { clock, pings, deaths, liveness } = rig();
    clock.advance(1000);
    liveness.dispose();
    assert.equal(clock.pendingTimers, 0);
    clock.advance(10 * 60_000);
    assert.deepEqual([pings, deaths], [[], []]);
  });
});
