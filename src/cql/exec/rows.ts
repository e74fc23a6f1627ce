// Row-level helpers shared by SELECT, its pager, modifications and virtual tables: partition key encoding, clustering
// comparison in query order, and a row's values by column name. A leaf module, so that none of them import each other.
import type { ColumnDef, TableDef } from '../../schema/model.ts';
import type { Relation } from '../../model/ast.ts';
import { compositeKey, splitCompositeKey } from '../../model/murmur3.ts';
import { compareValues } from '../../model/values/compare.ts';
import type { RowValues } from './restrictions.ts';
import type { SourceCell, SourceRow } from './selection.ts';
import type { LiveCellView } from '../../storage/live.ts';

export function partitionKeyBytes(components: Buffer[]): Buffer {
  return components.length === 1 ? components[0] : compositeKey(components);
}

export function splitPartitionKey(table: TableDef, key: Buffer): Buffer[] {
  return table.partitionKey.length === 1 ? [key] : splitCompositeKey(key, table.partitionKey.length);
}

/** Table clustering order (DESC columns inverted) over clusterings or prefixes; a shorter equal prefix sorts first. */
export function compareClusteringOf(table: TableDef, a: Buffer[], b: Buffer[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const col: ColumnDef = table.clustering[i];
    const c = compareValues(col.type, a[i], b[i]);
    if (c !== 0) return col.order === 'desc' ? -c : c;
  }
  return a.length - b.length;
}

export function rowValues(table: TableDef, r: SourceRow): RowValues {
  return (name) => {
    const c = table.columns.get(name);
    if (!c) return null;
    if (c.kind === 'partition_key') return r.pk[c.position] ?? null;
    if (c.kind === 'clustering') return r.clustering[c.position] ?? null;
    return r.cells[name]?.value ?? null;
  };
}

/** The engine reports remaining TTL; selection keeps the expiry second so ttl() can be computed at any now. */
export function cellsOf(cells: Record<string, LiveCellView>, nowSec: number): SourceRow['cells'] {
  // Without TTLs or elements a live cell already is a source cell ({ value, ts }): the row's cells are used as they
  // are (nothing writes to them), rather than copied cell by cell for every row read.
  let plain = true;
  for (const k in cells) {
    const c = cells[k]!;
    if (c.ttl !== undefined || c.elements !== undefined) {
      plain = false;
      break;
    }
  }
  if (plain) return cells as Record<string, SourceCell>;
  const out: SourceRow['cells'] = {};
  for (const k in cells) {
    const c = cells[k];
    const cell: SourceRow['cells'][string] = { value: c.value, ts: c.ts, ttl: c.ttl, expiresAt: c.ttl !== undefined ? nowSec + c.ttl : undefined };
    if (c.elements) {
      cell.elements = c.elements.map((e) => ({ ts: e.ts, field: e.field, expiresAt: e.ttl !== undefined ? nowSec + e.ttl : undefined }));
    }
    out[k] = cell;
  }
  return out;
}

/**
 * pk_indexes for PREPARED: the bind marker of each partition key column restricted by a plain `col = ?`, so
 * token-aware drivers can route; empty when any partition key column is bound otherwise.
 */
export function partitionKeyBindIndexes(table: TableDef, where: readonly Relation[]): number[] {
  const idx: number[] = [];
  for (const pk of table.partitionKey) {
    const rel = where.find((w) => w.lhs.kind === 'column' && w.lhs.name === pk.name && w.op === '=');
    if (!rel || rel.rhs.kind !== 'bind') return [];
    idx.push(rel.rhs.index);
  }
  return idx;
}
