// What a query sees: partition data reduced to live rows and live cell values at a given time, with deletions,
// range tombstones, TTL expiry and shadowing applied. Non-frozen collections/UDTs are re-serialized in v4 format.
import type { CqlType } from '../model/types.ts';
import type { TableDef } from '../schema/model.ts';
import type { Cell, ComplexColumn, PartitionData, Row, Tombstone } from './types.ts';
import { isComplex } from './types.ts';
import { coveringDeletion, maxDeletion } from './merge.ts';
import { counterValue, hasCounters, isCounterColumn } from './counters.ts';
import { emptyCells } from './types.ts';

export { compareClustering } from './compare.ts';

export interface LiveCellView {
  value: Buffer;
  /** Write timestamp (µs); for complex columns the latest element's. */
  ts: number;
  /** Remaining seconds to live (what CQL's ttl() returns), when the cell is expiring. */
  ttl?: number;
  /** For a non-frozen collection or UDT: each live element's timestamp and TTL, in value order (UDTs: field index). */
  elements?: LiveElement[];
}

export interface LiveElement {
  ts: number;
  ttl?: number;
  /** The UDT field of the element. */
  field?: number;
}

export interface LiveRow {
  clustering: Buffer[];
  cells: Record<string, LiveCellView>;
  isStatic?: boolean;
}

export function isCellLive(c: Cell, shadow: Tombstone | undefined, nowSec: number): boolean {
  if (c.v === null) return false;
  if (shadow && c.ts <= shadow.ts) return false;
  return c.ttl === undefined || c.ldt === undefined || nowSec < c.ldt;
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n);
  return b;
}

/** The live elements of a non-frozen column as the v4 value of the equivalent frozen type, or undefined if none. */
export function serializeComplex(type: CqlType, col: ComplexColumn, shadow: Tombstone | undefined,
  nowSec: number): LiveCellView | undefined {
  const eff = maxDeletion(shadow, col.deletion);
  const live = col.cells.filter((c) => isCellLive(c.cell, eff, nowSec));
  if (live.length === 0) return undefined;
  let ts = 0;
  const elements: LiveElement[] = new Array<LiveElement>(live.length);
  for (let i = 0; i < live.length; i++) {
    const c = live[i]!.cell;
    if (c.ts > ts) ts = c.ts;
    const e: LiveElement = { ts: c.ts };
    if (c.ttl !== undefined && c.ldt !== undefined) e.ttl = c.ldt - nowSec;
    if (type.kind === 'udt') e.field = live[i]!.path.length >= 2 ? live[i]!.path.readUInt16BE(0) : live[i]!.path[0] ?? 0;
    elements[i] = e;
  }
  const parts: Buffer[] = [];
  if (type.kind === 'udt') {
    // Every field of the type, as Cassandra serializes a non-frozen UDT: fields without a live cell are null.
    const byIndex = new Map<number, Buffer>();
    let last = type.fieldNames.length - 1;
    for (const c of live) {
      const idx = c.path.length >= 2 ? c.path.readUInt16BE(0) : c.path[0] ?? 0;
      byIndex.set(idx, c.cell.v!);
      if (idx > last) last = idx;
    }
    for (let i = 0; i <= last; i++) {
      const v = byIndex.get(i);
      if (v === undefined) parts.push(int32(-1));
      else parts.push(int32(v.length), v);
    }
  } else {
    parts.push(int32(live.length));
    for (const c of live) {
      if (type.kind === 'set') parts.push(int32(c.path.length), c.path);
      else if (type.kind === 'map') parts.push(int32(c.path.length), c.path, int32(c.cell.v!.length), c.cell.v!);
      else parts.push(int32(c.cell.v!.length), c.cell.v!);
    }
  }
  return { value: Buffer.concat(parts), ts, elements };
}

/**
 * The deletion that shadows one column's cells: the row's, and for a column once dropped (ALTER TABLE DROP) also
 * the drop itself, so that data written before it stays invisible even after the column is added again. null for a
 * name the table no longer has: those cells are not part of the row.
 */
function columnShadow(table: TableDef, name: string, shadow: Tombstone | undefined): Tombstone | undefined | null {
  if (!table.columns.has(name)) return null;
  const dropped = table.dropped?.get(name);
  if (dropped === undefined) return shadow;
  return maxDeletion(shadow, { ts: dropped.droppedTime, ldt: Math.floor(dropped.droppedTime / 1e6) });
}

/** The live view of one row under `outer` (partition deletion / covering range tombstones), or undefined if dead. */
export function liveRow(table: TableDef, row: Row, outer: Tombstone | undefined, nowSec: number,
  isStatic: boolean): LiveRow | undefined {
  const shadow = maxDeletion(outer, row.deletion);
  const m = row.marker;
  let live = !!m && (!shadow || m.ts > shadow.ts) && (m.ttl === undefined || m.ldt === undefined || nowSec < m.ldt);
  const cells: Record<string, LiveCellView> = emptyCells();
  const counters = hasCounters(table);
  for (const name in row.cells) {
    const d = row.cells[name];
    const colShadow = table.dropped === undefined ? shadow : columnShadow(table, name, shadow);
    if (colShadow === null) continue;
    if (isComplex(d)) {
      const def = table.columns.get(name);
      if (!def) continue;
      const v = serializeComplex(def.type, d, colShadow, nowSec);
      if (v) {
        cells[name] = v;
        live = true;
      }
    } else if (isCellLive(d, colShadow, nowSec)) {
      const view: LiveCellView = { value: counters && isCounterColumn(table, name) ? counterValue(d.v!) : d.v!, ts: d.ts };
      if (d.ttl !== undefined && d.ldt !== undefined) view.ttl = d.ldt - nowSec;
      cells[name] = view;
      live = true;
    }
  }
  if (!live) return undefined;
  const out: LiveRow = { clustering: row.clustering, cells };
  if (isStatic) out.isStatic = true;
  return out;
}

/** Whether a row has anything live (cheaper than liveRow: builds no values). */
export function isRowLive(table: TableDef, row: Row, outer: Tombstone | undefined, nowSec: number): boolean {
  const shadow = maxDeletion(outer, row.deletion);
  const m = row.marker;
  if (m && (!shadow || m.ts > shadow.ts) && (m.ttl === undefined || m.ldt === undefined || nowSec < m.ldt)) return true;
  for (const name in row.cells) {
    const d = row.cells[name];
    const colShadow = table.dropped === undefined ? shadow : columnShadow(table, name, shadow);
    if (colShadow === null) continue;
    if (isComplex(d)) {
      const eff = maxDeletion(colShadow, d.deletion);
      if (d.cells.some((c) => isCellLive(c.cell, eff, nowSec))) return true;
    } else if (isCellLive(d, colShadow, nowSec)) return true;
  }
  return false;
}

export function liveRows(table: TableDef, p: PartitionData, nowSec: number): { staticRow?: LiveRow; rows: LiveRow[] } {
  const out: { staticRow?: LiveRow; rows: LiveRow[] } = { rows: [] };
  if (p.staticRow) {
    const s = liveRow(table, p.staticRow, p.deletion, nowSec, true);
    if (s) out.staticRow = s;
  }
  const rts = p.rangeTombstones;
  for (const row of p.rows) {
    const outer = rts.length ? coveringDeletion(table, p.deletion, rts, row.clustering) : p.deletion;
    const r = liveRow(table, row, outer, nowSec, false);
    if (r) out.rows.push(r);
  }
  return out;
}
