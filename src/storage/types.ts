// Cassandra's data model as Sibyl stores and exchanges it. These shapes are plain data (Buffers, numbers,
// arrays, records) so that msgpackr can carry them between nodes unchanged, and so that merging two replicas'
// answers is a pure function (storage/merge.ts).
//
// Units: `ts` is the write timestamp in microseconds since the epoch; `ldt` ("local deletion time") is seconds
// since the epoch: for a tombstone the time it was written (for gc_grace_seconds), for an expiring cell the time
// it expires.

/** A cell of a single-valued column, or one element of a multi-cell (non-frozen collection/UDT) column. */
export interface Cell {
  ts: number;
  /** null marks a cell tombstone. For set elements the value is empty and the element lives in `path`. */
  v: Buffer | null;
  /** Seconds to live as written (for ttl()); absent when not expiring. */
  ttl?: number;
  /** Expiry time for expiring cells, deletion time for tombstones (seconds). */
  ldt?: number;
}

export interface Tombstone {
  ts: number;
  /** Seconds since epoch when the deletion was written. */
  ldt: number;
}

/** Element of a multi-cell column: path is the list timeuuid / set element / map key / UDT field index (2 bytes). */
export interface ComplexCell {
  path: Buffer;
  cell: Cell;
}

/** A non-frozen collection or UDT column: an optional whole-column deletion plus element cells sorted by path. */
export interface ComplexColumn {
  deletion?: Tombstone;
  cells: ComplexCell[];
}

export type ColumnData = Cell | ComplexColumn;
export const isComplex = (c: ColumnData): c is ComplexColumn => (c as ComplexColumn).cells !== undefined;

/** Row liveness from INSERT (a row exists even when all its regular columns are null). */
export interface LivenessInfo {
  ts: number;
  ttl?: number;
  ldt?: number;
}

export interface Row {
  /** Serialized clustering values, one per clustering column (empty for the static row / tables without). */
  clustering: Buffer[];
  marker?: LivenessInfo;
  deletion?: Tombstone;
  /** Column name → data. Only columns that were written appear. */
  cells: Record<string, ColumnData>;
}

/**
 * The prototype of every cells object: itself without a prototype, so that no name resolves through the chain
 * (no `__proto__` setter, no `toString`, no `constructor`).
 */
const CELLS_PROTOTYPE: object = Object.create(null) as object;

/**
 * A row's cells, keyed by column name, in an object whose prototype chain holds nothing: a column may be called
 * `__proto__` (Cassandra allows any quoted name), which assigned into an ordinary object would set its prototype
 * instead. Not Object.create(null) itself: V8 makes such objects dictionaries, whose property stores are hash
 * inserts and whose every for-in allocates and sorts a key list (about 0.4 µs per five-column row written or read);
 * an object whose prototype is a null-prototype object keeps V8's fast shapes.
 */
export function emptyCells<T = ColumnData>(): Record<string, T> {
  return Object.create(CELLS_PROTOTYPE) as Record<string, T>;
}

/** One end of a clustering range: a prefix of clustering values (empty = unbounded) and whether it is included. */
export interface Bound {
  prefix: Buffer[];
  inclusive: boolean;
}

export interface RangeTombstone {
  start: Bound;
  end: Bound;
  deletion: Tombstone;
}

/** Everything known about one partition (or an update to it). Rows are sorted by clustering order. */
export interface PartitionData {
  /** Serialized partition key (the routing key: single column value, or Cassandra's composite encoding). */
  key: Buffer;
  /** Murmur3 token of key, as a decimal-safe bigint. */
  token: bigint;
  deletion?: Tombstone;
  rangeTombstones: RangeTombstone[];
  staticRow?: Row;
  rows: Row[];
}

/** A clustering slice to read: rows whose clustering is within [start, end] per the bounds' inclusiveness. */
export interface Slice {
  start: Bound;
  end: Bound;
}

export interface ReadFilter {
  /** Slices in clustering order; [] or absent = the whole partition. */
  slices?: Slice[];
  /** Read in reverse clustering order (ORDER BY opposite to the table's). */
  reversed?: boolean;
  /** Stop after this many live rows (the engine may return fewer dead ones too). */
  rowLimit?: number;
}

/** Where a range scan starts: after (exclusive) or at (inclusive) a partition position. */
export interface PartitionPosition {
  token: bigint;
  key?: Buffer;
  inclusive: boolean;
}

export interface ScanRange {
  start?: PartitionPosition; // absent = from the ring's minimum token
  /** Inclusive upper token bound; absent = to the end of the ring. */
  endToken?: bigint;
}
