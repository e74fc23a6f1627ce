// TLS on the native port (client_encryption_options with PEM files): cassandra-driver's sslOptions and the Python
// driver's ssl_context with PlainTextAuthProvider (127.0.56.80); a plaintext client on the TLS port fails cleanly and
// 1,000 malformed handshakes leave the node serving; `optional` serves both (127.0.56.81); `require_client_auth`
// wants a certificate from the truststore (127.0.56.82).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { auth, Client } from 'cassandra-driver';
import { REPO_ROOT, startNodeProcess } from '../helpers/node-process.ts';
import { DC, nodeConfig, sleep } from '../fixtures/driver.ts';
import { makeCerts, type TestCerts } from '../helpers/certs.ts';

const dir = mkdtempSync(join(tmpdir(), 'sibyl-tls-'));
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  rmSync(dir, { recursive: true, force: true });
});

function client(address: string, ssl: Record<string, unknown> | undefined, credentials?: [string, string]): Client {
  const c = new Client({
    contactPoints: [address], localDataCenter: DC, ...(ssl ? { sslOptions: ssl } : {}),
    ...(credentials ? { authProvider: new auth.PlainTextAuthProvider(...credentials) } : {}),
  });
  clients.push(c);
  return c;
}

async function connected(c: Client, attempts = 1): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await c.connect();
      return;
    } catch (e) {
      if (i + 1 >= attempts) throw e;
      await sleep(300);
    }
  }
}

function tlsConfig(certs: TestCerts, extra: Record<string, unknown>) {
  return { enabled: true, keystore: certs.keystorePath, truststore: certs.caPath, ...extra };
}

test('TLS with password authentication; plaintext and garbage refused cleanly', { timeout: 120_000 }, async () => {
  const address = '127.0.56.80';
  const certs = makeCerts(mkdtempSync(join(dir, 'a-')), address);
  await startNodeProcess({ address, logLevel: 'warn', config: nodeConfig({
    authenticator: 'PasswordAuthenticator', clientEncryptionOptions: tlsConfig(certs, {}),
  }) });
  const secure = client(address, { ca: [certs.caPem] }, ['cassandra', 'cassandra']);
  // The default superuser appears shortly after start; each attempt is a fresh client (the driver caches failures).
  for (let i = 0; ; i++) {
    const c = client(address, { ca: [certs.caPem] }, ['cassandra', 'cassandra']);
    try { await c.connect(); await c.shutdown(); break; } catch (e) { await c.shutdown(); if (i > 40) throw e; await sleep(250); }
  }
  await connected(secure);
  assert.equal((await secure.execute('SELECT release_version FROM system.local')).rowLength, 1);

  const py = spawnSync('/usr/bin/python3', ['-P', 'test/drivers/python/auth.py'], {
    cwd: REPO_ROOT, env: { ...process.env, SIBYL_HOST: address, SIBYL_CA: certs.caPath }, encoding: 'utf8', timeout: 60_000,
  });
  assert.equal(py.stdout.trim(), 'OK', py.stderr);

  const plain = client(address, undefined, ['cassandra', 'cassandra']);
  await assert.rejects(plain.connect());
  // 1,000 malformed handshakes: TLS records of garbage and plain garbage, each on its own connection, 50 at a time.
  for (let batch = 0; batch < 20; batch++) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => new Promise<void>((resolve) => {
      const s = connect({ host: address, port: 9042, localAddress: '127.0.56.83' });
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.on('connect', () => {
        const junk = Buffer.alloc(64 + i, (batch * 50 + i) % 251);
        if (i % 2 === 0) junk[0] = 0x16;
        s.end(junk);
      });
      s.resume();
    })));
  }
  assert.equal((await secure.execute('SELECT release_version FROM system.local')).rowLength, 1, 'still serving');
  const metrics = await (await fetch(`http://${address}:7199/metrics`)).text();
  assert.match(metrics, /sibyl_refused_total\{transport="native",reason="tls-handshake"\} \d{3,}/);
});

test('optional TLS serves both; require_client_auth wants a client certificate', { timeout: 120_000 }, async () => {
  const both = '127.0.56.81';
  const certs = makeCerts(mkdtempSync(join(dir, 'b-')), both);
  await startNodeProcess({ address: both, logLevel: 'warn', config: nodeConfig({ clientEncryptionOptions: tlsConfig(certs, { optional: true }) }) });
  const tlsClient = client(both, { ca: [certs.caPem] });
  await connected(tlsClient, 5);
  const plainClient = client(both, undefined);
  await connected(plainClient, 5);
  assert.equal((await tlsClient.execute('SELECT release_version FROM system.local')).rowLength, 1);
  assert.equal((await plainClient.execute('SELECT release_version FROM system.local')).rowLength, 1);

  const mtls = '127.0.56.82';
  const certs2 = makeCerts(mkdtempSync(join(dir, 'c-')), mtls);
  await startNodeProcess({ address: mtls, logLevel: 'warn', config: nodeConfig({ clientEncryptionOptions: tlsConfig(certs2, { require_client_auth: true }) }) });
  await assert.rejects(connected(client(mtls, { ca: [certs2.caPem] })));
  const withCert = client(mtls, { ca: [certs2.caPem], key: certs2.clientKeyPem, cert: certs2.clientCertPem });
  await connected(withCert, 5);
  assert.equal((await withCert.execute('SELECT release_version FROM system.local')).rowLength, 1);
});

test('optional TLS with require_client_auth: a client certificate from another CA is refused (127.0.80.10)', { timeout: 120_000 }, async () => {
  const address = '127.0.80.10';
  const certs = makeCerts(mkdtempSync(join(dir, 'd-')), address);
  const foreign = makeCerts(mkdtempSync(join(dir, 'e-')), address);
  await startNodeProcess({ address, logLevel: 'warn', config: nodeConfig({ clientEncryptionOptions: tlsConfig(certs, { optional: true, require_client_auth: true }) }) });
  await assert.rejects(connected(client(address, { ca: [certs.caPem], key: foreign.clientKeyPem, cert: foreign.clientCertPem })));
  const ours = client(address, { ca: [certs.caPem], key: certs.clientKeyPem, cert: certs.clientCertPem });
  await connected(ours, 5);
  assert.equal((await ours.execute('SELECT release_version FROM system.local')).rowLength, 1);
});
