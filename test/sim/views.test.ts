// Materialized views on three simulated nodes (RF 2, so most view updates cross the network from a base replica to
// its paired view replica): rows written before the view exist are built into it, then clients write concurrently
// through random coordinators — inserts, changes of the view's key column, deletions, some with older timestamps
// than what is already there — and once the writes are done the views hold exactly what the base table implies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Consistency } from '../../src/model/consistency.ts';
import { SimCluster, rowsOf, type SimNodeSpec } from './sim-cluster.ts';

const { ONE, QUORUM, ALL } = Consistency;
const NODES: SimNodeSpec[] = [1, 2, 3].map((i) => ({ endpoint: `10.0.7.${i}:7000`, dc: 'dc1', rack: 'r1' }));
const KEYS = 12;
/** Values of v (so view partitions of by_v) and of c (so view partitions of by_c). */
const VALS = 8;
const CS = 4;

const sleep = (sim: SimCluster, ms: number): Promise<void> => new Promise((r) => sim.sched.setTimeout(r, ms));

async function setup(seed: number): Promise<SimCluster> {
  const sim = new SimCluster({ seed, nodes: NODES, trace: false, settings: { materializedViewsEnabled: true } });
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  const ddl = async (q: string): Promise<void> => {
    const out = await sim.cql(sim.nodes[0]!, q, ONE);
    assert.ok(out.ok, `${q}: ${!out.ok && out.error.message}`);
    await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  };
  await ddl("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}");
  await ddl('CREATE TABLE ks.t (k int, c int, v int, w int, PRIMARY KEY (k, c))');
  for (let k = 0; k < KEYS; k++) {
    assert.ok((await sim.cql(sim.nodes[k % 3]!, `INSERT INTO ks.t (k, c, v, w) VALUES (${k}, 0, ${k % VALS}, ${k})`, QUORUM)).ok);
  }
  await ddl('CREATE MATERIALIZED VIEW ks.by_v AS SELECT * FROM ks.t WHERE v IS NOT NULL AND k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (v, k, c)');
  await ddl('CREATE MATERIALIZED VIEW ks.by_c AS SELECT k, c, w FROM ks.t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (c, k)');
  await sim.waitFor('views built', () => sim.running().every((n) => n.core!.views.statuses().every((s) => s.status === 'SUCCESS')
    && n.core!.views.statuses().length === 2), 30_000);
  return sim;
}

/** A random write: insert, a change of v (the view key), of w, a deletion of v or of the row; some with an old timestamp. */
function randomWrite(sim: SimCluster): string {
  const k = sim.random.int(KEYS);
  const c = sim.random.int(CS);
  const val = sim.random.int(VALS);
  const using = sim.random.int(4) === 0 ? ` USING TIMESTAMP ${Math.floor(sim.nowMicros()) - 1 - sim.random.int(5_000_000)}` : '';
  switch (sim.random.int(5)) {
    case 0: return `INSERT INTO ks.t (k, c, v, w) VALUES (${k}, ${c}, ${val}, ${val})${using}`;
    case 1: return `UPDATE ks.t${using} SET v = ${val} WHERE k = ${k} AND c = ${c}`;
    case 2: return `UPDATE ks.t${using} SET w = ${val} WHERE k = ${k} AND c = ${c}`;
    case 3: return `DELETE v FROM ks.t${using} WHERE k = ${k} AND c = ${c}`;
    default: return `DELETE FROM ks.t${using} WHERE k = ${k} AND c = ${c}`;
  }
}

async function writes(sim: SimCluster, clients: number, ops: number, cut?: string): Promise<number> {
  let failed = 0;
  let left = clients;
  const client = async (): Promise<void> => {
    for (let i = 0; i < ops; i++) {
      const via = sim.nodes.filter((n) => n.endpoint !== cut)[sim.random.int(cut === undefined ? 3 : 2)]!;
      const out = await sim.submit(via, randomWrite(sim), sim.random.int(2) === 0 ? ONE : QUORUM);
      if (!out.ok) failed++;
      await sleep(sim, sim.random.int(20));
    }
    left--;
  };
  for (let i = 0; i < clients; i++) void client();
  await sim.advance(300_000, () => left === 0);
  assert.equal(left, 0, 'the clients finished');
  return failed;
}

type Rows = Array<Record<string, number | string | boolean | null>>;
const line = (r: Rows[number], cols: string[]): string => cols.map((c) => `${c}=${r[c]}`).join(' ');

