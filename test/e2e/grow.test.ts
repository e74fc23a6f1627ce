// The cluster grows under load, on live processes (127.0.75.1-5): three nodes, RF 3, 20,000 rows; two nodes are
// added one after the other (auto_bootstrap) while a client writes at QUORUM. Afterwards every acknowledged row reads
// at QUORUM and at ALL, each new node is a replica exactly where the ring (nodetool status's tokens) says — checked
// against nodetool getendpoints — and serves every row of those ranges alone at ONE.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { types, type Client } from 'cassandra-driver';
import { clientFor, eventually, layout, startCluster } from '../fixtures/cluster.ts';
import { runConcurrent, sleep, withTimeout } from '../fixtures/driver.ts';
import { startNodeProcess } from '../helpers/node-process.ts';
import { adminCall } from '../../src/tools/admin-client.ts';
import type { StatusReport } from '../../src/server/admin-types.ts';
import { TokenRing } from '../../src/cluster/ring.ts';
import { replicasFor } from '../../src/cluster/replication.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';

const CL = types.consistencies;
const ROWS = Number(process.env['GROW_ROWS'] ?? 20_000);
const specs = layout('127.0.75.', [
  { dc: 'dc1', rack: 'r1', count: 1 }, { dc: 'dc1', rack: 'r2', count: 1 }, { dc: 'dc1', rack: 'r3', count: 1 },
]);
const ADDED = [{ address: '127.0.75.4', rack: 'r1' }, { address: '127.0.75.5', rack: 'r2' }];
const REPLICATION = { class: 'NetworkTopologyStrategy', dc1: '3' };
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
});

function keyBytes(k: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(k);
  return b;
}

async function join(address: string, rack: string, everyone: string[]): Promise<number> {
  const started = Date.now();
  await startNodeProcess({
    address, logLevel: 'info', startTimeoutMs: 60_000, env: { SIBYL_RING_DELAY_MS: '3000' },
    config: {
      clusterName: 'grow', endpointSnitch: 'GossipingPropertyFileSnitch', dataCenter: 'dc1', rack,
      seeds: specs.map((s) => s.address), numTokens: 16, autoBootstrap: true, phiConvictThreshold: 5,
    },
  });
  await eventually(`${address} is UN on every node`, 240_000, async () => {
    for (const s of [...everyone, address]) {
      const r = await adminCall<StatusReport>(s, 7199, '/status');
      assert.equal(r.nodes.find((n) => n.address === address)?.state, 'UN', `${s} sees ${address}`);
    }
  });
  return Date.now() - started;
}

test(`3 nodes, RF 3, ${ROWS} rows; 2 nodes join one after the other under QUORUM writes: nothing acknowledged is lost`, { timeout: 900_000 }, async () => {
  await startCluster('grow', specs);
  const a = await clientFor(specs[0]!.address, 'dc1');
  clients.push(a);
  await a.execute("CREATE KEYSPACE gk WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}");
  await a.execute('CREATE TABLE gk.t (k int PRIMARY KEY, v text)');
  const insert = 'INSERT INTO gk.t (k, v) VALUES (?, ?)';
  const acked = new Set<number>();
  await withTimeout(runConcurrent(ROWS, 64, async (k) => {
    await a.execute(insert, [k, `v${k}`], { prepare: true, consistency: CL.quorum });
    acked.add(k);
  }), 300_000, `${ROWS} rows at QUORUM`);

  let writing = true;
  let failed = 0;
  const writer = (async () => {
    for (let k = ROWS; writing && k < ROWS + 1_000_000; k++) {
      try {
        await a.execute(insert, [k, `v${k}`], { prepare: true, consistency: CL.quorum });
        acked.add(k);
      } catch {
        failed++;
      }
    }
  })();
  const members = specs.map((s) => s.address);
  for (const n of ADDED) {
    const ms = await join(n.address, n.rack, members);
    members.push(n.address);
    process.stdout.write(`# ${n.address} joined in ${ms} ms; ${acked.size - ROWS} writes so far during the joins\n`);
  }
  await sleep(1000);
  writing = false;
  await writer;
  assert.equal(failed, 0, 'no write failed while the nodes joined');

  const status = await adminCall<StatusReport>(specs[1]!.address, 7199, '/status');
  assert.deepEqual(status.nodes.map((n) => n.state), ['UN', 'UN', 'UN', 'UN', 'UN']);
  const ring = new TokenRing(status.nodes.map((n) => ({ id: n.address, address: n.address, dc: n.dataCenter, rack: n.rack, tokens: n.tokens.map(BigInt) })));
  const replicas = (k: number): string[] => replicasFor(ring, REPLICATION, murmur3Token(keyBytes(k))).map((r) => r.address).sort();
  for (let k = 0; k < ROWS; k += Math.ceil(ROWS / 200)) {
    const ep = await adminCall<string[]>(ADDED[0]!.address, 7199, `/endpoints?keyspace=gk&table=t&key=${k}`);
    assert.deepEqual([...ep].sort(), replicas(k), `getendpoints for key ${k} is the ring's`);
  }

  const check = async (client: Client, keys: number[], cl: number, what: string): Promise<void> => {
    let missing = 0;
    await runConcurrent(keys.length, 64, async (i) => {
      const k = keys[i]!;
      const r = await client.execute('SELECT v FROM gk.t WHERE k = ?', [k], { prepare: true, consistency: cl });
      if (r.first()?.get('v') !== `v${k}`) missing++;
    });
    assert.equal(missing, 0, `${missing} of ${keys.length} acknowledged rows missing ${what}`);
  };
  // Alone at ONE first: a read at ALL would repair what a new node lacked and hide it.
  for (const n of ADDED) {
    const mine = [...acked].filter((k) => replicas(k).includes(n.address));
    assert.ok(mine.length > acked.size / 5, `${n.address} replicates ${mine.length} of ${acked.size} rows`);
    const alone = await clientFor(n.address, 'dc1');
    clients.push(alone);
    await withTimeout(check(alone, mine, CL.one, `on ${n.address} alone at ONE`), 300_000, `reads on ${n.address}`);
  }
  const b = await clientFor(specs[1]!.address, 'dc1');
  clients.push(b);
  const all = [...acked];
  await withTimeout(check(b, all, CL.quorum, 'at QUORUM'), 300_000, 'reads at QUORUM');
  await withTimeout(check(b, all, CL.all, 'at ALL'), 300_000, 'reads at ALL');
});
