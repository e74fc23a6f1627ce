// Client warnings (the v4+ WARNING flag) through cassandra-driver against one real node (127.0.66.1), with
// Cassandra 5.0's texts: aggregation without a partition key or with IN on it (one warning per page), large batches,
// unlogged batches across partitions, logged batches on a table with gc_grace_seconds 0; none where Cassandra sends
// none. Also runs test/drivers/python/warnings.py (the Python driver's ResponseFuture.warnings) against the node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'cassandra-driver';
import { REPO_ROOT, startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig } from '../fixtures/driver.ts';

const ADDRESS = '127.0.66.1';
const KS = 'warn_ks';
const NO_PK = 'Aggregation query used without partition key';
const IN_PK = 'Aggregation query used on multiple partition keys (IN restriction)';

let node: NodeProcess;
let client: Client;

before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig() });
  client = await connectClient(ADDRESS);
  await client.execute(`CREATE KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`CREATE TABLE ${KS}.t (k int, c int, v text, PRIMARY KEY (k, c))`);
  await client.execute(`CREATE TABLE ${KS}.z (k int PRIMARY KEY, v text) WITH gc_grace_seconds = 0`);
  for (let k = 0; k < 5; k++) for (let c = 0; c < 3; c++) await client.execute(`INSERT INTO ${KS}.t (k, c, v) VALUES (?, ?, 'x')`, [k, c], { prepare: true });
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

async function warningsOf(cql: string, params: unknown[] = [], prepare = false): Promise<string[] | undefined> {
  const rs = await client.execute(cql, params, { prepare });
  return rs.info.warnings ?? undefined;
}

describe('client warnings', () => {
  test('aggregation without a partition key, or with IN on it, prepared and not', async () => {
    for (const prepare of [false, true]) {
      assert.deepEqual(await warningsOf(`SELECT count(*) FROM ${KS}.t`, [], prepare), [NO_PK]);
      assert.deepEqual(await warningsOf(`SELECT k, count(*) FROM ${KS}.t GROUP BY k`, [], prepare), [NO_PK]);
      assert.deepEqual(await warningsOf(`SELECT max(c) FROM ${KS}.t WHERE k IN (1, 2)`, [], prepare), [IN_PK]);
      assert.deepEqual(await warningsOf(`SELECT count(*) FROM ${KS}.t WHERE k = ?`, [1], true), undefined);
      assert.deepEqual(await warningsOf(`SELECT count(*) FROM ${KS}.t WHERE token(k) > 0`, [], prepare), undefined);
      assert.deepEqual(await warningsOf(`SELECT * FROM ${KS}.t`, [], prepare), undefined);
    }
  });

  test('one aggregation warning per page of a paged GROUP BY', async () => {
    let pageState: string | undefined;
    const perPage: Array<string[] | undefined> = [];
    for (let i = 0; i < 10; i++) {
      const rs = await client.execute(`SELECT k, count(*) FROM ${KS}.t GROUP BY k`, [], { fetchSize: 2, pageState });
      perPage.push(rs.info.warnings);
      pageState = rs.pageState ?? undefined;
      if (!pageState) break;
    }
    assert.ok(perPage.length >= 3, `pages: ${perPage.length}`);
    for (const w of perPage) assert.deepEqual(w, [NO_PK]);
  });

  test('large and unlogged multi-partition batches', async () => {
    const inserts = Array.from({ length: 12 }, (_, i) => ({ query: `INSERT INTO ${KS}.t (k, c, v) VALUES (?, 1, ?)`, params: [100 + i, 'x'.repeat(500)] }));
    const rs = await client.batch(inserts, { prepare: true, logged: false });
    assert.deepEqual(rs.info.warnings, [
      `Batch for [${KS}.t] is of size 6888, exceeding specified threshold of 5120 by 1768.`,
      `Unlogged batch covering 12 partitions detected against table [${KS}.t]. You should use a logged batch for atomicity, or asynchronous writes for performance.`,
    ]);
    const logged = await client.batch(inserts.slice(0, 3), { prepare: true, logged: true });
    assert.equal(logged.info.warnings, undefined);
    const small = await client.batch(inserts.slice(0, 11).map((q) => ({ ...q, params: [q.params[0], 'y'] })), { prepare: true, logged: false });
    assert.deepEqual(small.info.warnings, [
      `Unlogged batch covering 11 partitions detected against table [${KS}.t]. You should use a logged batch for atomicity, or asynchronous writes for performance.`,
    ]);
  });

  test('a logged batch on a table with gc_grace_seconds 0, as CQL text', async () => {
    const w = await warningsOf(`BEGIN BATCH INSERT INTO ${KS}.z (k, v) VALUES (1, 'a'); INSERT INTO ${KS}.t (k, c, v) VALUES (1, 9, 'a'); APPLY BATCH`);
    assert.deepEqual(w, [
      `Executing a LOGGED BATCH on table [${KS}.z], configured with a gc_grace_seconds of 0. The gc_grace_seconds is used to TTL batchlog entries, so setting gc_grace_seconds too low on tables involved in an atomic batch might cause batchlog entries to expire before being replayed.`,
    ]);
  });

  test('the Python driver sees the same warnings', () => {
    const r = spawnSync('/usr/bin/python3', ['-P', join(REPO_ROOT, 'test', 'drivers', 'python', 'warnings.py')], {
      env: { ...process.env, SIBYL_HOST: ADDRESS, SIBYL_KEYSPACE: KS },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(r.stdout.trim().split('\n').at(-1), 'OK', r.stdout);
  });
});
