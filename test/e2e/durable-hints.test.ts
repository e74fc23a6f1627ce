// Hints survive their coordinator's crash (live processes on 127.0.23.1-3, RF 3): a replica is stopped, 2,000 rows
// are written at ONE through one coordinator, that coordinator is SIGKILLed and restarted, the replica is started,
// and after the hint replay the replica alone (read at ONE through a single-host policy) has all 2,000 rows. The
// pending hints are visible through nodetool listpendinghints while the replica is down.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { types, type Client } from 'cassandra-driver';
import { clientFor, eventually, layout, startCluster } from '../fixtures/cluster.ts';
import { runConcurrent, withTimeout } from '../fixtures/driver.ts';
import { runCli } from '../helpers/cli.ts';

const CL = types.consistencies;
const ROWS = 2000;
const specs = layout('127.0.23.', [
  { dc: 'dc1', rack: 'r1', count: 1 }, { dc: 'dc1', rack: 'r2', count: 1 }, { dc: 'dc1', rack: 'r3', count: 1 },
]);
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
});

/** Whether `via` currently sees `peer` down (its system.peers row shows no schema version for a peer known down). */
async function seesDown(via: Client, peer: string): Promise<boolean> {
  const rs = await via.execute('SELECT peer, schema_version FROM system.peers');
  return rs.rows.some((r) => String(r['peer']) === peer && r['schema_version'] === null);
}

test('hints kept by a coordinator that is SIGKILLed are replayed after its restart: the replica gets all 2,000 rows', { timeout: 240_000 }, async () => {
  const nodes = await startCluster('durable-hints', specs);
  const [coord, , replica] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
  let a = await clientFor(coord.address, 'dc1');
  clients.push(a);
  await a.execute("CREATE KEYSPACE hk WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}");
  await a.execute('CREATE TABLE hk.t (k int PRIMARY KEY, v text)');

  await replica.stop();
  await eventually(`${coord.address} sees ${replica.address} down`, 60_000, async () => assert.ok(await seesDown(a, replica.address)));
  const insert = 'INSERT INTO hk.t (k, v) VALUES (?, ?)';
  await withTimeout(runConcurrent(ROWS, 32, async (k) => {
    await a.execute(insert, [k, `v${k}`], { prepare: true, consistency: CL.one });
  }), 120_000, `${ROWS} writes at ONE`);

  const pending = await runCli(['nodetool', '-h', coord.address, 'listpendinghints']);
  assert.equal(pending.code, 0, pending.stderr);
  assert.match(pending.stdout, new RegExp(`${replica.address.replace(/\./g, '\\.')}\\s`), pending.stdout);

  // The coordinator crashes with every hint for the replica pending, then comes back; then the replica does.
  await a.shutdown();
  await coord.kill();
  await coord.start();
  await replica.start();
  a = await clientFor(coord.address, 'dc1');
  clients.push(a);

  const alone = await clientFor(replica.address, 'dc1');
  clients.push(alone);
  const count = async (): Promise<number> => {
    let n = 0;
    await runConcurrent(ROWS, 32, async (k) => {
      const r = await alone.execute('SELECT v FROM hk.t WHERE k = ?', [k], { prepare: true, consistency: CL.one });
      if (r.first()?.get('v') === `v${k}`) n++;
    });
    return n;
  };
  const got = await eventually('the replica holds every row after the hint replay', 90_000, async () => {
    const n = await count();
    assert.equal(n, ROWS, `the replica alone has ${n} of ${ROWS} rows`);
    return n;
  });
  assert.equal(got, ROWS);
  const after = await runCli(['nodetool', '-h', coord.address, 'listpendinghints']);
  assert.match(after.stdout, /This node does not have any pending hints/);
});
