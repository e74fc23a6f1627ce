// CREATE / ALTER / DROP MATERIALIZED VIEW against the schema model, with Cassandra 5.0's checks in its order and its
// messages (CreateViewStatement, AlterViewStatement, DropViewStatement). A view is a TableDef with `view` set, kept
// among its keyspace's tables.
import { AlreadyExistsError, InvalidRequestError } from '../model/errors.ts';
import type {
  AlterViewStatement, CreateViewStatement, DropViewStatement, QualifiedName, Relation, Term, ViewRelationAst,
} from '../model/ast.ts';
import { isMultiCell, quoteIdentIfNeeded, typeToCql, type CqlType } from '../model/types.ts';
import { formatLiteral } from '../model/values/format.ts';
import { literalToBytes } from '../model/values/literals.ts';
import type { ColumnDef, KeyspaceDef, Schema, TableDef, ViewFilter } from './model.ts';
import { buildTableOptions } from './options.ts';
import { withColumns } from './table_build.ts';
import { containsCounter, referencesDuration } from './types_resolve.ts';
import { guardSystemKeyspace, keyspaceOf, requireKeyspace, validateTableName, withKeyspace, type DdlContext, type DdlResult } from './ddl_common.ts';

const ire = (msg: string): InvalidRequestError => new InvalidRequestError(msg);
const rawName = (n: QualifiedName): string => (n.keyspace !== undefined ? `${n.keyspace}.${n.name}` : n.name);

export const VIEWS_DISABLED = 'Materialized views are disabled. Enable in cassandra.yaml to use.';
/** Cassandra's client warning on every CREATE MATERIALIZED VIEW (View.USAGE_WARNING). */
export const VIEW_USAGE_WARNING = 'Materialized views are experimental and are not recommended for production use.';

/** The views of a base table, by name order. */
export function viewsOf(ks: KeyspaceDef, base: TableDef): TableDef[] {
  return [...ks.tables.values()].filter((t) => t.view?.baseId === base.id).sort((a, b) => (a.name < b.name ? -1 : 1));
}

function withTable(schema: Schema, ks: KeyspaceDef, table: TableDef | null, name: string): Schema {
  const tables = new Map(ks.tables);
  if (table === null) tables.delete(name);
  else tables.set(name, table);
  return withKeyspace(schema, ks.name, { ...ks, tables });
}

/** Checks Cassandra makes while preparing the statement, before it looks at the schema. */
function prepareChecks(stmt: CreateViewStatement, ksName: string): string[] {
  if (stmt.base.keyspace !== undefined && stmt.base.keyspace !== ksName) {
    throw ire('Cannot create a materialized view on a table in a different keyspace');
  }
  if (stmt.hasBindMarkers) throw ire('Bind variables are not allowed in CREATE MATERIALIZED VIEW statements');
  if (stmt.partitionKey === undefined) throw ire(`No PRIMARY KEY specifed for view '${rawName(stmt.view)}' (exactly one required)`);
  const orders = new Set<string>();
  for (const o of stmt.clusteringOrder) {
    if (orders.has(o.column)) throw ire(`Duplicate column '${o.column}' in CLUSTERING ORDER BY clause for view '${rawName(stmt.view)}'`);
    orders.add(o.column);
  }
  return stmt.partitionKey;
}

