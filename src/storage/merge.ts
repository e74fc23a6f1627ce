// Reconciliation of partition data: Cassandra's last-write-wins rules, deletions shadowing older data.
// mergePartitions is a lattice join followed by dropping shadowed data, so it is commutative, associative and
// idempotent on its results; replicas and the coordinator can merge answers in any order.
import { hasCounters, isCounterColumn, reconcileCounterCell } from './counters.ts';
import type { TableDef } from '../schema/model.ts';
import type {
  Cell, ColumnData, ComplexCell, ComplexColumn, LivenessInfo, PartitionData, RangeTombstone, Row, Tombstone,
} from './types.ts';
import { emptyCells, isComplex } from './types.ts';
import { boundsContain, compareCellPaths, compareClustering, comparePositions, endPosition, startPosition } from './compare.ts';

/** DeletionTime.supersedes: later timestamp, then later local deletion time. */
export function supersedes(a: Tombstone, b: Tombstone): boolean {
  return a.ts > b.ts || (a.ts === b.ts && a.ldt > b.ldt);
}

export function maxDeletion(a: Tombstone | undefined, b: Tombstone | undefined): Tombstone | undefined {
  if (!a) return b;
  if (!b) return a;
  return supersedes(b, a) ? b : a;
}

const isExpiringOrTombstone = (c: Cell): boolean => c.v === null || c.ttl !== undefined;

/** Cells.reconcile (Cassandra 4): see CASSANDRA-14592 for why expiring cells are treated like tombstones on ties. */
export function reconcileCell(a: Cell, b: Cell): Cell {
  if (a.ts !== b.ts) return a.ts > b.ts ? a : b;
  const ad = isExpiringOrTombstone(a);
  const bd = isExpiringOrTombstone(b);
  if (ad || bd) {
    if (ad !== bd) return ad ? a : b;
    const at = a.v === null;
    const bt = b.v === null;
    if (at !== bt) return at ? a : b;
    const al = a.ldt ?? 0;
    const bl = b.ldt ?? 0;
    if (al !== bl) return al > bl ? a : b;
  }
  const c = Buffer.compare(a.v ?? EMPTY, b.v ?? EMPTY);
  if (c !== 0) return c > 0 ? a : b;
  // Not distinguished by Cassandra; any fixed choice keeps merging commutative.
  return (a.ttl ?? -1) >= (b.ttl ?? -1) ? a : b;
}
const EMPTY = Buffer.alloc(0);

/** LivenessInfo.supersedes: timestamp, then expiring over non-expiring, then later expiry. */
export function reconcileMarker(a: LivenessInfo | undefined, b: LivenessInfo | undefined): LivenessInfo | undefined {
  if (!a) return b;
  if (!b) return a;
  if (a.ts !== b.ts) return a.ts > b.ts ? a : b;
  const ae = a.ttl !== undefined;
  const be = b.ttl !== undefined;
  if (ae !== be) return ae ? a : b;
  const al = a.ldt ?? 0;
  const bl = b.ldt ?? 0;
  if (al !== bl) return al > bl ? a : b;
  return (a.ttl ?? -1) >= (b.ttl ?? -1) ? a : b;
}

function mergeComplex(table: TableDef, column: string, a: ComplexColumn | undefined, b: ComplexColumn | undefined,
  outer: Tombstone | undefined): ComplexColumn | undefined {
  const def = table.columns.get(column);
  let deletion = maxDeletion(a?.deletion, b?.deletion);
  if (deletion && outer && !supersedes(deletion, outer)) deletion = undefined;
  const shadow = maxDeletion(outer, deletion);
  const xs = a?.cells ?? [];
  const ys = b?.cells ?? [];
  const cells: ComplexCell[] = [];
  let i = 0;
  let j = 0;
  while (i < xs.length || j < ys.length) {
    let cell: ComplexCell;
    if (i >= xs.length) cell = ys[j++];
    else if (j >= ys.length) cell = xs[i++];
    else {
      const c = def ? compareCellPaths(def.type, xs[i].path, ys[j].path) : Buffer.compare(xs[i].path, ys[j].path);
      if (c < 0) cell = xs[i++];
      else if (c > 0) cell = ys[j++];
      else {
        const r = reconcileCell(xs[i].cell, ys[j].cell);
        cell = r === xs[i].cell ? xs[i] : ys[j];
        i++;
        j++;
      }
    }
    if (shadow && cell.cell.ts <= shadow.ts) continue;
    cells.push(cell);
  }
  if (!deletion && cells.length === 0) return undefined;
  return deletion ? { deletion, cells } : { cells };
}

/**
 * Merges two versions of a row (either may be absent) and drops everything shadowed by the row's own deletion or
 * by `outer` (the partition deletion and range tombstones covering it). undefined when nothing is left.
 */
