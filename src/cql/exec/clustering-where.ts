// Compiling clustering relations of a WHERE clause into ClusteringRestrictions (clustering.ts), with Cassandra's
// rules and messages: which combinations select rows directly, which need ALLOW FILTERING, which are refused.
import { relationTermText } from './term-text.ts';
import type { Relation, Term } from '../../model/ast.ts';
import type { CqlType } from '../../model/types.ts';
import type { ColumnDef, TableDef } from '../../schema/model.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { UNSET } from '../../protocol/messages.ts';
import { compareValues } from '../../model/values/compare.ts';
import { readCollection, readTuple } from '../../model/values/collections.ts';
import { compileTerm, type BindContext, type CompiledTerm, type MarkerTypes, type Receiver } from './terms.ts';
import type { BoundValues, ClusteringRestrictions, ClusteringSlice, EqGroup, TupleValues } from './clustering.ts';
import type { ExecValue } from './values.ts';

/** One clustering relation, single-column (`c > 1`) or multi-column (`(c, d) > (1, 2)`, also `(c) > (1)`). */
export interface ClusteringEntry {
  rel: Relation;
  start: number;
  columns: ColumnDef[];
  multi: boolean;
  kind: 'eq' | 'in' | 'slice';
  values?: TupleValues;
  bound?: { side: 'lower' | 'upper'; values: BoundValues; inclusive: boolean };
}

/** The tuple row values of `columns` for filtering (null when a column is absent). */
export type TupleOfRow = (columns: ColumnDef[]) => Array<Buffer | null>;

export interface ClusteringAnalysis {
  restrictions: ClusteringRestrictions;
  /** Relations that must be checked row by row (ALLOW FILTERING). */
  filterEntries: ClusteringEntry[];
  /** What Cassandra answers when those relations are used without ALLOW FILTERING. */
  filteringError?: string;
}

function relationText(rel: Relation, columns: string[]): string {
  const rhs = rel.op === 'IN' && rel.rhs.kind === 'list' ? `(${rel.rhs.elements.map(relationTermText).join(', ')})` : relationTermText(rel.rhs);
  return `(${columns.join(', ')}) ${rel.op} ${rhs}`;
}

function receiverOf(table: TableDef, c: ColumnDef): Receiver {
  return { keyspace: table.keyspace, table: table.name, name: c.name, type: c.type };
}

function tupleName(columns: ColumnDef[]): string {
  return `(${columns.map((c) => c.name).join(',')})`;
}

function tupleReceiver(table: TableDef, columns: ColumnDef[], name: string): Receiver {
  const type: CqlType = { kind: 'tuple', elements: columns.map((c) => c.type) };
  return { keyspace: table.keyspace, table: table.name, name, type };
}

type NullMessage = (column: ColumnDef) => string;

/** A tuple term (literal or marker) compiled to a function yielding its values, checked for null and unset. */
function compileTuple(table: TableDef, columns: ColumnDef[], t: Term, markers: MarkerTypes, onNull: NullMessage): BoundValues {
  if (t.kind === 'bind') {
    const whole = compileTerm(t, tupleReceiver(table, columns, tupleName(columns)), markers);
    return (ctx) => {
      const v = whole(ctx);
      if (v === UNSET) throw new InvalidRequestError(`Invalid unset value for tuple ${tupleName(columns)}`);
      if (v === null) throw new InvalidRequestError(onNull(columns[0]));
      return readTuple(v, columns.length).map((x, i) => {
        if (x === null) throw new InvalidRequestError(onNull(columns[i]));
        return x;
      });
    };
  }
  if (t.kind !== 'tuple') throw new InvalidRequestError(`Expected a tuple of values for the multi-column relation on ${tupleName(columns)}`);
  if (t.elements.length !== columns.length) {
    throw new InvalidRequestError(`Expected ${columns.length} elements in value tuple, but got ${t.elements.length}: ${relationTermText(t)}`);
  }
  const parts: CompiledTerm[] = t.elements.map((e, i) => compileTerm(e, receiverOf(table, columns[i]), markers));
  return (ctx) => parts.map((p, i) => {
    const v: ExecValue = p(ctx);
    if (v === UNSET) throw new InvalidRequestError(`Invalid unset value for tuple field number ${i}`);
    if (v === null) throw new InvalidRequestError(onNull(columns[i]));
    return v;
  });
}