function baseTableOf(schema: Schema, stmt: CreateViewStatement, ksName: string): { ks: KeyspaceDef; base: TableDef } | null {
  const ks = requireKeyspace(schema, ksName);
  const base = ks.tables.get(stmt.base.name);
  if (base === undefined) throw ire(`Base table '${stmt.base.name}' doesn't exist`);
  const existing = ks.tables.get(stmt.view.name);
  if (existing !== undefined && existing.view === undefined) {
    throw ire(`Cannot create materialized view '${stmt.view.name}' - a table with the same name already exists`);
  }
  if (existing !== undefined) {
    if (stmt.ifNotExists) return null;
    throw new AlreadyExistsError(ksName, stmt.view.name);
  }
  if (base.regular.some((c) => containsCounter(c.type))) throw ire('Materialized views are not supported on counter tables');
  if (base.view !== undefined) throw ire('Materialized views cannot be created against other materialized views');
  if (base.options.gc_grace_seconds === 0) {
    throw ire(
      `Cannot create materialized view '${stmt.view.name}' for base table '${base.name}' with gc_grace_seconds of 0, since this ` +
        'value is used to TTL undelivered updates. Setting gc_grace_seconds too low might cause undelivered updates to ' +
        'expire before being replayed.',
    );
  }
  return { ks, base };
}

function selectedColumns(stmt: CreateViewStatement, base: TableDef): Set<string> {
  const selected = new Set<string>();
  if (stmt.selectors === '*') for (const c of base.columns.keys()) selected.add(c);
  else {
    for (const s of stmt.selectors) {
      if (s.alias !== undefined) throw ire(`Cannot use aliases when defining a materialized view (got ${s.selector.kind === 'column' ? s.selector.name : '…'} AS ${s.alias})`);
      if (s.selector.kind !== 'column') throw ire('Can only select columns by name when defining a materialized view');
      const name = s.selector.name;
      if (!base.columns.has(name)) throw ire(`Undefined column name ${name} in table ${base.keyspace}.${base.name}`);
      selected.add(name);
    }
  }
  for (const name of [...selected].sort()) {
    if (base.columns.get(name)?.kind === 'static') throw ire(`Cannot include static column '${name}' in materialized view '${stmt.view.name}'`);
  }
  return selected;
}

function checkPrimaryKey(stmt: CreateViewStatement, base: TableDef, selected: Set<string>, partitionKey: string[]): Set<string> {
  const viewName = stmt.view.name;
  if (partitionKey.length === 0) throw ire(`Must provide at least one partition key column for materialized view '${viewName}'`);
  const keyColumns = new Set<string>();
  for (const name of [...partitionKey, ...stmt.clusteringColumns]) {
    const c = base.columns.get(name);
    if (c === undefined || !selected.has(name)) throw ire(`Unknown column '${name}' referenced in PRIMARY KEY for materialized view '${viewName}'`);
    if (keyColumns.has(name)) throw ire(`Duplicate column '${name}' in PRIMARY KEY clause for materialized view '${viewName}'`);
    keyColumns.add(name);
    if (isMultiCell(c.type)) {
      const what = c.type.kind === 'udt' ? 'user-defined type' : 'collection type';
      throw ire(`Invalid non-frozen ${what} '${typeToCql(c.type)}' for PRIMARY KEY column '${name}'`);
    }
    if (containsCounter(c.type)) throw ire(`counter type is not supported for PRIMARY KEY column '${name}'`);
    if (referencesDuration(c.type)) throw ire(`duration type is not supported for PRIMARY KEY column '${name}'`);
  }
  const ordered = stmt.clusteringOrder.map((o) => o.column);
  if (ordered.length > 0 && ordered.join('\u0000') !== stmt.clusteringColumns.join('\u0000')) {
    throw ire('Clustering key columns must exactly match columns in CLUSTERING ORDER BY directive');
  }
  const basePk = [...base.partitionKey, ...base.clustering].map((c) => c.name);
  const missing = basePk.filter((n) => !keyColumns.has(n));
  if (missing.length > 0) {
    throw ire(`Cannot create materialized view '${viewName}' without primary key columns ${missing.join(', ')} from base table '${base.name}'`);
  }
  const extra = [...keyColumns].filter((n) => !basePk.includes(n));
  if (extra.length > 1) {
    throw ire(`Cannot include more than one non-primary key column in materialized view primary key (got ${extra.join(', ')})`);
  }
  return keyColumns;
}

const FILTER_OPS = new Set(['=', '<', '<=', '>', '>=', 'IN']);

