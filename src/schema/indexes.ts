// Secondary index metadata as the rest of the node reads it: which column an index reads and how (its target), which
// implementation it is (legacy 2i or SAI, from the class name as Cassandra 5.0 resolves it), and the SAI text
// analysis options. Index definitions themselves live on their table (TableDef.indexes, see model.ts).
import type { IndexTargetKind } from '../model/ast.ts';
import { quoteIdentIfNeeded, type CqlType } from '../model/types.ts';
import type { ColumnDef, IndexDef, KeyspaceDef, TableDef } from './model.ts';

export const SAI_CLASS = 'org.apache.cassandra.index.sai.StorageAttachedIndex';
export const SASI_CLASS = 'org.apache.cassandra.index.sasi.SASIIndex';
/** The name of Cassandra's legacy (2i) implementation as `USING` and default_secondary_index accept it. */
export const LEGACY_INDEX_ALIAS = 'legacy_local_table';

/** Cassandra 5.0's aliases for index classes, matched without regard to case (IndexMetadata.indexNameAliases). */
const CLASS_ALIASES = new Map([
  ['sai', SAI_CLASS],
  ['storageattachedindex', SAI_CLASS],
]);

export type IndexImplementation = 'legacy' | 'sai';

export interface IndexTarget {
  column: string;
  kind: IndexTargetKind;
}

export function tableIndexes(t: TableDef): IndexDef[] {
  return t.indexes ?? [];
}

/** The class an index's class_name stands for (aliases resolved), as Cassandra looks it up. */
export function resolveIndexClass(className: string): string {
  return CLASS_ALIASES.get(className.toLowerCase()) ?? className;
}

export function indexImplementation(def: IndexDef): IndexImplementation {
  if (def.kind !== 'CUSTOM') return 'legacy';
  return resolveIndexClass(def.options.class_name ?? '') === SAI_CLASS ? 'sai' : 'legacy';
}

export function isSai(def: IndexDef): boolean {
  return indexImplementation(def) === 'sai';
}

/** `v`, `values(l)`, `keys(m)`, `entries(m)`, `full(f)`, with the column quoted when it needs to be. */
export function formatTarget(t: IndexTarget): string {
  const col = quoteIdentIfNeeded(t.column);
  return t.kind === 'simple' ? col : `${t.kind}(${col})`;
}

const TARGET_RE = /^(keys|entries|values|full)\((.+)\)$/;

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s;
}

/** The inverse of formatTarget, for targets read back from the schema. */
export function parseTarget(s: string): IndexTarget {
  const m = TARGET_RE.exec(s);
  if (m) return { column: unquote(m[2]!), kind: m[1] as IndexTargetKind };
  return { column: unquote(s), kind: 'simple' };
}

export function indexTarget(def: IndexDef): IndexTarget {
  return parseTarget(def.options.target ?? '');
}

/** The indexed column of a table, or undefined when the index names no column of it (never for a valid schema). */
export function indexedColumn(table: TableDef, def: IndexDef): ColumnDef | undefined {
  return table.columns.get(indexTarget(def).column);
}

/** The type of the terms an index stores for a column: the value, an element, a key, or (entries) the value type. */
export function termType(column: CqlType, kind: IndexTargetKind): CqlType {
  switch (kind) {
    case 'values':
      if (column.kind === 'list' || column.kind === 'set') return column.element;
      if (column.kind === 'map') return column.value;
      return column;
    case 'keys':
    case 'entries':
      return column.kind === 'map' ? column.key : column;
    default:
      return column;
  }
}

/** Every index of a keyspace by name (index names are unique within a keyspace). */
export function keyspaceIndex(ks: KeyspaceDef, name: string): { table: TableDef; index: IndexDef } | undefined {
  for (const table of ks.tables.values()) {
    const index = tableIndexes(table).find((i) => i.name === name);
    if (index) return { table, index };
  }
  return undefined;
}

/** Options of a CUSTOM index as the user gave them (without target and class_name). */
export function customOptions(def: IndexDef): Record<string, string> {
  const { target: _target, class_name: _cls, ...rest } = def.options;
  return rest;
}

/** SAI's text analysis (NonTokenizingOptions): how a literal term is normalised before it is indexed or compared. */
export interface TextAnalysis {
  caseSensitive: boolean;
  normalize: boolean;
  ascii: boolean;
}

export function textAnalysis(def: IndexDef): TextAnalysis | undefined {
  if (!isSai(def)) return undefined;
  const o = def.options;
  const flag = (name: string, dflt: boolean): boolean => (o[name] === undefined ? dflt : o[name]!.toLowerCase() === 'true');
  const a = { caseSensitive: flag('case_sensitive', true), normalize: flag('normalize', false), ascii: flag('ascii', false) };
  return a.caseSensitive && !a.normalize && !a.ascii ? undefined : a;
}
