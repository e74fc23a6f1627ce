// A batch's size as Cassandra measures it against batch_size_warn_threshold / batch_size_fail_threshold: the data
// size of its partition updates. The constants reproduce what Cassandra 5.0 reports for the same updates (a partition
// 29 bytes, a row 21 plus its clustering values and 12 more when it expires, a cell 20 plus its value and path),
// measured against the reference server.
import type { Mutation } from '../../coordinator/coordinator.ts';
import type { Row } from '../../storage/types.ts';
import { InvalidRequestError } from '../../model/errors.ts';

const PARTITION_BYTES = 29;
const ROW_BYTES = 21;
const EXPIRING_ROW_BYTES = 12;
const CELL_BYTES = 20;
const RANGE_TOMBSTONE_BYTES = 12;

/** Cassandra's default batch_size_fail_threshold: 50 KiB. */
export const DEFAULT_BATCH_FAIL_BYTES = 50 * 1024;

function rowBytes(r: Row): number {
  let n = ROW_BYTES;
  for (const c of r.clustering) n += c.length;
  if (r.marker?.ttl !== undefined) n += EXPIRING_ROW_BYTES;
  for (const name in r.cells) {
    const d = r.cells[name]!;
    if ('cells' in d) for (const e of d.cells) n += CELL_BYTES + e.path.length + (e.cell.v?.length ?? 0);
    else n += CELL_BYTES + (d.v?.length ?? 0);
  }
  return n;
}

export function batchDataSize(mutations: readonly Mutation[]): number {
  let n = 0;
  for (const { update: u } of mutations) {
    n += PARTITION_BYTES;
    if (u.staticRow) n += rowBytes(u.staticRow);
    for (const r of u.rows) n += rowBytes(r);
    for (const rt of u.rangeTombstones) n += RANGE_TOMBSTONE_BYTES + [...rt.start.prefix, ...rt.end.prefix].reduce((a, b) => a + b.length, 0);
  }
  return n;
}

/**
 * Refuses a batch over the fail threshold, as Cassandra does for batches of more than one partition (one partition's
 * update is a single mutation whatever its size).
 */
export function checkBatchSize(mutations: readonly Mutation[], failBytes: number): void {
  if (failBytes <= 0) return;
  const partitions = new Set(mutations.map((m) => `${m.table.keyspace}:${m.update.key.toString('hex')}`));
  if (partitions.size <= 1) return;
  if (batchDataSize(mutations) > failBytes) throw new InvalidRequestError('Batch too large');
}
