// Paging regressions through cassandra-driver against one real node (127.0.3.10): resuming inside a clustering slice,
// Cassandra's rules for when a page carries a paging state (a page filled exactly is followed by an empty one), IN ()
// selecting nothing, and ORDER BY with IN on the partition key (sorted across partitions, refused when paged).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client, types } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig, responseErrorOf, withTimeout } from '../fixtures/driver.ts';

const ADDRESS = '127.0.3.10';
const KS = 'paging_reg';

let node: NodeProcess;
let client: Client;

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig({ commitlogSync: 'periodic', commitlogSyncPeriodMs: 10_000 }) });
  client = await connectClient(ADDRESS);
  await client.execute(`CREATE KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  const ddl = [
    'CREATE TABLE t (id int, val int, v text, PRIMARY KEY (id, val))',
    'CREATE TABLE tdesc (id int, val int, PRIMARY KEY (id, val)) WITH CLUSTERING ORDER BY (val DESC)',
    'CREATE TABLE kv (k int PRIMARY KEY, v int)',
    'CREATE TABLE st (p int, c int, s int static, v int, PRIMARY KEY (p, c))',
    'CREATE TABLE mc (p int, a int, b int, PRIMARY KEY (p, a, b))',
    'CREATE TABLE ob (p int, q int, c int, d int, PRIMARY KEY ((p, q), c, d))',
  ];
  for (const q of ddl) await client.execute(q.replace('TABLE ', `TABLE ${KS}.`));
  const inserts: Array<[string, unknown[]]> = [];
  for (const val of range(0, 100)) inserts.push([`INSERT INTO ${KS}.t (id, val, v) VALUES (1, ?, ?)`, [val, `v${val}`]]);
  for (const val of range(0, 15)) inserts.push([`INSERT INTO ${KS}.t (id, val, v) VALUES (2, ?, ?)`, [val, `w${val}`]]);
  for (const val of range(0, 100)) inserts.push([`INSERT INTO ${KS}.tdesc (id, val) VALUES (1, ?)`, [val]]);
  for (const k of range(0, 20)) inserts.push([`INSERT INTO ${KS}.kv (k, v) VALUES (?, ?)`, [k, k]]);
  // st: partition 1 has 10 rows and a static; partition 2 only a static row; partition 3 has 5 rows.
  inserts.push([`INSERT INTO ${KS}.st (p, s) VALUES (1, 10)`, []], [`INSERT INTO ${KS}.st (p, s) VALUES (2, 20)`, []]);
  for (const c of range(0, 10)) inserts.push([`INSERT INTO ${KS}.st (p, c, v) VALUES (1, ?, ?)`, [c, c]]);
  for (const c of range(0, 5)) inserts.push([`INSERT INTO ${KS}.st (p, c, v) VALUES (3, ?, ?)`, [c, c]]);
  for (const a of range(0, 6)) for (const b of range(0, 6)) inserts.push([`INSERT INTO ${KS}.mc (p, a, b) VALUES (1, ?, ?)`, [a, b]]);
  // ob: three partitions whose clusterings interleave: (1,0) has c = 1, 4, 7; (2,0) c = 2, 5, 8; (3,0) c = 3, 6, 9.
  for (const p of [1, 2, 3]) for (const c of [p, p + 3, p + 6]) inserts.push([`INSERT INTO ${KS}.ob (p, q, c, d) VALUES (?, 0, ?, ?)`, [p, c, c * 10]]);
  for (const [q, params] of inserts) await client.execute(q, params, { prepare: true });
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

interface Fetched {
  /** Rows per fetch, in order; the number of fetches is sizes.length. */
  sizes: number[];
  rows: types.Row[];
}

/** Pages by hand with pageState until the server sends none (bounded to maxPages fetches). */
async function fetchAll(query: string, params: unknown[], fetchSize: number, prepare: boolean, hints?: string[]): Promise<Fetched> {
  const maxPages = 200;
  const sizes: number[] = [];
  const rows: types.Row[] = [];
  let pageState: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const opts = { prepare, fetchSize, ...(hints ? { hints } : {}), ...(pageState !== undefined ? { pageState } : {}) };
    const rs = await withTimeout(client.execute(query, params, opts), 10_000, query);
    assert.ok(rs.rowLength <= fetchSize, `fetch ${i} returned ${rs.rowLength} rows, more than ${fetchSize}`);
    sizes.push(rs.rowLength);
    rows.push(...rs.rows);
    if (!rs.pageState) return { sizes, rows };
    pageState = rs.pageState;
  }
  assert.fail(`${query}: paging did not end within ${maxPages} fetches`);
}

const ints = (rows: types.Row[], col: string): number[] => rows.map((r) => r.get(col) as number);

describe('resuming a page inside a clustering slice', () => {
  const cases: Array<{ name: string; q: string; params: unknown[]; prepare: boolean; hints?: string[] }> = [
    { name: 'simple statement', q: `SELECT * FROM ${KS}.t WHERE id = 1 AND val < 50`, params: [], prepare: false },
    // Unprepared values need type hints: the driver would send a JS number as a double.
    { name: 'bound simple statement', q: `SELECT * FROM ${KS}.t WHERE id = ? AND val < ?`, params: [1, 50], prepare: false, hints: ['int', 'int'] },
    { name: 'prepared statement', q: `SELECT * FROM ${KS}.t WHERE id = ? AND val < ?`, params: [1, 50], prepare: true },
  ];
  for (const c of cases) {
    test(`val < 50 with fetch size 10 (${c.name}): rows 0..49 once, 5 full pages and an empty last one`, async () => {
      const { sizes, rows } = await fetchAll(c.q, c.params, 10, c.prepare, c.hints);
      assert.deepEqual(ints(rows, 'val'), range(0, 50));
      assert.deepEqual(sizes, [10, 10, 10, 10, 10, 0]);
    });
  }

  test('a closed slice, ORDER BY DESC, and a DESC clustering column page through the slice', async () => {
    const closed = await fetchAll(`SELECT val FROM ${KS}.t WHERE id = 1 AND val >= 13 AND val <= 71`, [], 7, true);
    assert.deepEqual(ints(closed.rows, 'val'), range(13, 72));
    const desc = await fetchAll(`SELECT val FROM ${KS}.t WHERE id = 1 AND val > 20 AND val < 50 ORDER BY val DESC`, [], 4, true);
    assert.deepEqual(ints(desc.rows, 'val'), range(21, 50).reverse());
    const stored = await fetchAll(`SELECT val FROM ${KS}.tdesc WHERE id = 1 AND val < 50`, [], 6, true);
    assert.deepEqual(ints(stored.rows, 'val'), range(0, 50).reverse());
    const storedAsc = await fetchAll(`SELECT val FROM ${KS}.tdesc WHERE id = 1 AND val >= 50 ORDER BY val ASC`, [], 6, true);
    assert.deepEqual(ints(storedAsc.rows, 'val'), range(50, 100));
  });

  test('IN on the clustering column, and IN on the partition key with a slice, page through every slice', async () => {
    const wanted = [3, 5, 8, 13, 21, 34, 55, 89];
    const inC = await fetchAll(`SELECT val FROM ${KS}.t WHERE id = 1 AND val IN ?`, [wanted], 3, true);
    assert.deepEqual(ints(inC.rows, 'val'), wanted);
    const inP = await fetchAll(`SELECT id, val FROM ${KS}.t WHERE id IN (2, 1) AND val < 12`, [], 5, true);
    assert.deepEqual(inP.rows.map((r) => `${r.get('id')}:${r.get('val')}`), [...range(0, 12).map((v) => `1:${v}`), ...range(0, 12).map((v) => `2:${v}`)]);
  });

  test('multi-column clustering: a prefix equality with a range, and a tuple slice', async () => {
    const prefix = await fetchAll(`SELECT a, b FROM ${KS}.mc WHERE p = 1 AND a = 2 AND b > 1`, [], 2, true);
    assert.deepEqual(prefix.rows.map((r) => `${r.get('a')}${r.get('b')}`), ['22', '23', '24', '25']);
    const tuple = await fetchAll(`SELECT a, b FROM ${KS}.mc WHERE p = 1 AND (a, b) >= (1, 4) AND (a, b) < (3, 2)`, [], 3, true);
    assert.deepEqual(tuple.rows.map((r) => `${r.get('a')}${r.get('b')}`), ['14', '15', '20', '21', '22', '23', '24', '25', '30', '31']);
  });
});

describe('the last page, as Cassandra pages', () => {
  test('one partition, 50 rows, fetch size 10: 6 fetches, the last empty without a paging state', async () => {
    const { sizes } = await fetchAll(`SELECT * FROM ${KS}.t WHERE id = 1 AND val < 50`, [], 10, true);
    assert.deepEqual(sizes, [10, 10, 10, 10, 10, 0]);
    const whole = await fetchAll(`SELECT * FROM ${KS}.t WHERE id = 2`, [], 5, true);
    assert.deepEqual(whole.sizes, [5, 5, 5, 0]);
  });

  test('LIMIT reached exactly ends paging; LIMIT not reached on a full page does not', async () => {
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.t WHERE id = 1 LIMIT 50`, [], 10, true)).sizes, [10, 10, 10, 10, 10]);
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.t WHERE id = 1 LIMIT 25`, [], 10, true)).sizes, [10, 10, 5]);
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.t WHERE id = 2 LIMIT 40`, [], 5, true)).sizes, [5, 5, 5, 0]);
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.kv LIMIT 10`, [], 5, true)).sizes, [5, 5]);
  });

  test('range scans: a full page always carries a paging state', async () => {
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.kv`, [], 10, true)).sizes, [10, 10, 0]);
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.kv`, [], 7, true)).sizes, [7, 7, 6]);
    // 16 rows in st: 10 in partition 1, the static row of partition 2, 5 in partition 3.
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.st`, [], 4, true)).sizes, [4, 4, 4, 4, 0]);
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.st`, [], 5, true)).sizes, [5, 5, 5, 1]);
  });

  test('partition key lists: the state ends when the last partition is known to be finished', async () => {
    // Without clustering columns each partition holds one row, so a partition is finished once its row is returned.
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.kv WHERE k IN (1, 2, 3, 4)`, [], 2, true)).sizes, [2, 2]);
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.kv WHERE k = 3`, [], 1, true)).sizes, [1]);
    // A later key, even one without data, keeps the state alive.
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.kv WHERE k IN (1, 2, 99)`, [], 2, true)).sizes, [2, 0]);
    // With clustering rows the last partition is not known to be finished when it filled the page.
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.t WHERE id IN (1, 2) AND val < 5`, [], 5, true)).sizes, [5, 5, 0]);
    // A static-only partition is finished by its one row (partition 1 has 10 rows, partition 2 only a static row).
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.st WHERE p IN (2, 1)`, [], 11, true)).sizes, [11]);
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.st WHERE p IN (1, 2)`, [], 1, true)).sizes, Array<number>(11).fill(1));
    // PER PARTITION LIMIT reached in the last partition finishes it.
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.t WHERE id = 1 PER PARTITION LIMIT 10`, [], 5, true)).sizes, [5, 5]);
    assert.deepEqual((await fetchAll(`SELECT * FROM ${KS}.t WHERE id IN (1, 2) PER PARTITION LIMIT 5`, [], 5, true)).sizes, [5, 5]);
    // DISTINCT reads one row per partition.
    assert.deepEqual((await fetchAll(`SELECT DISTINCT id FROM ${KS}.t WHERE id IN (1, 2)`, [], 1, true)).sizes, [1, 1]);
  });

  test('system tables follow the same rules', async () => {
    const names = await client.execute(`SELECT table_name FROM system_schema.tables WHERE keyspace_name = '${KS}'`);
    const n = names.rowLength;
    assert.equal(n, 6);
    // One partition with clustering rows: a full last page is followed by an empty one.
    assert.deepEqual((await fetchAll(`SELECT table_name FROM system_schema.tables WHERE keyspace_name = '${KS}'`, [], 3, true)).sizes, [3, 3, 0]);
    assert.deepEqual((await fetchAll(`SELECT table_name FROM system_schema.tables WHERE keyspace_name = '${KS}' LIMIT 6`, [], 3, true)).sizes, [3, 3]);
    // system.local is one partition without clustering: its one row finishes it.
    assert.deepEqual((await fetchAll(`SELECT key FROM system.local WHERE key = 'local'`, [], 1, true)).sizes, [1]);
    // Without a key restriction it is a range scan: a full page carries a state.
    assert.deepEqual((await fetchAll('SELECT key FROM system.local', [], 1, true)).sizes, [1, 0]);
  });
});

