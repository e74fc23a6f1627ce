// Anti-entropy repair on live processes (127.0.60.1-3, RF 3): a replica stopped past max_hint_window misses the
// writes made meanwhile (no hints are kept for it), so that it alone at ONE lacks them after its restart; `nodetool
// repair` on another node finds the differing ranges by Merkle trees and streams them: the replica alone then has
// every row at ONE. netstats answers in Cassandra's shape, and a second repair finds nothing to stream.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { types, type Client } from 'cassandra-driver';
import { clientFor, eventually, layout, startCluster } from '../fixtures/cluster.ts';
import { runConcurrent, sleep, withTimeout } from '../fixtures/driver.ts';
import { runCli } from '../helpers/cli.ts';

const CL = types.consistencies;
const ROWS = 3000;
const specs = layout('127.0.60.', [
  { dc: 'dc1', rack: 'r1', count: 1 }, { dc: 'dc1', rack: 'r2', count: 1 }, { dc: 'dc1', rack: 'r3', count: 1 },
]);
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
});

async function seesDown(via: Client, peer: string): Promise<boolean> {
  const rs = await via.execute('SELECT peer, schema_version FROM system.peers');
  return rs.rows.some((r) => String(r['peer']) === peer && r['schema_version'] === null);
}

test('nodetool repair heals a replica that was down past max_hint_window: it alone then has every row at ONE', { timeout: 300_000 }, async () => {
  const nodes = await startCluster('repair', specs, 60_000, { maxHintWindowMs: 1000 });
  const [coord, , replica] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
  const a = await clientFor(coord.address, 'dc1');
  clients.push(a);
  await a.execute("CREATE KEYSPACE rk WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}");
  await a.execute('CREATE TABLE rk.t (k int PRIMARY KEY, v text)');
  const insert = 'INSERT INTO rk.t (k, v) VALUES (?, ?)';
  await runConcurrent(ROWS / 2, 32, async (k) => {
    await a.execute(insert, [k, `old${k}`], { prepare: true, consistency: CL.all });
  });

  await replica.stop();
  await eventually(`${coord.address} sees ${replica.address} down`, 60_000, async () => assert.ok(await seesDown(a, replica.address)));
  // The hint window opens with the first write the replica misses; past it, no more hints are kept.
  await a.execute(insert, [-1, 'opens the window'], { prepare: true, consistency: CL.quorum });
  await sleep(1500);
  await withTimeout(runConcurrent(ROWS, 32, async (k) => {
    await a.execute(insert, [k, `v${k}`], { prepare: true, consistency: CL.quorum });
  }), 120_000, `${ROWS} writes at QUORUM`);
  await replica.start();
  await eventually(`${coord.address} sees ${replica.address} up`, 60_000, async () => assert.ok(!(await seesDown(a, replica.address))));

  const alone = await clientFor(replica.address, 'dc1');
  clients.push(alone);
  const count = async (): Promise<number> => {
    let n = 0;
    await runConcurrent(ROWS, 32, async (k) => {
      const r = await alone.execute('SELECT v FROM rk.t WHERE k = ?', [k], { prepare: true, consistency: CL.one });
      if (r.first()?.get('v') === `v${k}`) n++;
    });
    return n;
  };
  await sleep(3000);
  const before = await count();
  assert.ok(before < ROWS / 2, `the replica missed the writes (${before} of ${ROWS} present)`);

  const startedMs = Date.now();
  const repair = await runCli(['nodetool', '-h', coord.address, 'repair', 'rk', '-full']);
  const repairMs = Date.now() - startedMs;
  assert.equal(repair.code, 0, `${repair.stdout}\n${repair.stderr}`);
  assert.match(repair.stdout, /Starting repair command #\d+ \([0-9a-f-]{36}\), repairing keyspace rk with repair options \(parallelism: parallel, primary range: false, incremental: false/);
  assert.match(repair.stdout, /Repair session [0-9a-f-]{36} for range \[\(-?\d+,-?\d+\].*\] finished \(progress: 100%\)/);
  assert.match(repair.stdout, /Repair completed successfully\n.*Repair command #\d+ finished in \d+ seconds?\n$/);
  assert.equal(await count(), ROWS, 'the replica alone has every row at ONE after the repair');
  process.stdout.write(`# repair: ${ROWS - before} of ${ROWS} rows stale or missing on one replica, healed in ${repairMs} ms\n`);

  const netstats = await runCli(['nodetool', '-h', replica.address, 'netstats']);
  assert.equal(netstats.code, 0, netstats.stderr);
  assert.match(netstats.stdout, /^Mode: NORMAL\nNot sending any streams\.\nRead Repair Statistics:\n/);
  assert.match(netstats.stdout, /Pool Name {16} {4}Active/);

  const again = await runCli(['nodetool', '-h', replica.address, 'repair', 'rk', 't', '-pr']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /primary range: true, incremental: true.*ColumnFamilies: \[t\]/);
  const missing = await runCli(['nodetool', '-h', replica.address, 'repair', 'nosuch']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Keyspace \[nosuch\] does not exist/);
});
