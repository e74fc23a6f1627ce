// Streaming in the simulator: a node pulls the rows of token ranges from another page by page, at the pace of
// stream_throughput_outbound, visible in netstats while it runs, and a stream cut by a partition resumes where it
// stopped (completed ranges and applied pages are not sent again).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consistency } from '../../src/model/consistency.ts';
import { MIN_TOKEN, murmur3Token } from '../../src/model/murmur3.ts';
import type { TableDef } from '../../src/schema/model.ts';
import { StreamFailedError, StreamPlan, PAGE_PARTITIONS } from '../../src/streaming/stream.ts';
import { SimCluster, type SimNode, type SimNodeSpec } from './sim-cluster.ts';

const NODES: SimNodeSpec[] = [1, 2].map((i) => ({ endpoint: `10.0.1.${i}:7000`, dc: 'dc1', rack: 'r1' }));
const ROWS = 2000;
const FULL_RING = { left: MIN_TOKEN, right: MIN_TOKEN };

async function clusterWithRowsOnA(settings = {}): Promise<{ sim: SimCluster; a: SimNode; b: SimNode; table: TableDef }> {
  const sim = new SimCluster({ seed: 7, nodes: NODES, trace: false, settings });
  const [a, b] = sim.nodes as [SimNode, SimNode];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}", Consistency.ONE)).ok);
  assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)', Consistency.ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  const table = a.core!.schema.current.keyspaces.get('ks')!.tables.get('t')!;
  // Rows written to a's disk only: b has none of them until it streams them.
  for (let k = 0; k < ROWS; k++) {
    const key = Buffer.alloc(4);
    key.writeInt32BE(k);
    const cell = { ts: 1_000_000 + k, v: Buffer.from(`value-${k}`.padEnd(64, '.')) };
    a.store.applySync(table, { key, token: murmur3Token(key), rangeTombstones: [], rows: [{ clustering: [], marker: { ts: cell.ts }, cells: { v: cell } }] });
  }
  return { sim, a, b, table };
}

test('a stream copies every row of the ranges, in pages, throttled, and shows in netstats while it runs', { timeout: 60_000 }, async () => {
  const rate = 200 * 1024;
  const { sim, a, b, table } = await clusterWithRowsOnA({ streamThroughputBytesPerSec: rate });
  assert.equal(b.store.size(table), 0);
  const plan = new StreamPlan('plan-1', 'Bootstrap', a.endpoint, [table], [FULL_RING]);
  let seen: ReturnType<NonNullable<typeof b.core>["streaming"]["netstats"]> = [];
  const started = sim.sched.now();
  const run = b.core!.streaming.run(plan);
  let finished = false;
  void run.then(() => { finished = true; });
  await sim.advance(500);
  seen = b.core!.streaming.netstats();
  await sim.waitFor('stream done', () => finished, 120_000);
  const elapsedMs = sim.sched.now() - started;
  assert.equal(b.store.size(table), ROWS, 'every partition arrived');
  assert.ok(plan.complete);
  assert.equal(plan.partitions, ROWS);
  assert.ok(plan.partitions / PAGE_PARTITIONS <= 10, 'a few pages');
  const expectedMs = (plan.bytes / rate) * 1000;
  assert.ok(elapsedMs >= expectedMs * 0.8, `throttled: ${plan.bytes} bytes in ${elapsedMs} ms at ${rate} B/s (≥ ${expectedMs} ms)`);
  assert.equal(seen.length, 1, 'netstats shows the plan while it runs');
  assert.equal(seen[0]!.operation, 'Bootstrap');
  assert.equal(seen[0]!.sessions[0]!.peer, a.endpoint);
  assert.ok(seen[0]!.sessions[0]!.receiving.length >= 1);
  assert.deepEqual(b.core!.streaming.netstats(), [], 'a finished plan leaves netstats');
  assert.equal(a.core!.streaming.registry.totals.sentPartitions, ROWS);
  // The rows read back through the normal read path on b alone.
  const r = await sim.cql(b, 'SELECT v FROM ks.t WHERE k = 1234', Consistency.ONE);
  assert.ok(r.ok && r.result.kind === 'rows' && r.result.rows.length === 1);
});

test('a stream cut by a partition fails, then resumes after the last page it applied', { timeout: 60_000 }, async () => {
  const { sim, a, b, table } = await clusterWithRowsOnA({ streamThroughputBytesPerSec: 100 * 1024 });
  // Four ranges: the first finishes before the cut, the others are resumed.
  const q = (1n << 62n);
  const ranges = [{ left: MIN_TOKEN, right: -q }, { left: -q, right: 0n }, { left: 0n, right: q }, { left: q, right: MIN_TOKEN }];
  const plan = new StreamPlan('plan-2', 'Rebuild', a.endpoint, [table], ranges);
  let outcome: unknown;
  void b.core!.streaming.run(plan).then(() => { outcome = 'done'; }, (e: unknown) => { outcome = e; });
  await sim.waitFor('two ranges streamed', () => plan.tasks.filter((t) => t.done).length >= 1 && plan.partitions > ROWS / 3, 60_000);
  sim.network.partition([a.endpoint], [b.endpoint]);
  await sim.waitFor('the stream fails', () => outcome !== undefined, 600_000);
  assert.ok(outcome instanceof StreamFailedError, `failed: ${String(outcome)}`);
  const before = b.store.size(table);
  assert.ok(before > 0 && before < ROWS, `part of the rows arrived (${before})`);
  sim.network.heal();
  await sim.waitFor('reconnected', () => sim.converged(), 60_000);
  const sentBefore = a.core!.streaming.registry.totals.sentPartitions;
  await sim.settle('resume', () => b.core!.streaming.run(plan), 600_000);
  assert.equal(b.store.size(table), ROWS, 'every partition arrived after the resume');
  const resent = a.core!.streaming.registry.totals.sentPartitions - sentBefore;
  assert.ok(resent <= ROWS - before + PAGE_PARTITIONS, `only what was missing was sent again (${resent} for ${ROWS - before} missing)`);
});
