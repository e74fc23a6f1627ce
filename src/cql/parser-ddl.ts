// Schema statements: KEYSPACE, TABLE, TYPE (create/alter/drop; INDEX in parser-index.ts), TRUNCATE, USE and DESCRIBE.
import type {
  AlterKeyspaceStatement, AlterTableAction, AlterTableStatement, AlterTypeStatement, ColumnDefinitionAst,
  CreateKeyspaceStatement, CreateTableStatement, CreateTypeStatement, DescribeStatement, DescribeTarget,
  OptionValue, OrderingClause, Statement,
} from '../model/ast.ts';
import type { Parser } from './parser-core.ts';
import { ordering } from './parser-dml.ts';
import { isNativeTypeName } from '../model/types.ts';
import { createFunctionOrAggregate, dropFunctionOrAggregate, isCreateFunction } from './parser-functions.ts';
import { createIndex, dropIndex } from './parser-index.ts';
import { alterView, createView, dropView } from './parser-view.ts';

function ifNotExists(p: Parser): boolean {
  if (!p.acceptKw('if')) return false;
  p.expectKw('not');
  p.expectKw('exists');
  return true;
}

function ifExists(p: Parser): boolean {
  if (!p.acceptKw('if')) return false;
  p.expectKw('exists');
  return true;
}

// ---- properties (WITH a = 1 AND b = {…}) -----------------------------------------------------------------

function constantText(p: Parser): { text: string; value: OptionValue } {
  const t = p.peek();
  switch (t.type) {
    case 'string':
    case 'uuid':
    case 'hex':
    case 'duration':
      p.next();
      return { text: t.text, value: t.text };
    case 'int':
    case 'float':
      p.next();
      return { text: t.text, value: Number(t.text) };
    case 'bool':
      p.next();
      return { text: t.text, value: t.text === 'true' };
    case 'ident':
    case 'qident':
      // Cassandra accepts unreserved keywords (`caching = ALL`) as bare property values.
      if (p.isIdent()) {
        p.next();
        return { text: t.text, value: t.text };
      }
      break;
    default:
      break;
  }
  throw p.noViable();
}

function propertyValue(p: Parser): OptionValue {
  if (!p.acceptP('{')) return constantText(p).value;
  const map: { [key: string]: string } = {};
  if (p.acceptP('}')) return map;
  do {
    const key = constantText(p).text;
    p.expectP(':');
    map[key] = constantText(p).text;
  } while (p.acceptP(','));
  p.expectP('}');
  return map;
}

export function property(p: Parser, into: Record<string, OptionValue>): void {
  const at = p.peek();
  const name = p.ident().toLowerCase();
  p.expectP('=');
  if (Object.hasOwn(into, name)) throw p.error(`Multiple definition for property ${name}`, at);
  into[name] = propertyValue(p);
}

interface TableProps {
  options: Record<string, OptionValue>;
  clusteringOrder: OrderingClause[];
  compactStorage: boolean;
}

export function tableProperties(p: Parser): TableProps {
  const props: TableProps = { options: {}, clusteringOrder: [], compactStorage: false };
  do {
    if (p.isKw('compact') && p.isKw('storage', 1)) {
      p.pos += 2;
      props.compactStorage = true;
    } else if (p.isKw('clustering') && p.isKw('order', 1)) {
      p.pos += 2;
      p.expectKw('by');
      p.expectP('(');
      do props.clusteringOrder.push(ordering(p));
      while (p.acceptP(','));
      p.expectP(')');
    } else property(p, props.options);
  } while (p.acceptKw('and'));
  return props;
}

// ---- keyspaces --------------------------------------------------------------------------------------------

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

function keyspaceOptions(p: Parser): { replication?: Record<string, string>; durableWrites?: boolean } {
  const opts: Record<string, OptionValue> = {};
  const at = p.peek();
  do property(p, opts);
  while (p.acceptKw('and'));
  const out: { replication?: Record<string, string>; durableWrites?: boolean } = {};
  for (const [name, value] of Object.entries(opts)) {
    if (name === 'replication') {
      if (typeof value !== 'object') throw p.error(`Invalid value for property 'replication'. It should be a map.`, at);
      out.replication = value;
    } else if (name === 'durable_writes') {
      const word = String(value).toLowerCase();
      if (TRUE_WORDS.has(word)) out.durableWrites = true;
      else if (FALSE_WORDS.has(word)) out.durableWrites = false;
      else throw p.error(`Invalid boolean value ${String(value)} for 'durable_writes'. Supported values are "true" and "false".`, at);
    } else {
      throw p.error(`Unknown property '${name}'`, at);
    }
  }
  return out;
}

function createKeyspace(p: Parser): CreateKeyspaceStatement {
  const notExists = ifNotExists(p);
  const keyspace = p.ident();
  p.expectKw('with');
  const { replication, durableWrites } = keyspaceOptions(p);
  const stmt: CreateKeyspaceStatement = { kind: 'create_keyspace', keyspace, ifNotExists: notExists, replication: replication ?? {} };
  if (durableWrites !== undefined) stmt.durableWrites = durableWrites;
  return stmt;
}

