// The binary form of the storage data model (storage/types.ts) between nodes: partition updates in mutations, read
// filters and replica read results. Replica writes and reads are the bulk of internode traffic, and msgpack spends
// most of its time on their structure (every key of every cell, row and partition spelled out and parsed back); this
// form has the structure in the code and only the data on the wire, like Cassandra's PartitionUpdate serializer.
//
// Every number is an IEEE double (write timestamps in µs and local deletion times exceed 32 bits and are JS numbers
// everywhere), tokens are int64, lengths and counts LEB128. Optional fields sit behind a flags byte, so an absent
// field stays absent. Decoded Buffers are views into the frame, which FrameDecoder copies out of the socket's chunk.
import type { Bound, Cell, ColumnData, ComplexColumn, LivenessInfo, PartitionData, ReadFilter, Row, Tombstone } from '../storage/types.ts';
import { murmur3x86_128 } from './digest-hash.ts';
import { FrameError, Writer, type Reader } from './wire.ts';
import { emptyCells } from '../storage/types.ts';

const digestScratch = new Writer();

const HAS_TTL = 1;
const HAS_LDT = 2;
const HAS_VALUE = 4;
/** Column flags: a complex (multi-cell) column, and whether it carries a whole-column deletion. */
const COMPLEX = 8;
const COMPLEX_DELETION = 16;

const ROW_MARKER = 1;
const ROW_DELETION = 2;

const PARTITION_DELETION = 1;
const PARTITION_STATIC = 2;

function writeTombstone(w: Writer, t: Tombstone): void {
  w.f64(t.ts);
  w.f64(t.ldt);
}

function readTombstone(r: Reader): Tombstone {
  return { ts: r.f64(), ldt: r.f64() };
}

/** Cell flags in the low bits; `extra` (COMPLEX…) is or-ed in by the column writer. */
function writeCell(w: Writer, c: Cell, extra: number): void {
  w.u8((c.ttl !== undefined ? HAS_TTL : 0) | (c.ldt !== undefined ? HAS_LDT : 0) | (c.v !== null ? HAS_VALUE : 0) | extra);
  w.f64(c.ts);
  if (c.ttl !== undefined) w.f64(c.ttl);
  if (c.ldt !== undefined) w.f64(c.ldt);
  if (c.v !== null) w.bytes(c.v);
}

function readCellAfterFlags(r: Reader, flags: number): Cell {
  const ts = r.f64();
  const ttl = (flags & HAS_TTL) !== 0 ? r.f64() : undefined;
  const ldt = (flags & HAS_LDT) !== 0 ? r.f64() : undefined;
  const v = (flags & HAS_VALUE) !== 0 ? r.bytes() : null;
  const cell: Cell = { ts, v };
  if (ttl !== undefined) cell.ttl = ttl;
  if (ldt !== undefined) cell.ldt = ldt;
  return cell;
}

function writeColumn(w: Writer, c: ColumnData): void {
  const complex = (c as ComplexColumn).cells;
  if (complex === undefined) return writeCell(w, c as Cell, 0);
  const deletion = (c as ComplexColumn).deletion;
  w.u8(COMPLEX | (deletion !== undefined ? COMPLEX_DELETION : 0));
  if (deletion !== undefined) writeTombstone(w, deletion);
  w.varint(complex.length);
  for (const e of complex) {
    w.bytes(e.path);
    writeCell(w, e.cell, 0);
  }
}

function readColumn(r: Reader): ColumnData {
  const flags = r.u8();
  if ((flags & COMPLEX) === 0) return readCellAfterFlags(r, flags);
  const column: ComplexColumn = { cells: [] };
  if ((flags & COMPLEX_DELETION) !== 0) column.deletion = readTombstone(r);
  const n = r.count(10);
  for (let i = 0; i < n; i++) {
    const path = r.bytes();
    column.cells.push({ path, cell: readCellAfterFlags(r, r.u8()) });
  }
  return column;
}

function writeBuffers(w: Writer, list: readonly Buffer[]): void {
  w.varint(list.length);
  for (const b of list) w.bytes(b);
}

function readBuffers(r: Reader): Buffer[] {
  const n = r.count();
  const out = new Array<Buffer>(n);
  for (let i = 0; i < n; i++) out[i] = r.bytes();
  return out;
}

/** `sorted` writes the cells in column-name order: the canonical form digests are computed over. */
function writeRow(w: Writer, row: Row, sorted: boolean): void {
  writeBuffers(w, row.clustering);
  const marker = row.marker;
  w.u8((marker !== undefined ? ROW_MARKER : 0) | (row.deletion !== undefined ? ROW_DELETION : 0));
  if (marker !== undefined) {
    w.u8((marker.ttl !== undefined ? HAS_TTL : 0) | (marker.ldt !== undefined ? HAS_LDT : 0));
    w.f64(marker.ts);
    if (marker.ttl !== undefined) w.f64(marker.ttl);
    if (marker.ldt !== undefined) w.f64(marker.ldt);
  }
  if (row.deletion !== undefined) writeTombstone(w, row.deletion);
  const names = Object.keys(row.cells);
  if (sorted && !isSorted(names)) names.sort();
  w.varint(names.length);
  for (const name of names) {
    w.string(name);
    writeColumn(w, row.cells[name]!);
  }
}

