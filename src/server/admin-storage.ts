// The storage engine's side of the admin API: `nodetool tablestats` and `tpstats` rows and the Prometheus metrics of
// the write path (commit log size and pending work, memtable sizes and flushes), from StorageEngine.stats().
import type { Registry } from 'prom-client';
import type { StorageStats } from '../storage/engine.ts';
import type { Schema } from '../schema/model.ts';
import { isSystemKeyspace } from '../schema/system_defs.ts';
import type { TableStatsEntry, ThreadPoolEntry } from './admin-types.ts';
import { AdminRequestError } from './admin.ts';

/**
 * Every stored table of the schema, or those the filters name (`ks` or `ks.table`, as nodetool takes them), with
 * the storage engine's counts (zeros for a table not touched since the start).
 */
export function tableStats(schema: Schema, stats: StorageStats, filters: string[]): TableStatsEntry[] {
  const byId = new Map(stats.tables.map((t) => [t.tableId, t]));
  const wanted = filters.map((f) => {
    const [ks, table] = f.split('.', 2) as [string, string | undefined];
    const k = schema.keyspaces.get(ks);
    if (!k) throw new AdminRequestError(`Unknown keyspace: ${ks}`);
    if (table !== undefined && !k.tables.has(table)) throw new AdminRequestError(`Unknown table: ${table}`);
    return { ks, table };
  });
  const out: TableStatsEntry[] = [];
  for (const ks of schema.keyspaces.values()) {
    for (const t of ks.tables.values()) {
      if (t.virtual) continue;
      if (wanted.length > 0 ? !wanted.some((w) => w.ks === ks.name && (w.table === undefined || w.table === t.name)) : isSystemKeyspace(ks.name)) continue;
      const s = byId.get(t.id);
      out.push({ keyspace: ks.name, table: t.name, memtableCellCount: s?.activeCells ?? 0, memtableDataSizeBytes: s?.activeBytes ?? 0,
        memtableSwitchCount: s?.flushes ?? 0, localReadCount: s?.reads ?? 0, localWriteCount: s?.writes ?? 0, pendingFlushes: s?.pendingFlushes ?? 0 });
    }
  }
  return out;
}

const pool = (name: string, active: number, pending: number, completed: number): ThreadPoolEntry =>
  ({ name, active, pending, completed, blocked: 0, allTimeBlocked: 0 });

/**
 * The pools of Cassandra's tpstats that have a counterpart here: mutations and reads served by the storage engine,
 * memtable flushes. CommitLogWriter is Sibyl's own row: appends waiting for their write or sync, and syncs done.
 */
export function threadPools(stats: StorageStats): ThreadPoolEntry[] {
  const writes = stats.tables.reduce((n, t) => n + t.writes, 0);
  const reads = stats.tables.reduce((n, t) => n + t.reads, 0);
  const queued = Math.max(0, stats.flushesPending - stats.flushesActive);
  return [
    pool('MutationStage', 0, 0, writes),
    pool('ReadStage', 0, 0, reads),
    pool('MemtableFlushWriter', stats.flushesActive, queued, stats.flushesCompleted),
    pool('MemtablePostFlush', 0, 0, stats.flushesCompleted),
    pool('MemtableReclaimMemory', 0, 0, stats.flushesCompleted),
    pool('CommitLogWriter', stats.commitlog.pendingAppends > 0 ? 1 : 0, stats.commitlog.pendingAppends, stats.commitlog.syncs),
  ];
}

/** Gauges of the write path, read from the engine at every scrape. */
export async function registerStorageMetrics(r: Registry, stats: () => StorageStats): Promise<void> {
  const { Gauge } = await import('prom-client');
  const g = (name: string, help: string, value: (s: StorageStats) => number): void => {
    new Gauge({ name, help, registers: [r], collect() { this.set(value(stats())); } });
  };
  g('sibyl_commitlog_total_bytes', 'Bytes of commit log segments on disk (Cassandra CommitLog.TotalCommitLogSize)', (s) => s.commitlog.totalBytes);
  g('sibyl_commitlog_segments', 'Commit log segments on disk', (s) => s.commitlog.segments);
  g('sibyl_commitlog_pending_tasks', 'Appends waiting for their write or sync (CommitLog.PendingTasks)', (s) => s.commitlog.pendingAppends);
  g('sibyl_commitlog_completed_syncs', 'Commit log fsyncs done since start', (s) => s.commitlog.syncs);
  g('sibyl_commitlog_completed_writes', 'Commit log writes (one per group of appends) since start', (s) => s.commitlog.writes);
  g('sibyl_memtable_bytes', 'Bytes held by memtables, active and flushing', (s) => s.memtableBytes);
  g('sibyl_memtable_limit_bytes', 'memtable_heap_space', (s) => s.memtableLimitBytes);
  g('sibyl_memtable_flushes_completed', 'Memtable flushes completed since start', (s) => s.flushesCompleted);
  g('sibyl_memtable_flushes_pending', 'Memtables frozen and waiting for (or in) their flush', (s) => s.flushesPending);
  const perTable = (name: string, help: string, value: (t: StorageStats['tables'][number]) => number): void => {
    new Gauge({ name, help, labelNames: ['keyspace', 'table'], registers: [r], collect() {
      this.reset();
      for (const t of stats().tables) this.set({ keyspace: t.keyspace, table: t.table }, value(t));
    } });
  };
  perTable('sibyl_table_memtable_bytes', 'Bytes of the table\'s active memtable (tablestats Memtable data size)', (t) => t.activeBytes);
  perTable('sibyl_table_memtable_cells', 'Cells in the table\'s active memtable (tablestats Memtable cell count)', (t) => t.activeCells);
  perTable('sibyl_table_flushes', 'Flushes of the table since start (tablestats Memtable switch count)', (t) => t.flushes);
  perTable('sibyl_table_writes', 'Writes to the table since start (tablestats Local write count)', (t) => t.writes);
  perTable('sibyl_table_reads', 'Partition reads of the table since start (tablestats Local read count)', (t) => t.reads);
}
