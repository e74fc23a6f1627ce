// Statements that used to answer with wrong data or an internal error, through cassandra-driver against one real node
// (127.0.11.x): several operations on one collection in one UPDATE, multi-column relations over mixed ASC/DESC
// clustering (checked against a model of tuple order), key length limits and dropped columns staying dropped.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { types, type Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig } from '../fixtures/driver.ts';

const ADDRESS = '127.0.11.1';
const KS = 'wrong_ks';

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

async function rows(cql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const rs = await client.execute(cql, params, { prepare: params.length > 0 });
  return rs.rows.map((r) => Object.fromEntries(rs.columns.map((c) => [c.name, r[c.name]])));
}

/** The server's error for a statement: its message and protocol code. */
async function serverError(cql: string, params: unknown[] = []): Promise<{ code: number; message: string }> {
  try {
    await client.execute(cql, params, { prepare: params.length > 0 });
  } catch (e) {
    const err = e as { code?: number; message: string };
    assert.ok(err.code !== undefined, `expected a server error, got ${err.message}`);
    return { code: err.code, message: err.message };
  }
  assert.fail(`expected an error for ${cql}`);
}

const INVALID = 0x2200;
const SYNTAX = 0x2000;

describe('several operations on one collection in one UPDATE', () => {
  before(async () => {
    await client.execute(`CREATE TABLE ${KS}.coll (k int PRIMARY KEY, st set<int>, m map<text, int>, l list<int>)`);
    await client.execute(`CREATE TYPE ${KS}.addr (street text, city text, zip int)`);
    await client.execute(`CREATE TABLE ${KS}.udts (k int PRIMARY KEY, u addr)`);
  });

  test('set: add and remove in one statement', async () => {
    await client.execute(`INSERT INTO ${KS}.coll (k, st) VALUES (1, {1, 2, 3, 4})`);
    await client.execute(`UPDATE ${KS}.coll SET st = st + {5}, st = st - {1} WHERE k = 1`);
    const [r] = await rows(`SELECT st FROM ${KS}.coll WHERE k = 1`);
    assert.deepEqual(r.st, [2, 3, 4, 5]);
  });

  test('map: several element writes and a removal; list: append and remove', async () => {
    await client.execute(`INSERT INTO ${KS}.coll (k, m, l) VALUES (2, {'a': 1, 'b': 2}, [1, 2, 3])`);
    await client.execute(`UPDATE ${KS}.coll SET m['d'] = 4, m['c'] = 3, m = m - {'a'}, l = l + [4], l = l - [1] WHERE k = 2`);
    const [r] = await rows(`SELECT m, l FROM ${KS}.coll WHERE k = 2`);
    assert.deepEqual(r.m, { b: 2, c: 3, d: 4 });
    assert.deepEqual(r.l, [2, 3, 4]);
  });

  test('an element added and removed in one statement is removed (the tombstone wins at equal timestamps)', async () => {
    await client.execute(`UPDATE ${KS}.coll SET st = st + {7}, st = st - {7} WHERE k = 3`);
    assert.deepEqual(await rows(`SELECT st FROM ${KS}.coll WHERE k = 3`), []);
  });

  test('non-frozen UDT: several fields set or deleted in one statement, in any order', async () => {
    await client.execute(`INSERT INTO ${KS}.udts (k, u) VALUES (1, {street: 's1', city: 'c1', zip: 1})`);
    await client.execute(`UPDATE ${KS}.udts SET u.zip = 9, u.street = 's2' WHERE k = 1`);
    let [r] = await rows(`SELECT u FROM ${KS}.udts WHERE k = 1`);
    assert.deepEqual({ ...(r.u as object) }, { street: 's2', city: 'c1', zip: 9 });
    await client.execute(`DELETE u.zip, u.street FROM ${KS}.udts WHERE k = 1`);
    [r] = await rows(`SELECT u FROM ${KS}.udts WHERE k = 1`);
    assert.deepEqual({ ...(r.u as object) }, { street: null, city: 'c1', zip: null });
  });

  test('a whole-column assignment combined with another operation on it is refused, as Cassandra does', async () => {
    for (const set of ['st = {1}, st = st + {2}', 'm = {}, m[\'a\'] = 1', 'st = st + {2}, st = {1}']) {
      const e = await serverError(`UPDATE ${KS}.coll SET ${set} WHERE k = 1`);
      assert.equal(e.code, SYNTAX);
      assert.match(e.message, /Multiple incompatible setting of column (st|m)/);
    }
    const e = await serverError(`UPDATE ${KS}.udts SET u.zip = 1, u.zip = 2 WHERE k = 1`);
    assert.match(e.message, /Multiple incompatible setting of column u/);
  });
});