function readRow(r: Reader): Row {
  const row: Row = { clustering: readBuffers(r), cells: emptyCells() };
  const flags = r.u8();
  if ((flags & ROW_MARKER) !== 0) {
    const mf = r.u8();
    const marker: LivenessInfo = { ts: r.f64() };
    if ((mf & HAS_TTL) !== 0) marker.ttl = r.f64();
    if ((mf & HAS_LDT) !== 0) marker.ldt = r.f64();
    row.marker = marker;
  }
  if ((flags & ROW_DELETION) !== 0) row.deletion = readTombstone(r);
  const n = r.count(3);
  for (let i = 0; i < n; i++) {
    const name = r.string();
    row.cells[name] = readColumn(r);
  }
  return row;
}

function isSorted(names: string[]): boolean {
  for (let i = 1; i < names.length; i++) if (names[i - 1]! > names[i]!) return false;
  return true;
}

function writeBound(w: Writer, b: Bound): void {
  w.u8(b.inclusive ? 1 : 0);
  writeBuffers(w, b.prefix);
}

function readBound(r: Reader): Bound {
  const inclusive = r.u8() !== 0;
  return { inclusive, prefix: readBuffers(r) };
}

export function writePartition(w: Writer, p: PartitionData, sorted = false): void {
  w.bytes(p.key);
  w.i64(p.token);
  w.u8((p.deletion !== undefined ? PARTITION_DELETION : 0) | (p.staticRow !== undefined ? PARTITION_STATIC : 0));
  if (p.deletion !== undefined) writeTombstone(w, p.deletion);
  w.varint(p.rangeTombstones.length);
  for (const rt of p.rangeTombstones) {
    writeBound(w, rt.start);
    writeBound(w, rt.end);
    writeTombstone(w, rt.deletion);
  }
  if (p.staticRow !== undefined) writeRow(w, p.staticRow, sorted);
  w.varint(p.rows.length);
  for (const row of p.rows) writeRow(w, row, sorted);
}

export function readPartition(r: Reader): PartitionData {
  const key = r.bytes();
  const token = r.i64();
  const flags = r.u8();
  const p: PartitionData = { key, token, rangeTombstones: [], rows: [] };
  if ((flags & PARTITION_DELETION) !== 0) p.deletion = readTombstone(r);
  const nrt = r.count(20);
  for (let i = 0; i < nrt; i++) p.rangeTombstones.push({ start: readBound(r), end: readBound(r), deletion: readTombstone(r) });
  if ((flags & PARTITION_STATIC) !== 0) p.staticRow = readRow(r);
  const nrows = r.count(3);
  for (let i = 0; i < nrows; i++) p.rows.push(readRow(r));
  return p;
}

const FILTER_SLICES = 1;
const FILTER_REVERSED_SET = 2;
const FILTER_REVERSED = 4;
const FILTER_ROW_LIMIT = 8;

export function writeFilter(w: Writer, f: ReadFilter): void {
  const flags = (f.slices !== undefined ? FILTER_SLICES : 0) | (f.reversed !== undefined ? FILTER_REVERSED_SET : 0)
    | (f.reversed === true ? FILTER_REVERSED : 0) | (f.rowLimit !== undefined ? FILTER_ROW_LIMIT : 0);
  w.u8(flags);
  if (f.slices !== undefined) {
    w.varint(f.slices.length);
    for (const s of f.slices) {
      writeBound(w, s.start);
      writeBound(w, s.end);
    }
  }
  if (f.rowLimit !== undefined) w.f64(f.rowLimit);
}

export function readFilter(r: Reader): ReadFilter {
  const flags = r.u8();
  if (flags > 15) throw new FrameError(`bad read filter flags ${flags}`);
  const f: ReadFilter = {};
  if ((flags & FILTER_SLICES) !== 0) {
    const n = r.count(4);
    f.slices = [];
    for (let i = 0; i < n; i++) f.slices.push({ start: readBound(r), end: readBound(r) });
  }
  if ((flags & FILTER_REVERSED_SET) !== 0) f.reversed = (flags & FILTER_REVERSED) !== 0;
  if ((flags & FILTER_ROW_LIMIT) !== 0) f.rowLimit = r.f64();
  return f;
}

/**
 * The digest of a replica's read result, as Cassandra's digest reads compare (Cassandra hashes with MD5; 128-bit
 * MurmurHash3 is as good between replicas and cheaper, digest-hash.ts): the hash of the partition in canonical form
 * (cells in column-name order, since two replicas may hold the same cells in a different insertion order). No
 * partition and an empty one digest alike only if they encode alike, which they do not: a replica holding a
 * tombstone-only partition disagrees with one holding nothing, and the mismatch leads to a full read and repair.
 */
export function partitionDigest(p: PartitionData | undefined): Buffer {
  // Digests are computed synchronously, one at a time, so one scratch writer serves them all.
  const w = digestScratch;
  if (p === undefined) w.u8(0);
  else {
    w.u8(1);
    writePartition(w, p, true);
  }
  return murmur3x86_128(w.take());
}
