// Orders over clustering prefixes, slice bounds and cell paths, built on the one value comparator
// (model/values/compare.ts), which must agree exactly with the byte-comparable encoding in keys.ts (property-tested).
import type { CqlType } from '../model/types.ts';
import type { TableDef } from '../schema/model.ts';
import type { Bound } from './types.ts';
import { compareValues } from '../model/values/compare.ts';

export { compareValues };

const TIMEUUID: CqlType = { kind: 'native', name: 'timeuuid' };
const SHORT_PATH: CqlType = { kind: 'native', name: 'blob' };

/** Order of element paths inside a non-frozen column of this type. */
export function cellPathType(type: CqlType): CqlType {
  switch (type.kind) {
    case 'list':
      return TIMEUUID;
    case 'set':
      return type.element;
    case 'map':
      return type.key;
    default:
      // UDT field indexes are 2-byte unsigned shorts: byte order is numeric order.
      return SHORT_PATH;
  }
}

export function compareCellPaths(type: CqlType, a: Buffer, b: Buffer): number {
  return compareValues(cellPathType(type), a, b);
}

/** Clustering order over (possibly partial) clustering prefixes; a shorter equal prefix sorts first. */
export function compareClustering(table: TableDef, a: Buffer[], b: Buffer[]): number {
  const n = Math.min(a.length, b.length);
  const cols = table.clustering;
  for (let i = 0; i < n; i++) {
    const col = cols[i];
    let c = compareValues(col.type, a[i], b[i]);
    if (c !== 0) {
      if (col.order === 'desc') c = -c;
      return c;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * A point between rows: a clustering prefix plus a bias saying whether it sits before (-1) or after (+1) every row
 * extending that prefix; 0 is the row itself. Empty prefixes mean -∞ for starts and +∞ for ends.
 */
export interface Position {
  prefix: Buffer[];
  bias: -1 | 0 | 1;
}

export function startPosition(b: Bound): Position {
  if (b.prefix.length === 0) return { prefix: b.prefix, bias: -1 };
  return { prefix: b.prefix, bias: b.inclusive ? -1 : 1 };
}

export function endPosition(b: Bound): Position {
  if (b.prefix.length === 0) return { prefix: b.prefix, bias: 1 };
  return { prefix: b.prefix, bias: b.inclusive ? 1 : -1 };
}

export function comparePositions(table: TableDef, a: Position, b: Position): number {
  const n = Math.min(a.prefix.length, b.prefix.length);
  const cols = table.clustering;
  for (let i = 0; i < n; i++) {
    const col = cols[i];
    let c = compareValues(col.type, a.prefix[i], b.prefix[i]);
    if (c !== 0) {
      if (col.order === 'desc') c = -c;
      return c;
    }
  }
  if (a.prefix.length === b.prefix.length) return a.bias === b.bias ? 0 : a.bias < b.bias ? -1 : 1;
  // The shorter prefix is a prefix of the longer: its bias puts it before or after the whole group.
  if (a.prefix.length < b.prefix.length) return a.bias < 0 ? -1 : a.bias > 0 ? 1 : -1;
  return b.bias < 0 ? 1 : b.bias > 0 ? -1 : 1;
}

/** Whether a row's clustering lies within [start, end] (bounds' inclusiveness respected). */
export function boundsContain(table: TableDef, start: Bound, end: Bound, clustering: Buffer[]): boolean {
  const row: Position = { prefix: clustering, bias: 0 };
  return comparePositions(table, startPosition(start), row) < 0 && comparePositions(table, row, endPosition(end)) < 0;
}
