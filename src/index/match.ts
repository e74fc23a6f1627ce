// Re-checking base data against an index query: which rows of a partition the query selects now, whatever the
// index entries said. This is what makes stale entries harmless, and what the replica answers from.
import type { PartitionData, Row, Slice } from '../storage/types.ts';
import { liveRows, type LiveRow } from '../storage/live.ts';
import { boundsContain } from '../storage/compare.ts';
import { encodeClustering } from '../storage/keys.ts';
import type { IndexQuery } from './types.ts';
import { compareTerm, partitionKeyComponent, termOf, valueTerms, type IndexSpec } from './terms.ts';

/** Whether a term satisfies the query (a digested term that its prefix cannot place counts as a candidate). */
export function termMatches(q: IndexQuery, term: Buffer): boolean {
  if (q.eq !== undefined) return term.equals(q.eq);
  if (q.lower) {
    const c = compareTerm(term, q.lower.term);
    if (c !== undefined && (c < 0 || (c === 0 && !q.lower.inclusive))) return false;
  }
  if (q.upper) {
    const c = compareTerm(term, q.upper.term);
    if (c !== undefined && (c > 0 || (c === 0 && !q.upper.inclusive))) return false;
  }
  return true;
}

/** The terms a live row (or the static row) holds for the index now. */
export function liveTerms(spec: IndexSpec, partitionKey: Buffer, row: LiveRow | undefined): Buffer[] {
  if (spec.column.kind === 'partition_key') return [termOf(spec, partitionKeyComponent(spec, partitionKey))];
  if (!row) return [];
  if (spec.column.kind === 'clustering') return [termOf(spec, row.clustering[spec.column.position]!)];
  const cell = row.cells[spec.column.name];
  return cell ? valueTerms(spec, cell.value) : [];
}

export interface PartitionMatch {
  /** The partition reduced to what the query selects, or undefined when nothing matches. */
  partition?: PartitionData;
  /** Clustering keys (comparable bytes) of the rows whose terms include each term, for stale-entry checks. */
  termsByRow: Map<string, Buffer[]>;
  /** The partition's own terms (static column, partition key) for partition-scope indexes. */
  partitionTerms: Buffer[];
}

function inSlices(spec: IndexSpec, slices: Slice[] | undefined, clustering: Buffer[]): boolean {
  if (!slices || slices.length === 0) return true;
  return slices.some((s) => boundsContain(spec.base, s.start, s.end, clustering));
}

/**
 * The rows of `p` the query selects: for a row-scope index the live rows holding a matching term, for a
 * partition-scope one (static column, partition key) every live row once the partition matches. Rows outside the
 * query's clustering slices, or not after `after`, are left out (but still report their terms).
 */
export function matchPartition(spec: IndexSpec, q: IndexQuery, p: PartitionData, nowSec: number, slices: Slice[] | undefined,
  keep: (clustering: Buffer[]) => boolean = () => true): PartitionMatch {
  const live = liveRows(spec.base, p, nowSec);
  const termsByRow = new Map<string, Buffer[]>();
  let partitionTerms: Buffer[] = [];
  const selected = new Set<string>();
  if (spec.scope === 'partition') {
    const hasData = live.rows.length > 0 || live.staticRow !== undefined;
    partitionTerms = hasData ? liveTerms(spec, p.key, spec.column.kind === 'static' ? live.staticRow : live.rows[0] ?? live.staticRow) : [];
    if (partitionTerms.some((t) => termMatches(q, t))) {
      for (const r of live.rows) if (inSlices(spec, slices, r.clustering) && keep(r.clustering)) selected.add(encodeClustering(spec.base, r.clustering).toString('latin1'));
      return { partition: reduced(spec, p, selected), termsByRow, partitionTerms };
    }
    return { termsByRow, partitionTerms };
  }
  for (const r of live.rows) {
    const key = encodeClustering(spec.base, r.clustering).toString('latin1');
    const terms = liveTerms(spec, p.key, r);
    termsByRow.set(key, terms);
    if (terms.some((t) => termMatches(q, t)) && inSlices(spec, slices, r.clustering) && keep(r.clustering)) selected.add(key);
  }
  if (selected.size === 0) return { termsByRow, partitionTerms };
  return { partition: reduced(spec, p, selected), termsByRow, partitionTerms };
}

/** The partition with only the selected rows (its static row and deletions kept, for projection and merging). */
function reduced(spec: IndexSpec, p: PartitionData, selected: Set<string>): PartitionData {
  const rows: Row[] = [];
  for (const r of p.rows) if (selected.has(encodeClustering(spec.base, r.clustering).toString('latin1'))) rows.push(r);
  const out: PartitionData = { key: p.key, token: p.token, rangeTombstones: p.rangeTombstones, rows };
  if (p.deletion) out.deletion = p.deletion;
  if (p.staticRow) out.staticRow = p.staticRow;
  return out;
}
