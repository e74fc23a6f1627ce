// SELECT: compiles the statement once, then each execution reads partitions through the coordinator (by key,
// or by token-ordered scan), turns them into live rows, filters, limits, pages and projects them.
import type { SelectStatement } from '../ast.ts';
import type { ColumnDef, KeyspaceDef, TableDef } from '../../schema/model.ts';
import type { ResultMessage, RowsResult } from '../../protocol/messages.ts';
import { InvalidRequestError } from '../../protocol/errors.ts';
import type { ReadFilter, ScanRange, Slice } from '../../storage/types.ts';
import { liveRows } from '../../storage/live.ts';
import { murmur3Token, compositeKey, splitCompositeKey } from '../../cluster/murmur3.ts';
import { compareValues } from '../values/compare.ts';
import { T } from '../types.ts';
import { compileTerm, MarkerTypes, type BindContext, type CompiledTerm } from './terms.ts';
import { clusteringSlices, compileWhere, type CompiledWhere, type RowValues } from './restrictions.ts';
import { checkPartitionKeySize } from './clustering.ts';
import { compileSelection, type Selection, type SourceRow } from './selection.ts';
import type { ExecEnv, ExecRequest, Plan, Session } from './plan.ts';
import { requireInt } from './values.ts';
import { decodePagingState, encodePagingState, type PagingState } from './paging.ts';
import { keyspaceName, resolveKeyspace } from './resolve.ts';
import { virtualRows } from './virtual.ts';

const FILTERING_MSG =
  'Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING';

export function partitionKeyBytes(components: Buffer[]): Buffer {
  return components.length === 1 ? components[0] : compositeKey(components);
}

export function splitPartitionKey(table: TableDef, key: Buffer): Buffer[] {
  return table.partitionKey.length === 1 ? [key] : splitCompositeKey(key, table.partitionKey.length);
}

interface Limits {
  pageSize: number; // Infinity when not paging
  limit: number;
  perPartition: number;
}

/** Accumulates output rows for one page. */
class PageBuilder {
  readonly sources: SourceRow[] = [];
  constructor(readonly remaining: number) {}
  get full(): boolean {
    return this.sources.length >= this.remaining;
  }
}

export function compileSelect(stmt: SelectStatement, schema: import('../../schema/model.ts').Schema, session: Session, markerCount: number): Plan {
  const ksName = keyspaceName(stmt.table, session.keyspace);
  const ks = resolveKeyspace(schema, ksName);
  const table = ks.tables.get(stmt.table.name);
  if (!table) throw new InvalidRequestError(`table ${stmt.table.name} does not exist`);
  refuseUnsupported(stmt);
  const markers = new MarkerTypes(markerCount);
  const selection = compileSelection(table, stmt.selectors, markers);
  const virtual = table.virtual === true;
  const where = compileWhere(table, stmt.where, markers, virtual, stmt.allowFiltering);
  if (where.needsFiltering && !stmt.allowFiltering && !virtual) throw new InvalidRequestError(where.filteringError ?? FILTERING_MSG);
  const spec = (name: string) => ({ keyspace: table.keyspace, table: table.name, name, type: T.int });
  const limit: CompiledTerm | undefined = stmt.limit && compileTerm(stmt.limit, spec('[limit]'), markers);
  const perPartition = stmt.perPartitionLimit && compileTerm(stmt.perPartitionLimit, spec('[per_partition_limit]'), markers);
  const reversed = orderingIsReversed(table, stmt);
  if (stmt.distinct && !selection.onlyKeyAndStatic && stmt.selectors !== '*') {
    throw new InvalidRequestError('SELECT DISTINCT queries must only request partition key columns and/or static columns (not clustering or regular columns)');
  }
  if (stmt.orderBy.length > 0 && !where.partitionKeys) {
    throw new InvalidRequestError('ORDER BY is only supported when the partition key is restricted by an EQ or an IN.');
  }
  const variables = markers.finish();
  const pkIndexes = computePkIndexes(table, stmt, variables.length);

  return {
    variables,
    resultColumns: selection.columns,
    pkIndexes,
    dependsOn: virtual ? [] : [{ table }],
    keyspace: ksName,
    async execute(env: ExecEnv, _session: Session, req: ExecRequest): Promise<ResultMessage> {
      const ctx: BindContext = { values: req.values, nowMicros: env.nowMicros() };
      const limits: Limits = {
        pageSize: req.params.pageSize && req.params.pageSize > 0 && !selection.isAggregate ? req.params.pageSize : Infinity,
        limit: limit ? positive(requireInt(limit(ctx), 'limit'), 'LIMIT') : Infinity,
        perPartition: perPartition ? positive(requireInt(perPartition(ctx), 'per partition limit'), 'PER PARTITION LIMIT') : Infinity,
      };
      const state = req.params.pagingState ? decodePagingState(req.params.pagingState) : undefined;
      const nowSec = Math.floor(env.nowMicros() / 1e6);
      const run = new SelectRun(env, ks, table, stmt, where, selection, reversed, ctx, nowSec, req.params.consistency);
      const { sources, next } = virtual
        ? run.virtualPage(limits, state)
        : await run.page(limits, state);
      const rows = selection.project(sources, ctx, nowSec);
      const result: RowsResult = { kind: 'rows', columns: selection.columns, rows };
      if (next) result.pagingState = encodePagingState(next);
      if (req.params.skipMetadata) result.noMetadata = true;
      return result;
    },
  };
}