function compileTupleIn(table: TableDef, columns: ColumnDef[], rhs: Term, markers: MarkerTypes): TupleValues {
  const manyNull = `Invalid null value in condition for columns: [${columns.map((c) => c.name).join(', ')}]`;
  if (rhs.kind === 'bind') {
    const listType: CqlType = { kind: 'list', element: tupleReceiver(table, columns, '').type, frozen: false };
    const whole = compileTerm(rhs, { ...tupleReceiver(table, columns, `in${tupleName(columns)}`), type: listType }, markers);
    return (ctx) => {
      const v = whole(ctx);
      if (v === UNSET) throw new InvalidRequestError(`Invalid unset value for in${tupleName(columns)}`);
      if (v === null) throw new InvalidRequestError(manyNull);
      return readCollection(v).map((t) => readTuple(t, columns.length).map((x) => {
        if (x === null) throw new InvalidRequestError(manyNull);
        return x;
      }));
    };
  }
  if (rhs.kind !== 'list') throw new InvalidRequestError(`Invalid IN relation on ${tupleName(columns)}`);
  const single = rhs.elements.length === 1;
  const tuples = rhs.elements.map((e) =>
    compileTuple(table, columns, e, markers, (c) => (single ? `Invalid null value for column ${c.name}` : manyNull)));
  return (ctx) => tuples.map((t) => t(ctx));
}

function consecutiveColumns(table: TableDef, rel: Relation, names: string[]): ColumnDef[] {
  const cols = names.map((n) => {
    const c = table.columns.get(n);
    if (!c) throw new InvalidRequestError(`Undefined column name ${n} in table ${table.keyspace}.${table.name}`);
    return c;
  });
  for (const c of cols) {
    if (c.kind !== 'clustering') {
      throw new InvalidRequestError(`Multi-column relations can only be applied to clustering columns but was applied to: ${c.name}`);
    }
  }
  for (let i = 1; i < cols.length; i++) {
    if (cols[i].position !== cols[i - 1].position + 1) {
      throw new InvalidRequestError(`Clustering columns must appear in the PRIMARY KEY order in multi-column relations: ${relationText(rel, names)}`);
    }
  }
  return cols;
}

/** A multi-column relation `(c, d) op …` as an entry. */
export function multiColumnEntry(table: TableDef, rel: Relation, names: string[], markers: MarkerTypes): ClusteringEntry {
  const columns = consecutiveColumns(table, rel, names);
  const base = { rel, start: columns[0].position, columns, multi: true };
  if (rel.op === '=') {
    const one = compileTuple(table, columns, rel.rhs, markers, (c) => `Invalid null value for column ${c.name}`);
    return { ...base, kind: 'eq', values: (ctx) => [one(ctx)] };
  }
  if (rel.op === 'IN') return { ...base, kind: 'in', values: compileTupleIn(table, columns, rel.rhs, markers) };
  if (rel.op === '>' || rel.op === '>=' || rel.op === '<' || rel.op === '<=') {
    const values = compileTuple(table, columns, rel.rhs, markers, (c) => `Invalid null value in condition for column ${c.name}`);
    return { ...base, kind: 'slice', bound: { side: rel.op[0] === '>' ? 'lower' : 'upper', values, inclusive: rel.op.length === 2 } };
  }
  throw new InvalidRequestError(`Unsupported "${rel.op}" relation: ${relationText(rel, names)}`);
}

/** A single-column relation on a clustering column (=, IN, <, <=, >, >=) as an entry. */
export function singleColumnEntry(table: TableDef, rel: Relation, c: ColumnDef, value: CompiledTerm | undefined,
  list: ((ctx: BindContext) => Buffer[]) | undefined): ClusteringEntry {
  const base = { rel, start: c.position, columns: [c], multi: false };
  const req = (v: ExecValue): Buffer => {
    if (v === null) throw new InvalidRequestError(`Invalid null value in condition for column ${c.name}`);
    if (v === UNSET) throw new InvalidRequestError(`Invalid unset value for column ${c.name}`);
    return v;
  };
  if (rel.op === '=') return { ...base, kind: 'eq', values: (ctx) => [[req(value!(ctx))]] };
  if (rel.op === 'IN') return { ...base, kind: 'in', values: (ctx) => list!(ctx).map((v) => [v]) };
  return { ...base, kind: 'slice', bound: { side: rel.op[0] === '>' ? 'lower' : 'upper', values: (ctx) => [req(value!(ctx))], inclusive: rel.op.length === 2 } };
}

function checkNoDuplicates(entries: ClusteringEntry[]): void {
  const owner = new Map<number, ClusteringEntry>();
  for (const e of entries) {
    for (const c of e.columns) {
      const prev = owner.get(c.position);
      if (prev && (prev.kind !== 'slice' || e.kind !== 'slice')) {
        const what = e.kind === 'in' || (e.kind === 'slice' && prev.kind === 'in') ? 'a IN' : 'an Equal';
        throw new InvalidRequestError(`${c.name} cannot be restricted by more than one relation if it includes ${what}`);
      }
      if (!prev) owner.set(c.position, e);
    }
  }
}

