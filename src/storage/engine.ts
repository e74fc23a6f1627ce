// The node-local store: one LMDB environment with a `data` database (byte-comparable keys, see keys.ts) and a
// `meta` database for node metadata. Each row is its own key so a single-row write is one read-modify-write in
// lmdb-js's batched async transaction (concurrent writers share a commit and its fsync). A partition's header key
// holds its deletion, range tombstones and static row. Invariant kept by every write: stored rows never contain
// data shadowed by the header's deletions, so purging those deletions later cannot resurrect anything.
import fs from 'node:fs';
import path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { Packr } from 'msgpackr';
import type { TableDef } from '../schema/model.ts';
import type { PartitionData, RangeTombstone, ReadFilter, Row, ScanRange, Slice } from './types.ts';
import {
  MAX_KEY_SIZE, decodePartitionKey, headerKey, partitionPrefix, prefixEnd, rowEndKey, rowKey, rowStartKey, tableIdBytes,
  tokenPrefix,
} from './keys.ts';
import { decodeHeader, decodeRow, encodeHeader, encodeRow, type Header } from './codec.ts';
import { coveringDeletion, mergePartitions, mergeRows } from './merge.ts';
import { countRowItems, purgeContext, purgeRangeTombstones, purgeRow, purgeTombstone, type PurgeContext } from './purge.ts';
import { isRowLive } from './live.ts';
import { comparePositions, endPosition, startPosition } from './compare.ts';
import { StorageFailureError, isStorageFailure, storageFailure } from './failure.ts';
import { HEADER_TABLES_PREFIX, MARK, loadHeaderTables } from './header-tables.ts';

export { StorageFailureError };

export interface StorageOptions {
  dir: string;
  sync: 'batch' | 'periodic';
  /** Cassandra's commitlog_sync_period; accepted for configuration parity (fsyncs already follow every commit). */
  syncPeriodMs?: number;
  /**
   * Told of every commit or sync the disk refused, before the failed operation rejects with the same error; the node
   * follows disk_failure_policy from here.
   */
  onFailure?: (error: StorageFailureError) => void;
}

interface PreparedUpdate {
  table: TableDef;
  update: PartitionData;
  prefix: Buffer;
  headerKey: Buffer;
  rowKeys: Buffer[];
}

const metaPackr = new Packr({ structuredClone: true, int64AsType: 'bigint' });
/** Paxos records and batchlog entries hold partition updates: plain maps, tokens as bigint, own Buffers (as hints). */
const recordPackr = new Packr({ useRecords: false, int64AsType: 'bigint', useBigIntExtension: true, copyBuffers: true });
const AFTER = Buffer.from([0xff]);
const NO_CLUSTERING: Buffer[] = [];
const WHOLE: Slice = { start: { prefix: [], inclusive: true }, end: { prefix: [], inclusive: true } };
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const ignore = (): void => undefined;

/**
 * Runs `fn` in one of lmdb-js's batched write transactions. lmdb-js keeps its own promise for the batch a transaction
 * joins and, when the commit fails, rejects it with no handler attached (kriszyp/lmdb-js#368), which would end the
 * process: a handler is attached from inside the transaction, where `committed` is that batch's promise.
 */
function batchedTxn<T>(env: RootDatabase, db: Database<Buffer, Buffer> | Database<Buffer, string>, fn: () => T): Promise<T> {
  return db.transaction(() => {
    env.committed.then(ignore, ignore);
    return fn();
  });
}

export class StorageEngine {
  private closed = false;

  private constructor(
    private readonly env: RootDatabase,
    private readonly data: Database<Buffer, Buffer>,
    private readonly meta: Database<Buffer, string>,
    /** Paxos state per partition (Cassandra's system.paxos), keyed by table id bytes + partition key. */
    private readonly paxos: Database<Buffer, Buffer>,
    /** The batchlog (Cassandra's system.batches): logged batches held for their coordinator, by batch id. */
    private readonly batches: Database<Buffer, Buffer>,
    private readonly opts: StorageOptions,
    /** Ids of tables that may have partition headers; reads of other tables skip the header lookup. */
    private readonly headerTables: Set<string>,
  ) {}

