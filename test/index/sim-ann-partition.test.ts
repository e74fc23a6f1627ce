// `WHERE k = ? ORDER BY v ANN OF … LIMIT n` on a simulated three-node cluster (RF 3, so every graph holds every row): a large partition is answered
// by the replicas' graphs filtered to it, a small one by scoring its rows (index/vectors.ts partitionByGraph), and
// either way the answer must equal the exact top n of the partition's live rows, scored here — through range and
// row deletions the graph learns of only at query time, and a partition deletion.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consistency, type ConsistencyLevel } from '../../src/model/consistency.ts';
import { similarity } from '../../src/model/values/similarity.ts';
import { partitionByGraph } from '../../src/index/vectors.ts';
import { SimCluster, type SimNodeSpec } from '../sim/sim-cluster.ts';

const NODES: SimNodeSpec[] = [1, 2, 3].map((i) => ({ endpoint: `10.0.6.${i}:7000`, dc: 'dc1', rack: `r${i}` }));
const DIM = 3;
const BIG = 200;

test('partitionByGraph: the graph for a large share of the table, scoring for a small one', () => {
  assert.equal(partitionByGraph(11_100, 10_000, 256), true);
  assert.equal(partitionByGraph(11_100, 1_000, 256), true);
  assert.equal(partitionByGraph(11_100, 100, 256), false);
  assert.equal(partitionByGraph(1_000_000, 1_000, 256), false);
  assert.equal(partitionByGraph(100, 100, 256), true, 'the whole table in one partition');
  assert.equal(partitionByGraph(100, 0, 256), false, 'nothing known of the partition here');
});

test('ANN within one partition: by filtered graph when large, by scoring when small, exact either way', { timeout: 300_000 }, async () => {
  const sim = new SimCluster({ seed: 31, nodes: NODES, trace: false });
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  const q = (cql: string, cl: ConsistencyLevel = Consistency.QUORUM): ReturnType<typeof sim.rowsAtRandomNode> => sim.rowsAtRandomNode(cql, cl);
  await q("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
  await q('CREATE TABLE ks.t (k int, c int, e vector<float, 3>, PRIMARY KEY (k, c))');
  await q("CREATE CUSTOM INDEX ON ks.t (e) USING 'StorageAttachedIndex' WITH OPTIONS = {'similarity_function': 'EUCLIDEAN'}");
  await sim.waitFor('schema agrees', () => sim.schemaAgrees(), 60_000);
  // Counts how each replica answered a partition-restricted search: by graph, or "score the rows instead".
  const answered = { graph: 0, scored: 0 };
  for (const n of sim.nodes) {
    const v = n.core!.vectors;
    const search = v.search.bind(v);
    v.search = (spec, s, now) => {
      const r = search(spec, s, now);
      if (s.partition && v.isReady(spec.def.id)) answered[r ? 'graph' : 'scored']++;
      return r;
    };
  }
  const graphsReady = (): boolean => sim.running().every((n) => {
    const t = n.core!.schema.current.keyspaces.get('ks')!.tables.get('t')!;
    return n.core!.vectors.isReady(t.indexes![0]!.id);
  });
  await q('SELECT k FROM ks.t ORDER BY e ANN OF [1, 0, 0] LIMIT 1');
  await sim.waitFor('graphs built', graphsReady, 10_000);
  const live = new Map<string, Float64Array>();
  const vec = (): Float64Array => Float64Array.from({ length: DIM }, () => Math.fround(sim.random.next() * 2 - 1));
  const put = async (k: number, c: number): Promise<void> => {
    const e = vec();
    await q(`INSERT INTO ks.t (k, c, e) VALUES (${k}, ${c}, [${[...e].join(', ')}])`);
    live.set(`${k}/${c}`, e);
  };
  const check = async (what: string, k: number, cl: ConsistencyLevel = Consistency.QUORUM): Promise<void> => {
    for (let round = 0; round < 3; round++) {
      const target = vec();
      const want = [...live].filter(([key]) => key.startsWith(`${k}/`)).map(([key, e]) => ({ key, s: similarity('EUCLIDEAN', e, target) }))
        .sort((a, b) => b.s - a.s).slice(0, 10).map((x) => x.key);
      const got = (await q(`SELECT k, c FROM ks.t WHERE k = ${k} ORDER BY e ANN OF [${[...target].join(', ')}] LIMIT 10`, cl)).map((r) => `${r.k}/${r.c}`);
      assert.deepEqual(got, want, `${what}, partition ${k}, round ${round}`);
    }
  };
  for (let c = 0; c < BIG; c++) await put(0, c);
  for (let k = 1; k <= 8; k++) for (let c = 0; c < 5; c++) await put(k, c);
  await check('loaded', 0);
  await check('loaded, ONE', 0, Consistency.ONE);
  // At QUORUM at least one of the two replicas asked is remote: the partition must cross ANN_SCAN intact.
  assert.ok(answered.graph >= 9, `the large partition was searched by graph (${answered.graph})`);
  assert.equal(answered.scored, 0, 'no replica declined the large partition');
  const before = { ...answered };
  await check('loaded', 3);
  await check('loaded', 9);
  assert.equal(answered.graph, before.graph, 'small and empty partitions are scored');
  assert.ok(answered.scored > before.scored);
  // A range deletion the graph does not see: its hits are found stale at query time.
  await q('DELETE FROM ks.t WHERE k = 0 AND c < 120');
  for (let c = 0; c < 120; c++) live.delete(`0/${c}`);
  await check('after a range deletion', 0);
  for (let c = 120; c < BIG; c += 3) {
    await q(`DELETE FROM ks.t WHERE k = 0 AND c = ${c}`);
    live.delete(`0/${c}`);
  }
  await check('after row deletions', 0);
  await q('DELETE FROM ks.t WHERE k = 0');
  for (const key of [...live.keys()]) if (key.startsWith('0/')) live.delete(key);
  await check('after the partition deletion', 0);
  await check('other partitions', 5);
});
