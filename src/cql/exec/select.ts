// SELECT: compiles the statement once, then each execution reads partitions through the coordinator (by key,
// or by token-ordered scan), turns them into live rows, filters, limits, pages and projects them.
import type { SelectStatement } from '../../model/ast.ts';
import type { TableDef } from '../../schema/model.ts';
import type { ResultMessage, RowsResult } from '../../protocol/messages.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { T } from '../../model/types.ts';
import { compileTerm, MarkerTypes, type BindContext, type CompiledTerm } from './terms.ts';
import { compileWhere, type CompiledWhere } from './restrictions.ts';
import { compileSelection, type Selection } from './selection.ts';
import type { ExecEnv, ExecRequest, Plan, Session } from './plan.ts';
import { requireInt } from './values.ts';
import { decodePagingState, encodePagingState } from './paging.ts';
import { keyspaceName, resolveKeyspace } from './resolve.ts';
import { SelectRun, type Limits, type PageResult } from './select-page.ts';
import { partitionKeyBindIndexes } from './rows.ts';
import { jsonColumn, rowsToJson } from './json.ts';
import { compileGroupBy, groupedPage } from './group-by.ts';
import type { PagingState } from './paging.ts';
import { aggregationWarning } from './client-warnings.ts';
import { withFunctionSchema } from './selection-udf.ts';
import { annRows, checkAnnRestrictions, compileAnn, MAX_TOP_K } from './ann.ts';
import { DEFAULT_TOMBSTONE_WARN_THRESHOLD, ReadTally } from './read-tally.ts';

export { compareClusteringOf, partitionKeyBytes, rowValues, splitPartitionKey } from './rows.ts';

const FILTERING_MSG =
  'Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING';
const POST_ORDERING_PAGING_MSG =
  'Cannot page queries with both ORDER BY and a IN restriction on the partition key; you must either remove the ORDER BY or the IN and sort client side, or disable paging for this query';

export function compileSelect(stmt: SelectStatement, schema: import('../../schema/model.ts').Schema, session: Session, markerCount: number): Plan {
  const ksName = keyspaceName(stmt.table, session.keyspace);
  const ks = resolveKeyspace(schema, ksName);
  const table = ks.tables.get(stmt.table.name);
  if (!table) throw new InvalidRequestError(`table ${stmt.table.name} does not exist`);
  const markers = new MarkerTypes(markerCount);
  const selection = withFunctionSchema(schema, () => compileSelection(table, stmt.selectors, markers));
  const virtual = table.virtual === true;
  const where = compileWhere(table, stmt.where, markers, virtual, stmt.allowFiltering, true);
  const ann = virtual ? undefined : compileAnn(table, stmt, markers, selection.isAggregate);
  const needsFiltering = ann ? checkAnnRestrictions(table, stmt, where) : where.needsFiltering;
  if (needsFiltering && !stmt.allowFiltering && !virtual) throw new InvalidRequestError(where.filteringError ?? FILTERING_MSG);
  const spec = (name: string) => ({ keyspace: table.keyspace, table: table.name, name, type: T.int });
  const limit: CompiledTerm | undefined = stmt.limit && compileTerm(stmt.limit, spec('[limit]'), markers);
  const perPartition = stmt.perPartitionLimit && compileTerm(stmt.perPartitionLimit, spec('[per_partition_limit]'), markers);
  const reversed = ann ? false : orderingIsReversed(table, stmt);
  checkDistinctAndOrderBy(table, stmt, selection, where, ann !== undefined, virtual);
  // IN on a partition key column with ORDER BY: rows of all the partitions are sorted together after the read.
  const postOrdering = stmt.orderBy.length > 0 && !virtual && !ann && table.partitionKey.some((c) =>
    stmt.where.some((w) => w.lhs.kind === 'column' && w.lhs.name === c.name && w.op === 'IN'));
  const groupSpec = compileGroupBy(table, stmt);
  const grouped = groupSpec !== undefined || selection.isAggregate;
  const warning = aggregationWarning(table, stmt, grouped);
  const variables = markers.finish();
  const resultColumns = stmt.json ? [jsonColumn(table)] : selection.columns;
  const pkIndexes = partitionKeyBindIndexes(table, stmt.where);

  return {
    variables,
    resultColumns,
    pkIndexes,
    dependsOn: virtual ? [] : [{ table }],
    keyspace: ksName,
    async execute(env: ExecEnv, _session: Session, req: ExecRequest): Promise<ResultMessage> {
      const ctx: BindContext = { values: req.values, nowMicros: env.nowMicros() };
      const limits = limitsOf(req, ctx, limit, perPartition);
      // Cassandra sorts such results after reading all the partitions, which it cannot do one page at a time; it refuses
      // any paged request, whatever the page size and the number of rows (SelectStatement.needsPostQueryOrdering).
      if (postOrdering && req.params.pageSize !== undefined && req.params.pageSize > 0) throw new InvalidRequestError(POST_ORDERING_PAGING_MSG);
      const state = req.params.pagingState ? decodePagingState(req.params.pagingState) : undefined;
      const nowSec = Math.floor(env.nowMicros() / 1e6);
      beginRead(req, warning, where, table);
      const run = new SelectRun(env, ks, table, stmt, where, reversed, ctx, nowSec, req.params.consistency);
      const tally = virtual ? undefined : (run.tally = new ReadTally({ table, stmt, ctx, reversed, unpagedAggregate: grouped && !Number.isFinite(limits.pageSize),
        nowSec, warnThreshold: env.warnThresholds?.tombstoneWarn ?? DEFAULT_TOMBSTONE_WARN_THRESHOLD, warnings: req.warnings, trace: req.trace }));
      const fetch = (l: Limits, s: PagingState | undefined): Promise<PageResult> =>
        virtual ? Promise.resolve(run.virtualPage(l, s)) : postOrdering ? run.orderedRows(l) : run.page(l, s);
      let projected: Array<Array<Buffer | null>>;
      let next: PagingState | undefined;
      if (ann) {
        projected = (await annRows(run, table, ann, checkAnnLimits(limits), ctx)).map((row) => selection.projectRow(row, ctx, nowSec));
      } else if (grouped) {
        const out = await groupedPage({ table, selection, spec: groupSpec, fetch, positionAfter: (r) => run.positionAfter(r), keyCount: () => run.keyCount(), ctx, nowSec }, limits, state);
        projected = out.rows;
        next = out.next;
      } else {
        const page = await fetch(limits, state);
        projected = page.sources.map((row) => selection.projectRow(row, ctx, nowSec));
        next = page.next;
      }
      tally?.flush(where.partitionKeys !== undefined);
      if (!tally || tally.commands === 0) req.trace?.trace(`Read ${projected.length} live rows and 0 tombstone cells`);
      const result: RowsResult = { kind: 'rows', columns: resultColumns, rows: stmt.json ? rowsToJson(selection.columns, projected) : projected };
      if (next) result.pagingState = encodePagingState(next);
      if (req.params.skipMetadata) result.noMetadata = true;
      return result;
    },
  };
}

