// GRANT/REVOKE/LIST permissions (Cassandra's PermissionsManagementStatement, ListPermissionsStatement) over the
// authorizer's store, with Cassandra's checks: the grantor needs AUTHORIZE and the permissions themselves on the
// resource; the resource and the role must exist; system keyspaces cannot be granted on.
import { InvalidRequestError, UnauthorizedError } from '../model/errors.ts';
import type { AuthResource, PermissionName, RoleStatement } from '../model/ast-roles.ts';
import type { ResultMessage } from '../protocol/messages.ts';
import { T } from '../model/types.ts';
import { applicablePermissions, chain, parseResourceName, resourceName, resourceText, type Resource } from './resources.ts';
import type { CassandraAuthorizer } from './authorizer.ts';
import type { PermissionStore, RoleReader } from './types.ts';

export interface PermissionStatementDeps {
  authorizer: CassandraAuthorizer;
  permissions: PermissionStore;
  roles: RoleReader;
  /** Whether a keyspace / table exists in the schema. */
  exists(resource: Resource): boolean;
  isSystemKeyspace(name: string): boolean;
}

type PermissionOp = Extract<RoleStatement, { op: 'grant_permission' | 'revoke_permission' | 'list_permissions' }>;

const VOID: ResultMessage = { kind: 'void' };
const ORDER: readonly string[] = ['CREATE', 'ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE', 'DESCRIBE', 'EXECUTE'];

export class PermissionStatements {
  constructor(private readonly deps: PermissionStatementDeps) {}

  async execute(stmt: PermissionOp, user: string, sessionKeyspace: string | undefined): Promise<ResultMessage> {
    if (stmt.op === 'list_permissions') return this.list(stmt, user, sessionKeyspace);
    const resource = this.resolve(stmt.resource, sessionKeyspace);
    const role = stmt.op === 'grant_permission' ? stmt.grantee : stmt.revokee;
    const perms = this.permissionsFor(stmt.permissions, resource);
    if ((resource.kind === 'keyspace' || resource.kind === 'table') && this.deps.isSystemKeyspace(resource.keyspace) && stmt.op === 'grant_permission') {
      throw new UnauthorizedError('Granting permissions on system keyspaces is strictly limited, this operation is not permitted');
    }
    await this.deps.authorizer.authorize(user, [{ permission: 'AUTHORIZE', resource }, ...perms.map((p) => ({ permission: p, resource }))]);
    if (await this.deps.roles.role(role) === undefined) throw new InvalidRequestError(`Role ${role} doesn't exist`);
    if (stmt.op === 'grant_permission') await this.deps.permissions.grant(role, resourceName(resource), perms);
    else await this.deps.permissions.revoke(role, resourceName(resource), perms);
    this.deps.authorizer.invalidate();
    return VOID;
  }

  private resolve(r: AuthResource, ks: string | undefined): Resource {
    let resource: Resource;
    if (r.kind === 'table') {
      const keyspace = r.keyspace ?? ks;
      if (keyspace === undefined) throw new InvalidRequestError('No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename');
      resource = { kind: 'table', keyspace, table: r.table };
    } else resource = r;
    if (!this.deps.exists(resource)) throw new InvalidRequestError(`Resource ${resourceText(resource)} doesn't exist`);
    return resource;
  }

  private permissionsFor(requested: PermissionName[] | 'ALL', resource: Resource): PermissionName[] {
    const applicable = applicablePermissions(resource);
    if (requested === 'ALL') return applicable;
    const unsupported = requested.filter((p) => !applicable.includes(p));
    if (unsupported.length > 0) {
      throw new InvalidRequestError(`Resource type ${resource.kind === 'role' || resource.kind === 'all_roles' ? 'RoleResource' : 'DataResource'} does not support the requested permissions: ${unsupported.join(', ')}`);
    }
    return requested;
  }

  private async list(stmt: Extract<PermissionOp, { op: 'list_permissions' }>, user: string, ks: string | undefined): Promise<ResultMessage> {
    const resource = stmt.resource === undefined ? undefined : this.resolve(stmt.resource, ks);
    const superuser = await this.deps.authorizer.isSuperuser(user);
    const mine = (await this.deps.authorizer.rolesOf(user)).map((r) => r.name);
    if (!superuser && (stmt.of === undefined || !mine.includes(stmt.of))) {
      throw new UnauthorizedError(`You are not authorized to view ${stmt.of ?? 'everyone'}'s permissions`);
    }
    if (stmt.of !== undefined && await this.deps.roles.role(stmt.of) === undefined) throw new InvalidRequestError(`${stmt.of} doesn't exist`);
    const grantees = stmt.of === undefined ? undefined
      : new Set(stmt.recursive ? (await this.deps.authorizer.rolesOf(stmt.of)).map((r) => r.name) : [stmt.of]);
    const resources = resource === undefined ? undefined : new Set((stmt.recursive ? chain(resource) : [resource]).map(resourceName));
    const wanted = stmt.permissions === 'ALL' ? undefined : new Set<string>(stmt.permissions);
    const rows: Array<[string, string, string]> = [];
    for (const g of await this.deps.permissions.all()) {
      if (grantees !== undefined && !grantees.has(g.role)) continue;
      if (resources !== undefined && !resources.has(g.resource)) continue;
      const r = parseResourceName(g.resource);
      if (r === undefined) continue;
      for (const p of g.permissions) if (wanted === undefined || wanted.has(p)) rows.push([g.role, resourceText(r), p]);
    }
    rows.sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]) || ORDER.indexOf(a[2]) - ORDER.indexOf(b[2]));
    const col = (name: string) => ({ keyspace: 'system_auth', table: 'permissions', name, type: T.text });
    const text = (s: string): Buffer => Buffer.from(s, 'utf8');
    return {
      kind: 'rows',
      columns: [col('role'), col('username'), col('resource'), col('permission')],
      rows: rows.map(([role, res, p]) => [text(role), text(role), text(res), text(p)]),
    };
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
