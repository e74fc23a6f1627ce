// The HNSW ANN engine measured: N random float vectors of dimension D in one Sibyl node (127.0.49.1), an SAI vector
// index, then `SELECT k FROM t ORDER BY e ANN OF ? LIMIT k` for Q random query vectors, one at a time (latency) and
// then `--concurrency` at a time (throughput). Prints the load rate, the first query's time (with `--build-after-load`
// the graph is built in the background from storage after the load, and the time that takes; otherwise the graph
// exists before the load and follows every insert), query latency percentiles and throughput, and recall@k against
// the exact top k computed here by brute force. Random uniform vectors are the hard case for a graph index (real
// embeddings cluster): recall is a floor.
//
//   npx tsx bench/vector-ann.ts [--rows 10000] [--dim 64] [--queries 50] [--k 10] [--similarity COSINE]
//     [--concurrency 8] [--build-after-load] [--partitions 100,1000,10000]
//
// `--partitions` then measures ANN restricted to one partition (`WHERE p = ? ORDER BY e ANN OF ? LIMIT k`), which
// Sibyl answers by a graph search filtered to the partition when it is large enough, else by scoring its rows
// (exact): one partition of each size given in one table, its latency next to the graph's over the whole table, and
// its recall.
//
// Run it under the multi-node lock (flock /tmp/sibyl-multinode.lock …): it starts a real node process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { writeConfigFiles } from '../src/server/config.ts';
import { ensureBundle, REPO_ROOT } from '../src/tools/bundle.ts';
import { similarity, type SimilarityFunction } from '../src/model/values/similarity.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000' },
    dim: { type: 'string', default: '64' },
    queries: { type: 'string', default: '50' },
    k: { type: 'string', default: '10' },
    similarity: { type: 'string', default: 'COSINE' },
    address: { type: 'string', default: '127.0.49.1' },
    concurrency: { type: 'string', default: '8' },
    'build-after-load': { type: 'boolean', default: false },
    partitions: { type: 'string', default: '' },
  },
});
const ROWS = Number(args.rows);
const DIM = Number(args.dim);
const QUERIES = Number(args.queries);
const K = Number(args.k);
const FN = args.similarity!.toUpperCase() as SimilarityFunction;
const ADDRESS = args.address!;

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect({ host, port }, () => { s.destroy(); res(true); });
      s.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node did not open ${host}:${port}`);
}

/** A seeded PRNG (mulberry32), so runs compare. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pct = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-ann-'));
  const conf = writeConfigFiles(join(dir, 'conf'), {
    listenAddress: ADDRESS, rpcAddress: ADDRESS, broadcastAddress: ADDRESS, broadcastRpcAddress: ADDRESS,
    dataFileDirectories: [join(dir, 'data')], dataDir: join(dir, 'data'), hintsDirectory: join(dir, 'hints'),
    endpointSnitch: 'GossipingPropertyFileSnitch', dataCenter: 'dc1', rack: 'rack1', commitlogSync: 'periodic', adminPort: 7199, seeds: [ADDRESS],
  });
  const child = spawn(process.execPath, [await ensureBundle(), 'node', '--config', conf, '--log-level', 'warn'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitForPort(ADDRESS, 9042, 30_000);
    // A first query after --build-after-load builds the graph synchronously on the node: allow it time.
    const client = new cassandra.Client({ contactPoints: [ADDRESS], localDataCenter: 'dc1', socketOptions: { readTimeout: 300_000 } });
    await client.connect();
    await client.execute("CREATE KEYSPACE ann WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute(`CREATE TABLE ann.t (k int PRIMARY KEY, e vector<float, ${DIM}>)`);
    await client.execute(`CREATE CUSTOM INDEX ON ann.t (e) USING 'StorageAttachedIndex' WITH OPTIONS = {'similarity_function': '${FN}'}`);
    const annQuery = `SELECT k FROM ann.t ORDER BY e ANN OF ? LIMIT ${K}`;
    const random = rng(7);
    const vec = (): Float32Array => Float32Array.from({ length: DIM }, () => random() * 2 - 1);
    const data = Array.from({ length: ROWS }, vec);
    // Without --build-after-load, a first query builds the (empty) graph, so every insert then goes into it.
    if (!args['build-after-load']) await client.execute(annQuery, [new cassandra.types.Vector(vec(), 'float')], { prepare: true });
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < ROWS) {
        const k = next++;
        await client.execute('INSERT INTO ann.t (k, e) VALUES (?, ?)', [k, new cassandra.types.Vector(data[k]!, 'float')], { prepare: true });
      }
    }));
    const loadSec = (performance.now() - t0) / 1000;
    const b0 = performance.now();
    const probe = () => client.execute(annQuery, [new cassandra.types.Vector(vec(), 'float')], { prepare: true });
    await probe();
    const firstQueryMs = performance.now() - b0;
    // With --build-after-load that first query started the graph's build in the background (answered by scoring
    // every row); the graph is taken to be ready once a query is four times faster than that one.
    let buildMs = 0;
    if (args['build-after-load']) {
      for (let i = 0; i < 3000 && performance.now() - b0 < 300_000; i++) {
        const p0 = performance.now();
        await probe();
        if ((performance.now() - p0) * 4 < firstQueryMs) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      buildMs = performance.now() - b0;
    }
    const latencies: number[] = [];
    let recall = 0;
    for (let q = 0; q < QUERIES; q++) {
      const target = vec();
      const start = performance.now();
      const rs = await client.execute(annQuery, [new cassandra.types.Vector(target, 'float')], { prepare: true });
      latencies.push(performance.now() - start);
      const t64 = Float64Array.from(target);
      const exact = data.map((v, k) => ({ k, s: similarity(FN, Float64Array.from(v), t64) })).sort((a, b) => b.s - a.s).slice(0, K);
      const got = new Set(rs.rows.map((r) => r['k'] as number));
      recall += exact.filter((e) => got.has(e.k)).length / K;
    }
    latencies.sort((a, b) => a - b);
    const CONC = Number(args.concurrency);
    const targets = Array.from({ length: Math.max(QUERIES, 4 * CONC) }, vec);
    const c0 = performance.now();
    let taken = 0;
    await Promise.all(Array.from({ length: CONC }, async () => {
      while (taken < targets.length) {
        const t = targets[taken++]!;
        await client.execute(annQuery, [new cassandra.types.Vector(t, 'float')], { prepare: true });
      }
    }));
    const qps = targets.length / ((performance.now() - c0) / 1000);
    console.log(`HNSW ANN: ${ROWS} vectors of dimension ${DIM}, ${FN}, k = ${K}`);
    console.log(`load: ${(ROWS / loadSec).toFixed(0)} inserts/s (graph ${args['build-after-load'] ? 'built after the load' : 'kept in step with each insert'})`);
    console.log(`first query after the load: ${firstQueryMs.toFixed(0)} ms${args['build-after-load'] ? ` (every row scored; the graph built from storage in about ${(buildMs / 1000).toFixed(1)} s)` : ''}`);
    console.log(`throughput: ${qps.toFixed(0)} queries/s with ${CONC} concurrent`);
    console.log(`query latency (ms) over ${QUERIES}: p50 ${pct(latencies, 50).toFixed(1)}, p95 ${pct(latencies, 95).toFixed(1)}, max ${latencies.at(-1)!.toFixed(1)}`);
    console.log(`recall@${K}: ${(recall / QUERIES).toFixed(3)}`);
    const sizes = args.partitions ? args.partitions.split(',').map(Number) : [];
    if (sizes.length > 0) await restricted(client, sizes, vec);
    await client.shutdown();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ANN within one partition of each size: latency percentiles and recall against the exact top k. */
async function restricted(client: cassandra.Client, sizes: number[], vec: () => Float32Array): Promise<void> {
  await client.execute(`CREATE TABLE ann.p (p int, c int, e vector<float, ${DIM}>, PRIMARY KEY (p, c))`);
  await client.execute(`CREATE CUSTOM INDEX ON ann.p (e) USING 'StorageAttachedIndex' WITH OPTIONS = {'similarity_function': '${FN}'}`);
  // As for ann.t: a first query builds the (empty) graph, so that every insert then goes into it.
  await client.execute(`SELECT c FROM ann.p ORDER BY e ANN OF ? LIMIT ${K}`, [new cassandra.types.Vector(vec(), 'float')], { prepare: true });
  const loaded: Array<{ size: number; rows: Float32Array[] }> = [];
  for (const size of sizes) {
    const rows = Array.from({ length: size }, vec);
    let next = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < size) {
        const c = next++;
        await client.execute('INSERT INTO ann.p (p, c, e) VALUES (?, ?, ?)', [size, c, new cassandra.types.Vector(rows[c]!, 'float')], { prepare: true });
      }
    }));
    loaded.push({ size, rows });
  }
  // Queried once all are loaded: whether a partition is searched by graph depends on its share of the table.
  for (const { size, rows } of loaded) {
    const latencies: number[] = [];
    let recall = 0;
    for (let q = 0; q < QUERIES; q++) {
      const target = vec();
      const start = performance.now();
      const rs = await client.execute(`SELECT c FROM ann.p WHERE p = ? ORDER BY e ANN OF ? LIMIT ${K}`, [size, new cassandra.types.Vector(target, 'float')], { prepare: true });
      latencies.push(performance.now() - start);
      const t64 = Float64Array.from(target);
      const exact = rows.map((v, c) => ({ c, s: similarity(FN, Float64Array.from(v), t64) })).sort((a, b) => b.s - a.s).slice(0, K);
      const got = new Set(rs.rows.map((r) => r['c'] as number));
      recall += exact.filter((e) => got.has(e.c)).length / Math.min(K, size);
    }
    latencies.sort((a, b) => a - b);
    console.log(`one partition of ${size} rows: p50 ${pct(latencies, 50).toFixed(1)} ms, p95 ${pct(latencies, 95).toFixed(1)} ms, recall@${K} ${(recall / QUERIES).toFixed(3)}`);
  }
}

await main();
