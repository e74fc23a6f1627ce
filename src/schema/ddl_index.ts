// CREATE INDEX and DROP INDEX against the schema model, with Cassandra 5.0's checks, their order and their messages
// (CreateIndexStatement, IndexAttributes, StorageAttachedIndex.validateOptions), checked against Cassandra 5.0.9.
// An index is part of its table's definition: creating or dropping one is an UPDATED TABLE schema change.
import { ConfigError, InvalidRequestError } from '../model/errors.ts';
import type { CreateIndexStatement, DropIndexStatement, IndexTargetKind } from '../model/ast.ts';
import { isMultiCell, quoteIdentIfNeeded, type CqlType } from '../model/types.ts';
import type { ColumnDef, IndexDef, KeyspaceDef, Schema, TableDef } from './model.ts';
import { containsCounter, referencesDuration } from './types_resolve.ts';
import { guardSystemKeyspace, keyspaceOf, withKeyspace, type DdlContext, type DdlResult } from './ddl_common.ts';
import { LOCAL_SYSTEM_KEYSPACES, VIRTUAL_KEYSPACES } from './system_defs.ts';
import {
  formatTarget, indexTarget, isSai, keyspaceIndex, LEGACY_INDEX_ALIAS, resolveIndexClass, SAI_CLASS, SASI_CLASS,
  tableIndexes, type IndexTarget,
} from './indexes.ts';
import { validateSaiOptions } from './ddl_index_sai.ts';

const ire = (msg: string): InvalidRequestError => new InvalidRequestError(msg);

function withTable(schema: Schema, ks: KeyspaceDef, table: TableDef): Schema {
  const tables = new Map(ks.tables);
  tables.set(table.name, table);
  return withKeyspace(schema, ks.name, { ...ks, tables });
}

/** What USING and CUSTOM make of the statement: legacy 2i (no class), or a custom class as written. */
function indexClass(stmt: CreateIndexStatement): { custom: boolean; className?: string } {
  const options = stmt.options ?? {};
  if (Object.hasOwn(options, 'class_name')) throw ire('Cannot specify class_name as a CUSTOM option');
  if (Object.hasOwn(options, 'target')) throw ire('Cannot specify target as a CUSTOM option');
  // Cassandra 5.0 fills a missing USING with default_secondary_index (legacy_local_table), and a custom index
  // naming the legacy implementation finds no such class.
  const using = stmt.using ?? LEGACY_INDEX_ALIAS;
  if (stmt.isCustom) return { custom: true, className: using };
  if (using.toLowerCase() === LEGACY_INDEX_ALIAS) {
    if (stmt.options !== undefined && Object.keys(stmt.options).length > 0) throw ire('Cannot specify options for a non-CUSTOM index');
    return { custom: false };
  }
  return { custom: true, className: using };
}

/** A bare `(c)` is values(c) on a non-frozen collection, as Cassandra's IndexTarget.Raw.simpleIndexOn prepares it. */
function targetOf(col: ColumnDef, kind: IndexTargetKind | undefined): IndexTarget {
  if (kind !== undefined) return { column: col.name, kind };
  const t = col.type;
  const collection = t.kind === 'list' || t.kind === 'set' || t.kind === 'map';
  return { column: col.name, kind: collection ? 'values' : 'simple' };
}

function isCollection(t: CqlType): boolean {
  return t.kind === 'list' || t.kind === 'set' || t.kind === 'map';
}

/** CreateIndexStatement.validateIndexTarget. */
function validateTarget(table: TableDef, col: ColumnDef, target: IndexTarget): void {
  const t = col.type;
  const name = quoteIdentIfNeeded(col.name);
  if (referencesDuration(t)) {
    if (isCollection(t)) throw ire('Secondary indexes are not supported on collections containing durations');
    if (t.kind === 'tuple') throw ire('Secondary indexes are not supported on tuples containing durations');
    if (t.kind === 'udt') throw ire('Secondary indexes are not supported on UDTs containing durations');
    throw ire('Secondary indexes are not supported on duration columns');
  }
  if (col.kind === 'partition_key' && table.partitionKey.length === 1) {
    throw ire(`Cannot create secondary index on the only partition key column ${name}`);
  }
  const frozenCollection = isCollection(t) && !isMultiCell(t);
  if (frozenCollection && target.kind !== 'full') {
    throw ire(`Cannot create ${target.kind}() index on frozen column ${name}. Frozen collections are immutable and must be fully indexed by using the 'full(${name})' modifier`);
  }
  if (!frozenCollection && target.kind === 'full') throw ire('full() indexes can only be created on frozen collections');
  if (!isCollection(t) && target.kind !== 'simple') {
    throw ire(`Cannot create ${target.kind}() index on ${name}. Non-collection columns only support simple indexes`);
  }
  if (!(t.kind === 'map' && isMultiCell(t)) && (target.kind === 'keys' || target.kind === 'entries')) {
    throw ire(`Cannot create index on ${target.kind} of column ${name} with non-map type`);
  }
  if (t.kind === 'udt' && isMultiCell(t)) throw ire(`Cannot create index on non-frozen UDT column ${name}`);
}

/** Cassandra's default name: `<table>_<column>_idx` without non-word characters, then `_1`, `_2`… while taken. */
function defaultIndexName(ks: KeyspaceDef, table: string, column: string | undefined): string {
  const base = (column === undefined ? `${table}_idx` : `${table}_${column}_idx`).replace(/\W/g, '');
  if (!keyspaceIndex(ks, base)) return base;
  for (let i = 1; ; i++) {
    const candidate = `${base}_${i}`;
    if (!keyspaceIndex(ks, candidate)) return candidate;
  }
}

const sameOptions = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
};

