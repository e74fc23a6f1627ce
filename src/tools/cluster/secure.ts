// `cluster up --secure`: what a locked-down cluster adds to every node's configuration (password authentication,
// CassandraAuthorizer, client TLS and internode TLS with the cluster's certificates, require_client_auth between
// nodes; the admin token every cluster has), and, once the nodes serve, the roles: the default superuser's password
// replaced by a generated one, and an application role with rights on the application keyspace only. Secrets are
// written to the cluster directory with mode 0600; the summary says how to connect with them.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeConfig } from '../../server/config.ts';
import { Consistency } from '../../model/errors.ts';
import { CqlClient } from '../cqlsh/client.ts';
import { issueClusterCertificates } from './certs.ts';
import type { ClusterManifest } from './manifest.ts';
import type { NodeSpec } from './topology.ts';

export const APP_ROLE = 'app';
export const APP_PASSWORD_FILE = 'app.password';
export const SUPERUSER_PASSWORD_FILE = 'cassandra.password';
export const CQLSHRC_FILE = 'cqlshrc';
export const TLS_DIR = 'tls';

/** Per node address, the settings that lock it down (certificates issued into `<dir>/tls`, by the cluster's CA once it has one). */
export function secureNodeSettings(
  dir: string, clusterName: string, specs: ReadonlyArray<Pick<NodeSpec, 'name' | 'address'>>, ilbAddresses: readonly string[] = [],
): Map<string, Partial<NodeConfig>> {
  const tls = join(dir, TLS_DIR);
  const { caPath, keystores } = issueClusterCertificates(tls, clusterName, specs, ilbAddresses);
  const out = new Map<string, Partial<NodeConfig>>();
  for (const spec of specs) {
    const keystore = keystores.get(spec.address)!;
    out.set(spec.address, {
      authenticator: 'PasswordAuthenticator', authorizer: 'CassandraAuthorizer',
      clientEncryptionOptions: { enabled: true, keystore, truststore: caPath },
      serverEncryptionOptions: { internode_encryption: 'all', keystore, truststore: caPath, require_client_auth: true },
    });
  }
  return out;
}

function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** A client of the first node as `user`, retried while the default superuser appears (bounded). */
async function login(m: ClusterManifest, user: string, password: string, timeoutMs: number): Promise<CqlClient> {
  const n = m.nodes[0]!;
  const ssl = { validate: true, caPem: readFileSync(join(m.dir, TLS_DIR, 'ca.pem'), 'utf8') };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await CqlClient.connect({ host: n.address, port: n.nativePort, connectTimeoutMs: 5000, username: user, password, ssl });
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`cannot log in to ${n.address} as ${user}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * The roles of a new secure cluster: `app` with SELECT/MODIFY/CREATE/ALTER/DROP on keyspace `appKeyspace` (created
 * with replication 3 per data centre, or fewer nodes), and the superuser `cassandra` with a generated password.
 * Skipped when the password files exist (the cluster was set up before).
 */
export async function setUpSecureRoles(m: ClusterManifest, appKeyspace: string, timeoutMs = 60_000): Promise<void> {
  const appFile = join(m.dir, APP_PASSWORD_FILE);
  if (existsSync(appFile)) return;
  const superPassword = randomBytes(18).toString('base64url');
  const appPassword = randomBytes(18).toString('base64url');
  const client = await login(m, 'cassandra', 'cassandra', timeoutMs);
  const run = (cql: string) => client.query(cql, { consistency: Consistency.QUORUM }, 20_000);
  try {
    const rf = m.topology.datacenters.map((dc) => `${quote(dc.name)}: ${Math.min(3, m.nodes.filter((n) => n.dataCenter === dc.name).length)}`).join(', ');
    await run(`CREATE KEYSPACE IF NOT EXISTS "${appKeyspace}" WITH replication = {'class': 'NetworkTopologyStrategy', ${rf}}`);
    await run(`CREATE ROLE IF NOT EXISTS ${APP_ROLE} WITH PASSWORD = ${quote(appPassword)} AND LOGIN = true`);
    for (const p of ['SELECT', 'MODIFY', 'CREATE', 'ALTER', 'DROP']) await run(`GRANT ${p} ON KEYSPACE "${appKeyspace}" TO ${APP_ROLE}`);
    await run(`ALTER ROLE cassandra WITH PASSWORD = ${quote(superPassword)}`);
  } finally {
    client.close();
  }
  writeSecret(join(m.dir, SUPERUSER_PASSWORD_FILE), `${superPassword}\n`);
  writeSecret(appFile, `${appPassword}\n`);
  writeSecret(join(m.dir, CQLSHRC_FILE), [
    '[authentication]', `username = ${APP_ROLE}`, `password = ${appPassword}`, '',
    '[connection]', `hostname = ${m.nodes[0]!.address}`, 'port = 9042', '',
    '[ssl]', `certfile = ${join(m.dir, TLS_DIR, 'ca.pem')}`, 'validate = true', '',
  ].join('\n'));
}

/** The summary's lines for a secure cluster: cqlsh and both drivers with TLS and the application role. */
export function secureConnectLines(m: ClusterManifest, appKeyspace: string): string[] {
  const ca = join(m.dir, TLS_DIR, 'ca.pem');
  const first = m.nodes[0]!;
  const pw = join(m.dir, APP_PASSWORD_FILE);
  return [
    `Secure: authentication, authorization, client and internode TLS; role '${APP_ROLE}' may use keyspace ${appKeyspace} only`,
    `  passwords (0600): ${pw}, ${join(m.dir, SUPERUSER_PASSWORD_FILE)} (superuser cassandra); CA: ${ca}`,
    `  npx sibyl cqlsh --ssl --cqlshrc ${join(m.dir, CQLSHRC_FILE)} ${first.address}`,
    `  new cassandra.Client({ contactPoints: ['${first.address}:9042'], localDataCenter: '${first.dataCenter}', sslOptions: { ca: [fs.readFileSync('${ca}')] }, authProvider: new cassandra.auth.PlainTextAuthProvider('${APP_ROLE}', fs.readFileSync('${pw}', 'utf8').trim()) })`,
    `  python: ctx = ssl.create_default_context(cafile='${ca}'); ctx.check_hostname = False; Cluster(['${first.address}'], ssl_context=ctx, auth_provider=PlainTextAuthProvider('${APP_ROLE}', open('${pw}').read().strip()))`,
  ];
}
