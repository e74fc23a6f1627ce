// `ORDER BY v ANN OF [...] LIMIT k`: the k rows whose vector is most similar to the given one, by the similarity
// function of the column's SAI index (cosine unless its similarity_function says otherwise), with Cassandra
// 5.0.9's refusals. Without other restrictions the replicas' HNSW graphs (index/vectors.ts) give the candidates:
// each replica its k closest, which the coordinator scores again and merges; so too with only `WHERE k = ?`, by
// graphs filtered to that partition, when the partition is large enough for that to be cheaper. With other
// restrictions (other indexes, clustering columns, a token range, IN) every row the WHERE clause selects is read and
// scored, and the best k kept — exact, and linear in the rows read.
import type { SelectStatement } from '../../model/ast.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { typeToCql, type CqlType } from '../../model/types.ts';
import type { IndexDef, TableDef } from '../../schema/model.ts';
import type { IndexQuery } from '../../index/types.ts';
import { indexTarget, isSai } from '../../schema/indexes.ts';
import { floatVector } from '../../model/values/vector.ts';
import { similarity, type SimilarityFunction } from '../../model/values/similarity.ts';
import { compileTerm, type BindContext, type MarkerTypes } from './terms.ts';
import type { CompiledWhere } from './restrictions.ts';
import type { SourceRow } from './selection.ts';
import { rowValues } from './rows.ts';
import type { Limits } from './select-page.ts';
import type { PagingState } from './paging.ts';
import { tableIndexSpecs } from '../../index/terms.ts';
import { supports } from './index-plan.ts';

/** SAI's cap on k (IndexWriterConfig.MAX_TOP_K). */
export const MAX_TOP_K = 1000;

export interface AnnOrdering {
  column: string;
  /** The SAI index ordering by this column. */
  index: IndexDef;
  /**
   * Whether the replicas' vector graphs can answer: no other restriction (the graph knows nothing of them), no
   * DISTINCT or PER PARTITION LIMIT, and a regular column (the graph keeps one vector per row).
   */
  byGraph: boolean;
  /**
   * Whether the only restriction is `=` on every partition key column: the partition's replicas search their graphs
   * filtered to it when it is large enough (index/vectors.ts partitionByGraph), and else its rows are scored.
   */
  inPartition: boolean;
  /** The query vector, as numbers. */
  target: (ctx: BindContext) => Float64Array;
  fn: SimilarityFunction;
}

const ire = (m: string): InvalidRequestError => new InvalidRequestError(m);

/** The ANN ordering of a SELECT, or undefined when it orders by clustering columns (or not at all). */
export function compileAnn(table: TableDef, stmt: SelectStatement, markers: MarkerTypes, isAggregate: boolean): AnnOrdering | undefined {
  const anns = stmt.orderBy.filter((o) => o.ann !== undefined);
  if (anns.length === 0) return undefined;
  if (anns.length > 1) throw ire('Cannot specify more than one ANN ordering');
  if (stmt.orderBy.length > 1) throw ire('ANN ordering does not support any other ordering');
  const o = anns[0]!;
  if (o.order === 'DESC') throw ire('Descending ANN ordering is not supported');
  const col = table.columns.get(o.column);
  if (!col) throw ire(`Undefined column name ${o.column} in table ${table.keyspace}.${table.name}`);
  const t = col.type;
  if (t.kind !== 'vector' && t.kind !== 'list') throw ire(`Unexpected receiver type '${typeToCql(t)}'; only list and vector are expected`);
  if (t.kind !== 'vector' || t.element.kind !== 'native' || t.element.name !== 'float') throw ire('ANN ordering is only supported on float vector indexes');
  const index = (table.indexes ?? []).find((i) => isSai(i) && indexTarget(i).column === col.name);
  if (!index) throw ire('ANN ordering by vector requires the column to be indexed');
  if (isAggregate) throw ire('Top-K queries can not be run with aggregation');
  if (stmt.limit === undefined) throw ire('Top-K queries must have a limit specified and the limit must be less than the query page size');
  const term = compileTerm(o.ann!, { keyspace: table.keyspace, table: table.name, name: col.name, type: t }, markers);
  const fn = (index.options.similarity_function?.toUpperCase() ?? 'COSINE') as SimilarityFunction;
  const plain = !stmt.distinct && stmt.perPartitionLimit === undefined && col.kind === 'regular';
  const byGraph = plain && stmt.where.length === 0;
  const inPartition = plain && onePartition(table, stmt);
  return {
    column: col.name, fn, index, byGraph, inPartition,
    target: (ctx) => {
      const v = term(ctx);
      if (!Buffer.isBuffer(v)) throw ire(`Unsupported null value for column ${col.name}`);
      return floatVector(t, v);
    },
  };
}

