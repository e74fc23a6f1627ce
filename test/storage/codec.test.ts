import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { decodeHeader, decodeRow, encodeHeader, encodeRow, type Header } from '../../src/storage/codec.ts';
import type { Bound, Cell, ColumnData, Row, Tombstone } from '../../src/storage/types.ts';
import { MutationEncoder, decodeMutation } from '../../src/storage/mutation-codec.ts';
import type { TableDef } from '../../src/schema/model.ts';

const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
// µs timestamps, second counts and negative/fractional numbers must all round-trip exactly.
const num = fc.oneof(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.double({ noNaN: true }), fc.constant(0));
const tombstone: fc.Arbitrary<Tombstone> = fc.record({ ts: num, ldt: num });
const cell: fc.Arbitrary<Cell> = fc.record(
  { ts: num, v: fc.option(bytes, { nil: null }), ttl: num, ldt: num },
  { requiredKeys: ['ts', 'v'] },
);
const column: fc.Arbitrary<ColumnData> = fc.oneof(
  cell,
  fc.record(
    { deletion: tombstone, cells: fc.array(fc.record({ path: bytes, cell }), { maxLength: 4 }) },
    { requiredKeys: ['cells'] },
  ),
);
const names = fc.oneof(fc.constantFrom('C0', 'C1', 'v', 'value', 'a'), fc.string({ maxLength: 70 }), fc.string({ unit: 'grapheme', maxLength: 8 }));
const rowArb: fc.Arbitrary<Row> = fc.record(
  {
    clustering: fc.array(bytes, { maxLength: 3 }),
    marker: fc.record({ ts: num, ttl: num, ldt: num }, { requiredKeys: ['ts'] }),
    deletion: tombstone,
    cells: fc.dictionary(names, column, { maxKeys: 6 }),
  },
  { requiredKeys: ['clustering', 'cells'] },
);
const bound: fc.Arbitrary<Bound> = fc.record({ prefix: fc.array(bytes, { maxLength: 3 }), inclusive: fc.boolean() });
const headerArb: fc.Arbitrary<Header> = fc.record(
  {
    deletion: tombstone,
    rangeTombstones: fc.array(fc.record({ start: bound, end: bound, deletion: tombstone }), { maxLength: 3 }),
    staticRow: rowArb,
  },
  { requiredKeys: ['rangeTombstones'] },
);

/** Plain-object form: Buffers compared by content, and cell-name order does not matter. */
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => {
  if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') return Buffer.from((v as { data: number[] }).data).toString('hex');
  if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)));
  return v;
}));

test('rows round-trip through the binary encoding, from a copy or from a reused buffer', () => {
  fc.assert(fc.property(rowArb, (r) => {
    const encoded = encodeRow(r);
    assert.deepEqual(plain(decodeRow(encoded)), plain(r));
    const own = Buffer.from(encoded);
    const decoded = decodeRow(own, true);
    encodeRow({ clustering: [], cells: {} }); // reusing the scratch buffer must not disturb decoded values
    assert.deepEqual(plain(decoded), plain(r));
  }));
});

test('headers round-trip through the binary encoding', () => {
  fc.assert(fc.property(headerArb, (h) => {
    assert.deepEqual(plain(decodeHeader(Buffer.from(encodeHeader(h)), true)), plain(h));
  }));
});

test('values written with msgpack by earlier versions still decode', () => {
  const packr = new Packr({ useRecords: false });
  const r: Row = { clustering: [Buffer.from([1, 2])], marker: { ts: 5 }, cells: { v: { ts: 5, v: Buffer.from('x') } } };
  const h: Header = { deletion: { ts: 3, ldt: 4 }, rangeTombstones: [] };
  assert.deepEqual(plain(decodeRow(packr.pack(r))), plain(r));
  assert.deepEqual(plain(decodeHeader(packr.pack(h))), plain(h));
});

test('decoding copies out of a buffer that lmdb-js reuses (length property smaller than the allocation)', () => {
  const r: Row = { clustering: [], cells: { C0: { ts: 1, v: Buffer.from('abc') } } };
  const encoded = Buffer.from(encodeRow(r));
  const shared = Buffer.alloc(1024);
  encoded.copy(shared);
  Object.defineProperty(shared, 'length', { value: encoded.length, writable: true, configurable: true });
  const decoded = decodeRow(shared);
  shared.fill(0);
  assert.deepEqual(plain(decoded), plain(r));
});

test('a commit log entry holds each row as encodeRow encodes it, whatever the width of its length (1 to 3 bytes)', () => {
  const encoder = new MutationEncoder();
  const table = { id: '6d3a1a70-1c8e-11ef-8000-000000000001' } as TableDef;
  for (const size of [0, 10, 100, 126, 127, 128, 300, 16_300, 16_400, 70_000]) {
    const row: Row = { clustering: [Buffer.from('k')], cells: { C0: { ts: 1, v: Buffer.alloc(size, 7) } } };
    const other: Row = { clustering: [], cells: { a: { ts: 2, v: Buffer.from('x') } } };
    const update = { key: Buffer.from('pk'), token: 42n, rangeTombstones: [], rows: [row, other] };
    const { entry, layout } = encoder.encode([{ table, update }, { table, update: { ...update, rows: [other] } }]);
    const bytesOf = (r: Row): Buffer => Buffer.from(encodeRow(r));
    assert.deepEqual(entry.subarray(...layout[0]!.rows[0]!), bytesOf(row));
    assert.deepEqual(entry.subarray(...layout[0]!.rows[1]!), bytesOf(other));
    assert.deepEqual(entry.subarray(...layout[1]!.rows[0]!), bytesOf(other));
    const decoded = decodeMutation(Buffer.from(entry));
    assert.equal(decoded.length, 2);
    assert.deepEqual(decoded[0]!.update.rows.map((r) => Buffer.from(encodeRow(r))), [bytesOf(row), bytesOf(other)]);
  }
});
