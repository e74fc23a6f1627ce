// One table's memtable: the writes since its last flush, sorted as LMDB sorts them, in the engine's row format
// (codec.ts), so that a flush is the LMDB write path run over sorted partitions and a read merges the two key by key.
// Partitions are keyed by their byte-comparable prefix (keys.ts) after the table id, rows by their encoded
// clustering, both as latin1 strings (see sorted-map.ts). A write is merged with what the memtable already holds for
// its keys (never with LMDB: that is the read the commit log saves); rows shadowed by a new deletion are dropped here
// as they are in LMDB, so memory follows live data.
import type { TableDef } from '../../schema/model.ts';
import { isComplex, type PartitionData, type Slice } from '../types.ts';
import { decodeHeader, decodeRow, encodeHeader, encodeRow, type Header } from '../codec.ts';
import { coveringDeletion, mergeRows } from '../merge.ts';
import { shadows, writeHeaders, headerOf } from '../header.ts';
import type { ItemLayout } from '../mutation-codec.ts';
import { rowEndKey, rowStartKey } from '../keys.ts';
import { SortedMap } from './sorted-map.ts';
import { Arena } from './arena.ts';

export interface MemPartition {
  readonly key: Buffer;
  readonly token: bigint;
  /** Encoded partition header (deletion, range tombstones, static row), when there is one. */
  header: Buffer | undefined;
  /**
   * Tables without clustering columns: the partition's only row, as bytes [rowStart, rowEnd) of an arena chunk
   * (rowChunk undefined: no row); singleRowOf gives it as a Buffer.
   */
  rowChunk: Buffer | undefined;
  rowStart: number;
  rowEnd: number;
  /** Tables with clustering columns: encoded rows by encoded clustering. */
  readonly rows: SortedMap<Buffer> | undefined;
}

/** A write as the memtable takes it: its keys, and where its encoded bytes lie in the commit log entry. */
export interface MemWrite {
  update: PartitionData;
  /** latin1 of the partition's key prefix after the 16-byte table id. */
  partitionKey: string;
  /** latin1 of each row's encoded clustering ('' without clustering columns). */
  rowKeys: string[];
  /** Set once the write's commit log entry is encoded. */
  entry: Buffer;
  layout: ItemLayout;
}

/** The only row of a partition of a table without clustering columns, if it has one. */
export function singleRowOf(p: MemPartition): Buffer | undefined {
  return p.rowChunk === undefined ? undefined : p.rowChunk.subarray(p.rowStart, p.rowEnd);
}

/** Rough per-object costs in V8 (objects, arrays, strings), added to the arena's bytes for memtable_heap_space. */
const PARTITION_OVERHEAD = 200;
const ROW_OVERHEAD = 120;
const NO_PREFIX = Buffer.alloc(0);
const WHOLE: Slice = { start: { prefix: [], inclusive: true }, end: { prefix: [], inclusive: true } };

/** The [lo, hi) row keys of a slice, as the memtable keys rows (keys.ts bounds without prefix and kind byte). */
export function sliceKeys(table: TableDef, s: Slice): [string, string] {
  return [rowStartKey(NO_PREFIX, table, s.start).toString('latin1', 1), rowEndKey(NO_PREFIX, table, s.end).toString('latin1', 1)];
}

export class Memtable {
  readonly partitions = new SortedMap<MemPartition>();
  private readonly arena = new Arena();
  private objectBytes = 0;
  /** Writes applied. */
  operations = 0;
  /** Cells, row markers and deletions written (tablestats' "Memtable cell count", Cassandra's operation count). */
  cells = 0;
  /** No write so far carried a deletion or expiring data: a flush has nothing to purge (lmdb-store flushBatch). */
  plain = true;
  /** Epoch ms of the first write (memtable_flush_period_in_ms); 0 while empty. */
  firstWriteAt = 0;

  /** The table as of the latest write: ALTER TABLE changes the definition, not the id. */
  constructor(public table: TableDef) {}

  /** Bytes this memtable holds: its arena chunks plus an estimate of the objects indexing them. */
  get sizeBytes(): number {
    return this.arena.allocatedBytes + this.objectBytes;
  }

  get isEmpty(): boolean {
    return this.partitions.size === 0;
  }

  partition(partitionKey: string): MemPartition | undefined {
    return this.partitions.get(partitionKey);
  }

