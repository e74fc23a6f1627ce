// The storage engine's model-based tests share this: a table, random operations (writes with and without TTL,
// static writes, cell/row/range/partition deletions, flushes, restarts, reads and paged scans), how each is applied to
// the engine and to the model (coordinator/memory-store.ts: the same reconciliation rules, no memtables, no commit
// log, no purging), and the check that a read answers the same live data in both.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { T } from '../../../src/model/types.ts';
import type { TableDef } from '../../../src/schema/model.ts';
import type { PartitionData, ReadFilter, Slice } from '../../../src/storage/types.ts';
import { liveRows } from '../../../src/storage/live.ts';
import type { MemoryStore } from '../../../src/coordinator/memory-store.ts';
import { int, makeTable } from '../helpers.ts';

export const TABLE_ID = '5eed0000-0000-4000-8000-00000000cafe';
export const table: TableDef = makeTable({
  id: TABLE_ID,
  clustering: [{ name: 'c', type: T.int }],
  regular: [{ name: 'v', type: T.int }],
  statics: [{ name: 's', type: T.int }],
});
/** The time every write is made at (tombstones' local deletion time, TTLs' start); reads happen at NOW + `at`. */
export const NOW = 1_900_000_000;

export type Op =
  | { k: 'write'; pk: number; c: number; v: number; ts: number; ttl?: number }
  | { k: 'static'; pk: number; s: number; ts: number }
  | { k: 'delCell'; pk: number; c: number; ts: number }
  | { k: 'delRow'; pk: number; c: number; ts: number }
  | { k: 'delRange'; pk: number; lo: number; hi: number; loInc: boolean; hiInc: boolean; ts: number }
  | { k: 'delPartition'; pk: number; ts: number }
  | { k: 'flush' }
  | { k: 'restart' }
  | { k: 'read'; pk: number; at: number; lo?: number; hi?: number; reversed: boolean; limit?: number }
  | { k: 'scan'; at: number; page: number };

/** Partition keys 0..5 over three tokens: several partitions share a token, ordered by key bytes. */
export const keyOf = (pk: number): Buffer => Buffer.from(`k${pk}`);
export const tokenOf = (pk: number): bigint => BigInt(pk % 3) - 1n;

const pk = fc.integer({ min: 0, max: 5 });
const c = fc.integer({ min: 0, max: 9 });
const ts = fc.integer({ min: 1, max: 60 });
const at = fc.integer({ min: 0, max: 12 });

export function opArb(opts: { restarts: boolean }): fc.Arbitrary<Op> {
  const arbs: Array<{ weight: number; arbitrary: fc.Arbitrary<Op> }> = [
    { weight: 12, arbitrary: fc.record({ k: fc.constant('write' as const), pk, c, v: fc.integer({ min: 0, max: 99 }), ts, ttl: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }) }, { requiredKeys: ['k', 'pk', 'c', 'v', 'ts'] }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('static' as const), pk, s: fc.integer({ min: 0, max: 99 }), ts }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('delCell' as const), pk, c, ts }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('delRow' as const), pk, c, ts }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('delRange' as const), pk, lo: c, hi: c, loInc: fc.boolean(), hiInc: fc.boolean(), ts }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('delPartition' as const), pk, ts }) },
    { weight: 2, arbitrary: fc.constant({ k: 'flush' as const }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('read' as const), pk, at, lo: fc.option(c, { nil: undefined }), hi: fc.option(c, { nil: undefined }), reversed: fc.boolean(), limit: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }) }, { requiredKeys: ['k', 'pk', 'at', 'reversed'] }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('scan' as const), at, page: fc.integer({ min: 1, max: 4 }) }) },
  ];
  if (opts.restarts) arbs.push({ weight: 1, arbitrary: fc.constant({ k: 'restart' as const }) });
  return fc.oneof(...arbs);
}

