// Selection through cassandra-driver against one real node (127.0.36.3): element and slice selection on sets and
// maps (bound keys too), UDT fields, writetime/ttl/maxwritetime of elements, arithmetic, CAST, overload resolution
// of native functions, token() as a function, and the errors Cassandra gives for each.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { types, type Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig } from '../fixtures/driver.ts';

const ADDRESS = '127.0.36.3';
const KS = 'sel_ks';

let node: NodeProcess;
let client: Client;

before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig({ commitlogSync: 'periodic', commitlogSyncPeriodMs: 10_000 }) });
  client = await connectClient(ADDRESS);
  await client.execute(`CREATE KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`CREATE TYPE ${KS}.pt (x int, y text)`);
  await client.execute(`CREATE TABLE ${KS}.c (k int PRIMARY KEY, m map<text, int>, s set<int>, l list<int>, fm frozen<map<text, int>>, u pt, i int, b bigint, d double, de decimal, t text, ts timestamp)`);
  await client.execute(`INSERT INTO ${KS}.c (k, m, s, l, fm, u, i, b, d, de, t, ts) VALUES (1, {'a': 1, 'b': 2, 'c': 3}, {1, 2, 3, 5}, [10, 20], {'a': 1}, {x: 1, y: 'p'}, 7, 3000000000, 2.75, 3.125, 'x', '2024-01-31 10:00:00+0000') USING TIMESTAMP 1000`);
  await client.execute(`UPDATE ${KS}.c USING TIMESTAMP 2000 SET m['b'] = 20, u.y = 'q' WHERE k = 1`);
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

async function row(cql: string, params: unknown[] = []): Promise<{ columns: string[]; values: unknown[] }> {
  const rs = await client.execute(cql, params, { prepare: params.length > 0 });
  assert.equal(rs.rows.length, 1, cql);
  const norm = (v: unknown): unknown => (v instanceof types.Long || v instanceof types.BigDecimal || v instanceof types.Integer || v instanceof types.LocalDate ? v.toString()
    : v instanceof Date ? v.toISOString() : v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : Array.isArray(v) ? v.map(norm) : v);
  return { columns: rs.columns.map((c) => c.name), values: rs.columns.map((c) => norm(rs.rows[0]![c.name])) };
}

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
const FUNCTION_FAILURE = 0x1400;

describe('elements, slices and fields', () => {
  test('element and slice selection, literal and bound keys', async () => {
    const r = await row(`SELECT m['b'], m['zz'], s[2], fm['a'], m['a'..'b'], s[..2], u.y FROM ${KS}.c WHERE k = 1`);
    assert.deepEqual(r.columns, ["m['b']", "m['zz']", 's[2]', "fm['a']", "m['a'..'b']", 's[..2]', 'u.y']);
    assert.deepEqual(r.values, [20, null, 2, 1, { a: 1, b: 20 }, [1, 2], 'q']);
    const bound = await row(`SELECT m[?], s[?..?] FROM ${KS}.c WHERE k = ?`, ['c', 2, 4, 1]);
    assert.deepEqual(bound.values, [3, [2, 3]]);
  });

  test('writetime, ttl and maxwritetime of columns and elements', async () => {
    const r = await row(`SELECT writetime(m), writetime(m['a']), writetime(m['b']), maxwritetime(m), writetime(u.y), writetime(fm), ttl(i) FROM ${KS}.c WHERE k = 1`);
    assert.deepEqual(r.columns, ['writetime(m)', "writetime(m['a'])", "writetime(m['b'])", 'maxwritetime(m)', 'writetime(u.y)', 'writetime(fm)', 'ttl(i)']);
    assert.deepEqual(r.values, [['1000', '2000', '1000'], '1000', '2000', '2000', '2000', '1000', null]);
  });

  const errors: Array<[string, string]> = [
    [`SELECT l[0] FROM ${KS}.c`, 'Element selection is only allowed on sets and maps, but l is a list'],
    [`SELECT l[0..1] FROM ${KS}.c`, 'Slice selection is only allowed on sets and maps, but l is a list'],
    [`SELECT i[0] FROM ${KS}.c`, 'Invalid element selection: i is of type int is not a collection'],
    [`SELECT m[1] FROM ${KS}.c`, 'Invalid INTEGER constant (1) for "key(m)" of type text'],
    [`SELECT u.z FROM ${KS}.c`, 'u of type pt has no field z'],
    [`SELECT writetime(k) FROM ${KS}.c`, 'Cannot use selection function writetime on PRIMARY KEY part k'],
  ];
  for (const [cql, message] of errors) test(cql, async () => assert.deepEqual(await serverError(cql), { code: INVALID, message }));
});

describe('arithmetic and CAST', () => {
  test('operators with Cassandra\'s result types', async () => {
    const r = await row(`SELECT i + 1, i + b, i * d, de / 3, t + 'y', ts + 1mo2d, - i, (i + 1) * 2 FROM ${KS}.c WHERE k = 1`);
    assert.deepEqual(r.columns, ['i + 1', 'i + b', 'i * d', 'de / 3', "t + 'y'", 'ts + 1mo2d', '-i', '(i + 1) * 2']);
    assert.deepEqual(r.values, [8, '3000000007', 19.25, '1.04166666666666666666666666666667', 'xy', '2024-03-02T10:00:00.000Z', -7, 16]);
  });

  test('casts', async () => {
    const r = await row(`SELECT CAST(b AS int), CAST(d AS int), CAST(d AS text), CAST(ts AS bigint), CAST(ts AS date), CAST(i AS int) FROM ${KS}.c WHERE k = 1`);
    assert.deepEqual(r.columns, ['cast(b as int)', 'cast(d as int)', 'cast(d as text)', 'cast(ts as bigint)', 'cast(ts as date)', 'i']);
    assert.deepEqual(r.values, [-1294967296, 2, '2.75', '1706695200000', '2024-01-31', 7]);
  });

  const errors: Array<[string, number, string]> = [
    [`SELECT i / 0 FROM ${KS}.c`, FUNCTION_FAILURE, "the operation 'int / int' failed: / by zero"],
    [`SELECT i + t FROM ${KS}.c`, INVALID, "the '+' operation is not supported between i and t"],
    [`SELECT i + ? FROM ${KS}.c`, INVALID, "Ambiguous '+' operation with args i and ?: use type hint to disambiguate, example '(int) ?'"],
    [`SELECT CAST(i AS blob) FROM ${KS}.c`, INVALID, 'i cannot be cast to blob'],
    [`SELECT (i + 1) FROM ${KS}.c`, INVALID, 'Cannot infer type for term (i + 1) in selection clause (try using a cast to force a type)'],
  ];
  for (const [cql, code, message] of errors) test(cql, async () => assert.deepEqual(await serverError(cql), { code, message }));
});

describe('functions', () => {
  test('arguments typed by the overload: constants, compatible values, markers', async () => {
    const r = await row(`SELECT bigintAsBlob(3), toUnixTimestamp(b), maxTimeuuid('2013-01-01 00:05+0000'), minTimeuuid(?) FROM ${KS}.c WHERE k = 1`,
      [new Date(Date.UTC(2013, 0, 1, 0, 5))]);
    assert.equal((r.values[0] as Buffer).toString('hex'), '0000000000000003');
    assert.deepEqual(r.values.slice(1).map(String), ['3000000000', 'e23f450f-53a6-11e2-7f7f-7f7f7f7f7f7f', 'e23f1e00-53a6-11e2-8080-808080808080']);
  });

  test('token() of columns and constants, and as a relation\'s right-hand side', async () => {
    const r = await row(`SELECT token(k), token(1) FROM ${KS}.c WHERE token(k) = token(1)`);
    assert.deepEqual(r.columns, ['system.token(k)', 'system.token(1)']);
    assert.equal(r.values[0], r.values[1]);
    const e = await serverError(`DELETE FROM ${KS}.c WHERE token(k) = token(1)`);
    assert.deepEqual(e, { code: INVALID, message: 'The token function cannot be used in WHERE clauses for DELETE statements' });
  });

  const errors: Array<[string, string]> = [
    [`SELECT minTimeuuid(i) FROM ${KS}.c`, 'Type error: i cannot be passed as argument 0 of function system.mintimeuuid of type timestamp'],
    [`SELECT toDate(?) FROM ${KS}.c`, 'Ambiguous call to function todate (can be matched by following signatures: system.todate : (timeuuid) -> date, system.todate : (timestamp) -> date): use type casts to disambiguate'],
    [`SELECT dateOf(now()) FROM ${KS}.c`, "Unknown function 'dateof'"],
    [`SELECT token(t) FROM ${KS}.c`, 'Type error: t cannot be passed as argument 0 of function system.token of type int'],
  ];
  for (const [cql, message] of errors) test(cql, async () => assert.deepEqual(await serverError(cql), { code: INVALID, message }));
});
