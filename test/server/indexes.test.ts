// Secondary indexes through cassandra-driver against one real node (127.0.48.1): the driver's index metadata, queries
// on every kind of index (prepared and not), checked against the same query with ALLOW FILTERING on a twin table
// without indexes, paging, Cassandra's refusals, an index built over existing rows, TTL expiry, clean and SIGKILL
// restarts, and nodetool rebuild_index.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, expectServerError, nodeConfig, runConcurrent, sleep } from '../fixtures/driver.ts';
import { runCli } from '../helpers/cli.ts';

const ADDRESS = '127.0.48.1';
const KS = 'idx';
const INVALID = 0x2200;

let node: NodeProcess;
let client: Client;

before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig() });
  client = await connectClient(ADDRESS);
  await client.execute(`CREATE KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

const COLUMNS = 'k int, c int, v int, s int static, w int, u text, l list<int>, st set<text>, m map<text, int>, fl frozen<list<int>>';
const INDEXES = [
  'CREATE INDEX ON idx.t (v)', 'CREATE INDEX ON idx.t (s)', 'CREATE INDEX ON idx.t (c)', 'CREATE INDEX ON idx.t (l)',
  'CREATE INDEX ON idx.t (st)', 'CREATE INDEX ON idx.t (keys(m))', 'CREATE INDEX me ON idx.t (entries(m))',
  'CREATE INDEX ON idx.t (full(fl))', "CREATE INDEX ON idx.t (w) USING 'sai'",
  "CREATE CUSTOM INDEX ui ON idx.t (u) USING 'StorageAttachedIndex' WITH OPTIONS = {'case_sensitive': 'false'}",
];

/** The same statement against the indexed table and its twin without indexes. */
async function both(cql: string, params: unknown[] = []): Promise<void> {
  for (const table of ['t', 'twin']) await client.execute(cql.replace(/\bTBL\b/g, `${KS}.${table}`), params, { prepare: params.length > 0 });
}

const keys = (rows: Array<Record<string, unknown>>): string[] => rows.map((r) => `${String(r.k)}/${String(r.c)}`);
/** The driver's index kinds (its IndexKind enum is declared in its typings but not exported at run time). */
const KIND = { custom: 0, composites: 2 };

/** Every row of a query, page by page. */
async function fetchAll(cql: string, params: unknown[], fetchSize: number): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let pageState: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const rs = await client.execute(cql, params, { prepare: params.length > 0, fetchSize, ...(pageState ? { pageState } : {}) });
    out.push(...(rs.rows as unknown as Array<Record<string, unknown>>));
    pageState = rs.pageState ?? undefined;
    if (!pageState) return out;
  }
  throw new Error(`${cql}: too many pages`);
}

/** An indexed query and the same one filtering the twin: the same rows in the same order, prepared or not. */
async function sameAsFiltering(where: string, params: unknown[] = [], twinWhere = where): Promise<string[]> {
  const got = keys(await fetchAll(`SELECT k, c FROM ${KS}.t WHERE ${where}`, params, 3));
  const all = await fetchAll(`SELECT k, c FROM ${KS}.twin WHERE ${twinWhere} ALLOW FILTERING`, params, 1000);
  assert.deepEqual(got, keys(all), `WHERE ${where} ${JSON.stringify(params)}`);
  return got;
}

describe('indexes on every kind of column', () => {
  before(async () => {
    await client.execute(`CREATE TABLE ${KS}.t (${COLUMNS}, PRIMARY KEY (k, c))`);
    await client.execute(`CREATE TABLE ${KS}.twin (${COLUMNS}, PRIMARY KEY (k, c))`);
    for (const ddl of INDEXES) await client.execute(ddl);
    await runConcurrent(60, 8, async (i) => {
      const k = i % 20;
      await both('INSERT INTO TBL (k, c, v, w, u, l, st, m, fl) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        k, i, i % 5, i % 7, i % 3 === 0 ? 'Alpha' : 'beta', [i % 4, (i + 1) % 4], [`e${i % 3}`], { [`m${i % 4}`]: i % 2 }, [i % 2, 1],
      ]);
      if (i < 20) await both('UPDATE TBL SET s = ? WHERE k = ?', [k % 3, k]);
    });
  });

  test("the driver's metadata lists them as Cassandra describes them", async () => {
    await client.metadata.refreshKeyspace(KS);
    const table = await client.metadata.getTable(KS, 't');
    const byName = new Map(table.indexes.map((i) => [i.name, i]));
    assert.equal(byName.size, INDEXES.length);
    assert.equal(byName.get('t_v_idx')?.target, 'v');
    assert.equal(byName.get('t_v_idx')?.kind, KIND.composites);
    assert.equal(byName.get('t_l_idx')?.target, 'values(l)');
    assert.equal(byName.get('t_m_idx')?.target, 'keys(m)');
    assert.equal(byName.get('me')?.target, 'entries(m)');
    assert.equal(byName.get('t_fl_idx')?.target, 'full(fl)');
    assert.equal(byName.get('ui')?.kind, KIND.custom);
    assert.deepEqual(byName.get('ui')?.options, { case_sensitive: 'false', class_name: 'StorageAttachedIndex', target: 'u' });
    assert.deepEqual(byName.get('t_w_idx')?.options, { class_name: 'sai', target: 'w' });
  });

  test('queries agree with filtering, unprepared and prepared, paged by 3', async () => {
    assert.ok((await sameAsFiltering('v = 2')).length > 0);
    assert.ok((await sameAsFiltering('v = ?', [3])).length > 0);
    assert.ok((await sameAsFiltering('s = 1')).length > 0);
    assert.ok((await sameAsFiltering('c = ?', [7])).length > 0);
    assert.ok((await sameAsFiltering('l CONTAINS ?', [2])).length > 0);
    assert.ok((await sameAsFiltering("st CONTAINS 'e1'")).length > 0);
    assert.ok((await sameAsFiltering('m CONTAINS KEY ?', ['m1'])).length > 0);
    assert.ok((await sameAsFiltering("m['m2'] = ?", [0])).length > 0);
    assert.ok((await sameAsFiltering('fl = ?', [[1, 1]])).length > 0);
    assert.ok((await sameAsFiltering('w > ? AND w <= ?', [2, 5])).length > 0);
    await sameAsFiltering('w = 3 AND v = 2 ALLOW FILTERING', [], 'w = 3 AND v = 2');
    assert.ok((await sameAsFiltering('k = ? AND v = ?', [4, 4])).length > 0);
    // Case-insensitive SAI: 'ALPHA' finds 'Alpha'; the twin filters on the exact value.
    assert.deepEqual(await sameAsFiltering("u = 'ALPHA'", [], "u = 'Alpha'"), await sameAsFiltering("u = 'alpha'", [], "u = 'Alpha'"));
  });

  test('updates, deletes and collection changes leave no stale hits', async () => {
    await both('UPDATE TBL SET v = 9 WHERE k = 2 AND c = 2');
    await both('DELETE FROM TBL WHERE k = 3');
    await both('UPDATE TBL SET l = l - [1] WHERE k = 5 AND c = 5');
    await both("UPDATE TBL SET m['m1'] = 7 WHERE k = 1 AND c = 21");
    await both('DELETE s FROM TBL WHERE k = 4');
    for (const w of ['v = 2', 'v = 9', 'l CONTAINS 1', "m['m1'] = 1", "m['m1'] = 7", 's = 1', 'c = 3']) await sameAsFiltering(w);
  });

  test("Cassandra's refusals", async () => {
    const filtering = /Cannot execute this query as it might involve data filtering/;
    assert.match((await expectServerError(client.execute(`SELECT * FROM ${KS}.t WHERE v > 1`), INVALID, 'legacy range')).message, filtering);
    assert.match((await expectServerError(client.execute(`SELECT * FROM ${KS}.t WHERE v = 1 AND w = 2`), INVALID, 'two groups')).message, filtering);
    const inKey = await expectServerError(client.execute(`SELECT * FROM ${KS}.t WHERE k IN (1, 2) AND v = 1`), INVALID, 'IN');
    assert.equal(inKey.message, 'Select on indexed columns and with IN clause for the PRIMARY KEY are not supported');
    const order = await expectServerError(client.execute(`SELECT * FROM ${KS}.t WHERE v = 1 ORDER BY c DESC`), INVALID, 'ORDER BY');
    assert.equal(order.message, 'ORDER BY with 2ndary indexes is not supported, except for ANN queries.');
    const nul = await expectServerError(client.execute(`SELECT * FROM ${KS}.t WHERE v = ?`, [null], { prepare: true }), INVALID, 'null');
    assert.equal(nul.message, 'Unsupported null value for column v');
    const dup = await expectServerError(client.execute(`CREATE INDEX ON ${KS}.t (v)`), INVALID, 'duplicate');
    assert.equal(dup.message, 'Index t_v_idx_1 is a duplicate of existing index t_v_idx');
    const drop = await expectServerError(client.execute(`ALTER TABLE ${KS}.t DROP v`), INVALID, 'drop column');
    assert.equal(drop.message, 'Cannot drop column v because it has dependent secondary indexes (t_v_idx)');
  });
});

describe('building, expiry, restarts and rebuilds', () => {
  const ROWS = 2000;
  const count = async (where: string): Promise<number> => (await fetchAll(`SELECT k FROM ${KS}.big WHERE ${where}`, [], 500)).length;

  test('an index created over 2,000 rows answers at once, and is marked built in system."IndexInfo"', async () => {
    await client.execute(`CREATE TABLE ${KS}.big (k int PRIMARY KEY, v int, g text)`);
    await runConcurrent(ROWS, 32, async (k) => {
      await client.execute(`INSERT INTO ${KS}.big (k, v, g) VALUES (?, ?, ?)`, [k, k % 10, `g${k % 4}`], { prepare: true });
    });
    await client.execute(`CREATE INDEX bv ON ${KS}.big (v)`);
    await client.execute(`CREATE INDEX bg ON ${KS}.big (g) USING 'sai'`);
    // Before the build finishes, queries read the base table; after, the index. Both give every row.
    assert.equal(await count('v = 3'), ROWS / 10);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rs = await client.execute(`SELECT index_name FROM system."IndexInfo" WHERE table_name = '${KS}'`);
      const built = rs.rows.map((r) => String(r.index_name));
      if (built.includes('bv') && built.includes('bg')) break;
      assert.ok(Date.now() < deadline, `built: ${built.join(', ')}`);
      await sleep(200);
    }
    assert.equal(await count('v = 3'), ROWS / 10);
    assert.equal(await count("g = 'g1'"), ROWS / 4);
  });

  test('an entry expires with its value (TTL)', async () => {
    await client.execute(`INSERT INTO ${KS}.big (k, v) VALUES (?, ?) USING TTL 2`, [ROWS + 1, 77], { prepare: true });
    assert.equal(await count('v = 77'), 1);
    await sleep(3000);
    assert.equal(await count('v = 77'), 0);
  });

  test('indexes survive a clean restart and a SIGKILL', async () => {
    await client.execute(`UPDATE ${KS}.big SET v = 55 WHERE k = 5`);
    await client.shutdown();
    await node.restart();
    client = await connectClient(ADDRESS);
    assert.equal(await count('v = 55'), 1);
    assert.equal(await count('v = 3'), ROWS / 10);
    await runConcurrent(100, 16, async (i) => {
      await client.execute(`UPDATE ${KS}.big SET v = 66 WHERE k = ?`, [i], { prepare: true });
    });
    await client.shutdown();
    await node.kill();
    await node.start();
    client = await connectClient(ADDRESS);
    assert.equal(await count('v = 66'), 100);
    assert.equal(await count('v = 55'), 0);
    assert.equal(await count("g = 'g2'"), ROWS / 4);
  });

  test('nodetool rebuild_index builds the index again', async () => {
    const r = await runCli(['nodetool', '-h', ADDRESS, 'rebuild_index', KS, 'big', 'bv', 'bg']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await count('v = 66'), 100);
    assert.equal(await count("g = 'g3'"), ROWS / 4);
    const bad = await runCli(['nodetool', '-h', ADDRESS, 'rebuild_index', KS, 'big', 'nosuch']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /nosuch/);
  });
});

describe('vectors through the driver', () => {
  test('vector<float, 3> and vector<text, 2> round-trip, prepared and not; ANN and similarity functions', async () => {
    const { Vector } = (await import('cassandra-driver')).types;
    await client.execute(`CREATE TABLE ${KS}.vec (k int PRIMARY KEY, e vector<float, 3>, t vector<text, 2>)`);
    await client.execute(`CREATE CUSTOM INDEX ON ${KS}.vec (e) USING 'StorageAttachedIndex' WITH OPTIONS = {'similarity_function': 'euclidean'}`);
    await client.execute(`INSERT INTO ${KS}.vec (k, e, t) VALUES (1, [1.0, 2.0, 3.0], ['a', 'bc'])`);
    await client.execute(`INSERT INTO ${KS}.vec (k, e, t) VALUES (?, ?, ?)`, [2, new Vector(new Float32Array([0.5, 0.25, -1]), 'float'), new Vector(['x', 'y'], 'text')], { prepare: true });
    await client.execute(`INSERT INTO ${KS}.vec (k, e) VALUES (?, ?)`, [3, new Vector(new Float32Array([1, 2, 2.5]), 'float')], { prepare: true });
    const rs = await client.execute(`SELECT k, e, t FROM ${KS}.vec WHERE k IN (1, 2)`);
    const byKey = new Map(rs.rows.map((r) => [r.k as number, r]));
    assert.deepEqual([...(byKey.get(1)!.e as Iterable<number>)], [1, 2, 3]);
    assert.deepEqual([...(byKey.get(1)!.t as Iterable<string>)], ['a', 'bc']);
    assert.deepEqual([...(byKey.get(2)!.e as Iterable<number>)], [0.5, 0.25, -1]);
    const ann = await client.execute(`SELECT k FROM ${KS}.vec ORDER BY e ANN OF ? LIMIT 2`, [new Vector(new Float32Array([1, 2, 2.9]), 'float')], { prepare: true });
    assert.deepEqual(ann.rows.map((r) => r.k), [1, 3]);
    const sim = await client.execute(`SELECT similarity_euclidean(e, [1.0, 2.0, 3.0]) AS s FROM ${KS}.vec WHERE k = 3`);
    assert.ok(Math.abs((sim.rows[0]!.s as number) - 1 / (1 + 0.25)) < 1e-6);
    const wrong = await expectServerError(client.execute(`INSERT INTO ${KS}.vec (k, e) VALUES (4, [1.0, 2.0])`), INVALID, 'dimension');
    assert.equal(wrong.message, 'Invalid vector literal for e of type vector<float, 3>; expected 3 elements, but given 2');
    const noLimit = await expectServerError(client.execute(`SELECT k FROM ${KS}.vec ORDER BY e ANN OF [1.0, 2.0, 3.0]`), INVALID, 'no limit');
    assert.equal(noLimit.message, 'Top-K queries must have a limit specified and the limit must be less than the query page size');
  });
});
