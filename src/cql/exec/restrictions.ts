// WHERE clause analysis: splits relations into what selects partitions (partition key equalities/IN, token
// ranges), what selects rows inside a partition (clustering slices), and what must be checked row by row
// (filtering). Mirrors Cassandra's rules for which restrictions are legal without ALLOW FILTERING.
import type { Relation, Term } from '../../model/ast.ts';
import type { CqlType } from '../../model/types.ts';
import type { ColumnDef, TableDef } from '../../schema/model.ts';
import type { Slice } from '../../storage/types.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { UNSET } from '../../protocol/messages.ts';
import { compareValues } from '../../model/values/compare.ts';
import { readCollection, readMap } from '../../model/values/collections.ts';
import { compileTerm, MarkerTypes, type BindContext, type CompiledTerm, type Receiver } from './terms.ts';
import type { ExecValue } from './values.ts';
import { buildSlices, type ClusteringRestrictions } from './clustering.ts';
import { analyzeClustering, entryPredicate, multiColumnEntry, singleColumnEntry, type ClusteringEntry } from './clustering-where.ts';
import { relationTermText } from './term-text.ts';
import { quoteIdentIfNeeded } from '../../model/types.ts';
import { analyzedPredicate, planIndexes } from './index-plan.ts';
import type { IndexQuery } from '../../index/types.ts';

/** The values of one result row's columns, by name (null = absent). */
export type RowValues = (column: string) => Buffer | null;
export type RowPredicate = (row: RowValues, ctx: BindContext) => boolean;

interface ColumnRestriction {
  eq?: CompiledTerm;
  in?: CompiledList;
}

/** IN (a, b) compiles to a list of terms; IN ? to one marker carrying a serialized list. */
type CompiledList = (ctx: BindContext) => Buffer[];

