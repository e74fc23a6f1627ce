// The write path's settings in cassandra.yaml, with Cassandra's names, units and defaults: the commit log (directory,
// sync mode and its period/window, segment size, total space) and memtables (heap space, cleanup threshold). Both
// the pre-4.1 `x_in_ms`/`x_in_mb` keys and 4.1's `x: 10000ms`/`x: 32MiB` are read.
import { dirname, join } from 'node:path';
import { invalid, type YamlReader } from './config-yaml.ts';

export type CommitlogSyncMode = 'batch' | 'periodic' | 'group';

export interface StorageConfig {
  /** commitlog_directory (default: `commitlog` beside the data directory, as Cassandra's $CASSANDRA_HOME/data/commitlog). */
  commitlogDirectory: string;
  /** periodic (Cassandra's default): acknowledged once written; batch and group: once fsynced. */
  commitlogSync: CommitlogSyncMode;
  commitlogSyncPeriodMs: number;
  /** Deprecated in Cassandra 4 (batch syncs as soon as it can); read for compatibility. */
  commitlogSyncBatchWindowMs: number;
  /** group: the shortest time between two syncs. */
  commitlogSyncGroupWindowMs: number;
  commitlogSegmentSizeMb: number;
  /** commitlog_total_space; undefined: Cassandra's default, the smaller of 8192 MiB and a quarter of the volume. */
  commitlogTotalSpaceMb?: number;
  /** memtable_heap_space. Cassandra's default is a quarter of the JVM heap; Sibyl's is 64 MiB. */
  memtableHeapSpaceMb: number;
  /** memtable_cleanup_threshold: the share of memtable_heap_space at which the largest memtable is flushed. */
  memtableCleanupThreshold: number;
}

const SYNC_MODES: readonly CommitlogSyncMode[] = ['periodic', 'batch', 'group'];

export const STORAGE_DEFAULTS = {
  commitlogSync: 'periodic',
  commitlogSyncPeriodMs: 10_000,
  commitlogSyncBatchWindowMs: 2,
  commitlogSyncGroupWindowMs: 0,
  commitlogSegmentSizeMb: 32,
  memtableHeapSpaceMb: 64,
  // 1 / (1 + memtable_flush_writers), Cassandra's rule, with one flush writer.
  memtableCleanupThreshold: 0.5,
} as const satisfies Omit<StorageConfig, 'commitlogDirectory'>;

/** Cassandra's own memtable and commit log keys that have no meaning for Sibyl's storage: read without a warning. */
export const IGNORED_STORAGE_KEYS = ['memtable_offheap_space', 'memtable_offheap_space_in_mb', 'memtable_allocation_type',
  'memtable_flush_writers', 'commitlog_compression', 'commitlog_disk_access_mode', 'periodic_commitlog_sync_lag_block',
  'periodic_commitlog_sync_lag_block_in_ms', 'max_mutation_size', 'max_mutation_size_in_kb'];

function ratio(r: YamlReader, key: string, def: number): number {
  const v = r.get(key);
  if (v === undefined) return def;
  const n = typeof v === 'number' || typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0.01 || n > 0.99) throw invalid(key, 'a number between 0.01 and 0.99', v);
  return n;
}

/** Reads the settings; `path` resolves a directory against the yaml's, `dataDir` is the data directory. */
export function parseStorageConfig(r: YamlReader, path: (p: string) => string, dataDir: string): StorageConfig {
  const mode = r.str('commitlog_sync', STORAGE_DEFAULTS.commitlogSync);
  const commitlogSync = SYNC_MODES.find((m) => m === mode);
  if (!commitlogSync) throw invalid('commitlog_sync', 'batch, periodic or group', mode);
  const dir = r.optStr('commitlog_directory');
  const total = r.has('commitlog_total_space') || r.has('commitlog_total_space_in_mb')
    ? r.sizeMb('commitlog_total_space_in_mb', 'commitlog_total_space', 8192, 1 << 30) : undefined;
  for (const k of IGNORED_STORAGE_KEYS) r.get(k);
  return {
    commitlogDirectory: dir !== undefined ? path(dir) : join(dirname(dataDir), 'commitlog'),
    commitlogSync,
    commitlogSyncPeriodMs: r.durationMs('commitlog_sync_period_in_ms', 'commitlog_sync_period', STORAGE_DEFAULTS.commitlogSyncPeriodMs),
    commitlogSyncBatchWindowMs: r.durationMs('commitlog_sync_batch_window_in_ms', 'commitlog_sync_batch_window', STORAGE_DEFAULTS.commitlogSyncBatchWindowMs),
    commitlogSyncGroupWindowMs: r.durationMs('commitlog_sync_group_window_in_ms', 'commitlog_sync_group_window', STORAGE_DEFAULTS.commitlogSyncGroupWindowMs),
    commitlogSegmentSizeMb: r.sizeMb('commitlog_segment_size_in_mb', 'commitlog_segment_size', STORAGE_DEFAULTS.commitlogSegmentSizeMb, 1024),
    ...(total !== undefined ? { commitlogTotalSpaceMb: total } : {}),
    memtableHeapSpaceMb: r.sizeMb('memtable_heap_space_in_mb', 'memtable_heap_space', STORAGE_DEFAULTS.memtableHeapSpaceMb, 1 << 20),
    memtableCleanupThreshold: ratio(r, 'memtable_cleanup_threshold', STORAGE_DEFAULTS.memtableCleanupThreshold),
  };
}

/** The yaml keys writeConfigFiles writes for these settings (the pre-4.1 spellings, like the rest of its output). */
export function storageYaml(c: StorageConfig): Record<string, unknown> {
  return {
    commitlog_directory: c.commitlogDirectory,
    commitlog_sync: c.commitlogSync,
    commitlog_sync_period_in_ms: c.commitlogSyncPeriodMs,
    commitlog_sync_batch_window_in_ms: c.commitlogSyncBatchWindowMs,
    commitlog_sync_group_window_in_ms: c.commitlogSyncGroupWindowMs,
    commitlog_segment_size_in_mb: c.commitlogSegmentSizeMb,
    ...(c.commitlogTotalSpaceMb !== undefined ? { commitlog_total_space_in_mb: c.commitlogTotalSpaceMb } : {}),
    memtable_heap_space_in_mb: c.memtableHeapSpaceMb,
    memtable_cleanup_threshold: c.memtableCleanupThreshold,
  };
}
