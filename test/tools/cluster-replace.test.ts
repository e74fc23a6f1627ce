// `sibyl cluster add --replace` end to end (127.0.75.21-24): a 3-node launcher cluster, RF 2, 300 rows; node 3 is
// killed for good and replaced by a new node 4 with replace_address_first_boot: it takes node 3's tokens, streams its
// data, and serves every row of its ranges alone at ONE; node 3 is gone from nodetool status.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Client, policies, types } from 'cassandra-driver';
import type { ClusterManifest } from '../../src/tools/cluster/manifest.ts';
import type { StatusReport } from '../../src/server/admin-types.ts';
import { adminCall } from '../../src/tools/admin-client.ts';
import { runCli } from '../helpers/cli.ts';
import { eventually } from '../fixtures/cluster.ts';

const dir = mkdtempSync(join(tmpdir(), 'sibyl-cluster-replace-'));
const ENV = { SIBYL_RING_DELAY_MS: '2000' };
const clients: Client[] = [];

function killRecorded(): void {
  const p = join(dir, 'cluster.json');
  if (!existsSync(p)) return;
  for (const n of (JSON.parse(readFileSync(p, 'utf8')) as ClusterManifest).nodes) {
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

test('cluster add --replace: the new node takes a dead node\'s tokens and data', { timeout: 300_000 }, async () => {
  const up = await runCli(['cluster', 'up', '-n', '3', '--base-address', '127.0.75.21', '--dir', dir, '--timeout', '90'], { timeoutMs: 120_000, env: ENV });
  assert.equal(up.code, 0, up.stderr);
  const a = client('127.0.75.21');
  await a.execute("CREATE KEYSPACE rk WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}");
  await a.execute('CREATE TABLE rk.t (k int PRIMARY KEY, v text)');
  for (let k = 0; k < 300; k++) await a.execute('INSERT INTO rk.t (k, v) VALUES (?, ?)', [k, `v${k}`], { prepare: true, consistency: types.consistencies.all });
  const tokens = (await adminCall<StatusReport>('127.0.75.21', 7199, '/status')).nodes.find((n) => n.address === '127.0.75.23')!.tokens;

  const killed = await runCli(['cluster', 'kill', '--dir', dir, '--node', '127.0.75.23']);
  assert.equal(killed.code, 0, killed.stderr);
  await eventually('127.0.75.23 is DN', 60_000, async () => {
    const st = await adminCall<StatusReport>('127.0.75.21', 7199, '/status');
    assert.equal(st.nodes.find((n) => n.address === '127.0.75.23')?.state, 'DN');
  });
  const add = await runCli(['cluster', 'add', '--dir', dir, '--dc', 'dc1', '--rack', 'r1', '--address', '127.0.75.24', '--replace', '127.0.75.23', '--timeout', '180'],
    { timeoutMs: 240_000, env: ENV });
  assert.equal(add.code, 0, `${add.stdout}\n${add.stderr}`);
  assert.match(add.stderr, /replacing 127\.0\.75\.23/);
  await eventually('the dead node leaves the ring', 60_000, async () => {
    const st = await adminCall<StatusReport>('127.0.75.22', 7199, '/status');
    assert.deepEqual(st.nodes.map((n) => [n.address, n.state]).sort(), [['127.0.75.21', 'UN'], ['127.0.75.22', 'UN'], ['127.0.75.24', 'UN']]);
    assert.deepEqual(st.nodes.find((n) => n.address === '127.0.75.24')!.tokens, tokens);
  });
  const d = client('127.0.75.24');
  let found = 0;
  for (let k = 0; k < 300; k++) {
    const ep = await adminCall<string[]>('127.0.75.24', 7199, `/endpoints?keyspace=rk&table=t&key=${k}`);
    if (!ep.includes('127.0.75.24')) continue;
    const r = await d.execute('SELECT v FROM rk.t WHERE k = ?', [k], { prepare: true, consistency: types.consistencies.one });
    assert.equal(r.first()?.get('v'), `v${k}`, `key ${k} on the replacement alone`);
    found++;
  }
  assert.ok(found > 100, `the replacement replicates ${found} of 300 keys`);
});
