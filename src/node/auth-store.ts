// The role store of src/auth over system_auth.roles, as Cassandra's CassandraRoleManager reads and writes it: reads
// at LOCAL_QUORUM (QUORUM for the default superuser, whose row every node may have written), writes at EACH_QUORUM
// (Cassandra 5.0's auth_read_consistency_level / auth_write_consistency_level defaults).
import { Consistency } from '../model/consistency.ts';
import { serializeCollection } from '../model/values/collections.ts';
import type { RoleRecord, RoleStore } from '../auth/types.ts';
import { DEFAULT_SUPERUSER_NAME } from '../auth/default-role.ts';
import { bool, text, type InternalQueries, type InternalRow } from './internal-query.ts';

function roleOf(row: InternalRow): RoleRecord {
  const hash = row['salted_hash'];
  const memberOf = row['member_of'];
  return {
    name: String(row['role']),
    isSuperuser: row['is_superuser'] === true,
    canLogin: row['can_login'] === true,
    memberOf: Array.isArray(memberOf) ? memberOf.map(String) : [],
    ...(typeof hash === 'string' ? { saltedHash: hash } : {}),
  };
}

export class SystemAuthRoles implements RoleStore {
  constructor(private readonly queries: InternalQueries) {}

  async role(name: string): Promise<RoleRecord | undefined> {
    const cl = name === DEFAULT_SUPERUSER_NAME ? Consistency.QUORUM : Consistency.LOCAL_QUORUM;
    const rows = await this.queries.execute('SELECT * FROM system_auth.roles WHERE role = ?', [text(name)], cl);
    return rows.length === 0 ? undefined : roleOf(rows[0]!);
  }

  async anyRole(): Promise<boolean> {
    const rows = await this.queries.execute('SELECT role FROM system_auth.roles LIMIT 1', [], Consistency.ONE);
    return rows.length > 0;
  }

  async allRoles(): Promise<RoleRecord[]> {
    return (await this.queries.execute('SELECT * FROM system_auth.roles', [], Consistency.LOCAL_QUORUM)).map(roleOf);
  }

  async putRole(role: RoleRecord, atTimestampZero = false): Promise<void> {
    const cql = 'INSERT INTO system_auth.roles (role, is_superuser, can_login, member_of, salted_hash) VALUES (?, ?, ?, ?, ?)'
      + (atTimestampZero ? ' USING TIMESTAMP 0' : '');
    const memberOf = role.memberOf.length === 0 ? null : serializeCollection([...role.memberOf].sort().map(text));
    await this.queries.execute(cql, [
      text(role.name), bool(role.isSuperuser), bool(role.canLogin), memberOf, role.saltedHash === undefined ? null : text(role.saltedHash),
    ], atTimestampZero ? Consistency.QUORUM : Consistency.EACH_QUORUM);
  }

  async deleteRole(name: string): Promise<void> {
    await this.queries.execute('DELETE FROM system_auth.roles WHERE role = ?', [text(name)], Consistency.EACH_QUORUM);
  }

  async members(role: string): Promise<string[]> {
    const rows = await this.queries.execute('SELECT member FROM system_auth.role_members WHERE role = ?', [text(role)], Consistency.LOCAL_QUORUM);
    return rows.map((r) => String(r['member']));
  }

  async addMember(role: string, member: string): Promise<void> {
    await this.queries.execute('INSERT INTO system_auth.role_members (role, member) VALUES (?, ?)', [text(role), text(member)], Consistency.EACH_QUORUM);
  }

  async removeMember(role: string, member: string): Promise<void> {
    await this.queries.execute('DELETE FROM system_auth.role_members WHERE role = ? AND member = ?', [text(role), text(member)], Consistency.EACH_QUORUM);
  }
}
