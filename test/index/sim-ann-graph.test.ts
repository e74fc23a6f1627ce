// ORDER BY ... ANN OF ... LIMIT k answered by the replicas' HNSW graphs on a simulated three-node cluster (RF 2, QUORUM
// and ONE): kept in step through overwrites, cell deletions, row and partition deletions, TTL expiry, truncation,
// and a crash (the restarted node rebuilds its graph from storage). Each answer must equal the exact top k of the
// live rows (with a few hundred low-dimension rows the graph search is exact), scored here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consistency, type ConsistencyLevel } from '../../src/model/consistency.ts';
import { similarity } from '../../src/model/values/similarity.ts';
import { SimCluster, type SimNodeSpec } from '../sim/sim-cluster.ts';
import { VECTOR_USAGE_WARNING } from '../../src/cql/exec/vector-warning.ts';

const NODES: SimNodeSpec[] = [1, 2, 3].map((i) => ({ endpoint: `10.0.5.${i}:7000`, dc: 'dc1', rack: `r${i}` }));
const DIM = 3;

test('graph-answered ANN follows writes, deletes, TTL, truncate and a restart', { timeout: 300_000 }, async () => {
  // The graph options are refused unless allowed, as Cassandra refuses them without its -D property.
  const sim = new SimCluster({ seed: 23, nodes: NODES, trace: false, settings: { saiVectorAllowCustomParameters: true } });
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  const q = (cql: string, cl: ConsistencyLevel = Consistency.QUORUM): ReturnType<typeof sim.rowsAtRandomNode> => sim.rowsAtRandomNode(cql, cl);
  await q("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}");
  await q('CREATE TABLE ks.t (k int, c int, e vector<float, 3>, PRIMARY KEY (k, c))');
  await q("CREATE CUSTOM INDEX ON ks.t (e) USING 'StorageAttachedIndex' WITH OPTIONS = {'similarity_function': 'EUCLIDEAN', 'maximum_node_connections': '8', 'construction_beam_width': '50'}");
  await sim.waitFor('schema agrees', () => sim.schemaAgrees(), 60_000);
  const live = new Map<string, Float64Array>();
  const vec = (): Float64Array => Float64Array.from({ length: DIM }, () => Math.fround(sim.random.next() * 2 - 1));
  const put = async (k: number, c: number, e: Float64Array, extra = ''): Promise<void> => {
    await q(`INSERT INTO ks.t (k, c, e) VALUES (${k}, ${c}, [${[...e].join(', ')}])${extra}`);
    live.set(`${k}/${c}`, e);
  };
  const check = async (what: string, cl: ConsistencyLevel = Consistency.QUORUM): Promise<void> => {
    for (let round = 0; round < 4; round++) {
      const target = vec();
      const want = [...live].map(([key, e]) => ({ key, s: similarity('EUCLIDEAN', e, target) })).sort((a, b) => b.s - a.s).slice(0, 10).map((x) => x.key);
      const got = (await q(`SELECT k, c FROM ks.t ORDER BY e ANN OF [${[...target].join(', ')}] LIMIT 10`, cl)).map((r) => `${r.k}/${r.c}`);
      assert.deepEqual(got, want, `${what}, round ${round}`);
    }
  };
  // A first query starts each node's graph build from the (empty) table and is answered by scoring rows; once the
  // graphs are built, later writes go into them.
  const graphsReady = (): boolean => sim.running().every((n) => {
    const t = n.core!.schema.current.keyspaces.get('ks')!.tables.get('t')!;
    return n.core!.vectors.isReady(t.indexes![0]!.id);
  });
  await check('empty');
  await sim.waitFor('graphs built', graphsReady, 10_000);
  for (let i = 0; i < 150; i++) await put(i % 30, i, vec());
  await check('loaded');
  await check('loaded, ONE', Consistency.ONE);
  assert.ok(sim.nodes.every((n) => n.core!.vectors.active), 'every node answers from a graph');
  for (let i = 0; i < 150; i += 5) await put(i % 30, i, vec());
  await check('overwritten');
  for (let i = 1; i < 150; i += 7) {
    await q(`DELETE e FROM ks.t WHERE k = ${i % 30} AND c = ${i}`);
    live.delete(`${i % 30}/${i}`);
  }
  for (let i = 2; i < 150; i += 11) {
    await q(`DELETE FROM ks.t WHERE k = ${i % 30} AND c = ${i}`);
    live.delete(`${i % 30}/${i}`);
  }
  for (const k of [3, 4]) {
    await q(`DELETE FROM ks.t WHERE k = ${k}`);
    for (const key of [...live.keys()]) if (key.startsWith(`${k}/`)) live.delete(key);
  }
  await check('deleted');
  await put(40, 0, vec(), ' USING TTL 5');
  live.delete('40/0');
  await sim.advance(10_000);
  await check('expired');
  await sim.crash(sim.nodes[1]!);
  await sim.start(sim.nodes[1]!);
  await sim.waitFor('gossip converges again', () => sim.converged(), 60_000);
  await put(41, 0, vec());
  // The restarted node rebuilds its graph from storage: answers by scoring until then, by the graphs after.
  await check('after a restart, while the graph is built');
  await sim.waitFor('graphs rebuilt', graphsReady, 10_000);
  await check('after a restart');
  await q('TRUNCATE ks.t');
  live.clear();
  await check('truncated');
  await put(42, 0, vec());
  await check('after truncate');
});

test("Cassandra's vector-index warning: CREATE INDEX on a table with a vector index, and ALTER TABLE ADD", { timeout: 120_000 }, async () => {
  const sim = new SimCluster({ seed: 5, nodes: NODES.slice(0, 1), trace: false });
  await sim.startAll();
  const warned = async (cql: string): Promise<boolean> => {
    const r = await sim.cql(sim.nodes[0]!, cql, Consistency.ONE);
    if (!r.ok) throw new Error(`${cql}: ${r.error.message}`);
    return (r.warnings ?? []).includes(VECTOR_USAGE_WARNING);
  };
  await warned("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  assert.equal(await warned('CREATE TABLE ks.v (k int PRIMARY KEY, e vector<float, 2>, n int, m int, l list<float>)'), false);
  assert.equal(await warned("CREATE CUSTOM INDEX ON ks.v (l) USING 'StorageAttachedIndex'"), false);
  assert.equal(await warned("CREATE CUSTOM INDEX ve ON ks.v (e) USING 'StorageAttachedIndex'"), true);
  assert.equal(await warned("CREATE INDEX IF NOT EXISTS ve ON ks.v (e) USING 'sai'"), false);
  assert.equal(await warned("CREATE INDEX ON ks.v (n) USING 'sai'"), true);
  assert.equal(await warned('CREATE INDEX ON ks.v (m)'), true);
  assert.equal(await warned('ALTER TABLE ks.v ADD x int'), true);
  assert.equal(await warned('ALTER TABLE ks.v DROP x'), false);
  assert.equal(await warned("ALTER TABLE ks.v WITH comment = 'a'"), false);
  assert.equal(await warned('INSERT INTO ks.v (k, e) VALUES (1, [1, 2])'), false);
  assert.equal(await warned('DROP INDEX ks.ve'), false);
  assert.equal(await warned('ALTER TABLE ks.v ADD y int'), false);
});