  static async open(opts: StorageOptions): Promise<StorageEngine> {
    fs.mkdirSync(opts.dir, { recursive: true });
    // overlappingSync: a commit becomes visible, and reaches the OS (surviving a process crash), before its fsync
    // completes; the fsync overlaps the next transaction, and after an OS crash lmdb-js reopens at the last flushed
    // transaction, so the file is never corrupt. batch acknowledges after the fsync (env.flushed), periodic right
    // after the commit, with fsyncs following continuously (well within any syncPeriodMs). noSync would double
    // periodic throughput but could corrupt the environment on power loss, which Cassandra's periodic mode never does.
    const env = open({ path: path.join(opts.dir, 'sibyl.lmdb'), maxDbs: 8, overlappingSync: true });
    const data = env.openDB<Buffer, Buffer>({ name: 'data', keyEncoding: 'binary', encoding: 'binary' });
    const meta = env.openDB<Buffer, string>({ name: 'meta', encoding: 'binary' });
    const paxos = env.openDB<Buffer, Buffer>({ name: 'paxos', keyEncoding: 'binary', encoding: 'binary' });
    const batches = env.openDB<Buffer, Buffer>({ name: 'batches', keyEncoding: 'binary', encoding: 'binary' });
    const txn = <T>(db: Database<Buffer, string>, fn: () => T): Promise<T> => batchedTxn(env, db, fn);
    return new StorageEngine(env, data, meta, paxos, batches, opts, await loadHeaderTables(data, meta, txn));
  }

  /**
   * Commits `fn` as one transaction and, when `durable`, waits for its fsync (batch mode). A commit or sync the disk
   * refuses becomes a StorageFailureError, reported to onFailure; errors of our own code pass through unchanged.
   */
  private async commit<T>(operation: string, fn: () => T, db: Database<Buffer, Buffer> | Database<Buffer, string> = this.data,
    durable = this.opts.sync === 'batch'): Promise<T> {
    try {
      const result = await batchedTxn(this.env, db, fn);
      if (durable) await this.env.flushed;
      return result;
    } catch (e) {
      throw await this.failure(e, operation);
    }
  }

  private async failure(e: unknown, operation: string): Promise<unknown> {
    if (!isStorageFailure(e)) return e;
    const err = await storageFailure(e, operation);
    this.opts.onFailure?.(err);
    return err;
  }

  private async durable(operation: string): Promise<void> {
    if (this.opts.sync === 'batch') await this.syncNow(operation);
  }

  /** Waits until everything committed so far is on disk. */
  private async syncNow(operation = 'flush'): Promise<void> {
    try {
      await this.env.flushed;
    } catch (e) {
      throw await this.failure(e, operation);
    }
  }

  private loadHeader(table: TableDef, key: Buffer): Header | undefined {
    if (this.headerTables.size === 0 || !this.headerTables.has(hexTableId(table.id))) return undefined;
    const b = this.data.getBinaryFast(key);
    return b ? decodeHeader(b) : undefined;
  }

  private loadRow(key: Buffer): Row | undefined {
    const b = this.data.getBinaryFast(key);
    return b ? decodeRow(b) : undefined;
  }

  private storeHeader(table: TableDef, key: Buffer, h: Header): void {
    if (!h.deletion && h.rangeTombstones.length === 0 && !h.staticRow) {
      this.data.removeSync(key);
      return;
    }
    const id = hexTableId(table.id);
    if (!this.headerTables.has(id)) {
      // Marked in the header's own transaction, and before its commit makes the header visible to reads. Never
      // cleared (an aborted transaction leaves a harmless extra mark).
      this.headerTables.add(id);
      this.meta.putSync(HEADER_TABLES_PREFIX + id, MARK);
    }
    this.data.putSync(key, encodeHeader(h));
  }

  /** Key computation (and key-size validation) happens before the transaction so errors never split a batch. */
  private prepare(table: TableDef, update: PartitionData): PreparedUpdate {
    const prefix = partitionPrefix(table.id, update.token, update.key);
    return {
      table, update, prefix, headerKey: headerKey(prefix),
      rowKeys: update.rows.map((r) => rowKey(prefix, table, r.clustering)),
    };
  }

  apply(table: TableDef, update: PartitionData): Promise<void> {
    return this.applyMany([{ table, update }]);
  }

  async applyMany(items: Array<{ table: TableDef; update: PartitionData }>): Promise<void> {
    const prepared = items.map((i) => this.prepare(i.table, i.update));
    await this.commit('write', () => {
      const now = nowSeconds();
      for (const p of prepared) this.applyInTxn(p, now);
    });
  }

