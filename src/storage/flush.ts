// When and how memtables reach the data files. A flush freezes a table's active memtable (writes go to a fresh one
// from then on), notes the commit log position at that moment, writes the frozen memtable into LMDB in transactions
// of a few hundred rows (short enough not to stall the event loop for long), waits for LMDB's fsync, and only then
// tells the commit log that the table's data before that position is clean. Flushes of one table run one after the
// other (its `chain`), so clean positions only grow; a flush the disk refused stays pending, still readable, and is
// retried by the table's next flush. Triggers, as Cassandra's: the memtables' share of memtable_heap_space past
// memtable_cleanup_threshold (the largest is flushed), commitlog_total_space exceeded (the tables holding the oldest
// segment), a table's memtable_flush_period_in_ms; writes wait while memtables hold the whole space.
import type { FlushPartition, LmdbStore } from './lmdb-store.ts';
import type { CommitLog, LogPosition } from './commitlog/commitlog.ts';
import { Memtable, singleRowOf } from './memtable/memtable.ts';
import type { CommitLogStats } from './commitlog/commitlog.ts';

export interface TableMemtableStats {
  tableId: string;
  keyspace: string;
  table: string;
  /** Bytes, partitions, writes and cells of the active memtable. */
  activeBytes: number;
  activePartitions: number;
  activeOperations: number;
  activeCells: number;
  /** Writes and reads of the table since the start. */
  writes: number;
  reads: number;
  /** Bytes of memtables being flushed. */
  flushingBytes: number;
  flushes: number;
  /** Frozen memtables waiting for (or in) their flush. */
  pendingFlushes: number;
}

export interface StorageStats {
  commitlog: CommitLogStats;
  memtableBytes: number;
  memtableLimitBytes: number;
  flushesCompleted: number;
  flushesPending: number;
  /** Flushes being written right now. */
  flushesActive: number;
  tables: TableMemtableStats[];
}

export interface PendingFlush {
  memtable: Memtable;
  /** The commit log position when it was frozen: everything of the table before it is in this memtable or older. */
  upTo: LogPosition;
}

export interface TableMemtables {
  id: string;
  active: Memtable;
  /** Frozen memtables, oldest first, not yet (successfully) written. */
  pending: PendingFlush[];
  /** The table's flushes and removals, one at a time. */
  chain: Promise<void>;
  flushes: number;
  writes: number;
}

export interface FlushLimits {
  spaceBytes: number;
  cleanupThreshold: number;
  commitlogTotalSpaceBytes: number;
}

/**
 * Rows per LMDB transaction of a flush, and transactions handed to lmdb-js at once (it runs their callbacks back to
 * back): about a millisecond of event-loop work per transaction, two or three at a time. Fewer, larger commits than
 * 128 rows × 4 cost the same writes a little less CPU, and reads that follow a flush markedly less (bench/engine.ts:
 * reads 7.5 -> 5.6 µs CPU each after 200,000 writes).
 */
const FLUSH_BATCH_ROWS = 512;
const FLUSH_IN_FLIGHT = 2;
const PERIOD_CHECK_MS = 1000;
const RETRY_MS = 1000;

