// Cassandra's CassandraAuthorizer over an injected PermissionStore: a role holds a permission on a resource when it,
// or any role granted to it, was granted it on the resource or one of its parents; superusers hold them all. Each
// role's grants are cached for permissions_validity, as Cassandra's PermissionsCache does.
import { UnauthorizedError } from '../model/errors.ts';
import type { PermissionName } from '../model/ast-roles.ts';
import { chain, resourceName, resourceText, type Resource } from './resources.ts';
import type { Requirement } from './statement-permissions.ts';
import type { AuthClock, PermissionStore, RoleReader, RoleRecord } from './types.ts';

export interface AuthorizerDeps {
  permissions: PermissionStore;
  roles: RoleReader;
  clock: AuthClock;
  permissionsValidityMs: number;
}

interface Cached<T> {
  value: T;
  loadedAt: number;
}

export class CassandraAuthorizer {
  private readonly grants = new Map<string, Cached<Map<string, Set<string>>>>();
  private readonly roleCache = new Map<string, Cached<RoleRecord[]>>();

  constructor(private readonly deps: AuthorizerDeps) {}

  /** `user` and every role granted to it, recursively. */
  async rolesOf(user: string): Promise<RoleRecord[]> {
    const hit = this.fresh(this.roleCache.get(user));
    if (hit !== undefined) return hit;
    const out = new Map<string, RoleRecord>();
    const visit = async (name: string): Promise<void> => {
      if (out.has(name)) return;
      const r = await this.deps.roles.role(name);
      if (r === undefined) return;
      out.set(name, r);
      for (const m of r.memberOf) await visit(m);
    };
    await visit(user);
    const value = [...out.values()];
    this.roleCache.set(user, { value, loadedAt: this.deps.clock.now() });
    return value;
  }

  async isSuperuser(user: string): Promise<boolean> {
    return (await this.rolesOf(user)).some((r) => r.isSuperuser);
  }

  async holds(user: string, permission: PermissionName, resource: Resource): Promise<boolean> {
    const roles = await this.rolesOf(user);
    if (roles.some((r) => r.isSuperuser)) return true;
    const names = chain(resource).map(resourceName);
    for (const r of roles) {
      const grants = await this.grantsOf(r.name);
      if (names.some((n) => grants.get(n)?.has(permission) === true)) return true;
    }
    return false;
  }

  /** Throws Unauthorized with Cassandra's message for the first requirement `user` does not hold. */
  async authorize(user: string | undefined, requirements: Requirement[]): Promise<void> {
    if (requirements.length === 0) return;
    if (user === undefined) throw new UnauthorizedError('You have not logged in');
    for (const { permission, resource } of requirements) {
      if (!await this.holds(user, permission, resource)) {
        throw new UnauthorizedError(`User ${user} has no ${permission} permission on ${resourceText(resource)} or any of its parents`);
      }
    }
  }

  /** Grants, revokes and role changes made here are seen at once on this node. */
  invalidate(): void {
    this.grants.clear();
    this.roleCache.clear();
  }

  private async grantsOf(role: string): Promise<Map<string, Set<string>>> {
    const hit = this.fresh(this.grants.get(role));
    if (hit !== undefined) return hit;
    const value = await this.deps.permissions.permissionsOf(role);
    this.grants.set(role, { value, loadedAt: this.deps.clock.now() });
    return value;
  }

  private fresh<T>(c: Cached<T> | undefined): T | undefined {
    return c !== undefined && this.deps.clock.now() - c.loadedAt < this.deps.permissionsValidityMs ? c.value : undefined;
  }
}