export function mergeRows(table: TableDef, a: Row | undefined, b: Row | undefined, outer?: Tombstone): Row | undefined {
  const base = a ?? b;
  if (!base) return undefined;
  let deletion = maxDeletion(a?.deletion, b?.deletion);
  if (deletion && outer && !supersedes(deletion, outer)) deletion = undefined;
  const shadow = maxDeletion(outer, deletion);
  let marker = reconcileMarker(a?.marker, b?.marker);
  if (marker && shadow && marker.ts <= shadow.ts) marker = undefined;
  const cells: Record<string, ColumnData> = emptyCells();
  const counters = hasCounters(table);
  let any = false;
  const names = new Set<string>();
  if (a) for (const k in a.cells) names.add(k);
  if (b) for (const k in b.cells) names.add(k);
  for (const name of names) {
    const x = a?.cells[name];
    const y = b?.cells[name];
    let merged: ColumnData | undefined;
    if ((x && isComplex(x)) || (y && isComplex(y))) {
      merged = mergeComplex(table, name, x && isComplex(x) ? x : undefined, y && isComplex(y) ? y : undefined, shadow);
    } else {
      const c = x && y
        ? (counters && isCounterColumn(table, name) ? reconcileCounterCell(x as Cell, y as Cell) : reconcileCell(x as Cell, y as Cell))
        : ((x ?? y) as Cell);
      merged = shadow && c.ts <= shadow.ts ? undefined : c;
    }
    if (merged) {
      cells[name] = merged;
      any = true;
    }
  }
  if (!marker && !deletion && !any) return undefined;
  const row: Row = { clustering: base.clustering, cells };
  if (marker) row.marker = marker;
  if (deletion) row.deletion = deletion;
  return row;
}

/** The strongest deletion covering a row: the partition deletion and every range tombstone containing it. */
export function coveringDeletion(table: TableDef, partitionDeletion: Tombstone | undefined,
  rts: RangeTombstone[], clustering: Buffer[]): Tombstone | undefined {
  let d = partitionDeletion;
  for (const rt of rts) {
    if ((!d || supersedes(rt.deletion, d)) && boundsContain(table, rt.start, rt.end, clustering)) d = rt.deletion;
  }
  return d;
}

function rtCompare(table: TableDef, a: RangeTombstone, b: RangeTombstone): number {
  let c = comparePositions(table, startPosition(a.start), startPosition(b.start));
  if (c !== 0) return c;
  c = comparePositions(table, endPosition(a.end), endPosition(b.end));
  if (c !== 0) return c;
  if (a.deletion.ts !== b.deletion.ts) return a.deletion.ts < b.deletion.ts ? -1 : 1;
  return a.deletion.ldt - b.deletion.ldt;
}

/** rt is redundant when `by` covers its whole range with an equal or stronger deletion. */
function dominated(table: TableDef, rt: RangeTombstone, by: RangeTombstone): boolean {
  return !supersedes(rt.deletion, by.deletion)
    && comparePositions(table, startPosition(by.start), startPosition(rt.start)) <= 0
    && comparePositions(table, endPosition(rt.end), endPosition(by.end)) <= 0;
}

/** Union of range tombstones with empty, dominated and partition-deletion-covered ones removed, sorted by start. */
export function mergeRangeTombstones(table: TableDef, a: RangeTombstone[], b: RangeTombstone[],
  partitionDeletion?: Tombstone): RangeTombstone[] {
  if (a.length === 0 && b.length === 0) return [];
  const all = [...a, ...b]
    .filter((rt) => !partitionDeletion || supersedes(rt.deletion, partitionDeletion))
    .filter((rt) => comparePositions(table, startPosition(rt.start), endPosition(rt.end)) < 0)
    .sort((x, y) => rtCompare(table, x, y));
  const out: RangeTombstone[] = [];
  for (let i = 0; i < all.length; i++) {
    const rt = all[i];
    let redundant = false;
    for (let j = 0; j < all.length && !redundant; j++) {
      if (j === i) continue;
      // Of two identical tombstones keep the first; otherwise drop rt when something else covers it.
      if (dominated(table, rt, all[j]) && (!dominated(table, all[j], rt) || j < i)) redundant = true;
    }
    if (!redundant) out.push(normalizeRt(rt));
  }
  return out;
}

function normalizeRt(rt: RangeTombstone): RangeTombstone {
  // An empty prefix is unbounded whatever its flag says; a canonical flag keeps merges structurally equal.
  const fix = (b: RangeTombstone['start']) => (b.prefix.length === 0 && !b.inclusive ? { prefix: b.prefix, inclusive: true } : b);
  const start = fix(rt.start);
  const end = fix(rt.end);
  return start === rt.start && end === rt.end ? rt : { start, end, deletion: rt.deletion };
}

/** Merges two partitions' data (replica answers, or an update into stored data). */
export function mergePartitions(table: TableDef, a: PartitionData, b: PartitionData): PartitionData {
  const deletion = maxDeletion(a.deletion, b.deletion);
  const rangeTombstones = mergeRangeTombstones(table, a.rangeTombstones, b.rangeTombstones, deletion);
  const out: PartitionData = { key: a.key, token: a.token, rangeTombstones, rows: [] };
  if (deletion) out.deletion = deletion;
  if (a.staticRow || b.staticRow) {
    const s = mergeRows(table, a.staticRow, b.staticRow, deletion);
    if (s) out.staticRow = s;
  }
  const xs = a.rows;
  const ys = b.rows;
  let i = 0;
  let j = 0;
  while (i < xs.length || j < ys.length) {
    let x: Row | undefined;
    let y: Row | undefined;
    if (i >= xs.length) y = ys[j++];
    else if (j >= ys.length) x = xs[i++];
    else {
      const c = compareClustering(table, xs[i].clustering, ys[j].clustering);
      if (c <= 0) x = xs[i++];
      if (c >= 0) y = ys[j++];
    }
    const clustering = (x ?? y)!.clustering;
    const outer = rangeTombstones.length ? coveringDeletion(table, deletion, rangeTombstones, clustering) : deletion;
    const r = mergeRows(table, x, y, outer);
    if (r) out.rows.push(r);
  }
  return out;
}

export function emptyPartition(key: Buffer, token: bigint): PartitionData {
  return { key, token, rangeTombstones: [], rows: [] };
}
