// `sibyl cluster up --secure` end to end (127.0.81.1–.2, a client on 127.0.81.9): a cluster CA and node certificates,
// client and internode TLS, authentication and authorization; cassandra-driver (PlainTextAuthProvider + sslOptions)
// and the Python driver (PlainTextAuthProvider + ssl_context) connect as the application role, which may use its
// keyspace and nothing else; a wrong password is AuthenticationFailed; a plaintext client fails cleanly and the node
// stays up; `sibyl cqlsh --ssl` with the cluster's cqlshrc and `sibyl nodetool` work.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import cassandra from 'cassandra-driver';
import type { ClusterManifest } from '../../src/tools/cluster/manifest.ts';
import { runCli } from '../helpers/cli.ts';
import { REPO_ROOT } from '../../src/tools/bundle.ts';

const dir = mkdtempSync(join(tmpdir(), 'sibyl-secure-'));
const clients: cassandra.Client[] = [];
function killRecorded(): void {
  const p = join(dir, 'cluster.json');
  if (!existsSync(p)) return;
  for (const n of (JSON.parse(readFileSync(p, 'utf8')) as ClusterManifest).nodes) {
    try { if (n.pid !== undefined) process.kill(n.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  await runCli(['cluster', 'down', '--dir', dir], { timeoutMs: 30_000 }).catch(() => undefined);
  killRecorded();
  rmSync(dir, { recursive: true, force: true });
});
process.on('exit', killRecorded);

const NODE = '127.0.81.1';

function client(password: string, ssl: boolean): cassandra.Client {
  const c = new cassandra.Client({
    contactPoints: [NODE], localDataCenter: 'dc1', authProvider: new cassandra.auth.PlainTextAuthProvider('app', password),
    ...(ssl ? { sslOptions: { ca: [readFileSync(join(dir, 'tls', 'ca.pem'))] } } : {}),
  });
  clients.push(c);
  return c;
}

test('cluster up --secure: TLS, roles, drivers, cqlsh and nodetool', { timeout: 240_000 }, async () => {
  const up = await runCli(['cluster', 'up', '-n', '2', '--base-address', NODE, '--secure', '--app-keyspace', 'custsupport_ks', '--dir', dir, '--timeout', '90'], { timeoutMs: 150_000 });
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /Secure: authentication, authorization, client and internode TLS; role 'app'/);
  const password = readFileSync(join(dir, 'app.password'), 'utf8').trim();
  for (const f of ['app.password', 'cassandra.password', 'cqlshrc', 'tls/ca-key.pem', 'tls/node1-keystore.pem']) {
    assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
  }

  const app = client(password, true);
  await app.connect();
  await app.execute('CREATE TABLE custsupport_ks.t (k int PRIMARY KEY, v text)');
  await app.execute("INSERT INTO custsupport_ks.t (k, v) VALUES (1, 'one')");
  assert.equal((await app.execute('SELECT v FROM custsupport_ks.t WHERE k = 1')).first()!['v'], 'one');
  await assert.rejects(app.execute("CREATE KEYSPACE other WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"),
    (e: Error & { code?: number }) => e.code === 0x2100);
  await assert.rejects(app.execute('SELECT * FROM system_auth.roles'), (e: Error & { code?: number }) => e.code === 0x2100);

  await assert.rejects(client('wrong', true).connect(), (e: Error & { innerErrors?: Record<string, Error> }) =>
    Object.values(e.innerErrors ?? {}).some((x) => x instanceof cassandra.errors.AuthenticationError));
  await assert.rejects(client(password, false).connect());

  const py = spawnSync('/usr/bin/python3', ['-c', [
    'import ssl, sys', 'from cassandra.cluster import Cluster', 'from cassandra.auth import PlainTextAuthProvider',
    `ctx = ssl.create_default_context(cafile='${join(dir, 'tls', 'ca.pem')}')`, 'ctx.check_hostname = False',
    `s = Cluster(['${NODE}'], ssl_context=ctx, auth_provider=PlainTextAuthProvider('app', sys.argv[1])).connect()`,
    "print(list(s.execute('SELECT v FROM custsupport_ks.t WHERE k = 1'))[0].v)",
  ].join('\n'), password], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(py.stdout.trim(), 'one', py.stderr);

  const cqlsh = await runCli(['cqlsh', '--ssl', '--cqlshrc', join(dir, 'cqlshrc'), NODE, '-e', 'SELECT v FROM custsupport_ks.t WHERE k = 1'], { timeoutMs: 30_000 });
  assert.equal(cqlsh.code, 0, cqlsh.stderr);
  assert.match(cqlsh.stdout, /one/);
  const nodetool = await runCli(['nodetool', '-h', NODE, 'status'], { timeoutMs: 30_000});
  assert.match(nodetool.stdout, /UN\s+127\.0\.81\.1/, nodetool.stderr);
  assert.match(nodetool.stdout, /UN\s+127\.0\.81\.2/, nodetool.stderr);
  // The customer service with --secure: TLS, the app role, its table in the operator's keyspace.
  const demo = spawnSync(process.execPath, ['--import', 'tsx', 'examples/customer-service/server.ts', '--demo', '--secure', dir,
    '--contact-points', NODE, '--dc', 'dc1'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(demo.status, 0, demo.stderr);
  assert.match(demo.stdout, /John/);
  // The node is still serving after the plaintext attempt.
  assert.equal((await app.execute('SELECT v FROM custsupport_ks.t WHERE k = 1')).rowLength, 1);
});
