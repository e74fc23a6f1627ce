// The network and CIDR authorizers on a real node (127.0.82.1, data centre dc1) with PasswordAuthenticator,
// CassandraNetworkAuthorizer and CassandraCIDRAuthorizer in ENFORCE mode: CIDR groups managed with nodetool, a role
// limited to a group holding 127.0.82.100/32 served from that address and refused from 127.0.82.101, a role
// limited to another data centre refused, and the audit log's record of the refusal. As in Cassandra 5.0
// (ClientState.validateLogin), the login succeeds and each request is refused with Unauthorized, so the driver's
// connect fails on its first query with that error.
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Client, errors } from 'cassandra-driver';
import { startNodeProcess } from '../helpers/node-process.ts';
import { login as loginAs } from '../helpers/login.ts';
import { runCli } from '../helpers/cli.ts';
import { DC, nodeConfig, sleep } from '../fixtures/driver.ts';

const NODE = '127.0.82.1';
const APP_HOST = '127.0.82.100';
const OTHER_HOST = '127.0.82.101';
const dir = mkdtempSync(join(tmpdir(), 'sibyl-cidr-audit-'));
const clients: Client[] = [];

// cassandra-driver has no option for the local address of its sockets: while `bindFrom` is set, the sockets it
// opens are bound to that address, as a client on that host's interface would be. login() sets it for the client it
// connects and leaves it set, since the driver opens its pool's connections after connect() has resolved (the
// clients of this test are used one after another).
let bindFrom: string | undefined;
const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function patched(this: net.Socket, ...args: unknown[]): net.Socket {
  if (bindFrom !== undefined && (typeof args[0] === 'number' || typeof args[0] === 'string') && typeof args[1] === 'string') {
    return (realConnect as (o: net.TcpSocketConnectOpts, cb?: () => void) => net.Socket).call(
      this, { port: Number(args[0]), host: args[1], localAddress: bindFrom }, args[2] as (() => void) | undefined);
  }
  return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

after(async () => {
  net.Socket.prototype.connect = realConnect;
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  rmSync(dir, { recursive: true, force: true });
});

async function login(user: string, password: string, from?: string, attempts = 1): Promise<Client> {
  bindFrom = from;
  return loginAs({ clients, client: { contactPoints: [NODE], localDataCenter: DC }, user, password, attempts });
}

/** The error the node answered a refused connect with (the driver wraps it in NoHostAvailableError). */
async function refusal(p: Promise<unknown>): Promise<errors.ResponseError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  assert.ok(e instanceof errors.NoHostAvailableError, `expected NoHostAvailableError, got ${String(e)}`);
  const inner = Object.values(e.innerErrors)[0];
  assert.ok(inner instanceof errors.ResponseError, `expected a ResponseError, got ${String(inner)}`);
  return inner;
}

const nodetool = async (...args: string[]) => runCli(['nodetool', '-h', NODE, ...args]);

