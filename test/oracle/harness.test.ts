// The oracle harness's own parts that need no server: scenario parsing and known-divergence matching.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScenario } from './harness/case-file.ts';
import { matches } from './harness/known.ts';
import { normalizeValue } from './harness/normalize.ts';
import cassandra from 'cassandra-driver';

test('statements split at a line-final semicolon, batches at APPLY BATCH; directives attach to the next statement', () => {
  const sc = parseScenario([
    '-- a comment', 'CREATE TABLE t (k int PRIMARY KEY,', '  v text);', '-- @paged 2', '-- @unordered', 'SELECT * FROM t;',
    'BEGIN BATCH', "INSERT INTO t (k, v) VALUES (1, 'a;');", 'APPLY BATCH;', '-- @params [1]', 'SELECT * FROM t WHERE k = ?;',
  ].join('\n'), 'area/x', 'x.cql');
  assert.equal(sc.area, 'area');
  assert.deepEqual(sc.statements.map((s) => [s.no, s.line]), [[1, 2], [2, 6], [3, 7], [4, 11]]);
  assert.equal(sc.statements[0]!.cql, 'CREATE TABLE t (k int PRIMARY KEY,\n  v text)');
  assert.deepEqual([sc.statements[1]!.pageSize, sc.statements[1]!.unordered], [2, true]);
  assert.match(sc.statements[2]!.cql, /^BEGIN BATCH\n.*\nAPPLY BATCH$/);
  assert.deepEqual(sc.statements[3]!.params, [1]);
  assert.throws(() => parseScenario('SELECT 1 FROM t', 'a/b', 'b.cql'), /without a closing/);
  assert.throws(() => parseScenario('-- @nosuch\nSELECT 1 FROM t;', 'a/b', 'b.cql'), /unknown directive/);
});

test('known keys: exact, a whole scenario, or one aspect everywhere', () => {
  const k = (key: string) => ({ key, reason: 'r', line: 1 });
  assert.ok(matches(k('a/b#3 rows'), 'a/b#3 rows'));
  assert.ok(!matches(k('a/b#3 rows'), 'a/b#31 rows'));
  assert.ok(matches(k('a/b#*'), 'a/b#12 error-message'));
  assert.ok(matches(k('a/b#*'), 'a/b schema:tables.comment'));
  assert.ok(!matches(k('a/b#*'), 'a/bc#1 rows'));
  assert.ok(matches(k('* schema:tables.memtable'), 'x/y schema:tables.memtable'));
  assert.ok(!matches(k('* schema:tables.memtable'), 'x/y schema:tables.cdc'));
});

test('values are tagged by the declared type, so NaN, -0 and big integers survive JSON', () => {
  const { dataTypes } = cassandra.types;
  assert.equal(normalizeValue(Number.NaN, { code: dataTypes.double }), 'NaN');
  assert.equal(normalizeValue(-0, { code: dataTypes.float }), '-0');
  assert.equal(normalizeValue(cassandra.types.Long.fromString('9223372036854775807'), { code: dataTypes.bigint }), '9223372036854775807');
  assert.equal(normalizeValue(Buffer.from([0xca, 0xfe]), { code: dataTypes.blob }), '0xcafe');
  assert.deepEqual(normalizeValue(new Map([['a', 1]]), { code: dataTypes.map, info: [{ code: dataTypes.text }, { code: dataTypes.int }] }), [['a', 1]]);
});

test('the known type signatures of a function are compared as a set (Cassandra lists them in hash order)', async () => {
  const { signatureOrderFree } = await import('./harness/compare.ts');
  const a = 'Invalid call to function sum, none of its type signatures match (known type signatures: system.sum : (int) -> int, system.sum : (bigint) -> bigint)';
  const b = 'Invalid call to function sum, none of its type signatures match (known type signatures: system.sum : (bigint) -> bigint, system.sum : (int) -> int)';
  assert.equal(signatureOrderFree(a), signatureOrderFree(b));
  assert.notEqual(signatureOrderFree(a), signatureOrderFree(a.replace('(int) -> int', '(int) -> bigint')));
});