/** Clauses the parser accepts but execution does not implement yet: refused, never answered with wrong rows. */
function refuseUnsupported(stmt: SelectStatement): void {
  if (stmt.json) throw new InvalidRequestError('SELECT JSON is not supported yet');
  if (stmt.groupBy.length > 0) throw new InvalidRequestError('GROUP BY is not supported yet');
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

/** pk_indexes for PREPARED: each partition key column bound by a plain `col = ?` marker. */
function computePkIndexes(table: TableDef, stmt: SelectStatement, _n: number): number[] {
  const idx: number[] = [];
  for (const pk of table.partitionKey) {
    const rel = stmt.where.find((w) => w.lhs.kind === 'column' && w.lhs.name === pk.name && w.op === '=');
    if (!rel || rel.rhs.kind !== 'bind') return [];
    idx.push(rel.rhs.index);
  }
  return idx;
}

interface LastPosition {
  key: Buffer;
  token: bigint;
  clustering?: Buffer[];
  partitionDone: boolean;
  inPartition: number;
  keyIndex?: number;
}

class SelectRun {
  constructor(
    readonly env: ExecEnv,
    readonly ks: KeyspaceDef,
    readonly table: TableDef,
    readonly stmt: SelectStatement,
    readonly where: CompiledWhere,
    readonly selection: Selection,
    readonly reversed: boolean,
    readonly ctx: BindContext,
    readonly nowSec: number,
    readonly cl: number,
  ) {}

  private slices?: Slice[] | null = null;
  private getSlices(): Slice[] | undefined {
    if (this.slices === null) this.slices = clusteringSlices(this.table, this.where, this.ctx);
    return this.slices;
  }

  /** Rows of one partition that survive filters, in query order, after `afterClustering` if given. */
  private partitionRows(p: import('../../storage/types.ts').PartitionData, afterClustering: Buffer[] | undefined): SourceRow[] {
    const pk = splitPartitionKey(this.table, p.key);
    const live = liveRows(this.table, p, this.nowSec);
    // No named closures or spreads here: this runs per partition read, and tsx's keepNames makes closures costly.
    const staticCells: SourceRow['cells'] | undefined = live.staticRow ? cellsOf(live.staticRow.cells, this.nowSec) : undefined;
    let rows: SourceRow[] = new Array<SourceRow>(live.rows.length);
    for (let i = 0; i < live.rows.length; i++) {
      const r = live.rows[i];
      const cells = cellsOf(r.cells, this.nowSec);
      rows[i] = { token: p.token, pk, clustering: r.clustering, cells: staticCells ? { ...staticCells, ...cells } : cells };
    }
    // The engine returns rows in clustering order even for reversed reads (it only picks the last ones).
    if (this.reversed) rows.reverse();
    if (afterClustering) {
      const dir = this.reversed ? -1 : 1;
      rows = rows.filter((r) => dir * compareClusteringOf(this.table, r.clustering, afterClustering) > 0);
    }
    const hasClusteringRestrictions = this.getSlices() !== undefined;
    if (rows.length === 0 && live.staticRow && !hasClusteringRestrictions && !afterClustering) {
      rows = [{ token: p.token, pk, clustering: [], cells: staticCells ?? {} }];
    }
    if (this.stmt.distinct) rows = rows.slice(0, 1);
    if (this.where.filters.length > 0) rows = rows.filter((r) => this.where.filters.every((f) => f(rowValues(this.table, r), this.ctx)));
    return rows;
  }

  private filterFor(afterClustering: Buffer[] | undefined, rowLimit: number): ReadFilter {
    let slices = this.getSlices();
    if (afterClustering && !slices) {
      const after = { prefix: afterClustering, inclusive: false };
      const open = { prefix: [], inclusive: true };
      slices = [this.reversed ? { start: open, end: after } : { start: after, end: open }];
    }
    const f: ReadFilter = { reversed: this.reversed };
    if (slices) f.slices = slices;
    if (this.where.filters.length === 0 && Number.isFinite(rowLimit) && !this.stmt.distinct) f.rowLimit = rowLimit;
    return f;
  }

  async page(limits: Limits, state: PagingState | undefined): Promise<{ sources: SourceRow[]; next?: PagingState }> {
    const remaining = state ? state.remaining : limits.limit;
    const page = new PageBuilder(Math.min(remaining, limits.pageSize));
    let last: LastPosition | undefined;

    if (this.where.partitionKeys) {
      const keys = this.sortedKeys();
      const first = state?.keyIndex === undefined ? 0 : state.partitionDone ? state.keyIndex + 1 : state.keyIndex;
      for (let i = first; i < keys.length && !page.full; i++) {
        const { key, token } = keys[i];
        const resuming = state && i === state.keyIndex ? state : undefined;
        const inPartition = resuming?.inPartition ?? 0;
        const after = resuming?.clustering;
        const want = Math.min(limits.perPartition - inPartition, page.remaining - page.sources.length);
        const p = await this.env.coordinator.read(this.ks, this.table, key, token, this.filterFor(after, want + 1), this.cl, this.nowSec);
        const rows = p ? this.partitionRows(p, after) : [];
        const n = take(page, limits, rows, inPartition);
        last = this.position(page, limits, key, token, rows, n, inPartition, i);
        if (last.partitionDone && i === keys.length - 1) return { sources: page.sources };
      }
      if (!page.full || !last || remaining - page.sources.length <= 0) return { sources: page.sources };
      return { sources: page.sources, next: this.stateOf(last, remaining - page.sources.length) };
    }

    // Token-ordered scan, possibly resuming inside a partition.
    let range: ScanRange = this.tokenRange();
    if (state?.key !== undefined && state.token !== undefined) {
      if (!state.partitionDone) {
        const p = await this.env.coordinator.read(this.ks, this.table, state.key, state.token, this.filterFor(state.clustering, Infinity), this.cl, this.nowSec);
        const rows = p ? this.partitionRows(p, state.clustering) : [];
        const n = take(page, limits, rows, state.inPartition);
        last = this.position(page, limits, state.key, state.token, rows, n, state.inPartition);
      }
      range = { ...range, start: { token: state.token, key: state.key, inclusive: false } };
    }
    const batch = Number.isFinite(limits.pageSize) ? Math.max(16, Math.min(1000, limits.pageSize)) : 1000;
    let exhausted = false;
    for (let rounds = 0; !page.full && rounds < 10_000_000; rounds++) {
      const rowsWanted = Math.min(limits.perPartition, page.remaining - page.sources.length) + 1;
      const parts = await this.env.coordinator.scan(this.ks, this.table, range, this.filterFor(undefined, rowsWanted), batch, this.cl, this.nowSec);
      let consumed = 0;
      for (const p of parts) {
        if (page.full) break;
        consumed++;
        const rows = this.partitionRows(p, undefined);
        const n = take(page, limits, rows, 0);
        last = this.position(page, limits, p.key, p.token, rows, n, 0);
      }
      if (parts.length < batch && consumed === parts.length) {
        exhausted = true;
        break;
      }
      if (consumed === 0) break;
      const tail = parts[consumed - 1];
      range = { ...range, start: { token: tail.token, key: tail.key, inclusive: false } };
    }
    if (!page.full || !last || (exhausted && last.partitionDone) || remaining - page.sources.length <= 0) {
      return { sources: page.sources };
    }
    return { sources: page.sources, next: this.stateOf(last, remaining - page.sources.length) };
  }

  /** Where a partition read stopped: done when it returned everything it may, else at its last clustering. */
  private position(page: PageBuilder, limits: Limits, key: Buffer, token: bigint, rows: SourceRow[], n: number,
    inPartition: number, keyIndex?: number): LastPosition {
    const lastRow = n > 0 ? page.sources[page.sources.length - 1] : undefined;
    const done = n === rows.length || inPartition + n >= limits.perPartition || !lastRow || lastRow.clustering.length === 0 || this.stmt.distinct;
    return { key, token, clustering: lastRow?.clustering, partitionDone: done, inPartition: inPartition + n, keyIndex };
  }

  private stateOf(last: LastPosition, remaining: number): PagingState {
    return { ...last, remaining };
  }

  private tokenRange(): ScanRange {
    const r: ScanRange = {};
    const { tokenLower, tokenUpper } = this.where;
    if (tokenLower) r.start = { token: tokenOf(tokenLower.term(this.ctx)), inclusive: tokenLower.inclusive };
    if (tokenUpper) {
      const t = tokenOf(tokenUpper.term(this.ctx));
      r.endToken = tokenUpper.inclusive ? t : t - 1n;
    }
    return r;
  }

  private sortedKeys(): Array<{ key: Buffer; token: bigint }> {
    const comps = this.where.partitionKeys!(this.ctx);
    const pkCols = this.table.partitionKey;
    comps.sort((a, b) => {
      for (let i = 0; i < pkCols.length; i++) {
        const c = compareValues(pkCols[i].type, a[i], b[i]);
        if (c !== 0) return c;
      }
      return 0;
    });
    const out: Array<{ key: Buffer; token: bigint }> = [];
    for (const c of comps) {
      const key = checkPartitionKeySize(partitionKeyBytes(c));
      if (key.length === 0) throw new InvalidRequestError('Key may not be empty');
      if (out.length > 0 && out[out.length - 1].key.equals(key)) continue;
      out.push({ key, token: murmur3Token(key) });
    }
    return out;
  }

  /** System and virtual tables: all rows in memory, filtered and paged by offset. */
  virtualPage(limits: Limits, state: PagingState | undefined): { sources: SourceRow[]; next?: PagingState } {
    const all = virtualRows(this.env, this.table).filter((r) => this.where.filters.every((f) => f(rowValues(this.table, r), this.ctx)));
    const offset = state?.offset ?? 0;
    const remaining = state ? state.remaining : limits.limit;
    const n = Math.min(remaining, limits.pageSize, all.length - offset);
    const sources = all.slice(offset, offset + n);
    if (offset + n < all.length && n === limits.pageSize && remaining - n > 0) {
      return { sources, next: { offset: offset + n, remaining: remaining - n, inPartition: 0 } };
    }
    return { sources };
  }
}

/** Moves the rows the page and the per-partition limit allow into the page; returns how many. */
function take(page: PageBuilder, limits: Limits, rows: SourceRow[], alreadyInPartition: number): number {
  const allowed = Math.max(0, Math.min(rows.length, limits.perPartition - alreadyInPartition, page.remaining - page.sources.length));
  for (let i = 0; i < allowed; i++) page.sources.push(rows[i]);
  return allowed;
}

function tokenOf(v: Buffer | null | symbol): bigint {
  if (!Buffer.isBuffer(v) || v.length !== 8) throw new InvalidRequestError('Invalid token value');
  return v.readBigInt64BE(0);
}

/** The engine reports remaining TTL; selection keeps the expiry second so ttl() can be computed at any now. */
function cellsOf(cells: Record<string, { value: Buffer; ts: number; ttl?: number }>, nowSec: number): SourceRow['cells'] {
  const out: SourceRow['cells'] = {};
  for (const k in cells) {
    const c = cells[k];
    out[k] = { value: c.value, ts: c.ts, ttl: c.ttl, expiresAt: c.ttl !== undefined ? nowSec + c.ttl : undefined };
  }
  return out;
}

export function compareClusteringOf(table: TableDef, a: Buffer[], b: Buffer[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const col: ColumnDef = table.clustering[i];
    const c = compareValues(col.type, a[i], b[i]);
    if (c !== 0) return col.order === 'desc' ? -c : c;
  }
  return a.length - b.length;
}

export function rowValues(table: TableDef, r: SourceRow): RowValues {
  return (name) => {
    const c = table.columns.get(name);
    if (!c) return null;
    if (c.kind === 'partition_key') return r.pk[c.position] ?? null;
    if (c.kind === 'clustering') return r.clustering[c.position] ?? null;
    return r.cells[name]?.value ?? null;
  };
}
