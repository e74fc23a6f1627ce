// Client warnings (native protocol v4+, the WARNING flag): the texts Cassandra 5.0's ClientWarn sends for the
// situations Sibyl can detect the same way — aggregation over several partitions, large batches, unlogged batches
// across partitions, logged batches on tables with gc_grace_seconds 0. Each is checked against the reference server.
import type { SelectStatement } from '../../model/ast.ts';
import type { TableDef } from '../../schema/model.ts';
import type { Mutation } from '../../coordinator/coordinator.ts';
import { quoteIdentIfNeeded } from '../../model/types.ts';
import { batchDataSize } from './batch-size.ts';

/** The thresholds of cassandra.yaml behind the warnings (Cassandra's defaults when absent). */
export interface WarnThresholds {
  /** batch_size_warn_threshold in bytes (5 KiB). */
  batchSizeWarnBytes: number;
  /** unlogged_batch_across_partitions_warn_threshold (10 partitions). */
  unloggedBatchPartitions: number;
  /** tombstone_warn_threshold (1000 tombstones; read-tally.ts). */
  tombstoneWarn?: number;
  /** tombstone_failure_threshold (100000; the replicas' read guard, coordinator/cluster.ts). */
  tombstoneFailure?: number;
}

export const DEFAULT_WARN_THRESHOLDS: WarnThresholds = { batchSizeWarnBytes: 5 * 1024, unloggedBatchPartitions: 10 };

/**
 * The warning an aggregating query (aggregate selectors or GROUP BY) earns on every page it serves, decided from
 * its restrictions as SelectStatement does: none on the partition key (a token restriction counts as one), or an
 * IN on a partition key column.
 */
export function aggregationWarning(table: TableDef, stmt: SelectStatement, aggregating: boolean): string | undefined {
  if (!aggregating) return undefined;
  const isKey = (name: string) => table.columns.get(name)?.kind === 'partition_key';
  let restricted = false;
  let usesIn = false;
  for (const w of stmt.where) {
    const names = w.lhs.kind === 'tuple' ? w.lhs.columns : w.lhs.kind === 'token' ? undefined : [w.lhs.name];
    if (names === undefined) {
      restricted = true;
      continue;
    }
    if (!names.some(isKey)) continue;
    restricted = true;
    if (w.op === 'IN') usesIn = true;
  }
  if (!restricted) return 'Aggregation query used without partition key';
  if (usesIn) return 'Aggregation query used on multiple partition keys (IN restriction)';
  return undefined;
}

/** A table as Cassandra's TableMetadata.toString() names it. */
function tableName(t: TableDef): string {
  return `${quoteIdentIfNeeded(t.keyspace)}.${quoteIdentIfNeeded(t.name)}`;
}

/**
 * Java's HashSet<String>.toString(): Cassandra prints the tables of a batch warning from a HashSet, so with several
 * tables their order is the hash table's bucket order (String.hashCode spread as HashMap does), not ours.
 */
export function javaHashSetString(values: Iterable<string>): string {
  const unique = [...new Set(values)];
  let capacity = 16;
  while (unique.length > capacity * 0.75) capacity *= 2;
  const bucket = (s: string) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
    return ((h ^ (h >>> 16)) & (capacity - 1)) >>> 0;
  };
  const ordered = unique.map((s, i) => ({ s, i, b: bucket(s) })).sort((a, b) => a.b - b.b || a.i - b.i);
  return `[${ordered.map((e) => e.s).join(', ')}]`;
}

/** The warnings of a batch without conditions, in Cassandra's order (BatchStatement.getMutations, then execute). */
export function batchWarnings(type: 'LOGGED' | 'UNLOGGED' | 'COUNTER', mutations: readonly Mutation[], t: WarnThresholds): string[] {
  const out: string[] = [];
  if (type === 'LOGGED') {
    const zeroGc = mutations.filter((m) => m.table.options.gc_grace_seconds === 0).map((m) => tableName(m.table));
    if (zeroGc.length > 0) {
      const names = new Set(zeroGc);
      out.push(`Executing a LOGGED BATCH on table${names.size === 1 ? '' : 's'} ${javaHashSetString(names)}, configured with a gc_grace_seconds of 0. ` +
        'The gc_grace_seconds is used to TTL batchlog entries, so setting gc_grace_seconds too low on tables involved in an atomic batch might cause batchlog entries to expire before being replayed.');
    }
  }
  // Cassandra's mutations are one per keyspace and partition key; its warnings only concern batches of several.
  const mutationKeys = new Set(mutations.map((m) => `${m.table.keyspace}:${m.update.key.toString('hex')}`));
  if (mutationKeys.size <= 1) return out;
  const tables = javaHashSetString(mutations.map((m) => tableName(m.table)));
  const size = batchDataSize(mutations);
  if (size > t.batchSizeWarnBytes) {
    out.push(`Batch for ${tables} is of size ${size}, exceeding specified threshold of ${t.batchSizeWarnBytes} by ${size - t.batchSizeWarnBytes}.`);
  }
  if (type !== 'LOGGED') {
    const keys = new Set(mutations.map((m) => m.update.key.toString('hex'))).size;
    const tableCount = new Set(mutations.map((m) => tableName(m.table))).size;
    if (keys > t.unloggedBatchPartitions) {
      out.push(`Unlogged batch covering ${keys} partitions detected against table${tableCount === 1 ? '' : 's'} ${tables}. ` +
        'You should use a logged batch for atomicity, or asynchronous writes for performance.');
    }
  }
  return out;
}
