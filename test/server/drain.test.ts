// nodetool drain, as Cassandra's: the native transport stops (listener and client connections closed), gossip
// announces shutdown so peers mark the node down at once, data is flushed, and the process stays up, refusing
// clients, until SIGTERM. Two nodes on 127.0.22.1-2 (a multi-node file: run it under the shared lock).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { types, type Client } from 'cassandra-driver';
import { clientFor, eventually, layout, startCluster } from '../fixtures/cluster.ts';
import { connectClient, expectServerError, processAlive, sleep, withTimeout } from '../fixtures/driver.ts';
import { runCli } from '../helpers/cli.ts';

const CL = types.consistencies;

async function nodetool(host: string, ...args: string[]): Promise<string> {
  const r = await runCli(['nodetool', '-h', host, ...args]);
  assert.equal(r.code, 0, `nodetool -h ${host} ${args.join(' ')} exited ${String(r.code)}: ${r.stderr}`);
  return r.stdout;
}

/** The two-letter state a `nodetool status` output gives `address`. */
function stateOf(status: string, address: string): string | undefined {
  return new RegExp(`^(\\w\\w)\\s+${address.replace(/\./g, '\\.')}\\s`, 'm').exec(status)?.[1];
}

describe('nodetool drain', { timeout: 180_000 }, () => {
  const specs = layout('127.0.22.', [{ dc: 'dc1', rack: 'rack1', count: 2 }]);
  const clients: Client[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  });

  test('stops client traffic and gossip, peers see the node DN, the process stays up until SIGTERM', { timeout: 170_000 }, async () => {
    const [drained, peer] = await startCluster('drain', specs);
    const client = await clientFor(drained.address, 'dc1');
    clients.push(client);
    await client.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}");
    await client.execute('CREATE TABLE d.t (k int PRIMARY KEY, v int)');
    const insert = 'INSERT INTO d.t (k, v) VALUES (?, ?)';
    await client.execute(insert, [1, 10], { prepare: true, consistency: CL.all });
    assert.equal(stateOf(await nodetool(peer.address, 'status'), drained.address), 'UN');

    const started = Date.now();
    assert.equal(await nodetool(drained.address, 'drain'), '');

    // The connected client loses its connection and cannot get another one.
    await assert.rejects(withTimeout(client.execute(insert, [2, 20], { prepare: true, consistency: CL.one }), 15_000, 'write after drain'),
      (e: Error) => /NoHostAvailable|All host\(s\) tried|not connected|closed/i.test(`${e.name} ${e.message}`) || assert.fail(`unexpected: ${e.name} ${e.message}`));
    await assert.rejects(connectClient(drained.address), 'a new client cannot connect to a drained node');

    const info = await nodetool(drained.address, 'info');
    assert.match(info, /^Gossip active\s*: false$/m);
    assert.match(info, /^Native Transport active: false$/m);
    assert.match(info, /^Generation No\s*: 0$/m);
    assert.equal((await nodetool(drained.address, 'statusbinary')).trim(), 'not running');
    assert.equal((await nodetool(peer.address, 'statusbinary')).trim(), 'running');
    assert.equal((await nodetool(drained.address, 'statusgossip')).trim(), 'not running');

    // Shutdown is announced, so the peer marks the node down without waiting for its failure detector (~15 s).
    await eventually('the peer sees the drained node DN', 5000, async () => {
      assert.equal(stateOf(await nodetool(peer.address, 'status'), drained.address), 'DN');
    });
    assert.ok(Date.now() - started < 30_000);
    // The peer answers ONE on its own; ALL needs the drained node and is Unavailable.
    const peerClient = await clientFor(peer.address, 'dc1');
    clients.push(peerClient);
    assert.equal((await peerClient.execute('SELECT v FROM d.t WHERE k = 1', [], { consistency: CL.one })).first()?.get('v'), 10);
    const unavailable = await expectServerError(peerClient.execute(insert, [3, 30], { prepare: true, consistency: CL.all }), 0x1000, 'ALL write');
    assert.equal(unavailable['alive'], 1);

    await sleep(1000);
    assert.ok(processAlive(drained.pid), 'a drained node stays up until it is stopped');
    assert.equal(await drained.stop(), 0, 'SIGTERM after drain is a clean stop');

    // The flushed data is there after a restart, and the node rejoins.
    await drained.start();
    const again = await connectClient(drained.address);
    clients.push(again);
    const rs = await again.execute('SELECT v FROM d.t WHERE k = 1', [], { consistency: CL.localOne });
    assert.equal(rs.first()?.get('v'), 10);
    await eventually('the peer sees the restarted node UN', 30_000, async () => {
      assert.equal(stateOf(await nodetool(peer.address, 'status'), drained.address), 'UN');
    });
  });
});
