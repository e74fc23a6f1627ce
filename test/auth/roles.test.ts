// Role statements: parsing (src/cql/parser-role.ts) and CassandraRoleManager's rules and messages
// (src/auth/role-manager.ts) over a map store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStatement } from '../../src/cql/parser.ts';
import { RoleManager } from '../../src/auth/role-manager.ts';
import { InvalidRequestError, UnauthorizedError } from '../../src/model/errors.ts';
import type { RoleStatement } from '../../src/model/ast-roles.ts';
import type { PasswordHasher, RoleRecord, RoleStore } from '../../src/auth/types.ts';

class MapStore implements RoleStore {
  readonly rows = new Map<string, RoleRecord>();
  readonly memberRows = new Set<string>();
  async role(n: string) { return this.rows.get(n); }
  async anyRole() { return this.rows.size > 0; }
  async putRole(r: RoleRecord) { this.rows.set(r.name, { ...r }); }
  async allRoles() { return [...this.rows.values()]; }
  async deleteRole(n: string) { this.rows.delete(n); }
  async members(role: string) { return [...this.memberRows].filter((k) => k.startsWith(`${role}\0`)).map((k) => k.split('\0')[1]!); }
  async addMember(role: string, m: string) { this.memberRows.add(`${role}\0${m}`); }
  async removeMember(role: string, m: string) { this.memberRows.delete(`${role}\0${m}`); }
}

const hasher: PasswordHasher = { hash: async (p) => `h:${p}`, verify: async (p, h) => h === `h:${p}` };
type RoleOp = Parameters<RoleManager['execute']>[0];
const role = (cql: string): RoleOp => {
  const s = parseStatement(cql).statement;
  assert.equal(s.kind, 'role', cql);
  return s as RoleStatement as RoleOp;
};

test('role statements parse as Cassandra\'s grammar has them', () => {
  assert.deepEqual(role("CREATE ROLE IF NOT EXISTS App WITH PASSWORD = 'p' AND LOGIN = true AND SUPERUSER = false"),
    { kind: 'role', op: 'create', role: 'app', ifNotExists: true, options: { password: 'p', login: true, superuser: false }, user: false });
  const options = (cql: string): unknown => (role(cql) as { options?: unknown }).options;
  assert.deepEqual(options(`CREATE ROLE "Mixed" WITH HASHED PASSWORD = 'x'`), { hashedPassword: 'x' });
  assert.deepEqual(role("CREATE USER 'Bob' WITH PASSWORD 'pw' SUPERUSER"),
    { kind: 'role', op: 'create', role: 'Bob', ifNotExists: false, options: { login: true, password: 'pw', superuser: true }, user: true });
  assert.deepEqual(options('ALTER USER bob NOSUPERUSER'), { superuser: false });
  assert.deepEqual(options("ALTER ROLE IF EXISTS r WITH OPTIONS = {'a': 'b'}"), { options: [['a', 'b']] });
  assert.deepEqual(role('DROP ROLE IF EXISTS r'), { kind: 'role', op: 'drop', role: 'r', ifExists: true, user: false });
  assert.deepEqual(role('DROP USER u;'), { kind: 'role', op: 'drop', role: 'u', ifExists: false, user: true });
  assert.deepEqual(role('GRANT a TO b'), { kind: 'role', op: 'grant', role: 'a', grantee: 'b' });
  assert.deepEqual(role("REVOKE 'a' FROM b"), { kind: 'role', op: 'revoke', role: 'a', revokee: 'b' });
  assert.deepEqual(role('LIST ROLES OF b NORECURSIVE'), { kind: 'role', op: 'list_roles', of: 'b', recursive: false });
  assert.deepEqual(role('LIST ROLES'), { kind: 'role', op: 'list_roles', recursive: true });
  assert.deepEqual(role('LIST USERS'), { kind: 'role', op: 'list_users' });
  assert.throws(() => parseStatement('CREATE ROLE r WITH COLOUR = 1'));
});

