// One execution of a SELECT: reads partitions through the coordinator (by key list, or by token-ordered scan) and
// turns them into one page of live, filtered rows plus the paging state to resume from.
//
// When a page carries a paging state follows Cassandra's pagers (service/pager/*QueryPager.java): the pager stops as
// soon as it has counted a full page, without looking further, so a page filled exactly carries a state even when
// nothing follows (the next request then gets an empty page without one). There is no state when LIMIT is reached,
// when the page is not full, or, for partition key lists, when the last partition is known to be finished: it
// returned fewer rows than asked, reached PER PARTITION LIMIT, or ended on a row without clustering (a static-only
// row, a table without clustering columns, DISTINCT).
import type { SelectStatement } from '../../model/ast.ts';
import type { KeyspaceDef, TableDef } from '../../schema/model.ts';
import type { PartitionData, ReadFilter, ScanRange, Slice } from '../../storage/types.ts';
import { InvalidRequestError, ProtocolError } from '../../model/errors.ts';
import { liveRows } from '../../storage/live.ts';
import { isStrictView, withStrictLiveness } from '../../views/strict.ts';
import { murmur3Token } from '../../model/murmur3.ts';
import { compareValues } from '../../model/values/compare.ts';
import { comparePositions, endPosition, startPosition } from '../../storage/compare.ts';
import type { BindContext } from './terms.ts';
import { clusteringSlices, type CompiledWhere } from './restrictions.ts';
import type { SourceRow } from './selection.ts';
import type { ExecEnv } from './plan.ts';
import type { PagingState } from './paging.ts';
import { cellsOf, compareClusteringOf, partitionKeyBytes, rowValues, splitPartitionKey } from './rows.ts';
import { checkPartitionKeySize } from './clustering.ts';
import { virtualRows } from './virtual.ts';
import type { ConsistencyLevel } from '../../model/consistency.ts';
import type { IndexQuery, IndexScanRange } from '../../index/types.ts';
import { emptyCells } from '../../storage/types.ts';
import type { ReadTally } from './read-tally.ts';

export interface Limits {
  pageSize: number; // Infinity when not paging
  limit: number;
  perPartition: number;
}

export interface PageResult {
  sources: SourceRow[];
  next?: PagingState;
}

interface PartitionRef {
  key: Buffer;
  token: bigint;
}

/** Where the last partition read of a page stopped. */
interface LastPosition extends PartitionRef {
  clustering?: Buffer[];
  /** Nothing more to read from this partition. */
  partitionDone: boolean;
  inPartition: number;
  keyIndex?: number;
}

/** Accumulates output rows for one page. */
class PageBuilder {
  readonly sources: SourceRow[] = [];
  constructor(readonly capacity: number) {}
  get room(): number {
    return this.capacity - this.sources.length;
  }
  get full(): boolean {
    return this.sources.length >= this.capacity;
  }
}

/**
 * The slices of a read resuming after the row at `after` (exclusive, in query order): the WHERE slices cut at that row,
 * so that a row limit counts only rows not yet returned. Null when no slice reaches past it.
 */
export function resumeSlices(table: TableDef, slices: Slice[] | undefined, after: Buffer[], reversed: boolean): Slice[] | null {
  const cut = { prefix: after, inclusive: false };
  const open = { prefix: [], inclusive: true };
  if (!slices) return [reversed ? { start: open, end: cut } : { start: cut, end: open }];
  const out: Slice[] = [];
  if (!reversed) {
    const from = startPosition(cut);
    for (const s of slices) {
      if (comparePositions(table, endPosition(s.end), from) <= 0) continue;
      out.push(comparePositions(table, startPosition(s.start), from) < 0 ? { start: cut, end: s.end } : s);
    }
  } else {
    const to = endPosition(cut);
    for (const s of slices) {
      if (comparePositions(table, startPosition(s.start), to) >= 0) continue;
      out.push(comparePositions(table, endPosition(s.end), to) > 0 ? { start: s.start, end: cut } : s);
    }
  }
  return out.length > 0 ? out : null;
}

export class SelectRun {
  constructor(
    readonly env: ExecEnv,
    readonly ks: KeyspaceDef,
    readonly table: TableDef,
    readonly stmt: SelectStatement,
    readonly where: CompiledWhere,
    readonly reversed: boolean,
    readonly ctx: BindContext,
    readonly nowSec: number,
    readonly cl: ConsistencyLevel,
  ) {}

  /** Counts what each read command scanned, for tombstone_warn_threshold and the trace (read-tally.ts). */
  tally?: ReadTally;

