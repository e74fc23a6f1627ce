// Cassandra's audit log (AuditLogManager with FileAuditLogger): one line per event in AuditLogEntry's format,
// `user:…|host:…|source:…|port:…|timestamp:…|type:…|category:…[|ks:…][|scope:…][|operation:…]`, filtered by
// keyspace, category and user as audit_logging_options says. Pure: the clock and the sink are injected.
import type { Statement } from '../model/ast.ts';
import type { AuthClock } from './types.ts';

export type AuditCategory = 'QUERY' | 'DML' | 'DDL' | 'DCL' | 'OTHER' | 'AUTH' | 'ERROR' | 'PREPARE';

export interface AuditFilter {
  includedKeyspaces: string[];
  excludedKeyspaces: string[];
  includedCategories: string[];
  excludedCategories: string[];
  includedUsers: string[];
  excludedUsers: string[];
}

export interface AuditEvent {
  user: string | undefined;
  /** The client's address and port. */
  source: string;
  sourcePort: number;
  type: string;
  keyspace?: string;
  scope?: string;
  operation?: string;
}

const CATEGORY: Record<string, AuditCategory> = {
  SELECT: 'QUERY', UPDATE: 'DML', DELETE: 'DML', BATCH: 'DML', PREPARE_STATEMENT: 'PREPARE',
  USE_KEYSPACE: 'OTHER', DESCRIBE: 'OTHER', REQUEST_FAILURE: 'ERROR',
  LOGIN_SUCCESS: 'AUTH', LOGIN_ERROR: 'AUTH', UNAUTHORIZED_ATTEMPT: 'AUTH',
  GRANT: 'DCL', REVOKE: 'DCL', CREATE_ROLE: 'DCL', ALTER_ROLE: 'DCL', DROP_ROLE: 'DCL', LIST_ROLES: 'DCL',
  LIST_USERS: 'DCL', LIST_PERMISSIONS: 'DCL',
};

export function categoryOf(type: string): AuditCategory {
  return CATEGORY[type] ?? 'DDL';
}

/** The audit type of a statement, with its keyspace and table (scope) when it names them. */
export function describeStatement(stmt: Statement, sessionKeyspace: string | undefined): Pick<AuditEvent, 'type' | 'keyspace' | 'scope'> {
  const table = (q: { keyspace?: string; name: string }) => ({ keyspace: q.keyspace ?? sessionKeyspace, scope: q.name });
  switch (stmt.kind) {
    case 'select': return { type: 'SELECT', ...table(stmt.table) };
    case 'insert':
    case 'update': return { type: 'UPDATE', ...table(stmt.table) };
    case 'delete': return { type: 'DELETE', ...table(stmt.table) };
    case 'batch': return { type: 'BATCH', ...(sessionKeyspace ? { keyspace: sessionKeyspace } : {}) };
    case 'truncate': return { type: 'TRUNCATE', ...table(stmt.table) };
    case 'use': return { type: 'USE_KEYSPACE', keyspace: stmt.keyspace };
    case 'describe': return { type: 'DESCRIBE' };
    case 'create_keyspace': return { type: 'CREATE_KEYSPACE', keyspace: stmt.keyspace };
    case 'alter_keyspace': return { type: 'ALTER_KEYSPACE', keyspace: stmt.keyspace };
    case 'drop_keyspace': return { type: 'DROP_KEYSPACE', keyspace: stmt.keyspace };
    case 'create_table': return { type: 'CREATE_TABLE', ...table(stmt.table) };
    case 'alter_table': return { type: 'ALTER_TABLE', ...table(stmt.table) };
    case 'drop_table': return { type: 'DROP_TABLE', ...table(stmt.table) };
    case 'create_index': return { type: 'CREATE_INDEX', ...table(stmt.table) };
    case 'drop_index': return { type: 'DROP_INDEX', ...table(stmt.index) };
    case 'create_type': return { type: 'CREATE_TYPE', ...table(stmt.type) };
    case 'alter_type': return { type: 'ALTER_TYPE', ...table(stmt.type) };
    case 'drop_type': return { type: 'DROP_TYPE', ...table(stmt.type) };
    case 'create_view': return { type: 'CREATE_VIEW', ...table(stmt.view) };
    case 'alter_view': return { type: 'ALTER_VIEW', ...table(stmt.view) };
    case 'drop_view': return { type: 'DROP_VIEW', ...table(stmt.view) };
    case 'create_function': return { type: 'CREATE_FUNCTION', ...table(stmt.name) };
    case 'drop_function': return { type: 'DROP_FUNCTION', ...table(stmt.name) };
    case 'create_aggregate': return { type: 'CREATE_AGGREGATE', ...table(stmt.name) };
    case 'drop_aggregate': return { type: 'DROP_AGGREGATE', ...table(stmt.name) };
    case 'role': return { type: roleType(stmt.op) };
  }
}

function roleType(op: Extract<Statement, { kind: 'role' }>['op']): string {
  switch (op) {
    case 'create': return 'CREATE_ROLE';
    case 'alter': return 'ALTER_ROLE';
    case 'drop': return 'DROP_ROLE';
    case 'grant':
    case 'grant_permission': return 'GRANT';
    case 'revoke':
    case 'revoke_permission': return 'REVOKE';
    case 'list_roles': return 'LIST_ROLES';
    case 'list_users': return 'LIST_USERS';
    case 'list_permissions': return 'LIST_PERMISSIONS';
  }
}

/** Passwords never reach the log: a statement's quoted password is replaced, as Cassandra obfuscates it. */
export function obfuscatePasswords(cql: string): string {
  return cql.replace(/(password\s*=?\s*)'(?:[^']|'')*'/gi, "$1'*******'");
}

export class AuditLog {
  constructor(
    private readonly filter: AuditFilter,
    private readonly hostEndpoint: string,
    private readonly clock: AuthClock,
    private readonly sink: (line: string) => void,
  ) {}

  private wanted(e: AuditEvent, category: AuditCategory): boolean {
    const f = this.filter;
    const inList = (list: string[], v: string | undefined): boolean => v !== undefined && list.includes(v);
    if (f.includedCategories.length > 0 && !f.includedCategories.includes(category)) return false;
    if (f.excludedCategories.includes(category)) return false;
    if (f.includedUsers.length > 0 && !inList(f.includedUsers, e.user)) return false;
    if (inList(f.excludedUsers, e.user)) return false;
    if (e.keyspace !== undefined) {
      if (f.includedKeyspaces.length > 0 && !f.includedKeyspaces.includes(e.keyspace)) return false;
      if (f.excludedKeyspaces.includes(e.keyspace)) return false;
    }
    return true;
  }

  log(e: AuditEvent): void {
    const category = categoryOf(e.type);
    if (!this.wanted(e, category)) return;
    let line = `user:${e.user ?? 'anonymous'}|host:${this.hostEndpoint}|source:${e.source}|port:${e.sourcePort}`
      + `|timestamp:${Math.floor(this.clock.now())}|type:${e.type}|category:${category}`;
    if (e.keyspace !== undefined) line += `|ks:${e.keyspace}`;
    if (e.scope !== undefined) line += `|scope:${e.scope}`;
    if (e.operation !== undefined) line += `|operation:${obfuscatePasswords(e.operation)}`;
    this.sink(line);
  }
}
