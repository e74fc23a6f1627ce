// What a read scans, counted as Cassandra's ReadCommand counts it for tombstone_warn_threshold (storage/tombstone-count.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CqlType } from '../../src/model/types.ts';
import { T } from '../../src/model/types.ts';
import { checkTombstones, countPartition, TombstoneOverwhelmingError, type ReadCounts } from '../../src/storage/tombstone-count.ts';
import { cell, int, makeTable, partition, row, tomb } from './helpers.ts';

const setType: CqlType = { kind: 'set', element: T.int, frozen: false };
const table = makeTable({
  clustering: [{ name: 'c', type: T.int }],
  regular: [{ name: 'v', type: T.int }, { name: 's', type: setType }],
  statics: [{ name: 'st', type: T.int }],
});
const K = Buffer.from('k');
const NOW = 1_000;

function counts(p: ReturnType<typeof partition>): ReadCounts {
  const c = { liveRows: 0, tombstones: 0 };
  countPartition(table, p, NOW, c);
  return c;
}

test('dead cells count one each; a live row with a null cell is one live row and one tombstone', () => {
  const p = partition(K, 1n, { rows: [row([int(1)], { v: tomb(10, 1) }, { marker: { ts: 10 } }), row([int(2)], { v: cell(10, int(1)) })] });
  assert.deepEqual(counts(p), { liveRows: 2, tombstones: 1 });
});

test('a deleted row without dead cells counts once; with dead cells, only its cells', () => {
  const deleted = row([int(1)], {}, { deletion: { ts: 10, ldt: 1 } });
  const deletedWithCell = row([int(2)], { v: tomb(20, 1) }, { deletion: { ts: 10, ldt: 1 } });
  assert.deepEqual(counts(partition(K, 1n, { rows: [deleted, deletedWithCell] })), { liveRows: 0, tombstones: 2 });
});

test('collection element tombstones and expired cells count; shadowed data and the partition deletion do not', () => {
  const elements = { cells: [0, 1, 2].map((i) => ({ path: int(i), cell: tomb(10, 1) })) };
  assert.deepEqual(counts(partition(K, 1n, { rows: [row([int(1)], { s: elements })] })), { liveRows: 0, tombstones: 3 });
  const expired = row([int(1)], { v: cell(10, int(1), { ttl: 5, ldt: NOW - 1 }) }, { marker: { ts: 10 } });
  assert.deepEqual(counts(partition(K, 1n, { rows: [expired] })), { liveRows: 1, tombstones: 1 });
  const shadowed = partition(K, 1n, { deletion: { ts: 50, ldt: 1 }, rows: [row([int(1)], { v: tomb(10, 1) })] });
  assert.deepEqual(counts(shadowed), { liveRows: 0, tombstones: 0 });
});

test('a range tombstone counts its two bounds; a static row counts as a row', () => {
  const rt = { start: { prefix: [int(1)], inclusive: true }, end: { prefix: [int(5)], inclusive: true }, deletion: { ts: 10, ldt: 1 } };
  const p = partition(K, 1n, { rangeTombstones: [rt], staticRow: row([], { st: cell(5, int(1)) }) });
  assert.deepEqual(counts(p), { liveRows: 1, tombstones: 2 });
});

test('checkTombstones refuses past the failure threshold, except in local system keyspaces and when disabled', () => {
  const p = partition(K, 1n, { rows: [0, 1, 2].map((c) => row([int(c)], { v: tomb(10, 1) })) });
  assert.throws(() => checkTombstones(table, [p], NOW, 2), TombstoneOverwhelmingError);
  checkTombstones(table, [p], NOW, 3);
  checkTombstones(table, [p], NOW, -1);
  checkTombstones({ ...table, keyspace: 'system' }, [p], NOW, 0);
});