async function fixture(): Promise<{ store: MapStore; m: RoleManager; invalidated: string[] }> {
  const store = new MapStore();
  await store.putRole({ name: 'cassandra', isSuperuser: true, canLogin: true, memberOf: [], saltedHash: 'h:cassandra' });
  const invalidated: string[] = [];
  return { store, m: new RoleManager({ store, hasher, invalidate: (r) => invalidated.push(r) }), invalidated };
}

const refused = async (p: Promise<unknown>, cls: typeof InvalidRequestError | typeof UnauthorizedError, message: string): Promise<void> => {
  await assert.rejects(p, (e: unknown) => e instanceof cls && (e as Error).message === message);
};

test('CREATE/ALTER/DROP with CassandraRoleManager\'s checks and messages', async () => {
  const { store, m, invalidated } = await fixture();
  await refused(m.execute(role('LIST ROLES'), undefined), UnauthorizedError, 'You have to be logged in and not anonymous to perform this request');
  await m.execute(role("CREATE ROLE app WITH PASSWORD = 'p' AND LOGIN = true"), 'cassandra');
  assert.deepEqual(store.rows.get('app'), { name: 'app', isSuperuser: false, canLogin: true, memberOf: [], saltedHash: 'h:p' });
  await refused(m.execute(role('CREATE ROLE app'), 'cassandra'), InvalidRequestError, 'app already exists');
  await m.execute(role('CREATE ROLE IF NOT EXISTS app'), 'cassandra');
  await refused(m.execute(role("CREATE ROLE ''"), 'cassandra'), InvalidRequestError, "Role name can't be an empty string");
  await refused(m.execute(role('CREATE ROLE boss WITH SUPERUSER = true'), 'app'), UnauthorizedError, 'Only superusers can create a role with superuser status');
  await refused(m.execute(role("CREATE ROLE r WITH OPTIONS = {'a': 'b'}"), 'cassandra'), InvalidRequestError, "org.apache.cassandra.auth.CassandraRoleManager doesn't support OPTIONS");
  await refused(m.execute(role("CREATE ROLE r WITH HASHED PASSWORD = 'nope'"), 'cassandra'), InvalidRequestError, 'Invalid hashed password value. Please use jBcrypt.');
  await refused(m.execute(role('ALTER ROLE ghost WITH LOGIN = true'), 'cassandra'), InvalidRequestError, "Role ghost doesn't exist");
  await refused(m.execute(role('ALTER ROLE app WITH SUPERUSER = true'), 'app'), UnauthorizedError, 'Only superusers are allowed to alter superuser status');
  await refused(m.execute(role('ALTER ROLE cassandra WITH SUPERUSER = false'), 'cassandra'), UnauthorizedError,
    "You aren't allowed to alter your own superuser status or that of a role granted to you");
  await m.execute(role("ALTER ROLE app WITH PASSWORD = 'q'"), 'app');
  assert.equal(store.rows.get('app')?.saltedHash, 'h:q');
  assert.deepEqual(invalidated, ['app']);
  await refused(m.execute(role('DROP ROLE cassandra'), 'cassandra'), InvalidRequestError, 'Cannot DROP primary role for current login');
  await refused(m.execute(role('DROP ROLE cassandra'), 'app'), UnauthorizedError, 'Only superusers can drop a role with superuser status');
  await refused(m.execute(role('DROP ROLE ghost'), 'cassandra'), InvalidRequestError, "ghost doesn't exist");
  await m.execute(role('DROP ROLE IF EXISTS ghost'), 'cassandra');
});