function resolveTable(schema: Schema, stmt: CreateIndexStatement, current: string | undefined): { ks: KeyspaceDef; table: TableDef } {
  const ksName = keyspaceOf(stmt.table, current);
  const ks = schema.keyspaces.get(ksName);
  if (ks === undefined) throw ire(`Keyspace '${ksName}' doesn't exist`);
  const table = ks.tables.get(stmt.table.name);
  if (table === undefined) throw ire(`Table '${stmt.table.name}' doesn't exist`);
  return { ks, table };
}

function resolveTargets(table: TableDef, stmt: CreateIndexStatement, custom: boolean): IndexTarget[] {
  const targets = stmt.targets.map((raw) => {
    const col = table.columns.get(raw.column);
    if (col === undefined) {
      throw ire(`Undefined column name ${quoteIdentIfNeeded(raw.column)} in table ${table.keyspace}.${table.name}`);
    }
    return { col, target: targetOf(col, raw.kind) };
  });
  if (targets.length === 0 && !custom) throw ire('Only CUSTOM indexes can be created without specifying a target column');
  if (targets.length > 1) {
    if (!custom) throw ire('Only CUSTOM indexes support multiple columns');
    const seen = new Set<string>();
    for (const { col } of targets) {
      if (seen.has(col.name)) throw ire(`Duplicate column '${quoteIdentIfNeeded(col.name)}' in index target list`);
      seen.add(col.name);
    }
  }
  for (const { col, target } of targets) validateTarget(table, col, target);
  return targets.map((t) => t.target);
}

export function createIndex(schema: Schema, stmt: CreateIndexStatement, current: string | undefined, ctx: DdlContext): DdlResult {
  // Creating an index alters its table: the permission check comes first (Unauthorized for system keyspaces).
  guardSystemKeyspace(keyspaceOf(stmt.table, current), 'ALTER', stmt.table.name);
  const { custom, className } = indexClass(stmt);
  if (className !== undefined && resolveIndexClass(className) === SASI_CLASS) {
    throw ire('SASI indexes are disabled. Enable in cassandra.yaml to use.');
  }
  const { ks, table } = resolveTable(schema, stmt, current);
  if (stmt.name !== undefined && keyspaceIndex(ks, stmt.name)) {
    if (stmt.ifNotExists) return { schema, change: null };
    throw ire(`Index '${stmt.name}' already exists`);
  }
  if (table.view !== undefined) throw ire('Secondary indexes are not supported on materialized views');
  if (table.regular.some((c) => containsCounter(c.type))) throw ire("Secondary indexes on counter tables aren't supported");
  const targets = resolveTargets(table, stmt, custom);
  const name = stmt.name ?? defaultIndexName(ks, table.name, targets.length === 1 ? targets[0]!.column : undefined);
  if (!/^\w+$/.test(name)) throw new ConfigError(`Illegal index name ${name}`);
  const options: Record<string, string> = { ...(custom ? stmt.options ?? {} : {}), target: targets.map(formatTarget).join(', ') };
  if (className !== undefined) options.class_name = className;
  const index: IndexDef = { name, id: ctx.newTableId(), kind: custom ? 'CUSTOM' : 'COMPOSITES', options };
  const equal = tableIndexes(table).find((i) => i.kind === index.kind && sameOptions(i.options, index.options));
  if (equal) {
    if (stmt.ifNotExists) return { schema, change: null };
    throw ire(`Index ${name} is a duplicate of existing index ${equal.name}`);
  }
  validateClass(table, index, targets, ctx.saiVectorAllowCustomParameters === true);
  const next: TableDef = { ...table, indexes: [...tableIndexes(table), index], version: table.version + 1 };
  return {
    schema: withTable(schema, ks, next),
    change: { change: 'UPDATED', target: 'TABLE', keyspace: ks.name, name: table.name },
  };
}

/** The implementation's own validation (IndexMetadata.validate): its class must exist and accept the options. */
function validateClass(table: TableDef, index: IndexDef, targets: IndexTarget[], allowCustomVectorParameters: boolean): void {
  if (index.kind !== 'CUSTOM') return;
  const cls = resolveIndexClass(index.options.class_name ?? '');
  if (cls !== SAI_CLASS) throw new ConfigError(`Unable to find custom indexer class '${index.options.class_name}'`);
  const others = tableIndexes(table).filter(isSai);
  validateSaiOptions(table, index, targets, others.map(indexTarget), allowCustomVectorParameters);
}

export function dropIndex(schema: Schema, stmt: DropIndexStatement, current: string | undefined): DdlResult {
  const ksName = keyspaceOf(stmt.index, current);
  if (LOCAL_SYSTEM_KEYSPACES.has(ksName) || VIRTUAL_KEYSPACES.has(ksName)) {
    throw ire(`System keyspace '${ksName}' is not user-modifiable`);
  }
  const ks = schema.keyspaces.get(ksName);
  const found = ks && keyspaceIndex(ks, stmt.index.name);
  if (ks === undefined || found === undefined) {
    if (stmt.ifExists) return { schema, change: null };
    throw ire(`Index '${ksName}.${stmt.index.name}' doesn't exist'`);
  }
  const { table, index } = found;
  const next: TableDef = { ...table, indexes: tableIndexes(table).filter((i) => i !== index), version: table.version + 1 };
  return {
    schema: withTable(schema, ks, next),
    change: { change: 'UPDATED', target: 'TABLE', keyspace: ks.name, name: table.name },
  };
}

/** Names of the indexes that read a column (ALTER TABLE DROP/RENAME refuse to touch those columns). */
export function dependentIndexes(table: TableDef, column: string): string[] {
  return tableIndexes(table).filter((i) => indexTarget(i).column === column).map((i) => i.name);
}

