// What a read scanned, counted as Cassandra 5.0's ReadCommand counts it against tombstone_warn_threshold and
// tombstone_failure_threshold (its MetricRecording transformation, applied to the merged partition a replica reads):
// every dead cell (a cell tombstone, an expired cell, a deleted collection element) of every row read, static row
// included; a deleted row without such cells counts once; each range tombstone counts its two bounds. Data shadowed
// by a deletion is gone after Cassandra's merge, so it is not counted here either; a partition deletion is not
// counted at all. Live rows are the rows with live data.
import type { TableDef } from '../schema/model.ts';
import type { PartitionData, Row, Tombstone } from './types.ts';
import { isComplex } from './types.ts';
import { coveringDeletion, maxDeletion } from './merge.ts';
import { isRowLive } from './live.ts';

export interface ReadCounts {
  liveRows: number;
  tombstones: number;
}

/** Keyspaces whose reads never count (Cassandra's SchemaConstants.isLocalSystemKeyspace). */
const UNCOUNTED_KEYSPACES = new Set(['system', 'system_schema', 'system_views', 'system_virtual_schema']);

export function respectsTombstoneThresholds(table: TableDef): boolean {
  return !UNCOUNTED_KEYSPACES.has(table.keyspace);
}

/** A cell Cassandra's iterator would show dead (not shadowed away): a tombstone, or expired at `nowSec`. */
function isDeadCell(v: Buffer | null, ts: number, ldt: number | undefined, ttl: number | undefined, shadow: Tombstone | undefined, nowSec: number): boolean {
  if (shadow !== undefined && ts <= shadow.ts) return false;
  return v === null || (ttl !== undefined && ldt !== undefined && nowSec >= ldt);
}

function deadCellsOf(row: Row, shadow: Tombstone | undefined, nowSec: number): number {
  let n = 0;
  for (const name in row.cells) {
    const d = row.cells[name]!;
    if (isComplex(d)) {
      const eff = maxDeletion(shadow, d.deletion);
      for (const c of d.cells) if (isDeadCell(c.cell.v, c.cell.ts, c.cell.ldt, c.cell.ttl, eff, nowSec)) n++;
    } else if (isDeadCell(d.v, d.ts, d.ldt, d.ttl, shadow, nowSec)) n++;
  }
  return n;
}

function countRow(table: TableDef, row: Row, outer: Tombstone | undefined, nowSec: number, into: ReadCounts, countLive: boolean): void {
  const shadow = maxDeletion(outer, row.deletion);
  const dead = deadCellsOf(row, shadow, nowSec);
  into.tombstones += dead;
  const deletedRow = dead === 0 && row.deletion !== undefined && (outer === undefined || row.deletion.ts > outer.ts);
  // The liveness check is the costly part; a replica guarding the failure threshold needs it only for deleted rows.
  if (!countLive && !deletedRow) return;
  if (isRowLive(table, row, outer, nowSec)) into.liveRows++;
  else if (deletedRow) into.tombstones++;
}

/** Adds what reading `p` scans to `into` (live rows too unless `countLive` is false). */
export function countPartition(table: TableDef, p: PartitionData, nowSec: number, into: ReadCounts, countLive = true): void {
  if (p.staticRow) countRow(table, p.staticRow, p.deletion, nowSec, into, countLive);
  const rts = p.rangeTombstones;
  for (const row of p.rows) {
    countRow(table, row, rts.length ? coveringDeletion(table, p.deletion, rts, row.clustering) : p.deletion, nowSec, into, countLive);
  }
  for (const rt of rts) if (p.deletion === undefined || rt.deletion.ts > p.deletion.ts) into.tombstones += 2;
}

/**
 * A replica's refusal to go on with a read that scanned more tombstones than tombstone_failure_threshold
 * (Cassandra's TombstoneOverwhelmingException); the coordinator reports it as READ_TOO_MANY_TOMBSTONES.
 */
export class TombstoneOverwhelmingError extends Error {
  override readonly name = 'TombstoneOverwhelmingError';
  constructor(readonly tombstones: number, table: TableDef) {
    super(`Scanned over ${tombstones} tombstones in ${table.keyspace}.${table.name}; query aborted`);
  }
}

/** Cassandra 5.0's tombstone_failure_threshold. */
export const DEFAULT_TOMBSTONE_FAILURE_THRESHOLD = 100_000;

/**
 * The partitions a replica read, unless they scan more than `failureThreshold` tombstones (negative: no limit):
 * then TombstoneOverwhelmingError.
 */
export function checkTombstones<P extends ReadonlyArray<PartitionData | undefined>>(table: TableDef, parts: P, nowSec: number,
  failureThreshold = DEFAULT_TOMBSTONE_FAILURE_THRESHOLD): P {
  if (!respectsTombstoneThresholds(table) || !(failureThreshold >= 0)) return parts;
  const counts: ReadCounts = { liveRows: 0, tombstones: 0 };
  for (const p of parts) {
    if (p === undefined) continue;
    countPartition(table, p, nowSec, counts, false);
    if (counts.tombstones > failureThreshold) throw new TombstoneOverwhelmingError(counts.tombstones, table);
  }
  return parts;
}