describe('IN () selects nothing', () => {
  test('on the partition key and on the clustering column', async () => {
    assert.equal((await client.execute(`SELECT * FROM ${KS}.t WHERE id IN ()`)).rowLength, 0);
    assert.equal((await client.execute(`SELECT * FROM ${KS}.t WHERE id = 1 AND val IN ()`)).rowLength, 0);
    assert.equal((await client.execute(`SELECT * FROM ${KS}.st WHERE p = 1 AND c IN ()`)).rowLength, 0);
    assert.equal((await client.execute(`SELECT * FROM ${KS}.st WHERE p = 2 AND c IN ()`)).rowLength, 0);
    // cassandra-driver sends an empty array as null, which Cassandra refuses as it does here; the Python driver's
    // test (test/drivers/python/paging.py) binds a real empty list.
    for (const q of [`SELECT * FROM ${KS}.t WHERE id IN ?`, `SELECT * FROM ${KS}.t WHERE id = 1 AND val IN ?`]) {
      const err = await client.execute(q, [[]], { prepare: true }).then(() => undefined, (e: unknown) => e);
      const column = q.includes('val IN') ? 'val' : 'id';
      assert.equal(responseErrorOf(err)?.message, `Invalid null value for column ${column}`);
    }
    assert.equal((await client.execute(`SELECT * FROM ${KS}.ob WHERE p IN () AND q = 0`)).rowLength, 0);
    assert.equal((await client.execute(`SELECT * FROM ${KS}.t WHERE id IN () ALLOW FILTERING`)).rowLength, 0);
  });
});

