// CassandraAuthorizer's resources: their names as stored in system_auth.role_permissions ('data', 'data/ks',
// 'data/ks/t', 'roles', 'roles/r'), how Cassandra prints them ('<table ks.t>'), their parents, and the permissions
// each kind supports (DataResource, RoleResource).
import type { PermissionName } from '../model/ast-roles.ts';

/** A resolved resource (a table's keyspace known). */
export type Resource =
  | { kind: 'all_keyspaces' }
  | { kind: 'keyspace'; keyspace: string }
  | { kind: 'table'; keyspace: string; table: string }
  | { kind: 'all_roles' }
  | { kind: 'role'; role: string };

export function resourceName(r: Resource): string {
  switch (r.kind) {
    case 'all_keyspaces': return 'data';
    case 'keyspace': return `data/${r.keyspace}`;
    case 'table': return `data/${r.keyspace}/${r.table}`;
    case 'all_roles': return 'roles';
    case 'role': return `roles/${r.role}`;
  }
}

export function resourceText(r: Resource): string {
  switch (r.kind) {
    case 'all_keyspaces': return '<all keyspaces>';
    case 'keyspace': return `<keyspace ${r.keyspace}>`;
    case 'table': return `<table ${r.keyspace}.${r.table}>`;
    case 'all_roles': return '<all roles>';
    case 'role': return `<role ${r.role}>`;
  }
}

/** The resource named `name` ('data/ks/t'…), or undefined for a name of another kind (functions, mbeans). */
export function parseResourceName(name: string): Resource | undefined {
  const parts = name.split('/');
  if (parts[0] === 'data') {
    if (parts.length === 1) return { kind: 'all_keyspaces' };
    if (parts.length === 2) return { kind: 'keyspace', keyspace: parts[1]! };
    if (parts.length === 3) return { kind: 'table', keyspace: parts[1]!, table: parts[2]! };
  }
  if (parts[0] === 'roles') return parts.length === 1 ? { kind: 'all_roles' } : { kind: 'role', role: parts.slice(1).join('/') };
  return undefined;
}

/** The resource and its parents, nearest first: a permission on any of them applies. */
export function chain(r: Resource): Resource[] {
  switch (r.kind) {
    case 'table': return [r, { kind: 'keyspace', keyspace: r.keyspace }, { kind: 'all_keyspaces' }];
    case 'keyspace': return [r, { kind: 'all_keyspaces' }];
    case 'role': return [r, { kind: 'all_roles' }];
    default: return [r];
  }
}

/** Permissions each resource supports, in Cassandra's order (GRANT ALL grants these). */
export function applicablePermissions(r: Resource): PermissionName[] {
  switch (r.kind) {
    case 'all_keyspaces':
    case 'keyspace': return ['CREATE', 'ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE'];
    case 'table': return ['ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE'];
    case 'all_roles': return ['CREATE', 'ALTER', 'DROP', 'AUTHORIZE', 'DESCRIBE'];
    case 'role': return ['ALTER', 'DROP', 'AUTHORIZE'];
  }
}
