// Reads over the data files (LMDB) and the memtables that have not been flushed into them yet (the active one and
// any being flushed). Every source is sorted the same way (byte-comparable keys, compared as latin1 strings), so a
// read is a merge: headers reconciled, then rows key by key with mergeRows under the partition's deletions, the live
// rows counted on the merged result for row limits. What comes out is what LMDB would return had every memtable been
// flushed: rows never carry data the header's deletions shadow.
import type { TableDef } from '../schema/model.ts';
import type { PartitionData, RangeTombstone, ReadFilter, Row, ScanRange, Slice, Tombstone } from './types.ts';
import { decodeHeader, decodeRow, type Header } from './codec.ts';
import { coveringDeletion, mergeRows } from './merge.ts';
import { isRowLive } from './live.ts';
import { mergeHeaders, shadows } from './header.ts';
import { comparePositions, endPosition, startPosition } from './compare.ts';
import { MAX_KEY_SIZE, decodePartitionKey, partitionPrefix, prefixEnd, tableIdBytes, tokenPrefix } from './keys.ts';
import type { LmdbStore } from './lmdb-store.ts';
import { singleRowOf, sliceKeys, type MemPartition, type Memtable } from './memtable/memtable.ts';
import type { Cursor } from './memtable/sorted-map.ts';

const WHOLE: Slice = { start: { prefix: [], inclusive: true }, end: { prefix: [], inclusive: true } };
const NO_CLUSTERING: Buffer[] = [];
const AFTER = Buffer.from([0xff]);

/** One sorted stream of rows for the merge. */
interface RowSource {
  done: boolean;
  key: string;
  row(): Row;
  advance(): void;
}

class LmdbRows implements RowSource {
  done = false;
  key = '';
  private current: Row | undefined;
  constructor(private readonly it: Generator<{ key: string; row: Row }>) {
    this.advance();
  }
  row(): Row {
    return this.current!;
  }
  advance(): void {
    const n = this.it.next();
    if (n.done) {
      this.done = true;
      this.current = undefined;
    } else {
      this.key = n.value.key;
      this.current = n.value.row;
    }
  }
}

class MemRows implements RowSource {
  constructor(private readonly c: Cursor<Buffer>) {}
  get done(): boolean {
    return this.c.done;
  }
  get key(): string {
    return this.c.key;
  }
  row(): Row {
    return decodeRow(this.c.value!, true);
  }
  advance(): void {
    this.c.advance();
  }
}

/** One row from its versions in several sources, without what `outer` shadows; a lone clean version as it is. */
function combine(table: TableDef, parts: Row[], outer: Tombstone | undefined): Row | undefined {
  if (parts.length === 1 && !outer) return parts[0];
  let acc: Row | undefined;
  for (const r of parts) acc = mergeRows(table, acc, r, outer);
  return acc;
}

function singleRow(table: TableDef, lmdb: LmdbStore, mems: MemPartition[], prefix: Buffer, header: Header | undefined): Row[] {
  const parts: Row[] = [];
  const stored = lmdb.singleRow(table, prefix);
  if (stored) parts.push(stored);
  for (const m of mems) {
    const row = singleRowOf(m);
    if (row) parts.push(decodeRow(row, true));
  }
  if (parts.length === 0) return [];
  const outer = shadows(header) ? coveringDeletion(table, header.deletion, header.rangeTombstones, NO_CLUSTERING) : undefined;
  const row = combine(table, parts, outer);
  return row ? [row] : [];
}

/** Rows of the slices in clustering order; with rowLimit, the first (or, reversed, last) rows up to that many live. */
function clusteredRows(table: TableDef, lmdb: LmdbStore, mems: MemPartition[], prefix: Buffer, header: Header | undefined,
  slices: Slice[], filter: ReadFilter, nowSec: number): Row[] {
  const limit = filter.rowLimit ?? Infinity;
  const reversed = !!filter.reversed;
  const shadow = shadows(header) ? header : undefined;
  const rows: Row[] = [];
  let live = 0;
  for (const s of reversed ? [...slices].reverse() : slices) {
    if (live >= limit) break;
    const [lo, hi] = sliceKeys(table, s);
    const sources: RowSource[] = [new LmdbRows(lmdb.rowEntries(table, prefix, s, reversed))];
    for (const m of mems) if (m.rows && m.rows.size > 0) sources.push(new MemRows(reversed ? m.rows.descending(lo, hi) : m.rows.ascending(lo, hi)));
    for (;;) {
      let best: string | undefined;
      for (const src of sources) {
        if (!src.done && (best === undefined || (reversed ? src.key > best : src.key < best))) best = src.key;
      }
      if (best === undefined) break;
      const parts: Row[] = [];
      for (const src of sources) {
        if (src.done || src.key !== best) continue;
        parts.push(src.row());
        src.advance();
      }
      const outer = shadow && coveringDeletion(table, shadow.deletion, shadow.rangeTombstones, parts[0]!.clustering);
      const row = combine(table, parts, outer);
      if (!row) continue;
      rows.push(row);
      if (limit !== Infinity && isRowLive(table, row, outer, nowSec) && ++live >= limit) break;
    }
  }
  if (reversed) rows.reverse();
  return rows;
}

