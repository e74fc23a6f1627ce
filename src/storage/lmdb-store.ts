// The data files: one LMDB environment with a `data` database (byte-comparable keys, see keys.ts) and a `meta`
// database for node metadata. Each row is its own key; a partition's header key holds its deletion, range tombstones
// and static row. Data arrives here from memtable flushes (engine.ts), many partitions per transaction, and needs no
// fsync of its own per commit: the commit log holds it until the flush has been synced. Invariant kept by every
// write: stored rows never contain data shadowed by the header's deletions, so purging those deletions later cannot
// resurrect anything.
import fs from 'node:fs';
import path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { Packr } from 'msgpackr';
import type { TableDef } from '../schema/model.ts';
import type { PartitionData, Row, Slice } from './types.ts';
import {
  KIND_ROW, decodePartitionKey, headerKey, partitionPrefix, prefixEnd, rowEndKey, rowKey, rowStartKey, tableIdBytes,
} from './keys.ts';
import { HEADER_TABLES_PREFIX, MARK, loadHeaderTables } from './header-tables.ts';
import { decodeHeader, decodeRow, encodeHeader, encodeRow, type Header } from './codec.ts';
import { coveringDeletion, mergePartitions, mergeRows } from './merge.ts';
import { countRowItems, purgeContext, purgeRow, type PurgeContext } from './purge.ts';
import { StorageFailureError, isStorageFailure, storageFailure } from './failure.ts';
import { decodedPartition, headerItems, headerPartition, hexTableId, purgeHeader, storableEnd, storableStart, type FlushPartition } from './lmdb-partitions.ts';

export type { FlushPartition } from './lmdb-partitions.ts';

export interface LmdbStoreOptions {
  dir: string;
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
const NO_OVERWRITE = { noOverwrite: true };
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

export class LmdbStore {
  private closed = false;

  private constructor(
    private readonly env: RootDatabase,
    private readonly data: Database<Buffer, Buffer>,
    private readonly meta: Database<Buffer, string>,
    /** Paxos state per partition (Cassandra's system.paxos), keyed by table id bytes + partition key. */
    private readonly paxos: Database<Buffer, Buffer>,
    /** The batchlog (Cassandra's system.batches): logged batches held for their coordinator, by batch id. */
    private readonly batches: Database<Buffer, Buffer>,
    private readonly opts: LmdbStoreOptions,
    /** Ids of tables that may have partition headers; reads of other tables skip the header lookup. */
    private readonly headerTables: Set<string>,
  ) {}

  static async open(opts: LmdbStoreOptions): Promise<LmdbStore> {
    fs.mkdirSync(opts.dir, { recursive: true });
    // overlappingSync: a commit becomes visible, and reaches the OS, before its fsync completes; the fsync overlaps
    // the next transaction, and after an OS crash lmdb-js reopens at the last flushed transaction, so the file is
    // never corrupt. A flush waits for env.flushed before the commit log lets its data go. noSync could corrupt the
    // environment on power loss.
    const env = open({ path: path.join(opts.dir, 'sibyl.lmdb'), maxDbs: 8, overlappingSync: true });
    const data = env.openDB<Buffer, Buffer>({ name: 'data', keyEncoding: 'binary', encoding: 'binary' });
    const meta = env.openDB<Buffer, string>({ name: 'meta', encoding: 'binary' });
    const paxos = env.openDB<Buffer, Buffer>({ name: 'paxos', keyEncoding: 'binary', encoding: 'binary' });
    const batches = env.openDB<Buffer, Buffer>({ name: 'batches', keyEncoding: 'binary', encoding: 'binary' });
    const txn = <T>(db: Database<Buffer, string>, fn: () => T): Promise<T> => batchedTxn(env, db, fn);
    return new LmdbStore(env, data, meta, paxos, batches, opts, await loadHeaderTables(data, meta, txn));
  }

  /**
   * Commits `fn` as one transaction and, when `durable`, waits for its fsync. A commit or sync the disk refuses
   * becomes a StorageFailureError, reported to onFailure; errors of our own code pass through unchanged.
   */
  private async commit<T>(operation: string, fn: () => T, db: Database<Buffer, Buffer> | Database<Buffer, string> = this.data,
    durable = false): Promise<T> {
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
    await this.sync(operation);
  }

