// What a compiled statement looks like to the server: its bind variables and result columns (for PREPARED
// metadata) and an execute function. QUERY and EXECUTE both run plans; EXECUTE just skips compilation.
import type { ColumnSpec, QueryParameters, ResultMessage } from '../../protocol/messages.ts';
import type { Schema, TableDef } from '../../schema/model.ts';
import type { Coordinator } from '../../coordinator/coordinator.ts';
import type { SystemContext } from '../../schema/system_tables.ts';
import type { RoleStatement, Statement } from '../../model/ast.ts';
import type { ExecValue } from './values.ts';

/** Per-connection state a statement can read or change. */
export interface Session {
  keyspace?: string;
  /** The logged-in role (PasswordAuthenticator); undefined for an anonymous connection. */
  user?: string;
}

/** What execution needs from the node around it. */
export interface ExecEnv {
  schema(): Schema;
  coordinator: Coordinator;
  systemContext(): SystemContext;
  /** Applies a schema statement cluster-wide and returns its RESULT. */
  applySchemaChange(stmt: Statement, session: Session): Promise<ResultMessage>;
  /** Current time in microseconds since the epoch, strictly increasing within the node. */
  nowMicros(): number;
  /** batch_size_fail_threshold in bytes (Cassandra's default 50 KiB when absent; 0 disables it). */
  batchSizeFailBytes?: number;
  /** Role statements (CassandraRoleManager, src/auth); without it they are refused as for an anonymous user. */
  roleStatement?(stmt: RoleStatement, session: Session): Promise<ResultMessage>;
  /** The thresholds of client warnings (Cassandra's defaults when absent). */
  warnThresholds?: import('./client-warnings.ts').WarnThresholds;
  /** user_defined_functions_enabled: CREATE FUNCTION is refused unless set (Cassandra 5.0's default: false). */
  userFunctionsEnabled?: boolean;
}

export interface ExecRequest {
  params: QueryParameters;
  /** Bound values in marker order (named values already mapped to positions). */
  values: ExecValue[];
  /** Where the statement adds the client warnings of its response (v4+ WARNING flag), when the caller wants them. */
  warnings?: string[];
  /** The trace session of a traced request (the TRACING flag): statements add the events Cassandra's would. */
  trace?: TraceSink;
}

/** Where a traced request's events go (node/tracing.ts stores them in system_traces). */
export interface TraceSink {
  trace(activity: string): void;
}

export interface Plan {
  variables: ColumnSpec[];
  resultColumns: ColumnSpec[];
  pkIndexes: number[];
  /** Tables this plan was compiled against, with their versions: a mismatch makes the plan stale. */
  dependsOn: Array<{ table: TableDef }>;
  /** Keyspace the statement targets (for replica/consistency decisions), if any. */
  keyspace?: string;
  execute(env: ExecEnv, session: Session, req: ExecRequest): Promise<ResultMessage>;
  /** Set for INSERT/UPDATE/DELETE plans, so BATCH can combine their mutations. */
  modification?: import('./modify.ts').CompiledModification;
}

export function planIsStale(plan: Plan, schema: Schema): boolean {
  for (const { table } of plan.dependsOn) {
    const current = schema.keyspaces.get(table.keyspace)?.tables.get(table.name);
    if (!current || current.id !== table.id || current.version !== table.version) return true;
  }
  return false;
}