interface MixedRow { b: number; c: number; d: number; e: number }

/** Clustering (b DESC, c ASC, d DESC, e ASC): the order rows come back in. */
function clusteringOrder(x: MixedRow, y: MixedRow): number {
  return (y.b - x.b) || (x.c - y.c) || (y.d - x.d) || (x.e - y.e);
}

/** Tuple comparison by value, column by column, whatever the clustering order (CASSANDRA-7281). */
function compareTuple(r: MixedRow, cols: Array<keyof MixedRow>, values: number[]): number {
  for (let i = 0; i < cols.length; i++) {
    const c = r[cols[i]] - values[i];
    if (c !== 0) return c;
  }
  return 0;
}

describe('multi-column relations over mixed ASC/DESC clustering', () => {
  const data: MixedRow[] = [];
  before(async () => {
    await client.execute(`CREATE TABLE ${KS}.mixed (a int, b int, c int, d int, e int, PRIMARY KEY (a, b, c, d, e))
      WITH CLUSTERING ORDER BY (b DESC, c ASC, d DESC, e ASC)`);
    for (let b = -1; b <= 2; b++) for (let c = -1; c <= 1; c++) for (let d = -1; d <= 1; d++) for (let e = -1; e <= 1; e++) {
      if ((b * 7 + c * 5 + d * 3 + e) % 3 === 0) continue; // leave holes
      data.push({ b, c, d, e });
      await client.execute(`INSERT INTO ${KS}.mixed (a, b, c, d, e) VALUES (0, ?, ?, ?, ?)`, [b, c, d, e], { prepare: true });
    }
    data.sort(clusteringOrder);
  });

  test('(a, b) > (1, 0) with (a ASC, b DESC) compares values (the issue\'s case)', async () => {
    await client.execute(`CREATE TABLE ${KS}.ab (k int, a int, b int, PRIMARY KEY (k, a, b)) WITH CLUSTERING ORDER BY (a ASC, b DESC)`);
    for (const [a, b] of [[0, 0], [0, 1], [1, 0], [1, 1], [2, 0]]) await client.execute(`INSERT INTO ${KS}.ab (k, a, b) VALUES (0, ${a}, ${b})`);
    const got = (await rows(`SELECT a, b FROM ${KS}.ab WHERE k = 0 AND (a, b) > (1, 0)`)).map((r) => [r.a, r.b]);
    assert.deepEqual(got, [[1, 1], [2, 0]]);
  });

  test('random lower and upper tuple bounds equal a model of tuple order (and come back in clustering order)', async () => {
    const cols: Array<keyof MixedRow> = ['b', 'c', 'd', 'e'];
    const bound = fc.record({
      len: fc.integer({ min: 1, max: 4 }),
      values: fc.array(fc.integer({ min: -2, max: 3 }), { minLength: 4, maxLength: 4 }),
      op: fc.constantFrom('>', '>=', '<', '<='),
    });
    await fc.assert(fc.asyncProperty(bound, fc.option(bound, { nil: undefined }), async (lo, hi) => {
      const rels = [lo, ...(hi ? [hi] : [])];
      const where = rels.map((r) => `(${cols.slice(0, r.len).join(', ')}) ${r.op} (${r.values.slice(0, r.len).map(() => '?').join(', ')})`);
      const params = rels.flatMap((r) => r.values.slice(0, r.len));
      const cql = `SELECT b, c, d, e FROM ${KS}.mixed WHERE a = 0 AND ${where.join(' AND ')}`;
      const sameSide = hi && (lo.op[0] === hi.op[0]);
      if (sameSide) {
        const e = await serverError(cql, params);
        assert.match(e.message, /More than one restriction was found for the (start|end) bound on b/);
        return;
      }
      const expected = data.filter((r) => rels.every((x) => {
        const c = compareTuple(r, cols.slice(0, x.len), x.values.slice(0, x.len));
        return x.op === '>' ? c > 0 : x.op === '>=' ? c >= 0 : x.op === '<' ? c < 0 : c <= 0;
      }));
      const got = await rows(cql, params);
      assert.deepEqual(got, expected, cql + ' ' + JSON.stringify(params));
    }), { numRuns: 150, seed: 0x5eed });
  });

  test('multi-column = and IN, alone and after an equality prefix', async () => {
    const pick = (f: (r: MixedRow) => boolean) => data.filter(f);
    assert.deepEqual(await rows(`SELECT b, c, d, e FROM ${KS}.mixed WHERE a = 0 AND (b, c) = (1, 0)`), pick((r) => r.b === 1 && r.c === 0));
    assert.deepEqual(await rows(`SELECT b, c, d, e FROM ${KS}.mixed WHERE a = 0 AND (b, c) IN ((-1, 1), (1, 0))`),
      pick((r) => (r.b === 1 && r.c === 0) || (r.b === -1 && r.c === 1)));
    assert.deepEqual(await rows(`SELECT b, c, d, e FROM ${KS}.mixed WHERE a = 0 AND b = 1 AND (c, d) > (0, 0)`),
      pick((r) => r.b === 1 && (r.c > 0 || (r.c === 0 && r.d > 0))));
    assert.deepEqual(await rows(`SELECT b, c, d, e FROM ${KS}.mixed WHERE a = 0 AND b IN (0, 2) AND (c, d) <= (0, 0) AND (c) > (-1)`),
      pick((r) => (r.b === 0 || r.b === 2) && r.c > -1 && (r.c < 0 || (r.c === 0 && r.d <= 0))));
    assert.deepEqual(await rows(`SELECT b, c, d, e FROM ${KS}.mixed WHERE a = 0 AND (b, c, d) = ?`, [new types.Tuple(1, 0, 1)]),
      pick((r) => r.b === 1 && r.c === 0 && r.d === 1));
    // A range that cannot hold anything answers no rows.
    assert.deepEqual(await rows(`SELECT b FROM ${KS}.mixed WHERE a = 0 AND (b, c) > (1, 0) AND (b, c) < (0, 0)`), []);
  });

  test('invalid multi-column relations get Cassandra\'s InvalidRequest, never a server error', async () => {
    const cases: Array<[string, RegExp]> = [
      ['(v1, v2) > (0, 1) AND (v1, v2, v3) <= (1, 1, 0)', /Undefined column name v1/],
      ['(b, c, d) = (1, 2, 3, 4)', /^Expected 3 elements in value tuple, but got 4: \(1, 2, 3, 4\)$/],
      ['(b, c) > (1, 2, 3)', /^Expected 2 elements in value tuple, but got 3: \(1, 2, 3\)$/],
      ['(d, c, b) = (0, 0, 0)', /^Clustering columns must appear in the PRIMARY KEY order in multi-column relations: \(d, c, b\) = \(0, 0, 0\)$/],
      ['(c, d) = (0, 0)', /^PRIMARY KEY column "c" cannot be restricted as preceding column "b" is not restricted$/],
      ['(a, b) = (0, 0)', /^Multi-column relations can only be applied to clustering columns but was applied to: a$/],
      ['(b, c, d) > (0, 1, 0) AND c < 1', /^Column "c" cannot be restricted by two inequalities not starting with the same column$/],
      ['b > 0 AND (c, d) > (0, 0)', /^Clustering column "c" cannot be restricted \(preceding column "b" is restricted by a non-EQ relation\)$/],
      ['(b) = (0) AND (b) > (0)', /^b cannot be restricted by more than one relation if it includes an Equal$/],
      ['(b) > (0) AND b > 1', /^More than one restriction was found for the start bound on b$/],
    ];
    for (const [rel, msg] of cases) {
      const e = await serverError(`SELECT * FROM ${KS}.mixed WHERE a = 0 AND ${rel}`);
      assert.equal(e.code, INVALID, rel);
      assert.match(e.message, msg, rel);
    }
    const e = await serverError(`SELECT * FROM ${KS}.mixed WHERE a = 0 AND (c, d) > (0, 0) ALLOW FILTERING`);
    assert.equal(e.message, 'Multi-column slice restrictions cannot be used for filtering.');
  });
});

