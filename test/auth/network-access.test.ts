// The network and CIDR authorizers (src/auth/network-access.ts, role-access.ts) over map stores: ACCESS clauses
// parsed, validated, stored and shown by LIST ROLES as Cassandra 5.0 does; each request of a role checked against
// this node's data centre and the client's CIDR groups, in ENFORCE and MONITOR modes, superusers as Cassandra treats
// them, and the per-role cache.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStatement } from '../../src/cql/parser.ts';
import { RoleManager } from '../../src/auth/role-manager.ts';
import { RoleAccessStatements } from '../../src/auth/role-access.ts';
import { CIDR_DEFAULTS, NetworkAccess, type AccessStore, type CidrAuthorizerSettings } from '../../src/auth/network-access.ts';
import { parseCidr, type Cidr } from '../../src/auth/cidr.ts';
import { InvalidRequestError, UnauthorizedError } from '../../src/model/errors.ts';
import type { RoleStatement } from '../../src/model/ast-roles.ts';
import type { RoleRecord, RoleStore } from '../../src/auth/types.ts';
import { decodeJs } from '../../src/model/values/js.ts';

class MapRoles implements RoleStore {
  readonly rows = new Map<string, RoleRecord>();
  reads = 0;
  async role(n: string) { this.reads++; return this.rows.get(n); }
  async anyRole() { return this.rows.size > 0; }
  async putRole(r: RoleRecord) { this.rows.set(r.name, { ...r }); }
  async allRoles() { return [...this.rows.values()]; }
  async deleteRole(n: string) { this.rows.delete(n); }
  async members() { return []; }
  async addMember() {}
  async removeMember() {}
}

class MapAccess implements AccessStore {
  readonly dcs = new Map<string, string[]>();
  readonly cidrPerms = new Map<string, string[]>();
  readonly groups = new Map<string, Cidr[]>();
  async datacentersOf(r: string) { return this.dcs.get(r) ?? []; }
  async setDatacenters(r: string, d: string[]) { this.dcs.set(r, d); }
  async dropDatacenters(r: string) { this.dcs.delete(r); }
  async cidrGroupsOf(r: string) { return this.cidrPerms.get(r) ?? []; }
  async setCidrGroups(r: string, g: string[]) { this.cidrPerms.set(r, g); }
  async dropCidrGroups(r: string) { this.cidrPerms.delete(r); }
  async cidrGroups() { return new Map(this.groups); }
  async setCidrGroup(n: string, c: Cidr[]) { this.groups.set(n, c); }
  async dropCidrGroup(n: string) { this.groups.delete(n); }
}

type RoleOp = Parameters<RoleManager['execute']>[0];
const role = (cql: string): RoleOp => parseStatement(cql).statement as RoleStatement as RoleOp;
const hasher = { hash: async (p: string) => `h:${p}`, verify: async (p: string, h: string) => h === `h:${p}` };

interface Fixture { roles: MapRoles; store: MapAccess; access: NetworkAccess; m: RoleManager; clock: { t: number }; logs: string[] }

async function fixture(opts: { network?: boolean; cidr?: Partial<CidrAuthorizerSettings>; validityMs?: number } = {}): Promise<Fixture> {
  const roles = new MapRoles();
  await roles.putRole({ name: 'cassandra', isSuperuser: true, canLogin: true, memberOf: [] });
  const store = new MapAccess();
  const clock = { t: 1000 };
  const logs: string[] = [];
  const access = new NetworkAccess({
    store, roles, clock: { now: () => clock.t }, log: (m) => logs.push(m), rolesValidityMs: opts.validityMs ?? 0, localDc: 'dc1',
    network: opts.network ?? true, ...(opts.cidr !== undefined ? { cidr: { ...CIDR_DEFAULTS, ...opts.cidr } } : {}),
  });
  const m = new RoleManager({
    store: roles, hasher, invalidate: () => undefined,
    access: new RoleAccessStatements({ access, datacenters: () => ['dc1', 'dc2'] }),
  });
  return { roles, store, access, m, clock, logs };
}

