// The network and CIDR authorizers' tables, as Cassandra 5.0 keeps them: network_permissions keyed by the role's
// resource name (`roles/<name>`, CassandraNetworkAuthorizer uses RoleResource.getName), cidr_permissions by the
// bare role name (CIDRPermissionsManager uses getRoleName), cidr_groups by group with a frozen set of
// (inet, smallint). Read and written at the auth consistency levels of auth-store.ts.
import { Consistency } from '../model/consistency.ts';
import { serializeCollection } from '../model/values/collections.ts';
import type { AccessStore } from '../auth/network-access.ts';
import { formatIp, parseCidr, type Cidr } from '../auth/cidr.ts';
import { text, type InternalQueries } from './internal-query.ts';

const READ = Consistency.LOCAL_QUORUM;
const WRITE = Consistency.EACH_QUORUM;

/** A frozen set<text> value: sorted, de-duplicated, as the value codec orders a set's elements. */
function textSet(names: string[]): Buffer {
  return serializeCollection([...new Set(names)].sort().map(text));
}

const names = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export class SystemAuthAccess implements AccessStore {
  constructor(private readonly queries: InternalQueries) {}

  async datacentersOf(role: string): Promise<string[]> {
    const rows = await this.queries.execute('SELECT dcs FROM system_auth.network_permissions WHERE role = ?', [text(`roles/${role}`)], READ);
    return rows.length === 0 ? [] : names(rows[0]!['dcs']);
  }

  async setDatacenters(role: string, dcs: string[]): Promise<void> {
    await this.queries.execute('UPDATE system_auth.network_permissions SET dcs = ? WHERE role = ?', [textSet(dcs), text(`roles/${role}`)], WRITE);
  }

  async dropDatacenters(role: string): Promise<void> {
    await this.queries.execute('DELETE FROM system_auth.network_permissions WHERE role = ?', [text(`roles/${role}`)], WRITE);
  }

  async cidrGroupsOf(role: string): Promise<string[]> {
    const rows = await this.queries.execute('SELECT cidr_groups FROM system_auth.cidr_permissions WHERE role = ?', [text(role)], READ);
    return rows.length === 0 ? [] : names(rows[0]!['cidr_groups']);
  }

  async setCidrGroups(role: string, groups: string[]): Promise<void> {
    await this.queries.execute('UPDATE system_auth.cidr_permissions SET cidr_groups = ? WHERE role = ?', [textSet(groups), text(role)], WRITE);
  }

  async dropCidrGroups(role: string): Promise<void> {
    await this.queries.execute('DELETE FROM system_auth.cidr_permissions WHERE role = ?', [text(role)], WRITE);
  }

  async cidrGroups(): Promise<Map<string, Cidr[]>> {
    const rows = await this.queries.execute('SELECT cidr_group, cidrs FROM system_auth.cidr_groups', [], READ);
    const out = new Map<string, Cidr[]>();
    for (const row of rows) {
      const cidrs: Cidr[] = [];
      for (const t of Array.isArray(row['cidrs']) ? row['cidrs'] : []) {
        if (Array.isArray(t)) cidrs.push(parseCidr(`${String(t[0])}/${String(t[1])}`));
      }
      out.set(String(row['cidr_group']), cidrs);
    }
    return out;
  }

  async setCidrGroup(name: string, cidrs: Cidr[]): Promise<void> {
    // The tuples are inlined: addresses and netmasks we formatted ourselves, nothing a caller wrote.
    const literal = `{${cidrs.map((c) => `('${formatIp(c.family, c.start)}', ${c.netMask})`).join(', ')}}`;
    await this.queries.execute(`UPDATE system_auth.cidr_groups SET cidrs = ${literal} WHERE cidr_group = ?`, [text(name)], WRITE);
  }

  async dropCidrGroup(name: string): Promise<void> {
    await this.queries.execute('DELETE FROM system_auth.cidr_groups WHERE cidr_group = ?', [text(name)], WRITE);
  }
}
