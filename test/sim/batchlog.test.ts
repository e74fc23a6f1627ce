// Logged batches on five simulated nodes (RF 3): a batch spanning partitions is written to the batchlog of two other
// nodes before it is applied, and forgotten once applied; when its coordinator crashes right after the batchlog write
// (its mutations never left it), the batchlog nodes replay it and the whole batch is applied; a batchlog that cannot
// be written is a WriteTimeout of type BATCH_LOG and nothing is applied; an UNLOGGED batch uses no batchlog.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replicasFor } from '../../src/cluster/replication.ts';
import { Consistency } from '../../src/model/consistency.ts';
import { WriteTimeoutError } from '../../src/model/errors.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import type { SimFrame } from '../../src/coordinator/sim-messenger.ts';
import { SimCluster, rowsOf, type SimNode, type SimNodeSpec } from './sim-cluster.ts';

const { ONE, QUORUM, ALL } = Consistency;
const NODES: SimNodeSpec[] = [1, 2, 3, 4, 5].map((i) => ({ endpoint: `10.0.5.${i}:7000`, dc: 'dc1', rack: `r${((i - 1) % 3) + 1}` }));

const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

async function cluster(seed: number): Promise<SimCluster> {
  const sim = new SimCluster({ seed, nodes: NODES, trace: false });
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(sim.nodes[0]!, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}", ONE)).ok);
  assert.ok((await sim.cql(sim.nodes[0]!, 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)', ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  return sim;
}

/** Two keys of which `coordinator` is not a replica, so that it applies nothing of their batch itself. */
function keysAwayFrom(sim: SimCluster, coordinator: SimNode): [number, number] {
  const ks = coordinator.core!.schema.current.keyspaces.get('ks')!;
  const ring = coordinator.core!.membership.ring();
  const away: number[] = [];
  for (let k = 0; away.length < 2 && k < 1000; k++) {
    if (!replicasFor(ring, ks.strategy, murmur3Token(int32(k))).some((r) => r.id === coordinator.endpoint)) away.push(k);
  }
  return [away[0]!, away[1]!];
}

const held = (sim: SimCluster): number => sim.nodes.reduce((a, n) => a + n.store.loadBatches().length, 0);
const batch = (k1: number, k2: number, logged = true): string =>
  `BEGIN ${logged ? '' : 'UNLOGGED '}BATCH INSERT INTO ks.t (k, v) VALUES (${k1}, 'a'); INSERT INTO ks.t (k, v) VALUES (${k2}, 'b'); APPLY BATCH`;

describe('logged batches and the batchlog', () => {
  it('a logged batch is kept on two other nodes while it is applied, then forgotten; an unlogged one is not kept', async () => {
    const sim = await cluster(21);
    const c = sim.nodes[0]!;
    const [k1, k2] = keysAwayFrom(sim, c);
    let stored = 0;
    sim.network.setDropRule((_from, _to, f: SimFrame) => {
      if (f.verb === 'BATCH_STORE' && !f.isResponse) stored++;
      return false;
    });
    assert.ok((await sim.cql(c, batch(k1, k2), QUORUM)).ok);
    assert.equal(stored, 2, 'the batch went to two batchlog nodes');
    await sim.advance(1000);
    assert.equal(held(sim), 0, 'and they forgot it once it was applied');
    assert.ok((await sim.cql(c, batch(k1 + 1000, k2 + 1000, false), QUORUM)).ok);
    assert.equal(stored, 2, 'an unlogged batch uses no batchlog');
    for (const k of [k1, k2]) assert.equal(rowsOf(await sim.cql(sim.nodes[3]!, `SELECT v FROM ks.t WHERE k = ${k}`, ALL)).length, 1);
  });

  it('the coordinator crashes after the batchlog write: the batchlog nodes replay the whole batch', async () => {
    const sim = await cluster(22);
    const c = sim.nodes[0]!;
    const [k1, k2] = keysAwayFrom(sim, c);
    // Its mutations never leave the coordinator: only the batchlog write does.
    sim.network.setDropRule((from, _to, f: SimFrame) => from === c.endpoint && f.verb === 'MUTATION');
    void sim.submit(c, batch(k1, k2), QUORUM);
    await sim.waitFor('the batchlog holds the batch', () => held(sim) === 2, 10_000);
    await sim.crash(c);
    sim.network.setDropRule(undefined);
    const others = sim.nodes.filter((n) => n !== c);
    for (const k of [k1, k2]) assert.deepEqual(rowsOf(await sim.cql(others[0]!, `SELECT v FROM ks.t WHERE k = ${k}`, QUORUM)), [], 'nothing applied yet');
    await sim.waitFor('the batch is replayed and forgotten', () => held(sim) === 0, 60_000);
    assert.deepEqual(rowsOf(await sim.cql(others[1]!, `SELECT v FROM ks.t WHERE k = ${k1}`, ALL)), [{ v: 'a' }]);
    assert.deepEqual(rowsOf(await sim.cql(others[2]!, `SELECT v FROM ks.t WHERE k = ${k2}`, ALL)), [{ v: 'b' }]);
  });

  it('a batchlog that cannot be written is a WriteTimeout of type BATCH_LOG, and nothing is applied', async () => {
    const sim = await cluster(23);
    const c = sim.nodes[0]!;
    const [k1, k2] = keysAwayFrom(sim, c);
    sim.network.setDropRule((from, _to, f: SimFrame) => from === c.endpoint && f.verb === 'BATCH_STORE');
    const out = await sim.cql(c, batch(k1, k2), QUORUM);
    assert.ok(!out.ok && out.error instanceof WriteTimeoutError, `the batch fails: ${!out.ok && out.error.message}`);
    assert.equal(out.error.writeType, 'BATCH_LOG');
    sim.network.setDropRule(undefined);
    await sim.advance(30_000);
    for (const k of [k1, k2]) assert.deepEqual(rowsOf(await sim.cql(sim.nodes[2]!, `SELECT v FROM ks.t WHERE k = ${k}`, ALL)), []);
  });
});
