// `sibyl cluster add` end to end (127.0.62.x): a 3-node launcher cluster with a keyspace and rows; a fourth node is
// added with bootstrap (it streams its ranges and serves them alone), a fifth with --no-bootstrap (it joins at once,
// allocated tokens, and no data until a rebuild). Every process is killed and the directory removed at the end.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Client, policies, types } from 'cassandra-driver';
import type { ClusterManifest } from '../../src/tools/cluster/manifest.ts';
import type { StatusReport } from '../../src/server/admin-types.ts';
import { adminCall } from '../../src/tools/admin-client.ts';
import { ADMIN_TOKEN_FILE } from '../../src/server/admin-token.ts';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'sibyl-cluster-add-'));
const ENV = { SIBYL_RING_DELAY_MS: '2000' };
const clients: Client[] = [];

function killRecorded(): void {
  const p = join(dir, 'cluster.json');
  if (!existsSync(p)) return;
  const m = JSON.parse(readFileSync(p, 'utf8')) as ClusterManifest;
  for (const n of m.nodes) {
    try {
      if (n.pid !== undefined) process.kill(n.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  await runCli(['cluster', 'down', '--dir', dir], { timeoutMs: 30_000 }).catch(() => undefined);
  killRecorded();
  rmSync(dir, { recursive: true, force: true });
});
process.on('exit', killRecorded);

function client(address: string): Client {
  const c = new Client({
    contactPoints: [address], localDataCenter: 'dc1',
    policies: { loadBalancing: new policies.loadBalancing.AllowListPolicy(new policies.loadBalancing.DCAwareRoundRobinPolicy('dc1'), [`${address}:9042`]) },
  });
  clients.push(c);
  return c;
}

test('cluster add bootstraps a node into a running launcher cluster; --no-bootstrap joins one at once', { timeout: 300_000 }, async () => {
  const up = await runCli(['cluster', 'up', '-n', '3', '--base-address', '127.0.62.1', '--dir', dir, '--timeout', '90'], { timeoutMs: 120_000, env: ENV });
  assert.equal(up.code, 0, up.stderr);
  const a = client('127.0.62.1');
  await a.execute("CREATE KEYSPACE ak WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}");
  await a.execute('CREATE TABLE ak.t (k int PRIMARY KEY, v text)');
  for (let k = 0; k < 500; k++) await a.execute('INSERT INTO ak.t (k, v) VALUES (?, ?)', [k, `v${k}`], { prepare: true, consistency: types.consistencies.quorum });

  const add = await runCli(['cluster', 'add', '--dir', dir, '--dc', 'dc1', '--rack', 'r1', '--timeout', '180'], { timeoutMs: 240_000, env: ENV });
  assert.equal(add.code, 0, `${add.stdout}\n${add.stderr}`);
  assert.match(add.stdout, /added 127\.0\.62\.4 to /);
  const m = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterManifest;
  assert.equal(m.nodes.length, 4);
  const status = await adminCall<StatusReport>('127.0.62.2', 7199, '/status');
  assert.deepEqual(status.nodes.map((n) => n.state), ['UN', 'UN', 'UN', 'UN']);
  const fresh = status.nodes.find((n) => n.address === '127.0.62.4')!;
  assert.equal(fresh.tokens.length, 16, 'allocated tokens');
  // The new node alone (coordinating at ONE, answering from its own replica) has the rows of its ranges.
  const d = client('127.0.62.4');
  let found = 0;
  for (let k = 0; k < 500; k++) {
    const ep = await adminCall<string[]>('127.0.62.4', 7199, `/endpoints?keyspace=ak&table=t&key=${k}`);
    if (!ep.includes('127.0.62.4')) continue;
    const r = await d.execute('SELECT v FROM ak.t WHERE k = ?', [k], { prepare: true, consistency: types.consistencies.one });
    assert.equal(r.first()?.get('v'), `v${k}`, `key ${k} on the new node`);
    found++;
  }
  assert.ok(found > 100, `the new node replicates ${found} of 500 keys`);

  const plain = await runCli(['cluster', 'add', '--dir', dir, '--dc', 'dc1', '--rack', 'r1', '--no-bootstrap', '--timeout', '120'], { timeoutMs: 180_000, env: ENV });
  assert.equal(plain.code, 0, `${plain.stdout}\n${plain.stderr}`);
  const after5 = await adminCall<StatusReport>('127.0.62.1', 7199, '/status');
  assert.equal(after5.nodes.filter((n) => n.state === 'UN').length, 5);
  const netstats = await runCli(['nodetool', '-h', '127.0.62.5', 'netstats']);
  assert.match(netstats.stdout, /^Mode: NORMAL\n/);
  // An added node requires the cluster's admin token like the others (it used to be left without one).
  await assert.rejects(adminCall('127.0.62.5', 7199, '/rebuild', { method: 'POST', token: 'wrong' }));
  const rebuild = await runCli(['nodetool', '-h', '127.0.62.5', 'rebuild'], { env: { ...ENV, SIBYL_ADMIN_TOKEN_FILE: join(dir, ADMIN_TOKEN_FILE) } });
  assert.equal(rebuild.code, 0, rebuild.stderr);
});
