// Lightweight transactions on five simulated nodes (RF 3), scenario by scenario: the [applied] answers, serial reads,
// a replica's promises surviving its restart, the completion of a proposal a single replica accepted before its
// coordinator died, the re-sending of a commit a replica missed, Unavailable below a quorum of participants and
// WriteTimeout (write type CAS) when a quorum is believed alive but does not answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replicasFor } from '../../src/cluster/replication.ts';
import { PaxosAcceptor, isEmptyUpdate } from '../../src/coordinator/paxos/acceptor.ts';
import { BallotClock, ballotMicros } from '../../src/coordinator/paxos/ballot.ts';
import { seededRandom } from '../../src/cluster/env.ts';
import { Consistency } from '../../src/model/consistency.ts';
import { UnavailableError, WriteTimeoutError } from '../../src/model/errors.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import type { TableDef } from '../../src/schema/model.ts';
import type { PartitionData } from '../../src/storage/types.ts';
import { EPOCH_MS, SimCluster, rowsOf, type SimNode, type SimNodeSpec } from './sim-cluster.ts';

const { ONE, QUORUM, SERIAL, LOCAL_SERIAL, ALL } = Consistency;
const NODES: SimNodeSpec[] = [1, 2, 3, 4, 5].map((i) => ({ endpoint: `10.0.2.${i}:7000`, dc: 'dc1', rack: `r${((i - 1) % 3) + 1}` }));

const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

