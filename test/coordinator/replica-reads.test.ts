// Rack-aware reads in the simulator (six production NodeCores, three racks, NetworkTopologyStrategy RF 3 so every
// rack holds one replica of every key): a read at ONE or LOCAL_ONE is served by the coordinator's own rack whatever
// node coordinates it, replica or not, as Cassandra's dynamic snitch over rack-aware ordering does; every replica
// counts the reads it served by the coordinator's origin (seed 004's Figure 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consistency } from '../../src/model/consistency.ts';
import type { ReplicaReadCountsSnapshot } from '../../src/coordinator/replica-reads.ts';
import { SimCluster, rowsOf, type SimNode } from '../sim/sim-cluster.ts';

const { ONE, LOCAL_ONE, ALL, QUORUM } = Consistency;
const KEYS = 30;

async function threeRacks(seed: number): Promise<SimCluster> {
  const racks = ['1a', '1a', '1b', '1b', '1c', '1c'];
  const sim = new SimCluster({ seed, nodes: racks.map((rack, i) => ({ endpoint: `10.0.2.${i + 1}:7000`, dc: 'us-east', rack })) });
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  await sim.advance(10_000);
  const a = sim.nodes[0]!;
  assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'us-east': 3}", QUORUM)).ok);
  assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v int)', QUORUM)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  for (let k = 0; k < KEYS; k++) assert.ok((await sim.cql(a, `INSERT INTO ks.t (k, v) VALUES (${k}, ${k * 10})`, ALL)).ok);
  return sim;
}

const snapshot = (n: SimNode): ReplicaReadCountsSnapshot => n.core!.coordinator.replicaReads.snapshot();

function totals(sim: SimCluster): ReplicaReadCountsSnapshot {
  const sum: ReplicaReadCountsSnapshot = { local_rack: 0, remote_rack: 0, remote_dc: 0, self: 0 };
  for (const n of sim.nodes) {
    const s = snapshot(n);
    for (const k of Object.keys(sum) as Array<keyof ReplicaReadCountsSnapshot>) sum[k] += s[k];
  }
  return sum;
}

const minus = (a: ReplicaReadCountsSnapshot, b: ReplicaReadCountsSnapshot): ReplicaReadCountsSnapshot =>
  ({ local_rack: a.local_rack - b.local_rack, remote_rack: a.remote_rack - b.remote_rack, remote_dc: a.remote_dc - b.remote_dc, self: a.self - b.self });

for (const [name, cl] of [['ONE', ONE], ['LOCAL_ONE', LOCAL_ONE]] as const) {
  test(`reads at ${name} through a coordinator in each rack are served in that rack, and counted so`, async () => {
    const sim = await threeRacks(name === 'ONE' ? 11 : 12);
    const before = totals(sim);
    for (const coordinator of sim.nodes) {
      for (let k = 0; k < KEYS; k++) {
        const r = await sim.cql(coordinator, `SELECT v FROM ks.t WHERE k = ${k}`, cl);
        assert.deepEqual(rowsOf(r), [{ v: k * 10 }]);
      }
    }
    const d = minus(totals(sim), before);
    assert.equal(d.local_rack, KEYS * sim.nodes.length, 'one replica read per read, all in the coordinator\'s rack');
    assert.equal(d.remote_rack, 0);
    assert.equal(d.remote_dc, 0);
    // Two nodes per rack and RF 3 over three racks: each node is a replica of about half the keys, so the others
    // were read from its rack-mate, over the network, and counted there as local_rack rather than self.
    assert.ok(d.self > 0 && d.self < d.local_rack, `some reads served by the coordinator itself, some by its rack-mate (${JSON.stringify(d)})`);
  });
}

test('a replica counts reads by the coordinator\'s origin: QUORUM reads reach other racks', async () => {
  const sim = await threeRacks(13);
  const before = totals(sim);
  for (let k = 0; k < KEYS; k++) assert.deepEqual(rowsOf(await sim.cql(sim.nodes[0]!, `SELECT v FROM ks.t WHERE k = ${k}`, QUORUM)), [{ v: k * 10 }]);
  const d = minus(totals(sim), before);
  assert.equal(d.local_rack + d.remote_rack, 2 * KEYS, 'two replicas per QUORUM read (data and digest)');
  assert.ok(d.remote_rack >= KEYS, `at least one of the two in another rack (${JSON.stringify(d)})`);
  assert.equal(d.remote_dc, 0);
});
