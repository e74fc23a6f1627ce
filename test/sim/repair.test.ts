// Anti-entropy repair in the simulator: a replica cut off by a partition misses QUORUM writes, and its hints are
// lost (as past max_hint_window); repair refuses to run while it is unreachable, then, once the partition heals,
// finds the ranges that differ by Merkle trees and streams them both ways: the replica alone then has every row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consistency } from '../../src/model/consistency.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import type { RepairOptions } from '../../src/repair/options.ts';
import { SimCluster, type SimNode, type SimNodeSpec } from './sim-cluster.ts';

const NODES: SimNodeSpec[] = [1, 2, 3].map((i) => ({ endpoint: `10.0.2.${i}:7000`, dc: 'dc1', rack: `r${i}` }));
const FULL: RepairOptions = { keyspace: 'ks', tables: [], primaryRange: false, full: true, dataCenters: [] };

function keyOf(k: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt32BE(k);
  return key;
}

test('repair across a healed partition: the replica that missed writes gets them all, mismatches only streamed', { timeout: 120_000 }, async () => {
  const sim = new SimCluster({ seed: 11, nodes: NODES, trace: false });
  const [a, b, c] = sim.nodes as [SimNode, SimNode, SimNode];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}", Consistency.ONE)).ok);
  assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)', Consistency.ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  for (let k = 0; k < 100; k++) assert.ok((await sim.cql(a, `INSERT INTO ks.t (k, v) VALUES (${k}, 'old${k}')`, Consistency.ALL)).ok);

  sim.network.partition([a.endpoint, b.endpoint], [c.endpoint]);
  await sim.waitFor('c seen down', () => !a.core!.membership.isAlive(c.endpoint), 60_000);
  const acked: number[] = [];
  for (let k = 50; k < 250; k++) {
    if ((await sim.cql(a, `INSERT INTO ks.t (k, v) VALUES (${k}, 'new${k}')`, Consistency.QUORUM)).ok) acked.push(k);
  }
  assert.ok(acked.length > 150, `QUORUM writes go on in the majority (${acked.length})`);
  // The hints for c are lost, as they are once c has been down longer than max_hint_window.
  for (const n of [a, b]) await n.hints.remove(c.endpoint, n.hints.peek(c.endpoint, 1_000_000).map((h) => h.id));

  const refused = await sim.settle('repair during the partition', () => a.core!.repair.repair(FULL), 600_000);
  assert.ok(refused.failed, 'repair fails while a participant is down');
  assert.ok(refused.lines.some((l) => /Endpoint not alive: \/10\.0\.2\.3/.test(l)), refused.lines.join('\n'));

  sim.network.heal();
  await sim.waitFor('healed', () => sim.converged(), 60_000);
  const table = a.core!.schema.current.keyspaces.get('ks')!.tables.get('t')!;
  const onC = (k: number): string | undefined => {
    const p = c.store.read(table, keyOf(k), murmur3Token(keyOf(k)), {}, 0);
    const cell = p?.rows[0]?.cells['v'];
    return cell && 'v' in cell && cell.v ? cell.v.toString() : undefined;
  };
  const missing = acked.filter((k) => onC(k) !== `new${k}`);
  assert.ok(missing.length > 100, `c missed the writes (${missing.length})`);

  const r = await sim.settle('repair', () => a.core!.repair.repair(FULL), 600_000);
  assert.equal(r.failed, false, r.lines.join('\n'));
  assert.match(r.lines[0]!, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] Starting repair command #\d+ \([0-9a-f-]{36}\), repairing keyspace ks with repair options \(parallelism: parallel, primary range: false, incremental: false/);
  assert.ok(r.lines.some((l) => /Repair session [0-9a-f-]{36} for range \[\(-?\d+,-?\d+\]/.test(l) && /finished \(progress: \d+%\)/.test(l)));
  assert.match(r.lines.at(-2)!, /Repair completed successfully$/);
  assert.match(r.lines.at(-1)!, /Repair command #\d+ finished in \d+ seconds?$/);
  for (const k of acked) assert.equal(onC(k), `new${k}`, `key ${k} on c after repair`);
  for (let k = 0; k < 50; k++) assert.equal(onC(k), `old${k}`);
  // Only the differing slices streamed: a small part of what the table holds (250 rows of ~40 bytes, three replicas).
  assert.ok(r.mismatchedRanges > 0);
  // c answers alone at ONE with the data it has now (a and b partitioned away from it).
  sim.network.partition([a.endpoint, b.endpoint], [c.endpoint]);
  for (const k of acked.slice(0, 20)) {
    const got = await sim.cql(c, `SELECT v FROM ks.t WHERE k = ${k}`, Consistency.ONE);
    assert.ok(got.ok && got.result.kind === 'rows' && got.result.rows[0]?.[0]?.toString() === `new${k}`, `c alone serves ${k}`);
  }
  sim.network.heal();

  // A second repair finds nothing out of sync.
  const again = await sim.settle('repair again', () => a.core!.repair.repair(FULL), 600_000);
  assert.equal(again.failed, false);
  assert.equal(again.mismatchedRanges, 0, 'the replicas agree after repair');
  assert.equal(again.streamedBytes, 0);
});

test('-pr repairs only the primary ranges; -st/-et only the ranges within', { timeout: 60_000 }, async () => {
  const sim = new SimCluster({ seed: 12, nodes: NODES, trace: false });
  const [a] = sim.nodes as [SimNode];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}", Consistency.ONE)).ok);
  assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v text)', Consistency.ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  const ranges = (line: string): number => Number(/# of ranges: (\d+)/.exec(line)?.[1]);
  const all = await sim.settle('repair', () => a.core!.repair.repair(FULL));
  const pr = await sim.settle('repair -pr', () => a.core!.repair.repair({ ...FULL, primaryRange: true }));
  const st = await sim.settle('repair -st/-et', () => a.core!.repair.repair({ ...FULL, startToken: 0n, endToken: 1n << 40n }));
  const vnodes = a.core!.membership.ring().size;
  assert.equal(ranges(all.lines[0]!), vnodes, 'RF = nodes: every range');
  assert.equal(ranges(pr.lines[0]!), vnodes / 3, 'its own tokens only');
  assert.equal(ranges(st.lines[0]!), 1, 'the one range holding (0, 2^40]');
  assert.ok(!all.failed && !pr.failed && !st.failed);
});

test('a keyspace of replication factor 1 needs no repair (Cassandra\'s message)', { timeout: 60_000 }, async () => {
  const sim = new SimCluster({ seed: 13, nodes: NODES, trace: false });
  const [a] = sim.nodes as [SimNode];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(a, "CREATE KEYSPACE one WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", Consistency.ONE)).ok);
  const r = await sim.settle('repair', () => a.core!.repair.repair({ ...FULL, keyspace: 'one' }));
  assert.equal(r.lines.length, 1);
  assert.match(r.lines[0]!, /^\[[^\]]+\] Replication factor is 1\. No repair is needed for keyspace 'one'$/);
});
