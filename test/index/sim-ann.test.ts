// ORDER BY ... ANN OF ... LIMIT k on a simulated four-node cluster (RF 2): for each similarity function, with and
// without other SAI restrictions and a partition key, the answer is the exact top k of the rows the WHERE clause
// selects (the engine is brute force), scored here independently of the server's ordering code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consistency } from '../../src/model/consistency.ts';
import { similarity, type SimilarityFunction } from '../../src/model/values/similarity.ts';
import { SimCluster, type SimNodeSpec } from '../sim/sim-cluster.ts';

const NODES: SimNodeSpec[] = [1, 2, 3, 4].map((i) => ({ endpoint: `10.0.4.${i}:7000`, dc: 'dc1', rack: `r${i}` }));
const ROWS = 200;
const DIM = 4;

test('ANN top-k equals the exact top-k of the selected rows, for every similarity function', { timeout: 300_000 }, async () => {
  const sim = new SimCluster({ seed: 11, nodes: NODES, trace: false });
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  const q = (cql: string): ReturnType<typeof sim.rowsAtRandomNode> => sim.rowsAtRandomNode(cql, Consistency.ONE);
  await q("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}");
  const fns: SimilarityFunction[] = ['COSINE', 'EUCLIDEAN', 'DOT_PRODUCT'];
  for (const fn of fns) {
    await q(`CREATE TABLE ks.${fn} (k int, c int, e vector<float, ${DIM}>, n int, PRIMARY KEY (k, c))`);
    await q(`CREATE CUSTOM INDEX ON ks.${fn} (e) USING 'StorageAttachedIndex' WITH OPTIONS = {'similarity_function': '${fn}'}`);
    await q(`CREATE INDEX ON ks.${fn} (n) USING 'sai'`);
  }
  await sim.waitFor('schema agrees', () => sim.schemaAgrees(), 60_000);
  const rows: Array<{ k: number; c: number; e: Float64Array; n: number }> = [];
  const f32 = (x: number): number => Math.fround(x);
  for (let i = 0; i < ROWS; i++) {
    const e = Float64Array.from({ length: DIM }, () => f32(sim.random.next() * 2 - 1));
    rows.push({ k: i % 40, c: i, e, n: i % 5 });
  }
  for (const fn of fns) {
    for (const r of rows) await q(`INSERT INTO ks.${fn} (k, c, e, n) VALUES (${r.k}, ${r.c}, [${[...r.e].join(', ')}], ${r.n})`);
  }
  for (const fn of fns) {
    for (let round = 0; round < 5; round++) {
      const target = Float64Array.from({ length: DIM }, () => f32(sim.random.next() * 2 - 1));
      const lit = `[${[...target].join(', ')}]`;
      const best = (keep: (r: (typeof rows)[number]) => boolean, k: number): string[] => rows.filter(keep)
        .map((r) => ({ r, s: similarity(fn, r.e, target) })).sort((x, y) => y.s - x.s).slice(0, k).map((x) => `${x.r.k}/${x.r.c}`);
      const got = async (where: string, k: number): Promise<string[]> =>
        (await q(`SELECT k, c FROM ks.${fn} ${where} ORDER BY e ANN OF ${lit} LIMIT ${k}`)).map((r) => `${r.k}/${r.c}`);
      assert.deepEqual(await got('', 10), best(() => true, 10), `${fn} round ${round}`);
      assert.deepEqual(await got('WHERE n = 2', 7), best((r) => r.n === 2, 7), `${fn} round ${round}, n = 2`);
      assert.deepEqual(await got('WHERE k = 5', 3), best((r) => r.k === 5, 3), `${fn} round ${round}, k = 5`);
    }
  }
});
