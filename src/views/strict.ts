// Strict liveness for the views keyed by a base regular column (Cassandra's View.enforceStrictLiveness): a row of
// such a view is visible only while its marker — the liveness of the base column in its key — is live; its other
// cells alone do not keep it (see updates.ts for why the cells of a view row that left the view stay behind).
import type { TableDef } from '../schema/model.ts';
import type { PartitionData, Row } from '../storage/types.ts';
import { coveringDeletion, maxDeletion } from '../storage/merge.ts';

/** Whether reads of this table apply strict liveness: a view with a base regular column in its primary key. */
export function isStrictView(table: TableDef): boolean {
  return table.view?.keyColumn !== undefined;
}

function markerLive(table: TableDef, p: PartitionData, row: Row, nowSec: number): boolean {
  const m = row.marker;
  if (m === undefined) return false;
  const shadow = maxDeletion(coveringDeletion(table, p.deletion, p.rangeTombstones, row.clustering), row.deletion);
  if (shadow !== undefined && m.ts <= shadow.ts) return false;
  return m.ttl === undefined || m.ldt === undefined || nowSec < m.ldt;
}

/** The partition without the rows whose marker is dead (only for reads already reconciled across replicas). */
export function withStrictLiveness(table: TableDef, p: PartitionData, nowSec: number): PartitionData {
  const rows = p.rows.filter((r) => markerLive(table, p, r, nowSec));
  return rows.length === p.rows.length ? p : { ...p, rows };
}