const refused = async (p: Promise<unknown>, cls: typeof InvalidRequestError | typeof UnauthorizedError, message: string): Promise<void> => {
  await assert.rejects(p, (e: unknown) => e instanceof cls && (e as Error).message === message);
};

test('ACCESS clauses parse on CREATE/ALTER ROLE only, as Parser.g has them', () => {
  const r = role("CREATE ROLE app WITH LOGIN = true AND ACCESS TO DATACENTERS {'dc1', 'dc2'} AND ACCESS FROM CIDRS {'web'}");
  assert.deepEqual(r, { kind: 'role', op: 'create', role: 'app', ifNotExists: false, options: { login: true }, user: false,
    access: { datacenters: ['dc1', 'dc2'], cidrs: ['web'] } });
  assert.deepEqual((role('ALTER ROLE app WITH ACCESS TO ALL DATACENTERS AND ACCESS FROM ALL CIDRS') as { access?: unknown }).access,
    { datacenters: 'all', cidrs: 'all' });
  assert.equal((role("CREATE ROLE app WITH PASSWORD = 'p'") as { access?: unknown }).access, undefined);
  assert.throws(() => parseStatement('CREATE ROLE app WITH ACCESS TO DATACENTERS {}'));
  assert.throws(() => parseStatement("CREATE USER bob WITH PASSWORD 'p' ACCESS TO DATACENTERS {'dc1'}"));
  assert.throws(() => parseStatement("ALTER ROLE app WITH ACCESS FROM DATACENTERS {'dc1'}"));
});

test('ACCESS clauses are validated, stored, dropped, and shown by LIST ROLES', async () => {
  const { store, m } = await fixture();
  await refused(m.execute(role("CREATE ROLE app WITH LOGIN = true AND ACCESS TO DATACENTERS {'dc9', 'dc1'}"), 'cassandra'), InvalidRequestError,
    "Invalid value(s) for DATACENTERS '[dc9, dc1]',All values must be valid datacenters");
  await store.setCidrGroup('web', [parseCidr('10.0.0.0/8')]);
  await refused(m.execute(role("CREATE ROLE app WITH LOGIN = true AND ACCESS FROM CIDRS {'nope'}"), 'cassandra'), InvalidRequestError,
    'Invalid CIDR group(s): [nope]. Available CIDR Groups are: [web]');
  await m.execute(role("CREATE ROLE app WITH LOGIN = true AND ACCESS TO DATACENTERS {'dc2'} AND ACCESS FROM CIDRS {'web'}"), 'cassandra');
  assert.deepEqual(store.dcs.get('app'), ['dc2']);
  assert.deepEqual(store.cidrPerms.get('app'), ['web']);
  // A role created without a clause gets the empty sets: all data centres, all CIDRs.
  await m.execute(role('CREATE ROLE plain WITH LOGIN = true'), 'cassandra');
  assert.deepEqual(store.dcs.get('plain'), []);
  assert.deepEqual(store.cidrPerms.get('plain'), []);
  await m.execute(role('CREATE ROLE group_role'), 'cassandra');
  const list = await m.execute(role('LIST ROLES'), 'cassandra');
  assert.equal(list.kind, 'rows');
  if (list.kind !== 'rows') return;
  assert.deepEqual(list.columns.map((c) => c.name), ['role', 'super', 'login', 'options', 'datacenters']);
  const dcs = list.rows.map((r) => [decodeJs(list.columns[0]!.type, r[0]!), decodeJs(list.columns[4]!.type, r[4]!)]);
  assert.deepEqual(dcs, [['app', 'dc2'], ['cassandra', 'ALL'], ['group_role', 'n/a'], ['plain', 'ALL']]);
  await m.execute(role('ALTER ROLE app WITH ACCESS TO ALL DATACENTERS'), 'cassandra');
  assert.deepEqual(store.dcs.get('app'), []);
  assert.deepEqual(store.cidrPerms.get('app'), ['web']);
  // Only superusers change access, even to their own role (5.0.9's AlterRoleStatement.authorize).
  await refused(m.execute(role("ALTER ROLE app WITH ACCESS TO DATACENTERS {'dc1'}"), 'app'), UnauthorizedError,
    'Only superusers are allowed to alter access to datacenters.');
  await refused(m.execute(role('ALTER ROLE app WITH ACCESS FROM ALL CIDRS'), 'app'), UnauthorizedError,
    'Only superusers are allowed to alter access from CIDR groups.');
  await refused(m.execute(role('ALTER ROLE ghost WITH ACCESS FROM ALL CIDRS'), 'app'), InvalidRequestError, "Role ghost doesn't exist");
  await m.execute(role('DROP ROLE app'), 'cassandra');
  assert.equal(store.dcs.has('app'), false);
  assert.equal(store.cidrPerms.has('app'), false);
});

