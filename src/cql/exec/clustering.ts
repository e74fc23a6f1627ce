// Clustering restrictions: which rows of a partition a WHERE clause selects, from single-column relations (`c = 1`,
// `c IN (…)`, `c > 1`) and multi-column ones (`(c, d) = (1, 2)`, `(c, d) IN ((…))`, `(c, d) > (1, 2)`).
//
// Multi-column slices compare tuples by value, whatever each column's clustering order (CASSANDRA-7281): with
// `CLUSTERING ORDER BY (a ASC, b DESC)`, `(a, b) > (1, 0)` means `a > 1 OR (a = 1 AND b > 0)`. Such a bound is a union
// of boxes (an equality prefix, then a range on one column), and a box maps to one storage slice in clustering order.
import type { ColumnDef, TableDef } from '../../schema/model.ts';
import type { Bound, Slice } from '../../storage/types.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { compareValues } from '../../model/values/compare.ts';
import { compareClustering, comparePositions, startPosition } from '../../storage/compare.ts';
import type { BindContext } from './terms.ts';

/** Yields, per execution, the value tuples an EQ/IN group allows (each of `columns.length` values). */
export type TupleValues = (ctx: BindContext) => Buffer[][];
/** Yields one bound tuple (a prefix of the slice's columns). */
export type BoundValues = (ctx: BindContext) => Buffer[];

export interface EqGroup {
  /** Position of the first column. */
  start: number;
  columns: ColumnDef[];
  values: TupleValues;
}

export interface SliceBound {
  values: BoundValues;
  inclusive: boolean;
}

export interface ClusteringSlice {
  start: number;
  lower?: SliceBound;
  upper?: SliceBound;
}

/** The restrictions that select rows: EQ/IN groups covering columns 0..n-1, then at most one slice starting at n. */
export interface ClusteringRestrictions {
  groups: EqGroup[];
  /** Columns fixed by the groups. */
  eqColumns: number;
  slice?: ClusteringSlice;
}

interface Range {
  lower?: { value: Buffer; inclusive: boolean };
  upper?: { value: Buffer; inclusive: boolean };
}

/** Constraints on consecutive columns from a slice's first column: equalities, then an optional range. */
interface Box {
  eq: Buffer[];
  range?: Range;
}

type Compare = (column: number, a: Buffer, b: Buffer) => number;

/** `x > v` (or `>=`) over a tuple, as disjoint boxes: x0 > v0; x0 = v0 and x1 > v1; …; and x = v when inclusive. */
function boundBoxes(values: Buffer[], inclusive: boolean, side: 'lower' | 'upper'): Box[] {
  const boxes: Box[] = [];
  for (let i = 0; i < values.length; i++) {
    const open = { value: values[i], inclusive: false };
    boxes.push({ eq: values.slice(0, i), range: side === 'lower' ? { lower: open } : { upper: open } });
  }
  if (inclusive) boxes.push({ eq: values.slice() });
  return boxes;
}

function inRange(cmp: Compare, col: number, v: Buffer, r: Range): boolean {
  if (r.lower) {
    const c = cmp(col, v, r.lower.value);
    if (c < 0 || (c === 0 && !r.lower.inclusive)) return false;
  }
  if (r.upper) {
    const c = cmp(col, v, r.upper.value);
    if (c > 0 || (c === 0 && !r.upper.inclusive)) return false;
  }
  return true;
}

function tighter(cmp: Compare, col: number, a: Range['lower'], b: Range['lower'], side: 1 | -1): Range['lower'] {
  if (!a) return b;
  if (!b) return a;
  const c = cmp(col, a.value, b.value) * side;
  if (c !== 0) return c > 0 ? a : b;
  return a.inclusive ? b : a;
}

/** Intersects two ranges on one column; undefined when empty. A single-value range becomes an equality. */
function intersectRanges(cmp: Compare, col: number, a: Range, b: Range): Range | Buffer | undefined {
  const lower = tighter(cmp, col, a.lower, b.lower, 1);
  const upper = tighter(cmp, col, a.upper, b.upper, -1);
  if (lower && upper) {
    const c = cmp(col, lower.value, upper.value);
    if (c > 0 || (c === 0 && !(lower.inclusive && upper.inclusive))) return undefined;
    if (c === 0) return lower.value;
  }
  const r: Range = {};
  if (lower) r.lower = lower;
  if (upper) r.upper = upper;
  return r;
}

