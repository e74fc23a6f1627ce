// WHERE clause analysis: splits relations into what selects partitions (partition key equalities/IN, token
// ranges), what selects rows inside a partition (clustering slices), and what must be checked row by row
// (filtering). Mirrors Cassandra's rules for which restrictions are legal without ALLOW FILTERING.
import type { Relation, Term } from '../ast.ts';
import type { CqlType } from '../types.ts';
import type { ColumnDef, TableDef } from '../../schema/model.ts';
import type { Bound, Slice } from '../../storage/types.ts';
import { InvalidRequestError } from '../../protocol/errors.ts';
import { UNSET } from '../../protocol/messages.ts';
import { compareValues } from '../values/compare.ts';
import { readCollection, readMap } from '../values/collections.ts';
import { compileTerm, MarkerTypes, type BindContext, type CompiledTerm, type Receiver } from './terms.ts';
import type { ExecValue } from './values.ts';

/** The values of one result row's columns, by name (null = absent). */
export type RowValues = (column: string) => Buffer | null;
export type RowPredicate = (row: RowValues, ctx: BindContext) => boolean;

interface ColumnRestriction {
  eq?: CompiledTerm;
  in?: CompiledList;
  lower?: { term: CompiledTerm; inclusive: boolean };
  upper?: { term: CompiledTerm; inclusive: boolean };
}

/** IN (a, b) compiles to a list of terms; IN ? to one marker carrying a serialized list. */
type CompiledList = (ctx: BindContext) => Buffer[];

export interface CompiledWhere {
  /** Set when every partition key column has = or IN: yields each partition key's component values. */
  partitionKeys?: (ctx: BindContext) => Buffer[][];
  tokenLower?: { term: CompiledTerm; inclusive: boolean };
  tokenUpper?: { term: CompiledTerm; inclusive: boolean };
  /** Clustering prefix of =/IN restrictions, and an optional range on the next column. */
  clusteringEq: ColumnRestriction[];
  clusteringRange?: { column: ColumnDef; restriction: ColumnRestriction };
  /** Multi-column (c1, c2) > (…) slices over a clustering prefix. */
  tupleSlice?: { columns: ColumnDef[]; lower?: { terms: CompiledTerm[]; inclusive: boolean }; upper?: { terms: CompiledTerm[]; inclusive: boolean } };
  filters: RowPredicate[];
  /** True when the restrictions need ALLOW FILTERING (filters on non-key columns, partial keys…). */
  needsFiltering: boolean;
  /** Partition key columns restricted by something other than =/IN for all (for error messages). */
  restrictedColumns: Set<string>;
}

function req(v: ExecValue, col: string): Buffer {
  if (v === null) throw new InvalidRequestError(`Invalid null value in condition for column ${col}`);
  if (v === UNSET) throw new InvalidRequestError(`Invalid unset value for column ${col}`);
  return v;
}

function compileIn(rhs: Term, r: Receiver, markers: MarkerTypes): CompiledList {
  if (rhs.kind === 'list' || rhs.kind === 'tuple') {
    const terms = rhs.elements.map((e) => compileTerm(e, r, markers));
    return (ctx) => terms.map((t) => req(t(ctx), r.name));
  }
  if (rhs.kind === 'bind') {
    const listType: CqlType = { kind: 'list', element: r.type, frozen: false };
    const t = compileTerm(rhs, { ...r, name: `in(${r.name})`, type: listType }, markers);
    return (ctx) => {
      const v = t(ctx);
      // Cassandra words a null IN list differently from a null `=` value (and drivers send an empty list as null).
      if (v === null) throw new InvalidRequestError(`Invalid null value for column ${r.name}`);
      return readCollection(req(v, r.name));
    };
  }
  throw new InvalidRequestError(`Invalid IN relation on ${r.name}`);
}

function receiverOf(table: TableDef, c: ColumnDef): Receiver {
  return { keyspace: table.keyspace, table: table.name, name: c.name, type: c.type };
}

function column(table: TableDef, name: string): ColumnDef {
  const c = table.columns.get(name);
  if (!c) throw new InvalidRequestError(`Undefined column name ${name} in table ${table.keyspace}.${table.name}`);
  return c;
}