function alterKeyspace(p: Parser): AlterKeyspaceStatement {
  const exists = ifExists(p);
  const keyspace = p.ident();
  p.expectKw('with');
  return { kind: 'alter_keyspace', keyspace, ifExists: exists, ...keyspaceOptions(p) };
}

// ---- tables -----------------------------------------------------------------------------------------------

function columnDefinition(p: Parser): ColumnDefinitionAst {
  const name = p.ident();
  const type = p.typeRef();
  return { name, type, isStatic: p.acceptKw('static') };
}

function createTable(p: Parser): CreateTableStatement {
  const notExists = ifNotExists(p);
  const table = p.qualifiedName();
  const stmt: CreateTableStatement = {
    kind: 'create_table', table, ifNotExists: notExists, columns: [], partitionKey: [], clusteringColumns: [],
    clusteringOrder: [], compactStorage: false, options: {},
  };
  let keyDeclared = false;
  const declareKey = (): void => {
    if (keyDeclared) throw p.error(`Multiple PRIMARY KEYs specified (exactly one required)`);
    keyDeclared = true;
  };
  p.expectP('(');
  do {
    if (p.isP(')')) break; // Cassandra tolerates a trailing comma
    if (p.isKw('primary')) {
      declareKey();
      p.pos++;
      p.expectKw('key');
      p.expectP('(');
      if (p.acceptP('(')) {
        do stmt.partitionKey.push(p.ident());
        while (p.acceptP(','));
        p.expectP(')');
      } else stmt.partitionKey.push(p.ident());
      while (p.acceptP(',')) stmt.clusteringColumns.push(p.ident());
      p.expectP(')');
      continue;
    }
    const col = columnDefinition(p);
    stmt.columns.push(col);
    if (p.isKw('primary')) {
      declareKey();
      p.pos++;
      p.expectKw('key');
      stmt.partitionKey.push(col.name);
    }
  } while (p.acceptP(','));
  p.expectP(')');
  if (p.acceptKw('with')) {
    const props = tableProperties(p);
    stmt.options = props.options;
    stmt.clusteringOrder = props.clusteringOrder;
    stmt.compactStorage = props.compactStorage;
  }
  return stmt;
}

/** `(a, b)` or `a, b` (the unparenthesized list is an extension for ADD/DROP of several columns). */
function parenthesizedOrList<T>(p: Parser, item: () => T): T[] {
  const paren = p.acceptP('(');
  const out = [item()];
  while (p.acceptP(',')) out.push(item());
  if (paren) p.expectP(')');
  return out;
}

function renames(p: Parser): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  do {
    const from = p.ident();
    p.expectKw('to');
    out.push([from, p.ident()]);
  } while (p.acceptKw('and'));
  return out;
}

function alterTable(p: Parser): AlterTableStatement {
  const exists = ifExists(p);
  const table = p.qualifiedName();
  let action: AlterTableAction;
  if (p.acceptKw('add')) action = { kind: 'add', columns: parenthesizedOrList(p, () => columnDefinition(p)) };
  else if (p.acceptKw('drop')) action = { kind: 'drop', columns: parenthesizedOrList(p, () => p.ident()) };
  else if (p.acceptKw('rename')) action = { kind: 'rename', renames: renames(p) };
  else if (p.acceptKw('with')) {
    const at = p.peek();
    const props = tableProperties(p);
    if (props.compactStorage || props.clusteringOrder.length > 0) {
      throw p.error(`COMPACT STORAGE and CLUSTERING ORDER cannot be altered`, at);
    }
    action = { kind: 'options', options: props.options };
  } else if (p.isKw('alter')) throw p.error(`Altering column types is no longer supported`);
  else throw p.noViable();
  return { kind: 'alter_table', table, ifExists: exists, action };
}

// ---- user types -------------------------------------------------------------------------------------------

const RESERVED_TYPE_NAMES = new Set(['varchar', 'frozen', 'list', 'set', 'map', 'tuple', 'byte', 'complex', 'enum', 'interval', 'macaddr', 'bitstring']);

function userTypeName(p: Parser): CreateTypeStatement['type'] {
  const name = p.qualifiedName();
  const last = p.toks[p.pos - 1]!;
  if (last.type === 'ident' && (isNativeTypeName(last.lower) || RESERVED_TYPE_NAMES.has(last.lower))) {
    throw p.error(`Invalid (reserved) user type name ${name.name}`, last);
  }
  return name;
}

function createType(p: Parser): CreateTypeStatement {
  const notExists = ifNotExists(p);
  const type = userTypeName(p);
  p.expectP('(');
  const fields: CreateTypeStatement['fields'] = [];
  do fields.push({ name: p.ident(), type: p.typeRef() });
  while (p.acceptP(','));
  p.expectP(')');
  return { kind: 'create_type', type, ifNotExists: notExists, fields };
}

function alterType(p: Parser): AlterTypeStatement {
  const type = p.qualifiedName();
  if (p.acceptKw('add')) return { kind: 'alter_type', type, action: { kind: 'add', field: p.ident(), fieldType: p.typeRef() } };
  if (p.acceptKw('rename')) return { kind: 'alter_type', type, action: { kind: 'rename', renames: renames(p) } };
  throw p.noViable();
}

