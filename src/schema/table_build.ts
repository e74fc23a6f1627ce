// Small helpers shared by the DDL code and the system table definitions: name ordering, table assembly and
// name-based uuids.
import { createHash } from 'node:crypto';
import type { ColumnDef, TableDef } from './model.ts';

/** Cassandra orders identifiers by their UTF-8 bytes (ColumnIdentifier.compareTo). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function sortByName<T extends { name: string }>(items: T[]): T[] {
  return [...items].sort((x, y) => compareNames(x.name, y.name));
}

/** A version-3 (MD5, name-based) uuid of `bytes`, as Java's UUID.nameUUIDFromBytes builds it. */
export function nameUuid(bytes: Buffer): string {
  const b = createHash('md5').update(bytes).digest();
  b[6] = (b[6] & 0x0f) | 0x30;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = b.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Rebuild the derived parts of a table (regular order, positions, column map) after its columns changed. */
export function withColumns(t: TableDef, partitionKey: ColumnDef[], clustering: ColumnDef[], regular: ColumnDef[]): TableDef {
  const pk = partitionKey.map((c, i) => ({ ...c, kind: 'partition_key' as const, position: i, order: 'none' as const }));
  const ck = clustering.map((c, i) => ({ ...c, kind: 'clustering' as const, position: i }));
  const rest = sortByName(regular).map((c) => ({ ...c, position: -1, order: 'none' as const }));
  const columns = new Map<string, ColumnDef>();
  for (const c of [...pk, ...ck, ...rest]) columns.set(c.name, c);
  return { ...t, partitionKey: pk, clustering: ck, regular: rest, columns };
}
