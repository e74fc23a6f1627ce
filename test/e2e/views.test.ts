// Materialized views on three real nodes (127.0.64.11–13, RF 2): writes through every node keep the view equal to the
// base, and a node killed during writes and restarted gets the view updates it missed (base hints, and the view
// updates its peers kept in their batchlogs), so its own copy of the view, read at ONE through it, is right again.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { types, type Client } from 'cassandra-driver';
import { clientFor, layout, startCluster } from '../fixtures/cluster.ts';
import { sleep } from '../fixtures/driver.ts';
import type { NodeProcess } from '../helpers/node-process.ts';

const CL = types.consistencies;
const specs = layout('127.0.64.1', [{ dc: 'dc1', rack: 'r1', count: 3 }]);
const clients: Client[] = [];
let nodes: NodeProcess[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  await Promise.all(nodes.map((n) => n.cleanup()));
});

const line = (r: Record<string, unknown>): string => `${String(r.v)}|${String(r.k)}|${String(r.w)}`;

async function expected(c: Client): Promise<string[]> {
  const base = await c.execute('SELECT k, v, w FROM mv.t', [], { consistency: CL.all });
  return base.rows.filter((r) => r.v !== null).map(line).sort();
}

async function viewAt(c: Client, consistency: number): Promise<string[]> {
  return (await c.execute('SELECT v, k, w FROM mv.by_v', [], { consistency })).rows.map(line).sort();
}

async function writeSome(cs: Client[], n: number, offset: number): Promise<void> {
  await Promise.all(cs.map(async (c, i) => {
    for (let j = 0; j < n; j++) {
      const k = (j * 7 + i) % 40;
      const q = j % 5 === 4 ? 'DELETE v FROM mv.t WHERE k = ?' : 'UPDATE mv.t SET v = ?, w = ? WHERE k = ?';
      const params = j % 5 === 4 ? [k] : [(j + offset) % 9, `w${j}`, k];
      await c.execute(q, params, { prepare: true, consistency: CL.one });
    }
  }));
}

test('a view on three nodes: kept through writes everywhere, and repaired on a node that was killed', { timeout: 180_000 }, async () => {
  nodes = await startCluster('views', specs, 60_000, { materializedViewsEnabled: true });
  const cs = await Promise.all(specs.map((s) => clientFor(s.address, 'dc1')));
  clients.push(...cs);
  await cs[0]!.execute("CREATE KEYSPACE mv WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}");
  await cs[0]!.execute('CREATE TABLE mv.t (k int PRIMARY KEY, v int, w text)');
  await cs[0]!.execute('CREATE MATERIALIZED VIEW mv.by_v AS SELECT * FROM mv.t WHERE v IS NOT NULL AND k IS NOT NULL PRIMARY KEY (v, k)');
  await writeSome(cs, 60, 0);
  await sleep(500);
  const want = await expected(cs[0]!);
  assert.ok(want.length > 10);
  assert.deepEqual(await viewAt(cs[1]!, CL.all), want, 'the view at ALL is what the base implies');

  // Node 3 dies; the others go on writing (at ONE) to rows whose view rows it holds.
  const victim = nodes[2]!;
  await clients.splice(2, 1)[0]!.shutdown();
  await victim.kill();
  await writeSome(cs.slice(0, 2), 80, 3);
  await victim.start();
  const back = await clientFor(specs[2]!.address, 'dc1');
  clients.push(back);
  const want2 = await expected(cs[0]!);
  // Hints arrive once the node is seen up; the batchlog replays after twice the write timeout, every 10 s.
  let got: string[] = [];
  for (let i = 0; i < 60; i++) {
    got = await viewAt(back, CL.one);
    if (JSON.stringify(got) === JSON.stringify(want2)) break;
    await sleep(500);
  }
  assert.deepEqual(got, want2, 'the restarted node answers the view right at ONE');
  assert.deepEqual(await viewAt(cs[0]!, CL.all), want2);
});
