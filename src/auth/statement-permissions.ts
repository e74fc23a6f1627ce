// What each statement needs of CassandraAuthorizer, as Cassandra's statements' checkAccess ask for it: SELECT on the
// table read, MODIFY on the table written (and SELECT too for a conditional write), CREATE on the parent of what is
// created, ALTER/DROP on what is altered or dropped. Reads of the schema and node tables every driver needs are open
// to every logged-in role, as Cassandra 5.0's ClientState.READABLE_SYSTEM_RESOURCES lists them: system.local,
// system.peers, system.peers_v2, every system_schema table and every system_virtual_schema table. The rest of
// `system` (size_estimates, paxos, …) needs a grant, as there. DESCRIBE needs nothing (DescribeStatement.authorize is
// empty: every logged-in role may describe the whole schema).
import type { QualifiedName, Statement } from '../model/ast.ts';
import type { PermissionName } from '../model/ast-roles.ts';
import { InvalidRequestError } from '../model/errors.ts';
import type { Resource } from './resources.ts';

export interface Requirement {
  permission: PermissionName;
  resource: Resource;
}

const READABLE_KEYSPACES = new Set(['system_schema', 'system_virtual_schema']);
const READABLE_SYSTEM_TABLES = new Set(['local', 'peers', 'peers_v2']);

function readableByAll(keyspace: string, tableName: string): boolean {
  return READABLE_KEYSPACES.has(keyspace) || (keyspace === 'system' && READABLE_SYSTEM_TABLES.has(tableName));
}

function keyspaceOf(name: QualifiedName, sessionKeyspace: string | undefined): string {
  const ks = name.keyspace ?? sessionKeyspace;
  if (ks === undefined) throw new InvalidRequestError('No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename');
  return ks;
}

function table(name: QualifiedName, ks: string | undefined): Resource {
  return { kind: 'table', keyspace: keyspaceOf(name, ks), table: name.name };
}

function keyspace(name: QualifiedName, ks: string | undefined): Resource {
  return { kind: 'keyspace', keyspace: keyspaceOf(name, ks) };
}

/** The permissions `stmt` needs; role statements check their own (role-manager.ts, authorizer.ts). */
export function requiredPermissions(stmt: Statement, ks: string | undefined): Requirement[] {
  switch (stmt.kind) {
    case 'select': {
      const t = table(stmt.table, ks);
      if (t.kind === 'table' && readableByAll(t.keyspace, t.table)) return [];
      return [{ permission: 'SELECT', resource: t }];
    }
    case 'insert':
    case 'update':
    case 'delete': {
      const t = table(stmt.table, ks);
      const conditional = stmt.kind === 'insert' ? stmt.ifNotExists : stmt.ifExists || stmt.conditions.length > 0;
      return conditional ? [{ permission: 'MODIFY', resource: t }, { permission: 'SELECT', resource: t }] : [{ permission: 'MODIFY', resource: t }];
    }
    case 'batch': return stmt.statements.flatMap((s) => requiredPermissions(s, ks));
    case 'truncate': return [{ permission: 'MODIFY', resource: table(stmt.table, ks) }];
    case 'create_keyspace': return [{ permission: 'CREATE', resource: { kind: 'all_keyspaces' } }];
    case 'alter_keyspace': return [{ permission: 'ALTER', resource: { kind: 'keyspace', keyspace: stmt.keyspace } }];
    case 'drop_keyspace': return [{ permission: 'DROP', resource: { kind: 'keyspace', keyspace: stmt.keyspace } }];
    case 'create_table': return [{ permission: 'CREATE', resource: keyspace(stmt.table, ks) }];
    case 'alter_table': return [{ permission: 'ALTER', resource: table(stmt.table, ks) }];
    case 'drop_table': return [{ permission: 'DROP', resource: table(stmt.table, ks) }];
    case 'create_type': return [{ permission: 'CREATE', resource: keyspace(stmt.type, ks) }];
    case 'alter_type': return [{ permission: 'ALTER', resource: keyspace(stmt.type, ks) }];
    case 'drop_type': return [{ permission: 'DROP', resource: keyspace(stmt.type, ks) }];
    case 'create_index': return [{ permission: 'ALTER', resource: table(stmt.table, ks) }];
    // The index's table is not named: ALTER on its keyspace (Cassandra asks ALTER on the base table).
    case 'drop_index': return [{ permission: 'ALTER', resource: keyspace(stmt.index, ks) }];
    // Cassandra checks ALTER on the base table for CREATE MATERIALIZED VIEW; ALTER and DROP of a view need ALTER on
    // its keyspace here (the base table is not known before the schema is read).
    case 'create_view': return [{ permission: 'ALTER', resource: table(stmt.base, ks) }];
    case 'alter_view':
    case 'drop_view': return [{ permission: 'ALTER', resource: keyspace(stmt.view, ks) }];
    // Cassandra: CREATE on the keyspace's functions for CREATE FUNCTION/AGGREGATE, DROP on the function to drop it;
    // held here as the keyspace's CREATE and DROP (function resources are not modelled yet).
    case 'create_function':
    case 'create_aggregate': return [{ permission: 'CREATE', resource: keyspace(stmt.name, ks) }];
    case 'drop_function':
    case 'drop_aggregate': return [{ permission: 'DROP', resource: keyspace(stmt.name, ks) }];
    default: return [];
  }
}

/** What a successful statement created, whose creator Cassandra grants every permission on it. */
export function createdResource(stmt: Statement, ks: string | undefined): Resource | undefined {
  if (stmt.kind === 'create_keyspace') return { kind: 'keyspace', keyspace: stmt.keyspace };
  if (stmt.kind === 'create_table') return table(stmt.table, ks);
  if (stmt.kind === 'role' && stmt.op === 'create') return { kind: 'role', role: stmt.role };
  return undefined;
}

/** What a successful statement dropped, whose permissions Cassandra revokes from everyone. */
export function droppedResource(stmt: Statement, ks: string | undefined): Resource | undefined {
  if (stmt.kind === 'drop_keyspace') return { kind: 'keyspace', keyspace: stmt.keyspace };
  if (stmt.kind === 'drop_table') return table(stmt.table, ks);
  if (stmt.kind === 'role' && stmt.op === 'drop') return { kind: 'role', role: stmt.role };
  return undefined;
}
