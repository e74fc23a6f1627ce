// Statements of Cassandra's CassandraRoleManager (CREATE/ALTER/DROP ROLE and USER, GRANT/REVOKE a role, LIST ROLES,
// LIST USERS), kept apart from ast.ts: one `role` statement kind with its own operations.

export interface RoleOptions {
  password?: string;
  hashedPassword?: string;
  login?: boolean;
  superuser?: boolean;
  options?: Array<[string, string]>;
}

/**
 * ACCESS TO [ALL] DATACENTERS and ACCESS FROM [ALL] CIDRS (CREATE/ALTER ROLE only): kept apart from the options, as
 * Cassandra keeps its DCPermissions and CIDRPermissions apart from RoleOptions. An empty list never parses.
 */
export interface RoleAccess {
  datacenters?: string[] | 'all';
  cidrs?: string[] | 'all';
}

export type RoleOperation =
  | { op: 'create'; role: string; ifNotExists: boolean; options: RoleOptions; user: boolean; access?: RoleAccess }
  | { op: 'alter'; role: string; ifExists: boolean; options: RoleOptions; user: boolean; access?: RoleAccess }
  | { op: 'drop'; role: string; ifExists: boolean; user: boolean }
  | { op: 'grant'; role: string; grantee: string }
  | { op: 'revoke'; role: string; revokee: string }
  | { op: 'list_roles'; of?: string; recursive: boolean }
  | { op: 'list_users' };

/** A resource of CassandraAuthorizer, as written in GRANT/REVOKE/LIST. */
export type AuthResource =
  | { kind: 'all_keyspaces' }
  | { kind: 'keyspace'; keyspace: string }
  /** `keyspace` absent: the session's keyspace, resolved at execution. */
  | { kind: 'table'; keyspace?: string; table: string }
  | { kind: 'all_roles' }
  | { kind: 'role'; role: string };

/** Permission names as Cassandra spells them; 'ALL' is every permission the resource supports. */
export type PermissionName = 'CREATE' | 'ALTER' | 'DROP' | 'SELECT' | 'MODIFY' | 'AUTHORIZE' | 'DESCRIBE' | 'EXECUTE';

export type PermissionOperation =
  | { op: 'grant_permission'; permissions: PermissionName[] | 'ALL'; resource: AuthResource; grantee: string }
  | { op: 'revoke_permission'; permissions: PermissionName[] | 'ALL'; resource: AuthResource; revokee: string }
  | { op: 'list_permissions'; permissions: PermissionName[] | 'ALL'; resource?: AuthResource; of?: string; recursive: boolean };

export type RoleStatement = { kind: 'role' } & (RoleOperation | PermissionOperation);