describe('key length limits', () => {
  const big = 'x'.repeat(65 * 1024);
  before(async () => {
    await client.execute(`CREATE TABLE ${KS}.kl (p text, c text, v int, PRIMARY KEY (p, c))`);
  });

  test('a 65 KiB partition or clustering key is refused with Cassandra\'s message', async () => {
    for (const params of [[big, 'a'], ['a', big]]) {
      const e = await serverError(`INSERT INTO ${KS}.kl (p, c, v) VALUES (?, ?, 1)`, params);
      assert.equal(e.code, INVALID);
      assert.equal(e.message, 'Key length of 66560 is longer than maximum of 65535');
    }
    const e = await serverError(`SELECT * FROM ${KS}.kl WHERE p = ?`, [big]);
    assert.equal(e.message, 'Key length of 66560 is longer than maximum of 65535');
  });

  test('a 65 KiB clustering value in WHERE matches nothing (as in Cassandra), and no server error', async () => {
    await client.execute(`INSERT INTO ${KS}.kl (p, c, v) VALUES ('a', 'b', 1)`);
    assert.deepEqual(await rows(`SELECT * FROM ${KS}.kl WHERE p = 'a' AND c = ?`, [big]), []);
    assert.deepEqual((await rows(`SELECT c FROM ${KS}.kl WHERE p = 'a' AND c < ?`, [big])).map((r) => r.c), ['b']);
    assert.deepEqual(await rows(`SELECT c FROM ${KS}.kl WHERE p = 'a' AND c > ?`, [big]), []);
  });
});