/** The intersection of two boxes over the same first column, or undefined when it is empty. */
function intersectBoxes(cmp: Compare, a: Box, b: Box): Box | undefined {
  const eq: Buffer[] = [];
  for (let i = 0; ; i++) {
    const aEq = i < a.eq.length ? a.eq[i] : undefined;
    const bEq = i < b.eq.length ? b.eq[i] : undefined;
    const aRange = i === a.eq.length ? a.range : undefined;
    const bRange = i === b.eq.length ? b.range : undefined;
    const aDone = aEq === undefined && aRange === undefined;
    const bDone = bEq === undefined && bRange === undefined;
    if (aDone && bDone) return { eq };
    if (aDone || bDone) {
      const rest = aDone ? b : a;
      return { eq: [...eq, ...rest.eq.slice(i)], range: rest.range };
    }
    if (aEq !== undefined && bEq !== undefined) {
      if (cmp(i, aEq, bEq) !== 0) return undefined;
      eq.push(aEq);
      continue;
    }
    if (aEq !== undefined || bEq !== undefined) {
      // One side fixes the column, the other ends with a range on it: the value must lie in the range.
      const [fixed, ranged, range] = aEq !== undefined ? [a, b, bRange!] : [b, a, aRange!];
      const v = (aEq ?? bEq)!;
      if (!inRange(cmp, i, v, range)) return undefined;
      void ranged;
      return { eq: [...eq, ...fixed.eq.slice(i)], range: fixed.range };
    }
    const r = intersectRanges(cmp, i, aRange!, bRange!);
    if (r === undefined) return undefined;
    if (Buffer.isBuffer(r)) return { eq: [...eq, r] };
    return { eq, range: r };
  }
}

function sliceBoxes(cmp: Compare, lower: Buffer[] | undefined, lowerIncl: boolean, upper: Buffer[] | undefined, upperIncl: boolean): Box[] {
  const lows = lower ? boundBoxes(lower, lowerIncl, 'lower') : [{ eq: [] }];
  const ups = upper ? boundBoxes(upper, upperIncl, 'upper') : [{ eq: [] }];
  const out: Box[] = [];
  for (const l of lows) {
    for (const u of ups) {
      const b = intersectBoxes(cmp, l, u);
      if (b) out.push(b);
    }
  }
  return out;
}

/** A box under a fixed clustering prefix, as a storage slice (bounds in clustering order). */
function boxSlice(table: TableDef, prefix: Buffer[], box: Box): Slice {
  const eq = [...prefix, ...box.eq];
  const all: Slice = { start: { prefix: eq, inclusive: true }, end: { prefix: eq, inclusive: true } };
  if (!box.range) return all;
  const col = table.clustering[eq.length];
  const lower: Bound = box.range.lower ? { prefix: [...eq, box.range.lower.value], inclusive: box.range.lower.inclusive } : all.start;
  const upper: Bound = box.range.upper ? { prefix: [...eq, box.range.upper.value], inclusive: box.range.upper.inclusive } : all.end;
  return col.order === 'desc' ? { start: upper, end: lower } : { start: lower, end: upper };
}

function cartesian(groups: Buffer[][][]): Buffer[][] {
  let out: Buffer[][] = [[]];
  for (const tuples of groups) {
    const next: Buffer[][] = [];
    for (const p of out) for (const t of tuples) next.push([...p, ...t]);
    out = next;
  }
  return out;
}

/** The storage slices (sorted, disjoint) the restrictions select; undefined = the whole partition. */
export function buildSlices(table: TableDef, r: ClusteringRestrictions, ctx: BindContext): Slice[] | undefined {
  if (r.groups.length === 0 && !r.slice) return undefined;
  let prefixes = cartesian(r.groups.map((g) => g.values(ctx)));
  prefixes.sort((a, b) => compareClustering(table, a, b));
  prefixes = prefixes.filter((p, i) => i === 0 || compareClustering(table, prefixes[i - 1], p) !== 0);
  const full = (prefix: Buffer[]): Slice => ({ start: { prefix, inclusive: true }, end: { prefix, inclusive: true } });
  const s = r.slice;
  if (!s) return prefixes.map(full);
  const cmp: Compare = (i, a, b) => compareValues(table.clustering[s.start + i].type, a, b);
  const lower = s.lower?.values(ctx);
  const upper = s.upper?.values(ctx);
  const boxes = sliceBoxes(cmp, lower, s.lower?.inclusive ?? true, upper, s.upper?.inclusive ?? true);
  const slices: Slice[] = [];
  for (const p of prefixes) for (const b of boxes) slices.push(boxSlice(table, p, b));
  return slices.sort((a, b) => comparePositions(table, startPosition(a.start), startPosition(b.start)));
}

/** Cassandra's limit on a partition key (serialized) and on a clustering (the sum of its values), in bytes. */
export const MAX_KEY_LENGTH_BYTES = 0xffff;

function keyTooLong(length: number): InvalidRequestError {
  return new InvalidRequestError(`Key length of ${length} is longer than maximum of ${MAX_KEY_LENGTH_BYTES}`);
}

export function checkPartitionKeySize(key: Buffer): Buffer {
  if (key.length > MAX_KEY_LENGTH_BYTES) throw keyTooLong(key.length);
  return key;
}

/** Writes refuse a clustering whose values add up to more than 64 KiB (Cassandra 5 counts the sum). */
export function checkClusteringSize(values: Buffer[]): Buffer[] {
  let total = 0;
  for (const v of values) total += v.length;
  if (total > MAX_KEY_LENGTH_BYTES) throw keyTooLong(total);
  return values;
}
