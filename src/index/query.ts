// A replica's part of an index query: the partitions of one token range holding rows the query selects, in ring
// order, at most `partitionLimit` of them, each reduced to its selected rows. Hits come from the index's entries
// and are re-checked against the base rows; entries that no longer hold are reported for deletion. An index that
// is not built yet on this node (or a range over too many terms) is answered by reading the base range instead:
// slower, never different.
import type { PartitionData, ReadFilter, Slice } from '../storage/types.ts';
import { compareClustering } from '../storage/compare.ts';
import type { IndexQuery, IndexScanRange } from './types.ts';
import { matchPartition } from './match.ts';
import { nextEntries, type Entry, type EntryReader } from './cursor.ts';
import type { IndexSpec } from './terms.ts';

export interface LocalScanResult {
  partitions: PartitionData[];
  /** Entries found stale: their rows in the backing table, to delete. */
  stale: Entry[];
}

const MAX_ROUNDS = 1_000_000;

function pointSlices(cks: Array<{ clustering: Buffer[] }>): Slice[] {
  return cks.map((e) => ({ start: { prefix: e.clustering, inclusive: true }, end: { prefix: e.clustering, inclusive: true } }));
}

/** Reads the base partition of one group of entries (same token and key) and re-checks it. */
function checkGroup(reader: EntryReader, spec: IndexSpec, q: IndexQuery, group: Entry[], filter: ReadFilter, nowSec: number,
  out: LocalScanResult): void {
  const first = group[0]!;
  const wholePartition = spec.scope === 'partition' || group.some((e) => e.ck.length === 0);
  const rowEntries = wholePartition ? [] : dedupe(group);
  const readFilter: ReadFilter = wholePartition ? (filter.slices ? { slices: filter.slices } : {}) : { slices: pointSlices(rowEntries) };
  const p = reader.read(spec.base, first.pk, first.token, readFilter, nowSec);
  if (!p) {
    out.stale.push(...group);
    return;
  }
  const m = matchPartition(spec, q, p, nowSec, filter.slices);
  if (m.partition) out.partitions.push(m.partition);
  for (const e of group) {
    const holds = spec.scope === 'partition' ? m.partitionTerms : m.termsByRow.get(e.ck.toString('latin1')) ?? [];
    if (!holds.some((t) => t.equals(e.term))) out.stale.push(e);
  }
}

function dedupe(group: Entry[]): Entry[] {
  const out: Entry[] = [];
  for (const e of group) if (out.length === 0 || !out[out.length - 1]!.ck.equals(e.ck)) out.push(e);
  return out;
}

/** The first partition of a resumed page, from `after` on: re-checked on the base rows directly. */
function resumePartition(reader: EntryReader, spec: IndexSpec, q: IndexQuery, range: IndexScanRange, filter: ReadFilter,
  nowSec: number, out: LocalScanResult): void {
  const s = range.start;
  const after = range.afterClustering;
  if (!s?.key || !after) return;
  const p = reader.read(spec.base, s.key, s.token, filter.slices ? { slices: filter.slices } : {}, nowSec);
  if (!p) return;
  const m = matchPartition(spec, q, p, nowSec, filter.slices, (c) => compareClustering(spec.base, c, after) > 0);
  if (m.partition && m.partition.rows.length > 0) out.partitions.push(m.partition);
}

/** Index scan from the entries. Returns false when the range must be read from the base table instead. */
function scanEntries(reader: EntryReader, spec: IndexSpec, q: IndexQuery, range: IndexScanRange, filter: ReadFilter,
  partitionLimit: number, nowSec: number, out: LocalScanResult): boolean {
  let after: Entry | undefined;
  let group: Entry[] = [];
  for (let round = 0; round < MAX_ROUNDS && out.partitions.length < partitionLimit; round++) {
    const chunk = nextEntries(reader, spec, q, range, nowSec, after);
    if (chunk === 'too-many-terms') return false;
    for (const e of chunk.entries) {
      if (group.length > 0 && (group[0]!.token !== e.token || !group[0]!.pk.equals(e.pk))) {
        checkGroup(reader, spec, q, group, filter, nowSec, out);
        group = [];
        if (out.partitions.length >= partitionLimit) return true;
      }
      group.push(e);
    }
    if (chunk.entries.length > 0) after = chunk.entries[chunk.entries.length - 1];
    if (chunk.exhausted) break;
  }
  if (group.length > 0 && out.partitions.length < partitionLimit) checkGroup(reader, spec, q, group, filter, nowSec, out);
  return true;
}

/** The base range read and re-checked, for an index not built yet or a range over too many terms. */
function scanBase(reader: EntryReader, spec: IndexSpec, q: IndexQuery, range: IndexScanRange, filter: ReadFilter,
  partitionLimit: number, nowSec: number, out: LocalScanResult): void {
  let start = range.start;
  const baseFilter: ReadFilter = filter.slices ? { slices: filter.slices } : {};
  for (let round = 0; round < MAX_ROUNDS && out.partitions.length < partitionLimit; round++) {
    const parts = reader.scan(spec.base, { ...(start ? { start } : {}), ...(range.endToken !== undefined ? { endToken: range.endToken } : {}) },
      baseFilter, 256, nowSec);
    for (const p of parts) {
      const m = matchPartition(spec, q, p, nowSec, filter.slices);
      if (m.partition) out.partitions.push(m.partition);
      if (out.partitions.length >= partitionLimit) return;
    }
    if (parts.length < 256) return;
    const last = parts[parts.length - 1]!;
    start = { token: last.token, key: last.key, inclusive: false };
  }
}

/**
 * A replica's answer to an index query over one token range. `built` says whether the index can be trusted. A page
 * resuming inside a partition re-checks the rest of that partition on its base rows, then goes on after it.
 */
export function localIndexScan(reader: EntryReader, spec: IndexSpec, q: IndexQuery, range: IndexScanRange, filter: ReadFilter,
  partitionLimit: number, nowSec: number, built: boolean): LocalScanResult {
  const out: LocalScanResult = { partitions: [], stale: [] };
  let rest: IndexScanRange = range;
  if (range.afterClustering && range.start?.key) {
    resumePartition(reader, spec, q, range, filter, nowSec, out);
    rest = { start: { ...range.start, inclusive: false }, ...(range.endToken !== undefined ? { endToken: range.endToken } : {}) };
  }
  const resumed = out.partitions.length;
  if (!built || !scanEntries(reader, spec, q, rest, filter, partitionLimit, nowSec, out)) {
    out.partitions.length = resumed;
    out.stale.length = 0;
    scanBase(reader, spec, q, rest, filter, partitionLimit, nowSec, out);
  }
  return out;
}