function literalOf(t: Term, type: CqlType, column: string): Buffer {
  if (t.kind !== 'literal') throw ire(`Only constant values are supported in the WHERE clause of a materialized view (column ${column})`);
  return literalToBytes(t, type, column);
}

function filterOf(r: Relation, base: TableDef): ViewFilter {
  if (r.lhs.kind === 'token') throw ire('Cannot use token relation when defining a materialized view');
  if (r.lhs.kind !== 'column' || !FILTER_OPS.has(r.op)) {
    throw ire('Only IS NOT NULL and single-column =, <, <=, >, >= and IN restrictions are supported in a materialized view');
  }
  const c = base.columns.get(r.lhs.name);
  if (c === undefined) throw ire(`Undefined column name ${r.lhs.name} in table ${base.keyspace}.${base.name}`);
  const terms = r.op === 'IN' ? (r.rhs.kind === 'list' || r.rhs.kind === 'tuple' ? r.rhs.elements : [r.rhs]) : [r.rhs];
  const values = terms.map((t) => literalOf(t, c.type, c.name).toString('hex'));
  return { column: c.name, op: r.op as ViewFilter['op'], values };
}

function relationText(f: ViewFilter, type: CqlType): string {
  const vals = f.values.map((v) => formatLiteral(type, Buffer.from(v, 'hex')));
  return `${quoteIdentIfNeeded(f.column)} ${f.op} ${f.op === 'IN' ? `(${vals.join(', ')})` : vals[0]}`;
}

/** The WHERE clause: restricted columns, filters, and its text as system_schema.views shows it. */
function whereOf(where: ViewRelationAst[], base: TableDef): { restricted: Set<string>; filters: ViewFilter[]; text: string } {
  const restricted = new Set<string>();
  const filters: ViewFilter[] = [];
  const parts: string[] = [];
  for (const w of where) {
    if (w.kind === 'is_not_null') {
      if (!base.columns.has(w.column)) throw ire(`Undefined column name ${w.column} in table ${base.keyspace}.${base.name}`);
      restricted.add(w.column);
      parts.push(`${quoteIdentIfNeeded(w.column)} IS NOT NULL`);
      continue;
    }
    const f = filterOf(w.relation, base);
    const c = base.columns.get(f.column)!;
    if (c.kind !== 'partition_key' && c.kind !== 'clustering') {
      throw ire(`Non-primary key columns can only be restricted with 'IS NOT NULL' (got: ${c.name} restricted illegally)`);
    }
    restricted.add(f.column);
    filters.push(f);
    parts.push(relationText(f, c.type));
  }
  return { restricted, filters, text: parts.join(' AND ') };
}

