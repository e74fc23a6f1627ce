// The ACCESS clauses of CREATE/ALTER ROLE and what DROP ROLE removes, as Cassandra 5.0's CreateRoleStatement,
// AlterRoleStatement and DropRoleStatement do them: validated before the statement's permission checks (unknown
// data centres and CIDR groups refused with DCPermissions'/CIDRPermissions' messages), then written to
// network_permissions (only with CassandraNetworkAuthorizer; ALTER … ACCESS TO DATACENTERS is refused without it)
// and to cidr_permissions (whatever the CIDR authorizer, as AbstractCIDRAuthorizer does).
import { InvalidRequestError } from '../model/errors.ts';
import type { RoleAccess } from '../model/ast-roles.ts';
import { accessText, type NetworkAccess } from './network-access.ts';
import type { RoleRecord } from './types.ts';

export interface RoleAccessDeps {
  access: NetworkAccess;
  /** The data centres gossip knows (Cassandra's Datacenters.getValidDatacenters). */
  datacenters(): string[];
}

/** Java's Set.toString of the names as given, e.g. `[dc1, dc2]`. */
const javaSet = (names: readonly string[]): string => `[${names.join(', ')}]`;

export class RoleAccessStatements {
  constructor(private readonly deps: RoleAccessDeps) {}

  private get network(): boolean {
    return this.deps.access.deps.network;
  }

  /** Before anything else of the statement (CreateRoleStatement.validate, AlterRoleStatement.validate). */
  async validate(a: RoleAccess | undefined): Promise<void> {
    if (Array.isArray(a?.datacenters)) {
      const valid = new Set(this.deps.datacenters());
      if (a.datacenters.some((dc) => !valid.has(dc))) {
        throw new InvalidRequestError(`Invalid value(s) for DATACENTERS '${javaSet(a.datacenters)}',All values must be valid datacenters`);
      }
    }
    if (Array.isArray(a?.cidrs)) {
      const available = [...(await this.deps.access.deps.store.cidrGroups()).keys()].sort();
      if (a.cidrs.some((g) => !available.includes(g))) {
        throw new InvalidRequestError(`Invalid CIDR group(s): ${javaSet(a.cidrs)}. Available CIDR Groups are: ${javaSet(available)}`);
      }
    }
  }

  /** After the role's row is written: a role created without a clause gets the empty sets (all), as in Cassandra. */
  async created(role: string, a: RoleAccess | undefined): Promise<void> {
    const store = this.deps.access.deps.store;
    if (this.network) await store.setDatacenters(role, listOf(a?.datacenters));
    await store.setCidrGroups(role, listOf(a?.cidrs));
    this.deps.access.invalidate(role);
  }

  async altered(role: string, a: RoleAccess | undefined): Promise<void> {
    if (a === undefined) return;
    const store = this.deps.access.deps.store;
    if (a.datacenters !== undefined) {
      if (!this.network) throw new InvalidRequestError('ACCESS TO DATACENTERS operations not supported by AllowAllNetworkAuthorizer');
      await store.setDatacenters(role, listOf(a.datacenters));
    }
    if (a.cidrs !== undefined) await store.setCidrGroups(role, listOf(a.cidrs));
    this.deps.access.invalidate(role);
  }

  async dropped(role: string): Promise<void> {
    const store = this.deps.access.deps.store;
    if (this.network) await store.dropDatacenters(role);
    await store.dropCidrGroups(role);
    this.deps.access.invalidate(role);
  }

  /** LIST ROLES' `datacenters`: the network authorizer's answer for the role (ALL with AllowAllNetworkAuthorizer). */
  async datacentersText(role: RoleRecord): Promise<string> {
    return this.network ? accessText(await this.deps.access.datacenters(role.name)) : 'ALL';
  }
}

const listOf = (v: string[] | 'all' | undefined): string[] => (Array.isArray(v) ? v : []);
