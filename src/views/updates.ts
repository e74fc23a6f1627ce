// The view updates of one base write, computed on the base replica from the base row before the write (read before
// write) and after it, as Cassandra's ViewUpdateGenerator does:
//   - the row entered the view (it now matches: live, every view key column non-null, the WHERE filters): create
//     the view row;
//   - it left the view: delete the view row it had;
//   - it is in the view before and after, under another view key (the base regular column in the view key
//     changed): delete the old view row, create the new one;
//   - same view key: write the view row again from the merged base row.
// The updates always come from the merged base row, never from the raw write, so a write that loses to newer data
// already in the base (an out-of-order timestamp) changes nothing in the view either.
//
// Timestamps. A view whose key is the base key reordered carries every timestamp, TTL and deletion unchanged. A view
// keyed by a base regular column `v` follows Cassandra's strict liveness (CASSANDRA-11500): its row marker is v's
// cell (timestamp and TTL), and a view row is visible only while its marker is live (strict.ts applies that to
// reads). When v changes, the old view row is not deleted with a row tombstone — that would also hide its cells when
// the row comes back for a later write of the same v, which Cassandra avoids with "shadowable" tombstones that
// Sibyl's storage does not have — but its marker is replaced by a dead one at v's old timestamp (an expiring marker
// wins a timestamp tie; when the live marker itself expires, the dead one is one microsecond later). The cells stay,
// invisible, and a later marker revives the row with the cells the base replica writes again. Deletions of the base
// row or partition reach the view row as row deletions at their own timestamps.
import type { Cell, ColumnData, ComplexColumn, LivenessInfo, PartitionData, Row, Tombstone } from '../storage/types.ts';
import { isComplex } from '../storage/types.ts';
import { coveringDeletion, maxDeletion, mergePartitions, mergeRows } from '../storage/merge.ts';
import { isCellLive, isRowLive } from '../storage/live.ts';
import { compareClustering } from '../storage/compare.ts';
import { splitCompositeKey } from '../model/murmur3.ts';
import { passesFilters, viewKeyOf, type ViewKey, type ViewSpec } from './spec.ts';

/** A base row as it is after its partition's deletions: what survives, and the deletion covering it. */
interface EffectiveRow {
  row: Row | undefined;
  shadow: Tombstone | undefined;
}

function effectiveRow(spec: ViewSpec, p: PartitionData | undefined, clustering: Buffer[]): EffectiveRow {
  if (p === undefined) return { row: undefined, shadow: undefined };
  const outer = coveringDeletion(spec.base, p.deletion, p.rangeTombstones, clustering);
  const raw = p.rows.find((r) => compareClustering(spec.base, r.clustering, clustering) === 0);
  const row = raw === undefined ? undefined : mergeRows(spec.base, raw, undefined, outer);
  return { row, shadow: maxDeletion(outer, row?.deletion) };
}

function keyCell(spec: ViewSpec, row: Row): Cell | undefined {
  if (spec.keyColumn === undefined) return undefined;
  const c = row.cells[spec.keyColumn];
  return c !== undefined && !isComplex(c) ? c : undefined;
}

/** Whether the base row has a view row: live, every view key column live, the WHERE filters passed. */
function inView(spec: ViewSpec, pk: Buffer[], e: EffectiveRow, nowSec: number): boolean {
  const row = e.row;
  if (row === undefined || !passesFilters(spec, pk, row.clustering)) return false;
  if (spec.keyColumn !== undefined) {
    const c = keyCell(spec, row);
    return c !== undefined && isCellLive(c, e.shadow, nowSec);
  }
  return isRowLive(spec.base, row, e.shadow, nowSec);
}

/** The marker of a view row keyed by a base regular column: that column's cell's liveness. */
function markerOf(floor: Cell): LivenessInfo {
  const m: LivenessInfo = { ts: floor.ts };
  if (floor.ttl !== undefined) m.ttl = floor.ttl;
  if (floor.ldt !== undefined) m.ldt = floor.ldt;
  return m;
}

/** The view row for a base row in the view: its marker, its selected columns, and the base row's deletion. */
function entryRow(spec: ViewSpec, key: ViewKey, e: EffectiveRow, before: EffectiveRow, nowSec: number): Row {
  const row = e.row!;
  const out: Row = { clustering: key.clustering, cells: {} };
  out.marker = markerOf(keyCell(spec, row)!);
  for (const name of spec.selected) {
    const d = row.cells[name];
    if (d !== undefined) out.cells[name] = d;
    else if (before.row?.cells[name] !== undefined && e.shadow !== undefined) {
      // Gone from the base row (a deletion covered it): delete it in the view at the deletion's time.
      out.cells[name] = { ts: e.shadow.ts, v: null, ldt: nowSec };
    }
  }
  if (e.shadow !== undefined) out.deletion = e.shadow;
  return out;
}

/** The name a base column the view does not select has in the view's rows: a "virtual cell" (see virtualCell). */
export const virtualCellName = (column: string): string => `\u0000${column}`;

/**
 * An unselected base column's liveness without its value, as Cassandra's virtual cells carry it: the view row stays
 * alive exactly as long as its base row, whichever columns keep that alive. Queries never see these cells (they
 * name no column of the view).
 */