  private slices?: Slice[] | null = null;
  private getSlices(): Slice[] | undefined {
    if (this.slices === null) this.slices = clusteringSlices(this.table, this.where, this.ctx);
    return this.slices;
  }

  /** Rows of one partition that survive filters, in query order, after `afterClustering` if given. */
  private partitionRows(p: PartitionData, afterClustering: Buffer[] | undefined): SourceRow[] {
    const pk = splitPartitionKey(this.table, p.key);
    // A view keyed by a base regular column shows only the rows whose marker is live (views/strict.ts).
    const live = liveRows(this.table, isStrictView(this.table) ? withStrictLiveness(this.table, p, this.nowSec) : p, this.nowSec);
    // No named closures or spreads here: this runs per partition read, and tsx's keepNames makes closures costly.
    const staticCells: SourceRow['cells'] | undefined = live.staticRow ? cellsOf(live.staticRow.cells, this.nowSec) : undefined;
    let rows: SourceRow[] = new Array<SourceRow>(live.rows.length);
    for (let i = 0; i < live.rows.length; i++) {
      const r = live.rows[i];
      const cells = cellsOf(r.cells, this.nowSec);
      rows[i] = { token: p.token, pk, clustering: r.clustering, cells: staticCells ? Object.assign(emptyCells(), staticCells, cells) : cells };
    }
    // The engine returns rows in clustering order even for reversed reads (it only picks the last ones).
    if (this.reversed) rows.reverse();
    if (afterClustering) {
      const dir = this.reversed ? -1 : 1;
      rows = rows.filter((r) => dir * compareClusteringOf(this.table, r.clustering, afterClustering) > 0);
    }
    // A partition with only a static row is one row, unless clustering restrictions select rows, or its static row was
    // already returned on the previous page.
    const hasClusteringRestrictions = this.getSlices() !== undefined;
    if (rows.length === 0 && live.staticRow && !hasClusteringRestrictions && !afterClustering) {
      rows = [{ token: p.token, pk, clustering: [], cells: staticCells ?? {} }];
    }
    if (this.stmt.distinct) rows = rows.slice(0, 1);
    if (this.where.filters.length > 0) rows = rows.filter((r) => this.where.filters.every((f) => f(rowValues(this.table, r), this.ctx)));
    return rows;
  }

  /** The read filter for a partition, resuming after `after`; undefined when the restrictions select no row. */
  private filterFor(after: Buffer[] | undefined, rowLimit: number): ReadFilter | undefined {
    let slices = this.getSlices();
    if (slices && slices.length === 0) return undefined; // IN () on a clustering column
    if (after) {
      const cut = resumeSlices(this.table, slices, after, this.reversed);
      if (!cut) return undefined;
      slices = cut;
    }
    const f: ReadFilter = { reversed: this.reversed };
    if (slices) f.slices = slices;
    // Filters drop rows after the read, so a limit on the read could stop short of the rows that pass (so does the
    // strict liveness of a view keyed by a base regular column).
    if (this.where.filters.length === 0 && !isStrictView(this.table)) {
      if (this.stmt.distinct) f.rowLimit = 1;
      else if (Number.isFinite(rowLimit)) f.rowLimit = rowLimit;
    }
    return f;
  }

  /**
   * Not async, and the rows themselves when the coordinator has the answer at hand (readNow: a local replica alone),
   * else their promise: this runs for every partition a query reads, and each promise is a few percent of a read.
   */
  private readPartition(ref: PartitionRef, after: Buffer[] | undefined, rowLimit: number): SourceRow[] | Promise<SourceRow[]> {
    const filter = this.filterFor(after, rowLimit);
    if (!filter) return [];
    const c = this.env.coordinator;
    const got = c.readNow !== undefined
      ? c.readNow(this.ks, this.table, ref.key, ref.token, filter, this.cl, this.nowSec)
      : c.read(this.ks, this.table, ref.key, ref.token, filter, this.cl, this.nowSec);
    if (got instanceof Promise) return got.then((p) => this.rowsRead(p, after));
    return this.rowsRead(got, after);
  }

  private rowsRead(p: PartitionData | undefined, after: Buffer[] | undefined): SourceRow[] {
    this.tally?.add(p);
    return p ? this.partitionRows(p, after) : [];
  }

