// CassandraAuthorizer's store over system_auth.role_permissions and its index by resource
// (resource_role_permissons_index, Cassandra's spelling), at the auth consistency levels of auth-store.ts.
import { Consistency } from '../model/consistency.ts';
import type { PermissionStore } from '../auth/types.ts';
import { text, type InternalQueries } from './internal-query.ts';

const READ = Consistency.LOCAL_QUORUM;
const WRITE = Consistency.EACH_QUORUM;

function setLiteral(perms: string[]): string {
  // Permission names are a fixed vocabulary of upper-case words (checked by the parser), safe to inline.
  for (const p of perms) if (!/^[A-Z_]+$/.test(p)) throw new Error(`not a permission name: ${p}`);
  return `{${perms.map((p) => `'${p}'`).join(', ')}}`;
}

export class SystemAuthPermissions implements PermissionStore {
  constructor(private readonly queries: InternalQueries) {}

  async permissionsOf(role: string): Promise<Map<string, Set<string>>> {
    const rows = await this.queries.execute('SELECT resource, permissions FROM system_auth.role_permissions WHERE role = ?', [text(role)], READ);
    return new Map(rows.map((r) => [String(r['resource']), new Set(Array.isArray(r['permissions']) ? r['permissions'].map(String) : [])]));
  }

  async all(): Promise<Array<{ role: string; resource: string; permissions: string[] }>> {
    const rows = await this.queries.execute('SELECT role, resource, permissions FROM system_auth.role_permissions', [], READ);
    return rows
      .map((r) => ({ role: String(r['role']), resource: String(r['resource']), permissions: Array.isArray(r['permissions']) ? r['permissions'].map(String) : [] }))
      .filter((g) => g.permissions.length > 0);
  }

  async grant(role: string, resource: string, permissions: string[]): Promise<void> {
    await this.queries.execute(`UPDATE system_auth.role_permissions SET permissions = permissions + ${setLiteral(permissions)} WHERE role = ? AND resource = ?`,
      [text(role), text(resource)], WRITE);
    await this.queries.execute('INSERT INTO system_auth.resource_role_permissons_index (resource, role) VALUES (?, ?)', [text(resource), text(role)], WRITE);
  }

  async revoke(role: string, resource: string, permissions: string[]): Promise<void> {
    await this.queries.execute(`UPDATE system_auth.role_permissions SET permissions = permissions - ${setLiteral(permissions)} WHERE role = ? AND resource = ?`,
      [text(role), text(resource)], WRITE);
  }

  async revokeAllOn(resource: string): Promise<void> {
    const rows = await this.queries.execute('SELECT role FROM system_auth.resource_role_permissons_index WHERE resource = ?', [text(resource)], READ);
    for (const r of rows) {
      await this.queries.execute('DELETE FROM system_auth.role_permissions WHERE role = ? AND resource = ?', [text(String(r['role'])), text(resource)], WRITE);
    }
    await this.queries.execute('DELETE FROM system_auth.resource_role_permissons_index WHERE resource = ?', [text(resource)], WRITE);
  }

  async revokeAllFrom(role: string): Promise<void> {
    const held = await this.permissionsOf(role);
    for (const resource of held.keys()) {
      await this.queries.execute('DELETE FROM system_auth.resource_role_permissons_index WHERE resource = ? AND role = ?', [text(resource), text(role)], WRITE);
    }
    await this.queries.execute('DELETE FROM system_auth.role_permissions WHERE role = ?', [text(role)], WRITE);
  }
}