function virtualCell(d: ColumnData): Cell {
  if (!isComplex(d)) {
    const c: Cell = { ts: d.ts, v: d.v === null ? null : EMPTY };
    if (d.ttl !== undefined) c.ttl = d.ttl;
    if (d.ldt !== undefined) c.ldt = d.ldt;
    return c;
  }
  // A non-frozen collection: alive while any element is (the newest element's liveness), else deleted.
  let best: Cell | undefined;
  let dead = d.deletion?.ts ?? 0;
  for (const e of d.cells) {
    if (e.cell.v === null) dead = Math.max(dead, e.cell.ts);
    else if (best === undefined || e.cell.ts > best.ts) best = e.cell;
  }
  return best !== undefined ? virtualCell(best) : { ts: dead, v: null, ldt: 0 };
}

const EMPTY = Buffer.alloc(0);

/**
 * A view keyed by the base key mirrors its base row: its marker, its selected cells (tombstones included), virtual
 * cells for the others, its deletions, all at their own timestamps. No tombstone of its own: one would hide a write
 * with an older timestamp arriving later.
 */
function mirrorRow(spec: ViewSpec, key: ViewKey, after: EffectiveRow): Row {
  const out: Row = { clustering: key.clustering, cells: {} };
  const row = after.row;
  if (row !== undefined) {
    if (row.marker !== undefined) out.marker = row.marker;
    for (const name of spec.selected) if (row.cells[name] !== undefined) out.cells[name] = row.cells[name]!;
    for (const name of spec.unselected) if (row.cells[name] !== undefined) out.cells[virtualCellName(name)] = virtualCell(row.cells[name]!);
  }
  if (after.shadow !== undefined) out.deletion = after.shadow;
  return out;
}

const deadMarker = (ts: number, nowSec: number): LivenessInfo => ({ ts, ttl: 1, ldt: nowSec - 1 });

/** For a view keyed by a base regular column: the row that takes the old view row out (its marker dies). */
function exitRow(key: ViewKey, floor: Cell, after: EffectiveRow, nowSec: number): Row {
  const out: Row = { clustering: key.clustering, cells: {}, marker: deadMarker(floor.ttl === undefined ? floor.ts : floor.ts + 1, nowSec) };
  if (after.shadow !== undefined) out.deletion = after.shadow;
  return out;
}

export interface ViewRowUpdate {
  key: ViewKey;
  row: Row;
}

/** The view rows to write for one base row, given its state before and after the write. */
export function rowUpdates(spec: ViewSpec, pk: Buffer[], before: EffectiveRow, after: EffectiveRow, nowSec: number): ViewRowUpdate[] {
  const wasIn = inView(spec, pk, before, nowSec);
  const isIn = inView(spec, pk, after, nowSec);
  if (!wasIn && !isIn) return [];
  if (spec.keyColumn === undefined) {
    const any = (after.row ?? before.row)!;
    const key = viewKeyOf(spec, pk, any)!;
    return [{ key, row: mirrorRow(spec, key, after) }];
  }
  const out: ViewRowUpdate[] = [];
  const oldKey = wasIn ? viewKeyOf(spec, pk, before.row!) : undefined;
  const newKey = isIn ? viewKeyOf(spec, pk, after.row!) : undefined;
  if (oldKey !== undefined && oldKey.id !== newKey?.id) out.push({ key: oldKey, row: exitRow(oldKey, keyCell(spec, before.row!)!, after, nowSec) });
  if (newKey !== undefined) out.push({ key: newKey, row: entryRow(spec, newKey, after, newKey.id === oldKey?.id ? before : { row: undefined, shadow: undefined }, nowSec) });
  return out;
}

/** The base rows a write may change: its own rows, and for a deletion of a range or the partition, every row read. */
function affected(spec: ViewSpec, existing: PartitionData | undefined, update: PartitionData): Buffer[][] {
  const out = update.rows.map((r) => r.clustering);
  if ((update.deletion !== undefined || update.rangeTombstones.length > 0) && existing !== undefined) {
    for (const r of existing.rows) {
      if (!out.some((c) => compareClustering(spec.base, c, r.clustering) === 0)) out.push(r.clustering);
    }
  }
  return out;
}

/**
 * The view partitions a base write produces, for one view. `existing` is the base partition before the write
 * (rows the write touches; every row when it deletes a range or the partition), or undefined if there is none.
 */
export function viewUpdates(spec: ViewSpec, existing: PartitionData | undefined, update: PartitionData, nowSec: number): PartitionData[] {
  const merged = existing === undefined ? update : mergePartitions(spec.base, existing, update);
  const pk = spec.base.partitionKey.length === 1 ? [update.key] : splitCompositeKey(update.key, spec.base.partitionKey.length);
  const byKey = new Map<string, PartitionData>();
  for (const clustering of affected(spec, existing, update)) {
    const updates = rowUpdates(spec, pk, effectiveRow(spec, existing, clustering), effectiveRow(spec, merged, clustering), nowSec);
    for (const u of updates) {
      const k = u.key.key.toString('hex');
      let p = byKey.get(k);
      if (p === undefined) byKey.set(k, (p = { key: u.key.key, token: u.key.token, rangeTombstones: [], rows: [] }));
      const same = p.rows.findIndex((r) => compareClustering(spec.view, r.clustering, u.row.clustering) === 0);
      if (same < 0) p.rows.push(u.row);
      else p.rows[same] = mergeRows(spec.view, p.rows[same], u.row) ?? u.row;
    }
  }
  for (const p of byKey.values()) p.rows.sort((a, b) => compareClustering(spec.view, a.clustering, b.clustering));
  return [...byKey.values()];
}
