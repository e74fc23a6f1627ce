import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CqlType } from '../../src/model/types.ts';
import { T } from '../../src/model/types.ts';
import { mergePartitions, reconcileCell, reconcileMarker } from '../../src/storage/merge.ts';
import { liveRows } from '../../src/storage/live.ts';
import type { Cell, ComplexColumn, PartitionData, RangeTombstone, Row, Tombstone } from '../../src/storage/types.ts';
import { cell, coll, int, makeTable, mapVal, partition, row, text, tomb, tupleVal } from './helpers.ts';
import { withPlainObjects } from '../helpers/plain.ts';

const listType: CqlType = { kind: 'list', element: T.int, frozen: false };
const mapType: CqlType = { kind: 'map', key: T.int, value: T.text, frozen: false };
const setType: CqlType = { kind: 'set', element: T.text, frozen: false };
const udtType: CqlType = { kind: 'udt', keyspace: 'ks', name: 'u', fieldNames: ['a', 'b', 'c'], fieldTypes: [T.int, T.text, T.int], frozen: false };
const table = makeTable({
  clustering: [{ name: 'c', type: T.int }],
  regular: [{ name: 'v', type: T.int }, { name: 'w', type: T.text }, { name: 'm', type: mapType }, { name: 'l', type: listType },
    { name: 's', type: setType }, { name: 'u', type: udtType }],
  statics: [{ name: 'st', type: T.int }],
});
const K = Buffer.from('k');

test('LWW: higher timestamp wins regardless of kind', () => {
  assert.deepEqual(reconcileCell(cell(2, int(1)), cell(1, int(9))), cell(2, int(1)));
  assert.deepEqual(reconcileCell(tomb(1, 100), cell(2, int(1))), cell(2, int(1)));
  assert.deepEqual(reconcileCell(cell(1, int(1)), tomb(2, 100)), tomb(2, 100));
});

test('tie-breaks follow Cassandra 4 Cells.reconcile', () => {
  // Tombstone beats live cell on equal timestamps.
  assert.deepEqual(reconcileCell(cell(5, int(9)), tomb(5, 10)), tomb(5, 10));
  // Expiring beats plain live (it is a future tombstone).
  const exp = cell(5, int(1), { ttl: 10, ldt: 200 });
  assert.deepEqual(reconcileCell(cell(5, int(9)), exp), exp);
  // Tombstone beats expiring.
  assert.deepEqual(reconcileCell(exp, tomb(5, 1)), tomb(5, 1));
  // Two expiring: later expiry wins even with the smaller value.
  const later = cell(5, int(0), { ttl: 10, ldt: 300 });
  assert.deepEqual(reconcileCell(exp, later), later);
  // Two tombstones: later deletion time.
  assert.deepEqual(reconcileCell(tomb(5, 10), tomb(5, 11)), tomb(5, 11));
  // Two live: greater value bytes.
  assert.deepEqual(reconcileCell(cell(5, int(1)), cell(5, int(2))), cell(5, int(2)));
  assert.deepEqual(reconcileCell(cell(5, text('b')), cell(5, text('ab'))), cell(5, text('b')));
  // Markers: timestamp, then expiring over plain.
  assert.deepEqual(reconcileMarker({ ts: 3 }, { ts: 3, ttl: 5, ldt: 10 }), { ts: 3, ttl: 5, ldt: 10 });
  assert.deepEqual(reconcileMarker({ ts: 4 }, { ts: 3, ttl: 5, ldt: 10 }), { ts: 4 });
});

