// Reading an index's entries in ring order: the hits of one term (=, CONTAINS…) or of every term in a range (SAI
// `<`, `>`), restricted to a token range, in chunks, as (base token, base key, base clustering). Range queries merge
// the terms' hits; when a range spans too many terms for that to beat reading the base table, the cursor says so
// and the caller scans the base range instead.
import type { TableDef } from '../schema/model.ts';
import type { PartitionData, ReadFilter, ScanRange, Slice } from '../storage/types.ts';
import { liveRows } from '../storage/live.ts';
import type { IndexQuery, IndexScanRange } from './types.ts';
import { termToken, type IndexSpec } from './terms.ts';
import { termMatches } from './match.ts';
import { unpackClustering } from './entries.ts';

/** What the cursor reads through: the node's own store. */
export interface EntryReader {
  read(table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, nowSec: number): PartitionData | undefined;
  scan(table: TableDef, range: ScanRange, filter: ReadFilter,
    partitionLimit: number, nowSec: number): PartitionData[];
}

export interface Entry {
  term: Buffer;
  token: bigint;
  pk: Buffer;
  /** The base clustering as comparable bytes (empty: the entry is about the whole partition). */
  ck: Buffer;
  clustering: Buffer[];
  /** The entry's write timestamp, which a stale-entry deletion uses. */
  ts: number;
}

const CHUNK = 256;
/** More terms than this in a range, and the base table is read instead. */
export const MAX_RANGE_TERMS = 64;
const MIN_TOKEN = -(1n << 63n);

function tokenBuf(t: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(t, 0);
  return b;
}

/** The backing-table slice of a base token range, starting after an entry position when resuming. */
export function entrySlice(range: IndexScanRange, after?: { token: bigint; pk: Buffer; ck?: Buffer }): Slice {
  let start: Slice['start'] = { prefix: [], inclusive: true };
  if (after) start = { prefix: after.ck ? [tokenBuf(after.token), after.pk, after.ck] : [tokenBuf(after.token), after.pk], inclusive: false };
  else if (range.start) {
    const s = range.start;
    start = s.key ? { prefix: [tokenBuf(s.token), s.key], inclusive: s.inclusive } : { prefix: [tokenBuf(s.token)], inclusive: s.inclusive };
  }
  const end: Slice['end'] = range.endToken !== undefined ? { prefix: [tokenBuf(range.endToken)], inclusive: true } : { prefix: [], inclusive: true };
  return { start, end };
}

function entriesOf(spec: IndexSpec, p: PartitionData, nowSec: number): Entry[] {
  const out: Entry[] = [];
  for (const r of liveRows(spec.backing, p, nowSec).rows) {
    const [t, pk, ck] = r.clustering;
    const c = r.cells.c;
    if (!t || !pk || !ck || !c) continue;
    out.push({ term: p.key, token: t.readBigInt64BE(0), pk, ck, clustering: unpackClustering(c.value), ts: c.ts });
  }
  return out;
}

export function compareEntries(a: Entry, b: Entry): number {
  if (a.token !== b.token) return a.token < b.token ? -1 : 1;
  return Buffer.compare(a.pk, b.pk) || Buffer.compare(a.ck, b.ck);
}

export interface Chunk {
  entries: Entry[];
  /** Nothing left after these entries in the range. */
  exhausted: boolean;
}

/** The next entries of the range after `after` (exclusive), in order; 'too-many-terms' for a wide range. */
export function nextEntries(reader: EntryReader, spec: IndexSpec, q: IndexQuery, range: IndexScanRange, nowSec: number,
  after?: Entry): Chunk | 'too-many-terms' {
  const slice = entrySlice(range, after && { token: after.token, pk: after.pk, ck: after.ck });
  const filter: ReadFilter = { slices: [slice], rowLimit: CHUNK };
  if (q.eq !== undefined) {
    const p = reader.read(spec.backing, q.eq, termToken(q.eq), filter, nowSec);
    const entries = p ? entriesOf(spec, p, nowSec) : [];
    return { entries, exhausted: entries.length < CHUNK };
  }
  const terms = reader.scan(spec.backing, {
    ...(q.lower ? { start: { token: termToken(q.lower.term), inclusive: true } } : { start: { token: MIN_TOKEN, inclusive: true } }),
    ...(q.upper ? { endToken: termToken(q.upper.term) } : {}),
  }, { slices: [slice], rowLimit: CHUNK }, MAX_RANGE_TERMS * 4, nowSec);
  if (terms.length >= MAX_RANGE_TERMS * 4) return 'too-many-terms';
  const matching = terms.filter((p) => termMatches(q, p.key));
  if (matching.length > MAX_RANGE_TERMS) return 'too-many-terms';
  // Each term's hits are in order; merged, they are complete only up to the first term that was cut short.
  let cutoff: Entry | undefined;
  const all: Entry[] = [];
  for (const p of matching) {
    const es = entriesOf(spec, p, nowSec);
    if (es.length >= CHUNK) {
      const last = es[es.length - 1]!;
      if (!cutoff || compareEntries(last, cutoff) < 0) cutoff = last;
    }
    all.push(...es);
  }
  all.sort(compareEntries);
  const entries = cutoff ? all.filter((e) => compareEntries(e, cutoff!) <= 0) : all;
  return { entries, exhausted: cutoff === undefined };
}
