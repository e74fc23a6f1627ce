// What an index stores and compares: the terms of a row. A term is the byte-comparable encoding (storage/keys.ts
// encodeValue) of what the index reads from the row — a column value, a collection element, key or entry, a
// clustering or partition key component — after SAI text analysis. Because terms compare as bytes in value order,
// equality and ranges are byte comparisons, on the write path (index entries) and the read path (re-checking a base
// row, as Cassandra's 2i does for every hit) alike.
//
// Each index keeps its entries in a node-local backing table (never in the schema, never replicated as such):
// partition = the term, whose "token" is its first 8 bytes so the table is ordered by value (ranges are token
// scans, as Cassandra's LocalPartitioner orders a 2i table); clustering = (base token, base partition key, base
// clustering as comparable bytes), so a term's hits come in the ring order queries page in.
import { createHash } from 'node:crypto';
import type { CqlType } from '../model/types.ts';
import { splitCompositeKey } from '../model/murmur3.ts';
import { readCollection, readMap } from '../model/values/collections.ts';
import { DEFAULT_TABLE_OPTIONS, type ColumnDef, type IndexDef, type TableDef } from '../schema/model.ts';
import { indexTarget, termType, textAnalysis, type IndexTarget, type TextAnalysis } from '../schema/indexes.ts';
import { encodeValue } from '../storage/keys.ts';

const BLOB: CqlType = { kind: 'native', name: 'blob' };
const BIGINT: CqlType = { kind: 'native', name: 'bigint' };

/** What selects a base row: its value (regular, clustering), its partition (static, partition key). */
export type IndexScope = 'row' | 'partition';

export interface IndexSpec {
  def: IndexDef;
  base: TableDef;
  target: IndexTarget;
  column: ColumnDef;
  /** Type of one term (the element type for collections; the key type for entries, whose value follows). */
  termType: CqlType;
  analysis?: TextAnalysis;
  scope: IndexScope;
  backing: TableDef;
}

// Keyed weakly both ways: every ALTER TABLE makes a new TableDef, and old ones must not be kept alive here.
const specs = new WeakMap<IndexDef, WeakMap<TableDef, IndexSpec | null>>();

/** The index's spec on this table definition, or undefined when its target is not a column of the table. */
export function indexSpec(base: TableDef, def: IndexDef): IndexSpec | undefined {
  let byTable = specs.get(def);
  if (!byTable) specs.set(def, (byTable = new WeakMap()));
  const known = byTable.get(base);
  if (known !== undefined) return known ?? undefined;
  const target = indexTarget(def);
  const column = base.columns.get(target.column);
  const spec: IndexSpec | null = column === undefined ? null : {
    def, base, target, column, termType: termType(column.type, target.kind), analysis: textAnalysis(def),
    scope: column.kind === 'static' || column.kind === 'partition_key' ? 'partition' : 'row',
    backing: backingTable(base, def),
  };
  byTable.set(base, spec);
  return spec ?? undefined;
}

export function tableIndexSpecs(base: TableDef): IndexSpec[] {
  const out: IndexSpec[] = [];
  for (const def of base.indexes ?? []) {
    const s = indexSpec(base, def);
    if (s) out.push(s);
  }
  return out;
}

function col(name: string, type: CqlType, kind: ColumnDef['kind'], position: number): ColumnDef {
  return { name, type, kind, position, order: kind === 'clustering' ? 'asc' : 'none' };
}

/**
 * The node-local table holding an index's entries. Its gc_grace is short but not zero: entry tombstones only ever
 * shadow this node's own entries, yet must outlive any unflushed copy of what they delete.
 */
export function backingTable(base: TableDef, def: IndexDef): TableDef {
  const partitionKey = [col('term', BLOB, 'partition_key', 0)];
  const clustering = [col('token', BIGINT, 'clustering', 0), col('pk', BLOB, 'clustering', 1), col('ck', BLOB, 'clustering', 2)];
  const regular = [col('c', BLOB, 'regular', -1)];
  return {
    keyspace: base.keyspace, name: `${base.name}.${def.name}`, id: def.id, partitionKey, clustering, regular,
    columns: new Map([...partitionKey, ...clustering, ...regular].map((c) => [c.name, c])),
    options: { ...DEFAULT_TABLE_OPTIONS, gc_grace_seconds: 3600 }, version: 1,
  };
}

// ---- terms ------------------------------------------------------------------------------------------------

