// A materialized view as view maintenance needs it: where each view key column comes from in the base row, the
// selected regular columns, the base column (if any) that is a regular column in the base and part of the view's
// key, and the WHERE filters.
import { compositeKey, murmur3Token } from '../model/murmur3.ts';
import { compareValues } from '../model/values/compare.ts';
import type { KeyspaceDef, Schema, TableDef, ViewFilter } from '../schema/model.ts';
import type { Row } from '../storage/types.ts';

/** Where a value of the base row lives: a partition key component, a clustering value, or a regular cell. */
type Source = { from: 'pk'; index: number } | { from: 'ck'; index: number } | { from: 'cell'; column: string };

export interface ViewSpec {
  view: TableDef;
  base: TableDef;
  partitionSources: Source[];
  clusteringSources: Source[];
  /** Regular columns of the view (base regular columns it selects). */
  selected: string[];
  /** Base columns the view does not select: they still keep a base row (and so its view row) alive. */
  unselected: string[];
  /** The base regular column in the view's primary key (at most one, Cassandra's rule), if any. */
  keyColumn?: string;
  filters: ViewFilter[];
}

function sourceOf(base: TableDef, column: string): Source {
  const c = base.columns.get(column);
  if (c === undefined) throw new Error(`view column ${column} is not in its base table ${base.name}`);
  if (c.kind === 'partition_key') return { from: 'pk', index: c.position };
  if (c.kind === 'clustering') return { from: 'ck', index: c.position };
  return { from: 'cell', column };
}

export function viewSpec(base: TableDef, view: TableDef): ViewSpec {
  const partitionSources = view.partitionKey.map((c) => sourceOf(base, c.name));
  const clusteringSources = view.clustering.map((c) => sourceOf(base, c.name));
  const keyColumn = [...partitionSources, ...clusteringSources].find((s) => s.from === 'cell');
  const selected = view.regular.map((c) => c.name);
  const unselected = base.regular.filter((c) => c.kind === 'regular' && !view.columns.has(c.name)).map((c) => c.name);
  const spec: ViewSpec = {
    view, base, partitionSources, clusteringSources, selected, unselected, filters: view.view?.filters ?? [],
  };
  if (keyColumn?.from === 'cell') spec.keyColumn = keyColumn.column;
  return spec;
}

/** The views of a base table, as this schema has them. */
export function viewSpecsOf(schema: Schema, base: TableDef): ViewSpec[] {
  const ks: KeyspaceDef | undefined = schema.keyspaces.get(base.keyspace);
  if (ks === undefined) return [];
  const out: ViewSpec[] = [];
  for (const t of ks.tables.values()) if (t.view?.baseId === base.id) out.push(viewSpec(base, t));
  return out;
}

export function hasViews(schema: Schema, base: TableDef): boolean {
  const ks = schema.keyspaces.get(base.keyspace);
  if (ks === undefined || base.view !== undefined) return false;
  for (const t of ks.tables.values()) if (t.view?.baseId === base.id) return true;
  return false;
}

/** A key value of the base row; undefined when it comes from a cell the row does not have live. */
function valueOf(s: Source, pk: Buffer[], row: Row): Buffer | undefined {
  if (s.from === 'pk') return pk[s.index];
  if (s.from === 'ck') return row.clustering[s.index];
  const c = row.cells[s.column];
  return c !== undefined && !('cells' in c) && c.v !== null ? c.v : undefined;
}

/** Whether the base row's key satisfies the view's WHERE filters (they are on base primary key columns only). */
export function passesFilters(spec: ViewSpec, pk: Buffer[], clustering: Buffer[]): boolean {
  for (const f of spec.filters) {
    const col = spec.base.columns.get(f.column);
    if (col === undefined) return false;
    const v = col.kind === 'partition_key' ? pk[col.position] : clustering[col.position];
    if (v === undefined) return false;
    const values = f.values.map((h) => Buffer.from(h, 'hex'));
    if (f.op === 'IN') {
      if (!values.some((x) => compareValues(col.type, v, x) === 0)) return false;
      continue;
    }
    const c = compareValues(col.type, v, values[0]!);
    const ok = f.op === '=' ? c === 0 : f.op === '<' ? c < 0 : f.op === '<=' ? c <= 0 : f.op === '>' ? c > 0 : c >= 0;
    if (!ok) return false;
  }
  return true;
}

export interface ViewKey {
  key: Buffer;
  token: bigint;
  clustering: Buffer[];
  /** key and clustering as one string, to compare and group view rows. */
  id: string;
}

/** The view row's key for a base row, or undefined when a key column is null in it. */
export function viewKeyOf(spec: ViewSpec, pk: Buffer[], row: Row): ViewKey | undefined {
  const parts: Buffer[] = [];
  for (const s of spec.partitionSources) {
    const v = valueOf(s, pk, row);
    if (v === undefined) return undefined;
    parts.push(v);
  }
  const clustering: Buffer[] = [];
  for (const s of spec.clusteringSources) {
    const v = valueOf(s, pk, row);
    if (v === undefined) return undefined;
    clustering.push(v);
  }
  const key = parts.length === 1 ? parts[0]! : compositeKey(parts);
  const id = [key, ...clustering].map((b) => b.toString('hex')).join(':');
  return { key, token: murmur3Token(key), clustering, id };
}
