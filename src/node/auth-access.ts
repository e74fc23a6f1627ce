// CassandraAuthorizer on a node: the handler's AccessGate (each statement's permissions checked before it runs; the
// creator of a keyspace, table or role granted every permission on it, and a dropped one's grants removed, after),
// and GRANT/REVOKE/LIST permissions over system_auth.role_permissions.
import type { Statement } from '../model/ast.ts';
import type { Schema } from '../schema/model.ts';
import { isSystemKeyspace } from '../schema/system_defs.ts';
import { CassandraAuthorizer } from '../auth/authorizer.ts';
import { PermissionStatements } from '../auth/permission-statements.ts';
import { applicablePermissions, resourceName, type Resource } from '../auth/resources.ts';
import { createdResource, droppedResource, requiredPermissions } from '../auth/statement-permissions.ts';
import type { AuthClock, RoleReader } from '../auth/types.ts';
import { SystemAuthPermissions } from './auth-permission-store.ts';
import type { AccessGate } from './handler.ts';
import type { InternalQueries } from './internal-query.ts';

export interface AuthAccessOptions {
  queries: InternalQueries;
  roles: RoleReader;
  clock: AuthClock;
  schema: () => Schema;
  permissionsValidityMs: number;
}

function exists(schema: Schema, r: Resource): boolean {
  if (r.kind === 'keyspace') return schema.keyspaces.has(r.keyspace);
  if (r.kind === 'table') return schema.keyspaces.get(r.keyspace)?.tables.has(r.table) ?? false;
  return true;
}

export class AuthAccess {
  readonly authorizer: CassandraAuthorizer;
  readonly permissions: SystemAuthPermissions;
  readonly statements: PermissionStatements;
  readonly gate: AccessGate;

  constructor(opts: AuthAccessOptions) {
    this.permissions = new SystemAuthPermissions(opts.queries);
    this.authorizer = new CassandraAuthorizer({
      permissions: this.permissions, roles: opts.roles, clock: opts.clock, permissionsValidityMs: opts.permissionsValidityMs,
    });
    this.statements = new PermissionStatements({
      authorizer: this.authorizer, permissions: this.permissions, roles: opts.roles,
      exists: (r) => exists(opts.schema(), r), isSystemKeyspace,
    });
    this.gate = {
      check: (user, stmt, ks) => this.authorizer.authorize(user, requiredPermissions(stmt, ks)),
      done: (user, stmt, ks) => this.afterwards(user, stmt, ks),
    };
  }

  private async afterwards(user: string | undefined, stmt: Statement, ks: string | undefined): Promise<void> {
    const created = createdResource(stmt, ks);
    const dropped = droppedResource(stmt, ks);
    if (created === undefined && dropped === undefined) return;
    if (created !== undefined && user !== undefined) {
      await this.permissions.grant(user, resourceName(created), applicablePermissions(created));
    }
    if (dropped !== undefined) {
      await this.permissions.revokeAllOn(resourceName(dropped));
      // A dropped keyspace takes its tables' grants with it, as Cassandra revokes them.
      if (dropped.kind === 'keyspace') {
        const prefix = `${resourceName(dropped)}/`;
        const onTables = new Set((await this.permissions.all()).map((g) => g.resource).filter((r) => r.startsWith(prefix)));
        for (const r of onTables) await this.permissions.revokeAllOn(r);
      }
      if (dropped.kind === 'role') await this.permissions.revokeAllFrom(dropped.role);
    }
    this.authorizer.invalidate();
  }
}