export interface CompiledWhere {
  /** Set when every partition key column has = or IN: yields each partition key's component values. */
  partitionKeys?: (ctx: BindContext) => Buffer[][];
  tokenLower?: { term: CompiledTerm; inclusive: boolean };
  tokenUpper?: { term: CompiledTerm; inclusive: boolean };
  /** What selects rows inside a partition: EQ/IN groups on a clustering prefix, then at most one slice. */
  clustering: ClusteringRestrictions;
  filters: RowPredicate[];
  /** True when the restrictions need ALLOW FILTERING (filters on non-key columns, partial keys…). */
  needsFiltering: boolean;
  /** Cassandra's specific refusal for the clustering restrictions that need filtering, when there is one. */
  filteringError?: string;
  /** Partition key columns restricted by something other than =/IN for all (for error messages). */
  restrictedColumns: Set<string>;
  /** The query uses a secondary index (Cassandra's usesSecondaryIndexing). */
  usesIndex?: boolean;
  /** Set when the rows are found through a secondary index: the index query of the token-range scan. */
  indexQuery?: (ctx: BindContext) => IndexQuery;
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
  const term = compileTerm(rel.rhs, r, markers);
  // Neither legacy nor SAI indexes support LIKE in Cassandra 5.0 (SASI, which did, is disabled by default).
  if (rel.op === 'LIKE') {
    throw new InvalidRequestError(`LIKE restriction is only supported on properly indexed columns. ${quoteIdentIfNeeded(col.name)} LIKE ${relationTermText(rel.rhs)} is not valid.`);
  }
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

/**
 * Analyzes a WHERE clause. `virtual` tables are evaluated entirely in memory, so every relation becomes a
 * predicate and nothing needs ALLOW FILTERING.
 */
export function compileWhere(table: TableDef, where: Relation[], markers: MarkerTypes, virtual = false, allowFiltering = false,
  useIndexes = false): CompiledWhere {
  const out: CompiledWhere = {
    clustering: { groups: [], eqColumns: 0 }, filters: [], needsFiltering: false, restrictedColumns: new Set(),
  };
  const clusteringEntries: ClusteringEntry[] = [];
  const byColumn = new Map<string, ColumnRestriction>();
  const pending: Relation[] = [];
  const clusteringRelations: Relation[] = [];
  const pkRelations: Relation[] = [];
  let hasToken = false;

  for (const rel of where) {
    // Cassandra 5.0 accepts != only in IF conditions.
    if (rel.op === '!=' && rel.lhs.kind === 'column') {
      throw new InvalidRequestError(`Unsupported "!=" relation: ${quoteIdentIfNeeded(rel.lhs.name)} != ${relationTermText(rel.rhs)}`);
    }
    if (rel.lhs.kind === 'token') {
      const pkNames = table.partitionKey.map((c) => c.name);
      if (rel.lhs.columns.join(',') !== pkNames.join(',')) {
        const allKey = rel.lhs.columns.length === pkNames.length && rel.lhs.columns.every((c) => pkNames.includes(c));
        throw new InvalidRequestError(allKey
          ? `The token function arguments must be in the partition key order: ${pkNames.join(', ')}`
          : 'The token() function must be applied to all partition key components or none of them');
      }
      const term = compileTerm(rel.rhs, {
        keyspace: table.keyspace, table: table.name, name: 'partition key token', type: { kind: 'native', name: 'bigint' },
        tokenTypes: table.partitionKey.map((c) => c.type),
      }, markers);
      const inclusive = rel.op === '>=' || rel.op === '<=';
      if (rel.op === '>' || rel.op === '>=') out.tokenLower = { term, inclusive };
      else if (rel.op === '<' || rel.op === '<=') out.tokenUpper = { term, inclusive };
      else if (rel.op === '=') {
        out.tokenLower = { term, inclusive: true };
        out.tokenUpper = { term, inclusive: true };
      } else throw new InvalidRequestError(`Unsupported token relation ${rel.op}`);
      hasToken = true;
      continue;
    }
    if (virtual) {
      out.filters.push(compilePredicate(table, rel, markers));
      continue;
    }
    if (rel.lhs.kind === 'tuple') {
      clusteringEntries.push(multiColumnEntry(table, rel, rel.lhs.columns, markers));
      clusteringRelations.push(rel);
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
    const r = receiverOf(table, col);
    (col.kind === 'clustering' ? clusteringRelations : pkRelations).push(rel);
    if (col.kind === 'clustering') {
      const value = rel.op === 'IN' ? undefined : compileTerm(rel.rhs, r, markers);
      const list = rel.op === 'IN' ? compileIn(rel.rhs, r, markers) : undefined;
      clusteringEntries.push(singleColumnEntry(table, rel, col, value, list));
      continue;
    }
    const cr = byColumn.get(col.name) ?? {};
    byColumn.set(col.name, cr);
    if (rel.op === '=') {
      if (cr.eq || cr.in) throw new InvalidRequestError(`${col.name} cannot be restricted by more than one relation if it includes an Equal`);
      cr.eq = compileTerm(rel.rhs, r, markers);
    } else if (rel.op === 'IN') {
      if (cr.eq || cr.in) throw new InvalidRequestError(`${col.name} cannot be restricted by more than one relation if it includes a IN`);
      cr.in = compileIn(rel.rhs, r, markers);
    } else {
      throw new InvalidRequestError(
        'Only EQ and IN relation are supported on the partition key (unless you use the token() function)',
      );
    }
  }

  const nonPk = [...pending];
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

  // Clustering: EQ/IN groups on a prefix, then at most one slice; the rest needs filtering or is refused.
  const analysis = analyzeClustering(table, clusteringEntries, allowFiltering);
  out.clustering = analysis.restrictions;
  out.filteringError = analysis.filteringError;
  // A clustering restriction without the whole partition key reads every partition's rows (StatementRestrictions:
  // clustering restrictions on a range query need filtering) unless an index answers it (planIndexes below).
  if (clusteringEntries.length > 0 && !out.partitionKeys && !virtual) out.needsFiltering = true;
  for (const e of analysis.filterEntries) {
    const check = entryPredicate(e);
    out.filters.push((row, ctx) => check((cols) => cols.map((c) => row(c.name)), ctx));
    out.needsFiltering = true;
  }
  for (const rel of pending) {
    out.filters.push((useIndexes ? analyzedPredicate(table, rel, markers) : undefined) ?? compilePredicate(table, rel, markers));
    out.needsFiltering = true;
  }
  const plan = useIndexes && !virtual ? planIndexes(table, {
    pkRelations, pkFull: out.partitionKeys !== undefined, pkHasIn: pkRelations.some((r) => r.op === 'IN'), hasToken,
    clusteringRelations, clusteringNeedsFiltering: analysis.filterEntries.length > 0 || analysis.filteringError !== undefined, nonPk,
  }, markers) : undefined;
  if (plan) {
    out.usesIndex = true;
    out.needsFiltering = plan.needsFiltering;
    out.filteringError = undefined;
    if (plan.query) out.indexQuery = plan.query;
  }
  return out;
}

/** Builds the clustering slices (in table clustering order) selected by the restrictions; undefined = all rows. */
export function clusteringSlices(table: TableDef, w: CompiledWhere, ctx: BindContext): Slice[] | undefined {
  return buildSlices(table, w.clustering, ctx);
}
