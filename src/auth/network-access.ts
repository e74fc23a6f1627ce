// Who may use a node from where: Cassandra's CassandraNetworkAuthorizer (a role limited to some data centres, in
// system_auth.network_permissions) and 5.0's CassandraCIDRAuthorizer (a role limited to CIDR groups, in
// system_auth.cidr_permissions, the groups in system_auth.cidr_groups). As in Cassandra's ClientState.validateLogin
// both are checked on every request of a logged-in role, not at AUTH_RESPONSE: the login itself succeeds, and each
// statement is then refused with Unauthorized. Permissions are cached per role for roles_validity (Cassandra's
// NetworkPermissionsCache and CIDRPermissionsCache use the roles cache's settings), the groups table is reloaded
// every cidr_groups_cache_refresh_interval, and an address's groups are cached up to ip_cache_max_size addresses.
import { UnauthorizedError } from '../model/errors.ts';
import { CidrGroupTable, formatIp, parseIp, type Cidr } from './cidr.ts';
import type { AuthClock, AuthLog, RoleReader, RoleRecord } from './types.ts';

/** system_auth.network_permissions, cidr_permissions and cidr_groups (node/auth-access-store.ts, maps in tests). */
export interface AccessStore {
  /** The role's data centres; empty when it has no row or an empty set (all data centres). */
  datacentersOf(role: string): Promise<string[]>;
  setDatacenters(role: string, dcs: string[]): Promise<void>;
  dropDatacenters(role: string): Promise<void>;
  cidrGroupsOf(role: string): Promise<string[]>;
  setCidrGroups(role: string, groups: string[]): Promise<void>;
  dropCidrGroups(role: string): Promise<void>;
  /** Every CIDR group with its CIDRs. */
  cidrGroups(): Promise<Map<string, Cidr[]>>;
  setCidrGroup(name: string, cidrs: Cidr[]): Promise<void>;
  dropCidrGroup(name: string): Promise<void>;
}

export type CidrAuthorizerMode = 'MONITOR' | 'ENFORCE';

/** cidr_authorizer's parameters, with Cassandra 5.0's defaults (DatabaseDescriptor). */
export interface CidrAuthorizerSettings {
  mode: CidrAuthorizerMode;
  checksForSuperusers: boolean;
  refreshIntervalMs: number;
  ipCacheMaxSize: number;
}

export const CIDR_DEFAULTS: CidrAuthorizerSettings = { mode: 'MONITOR', checksForSuperusers: false, refreshIntervalMs: 5 * 60_000, ipCacheMaxSize: 100 };

export interface NetworkAccessDeps {
  store: AccessStore;
  roles: RoleReader;
  clock: AuthClock;
  log: AuthLog;
  rolesValidityMs: number;
  /** This node's data centre. */
  localDc: string;
  /** network_authorizer: CassandraNetworkAuthorizer (true) or AllowAllNetworkAuthorizer. */
  network: boolean;
  /** cidr_authorizer: CassandraCIDRAuthorizer's parameters, or absent for AllowAllCIDRAuthorizer. */
  cidr?: CidrAuthorizerSettings;
}

/** A role's permissions: 'all', 'none' (it cannot log in), or the names it is limited to. */
export type AccessSet = 'all' | 'none' | Set<string>;

interface Cached {
  value: AccessSet;
  loadedAt: number;
}

const NO_SPAM_MS = 60_000;

/** DCPermissions.toString as LIST ROLES shows it: ALL, n/a, or the data centres joined by ", ". */
export function accessText(a: AccessSet): string {
  return a === 'all' ? 'ALL' : a === 'none' ? 'n/a' : [...a].sort().join(', ');
}

export class NetworkAccess {
  private readonly dcCache = new Map<string, Cached>();
  private readonly cidrCache = new Map<string, Cached>();
  private groups: { table: CidrGroupTable; loadedAt: number } | undefined;
  private readonly ipCache = new Map<string, Set<string>>();
  private lastMonitorLog = -Infinity;
  readonly stats = { dcRefused: 0, cidrRefused: 0, cidrMonitored: 0 };

  constructor(readonly deps: NetworkAccessDeps) {}

  /** Cassandra's validateLogin after the login: throws UnauthorizedError with its messages. */
  async validate(user: string, address: string): Promise<void> {
    if (this.deps.network) {
      const dcs = await this.datacenters(user);
      if (dcs !== 'all' && (dcs === 'none' || !dcs.has(this.deps.localDc))) {
        this.stats.dcRefused++;
        throw new UnauthorizedError(`You do not have access to this datacenter (${this.deps.localDc})`);
      }
    }
    // Cassandra skips the CIDR check for a connection without a remote address (internal ones).
    if (this.deps.cidr !== undefined && address !== '' && !await this.cidrAllows(user, address, this.deps.cidr)) {
      this.stats.cidrRefused++;
      throw new UnauthorizedError(`You do not have access from this IP ${hostString(address)}`);
    }
  }

