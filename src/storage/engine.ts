// The node-local storage engine, Cassandra's write path: a write is appended to the commit log (commitlog/), put in
// its table's memtable (memtable/) and acknowledged as the commit log's sync mode says; memtables are flushed into the
// data files (lmdb-store.ts) in large transactions when memtable_heap_space fills up, when commitlog_total_space is
// exceeded, after a table's memtable_flush_period_in_ms, on nodetool flush/drain and at shutdown. Reads merge the
// data files with the memtables (read-path.ts). A commit log segment is deleted once every table with data in it has
// flushed that data and the flush has been synced; after a crash, replay() puts what the log still holds back into
// memtables and flushes it.
import path from 'node:path';
import type { TableDef } from '../schema/model.ts';
import type { PartitionData, ReadFilter, ScanRange } from './types.ts';
import { InvalidRequestError } from '../model/errors.ts';
import { MAX_KEY_SIZE, encodeClustering, partitionKeyString, partitionPrefix } from './keys.ts';
import { LmdbStore } from './lmdb-store.ts';
import { StorageFailureError } from './failure.ts';
import { CommitLog, MutationTooLargeError, type CommitLogSync, type LogPosition } from './commitlog/commitlog.ts';
import { replaySegment, type ReplayPolicy, type ReplayReport } from './commitlog/replay.ts';
import { MutationEncoder, decodeMutation, type ItemLayout } from './mutation-codec.ts';
import { Memtable, type MemPartition, type MemWrite } from './memtable/memtable.ts';
import { readPartition, scanPartitions } from './read-path.ts';
import { FlushScheduler, type StorageStats, type TableMemtables } from './flush.ts';

export { StorageFailureError };
export type { ReplayPolicy, ReplayReport, StorageStats };
export type { TableMemtableStats } from './flush.ts';

export interface StorageOptions {
  /** The data directory (LMDB lives in it). */
  dir: string;
  /** commitlog_sync. */
  sync: CommitLogSync;
  /** commitlog_sync_period (periodic), default 10 s. */
  syncPeriodMs?: number;
  /** commitlog_sync_group_window (group), default 0: as batch. */
  groupWindowMs?: number;
  /** commitlog_directory, default `<dir>/commitlog`. */
  commitlogDir?: string;
  /** commitlog_segment_size, default 32 MiB. */
  segmentSizeBytes?: number;
  /** commitlog_total_space, default 8 GiB: beyond it the tables holding the oldest segment are flushed. */
  commitlogTotalSpaceBytes?: number;
  /** memtable_heap_space, default 64 MiB: writes wait for flushes when memtables hold this much. */
  memtableSpaceBytes?: number;
  /** memtable_cleanup_threshold, default 0.5: the largest memtable is flushed once they hold this share of the space. */
  memtableCleanupThreshold?: number;
  /**
   * Told of every write, commit or sync the disk refused, before the failed operation rejects with the same error;
   * the node follows its failure policies from here.
   */
  onFailure?: (error: StorageFailureError) => void;
  log?: (message: string) => void;
}

const MIB = 1024 * 1024;
const TRUNCATED_PREFIX = 'commitlog-truncated:';
const SOURCE_NONE: MemPartition[] = [];
/** Placeholders of a MemWrite until its commit log entry is encoded. */
const NO_ENTRY = Buffer.alloc(0);
const NO_LAYOUT: ItemLayout = { rows: [] };

/** Whether an entry ending at (segment, end) lies before a position. */
const before = (segment: number, end: number, p: LogPosition): boolean => segment < p.segment || (segment === p.segment && end <= p.offset);

export class StorageEngine {
  private readonly tables = new Map<string, TableMemtables>();
  private readonly encoder = new MutationEncoder();
  /** Reads per table id since the start (tablestats). */
  private readonly reads = new Map<string, number>();
  private readonly flusher: FlushScheduler;
  private closed = false;

  private constructor(private readonly lmdb: LmdbStore, private readonly log: CommitLog, private readonly opts: StorageOptions) {
    this.flusher = new FlushScheduler(lmdb, log, this.tables, {
      spaceBytes: opts.memtableSpaceBytes ?? 64 * MIB,
      cleanupThreshold: opts.memtableCleanupThreshold ?? 0.5,
      commitlogTotalSpaceBytes: opts.commitlogTotalSpaceBytes ?? 8192 * MIB,
    }, (m) => opts.log?.(m));
  }

  static async open(opts: StorageOptions): Promise<StorageEngine> {
    const lmdb = await LmdbStore.open({ dir: opts.dir, ...(opts.onFailure ? { onFailure: opts.onFailure } : {}) });
    // New segment ids must sort after every truncation record, whatever the clock says.
    const cuts = lmdb.metaEntries<LogPosition>(TRUNCATED_PREFIX).map(([, p]) => p.segment);
    const log = CommitLog.open({
      dir: opts.commitlogDir ?? path.join(opts.dir, 'commitlog'),
      sync: opts.sync,
      segmentSizeBytes: opts.segmentSizeBytes ?? 32 * MIB,
      syncPeriodMs: opts.syncPeriodMs ?? 10_000,
      groupWindowMs: opts.groupWindowMs ?? 0,
      minSegmentId: Math.max(0, ...cuts),
      ...(opts.onFailure ? { onFailure: opts.onFailure } : {}),
    });
    return new StorageEngine(lmdb, log, opts);
  }

