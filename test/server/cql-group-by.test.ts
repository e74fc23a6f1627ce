// GROUP BY and aggregates through cassandra-driver against one real node (127.0.36.2): groups on partition and
// clustering prefixes, aggregates per group, LIMIT / PER PARTITION LIMIT in groups, paging in groups (checked against
// the unpaged result for random page sizes), prepared statements, and Cassandra's rejections.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig } from '../fixtures/driver.ts';

const ADDRESS = '127.0.36.2';
const KS = 'group_ks';
const PARTITIONS = 6;
const C1 = 5;
const C2 = 4;

let node: NodeProcess;
let client: Client;

before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig({ commitlogSync: 'periodic', commitlogSyncPeriodMs: 10_000 }) });
  client = await connectClient(ADDRESS);
  await client.execute(`CREATE KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`CREATE TABLE ${KS}.g (k int, c1 int, c2 int, v int, s int static, PRIMARY KEY (k, c1, c2))`);
  const insert = `INSERT INTO ${KS}.g (k, c1, c2, v) VALUES (?, ?, ?, ?)`;
  for (let k = 0; k < PARTITIONS; k++) {
    // Partition k has k+1 values of c1 (at most C1), so the groups differ in number per partition.
    for (let c1 = 0; c1 < Math.min(k + 1, C1); c1++) {
      for (let c2 = 0; c2 < C2; c2++) await client.execute(insert, [k, c1, c2, k * 100 + c1 * 10 + c2], { prepare: true });
    }
  }
  await client.execute(`INSERT INTO ${KS}.g (k, s) VALUES (?, ?)`, [100, 7], { prepare: true });
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

type Row = unknown[];

async function all(cql: string, params: unknown[] = [], fetchSize?: number): Promise<{ rows: Row[]; pages: number[] }> {
  const rows: Row[] = [];
  const pages: number[] = [];
  let pageState: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const rs = await client.execute(cql, params, { prepare: params.length > 0, fetchSize, pageState });
    pages.push(rs.rows.length);
    rows.push(...rs.rows.map((r) => rs.columns.map((c) => { const v = r[c.name]; return typeof v === 'object' && v !== null ? String(v) : v; })));
    pageState = rs.pageState ?? undefined;
    if (!pageState) return { rows, pages };
  }
  assert.fail('too many pages');
}

async function serverError(cql: string): Promise<{ code: number; message: string }> {
  try {
    await client.execute(cql);
  } catch (e) {
    const err = e as { code?: number; message: string };
    assert.ok(err.code !== undefined, `expected a server error, got ${err.message}`);
    return { code: err.code, message: err.message };
  }
  assert.fail(`expected an error for ${cql}`);
}

describe('groups', () => {
  test('GROUP BY k, c1 in one partition: one row per c1 with its aggregates', async () => {
    const { rows } = await all(`SELECT k, c1, count(*), sum(v), min(c2), max(v), avg(v) FROM ${KS}.g WHERE k = 3 GROUP BY c1`);
    const expected = [0, 1, 2, 3].map((c1) => {
      const vs = [0, 1, 2, 3].map((c2) => 300 + c1 * 10 + c2);
      return [3, c1, '4', vs.reduce((a, b) => a + b), 0, Math.max(...vs), Math.trunc(vs.reduce((a, b) => a + b) / 4)];
    });
    assert.deepEqual(rows, expected);
  });

  test('GROUP BY k over the table, with a static-only partition', async () => {
    const { rows } = await all(`SELECT k, count(*), s FROM ${KS}.g GROUP BY k`);
    const byK = new Map(rows.map((r) => [r[0], r]));
    assert.equal(byK.size, PARTITIONS + 1);
    for (let k = 0; k < PARTITIONS; k++) assert.deepEqual(byK.get(k), [k, String(Math.min(k + 1, C1) * C2), null]);
    assert.deepEqual(byK.get(100), [100, '1', 7]);
  });

  test('LIMIT and PER PARTITION LIMIT count groups', async () => {
    const { rows } = await all(`SELECT k, c1 FROM ${KS}.g WHERE k IN (4, 5) GROUP BY k, c1 PER PARTITION LIMIT 2 LIMIT 3`);
    assert.deepEqual(rows, [[4, 0], [4, 1], [5, 0]]);
  });

  test('an aggregate without GROUP BY over no rows is one row; with GROUP BY, none', async () => {
    assert.deepEqual((await all(`SELECT count(*), max(v), sum(v) FROM ${KS}.g WHERE k = 42`)).rows, [['0', null, 0]]);
    assert.deepEqual((await all(`SELECT count(*) FROM ${KS}.g WHERE k = 42 GROUP BY k`)).rows, []);
  });

  test('prepared, with the partition bound', async () => {
    const { rows } = await all(`SELECT c1, count(*) FROM ${KS}.g WHERE k = ? GROUP BY c1`, [1]);
    assert.deepEqual(rows, [[0, '4'], [1, '4']]);
  });
});

describe('paging counts groups', () => {
  const queries = [
    `SELECT k, c1, count(*), sum(v) FROM ${KS}.g GROUP BY k, c1`,
    `SELECT k, c1, count(*) FROM ${KS}.g WHERE k IN (0, 2, 4, 5) GROUP BY k, c1`,
    `SELECT k, c1, c2 FROM ${KS}.g WHERE k = 4 GROUP BY c1, c2`,
    `SELECT k, count(*) FROM ${KS}.g GROUP BY k`,
    `SELECT k, c1, max(v) FROM ${KS}.g GROUP BY k, c1 PER PARTITION LIMIT 2`,
    `SELECT k, c1, count(*) FROM ${KS}.g GROUP BY k, c1 LIMIT 7`,
    `SELECT k, c1, count(*) FROM ${KS}.g WHERE v > 150 GROUP BY k, c1 ALLOW FILTERING`,
  ];

  test('property: the pages of any size concatenate to the unpaged result, each full but the last', async () => {
    const unpaged = new Map<string, Row[]>();
    for (const q of queries) unpaged.set(q, (await all(q)).rows);
    await fc.assert(fc.asyncProperty(fc.constantFrom(...queries), fc.integer({ min: 1, max: 8 }), async (q, size) => {
      const { rows, pages } = await all(q, [], size);
      assert.deepEqual(rows, unpaged.get(q), `${q} paged by ${size}`);
      for (const n of pages.slice(0, -1)) assert.equal(n, size, `${q}: pages ${pages.join(',')}`);
    }), { seed: 0x6b0, numRuns: 60 });
  });

  test('an aggregate without GROUP BY is never paged', async () => {
    const { rows, pages } = await all(`SELECT count(*) FROM ${KS}.g`, [], 1);
    assert.deepEqual(pages, [1]);
    assert.equal(rows[0]![0], String(PARTITIONS * 0 + [1, 2, 3, 4, 5, 5].reduce((a, b) => a + b * C2, 0) + 1));
  });
});

describe('rejections', () => {
  const INVALID = 0x2200;
  const cases: Array<[string, string]> = [
    [`SELECT k, sum(v) FROM ${KS}.g GROUP BY c1`, 'Group by currently only support groups of columns following their declared order in the PRIMARY KEY'],
    [`SELECT k, sum(v) FROM ${KS}.g WHERE k = 1 GROUP BY c2`, 'Group by currently only support groups of columns following their declared order in the PRIMARY KEY'],
    [`SELECT k, sum(v) FROM ${KS}.g GROUP BY v`, 'Group by is currently only supported on the columns of the PRIMARY KEY, got v'],
    [`SELECT k FROM ${KS}.g GROUP BY nosuch`, `Undefined column name nosuch in table ${KS}.g`],
    [`SELECT DISTINCT k FROM ${KS}.g GROUP BY k, c1`, 'Grouping on clustering columns is not allowed for SELECT DISTINCT queries'],
    [`SELECT count(max(v)) FROM ${KS}.g`, 'aggregate functions cannot be used as arguments of aggregate functions'],
    [`SELECT sum(s), avg(k), sum(c1) FROM ${KS}.g GROUP BY k, c1, c2, v`, 'Group by is currently only supported on the columns of the PRIMARY KEY, got v'],
  ];
  for (const [cql, message] of cases) {
    test(cql, async () => assert.deepEqual(await serverError(cql), { code: INVALID, message }));
  }

  test('sum of a non-numeric type', async () => {
    await client.execute(`CREATE TABLE IF NOT EXISTS ${KS}.t (k int PRIMARY KEY, t text)`);
    const e = await serverError(`SELECT sum(t) FROM ${KS}.t WHERE k = 1`);
    assert.equal(e.code, INVALID);
    assert.match(e.message, /^Invalid call to function sum, none of its type signatures match \(known type signatures: system\.sum : \(int\) -> int, /);
  });
});
