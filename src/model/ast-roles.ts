// Statements of Cassandra's CassandraRoleManager (CREATE/ALTER/DROP ROLE and USER, GRANT/REVOKE a role, LIST ROLES,
// LIST USERS), kept apart from ast.ts: one `role` statement kind with its own operations.

export interface RoleOptions {
  password?: string;
  hashedPassword?: string;
  login?: boolean;
  superuser?: boolean;
  options?: Array<[string, string]>;
}

export type RoleOperation =
  | { op: 'create'; role: string; ifNotExists: boolean; options: RoleOptions; user: boolean }
  | { op: 'alter'; role: string; ifExists: boolean; options: RoleOptions; user: boolean }
  | { op: 'drop'; role: string; ifExists: boolean; user: boolean }
  | { op: 'grant'; role: string; grantee: string }
  | { op: 'revoke'; role: string; revokee: string }
  | { op: 'list_roles'; of?: string; recursive: boolean }
  | { op: 'list_users' };

export type RoleStatement = { kind: 'role' } & RoleOperation;
