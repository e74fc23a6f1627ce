// A node dies for good, on live processes (127.0.74.1-6): four nodes, RF 2, 3,000 rows.
// 1. removenode: node 4 is killed and removed by host id from node 1 (the removal coordinator). The survivors
//    re-replicate its ranges; each then serves every row of the ranges it replicates alone, at ONE; gossip shows it
//    `removed`, nodetool status no longer lists it. Cassandra's refusals for a live node, an unknown id, a bad id.
// 2. replace_address_first_boot: node 3 is killed; node 5 starts with replace_address_first_boot = node 3, takes its
//    tokens, streams its data, and then serves its ranges alone at ONE with every row; node 3 leaves the ring.
// 3. assassinate: refused for a live node (its heartbeat moves); a dead node 6 (joined without data) is assassinated.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { types, type Client } from 'cassandra-driver';
import { clientFor, eventually, waitForPeers } from '../fixtures/cluster.ts';
import { runConcurrent, withTimeout } from '../fixtures/driver.ts';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { runCli } from '../helpers/cli.ts';
import { adminCall } from '../../src/tools/admin-client.ts';
import type { NodeConfig } from '../../src/server/config.ts';
import type { StatusReport } from '../../src/server/admin-types.ts';
import { TokenRing } from '../../src/cluster/ring.ts';
import { replicasFor } from '../../src/cluster/replication.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';

const CL = types.consistencies;
const ROWS = 3000;
const BASE = '127.0.74.';
const SEEDS = [`${BASE}1`, `${BASE}2`];
const ENV = { SIBYL_RING_DELAY_MS: '3000' };
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
});

function start(n: number, config: Partial<NodeConfig> = {}): Promise<NodeProcess> {
  return startNodeProcess({
    address: `${BASE}${n}`, logLevel: 'info', startTimeoutMs: 60_000, env: ENV,
    config: {
      clusterName: 'removenode', endpointSnitch: 'GossipingPropertyFileSnitch', dataCenter: 'dc1', rack: 'r1', seeds: SEEDS,
      numTokens: 16, phiConvictThreshold: 5, writeRequestTimeoutMs: 2000, readRequestTimeoutMs: 3000, ...config,
    },
  });
}

async function client(address: string): Promise<Client> {
  const c = await clientFor(address, 'dc1');
  clients.push(c);
  return c;
}

const status = (address: string): Promise<StatusReport> => adminCall<StatusReport>(address, 7199, '/status');

async function waitDown(observer: string, address: string): Promise<void> {
  await eventually(`${observer} sees ${address} down`, 60_000, async () => {
    assert.equal((await status(observer)).nodes.find((n) => n.address === address)?.state, 'DN');
  });
}

async function waitGone(observers: string[], address: string): Promise<void> {
  await eventually(`${address} leaves every ring`, 60_000, async () => {
    for (const o of observers) assert.ok(!(await status(o)).nodes.some((n) => n.address === address), `${o} still lists ${address}`);
  });
}

/** Every row of the keys `address` replicates, read through it alone at ONE (it answers from its own replica). */
async function servesAlone(address: string): Promise<number> {
  const c = await client(address);
  const st = await status(address);
  const ring = new TokenRing(st.nodes.map((n) => ({ id: n.address, address: n.address, dc: n.dataCenter, rack: n.rack, tokens: n.tokens.map(BigInt) })));
  const keys: number[] = [];
  for (let k = 0; k < ROWS; k++) {
    const key = Buffer.alloc(4);
    key.writeInt32BE(k);
    if (replicasFor(ring, { class: 'NetworkTopologyStrategy', dc1: '2' }, murmur3Token(key)).some((r) => r.address === address)) keys.push(k);
  }
  let missing = 0;
  await runConcurrent(keys.length, 32, async (i) => {
    const k = keys[i]!;
    const r = await c.execute('SELECT v FROM rk.t WHERE k = ?', [k], { prepare: true, consistency: CL.one });
    if (r.first()?.get('v') !== `v${k}`) missing++;
  });
  assert.equal(missing, 0, `${missing} of the ${keys.length} rows ${address} replicates missing on it at ONE`);
  return keys.length;
}

const nodes = new Map<number, NodeProcess>();