  private applyInTxn(p: PreparedUpdate, nowSec: number): void {
    const { table, update } = p;
    const ctx = purgeContext(nowSec, table.options.gc_grace_seconds);
    let header = this.loadHeader(table, p.headerKey);
    const newDeletions = !!update.deletion || update.rangeTombstones.length > 0;
    if (newDeletions || update.staticRow) {
      const merged = mergePartitions(table, headerPartition(update, header), {
        key: update.key, token: update.token, deletion: update.deletion, rangeTombstones: update.rangeTombstones,
        staticRow: update.staticRow, rows: [],
      });
      header = { rangeTombstones: merged.rangeTombstones };
      if (merged.deletion) header.deletion = merged.deletion;
      if (merged.staticRow) header.staticRow = merged.staticRow;
      if (newDeletions) {
        const slices = update.deletion ? [WHOLE] : update.rangeTombstones;
        for (const s of slices) this.rewriteRows(table, p.prefix, header, s, ctx);
      }
      header = purgeHeader(header, ctx);
      this.storeHeader(table, p.headerKey, header);
    }
    for (let i = 0; i < update.rows.length; i++) {
      const row = update.rows[i];
      const outer = header ? coveringDeletion(table, header.deletion, header.rangeTombstones, row.clustering) : undefined;
      const merged = mergeRows(table, this.loadRow(p.rowKeys[i]), row, outer);
      const kept = merged && purgeRow(merged, ctx);
      if (kept) this.data.putSync(p.rowKeys[i], encodeRow(kept));
      else this.data.removeSync(p.rowKeys[i]);
    }
  }

  /** Re-normalizes stored rows within a slice against the header's deletions and purges them; returns removed items. */
  private rewriteRows(table: TableDef, prefix: Buffer, header: Header, slice: Slice, ctx: PurgeContext): number {
    let removed = 0;
    const range = { start: rowStartKey(prefix, table, slice.start), end: rowEndKey(prefix, table, slice.end) };
    const entries = [...this.data.getRange(range)];
    for (const { key, value } of entries) {
      const row = decodeRow(value, true);
      const outer = coveringDeletion(table, header.deletion, header.rangeTombstones, row.clustering);
      const before = countRowItems(row);
      const purgedBefore = ctx.purged;
      const normalized = mergeRows(table, row, undefined, outer);
      const kept = normalized && purgeRow(normalized, ctx);
      const after = countRowItems(kept);
      if (!kept) this.data.removeSync(key);
      else if (after !== before || ctx.purged !== purgedBefore) this.data.putSync(key, encodeRow(kept));
      removed += before - after;
    }
    return removed;
  }

  read(table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, nowSec: number): PartitionData | undefined {
    const prefix = partitionPrefix(table.id, token, key);
    let header: Header | undefined;
    try {
      header = this.loadHeader(table, headerKey(prefix));
    } catch {
      return undefined; // a key too long to store cannot have been stored
    }
    // No slices means the whole partition; an empty list of slices (`c IN ()`) selects no rows.
    const slices = filter.slices ?? [WHOLE];
    const rows = this.readRows(table, prefix, header, slices, filter, nowSec);
    if (!header && rows.length === 0) return undefined;
    const out: PartitionData = { key, token, rangeTombstones: [], rows };
    if (header) {
      if (header.deletion) out.deletion = header.deletion;
      if (header.staticRow) out.staticRow = header.staticRow;
      out.rangeTombstones = filter.slices
        ? header.rangeTombstones.filter((rt) => slices.some((s) => overlaps(table, rt, s)))
        : header.rangeTombstones;
    }
    return out;
  }

  /** Rows of the slices in clustering order; with rowLimit, the first (or, reversed, last) rows up to that many live. */
  private readRows(table: TableDef, prefix: Buffer, header: Header | undefined, slices: Slice[], filter: ReadFilter,
    nowSec: number): Row[] {
    if (table.clustering.length === 0) {
      // Without clustering columns a partition has at most one row, under one known key, which every slice covers:
      // a point lookup is much cheaper than a cursor.
      const b = this.data.getBinaryFast(rowKey(prefix, table, NO_CLUSTERING));
      return b ? [decodeRow(b)] : [];
    }
    const limit = filter.rowLimit ?? Infinity;
    const reversed = !!filter.reversed;
    const rows: Row[] = [];
    let live = 0;
    const ordered = reversed ? [...slices].reverse() : slices;
    for (const s of ordered) {
      if (live >= limit) break;
      const wanted = rowStartKey(prefix, table, s.start);
      const start = storableStart(wanted);
      const end = storableEnd(rowEndKey(prefix, table, s.end));
      const iter = reversed
        ? this.data.getRange({ start: end, end: start, reverse: true, exclusiveStart: true, inclusiveEnd: true })
        : this.data.getRange({ start, end });
      for (const { key, value } of iter) {
        // A clamped start may let in the one stored key that is a prefix of the wanted start, and sorts before it.
        if (start !== wanted && Buffer.compare(key as Buffer, wanted) < 0) continue;
        const row = decodeRow(value, true);
        rows.push(row);
        if (limit !== Infinity) {
          const outer = header ? coveringDeletion(table, header.deletion, header.rangeTombstones, row.clustering) : undefined;
          if (isRowLive(table, row, outer, nowSec) && ++live >= limit) break;
        }
      }
    }
    if (reversed) rows.reverse();
    return rows;
  }