/** Merges the slice entries that start at one column into one slice; refuses overlapping slices that do not. */
function mergeSlices(table: TableDef, slices: ClusteringEntry[]): { slice?: ClusteringSlice; others: ClusteringEntry[] } {
  if (slices.length === 0) return { others: [] };
  const start = Math.min(...slices.map((s) => s.start));
  const merged: ClusteringSlice = { start };
  const others: ClusteringEntry[] = [];
  const reach = Math.max(...slices.filter((s) => s.start === start).map((s) => s.start + s.columns.length));
  for (const s of slices) {
    if (s.start !== start) {
      // Cassandra refuses slices that overlap without starting at the same column; disjoint ones are left over.
      if (s.start < reach) {
        throw new InvalidRequestError(`Column "${s.columns[0].name}" cannot be restricted by two inequalities not starting with the same column`);
      }
      others.push(s);
      continue;
    }
    const b = s.bound!;
    if (merged[b.side]) {
      throw new InvalidRequestError(`More than one restriction was found for the ${b.side === 'lower' ? 'start' : 'end'} bound on ${table.clustering[start].name}`);
    }
    merged[b.side] = { values: b.values, inclusive: b.inclusive };
  }
  return { slice: merged, others };
}

/** Splits clustering entries into what selects rows and what needs filtering, with Cassandra's refusals. */
export function analyzeClustering(table: TableDef, entries: ClusteringEntry[], allowFiltering: boolean): ClusteringAnalysis {
  checkNoDuplicates(entries);
  const eqs = entries.filter((e) => e.kind !== 'slice').sort((a, b) => a.start - b.start);
  const { slice, others } = mergeSlices(table, entries.filter((e) => e.kind === 'slice'));
  const groups: EqGroup[] = [];
  let pos = 0;
  const used = new Set<ClusteringEntry>();
  for (const e of eqs) {
    if (e.start !== pos || (slice && slice.start <= e.start)) break;
    groups.push({ start: e.start, columns: e.columns, values: e.values! });
    used.add(e);
    pos += e.columns.length;
  }
  const sliceUsed = slice !== undefined && slice.start === pos;
  const restrictions: ClusteringRestrictions = { groups, eqColumns: pos, slice: sliceUsed ? slice : undefined };
  const leftovers = [...eqs.filter((e) => !used.has(e)), ...others];
  if (slice && !sliceUsed) leftovers.push(...entries.filter((e) => e.kind === 'slice' && e.start === slice.start));
  leftovers.sort((a, b) => a.start - b.start);
  let filteringError: string | undefined;
  for (const e of leftovers) {
    const first = e.columns[0].name;
    const message = sliceUsed
      ? `Clustering column "${first}" cannot be restricted (preceding column "${table.clustering[slice!.start].name}" is restricted by a non-EQ relation)`
      : `PRIMARY KEY column "${first}" cannot be restricted as preceding column "${table.clustering[pos].name}" is not restricted`;
    if (e.multi && (sliceUsed || !allowFiltering)) throw new InvalidRequestError(message);
    if (e.multi && e.kind === 'slice') throw new InvalidRequestError('Multi-column slice restrictions cannot be used for filtering.');
    filteringError ??= message;
  }
  return { restrictions, filterEntries: leftovers, filteringError };
}

/** A row-by-row check for a clustering entry that cannot select rows directly (ALLOW FILTERING). */
export function entryPredicate(e: ClusteringEntry): (row: TupleOfRow, ctx: BindContext) => boolean {
  const cmp = (vals: Array<Buffer | null>, t: Buffer[]): number => {
    for (let i = 0; i < t.length; i++) {
      const v = vals[i];
      if (v === null) return NaN;
      const c = compareValues(e.columns[i].type, v, t[i]);
      if (c !== 0) return c;
    }
    return 0;
  };
  if (e.kind !== 'slice') {
    return (row, ctx) => {
      const vals = row(e.columns);
      return e.values!(ctx).some((t) => cmp(vals, t) === 0);
    };
  }
  const b = e.bound!;
  return (row, ctx) => {
    const c = cmp(row(e.columns), b.values(ctx));
    if (Number.isNaN(c)) return false;
    if (b.side === 'lower') return c > 0 || (c === 0 && b.inclusive);
    return c < 0 || (c === 0 && b.inclusive);
  };
}
