// Index entries for a base-table write: for every index of the table, one backing-table row per term the update
// makes live, carrying the timestamp and TTL of the base cell it came from (an entry expires with its value).
// Nothing is deleted here: a value overwritten or deleted leaves its entry behind, and reads find such stale entries
// when they re-check the base row, and remove them (Cassandra's 2i does the same: no read before write).
import type { Cell, ComplexColumn, PartitionData, Row } from '../storage/types.ts';
import { isComplex } from '../storage/types.ts';
import { encodeClustering } from '../storage/keys.ts';
import { entryTermOf, partitionKeyComponent, termOf, termToken, type IndexSpec } from './terms.ts';

/** When and for how long an entry lives: its base cell's timestamp and TTL. */
interface Liveness {
  ts: number;
  ttl?: number;
  ldt?: number;
}

const EMPTY = Buffer.alloc(0);

function livenessOf(c: Cell): Liveness {
  const l: Liveness = { ts: c.ts };
  if (c.ttl !== undefined) l.ttl = c.ttl;
  if (c.ldt !== undefined) l.ldt = c.ldt;
  return l;
}

/** The raw clustering values of an entry, as length-prefixed parts (the `c` cell; the `ck` key orders them). */
export function packClustering(values: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(v.length, 0);
    parts.push(len, v);
  }
  return Buffer.concat(parts);
}

export function unpackClustering(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off + 4 <= b.length) {
    const n = b.readUInt32BE(off);
    out.push(b.subarray(off + 4, off + 4 + n));
    off += 4 + n;
  }
  return out;
}

/** The terms a row's cells make live for an index, each with its liveness. */
function cellTerms(spec: IndexSpec, row: Row): Array<{ term: Buffer; live: Liveness }> {
  const data = row.cells[spec.column.name];
  if (data === undefined) return [];
  if (!isComplex(data)) {
    if (data.v === null) return [];
    // A frozen value or a simple column: the value is the term (full() and simple targets alike).
    return [{ term: termOf(spec, data.v), live: livenessOf(data) }];
  }
  return complexTerms(spec, data);
}

function complexTerms(spec: IndexSpec, data: ComplexColumn): Array<{ term: Buffer; live: Liveness }> {
  const t = spec.column.type;
  const out: Array<{ term: Buffer; live: Liveness }> = [];
  for (const { path, cell } of data.cells) {
    if (cell.v === null) continue;
    let term: Buffer | undefined;
    if (t.kind === 'set') term = spec.target.kind === 'values' ? termOf(spec, path) : undefined;
    else if (t.kind === 'list') term = spec.target.kind === 'values' ? termOf(spec, cell.v) : undefined;
    else if (t.kind === 'map') {
      if (spec.target.kind === 'keys') term = termOf(spec, path);
      else if (spec.target.kind === 'values') term = termOf(spec, cell.v);
      else if (spec.target.kind === 'entries') term = entryTermOf(spec, path, cell.v);
    }
    if (term !== undefined) out.push({ term, live: livenessOf(cell) });
  }
  return out;
}

/** The newest live item of a row (its marker or a cell): what an entry on a key column lives by. */
function rowLiveness(row: Row): Liveness | undefined {
  let ts = -Infinity;
  if (row.marker) ts = row.marker.ts;
  for (const data of Object.values(row.cells)) {
    if (!isComplex(data)) {
      if (data.v !== null) ts = Math.max(ts, data.ts);
    } else for (const { cell } of data.cells) if (cell.v !== null) ts = Math.max(ts, cell.ts);
  }
  return ts === -Infinity ? undefined : { ts };
}

/** Accumulates entries by term (one backing partition per term). */
class EntryBatch {
  private readonly byTerm = new Map<string, PartitionData>();
  constructor(private readonly token: bigint, private readonly pk: Buffer) {}

  add(term: Buffer, ck: Buffer, clustering: Buffer[], live: Liveness): void {
    const k = term.toString('latin1');
    let p = this.byTerm.get(k);
    if (!p) this.byTerm.set(k, (p = { key: term, token: termToken(term), rangeTombstones: [], rows: [] }));
    const tokenBuf = Buffer.allocUnsafe(8);
    tokenBuf.writeBigInt64BE(this.token, 0);
    p.rows.push({ clustering: [tokenBuf, this.pk, ck], cells: { c: { v: packClustering(clustering), ...live } } });
  }

  partitions(): PartitionData[] {
    const out = [...this.byTerm.values()];
    // Rows of a partition update are sorted by clustering; one write rarely gives a term more than one row.
    for (const p of out) if (p.rows.length > 1) p.rows.sort((a, b) => Buffer.compare(a.clustering[2]!, b.clustering[2]!));
    return out;
  }
}

/** The backing-table updates one base update makes for one index (empty when it touches nothing indexed). */
export function indexUpdates(spec: IndexSpec, update: PartitionData): PartitionData[] {
  // Vector indexes only answer ANN orderings, which score the rows themselves (see cql/exec/ann.ts): no entries.
  if (spec.column.type.kind === 'vector') return [];
  const batch = new EntryBatch(update.token, update.key);
  const base = spec.base;
  if (spec.column.kind === 'partition_key') {
    // One entry per partition write: the key component matches every row of the partition.
    let live: Liveness | undefined = update.staticRow && rowLiveness(update.staticRow);
    for (const r of update.rows) {
      const l = rowLiveness(r);
      if (l && (!live || l.ts > live.ts)) live = l;
    }
    if (live) batch.add(termOf(spec, partitionKeyComponent(spec, update.key)), EMPTY, [], live);
  } else if (spec.column.kind === 'static') {
    if (update.staticRow) for (const { term, live } of cellTerms(spec, update.staticRow)) batch.add(term, EMPTY, [], live);
  } else {
    for (const r of update.rows) {
      const ck = encodeClustering(base, r.clustering);
      if (spec.column.kind === 'clustering') {
        const live = rowLiveness(r);
        if (live) batch.add(termOf(spec, r.clustering[spec.column.position]!), ck, r.clustering, live);
      } else for (const { term, live } of cellTerms(spec, r)) batch.add(term, ck, r.clustering, live);
    }
  }
  return batch.partitions();
}