test('with AllowAllNetworkAuthorizer, ALTER … ACCESS TO DATACENTERS is refused and CREATE keeps no row', async () => {
  const { store, m } = await fixture({ network: false });
  await m.execute(role("CREATE ROLE app WITH LOGIN = true AND ACCESS TO DATACENTERS {'dc1'}"), 'cassandra');
  assert.equal(store.dcs.has('app'), false);
  await refused(m.execute(role("ALTER ROLE app WITH ACCESS TO DATACENTERS {'dc1'}"), 'cassandra'), InvalidRequestError,
    'ACCESS TO DATACENTERS operations not supported by AllowAllNetworkAuthorizer');
  // CIDR permissions are kept whatever the CIDR authorizer, as AbstractCIDRAuthorizer does.
  await store.setCidrGroup('web', [parseCidr('10.0.0.0/8')]);
  await m.execute(role("ALTER ROLE app WITH ACCESS FROM CIDRS {'web'}"), 'cassandra');
  assert.deepEqual(store.cidrPerms.get('app'), ['web']);
});

test('a role limited to another data centre is refused on every request; superusers never', async () => {
  const { access, m } = await fixture();
  await m.execute(role("CREATE ROLE far WITH LOGIN = true AND ACCESS TO DATACENTERS {'dc2'}"), 'cassandra');
  await m.execute(role("CREATE ROLE near WITH LOGIN = true AND ACCESS TO DATACENTERS {'dc1', 'dc2'}"), 'cassandra');
  await refused(access.validate('far', '10.0.0.1'), UnauthorizedError, 'You do not have access to this datacenter (dc1)');
  await access.validate('near', '10.0.0.1');
  await access.validate('cassandra', '10.0.0.1');
  // A superuser by a granted role is not limited either (Roles.hasSuperuserStatus).
  await m.execute(role("CREATE ROLE boss WITH LOGIN = true AND ACCESS TO DATACENTERS {'dc2'}"), 'cassandra');
  await access.validate('boss', '10.0.0.1').then(() => assert.fail('boss is limited to dc2'), () => undefined);
  await m.execute(role('GRANT cassandra TO boss'), 'cassandra');
  access.invalidate();
  await access.validate('boss', '10.0.0.1');
  assert.equal(access.stats.dcRefused, 2);
});

