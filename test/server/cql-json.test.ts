// JSON through cassandra-driver against one real node (127.0.36.1): INSERT JSON (literal and bound, DEFAULT NULL and
// UNSET, TTL), SELECT JSON (paged too), toJson() and fromJson(), and their errors with Cassandra's codes and messages.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig } from '../fixtures/driver.ts';

const ADDRESS = '127.0.36.1';
const KS = 'json_ks';

let node: NodeProcess;
let client: Client;

before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig({ commitlogSync: 'periodic', commitlogSyncPeriodMs: 10_000 }) });
  client = await connectClient(ADDRESS);
  await client.execute(`CREATE KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`CREATE TYPE ${KS}.pt (x int, "Y" text)`);
  await client.execute(`CREATE TABLE ${KS}.j (k int, c int, t text, d double, l list<int>, m map<int, text>, p frozen<pt>, ts timestamp, PRIMARY KEY (k, c))`);
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

async function one(cql: string, params: unknown[] = []): Promise<Record<string, unknown>> {
  const rs = await client.execute(cql, params, { prepare: params.length > 0 });
  assert.equal(rs.rows.length, 1, cql);
  return Object.fromEntries(rs.columns.map((c) => [c.name, rs.rows[0]![c.name]]));
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

describe('INSERT JSON and SELECT JSON', () => {
  test('a literal document round-trips through SELECT JSON, column by column', async () => {
    const doc = '{"k": 1, "c": 1, "t": "é\\n", "d": 1e10, "l": [2, 1], "m": {"2": "b", "1": "a"}, "p": {"x": 1, "\\"Y\\"": "y"}, "ts": "2024-01-02 03:04:05.678Z"}';
    await client.execute(`INSERT INTO ${KS}.j JSON '${doc}'`);
    const rs = await client.execute(`SELECT JSON * FROM ${KS}.j WHERE k = 1`);
    assert.deepEqual(rs.columns.map((c) => [c.name, c.type.code]), [['[json]', 0x000d]]);
    assert.equal(rs.rows[0]!['[json]'], '{"k": 1, "c": 1, "d": 1.0E10, "l": [2, 1], "m": {"1": "a", "2": "b"}, "p": {"x": 1, "\\"Y\\"": "y"}, "t": "é\\n", "ts": "2024-01-02 03:04:05.678Z"}');
    const plain = await one(`SELECT t, d, l FROM ${KS}.j WHERE k = 1 AND c = 1`);
    assert.deepEqual(plain, { t: 'é\n', d: 1e10, l: [2, 1] });
  });

  test('bound document, DEFAULT UNSET keeps what DEFAULT NULL clears, USING TTL applies', async () => {
    const insert = `INSERT INTO ${KS}.j JSON ?`;
    await client.execute(insert, ['{"k": 2, "c": 1, "t": "a", "d": 2.5}'], { prepare: true });
    await client.execute(`${insert} DEFAULT UNSET`, ['{"k": 2, "c": 1, "d": 3.5}'], { prepare: true });
    assert.deepEqual(await one(`SELECT t, d FROM ${KS}.j WHERE k = 2 AND c = 1`), { t: 'a', d: 3.5 });
    await client.execute(`${insert} DEFAULT NULL USING TTL 1000`, ['{"k": 2, "c": 1, "d": 4.5}'], { prepare: true });
    const row = await one(`SELECT t, d, ttl(d) FROM ${KS}.j WHERE k = 2 AND c = 1`);
    assert.equal(row.t, null);
    assert.equal(row.d, 4.5);
    assert.ok((row['ttl(d)'] as number) > 990);
  });

  test('SELECT JSON pages like the rows it encodes, with aliases as keys', async () => {
    for (let c = 10; c < 17; c++) await client.execute(`INSERT INTO ${KS}.j JSON '{"k": 3, "c": ${c}}'`);
    const seen: string[] = [];
    let pageState: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const rs = await client.execute(`SELECT JSON c AS "C", k FROM ${KS}.j WHERE k = 3`, [], { fetchSize: 3, pageState });
      seen.push(...rs.rows.map((r) => r['[json]'] as string));
      pageState = rs.pageState ?? undefined;
      if (!pageState) break;
    }
    assert.deepEqual(seen, [10, 11, 12, 13, 14, 15, 16].map((c) => `{"\\"C\\"": ${c}, "k": 3}`));
  });
});

describe('toJson() and fromJson()', () => {
  test('toJson of columns, literals and aggregates', async () => {
    const row = await one(`SELECT toJson(m), toJson(ts), toJson((1, 'a')), toJson(count(*)) FROM ${KS}.j WHERE k = 1`);
    assert.deepEqual(row, {
      'system.tojson(m)': '{"1": "a", "2": "b"}', 'system.tojson(ts)': '"2024-01-02 03:04:05.678Z"',
      "system.tojson((1, 'a'))": '[1, "a"]', 'system.tojson(count)': '1',
    });
  });

  test('fromJson assigns a decoded value, prepared with a text marker', async () => {
    await client.execute(`INSERT INTO ${KS}.j (k, c, l, p) VALUES (4, 1, fromJson(?), fromJson('{"x": 7}'))`, ['"[3, 4]"'], { prepare: true });
    const row = await one(`SELECT l, p FROM ${KS}.j WHERE k = fromJson('4') AND c = 1`);
    assert.deepEqual(row.l, [3, 4]);
    assert.equal((row.p as { x: number }).x, 7);
  });
});

describe('errors', () => {
  const cases: Array<[string, number, string]> = [
    [`INSERT INTO ${KS}.j JSON '{"k": 1, "c": 1, "nosuch": 1}'`, INVALID, 'JSON values map contains unrecognized column: nosuch'],
    [`INSERT INTO ${KS}.j JSON '{"k": 1, "c": 1.5}'`, INVALID, 'Error decoding JSON value for c: Expected an int value, but got a Double: 1.5'],
    [`INSERT INTO ${KS}.j JSON '{"k": 1}'`, INVALID, 'Invalid null value in condition for column c'],
    [`INSERT INTO ${KS}.j JSON 'null'`, INVALID, 'Got null for INSERT JSON values'],
    [`INSERT INTO ${KS}.j JSON '{"k": 1,}'`, INVALID,
      "Could not decode JSON string as a map: com.fasterxml.jackson.core.JsonParseException: Unexpected character ('}' (code 125)): was expecting double-quote to start field name\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 9]. (String was: {\"k\": 1,})"],
    [`INSERT INTO ${KS}.j (k, c, t) VALUES (1, 1, fromJson('x'))`, FUNCTION_FAILURE,
      "execution of 'system.fromjson[text]' failed: Could not decode JSON string 'x': com.fasterxml.jackson.core.JsonParseException: Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 2]"],
    [`INSERT INTO ${KS}.j (k, c, d) VALUES (1, 1, fromJson('"x"'))`, FUNCTION_FAILURE, "org.apache.cassandra.serializers.MarshalException: Unable to make double from 'x'"],
    [`INSERT INTO ${KS}.j (k, c, d) VALUES (1, 1, toJson(1))`, INVALID, 'Type error: cannot assign result of function system.tojson (type text) to d (type double)'],
    [`SELECT fromJson(t) FROM ${KS}.j`, INVALID, 'fromjson() cannot be used in the selection clause of a SELECT statement'],
    [`SELECT fromJson(k) FROM ${KS}.j`, INVALID, 'Function system.fromjson requires an argument of type text, but found argument k of type int'],
    [`SELECT toJson() FROM ${KS}.j`, INVALID, 'Invalid number of arguments for function system.tojson(any)'],
    [`SELECT toJson(null) FROM ${KS}.j`, INVALID, 'Cannot infer type of argument NULL in call to function system.tojson(any): use type casts to disambiguate'],
  ];
  for (const [cql, code, message] of cases) {
    test(cql, async () => {
      const e = await serverError(cql);
      assert.deepEqual(e, { code, message });
    });
  }

  test('a null bound document', async () => {
    assert.deepEqual(await serverError(`INSERT INTO ${KS}.j JSON ?`, [null]), { code: INVALID, message: 'Got null for INSERT JSON values' });
  });
});