function overlaps(table: TableDef, rt: RangeTombstone, s: Slice): boolean {
  return comparePositions(table, startPosition(rt.start), endPosition(s.end)) < 0
    && comparePositions(table, startPosition(s.start), endPosition(rt.end)) < 0;
}

/** One partition, as of LMDB and the memtables' versions of it (`mems`, any order). */
export function readPartition(table: TableDef, lmdb: LmdbStore, mems: MemPartition[], key: Buffer, token: bigint,
  filter: ReadFilter, nowSec: number, prefix = partitionPrefix(table.id, token, key)): PartitionData | undefined {
  // A key too long to store cannot have been stored, in LMDB or (refused the same way) in a memtable.
  if (prefix.length + 1 > MAX_KEY_SIZE) return undefined;
  let header = lmdb.headerOf(table, prefix);
  for (const m of mems) if (m.header) header = mergeHeaders(table, header, decodeHeader(m.header, true));
  // No slices means the whole partition; an empty list of slices (`c IN ()`) selects no rows.
  const slices = filter.slices ?? [WHOLE];
  const rows = table.clustering.length === 0
    ? singleRow(table, lmdb, mems, prefix, header)
    : clusteredRows(table, lmdb, mems, prefix, header, slices, filter, nowSec);
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

interface NextPartition {
  /** latin1 of the partition prefix after the table id: the memtables' partition key. */
  id: string;
  key: Buffer;
  token: bigint;
}

/** The scan's first key as LMDB sees it (a Buffer bound) from a scan range start. */
function scanStart(table: TableDef, range: ScanRange): Buffer {
  const tid = tableIdBytes(table.id);
  const s = range.start;
  if (!s) return tid;
  if (s.key) {
    const pp = partitionPrefix(table.id, s.token, s.key);
    return s.inclusive ? pp : Buffer.concat([pp, AFTER]);
  }
  const tp = tokenPrefix(table.id, s.token);
  return s.inclusive ? tp : (prefixEnd(tp) ?? Buffer.concat([tid, AFTER]));
}

/** A bound as a memtable partition key: latin1 after the table id; undefined when it lies outside the table. */
function memBound(tid: Buffer, b: Buffer | undefined): string | undefined {
  return b !== undefined && b.length >= 16 && b.subarray(0, 16).equals(tid) ? b.toString('latin1', 16) : undefined;
}

/**
 * Partitions in ring order from a range start, merged from LMDB and the memtables, each read through `readOne`;
 * stops after `partitionLimit` non-empty ones.
 */
export function scanPartitions(table: TableDef, lmdb: LmdbStore, memtables: Memtable[], range: ScanRange, partitionLimit: number,
  readOne: (key: Buffer, token: bigint) => PartitionData | undefined): PartitionData[] {
  const tid = tableIdBytes(table.id);
  let start = scanStart(table, range);
  const end = range.endToken !== undefined ? prefixEnd(tokenPrefix(table.id, range.endToken)) : prefixEnd(tid);
  // A start carried past the table's own keys (the last token, exclusive) leaves nothing in any memtable.
  let memStart = memBound(tid, start);
  const memEnd = memBound(tid, end);
  const out: PartitionData[] = [];
  while (out.length < partitionLimit) {
    let next: NextPartition | undefined;
    const k = lmdb.firstKey(start, end);
    if (k) {
      const d = decodePartitionKey(k);
      next = { id: k.toString('latin1', 16, d.prefixLength), key: d.key, token: d.token };
    }
    if (memStart !== undefined) {
      for (const m of memtables) {
        const c = m.partitions.ascending(memStart, memEnd);
        if (!c.done && (!next || c.key < next.id)) next = { id: c.key, key: c.value!.key, token: c.value!.token };
      }
    }
    if (!next) break;
    const p = readOne(next.key, next.token);
    if (p) out.push(p);
    start = Buffer.concat([tid, Buffer.from(next.id, 'latin1'), AFTER]);
    memStart = next.id + '\u00ff';
  }
  return out;
}
