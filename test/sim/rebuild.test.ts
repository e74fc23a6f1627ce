// nodetool rebuild in the simulator, seed 000's second region: a keyspace replicated in dc1 only, a second data
// centre whose nodes are in the ring without data for it; ALTER KEYSPACE adds dc2, then `rebuild -- dc1` on each dc2
// node streams its ranges from dc1: every row then reads at LOCAL_QUORUM in dc2, and each dc2 node holds it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consistency } from '../../src/model/consistency.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import { SimCluster, rowsOf, type SimNode, type SimNodeSpec } from './sim-cluster.ts';

const NODES: SimNodeSpec[] = [
  ...[1, 2, 3].map((i) => ({ endpoint: `10.0.4.${i}:7000`, dc: 'dc1', rack: `r${i}` })),
  ...[1, 2].map((i) => ({ endpoint: `10.0.5.${i}:7000`, dc: 'dc2', rack: `r${i}` })),
];

test('rebuild -- dc1 gives a new data centre its data after ALTER KEYSPACE', { timeout: 120_000 }, async () => {
  const sim = new SimCluster({ seed: 31, nodes: NODES, trace: false });
  const [a, , , e, f] = sim.nodes as [SimNode, SimNode, SimNode, SimNode, SimNode];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}", Consistency.ONE)).ok);
  assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)', Consistency.ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  for (let k = 0; k < 300; k++) assert.ok((await sim.cql(a, `INSERT INTO ks.t (k, v) VALUES (${k}, 'v${k}')`, Consistency.LOCAL_QUORUM)).ok);
  assert.ok((await sim.cql(a, "ALTER KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}", Consistency.ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  const table = a.core!.schema.current.keyspaces.get('ks')!.tables.get('t')!;
  assert.equal(e.store.size(table), 0, 'dc2 has nothing before the rebuild');

  const bad = await sim.settle('rebuild from an unknown DC', () => e.core!.rebuild('nowhere').then(() => 'ok', (x: Error) => x.message));
  assert.match(bad, /Provided datacenter 'nowhere' is not a valid datacenter/);
  for (const n of [e, f]) assert.equal(await sim.settle(`rebuild ${n.endpoint}`, () => n.core!.rebuild('dc1'), 300_000), 300);
  for (const n of [e, f]) {
    for (let k = 0; k < 300; k++) {
      const key = Buffer.alloc(4);
      key.writeInt32BE(k);
      assert.ok(n.store.read(table, key, murmur3Token(key), {}, 0) !== undefined, `${n.endpoint} holds key ${k}`);
    }
  }
  for (let k = 0; k < 300; k += 7) {
    const r = await sim.cql(e, `SELECT v FROM ks.t WHERE k = ${k}`, Consistency.LOCAL_QUORUM);
    assert.deepEqual(rowsOf(r), [{ v: `v${k}` }], `key ${k} at LOCAL_QUORUM in dc2`);
  }
});
