// GROUP BY and aggregation: rows in query order fall into groups sharing a primary key prefix (the whole result is
// one group for an aggregate query without GROUP BY), and each group gives one output row. LIMIT and PER PARTITION
// LIMIT count groups, and so does the page size, as in Cassandra's GroupByQueryPager: a page ends once it holds
// page-size groups, a group being complete when a row of the next one (or the end) is seen, and the paging state
// points after the last row of the last group returned, so the next page starts with the group that follows.
import type { Relation, SelectStatement } from '../../model/ast.ts';
import type { TableDef } from '../../schema/model.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { compareValues } from '../../model/values/compare.ts';
import type { BindContext } from './terms.ts';
import type { GroupAccumulator, Selection, SourceRow } from './selection.ts';
import type { Limits, PageResult } from './select-page.ts';
import type { PagingState } from './paging.ts';

/** How many leading clustering columns, after the whole partition key, define a group. */
export interface GroupSpec {
  clusteringPrefix: number;
}

const ORDER_MSG = 'Group by currently only support groups of columns following their declared order in the PRIMARY KEY';

function restrictedByEq(where: readonly Relation[], column: string): boolean {
  return where.some((w) => w.op === '=' && ((w.lhs.kind === 'column' && w.lhs.name === column) || (w.lhs.kind === 'tuple' && w.lhs.columns.includes(column))));
}

/** Checks GROUP BY against the primary key as Cassandra does (SelectStatement.getAggregationSpecFactory). */
export function compileGroupBy(table: TableDef, stmt: SelectStatement): GroupSpec | undefined {
  if (stmt.groupBy.length === 0) return undefined;
  const pk = [...table.partitionKey, ...table.clustering];
  let next = 0;
  let clusteringPrefix = 0;
  for (const name of stmt.groupBy) {
    const def = table.columns.get(name);
    if (!def) throw new InvalidRequestError(`Undefined column name ${name} in table ${table.keyspace}.${table.name}`);
    if (def.kind !== 'partition_key' && def.kind !== 'clustering') {
      throw new InvalidRequestError(`Group by is currently only supported on the columns of the PRIMARY KEY, got ${name}`);
    }
    for (;;) {
      const col = pk[next++];
      if (!col) throw new InvalidRequestError(ORDER_MSG);
      if (col.kind === 'clustering') clusteringPrefix++;
      if (col.name === name) break;
      // A column fixed by = may be left out: all the rows have the same value for it.
      if (!restrictedByEq(stmt.where, col.name)) throw new InvalidRequestError(ORDER_MSG);
    }
  }
  if (next < pk.length && pk[next]!.kind === 'partition_key') throw new InvalidRequestError('Group by is not supported on only a part of the partition key');
  if (clusteringPrefix > 0 && stmt.distinct) throw new InvalidRequestError('Grouping on clustering columns is not allowed for SELECT DISTINCT queries');
  return { clusteringPrefix };
}

const samePartition = (a: SourceRow, b: SourceRow): boolean => a.token === b.token && a.pk.every((x, i) => x.equals(b.pk[i]!));

/** Reads one page of rows at the row level: what the grouping pager consumes. */
export type FetchRows = (limits: Limits, state: PagingState | undefined) => Promise<PageResult>;

export interface GroupedQuery {
  table: TableDef;
  selection: Selection;
  /** Undefined for an aggregate query without GROUP BY: one group of everything, one row even with no rows. */
  spec: GroupSpec | undefined;
  fetch: FetchRows;
  /** Where a page resumes after `row` (the last row of its last group), LIMIT and per-partition counts aside. */
  positionAfter(row: SourceRow): Omit<PagingState, 'remaining' | 'inPartition'>;
  /** How many partition keys a query by key list reads. */
  keyCount(): number;
  ctx: BindContext;
  nowSec: number;
}

interface OpenGroup {
  first: SourceRow;
  last: SourceRow;
  acc: GroupAccumulator | undefined; // undefined: beyond PER PARTITION LIMIT, read but not returned
  /** Rows consumed up to and including this group's last one (virtual tables resume by offset). */
  consumed: number;
}

