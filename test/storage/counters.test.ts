// Counter contexts (storage/counters.ts): merging is commutative, associative and idempotent, so replicas that receive
// a leader's contexts in any order, twice, or through hints and read repair agree; a tombstone wins over a live counter
// whatever the timestamps (CASSANDRA-7346); sums wrap at 64 bits like Java's long.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { contextTotal, counterIdOf, decodeContext, encodeContext, mergeContexts, reconcileCounterCell, type Shard } from '../../src/storage/counters.ts';

const ids = ['a', 'b', 'c'].map((h) => counterIdOf(`host-${h}`));
const shard = fc.record({ id: fc.constantFrom(...ids), clock: fc.bigInt({ min: 1n, max: 50n }), count: fc.bigInt({ min: -1000n, max: 1000n }) });
/** What one leader's shard looks like over time: its count is a function of its clock (one history per leader). */
const consistent = (s: Shard): Shard => ({ ...s, count: s.clock * 7n + BigInt(s.id[0]!) });
const context = fc.uniqueArray(shard, { selector: (s) => s.id.toString('hex'), maxLength: 3 }).map((ss) => encodeContext(ss.map(consistent)));

test('merging contexts is commutative, associative and idempotent', () => {
  fc.assert(fc.property(context, context, context, (a, b, c) => {
    assert.ok(mergeContexts(a, b).equals(mergeContexts(b, a)));
    assert.ok(mergeContexts(mergeContexts(a, b), c).equals(mergeContexts(a, mergeContexts(b, c))));
    assert.ok(mergeContexts(a, a).equals(a));
    assert.ok(mergeContexts(mergeContexts(a, b), b).equals(mergeContexts(a, b)));
  }), { seed: 11, numRuns: 300 });
});

test('the higher clock of a shard wins, the value is the sum of the shards, and it wraps at 64 bits', () => {
  const [a, b] = ids as [Buffer, Buffer];
  const merged = mergeContexts(encodeContext([{ id: a, clock: 2n, count: 5n }]), encodeContext([{ id: a, clock: 3n, count: 9n }, { id: b, clock: 1n, count: -2n }]));
  assert.deepEqual(decodeContext(merged).map((s) => [s.clock, s.count]).sort(), [[1n, -2n], [3n, 9n]].sort());
  assert.equal(contextTotal(merged), 7n);
  const max = 9223372036854775807n;
  assert.equal(contextTotal(encodeContext([{ id: a, clock: 1n, count: max }, { id: b, clock: 1n, count: max }])), -2n);
});

test('a counter tombstone wins over a live counter, even an older one', () => {
  const live = { ts: 200, v: encodeContext([{ id: ids[0]!, clock: 1n, count: 1n }]) };
  const tomb = { ts: 100, v: null, ldt: 1 };
  assert.equal(reconcileCounterCell(live, tomb), tomb);
  assert.equal(reconcileCounterCell(tomb, live), tomb);
  assert.equal(reconcileCounterCell(live, { ...live, ts: 100 }).ts, 200);
});
