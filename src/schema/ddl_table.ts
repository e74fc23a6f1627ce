// CREATE / ALTER / DROP TABLE against the schema model, with Cassandra 4's checks and error messages.
import { AlreadyExistsError, ConfigError, InvalidRequestError } from '../model/errors.ts';
import type { AlterTableStatement, ColumnDefinitionAst, CreateTableStatement, DropTableStatement, QualifiedName } from '../model/ast.ts';
import { isMultiCell, quoteIdentIfNeeded, typeToCql, type CqlType } from '../model/types.ts';
import type { ColumnDef, DroppedColumnDef, KeyspaceDef, Schema, TableDef } from './model.ts';
import { buildTableOptions } from './options.ts';
import { compareNames, withColumns } from './table_build.ts';
import { containsCounter, referencesDuration, resolveTypeIn } from './types_resolve.ts';
import { dependentIndexes } from './ddl_index.ts';
import {
  guardSystemKeyspace, keyspaceOf, requireKeyspace, validateTableName, withKeyspace, type DdlContext, type DdlResult,
} from './ddl_common.ts';

const ire = (msg: string): InvalidRequestError => new InvalidRequestError(msg);

export function tableString(keyspace: string, name: string): string {
  return `${quoteIdentIfNeeded(keyspace)}.${quoteIdentIfNeeded(name)}`;
}

const rawName = (n: QualifiedName): string => (n.keyspace !== undefined ? `${n.keyspace}.${n.name}` : n.name);

function isCounterTable(t: TableDef): boolean {
  return t.regular.some((c) => containsCounter(c.type));
}

function checkNestedNonFrozen(type: CqlType, suffix: string): void {
  if (type.kind === 'udt' && !type.frozen && type.fieldTypes.some(isMultiCell)) {
    throw ire(`Non-frozen UDTs with nested non-frozen collections are not supported${suffix}`);
  }
}

function withTable(schema: Schema, ks: KeyspaceDef, table: TableDef | null, name: string): Schema {
  const tables = new Map(ks.tables);
  if (table === null) tables.delete(name);
  else tables.set(name, table);
  return withKeyspace(schema, ks.name, { ...ks, tables });
}

