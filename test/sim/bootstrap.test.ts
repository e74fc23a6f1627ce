// Bootstrap in the simulator: a fourth node joins a three-node cluster (RF 3) while a client writes at QUORUM. It
// learns the ring and the schema, picks its tokens with the allocator, is pending (BOOT) while it streams its ranges
// from the current replicas, and becomes NORMAL. Afterwards every acknowledged write reads at ALL, and the new node
// alone holds every row of the ranges it now replicates: nothing written while it joined was lost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replicasFor } from '../../src/cluster/replication.ts';
import { Consistency } from '../../src/model/consistency.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import { SimCluster, rowsOf, type SimNode, type SimNodeSpec } from './sim-cluster.ts';

const NODES: SimNodeSpec[] = [1, 2, 3].map((i) => ({ endpoint: `10.0.3.${i}:7000`, dc: 'dc1', rack: `r${i}` }));

function keyOf(k: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt32BE(k);
  return key;
}

test('a node bootstraps into a live cluster under QUORUM writes: nothing acknowledged is lost, it serves its ranges alone', { timeout: 120_000 }, async () => {
  const sim = new SimCluster({ seed: 21, nodes: NODES, trace: false, settings: { streamThroughputBytesPerSec: 64 * 1024 } });
  const [a, b, c] = sim.nodes as [SimNode, SimNode, SimNode];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}", Consistency.ONE)).ok);
  assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)', Consistency.ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  const acked: number[] = [];
  for (let k = 0; k < 400; k++) if ((await sim.cql(a, `INSERT INTO ks.t (k, v) VALUES (${k}, 'v${k}')`, Consistency.QUORUM)).ok) acked.push(k);

  const d = sim.addNode({ endpoint: '10.0.3.4:7000', dc: 'dc1', rack: 'r1' }, { bootstrap: true });
  await sim.start(d);
  let sawPending = false;
  let sawStreaming = false;
  for (let k = 400; k < 3000 && d.core!.bootstrap!.phase !== 'normal'; k++) {
    if ((await sim.cql(k % 2 === 0 ? a : b, `INSERT INTO ks.t (k, v) VALUES (${k}, 'v${k}')`, Consistency.QUORUM)).ok) acked.push(k);
    sawPending ||= a.core!.membership.isJoining(d.endpoint) && a.core!.membership.pendingRing() !== undefined;
    sawStreaming ||= d.core!.streaming.netstats().some((p) => p.operation === 'Bootstrap');
    assert.notEqual(d.core!.bootstrap!.phase, 'failed');
    await sim.advance(20);
  }
  assert.equal(d.core!.bootstrap!.phase, 'normal', 'the bootstrap finished');
  assert.ok(sawPending, 'the coordinators saw the node joining (pending ranges)');
  assert.ok(sawStreaming, 'the stream showed in netstats');
  assert.ok(acked.length > 450, `writes went on while it joined (${acked.length})`);
  await sim.waitFor('every node has the new ring', () => sim.converged() && !a.core!.membership.isJoining(d.endpoint), 60_000);
  assert.equal(d.tokens.length, 8, 'its tokens were kept');

  for (const k of acked) {
    const r = await sim.cql(b, `SELECT v FROM ks.t WHERE k = ${k}`, Consistency.ALL);
    assert.deepEqual(rowsOf(r), [{ v: `v${k}` }], `key ${k} at ALL`);
  }
  const ks = a.core!.schema.current.keyspaces.get('ks')!;
  const table = ks.tables.get('t')!;
  const ring = a.core!.membership.ring();
  let owned = 0;
  for (const k of acked) {
    const token = murmur3Token(keyOf(k));
    if (!replicasFor(ring, ks.strategy, token).some((r) => r.id === d.endpoint)) continue;
    owned++;
    assert.ok(d.store.read(table, keyOf(k), token, {}, 0) !== undefined, `the new node holds key ${k} of its ranges`);
  }
  // Racks r2 and r3 have one node each and hold a replica of everything; the new node shares rack r1's with a.
  assert.ok(owned > acked.length / 3, `the new node replicates its share of the keys (${owned} of ${acked.length})`);

  // a shared rack r1's ranges with d: cleanup drops what a no longer replicates, and nothing else.
  const before = a.store.size(table);
  assert.equal(await sim.settle('cleanup', () => a.core!.cleanup('ks')), 1);
  const kept = acked.filter((k) => replicasFor(ring, ks.strategy, murmur3Token(keyOf(k))).some((r) => r.id === a.endpoint));
  assert.equal(a.store.size(table), kept.length, `a keeps only its own ranges (${before} → ${a.store.size(table)})`);
  for (const k of acked.slice(0, 100)) {
    const r = await sim.cql(c, `SELECT v FROM ks.t WHERE k = ${k}`, Consistency.ALL);
    assert.deepEqual(rowsOf(r), [{ v: `v${k}` }], `key ${k} at ALL after cleanup`);
  }
});

test('a node decommissions under QUORUM writes: its ranges move to their next owners, nothing acknowledged is lost', { timeout: 120_000 }, async () => {
  const nodes: SimNodeSpec[] = [...NODES, { endpoint: '10.0.3.4:7000', dc: 'dc1', rack: 'r1' }];
  const sim = new SimCluster({ seed: 22, nodes, trace: false, settings: { ringDelayMs: 3000, streamThroughputBytesPerSec: 64 * 1024 } });
  const [a, b, c, d] = sim.nodes as [SimNode, SimNode, SimNode, SimNode];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}", Consistency.ONE)).ok);
  assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)', Consistency.ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  const acked: number[] = [];
  for (let k = 0; k < 400; k++) if ((await sim.cql(a, `INSERT INTO ks.t (k, v) VALUES (${k}, 'v${k}')`, Consistency.QUORUM)).ok) acked.push(k);

  let done: unknown;
  void d.core!.decommission().then(() => { done = 'ok'; }, (e: unknown) => { done = e; });
  let sawLeaving = false;
  for (let k = 400; k < 3000 && done === undefined; k++) {
    if ((await sim.cql(k % 2 === 0 ? b : c, `INSERT INTO ks.t (k, v) VALUES (${k}, 'v${k}')`, Consistency.QUORUM)).ok) acked.push(k);
    sawLeaving ||= b.core!.membership.isLeaving(d.endpoint);
    await sim.advance(20);
  }
  assert.equal(done, 'ok', `decommission: ${String(done)}`);
  assert.ok(sawLeaving, 'the coordinators saw it leaving (UL)');
  assert.equal(d.core!.leaving, 'DECOMMISSIONED');
  await sim.waitFor('the others drop it from the ring', () => [a, b, c].every((n) => n.core!.membership.ring().endpoints.length === 3), 60_000);
  const ks = a.core!.schema.current.keyspaces.get('ks')!;
  const table = ks.tables.get('t')!;
  const ring = a.core!.membership.ring();
  for (const k of acked) {
    const token = murmur3Token(keyOf(k));
    for (const r of replicasFor(ring, ks.strategy, token)) {
      const n = sim.node(r.id);
      assert.ok(n.store.read(table, keyOf(k), token, {}, 0) !== undefined, `${r.id} holds key ${k} of its ranges`);
    }
  }
  await sim.crash(d);
  for (const k of acked.slice(0, 200)) {
    const r = await sim.cql(a, `SELECT v FROM ks.t WHERE k = ${k}`, Consistency.ALL);
    assert.deepEqual(rowsOf(r), [{ v: `v${k}` }], `key ${k} at ALL without the decommissioned node`);
  }
});