export class FlushScheduler {
  private activeBytes = 0;
  private pendingBytes = 0;
  private running = 0;
  private completed = 0;
  private spaceFlush: Promise<void> | undefined;
  private waiters: Array<() => void> = [];
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly lmdb: LmdbStore, private readonly log: CommitLog, private readonly tables: Map<string, TableMemtables>,
    private readonly limits: FlushLimits, private readonly warn: (message: string) => void) {
    this.timer = setInterval(() => this.flushExpired(), PERIOD_CHECK_MS);
    this.timer.unref();
  }

  /** A memtable grew by `bytes` (a write was applied to it). */
  grew(bytes: number): void {
    this.activeBytes += bytes;
  }

  /** Memtables hold all the space they may: writes wait (memoryAvailable). */
  overLimit(): boolean {
    return this.activeBytes + this.pendingBytes >= this.limits.spaceBytes;
  }

  memoryAvailable(): Promise<void> {
    if (!this.overLimit()) return Promise.resolve();
    if (this.running === 0) this.flushLargest();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    if (this.overLimit()) {
      if (this.running === 0 && this.waiters.length > 0) {
        // Nothing in flight yet still full: a flush failed. Try again shortly rather than in a tight loop.
        this.retry ??= setTimeout(() => {
          this.retry = undefined;
          this.flushLargest();
        }, RETRY_MS);
      }
      return;
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** After each write: start the flushes its growth calls for. */
  afterWrite(): void {
    if (this.activeBytes >= this.limits.spaceBytes * this.limits.cleanupThreshold) this.flushLargest();
    if (!this.spaceFlush && this.log.totalBytes > this.limits.commitlogTotalSpaceBytes) {
      const ids = this.log.oldestDirtyTables();
      if (ids.length > 0) {
        this.spaceFlush = Promise.all(ids.map((id) => this.flushTable(id))).then(() => undefined, (e: unknown) => this.failed(e))
          .finally(() => (this.spaceFlush = undefined));
      }
    }
  }

  private flushLargest(): void {
    let largest: TableMemtables | undefined;
    for (const t of this.tables.values()) {
      if (t.active.isEmpty && t.pending.length === 0) continue;
      if (!largest || t.active.sizeBytes > largest.active.sizeBytes) largest = t;
    }
    if (largest) void this.flushTable(largest.id).catch((e: unknown) => this.failed(e));
  }

  private flushExpired(): void {
    const now = Date.now();
    for (const t of this.tables.values()) {
      const period = t.active.table.options.memtable_flush_period_in_ms;
      if (period > 0 && !t.active.isEmpty && now - t.active.firstWriteAt >= period) {
        void this.flushTable(t.id).catch((e: unknown) => this.failed(e));
      }
    }
  }

  private failed(e: unknown): void {
    // Disk failures have been reported to the node's failure policy where they happened; this is the flush's side.
    this.warn(`memtable flush failed: ${e instanceof Error ? e.message : String(e)}`);
  }

  /** Flushes the table's memtable (and retries its pending ones); resolves once all of it is durable in LMDB. */
  flushTable(id: string): Promise<void> {
    const t = this.tables.get(id);
    if (!t) return Promise.resolve();
    if (!t.active.isEmpty) this.freeze(t);
    const p = t.chain.then(() => this.writePending(t));
    t.chain = p.catch(() => undefined);
    return p;
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.tables.keys()].map((id) => this.flushTable(id)));
  }

  private freeze(t: TableMemtables): void {
    const m = t.active;
    t.active = new Memtable(m.table);
    this.activeBytes -= m.sizeBytes;
    this.pendingBytes += m.sizeBytes;
    t.pending.push({ memtable: m, upTo: this.log.position() });
  }

  /** Truncation or drop: the active memtable's data goes unflushed. */
  discardActive(t: TableMemtables): void {
    this.activeBytes -= t.active.sizeBytes;
    t.active = new Memtable(t.active.table);
  }

  /** Truncation or drop, in the table's chain: frozen memtables that could not be written go too. */
  discardPending(t: TableMemtables): void {
    for (const f of t.pending) this.pendingBytes -= f.memtable.sizeBytes;
    t.pending = [];
    this.wake();
  }

  private async writePending(t: TableMemtables): Promise<void> {
    this.running++;
    try {
      while (t.pending.length > 0) {
        const f = t.pending[0]!;
        await this.write(f.memtable);
        await this.lmdb.sync('flush');
        t.pending.shift();
        this.pendingBytes -= f.memtable.sizeBytes;
        t.flushes++;
        this.completed++;
        this.log.markClean(t.id, f.upTo);
      }
      this.log.recycleSoon();
    } finally {
      this.running--;
      this.wake();
    }
  }

  /** Writes a frozen memtable into LMDB, partitions in order, a few hundred rows per transaction. */
  private async write(m: Memtable): Promise<void> {
    let batch: FlushPartition[] = [];
    let rows = 0;
    // Several transactions in flight: lmdb-js runs their callbacks back to back and commits them together, instead of
    // one round trip to its write thread each.
    const inFlight: Array<Promise<void>> = [];
    const put = async (): Promise<void> => {
      const p = this.lmdb.flushBatch(m.table, batch, m.plain);
      p.catch(() => undefined); // awaited below; a rejection must not count as unhandled meanwhile
      inFlight.push(p);
      batch = [];
      rows = 0;
      if (inFlight.length >= FLUSH_IN_FLIGHT) await inFlight.shift();
    };
    for (const c = m.partitions.ascending(); !c.done; c.advance()) {
      const p = c.value!;
      // A wide partition goes in slices of rows, its header with the first: each slice merges like any update.
      let part: FlushPartition = { id: c.key, key: p.key, token: p.token, header: p.header, rows: [] };
      batch.push(part);
      const single = singleRowOf(p);
      if (single) {
        part.rows.push(['', single]);
        rows++;
      }
      if (p.rows) {
        for (const r = p.rows.ascending(); !r.done; r.advance()) {
          if (rows >= FLUSH_BATCH_ROWS) {
            await put();
            part = { id: c.key, key: p.key, token: p.token, header: undefined, rows: [] };
            batch.push(part);
          }
          part.rows.push([r.key, r.value!]);
          rows++;
        }
      }
      if (rows >= FLUSH_BATCH_ROWS) await put();
    }
    if (batch.length > 0) await put();
    await Promise.all(inFlight);
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.retry) clearTimeout(this.retry);
  }

  stats(reads: ReadonlyMap<string, number>): StorageStats {
    const tables: TableMemtableStats[] = [];
    let pending = 0;
    for (const t of this.tables.values()) {
      pending += t.pending.length;
      const m = t.active;
      tables.push({ tableId: t.id, keyspace: m.table.keyspace, table: m.table.name, activeBytes: m.sizeBytes,
        activePartitions: m.partitions.size, activeOperations: m.operations, activeCells: m.cells, writes: t.writes,
        reads: reads.get(t.id) ?? 0, flushingBytes: t.pending.reduce((n, f) => n + f.memtable.sizeBytes, 0), flushes: t.flushes,
        pendingFlushes: t.pending.length });
    }
    return { commitlog: this.log.stats(), memtableBytes: this.activeBytes + this.pendingBytes, memtableLimitBytes: this.limits.spaceBytes,
      flushesCompleted: this.completed, flushesPending: pending, flushesActive: this.running, tables };
  }
}