  apply(table: TableDef, w: MemWrite): void {
    this.table = table;
    if (this.operations++ === 0) this.firstWriteAt = Date.now();
    const { update } = w;
    if (this.plain && !isPlain(update)) this.plain = false;
    this.cells += operationCount(update);
    let p = this.partitions.get(w.partitionKey);
    if (!p) {
      p = { key: this.arena.copy(update.key), token: update.token, header: undefined, rowChunk: undefined, rowStart: 0, rowEnd: 0,
        rows: table.clustering.length > 0 ? new SortedMap<Buffer>() : undefined };
      this.partitions.setNew(w.partitionKey, p);
      this.objectBytes += PARTITION_OVERHEAD + w.partitionKey.length;
    }
    let header = p.header ? decodeHeader(p.header, true) : undefined;
    const incoming = headerOf(update);
    if (incoming) {
      header = writeHeaders(table, header, incoming);
      p.header = header ? this.arena.copy(encodeHeader(header)) : undefined;
      if (header && shadows(incoming)) {
        for (const s of update.deletion ? [WHOLE] : update.rangeTombstones) this.normalize(table, p, header, s);
      }
    }
    const shadowing = shadows(header) ? header : undefined;
    for (let i = 0; i < update.rows.length; i++) {
      const row = update.rows[i]!;
      const rk = w.rowKeys[i]!;
      const existing = p.rows ? p.rows.get(rk) : singleRowOf(p);
      const outer = shadowing && coveringDeletion(table, shadowing.deletion, shadowing.rangeTombstones, row.clustering);
      let bytes: Buffer | undefined;
      if (!existing && !outer) {
        const [s, e] = w.layout.rows[i]!;
        if (!p.rows) {
          // The common write of a table without clustering columns: no view object for the row.
          p.rowStart = this.arena.place(w.entry, s, e);
          p.rowEnd = p.rowStart + (e - s);
          p.rowChunk = this.arena.placedIn;
          this.objectBytes += ROW_OVERHEAD;
          continue;
        }
        bytes = this.arena.copy(w.entry.subarray(s, e));
      } else {
        const merged = mergeRows(table, existing && decodeRow(existing, true), row, outer);
        bytes = merged && this.arena.copy(encodeRow(merged));
      }
      this.store(p, rk, bytes, existing === undefined);
    }
  }

  private store(p: MemPartition, rk: string, bytes: Buffer | undefined, isNew: boolean): void {
    if (isNew && bytes) this.objectBytes += ROW_OVERHEAD + rk.length;
    if (p.rows) {
      if (bytes) {
        if (isNew) p.rows.setNew(rk, bytes);
        else p.rows.set(rk, bytes);
      }
      else p.rows.delete(rk);
    } else {
      p.rowChunk = bytes;
      p.rowStart = 0;
      p.rowEnd = bytes ? bytes.length : 0;
    }
  }

  /** Drops what a new deletion shadows from the rows of a slice (the memtable's side of LMDB's rewriteRows). */
  private normalize(table: TableDef, p: MemPartition, header: Header, slice: Slice): void {
    const apply = (rk: string, bytes: Buffer): void => {
      const row = decodeRow(bytes, true);
      const outer = coveringDeletion(table, header.deletion, header.rangeTombstones, row.clustering);
      const kept = mergeRows(table, row, undefined, outer);
      this.store(p, rk, kept && this.arena.copy(encodeRow(kept)), false);
    };
    if (!p.rows) {
      const row = singleRowOf(p);
      if (row) apply('', row);
      return;
    }
    const [lo, hi] = sliceKeys(table, slice);
    const hit: Array<[string, Buffer]> = [];
    for (const c = p.rows.ascending(lo, hi); !c.done; c.advance()) hit.push([c.key, c.value!]);
    for (const [rk, bytes] of hit) apply(rk, bytes);
  }
}

function operationCount(u: PartitionData): number {
  let n = (u.deletion ? 1 : 0) + u.rangeTombstones.length + (u.staticRow ? Object.keys(u.staticRow.cells).length : 0);
  for (const r of u.rows) {
    n += (r.marker || r.deletion ? 1 : 0);
    for (const name in r.cells) {
      const c = r.cells[name]!;
      n += isComplex(c) ? c.cells.length + (c.deletion ? 1 : 0) : 1;
    }
  }
  return n;
}

function isPlainCell(c: { v: Buffer | null; ldt?: number }): boolean {
  return c.v !== null && c.ldt === undefined;
}

/** Whether an update carries no deletion and no expiring data (nothing a flush could purge). */
function isPlain(update: PartitionData): boolean {
  if (update.deletion || update.rangeTombstones.length > 0 || update.staticRow) return false;
  for (const row of update.rows) {
    if (row.deletion || row.marker?.ldt !== undefined) return false;
    for (const name in row.cells) {
      const c = row.cells[name]!;
      if (isComplex(c)) {
        if (c.deletion || !c.cells.every((e) => isPlainCell(e.cell))) return false;
      } else if (!isPlainCell(c)) {
        return false;
      }
    }
  }
  return true;
}
