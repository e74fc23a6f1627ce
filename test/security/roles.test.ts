// Role management on a real node with PasswordAuthenticator (127.0.56.40), through cassandra-driver: roles created,
// logged in as, altered (password), listed in Cassandra's shapes, and the superuser checks answered Unauthorized.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Client, errors } from 'cassandra-driver';
import { startNodeProcess } from '../helpers/node-process.ts';
import { login as loginAs } from '../helpers/login.ts';
import { DC, nodeConfig } from '../fixtures/driver.ts';

const NODE = '127.0.56.40';
const clients: Client[] = [];
after(async () => { await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined))); });

async function login(user: string, password: string, attempts = 1): Promise<Client> {
  return loginAs({ clients, client: { contactPoints: [NODE], localDataCenter: DC }, user, password, attempts });
}

test('CREATE/ALTER/DROP ROLE, GRANT, LIST ROLES/USERS on a node with PasswordAuthenticator', { timeout: 120_000 }, async () => {
  await startNodeProcess({ address: NODE, logLevel: 'warn', config: nodeConfig({ authenticator: 'PasswordAuthenticator', credentialsValidityMs: 60_000 }) });
  const admin = await login('cassandra', 'cassandra', 40);
  await admin.execute("CREATE ROLE app WITH PASSWORD = 'app-pw' AND LOGIN = true");
  await admin.execute('CREATE ROLE readers');
  await admin.execute('GRANT readers TO app');
  await admin.execute("CREATE USER ops WITH PASSWORD 'ops-pw' NOSUPERUSER");

  const roles = await admin.execute('LIST ROLES');
  assert.deepEqual(roles.columns.map((c) => c.name), ['role', 'super', 'login', 'options', 'datacenters']);
  assert.deepEqual(roles.rows.map((r) => [r['role'], r['super'], r['login'], r['datacenters']]), [
    ['app', false, true, 'ALL'], ['cassandra', true, true, 'ALL'], ['ops', false, true, 'ALL'], ['readers', false, false, 'ALL'],
  ]);
  assert.deepEqual((await admin.execute('LIST ROLES OF app')).rows.map((r) => r['role']), ['app', 'readers']);
  assert.deepEqual((await admin.execute('LIST USERS')).rows.map((r) => [r['name'], r['super']]), [['app', false], ['cassandra', true], ['ops', false]]);

  const app = await login('app', 'app-pw');
  assert.equal((await app.execute('SELECT release_version FROM system.local')).rowLength, 1);
  const denied = await app.execute('CREATE ROLE boss WITH SUPERUSER = true').then(() => undefined, (e: unknown) => e);
  assert.ok(denied instanceof errors.ResponseError && denied.code === 0x2100, String(denied));
  assert.equal(denied.message, 'Only superusers can create a role with superuser status');

  // A new password: the old one is refused at once on this node (its cached hash is dropped), the new one works.
  await admin.execute("ALTER ROLE cassandra WITH PASSWORD = 'changed'");
  await assert.rejects(login('cassandra', 'cassandra'), (e: unknown) => e instanceof errors.NoHostAvailableError);
  await login('cassandra', 'changed');
  await admin.execute('DROP ROLE ops');
  await assert.rejects(login('ops', 'ops-pw'), (e: unknown) => e instanceof errors.NoHostAvailableError);
  const rows = await admin.execute("SELECT role, member_of FROM system_auth.roles WHERE role = 'app'");
  assert.deepEqual(rows.first()['member_of'], ['readers']);
});