/** Encoded terms longer than this keep a prefix and a digest: ordered by the prefix, equal when the digest is. */
const MAX_TERM = 512;
const KEPT_PREFIX = 480;
const DIGEST_MARK = Buffer.from([0xfe, 0xfe]);

/** SAI's non-tokenizing analysis: case folding, Unicode NFC normalisation, ASCII folding. */
export function analyze(a: TextAnalysis, v: Buffer): Buffer {
  let s = v.toString('utf8');
  if (a.normalize) s = s.normalize('NFC');
  if (a.ascii) s = s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  if (!a.caseSensitive) s = s.toLowerCase();
  return Buffer.from(s, 'utf8');
}

function bounded(enc: Buffer): Buffer {
  if (enc.length <= MAX_TERM) return enc;
  const digest = createHash('sha1').update(enc).digest();
  return Buffer.concat([enc.subarray(0, KEPT_PREFIX), DIGEST_MARK, digest]);
}

/** Whether a stored term lost its tail to a digest (then only its prefix orders it). */
export function isDigested(term: Buffer): boolean {
  return term.length === KEPT_PREFIX + 2 + 20 && term[KEPT_PREFIX] === 0xfe && term[KEPT_PREFIX + 1] === 0xfe;
}

/** The term of one value of the index's term type. */
export function termOf(spec: IndexSpec, v: Buffer): Buffer {
  return bounded(encodeValue(spec.termType, spec.analysis ? analyze(spec.analysis, v) : v));
}

/** The term of a map entry (entries() indexes): key then value, both comparable, so entries order by key first. */
export function entryTermOf(spec: IndexSpec, key: Buffer, value: Buffer): Buffer {
  const t = spec.column.type;
  const valueType = t.kind === 'map' ? t.value : BLOB;
  return bounded(Buffer.concat([encodeValue(spec.termType, key), encodeValue(valueType, value)]));
}

/** The backing table's token of a term: its first 8 bytes, sign-flipped, so tokens order as terms do. */
export function termToken(term: Buffer): bigint {
  const b = Buffer.alloc(8);
  term.copy(b, 0, 0, Math.min(8, term.length));
  return BigInt.asIntN(64, b.readBigUInt64BE(0) ^ 0x8000000000000000n);
}

/**
 * The terms of a live value of the indexed column (what a query re-checks against): the value, its elements, keys
 * or entries. `value` is the column's serialized value as a query sees it (collections in their frozen layout).
 */
export function valueTerms(spec: IndexSpec, value: Buffer): Buffer[] {
  const t = spec.column.type;
  switch (spec.target.kind) {
    case 'values':
      if (t.kind === 'list' || t.kind === 'set') return readCollection(value, t.kind).map((e) => termOf(spec, e));
      if (t.kind === 'map') return readMap(value).map(([, v]) => termOf(spec, v));
      return [termOf(spec, value)];
    case 'keys':
      return t.kind === 'map' ? readMap(value).map(([k]) => termOf(spec, k)) : [];
    case 'entries':
      return t.kind === 'map' ? readMap(value).map(([k, v]) => entryTermOf(spec, k, v)) : [];
    default:
      return [termOf(spec, value)];
  }
}

/** The partition key component an index on a key column reads. */
export function partitionKeyComponent(spec: IndexSpec, key: Buffer): Buffer {
  const n = spec.base.partitionKey.length;
  return n === 1 ? key : splitCompositeKey(key, n)[spec.column.position]!;
}

/** Compares a stored term with a bound: <0, 0, >0, or undefined when a digested term's prefix cannot decide. */
export function compareTerm(term: Buffer, bound: Buffer): number | undefined {
  if (!isDigested(term)) return Buffer.compare(term, bound);
  const c = Buffer.compare(term.subarray(0, KEPT_PREFIX), bound.subarray(0, KEPT_PREFIX));
  return c !== 0 ? c : undefined;
}

/**
 * The backing tables of every index of a schema: with the base tables, everything the node stores. A commit log
 * replay resolving tables by id needs these too, or index entries written before a crash would be skipped.
 */
export function backingTables(schema: { keyspaces: Map<string, { tables: Map<string, TableDef> }> }): TableDef[] {
  const out: TableDef[] = [];
  for (const ks of schema.keyspaces.values()) for (const t of ks.tables.values()) for (const s of tableIndexSpecs(t)) out.push(s.backing);
  return out;
}
