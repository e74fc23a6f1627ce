// A restarted node knows the ring before gossip tells it anything: the peers it knew are kept (Cassandra's
// system.peers) and restored as down, so while it is still cut off it refuses (Unavailable) a write for a range it
// does not own instead of taking it alone, and it is a replica only of its own ranges. Once gossip reaches it, the
// peers come up as usual.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replicasFor } from '../../src/cluster/replication.ts';
import { Consistency } from '../../src/model/consistency.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import { SimCluster, type SimNode, type SimNodeSpec } from './sim-cluster.ts';

const NODES: SimNodeSpec[] = [1, 2, 3, 4].map((i) => ({ endpoint: `10.0.6.${i}:7000`, dc: 'dc1', rack: `r${i}` }));

test('a node restarted while cut off routes by the ring it had, with its peers down', { timeout: 60_000 }, async () => {
  const sim = new SimCluster({ seed: 41, nodes: NODES, trace: false });
  const [a, , , d] = sim.nodes as [SimNode, SimNode, SimNode, SimNode];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}", Consistency.ONE)).ok);
  assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)', Consistency.ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  await sim.advance(3000);
  await sim.crash(d);
  sim.network.partition([d.endpoint], NODES.filter((n) => n !== NODES[3]).map((n) => n.endpoint));
  await sim.start(d);
  const ring = d.core!.membership.ring();
  assert.equal(ring.endpoints.length, 4, 'the ring as it was, before any gossip');
  assert.ok(NODES.slice(0, 3).every((n) => !d.core!.membership.isAlive(n.endpoint)), 'its peers are down until gossip hears from them');
  const ks = d.core!.schema.current.keyspaces.get('ks')!;
  const notMine = [...Array(200).keys()].find((k) => {
    const key = Buffer.alloc(4);
    key.writeInt32BE(k);
    return replicasFor(ring, ks.strategy, murmur3Token(key))[0]!.id !== d.endpoint;
  })!;
  const w = await sim.cql(d, `INSERT INTO ks.t (k, v) VALUES (${notMine}, 'x')`, Consistency.ONE);
  assert.ok(!w.ok && w.error.constructor.name === 'UnavailableError', `a write for another node's range is refused: ${w.ok ? 'ok' : w.error.message}`);
  sim.network.heal();
  await sim.waitFor('gossip converges again', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(d, `INSERT INTO ks.t (k, v) VALUES (${notMine}, 'x')`, Consistency.ONE)).ok);
});
