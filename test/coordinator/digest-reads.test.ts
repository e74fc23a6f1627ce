// Digest reads in the simulator (four production NodeCores, RF 3): when the replicas agree only one full answer
// crosses the network; when a digest differs the coordinator reads the data from every replica it contacted,
// answers the reconciled (newest) data and repairs the stale replicas, local or remote; when the data replica has died
// (not yet convicted) speculation asks another replica for the data, not for one more digest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimFrame } from '../../src/coordinator/sim-messenger.ts';
import { Consistency } from '../../src/model/consistency.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import type { TableDef } from '../../src/schema/model.ts';
import type { Cell, PartitionData } from '../../src/storage/types.ts';
import { EPOCH_MS, SimCluster, rowsOf, type SimNode } from '../sim/sim-cluster.ts';

const { QUORUM, ALL } = Consistency;

interface Sent { from: string; to: string; verb: string }

async function cluster(seed: number): Promise<{ sim: SimCluster; table: TableDef; sent: Sent[]; dead: Set<string> }> {
  const sim = new SimCluster({ seed, nodes: [1, 2, 3, 4].map((i) => ({ endpoint: `10.0.1.${i}:7000`, dc: 'dc1', rack: `r${i}` })) });
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  await sim.advance(10_000);
  const a = sim.nodes[0]!;
  assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}", QUORUM)).ok);
  assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)', QUORUM)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  const sent: Sent[] = [];
  const dead = new Set<string>();
  // Records every request sent, then loses whatever is to or from a node made `dead` (a crash, silently).
  sim.network.setDropRule((from, to, f: SimFrame) => {
    if (!f.isResponse && f.verb !== 'GOSSIP') sent.push({ from, to, verb: f.verb });
    return dead.has(from) || dead.has(to);
  });
  return { sim, table: a.core!.schema.current.keyspaces.get('ks')!.tables.get('t')!, sent, dead };
}

function keyOf(k: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt32BE(k);
  return key;
}

/** A newer version of row k written straight into some replicas' stores (as if the others missed the mutation). */
function writeDirect(nodes: SimNode[], table: TableDef, k: number, v: string, ts: number): void {
  const key = keyOf(k);
  const update: PartitionData = { key, token: murmur3Token(key), rangeTombstones: [], rows: [{ clustering: [], marker: { ts }, cells: { v: { ts, v: Buffer.from(v) } } }] };
  for (const n of nodes) n.store.applySync(table, update);
}

function valueIn(n: SimNode, table: TableDef, k: number): string | undefined {
  const key = keyOf(k);
  const cell = n.store.read(table, key, murmur3Token(key), {}, 0)?.rows[0]?.cells['v'] as Cell | undefined;
  return cell?.v ? cell.v.toString() : undefined;
}

const holders = (sim: SimCluster, table: TableDef, k: number): SimNode[] => sim.nodes.filter((n) => valueIn(n, table, k) !== undefined);
const count = (sent: Sent[], verb: string): number => sent.filter((s) => s.verb === verb).length;

test('replicas that agree: one data read (the local one), digests from the others, no repair', async () => {
  const { sim, table, sent } = await cluster(3);
  assert.ok((await sim.cql(sim.nodes[0]!, "INSERT INTO ks.t (k, v) VALUES (1, 'one')", ALL)).ok);
  const replicas = holders(sim, table, 1);
  assert.equal(replicas.length, 3);
  sent.length = 0;
  const r = await sim.cql(replicas[0]!, 'SELECT v FROM ks.t WHERE k = 1', QUORUM);
  assert.deepEqual(rowsOf(r), [{ v: 'one' }]);
  assert.deepEqual(sent.map((s) => s.verb), ['READ_DIGEST'], 'the coordinator reads its own data and asks one digest');
});

test('digest mismatch, coordinator stale: the full read answers the newest data and repairs the coordinator', async () => {
  const { sim, table, sent } = await cluster(5);
  assert.ok((await sim.cql(sim.nodes[0]!, "INSERT INTO ks.t (k, v) VALUES (2, 'old')", ALL)).ok);
  const [coordinator, ...others] = holders(sim, table, 2) as [SimNode, SimNode, SimNode];
  writeDirect(others, table, 2, 'new', (EPOCH_MS + sim.sched.now()) * 1000 + 500_000);
  sent.length = 0;
  const r = await sim.cql(coordinator, 'SELECT v FROM ks.t WHERE k = 2', QUORUM);
  assert.deepEqual(rowsOf(r), [{ v: 'new' }], 'the reconciled answer, not the data replica\'s stale one');
  assert.equal(count(sent, 'READ_DIGEST'), 1);
  assert.equal(count(sent, 'READ'), 1, 'the full read asks the contacted remote replica for its data');
  assert.equal(count(sent, 'MUTATION'), 0, 'the stale replica is the coordinator itself: repaired in place');
  assert.equal(valueIn(coordinator, table, 2), 'new', 'read repair reached the coordinator');
});

