// The node, whole, in the simulator: five NodeCores in one DC (three racks), CQL text from clients. A partition cuts
// two nodes off; DDL and QUORUM writes go on in the majority; the coordinator holding the hints for the cut-off nodes
// crashes and restarts (its hints survive); the partition heals: the minority pulls the schema, the hints are
// replayed, and every replica ends with every acknowledged row. The same seed gives the same trace, event for event.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { Consistency } from '../../src/model/consistency.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import { SimCluster, rowsOf, type SimNodeSpec } from './sim-cluster.ts';

const { ONE, QUORUM, ALL } = Consistency;

const NODES: SimNodeSpec[] = [1, 2, 3, 4, 5].map((i) => ({ endpoint: `10.0.0.${i}:7000`, dc: 'dc1', rack: `r${((i - 1) % 3) + 1}` }));

interface ScenarioResult { trace: string[]; acked: number[] }

async function scenario(seed: number): Promise<ScenarioResult> {
  const sim = new SimCluster({ seed, nodes: NODES });
  const [a, b, c, d, e] = sim.nodes as [typeof sim.nodes[0], typeof sim.nodes[0], typeof sim.nodes[0], typeof sim.nodes[0], typeof sim.nodes[0]];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  await sim.advance(10_000);
  const ks = await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}", ONE);
  assert.ok(ks.ok, `CREATE KEYSPACE: ${!ks.ok && ks.error.message}`);
  assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)', ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);

  // The partition: d and e are cut off. DDL in the majority answers without waiting for them.
  sim.network.partition([a, b, c].map((n) => n.endpoint), [d, e].map((n) => n.endpoint));
  await sim.waitFor('the sides see each other down', () => !a.core!.membership.isAlive(d.endpoint) && !d.core!.membership.isAlive(a.endpoint), 60_000);
  const ddl = await sim.cql(a, 'CREATE TABLE ks.t2 (k int PRIMARY KEY, v text)', QUORUM);
  assert.ok(ddl.ok, `DDL during the partition: ${!ddl.ok && ddl.error.message}`);
  const acked: number[] = [];
  for (let k = 0; k < 30; k++) {
    const w = await sim.cql(a, `INSERT INTO ks.t2 (k, v) VALUES (${k}, 'v${k}')`, QUORUM);
    if (w.ok) acked.push(k);
  }
  assert.ok(acked.length > 0, 'some QUORUM writes succeed in the majority');
  assert.ok(a.hints.count() > 0, 'the coordinator holds hints for the cut-off replicas');

  // The coordinator crashes with its hints pending, and comes back.
  await sim.crash(a);
  await sim.advance(3_000);
  await sim.start(a);
  assert.ok(a.hints.count() > 0, 'the hints survived the restart');

  sim.network.heal();
  await sim.waitFor('everyone up again', () => sim.converged(), 60_000);
  await sim.waitFor('schema agreement after heal', () => sim.schemaAgrees(), 30_000);
  await sim.waitFor('hints drained', () => sim.hintsPending() === 0, 60_000);

  // Every replica of every acknowledged key holds it: read each at ALL, and check each replica's store directly.
  for (const k of acked) {
    const r = await sim.cql(d, `SELECT v FROM ks.t2 WHERE k = ${k}`, ALL);
    assert.deepEqual(rowsOf(r), [{ v: `v${k}` }], `key ${k} at ALL`);
  }
  const table = a.core!.schema.current.keyspaces.get('ks')!.tables.get('t2')!;
  for (const k of acked) {
    const key = Buffer.alloc(4);
    key.writeInt32BE(k);
    const holders = sim.nodes.filter((n) => n.store.read(table, key, murmur3Token(key), {}, 0) !== undefined).length;
    assert.equal(holders, 3, `key ${k} is on its three replicas`);
  }
  return { trace: sim.sched.trace, acked };
}

test('partition + DDL + writes + coordinator restart with pending hints + heal converge; a seed replays exactly', { timeout: 120_000 }, async () => {
  const seed = Number(process.env['SIM_SEED'] ?? 1);
  const first = await scenario(seed);
  const second = await scenario(seed);
  const digest = (t: string[]): string => createHash('sha256').update(t.join('\n')).digest('hex');
  assert.equal(first.trace.length, second.trace.length, 'same number of events');
  assert.equal(digest(first.trace), digest(second.trace), `identical traces for seed ${seed}`);
  assert.deepEqual(first.acked, second.acked);
});
