// The column operations of UPDATE: one assignment turned into the column's new cells (list operations by index or
// value read the current list first, as Cassandra does), and two operations on one column combined.
import type { Assignment } from '../../model/ast.ts';
import type { ColumnDef, TableDef } from '../../schema/model.ts';
import type { ColumnData, ComplexCell, PartitionData, Row } from '../../storage/types.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { UNSET } from '../../protocol/messages.ts';
import type { CqlType } from '../../model/types.ts';
import { compareCellPaths } from '../../storage/compare.ts';
import { maxDeletion, reconcileCell } from '../../storage/merge.ts';
import { readCollection } from '../../model/values/collections.ts';
import { addElements, assignColumn, elementCells, fieldPath, liveCell, tombstoneCell, type WriteTime } from './cells.ts';
import type { ExecValue } from './values.ts';
import type { ExecEnv } from './plan.ts';
import { liveRows } from '../../storage/live.ts';
import type { ConsistencyLevel } from '../../model/consistency.ts';
import { addDeltas, counterDelta } from './counter-ops.ts';
import { isCounterType } from '../../storage/counters.ts';

/**
 * Combines two operations of one statement on one multi-cell column (`s = s + {5}, s = s - {1}`). Storage expects
 * element cells sorted by path; an element both written and removed reconciles as storage would (same timestamp: the
 * tombstone wins, as in Cassandra).
 */
export function mergeColumnData(type: CqlType, prev: ColumnData | undefined, next: ColumnData): ColumnData {
  if (prev && isCounterType(type) && !('cells' in prev) && !('cells' in next)) return addDeltas(prev, next);
  if (!prev || !('cells' in prev) || !('cells' in next)) return next;
  const cells = [...prev.cells, ...next.cells].sort((a, b) => compareCellPaths(type, a.path, b.path));
  const merged: ComplexCell[] = [];
  for (const e of cells) {
    const last = merged[merged.length - 1];
    if (last && compareCellPaths(type, last.path, e.path) === 0) merged[merged.length - 1] = { path: last.path, cell: reconcileCell(last.cell, e.cell) };
    else merged.push(e);
  }
  const deletion = maxDeletion(prev.deletion, next.deletion);
  return deletion ? { deletion, cells: merged } : { cells: merged };
}

/** Reads the current live list of a row's column (list index operations need it, as in Cassandra). */
export async function currentList(env: ExecEnv, table: TableDef, p: PartitionData, row: Row, c: ColumnDef, cl: ConsistencyLevel, nowSec: number): Promise<ComplexCell[]> {
  const ks = env.schema().keyspaces.get(table.keyspace)!;
  const filter = table.clustering.length
    ? { slices: [{ start: { prefix: row.clustering, inclusive: true }, end: { prefix: row.clustering, inclusive: true } }] }
    : {};
  const data = await env.coordinator.read(ks, table, p.key, p.token, filter, cl, nowSec);
  if (!data) return [];
  const src = c.kind === 'static' ? data.staticRow : data.rows.find((r) => r.clustering.every((v, i) => v.equals(row.clustering[i])));
  const col = src?.cells[c.name];
  if (!col || !('cells' in col)) return [];
  const live = liveRows(table, { ...data, rows: src && c.kind !== 'static' ? [src] : [], staticRow: c.kind === 'static' ? src : undefined }, nowSec);
  const present = (c.kind === 'static' ? live.staticRow : live.rows[0])?.cells[c.name];
  if (!present) return [];
  const deletedAt = col.deletion?.ts ?? -Infinity;
  return col.cells.filter((e) => e.cell.v !== null && e.cell.ts > deletedAt && (e.cell.ldt === undefined || e.cell.ldt > nowSec));
}

export async function updateColumn(env: ExecEnv, table: TableDef, p: PartitionData, row: Row, c: ColumnDef, a: Assignment, v: Buffer | null,
  k: ExecValue | undefined, w: WriteTime, cl: ConsistencyLevel): Promise<ColumnData | undefined> {
  const t = c.type;
  switch (a.kind) {
    case 'set':
      return assignColumn(t, v, w);
    case 'add':
      if (isCounterType(t)) return counterDelta(v, false, w);
      if (v === null) return undefined;
      return addElements(elementCells(t, v, w));
    case 'prepend':
      if (v === null) return undefined;
      return addElements(elementCells(t, v, w, true));
    case 'remove': {
      if (isCounterType(t)) return counterDelta(v, true, w);
      if (v === null) return undefined;
      if (t.kind === 'list') {
        const doomed = readCollection(v);
        const cur = await currentList(env, table, p, row, c, cl, w.nowSec);
        return addElements(cur.filter((e) => doomed.some((d) => d.equals(e.cell.v!))).map((e) => ({ path: e.path, cell: tombstoneCell(w) })));
      }
      return addElements(readCollection(v).map((e) => ({ path: e, cell: tombstoneCell(w) })));
    }
    case 'set_element': {
      if (k === undefined || k === UNSET || k === null) throw new InvalidRequestError(`Invalid null value for ${t.kind} element of ${c.name}`);
      if (t.kind === 'map') return addElements([{ path: k, cell: v === null ? tombstoneCell(w) : liveCell(v, w) }]);
      const idx = k.readInt32BE(0);
      const cur = await currentList(env, table, p, row, c, cl, w.nowSec);
      if (idx < 0 || idx >= cur.length) throw new InvalidRequestError(`List index ${idx} out of bound, list has size ${cur.length}`);
      return addElements([{ path: cur[idx].path, cell: v === null ? tombstoneCell(w) : liveCell(v, w) }]);
    }
    case 'set_field': {
      if (t.kind !== 'udt') return undefined;
      const i = t.fieldNames.indexOf(a.field);
      return addElements([{ path: fieldPath(i), cell: v === null ? tombstoneCell(w) : liveCell(v, w) }]);
    }
  }
}
