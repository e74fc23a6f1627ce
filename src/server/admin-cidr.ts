// The admin API's CIDR group commands (nodetool updatecidrgroup, dropcidrgroup, listcidrgroups, getcidrgroupsofip,
// reloadcidrgroupscache), Cassandra 5.0's CIDRGroupsMappingManager over JMX: the groups live in
// system_auth.cidr_groups, so a change made through one node is seen by every node at its next refresh
// (cidr_groups_cache_refresh_interval); the node that made it reloads at once.
import { CidrFormatError, formatCidr, parseCidr, parseIp } from '../auth/cidr.ts';
import type { NetworkAccess } from '../auth/network-access.ts';
import { AdminRequestError, required as need } from './admin.ts';

export interface CidrAdmin {
  listGroups(): Promise<string[]>;
  cidrsOf(group: string): Promise<string[]>;
  update(group: string, cidrs: string[]): Promise<void>;
  drop(group: string): Promise<void>;
  groupsOfIp(ip: string): Promise<string[]>;
  reload(): Promise<void>;
}

/** A failure nodetool reports as `error: …` (exit status 2): Cassandra's RuntimeException over JMX. */
const failure = (message: string): AdminRequestError => new AdminRequestError(message, 500);

export function cidrAdmin(access: () => NetworkAccess | undefined, cidrAuthorizer: boolean): CidrAdmin {
  const a = (): NetworkAccess => {
    const x = access();
    if (x === undefined) throw new AdminRequestError('CIDR groups need authenticator: PasswordAuthenticator', 404);
    return x;
  };
  const needCassandra = (what: string): void => {
    if (!cidrAuthorizer) throw failure(`${what} operation not supported by AllowAllCIDRAuthorizer`);
  };
  return {
    async listGroups() {
      return [...(await a().deps.store.cidrGroups()).keys()].sort();
    },
    async cidrsOf(group) {
      return ((await a().deps.store.cidrGroups()).get(group) ?? []).map(formatCidr).sort();
    },
    async update(group, cidrs) {
      let parsed;
      try {
        parsed = cidrs.map(parseCidr);
      } catch (e) {
        // CIDR.getInstance's IllegalArgumentException, rethrown by UpdateCIDRGroup so that it lands on stderr.
        if (e instanceof CidrFormatError) throw failure(`java.lang.IllegalArgumentException: ${e.message}`);
        throw e;
      }
      await a().deps.store.setCidrGroup(group, parsed);
      if (cidrAuthorizer) await a().reloadGroups();
    },
    async drop(group) {
      const store = a().deps.store;
      if (((await store.cidrGroups()).get(group) ?? []).length === 0) throw failure(`CIDR group '${group}' doesn't exists`);
      await store.dropCidrGroup(group);
      if (cidrAuthorizer) await a().reloadGroups();
    },
    async groupsOfIp(ip) {
      needCassandra("'Get CIDR groups for IP'");
      if (parseIp(ip) === undefined) throw failure(`Invalid IP ${ip}`);
      return [...await a().groupsOf(ip)].sort();
    },
    async reload() {
      needCassandra('Load CIDR groups cache');
      await a().reloadGroups();
    },
  };
}

export function cidrRoutes(source: CidrAdmin | undefined): Array<[string, (p: URLSearchParams) => unknown]> {
  const s = (): CidrAdmin => {
    if (source === undefined) throw new AdminRequestError('this node has no CIDR groups', 404);
    return source;
  };
  return [
    ['GET /cidrgroups', (p) => (p.get('group') ? s().cidrsOf(need(p, 'group')) : s().listGroups())],
    ['POST /updatecidrgroup', async (p) => (await s().update(need(p, 'group'), p.getAll('cidr')), { ok: true })],
    ['POST /dropcidrgroup', async (p) => (await s().drop(need(p, 'group')), { ok: true })],
    ['GET /cidrgroupsofip', (p) => s().groupsOfIp(need(p, 'ip'))],
    ['POST /reloadcidrgroupscache', async () => (await s().reload(), { ok: true })],
  ];
}
