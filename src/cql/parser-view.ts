// CREATE / ALTER / DROP MATERIALIZED VIEW in Cassandra 5.0's grammar (createMaterializedViewStatement and friends):
//   CREATE MATERIALIZED VIEW [IF NOT EXISTS] [ks.]v AS SELECT (* | c, …) FROM [ks.]t [WHERE rel AND …]
//     PRIMARY KEY ((a, b), c, …) [WITH props [AND CLUSTERING ORDER BY (…)]]
//   ALTER MATERIALIZED VIEW [IF EXISTS] [ks.]v WITH props
//   DROP MATERIALIZED VIEW [IF EXISTS] [ks.]v
// where a relation is `c IS NOT NULL` or any relation a SELECT accepts; what is valid is decided by the DDL
// (schema/ddl_view.ts), as Cassandra decides it after parsing.
import type {
  AlterViewStatement, CreateViewStatement, DropViewStatement, SelectClause, ViewRelationAst,
} from '../model/ast.ts';
import { SyntaxError as CqlSyntaxError } from '../model/errors.ts';
import type { Parser } from './parser-core.ts';
import { tableProperties } from './parser-ddl.ts';
import { relation, selector } from './parser-terms.ts';

function ifExists(p: Parser): boolean {
  if (!(p.isKw('if') && p.isKw('exists', 1))) return false;
  p.pos += 2;
  return true;
}

function ifNotExists(p: Parser): boolean {
  if (!(p.isKw('if') && p.isKw('not', 1))) return false;
  p.pos += 2;
  p.expectKw('exists');
  return true;
}

function viewRelation(p: Parser): ViewRelationAst {
  if (p.isIdent() && p.isKw('is', 1)) {
    const column = p.ident();
    p.expectKw('is');
    p.expectKw('not');
    p.expectKw('null');
    return { kind: 'is_not_null', column };
  }
  return { kind: 'relation', relation: relation(p) };
}

function selectors(p: Parser): '*' | SelectClause[] {
  if (p.acceptP('*')) return '*';
  const out: SelectClause[] = [];
  do {
    const clause: SelectClause = { selector: selector(p) };
    if (p.acceptKw('as')) clause.alias = p.ident();
    out.push(clause);
  } while (p.acceptP(','));
  return out;
}

function primaryKey(p: Parser, stmt: CreateViewStatement): void {
  p.expectKw('primary');
  p.expectKw('key');
  p.expectP('(');
  const partitionKey: string[] = [];
  if (p.acceptP('(')) {
    do partitionKey.push(p.ident());
    while (p.acceptP(','));
    p.expectP(')');
  } else partitionKey.push(p.ident());
  while (p.acceptP(',')) stmt.clusteringColumns.push(p.ident());
  p.expectP(')');
  stmt.partitionKey = partitionKey;
}

/** After CREATE: `MATERIALIZED VIEW …`. */
export function createView(p: Parser): CreateViewStatement {
  p.expectKw('materialized');
  p.expectKw('view');
  const notExists = ifNotExists(p);
  const view = p.qualifiedName();
  p.expectKw('as');
  p.expectKw('select');
  const markersBefore = p.bindMarkers.length;
  const sel = selectors(p);
  p.expectKw('from');
  const base = p.qualifiedName();
  const where: ViewRelationAst[] = [];
  if (p.acceptKw('where')) {
    do where.push(viewRelation(p));
    while (p.acceptKw('and'));
  }
  const stmt: CreateViewStatement = {
    kind: 'create_view', view, base, ifNotExists: notExists, selectors: sel, where, clusteringColumns: [],
    clusteringOrder: [], options: {}, hasBindMarkers: false,
  };
  primaryKey(p, stmt);
  if (p.acceptKw('with')) {
    const props = tableProperties(p);
    // Cassandra refuses it after parsing, so its message carries no position.
    if (props.compactStorage) throw new CqlSyntaxError('COMPACT STORAGE tables are not allowed starting with version 4.0');
    stmt.options = props.options;
    stmt.clusteringOrder = props.clusteringOrder;
  }
  stmt.hasBindMarkers = p.bindMarkers.length > markersBefore;
  return stmt;
}

/** After ALTER: `MATERIALIZED VIEW [IF EXISTS] v WITH …`. */
export function alterView(p: Parser): AlterViewStatement {
  p.expectKw('materialized');
  p.expectKw('view');
  const exists = ifExists(p);
  const view = p.qualifiedName();
  p.expectKw('with');
  const at = p.peek();
  const props = tableProperties(p);
  if (props.compactStorage || props.clusteringOrder.length > 0) {
    throw p.error('COMPACT STORAGE and CLUSTERING ORDER cannot be altered', at);
  }
  return { kind: 'alter_view', view, ifExists: exists, options: props.options };
}

/** After DROP: `MATERIALIZED VIEW [IF EXISTS] v`. */
export function dropView(p: Parser): DropViewStatement {
  p.expectKw('materialized');
  p.expectKw('view');
  const exists = ifExists(p);
  return { kind: 'drop_view', view: p.qualifiedName(), ifExists: exists };
}
