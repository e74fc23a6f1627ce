// The plans of CREATE/DROP FUNCTION and AGGREGATE: the checks Cassandra makes before the schema is touched (OR
// REPLACE with IF NOT EXISTS; user_defined_functions_enabled, Cassandra 5.0's name and refusal) and INITCOND
// serialized for the state type, then the schema change (schema/ddl_function.ts).
import type { FunctionStatement } from '../../model/ast-functions.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { formatLiteral } from '../../model/values/format.ts';
import { resolveType } from '../../schema/types_resolve.ts';
import type { ExecEnv, Plan, Session } from './plan.ts';
import { compileTerm, MarkerTypes } from './terms.ts';
import { UNSET } from '../../protocol/messages.ts';

export const UDF_DISABLED = 'User-defined functions are disabled in cassandra.yaml - set user_defined_functions_enabled=true to enable';

async function apply(env: ExecEnv, session: Session, stmt: FunctionStatement) {
  if ((stmt.kind === 'create_function' || stmt.kind === 'create_aggregate') && stmt.orReplace && stmt.ifNotExists) {
    throw new InvalidRequestError("Cannot use both 'OR REPLACE' and 'IF NOT EXISTS' directives");
  }
  if (stmt.kind === 'create_function' && env.userFunctionsEnabled !== true) throw new InvalidRequestError(UDF_DISABLED);
  if (stmt.kind !== 'create_aggregate' || stmt.initCond === undefined) return env.applySchemaChange(stmt, session);
  const ks = stmt.name.keyspace ?? session.keyspace ?? '';
  const stateType = resolveType(stmt.stateType, ks, env.schema());
  const term = compileTerm(stmt.initCond, { keyspace: ks, table: '', name: 'initcond', type: stateType }, new MarkerTypes(0));
  const value = term({ values: [], nowMicros: env.nowMicros() });
  if (value === UNSET) throw new InvalidRequestError('Invalid unset value for INITCOND');
  const initCondValue = value === null ? undefined : { hex: value.toString('hex'), cql: formatLiteral(stateType, value) };
  return env.applySchemaChange({ ...stmt, ...(initCondValue ? { initCondValue } : {}) } as FunctionStatement, session);
}

export function functionDdlPlan(stmt: FunctionStatement): Plan {
  return { variables: [], resultColumns: [], pkIndexes: [], dependsOn: [], execute: (env, session) => apply(env, session, stmt) };
}