/**
 * Rows per internal read of an unpaged query; a paged one reads the client's page size at a time. Both as Cassandra's
 * AggregationQueryPager (DEFAULT_PAGE_SIZE 10000 unpaged), so its read commands — what tombstone_warn_threshold
 * counts — are the same.
 */
const ROW_BATCH = 10_000;

export async function groupedPage(q: GroupedQuery, limits: Limits, state: PagingState | undefined): Promise<{ rows: Array<Array<Buffer | null>>; next?: PagingState }> {
  const { selection, ctx, nowSec } = q;
  const remaining = state ? state.remaining : limits.limit;
  const capacity = Math.min(remaining, limits.pageSize);
  const rows: Array<Array<Buffer | null>> = [];
  const width = q.spec?.clusteringPrefix;
  const sameGroup = (g: SourceRow, r: SourceRow): boolean => {
    if (width === undefined) return true;
    if (!samePartition(g, r)) return false;
    if (g.clustering.length < width || r.clustering.length < width) return g.clustering.length === r.clustering.length && g.clustering.length === 0;
    for (let i = 0; i < width; i++) if (compareValues(q.table.clustering[i]!.type, g.clustering[i]!, r.clustering[i]!) !== 0) return false;
    return true;
  };
  let open: OpenGroup | undefined;
  let inPartition = 0; // groups returned from the current partition
  let lastEmitted: OpenGroup | undefined;
  let consumed = 0;
  const close = (g: OpenGroup): void => {
    if (!g.acc) return;
    rows.push(g.acc.result(ctx, nowSec));
    inPartition++;
    lastEmitted = g;
  };
  const rowLimits: Limits = { pageSize: Number.isFinite(limits.pageSize) ? limits.pageSize : ROW_BATCH, limit: Infinity, perPartition: Infinity };
  let rowState: PagingState | undefined = state ? { ...state, remaining: Infinity, inPartition: 0 } : undefined;
  const resumedPartition = state?.key;
  for (let rounds = 0; rows.length < capacity && rounds < 10_000_000; rounds++) {
    const page = await q.fetch(rowLimits, rowState);
    for (const row of page.sources) {
      consumed++;
      if (open && sameGroup(open.first, row)) {
        open.last = row;
        open.consumed = consumed;
        open.acc?.add(row, ctx, nowSec);
        continue;
      }
      if (open) close(open);
      if (rows.length >= capacity) break;
      const newPartition = !open || !samePartition(open.first, row);
      if (newPartition) inPartition = !open && resumedPartition !== undefined && q.positionAfter(row).key?.equals(resumedPartition) ? state!.inPartition : 0;
      const acc = inPartition < limits.perPartition ? selection.newGroup() : undefined;
      acc?.add(row, ctx, nowSec);
      open = { first: row, last: row, acc, consumed };
    }
    if (rows.length >= capacity) break;
    if (!page.next) {
      if (open) close(open);
      else if (width === undefined && !state) rows.push(selection.newGroup().result(ctx, nowSec));
      open = undefined;
      break;
    }
    rowState = page.next;
  }
  // Only a full page tells the client to ask again (as Cassandra's pagers do, even when nothing follows); an aggregate
  // without GROUP BY is one row, never paged.
  if (width === undefined || rows.length < limits.pageSize || rows.length >= remaining || !lastEmitted) return { rows };
  const at = q.positionAfter(lastEmitted.last);
  if (inPartition >= limits.perPartition) {
    // The partition gave all the groups it may: like the row pager, resume after it, or stop after the last key.
    at.partitionDone = true;
    if (at.keyIndex !== undefined && at.keyIndex === q.keyCount() - 1) return { rows };
  }
  const offset = at.offset !== undefined ? (state?.offset ?? 0) + lastEmitted.consumed : undefined;
  return { rows, next: { ...at, offset, remaining: remaining - rows.length, inPartition } };
}

