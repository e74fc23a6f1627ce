// A column may be called "__proto__" (any quoted name is legal in Cassandra): its values are stored and read back
// like any other's, through writes, merges, flushless reads and updates (regression: they read as null).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimCluster } from './sim-cluster.ts';
import { Consistency } from '../../src/model/consistency.ts';

test('a column named "__proto__" keeps its values', async () => {
  const sim = new SimCluster({ seed: 7, nodes: [{ endpoint: '10.0.3.1:7000', dc: 'dc1', rack: 'r1' }], trace: false });
  await sim.startAll();
  const n = sim.nodes[0]!;
  const run = async (cql: string): Promise<Array<Array<number | null>>> => {
    const r = (await sim.cql(n, cql, Consistency.ONE)) as { ok: boolean; result?: { rows?: Array<Array<Buffer | null>> }; error?: { message: string } };
    assert.ok(r.ok, `${cql}: ${r.error?.message}`);
    return (r.result?.rows ?? []).map((row) => row.map((b) => (b ? b.readInt32BE(0) : null)));
  };
  await run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await run('CREATE TABLE ks.t (k int, c int, "__proto__" int, constructor int, "toString" int, PRIMARY KEY (k, c))');
  await run('INSERT INTO ks.t (k, c, "__proto__", constructor) VALUES (1, 1, 3, 4)');
  await run('INSERT INTO ks.t (k, c, "toString") VALUES (1, 1, 5)');
  await run('INSERT INTO ks.t (k, c) VALUES (1, 2)');
  assert.deepEqual(await run('SELECT c, "__proto__", constructor, "toString" FROM ks.t WHERE k = 1'), [[1, 3, 4, 5], [2, null, null, null]]);
  await run('UPDATE ks.t SET "__proto__" = 6 WHERE k = 1 AND c = 2');
  assert.deepEqual(await run('SELECT "__proto__" FROM ks.t WHERE k = 1'), [[3], [6]]);
});