  scan(table: TableDef, range: ScanRange, filter: ReadFilter, partitionLimit: number, nowSec: number): PartitionData[] {
    const tid = tableIdBytes(table.id);
    let start: Buffer;
    const s = range.start;
    if (!s) start = tid;
    else if (s.key) {
      const pp = partitionPrefix(table.id, s.token, s.key);
      start = s.inclusive ? pp : Buffer.concat([pp, AFTER]);
    } else {
      const tp = tokenPrefix(table.id, s.token);
      start = s.inclusive ? tp : (prefixEnd(tp) ?? Buffer.concat([tid, AFTER]));
    }
    const end = range.endToken !== undefined ? prefixEnd(tokenPrefix(table.id, range.endToken)) : prefixEnd(tid);
    const out: PartitionData[] = [];
    while (out.length < partitionLimit) {
      let next: Buffer | undefined;
      for (const k of this.data.getKeys({ start, end, limit: 1 })) next = k;
      if (!next) break;
      const d = decodePartitionKey(next);
      const p = this.read(table, d.key, d.token, filter, nowSec);
      if (p) out.push(p);
      start = Buffer.concat([next.subarray(0, d.prefixLength), AFTER]);
    }
    return out;
  }

  /** Removes every key in [start, end) in bounded transactions, so huge tables do not make one giant commit. */
  private async removeRange(start: Buffer, end: Buffer | undefined): Promise<void> {
    for (;;) {
      const removed = await this.commit('table removal', () => {
        const keys = [...this.data.getKeys({ start, end, limit: 10_000 })];
        for (const k of keys) this.data.removeSync(k);
        return keys.length;
      }, this.data, false);
      if (removed === 0) break;
    }
    await this.durable('table removal');
  }

  truncate(table: TableDef): Promise<void> {
    return this.dropTable(table.id);
  }

  /**
   * Removes the table's data and its Paxos state: a latest commit kept past a TRUNCATE would be re-sent to a replica
   * that missed it and bring truncated data back (Cassandra compares ballots with the truncation time instead).
   */
  async dropTable(tableId: string): Promise<void> {
    const tid = tableIdBytes(tableId);
    await this.removeRange(tid, prefixEnd(tid));
    const keys = [...this.paxos.getKeys({ start: tid, end: prefixEnd(tid) })];
    if (keys.length > 0) await this.commit('paxos state removal', () => { for (const k of keys) this.paxos.removeSync(k); }, this.paxos);
  }

  /** Drops shadowed data and purges deletions older than gc_grace_seconds in every partition of a table. */
  async compact(table: TableDef, nowSec: number): Promise<number> {
    const tid = tableIdBytes(table.id);
    const end = prefixEnd(tid);
    let start = tid;
    let total = 0;
    const pending: Array<Promise<number>> = [];
    for (;;) {
      let next: Buffer | undefined;
      for (const k of this.data.getKeys({ start, end, limit: 1 })) next = k;
      if (!next) break;
      const d = decodePartitionKey(next);
      const prefix = Buffer.from(next.subarray(0, d.prefixLength));
      pending.push(this.commit('compaction', () => this.compactPartition(table, prefix, nowSec), this.data, false));
      start = Buffer.concat([prefix, AFTER]);
      if (pending.length >= 256) for (const n of await Promise.all(pending.splice(0))) total += n;
    }
    for (const n of await Promise.all(pending)) total += n;
    await this.durable('compaction');
    return total;
  }

  private compactPartition(table: TableDef, prefix: Buffer, nowSec: number): number {
    const ctx = purgeContext(nowSec, table.options.gc_grace_seconds);
    const hk = headerKey(prefix);
    const stored = this.loadHeader(table, hk);
    const header: Header = stored ?? { rangeTombstones: [] };
    let removed = this.rewriteRows(table, prefix, header, WHOLE, ctx);
    if (stored) {
      const before = headerItems(stored);
      const purged = purgeHeader(stored, ctx);
      removed += before - headerItems(purged);
      this.storeHeader(table, hk, purged);
    }
    return removed;
  }

