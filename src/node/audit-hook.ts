// The handler's AuditHook over auth/audit.ts: statements with their outcome (a failure is REQUEST_FAILURE, an
// Unauthorized one UNAUTHORIZED_ATTEMPT, as Cassandra's AuditLogManager records them) and logins.
import { AuditLog, describeStatement, type AuditFilter } from '../auth/audit.ts';
import type { AuthClock } from '../auth/types.ts';
import { UnauthorizedError } from '../model/errors.ts';
import type { AuditHook, ConnectionState } from './handler.ts';

function source(state: ConnectionState): { source: string; sourcePort: number } {
  return { source: state.clientAddress ?? '', sourcePort: state.clientPort ?? 0 };
}

export function auditHook(filter: AuditFilter, hostEndpoint: string, clock: AuthClock, sink: (line: string) => void): AuditHook {
  const log = new AuditLog(filter, hostEndpoint, clock, sink);
  return {
    statement(state, stmt, query, keyspace, error) {
      const what = stmt === undefined ? { type: 'REQUEST_FAILURE' } : describeStatement(stmt, keyspace);
      const type = error === undefined ? what.type : error instanceof UnauthorizedError ? 'UNAUTHORIZED_ATTEMPT' : 'REQUEST_FAILURE';
      const operation = error === undefined ? query : `${query}; ${error instanceof Error ? error.message : String(error)}`;
      log.log({ user: state.session.user, ...source(state), ...what, type, operation });
    },
    batch(state, kind, statements, error) {
      const operation = `BEGIN ${kind} BATCH of ${statements} statements`;
      if (error === undefined) log.log({ user: state.session.user, ...source(state), type: 'BATCH', operation });
      else log.log({ user: state.session.user, ...source(state), type: 'REQUEST_FAILURE', operation: `${operation}; ${error instanceof Error ? error.message : String(error)}` });
    },
    login(state, user, error) {
      if (error === undefined) log.log({ user, ...source(state), type: 'LOGIN_SUCCESS', operation: 'LOGIN SUCCESSFUL' });
      else log.log({ user, ...source(state), type: 'LOGIN_ERROR', operation: `LOGIN FAILURE; ${error instanceof Error ? error.message : String(error)}` });
    },
  };
}
