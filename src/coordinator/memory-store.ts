// An in-memory ReplicaStore, so a whole cluster of coordinators can run in one process on a simulated network
// without LMDB. It keeps the storage engine's observable semantics that replication depends on: updates are merged
// with the same reconciliation rules (mergePartitions), reads honour clustering slices and row limits, and scans
// walk partitions in ring order (token, then key bytes) from a partition position. It does not purge tombstones:
// simulations run for virtual minutes, far below gc_grace_seconds.
import type { TableDef } from '../schema/model.ts';
import type { PartitionData, ReadFilter, Row, ScanRange, Slice } from '../storage/types.ts';
import { coveringDeletion, emptyPartition, mergePartitions } from '../storage/merge.ts';
import { isRowLive } from '../storage/live.ts';
import { boundsContain } from '../storage/compare.ts';
import type { ReplicaStore } from './cluster.ts';

const partitionId = (token: bigint, key: Buffer): string => `${token}:${key.toString('hex')}`;

/** Ring order: by token, then by the key's bytes (how the engine's byte-comparable keys sort). */
function ringOrder(a: PartitionData, b: PartitionData): number {
  return a.token < b.token ? -1 : a.token > b.token ? 1 : Buffer.compare(a.key, b.key);
}

export class MemoryStore implements ReplicaStore {
  /** Table id → partition id → partition. */
  private readonly tables = new Map<string, Map<string, PartitionData>>();

  private partitions(table: TableDef): Map<string, PartitionData> {
    let m = this.tables.get(table.id);
    if (m === undefined) this.tables.set(table.id, (m = new Map()));
    return m;
  }

  /** Synchronous apply; the async ReplicaStore methods wrap it. */
  applySync(table: TableDef, update: PartitionData): void {
    const parts = this.partitions(table);
    const id = partitionId(update.token, update.key);
    // Merging into an empty partition the first time copies the update's structure, so the caller (who may still
    // hold and reuse the mutation) never shares mutable arrays with what is stored.
    const base = parts.get(id) ?? emptyPartition(update.key, update.token);
    parts.set(id, mergePartitions(table, base, update));
  }

  apply(table: TableDef, update: PartitionData): Promise<void> {
    this.applySync(table, update);
    return Promise.resolve();
  }

  applyMany(items: Array<{ table: TableDef; update: PartitionData }>): Promise<void> {
    for (const i of items) this.applySync(i.table, i.update);
    return Promise.resolve();
  }

  read(table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, nowSec: number): PartitionData | undefined {
    const p = this.tables.get(table.id)?.get(partitionId(token, key));
    return p === undefined ? undefined : restrict(table, p, filter, nowSec);
  }

  scan(table: TableDef, range: ScanRange, filter: ReadFilter, partitionLimit: number, nowSec: number): PartitionData[] {
    const all = [...(this.tables.get(table.id)?.values() ?? [])].sort(ringOrder);
    const out: PartitionData[] = [];
    for (const p of all) {
      if (out.length >= partitionLimit) break;
      if (!afterStart(p, range) || (range.endToken !== undefined && p.token > range.endToken)) continue;
      const r = restrict(table, p, filter, nowSec);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  truncate(table: TableDef): Promise<void> {
    this.tables.delete(table.id);
    return Promise.resolve();
  }

  removeTokenRanges(table: TableDef, intervals: ReadonlyArray<{ from: bigint; to: bigint }>): Promise<void> {
    const parts = this.tables.get(table.id);
    for (const [id, p] of parts ?? []) if (intervals.some((r) => p.token >= r.from && p.token <= r.to)) parts!.delete(id);
    return Promise.resolve();
  }

  /** Partitions stored for a table (tests). */
  size(table: TableDef): number {
    return this.tables.get(table.id)?.size ?? 0;
  }
}

function afterStart(p: PartitionData, range: ScanRange): boolean {
  const s = range.start;
  if (s === undefined) return true;
  if (p.token !== s.token) return p.token > s.token;
  if (s.key === undefined) return s.inclusive;
  const c = Buffer.compare(p.key, s.key);
  return c > 0 || (c === 0 && s.inclusive);
}

/**
 * The partition as a read with `filter` sees it: rows within the slices, and with rowLimit only up to that many
 * live rows from the front (or the back when reversed). Like the engine, undefined when nothing of the partition
 * falls in the filter and it has no partition-level data.
 */
function restrict(table: TableDef, p: PartitionData, filter: ReadFilter, nowSec: number): PartitionData | undefined {
  const slices: Slice[] | undefined = filter.slices;
  let rows: Row[] = slices === undefined
    ? p.rows
    : p.rows.filter((r) => slices.some((s) => boundsContain(table, s.start, s.end, r.clustering)));
  const limit = filter.rowLimit;
  if (limit !== undefined) {
    const ordered = filter.reversed ? [...rows].reverse() : rows;
    const kept: Row[] = [];
    let live = 0;
    for (const r of ordered) {
      if (live >= limit) break;
      kept.push(r);
      if (isRowLive(table, r, coveringDeletion(table, p.deletion, p.rangeTombstones, r.clustering), nowSec)) live++;
    }
    rows = filter.reversed ? kept.reverse() : kept;
  }
  const hasHeader = p.deletion !== undefined || p.staticRow !== undefined || p.rangeTombstones.length > 0;
  if (!hasHeader && rows.length === 0) return undefined;
  return { ...p, rows };
}