/** A row-by-row predicate for one relation (used for filtering and for virtual tables). */
function compilePredicate(table: TableDef, rel: Relation, markers: MarkerTypes): RowPredicate {
  if (rel.lhs.kind === 'token' || rel.lhs.kind === 'tuple') {
    throw new InvalidRequestError('Multi-column and token relations cannot be used for filtering');
  }
  const col = column(table, rel.lhs.name);
  const r = receiverOf(table, col);
  const t = col.type;
  if (rel.lhs.kind === 'map_entry') {
    if (t.kind !== 'map') throw new InvalidRequestError(`Column ${col.name} is not a map`);
    const key = compileTerm(rel.lhs.key, { ...r, type: t.key }, markers);
    const val = compileTerm(rel.rhs, { ...r, type: t.value }, markers);
    return (row, ctx) => {
      const m = row(col.name);
      if (m === null) return false;
      const k = req(key(ctx), col.name);
      const v = req(val(ctx), col.name);
      const e = readMap(m).find(([mk]) => compareValues(t.key, mk, k) === 0);
      return e !== undefined && compareValues(t.value, e[1], v) === 0;
    };
  }
  if (rel.op === 'CONTAINS' || rel.op === 'CONTAINS KEY') {
    if (t.kind !== 'list' && t.kind !== 'set' && t.kind !== 'map') {
      throw new InvalidRequestError(`Cannot use CONTAINS on non-collection column ${col.name}`);
    }
    const isKey = rel.op === 'CONTAINS KEY';
    if (isKey && t.kind !== 'map') throw new InvalidRequestError(`Cannot use CONTAINS KEY on non-map column ${col.name}`);
    const elemType = t.kind === 'map' ? (isKey ? t.key : t.value) : t.element;
    const term = compileTerm(rel.rhs, { ...r, type: elemType }, markers);
    return (row, ctx) => {
      const c = row(col.name);
      if (c === null) return false;
      const needle = req(term(ctx), col.name);
      const items = t.kind === 'map' ? readMap(c).map(([k, v]) => (isKey ? k : v)) : readCollection(c);
      return items.some((x) => compareValues(elemType, x, needle) === 0);
    };
  }
  if (rel.op === 'IN') {
    const list = compileIn(rel.rhs, r, markers);
    return (row, ctx) => {
      const v = row(col.name);
      return v !== null && list(ctx).some((x) => compareValues(t, v, x) === 0);
    };
  }
  if (rel.op === 'LIKE') throw new InvalidRequestError('LIKE restrictions are only supported on SASI indexes');
  const term = compileTerm(rel.rhs, r, markers);
  const op = rel.op;
  return (row, ctx) => {
    const v = row(col.name);
    if (v === null) return false;
    const c = compareValues(t, v, req(term(ctx), col.name));
    switch (op) {
      case '=': return c === 0;
      case '!=': return c !== 0;
      case '<': return c < 0;
      case '<=': return c <= 0;
      case '>': return c > 0;
      case '>=': return c >= 0;
      default: return false;
    }
  };
}

function addRange(cr: ColumnRestriction, op: string, term: CompiledTerm, col: string): void {
  const inclusive = op === '<=' || op === '>=';
  if (op === '>' || op === '>=') {
    if (cr.lower) throw new InvalidRequestError(`More than one restriction was found for the start bound on ${col}`);
    cr.lower = { term, inclusive };
  } else {
    if (cr.upper) throw new InvalidRequestError(`More than one restriction was found for the end bound on ${col}`);
    cr.upper = { term, inclusive };
  }
}

/**
 * Analyzes a WHERE clause. `virtual` tables are evaluated entirely in memory, so every relation becomes a
 * predicate and nothing needs ALLOW FILTERING.
 */
