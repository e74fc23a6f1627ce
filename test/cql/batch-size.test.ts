// A batch's size as Cassandra 5.0 measures it (its warning names the size): the figures below are what the reference
// server reported for the same batches, so the fail threshold triggers where Cassandra's does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchDataSize, checkBatchSize } from '../../src/cql/exec/batch-size.ts';
import type { Mutation } from '../../src/coordinator/coordinator.ts';
import { InvalidRequestError } from '../../src/model/errors.ts';
import type { TableDef } from '../../src/schema/model.ts';
import type { Row } from '../../src/storage/types.ts';

const table = { keyspace: 'ks', name: 'w' } as TableDef;
const mutation = (k: number, row: Row): Mutation => ({ table, update: { key: Buffer.from([k]), token: BigInt(k), rangeTombstones: [], rows: [row] } });
const cells = (...vs: string[]): Row['cells'] => Object.fromEntries(vs.map((v, i) => [`c${i}`, { ts: 1, v: Buffer.from(v) }]));

test('batch data size matches what Cassandra 5.0 reports, and only multi-partition batches are refused', () => {
  const big = 'y'.repeat(6000);
  // INSERT (1, 6000 bytes), (2, 'a'): Cassandra "is of size 6141".
  assert.equal(batchDataSize([mutation(1, { clustering: [], marker: { ts: 1 }, cells: cells(big) }), mutation(2, { clustering: [], cells: cells('a') })]), 6141);
  // A third partition with 'a': 6212; a second cell 'b' in the first row: 6162; an int clustering on both rows: 6149.
  const three = [1, 2, 3].map((k) => mutation(k, { clustering: [], cells: cells(k === 1 ? big : 'a') }));
  assert.equal(batchDataSize(three), 6212);
  assert.equal(batchDataSize([mutation(1, { clustering: [], cells: cells(big, 'b') }), mutation(2, { clustering: [], cells: cells('a') })]), 6162);
  const ck = Buffer.alloc(4);
  assert.equal(batchDataSize([mutation(1, { clustering: [ck], cells: cells(big) }), mutation(2, { clustering: [ck], cells: cells('a') })]), 6149);
  const huge = 'x'.repeat(30_000);
  assert.throws(() => checkBatchSize([mutation(1, { clustering: [], cells: cells(huge) }), mutation(2, { clustering: [], cells: cells(huge) })], 50 * 1024),
    (e: unknown) => e instanceof InvalidRequestError && e.message === 'Batch too large');
  checkBatchSize([mutation(1, { clustering: [], cells: cells(huge + huge) })], 50 * 1024);
});
