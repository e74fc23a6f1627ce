// Paging through a real node (127.0.3.x) with cassandra-driver: 10,000 rows spread over 10,000 partitions and 10,000 rows
// in one partition, read with fetchSize 100 via eachRow (autoPage), stream() and manual pageState, plus LIMIT across pages.
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Client, types } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig, runConcurrent, withTimeout } from '../fixtures/driver.ts';

const ADDRESS = '127.0.3.1';
const N = 10_000;
const FETCH = 100;
const WIDE_PK = 42;

let node: NodeProcess;
let client: Client;

before(async () => {
  // Paging is not about durability: periodic sync keeps the 20,000 inserts quick.
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig({ commitlogSync: 'periodic', commitlogSyncPeriodMs: 10_000 }) });
  client = await connectClient(ADDRESS);
  await client.execute("CREATE KEYSPACE paging_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await client.execute('CREATE TABLE paging_ks.narrow (k int PRIMARY KEY, v text)');
  await client.execute('CREATE TABLE paging_ks.wide (pk int, ck int, v text, PRIMARY KEY (pk, ck))');
  const narrow = 'INSERT INTO paging_ks.narrow (k, v) VALUES (?, ?)';
  const wide = 'INSERT INTO paging_ks.wide (pk, ck, v) VALUES (?, ?, ?)';
  await withTimeout(
    runConcurrent(N, 64, async (i) => {
      await client.execute(narrow, [i, `v${i}`], { prepare: true });
    }),
    40_000,
    `inserting ${N} partitions`,
  );
  // Inserted in a scrambled order so that clustering order has to come from the server, not from insertion order.
  await withTimeout(
    runConcurrent(N, 64, async (i) => {
      const ck = (i * 7919) % N;
      await client.execute(wide, [WIDE_PK, ck, `w${ck}`], { prepare: true });
    }),
    40_000,
    `inserting ${N} rows in one partition`,
  );
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

/** Every key 0..N-1 exactly once, each with the right value. */
function assertEveryKeyOnce(seen: Array<[number, string]>, prefix: string): void {
  const counts = new Map<number, number>();
  for (const [k, v] of seen) {
    assert.equal(v, `${prefix}${k}`, `value of key ${k}`);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const dupes = [...counts].filter(([, c]) => c > 1).map(([k]) => k);
  assert.deepEqual(dupes.slice(0, 10), [], `keys returned more than once (first 10 of ${dupes.length})`);
  const missing: number[] = [];
  for (let k = 0; k < N && missing.length < 10; k++) if (!counts.has(k)) missing.push(k);
  assert.deepEqual(missing, [], 'keys never returned (first 10)');
  assert.equal(seen.length, N);
}

/** eachRow with autoPage: resolves with all rows and the number of pages the driver fetched. */
function eachRow(query: string, params: unknown[], fetchSize: number): Promise<{ rows: types.Row[]; pages: number }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const rows: types.Row[] = [];
      client.eachRow(
        query,
        params,
        { prepare: true, fetchSize, autoPage: true },
        (_n: number, row: types.Row) => {
          rows.push(row);
        },
        (err?: Error | null) => {
          if (err) reject(err);
          else resolve({ rows, pages: Math.ceil(rows.length / fetchSize) });
        },
      );
    }),
    30_000,
    `eachRow ${query}`,
  );
}

function streamRows(query: string, params: unknown[], fetchSize: number): Promise<types.Row[]> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const rows: types.Row[] = [];
      const s = client.stream(query, params, { prepare: true, fetchSize }) as unknown as Readable;
      s.on('readable', () => {
        let row: types.Row | null;
        while ((row = s.read() as types.Row | null) !== null) rows.push(row);
      });
      s.on('end', () => resolve(rows));
      s.on('error', reject);
    }),
    30_000,
    `stream ${query}`,
  );
}

/** Pages by hand with pageState; returns the page sizes and all rows. Bounded to maxPages. */
async function manualPages(query: string, params: unknown[], fetchSize: number, maxPages: number): Promise<{ sizes: number[]; rows: types.Row[] }> {
  const sizes: number[] = [];
  const rows: types.Row[] = [];
  let pageState: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const rs = await client.execute(query, params, { prepare: true, fetchSize, ...(pageState !== undefined ? { pageState } : {}) });
    assert.ok(rs.rowLength <= fetchSize, `page ${page} has ${rs.rowLength} rows, more than fetchSize ${fetchSize}`);
    sizes.push(rs.rowLength);
    rows.push(...rs.rows);
    if (!rs.pageState) return { sizes, rows };
    pageState = rs.pageState;
  }
  assert.fail(`paging did not end within ${maxPages} pages`);
}

