// Server-side DESCRIBE, as Cassandra 4.0 answers it (cqlsh 4.x sends DESCRIBE to the server and prints the
// rows). Element describes return keyspace_name, type, name, create_statement; listings omit create_statement.
import { InvalidRequestError } from '../model/errors.ts';
import type { DescribeStatement, DescribeTarget, QualifiedName } from '../model/ast.ts';
import { quoteIdentIfNeeded, T, type CqlType } from '../model/types.ts';
import type { JsValue } from '../model/values/js.ts';
import type { IndexDef, KeyspaceDef, Schema, TableDef, UserTypeDef } from './model.ts';
import { indexToCql, keyspaceToCql, tableToCql, typeToCreateCql } from './cql_format.ts';
import { keyspaceIndex, tableIndexes } from './indexes.ts';
import { viewToCql } from './describe_view.ts';
import { isSystemKeyspace, withSystemKeyspaces } from './system_defs.ts';
import { compareNames } from './table_build.ts';
import { referencesUdt } from './types_resolve.ts';
import { aggregateToCql, functionToCql, overloadName } from './function-cql.ts';

export interface ClusterInfo {
  clusterName: string;
  partitioner: string;
  snitch?: string;
  /** Ring of a keyspace: range end token → replica endpoints ("/127.0.0.1:7000"), for DESCRIBE CLUSTER. */
  rangeOwnership?: (keyspace: string) => Map<string, string[]>;
}

export interface DescribeResult {
  columns: Array<{ name: string; type: CqlType }>;
  rows: Array<Record<string, JsValue>>;
}

const LIST_COLUMNS = [
  { name: 'keyspace_name', type: T.text },
  { name: 'type', type: T.text },
  { name: 'name', type: T.text },
];
const ELEMENT_COLUMNS = [...LIST_COLUMNS, { name: 'create_statement', type: T.text }];

interface Element {
  keyspace: string;
  type: 'keyspace' | 'type' | 'table' | 'index' | 'materialized_view' | 'function' | 'aggregate';
  name: string;
  cql: (withInternals: boolean) => string;
}

const ire = (msg: string): InvalidRequestError => new InvalidRequestError(msg);