  /**
   * Puts what the commit log still holds from before this start back into memtables, then flushes it. `table` finds
   * a table by id in the current schema: writes of tables dropped since are skipped, and so are writes a truncation
   * has removed. Must run before the node serves reads.
   */
  async replay(table: (id: string) => TableDef | undefined, policy: ReplayPolicy = 'stop'): Promise<ReplayReport> {
    const report: ReplayReport = { segments: 0, entries: 0, skipped: [] };
    const segments = this.log.replaySegments();
    const cuts = new Map(this.lmdb.metaEntries<LogPosition>(TRUNCATED_PREFIX).map(([k, p]) => [k.slice(TRUNCATED_PREFIX.length), p]));
    for (let i = 0; i < segments.length; i++) {
      replaySegment(segments[i]!, i === segments.length - 1, policy, (segment, entry) => {
        const items = decodeMutation(entry.payload).flatMap(({ tableId, update }) => {
          const t = table(tableId);
          const cut = cuts.get(tableId);
          return t && !(cut && before(segment, entry.end, cut)) ? [{ table: t, update }] : [];
        });
        for (const it of items) this.log.markReplayed(segment, it.table.id, entry.end);
        if (items.length > 0) this.putInMemtables(items);
      }, (m) => this.opts.log?.(m), report);
      // Replayed data is flushed as it goes when it outgrows the memtable space, like live writes.
      if (this.flusher.overLimit()) await this.flush();
    }
    this.log.replayed();
    if (segments.length > 0) await this.flush();
    return report;
  }

  apply(table: TableDef, update: PartitionData): Promise<void> {
    return this.applyMany([{ table, update }]);
  }

  async applyMany(items: ReadonlyArray<{ table: TableDef; update: PartitionData }>): Promise<void> {
    if (this.closed) throw new StorageFailureError('write', 'the storage engine is closed');
    if (this.flusher.overLimit()) await this.flusher.memoryAvailable();
    const { writes, entry } = this.putInMemtables(items, true);
    let done: Promise<void>;
    try {
      done = this.log.append(entry, items.length === 1 ? [items[0]!.table.id] : new Set(items.map((i) => i.table.id)));
    } catch (e) {
      if (e instanceof MutationTooLargeError) throw new InvalidRequestError(e.message);
      throw e;
    }
    // Applied right after the append, in the same tick: no flush can slip between the entry's place in the log and
    // its memtable, so the dirty marks of the log cover it.
    for (let i = 0; i < items.length; i++) this.applyToActive(items[i]!.table, writes[i]!);
    this.flusher.afterWrite();
    await done;
  }

  /**
   * Encodes the items as a commit log entry and, unless `deferred`, applies them to their memtables at once (replay);
   * deferred, the caller applies `writes` after appending `entry`. Keys are checked first: a refused key fails the
   * whole write before anything is logged.
   */
  private putInMemtables(items: ReadonlyArray<{ table: TableDef; update: PartitionData }>, deferred = false): { writes: MemWrite[]; entry: Buffer } {
    // Plain loops filling objects of one shape: this runs for every write, and maps and spreads cost allocations.
    const writes: MemWrite[] = new Array<MemWrite>(items.length);
    for (let i = 0; i < items.length; i++) writes[i] = writeKeys(items[i]!.table, items[i]!.update);
    const { entry, layout } = this.encoder.encode(items);
    for (let i = 0; i < items.length; i++) {
      writes[i]!.entry = entry;
      writes[i]!.layout = layout[i]!;
    }
    if (!deferred) {
      for (let i = 0; i < items.length; i++) this.applyToActive(items[i]!.table, writes[i]!);
      this.flusher.afterWrite();
    }
    return { writes, entry };
  }

  private applyToActive(table: TableDef, w: MemWrite): void {
    const t = this.memtableOf(table);
    t.writes++;
    const m = t.active;
    const before = m.sizeBytes;
    m.apply(table, w);
    this.flusher.grew(m.sizeBytes - before);
  }

  private memtableOf(table: TableDef): TableMemtables {
    let t = this.tables.get(table.id);
    if (!t) {
      t = { id: table.id, active: new Memtable(table), pending: [], chain: Promise.resolve(), flushes: 0, writes: 0 };
      this.tables.set(table.id, t);
    }
    return t;
  }

  private memPartitions(table: TableDef, prefix: Buffer): MemPartition[] {
    const t = this.tables.get(table.id);
    if (!t || (t.active.isEmpty && t.pending.length === 0)) return SOURCE_NONE;
    const id = prefix.toString('latin1', 16);
    const out: MemPartition[] = [];
    for (const f of t.pending) {
      const p = f.memtable.partition(id);
      if (p) out.push(p);
    }
    const p = t.active.partition(id);
    if (p) out.push(p);
    return out;
  }