async function cluster(seed: number): Promise<SimCluster> {
  const sim = new SimCluster({ seed, nodes: NODES, trace: false });
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  assert.ok((await sim.cql(sim.nodes[0]!, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}", ONE)).ok);
  assert.ok((await sim.cql(sim.nodes[0]!, 'CREATE TABLE ks.t (k int PRIMARY KEY, v int)', ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  return sim;
}

function tableOf(sim: SimCluster): TableDef {
  return sim.running()[0]!.core!.schema.current.keyspaces.get('ks')!.tables.get('t')!;
}

/** The three replicas of key `k`, and the two nodes that are not. */
function placement(sim: SimCluster, k: number): { replicas: SimNode[]; others: SimNode[] } {
  const ks = sim.running()[0]!.core!.schema.current.keyspaces.get('ks')!;
  const ids = replicasFor(sim.running()[0]!.core!.membership.ring(), ks.strategy, murmur3Token(int32(k))).map((r) => r.id);
  return { replicas: ids.map((id) => sim.node(id)), others: sim.nodes.filter((n) => !ids.includes(n.endpoint)) };
}

function rowUpdate(k: number, v: number, ts: number): PartitionData {
  const key = int32(k);
  return { key, token: murmur3Token(key), rangeTombstones: [], rows: [{ clustering: [], marker: { ts }, cells: { v: { ts, v: int32(v) } } }] };
}

/**
 * The proposer of 42 for key 7 died after its proposal reached one replica alone: accepted there, committed nowhere.
 * The third replica is down, so every quorum includes the one that holds the proposal.
 */
async function inProgressScenario(seed: number): Promise<SimCluster> {
  const sim = await cluster(seed);
  const table = tableOf(sim);
  const [holder, , third] = placement(sim, 7).replicas as [SimNode, SimNode, SimNode];
  const ballot = new BallotClock(() => (EPOCH_MS + sim.sched.now()) * 1000, seededRandom(4)).next();
  holder.store.savePaxosSync(table.id, int32(7), { promised: ballot, accepted: { ballot, update: rowUpdate(7, 42, ballotMicros(ballot)) } });
  await sim.crash(third);
  return sim;
}

const errorOf = (out: Awaited<ReturnType<SimCluster['cql']>>): Error => {
  assert.ok(!out.ok, 'expected an error');
  return out.error;
};

describe('lightweight transactions in the simulator', () => {
  it('answers [applied] as Cassandra does, and serial reads see the winner', async () => {
    const sim = await cluster(11);
    const [a, b, c] = sim.nodes as [SimNode, SimNode, SimNode];
    assert.deepEqual(rowsOf(await sim.cql(a, 'INSERT INTO ks.t (k, v) VALUES (1, 10) IF NOT EXISTS', QUORUM)), [{ '[applied]': true }]);
    assert.deepEqual(rowsOf(await sim.cql(b, 'INSERT INTO ks.t (k, v) VALUES (1, 20) IF NOT EXISTS', QUORUM)), [{ '[applied]': false, k: 1, v: 10 }]);
    assert.deepEqual(rowsOf(await sim.cql(c, 'UPDATE ks.t SET v = 11 WHERE k = 1 IF v = 10', QUORUM)), [{ '[applied]': true }]);
    assert.deepEqual(rowsOf(await sim.cql(a, 'UPDATE ks.t SET v = 12 WHERE k = 1 IF v = 10', QUORUM)), [{ '[applied]': false, v: 11 }]);
    assert.deepEqual(rowsOf(await sim.cql(b, 'SELECT v FROM ks.t WHERE k = 1', SERIAL)), [{ v: 11 }]);
    assert.deepEqual(rowsOf(await sim.cql(c, 'SELECT v FROM ks.t WHERE k = 1', LOCAL_SERIAL)), [{ v: 11 }]);
    assert.deepEqual(rowsOf(await sim.cql(a, 'UPDATE ks.t SET v = 13 WHERE k = 1 IF v = 11', ONE, [], LOCAL_SERIAL)), [{ '[applied]': true }]);
    assert.deepEqual(rowsOf(await sim.cql(b, 'DELETE FROM ks.t WHERE k = 1 IF v = 13', QUORUM)), [{ '[applied]': true }]);
    assert.deepEqual(rowsOf(await sim.cql(c, 'SELECT v FROM ks.t WHERE k = 1', SERIAL)), []);
    const serialCommit = errorOf(await sim.cql(a, 'UPDATE ks.t SET v = 1 WHERE k = 1 IF v = 1', SERIAL));
    assert.match(serialCommit.message, /SERIAL is not supported as conditional update commit consistency/);
    const badSerial = errorOf(await sim.cql(a, 'UPDATE ks.t SET v = 1 WHERE k = 1 IF v = 1', QUORUM, [], QUORUM));
    assert.match(badSerial.message, /Must be one of SERIAL or LOCAL_SERIAL/);
  });

  it('a replica that restarts keeps the promises it made', async () => {
    const sim = await cluster(12);
    const table = tableOf(sim);
    const ballots = new BallotClock(() => (EPOCH_MS + sim.sched.now()) * 1000, seededRandom(3));
    const low = ballots.next();
    const high = ballots.next();
    const node = sim.nodes[0]!;
    const before = new PaxosAcceptor(node.store.view(), async () => undefined);
    const promise = await sim.settle('prepare', () => before.prepare(table, int32(5), high));
    assert.equal(promise.promised, true);
    await sim.crash(node);
    await sim.start(node);
    const after = new PaxosAcceptor(node.store.view(), async () => undefined);
    const refusal = await sim.settle('prepare', () => after.prepare(table, int32(5), low));
    assert.equal(refusal.promised, false);
    assert.ok(refusal.promisedBallot?.equals(high), 'the refusal names the promise made before the restart');
    assert.equal(await sim.settle('propose', () => after.propose(table, int32(5), { ballot: low, update: rowUpdate(5, 1, ballotMicros(low)) })), false);
  });

  it('completes a proposal only one replica accepted, before anything else (in-progress repair)', async () => {
    const sim = await inProgressScenario(13);
    const table = tableOf(sim);
    const { replicas, others } = placement(sim, 7);
    const [holder, peer] = replicas as [SimNode, SimNode, SimNode];
    assert.deepEqual(rowsOf(await sim.cql(others[0]!, 'SELECT v FROM ks.t WHERE k = 7', SERIAL)), [{ v: 42 }]);
    for (const n of [holder, peer]) {
      const rec = n.store.loadPaxos(table.id, int32(7));
      assert.ok(rec?.committed && rec.committed.update.rows[0]?.cells['v'], `${n.endpoint} has learnt the repaired proposal`);
      // What stays accepted is the serial read's empty proposal, which seals the round (CASSANDRA-12126).
      assert.ok(rec.accepted === undefined || isEmptyUpdate(rec.accepted.update), `${n.endpoint} holds no other proposal`);
      assert.ok(n.store.read(table, int32(7), murmur3Token(int32(7)), {}, 0), `${n.endpoint} holds the row`);
    }
    assert.deepEqual(rowsOf(await sim.cql(peer, 'UPDATE ks.t SET v = 43 WHERE k = 7 IF v = 42', QUORUM)), [{ '[applied]': true }]);
  });

  it('without the repair (the deliberately broken variant) the serial read misses the accepted value', async () => {
    const sim = await inProgressScenario(13);
    for (const n of sim.running()) n.core!.coordinator.paxos.flaw = 'no-repair';
    assert.deepEqual(rowsOf(await sim.cql(placement(sim, 7).others[0]!, 'SELECT v FROM ks.t WHERE k = 7', SERIAL)), []);
  });

  it('re-sends the latest commit to a participant that missed it before proposing', async () => {
    const sim = await cluster(14);
    const table = tableOf(sim);
    const { replicas } = placement(sim, 8);
    const [knows, missed, third] = replicas as [SimNode, SimNode, SimNode];
    const ballot = new BallotClock(() => (EPOCH_MS + sim.sched.now()) * 1000, seededRandom(5)).next();
    const update = rowUpdate(8, 5, ballotMicros(ballot));
    knows.store.applySync(table, update);
    knows.store.savePaxosSync(table.id, int32(8), { promised: ballot, committed: { ballot, update } });
    await sim.crash(third);
    assert.deepEqual(rowsOf(await sim.cql(missed, 'UPDATE ks.t SET v = 6 WHERE k = 8 IF v = 5', QUORUM)), [{ '[applied]': true }]);
    const rec = missed.store.loadPaxos(table.id, int32(8));
    assert.ok(rec?.committed, 'the participant that missed the commit got it');
    assert.deepEqual(rowsOf(await sim.cql(knows, 'SELECT v FROM ks.t WHERE k = 8', SERIAL)), [{ v: 6 }]);
  });

  it('is Unavailable below a quorum of live participants, and times out (CAS) when a believed-live quorum is silent', async () => {
    const sim = await cluster(15);
    const { replicas, others } = placement(sim, 9);
    const [r1, r2, r3] = replicas as [SimNode, SimNode, SimNode];
    await sim.crash(r1);
    await sim.waitFor('r1 seen down', () => !r2.core!.membership.isAlive(r1.endpoint), 60_000);
    const all = errorOf(await sim.cql(r2, 'INSERT INTO ks.t (k, v) VALUES (9, 1) IF NOT EXISTS', ALL));
    assert.ok(all instanceof UnavailableError, `commit at ALL with a replica down: ${all.message}`);
    await sim.crash(r2);
    await sim.waitFor('the others see both replicas down', () => !r3.core!.membership.isAlive(r1.endpoint) && !r3.core!.membership.isAlive(r2.endpoint), 60_000);
    const un = errorOf(await sim.cql(r3, 'INSERT INTO ks.t (k, v) VALUES (9, 1) IF NOT EXISTS', QUORUM));
    assert.ok(un instanceof UnavailableError, un.message);
    assert.deepEqual([un.consistency, un.required, un.alive], [SERIAL, 2, 1]);
    await sim.start(r1);
    await sim.start(r2);
    await sim.waitFor('everyone back', () => sim.converged(), 60_000);
    // Cut the coordinator off from the other replicas: they are still believed alive, and never answer.
    const coordinator = others[0]!;
    sim.network.partition([coordinator.endpoint, r3.endpoint], sim.nodes.filter((n) => n !== coordinator && n !== r3).map((n) => n.endpoint));
    const wt = errorOf(await sim.cql(coordinator, 'INSERT INTO ks.t (k, v) VALUES (9, 1) IF NOT EXISTS', QUORUM));
    assert.ok(wt instanceof WriteTimeoutError, wt.message);
    assert.deepEqual([wt.writeType, wt.consistency, wt.blockFor], ['CAS', SERIAL, 2]);
  });

  it('across two data centres cut apart: SERIAL is Unavailable, LOCAL_SERIAL decides within each DC', async () => {
    const nodes: SimNodeSpec[] = [1, 2, 3, 4, 5, 6].map((i) => ({ endpoint: `10.0.6.${i}:7000`, dc: i <= 3 ? 'dc1' : 'dc2', rack: `r${i}` }));
    const sim = new SimCluster({ seed: 16, nodes, trace: false });
    await sim.startAll();
    await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
    const [a, , , d] = sim.nodes as [SimNode, SimNode, SimNode, SimNode];
    assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 3}", ONE)).ok);
    assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v int)', ONE)).ok);
    await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
    sim.network.partition(sim.nodes.slice(0, 3).map((n) => n.endpoint), sim.nodes.slice(3).map((n) => n.endpoint));
    await sim.waitFor('each side sees the other down', () => !a.core!.membership.isAlive(d.endpoint) && !d.core!.membership.isAlive(a.endpoint), 60_000);
    const serial = errorOf(await sim.cql(a, 'INSERT INTO ks.t (k, v) VALUES (1, 1) IF NOT EXISTS', Consistency.LOCAL_QUORUM));
    assert.ok(serial instanceof UnavailableError, serial.message);
    assert.deepEqual([serial.consistency, serial.required, serial.alive], [SERIAL, 4, 3]);
    // Each DC decides on its own under LOCAL_SERIAL: that is the level's contract, and why it is not global.
    assert.deepEqual(rowsOf(await sim.cql(a, 'INSERT INTO ks.t (k, v) VALUES (1, 1) IF NOT EXISTS', Consistency.LOCAL_QUORUM, [], LOCAL_SERIAL)), [{ '[applied]': true }]);
    assert.deepEqual(rowsOf(await sim.cql(d, 'INSERT INTO ks.t (k, v) VALUES (1, 2) IF NOT EXISTS', Consistency.LOCAL_QUORUM, [], LOCAL_SERIAL)), [{ '[applied]': true }]);
    assert.deepEqual(rowsOf(await sim.cql(a, 'SELECT v FROM ks.t WHERE k = 1', LOCAL_SERIAL)), [{ v: 1 }]);
    assert.deepEqual(rowsOf(await sim.cql(d, 'SELECT v FROM ks.t WHERE k = 1', LOCAL_SERIAL)), [{ v: 2 }]);
  });

  it('keeps losing to a rival that always promises a higher ballot: WriteTimeout (CAS) after cas_contention_timeout', async () => {
    const sim = await cluster(17);
    const table = tableOf(sim);
    const { replicas, others } = placement(sim, 10);
    // A rival proposer that, every few ms, gets a higher ballot than anything seen promised by every replica.
    const rival = new BallotClock(() => (EPOCH_MS + sim.sched.now()) * 1000 + 3_600_000_000, seededRandom(6));
    let running = true;
    const tick = (): void => {
      if (!running) return;
      const b = rival.next();
      for (const r of replicas) void r.core!.coordinator.paxos.acceptor.prepare(table, int32(10), b);
      sim.sched.setTimeout(tick, 2);
    };
    tick();
    const started = sim.sched.now();
    const out = errorOf(await sim.cql(others[0]!, 'INSERT INTO ks.t (k, v) VALUES (10, 1) IF NOT EXISTS', QUORUM));
    running = false;
    assert.ok(out instanceof WriteTimeoutError, out.message);
    assert.deepEqual([out.writeType, out.consistency, out.received, out.blockFor], ['CAS', SERIAL, 0, 2]);
    const took = sim.sched.now() - started;
    assert.ok(took >= 1000 && took < 1300, `gave up after the 1000 ms contention timeout (took ${took} ms)`);
  });
});
