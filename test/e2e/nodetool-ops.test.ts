// nodetool's operational commands on two live nodes (127.0.76.1-2): version, describering, compactionstats, compact,
// disablebinary/enablebinary (clients refused, then served again) and disablegossip/enablegossip (the peer marks the
// node down, then up again under its new generation).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'cassandra-driver';
import { withTimeout } from '../fixtures/driver.ts';
import { clientFor, eventually, startCluster } from '../fixtures/cluster.ts';
import { runCli } from '../helpers/cli.ts';
import { adminCall } from '../../src/tools/admin-client.ts';
import type { StatusReport } from '../../src/server/admin-types.ts';

const A = '127.0.76.1';
const B = '127.0.76.2';
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
});

const nodetool = (...args: string[]): ReturnType<typeof runCli> => runCli(['nodetool', '-h', A, ...args], { timeoutMs: 60_000 });

test('version, describering, compactionstats, compact; binary and gossip off and on', { timeout: 180_000 }, async () => {
  await startCluster('ops', [{ address: A, dc: 'dc1', rack: 'r1' }, { address: B, dc: 'dc1', rack: 'r1' }]);
  const c = await clientFor(A, 'dc1');
  clients.push(c);
  await c.execute("CREATE KEYSPACE ok WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}");
  await c.execute('CREATE TABLE ok.t (k int PRIMARY KEY, v int)');
  for (let k = 0; k < 20; k++) await c.execute('INSERT INTO ok.t (k, v) VALUES (?, ?)', [k, k], { prepare: true });

  assert.equal((await nodetool('version')).stdout, 'ReleaseVersion: 4.0.11\n');
  const ring = await nodetool('describering', 'ok');
  const lines = ring.stdout.split('\n');
  assert.match(lines[0]!, /^Schema Version:[0-9a-f-]{36}$/);
  assert.equal(lines[1], 'TokenRange: ');
  assert.equal(lines.filter((l) => l.startsWith('\tTokenRange(')).length, 32, '16 tokens on each of 2 nodes');
  assert.match(lines[2]!, /^\tTokenRange\(start_token:-?\d+, end_token:-?\d+, endpoints:\[127\.0\.76\.\d, 127\.0\.76\.\d\], rpc_endpoints:\[.*\], endpoint_details:\[EndpointDetails\(host:127\.0\.76\.\d, datacenter:dc1, rack:r1\), .*\]\)$/);
  const missing = await nodetool('describering', 'nope');
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, 'error: The keyspace nope, does not exist\n');
  assert.equal((await nodetool('compactionstats')).stdout, 'pending tasks: 0\n\n');
  assert.equal((await nodetool('compact', 'ok', 't')).code, 0);
  assert.equal((await nodetool('compact', 'ok', 'nope')).stderr, 'error: Unknown keyspace/cf pair (ok.nope)\n');

  assert.equal((await nodetool('disablebinary')).code, 0);
  assert.equal((await nodetool('statusbinary')).stdout, 'not running\n');
  const refused = new Client({ contactPoints: [A], localDataCenter: 'dc1' });
  await assert.rejects(withTimeout(refused.connect(), 20_000, 'connect while the native transport is off'));
  await refused.shutdown();
  assert.equal((await nodetool('enablebinary')).code, 0);
  assert.equal((await nodetool('statusbinary')).stdout, 'running\n');
  const again = await clientFor(A, 'dc1');
  clients.push(again);
  assert.equal((await again.execute('SELECT v FROM ok.t WHERE k = 3')).first()?.get('v'), 3);

  const stateOfA = async (): Promise<string | undefined> => (await adminCall<StatusReport>(B, 7199, '/status')).nodes.find((n) => n.address === A)?.state;
  assert.equal((await nodetool('disablegossip')).code, 0);
  assert.equal((await nodetool('statusgossip')).stdout, 'not running\n');
  await eventually('B marks A down', 30_000, async () => assert.equal(await stateOfA(), 'DN'));
  assert.equal((await nodetool('enablegossip')).code, 0);
  assert.equal((await nodetool('statusgossip')).stdout, 'running\n');
  await eventually('B marks A up again', 30_000, async () => assert.equal(await stateOfA(), 'UN'));
});
