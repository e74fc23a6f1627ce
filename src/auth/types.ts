// What authentication, roles and permissions are made of, and the stores they are kept in. The logic of src/auth
// takes these as injected interfaces; the node implements them over system_auth tables (node/auth-store.ts), the
// tests over maps.

/** One row of system_auth.roles. */
export interface RoleRecord {
  name: string;
  isSuperuser: boolean;
  canLogin: boolean;
  /** Roles granted to this one (member_of). */
  memberOf: string[];
  /** bcrypt ($2a$) of the password, when the role has one. */
  saltedHash?: string;
}

export interface RoleReader {
  role(name: string): Promise<RoleRecord | undefined>;
  /** Whether any role exists at all (the default superuser is created only in a cluster without roles). */
  anyRole(): Promise<boolean>;
}

export interface RoleWriter {
  /** Writes the role row; `atTimestampZero` makes concurrent default-role creations by several nodes converge. */
  putRole(role: RoleRecord, atTimestampZero?: boolean): Promise<void>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, saltedHash: string): Promise<boolean>;
}

export interface AuthClock {
  now(): number;
}

export type AuthLog = (msg: string) => void;

/** Everything CassandraRoleManager keeps: roles (system_auth.roles) and memberships (system_auth.role_members). */
export interface RoleStore extends RoleReader, RoleWriter {
  allRoles(): Promise<RoleRecord[]>;
  deleteRole(name: string): Promise<void>;
  /** Roles granted `role` (role_members rows of `role`). */
  members(role: string): Promise<string[]>;
  addMember(role: string, member: string): Promise<void>;
  removeMember(role: string, member: string): Promise<void>;
}

/** system_auth.role_permissions (and its index by resource), as CassandraAuthorizer keeps them. */
export interface PermissionStore {
  /** Resource name → permissions granted to `role` directly. */
  permissionsOf(role: string): Promise<Map<string, Set<string>>>;
  /** Every (role, resource, permissions) row. */
  all(): Promise<Array<{ role: string; resource: string; permissions: string[] }>>;
  grant(role: string, resource: string, permissions: string[]): Promise<void>;
  revoke(role: string, resource: string, permissions: string[]): Promise<void>;
  /** Removes every grant on `resource` (dropped) or of `role` (dropped). */
  revokeAllOn(resource: string): Promise<void>;
  revokeAllFrom(role: string): Promise<void>;
}
