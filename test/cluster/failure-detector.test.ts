import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/cluster/env.ts';
import { FailureDetector, PHI_FACTOR } from '../../src/cluster/failure-detector.ts';

const PEER = '127.1.1.2:7000';

/** Heartbeats every `everyMs` (± jitter) from t=0 up to `untilMs`, interpreting once a second like a gossip round. */
function heartbeats(fd: FailureDetector, untilMs: number, everyMs = 1000, jitterMs = 0, seed = 1): number[] {
  const random = seededRandom(seed);
  const phis: number[] = [];
  let nextBeat = 0;
  for (let t = 0; t <= untilMs; t += 100) {
    if (t >= nextBeat) {
      fd.report(PEER, t);
      nextBeat = t + everyMs + (jitterMs > 0 ? Math.round((random.next() * 2 - 1) * jitterMs) : 0);
    }
    if (t % 1000 === 0) {
      fd.interpret(PEER, t);
      phis.push(fd.phi(PEER, t));
    }
  }
  return phis;
}

test('regular heartbeats keep phi far below the threshold', () => {
  const fd = new FailureDetector();
  const convictions: string[] = [];
  fd.onConvict((ep) => convictions.push(ep));
  const phis = heartbeats(fd, 60_000);
  assert.deepEqual(convictions, []);
  assert.ok(Math.max(...phis) < 1, `max phi ${Math.max(...phis)}`);
  assert.ok(fd.isAlive(PEER));
  assert.ok(Math.abs(fd.meanInterval(PEER) - 1000) < 20, `mean ${fd.meanInterval(PEER)}`);
});

test('jittered heartbeats (±600 ms) stay below the threshold', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const fd = new FailureDetector();
    let convicted = false;
    fd.onConvict(() => { convicted = true; });
    heartbeats(fd, 120_000, 1000, 600, seed);
    assert.equal(convicted, false, `seed ${seed}`);
  }
});

test('silence after regular heartbeats convicts after about 18.4 s (phi = t / mean / ln 10 > 8)', () => {
  const fd = new FailureDetector();
  heartbeats(fd, 30_000);
  const last = 30_000;
  let now = last;
  let convictedAt: number | undefined;
  fd.onConvict((ep, phi) => {
    assert.equal(ep, PEER);
    assert.ok(phi > 8);
    convictedAt ??= now;
  });
  for (now = last + 1000; now <= last + 30_000; now += 1000) fd.interpret(PEER, now);
  assert.ok(convictedAt !== undefined);
  // mean ≈ 1000 ms (the first, assumed 2000 ms interval is diluted by 30 real ones), so t > 8 * ln 10 * 1000.
  const expected = (8 / PHI_FACTOR) * fd.meanInterval(PEER);
  assert.ok(convictedAt - last >= expected && convictedAt - last < expected + 1000, `convicted after ${convictedAt - last}`);
  assert.equal(fd.isAlive(PEER), false);
  // A new heartbeat makes it alive again.
  fd.report(PEER, last + 31_000);
  assert.equal(fd.isAlive(PEER), true);
});

test('a single report assumes a 2 s interval, so a newcomer is not convicted for ~37 s', () => {
  const fd = new FailureDetector();
  fd.report(PEER, 0);
  let convictedAt: number | undefined;
  for (let t = 1000; t <= 60_000 && convictedAt === undefined; t += 1000) if (fd.interpret(PEER, t)) convictedAt = t;
  // 8 * ln 10 * 2000 ≈ 36.8 s.
  assert.equal(convictedAt, 37_000);
});

test('intervals longer than maxIntervalMs are not averaged in', () => {
  const fd = new FailureDetector();
  heartbeats(fd, 20_000);
  fd.report(PEER, 80_000); // a 60 s gap: the peer was down, not slow
  assert.ok(Math.abs(fd.meanInterval(PEER) - 1000) < 60, `mean ${fd.meanInterval(PEER)}`);
});

test('the window keeps only the last windowSize intervals', () => {
  const fd = new FailureDetector({ windowSize: 10, maxIntervalMs: 10_000 });
  for (let t = 0; t <= 20_000; t += 1000) fd.report(PEER, t);
  for (let t = 23_000; t <= 53_000; t += 3000) fd.report(PEER, t);
  assert.equal(fd.meanInterval(PEER), 3000);
});

test('local pause guard: a stalled process convicts nobody, and peers get a full window again', () => {
  const fd = new FailureDetector();
  const convictions: number[] = [];
  let now = 0;
  fd.onConvict(() => convictions.push(now));
  heartbeats(fd, 20_000);
  // The event loop stalls for 25 s: no interpret() and no heartbeats processed. Without the guard phi would be
  // 0.434 * 25 = 10.9 > 8 at the first check.
  now = 45_000;
  assert.ok(fd.phi(PEER, now) > 8);
  assert.equal(fd.interpret(PEER, now), false);
  // The guard holds for another maxLocalPauseMs of rounds.
  for (now = 46_000; now < 50_000; now += 1000) assert.equal(fd.interpret(PEER, now), false);
  // Last arrival was reset to the pause time, so phi restarts from 0.
  assert.ok(fd.phi(PEER, 46_000) < 1);
  // A peer that stays silent is still convicted eventually, ~18 s after the pause.
  for (now = 50_000; now <= 80_000 && convictions.length === 0; now += 1000) fd.interpret(PEER, now);
  assert.equal(convictions.length, 1);
  assert.ok(convictions[0]! >= 45_000 + 18_000 && convictions[0]! <= 45_000 + 20_000, `at ${convictions[0]}`);
});

test('local pause guard: heartbeats resuming after the pause do not record the pause as an interval', () => {
  const fd = new FailureDetector({ maxIntervalMs: 60_000 });
  heartbeats(fd, 20_000);
  fd.interpret(PEER, 40_000); // pause detected
  fd.report(PEER, 40_100);
  fd.report(PEER, 41_100);
  assert.ok(Math.abs(fd.meanInterval(PEER) - 1000) < 60, `mean ${fd.meanInterval(PEER)}`);
});

test('without a pause, silence is convicted at the same rate interpret() is called', () => {
  const fd = new FailureDetector();
  heartbeats(fd, 20_000);
  let convicted = false;
  for (let t = 21_000; t <= 45_000 && !convicted; t += 1000) convicted = fd.interpret(PEER, t);
  assert.equal(convicted, true);
});

test('remove() forgets history; forceConviction() notifies listeners', () => {
  const fd = new FailureDetector();
  const seen: Array<[string, number]> = [];
  const off = fd.onConvict((ep, phi) => seen.push([ep, phi]));
  fd.report(PEER, 0);
  fd.forceConviction(PEER);
  assert.deepEqual(seen, [[PEER, Infinity]]);
  assert.equal(fd.isAlive(PEER), false);
  fd.remove(PEER);
  assert.equal(fd.phi(PEER, 100_000), 0);
  assert.equal(fd.interpret(PEER, 100_000), false);
  off();
  fd.report(PEER, 0);
  fd.forceConviction(PEER);
  assert.equal(seen.length, 1);
});
