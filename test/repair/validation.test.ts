// Repair's validation on its own: two replicas holding the same partitions, in any order and written in any shape,
// build equal trees; one missed write or one newer cell shows as a difference covering that partition's token and
// little else; ranges that wrap past the ring's end are covered whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../src/coordinator/memory-store.ts';
import { MIN_TOKEN, murmur3Token } from '../../src/model/murmur3.ts';
import type { TableDef } from '../../src/schema/model.ts';
import { parseStatement } from '../../src/cql/parser.ts';
import { applyDdl, emptySchema, isDdlStatement } from '../../src/schema/registry.ts';
import { buildTree } from '../../src/repair/validation.ts';
import { contains, intersect, unwrap } from '../../src/streaming/ranges.ts';
import type { PartitionData } from '../../src/storage/types.ts';

function makeTable(): TableDef {
  let schema = emptySchema();
  for (const cql of ["CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)']) {
    const stmt = parseStatement(cql).statement;
    assert.ok(isDdlStatement(stmt));
    schema = applyDdl(schema, stmt, undefined, { nowMicros: 0, newTableId: () => '00000000-0000-4000-8000-000000000011' }).schema;
  }
  return schema.keyspaces.get('ks')!.tables.get('t')!;
}
const table = makeTable();

function partition(k: number, v: string, ts: number): PartitionData {
  const key = Buffer.alloc(4);
  key.writeInt32BE(k);
  return { key, token: murmur3Token(key), rangeTombstones: [], rows: [{ clustering: [], marker: { ts }, cells: { v: { ts, v: Buffer.from(v) } } }] };
}

test('equal contents give equal trees; a missed or newer write is found at its token', () => {
  const a = new MemoryStore();
  const b = new MemoryStore();
  for (let k = 0; k < 500; k++) a.applySync(table, partition(k, `v${k}`, 1));
  for (let k = 499; k >= 0; k--) b.applySync(table, partition(k, `v${k}`, 1));
  const full = { left: MIN_TOKEN, right: MIN_TOKEN };
  assert.deepEqual(buildTree(a, table, full, 10, 0).difference(buildTree(b, table, full, 10, 0)), []);
  b.applySync(table, partition(7, 'newer', 2));
  b.applySync(table, partition(1000, 'missed by a', 2));
  const diff = buildTree(a, table, full, 10, 0).difference(buildTree(b, table, full, 10, 0));
  for (const k of [7, 1000]) assert.ok(diff.some((r) => contains(r, partition(k, '', 0).token)), `key ${k} is in a differing range`);
  assert.ok(diff.length <= 2);
});

test('a wrapping range is validated whole, and ranges unwrap and intersect as Cassandra splits them', () => {
  const a = new MemoryStore();
  for (let k = 0; k < 300; k++) a.applySync(table, partition(k, `v${k}`, 1));
  const wrapping = { left: 1n << 62n, right: -(1n << 62n) };
  const tree = buildTree(a, table, wrapping, 6, 0);
  const expected = [...Array(300).keys()].filter((k) => contains(wrapping, partition(k, '', 0).token)).length;
  assert.equal(tree.partitions, expected);
  assert.deepEqual(unwrap(wrapping).length, 2);
  assert.deepEqual(intersect(wrapping, { left: 0n, right: (1n << 62n) + 100n }), [{ left: 1n << 62n, right: (1n << 62n) + 100n }]);
  assert.deepEqual(intersect({ left: 0n, right: 10n }, { left: 5n, right: 20n }), [{ left: 5n, right: 10n }]);
  assert.deepEqual(intersect({ left: 0n, right: 10n }, { left: 10n, right: 20n }), []);
});