export function compileWhere(table: TableDef, where: Relation[], markers: MarkerTypes, virtual = false): CompiledWhere {
  const out: CompiledWhere = { clusteringEq: [], filters: [], needsFiltering: false, restrictedColumns: new Set() };
  const byColumn = new Map<string, ColumnRestriction>();
  const pending: Relation[] = [];

  for (const rel of where) {
    if (rel.lhs.kind === 'token') {
      const pkNames = table.partitionKey.map((c) => c.name);
      if (rel.lhs.columns.join(',') !== pkNames.join(',')) {
        throw new InvalidRequestError(
          `The token function arguments must be in the partition key order: ${pkNames.join(', ')}`,
        );
      }
      const term = compileTerm(rel.rhs, { keyspace: table.keyspace, table: table.name, name: 'partition key token', type: { kind: 'native', name: 'bigint' } }, markers);
      const inclusive = rel.op === '>=' || rel.op === '<=';
      if (rel.op === '>' || rel.op === '>=') out.tokenLower = { term, inclusive };
      else if (rel.op === '<' || rel.op === '<=') out.tokenUpper = { term, inclusive };
      else if (rel.op === '=') {
        out.tokenLower = { term, inclusive: true };
        out.tokenUpper = { term, inclusive: true };
      } else throw new InvalidRequestError(`Unsupported token relation ${rel.op}`);
      continue;
    }
    if (virtual) {
      out.filters.push(compilePredicate(table, rel, markers));
      continue;
    }
    if (rel.lhs.kind === 'tuple') {
      const cols = rel.lhs.columns.map((n) => column(table, n));
      cols.forEach((c, i) => {
        if (c.kind !== 'clustering' || c.position !== i) {
          throw new InvalidRequestError(`Multi-column relations can only be applied to clustering columns but was applied to: ${c.name}`);
        }
      });
      const terms = (t: Term): CompiledTerm[] => {
        if (t.kind !== 'tuple') throw new InvalidRequestError('Expected a tuple of values for a multi-column relation');
        return t.elements.map((e, i) => compileTerm(e, receiverOf(table, cols[i]), markers));
      };
      if (rel.op === '=') {
        const ts = terms(rel.rhs);
        cols.forEach((c, i) => byColumn.set(c.name, { eq: ts[i] }));
      } else if (rel.op === '>' || rel.op === '>=' || rel.op === '<' || rel.op === '<=') {
        out.tupleSlice ??= { columns: cols };
        const bound = { terms: terms(rel.rhs), inclusive: rel.op.length === 2 };
        if (rel.op[0] === '>') out.tupleSlice.lower = bound;
        else out.tupleSlice.upper = bound;
      } else throw new InvalidRequestError(`Unsupported multi-column relation ${rel.op}`);
      continue;
    }
    if (rel.lhs.kind !== 'column' || rel.op === 'CONTAINS' || rel.op === 'CONTAINS KEY' || rel.op === '!=' || rel.op === 'LIKE') {
      pending.push(rel);
      continue;
    }
    const col = column(table, rel.lhs.name);
    if (col.kind !== 'partition_key' && col.kind !== 'clustering') {
      pending.push(rel);
      continue;
    }
    const cr = byColumn.get(col.name) ?? {};
    byColumn.set(col.name, cr);
    const r = receiverOf(table, col);
    if (rel.op === '=') {
      if (cr.eq || cr.in) throw new InvalidRequestError(`${col.name} cannot be restricted by more than one relation if it includes an Equal`);
      cr.eq = compileTerm(rel.rhs, r, markers);
    } else if (rel.op === 'IN') {
      if (cr.eq || cr.in) throw new InvalidRequestError(`${col.name} cannot be restricted by more than one relation if it includes a IN`);
      cr.in = compileIn(rel.rhs, r, markers);
    } else {
      if (col.kind === 'partition_key') {
        throw new InvalidRequestError(
          'Only EQ and IN relation are supported on the partition key (unless you use the token() function)',
        );
      }
      addRange(cr, rel.op, compileTerm(rel.rhs, r, markers), col.name);
    }
  }

  // Partition key: all columns by =/IN selects partitions; anything less scans and filters.
  const pkRestrictions = table.partitionKey.map((c) => byColumn.get(c.name));
  if (pkRestrictions.every((x) => x && (x.eq || x.in)) && table.partitionKey.length > 0) {
    const parts = pkRestrictions.map((x, i) => ({ x: x!, c: table.partitionKey[i] }));
    out.partitionKeys = (ctx) => {
      let keys: Buffer[][] = [[]];
      for (const { x, c } of parts) {
        const vals = x.eq ? [req(x.eq(ctx), c.name)] : x.in!(ctx);
        const next: Buffer[][] = [];
        for (const k of keys) for (const v of vals) next.push([...k, v]);
        keys = next;
      }
      return keys;
    };
  } else if (pkRestrictions.some((x) => x)) {
    out.needsFiltering = true;
    table.partitionKey.forEach((c) => {
      if (byColumn.has(c.name)) {
        out.restrictedColumns.add(c.name);
        pending.push(...where.filter((w) => w.lhs.kind === 'column' && w.lhs.name === c.name));
      }
    });
  }

  // Clustering: an =/IN prefix, then at most one range; later restrictions need filtering.
  let prefixEnded = false;
  for (const c of table.clustering) {
    const cr = byColumn.get(c.name);
    if (!cr) {
      prefixEnded = true;
      continue;
    }
    if (!prefixEnded && (cr.eq || cr.in) && !out.tupleSlice) {
      out.clusteringEq.push(cr);
      continue;
    }
    if (!prefixEnded && !out.clusteringRange && !out.tupleSlice && (cr.lower || cr.upper)) {
      out.clusteringRange = { column: c, restriction: cr };
      prefixEnded = true;
      continue;
    }
    out.needsFiltering = true;
    pending.push(...where.filter((w) => w.lhs.kind === 'column' && w.lhs.name === c.name));
  }
  for (const rel of pending) {
    out.filters.push(compilePredicate(table, rel, markers));
    out.needsFiltering = true;
  }
  return out;
}