test('ENFORCE: refused outside the role\'s groups, by the longest prefix; superusers exempt unless asked', async () => {
  const { store, access, m } = await fixture({ network: false, cidr: { mode: 'ENFORCE' } });
  await store.setCidrGroup('app_hosts', [parseCidr('127.0.82.100/32'), parseCidr('2001:db8::/64')]);
  await store.setCidrGroup('loopback', [parseCidr('127.0.0.0/8')]);
  await m.execute(role("CREATE ROLE app WITH LOGIN = true AND ACCESS FROM CIDRS {'app_hosts'}"), 'cassandra');
  await m.execute(role('CREATE ROLE free WITH LOGIN = true'), 'cassandra');
  await access.validate('app', '127.0.82.100');
  await access.validate('app', '::ffff:127.0.82.100');
  await access.validate('app', '2001:db8::7');
  await refused(access.validate('app', '127.0.82.101'), UnauthorizedError, 'You do not have access from this IP 127.0.82.101');
  await refused(access.validate('app', '::ffff:127.0.82.101'), UnauthorizedError, 'You do not have access from this IP 127.0.82.101');
  await refused(access.validate('app', '192.168.1.1'), UnauthorizedError, 'You do not have access from this IP 192.168.1.1');
  await refused(access.validate('app', '2001:db9::1'), UnauthorizedError, 'You do not have access from this IP 2001:db9:0:0:0:0:0:1');
  await access.validate('free', '192.168.1.1');
  await access.validate('cassandra', '192.168.1.1');
  assert.deepEqual([...await access.groupsOf('127.0.82.100')], ['app_hosts']);
  assert.deepEqual([...await access.groupsOf('127.0.82.7')], ['loopback']);

  const strict = await fixture({ network: false, cidr: { mode: 'ENFORCE', checksForSuperusers: true } });
  await strict.store.setCidrGroup('admins', [parseCidr('10.9.0.0/16')]);
  await strict.m.execute(role("ALTER ROLE cassandra WITH ACCESS FROM CIDRS {'admins'}"), 'cassandra');
  await strict.access.validate('cassandra', '10.9.1.1');
  await refused(strict.access.validate('cassandra', '10.8.1.1'), UnauthorizedError, 'You do not have access from this IP 10.8.1.1');
});

test('MONITOR lets the role in and logs the unauthorized address once a minute', async () => {
  const { store, access, m, clock, logs } = await fixture({ network: false, cidr: { mode: 'MONITOR' } });
  await store.setCidrGroup('app_hosts', [parseCidr('127.0.82.100/32')]);
  await m.execute(role("CREATE ROLE app WITH LOGIN = true AND ACCESS FROM CIDRS {'app_hosts'}"), 'cassandra');
  await access.validate('app', '127.0.82.101');
  await access.validate('app', '127.0.82.101');
  assert.deepEqual(logs, ['Role app accessed from unauthorized IP 127.0.82.101, CIDR group []']);
  clock.t += 60_000;
  await access.validate('app', '127.0.82.100');
  assert.equal(logs.length, 1);
  await access.validate('app', '127.0.82.102');
  assert.equal(logs.length, 2);
  assert.equal(access.stats.cidrMonitored, 3);
  assert.equal(access.stats.cidrRefused, 0);
});

test('permissions are cached for roles_validity; the groups table for its refresh interval', async () => {
  const { roles, store, access, m, clock } = await fixture({ network: true, cidr: { mode: 'ENFORCE', refreshIntervalMs: 60_000 }, validityMs: 2000 });
  await store.setCidrGroup('a', [parseCidr('10.0.0.0/8')]);
  await m.execute(role("CREATE ROLE app WITH LOGIN = true AND ACCESS FROM CIDRS {'a'}"), 'cassandra');
  await access.validate('app', '10.1.1.1');
  const reads = roles.reads;
  await access.validate('app', '10.1.1.1');
  assert.equal(roles.reads, reads, 'a second request within roles_validity reads no role');
  // Written behind the cache's back (another node): seen once roles_validity has passed.
  await store.setCidrGroups('app', ['b']);
  await access.validate('app', '10.1.1.1');
  clock.t += 2000;
  await refused(access.validate('app', '10.1.1.1'), UnauthorizedError, 'You do not have access from this IP 10.1.1.1');
  // A new group is seen after the refresh interval, or at once after reloadGroups (nodetool reloadcidrgroupscache).
  await store.setCidrGroup('b', [parseCidr('10.1.0.0/16')]);
  await refused(access.validate('app', '10.1.1.1'), UnauthorizedError, 'You do not have access from this IP 10.1.1.1');
  clock.t += 60_000;
  await access.validate('app', '10.1.1.1');
});
