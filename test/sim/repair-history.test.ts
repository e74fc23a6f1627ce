// repaired_at in the simulator: before any repair no range of the table is repaired, and once the table is older
// than gc_grace_seconds it is overdue (the node log warns); an incremental `nodetool repair` (no -full: the full
// Merkle comparison, then the ranges marked repaired) records the ranges and the time on every participant, which
// survives a crash and restart of one of them; a repair restricted to -dc marks nothing; gc_grace_seconds after the
// repair the table is overdue again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consistency } from '../../src/model/consistency.ts';
import type { RepairOptions } from '../../src/repair/options.ts';
import { repairStates, type TableRepairState } from '../../src/repair/repair-state.ts';
import { SimCluster, type SimNode, type SimNodeSpec } from './sim-cluster.ts';

const NODES: SimNodeSpec[] = [1, 2, 3].map((i) => ({ endpoint: `10.0.7.${i}:7000`, dc: 'dc1', rack: `r${i}` }));
const INCREMENTAL: RepairOptions = { keyspace: 'ks', tables: [], primaryRange: false, full: false, dataCenters: [] };
const GC_GRACE_S = 600;

async function stateOf(n: SimNode): Promise<TableRepairState> {
  const [s] = await repairStates(n.core!.repairState, 'ks', 't');
  assert.ok(s !== undefined, `ks.t on ${n.endpoint}`);
  return s;
}

test('incremental repair records repaired_at on every participant, persisted; overdue past gc_grace_seconds', { timeout: 120_000 }, async () => {
  const sim = new SimCluster({ seed: 21, nodes: NODES, trace: false });
  const [a, b, c] = sim.nodes as [SimNode, SimNode, SimNode];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}", Consistency.ONE)).ok);
  assert.ok((await sim.cql(a, `CREATE TABLE ks.t (k int PRIMARY KEY, v text) WITH gc_grace_seconds = ${GC_GRACE_S}`, Consistency.ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  for (let k = 0; k < 50; k++) assert.ok((await sim.cql(a, `INSERT INTO ks.t (k, v) VALUES (${k}, 'v${k}')`, Consistency.ALL)).ok);

  const fresh = await stateOf(b);
  assert.equal(fresh.percentRepaired, 0);
  assert.equal(fresh.minRepairedMicros, undefined);
  assert.equal(fresh.overdue, false, 'a table younger than gc_grace_seconds is not overdue');
  await sim.advance((GC_GRACE_S + 1) * 1000);
  assert.equal((await stateOf(b)).overdue, true, 'never repaired, older than gc_grace_seconds');

  const local = await sim.settle('repair -dc', () => a.core!.repair.repair({ ...INCREMENTAL, dataCenters: ['dc1'] }));
  assert.equal(local.failed, false, local.lines.join('\n'));
  assert.equal((await stateOf(a)).percentRepaired, 0, 'a repair limited to data centres marks nothing repaired');

  const before = sim.nowMicros();
  const r = await sim.settle('incremental repair', () => a.core!.repair.repair(INCREMENTAL));
  assert.equal(r.failed, false, r.lines.join('\n'));
  assert.match(r.lines[0]!, /incremental: true/);
  for (const n of [a, b, c]) {
    const s = await stateOf(n);
    assert.equal(s.percentRepaired, 100, `every range of ks.t repaired on ${n.endpoint}`);
    assert.ok(s.minRepairedMicros! >= before && s.maxRepairedMicros! <= sim.nowMicros(), `repaired_at on ${n.endpoint}`);
    assert.equal(s.overdue, false);
  }
  const recorded = (await stateOf(c)).maxRepairedMicros;

  await sim.crash(c);
  await sim.start(c);
  await sim.waitFor('c back', () => sim.converged(), 60_000);
  const afterRestart = await stateOf(c);
  assert.equal(afterRestart.percentRepaired, 100, 'repaired_at survives a restart');
  assert.equal(afterRestart.maxRepairedMicros, recorded);

  await sim.advance((GC_GRACE_S + 1) * 1000);
  assert.equal((await stateOf(c)).overdue, true, 'gc_grace_seconds after the last repair, overdue again');
  assert.equal((await stateOf(c)).percentRepaired, 100, 'still repaired, only too long ago');
  // The hourly check logs the warning in the node log.
  await sim.advance(3600_000);
  assert.ok(sim.sched.trace.some((l) => l.includes(`${c.endpoint} WARN Table ks.t has not been fully repaired within gc_grace_seconds (${GC_GRACE_S})`)),
    'the overdue warning is in the node log');
});