/** Builds the clustering slices (in table clustering order) selected by the restrictions; undefined = all rows. */
export function clusteringSlices(table: TableDef, w: CompiledWhere, ctx: BindContext): Slice[] | undefined {
  if (w.clusteringEq.length === 0 && !w.clusteringRange && !w.tupleSlice) return undefined;
  const cmpPrefix = (a: Buffer[], b: Buffer[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const col = table.clustering[i];
      const c = compareValues(col.type, a[i], b[i]);
      if (c !== 0) return col.order === 'desc' ? -c : c;
    }
    return a.length - b.length;
  };
  let prefixes: Buffer[][] = [[]];
  w.clusteringEq.forEach((cr, i) => {
    const name = table.clustering[i].name;
    const vals = cr.eq ? [req(cr.eq(ctx), name)] : cr.in!(ctx);
    const next: Buffer[][] = [];
    for (const p of prefixes) for (const v of vals) next.push([...p, v]);
    prefixes = next;
  });
  prefixes.sort(cmpPrefix);
  prefixes = prefixes.filter((p, i) => i === 0 || cmpPrefix(prefixes[i - 1], p) !== 0);

  const full = (prefix: Buffer[]): Slice => ({ start: { prefix, inclusive: true }, end: { prefix, inclusive: true } });
  if (w.tupleSlice) {
    const ts = w.tupleSlice;
    const desc = ts.columns[0].order === 'desc';
    const lower: Bound | undefined = ts.lower && {
      prefix: ts.lower.terms.map((t, i) => req(t(ctx), ts.columns[i].name)),
      inclusive: ts.lower.inclusive,
    };
    const upper: Bound | undefined = ts.upper && {
      prefix: ts.upper.terms.map((t, i) => req(t(ctx), ts.columns[i].name)),
      inclusive: ts.upper.inclusive,
    };
    const open: Bound = { prefix: [], inclusive: true };
    return [desc ? { start: upper ?? open, end: lower ?? open } : { start: lower ?? open, end: upper ?? open }];
  }
  if (!w.clusteringRange) return prefixes.map(full);
  const { column: col, restriction: cr } = w.clusteringRange;
  return prefixes.map((p) => {
    const lower: Bound = cr.lower
      ? { prefix: [...p, req(cr.lower.term(ctx), col.name)], inclusive: cr.lower.inclusive }
      : { prefix: p, inclusive: true };
    const upper: Bound = cr.upper
      ? { prefix: [...p, req(cr.upper.term(ctx), col.name)], inclusive: cr.upper.inclusive }
      : { prefix: p, inclusive: true };
    return col.order === 'desc' ? { start: upper, end: lower } : { start: lower, end: upper };
  });
}