export function createTable(schema: Schema, stmt: CreateTableStatement, current: string | undefined, ctx: DdlContext): DdlResult {
  const ksName = keyspaceOf(stmt.table, current);
  guardSystemKeyspace(ksName, 'CREATE');
  const tableName = stmt.table.name;
  if (stmt.partitionKey.length === 0) {
    throw ire(`No PRIMARY KEY specifed for table '${rawName(stmt.table)}' (exactly one required)`);
  }
  const declared = new Map<string, ColumnDefinitionAst>();
  for (const c of stmt.columns) {
    if (declared.has(c.name)) throw ire(`Duplicate column '${c.name}' declaration for table '${rawName(stmt.table)}'`);
    declared.set(c.name, c);
  }
  if (stmt.compactStorage) throw ire('Compact tables are not allowed in Cassandra starting with 4.0 version.');
  validateTableName(tableName);
  const ks = requireKeyspace(schema, ksName);
  if (ks.tables.has(tableName)) {
    if (stmt.ifNotExists) return { schema, change: null };
    throw new AlreadyExistsError(ksName, tableName);
  }

  const { id: idOption, ...rest } = stmt.options;
  const options = buildTableOptions(rest);
  let id = ctx.newTableId();
  if (idOption !== undefined) {
    if (typeof idOption !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOption)) {
      throw new ConfigError('Invalid table id');
    }
    id = idOption.toLowerCase();
  }

  const types = new Map<string, CqlType>();
  for (const c of [...declared.values()].sort((a, b) => compareNames(a.name, b.name))) {
    const t = resolveTypeIn(c.type, ksName, ks);
    checkNestedNonFrozen(t, '');
    types.set(c.name, t);
  }

  const keyColumns = new Set<string>();
  for (const name of [...stmt.partitionKey, ...stmt.clusteringColumns]) {
    const t = types.get(name);
    if (t === undefined) throw ire(`Unknown column '${name}' referenced in PRIMARY KEY for table '${tableName}'`);
    if (keyColumns.has(name)) throw ire(`Duplicate column '${name}' in PRIMARY KEY clause for table '${tableName}'`);
    keyColumns.add(name);
    if (isMultiCell(t)) {
      const what = t.kind === 'udt' ? 'user-defined type' : 'collection type';
      throw ire(`Invalid non-frozen ${what} ${typeToCql(t)} for PRIMARY KEY column '${name}'`);
    }
    if (containsCounter(t)) throw ire(`counter type is not supported for PRIMARY KEY column '${name}'`);
    if (referencesDuration(t)) throw ire(`duration type is not supported for PRIMARY KEY column '${name}'`);
    if (declared.get(name)?.isStatic) throw ire(`Static column '${name}' cannot be part of the PRIMARY KEY`);
  }

  const orders = new Map<string, 'ASC' | 'DESC'>();
  for (const o of stmt.clusteringOrder) {
    if (orders.has(o.column)) {
      throw ire(`Duplicate column '${o.column}' in CLUSTERING ORDER BY clause for table '${rawName(stmt.table)}'`);
    }
    orders.set(o.column, o.order);
  }
  if (orders.size > stmt.clusteringColumns.length) {
    throw ire('Only clustering columns can be defined in CLUSTERING ORDER directive');
  }
  [...orders.keys()].forEach((name, i) => {
    const expected = stmt.clusteringColumns[i];
    if (name === expected) return;
    if (orders.has(expected)) {
      throw ire(
        `The order of columns in the CLUSTERING ORDER directive must match that of the clustering columns (${expected} must appear before ${name})`,
      );
    }
    throw ire(`Missing CLUSTERING ORDER for column ${expected}`);
  });

  const statics = stmt.columns.filter((c) => c.isStatic);
  if (stmt.clusteringColumns.length === 0 && statics.length > 0) {
    throw ire('Static columns are only useful (and thus allowed) if the table has at least one clustering column');
  }
  const others = [...types.entries()].filter(([n]) => !keyColumns.has(n));
  const hasCounters = [...types.values()].some(containsCounter);
  if (hasCounters) {
    if (others.some(([, t]) => !containsCounter(t))) throw ire('Cannot mix counter and non counter columns in the same table');
    if (options.default_time_to_live > 0) throw ire('Cannot set default_time_to_live on a table with counters');
  }

  const col = (name: string, kind: ColumnDef['kind'], order: ColumnDef['order']): ColumnDef => ({
    name, type: types.get(name) as CqlType, kind, position: -1, order,
  });
  const base: TableDef = {
    keyspace: ksName, name: tableName, id, partitionKey: [], clustering: [], regular: [], columns: new Map(), options, version: 1,
  };
  const table = withColumns(
    base,
    stmt.partitionKey.map((n) => col(n, 'partition_key', 'none')),
    stmt.clusteringColumns.map((n) => col(n, 'clustering', orders.get(n) === 'DESC' ? 'desc' : 'asc')),
    others.map(([n]) => col(n, declared.get(n)?.isStatic ? 'static' : 'regular', 'none')),
  );
  return {
    schema: withTable(schema, ks, table, tableName),
    change: { change: 'CREATED', target: 'TABLE', keyspace: ksName, name: tableName },
  };
}

export function dropTable(schema: Schema, stmt: DropTableStatement, current: string | undefined): DdlResult {
  const ksName = keyspaceOf(stmt.table, current);
  guardSystemKeyspace(ksName, 'DROP', stmt.table.name);
  const ks = schema.keyspaces.get(ksName);
  if (ks === undefined || !ks.tables.has(stmt.table.name)) {
    if (stmt.ifExists) return { schema, change: null };
    throw ire(`Table '${ksName}.${stmt.table.name}' doesn't exist`);
  }
  return {
    schema: withTable(schema, ks, null, stmt.table.name),
    change: { change: 'DROPPED', target: 'TABLE', keyspace: ksName, name: stmt.table.name },
  };
}

export function alterTable(schema: Schema, stmt: AlterTableStatement, current: string | undefined, ctx: DdlContext): DdlResult {
  const ksName = keyspaceOf(stmt.table, current);
  guardSystemKeyspace(ksName, 'ALTER', stmt.table.name);
  const ks = schema.keyspaces.get(ksName);
  const table = ks?.tables.get(stmt.table.name);
  if (ks === undefined || table === undefined) {
    if (stmt.ifExists) return { schema, change: null };
    throw ire(`Table '${ksName}.${stmt.table.name}' doesn't exist`);
  }
  let next: TableDef;
  const action = stmt.action;
  switch (action.kind) {
    case 'add':
      next = addColumns(ks, table, action.columns);
      break;
    case 'drop':
      next = dropColumns(table, action.columns, ctx);
      break;
    case 'rename':
      next = renameColumns(table, action.renames);
      break;
    case 'options': {
      if (action.options.id !== undefined) throw new ConfigError('Cannot alter table id.');
      const options = buildTableOptions(action.options, table.options);
      if (isCounterTable(table) && options.default_time_to_live > 0) {
        throw ire('Cannot set default_time_to_live on a table with counters');
      }
      next = { ...table, options };
      break;
    }
  }
  return {
    schema: withTable(schema, ks, next, table.name),
    change: { change: 'UPDATED', target: 'TABLE', keyspace: ksName, name: table.name },
  };
}