export function createView(schema: Schema, stmt: CreateViewStatement, current: string | undefined, ctx: DdlContext): DdlResult {
  const ksName = keyspaceOf(stmt.view, current);
  const partitionKey = prepareChecks(stmt, ksName);
  if (ctx.materializedViewsEnabled !== true) throw ire(VIEWS_DISABLED);
  guardSystemKeyspace(ksName, 'ALTER', stmt.base.name);
  const found = baseTableOf(schema, stmt, ksName);
  if (found === null) return { schema, change: null };
  const { ks, base } = found;
  const selected = selectedColumns(stmt, base);
  const keyColumns = checkPrimaryKey(stmt, base, selected, partitionKey);
  const where = whereOf(stmt.where, base);
  const unrestricted = [...keyColumns].filter((n) => !where.restricted.has(n));
  if (unrestricted.length > 0) {
    throw ire(`Primary key columns ${unrestricted.join(', ')} must be restricted with 'IS NOT NULL' or otherwise`);
  }
  if (Object.hasOwn(stmt.options, 'default_time_to_live')) {
    throw ire(
      'Cannot set default_time_to_live for a materialized view. Data in a materialized view always expire at the same time ' +
        'than the corresponding data in the parent table.',
    );
  }
  validateTableName(stmt.view.name);
  const { id: idOption, ...rest } = stmt.options;
  const options = buildTableOptions(rest);
  const desc = new Set(stmt.clusteringOrder.filter((o) => o.order === 'DESC').map((o) => o.column));
  const col = (name: string, kind: ColumnDef['kind'], order: ColumnDef['order']): ColumnDef => ({
    name, type: base.columns.get(name)!.type, kind, position: -1, order,
  });
  const shell: TableDef = {
    keyspace: ksName, name: stmt.view.name, id: typeof idOption === 'string' ? idOption.toLowerCase() : ctx.newTableId(),
    partitionKey: [], clustering: [], regular: [], columns: new Map(), options, version: 1,
    view: { baseTable: base.name, baseId: base.id, includeAllColumns: stmt.selectors === '*', whereClause: where.text, filters: where.filters },
  };
  const keyColumn = [...keyColumns].find((n) => base.columns.get(n)!.kind === 'regular');
  if (keyColumn !== undefined) shell.view!.keyColumn = keyColumn;
  const view = withColumns(
    shell,
    partitionKey.map((n) => col(n, 'partition_key', 'none')),
    stmt.clusteringColumns.map((n) => col(n, 'clustering', desc.has(n) ? 'desc' : 'asc')),
    [...selected].filter((n) => !keyColumns.has(n)).map((n) => col(n, 'regular', 'none')),
  );
  return {
    schema: withTable(schema, ks, view, view.name),
    change: { change: 'CREATED', target: 'TABLE', keyspace: ksName, name: view.name },
  };
}

function existingView(schema: Schema, name: QualifiedName, current: string | undefined): { ks: KeyspaceDef | undefined; view: TableDef | undefined; ksName: string } {
  const ksName = keyspaceOf(name, current);
  const ks = schema.keyspaces.get(ksName);
  const t = ks?.tables.get(name.name);
  return { ks, ksName, view: t?.view !== undefined ? t : undefined };
}

export function alterView(schema: Schema, stmt: AlterViewStatement, current: string | undefined): DdlResult {
  const { ks, view, ksName } = existingView(schema, stmt.view, current);
  if (ks === undefined || view === undefined) {
    if (stmt.ifExists) return { schema, change: null };
    throw ire(`Materialized view '${ksName}.${stmt.view.name}' doesn't exist`);
  }
  if (Object.hasOwn(stmt.options, 'id')) throw ire('Cannot alter table id.');
  const options = buildTableOptions(stmt.options, view.options);
  if (options.gc_grace_seconds === 0) {
    throw ire(
      'Cannot alter gc_grace_seconds of a materialized view to 0, since this value is used to TTL undelivered updates. ' +
        'Setting gc_grace_seconds too low might cause undelivered updates to expire before being replayed.',
    );
  }
  if (options.default_time_to_live > 0) {
    throw ire(
      'Forbidden default_time_to_live detected for a materialized view. Data in a materialized view always expire at the ' +
        'same time than the corresponding data in the parent table. default_time_to_live must be set to zero, see ' +
        'CASSANDRA-12868 for more information',
    );
  }
  return {
    schema: withTable(schema, ks, { ...view, options }, view.name),
    change: { change: 'UPDATED', target: 'TABLE', keyspace: ksName, name: view.name },
  };
}

export function dropView(schema: Schema, stmt: DropViewStatement, current: string | undefined): DdlResult {
  const { ks, view, ksName } = existingView(schema, stmt.view, current);
  if (ks === undefined || view === undefined) {
    if (stmt.ifExists) return { schema, change: null };
    throw ire(`Materialized view '${ksName}.${stmt.view.name}' doesn't exist`);
  }
  guardSystemKeyspace(ksName, 'ALTER', view.view!.baseTable);
  return {
    schema: withTable(schema, ks, null, view.name),
    change: { change: 'DROPPED', target: 'TABLE', keyspace: ksName, name: view.name },
  };
}
