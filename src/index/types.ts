// The shapes an index query travels in, from the CQL layer through the coordinator to each replica (INDEX_SCAN).
// Plain data, so the internode codec carries them unchanged.
import type { IndexDef, TableDef } from '../schema/model.ts';
import type { PartitionData, ReadFilter, ScanRange } from '../storage/types.ts';

export interface TermBound {
  term: Buffer;
  inclusive: boolean;
}

/**
 * One indexed restriction in term space (see terms.ts): `=`, CONTAINS, CONTAINS KEY and `m[k] = v` are term equality
 * on the index that reads that column that way; SAI ranges are term bounds.
 */
export interface IndexQuery {
  /** The index by name and id: one dropped and re-created since the coordinator planned the query has another id. */
  index: string;
  indexId: string;
  /**
   * The index as the coordinator knows it, so that a replica that has not learnt of it yet (a schema change still
   * on its way) can answer from its base table instead of failing.
   */
  def: IndexDef;
  eq?: Buffer;
  lower?: TermBound;
  upper?: TermBound;
}

/** A scan range that may start inside its first partition, after a clustering (paging resumes there). */
export interface IndexScanRange extends ScanRange {
  afterClustering?: Buffer[];
}

/** What a replica answers an index scan with, locally or over INDEX_SCAN. */
export interface IndexScanner {
  indexScan(table: TableDef, query: IndexQuery, range: IndexScanRange, filter: ReadFilter, partitionLimit: number,
    nowSec: number): PartitionData[];
}

/**
 * An ANN query as a replica answers it (ANN_SCAN): its `k` closest rows to `target` among the partitions of
 * `ranges` (whole ring segments), or within `partition` when given (`WHERE k = ? ORDER BY … ANN OF`), by the index's
 * graph.
 */
export interface AnnSearch {
  target: number[];
  k: number;
  ranges: ScanRange[];
  partition?: { token: bigint; key: Buffer };
}
