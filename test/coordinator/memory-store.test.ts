import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatement } from '../../src/cql/parser.ts';
import { applyDdl, emptySchema, isDdlStatement } from '../../src/schema/registry.ts';
import type { TableDef } from '../../src/schema/model.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import { MemoryStore } from '../../src/coordinator/memory-store.ts';
import type { Cell, PartitionData, Row } from '../../src/storage/types.ts';

function table(): TableDef {
  let schema = emptySchema();
  for (const cql of [
    "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    'CREATE TABLE ks.c (k int, c int, v text, PRIMARY KEY (k, c))',
  ]) {
    const stmt = parseStatement(cql).statement;
    assert.ok(isDdlStatement(stmt));
    schema = applyDdl(schema, stmt, undefined, { nowMicros: 0, newTableId: () => '00000000-0000-4000-8000-000000000009' }).schema;
  }
  return schema.keyspaces.get('ks')!.tables.get('c')!;
}

const int = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const row = (c: number, v: string, ts: number): Row => ({ clustering: [int(c)], marker: { ts }, cells: { v: { ts, v: Buffer.from(v) } } });
const part = (k: number, rows: Row[], extra: Partial<PartitionData> = {}): PartitionData =>
  ({ key: int(k), token: murmur3Token(int(k)), rangeTombstones: [], rows, ...extra });
const values = (p: PartitionData | undefined): string[] => (p?.rows ?? []).map((r) => (r.cells['v'] as Cell).v!.toString());

test('apply merges by timestamp; read honours slices, row limits and reversal', async () => {
  const t = table();
  const s = new MemoryStore();
  await s.apply(t, part(1, [row(1, 'a', 10), row(3, 'c', 10)]));
  await s.applyMany([{ table: t, update: part(1, [row(1, 'old', 5), row(2, 'b', 10)]) }, { table: t, update: part(1, [row(3, 'C', 20)]) }]);
  const k = int(1);
  const tok = murmur3Token(k);
  assert.deepEqual(values(s.read(t, k, tok, {}, 0)), ['a', 'b', 'C']);
  const slice = { start: { prefix: [int(2)], inclusive: true }, end: { prefix: [], inclusive: true } };
  assert.deepEqual(values(s.read(t, k, tok, { slices: [slice] }, 0)), ['b', 'C']);
  assert.deepEqual(values(s.read(t, k, tok, { rowLimit: 2 }, 0)), ['a', 'b']);
  assert.deepEqual(values(s.read(t, k, tok, { rowLimit: 1, reversed: true }, 0)), ['C']);
  assert.equal(s.read(t, int(2), murmur3Token(int(2)), {}, 0), undefined);
  // A partition deletion newer than the rows shadows them.
  await s.apply(t, part(1, [], { deletion: { ts: 15, ldt: 0 } }));
  assert.deepEqual(values(s.read(t, k, tok, {}, 0)), ['C']);
});

test('scan walks partitions in token order from a position, with a partition limit; truncate empties', async () => {
  const t = table();
  const s = new MemoryStore();
  for (let k = 0; k < 10; k++) await s.apply(t, part(k, [row(1, `v${k}`, 1)]));
  const all = s.scan(t, {}, {}, 100, 0);
  assert.equal(all.length, 10);
  const tokens = all.map((p) => p.token);
  assert.deepEqual(tokens, [...tokens].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const third = all[2]!;
  assert.deepEqual(s.scan(t, { start: { token: third.token, key: third.key, inclusive: false } }, {}, 3, 0).map((p) => p.token), tokens.slice(3, 6));
  assert.deepEqual(s.scan(t, { start: { token: third.token, inclusive: true } }, {}, 2, 0).map((p) => p.token), tokens.slice(2, 4));
  assert.deepEqual(s.scan(t, { endToken: tokens[4] }, {}, 100, 0).map((p) => p.token), tokens.slice(0, 5));
  await s.truncate(t);
  assert.equal(s.size(t), 0);
  assert.deepEqual(s.scan(t, {}, {}, 100, 0), []);
});