describe('ALTER TABLE DROP', () => {
  test('a dropped column\'s data stays invisible, also after the column is added again', async () => {
    await client.execute(`CREATE TABLE ${KS}.dr (k int PRIMARY KEY, a int, b text)`);
    await client.execute(`INSERT INTO ${KS}.dr (k, a, b) VALUES (1, 10, 'old')`);
    await client.execute(`UPDATE ${KS}.dr SET b = 'only b' WHERE k = 2`);
    await client.execute(`ALTER TABLE ${KS}.dr DROP b`);
    assert.deepEqual(await rows(`SELECT * FROM ${KS}.dr`), [{ k: 1, a: 10 }], 'a row holding only dropped data is gone');
    await client.execute(`ALTER TABLE ${KS}.dr ADD b text`);
    assert.deepEqual(await rows(`SELECT * FROM ${KS}.dr`), [{ k: 1, a: 10, b: null }]);
    await client.execute(`INSERT INTO ${KS}.dr (k, b) VALUES (3, 'new')`);
    assert.deepEqual(await rows(`SELECT k, b FROM ${KS}.dr WHERE k = 3`), [{ k: 3, b: 'new' }]);
    await node.restart();
    await client.shutdown();
    client = await connectClient(ADDRESS);
    assert.deepEqual((await rows(`SELECT k, b FROM ${KS}.dr`)).sort((x, y) => Number(x.k) - Number(y.k)),
      [{ k: 1, b: null }, { k: 3, b: 'new' }], 'still so after a restart');
  });
});
