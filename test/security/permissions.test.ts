// CassandraAuthorizer on a real node (127.0.56.50) through cassandra-driver: GRANT/REVOKE/LIST permissions, and
// Unauthorized (0x2100) with Cassandra's messages on SELECT, INSERT, DDL, prepared statements, batches and role
// statements of a role without the rights; the creator of a keyspace holds every permission on it.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Client, errors } from 'cassandra-driver';
import { startNodeProcess } from '../helpers/node-process.ts';
import { login as loginAs } from '../helpers/login.ts';
import { DC, nodeConfig } from '../fixtures/driver.ts';

const NODE = '127.0.56.50';
const clients: Client[] = [];
after(async () => { await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined))); });

async function login(user: string, password: string, attempts = 1): Promise<Client> {
  return loginAs({ clients, client: { contactPoints: [NODE], localDataCenter: DC }, user, password, attempts });
}

async function unauthorized(p: Promise<unknown>, message: string): Promise<void> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  assert.ok(e instanceof errors.ResponseError, `expected Unauthorized, got ${String(e)}`);
  assert.equal(e.code, 0x2100, e.message);
  assert.equal(e.message, message);
}

test('CassandraAuthorizer: grants, revokes, listings and Unauthorized on every kind of statement', { timeout: 120_000 }, async () => {
  await startNodeProcess({ address: NODE, logLevel: 'warn', config: nodeConfig({ authenticator: 'PasswordAuthenticator', authorizer: 'CassandraAuthorizer' }) });
  const admin = await login('cassandra', 'cassandra', 40);
  const rf1 = "{'class': 'SimpleStrategy', 'replication_factor': 1}";
  for (const ks of ['app_ks', 'other']) {
    await admin.execute(`CREATE KEYSPACE ${ks} WITH replication = ${rf1}`);
    await admin.execute(`CREATE TABLE ${ks}.t (k int PRIMARY KEY, v text)`);
    await admin.execute(`INSERT INTO ${ks}.t (k, v) VALUES (1, 'one')`);
  }
  await admin.execute("CREATE ROLE app WITH PASSWORD = 'p' AND LOGIN = true");
  await admin.execute('GRANT SELECT ON KEYSPACE app_ks TO app');
  await admin.execute('GRANT MODIFY ON TABLE app_ks.t TO app');
  const listed = await admin.execute('LIST ALL PERMISSIONS OF app');
  assert.deepEqual(listed.columns.map((c) => c.name), ['role', 'username', 'resource', 'permission']);
  assert.deepEqual(listed.rows.map((r) => [r['role'], r['username'], r['resource'], r['permission']]),
    [['app', 'app', '<keyspace app_ks>', 'SELECT'], ['app', 'app', '<table app_ks.t>', 'MODIFY']]);

  const app = await login('app', 'p');
  assert.equal((await app.execute('SELECT * FROM app_ks.t')).rowLength, 1);
  await app.execute("INSERT INTO app_ks.t (k, v) VALUES (2, 'two')");
  assert.equal((await app.execute('SELECT release_version FROM system.local')).rowLength, 1, 'system tables stay readable');
  // Cassandra 5.0's READABLE_SYSTEM_RESOURCES: system.local/peers/peers_v2, system_schema, system_virtual_schema; the
  // rest of system needs a grant. DESCRIBE needs none.
  for (const t of ['system.peers', 'system.peers_v2', 'system_schema.tables', 'system_virtual_schema.tables']) await app.execute(`SELECT * FROM ${t}`);
  await unauthorized(app.execute('SELECT * FROM system.size_estimates'), 'User app has no SELECT permission on <table system.size_estimates> or any of its parents');
  assert.ok((await app.execute('DESCRIBE KEYSPACE other')).rowLength >= 2, 'DESCRIBE needs no permission');
  await unauthorized(app.execute('SELECT * FROM other.t'), 'User app has no SELECT permission on <table other.t> or any of its parents');
  await unauthorized(app.execute("INSERT INTO other.t (k, v) VALUES (3, 'x')"), 'User app has no MODIFY permission on <table other.t> or any of its parents');
  await unauthorized(app.execute('SELECT * FROM other.t WHERE k = ?', [1], { prepare: true }), 'User app has no SELECT permission on <table other.t> or any of its parents');
  await unauthorized(app.batch([{ query: "INSERT INTO app_ks.t (k, v) VALUES (4, 'y')" }, { query: "INSERT INTO other.t (k, v) VALUES (4, 'y')" }]),
    'User app has no MODIFY permission on <table other.t> or any of its parents');
  await unauthorized(app.execute('CREATE TABLE app_ks.x (k int PRIMARY KEY)'), 'User app has no CREATE permission on <keyspace app_ks> or any of its parents');
  await unauthorized(app.execute('DROP KEYSPACE other'), 'User app has no DROP permission on <keyspace other> or any of its parents');
  await unauthorized(app.execute('CREATE ROLE x'), 'User app has no CREATE permission on <all roles> or any of its parents');
  await unauthorized(app.execute('GRANT SELECT ON KEYSPACE other TO app'), 'User app has no AUTHORIZE permission on <keyspace other> or any of its parents');
  await unauthorized(app.execute('LIST ALL PERMISSIONS'), "You are not authorized to view everyone's permissions");
  assert.equal((await app.execute('LIST ALL PERMISSIONS OF app')).rowLength, 2, 'a role may list its own');

  await admin.execute('REVOKE SELECT ON KEYSPACE app_ks FROM app');
  await unauthorized(app.execute('SELECT * FROM app_ks.t'), 'User app has no SELECT permission on <table app_ks.t> or any of its parents');

  // A role allowed to create keyspaces holds every permission on the ones it creates.
  await admin.execute('GRANT CREATE ON ALL KEYSPACES TO app');
  await app.execute(`CREATE KEYSPACE mine WITH replication = ${rf1}`);
  await app.execute('CREATE TABLE mine.t (k int PRIMARY KEY, v text)');
  await app.execute("INSERT INTO mine.t (k, v) VALUES (1, 'm')");
  assert.equal((await app.execute('SELECT * FROM mine.t')).rowLength, 1);
  const mine = await admin.execute('LIST ALL PERMISSIONS ON KEYSPACE mine NORECURSIVE');
  assert.deepEqual(mine.rows.map((r) => r['permission']), ['CREATE', 'ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE']);
  await app.execute('DROP KEYSPACE mine');
  assert.equal((await admin.execute('LIST ALL PERMISSIONS ON KEYSPACE mine NORECURSIVE').catch((e: Error) => e)) instanceof Error, true,
    'the dropped keyspace is no resource any more');
  const left = await admin.execute('LIST ALL PERMISSIONS OF app');
  assert.ok(left.rows.every((r) => !String(r['resource']).includes('mine')), 'its grants went with it');
});
