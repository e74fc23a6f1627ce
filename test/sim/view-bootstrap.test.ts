// A materialized view while a node bootstraps (simulator): a fourth node joins a three-node cluster (RF 2) while a
// client writes base rows at QUORUM. Its view ranges come in the stream for what was written before; the view
// updates of the writes during the join must reach it as a pending view replica (views/store.ts), so that once it
// is NORMAL it holds every view row of the view ranges it now replicates, by itself — not only after a repair.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replicasFor } from '../../src/cluster/replication.ts';
import { Consistency } from '../../src/model/consistency.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import { liveRows } from '../../src/storage/live.ts';
import { SimCluster, type SimNode, type SimNodeSpec } from './sim-cluster.ts';

const NODES: SimNodeSpec[] = [1, 2, 3].map((i) => ({ endpoint: `10.0.8.${i}:7000`, dc: 'dc1', rack: 'r1' }));

function intKey(n: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt32BE(n);
  return key;
}

/** The view key of base row k: distinct for every k, so each write makes a view partition of its own. */
const vOf = (k: number): number => k * 7 + 1;

test('a bootstrapping node receives view updates as a pending view replica', { timeout: 120_000 }, async () => {
  const sim = new SimCluster({ seed: 41, nodes: NODES, trace: false,
    settings: { materializedViewsEnabled: true, streamThroughputBytesPerSec: 32 * 1024 } });
  const [a, b] = sim.nodes as [SimNode, SimNode];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  const ddl = async (q: string): Promise<void> => {
    const out = await sim.cql(a, q, Consistency.ONE);
    assert.ok(out.ok, `${q}: ${!out.ok && out.error.message}`);
    await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  };
  await ddl("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}");
  await ddl('CREATE TABLE ks.t (k int PRIMARY KEY, v int, pad text)');
  await ddl('CREATE MATERIALIZED VIEW ks.by_v AS SELECT * FROM ks.t WHERE v IS NOT NULL AND k IS NOT NULL PRIMARY KEY (v, k)');
  const acked: number[] = [];
  const write = async (k: number, via: SimNode): Promise<void> => {
    const r = await sim.cql(via, `INSERT INTO ks.t (k, v, pad) VALUES (${k}, ${vOf(k)}, '${'x'.repeat(200)}')`, Consistency.QUORUM);
    if (r.ok) acked.push(k);
  };
  for (let k = 0; k < 300; k++) await write(k, k % 2 === 0 ? a : b);

  const d = sim.addNode({ endpoint: '10.0.8.4:7000', dc: 'dc1', rack: 'r1' }, { bootstrap: true });
  await sim.start(d);
  let sawPending = false;
  const during: number[] = [];
  for (let k = 300; k < 3000 && d.core!.bootstrap!.phase !== 'normal'; k++) {
    sawPending ||= a.core!.membership.pendingRing() !== undefined;
    await write(k, k % 2 === 0 ? a : b);
    if (sawPending) during.push(k);
    assert.notEqual(d.core!.bootstrap!.phase, 'failed');
    await sim.advance(20);
  }
  assert.equal(d.core!.bootstrap!.phase, 'normal', 'the bootstrap finished');
  assert.ok(sawPending, 'the coordinators saw the node joining');
  assert.ok(during.length > 50, `writes went on while it joined (${during.length})`);
  await sim.waitFor('every node has the new ring', () => sim.converged() && !a.core!.membership.isJoining(d.endpoint), 60_000);
  // View updates to other nodes are sent after the base write is acknowledged: let them land.
  await sim.advance(2_000);

  const ks = d.core!.schema.current.keyspaces.get('ks')!;
  const view = ks.tables.get('by_v')!;
  const ring = d.core!.membership.ring();
  let owned = 0;
  let ownedDuring = 0;
  const missing: number[] = [];
  for (const k of acked) {
    const key = intKey(vOf(k));
    const token = murmur3Token(key);
    if (!replicasFor(ring, ks.strategy, token).some((r) => r.id === d.endpoint)) continue;
    owned++;
    if (during.includes(k)) ownedDuring++;
    const p = d.store.read(view, key, token, {}, 0);
    const rows = p ? liveRows(view, p, 0).rows : [];
    if (rows.length !== 1) missing.push(k);
  }
  assert.ok(ownedDuring > 10, `the new node replicates view rows written while it joined (${ownedDuring})`);
  assert.deepEqual(missing, [], `view rows of its ranges the new node lacks (of ${owned})`);
});