describe('10,000 partitions, one row each', () => {
  test('eachRow with fetchSize 100 and autoPage returns every row exactly once', { timeout: 40_000 }, async () => {
    const { rows } = await eachRow('SELECT k, v FROM paging_ks.narrow', [], FETCH);
    assertEveryKeyOnce(
      rows.map((r) => [r.get('k') as number, r.get('v') as string]),
      'v',
    );
  });

  test('stream() with fetchSize 100 returns every row exactly once', { timeout: 40_000 }, async () => {
    const rows = await streamRows('SELECT k, v FROM paging_ks.narrow', [], FETCH);
    assertEveryKeyOnce(
      rows.map((r) => [r.get('k') as number, r.get('v') as string]),
      'v',
    );
  });

  test('manual paging with pageState: full pages, token order, every row once', { timeout: 40_000 }, async () => {
    const { sizes, rows } = await manualPages('SELECT token(k) AS t, k, v FROM paging_ks.narrow', [], FETCH, N / FETCH + 2);
    // Every page but the last is full (the last may be empty when the server could not tell the scan was over).
    for (const [i, s] of sizes.slice(0, -1).entries()) assert.equal(s, FETCH, `page ${i} size`);
    assertEveryKeyOnce(
      rows.map((r) => [r.get('k') as number, r.get('v') as string]),
      'v',
    );
    // A range scan returns partitions in token order, across page boundaries too.
    const tokens = rows.map((r) => BigInt(String(r.get('t'))));
    for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i - 1]! < tokens[i]!, `token order broken at row ${i}: ${tokens[i - 1]} then ${tokens[i]}`);
  });

  test('LIMIT 250 with fetchSize 100 returns exactly 250 rows (100 + 100 + 50, then no paging state)', { timeout: 30_000 }, async () => {
    const q = 'SELECT k, v FROM paging_ks.narrow LIMIT 250';
    const { rows } = await eachRow(q, [], FETCH);
    assert.equal(rows.length, 250);
    assert.equal(new Set(rows.map((r) => r.get('k') as number)).size, 250, 'no row twice');
    const streamed = await streamRows(q, [], FETCH);
    assert.equal(streamed.length, 250);
    const manual = await manualPages(q, [], FETCH, 10);
    assert.deepEqual(manual.sizes, [100, 100, 50]);
    // LIMIT over a range scan is the first 250 partitions in token order: the same rows every way.
    assert.deepEqual(
      manual.rows.map((r) => r.get('k') as number),
      rows.map((r) => r.get('k') as number),
    );
  });
});

describe('10,000 rows in one partition', () => {
  const q = 'SELECT ck, v FROM paging_ks.wide WHERE pk = ?';

  test('eachRow with fetchSize 100 returns every row once, in clustering order', { timeout: 40_000 }, async () => {
    const { rows } = await eachRow(q, [WIDE_PK], FETCH);
    assertEveryKeyOnce(
      rows.map((r) => [r.get('ck') as number, r.get('v') as string]),
      'w',
    );
    assert.deepEqual(
      rows.map((r) => r.get('ck') as number),
      Array.from({ length: N }, (_, i) => i),
    );
  });

  test('stream() with fetchSize 100 returns every row once, in clustering order', { timeout: 40_000 }, async () => {
    const rows = await streamRows(q, [WIDE_PK], FETCH);
    assert.deepEqual(
      rows.map((r) => r.get('ck') as number),
      Array.from({ length: N }, (_, i) => i),
    );
    assertEveryKeyOnce(
      rows.map((r) => [r.get('ck') as number, r.get('v') as string]),
      'w',
    );
  });

  test('manual paging with pageState resumes exactly after the last row of each page', { timeout: 40_000 }, async () => {
    const { sizes, rows } = await manualPages(q, [WIDE_PK], FETCH, N / FETCH + 2);
    for (const [i, s] of sizes.slice(0, -1).entries()) assert.equal(s, FETCH, `page ${i} size`);
    assert.deepEqual(
      rows.map((r) => r.get('ck') as number),
      Array.from({ length: N }, (_, i) => i),
    );
  });

  test('a whole-table scan also pages through the wide partition (all 10,000 rows once, in order)', { timeout: 40_000 }, async () => {
    const rows = await streamRows('SELECT pk, ck, v FROM paging_ks.wide', [], FETCH);
    assert.ok(rows.every((r) => r.get('pk') === WIDE_PK));
    assert.deepEqual(
      rows.map((r) => r.get('ck') as number),
      Array.from({ length: N }, (_, i) => i),
    );
  });

  test('LIMIT 250 with fetchSize 100 in one partition: rows 0..249, pages 100 + 100 + 50', { timeout: 30_000 }, async () => {
    const lq = 'SELECT ck, v FROM paging_ks.wide WHERE pk = ? LIMIT 250';
    const { rows } = await eachRow(lq, [WIDE_PK], FETCH);
    assert.deepEqual(
      rows.map((r) => r.get('ck') as number),
      Array.from({ length: 250 }, (_, i) => i),
    );
    const manual = await manualPages(lq, [WIDE_PK], FETCH, 10);
    assert.deepEqual(manual.sizes, [100, 100, 50]);
    // A clustering slice with DESC order pages backwards.
    const desc = await eachRow('SELECT ck FROM paging_ks.wide WHERE pk = ? ORDER BY ck DESC LIMIT 250', [WIDE_PK], FETCH);
    assert.deepEqual(
      desc.rows.map((r) => r.get('ck') as number),
      Array.from({ length: 250 }, (_, i) => N - 1 - i),
    );
  });
});
