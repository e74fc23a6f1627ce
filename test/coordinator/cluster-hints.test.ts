import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterCoordinator, type Messenger } from '../../src/coordinator/cluster.ts';
import { MemoryStore } from '../../src/coordinator/memory-store.ts';
import { SimScheduler } from '../../src/cluster/sim-network.ts';
import { emptySchema } from '../../src/schema/registry.ts';
import type { TableDef } from '../../src/schema/model.ts';

test('replayHints keeps every hint it could not deliver, not just the one that failed', async () => {
  const sched = new SimScheduler();
  let calls = 0;
  const messenger: Messenger = {
    self: 'a:7000',
    register: () => undefined,
    // The peer takes the first hint, then goes away again.
    request: () => (++calls === 1 ? Promise.resolve(true) : Promise.reject(new Error('timed out'))),
  };
  const c = new ClusterCoordinator({
    topology: { self: 'a:7000', localDc: 'dc1', localRack: 'r1', ring: () => { throw new Error('unused'); }, isAlive: () => true },
    messenger, store: new MemoryStore(), schema: emptySchema, clock: sched, timers: sched,
    writeTimeoutMs: 100, readTimeoutMs: 100, maxHintWindowMs: 3_600_000,
  });
  const table = { keyspace: 'ks', name: 't', id: 'x' } as TableDef;
  for (let i = 0; i < 4; i++) await c.hints.add('b:7000', [{ table, update: { key: Buffer.from([i]), token: BigInt(i), rangeTombstones: [], rows: [] } }]);
  assert.equal(await c.replayHints('b:7000'), 1);
  assert.equal(calls, 2, 'stops at the first failure');
  assert.equal(c.hints.count('b:7000'), 3, 'the failed hint and the two never tried are kept');
  assert.deepEqual(c.hints.peek('b:7000', 10).map((h) => h.items[0]!.update.key[0]), [1, 2, 3]);
});