// ---- dispatch ---------------------------------------------------------------------------------------------

const UNSUPPORTED_OBJECTS = new Set(['index', 'custom', 'materialized', 'function', 'aggregate', 'role', 'user', 'trigger', 'or']);

function unsupported(p: Parser, verb: string): never {
  const t = p.peek();
  if (t.type === 'ident' && UNSUPPORTED_OBJECTS.has(t.lower)) throw p.error(`${verb} ${t.text.toUpperCase()} statements are not supported`);
  throw p.noViable();
}

function isTableWord(p: Parser): boolean {
  return p.acceptKw('table') || p.acceptKw('columnfamily');
}

export function createStatement(p: Parser): Statement {
  p.expectKw('create');
  if (p.acceptKw('keyspace')) return createKeyspace(p);
  if (isTableWord(p)) return createTable(p);
  if (p.acceptKw('type')) return createType(p);
  if (p.isKw('index') || (p.isKw('custom') && p.isKw('index', 1))) return createIndex(p);
  if (isCreateFunction(p)) return createFunctionOrAggregate(p);
  if (p.isKw('materialized')) return createView(p);
  return unsupported(p, 'CREATE');
}

export function alterStatement(p: Parser): Statement {
  p.expectKw('alter');
  if (p.acceptKw('keyspace')) return alterKeyspace(p);
  if (isTableWord(p)) return alterTable(p);
  if (p.acceptKw('type')) return alterType(p);
  if (p.isKw('materialized')) return alterView(p);
  return unsupported(p, 'ALTER');
}

export function dropStatement(p: Parser): Statement {
  p.expectKw('drop');
  if (p.acceptKw('keyspace')) {
    const exists = ifExists(p);
    return { kind: 'drop_keyspace', ifExists: exists, keyspace: p.ident() };
  }
  if (isTableWord(p)) {
    const exists = ifExists(p);
    return { kind: 'drop_table', ifExists: exists, table: p.qualifiedName() };
  }
  if (p.acceptKw('type')) {
    const exists = ifExists(p);
    return { kind: 'drop_type', ifExists: exists, type: p.qualifiedName() };
  }
  if (p.isKw('index')) return dropIndex(p);
  if (p.isKw('function') || p.isKw('aggregate')) return dropFunctionOrAggregate(p);
  if (p.isKw('materialized')) return dropView(p);
  return unsupported(p, 'DROP');
}

export function truncateStatement(p: Parser): Statement {
  p.expectKw('truncate');
  isTableWord(p);
  return { kind: 'truncate', table: p.qualifiedName() };
}

export function useStatement(p: Parser): Statement {
  p.expectKw('use');
  return { kind: 'use', keyspace: p.ident() };
}

/** A DESCRIBE keyword that stands alone (not the first part of a `name.name`). */
function describeWord(p: Parser, word: string): boolean {
  if (!p.isKw(word) || p.isP('.', 1)) return false;
  p.next();
  return true;
}

export function describeStatement(p: Parser): DescribeStatement {
  if (!p.acceptKw('describe')) p.expectKw('desc');
  let target: DescribeTarget;
  if (p.acceptKw('full')) {
    p.expectKw('schema');
    target = { kind: 'schema', full: true };
  } else if (p.acceptKw('schema')) target = { kind: 'schema', full: false };
  else if (describeWord(p, 'cluster')) target = { kind: 'cluster' };
  else if (describeWord(p, 'keyspaces')) target = { kind: 'keyspaces' };
  else if (describeWord(p, 'tables')) target = { kind: 'tables' };
  else if (describeWord(p, 'types')) target = { kind: 'types' };
  else if (describeWord(p, 'functions')) target = { kind: 'functions' };
  else if (describeWord(p, 'aggregates')) target = { kind: 'aggregates' };
  else if ((p.isKw('function') || p.isKw('aggregate')) && !p.isP('.', 1)) {
    const kind = p.next().lower === 'function' ? 'function' : 'aggregate';
    target = { kind, name: p.qualifiedName() };
  }
  else if (p.isKw('keyspace') || (p.isKw('only') && p.isKw('keyspace', 1))) {
    const only = p.acceptKw('only');
    p.expectKw('keyspace');
    target = { kind: 'keyspace', only };
    if (p.isIdent()) target.name = p.ident();
  } else if (isTableWord(p)) target = { kind: 'table', name: p.qualifiedName() };
  else if (p.isKw('type') && !p.isP('.', 1)) {
    p.next();
    target = { kind: 'type', name: p.qualifiedName() };
  } else if (p.isKw('index') && !p.isP('.', 1)) {
    p.next();
    target = { kind: 'index', name: p.qualifiedName() };
  } else if (p.isKw('materialized') && p.isKw('view', 1)) {
    p.pos += 2;
    target = { kind: 'view', name: p.qualifiedName() };
  } else target = { kind: 'name', name: p.qualifiedName() };
  let withInternals = false;
  if (p.acceptKw('with')) {
    p.expectKw('internals');
    withInternals = true;
  }
  return { kind: 'describe', target, withInternals };
}
