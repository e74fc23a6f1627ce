// Secondary indexes in WHERE planning, as Cassandra 5.0's StatementRestrictions decides: whether a query uses an
// index, whether it then still needs ALLOW FILTERING (only when no single index group — one legacy index, or all of
// the table's SAI indexes together — supports every restriction the index query must evaluate), and the index
// query the scan is driven by. Every restriction also stays a row filter at the coordinator: the index only chooses
// which rows are read.
import type { Relation, RelationOp } from '../../model/ast.ts';
import type { CqlType } from '../../model/types.ts';
import type { TableDef } from '../../schema/model.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { UNSET } from '../../protocol/messages.ts';
import { isSai } from '../../schema/indexes.ts';
import { readCollection, readMap } from '../../model/values/collections.ts';
import type { IndexQuery, TermBound } from '../../index/types.ts';
import { analyze, entryTermOf, tableIndexSpecs, termOf, type IndexSpec } from '../../index/terms.ts';
import { compileTerm, type BindContext, type CompiledTerm, type MarkerTypes, type Receiver } from './terms.ts';
import type { ExecValue } from './values.ts';
import type { RowPredicate } from './restrictions.ts';

/** The WHERE clause as compileWhere classified it. */
export interface WhereParts {
  pkRelations: Relation[];
  /** Every partition key column restricted by = or IN (the query reads partitions by key). */
  pkFull: boolean;
  pkHasIn: boolean;
  hasToken: boolean;
  clusteringRelations: Relation[];
  /** The clustering restrictions are not a prefix Cassandra can slice (they need filtering). */
  clusteringNeedsFiltering: boolean;
  nonPk: Relation[];
}

export interface IndexPlan {
  /** ALLOW FILTERING is still required: no index group supports every restriction. */
  needsFiltering: boolean;
  /** The index query of a token-range scan (set when the partition key does not select the partitions). */
  query?: (ctx: BindContext) => IndexQuery;
}

const RANGE_OPS = new Set<RelationOp>(['<', '<=', '>', '>=']);
/** Types SAI can only compare for equality (IndexTermType: literals, uuids, frozen values). */
const EQ_ONLY_NATIVE = new Set(['text', 'ascii', 'boolean', 'uuid', 'blob']);

function rangeCapable(t: CqlType): boolean {
  return t.kind === 'native' && !EQ_ONLY_NATIVE.has(t.name);
}

function columnOf(rel: Relation): string | undefined {
  return rel.lhs.kind === 'column' || rel.lhs.kind === 'map_entry' ? rel.lhs.name : undefined;
}

/** Whether an index can answer a restriction (CassandraIndex.supportsExpression / IndexTermType.supports). */
export function supports(spec: IndexSpec, rel: Relation): boolean {
  if (columnOf(rel) !== spec.column.name) return false;
  if (rel.lhs.kind === 'map_entry') return spec.target.kind === 'entries' && rel.op === '=';
  if (rel.lhs.kind !== 'column') return false;
  switch (spec.target.kind) {
    case 'values': return rel.op === 'CONTAINS';
    case 'keys': return rel.op === 'CONTAINS KEY';
    case 'entries': return false;
    case 'full': return rel.op === '=';
    case 'simple': return rel.op === '=' || (isSai(spec.def) && RANGE_OPS.has(rel.op) && rangeCapable(spec.column.type));
  }
}

/** Index groups: each legacy index alone; all SAI indexes of the table together (StorageAttachedIndexGroup). */
function groups(specs: IndexSpec[]): IndexSpec[][] {
  const sai = specs.filter((s) => isSai(s.def));
  const out = specs.filter((s) => !isSai(s.def)).map((s) => [s]);
  if (sai.length > 0) out.push(sai);
  return out;
}

const supported = (specs: IndexSpec[], rel: Relation): boolean => specs.some((s) => supports(s, rel));

/**
 * Whether one index group answers all the restrictions. A legacy index reads one term per query, so several
 * CONTAINS (KEY) on one column still need filtering (Index.filtersMultipleContains); SAI intersects them.
 */
function covers(group: IndexSpec[], rels: Relation[]): boolean {
  if (!rels.every((r) => supported(group, r))) return false;
  if (group.some((s) => isSai(s.def))) return true;
  const contains = rels.filter((r) => r.op === 'CONTAINS' || r.op === 'CONTAINS KEY').map(columnOf);
  return new Set(contains).size === contains.length;
}

/** The index plan of a WHERE clause, or undefined when the query does not use an index. */
export function planIndexes(table: TableDef, parts: WhereParts, markers: MarkerTypes): IndexPlan | undefined {
  const specs = tableIndexSpecs(table);
  if (specs.length === 0) return undefined;
  const all = [...parts.pkRelations, ...parts.clusteringRelations, ...parts.nonPk];
  for (const r of parts.nonPk) {
    const column = columnOf(r);
    if (specs.some((s) => isSai(s.def) && s.column.name === column && s.column.type.kind === 'vector')) {
      throw new InvalidRequestError('Vector indexes only support ANN queries');
    }
  }
  const queriable = all.some((r) => supported(specs, r));
  if (!queriable) return undefined;
  const pkNeedsFiltering = parts.pkRelations.length > 0 && !parts.pkFull;
  const keyRange = !parts.pkFull;
  const clusteringIndexed = parts.clusteringRelations.some((r) => supported(specs, r));
  // StatementRestrictions: partition key first, then clustering, then the other columns decide index use.
  let uses = keyRange && !parts.hasToken && (parts.pkRelations.length === 0 || pkNeedsFiltering);
  if (parts.clusteringRelations.length > 0 && parts.clusteringNeedsFiltering) uses = true;
  if (keyRange && clusteringIndexed) uses = true;
  const clusteringInFilter = uses || parts.clusteringNeedsFiltering;
  if (parts.nonPk.length > 0) uses = true;
  if (!uses) return undefined;
  if (parts.pkHasIn) throw new InvalidRequestError('Select on indexed columns and with IN clause for the PRIMARY KEY are not supported');
  const evaluated = [...(pkNeedsFiltering ? parts.pkRelations : []), ...(clusteringInFilter ? parts.clusteringRelations : []), ...parts.nonPk];
  const covering = groups(specs).find((g) => covers(g, evaluated));
  const plan: IndexPlan = { needsFiltering: covering === undefined };
  if (!parts.pkFull) plan.query = drivingQuery(table, covering ?? specs, evaluated.length > 0 ? evaluated : all, markers);
  return plan;
}

