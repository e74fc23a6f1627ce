// User-defined functions and aggregates through cassandra-driver against real nodes: 127.0.66.3 with
// user_defined_functions_enabled, 127.0.66.4 without (Cassandra 5.0's default, and its refusal). JavaScript
// functions run in SELECT selectors (prepared and not, null input rules), aggregates with and without GROUP BY,
// Java functions are stored and described but refused when called, the sandbox holds (no process, no eval, a time
// limit), system_schema rows, DESCRIBE, the driver's metadata, drops and their refusals, and a restart. Also runs
// test/drivers/python/udf.py (the Python driver's function and aggregate metadata) against the node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'cassandra-driver';
import { REPO_ROOT, startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig } from '../fixtures/driver.ts';

const ADDRESS = '127.0.66.3';
const DISABLED_ADDRESS = '127.0.66.4';
const KS = 'udf_ks';
const DISABLED = 'User-defined functions are disabled in cassandra.yaml - set user_defined_functions_enabled=true to enable';

let node: NodeProcess;
let client: Client;

before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig({ userDefinedFunctionsEnabled: true }) });
  client = await connectClient(ADDRESS);
  await client.execute(`CREATE KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`CREATE TABLE ${KS}.t (k int, c int, v int, s text, PRIMARY KEY (k, c))`);
  for (let k = 0; k < 3; k++) for (let c = 0; c < 4; c++) {
    await client.execute(`INSERT INTO ${KS}.t (k, c, v, s) VALUES (?, ?, ?, ?)`, [k, c, c === 3 ? null : k * 10 + c, `s${c}`], { prepare: true });
  }
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

async function rejects(cql: string, message: string): Promise<void> {
  await assert.rejects(client.execute(cql), (e: Error) => {
    assert.equal(e.message, message);
    return true;
  });
}

const rows = async (cql: string, params: unknown[] = [], prepare = false): Promise<unknown[][]> => {
  const rs = await client.execute(cql, params, { prepare });
  return rs.rows.map((r) => rs.columns.map((col) => r[col.name] as unknown));
};

describe('user-defined functions', () => {
  test('refused when user_defined_functions_enabled is false, as Cassandra 5.0 does', async () => {
    const other = await startNodeProcess({ address: DISABLED_ADDRESS, config: nodeConfig() });
    const c = await connectClient(DISABLED_ADDRESS);
    try {
      await c.execute(`CREATE KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
      await assert.rejects(c.execute(`CREATE FUNCTION ${KS}.f(x int) CALLED ON NULL INPUT RETURNS int LANGUAGE java AS 'return x;'`), { message: DISABLED });
      await assert.rejects(c.execute(`CREATE OR REPLACE FUNCTION IF NOT EXISTS ${KS}.f(x int) CALLED ON NULL INPUT RETURNS int LANGUAGE java AS 'return x;'`),
        { message: "Cannot use both 'OR REPLACE' and 'IF NOT EXISTS' directives" });
      await assert.rejects(c.execute(`DROP FUNCTION ${KS}.nope`), { message: `Function '${KS}.nope' doesn't exist` });
    } finally {
      await c.shutdown();
      await other.stop();
    }
  });

  test('a JavaScript function in selectors, prepared and not, with the null-input rules', async () => {
    await client.execute(`CREATE FUNCTION ${KS}.plus(a int, b int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE javascript AS 'a + b'`);
    await client.execute(`CREATE FUNCTION ${KS}.orzero(a int) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS 'a === null ? 0 : a'`);
    await client.execute(`CREATE FUNCTION ${KS}.shout(x text) RETURNS NULL ON NULL INPUT RETURNS text LANGUAGE javascript AS 'x.toUpperCase() + "!"'`);
    const rs = await client.execute(`SELECT c, ${KS}.plus(c, v), orzero(v), shout(s) FROM ${KS}.t WHERE k = 1`);
    assert.deepEqual(rs.columns.map((col) => col.name), ['c', `${KS}.plus(c, v)`, `${KS}.orzero(v)`, `${KS}.shout(s)`]);
    assert.deepEqual(rs.rows.map((r) => Object.values(r)), [[0, 10, 10, 'S0!'], [1, 12, 11, 'S1!'], [2, 14, 12, 'S2!'], [3, null, 0, 'S3!']]);
    assert.deepEqual(await rows(`SELECT plus(v, ?) FROM ${KS}.t WHERE k = ? AND c = ?`, [100, 2, 1], true), [[121]]);
    assert.deepEqual(await rows(`SELECT plus(v, 5) FROM ${KS}.t WHERE k = 2 AND c = 0`), [[25]]);
    await rejects(`SELECT nope(v) FROM ${KS}.t`, "Unknown function 'nope'");
  });

  test('functions in INSERT values and WHERE terms, prepared and not', async () => {
    await client.execute(`INSERT INTO ${KS}.t (k, c, v, s) VALUES (9, 0, plus(1, 2), shout('a'))`);
    await client.execute(`INSERT INTO ${KS}.t (k, c, v, s) VALUES (?, ?, plus(?, 10), 'p')`, [9, 1, 5], { prepare: true });
    assert.deepEqual(await rows(`SELECT c, v, s FROM ${KS}.t WHERE k = 9`), [[0, 3, 'A!'], [1, 15, 'p']]);
    assert.deepEqual(await rows(`SELECT v FROM ${KS}.t WHERE k = 9 AND c = plus(0, 1)`), [[15]]);
    await rejects(`INSERT INTO ${KS}.t (k, c, s) VALUES (9, 2, plus(1, 2))`, `Type error: cannot assign result of function ${KS}.plus (type int) to s (type text)`);
    await client.execute(`DELETE FROM ${KS}.t WHERE k = 9`);
  });

  test('aggregates: state and final functions, INITCOND, with and without GROUP BY', async () => {
    await client.execute(`CREATE FUNCTION ${KS}.acc(st int, v int) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS 'v === null ? st : st + v'`);
    await client.execute(`CREATE FUNCTION ${KS}.label(st int) RETURNS NULL ON NULL INPUT RETURNS text LANGUAGE javascript AS '"total " + st'`);
    await client.execute(`CREATE AGGREGATE ${KS}.total(int) SFUNC acc STYPE int FINALFUNC label INITCOND 100`);
    await client.execute(`CREATE AGGREGATE ${KS}.plain(int) SFUNC acc STYPE int INITCOND 0`);
    assert.deepEqual(await rows(`SELECT ${KS}.total(v) FROM ${KS}.t WHERE k = 1`), [['total 133']]);
    const grouped = await rows(`SELECT k, plain(v) FROM ${KS}.t GROUP BY k`);
    assert.deepEqual(new Map(grouped.map(([k, v]) => [k, v])), new Map([[0, 3], [1, 33], [2, 63]]));
    const rs = await client.execute(`SELECT total(v) FROM ${KS}.t`);
    assert.deepEqual(rs.info.warnings, ['Aggregation query used without partition key']);
    assert.deepEqual(rs.rows.map((r) => Object.values(r)), [['total 199']]);
    await rejects(`CREATE AGGREGATE ${KS}.bad(int) SFUNC nope STYPE int`, `State function ${KS}.nope(int, int) doesn't exist`);
    await rejects(`DROP FUNCTION ${KS}.acc`, `Function '${KS}.acc' is still referenced by aggregates ${KS}.total, ${KS}.plain`);
  });

  test('Java functions are stored and described but refused when called', async () => {
    await client.execute(`CREATE FUNCTION ${KS}.jfn(x int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java AS 'return x * 2;'`);
    await rejects(`SELECT jfn(v) FROM ${KS}.t WHERE k = 0`,
      `Function '${KS}.jfn' is written in java, which Sibyl stores but cannot execute; only LANGUAGE javascript functions can be called`);
    const row = (await client.execute(`SELECT * FROM system_schema.functions WHERE keyspace_name = ? AND function_name = ?`, [KS, 'jfn'], { prepare: true })).first();
    assert.deepEqual([row['argument_names'], row['argument_types'], row['body'], row['called_on_null_input'], row['language'], row['return_type']],
      [['x'], ['int'], 'return x * 2;', false, 'java', 'int']);
    const ddl = (await client.execute(`DESCRIBE KEYSPACE ${KS}`)).rows.map((r) => r['create_statement'] as string);
    assert.ok(ddl.includes(`CREATE FUNCTION ${KS}.jfn(x int)\n    RETURNS NULL ON NULL INPUT\n    RETURNS int\n    LANGUAGE java\n    AS $$return x * 2;$$;`), ddl.join('\n'));
    assert.ok(ddl.includes(`CREATE AGGREGATE ${KS}.total(int)\n    SFUNC acc\n    STYPE int\n    FINALFUNC label\n    INITCOND 100;`), ddl.join('\n'));
    const one = (await client.execute(`DESCRIBE FUNCTION ${KS}.jfn`)).rows.map((r) => [r['type'], r['name']]);
    assert.deepEqual(one, [['function', 'jfn(int)']]);
    const aggs = (await client.execute(`DESCRIBE AGGREGATES`)).rows.filter((r) => r['keyspace_name'] === KS).map((r) => r['name']);
    assert.deepEqual(aggs, ['plain(int)', 'total(int)']);
    await rejects(`DESCRIBE FUNCTION ${KS}.nope`, `User defined function 'nope' not found in '${KS}'`);
  });

  test('the sandbox: no process, no eval, a time limit', async () => {
    await client.execute(`CREATE FUNCTION ${KS}.probe() CALLED ON NULL INPUT RETURNS text LANGUAGE javascript AS 'typeof process + "," + typeof require + "," + typeof setTimeout'`);
    assert.deepEqual(await rows(`SELECT probe() FROM ${KS}.t WHERE k = 0 AND c = 0`), [['undefined,undefined,undefined']]);
    await client.execute(`CREATE FUNCTION ${KS}.escape() CALLED ON NULL INPUT RETURNS text LANGUAGE javascript AS 'this.constructor.constructor("return process")().pid'`);
    await assert.rejects(client.execute(`SELECT escape() FROM ${KS}.t WHERE k = 0 AND c = 0`), (e: Error & { code?: number }) => {
      assert.equal(e.code, 0x1400, e.message);
      assert.match(e.message, /^execution of 'udf_ks.escape\[\]' failed: /);
      return true;
    });
    await client.execute(`CREATE FUNCTION ${KS}.spin() CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS 'while (true) {}'`);
    const started = performance.now();
    await assert.rejects(client.execute(`SELECT spin() FROM ${KS}.t WHERE k = 0 AND c = 0`), /Script execution timed out/);
    assert.ok(performance.now() - started < 5000);
  });

  test('system_schema, the driver metadata, drops, and a restart', async () => {
    const fn = await client.metadata.getFunction(KS, 'plus', ['int', 'int']);
    assert.ok(fn, 'the driver finds the function');
    assert.equal((fn as unknown as { language: string }).language, 'javascript');
    const agg = await client.metadata.getAggregate(KS, 'total', ['int']);
    assert.ok(agg, 'the driver finds the aggregate');
    assert.equal((agg as unknown as { stateFunction: string }).stateFunction, 'acc');
    const aggs = await rows(`SELECT aggregate_name, argument_types, final_func, initcond, return_type, state_func, state_type FROM system_schema.aggregates WHERE keyspace_name = '${KS}'`);
    assert.deepEqual(aggs, [['plain', ['int'], null, '0', 'int', 'acc', 'int'], ['total', ['int'], 'label', '100', 'text', 'acc', 'int']]);
    await node.restart();
    await client.shutdown();
    client = await connectClient(ADDRESS);
    assert.deepEqual(await rows(`SELECT plus(v, 1) FROM ${KS}.t WHERE k = 2 AND c = 0`), [[21]]);
    await client.execute(`DROP AGGREGATE ${KS}.plain`);
    await client.execute(`DROP AGGREGATE ${KS}.total(int)`);
    await client.execute(`DROP FUNCTION ${KS}.acc`);
    await rejects(`DROP FUNCTION ${KS}.acc(int, int)`, `Function '${KS}.acc(int, int)' doesn't exist`);
    await client.execute(`DROP FUNCTION IF EXISTS ${KS}.acc`);
    await rejects(`CREATE FUNCTION ${KS}.plus(a int, b int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE javascript AS 'a'`, `Function '${KS}.plus' already exists`);
    await client.execute(`CREATE OR REPLACE FUNCTION ${KS}.plus(a int, b int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE javascript AS 'a * b'`);
    assert.deepEqual(await rows(`SELECT plus(v, 2) FROM ${KS}.t WHERE k = 2 AND c = 0`), [[40]]);
  });

  test('the Python driver sees the functions and aggregates', () => {
    const r = spawnSync('/usr/bin/python3', ['-W', 'ignore', '-P', join(REPO_ROOT, 'test', 'drivers', 'python', 'udf.py')], {
      env: { ...process.env, SIBYL_HOST: ADDRESS, SIBYL_KEYSPACE: 'udf_py' },
      encoding: 'utf8',
      timeout: 90_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(r.stdout.trim().split('\n').at(-1), 'OK', r.stdout);
  });
});
