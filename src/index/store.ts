// The node's replica store with its secondary indexes kept alongside: every base write also writes its index
// entries, in the same applyMany (one commit, so a crash never leaves one without the other), and index scans are
// answered from the entries (query.ts). It sits above the storage engine's public read/write API and knows nothing
// of its internals: the backing tables are just more tables to it.
import { InvalidRequestError } from '../model/errors.ts';
import type { Schema, TableDef } from '../schema/model.ts';
import type { PartitionData, ReadFilter, ScanRange } from '../storage/types.ts';
import type { AnnSearch, IndexQuery, IndexScanRange } from './types.ts';
import { indexUpdates } from './entries.ts';
import { localIndexScan } from './query.ts';
import { indexSpec, tableIndexSpecs, termToken, type IndexSpec } from './terms.ts';
import type { Entry, EntryReader } from './cursor.ts';
import { emptyCells } from '../storage/types.ts';
import { isGraphIndexed, type VectorIndexes } from './vectors.ts';

/** The store operations the index layer builds on (what the storage engine and the simulator's store offer). */
export interface BaseStore extends EntryReader {
  apply(table: TableDef, update: PartitionData): Promise<void>;
  applyMany(items: Array<{ table: TableDef; update: PartitionData }>): Promise<void>;
  truncate(table: TableDef): Promise<void>;
}

/** Whether an index's entries can be trusted on this node yet (its build has completed). */
export interface BuildStatus {
  isBuilt(indexId: string): boolean;
}

type Item = { table: TableDef; update: PartitionData };

export class IndexingStore {
  constructor(
    private readonly inner: BaseStore,
    private readonly schema: () => Schema,
    private readonly status: BuildStatus,
    private readonly log: (msg: string, err?: unknown) => void,
    /** The HNSW graphs of vector indexes; without them ANN queries are answered by scoring every row. */
    readonly vectors?: VectorIndexes,
  ) {}

  /**
   * The table's definition as this node's schema has it now: writes are indexed by the indexes that exist when they
   * are applied, whatever definition the caller compiled against (a hint, a plan from before CREATE INDEX).
   */
  private current(t: TableDef): TableDef {
    const now = this.schema().keyspaces.get(t.keyspace)?.tables.get(t.name);
    return now !== undefined && now.id === t.id ? now : t;
  }

  private withEntries(items: Item[]): Item[] {
    let out: Item[] | undefined;
    for (const item of items) {
      const specs = tableIndexSpecs(this.current(item.table));
      if (specs.length === 0) continue;
      out ??= [...items];
      for (const spec of specs) for (const u of indexUpdates(spec, item.update)) out.push({ table: spec.backing, update: u });
    }
    return out ?? items;
  }

  apply(table: TableDef, update: PartitionData): Promise<void> {
    if (tableIndexSpecs(this.current(table)).length === 0) return this.inner.apply(table, update);
    const items = this.withEntries([{ table, update }]);
    const done = items.length === 1 ? this.inner.apply(table, update) : this.inner.applyMany(items);
    return this.vectors?.active ? done.then(() => this.updateGraphs([{ table, update }])) : done;
  }

  applyMany(items: Item[]): Promise<void> {
    const done = this.inner.applyMany(this.withEntries(items));
    return this.vectors?.active ? done.then(() => this.updateGraphs(items)) : done;
  }

  /** Once a write is applied, the vector graphs take its rows' merged vectors (vectors.ts). */
  private updateGraphs(items: Item[]): void {
    const vectors = this.vectors!;
    for (const item of items) {
      const specs = tableIndexSpecs(this.current(item.table)).filter(isGraphIndexed);
      if (specs.length > 0) vectors.afterWrite(specs, item.update);
    }
  }

  /** A replica's part of an ANN query: its closest rows in the ranges, or null while its graph is built (vectors.ts). */
  annScan(table: TableDef, q: IndexQuery, search: AnnSearch, nowSec: number): PartitionData[] | null {
    const { spec } = this.spec(table, q);
    if (!this.vectors || !isGraphIndexed(spec)) throw new InvalidRequestError(`index ${spec.def.name} has no vector graph on this node`);
    return this.vectors.search(spec, search, nowSec) ?? null;
  }

  read(table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, nowSec: number): PartitionData | undefined {
    return this.inner.read(table, key, token, filter, nowSec);
  }

  scan(table: TableDef, range: ScanRange, filter: ReadFilter, partitionLimit: number, nowSec: number): PartitionData[] {
    return this.inner.scan(table, range, filter, partitionLimit, nowSec);
  }

  async truncate(table: TableDef): Promise<void> {
    await this.inner.truncate(table);
    this.vectors?.truncated(table);
    for (const spec of tableIndexSpecs(this.current(table))) await this.inner.truncate(spec.backing);
  }

  /**
   * The index of a table a query names, as this node knows it, and whether its entries can be used: an index this
   * node does not know yet is read through its base table (its definition came with the query).
   */
  spec(table: TableDef, q: IndexQuery): { spec: IndexSpec; usable: boolean } {
    const t = this.current(table);
    const known = (t.indexes ?? []).find((i) => i.name === q.index && i.id === q.indexId);
    const spec = indexSpec(t, known ?? q.def);
    if (!spec) throw new InvalidRequestError(`unknown column in index ${t.keyspace}.${q.index} (schema disagreement)`);
    return { spec, usable: known !== undefined && this.status.isBuilt(known.id) };
  }

  indexScan(table: TableDef, q: IndexQuery, range: IndexScanRange, filter: ReadFilter, partitionLimit: number, nowSec: number): PartitionData[] {
    const { spec, usable } = this.spec(table, q);
    const r = localIndexScan(this.inner, spec, q, range, filter, partitionLimit, nowSec, usable);
    if (r.stale.length > 0) this.deleteStale(spec, r.stale, nowSec);
    return r.partitions;
  }

  /**
   * Deletes entries found stale, each at its own timestamp, so that an entry written again since (a newer write of
   * the same value) survives. Done in the background: the answer does not wait for it.
   */
  private deleteStale(spec: IndexSpec, stale: Entry[], nowSec: number): void {
    const byTerm = new Map<string, PartitionData>();
    for (const e of stale) {
      const k = e.term.toString('latin1');
      let p = byTerm.get(k);
      if (!p) byTerm.set(k, (p = { key: e.term, token: termToken(e.term), rangeTombstones: [], rows: [] }));
      const t = Buffer.allocUnsafe(8);
      t.writeBigInt64BE(e.token, 0);
      p.rows.push({ clustering: [t, e.pk, e.ck], deletion: { ts: e.ts, ldt: nowSec }, cells: emptyCells() });
    }
    const items = [...byTerm.values()].map((update) => ({ table: spec.backing, update: sortRows(update) }));
    this.inner.applyMany(items).catch((err: unknown) => this.log(`could not delete stale entries of index ${spec.def.name}`, err));
  }
}

function sortRows(p: PartitionData): PartitionData {
  p.rows.sort((a, b) => {
    const [ta, pa, ca] = a.clustering;
    const [tb, pb, cb] = b.clustering;
    const x = ta!.readBigInt64BE(0);
    const y = tb!.readBigInt64BE(0);
    return x !== y ? (x < y ? -1 : 1) : Buffer.compare(pa!, pb!) || Buffer.compare(ca!, cb!);
  });
  const out: PartitionData['rows'] = [];
  for (const r of p.rows) {
    const prev = out[out.length - 1];
    if (prev && prev.clustering.every((b, i) => b.equals(r.clustering[i]!))) continue;
    out.push(r);
  }
  p.rows = out;
  return p;
}