  /**
   * ANN candidates from the replicas' vector graphs (coordinator.annScan), over the ring or within the partition the
   * WHERE clause names, or undefined without graphs.
   */
  annCandidates(query: IndexQuery, target: number[], k: number, inPartition: boolean): Promise<SourceRow[] | undefined> | undefined {
    const c = this.env.coordinator;
    if (!c.annScan || !c.annByGraph) return undefined;
    const filter = this.filterFor(undefined, Infinity) ?? {};
    const keys = inPartition ? this.sortedKeys() : undefined;
    if (keys && keys.length !== 1) return undefined;
    const partition = keys?.[0];
    return c.annScan(this.ks, this.table, query, target, k, filter, this.cl, this.nowSec, partition)
      .then((parts) => parts?.flatMap((p) => this.partitionRows(p, undefined)));
  }

  page(limits: Limits, state: PagingState | undefined): Promise<PageResult> {
    this.tally?.beginPage(limits.pageSize, state ? state.remaining : limits.limit, limits.perPartition);
    if (this.where.partitionKeys) return this.keyPage(limits, state);
    return this.where.indexQuery ? this.indexPage(limits, state) : this.scanPage(limits, state);
  }

  /**
   * Through a secondary index: the partitions holding matching rows, in ring order (coordinator.indexScan), paged
   * as a range scan is; a page resuming inside a partition asks for the rows after its last one.
   */
  private async indexPage(limits: Limits, state: PagingState | undefined): Promise<PageResult> {
    const remaining = state ? state.remaining : limits.limit;
    const page = new PageBuilder(Math.min(remaining, limits.pageSize));
    const query = this.where.indexQuery!(this.ctx);
    let last: LastPosition | undefined;
    let range: IndexScanRange = this.tokenRange();
    let resume: { key: Buffer; clustering: Buffer[]; inPartition: number } | undefined;
    if (state?.key !== undefined && state.token !== undefined) {
      const inside = !state.partitionDone && state.clustering !== undefined;
      range = { ...range, start: { token: state.token, key: state.key, inclusive: inside } };
      if (inside) {
        range.afterClustering = state.clustering;
        resume = { key: state.key, clustering: state.clustering!, inPartition: state.inPartition };
      }
    }
    const batch = Number.isFinite(limits.pageSize) ? Math.max(16, Math.min(1000, limits.pageSize)) : 1000;
    const filter = this.filterFor(undefined, Infinity);
    for (let rounds = 0; filter && !page.full && rounds < 10_000_000; rounds++) {
      const found = await this.env.coordinator.indexScan(this.ks, this.table, query, range, filter, batch, this.cl, this.nowSec);
      const parts = found.partitions;
      let consumed = 0;
      for (const p of parts) {
        if (page.full) break;
        consumed++;
        const resumed = resume !== undefined && p.key.equals(resume.key) ? resume : undefined;
        last = this.scanPosition(page, limits, p, this.partitionRows(p, resumed?.clustering), resumed?.inPartition ?? 0) ?? last;
      }
      if ((found.exhausted && consumed === parts.length) || consumed === 0) break;
      const tail = parts[consumed - 1]!;
      range = { ...range, start: { token: tail.token, key: tail.key, inclusive: false } };
      delete range.afterClustering;
      resume = undefined;
    }
    const left = remaining - page.sources.length;
    if (!page.full || !last || left <= 0) return { sources: page.sources };
    return { sources: page.sources, next: { ...last, remaining: left } };
  }

  /** By partition key list (= / IN), one partition after the other in key order, as Cassandra's MultiPartitionPager. */
  private async keyPage(limits: Limits, state: PagingState | undefined): Promise<PageResult> {
    const keys = this.sortedKeys();
    const remaining = state ? state.remaining : limits.limit;
    const page = new PageBuilder(Math.min(remaining, limits.pageSize));
    const resumeAt = state?.keyIndex;
    if (resumeAt !== undefined && (!Number.isInteger(resumeAt) || resumeAt < 0)) throw new ProtocolError('Invalid value for the paging state');
    const first = resumeAt === undefined ? 0 : state?.partitionDone ? resumeAt + 1 : resumeAt;
    let last: LastPosition | undefined;
    for (let i = first; i < keys.length && !page.full; i++) {
      const resuming = i === resumeAt ? state : undefined;
      const inPartition = resuming?.inPartition ?? 0;
      const asked = page.room;
      const read = this.readPartition(keys[i], resuming?.clustering, Math.min(limits.perPartition - inPartition, asked));
      const rows = Array.isArray(read) ? read : await read;
      this.tally?.flush(true);
      const n = take(page, limits, rows, inPartition);
      const lastRow = n > 0 ? page.sources[page.sources.length - 1] : undefined;
      // What Cassandra's per-partition pager knows: fewer rows than asked, or the limit per partition, ends it.
      const done = n < asked || inPartition + n >= limits.perPartition || this.stmt.distinct || lastRow?.clustering.length === 0;
      // The last key done: no state to build (the common single-partition read ends here).
      if (done && i === keys.length - 1) return { sources: page.sources };
      const ref = keys[i]!;
      last = { key: ref.key, token: ref.token, clustering: lastRow?.clustering ?? resuming?.clustering, partitionDone: done, inPartition: inPartition + n, keyIndex: i };
    }
    const left = remaining - page.sources.length;
    if (!page.full || !last || left <= 0) return { sources: page.sources };
    return { sources: page.sources, next: { ...last, remaining: left } };
  }