async function select(sim: SimCluster, q: string): Promise<Rows> {
  const out = await sim.cql(sim.nodes[sim.random.int(3)]!, q, ALL);
  assert.ok(out.ok, `${q}: ${!out.ok && out.error.message}`);
  return rowsOf(out);
}

async function checkViews(sim: SimCluster, viaAtOne?: string): Promise<number> {
  // Read at ONE through one node first (its own copy, before any read repair), when asked.
  let byV: Rows | undefined;
  if (viaAtOne !== undefined) {
    const out = await sim.cql(sim.node(viaAtOne), 'SELECT v, k, c, w FROM ks.by_v', ONE);
    assert.ok(out.ok);
    byV = rowsOf(out);
  }
  const base = await select(sim, 'SELECT k, c, v, w FROM ks.t');
  byV ??= await select(sim, 'SELECT v, k, c, w FROM ks.by_v');
  const byC = await select(sim, 'SELECT c, k, w FROM ks.by_c');
  const star = await select(sim, 'SELECT * FROM ks.by_c LIMIT 1');
  if (star.length > 0) assert.deepEqual(Object.keys(star[0]!), ['c', 'k', 'w'], 'virtual cells are not columns');
  const json = await select(sim, 'SELECT JSON * FROM ks.by_c LIMIT 1');
  if (json.length > 0) assert.deepEqual(Object.keys(JSON.parse(String(json[0]!['[json]']))), ['c', 'k', 'w']);
  const expectV = base.filter((r) => r.v !== null).map((r) => line(r, ['v', 'k', 'c', 'w'])).sort();
  assert.deepEqual(byV.map((r) => line(r, ['v', 'k', 'c', 'w'])).sort(), expectV, 'by_v is what the base implies');
  assert.deepEqual(byC.map((r) => line(r, ['c', 'k', 'w'])).sort(), base.map((r) => line(r, ['c', 'k', 'w'])).sort(), 'by_c too');
  // A LIMIT within a view partition that also holds rows gone from the view (their base row's v changed).
  for (let v = 0; v < VALS; v++) {
    const first = base.filter((r) => r.v === v).sort((a, b) => Number(a.k) - Number(b.k) || Number(a.c) - Number(b.c))[0];
    const got = await select(sim, `SELECT k, c FROM ks.by_v WHERE v = ${v} LIMIT 1`);
    assert.deepEqual(got.map((r) => line(r, ['k', 'c'])), first ? [line(first, ['k', 'c'])] : [], `v = ${v} LIMIT 1`);
  }
  return base.length;
}

describe('materialized views on a simulated cluster', () => {
  for (const seed of (process.env.SIBYL_SIM_CUT_SEEDS ?? '7,8').split(',').map(Number)) {
    it(`seed ${seed}: a node cut off during the writes gets its view updates from the batchlog and hints`, async () => {
      const sim = await setup(seed);
      const cut = sim.nodes[2]!.endpoint;
      sim.network.partition([cut], sim.nodes.filter((n) => n.endpoint !== cut).map((n) => n.endpoint));
      await writes(sim, 3, 150, cut);
      sim.network.heal();
      // Hints replay within seconds of the node being seen up again; the batchlog after twice the write timeout.
      await sim.advance(60_000);
      assert.ok(await checkViews(sim, cut) > 0);
    });
  }

  for (const seed of (process.env.SIBYL_SIM_SEEDS ?? '1,2,3').split(',').map(Number)) {
    it(`seed ${seed}: built from existing rows, then kept equal to the base through concurrent writes`, async () => {
      const sim = await setup(seed);
      assert.equal(await checkViews(sim), KEYS, 'the build covered the rows written before the views');
      const failed = await writes(sim, 4, Number(process.env.SIBYL_SIM_OPS ?? 60));
      assert.equal(failed, 0, 'no write failed without faults');
      // View updates leave a base replica after its write is acknowledged: give them a moment to land.
      await sim.advance(5_000);
      assert.ok(await checkViews(sim) > 0, 'the base has rows to compare');
      const refused = await sim.cql(sim.nodes[0]!, 'INSERT INTO ks.by_v (v, k, c) VALUES (1, 1, 1)', ONE);
      assert.ok(!refused.ok && refused.error.message === 'Cannot directly modify a materialized view');
    });
  }
});
