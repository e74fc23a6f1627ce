// The client warning Cassandra 5.0 attaches to schema changes of a table with an SAI vector index
// (StorageAttachedIndex.VECTOR_USAGE_WARNING, issued while it validates the table's index options): CREATE INDEX of
// any index on such a table, the vector index itself included, and ALTER TABLE … ADD. Other ALTER TABLE forms and a
// CREATE INDEX IF NOT EXISTS that finds the index already there do not validate the indexes, so do not warn.
import type { AlterTableStatement, CreateIndexStatement } from '../../model/ast.ts';
import type { TableDef } from '../../schema/model.ts';
import { indexTarget, isSai } from '../../schema/indexes.ts';
import { keyspaceName } from './resolve.ts';
import type { ExecEnv, Plan } from './plan.ts';

export const VECTOR_USAGE_WARNING = 'SAI ANN indexes on vector columns are experimental and are not recommended for production use.\n'
  + "They don't yet support SELECT queries with:\n"
  + ' * Consistency level higher than ONE/LOCAL_ONE.\n'
  + ' * Paging.\n'
  + ' * No LIMIT clauses.\n'
  + ' * PER PARTITION LIMIT clauses.\n'
  + ' * GROUP BY clauses.\n'
  + ' * Aggregation functions.\n'
  + ' * Filters on columns without a SAI index.';

function hasVectorIndex(table: TableDef): boolean {
  return (table.indexes ?? []).some((i) => {
    if (!isSai(i)) return false;
    const t = indexTarget(i);
    return t.kind === 'simple' && table.columns.get(t.column)?.type.kind === 'vector';
  });
}

export function vectorWarningDdlPlan(stmt: CreateIndexStatement | AlterTableStatement): Plan {
  return {
    variables: [], resultColumns: [], pkIndexes: [], dependsOn: [],
    async execute(env: ExecEnv, session, req) {
      const result = await env.applySchemaChange(stmt, session);
      if (result.kind !== 'schema_change') return result;
      if (stmt.kind === 'alter_table' && stmt.action.kind !== 'add') return result;
      const table = env.schema().keyspaces.get(keyspaceName(stmt.table, session.keyspace))?.tables.get(stmt.table.name);
      if (table && hasVectorIndex(table)) req.warnings?.push(VECTOR_USAGE_WARNING);
      return result;
    },
  };
}
