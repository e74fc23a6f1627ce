// What materialized views change in the DDL of their base tables (Cassandra 5.0's DropTableStatement and
// AlterTableStatement): a base table with views cannot be dropped nor lose columns, a view is not altered or dropped
// as a table, and columns added to a base reach its SELECT * views.
import { InvalidRequestError } from '../model/errors.ts';
import type { AlterTableStatement, DropTableStatement } from '../model/ast.ts';
import { quoteIdentIfNeeded } from '../model/types.ts';
import type { Schema, TableDef } from './model.ts';
import { buildTableOptions } from './options.ts';
import { withColumns } from './table_build.ts';
import { keyspaceOf, withKeyspace } from './ddl_common.ts';
import { viewsOf } from './ddl_view.ts';

const ire = (msg: string): InvalidRequestError => new InvalidRequestError(msg);

function lookup(schema: Schema, stmt: DropTableStatement | AlterTableStatement, current: string | undefined): TableDef | undefined {
  const ksName = stmt.table.keyspace ?? current;
  if (ksName === undefined) return undefined;
  return schema.keyspaces.get(ksName)?.tables.get(stmt.table.name);
}

/** Refusals that come before the table DDL itself runs. */
export function checkTableDdlAgainstViews(schema: Schema, stmt: DropTableStatement | AlterTableStatement, current: string | undefined): void {
  const t = lookup(schema, stmt, current);
  if (t === undefined) return;
  if (t.view !== undefined) {
    if (stmt.kind === 'drop_table') throw ire('Cannot use DROP TABLE on a materialized view. Please use DROP MATERIALIZED VIEW instead.');
    throw ire('Cannot use ALTER TABLE on a materialized view; use ALTER MATERIALIZED VIEW instead');
  }
  const ks = schema.keyspaces.get(keyspaceOf(stmt.table, current))!;
  const views = viewsOf(ks, t);
  if (views.length === 0) return;
  if (stmt.kind === 'drop_table') {
    // Cassandra 5.0 formats this message with the keyspace name alone (its view list argument has no placeholder).
    throw ire(`Cannot drop a table when materialized views still depend on it (${ks.name})`);
  }
  const action = stmt.action;
  if (action.kind === 'drop') {
    const first = action.columns.find((c) => t.columns.has(c) && t.columns.get(c)!.kind !== 'partition_key' && t.columns.get(c)!.kind !== 'clustering');
    if (first !== undefined) throw ire(`Cannot drop column ${first} on base table ${t.name} with materialized views`);
  }
  if (action.kind === 'options' && buildTableOptions(action.options, t.options).gc_grace_seconds === 0) {
    throw ire(
      'Cannot alter gc_grace_seconds of the base table of a materialized view to 0, since this value is used to TTL ' +
        'undelivered updates. Setting gc_grace_seconds too low might cause undelivered updates to expire before being replayed.',
    );
  }
}

/** The WHERE clause text with renamed columns: each of its relations starts with the (possibly quoted) column. */
function renameInWhere(where: string, renames: Map<string, string>): string {
  return where.split(' AND ').map((rel) => {
    const m = /^("(?:[^"]|"")*"|\S+)( .*)$/.exec(rel);
    if (m === null) return rel;
    const name = m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!;
    const to = renames.get(name);
    return to === undefined ? rel : `${quoteIdentIfNeeded(to)}${m[2]}`;
  }).join(' AND ');
}

/** After ALTER TABLE: regular columns added to the base join its SELECT * views; renamed key columns are renamed there. */
export function propagateToViews(before: Schema, after: Schema, stmt: AlterTableStatement, current: string | undefined): Schema {
  const ksName = keyspaceOf(stmt.table, current);
  const oldBase = before.keyspaces.get(ksName)?.tables.get(stmt.table.name);
  const ks = after.keyspaces.get(ksName);
  const base = ks?.tables.get(stmt.table.name);
  if (oldBase === undefined || ks === undefined || base === undefined) return after;
  const views = viewsOf(ks, base);
  if (views.length === 0 || (stmt.action.kind !== 'add' && stmt.action.kind !== 'rename')) return after;
  const tables = new Map(ks.tables);
  for (const v of views) {
    let next = v;
    if (stmt.action.kind === 'add' && v.view!.includeAllColumns) {
      const added = base.regular.filter((c) => c.kind === 'regular' && !oldBase.columns.has(c.name));
      next = withColumns(v, v.partitionKey, v.clustering, [...v.regular, ...added]);
    } else if (stmt.action.kind === 'rename') {
      const map = new Map(stmt.action.renames);
      const rn = <C extends { name: string }>(c: C): C => (map.has(c.name) ? { ...c, name: map.get(c.name)! } : c);
      next = withColumns(v, v.partitionKey.map(rn), v.clustering.map(rn), v.regular.map(rn));
      next = {
        ...next,
        view: {
          ...v.view!, whereClause: renameInWhere(v.view!.whereClause, map),
          filters: v.view!.filters.map((f) => ({ ...f, column: map.get(f.column) ?? f.column })),
        },
      };
    }
    tables.set(v.name, { ...next, version: v.version + 1 });
  }
  return withKeyspace(after, ksName, { ...ks, tables });
}
