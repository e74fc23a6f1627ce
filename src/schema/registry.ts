// The entry point for schema changes: applyDdl turns a DDL statement and the current schema into the next schema
// (immutable, with a fresh version digest) plus the SCHEMA_CHANGE to announce, or null when IF [NOT] EXISTS made
// the statement a no-op. Validation and error messages follow Cassandra 4.
import { randomUUID } from 'node:crypto';
import type {
  AlterKeyspaceStatement, AlterTableStatement, AlterTypeStatement, CreateIndexStatement, CreateKeyspaceStatement,
  CreateTableStatement, CreateTypeStatement, CreateViewStatement, AlterViewStatement, DropViewStatement, DropIndexStatement, DropKeyspaceStatement, DropTableStatement, DropTypeStatement,
} from '../model/ast.ts';
import type { SchemaChange } from '../protocol/messages.ts';
import type { Schema } from './model.ts';
import type { DdlContext } from './ddl_common.ts';
import { alterTable, createTable, dropTable } from './ddl_table.ts';
import { alterKeyspace, alterType, createKeyspace, createType, dropKeyspace, dropType } from './ddl_keyspace_type.ts';
import { computeSchemaVersion } from './persist.ts';
import { createIndex, dropIndex } from './ddl_index.ts';
import type { CreateFunctionStatement, DropAggregateStatement, DropFunctionStatement } from '../model/ast-functions.ts';
import { createAggregate, createFunction, dropAggregate, dropFunction, type CreateAggregateDdl } from './ddl_function.ts';
import { alterView, createView, dropView } from './ddl_view.ts';
import { checkTableDdlAgainstViews, propagateToViews } from './ddl_view_guards.ts';

export { resolveType } from './types_resolve.ts';
export { serializeSchema, deserializeSchema, computeSchemaVersion, type SerializedSchema } from './persist.ts';
export type { DdlContext } from './ddl_common.ts';

export type DdlStatement =
  | CreateKeyspaceStatement
  | AlterKeyspaceStatement
  | DropKeyspaceStatement
  | CreateTableStatement
  | AlterTableStatement
  | DropTableStatement
  | CreateTypeStatement
  | AlterTypeStatement
  | DropTypeStatement
  | CreateIndexStatement
  | DropIndexStatement
  | CreateFunctionStatement
  | DropFunctionStatement
  | CreateAggregateDdl
  | DropAggregateStatement
  | CreateViewStatement
  | AlterViewStatement
  | DropViewStatement;

const DDL_KINDS = new Set<string>([
  'create_keyspace', 'alter_keyspace', 'drop_keyspace', 'create_table', 'alter_table', 'drop_table', 'create_type',
  'alter_type', 'drop_type', 'create_index', 'drop_index', 'create_view', 'alter_view', 'drop_view', 'create_function',
  'drop_function', 'create_aggregate', 'drop_aggregate',
]);

export function isDdlStatement(stmt: { kind: string }): stmt is DdlStatement {
  return DDL_KINDS.has(stmt.kind);
}

export function emptySchema(): Schema {
  const schema: Schema = { keyspaces: new Map(), version: '' };
  return { ...schema, version: computeSchemaVersion(schema) };
}

/**
 * Apply one DDL statement. `options` makes the result deterministic when needed (tests, replaying a change on
 * another node): the clock for dropped-column times, the id of a new table or index, and the cluster's data centers.
 */
export function applyDdl(
  schema: Schema,
  stmt: DdlStatement,
  currentKeyspace: string | undefined,
  options: Partial<DdlContext> = {},
): { schema: Schema; change: SchemaChange | null } {
  const ctx: DdlContext = {
    nowMicros: options.nowMicros ?? Date.now() * 1000,
    newTableId: options.newTableId ?? randomUUID,
    dataCenters: options.dataCenters,
    materializedViewsEnabled: options.materializedViewsEnabled,
    saiVectorAllowCustomParameters: options.saiVectorAllowCustomParameters,
  };
  let result: { schema: Schema; change: SchemaChange | null };
  switch (stmt.kind) {
    case 'create_keyspace': result = createKeyspace(schema, stmt, ctx); break;
    case 'alter_keyspace': result = alterKeyspace(schema, stmt, ctx); break;
    case 'drop_keyspace': result = dropKeyspace(schema, stmt); break;
    case 'create_table': result = createTable(schema, stmt, currentKeyspace, ctx); break;
    case 'alter_table':
      checkTableDdlAgainstViews(schema, stmt, currentKeyspace);
      result = alterTable(schema, stmt, currentKeyspace, ctx);
      result = { ...result, schema: propagateToViews(schema, result.schema, stmt, currentKeyspace) };
      break;
    case 'drop_table':
      checkTableDdlAgainstViews(schema, stmt, currentKeyspace);
      result = dropTable(schema, stmt, currentKeyspace);
      break;
    case 'create_type': result = createType(schema, stmt, currentKeyspace); break;
    case 'alter_type': result = alterType(schema, stmt, currentKeyspace); break;
    case 'drop_type': result = dropType(schema, stmt, currentKeyspace); break;
    case 'create_index': result = createIndex(schema, stmt, currentKeyspace, ctx); break;
    case 'drop_index': result = dropIndex(schema, stmt, currentKeyspace); break;
    case 'create_function': result = createFunction(schema, stmt, currentKeyspace); break;
    case 'drop_function': result = dropFunction(schema, stmt, currentKeyspace); break;
    case 'create_aggregate': result = createAggregate(schema, stmt, currentKeyspace); break;
    case 'drop_aggregate': result = dropAggregate(schema, stmt, currentKeyspace); break;
    case 'create_view': result = createView(schema, stmt, currentKeyspace, ctx); break;
    case 'alter_view': result = alterView(schema, stmt, currentKeyspace); break;
    case 'drop_view': result = dropView(schema, stmt, currentKeyspace); break;
  }
  if (result.change === null) return { schema, change: null };
  const next = result.schema;
  return { schema: { ...next, version: computeSchemaVersion(next) }, change: result.change };
}