// ---- the driving index query --------------------------------------------------------------------------------

function receiver(table: TableDef, spec: IndexSpec, type: CqlType): Receiver {
  return { keyspace: table.keyspace, table: table.name, name: spec.column.name, type };
}

function value(v: ExecValue, column: string): Buffer {
  if (v === null) throw new InvalidRequestError(`Unsupported null value for column ${column}`);
  if (v === UNSET) throw new InvalidRequestError(`Unsupported unset value for column ${column}`);
  return v;
}

/** The restriction the scan follows: an equality if any (fewest hits), else the range bounds on one column. */
function drivingQuery(table: TableDef, specs: IndexSpec[], rels: Relation[], markers: MarkerTypes): (ctx: BindContext) => IndexQuery {
  const candidates = rels.flatMap((r) => specs.filter((s) => supports(s, r)).map((s) => ({ r, s })));
  const eq = candidates.find((c) => !RANGE_OPS.has(c.r.op)) ?? candidates[0]!;
  const { s: spec } = eq;
  const head = { index: spec.def.name, indexId: spec.def.id, def: spec.def };
  if (!RANGE_OPS.has(eq.r.op)) {
    const term = equalityTerm(table, spec, eq.r, markers);
    return (ctx) => ({ ...head, eq: term(ctx) });
  }
  const bounds = candidates.filter((c) => c.s === spec && RANGE_OPS.has(c.r.op)).map((c) => ({
    op: c.r.op, term: compileTerm(c.r.rhs, receiver(table, spec, spec.column.type), markers),
  }));
  return (ctx) => {
    const q: IndexQuery = { ...head };
    for (const b of bounds) {
      const bound: TermBound = { term: termOf(spec, value(b.term(ctx), spec.column.name)), inclusive: b.op === '<=' || b.op === '>=' };
      if (b.op === '>' || b.op === '>=') q.lower = tighter(q.lower, bound, 1);
      else q.upper = tighter(q.upper, bound, -1);
    }
    return q;
  };
}

function tighter(a: TermBound | undefined, b: TermBound, dir: 1 | -1): TermBound {
  if (!a) return b;
  const c = Buffer.compare(a.term, b.term) * dir;
  if (c !== 0) return c > 0 ? a : b;
  return a.inclusive ? b : a;
}

/** The term an equality-like restriction asks the index for: the value, element, key, or map entry. */
function equalityTerm(table: TableDef, spec: IndexSpec, rel: Relation, markers: MarkerTypes): (ctx: BindContext) => Buffer {
  const t = spec.column.type;
  if (rel.lhs.kind === 'map_entry' && t.kind === 'map') {
    const key = compileTerm(rel.lhs.key, receiver(table, spec, t.key), markers);
    const val = compileTerm(rel.rhs, receiver(table, spec, t.value), markers);
    return (ctx) => entryTermOf(spec, value(key(ctx), spec.column.name), value(val(ctx), spec.column.name));
  }
  const term: CompiledTerm = compileTerm(rel.rhs, receiver(table, spec, spec.termType), markers);
  return (ctx) => termOf(spec, value(term(ctx), spec.column.name));
}

// ---- analysed text ----------------------------------------------------------------------------------------

/**
 * For a restriction on text an SAI index analyses (case_sensitive: false, normalize, ascii), the row filter
 * compares analysed values, as the index does; undefined for any other restriction.
 */
export function analyzedPredicate(table: TableDef, rel: Relation, markers: MarkerTypes): RowPredicate | undefined {
  if (rel.lhs.kind !== 'column' && rel.lhs.kind !== 'map_entry') return undefined;
  const spec = tableIndexSpecs(table).find((s) => s.analysis && supports(s, rel));
  if (!spec?.analysis || spec.target.kind === 'entries' || spec.target.kind === 'full') return undefined;
  const a = spec.analysis;
  const name = spec.column.name;
  const t = spec.column.type;
  const needle = compileTerm(rel.rhs, receiver(table, spec, spec.termType), markers);
  const same = (x: Buffer, y: Buffer): boolean => analyze(a, x).equals(analyze(a, y));
  return (row, ctx) => {
    const v = row(name);
    if (v === null) return false;
    const n = value(needle(ctx), name);
    switch (spec.target.kind) {
      case 'values':
        if (t.kind === 'map') return readMap(v).some(([, x]) => same(x, n));
        return readCollection(v, t.kind === 'set' ? 'set' : 'list').some((x) => same(x, n));
      case 'keys':
        return readMap(v).some(([k]) => same(k, n));
      default:
        return same(v, n);
    }
  };
}