/** The mutation of a write or deletion op; undefined for the others. */
export function mutationOf(op: Op): PartitionData | undefined {
  if (!('pk' in op) || op.k === 'read') return undefined;
  const p: PartitionData = { key: keyOf(op.pk), token: tokenOf(op.pk), rangeTombstones: [], rows: [] };
  const tomb = { ts: op.ts, ldt: NOW };
  switch (op.k) {
    case 'write': {
      const expiring = op.ttl !== undefined ? { ttl: op.ttl, ldt: NOW + op.ttl } : {};
      p.rows.push({ clustering: [int(op.c)], marker: { ts: op.ts, ...expiring }, cells: { v: { ts: op.ts, v: int(op.v), ...expiring } } });
      break;
    }
    case 'static':
      p.staticRow = { clustering: [], cells: { s: { ts: op.ts, v: int(op.s) } } };
      break;
    case 'delCell':
      p.rows.push({ clustering: [int(op.c)], cells: { v: { ts: op.ts, v: null, ldt: NOW } } });
      break;
    case 'delRow':
      p.rows.push({ clustering: [int(op.c)], deletion: tomb, cells: {} });
      break;
    case 'delRange':
      p.rangeTombstones.push({ start: { prefix: [int(op.lo)], inclusive: op.loInc }, end: { prefix: [int(op.hi)], inclusive: op.hiInc }, deletion: tomb });
      break;
    case 'delPartition':
      p.deletion = tomb;
      break;
  }
  return p;
}

export function filterOf(op: Extract<Op, { k: 'read' }>): ReadFilter {
  const f: ReadFilter = { reversed: op.reversed };
  if (op.lo !== undefined || op.hi !== undefined) {
    const s: Slice = {
      start: { prefix: op.lo !== undefined ? [int(op.lo)] : [], inclusive: true },
      end: { prefix: op.hi !== undefined ? [int(op.hi)] : [], inclusive: true },
    };
    f.slices = [s];
  }
  if (op.limit !== undefined) f.rowLimit = op.limit;
  return f;
}

/** Anything that stores and reads partitions: the engine and the model alike. */
export interface Readable {
  read(table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, nowSec: number): PartitionData | undefined;
  scan(table: TableDef, range: import('../../../src/storage/types.ts').ScanRange, filter: ReadFilter, limit: number, nowSec: number): PartitionData[];
}

/** What a client would see of a partition read: live rows and cell values, the static row. */
export function visible(p: PartitionData | undefined, nowSec: number): unknown {
  if (!p) return null;
  const l = liveRows(table, p, nowSec);
  const show = (r: { clustering: Buffer[]; cells: Record<string, { value: Buffer; ts: number }> }): string =>
    `${r.clustering.map((b) => b.readInt32BE(0)).join(':')}=${Object.entries(r.cells).map(([k, v]) => `${k}:${v.value.readInt32BE(0)}@${v.ts}`).join(',')}`;
  return { s: l.staticRow ? show(l.staticRow) : null, rows: l.rows.map(show) };
}

/** Every partition, paged `page` at a time from the last one seen, as a client's paged full scan does. */
export function pagedScan(store: Readable, page: number, nowSec: number): string[] {
  const out: string[] = [];
  let start: { token: bigint; key: Buffer; inclusive: boolean } | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const got = store.scan(table, start ? { start } : {}, {}, page, nowSec);
    for (const p of got) out.push(`${p.key.toString()}:${JSON.stringify(visible(p, nowSec))}`);
    if (got.length < page) return out;
    const last = got[got.length - 1]!;
    start = { token: last.token, key: last.key, inclusive: false };
  }
  throw new Error('scan did not end');
}

/** What a read or scan op answers, as visible data (comparable between the engine and the model). */
export function checkable(op: Op, store: Readable): unknown {
  if (op.k === 'read') {
    const nowSec = NOW + op.at;
    return visible(store.read(table, keyOf(op.pk), tokenOf(op.pk), filterOf(op), nowSec), nowSec);
  }
  if (op.k === 'scan') return pagedScan(store, op.page, NOW + op.at);
  return null;
}

/** Checks a read or scan op against the model. */
export function checkRead(op: Op, engine: Readable, model: MemoryStore, label: string): void {
  assert.deepEqual(checkable(op, engine), checkable(op, model), `${label}: ${JSON.stringify(op)}`);
}

/** Reads of every partition in full, at several times, and a paged scan: the whole visible state. */
export function everything(store: Readable): unknown {
  const out: unknown[] = [];
  for (const at of [0, 5, 11]) for (let i = 0; i <= 5; i++) out.push(visible(store.read(table, keyOf(i), tokenOf(i), {}, NOW + at), NOW + at));
  out.push(pagedScan(store, 2, NOW));
  return out;
}

/** everything() as JSON-safe data (it already is: strings and nulls). */
export const snapshotOf = (store: Readable): unknown => everything(store);
