// Internode TLS (server_encryption_options, internode_encryption: all, require_client_auth) on real processes
// (127.0.80.1–.2 members, .3 a node whose certificate comes from another CA, .5 the attacker): the two members form a
// ring over TLS; the outsider cannot join; issue 14's forged hello + TRUNCATE is refused, in plaintext and over TLS
// without a certificate, and every refusal is counted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, test } from 'node:test';
import type { Client } from 'cassandra-driver';
import { startNodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig, runConcurrent, sleep } from '../fixtures/driver.ts';
import { closedWithin, connectFrom, helloFrame, requestFrame } from '../helpers/forged-peer.ts';
import { makeClusterCerts, type ClusterCerts } from '../helpers/certs.ts';

const MEMBERS = ['127.0.80.1', '127.0.80.2'];
const OUTSIDER = '127.0.80.3';
const ATTACKER = '127.0.80.5';
const dir = mkdtempSync(join(tmpdir(), 'sibyl-internode-tls-'));
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  rmSync(dir, { recursive: true, force: true });
});

function encryption(certs: ClusterCerts, address: string): Record<string, unknown> {
  return { internode_encryption: 'all', keystore: certs.keystores.get(address), truststore: certs.caPath, require_client_auth: true };
}

async function refused(address: string): Promise<Record<string, number>> {
  const text = await (await fetch(`http://${address}:7199/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^sibyl_refused_total\{transport="internode",reason="([a-z-]+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

async function peers(c: Client): Promise<string[]> {
  return (await c.execute('SELECT peer FROM system.peers')).rows.map((r) => String(r['peer']));
}

async function eventually(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(300);
  }
}

test('internode TLS: members join, another CA cannot, a forged peer changes nothing', { timeout: 180_000 }, async () => {
  const certs = makeClusterCerts(mkdtempSync(join(dir, 'cluster-')), [...MEMBERS, ATTACKER]);
  const foreign = makeClusterCerts(mkdtempSync(join(dir, 'foreign-')), [OUTSIDER], 'another-ca');
  const config = (address: string, c: ClusterCerts) => nodeConfig({
    clusterName: 'tls', seeds: [MEMBERS[0]!], numTokens: 16, serverEncryptionOptions: encryption(c, address),
  });
  await Promise.all(MEMBERS.map((address) => startNodeProcess({ address, logLevel: 'info', startTimeoutMs: 30_000, config: config(address, certs) })));
  const c = await connectClient(MEMBERS[0]!);
  clients.push(c);
  await eventually('two nodes in the ring', 60_000, async () => (await peers(c)).length === 1);
  await c.execute("CREATE KEYSPACE f WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}");
  await c.execute('CREATE TABLE f.t (k int PRIMARY KEY, v text)');
  await runConcurrent(500, 16, async (i) => { await c.execute('INSERT INTO f.t (k, v) VALUES (?, ?)', [i, `v${i}`], { prepare: true, consistency: 5 }); });
  const count = async (): Promise<number> => Number((await c.execute('SELECT count(*) FROM f.t', [], { consistency: 5 })).first()!['count']);
  assert.equal(await count(), 500, 'writes and reads at ALL go over TLS');

  // A node with a certificate from another CA, pointed at the seed: it never joins.
  const outsider = await startNodeProcess({ address: OUTSIDER, logLevel: 'info', startTimeoutMs: 30_000, config: config(OUTSIDER, foreign) });
  await sleep(6000);
  for (let i = 0; i < 4; i++) assert.equal((await peers(c)).length, 1, 'the outsider is not a peer of either member');
  const afterOutsider = await refused(MEMBERS[0]!);
  assert.ok((afterOutsider['tls-handshake'] ?? 0) + (afterOutsider['bad-certificate'] ?? 0) >= 1, JSON.stringify(afterOutsider));
  await outsider.stop();

  // Issue 14's attack: the hello + TRUNCATE from a non-member, in plaintext, then over TLS with no certificate.
  const id = String((await c.execute("SELECT id FROM system_schema.tables WHERE keyspace_name = 'f' AND table_name = 't'")).first()!['id']);
  const attack = Buffer.concat([helloFrame(`${ATTACKER}:7000`), requestFrame('TRUNCATE', { t: { ks: 'f', table: 't', id } })]);
  const plain = await connectFrom(ATTACKER, MEMBERS[0]!);
  plain.write(attack);
  assert.ok(await closedWithin(plain, 5000), 'plaintext is refused');
  const anonymous = tlsConnect({ socket: await connectFrom(ATTACKER, MEMBERS[0]!), rejectUnauthorized: false });
  anonymous.on('error', () => { /* the node ends the handshake */ });
  anonymous.write(attack);
  assert.ok(await closedWithin(anonymous, 5000), 'TLS without a certificate is refused');
  await sleep(500);
  assert.equal(await count(), 500, 'the table keeps its rows');
  const after = await refused(MEMBERS[0]!);
  assert.equal(after['plaintext'], 1, JSON.stringify(after));
  assert.equal(after['bad-certificate'], (afterOutsider['bad-certificate'] ?? 0) + 1, `no certificate: ${JSON.stringify(after)}`);
  assert.equal((await c.execute('SELECT v FROM f.t WHERE k = 7')).first()!['v'], 'v7', 'the node still serves');
});