test('GRANT/REVOKE roles, LIST ROLES and LIST USERS in Cassandra\'s shapes', async () => {
  const { store, m } = await fixture();
  for (const r of ['a', 'b', 'c']) await m.execute(role(`CREATE ROLE ${r}`), 'cassandra');
  await m.execute(role("CREATE USER u WITH PASSWORD 'x'"), 'cassandra');
  await m.execute(role('GRANT a TO b'), 'cassandra');
  await m.execute(role('GRANT b TO c'), 'cassandra');
  await refused(m.execute(role('GRANT c TO a'), 'cassandra'), InvalidRequestError, 'c is a member of a');
  await refused(m.execute(role('GRANT a TO c'), 'cassandra'), InvalidRequestError, 'c is a member of a');
  await refused(m.execute(role('GRANT a TO ghost'), 'cassandra'), InvalidRequestError, "ghost doesn't exist");
  await refused(m.execute(role('REVOKE a FROM c'), 'cassandra'), InvalidRequestError, 'c is not a member of a');
  const names = (r: unknown): string[] => (r as { rows: Buffer[][] }).rows.map((row) => row[0]!.toString());
  assert.deepEqual(names(await m.execute(role('LIST ROLES OF c'), 'cassandra')), ['a', 'b', 'c']);
  assert.deepEqual(names(await m.execute(role('LIST ROLES OF c NORECURSIVE'), 'cassandra')), ['b', 'c']);
  const all = await m.execute(role('LIST ROLES'), 'cassandra') as { columns: Array<{ name: string }>; rows: Buffer[][] };
  assert.deepEqual(all.columns.map((c) => c.name), ['role', 'super', 'login', 'options', 'datacenters']);
  assert.deepEqual(names(all), ['a', 'b', 'c', 'cassandra', 'u']);
  assert.deepEqual([...all.rows[3]!.slice(1, 3).map((b) => b[0]), all.rows[3]![4]!.toString()], [1, 1, 'ALL']);
  const users = await m.execute(role('LIST USERS'), 'cassandra') as { columns: Array<{ name: string }>; rows: Buffer[][] };
  assert.deepEqual(users.columns.map((c) => c.name), ['name', 'super', 'datacenters']);
  assert.deepEqual(names(users), ['cassandra', 'u']);
  await m.execute(role('REVOKE b FROM c'), 'cassandra');
  assert.deepEqual(store.rows.get('c')?.memberOf, []);
  await m.execute(role('DROP ROLE a'), 'cassandra');
  assert.deepEqual(store.rows.get('b')?.memberOf, [], 'a dropped role is revoked from its members');
});

test('permission statements parse as Cassandra\'s grammar has them', () => {
  assert.deepEqual(parseStatement('GRANT SELECT ON KEYSPACE ks TO app').statement,
    { kind: 'role', op: 'grant_permission', permissions: ['SELECT'], resource: { kind: 'keyspace', keyspace: 'ks' }, grantee: 'app' });
  assert.deepEqual(parseStatement('GRANT ALL PERMISSIONS ON ALL KEYSPACES TO app').statement,
    { kind: 'role', op: 'grant_permission', permissions: 'ALL', resource: { kind: 'all_keyspaces' }, grantee: 'app' });
  assert.deepEqual(parseStatement('REVOKE MODIFY PERMISSION ON TABLE ks.t FROM app').statement,
    { kind: 'role', op: 'revoke_permission', permissions: ['MODIFY'], resource: { kind: 'table', keyspace: 'ks', table: 't' }, revokee: 'app' });
  assert.deepEqual(parseStatement('REVOKE ALTER ON t FROM app').statement,
    { kind: 'role', op: 'revoke_permission', permissions: ['ALTER'], resource: { kind: 'table', table: 't' }, revokee: 'app' });
  assert.deepEqual(parseStatement("GRANT AUTHORIZE ON ROLE 'Ops' TO app").statement,
    { kind: 'role', op: 'grant_permission', permissions: ['AUTHORIZE'], resource: { kind: 'role', role: 'Ops' }, grantee: 'app' });
  assert.deepEqual(parseStatement('LIST ALL PERMISSIONS ON ALL ROLES OF app NORECURSIVE').statement,
    { kind: 'role', op: 'list_permissions', permissions: 'ALL', resource: { kind: 'all_roles' }, of: 'app', recursive: false });
  assert.deepEqual(parseStatement('LIST SELECT').statement, { kind: 'role', op: 'list_permissions', permissions: ['SELECT'], recursive: true });
  assert.deepEqual(parseStatement('GRANT readers TO app').statement, { kind: 'role', op: 'grant', role: 'readers', grantee: 'app' });
  assert.throws(() => parseStatement('GRANT EXECUTE ON ALL FUNCTIONS TO app'), /not supported/);
});