describe('ORDER BY with IN on the partition key', () => {
  const cd = (rows: types.Row[]): string[] => rows.map((r) => `${r.get('c')}/${r.get('d')}`);

  test('without paging, rows of all partitions are sorted together by the ORDER BY column', async () => {
    const opts = { prepare: true, fetchSize: 0 };
    const desc = await client.execute(`SELECT c, d FROM ${KS}.ob WHERE p IN (1, 2, 3) AND q = 0 ORDER BY c DESC`, [], opts);
    assert.deepEqual(cd(desc.rows), [9, 8, 7, 6, 5, 4, 3, 2, 1].map((c) => `${c}/${c * 10}`));
    assert.equal(desc.pageState, null);
    const asc = await client.execute(`SELECT c, d FROM ${KS}.ob WHERE p IN ? AND q = ? ORDER BY c ASC, d ASC`, [[3, 1, 2], 0], opts);
    assert.deepEqual(cd(asc.rows), [1, 2, 3, 4, 5, 6, 7, 8, 9].map((c) => `${c}/${c * 10}`));
    // LIMIT applies after the sort.
    const limited = await client.execute(`SELECT c FROM ${KS}.ob WHERE p IN (1, 2, 3) AND q = 0 ORDER BY c DESC LIMIT 4`, [], opts);
    assert.deepEqual(ints(limited.rows, 'c'), [9, 8, 7, 6]);
    const simple = await client.execute(`SELECT c FROM ${KS}.ob WHERE p IN (2, 1) AND q = 0 ORDER BY c DESC`, [], { fetchSize: 0 });
    assert.deepEqual(ints(simple.rows, 'c'), [8, 7, 5, 4, 2, 1]);
  });

  test('with paging, Cassandra refuses the query whatever the fetch size', async () => {
    const q = `SELECT c FROM ${KS}.ob WHERE p IN (1, 2, 3) AND q = 0 ORDER BY c DESC`;
    for (const fetchSize of [2, 100, 5000]) {
      for (const prepare of [false, true]) {
        const err = await client.execute(q, [], { prepare, fetchSize }).then(() => undefined, (e: unknown) => e);
        const re = responseErrorOf(err);
        assert.ok(re, `fetchSize ${fetchSize}: expected a server error, got ${String(err)}`);
        assert.equal(re.code, 0x2200);
        assert.equal(re.message, 'Cannot page queries with both ORDER BY and a IN restriction on the partition key; you must either remove the ORDER BY or the IN and sort client side, or disable paging for this query');
      }
    }
    // An IN on the clustering column alone, or no ORDER BY, pages as usual.
    const inC = await fetchAll(`SELECT c FROM ${KS}.ob WHERE p = 1 AND q = 0 AND c IN (1, 4, 7) ORDER BY c DESC`, [], 2, true);
    assert.deepEqual(ints(inC.rows, 'c'), [7, 4, 1]);
    const noOrder = await fetchAll(`SELECT c FROM ${KS}.ob WHERE p IN (1, 2) AND q = 0`, [], 2, true);
    assert.deepEqual(ints(noOrder.rows, 'c'), [1, 4, 7, 2, 5, 8]);
  });
});