  /** CassandraNetworkAuthorizer.authorize: none without LOGIN, all for a superuser or a role without a row. */
  async datacenters(role: string): Promise<AccessSet> {
    return this.cached(this.dcCache, role, async (r) => {
      if (!r.isSuperuser && !await this.inheritsSuper(r)) {
        const dcs = await this.deps.store.datacentersOf(role);
        return dcs.length === 0 ? 'all' : new Set(dcs);
      }
      return 'all';
    });
  }

  /** CIDRPermissionsManager.getCidrPermissionsForRole; superusers are exempt unless cidr_checks_for_superusers. */
  async cidrPermissions(role: string): Promise<AccessSet> {
    const checkSupers = this.deps.cidr?.checksForSuperusers ?? false;
    return this.cached(this.cidrCache, role, async (r) => {
      if (!checkSupers && (r.isSuperuser || await this.inheritsSuper(r))) return 'all';
      const groups = await this.deps.store.cidrGroupsOf(role);
      return groups.length === 0 ? 'all' : new Set(groups);
    });
  }

  /** The CIDR groups of an address's longest matching prefix (nodetool getcidrgroupsofip). */
  async groupsOf(address: string): Promise<Set<string>> {
    const now = this.deps.clock.now();
    const refreshMs = this.deps.cidr?.refreshIntervalMs ?? CIDR_DEFAULTS.refreshIntervalMs;
    if (this.groups === undefined || now - this.groups.loadedAt >= refreshMs) await this.reloadGroups();
    const key = hostString(address);
    const hit = this.ipCache.get(key);
    if (hit !== undefined) return hit;
    const groups = this.groups!.table.lookup(key);
    const max = this.deps.cidr?.ipCacheMaxSize ?? CIDR_DEFAULTS.ipCacheMaxSize;
    if (max > 0) {
      if (this.ipCache.size >= max) this.ipCache.delete(this.ipCache.keys().next().value as string);
      this.ipCache.set(key, groups);
    }
    return groups;
  }

  /** Reads system_auth.cidr_groups again (nodetool reloadcidrgroupscache, and after updatecidrgroup here). */
  async reloadGroups(): Promise<void> {
    this.groups = { table: new CidrGroupTable(await this.deps.store.cidrGroups()), loadedAt: this.deps.clock.now() };
    this.ipCache.clear();
  }

  /** A role's permissions changed on this node (other nodes see it after roles_validity). */
  invalidate(role?: string): void {
    if (role === undefined) {
      this.dcCache.clear();
      this.cidrCache.clear();
    } else {
      this.dcCache.delete(role);
      this.cidrCache.delete(role);
    }
  }

  /** CassandraCIDRAuthorizer.hasCidrAccess: MONITOR logs and lets in, ENFORCE refuses outside the role's groups. */
  private async cidrAllows(user: string, address: string, s: CidrAuthorizerSettings): Promise<boolean> {
    const perms = await this.cidrPermissions(user);
    if (perms === 'all' && s.mode === 'ENFORCE') return true;
    const groups = await this.groupsOf(address);
    const allowed = perms === 'all' || (perms !== 'none' && [...perms].some((g) => groups.has(g)));
    if (s.mode === 'MONITOR') {
      if (!allowed) {
        this.stats.cidrMonitored++;
        const now = this.deps.clock.now();
        if (now - this.lastMonitorLog >= NO_SPAM_MS) {
          this.lastMonitorLog = now;
          this.deps.log(`Role ${user} accessed from unauthorized IP ${hostString(address)}, CIDR group [${[...groups].sort().join(', ')}]`);
        }
      }
      return true;
    }
    return allowed;
  }

  private async cached(cache: Map<string, Cached>, role: string, load: (r: RoleRecord) => Promise<AccessSet>): Promise<AccessSet> {
    const now = this.deps.clock.now();
    const hit = cache.get(role);
    if (hit !== undefined && now - hit.loadedAt < this.deps.rolesValidityMs) return hit.value;
    const r = await this.deps.roles.role(role);
    const value = r === undefined || !r.canLogin ? 'none' : await load(r);
    if (this.deps.rolesValidityMs > 0) cache.set(role, { value, loadedAt: now });
    return value;
  }

  /** Cassandra's Roles.hasSuperuserStatus: the role or any role granted to it, transitively. */
  private async inheritsSuper(r: RoleRecord): Promise<boolean> {
    const seen = new Set<string>([r.name]);
    const queue = [...r.memberOf];
    for (let i = 0; i < queue.length && i < 1000; i++) {
      const name = queue[i]!;
      if (seen.has(name)) continue;
      seen.add(name);
      const g = await this.deps.roles.role(name);
      if (g === undefined) continue;
      if (g.isSuperuser) return true;
      queue.push(...g.memberOf);
    }
    return false;
  }
}

/**
 * The client address as Java's InetSocketAddress.getHostString has it for an accepted connection: the address's
 * getHostAddress (IPv6 uncompressed), an IPv4-mapped IPv6 address as IPv4.
 */
export function hostString(address: string): string {
  const ip = parseIp(address);
  return ip === undefined ? address : formatIp(ip.family, ip.value);
}