  getMeta<T>(key: string): T | undefined {
    const b = this.meta.get(key);
    return b ? (metaPackr.unpack(b) as T) : undefined;
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    // Copied: the packer reuses its buffer. Always synced: node metadata (schema, generation) must survive a crash.
    const packed = Buffer.from(metaPackr.pack(value));
    await this.commit('metadata update', () => this.meta.putSync(key, packed), this.meta, true);
  }

  loadPaxos<T>(tableId: string, key: Buffer): T | undefined {
    const b = this.paxos.getBinaryFast(Buffer.concat([tableIdBytes(tableId), key]));
    return b ? (recordPackr.unpack(b) as T) : undefined;
  }

  /** Durable as data writes are (commitlog_sync): a promise a replica made must outlive a crash in batch mode. */
  async savePaxos(tableId: string, key: Buffer, record: unknown): Promise<void> {
    const k = Buffer.concat([tableIdBytes(tableId), key]);
    const packed = Buffer.from(recordPackr.pack(record));
    await this.commit('paxos state update', () => this.paxos.putSync(k, packed), this.paxos);
  }

  /** Durable before the batch's coordinator goes on: it is what replays the batch if that coordinator dies. */
  async saveBatch(id: Buffer, record: unknown): Promise<void> {
    const packed = Buffer.from(recordPackr.pack(record));
    await this.commit('batchlog write', () => this.batches.putSync(id, packed), this.batches);
  }

  async removeBatch(id: Buffer): Promise<void> {
    await this.commit('batchlog removal', () => this.batches.removeSync(id), this.batches, false);
  }

  loadBatches<T>(): Array<{ id: Buffer; record: T }> {
    return [...this.batches.getRange()].map(({ key, value }) => ({ id: Buffer.from(key), record: recordPackr.unpack(value) as T }));
  }

  approximateSize(): number {
    const s = this.data.getStats() as { pageSize?: number; treeBranchPageCount?: number; treeLeafPageCount?: number;
      overflowPages?: number };
    return (s.pageSize ?? 4096) * ((s.treeBranchPageCount ?? 0) + (s.treeLeafPageCount ?? 0) + (s.overflowPages ?? 0));
  }

  async flush(): Promise<void> {
    await this.syncNow();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.syncNow();
    await this.env.close();
  }
}

function headerPartition(update: PartitionData, h: Header | undefined): PartitionData {
  const p: PartitionData = { key: update.key, token: update.token, rangeTombstones: h?.rangeTombstones ?? [], rows: [] };
  if (h?.deletion) p.deletion = h.deletion;
  if (h?.staticRow) p.staticRow = h.staticRow;
  return p;
}

function purgeHeader(h: Header, ctx: PurgeContext): Header {
  const out: Header = { rangeTombstones: purgeRangeTombstones(h.rangeTombstones, ctx) };
  const d = purgeTombstone(h.deletion, ctx);
  if (d) out.deletion = d;
  const s = h.staticRow && purgeRow(h.staticRow, ctx);
  if (s) out.staticRow = s;
  return out;
}

function headerItems(h: Header): number {
  return (h.deletion ? 1 : 0) + h.rangeTombstones.length + countRowItems(h.staticRow);
}

function overlaps(table: TableDef, rt: RangeTombstone, s: Slice): boolean {
  return comparePositions(table, startPosition(rt.start), endPosition(s.end)) < 0
    && comparePositions(table, startPosition(s.start), endPosition(rt.end)) < 0;
}

const hexIds = new Map<string, string>();
/** A table's id as stored in its keys, in hex: the form the header marks use. */
function hexTableId(id: string): string {
  let h = hexIds.get(id);
  if (h === undefined) hexIds.set(id, (h = tableIdBytes(id).toString('hex')));
  return h;
}

/**
 * Slice bounds can be longer than any stored key (a WHERE on a clustering value over MAX_KEY_SIZE): LMDB refuses such
 * keys, so they are cut to the longest storable prefix. Every stored key is at most that long, so the cut start sorts
 * before the same keys as the full one except itself (skipped by the reader), and the keys before a cut end are those
 * up to and including its prefix.
 */
function storableStart(key: Buffer): Buffer {
  return key.length <= MAX_KEY_SIZE ? key : key.subarray(0, MAX_KEY_SIZE);
}

function storableEnd(key: Buffer): Buffer {
  if (key.length <= MAX_KEY_SIZE) return key;
  return prefixEnd(key.subarray(0, MAX_KEY_SIZE)) ?? key.subarray(0, MAX_KEY_SIZE);
}