  /** Waits until everything committed so far is on disk. */
  async sync(operation = 'flush'): Promise<void> {
    try {
      await this.env.flushed;
    } catch (e) {
      throw await this.failure(e, operation);
    }
  }

  private mayHaveHeaders(table: TableDef): boolean {
    return this.headerTables.size > 0 && this.headerTables.has(hexTableId(table.id));
  }

  private loadHeader(table: TableDef, key: Buffer): Header | undefined {
    if (!this.mayHaveHeaders(table)) return undefined;
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

  /** Writes partitions (a memtable flush's batch) in one transaction; durable once sync() has returned. */
  async applyMany(items: ReadonlyArray<{ table: TableDef; update: PartitionData }>, operation = 'flush'): Promise<void> {
    const prepared = items.map((i) => this.prepare(i.table, i.update));
    await this.commit(operation, () => {
      const now = nowSeconds();
      for (const p of prepared) this.applyInTxn(p, now);
    });
  }

  /**
   * Writes a flush's partitions in one transaction. `plain` says the rows hold no deletion and no expiring data
   * (nothing to purge): a row new to LMDB is then stored as the memtable's bytes, without decoding it. Partitions with
   * a header (here or in the memtable) take the general path.
   */
  async flushBatch(table: TableDef, parts: readonly FlushPartition[], plain: boolean): Promise<void> {
    await this.commit('flush', () => {
      const now = nowSeconds();
      for (const p of parts) this.flushPartition(table, p, plain, now);
    });
  }

  private flushPartition(table: TableDef, p: FlushPartition, plain: boolean, nowSec: number): void {
    // Keys from the memtable's key string: cheaper than encoding the token again. Only the row keys are built (one
    // Buffer each, lmdb-js copies it) unless the table may have partition headers.
    const idBytes = tableIdBytes(table.id);
    const prefixLength = 16 + p.id.length;
    if (p.header || this.mayHaveHeaders(table)) {
      const prefix = Buffer.allocUnsafe(prefixLength);
      idBytes.copy(prefix, 0);
      prefix.write(p.id, 16, 'latin1');
      if (p.header || this.loadHeader(table, headerKey(prefix))) {
        this.applyInTxn(this.prepare(table, decodedPartition(p)), nowSec);
        return;
      }
    }
    let ctx: PurgeContext | undefined;
    for (const [suffix, bytes] of p.rows) {
      const key = Buffer.allocUnsafe(prefixLength + 1 + suffix.length);
      idBytes.copy(key, 0);
      key.write(p.id, 16, 'latin1');
      key[prefixLength] = KIND_ROW;
      if (suffix.length > 0) key.write(suffix, prefixLength + 1, 'latin1');
      // A new key is stored in one step (LMDB's no-overwrite put fails, changing nothing, when the key exists).
      if (plain && this.data.putSync(key, bytes, NO_OVERWRITE)) continue;
      const stored = this.data.getBinaryFast(key);
      ctx ??= purgeContext(nowSec, table.options.gc_grace_seconds);
      const merged = mergeRows(table, stored && decodeRow(stored), decodeRow(bytes, true));
      const kept = merged && purgeRow(merged, ctx);
      if (kept) this.data.putSync(key, encodeRow(kept));
      else this.data.removeSync(key);
    }
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

  /** A partition's header (the caller has checked that the prefix is short enough to have been stored). */
  headerOf(table: TableDef, prefix: Buffer): Header | undefined {
    // Checked before building the header key: most tables never have a header, and this runs on every read.
    return this.mayHaveHeaders(table) ? this.loadHeader(table, headerKey(prefix)) : undefined;
  }

  /** The only row of a partition of a table without clustering columns. */
  singleRow(table: TableDef, prefix: Buffer): Row | undefined {
    const b = this.data.getBinaryFast(rowKey(prefix, table, NO_CLUSTERING));
    return b ? decodeRow(b) : undefined;
  }

  /** The rows of a slice in clustering order (or reversed), keyed by their encoded clustering as latin1. */
  *rowEntries(table: TableDef, prefix: Buffer, s: Slice, reversed: boolean): Generator<{ key: string; row: Row }> {
    const wanted = rowStartKey(prefix, table, s.start);
    const start = storableStart(wanted);
    const end = storableEnd(rowEndKey(prefix, table, s.end));
    const iter = reversed
      ? this.data.getRange({ start: end, end: start, reverse: true, exclusiveStart: true, inclusiveEnd: true })
      : this.data.getRange({ start, end });
    const skip = prefix.length + 1;
    for (const { key, value } of iter) {
      if (start !== wanted && Buffer.compare(key as Buffer, wanted) < 0) continue;
      yield { key: (key as Buffer).toString('latin1', skip), row: decodeRow(value, true) };
    }
  }

  /** The first stored key in [start, end): where the next partition of a scan is. */
  firstKey(start: Buffer, end: Buffer | undefined): Buffer | undefined {
    for (const k of this.data.getKeys({ start, end, limit: 1 })) return k;
    return undefined;
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

  /** Removes every partition of the table with a token in [fromToken, toToken] (nodetool cleanup). */
  async removeTokens(table: TableDef, fromToken: bigint, toToken: bigint): Promise<void> {
    const tid = tableIdBytes(table.id);
    const at = (t: bigint): Buffer => {
      const b = Buffer.allocUnsafe(8);
      b.writeBigUInt64BE(BigInt.asUintN(64, t) ^ 0x8000000000000000n);
      return Buffer.concat([tid, b]);
    };
    await this.removeRange(at(fromToken), toToken === (1n << 63n) - 1n ? prefixEnd(tid) : at(toToken + 1n));
  }

  /**
   * Removes the table's data and its Paxos state: a latest commit kept past a TRUNCATE would be re-sent to a replica
   * that missed it and bring truncated data back (Cassandra compares ballots with the truncation time instead).
   */
  async dropTable(tableId: string): Promise<void> {
    const tid = tableIdBytes(tableId);
    await this.removeRange(tid, prefixEnd(tid));
    const keys = [...this.paxos.getKeys({ start: tid, end: prefixEnd(tid) })];
    if (keys.length > 0) {
      await this.commit('paxos state removal', () => { for (const k of keys) this.paxos.removeSync(k); }, this.paxos, true);
    }
  }

  loadPaxos<T>(tableId: string, key: Buffer): T | undefined {
    const b = this.paxos.getBinaryFast(Buffer.concat([tableIdBytes(tableId), key]));
    return b ? (recordPackr.unpack(b) as T) : undefined;
  }

  /**
   * Paxos state and batchlog entries bypass the commit log, so they are synced before the caller goes on: a promise
   * a replica made must outlive a crash, and the batchlog is what replays a batch if its coordinator dies.
   */
  async savePaxos(tableId: string, key: Buffer, record: unknown): Promise<void> {
    const k = Buffer.concat([tableIdBytes(tableId), key]);
    const packed = Buffer.from(recordPackr.pack(record));
    await this.commit('paxos state update', () => this.paxos.putSync(k, packed), this.paxos, true);
  }

  async saveBatch(id: Buffer, record: unknown): Promise<void> {
    const packed = Buffer.from(recordPackr.pack(record));
    await this.commit('batchlog write', () => this.batches.putSync(id, packed), this.batches, true);
  }

  async removeBatch(id: Buffer): Promise<void> {
    await this.commit('batchlog removal', () => this.batches.removeSync(id), this.batches, false);
  }

  loadBatches<T>(): Array<{ id: Buffer; record: T }> {
    return [...this.batches.getRange()].map(({ key, value }) => ({ id: Buffer.from(key), record: recordPackr.unpack(value) as T }));
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

  /** Every metadata entry whose key starts with `prefix`. */
  metaEntries<T>(prefix: string): Array<[string, T]> {
    const out: Array<[string, T]> = [];
    for (const { key, value } of this.meta.getRange({ start: prefix, end: prefix + '\uffff' })) {
      out.push([String(key), metaPackr.unpack(value as Buffer) as T]);
    }
    return out;
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    // Copied: the packer reuses its buffer. Always synced: node metadata (schema, generation) must survive a crash.
    const packed = Buffer.from(metaPackr.pack(value));
    await this.commit('metadata update', () => this.meta.putSync(key, packed), this.meta, true);
  }

  approximateSize(): number {
    const s = this.data.getStats() as { pageSize?: number; treeBranchPageCount?: number; treeLeafPageCount?: number;
      overflowPages?: number };
    return (s.pageSize ?? 4096) * ((s.treeBranchPageCount ?? 0) + (s.treeLeafPageCount ?? 0) + (s.overflowPages ?? 0));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sync();
    await this.env.close();
  }
}