  /** Token-ordered scan, possibly resuming inside a partition, as Cassandra's PartitionRangeQueryPager. */
  private async scanPage(limits: Limits, state: PagingState | undefined): Promise<PageResult> {
    const remaining = state ? state.remaining : limits.limit;
    const page = new PageBuilder(Math.min(remaining, limits.pageSize));
    let last: LastPosition | undefined;
    let range: ScanRange = this.tokenRange();
    if (state?.key !== undefined && state.token !== undefined) {
      const ref = { key: state.key, token: state.token };
      if (!state.partitionDone) {
        // One row more than the page can take tells whether the partition is finished.
        const rows = await this.readPartition(ref, state.clustering, Math.min(limits.perPartition - state.inPartition, page.room) + 1);
        last = this.scanPosition(page, limits, ref, rows, state.inPartition) ?? { ...ref, partitionDone: true, inPartition: state.inPartition };
      }
      range = { ...range, start: { token: state.token, key: state.key, inclusive: false } };
    }
    const batch = Number.isFinite(limits.pageSize) ? Math.max(16, Math.min(1000, limits.pageSize)) : 1000;
    for (let rounds = 0; !page.full && rounds < 10_000_000; rounds++) {
      const filter = this.filterFor(undefined, Math.min(limits.perPartition, page.room) + 1);
      if (!filter) break;
      const parts = await this.env.coordinator.scan(this.ks, this.table, range, filter, batch, this.cl, this.nowSec);
      let consumed = 0;
      for (const p of parts) {
        if (page.full) break;
        consumed++;
        this.tally?.add(p);
        last = this.scanPosition(page, limits, p, this.partitionRows(p, undefined), 0) ?? last;
      }
      if (parts.length < batch && consumed === parts.length) break;
      if (consumed === 0) break;
      const tail = parts[consumed - 1];
      range = { ...range, start: { token: tail.token, key: tail.key, inclusive: false } };
    }
    this.tally?.flush(false);
    const left = remaining - page.sources.length;
    if (!page.full || !last || left <= 0) return { sources: page.sources };
    return { sources: page.sources, next: { ...last, remaining: left } };
  }

  /** Takes a scanned partition's rows; where it stopped, or undefined when it gave none. */
  private scanPosition(page: PageBuilder, limits: Limits, ref: PartitionRef, rows: SourceRow[], inPartition: number): LastPosition | undefined {
    const n = take(page, limits, rows, inPartition);
    if (n === 0) return undefined;
    const lastRow = page.sources[page.sources.length - 1];
    const done = n === rows.length || inPartition + n >= limits.perPartition || lastRow.clustering.length === 0 || this.stmt.distinct;
    return { key: ref.key, token: ref.token, clustering: lastRow.clustering, partitionDone: done, inPartition: inPartition + n };
  }