test('merge drops data shadowed by row, range and partition deletions', () => {
  const a = partition(K, 1n, {
    rows: [row([int(1)], { v: cell(5, int(1)) }, { marker: { ts: 5 } }), row([int(2)], { v: cell(5, int(2)), w: cell(9, text('x')) }),
      row([int(3)], { v: cell(5, int(3)) })],
  });
  const b = partition(K, 1n, {
    rangeTombstones: [{ start: { prefix: [int(2)], inclusive: true }, end: { prefix: [int(3)], inclusive: false }, deletion: { ts: 6, ldt: 50 } }],
    rows: [row([int(1)], {}, { deletion: { ts: 5, ldt: 50 } })],
  });
  const m = withPlainObjects(mergePartitions(table, a, b));
  assert.deepEqual(m.rows.map((r) => r.clustering[0].readInt32BE(0)), [1, 2, 3]);
  assert.deepEqual(m.rows[0], row([int(1)], {}, { deletion: { ts: 5, ldt: 50 } }));
  assert.deepEqual(m.rows[1].cells, { w: cell(9, text('x')) });
  assert.deepEqual(m.rows[2].cells, { v: cell(5, int(3)) });
  const pd = mergePartitions(table, m, partition(K, 1n, { deletion: { ts: 8, ldt: 60 } }));
  assert.deepEqual(pd.rangeTombstones, []);
  assert.deepEqual(pd.rows.map((r) => Object.keys(r.cells)), [['w']]);
  assert.deepEqual(liveRows(table, pd, 0).rows.map((r) => r.cells.w.value.toString()), ['x']);
});

test('liveRows: TTL expiry, markers, static row, complex columns', () => {
  const p = partition(K, 1n, {
    staticRow: row([], { st: cell(1, int(7)) }),
    rows: [
      row([int(1)], { v: cell(1, int(1), { ttl: 10, ldt: 110 }) }),
      row([int(2)], {}, { marker: { ts: 1, ttl: 10, ldt: 110 } }),
      row([int(3)], {}, { marker: { ts: 1 } }),
      row([int(4)], {
        m: { deletion: { ts: 1, ldt: 0 }, cells: [{ path: int(1), cell: cell(2, text('a')) }, { path: int(2), cell: cell(1, text('old')) }, { path: int(3), cell: tomb(3, 0) }] },
        l: { cells: [{ path: Buffer.alloc(16, 1), cell: cell(2, int(10)) }, { path: Buffer.alloc(16, 2), cell: cell(3, int(20)) }] },
        s: { cells: [{ path: text('x'), cell: cell(2, Buffer.alloc(0)) }] },
        u: { cells: [{ path: Buffer.from([0, 1]), cell: cell(4, text('B')) }] },
      }),
    ],
  });
  const at100 = liveRows(table, p, 100);
  assert.equal(at100.staticRow?.cells.st.value.readInt32BE(0), 7);
  assert.equal(at100.staticRow?.isStatic, true);
  assert.deepEqual(at100.rows.map((r) => r.clustering[0].readInt32BE(0)), [1, 2, 3, 4]);
  assert.equal(at100.rows[0].cells.v.ttl, 10);
  const r4 = at100.rows[3].cells;
  assert.deepEqual(r4.m.value, mapVal([[int(1), text('a')]]));
  assert.equal(r4.m.ts, 2);
  assert.deepEqual(r4.l.value, coll([int(10), int(20)]));
  assert.equal(r4.l.ts, 3);
  assert.deepEqual(r4.s.value, coll([text('x')]));
  // A non-frozen UDT reads back with every field of its type, missing ones null (Cassandra's UserType does the same).
  assert.deepEqual(r4.u.value, tupleVal([null, text('B'), null]));
  const at110 = liveRows(table, p, 110);
  assert.deepEqual(at110.rows.map((r) => r.clustering[0].readInt32BE(0)), [3, 4], 'expired cell and marker vanish at ldt');
  const deleted = liveRows(table, { ...p, deletion: { ts: 10, ldt: 0 } }, 100);
  assert.deepEqual(deleted, { rows: [] });
});

