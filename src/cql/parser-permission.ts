// GRANT/REVOKE/LIST permissions as Cassandra 5.0's grammar has them (grantPermissionsStatement, permissionOrAll,
// resource): `GRANT SELECT ON KEYSPACE ks TO r`, `REVOKE ALL PERMISSIONS ON ALL KEYSPACES FROM r`,
// `LIST ALL [ON …] [OF r] [NORECURSIVE]`.
import type { AuthResource, PermissionName, RoleStatement } from '../model/ast-roles.ts';
import type { Parser } from './parser-core.ts';

const PERMISSIONS: readonly PermissionName[] = ['CREATE', 'ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE', 'DESCRIBE', 'EXECUTE'];

/** After GRANT/REVOKE/LIST: whether a permission (or ALL) comes next. */
export function isPermissionStatement(p: Parser): boolean {
  if (!p.isKw('grant') && !p.isKw('revoke') && !p.isKw('list')) return false;
  const t = p.peek(1);
  return t.type === 'ident' && (t.lower === 'all' || PERMISSIONS.includes(t.lower.toUpperCase() as PermissionName));
}

function permissions(p: Parser): PermissionName[] | 'ALL' {
  if (p.acceptKw('all')) {
    p.acceptKw('permissions');
    return 'ALL';
  }
  const t = p.next();
  const name = t.lower.toUpperCase() as PermissionName;
  if (t.type !== 'ident' || !PERMISSIONS.includes(name)) throw p.noViable(t);
  if (!p.acceptKw('permission')) p.acceptKw('permissions');
  return [name];
}

function nameOf(p: Parser): string {
  const t = p.peek();
  if (t.type === 'string') {
    p.next();
    return t.text;
  }
  return p.ident();
}

function resource(p: Parser): AuthResource {
  if (p.acceptKw('all')) {
    if (p.acceptKw('keyspaces')) return { kind: 'all_keyspaces' };
    if (p.acceptKw('roles')) return { kind: 'all_roles' };
    throw p.error(`ALL ${p.peek().text.toUpperCase()} resources are not supported`);
  }
  if (p.acceptKw('keyspace')) return { kind: 'keyspace', keyspace: p.ident() };
  if (p.acceptKw('role')) return { kind: 'role', role: nameOf(p) };
  if (p.isKw('function') || p.isKw('mbean') || p.isKw('mbeans') || p.isKw('functions')) {
    throw p.error(`${p.peek().text.toUpperCase()} resources are not supported`);
  }
  p.acceptKw('table');
  const q = p.qualifiedName();
  return { kind: 'table', ...(q.keyspace !== undefined ? { keyspace: q.keyspace } : {}), table: q.name };
}

export function permissionStatement(p: Parser): RoleStatement {
  const verb = p.next().lower;
  const perms = permissions(p);
  if (verb === 'list') {
    const on = p.acceptKw('on') ? resource(p) : undefined;
    const of = p.acceptKw('of') ? nameOf(p) : undefined;
    const recursive = !p.acceptKw('norecursive');
    return { kind: 'role', op: 'list_permissions', permissions: perms, ...(on ? { resource: on } : {}), ...(of !== undefined ? { of } : {}), recursive };
  }
  p.expectKw('on');
  const res = resource(p);
  p.expectKw(verb === 'grant' ? 'to' : 'from');
  const role = nameOf(p);
  return verb === 'grant'
    ? { kind: 'role', op: 'grant_permission', permissions: perms, resource: res, grantee: role }
    : { kind: 'role', op: 'revoke_permission', permissions: perms, resource: res, revokee: role };
}
