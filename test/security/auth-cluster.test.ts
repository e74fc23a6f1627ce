// Authentication and permissions across three nodes (127.0.57.1–.3; one seed, so the others join through the
// internode guard's probation): one default superuser for the cluster, system_auth replicated per its keyspace, a role
// created through one node logs in through the others, and a grant made through one node is enforced on another.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Client, errors, policies } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { login as loginAs } from '../helpers/login.ts';
import { sleep } from '../fixtures/driver.ts';

const ADDRESSES = ['127.0.57.1', '127.0.57.2', '127.0.57.3'];
const clients: Client[] = [];
after(async () => { await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined))); });

/** A client pinned to one node, logged in; retried while the cluster forms (bounded). */
async function login(address: string, user: string, password: string, attempts = 1): Promise<Client> {
  return loginAs({
    clients, user, password, attempts, retryMs: 300, client: {
      contactPoints: [address], localDataCenter: 'dc1',
      policies: { loadBalancing: new policies.loadBalancing.AllowListPolicy(new policies.loadBalancing.DCAwareRoundRobinPolicy('dc1'), [`${address}:9042`]) },
    },
  });
}

async function eventually(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(300);
  }
}

test('roles and grants made through one node hold on the others', { timeout: 180_000 }, async () => {
  const nodes: NodeProcess[] = await Promise.all(ADDRESSES.map((address) => startNodeProcess({
    address, logLevel: 'info', startTimeoutMs: 30_000,
    config: {
      clusterName: 'auth', endpointSnitch: 'GossipingPropertyFileSnitch', dataCenter: 'dc1', rack: 'r1', seeds: [ADDRESSES[0]!],
      numTokens: 16, authenticator: 'PasswordAuthenticator', authorizer: 'CassandraAuthorizer',
    },
  })));
  const admin = await login(ADDRESSES[0]!, 'cassandra', 'cassandra', 60);
  await eventually('three nodes in the ring', 60_000, async () => (await admin.execute('SELECT peer FROM system.peers')).rowLength === 2);
  await admin.execute("ALTER KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
  // Cassandra's advice after raising system_auth's RF is a repair; a read at ALL read-repairs the superuser's row onto
  // every replica (the authorizer still holds its roles, cached for permissions_validity).
  await admin.execute("SELECT * FROM system_auth.roles WHERE role = 'cassandra'", [], { consistency: 5 });
  await admin.execute("CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
  await admin.execute('CREATE TABLE app.t (k int PRIMARY KEY, v text)');
  await admin.execute("CREATE ROLE svc WITH PASSWORD = 'svc-pw' AND LOGIN = true");

  const created = nodes.flatMap((n) => n.stdout.split('\n').concat(n.stderr.split('\n'))).filter((l) => l.includes("Created default superuser role 'cassandra'"));
  assert.ok(created.length >= 1, 'the default superuser was set up');
  const rows = await admin.execute("SELECT role FROM system_auth.roles WHERE role = 'cassandra'", [], { consistency: 6 });
  assert.equal(rows.rowLength, 1, 'one row, whichever nodes wrote it (timestamp 0)');

  const svc3 = await login(ADDRESSES[2]!, 'svc', 'svc-pw', 10);
  const denied = await svc3.execute('SELECT * FROM app.t').then(() => undefined, (e: unknown) => e);
  assert.ok(denied instanceof errors.ResponseError && denied.code === 0x2100, String(denied));
  await admin.execute('GRANT SELECT ON KEYSPACE app TO svc');
  // Node 3 caches svc's grants for permissions_validity (2 s), then reads the new one from system_auth.
  await eventually('the grant holds on node 3', 10_000, async () => (await svc3.execute('SELECT * FROM app.t')).rowLength === 0);
  const svc2 = await login(ADDRESSES[1]!, 'svc', 'svc-pw', 10);
  await svc2.execute('SELECT * FROM app.t');
  const wrong = await login(ADDRESSES[1]!, 'svc', 'nope').then(() => undefined, (e: unknown) => e);
  assert.ok(wrong instanceof errors.NoHostAvailableError);
});