/** The page size (Infinity when not paging), LIMIT and PER PARTITION LIMIT of one execution. */
function limitsOf(req: ExecRequest, ctx: BindContext, limit: CompiledTerm | undefined, perPartition: CompiledTerm | undefined): Limits {
  return {
    pageSize: req.params.pageSize && req.params.pageSize > 0 ? req.params.pageSize : Infinity,
    limit: limit ? positive(requireInt(limit(ctx), 'limit'), 'LIMIT') : Infinity,
    perPartition: perPartition ? positive(requireInt(perPartition(ctx), 'per partition limit'), 'PER PARTITION LIMIT') : Infinity,
  };
}

/** What a read adds to its response before it starts: its client warning, its first trace event. */
function beginRead(req: ExecRequest, warning: string | undefined, where: CompiledWhere, table: TableDef): void {
  if (warning) req.warnings?.push(warning);
  req.trace?.trace(where.partitionKeys ? `Executing single-partition query on ${table.name}` : 'Computing ranges to query');
}

/** DISTINCT and ORDER BY rules that depend on the selection and the WHERE clause, with Cassandra's messages. */
function checkDistinctAndOrderBy(table: TableDef, stmt: SelectStatement, selection: Selection, where: CompiledWhere, isAnn: boolean, virtual: boolean): void {
  if (stmt.distinct && !selection.onlyKeyAndStatic && stmt.selectors !== '*') {
    throw new InvalidRequestError('SELECT DISTINCT queries must only request partition key columns and/or static columns (not clustering or regular columns)');
  }
  if (stmt.distinct && !virtual && restrictsRowColumns(table, stmt)) {
    throw new InvalidRequestError('SELECT DISTINCT with WHERE clause only supports restriction by partition key and/or static columns.');
  }
  if (stmt.orderBy.length > 0 && !isAnn && where.usesIndex) throw new InvalidRequestError('ORDER BY with 2ndary indexes is not supported, except for ANN queries.');
  if (stmt.orderBy.length > 0 && !isAnn && !where.partitionKeys) {
    throw new InvalidRequestError('ORDER BY is only supported when the partition key is restricted by an EQ or an IN.');
  }
}

/**
 * ANN is brute force (see ann.ts): every selected row is read, a thousand at a time, scored, and the best LIMIT
 * kept; the answer is never paged, so the LIMIT must fit one page.
 */
function checkAnnLimits(limits: Limits): Limits {
  if (limits.limit > MAX_TOP_K) throw new InvalidRequestError(`Use of ANN OF in an ORDER BY clause requires a LIMIT that is not greater than ${MAX_TOP_K}. LIMIT was ${limits.limit}`);
  if (limits.limit > limits.pageSize) throw new InvalidRequestError('Top-K queries must have a limit specified and the limit must be less than the query page size');
  return limits;
}

/** Whether the WHERE clause restricts clustering or regular columns (which DISTINCT, one row per partition, cannot). */
function restrictsRowColumns(table: TableDef, stmt: SelectStatement): boolean {
  return stmt.where.some((w) => {
    const names = w.lhs.kind === 'tuple' ? w.lhs.columns : w.lhs.kind === 'token' ? [] : [w.lhs.name];
    return names.some((n) => {
      const c = table.columns.get(n);
      return c !== undefined && (c.kind === 'clustering' || c.kind === 'regular');
    });
  });
}

function positive(n: number, what: string): number {
  if (n <= 0) throw new InvalidRequestError(`${what} must be strictly positive`);
  return n;
}

function orderingIsReversed(table: TableDef, stmt: SelectStatement): boolean {
  if (stmt.orderBy.length === 0) return false;
  let reversed: boolean | undefined;
  stmt.orderBy.forEach((o, i) => {
    const c = table.columns.get(o.column);
    if (!c) throw new InvalidRequestError(`Undefined column name ${o.column}`);
    if (c.kind !== 'clustering') throw new InvalidRequestError(`Order by is currently only supported on the clustered columns of the PRIMARY KEY, got ${o.column}`);
    if (c.position !== i) throw new InvalidRequestError('Order by currently only supports the ordering of columns following their declared order in the PRIMARY KEY');
    const r = (o.order === 'DESC') !== (c.order === 'desc');
    if (reversed !== undefined && r !== reversed) throw new InvalidRequestError('Unsupported order by relation');
    reversed = r;
  });
  return reversed ?? false;
}

