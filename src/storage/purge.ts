// Garbage collection of deletion information, done when data is written back (and by compact()). A tombstone may
// only disappear once gc_grace_seconds have passed since it was written: before that, a replica that missed the
// deletion could resurrect the data through repair. Expired cells become tombstones written at (expiry - ttl),
// as Cassandra's AbstractCell.purge does.
import type { Cell, ColumnData, ComplexCell, LivenessInfo, RangeTombstone, Row, Tombstone } from './types.ts';
import { emptyCells, isComplex } from './types.ts';

export interface PurgeContext {
  nowSec: number;
  /** Deletions with ldt strictly below this are purgeable (now - gc_grace_seconds). */
  gcBefore: number;
  /** Number of items removed so far. */
  purged: number;
}

export function purgeContext(nowSec: number, gcGraceSeconds: number): PurgeContext {
  return { nowSec, gcBefore: nowSec - gcGraceSeconds, purged: 0 };
}

export function purgeTombstone(t: Tombstone | undefined, ctx: PurgeContext): Tombstone | undefined {
  if (t && t.ldt < ctx.gcBefore) {
    ctx.purged++;
    return undefined;
  }
  return t;
}

export function purgeCell(c: Cell, ctx: PurgeContext): Cell | undefined {
  if (c.v === null) {
    if ((c.ldt ?? 0) < ctx.gcBefore) {
      ctx.purged++;
      return undefined;
    }
    return c;
  }
  if (c.ttl !== undefined && c.ldt !== undefined && c.ldt <= ctx.nowSec) {
    const deletedAt = c.ldt - c.ttl;
    if (deletedAt < ctx.gcBefore) {
      ctx.purged++;
      return undefined;
    }
    return { ts: c.ts, v: null, ldt: deletedAt };
  }
  return c;
}

function purgeMarker(m: LivenessInfo | undefined, ctx: PurgeContext): LivenessInfo | undefined {
  if (m && m.ttl !== undefined && m.ldt !== undefined && m.ldt <= ctx.nowSec && m.ldt < ctx.gcBefore) {
    ctx.purged++;
    return undefined;
  }
  return m;
}

function purgeColumn(d: ColumnData, ctx: PurgeContext): ColumnData | undefined {
  if (!isComplex(d)) return purgeCell(d, ctx);
  const deletion = purgeTombstone(d.deletion, ctx);
  let cells: ComplexCell[] | undefined = deletion !== d.deletion ? [] : undefined;
  for (let i = 0; i < d.cells.length; i++) {
    const c = d.cells[i];
    const p = purgeCell(c.cell, ctx);
    if (p === c.cell) {
      if (cells) cells.push(c);
      continue;
    }
    if (!cells) cells = d.cells.slice(0, i);
    if (p) cells.push({ path: c.path, cell: p });
  }
  if (!cells) return d;
  if (!deletion && cells.length === 0) return undefined;
  return deletion ? { deletion, cells } : { cells };
}

/** Returns the row with purgeable deletion info removed (the same object if nothing changed), or undefined. */
export function purgeRow(row: Row, ctx: PurgeContext): Row | undefined {
  const before = ctx.purged;
  const marker = purgeMarker(row.marker, ctx);
  const deletion = purgeTombstone(row.deletion, ctx);
  let cells = row.cells;
  let changed = marker !== row.marker || deletion !== row.deletion;
  let any = false;
  for (const name in row.cells) {
    const d = row.cells[name];
    const p = purgeColumn(d, ctx);
    if (p !== d) {
      if (cells === row.cells) cells = Object.assign(emptyCells(), row.cells);
      if (p) cells[name] = p;
      else delete cells[name];
      changed = true;
    }
    if (p) any = true;
  }
  if (!changed && before === ctx.purged) return row;
  if (!marker && !deletion && !any) return undefined;
  const out: Row = { clustering: row.clustering, cells };
  if (marker) out.marker = marker;
  if (deletion) out.deletion = deletion;
  return out;
}

export function purgeRangeTombstones(rts: RangeTombstone[], ctx: PurgeContext): RangeTombstone[] {
  const kept = rts.filter((rt) => rt.deletion.ldt >= ctx.gcBefore);
  ctx.purged += rts.length - kept.length;
  return kept.length === rts.length ? rts : kept;
}

/** Counts the items of a row, for reporting how much compaction removed. */
export function countRowItems(row: Row | undefined): number {
  if (!row) return 0;
  let n = (row.marker ? 1 : 0) + (row.deletion ? 1 : 0);
  for (const name in row.cells) {
    const d = row.cells[name];
    n += isComplex(d) ? (d.deletion ? 1 : 0) + d.cells.length : 1;
  }
  return n;
}