test('removenode: the survivors re-replicate a dead node\'s ranges and it leaves the ring', { timeout: 300_000 }, async () => {
  for (const [n, p] of await Promise.all([1, 2, 3, 4].map(async (n) => [n, await start(n)] as const))) nodes.set(n, p);
  await waitForPeers([1, 2, 3, 4].map((n) => ({ address: `${BASE}${n}`, dc: 'dc1', rack: 'r1' })), 3, 60_000);
  const a = await client(`${BASE}1`);
  await a.execute("CREATE KEYSPACE rk WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}");
  await a.execute('CREATE TABLE rk.t (k int PRIMARY KEY, v text)');
  await withTimeout(runConcurrent(ROWS, 64, async (k) => {
    await a.execute('INSERT INTO rk.t (k, v) VALUES (?, ?)', [k, `v${k}`], { prepare: true, consistency: CL.all });
  }), 120_000, `${ROWS} rows at ALL`);

  const dead = `${BASE}4`;
  const deadHostId = (await status(`${BASE}1`)).nodes.find((n) => n.address === dead)!.hostId;
  const liveHostId = (await status(`${BASE}1`)).nodes.find((n) => n.address === `${BASE}2`)!.hostId;
  await nodes.get(4)!.kill();
  await waitDown(`${BASE}1`, dead);

  const idle = await runCli(['nodetool', '-h', `${BASE}1`, 'removenode', 'status']);
  assert.equal(idle.stdout, 'RemovalStatus: No token removals in process.\n');
  const live = await runCli(['nodetool', '-h', `${BASE}1`, 'removenode', liveHostId]);
  assert.equal(live.code, 2);
  assert.equal(live.stderr, `error: Node /${BASE}2 is alive and owns this ID. Use decommission command to remove it from the ring\n`);
  const unknown = await runCli(['nodetool', '-h', `${BASE}1`, 'removenode', '00000000-0000-0000-0000-000000000000']);
  assert.equal(unknown.stderr, 'error: Host ID not found.\n');
  const bad = await runCli(['nodetool', '-h', `${BASE}1`, 'removenode', 'nonsense']);
  assert.equal(bad.stderr, 'error: Invalid UUID string: nonsense\n');

  const removed = await runCli(['nodetool', '-h', `${BASE}1`, 'removenode', deadHostId], { timeoutMs: 240_000 });
  assert.equal(removed.code, 0, `${removed.stdout}\n${removed.stderr}`);
  await waitGone([1, 2, 3].map((n) => `${BASE}${n}`), dead);
  const gossip = await runCli(['nodetool', '-h', `${BASE}3`, 'gossipinfo']);
  assert.match(gossip.stdout, new RegExp(`^/${dead.replace(/\./g, '\\.')}\\n  generation:\\d+\\n  heartbeat:\\d+\\n  STATUS:\\d+:removed,${deadHostId},\\d+\\n`, 'm'), gossip.stdout);
  for (const n of [1, 2, 3]) assert.ok(await servesAlone(`${BASE}${n}`) > ROWS / 3);
});

test('replace_address_first_boot: the replacement takes the dead node\'s tokens and serves its ranges alone', { timeout: 300_000 }, async () => {
  const dead = `${BASE}3`;
  const tokens = (await status(`${BASE}1`)).nodes.find((n) => n.address === dead)!.tokens;
  await nodes.get(3)!.kill();
  await waitDown(`${BASE}1`, dead);
  nodes.set(5, await start(5, { autoBootstrap: true, replaceAddressFirstBoot: dead }));
  const fresh = `${BASE}5`;
  await eventually('the replacement is UN on every node and the dead node gone', 180_000, async () => {
    for (const o of [`${BASE}1`, `${BASE}2`, fresh]) {
      const st = await status(o);
      assert.equal(st.nodes.find((n) => n.address === fresh)?.state, 'UN', `${o} sees ${fresh}`);
      assert.ok(!st.nodes.some((n) => n.address === dead), `${o} still lists ${dead}`);
    }
  });
  assert.deepEqual((await status(`${BASE}2`)).nodes.find((n) => n.address === fresh)!.tokens, tokens, 'the dead node\'s tokens');
  assert.ok(await servesAlone(fresh) > ROWS / 3);
});

test('assassinate: refused for a live node; a dead one leaves the ring without streaming', { timeout: 180_000 }, async () => {
  const alive = await runCli(['nodetool', '-h', `${BASE}1`, 'assassinate', `${BASE}2`], { timeoutMs: 60_000 });
  assert.equal(alive.code, 2);
  assert.match(alive.stderr, new RegExp(`^error: Endpoint still alive: /${BASE.replace(/\./g, '\\.')}2 heartbeat changed while trying to assassinate it\\n$`));
  nodes.set(6, await start(6, { autoBootstrap: false }));
  const doomed = `${BASE}6`;
  await eventually('node 6 is UN', 60_000, async () => {
    assert.equal((await status(`${BASE}1`)).nodes.find((n) => n.address === doomed)?.state, 'UN');
  });
  await nodes.get(6)!.kill();
  await waitDown(`${BASE}1`, doomed);
  const done = await runCli(['nodetool', '-h', `${BASE}1`, 'assassinate', doomed], { timeoutMs: 60_000 });
  assert.equal(done.code, 0, done.stderr);
  await waitGone([`${BASE}1`, `${BASE}2`, `${BASE}5`], doomed);
  const gossip = await runCli(['nodetool', '-h', `${BASE}2`, 'gossipinfo']);
  assert.match(gossip.stdout, new RegExp(`^/${doomed.replace(/\./g, '\\.')}\\n  generation:\\d+\\n  heartbeat:\\d+\\n  STATUS:\\d+:LEFT,-?\\d+,\\d+\\n`, 'm'));
});
