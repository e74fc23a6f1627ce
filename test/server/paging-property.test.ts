// Property: for random tables, data and queries (test/server/paging-model.ts), reading a query page by page with any
// fetch size returns exactly the rows of the unpaged query, in the same order, in pages that are all full but the last
// (as Cassandra's). One real node on 127.0.3.11 and one keyspace for every run, a table per run. The budget is bounded
// by time; a failure prints fast-check's seed and the shrunk counterexample (rerun with PAGING_PROPERTY_SEED=<seed>).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { Client, types } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig, withTimeout } from '../fixtures/driver.ts';
import { createTable, opStatement, opsArb, queryArb, queryStatement, shapeArb, type Statement } from './paging-model.ts';

const ADDRESS = '127.0.3.11';
const KS = 'paging_prop';
/** Time for generating and checking cases (shrinking included); node start-up comes on top. */
const BUDGET_MS = 30_000;
const MIN_RUNS = 5;

let node: NodeProcess;
let client: Client;

before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig({ commitlogSync: 'periodic', commitlogSyncPeriodMs: 10_000 }) });
  client = await connectClient(ADDRESS);
  await client.execute(`CREATE KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

/** A row as comparable text: its values in column order. */
function rowText(r: types.Row): string {
  return JSON.stringify(r.values().map((v: unknown) => (v === undefined ? null : v)));
}

async function unpaged(s: Statement): Promise<string[]> {
  // fetchSize 0: the driver sends no page size, so the node returns every row at once.
  const rs = await withTimeout(client.execute(s.cql, s.params, { prepare: true, fetchSize: 0 }), 10_000, s.cql);
  assert.equal(rs.pageState, null, `unpaged ${s.cql} returned a paging state`);
  return rs.rows.map(rowText);
}

/** Every page of the query at fetch size `pageSize`, following paging states; at most `maxFetches` requests. */
async function paged(s: Statement, pageSize: number, maxFetches: number): Promise<{ sizes: number[]; rows: string[] }> {
  const sizes: number[] = [];
  const rows: string[] = [];
  let pageState: string | undefined;
  for (let i = 0; i < maxFetches; i++) {
    const opts = { prepare: true, fetchSize: pageSize, ...(pageState !== undefined ? { pageState } : {}) };
    const rs = await withTimeout(client.execute(s.cql, s.params, opts), 10_000, s.cql);
    sizes.push(rs.rowLength);
    rows.push(...rs.rows.map(rowText));
    if (!rs.pageState) return { sizes, rows };
    pageState = rs.pageState;
  }
  assert.fail(`${s.cql} ${JSON.stringify(s.params)}: fetch size ${pageSize} did not end within ${maxFetches} fetches (pages ${sizes.join(', ')})`);
}

const caseArb = shapeArb.chain((shape) =>
  fc.record({ shape: fc.constant(shape), ops: opsArb(shape), queries: fc.array(queryArb(shape), { minLength: 2, maxLength: 6 }) }));

test('the pages of a query, concatenated, are its unpaged result', { timeout: BUDGET_MS + 30_000 }, async () => {
  let tables = 0;
  let reads = 0;
  let multiPage = 0;
  const seedEnv = process.env.PAGING_PROPERTY_SEED;
  await fc.assert(
    fc.asyncProperty(caseArb, async ({ shape, ops, queries }) => {
      const table = `${KS}.t${++tables}`;
      const ddl = createTable(table, shape);
      await client.execute(ddl);
      try {
        for (const op of ops) {
          const s = opStatement(table, op);
          await client.execute(s.cql, s.params, { prepare: true });
        }
        for (const q of queries) {
          const s = queryStatement(table, shape, q);
          const expected = await unpaged(s);
          for (const pageSize of q.pageSizes) {
            // Every page but the last is full, and a last empty page follows only a full one.
            const { sizes, rows } = await paged(s, pageSize, Math.ceil(expected.length / pageSize) + 1);
            reads++;
            if (expected.length > pageSize + 1) multiPage++;
            const what = `${ddl}\n${s.cql} ${JSON.stringify(s.params, (_, v: unknown) => (typeof v === 'object' && v !== null && 'toString' in v && !Array.isArray(v) ? String(v) : v))}\nfetch size ${pageSize}, pages ${sizes.join(', ')}`;
            assert.deepEqual(rows, expected, what);
            sizes.slice(0, -1).forEach((n, i) => assert.equal(n, pageSize, `page ${i} is not full\n${what}`));
          }
        }
      } finally {
        await client.execute(`DROP TABLE ${table}`);
      }
    }),
    { numRuns: 200, interruptAfterTimeLimit: BUDGET_MS, includeErrorInReport: true, ...(seedEnv ? { seed: Number(seedEnv) } : {}) },
  );
  console.log(`paging property: ${tables} tables, ${reads} paged reads, ${multiPage} over more than two pages`);
  assert.ok(tables >= MIN_RUNS, `only ${tables} cases ran within ${BUDGET_MS} ms`);
});