function addColumns(ks: KeyspaceDef, table: TableDef, columns: ColumnDefinitionAst[]): TableDef {
  let t = table;
  const counterTable = isCounterTable(table);
  for (const c of columns) {
    const type = resolveTypeIn(c.type, ks.name, ks);
    if (t.columns.has(c.name)) throw ire(`Column with name '${c.name}' already exists`);
    if (c.isStatic && t.clustering.length === 0) {
      throw ire('Static columns are only useful (and thus allowed) if the table has at least one clustering column');
    }
    checkNestedNonFrozen(type, ` for column ${c.name}`);
    const dropped = t.dropped?.get(c.name);
    if (dropped !== undefined) {
      if (typeToCql(dropped.type) !== typeToCql(type)) {
        throw ire(
          `Cannot re-add previously dropped column '${c.name}' of type ${typeToCql(type)}, incompatible with previous type ${typeToCql(dropped.type)}`,
        );
      }
      if ((dropped.kind === 'static') !== c.isStatic) {
        throw ire(
          `Cannot re-add previously dropped column '${c.name}' of kind ${c.isStatic ? 'STATIC' : 'REGULAR'}, incompatible with previous kind ${dropped.kind.toUpperCase()}`,
        );
      }
      if (counterTable) throw ire(`Cannot re-add previously dropped counter column ${c.name}`);
    }
    if (counterTable && !containsCounter(type)) {
      throw new ConfigError(`${t.keyspace}.${t.name}: Cannot have a non counter column ("${c.name}") in a counter table`);
    }
    if (!counterTable && containsCounter(type)) {
      throw new ConfigError(`${t.keyspace}.${t.name}: Cannot have a counter column ("${c.name}") in a non counter table`);
    }
    const def: ColumnDef = { name: c.name, type, kind: c.isStatic ? 'static' : 'regular', position: -1, order: 'none' };
    t = withColumns(t, t.partitionKey, t.clustering, [...t.regular, def]);
  }
  return { ...t, version: table.version + 1 };
}

function dropColumns(table: TableDef, names: string[], ctx: DdlContext): TableDef {
  let t = table;
  const dropped = new Map<string, DroppedColumnDef>(table.dropped ?? []);
  for (const name of names) {
    const c = t.columns.get(name);
    if (c === undefined) throw ire(`Column ${name} was not found in table '${tableString(table.keyspace, table.name)}'`);
    if (c.kind === 'partition_key' || c.kind === 'clustering') throw ire(`Cannot drop PRIMARY KEY column ${name}`);
    const indexes = dependentIndexes(t, name);
    if (indexes.length > 0) throw ire(`Cannot drop column ${name} because it has dependent secondary indexes (${indexes.join(', ')})`);
    if (c.type.kind === 'udt' && !c.type.frozen) {
      throw ire(`Cannot drop non-frozen column ${name} of user type ${typeToCql(c.type)}`);
    }
    dropped.set(name, { name, type: c.type, kind: c.kind === 'static' ? 'static' : 'regular', droppedTime: ctx.nowMicros });
    t = withColumns(t, t.partitionKey, t.clustering, t.regular.filter((r) => r.name !== name));
  }
  return { ...t, dropped, version: table.version + 1 };
}

function renameColumns(table: TableDef, renames: Array<[string, string]>): TableDef {
  let t = table;
  for (const [from, to] of renames) {
    const c = t.columns.get(from);
    if (c === undefined) throw ire(`Column ${from} was not found in table ${tableString(table.keyspace, table.name)}`);
    if (c.kind !== 'partition_key' && c.kind !== 'clustering') throw ire(`Cannot rename non PRIMARY KEY column ${from}`);
    const indexes = dependentIndexes(t, from);
    if (indexes.length > 0) throw ire(`Can't rename column ${from} because it has dependent secondary indexes (${indexes.join(', ')})`);
    if (t.columns.has(to)) {
      throw ire(
        `Cannot rename column ${from} to ${to} in table '${tableString(table.keyspace, table.name)}'; another column with that name already exists`,
      );
    }
    const rename = (x: ColumnDef): ColumnDef => (x.name === from ? { ...x, name: to } : x);
    t = withColumns(t, t.partitionKey.map(rename), t.clustering.map(rename), t.regular);
  }
  return { ...t, version: table.version + 1 };
}