  /**
   * IN on the partition key with ORDER BY: every partition read whole (per-partition limit applied), the rows of all of
   * them sorted together by the ORDER BY columns (stable: ties keep key order), then LIMIT. Never paged.
   */
  async orderedRows(limits: Limits): Promise<PageResult> {
    const all: SourceRow[] = [];
    this.tally?.beginPage(Infinity, Infinity, limits.perPartition);
    for (const ref of this.sortedKeys()) {
      const rows = await this.readPartition(ref, undefined, limits.perPartition);
      this.tally?.flush(true);
      for (let i = 0; i < rows.length && i < limits.perPartition; i++) all.push(rows[i]);
    }
    const width = this.stmt.orderBy.length;
    const dir = this.reversed ? -1 : 1;
    all.sort((a, b) => dir * compareClusteringOf(this.table, a.clustering.slice(0, width), b.clustering.slice(0, width)));
    return { sources: Number.isFinite(limits.limit) ? all.slice(0, limits.limit) : all };
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

  /** Where a page resumes after `row`, as a paging state without its LIMIT and per-partition counts. */
  positionAfter(row: SourceRow): Omit<PagingState, 'remaining' | 'inPartition'> {
    if (this.table.virtual) return { offset: 0 };
    const key = partitionKeyBytes(row.pk);
    const pos: Omit<PagingState, 'remaining' | 'inPartition'> = {
      key, token: row.token, clustering: row.clustering, partitionDone: row.clustering.length === 0 || this.stmt.distinct,
    };
    if (this.where.partitionKeys) {
      this.keys ??= this.sortedKeys();
      pos.keyIndex = this.keys.findIndex((k) => k.key.equals(key));
    }
    return pos;
  }

  private keys?: PartitionRef[];

  keyCount(): number {
    this.keys ??= this.sortedKeys();
    return this.keys.length;
  }

  private sortedKeys(): PartitionRef[] {
    const comps = this.where.partitionKeys!(this.ctx);
    const pkCols = this.table.partitionKey;
    comps.sort((a, b) => {
      for (let i = 0; i < pkCols.length; i++) {
        const c = compareValues(pkCols[i].type, a[i], b[i]);
        if (c !== 0) return c;
      }
      return 0;
    });
    const out: PartitionRef[] = [];
    for (const c of comps) {
      const key = checkPartitionKeySize(partitionKeyBytes(c));
      if (key.length === 0) throw new InvalidRequestError('Key may not be empty');
      if (out.length > 0 && out[out.length - 1].key.equals(key)) continue;
      out.push({ key, token: murmur3Token(key) });
    }
    // token() restrictions next to = or IN on the key keep only the keys whose token is in range.
    if (!this.where.tokenLower && !this.where.tokenUpper) return out;
    const range = this.tokenRange();
    return out.filter((k) => (!range.start || (range.start.inclusive ? k.token >= range.start.token : k.token > range.start.token))
      && (range.endToken === undefined || k.token <= range.endToken));
  }

  /**
   * System and virtual tables: all rows in memory, filtered, cut per partition, and paged by offset. A WHERE with = or
   * IN on every partition key column pages as a key list, anything else as a range scan.
   */
  virtualPage(limits: Limits, state: PagingState | undefined): PageResult {
    const filtered = virtualRows(this.env, this.table).filter((r) => this.where.filters.every((f) => f(rowValues(this.table, r), this.ctx)));
    const perPartition = this.stmt.distinct ? 1 : limits.perPartition;
    const all = Number.isFinite(perPartition) ? cutPerPartition(filtered, perPartition) : filtered;
    const offset = state?.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0) throw new ProtocolError('Invalid value for the paging state');
    const remaining = state ? state.remaining : limits.limit;
    const n = Math.max(0, Math.min(remaining, limits.pageSize, all.length - offset));
    const sources = all.slice(offset, offset + n);
    if (n < limits.pageSize || remaining - n <= 0) return { sources };
    if (this.virtualByKey() && offset + n === all.length) {
      const lastPk = sources[n - 1].pk;
      let inPartition = 0;
      for (let i = offset + n - 1; i >= 0 && samePk(all[i].pk, lastPk); i--) inPartition++;
      if (this.table.clustering.length === 0 || inPartition >= perPartition) return { sources };
    }
    return { sources, next: { offset: offset + n, remaining: remaining - n, inPartition: 0 } };
  }

  /** Whether every partition key column is restricted by = or IN (virtual tables compile relations as filters). */
  private virtualByKey(): boolean {
    return this.table.partitionKey.every((c) => this.stmt.where.some((w) => w.lhs.kind === 'column' && w.lhs.name === c.name && (w.op === '=' || w.op === 'IN')));
  }
}

/** Moves the rows the page and the per-partition limit allow into the page; returns how many. */
function take(page: PageBuilder, limits: Limits, rows: SourceRow[], alreadyInPartition: number): number {
  const allowed = Math.max(0, Math.min(rows.length, limits.perPartition - alreadyInPartition, page.room));
  for (let i = 0; i < allowed; i++) page.sources.push(rows[i]);
  return allowed;
}

function samePk(a: Buffer[], b: Buffer[]): boolean {
  return a.length === b.length && a.every((x, i) => x.equals(b[i]));
}

/** The first `perPartition` rows of each partition (rows of a partition are adjacent). */
function cutPerPartition(rows: SourceRow[], perPartition: number): SourceRow[] {
  const out: SourceRow[] = [];
  let run = 0;
  for (let i = 0; i < rows.length; i++) {
    run = i > 0 && samePk(rows[i - 1].pk, rows[i].pk) ? run + 1 : 1;
    if (run <= perPartition) out.push(rows[i]);
  }
  return out;
}

function tokenOf(v: Buffer | null | symbol): bigint {
  if (!Buffer.isBuffer(v) || v.length !== 8) throw new InvalidRequestError('Invalid token value');
  return v.readBigInt64BE(0);
}