// ---- merge properties over random partitions ----
const ts = fc.integer({ min: 1, max: 4 });
const ldt = fc.integer({ min: 100, max: 102 });
const plain = <O extends object>(o: O): O => ({ ...o }); // fast-check may build null-prototype records
const tombArb: fc.Arbitrary<Tombstone> = fc.record({ ts, ldt }).map(plain);
const cellArb: fc.Arbitrary<Cell> = fc.oneof(
  fc.record({ ts, v: fc.integer({ min: 0, max: 2 }).map(int) }),
  fc.record({ ts, v: fc.integer({ min: 0, max: 2 }).map(int), ttl: fc.constantFrom(5, 6), ldt }),
  fc.record({ ts, v: fc.constant(null), ldt }),
).map(plain);
const complexArb: fc.Arbitrary<ComplexColumn> = fc.record({
  deletion: fc.option(tombArb, { nil: undefined }),
  cells: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }).map((ks) => ks.sort((a, b) => a - b))
    .chain((ks) => fc.tuple(...ks.map((k) => cellArb.map((c) => ({ path: int(k), cell: c }))))),
}).map((c) => (c.deletion ? c : { cells: c.cells }));
const markerArb = fc.oneof(fc.record({ ts }), fc.record({ ts, ttl: fc.constant(5), ldt })).map(plain);
function rowArb(clustering: Buffer[]): fc.Arbitrary<Row> {
  return fc.record({
    marker: fc.option(markerArb, { nil: undefined }),
    deletion: fc.option(tombArb, { nil: undefined }),
    v: fc.option(cellArb, { nil: undefined }),
    m: fc.option(complexArb, { nil: undefined }),
  }).map(({ marker, deletion, v, m }) => {
    const r: Row = { clustering, cells: {} };
    if (marker) r.marker = marker;
    if (deletion) r.deletion = deletion;
    if (v) r.cells.v = v;
    if (m) r.cells.m = m;
    return r;
  });
}
const boundArb = fc.record({ prefix: fc.oneof(fc.constant([] as Buffer[]), fc.integer({ min: 0, max: 4 }).map((k) => [int(k)])), inclusive: fc.boolean() }).map(plain);
const rtArb: fc.Arbitrary<RangeTombstone> = fc.record({ start: boundArb, end: boundArb, deletion: tombArb }).map(plain);
const partitionArb: fc.Arbitrary<PartitionData> = fc.record({
  deletion: fc.option(tombArb, { nil: undefined }),
  rangeTombstones: fc.array(rtArb, { maxLength: 2 }),
  staticRow: fc.option(fc.record({ st: cellArb }).map((c): Row => ({ clustering: [], cells: c })), { nil: undefined }),
  rows: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }).map((ks) => ks.sort((a, b) => a - b))
    .chain((ks) => fc.tuple(...ks.map((k) => rowArb([int(k)])))),
}).map((p) => {
  const out: PartitionData = { key: K, token: 1n, rangeTombstones: p.rangeTombstones, rows: p.rows };
  if (p.deletion) out.deletion = p.deletion;
  if (p.staticRow) out.staticRow = p.staticRow;
  return out;
});
const merge = (a: PartitionData, b: PartitionData) => mergePartitions(table, a, b);

test('mergePartitions is commutative', () => {
  fc.assert(fc.property(partitionArb, partitionArb, (a, b) => assert.deepEqual(merge(a, b), merge(b, a))), { numRuns: Number(process.env.RUNS ?? 500) });
});

test('mergePartitions is associative', () => {
  fc.assert(fc.property(partitionArb, partitionArb, partitionArb, (a, b, c) =>
    assert.deepEqual(merge(merge(a, b), c), merge(a, merge(b, c)))), { numRuns: Number(process.env.RUNS ?? 500) });
});

test('mergePartitions is idempotent and absorbs its inputs', () => {
  fc.assert(fc.property(partitionArb, partitionArb, (a, b) => {
    const m = merge(a, b);
    assert.deepEqual(merge(m, m), m);
    assert.deepEqual(merge(m, a), m);
    assert.deepEqual(merge(b, m), m);
  }), { numRuns: Number(process.env.RUNS ?? 500) });
});

test('merging preserves the live view of the union', () => {
  // Normalization (dropping shadowed data) must never change what a query sees.
  fc.assert(fc.property(partitionArb, fc.integer({ min: 99, max: 110 }), (a, now) => {
    const empty: PartitionData = { key: K, token: 1n, rangeTombstones: [], rows: [] };
    assert.deepEqual(liveRows(table, merge(a, empty), now), liveRows(table, a, now));
  }), { numRuns: Number(process.env.RUNS ?? 500) });
});
