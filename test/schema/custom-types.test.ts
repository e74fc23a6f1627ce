// Custom column types ('LexicalUUIDType', 'org.apache.cassandra.db.marshal.…'): the classes with a CQL type become it,
// the others stay custom — their full class name quoted in system_schema.columns and DESCRIBE, Custom (0x0000) with
// the class name for drivers, kept across a persisted round trip — and an unknown class is Cassandra's syntax error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyntaxError } from '../../src/model/errors.ts';
import { deserializeSchema, serializeSchema } from '../../src/schema/registry.ts';
import { describe } from '../../src/schema/describe.ts';
import { systemRows } from '../../src/schema/system_tables.ts';
import { withSystemKeyspaces } from '../../src/schema/system_defs.ts';
import { typeToCql } from '../../src/model/types.ts';
import { BodyWriter } from '../../src/protocol/buffers.ts';
import { writeTypeOption } from '../../src/protocol/type-option.ts';
import { apply, build } from './helpers.ts';

const M = 'org.apache.cassandra.db.marshal.';
const s = build([
  "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
  "CREATE TABLE ks.c (k 'LexicalUUIDType' PRIMARY KEY, b 'org.apache.cassandra.db.marshal.BytesType', d 'DynamicCompositeType(s=>UTF8Type,i=>Int32Type)', " +
    "u 'UTF8Type', r 'ReversedType(Int32Type)', l 'ListType(Int32Type)', f 'FrozenType(SetType(UTF8Type))', v 'CompositeType(UTF8Type, Int32Type)')",
], 'ks');
const table = s.keyspaces.get('ks')!.tables.get('c')!;

test('class names map to CQL types, or stay custom under their full names', () => {
  const types = Object.fromEntries([...table.columns.values()].map((c) => [c.name, typeToCql(c.type)]));
  assert.deepEqual(types, {
    k: `'${M}LexicalUUIDType'`, b: 'blob', d: `'${M}DynamicCompositeType(s=>${M}UTF8Type,i=>${M}Int32Type)'`, u: 'text', r: 'int',
    l: 'list<int>', f: 'frozen<set<text>>', v: `'${M}CompositeType(${M}UTF8Type,${M}Int32Type)'`,
  });
});

test('system_schema.columns, DESCRIBE and a persisted round trip show the class', () => {
  const full = withSystemKeyspaces(s);
  const cols = full.keyspaces.get('system_schema')!.tables.get('columns')!;
  const rows = systemRows(cols, { schema: full, local: {} as never, peers: [] }).filter((r) => r.keyspace_name === 'ks');
  assert.equal(rows.find((r) => r.column_name === 'k')!.type, `'${M}LexicalUUIDType'`);
  const out = describe({ kind: 'describe', target: { kind: 'table', name: { keyspace: 'ks', name: 'c' } }, withInternals: false }, s, 'ks', { clusterName: 'c', partitioner: 'p' });
  const ddl = String(out.rows[0]!.create_statement);
  assert.ok(ddl.includes(`    k '${M}LexicalUUIDType' PRIMARY KEY,`), ddl);
  assert.ok(ddl.includes(`    v '${M}CompositeType(${M}UTF8Type,${M}Int32Type)'`), ddl);
  const back = deserializeSchema(JSON.parse(JSON.stringify(serializeSchema(s))));
  assert.deepEqual(back.keyspaces.get('ks')!.tables.get('c')!.columns.get('d')!.type, table.columns.get('d')!.type);
  // DESCRIBE's output creates the same table again.
  const again = build([
    "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", ddl.slice(0, ddl.indexOf(') WITH') + 1),
  ], 'ks');
  assert.deepEqual(again.keyspaces.get('ks')!.tables.get('c')!.columns.get('v')!.type, table.columns.get('v')!.type);
});

test('drivers see Custom (0x0000) with the class name', () => {
  const w = new BodyWriter();
  writeTypeOption(w, table.columns.get('k')!.type, 4);
  const b = w.take();
  assert.equal(b.readUInt16BE(0), 0);
  const len = b.readUInt16BE(2);
  assert.equal(b.subarray(4, 4 + len).toString('utf8'), `${M}LexicalUUIDType`);
});

test("an unknown class is Cassandra's syntax error", () => {
  for (const [cls, shown] of [['NoSuchType', 'NoSuchType'], [`${M}NoSuchType`, `${M}NoSuchType`]]) {
    assert.throws(() => apply(s, `CREATE TABLE ks.x (k int PRIMARY KEY, v '${cls}')`, 'ks'), (e: unknown) =>
      e instanceof SyntaxError && e.message === `Error setting type ${shown}: Unable to find abstract-type class '${M}NoSuchType'`);
  }
});
