// Write throughput of one node with and without materialized views on the table written (127.0.65.1, not a test):
// 20,000 INSERTs through cassandra-driver, 64 in flight, prepared; the same run on a table with no view, one view keyed
// by a regular column, and two views. Run under the multi-node lock:
//   flock /tmp/sibyl-multinode.lock npx tsx bench/views-throughput.ts
import { performance } from 'node:perf_hooks';
import { startNodeProcess } from '../test/helpers/node-process.ts';
import { connectClient, nodeConfig } from '../test/fixtures/driver.ts';

const ADDRESS = '127.0.65.1';
const N = 20_000;
const IN_FLIGHT = 64;

const node = await startNodeProcess({ address: ADDRESS, config: nodeConfig({ materializedViewsEnabled: true }) });
const client = await connectClient(ADDRESS);
try {
  await client.execute("CREATE KEYSPACE b WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  const cases: Array<[string, string[]]> = [
    ['no view', []],
    ['one view (keyed by v)', ['CREATE MATERIALIZED VIEW b.t1_v AS SELECT * FROM b.t1 WHERE v IS NOT NULL AND k IS NOT NULL PRIMARY KEY (v, k)']],
    ['two views', [
      'CREATE MATERIALIZED VIEW b.t2_v AS SELECT * FROM b.t2 WHERE v IS NOT NULL AND k IS NOT NULL PRIMARY KEY (v, k)',
      'CREATE MATERIALIZED VIEW b.t2_w AS SELECT k, w FROM b.t2 WHERE w IS NOT NULL AND k IS NOT NULL PRIMARY KEY (w, k)',
    ]],
  ];
  for (const [i, [label, views]] of cases.entries()) {
    await client.execute(`CREATE TABLE b.t${i} (k int PRIMARY KEY, v int, w text)`);
    for (const v of views) await client.execute(v);
    const q = `INSERT INTO b.t${i} (k, v, w) VALUES (?, ?, ?)`;
    let next = 0;
    const start = performance.now();
    const worker = async (): Promise<void> => {
      while (next < N) {
        const k = next++;
        await client.execute(q, [k, k % 1000, `w${k % 97}`], { prepare: true });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, () => worker()));
    const sec = (performance.now() - start) / 1000;
    console.log(`${label}: ${N} inserts in ${sec.toFixed(2)} s, ${(N / sec).toFixed(0)} writes/s`);
  }
} finally {
  await client.shutdown();
  await node.cleanup();
}
