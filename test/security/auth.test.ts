// PasswordAuthenticator on a real node (127.0.56.30): the default superuser, cassandra-driver's and the Python
// driver's PlainTextAuthProvider, wrong passwords, 1,000 malformed SASL responses (from 127.0.56.31) with the node
// still serving, and failed logins rate-limited per client address.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { auth, Client, errors } from 'cassandra-driver';
import { REPO_ROOT, startNodeProcess } from '../helpers/node-process.ts';
import { DC, nodeConfig, sleep } from '../fixtures/driver.ts';
import { bytesBody, errorOf, RawClient, startupBody, v4Frame } from '../helpers/native-frames.ts';

const NODE = '127.0.56.30';
const clients: Client[] = [];
const raws: RawClient[] = [];
after(async () => {
  for (const r of raws) r.close();
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
});

function client(user: string, password: string): Client {
  const c = new Client({ contactPoints: [NODE], localDataCenter: DC, authProvider: new auth.PlainTextAuthProvider(user, password) });
  clients.push(c);
  return c;
}

/** The default superuser is created shortly after start: log in as it, retrying for a bounded time. */
async function loginAsDefault(): Promise<Client> {
  for (let i = 0; i < 40; i++) {
    const c = client('cassandra', 'cassandra');
    try {
      await c.connect();
      return c;
    } catch {
      await c.shutdown();
      await sleep(250);
    }
  }
  throw new Error('the default superuser never became usable');
}

function authErrorOf(e: unknown): errors.AuthenticationError | undefined {
  if (e instanceof errors.NoHostAvailableError) {
    const inner = Object.values(e.innerErrors as Record<string, unknown>)[0];
    return inner instanceof errors.AuthenticationError ? inner : undefined;
  }
  return undefined;
}

test('PasswordAuthenticator: drivers log in, wrong passwords and malformed SASL are refused, the node keeps serving', { timeout: 120_000 }, async () => {
  const node = await startNodeProcess({ address: NODE, logLevel: 'info', config: nodeConfig({ authenticator: 'PasswordAuthenticator' }) });
  const admin = await loginAsDefault();
  const row = (await admin.execute("SELECT * FROM system_auth.roles WHERE role = 'cassandra'")).first();
  assert.equal(row['is_superuser'], true);
  assert.equal(row['can_login'], true);
  assert.match(String(row['salted_hash']), /^\$2a\$10\$[./A-Za-z0-9]{53}$/);
  assert.match(node.stdout + node.stderr, /Created default superuser role 'cassandra'/);

  const wrong = client('cassandra', 'nope');
  const err = await wrong.connect().then(() => undefined, (e: unknown) => e);
  const authErr = authErrorOf(err);
  assert.ok(authErr, `AuthenticationError expected, got ${String(err)}`);
  assert.match(authErr.message, /Provided username cassandra and\/or password are incorrect/);
  const nobody = new Client({ contactPoints: [NODE], localDataCenter: DC });
  clients.push(nobody);
  await assert.rejects(nobody.connect(), /requires authentication|authProvider/i);

  const py = spawnSync('/usr/bin/python3', ['-P', 'test/drivers/python/auth.py'], {
    cwd: REPO_ROOT, env: { ...process.env, SIBYL_HOST: NODE }, encoding: 'utf8', timeout: 60_000,
  });
  assert.equal(py.stdout.trim(), 'OK', py.stderr);

  // 1,000 malformed SASL responses over 10 connections from one address: every one answered 0x0100, none crashes.
  const shapes = [null, Buffer.alloc(0), Buffer.from('no-nul'), Buffer.from('\0user\0'), Buffer.from('\0\0\0'),
    Buffer.from('\0\0pw'), Buffer.alloc(5000, 0xff)];
  let answered = 0;
  for (let c = 0; c < 10; c++) {
    const raw = await RawClient.open(NODE, '127.0.56.31');
    raws.push(raw);
    raw.send(v4Frame(0, 0x01, startupBody()));
    const [authenticate] = await raw.until(1);
    assert.equal(authenticate?.opcode, 0x03, 'AUTHENTICATE');
    for (let i = 0; i < 100; i++) raw.send(v4Frame(i + 1, 0x0f, bytesBody(shapes[(c * 100 + i) % shapes.length]!)));
    const frames = await raw.until(101);
    for (const f of frames.slice(1)) {
      assert.equal(f.opcode, 0x00);
      assert.equal(errorOf(f.body).code, 0x0100);
      answered++;
    }
    raw.close();
  }
  assert.equal(answered, 1000);
  // That address is now rate-limited, even with the right password; another one is not.
  const limited = await RawClient.open(NODE, '127.0.56.31');
  raws.push(limited);
  limited.send(v4Frame(0, 0x01, startupBody()));
  await limited.until(1);
  limited.send(v4Frame(1, 0x0f, bytesBody(Buffer.from('\0cassandra\0cassandra'))));
  const [, refusal] = await limited.until(2);
  assert.equal(errorOf(refusal!.body).code, 0x0100);
  assert.match(errorOf(refusal!.body).message, /Too many failed login attempts/);
  const fresh = await RawClient.open(NODE, '127.0.56.32');
  raws.push(fresh);
  fresh.send(v4Frame(0, 0x01, startupBody()));
  await fresh.until(1);
  const query = Buffer.from('SELECT * FROM system_auth.roles');
  fresh.send(v4Frame(1, 0x07, Buffer.concat([bytesBody(query), Buffer.from([0, 1, 0])])));
  const [, early] = await fresh.until(2);
  assert.equal(errorOf(early!.body).message, 'Unexpected message QUERY, expecting SASL_RESPONSE');
  fresh.send(v4Frame(2, 0x0f, bytesBody(Buffer.from('\0cassandra\0cassandra'))));
  const [, , success] = await fresh.until(3);
  assert.equal(success?.opcode, 0x10, 'AUTH_SUCCESS');

  assert.equal((await admin.execute('SELECT release_version FROM system.local')).rowLength, 1, 'still serving');
  const metrics = await (await fetch(`http://${NODE}:7199/metrics`)).text();
  assert.match(metrics, /sibyl_refused_total\{transport="auth",reason="malformed"\} [1-9]/);
  assert.match(metrics, /sibyl_refused_total\{transport="auth",reason="rate-limited"\} [1-9]/);
});