// SchemaElement.NAME_COMPARATOR is String.compareToIgnoreCase.
const ignoreCase = (a: { name: string }, b: { name: string }): number => {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

function keyspaceElement(ks: KeyspaceDef): Element {
  return { keyspace: ks.name, type: 'keyspace', name: ks.name, cql: () => keyspaceToCql(ks) };
}
function tableElement(t: TableDef): Element {
  return { keyspace: t.keyspace, type: 'table', name: t.name, cql: (internals) => tableToCql(t, internals) };
}
function indexElement(t: TableDef, i: IndexDef): Element {
  return { keyspace: t.keyspace, type: 'index', name: i.name, cql: () => indexToCql(t, i) };
}
function viewElement(v: TableDef): Element {
  return { keyspace: v.keyspace, type: 'materialized_view', name: v.name, cql: (internals) => viewToCql(v, internals) };
}
/** A table and, after it, its indexes by name, then its materialized views (Cassandra's DESCRIBE order). */
function tableWithIndexes(t: TableDef, ks?: KeyspaceDef): Element[] {
  const views = ks === undefined ? [] : [...ks.tables.values()].filter((v) => v.view?.baseId === t.id).sort(ignoreCase);
  return [tableElement(t), ...[...tableIndexes(t)].sort(ignoreCase).map((i) => indexElement(t, i)), ...views.map(viewElement)];
}
const plainTables = (ks: KeyspaceDef): TableDef[] => [...ks.tables.values()].filter((t) => t.view === undefined);
function typeElement(u: UserTypeDef): Element {
  return { keyspace: u.keyspace, type: 'type', name: u.name, cql: () => typeToCreateCql(u) };
}

/** Types with every type they depend on listed before them (Cassandra's Types.sortedStream). */
function typesInDependencyOrder(ks: KeyspaceDef): UserTypeDef[] {
  const all = [...ks.types.values()].sort((a, b) => compareNames(a.name, b.name));
  const out: UserTypeDef[] = [];
  const seen = new Set<string>();
  const visit = (u: UserTypeDef): void => {
    if (seen.has(u.name)) return;
    seen.add(u.name);
    for (const dep of all) {
      if (dep.name !== u.name && u.fieldTypes.some((f) => referencesUdt(f, ks.name, dep.name))) visit(dep);
    }
    out.push(u);
  };
  all.forEach(visit);
  return out;
}

/** Functions then aggregates, each by name and argument types (Cassandra's KeyspaceMetadata.toCqlString). */
function functionElements(ks: KeyspaceDef): Element[] {
  const bySig = <T extends { name: string; argTypes: CqlType[] }>(xs: Iterable<T>) =>
    [...xs].sort((a, b) => compareNames(overloadName(a), overloadName(b)));
  return [
    ...bySig(ks.functions?.values() ?? []).map((f): Element => ({ keyspace: ks.name, type: 'function', name: overloadName(f), cql: () => functionToCql(f) })),
    ...bySig(ks.aggregates?.values() ?? []).map((a): Element => ({ keyspace: ks.name, type: 'aggregate', name: overloadName(a), cql: () => aggregateToCql(a) })),
  ];
}

/** DESCRIBE FUNCTIONS / AGGREGATES (in the current keyspace, or all) and DESCRIBE FUNCTION / AGGREGATE name. */
function describeFunctions(target: Extract<DescribeTarget, { kind: 'functions' | 'aggregates' | 'function' | 'aggregate' }>, schema: Schema,
  currentKeyspace: string | undefined, internals: boolean): DescribeResult {
  if (target.kind === 'functions' || target.kind === 'aggregates') {
    const all = [...schema.keyspaces.values()].sort(ignoreCase);
    const scope = currentKeyspace === undefined ? all : [validateKeyspace(schema, currentKeyspace)];
    return listRows(scope.flatMap(functionElements).filter((e) => e.type === (target.kind === 'functions' ? 'function' : 'aggregate')));
  }
  const ks = validateKeyspace(schema, elementKeyspace(target.name, currentKeyspace));
  const found = functionElements(ks).filter((e) => e.type === target.kind && e.name.startsWith(`${quoteIdentIfNeeded(target.name.name)}(`));
  if (found.length === 0) throw ire(`User defined ${target.kind} '${target.name.name}' not found in '${ks.name}'`);
  return elementRows(found, internals);
}

function keyspaceElements(ks: KeyspaceDef, only: boolean): Element[] {
  const out = [keyspaceElement(ks)];
  if (only) return out;
  out.push(...typesInDependencyOrder(ks).map(typeElement));
  out.push(...functionElements(ks));
  out.push(...plainTables(ks).sort(ignoreCase).flatMap((t) => tableWithIndexes(t, ks)));
  return out;
}

function elementRows(elements: Element[], withInternals: boolean): DescribeResult {
  return {
    columns: ELEMENT_COLUMNS,
    rows: elements.map((e) => ({
      keyspace_name: quoteIdentIfNeeded(e.keyspace),
      type: e.type,
      // A function's or aggregate's name carries its argument types, already quoted as needed.
      name: e.type === 'function' || e.type === 'aggregate' ? e.name : quoteIdentIfNeeded(e.name),
      create_statement: e.cql(withInternals),
    })),
  };
}

function listRows(elements: Element[]): DescribeResult {
  return {
    columns: LIST_COLUMNS,
    rows: elements.map((e) => ({
      keyspace_name: quoteIdentIfNeeded(e.keyspace),
      type: e.type,
      // A function's or aggregate's name carries its argument types, already quoted as needed.
      name: e.type === 'function' || e.type === 'aggregate' ? e.name : quoteIdentIfNeeded(e.name),
    })),
  };
}

function validateKeyspace(schema: Schema, name: string): KeyspaceDef {
  const ks = schema.keyspaces.get(name);
  if (ks === undefined) throw ire(`'${name}' not found in keyspaces`);
  return ks;
}

function elementKeyspace(name: QualifiedName, current: string | undefined): string {
  const ks = name.keyspace ?? current;
  if (ks === undefined) throw ire('No keyspace specified and no current keyspace');
  return ks;
}

function describeTable(schema: Schema, ksName: string, table: string): Element[] {
  const ks = validateKeyspace(schema, ksName);
  const t = ks.tables.get(table);
  if (t === undefined || t.view !== undefined) throw ire(`Table '${table}' not found in keyspace '${ks.name}'`);
  return tableWithIndexes(t, ks);
}

export function describe(
  stmt: DescribeStatement,
  userOrFullSchema: Schema,
  currentKeyspace: string | undefined,
  clusterInfo: ClusterInfo,
): DescribeResult {
  const schema = userOrFullSchema.keyspaces.has('system') ? userOrFullSchema : withSystemKeyspaces(userOrFullSchema);
  const allKeyspaces = [...schema.keyspaces.values()].sort(ignoreCase);
  const target = stmt.target;
  const internals = stmt.withInternals;
  switch (target.kind) {
    case 'cluster':
      return describeCluster(currentKeyspace, clusterInfo);
    case 'keyspaces':
      return listRows(allKeyspaces.map(keyspaceElement));
    case 'tables':
    case 'types': {
      const scope = currentKeyspace === undefined ? allKeyspaces : [validateKeyspace(schema, currentKeyspace)];
      return listRows(
        scope.flatMap((ks) =>
          target.kind === 'tables'
            ? plainTables(ks).sort(ignoreCase).map(tableElement)
            : [...ks.types.values()].sort(ignoreCase).map(typeElement),
        ),
      );
    }
    case 'functions':
    case 'aggregates':
    case 'function':
    case 'aggregate':
      return describeFunctions(target, schema, currentKeyspace, internals);
    case 'schema':
      return elementRows(
        allKeyspaces.filter((ks) => target.full || !isSystemKeyspace(ks.name)).flatMap((ks) => keyspaceElements(ks, false)),
        internals,
      );
    case 'keyspace': {
      const name = target.name ?? currentKeyspace;
      if (name === undefined) throw ire('No keyspace specified and no current keyspace');
      return elementRows(keyspaceElements(validateKeyspace(schema, name), target.only), internals);
    }
    case 'table':
      return elementRows(describeTable(schema, elementKeyspace(target.name, currentKeyspace), target.name.name), internals);
    case 'type': {
      const ks = validateKeyspace(schema, elementKeyspace(target.name, currentKeyspace));
      const u = ks.types.get(target.name.name);
      if (u === undefined) throw ire(`User defined type '${target.name.name}' not found in '${ks.name}'`);
      return elementRows([typeElement(u)], internals);
    }
    case 'index': {
      const ks = validateKeyspace(schema, elementKeyspace(target.name, currentKeyspace));
      const found = keyspaceIndex(ks, target.name.name);
      // Cassandra 5.0.9's words for an index that does not exist.
      if (found === undefined) throw ire(`Table for existing index '${target.name.name}' not found in '${ks.name}'`);
      return elementRows([indexElement(found.table, found.index)], internals);
    }
    case 'view':
    case 'name':
      return describeNamed(schema, target, currentKeyspace, internals);
  }
}

/** DESCRIBE MATERIALIZED VIEW v, and DESCRIBE name (cqlsh's order: a keyspace, a table, an index, a view). */
function describeNamed(
  schema: Schema,
  target: Extract<DescribeStatement['target'], { kind: 'view' | 'name' }>,
  currentKeyspace: string | undefined,
  internals: boolean,
): DescribeResult {
  if (target.kind === 'view') {
    const ks = validateKeyspace(schema, elementKeyspace(target.name, currentKeyspace));
    const v = ks.tables.get(target.name.name);
    if (v?.view === undefined) throw ire(`Materialized view '${target.name.name}' not found in '${ks.name}'`);
    return elementRows([viewElement(v)], internals);
  }
  const { keyspace, name } = target.name;
  if (keyspace === undefined && schema.keyspaces.has(name)) {
    return elementRows(keyspaceElements(schema.keyspaces.get(name) as KeyspaceDef, false), internals);
  }
  const ks = validateKeyspace(schema, keyspace ?? currentKeyspace ?? name);
  const named = ks.tables.get(name);
  if (named?.view !== undefined) return elementRows([viewElement(named)], internals);
  if (named !== undefined) return elementRows(describeTable(schema, ks.name, name), internals);
  const found = keyspaceIndex(ks, name);
  if (found !== undefined) return elementRows([indexElement(found.table, found.index)], internals);
  throw ire(`'${name}' not found in keyspace '${ks.name}'`);
}

const trimPrefix = (s: string, prefix: string): string => (s.startsWith(prefix) ? s.slice(prefix.length) : s);

function describeCluster(currentKeyspace: string | undefined, info: ClusterInfo): DescribeResult {
  const columns: DescribeResult['columns'] = [
    { name: 'cluster', type: T.text },
    { name: 'partitioner', type: T.text },
    { name: 'snitch', type: T.text },
  ];
  const row: Record<string, JsValue> = {
    cluster: info.clusterName,
    partitioner: trimPrefix(info.partitioner, 'org.apache.cassandra.dht.'),
    snitch: trimPrefix(info.snitch ?? 'org.apache.cassandra.locator.SimpleSnitch', 'org.apache.cassandra.locator.'),
  };
  if (currentKeyspace !== undefined && !isSystemKeyspace(currentKeyspace)) {
    columns.push({
      name: 'range_ownership',
      type: { kind: 'map', key: T.text, value: { kind: 'list', element: T.text, frozen: false }, frozen: false },
    });
    row.range_ownership = info.rangeOwnership?.(currentKeyspace) ?? new Map<string, string[]>();
  }
  return { columns, rows: [row] };
}
