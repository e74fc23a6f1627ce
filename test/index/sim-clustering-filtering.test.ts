// A clustering restriction without the whole partition key needs ALLOW FILTERING unless an index answers it, as
// Cassandra 5.0.9 answers each statement here (checked against it): a legacy index on the clustering column serves
// `=` only, so a range or IN on it is refused like the same restriction on a table without an index.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consistency } from '../../src/model/consistency.ts';
import { SimCluster, type SimNodeSpec } from '../sim/sim-cluster.ts';

const NODES: SimNodeSpec[] = [{ endpoint: '10.0.7.1:7000', dc: 'dc1', rack: 'r1' }];
const FILTERING = /^Cannot execute this query as it might involve data filtering/;

test('clustering restrictions without the partition key: refused unless an index answers them', { timeout: 120_000 }, async () => {
  const sim = new SimCluster({ seed: 9, nodes: NODES, trace: false });
  await sim.startAll();
  const run = (cql: string) => sim.cql(sim.nodes[0]!, cql, Consistency.ONE);
  for (const q of [
    "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    'CREATE TABLE ks.ck (k int, c int, v int, PRIMARY KEY (k, c))',
    'CREATE TABLE ks.ck2 (k int, c int, v int, PRIMARY KEY (k, c))',
    'CREATE INDEX ON ks.ck (c)',
    'INSERT INTO ks.ck (k, c, v) VALUES (1, 1, 1)',
    'INSERT INTO ks.ck (k, c, v) VALUES (1, 2, 2)',
  ]) assert.ok((await run(q)).ok, q);
  const refused = [
    'SELECT * FROM ks.ck2 WHERE c > 1', 'SELECT * FROM ks.ck2 WHERE c IN (1, 2)', 'SELECT * FROM ks.ck2 WHERE c = 1',
    'SELECT * FROM ks.ck WHERE c > 1', 'SELECT * FROM ks.ck WHERE c IN (1, 2)', 'SELECT * FROM ks.ck WHERE c >= 1 AND c < 3',
    'SELECT * FROM ks.ck WHERE token(k) > 0 AND c > 1', 'SELECT * FROM ks.ck WHERE c = 1 AND v = 1',
  ];
  for (const q of refused) {
    const r = await run(q);
    assert.ok(!r.ok && FILTERING.test(r.error.message), `${q}: ${r.ok ? 'answered' : r.error.message}`);
  }
  for (const q of ['SELECT * FROM ks.ck WHERE c = 1', 'SELECT * FROM ks.ck WHERE c > 1 ALLOW FILTERING', 'SELECT * FROM ks.ck WHERE k = 1 AND c > 1',
    'SELECT * FROM ks.ck WHERE k = 1 AND c IN (1, 2)', 'SELECT * FROM ks.ck2 WHERE k = 1 AND c > 1']) {
    const r = await run(q);
    assert.ok(r.ok, `${q}: ${r.ok ? '' : r.error.message}`);
  }
});
