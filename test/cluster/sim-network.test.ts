import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pick, seededRandom, shuffled } from '../../src/cluster/env.ts';
import { SimNetwork, SimScheduler } from '../../src/cluster/sim-network.ts';

test('seededRandom is reproducible, in range, and seeds differ', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const c = seededRandom(43);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
  assert.notDeepEqual(xs, Array.from({ length: 1000 }, () => c.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  fc.assert(fc.property(fc.integer(), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
    const r = seededRandom(seed);
    for (let i = 0; i < 20; i++) {
      const k = r.int(n);
      if (!Number.isInteger(k) || k < 0 || k >= n) return false;
    }
    return true;
  }));
  assert.throws(() => a.int(0), RangeError);
  assert.equal(pick(a, []), undefined);
  assert.deepEqual(shuffled(a, [1, 2, 3, 4, 5]).sort(), [1, 2, 3, 4, 5]);
});

test('scheduler runs events in time order, ties in scheduling order, and honours clearTimeout', () => {
  const s = new SimScheduler();
  const order: string[] = [];
  s.setTimeout(() => order.push('b@10'), 10);
  s.setTimeout(() => order.push('a@5'), 5);
  s.setTimeout(() => order.push('c@10'), 10);
  const h = s.setTimeout(() => order.push('cancelled'), 7);
  s.setTimeout(() => {
    order.push('d@10');
    s.setTimeout(() => order.push('e@10+0'), 0); // scheduled at the same time: runs after the ones already due
  }, 10);
  s.setTimeout(() => order.push('f@10'), 10);
  s.clearTimeout(h);
  assert.equal(s.runUntil(9), 1);
  assert.equal(s.now(), 9);
  s.runUntil(100);
  assert.deepEqual(order, ['a@5', 'b@10', 'c@10', 'd@10', 'f@10', 'e@10+0']);
  assert.equal(s.now(), 100);
  assert.equal(s.pending, 0);
});

test('scheduler heap orders many random events like a stable sort', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (delays) => {
    const s = new SimScheduler();
    const ran: number[] = [];
    delays.forEach((d, i) => s.setTimeout(() => ran.push(i), d));
    s.runUntil(1000);
    const expected = delays.map((d, i) => [d, i] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]).map((x) => x[1]);
    return JSON.stringify(ran) === JSON.stringify(expected);
  }));
});

interface Ping { n: number }

function twoNodes(options: { latencyMs?: number; jitterMs?: number; dropProbability?: number } = {}) {
  const s = new SimScheduler();
  const net = new SimNetwork<Ping>(s, seededRandom(7), options);
  const got: Array<[number, string, string, number]> = [];
  const a = net.transport('a');
  const b = net.transport('b');
  const c = net.transport('c');
  a.onMessage((from, m) => got.push([s.now(), from, 'a', m.n]));
  b.onMessage((from, m) => got.push([s.now(), from, 'b', m.n]));
  c.onMessage((from, m) => got.push([s.now(), from, 'c', m.n]));
  return { s, net, a, b, c, got };
}

test('messages arrive after the link latency (plus jitter) and are copied', () => {
  const { s, net, a, got } = twoNodes({ latencyMs: 5, jitterMs: 3 });
  net.setLatency('a', 'c', 50);
  const msg = { n: 1 };
  a.send('b', msg);
  a.send('c', { n: 2 });
  msg.n = 99; // the sender mutating its object after send must not change what arrives
  s.runUntil(4);
  assert.equal(got.length, 0);
  s.runUntil(100);
  assert.equal(got.length, 2);
  const [first, second] = got;
  assert.equal(first![3], 1);
  assert.ok(first![0] >= 5 && first![0] < 8);
  assert.ok(second![0] >= 50 && second![0] < 53);
  assert.deepEqual(net.stats, { sent: 2, delivered: 2, dropped: 0 });
});

test('partitions, crashed nodes and in-flight loss', () => {
  const { s, net, a, b, got } = twoNodes({ latencyMs: 10 });
  net.partition(['a'], ['b']);
  a.send('b', { n: 1 });
  a.send('c', { n: 2 }); // c is on no side: reachable from everyone
  s.runFor(20);
  assert.deepEqual(got.map((g) => g[3]), [2]);
  net.heal();
  a.send('b', { n: 3 });
  net.down('b'); // crashes while the message is in flight
  s.runFor(20);
  b.send('a', { n: 4 });
  s.runFor(20);
  net.up('b');
  b.send('a', { n: 5 });
  s.runFor(20);
  assert.deepEqual(got.map((g) => g[3]), [2, 5]);
  assert.equal(net.canReach('a', 'b'), true);
});

test('drop probability loses about that share of messages', () => {
  const { s, a, got } = twoNodes({ dropProbability: 0.3 });
  for (let i = 0; i < 2000; i++) a.send('b', { n: i });
  s.runFor(10);
  const share = 1 - got.length / 2000;
  assert.ok(share > 0.25 && share < 0.35, `dropped ${share}`);
});

function randomTrace(seed: number): string[] {
  const s = new SimScheduler();
  const random = seededRandom(seed);
  const net = new SimNetwork<Ping>(s, seededRandom(seed + 1), { latencyMs: 3, jitterMs: 5, dropProbability: 0.1 });
  const names = ['a', 'b', 'c', 'd'];
  const transports = names.map((n) => net.transport(n));
  transports.forEach((t, i) => t.onMessage((_from, m) => {
    if (m.n < 50) t.send(names[random.int(4)]!, { n: m.n + 1 });
    s.log(`${names[i]} got ${m.n}`);
  }));
  for (let i = 0; i < 4; i++) transports[i]!.send(names[(i + 1) % 4]!, { n: 0 });
  s.runUntil(10_000);
  return s.trace;
}

test('the same seed gives the same trace; different seeds differ', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
    const one = randomTrace(seed);
    return JSON.stringify(one) === JSON.stringify(randomTrace(seed)) && JSON.stringify(one) !== JSON.stringify(randomTrace(seed + 2));
  }), { numRuns: 20 });
});
