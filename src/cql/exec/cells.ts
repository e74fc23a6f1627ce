// Turning assigned values into storage cells: simple cells, and the element cells of non-frozen collections and
// UDTs (lists keyed by timeuuid, sets by element, maps by key, UDT fields by index), with their TTLs.
import type { CqlType } from '../../model/types.ts';
import { isMultiCell } from '../../model/types.ts';
import type { Cell, ColumnData, ComplexCell, ComplexColumn } from '../../storage/types.ts';
import { readCollection, readMap, readTuple } from '../../model/values/collections.ts';
import { compareValues } from '../../model/values/compare.ts';
import { TimeUuidGenerator, makeTimeUuid } from '../../model/values/uuid.ts';

/** The write's timestamp, TTL and "now" (seconds) shared by every cell it produces. */
export interface WriteTime {
  ts: number;
  ttl: number; // 0 = no TTL
  nowSec: number;
  /** The statement's execution time from the injected clock: list element paths are timeuuids of it. */
  nowMs: number;
}

const EMPTY = Buffer.alloc(0);
const listPaths = new TimeUuidGenerator();
// Prepended list elements need paths that sort before every existing element: Cassandra derives them from a
// reference time minus the elapsed time, so later prepends sort earlier still.
const PREPEND_REFERENCE_MS = 1262304000000; // 2010-01-01
let prependCounter = 0;

export function liveCell(v: Buffer, w: WriteTime): Cell {
  if (w.ttl > 0) return { ts: w.ts, v, ttl: w.ttl, ldt: w.nowSec + w.ttl };
  return { ts: w.ts, v };
}

export function tombstoneCell(w: WriteTime): Cell {
  return { ts: w.ts, v: null, ldt: w.nowSec };
}

export function fieldPath(i: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(i, 0);
  return b;
}

/** Element cells of a serialized collection/UDT value, sorted by path. */
export function elementCells(type: CqlType, value: Buffer, w: WriteTime, prepend = false): ComplexCell[] {
  switch (type.kind) {
    case 'list': {
      const elems = readCollection(value);
      if (prepend) {
        const base = BigInt(PREPEND_REFERENCE_MS - (w.nowMs - PREPEND_REFERENCE_MS)) * 10000n - BigInt((prependCounter = (prependCounter + elems.length) % 5000));
        const node = Buffer.from('8000000000000000', 'hex');
        return elems.map((e, i) => ({ path: makeTimeUuid(base - BigInt(elems.length - i) * 1n, node), cell: liveCell(e, w) }));
      }
      return elems.map((e) => ({ path: listPaths.next(w.nowMs), cell: liveCell(e, w) }));
    }
    case 'set':
      return readCollection(value)
        .sort((a, b) => compareValues(type.element, a, b))
        .map((e) => ({ path: e, cell: liveCell(EMPTY, w) }));
    case 'map':
      return readMap(value)
        .sort((a, b) => compareValues(type.key, a[0], b[0]))
        .map(([k, v]) => ({ path: k, cell: liveCell(v, w) }));
    case 'udt': {
      const parts = readTuple(value, type.fieldNames.length);
      const out: ComplexCell[] = [];
      parts.forEach((p, i) => {
        if (p !== null) out.push({ path: fieldPath(i), cell: liveCell(p, w) });
      });
      return out;
    }
    default:
      return [];
  }
}

/** Whole-column assignment (`c = v`, INSERT): simple cell, or for multi-cell types a deletion + new elements. */
export function assignColumn(type: CqlType, value: Buffer | null, w: WriteTime): ColumnData {
  if (!isMultiCell(type)) return value === null ? tombstoneCell(w) : liveCell(value, w);
  // The deletion is one microsecond older than the new elements so that it removes only what came before.
  const col: ComplexColumn = { deletion: { ts: value === null ? w.ts : w.ts - 1, ldt: w.nowSec }, cells: [] };
  if (value !== null) col.cells = elementCells(type, value, w);
  return col;
}

/** Element additions without a deletion (`c = c + v`, `m[k] = v`). */
export function addElements(cells: ComplexCell[]): ComplexColumn {
  return { cells };
}
