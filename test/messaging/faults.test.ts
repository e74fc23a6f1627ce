// The NetworkModel applied to real MessagingServices: latency, partitions, loss. Range 127.0.21.x.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../src/cluster/env.ts';
import { MessagingService, TimeoutError } from '../../src/messaging/messaging.ts';

const live: MessagingService[] = [];
async function start(address: string, seed: number): Promise<MessagingService> {
  const s = await MessagingService.start({ address, port: 7000, random: seededRandom(seed) });
  live.push(s);
  s.register('ping', (p) => p);
  return s;
}
after(async () => { await Promise.all(live.map((s) => s.close())); });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(5);
  }
}

const a = await start('127.0.21.1', 1);
const b = await start('127.0.21.2', 2);
const c = await start('127.0.21.3', 3);
// Locations as membership would report them: a and b in one region, c in another.
const where: Record<string, { dc: string; rack: string }> = {
  [a.self]: { dc: 'us', rack: 'r1' }, [b.self]: { dc: 'us', rack: 'r2' }, [c.self]: { dc: 'eu', rack: 'r1' },
};
for (const s of [a, b, c]) s.network.setLocator((e) => where[e]);

async function rtt(from: MessagingService, to: MessagingService): Promise<number> {
  const t0 = performance.now();
  await from.request(to.self, 'ping', 1, 5_000);
  return performance.now() - t0;
}

test('injected latency: a round trip takes at least the configured one-way latency each way', async () => {
  await rtt(a, c); // connect first, so the connection set-up is not measured
  await rtt(c, a);
  const rules = { rules: [{ from: { dc: 'us' }, to: { dc: 'eu' }, latencyMs: 40 }, { from: { rack: 'r1' }, to: { rack: 'r2' }, latencyMs: 5 }] };
  a.network.configure(rules);
  c.network.configure(rules);
  const samples = [];
  for (let i = 0; i < 5; i++) samples.push(await rtt(a, c));
  assert.ok(Math.min(...samples) >= 80, `a<->c round trips ${samples.map((s) => s.toFixed(1)).join(', ')}`);
  assert.ok(Math.min(...samples) < 80 + 250, `a<->c not absurdly slow: ${samples.join(', ')}`);
  // Only a's side shapes a->b (5 ms, rack rule); b answers unshaped.
  const ab = await rtt(a, b);
  assert.ok(ab >= 5 && ab < 250, `a<->b ${ab}`);
  // Jitter never reorders a link.
  a.network.configure({ defaults: { latencyMs: 5, jitterMs: 20 } });
  const seen: number[] = [];
  b.register('seq', (n) => { seen.push(n as number); });
  for (let i = 0; i < 300; i++) a.send(b.self, 'seq', i);
  await until(() => seen.length === 300);
  assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i));
  for (const s of [a, b, c]) s.network.reset();
});

test('a partition configured on one side only cuts both directions; heal() restores', async () => {
  assert.equal(await a.request(b.self, 'ping', 'x', 1_000), 'x');
  a.network.partition([a.self], { dc: 'us', rack: 'r2' }); // a vs b, configured on a alone
  await assert.rejects(a.request(b.self, 'ping', 1, 200), TimeoutError);   // cut on a's send side
  await assert.rejects(b.request(a.self, 'ping', 1, 200), TimeoutError);   // b sends, a drops on receive
  const got: string[] = [];
  a.register('note', (_p, from) => { got.push(from); });
  b.send(a.self, 'note', null);
  c.send(a.self, 'note', null); // c is not in the partition
  await until(() => got.length >= 1);
  await sleep(50);
  assert.deepEqual(got, [c.self]);
  assert.ok(a.stats.droppedPartitioned >= 3);
  assert.equal(await a.request(c.self, 'ping', 'c', 1_000), 'c');
  a.network.heal();
  assert.equal(await a.request(b.self, 'ping', 'healed', 1_000), 'healed');
  assert.equal(await b.request(a.self, 'ping', 'healed', 1_000), 'healed');
});

test('a partition by DC, set through JSON on every node, isolates the region', async () => {
  for (const s of [a, b, c]) s.network.configure({ partitions: [{ a: [{ dc: 'us' }], b: [{ dc: 'eu' }] }] });
  await assert.rejects(c.request(a.self, 'ping', 1, 150), TimeoutError);
  assert.equal(await a.request(b.self, 'ping', 'same dc', 1_000), 'same dc');
  for (const s of [a, b, c]) s.network.heal();
  assert.equal(await c.request(a.self, 'ping', 'back', 1_000), 'back');
});

test('drop probability: the share lost over N messages matches the configuration (seeded)', async () => {
  const N = 4_000;
  let received = 0;
  b.register('lossy', () => { received++; });
  a.network.configure({ rules: [{ from: a.self, to: b.self, drop: 0.25, oneWay: true }] });
  const before = a.stats.droppedByModel;
  for (let i = 0; i < N; i++) a.send(b.self, 'lossy', i);
  const dropped = a.stats.droppedByModel - before;
  await until(() => received === N - dropped);
  await sleep(50);
  assert.equal(received, N - dropped, 'everything not dropped by the model arrives');
  assert.ok(Math.abs(dropped / N - 0.25) < 0.03, `dropped ${dropped} of ${N}`);
  // The reverse direction is not lossy.
  let back = 0;
  a.register('lossy', () => { back++; });
  for (let i = 0; i < 200; i++) b.send(a.self, 'lossy', i);
  await until(() => back === 200);
  a.network.reset();
});
