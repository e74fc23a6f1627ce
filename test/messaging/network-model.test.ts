import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/cluster/env.ts';
import { SimScheduler } from '../../src/cluster/sim-network.ts';
import { DelayLine } from '../../src/messaging/delay-line.ts';
import { NetworkModel, parseNetworkConfig, type Location } from '../../src/messaging/network-model.ts';

// Two regions (DCs) with two AZs (racks) each, on the addresses a launcher would use.
const topology: Record<string, Location> = {
  '127.0.0.1:7000': { dc: 'us', rack: 'a' },
  '127.0.0.2:7000': { dc: 'us', rack: 'b' },
  '127.0.0.3:7000': { dc: 'eu', rack: 'a' },
  '127.0.0.4:7000': { dc: 'eu', rack: 'b' },
};
const locate = (endpoint: string): Location | undefined => topology[endpoint];
const [us1, us2, eu1, eu2] = Object.keys(topology) as [string, string, string, string];

test('an empty model is ideal and delivers everything at once', () => {
  const m = new NetworkModel();
  assert.ok(m.isIdeal);
  assert.deepEqual(m.decide(us1, eu1, seededRandom(1)), { deliver: true, delayMs: 0 });
  assert.equal(m.isPartitioned(us1, eu1), false);
});

test('"1 ms between AZs, 70 ms between regions": later rules override, rules are symmetric', () => {
  const m = new NetworkModel({
    rules: [
      { latencyMs: 1 },                                        // every link
      { from: { dc: 'us' }, to: { dc: 'eu' }, latencyMs: 70 }, // between regions, both directions
      { from: { address: '127.0.0.1' }, to: { address: us1 }, latencyMs: 0 }, // loopback to itself
    ],
  }, locate);
  assert.equal(m.effect(us1, us2).latencyMs, 1);
  assert.equal(m.effect(us1, eu1).latencyMs, 70);
  assert.equal(m.effect(eu2, us2).latencyMs, 70, 'reverse direction');
  assert.equal(m.effect(eu1, eu2).latencyMs, 1);
  assert.equal(m.effect(us1, us1).latencyMs, 0);
  assert.equal(m.effect(us1, '127.0.0.9:7000').latencyMs, 1, 'unknown location: only location-free rules apply');
});

test('oneWay rules apply in one direction only', () => {
  const m = new NetworkModel({ rules: [{ from: us1, to: eu1, drop: 1, oneWay: true }] }, locate);
  assert.equal(m.effect(us1, eu1).drop, 1);
  assert.equal(m.effect(eu1, us1).drop, 0);
});

test('partition(groupA, groupB) cuts both directions between the groups only; heal() restores', () => {
  const m = new NetworkModel(undefined, locate);
  m.setDefaults({ latencyMs: 2 });
  m.partition({ dc: 'us' }, [eu1]);
  const r = seededRandom(3);
  assert.deepEqual(m.decide(us1, eu1, r), { deliver: false, reason: 'partitioned' });
  assert.deepEqual(m.decide(eu1, us2, r), { deliver: false, reason: 'partitioned' });
  assert.ok(m.isPartitioned(eu1, us1));
  assert.equal(m.isPartitioned(eu2, us1), false, 'eu2 is in neither group');
  assert.equal(m.isPartitioned(eu1, eu2), false);
  m.addRule({ from: { address: eu2 }, to: { address: us2 }, partitioned: true, latencyMs: 5 });
  assert.ok(m.isPartitioned(us2, eu2));
  m.heal();
  assert.equal(m.isPartitioned(us1, eu1), false);
  assert.equal(m.isPartitioned(us2, eu2), false);
  assert.equal(m.effect(us2, eu2).latencyMs, 5, 'heal keeps the latency part of a partitioned rule');
  assert.equal(m.effect(us1, eu1).latencyMs, 2, 'heal keeps the defaults');
});

test('configuration is JSON: it survives a round trip and bad input is refused with the path', () => {
  const m = new NetworkModel(undefined, locate);
  m.configure({ defaults: { latencyMs: 1, jitterMs: 0.5, drop: 0.01 }, rules: [{ from: { dc: 'us' }, to: { dc: 'eu' }, latencyMs: 70 }] });
  m.partition(us1, eu2);
  const json = JSON.parse(JSON.stringify(m)) as unknown;
  const copy = new NetworkModel(json, locate);
  assert.deepEqual(copy.toJSON(), m.toJSON());
  assert.deepEqual(copy.toJSON().partitions, [{ a: [{ address: us1 }], b: [{ address: eu2 }] }]);
  assert.throws(() => parseNetworkConfig({ rules: [{ latencyMs: -1 }] }), /rules\[0\]\.latencyMs/);
  assert.throws(() => parseNetworkConfig({ defaults: { drop: 2 } }), /defaults\.drop/);
  assert.throws(() => parseNetworkConfig({ rules: [{ from: { zone: 'x' } }] }), /rules\[0\]\.from\.zone/);
  assert.throws(() => parseNetworkConfig({ bogus: 1 }), /bogus/);
  assert.throws(() => parseNetworkConfig([]), TypeError);
  const before = m.toJSON();
  assert.throws(() => m.configure({ rules: 'nope' }));
  assert.deepEqual(m.toJSON(), before, 'a rejected configuration leaves the old one in place');
});

test('loss and jitter follow the seeded Random, and the draw count does not depend on partitions', () => {
  const m = new NetworkModel({ defaults: { drop: 0.3, jitterMs: 10, latencyMs: 5 } });
  const r = seededRandom(11);
  let dropped = 0;
  for (let i = 0; i < 20_000; i++) {
    const d = m.decide(us1, us2, r);
    if (!d.deliver) dropped++;
    else assert.ok(d.delayMs >= 5 && d.delayMs < 15);
  }
  assert.ok(Math.abs(dropped / 20_000 - 0.3) < 0.02, `dropped ${dropped}`);
  const a = seededRandom(5);
  const b = seededRandom(5);
  const cut = new NetworkModel({ defaults: { drop: 0.3, jitterMs: 10 }, partitions: [{ a: [us1], b: [us2] }] });
  cut.decide(us1, us2, a);
  m.decide(us1, us2, b);
  assert.equal(a.next(), b.next());
});

test('DelayLine delays by at least the latency and never reorders, even with jitter', () => {
  const s = new SimScheduler();
  const out: Array<[number, number]> = [];
  const line = new DelayLine<number>(s, s, (n) => out.push([n, s.now()]));
  const r = seededRandom(8);
  const sentAt: number[] = [];
  for (let i = 0; i < 200; i++) {
    s.runFor(r.int(3));
    sentAt.push(s.now());
    line.push(i, 10 + r.next() * 20);
  }
  s.runFor(1_000);
  assert.deepEqual(out.map(([n]) => n), Array.from({ length: 200 }, (_, i) => i));
  for (const [n, at] of out) assert.ok(at - sentAt[n]! >= 10, `message ${n} too early`);
  // Zero delay with nothing queued is synchronous; behind a queued message it waits its turn.
  const now: number[] = [];
  const fast = new DelayLine<number>(s, s, (n) => now.push(n));
  fast.push(1, 0);
  assert.deepEqual(now, [1]);
  fast.push(2, 5);
  fast.push(3, 0);
  assert.deepEqual(now, [1]);
  s.runFor(5);
  assert.deepEqual(now, [1, 2, 3]);
  fast.push(4, 5);
  fast.clear();
  s.runFor(10);
  assert.deepEqual(now, [1, 2, 3]);
});