/** Whether the WHERE clause is `=` on each partition key column and nothing else. */
function onePartition(table: TableDef, stmt: SelectStatement): boolean {
  const named = new Set<string>();
  for (const rel of stmt.where) {
    const lhs = rel.lhs;
    if (lhs.kind !== 'column' || rel.op !== '=') return false;
    if (!table.partitionKey.some((c) => c.name === lhs.name) || named.has(lhs.name)) return false;
    named.add(lhs.name);
  }
  return named.size === table.partitionKey.length;
}

/**
 * Restrictions next to an ANN ordering must be answerable by indexes (StatementRestrictions' ANN rules): a column
 * without an index is refused; one only a legacy index answers needs ALLOW FILTERING, since the ANN ordering is
 * itself an SAI restriction and no other index group can evaluate it. Returns whether filtering is needed.
 */
export function checkAnnRestrictions(table: TableDef, stmt: SelectStatement, where: CompiledWhere): boolean {
  const indexed = new Set((table.indexes ?? []).map((i) => indexTarget(i).column));
  if (where.restrictedColumns.size > 0) throw ire('ANN ordering by vector requires all restricted column(s) to be indexed');
  const sai = tableIndexSpecs(table).filter((s) => isSai(s.def));
  let needsFiltering = where.needsFiltering;
  for (const rel of stmt.where) {
    if (rel.lhs.kind !== 'column' && rel.lhs.kind !== 'map_entry') continue;
    const c = table.columns.get(rel.lhs.name);
    if (!c || (c.kind !== 'regular' && c.kind !== 'static')) continue;
    if (!indexed.has(c.name)) throw ire('ANN ordering by vector requires all restricted column(s) to be indexed');
    if (!sai.some((s) => supports(s, rel))) needsFiltering = true;
  }
  return needsFiltering;
}

type Scored = { row: SourceRow; score: number };

/** Adds rows to the best `k` so far (most similar first; rows without a vector are not candidates). */
function keepBest(table: TableDef, ann: AnnOrdering, target: Float64Array, best: Scored[], rows: SourceRow[], k: number): Scored[] {
  const t = table.columns.get(ann.column)!.type as Extract<CqlType, { kind: 'vector' }>;
  const out = [...best];
  for (const row of rows) {
    const v = rowValues(table, row)(ann.column);
    if (v === null || v.length === 0) continue;
    const score = similarity(ann.fn, floatVector(t, v), target);
    if (!Number.isNaN(score)) out.push({ row, score });
  }
  // Stable: among equal scores, rows stay in the ring order they were read in.
  out.sort((a, b) => b.score - a.score);
  return out.slice(0, k);
}

/** The pages a SELECT reads (restrictions and other indexes applied); SelectRun.page in select-page.ts. */
export interface RowSource {
  page(limits: Limits, state: PagingState | undefined): Promise<{ sources: SourceRow[]; next?: PagingState }>;
  /**
   * Candidate rows from the replicas' vector graphs, over the ring or within the one partition the WHERE clause names;
   * undefined where there are none, while one is built, or when scoring the partition is cheaper.
   */
  annCandidates(query: IndexQuery, target: number[], k: number, inPartition: boolean): Promise<SourceRow[] | undefined> | undefined;
}

/**
 * The `limits.limit` rows most similar to the target: from the replicas' HNSW graphs when the query allows it (each
 * replica's k best, scored again here), else by reading every selected row a thousand at a time and scoring it.
 */
export async function annRows(run: RowSource, table: TableDef, ann: AnnOrdering, limits: Limits, ctx: BindContext): Promise<SourceRow[]> {
  const target = ann.target(ctx);
  const query: IndexQuery = { index: ann.index.name, indexId: ann.index.id, def: ann.index };
  const byGraph = ann.byGraph || ann.inPartition;
  const candidates = byGraph ? await run.annCandidates(query, [...target], limits.limit, ann.inPartition) : undefined;
  if (candidates) return keepBest(table, ann, target, [], candidates, limits.limit).map((s) => s.row);
  let best: Scored[] = [];
  let state: PagingState | undefined;
  for (let round = 0; round < Number.MAX_SAFE_INTEGER; round++) {
    const page = await run.page({ pageSize: 1000, limit: Infinity, perPartition: limits.perPartition }, state);
    best = keepBest(table, ann, target, best, page.sources, limits.limit);
    if (!page.next) break;
    state = page.next;
  }
  return best.map((s) => s.row);
}