  read(table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, nowSec: number): PartitionData | undefined {
    this.reads.set(table.id, (this.reads.get(table.id) ?? 0) + 1);
    const prefix = partitionPrefix(table.id, token, key);
    return readPartition(table, this.lmdb, this.memPartitions(table, prefix), key, token, filter, nowSec, prefix);
  }

  scan(table: TableDef, range: ScanRange, filter: ReadFilter, partitionLimit: number, nowSec: number): PartitionData[] {
    const t = this.tables.get(table.id);
    const memtables = t ? [...t.pending.map((f) => f.memtable), t.active].filter((m) => !m.isEmpty) : [];
    return scanPartitions(table, this.lmdb, memtables, range, partitionLimit, (key, token) => this.read(table, key, token, filter, nowSec));
  }

  truncate(table: TableDef): Promise<void> {
    return this.removeTable(table.id, true);
  }

  /**
   * nodetool cleanup: drops the table's partitions whose tokens lie in these inclusive intervals. The memtables are
   * flushed first, so the commit log cannot bring the removed partitions back on replay.
   */
  async removeTokenRanges(table: TableDef, intervals: ReadonlyArray<{ from: bigint; to: bigint }>): Promise<void> {
    await this.flusher.flushTable(table.id);
    for (const r of intervals) await this.lmdb.removeTokens(table, r.from, r.to);
  }

  dropTable(tableId: string): Promise<void> {
    return this.removeTable(tableId, false);
  }

  /**
   * Everything written to the table so far goes: its memtables, its data files, and (by a truncation record that
   * replay honours) its commit log entries. Writes made after the call are kept.
   */
  private async removeTable(tableId: string, truncation: boolean): Promise<void> {
    const upTo = this.log.position();
    const t = this.tables.get(tableId);
    if (t) this.flusher.discardActive(t);
    const run = async (): Promise<void> => {
      if (truncation) await this.lmdb.putMeta(TRUNCATED_PREFIX + tableId, upTo);
      if (t) this.flusher.discardPending(t);
      await this.lmdb.dropTable(tableId);
      this.log.markClean(tableId, upTo);
      this.log.recycleSoon();
    };
    if (!t) return run();
    const p = t.chain.then(run);
    t.chain = p.catch(() => undefined);
    await p;
    if (!truncation && t.active.isEmpty) this.tables.delete(tableId);
  }

  /** Drops shadowed data and purges deletions older than gc_grace_seconds; the table's memtable is flushed first. */
  async compact(table: TableDef, nowSec: number): Promise<number> {
    await this.flusher.flushTable(table.id);
    return this.lmdb.compact(table, nowSec);
  }

  getMeta<T>(key: string): T | undefined {
    return this.lmdb.getMeta<T>(key);
  }

  putMeta(key: string, value: unknown): Promise<void> {
    return this.lmdb.putMeta(key, value);
  }

  /** Bytes of the data files (nodetool's Load): memtables are not counted, as in Cassandra. */
  loadPaxos<T>(tableId: string, key: Buffer): T | undefined {
    return this.lmdb.loadPaxos<T>(tableId, key);
  }

  savePaxos(tableId: string, key: Buffer, record: unknown): Promise<void> {
    return this.lmdb.savePaxos(tableId, key, record);
  }

  saveBatch(id: Buffer, record: unknown): Promise<void> {
    return this.lmdb.saveBatch(id, record);
  }

  removeBatch(id: Buffer): Promise<void> {
    return this.lmdb.removeBatch(id);
  }

  loadBatches<T>(): Array<{ id: Buffer; record: T }> {
    return this.lmdb.loadBatches<T>();
  }

  approximateSize(): number {
    return this.lmdb.approximateSize();
  }

  /** Flushes every memtable, then lets the commit log go (empty unless writes came in meanwhile). */
  async flush(): Promise<void> {
    await this.flusher.flushAll();
    await this.log.retireActive();
  }

  stats(): StorageStats {
    return this.flusher.stats(this.reads);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flusher.stop();
    try {
      await this.flush();
    } finally {
      // A flush the disk refused leaves its data in the commit log, for the next start to replay.
      await this.log.close();
      await this.lmdb.close();
    }
  }
}

/** A write's memtable keys; a key too long to store is refused before anything is logged (Cassandra's message). */
function writeKeys(table: TableDef, update: PartitionData): MemWrite {
  const partitionKey = partitionKeyString(update.token, update.key);
  const prefixLength = 16 + partitionKey.length;
  const tooLong = (n: number): never => {
    throw new InvalidRequestError(`Key length of ${n} is longer than maximum of ${MAX_KEY_SIZE}`);
  };
  if (prefixLength + 1 > MAX_KEY_SIZE) tooLong(prefixLength + 1);
  const rows = update.rows;
  const rowKeys: string[] = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    if (table.clustering.length === 0) {
      rowKeys[i] = '';
      continue;
    }
    const c = encodeClustering(table, rows[i]!.clustering);
    if (prefixLength + 1 + c.length > MAX_KEY_SIZE) tooLong(prefixLength + 1 + c.length);
    rowKeys[i] = c.toString('latin1');
  }
  return { update, partitionKey, rowKeys, entry: NO_ENTRY, layout: NO_LAYOUT };
}