test('CIDR groups and data centres limit where a role may connect from and to', { timeout: 150_000 }, async () => {
  const filter = { includedKeyspaces: [], excludedKeyspaces: [], includedCategories: [], excludedCategories: [], includedUsers: [], excludedUsers: [] };
  await startNodeProcess({ address: NODE, logLevel: 'warn', config: nodeConfig({
    authenticator: 'PasswordAuthenticator', networkAuthorizer: 'CassandraNetworkAuthorizer',
    cidrAuthorizer: { mode: 'ENFORCE', checksForSuperusers: false, refreshIntervalMs: 5 * 60_000, ipCacheMaxSize: 100 },
    auditLog: { dir, filter },
  }) });
  const admin = await login('cassandra', 'cassandra', undefined, 40);

  // nodetool's CIDR group commands, in Cassandra 5.0's output shapes.
  assert.deepEqual(await nodetool('updatecidrgroup', 'app_hosts', `${APP_HOST}/32`), { code: 0, signal: null, stdout: '', stderr: '' });
  assert.equal((await nodetool('updatecidrgroup', 'loopback', '127.0.0.0/8')).code, 0);
  assert.equal((await nodetool('listcidrgroups')).stdout, 'CIDR Groups: \napp_hosts\nloopback\n');
  assert.equal((await nodetool('listcidrgroups', 'app_hosts')).stdout, `CIDRs: \n${APP_HOST}/32\n`);
  assert.equal((await nodetool('getcidrgroupsofip', APP_HOST)).stdout, 'CIDR Groups: \napp_hosts\n');
  assert.equal((await nodetool('getcidrgroupsofip', OTHER_HOST)).stdout, 'CIDR Groups: \nloopback\n');
  const bad = await nodetool('updatecidrgroup', 'x', '10.0.0.0/33');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: .*Invalid netmask 33 for IP 10\.0\.0\.0/);
  const usageError = await nodetool('updatecidrgroup', 'x');
  assert.equal(usageError.code, 1);
  assert.match(usageError.stderr, /^nodetool: updatecidrgroup command requires a cidr group name and atleast one CIDR\n/);
  assert.match((await nodetool('getcidrgroupsofip')).stderr, /^nodetool: Requires IP address as input\n/);
  const missing = await nodetool('dropcidrgroup', 'nope');
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, "error: CIDR group 'nope' doesn't exists\n");
  assert.equal((await nodetool('dropcidrgroup', 'loopback')).stdout, 'Deleted CIDR group loopback\n');
  assert.equal((await nodetool('getcidrgroupsofip', OTHER_HOST)).stdout, '');

  const unknownGroup = await admin.execute("CREATE ROLE x WITH LOGIN = true AND ACCESS FROM CIDRS {'nope'}").then(() => undefined, (e: unknown) => e);
  assert.ok(unknownGroup instanceof errors.ResponseError && unknownGroup.code === 0x2200, String(unknownGroup));
  assert.equal(unknownGroup.message, 'Invalid CIDR group(s): [nope]. Available CIDR Groups are: [app_hosts]');
  await admin.execute("CREATE ROLE app WITH PASSWORD = 'app-pw' AND LOGIN = true AND ACCESS FROM CIDRS {'app_hosts'}");
  const stored = await admin.execute("SELECT cidr_groups FROM system_auth.cidr_permissions WHERE role = 'app'");
  assert.deepEqual(stored.first()['cidr_groups'], ['app_hosts']);

  // From the group's address: served.
  const app = await login('app', 'app-pw', APP_HOST);
  assert.equal((await app.execute('SELECT release_version FROM system.local')).rowLength, 1);
  // From another address: refused on its first request, with Cassandra's class and message.
  const fromOther = await refusal(login('app', 'app-pw', OTHER_HOST));
  assert.equal(fromOther.code, 0x2100);
  assert.equal(fromOther.message, `You do not have access from this IP ${OTHER_HOST}`);
  // The superuser is not limited by CIDRs (cidr_checks_for_superusers: false).
  await (await login('cassandra', 'cassandra', OTHER_HOST)).execute('SELECT release_version FROM system.local');

  // Data centres: only known ones may be named; a role limited to another one is refused on this node.
  const unknownDc = await admin.execute("CREATE ROLE far WITH PASSWORD = 'far-pw' AND LOGIN = true AND ACCESS TO DATACENTERS {'dc2'}")
    .then(() => undefined, (e: unknown) => e);
  assert.ok(unknownDc instanceof errors.ResponseError && unknownDc.code === 0x2200, String(unknownDc));
  assert.equal(unknownDc.message, "Invalid value(s) for DATACENTERS '[dc2]',All values must be valid datacenters");
  await admin.execute(`CREATE ROLE far WITH PASSWORD = 'far-pw' AND LOGIN = true AND ACCESS TO DATACENTERS {'${DC}'}`);
  // dc2 is not in this one-DC cluster: the row a node of dc2 would have let us write, written directly.
  await admin.execute("UPDATE system_auth.network_permissions SET dcs = {'dc2'} WHERE role = 'roles/far'");
  const far = await refusal(login('far', 'far-pw', APP_HOST));
  assert.equal(far.code, 0x2100);
  assert.equal(far.message, `You do not have access to this datacenter (${DC})`);
  const roles = await admin.execute('LIST ROLES');
  assert.deepEqual(roles.rows.map((r) => [r['role'], r['datacenters']]), [['app', 'ALL'], ['cassandra', 'ALL'], ['far', 'dc2']]);
  await admin.execute('DROP ROLE far');
  assert.equal((await admin.execute("SELECT * FROM system_auth.network_permissions WHERE role = 'roles/far'")).rowLength, 0);

  await sleep(300);
  const lines = readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n');
  const escaped = OTHER_HOST.replaceAll('.', '\\.');
  const refusedLine = new RegExp(`^user:app\\|host:${NODE.replaceAll('.', '\\.')}:7000\\|source:${escaped}\\|port:\\d+\\|timestamp:\\d+\\|type:UNAUTHORIZED_ATTEMPT\\|category:AUTH\\|.*; You do not have access from this IP ${escaped}$`);
  assert.ok(lines.some((l) => refusedLine.test(l)), `no refusal of app from ${OTHER_HOST} in\n${lines.join('\n')}`);
  assert.ok(lines.some((l) => /^user:far\|.*\|type:UNAUTHORIZED_ATTEMPT\|.*You do not have access to this datacenter \(dc1\)$/.test(l)));
});
