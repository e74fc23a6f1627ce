// Seed 004's outage matrix on live clusters of real node processes: which consistency levels survive the loss of a
// whole availability zone (rack). RF 2 over 2 AZs (6 nodes) and RF 3 over 3 AZs (9 nodes), dc "us-east" as
// Ec2Snitch names it, one AZ killed with SIGKILL. Addresses: 127.0.14.x (3 AZs) and 127.0.15.x (2 AZs).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { types, type Client } from 'cassandra-driver';
import type { NodeProcess } from '../helpers/node-process.ts';
import { clientFor, eventually, layout, startCluster } from '../fixtures/cluster.ts';
import { expectServerError } from '../fixtures/driver.ts';

const CL = types.consistencies;
const DC = 'us-east';
const DETECT_MS = 60_000;

async function write(c: Client, ks: string, k: number, cl: number): Promise<void> {
  await c.execute(`INSERT INTO ${ks}.t (k, v) VALUES (?, ?)`, [k, `v${k}`], { prepare: true, consistency: cl });
}
async function read(c: Client, ks: string, k: number, cl: number): Promise<string | undefined> {
  const rs = await c.execute(`SELECT v FROM ${ks}.t WHERE k = ?`, [k], { prepare: true, consistency: cl });
  return rs.first()?.get('v') as string | undefined;
}

async function expectUnavailable(p: Promise<unknown>, required: number, alive: number, what: string): Promise<void> {
  const e = await expectServerError(p, 0x1000, what);
  assert.equal(e['required'], required, `${what}: required`);
  assert.equal(e['alive'], alive, `${what}: alive`);
}

/**
 * Every killed node is convicted separately by the coordinator's failure detector; probing 40 keys (each with a
 * replica in the dead AZ, spread over its nodes) waits until all of them are seen down.
 */
async function allDeadSeen(c: Client, ks: string, cl: number, required: number, alive: number): Promise<void> {
  for (let k = 5000; k < 5040; k++) await expectUnavailable(write(c, ks, k, cl), required, alive, `write of ${k}`);
}

describe('RF 3 over 3 AZs (9 nodes): one AZ down', { timeout: 240_000 }, () => {
  const specs = layout('127.0.14.', ['1a', '1b', '1c'].map((rack) => ({ dc: DC, rack, count: 3 })));
  let nodes: NodeProcess[] = [];
  let client: Client | undefined;
  after(async () => {
    await client?.shutdown();
  });

  test('ONE, QUORUM and LOCAL_QUORUM keep working; ALL fails with Unavailable', { timeout: 200_000 }, async () => {
    nodes = await startCluster('az3', specs);
    client = await clientFor(specs[0].address, DC);
    await client.execute(`CREATE KEYSPACE az3 WITH replication = {'class': 'NetworkTopologyStrategy', '${DC}': 3}`);
    await client.execute('CREATE TABLE az3.t (k int PRIMARY KEY, v text)');
    for (let k = 0; k < 50; k++) await write(client, 'az3', k, CL.all);
    // Kill AZ 1c (nodes 7-9); node 1 (in 1a) coordinates.
    await Promise.all(nodes.slice(6).map((n) => n.kill()));
    const c = client;
    await eventually('the coordinator sees AZ 1c down', DETECT_MS, () => allDeadSeen(c, 'az3', CL.all, 3, 2));
    for (let k = 0; k < 50; k++) {
      assert.equal(await read(c, 'az3', k, CL.one), `v${k}`);
      assert.equal(await read(c, 'az3', k, CL.quorum), `v${k}`);
      assert.equal(await read(c, 'az3', k, CL.localQuorum), `v${k}`);
    }
    for (let k = 100; k < 120; k++) {
      await write(c, 'az3', k, CL.one);
      await write(c, 'az3', k, CL.quorum);
      await write(c, 'az3', k, CL.localQuorum);
      assert.equal(await read(c, 'az3', k, CL.quorum), `v${k}`);
    }
    await expectUnavailable(read(c, 'az3', 1, CL.all), 3, 2, 'ALL read');
  });
});

describe('RF 2 over 2 AZs (6 nodes): one AZ down', { timeout: 240_000 }, () => {
  const specs = layout('127.0.15.', ['1a', '1b'].map((rack) => ({ dc: DC, rack, count: 3 })));
  let nodes: NodeProcess[] = [];
  let client: Client | undefined;
  after(async () => {
    await client?.shutdown();
  });

  test('ONE keeps working; QUORUM and ALL fail with Unavailable', { timeout: 200_000 }, async () => {
    nodes = await startCluster('az2', specs);
    client = await clientFor(specs[0].address, DC);
    await client.execute(`CREATE KEYSPACE az2 WITH replication = {'class': 'NetworkTopologyStrategy', '${DC}': 2}`);
    await client.execute('CREATE TABLE az2.t (k int PRIMARY KEY, v text)');
    for (let k = 0; k < 50; k++) await write(client, 'az2', k, CL.all);
    await Promise.all(nodes.slice(3).map((n) => n.kill()));
    const c = client;
    await eventually('the coordinator sees AZ 1b down', DETECT_MS, () => allDeadSeen(c, 'az2', CL.quorum, 2, 1));
    for (let k = 0; k < 50; k++) assert.equal(await read(c, 'az2', k, CL.one), `v${k}`);
    for (let k = 100; k < 120; k++) await write(c, 'az2', k, CL.one);
    await expectUnavailable(read(c, 'az2', 1, CL.quorum), 2, 1, 'QUORUM read');
    await expectUnavailable(write(c, 'az2', 2000, CL.all), 2, 1, 'ALL write');
  });
});
