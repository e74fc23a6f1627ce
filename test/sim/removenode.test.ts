// removenode in the simulator: four nodes in one rack, RF 3; one crashes for good and is removed by host id from
// another while a client writes at QUORUM. The dead node is `removing` (a leaving, pending-range state) on every
// node while its next owners stream from the survivors, then `removed` and out of every ring; afterwards every
// replica of the three-node ring holds every acknowledged key of its ranges.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replicasFor } from '../../src/cluster/replication.ts';
import { Consistency } from '../../src/model/consistency.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import { SimCluster, type SimNode, type SimNodeSpec } from './sim-cluster.ts';

const NODES: SimNodeSpec[] = [1, 2, 3, 4].map((i) => ({ endpoint: `10.0.7.${i}:7000`, dc: 'dc1', rack: 'r1' }));

function keyOf(k: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt32BE(k);
  return key;
}

test('removenode: a dead node\'s ranges are re-replicated from the survivors under QUORUM writes, and it leaves every ring', { timeout: 120_000 }, async () => {
  const sim = new SimCluster({ seed: 31, nodes: NODES, trace: false, settings: { ringDelayMs: 3000, streamThroughputBytesPerSec: 64 * 1024 } });
  const [a, b, c, d] = sim.nodes as [SimNode, SimNode, SimNode, SimNode];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}", Consistency.ONE)).ok);
  assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)', Consistency.ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  const acked: number[] = [];
  for (let k = 0; k < 400; k++) if ((await sim.cql(a, `INSERT INTO ks.t (k, v) VALUES (${k}, 'v${k}')`, Consistency.QUORUM)).ok) acked.push(k);

  const hostId = d.core!.settings.hostId;
  await sim.crash(d);
  await sim.waitFor('the others convict it', () => [a, b, c].every((n) => !n.core!.membership.isAlive(d.endpoint)), 60_000);
  assert.equal(a.core!.removals.status(), 'No token removals in process.');
  let done: unknown;
  void a.core!.removals.removeNode(hostId).then(() => { done = 'ok'; }, (e: unknown) => { done = e; });
  let sawRemoving = false;
  let sawStatus = false;
  for (let k = 400; k < 3000 && done === undefined; k++) {
    if ((await sim.cql(k % 2 === 0 ? b : c, `INSERT INTO ks.t (k, v) VALUES (${k}, 'v${k}')`, Consistency.QUORUM)).ok) acked.push(k);
    sawRemoving ||= c.core!.membership.isLeaving(d.endpoint);
    sawStatus ||= a.core!.removals.status().startsWith('Removing token (');
    await sim.advance(20);
  }
  assert.equal(done, 'ok', `removenode: ${String(done)}`);
  assert.ok(sawRemoving, 'the others saw it removing (DL)');
  assert.ok(sawStatus, 'removenode status showed the removal');
  await sim.waitFor('every ring drops it', () => [a, b, c].every((n) => n.core!.membership.ring().endpoints.length === 3), 60_000);
  const ks = a.core!.schema.current.keyspaces.get('ks')!;
  const table = ks.tables.get('t')!;
  const ring = a.core!.membership.ring();
  for (const k of acked) {
    const token = murmur3Token(keyOf(k));
    for (const r of replicasFor(ring, ks.strategy, token)) {
      assert.ok(sim.node(r.id).store.read(table, keyOf(k), token, {}, 0) !== undefined, `${r.id} holds key ${k}`);
    }
  }
});

test('replace_address_first_boot: a new node takes a dead node\'s tokens, streams its ranges, and holds every row of them', { timeout: 120_000 }, async () => {
  const sim = new SimCluster({ seed: 32, nodes: NODES, trace: false, settings: { ringDelayMs: 3000, streamThroughputBytesPerSec: 64 * 1024 } });
  const [a, b, c, d] = sim.nodes as [SimNode, SimNode, SimNode, SimNode];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}", Consistency.ONE)).ok);
  assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)', Consistency.ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  const acked: number[] = [];
  for (let k = 0; k < 400; k++) if ((await sim.cql(a, `INSERT INTO ks.t (k, v) VALUES (${k}, 'v${k}')`, Consistency.ALL)).ok) acked.push(k);
  const deadTokens = [...d.tokens].map(String);
  await sim.crash(d);
  await sim.waitFor('the others convict it', () => [a, b, c].every((n) => !n.core!.membership.isAlive(d.endpoint)), 60_000);

  const e = sim.addNode({ endpoint: '10.0.7.5:7000', dc: 'dc1', rack: 'r1' }, { bootstrap: true, replace: '10.0.7.4' });
  await sim.start(e);
  let sawPending = false;
  for (let i = 0; i < 3000 && e.core!.bootstrap?.phase !== 'normal'; i++) {
    assert.notEqual(e.core!.bootstrap?.phase, 'failed');
    sawPending ||= a.core!.membership.isJoining(e.endpoint) && a.core!.membership.pendingRing()?.endpoints.some((x) => x.id === d.endpoint) === false;
    await sim.advance(20);
  }
  assert.equal(e.core!.bootstrap?.phase, 'normal');
  assert.ok(sawPending, 'the replacement was pending in the dead node\'s place');
  assert.deepEqual([...e.tokens].map(String).sort(), deadTokens.sort(), 'the dead node\'s tokens');
  await sim.waitFor('every ring has the replacement instead of the dead node', () => [a, b, c, e].every((n) => {
    const ids = n.core!.membership.ring().endpoints.map((x) => x.id);
    return ids.length === 4 && ids.includes(e.endpoint) && !ids.includes(d.endpoint);
  }), 60_000);
  const ks = e.core!.schema.current.keyspaces.get('ks')!;
  const table = ks.tables.get('t')!;
  const ring = a.core!.membership.ring();
  let owned = 0;
  for (const k of acked) {
    const token = murmur3Token(keyOf(k));
    if (!replicasFor(ring, ks.strategy, token).some((r) => r.id === e.endpoint)) continue;
    owned++;
    assert.ok(e.store.read(table, keyOf(k), token, {}, 0) !== undefined, `the replacement holds key ${k}`);
  }
  assert.ok(owned > acked.length / 4, `it replicates ${owned} of ${acked.length} keys`);
});