test('digest mismatch, remote replica stale: it gets the reconciled data before the answer', async () => {
  const { sim, table, sent } = await cluster(9);
  assert.ok((await sim.cql(sim.nodes[0]!, "INSERT INTO ks.t (k, v) VALUES (3, 'old')", ALL)).ok);
  const [coordinator, b, c] = holders(sim, table, 3) as [SimNode, SimNode, SimNode];
  writeDirect([coordinator], table, 3, 'new', (EPOCH_MS + sim.sched.now()) * 1000 + 500_000);
  sent.length = 0;
  const r = await sim.cql(coordinator, 'SELECT v FROM ks.t WHERE k = 3', QUORUM);
  assert.deepEqual(rowsOf(r), [{ v: 'new' }]);
  const asked = sent.find((s) => s.verb === 'READ_DIGEST')!.to;
  assert.deepEqual(sent.map((s) => `${s.verb} ${s.to}`), [`READ_DIGEST ${asked}`, `READ ${asked}`, `MUTATION ${asked}`]);
  const repaired = [b, c].find((n) => n.endpoint === asked)!;
  const untouched = [b, c].find((n) => n.endpoint !== asked)!;
  assert.equal(valueIn(repaired, table, 3), 'new', 'the contacted stale replica was repaired');
  assert.equal(valueIn(untouched, table, 3), 'old', 'a replica the read did not contact is left to other repair');
  // Once repaired, the same read agrees by digest again: no second full read.
  sent.length = 0;
  assert.deepEqual(rowsOf(await sim.cql(coordinator, 'SELECT v FROM ks.t WHERE k = 3', QUORUM)), [{ v: 'new' }]);
  assert.deepEqual(sent.map((s) => s.verb), ['READ_DIGEST']);
});

test('the data replica dies (not yet convicted): speculation asks the third replica for the data', async () => {
  const { sim, table, sent, dead } = await cluster(13);
  assert.ok((await sim.cql(sim.nodes[0]!, "INSERT INTO ks.t (k, v) VALUES (4, 'four')", ALL)).ok);
  const replicas = holders(sim, table, 4);
  const coordinator = sim.nodes.find((n) => !replicas.includes(n))!;
  // One replica much closer than the others: the dynamic snitch asks it for the data.
  const [near, ...far] = replicas as [SimNode, SimNode, SimNode];
  for (const f of far) sim.network.setLatency(coordinator.endpoint, f.endpoint, 20);
  sim.network.setLatency(coordinator.endpoint, near.endpoint, 1);
  for (let i = 0; i < 30; i++) assert.deepEqual(rowsOf(await sim.cql(coordinator, 'SELECT v FROM ks.t WHERE k = 4', QUORUM)), [{ v: 'four' }]);
  sent.length = 0;
  await sim.cql(coordinator, 'SELECT v FROM ks.t WHERE k = 4', QUORUM);
  assert.deepEqual(sent.filter((s) => s.verb === 'READ').map((s) => s.to), [near.endpoint], 'the near replica is asked for the data');
  assert.equal(sent.filter((s) => s.verb === 'READ_DIGEST' && far.some((f) => f.endpoint === s.to)).length, 1, 'a far one for its digest');
  dead.add(near.endpoint);
  sent.length = 0;
  const start = sim.sched.now();
  const r = await sim.cql(coordinator, 'SELECT v FROM ks.t WHERE k = 4', QUORUM);
  assert.deepEqual(rowsOf(r), [{ v: 'four' }]);
  assert.ok(sim.sched.now() - start < 1_000, `answered in ${sim.sched.now() - start} virtual ms, well before the 5 s read timeout`);
  assert.ok(coordinator.core!.membership.isAlive(near.endpoint), 'the failure detector has not convicted it yet');
  const reads = sent.filter((s) => s.verb === 'READ').map((s) => s.to);
  assert.equal(reads[0], near.endpoint, 'the data was asked of the dead replica first');
  assert.equal(reads.length, 2, 'and then, speculatively, of another replica');
  assert.ok(far.some((f) => f.endpoint === reads[1]));
});
