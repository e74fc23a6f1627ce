// Consistency arithmetic of the coordinator: which levels are satisfiable for a replica view, and the
// Unavailable (required, alive) figures Cassandra reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assureSufficientLiveReplicas, blockFor, type ReplicaView } from '../../src/coordinator/consistency.ts';
import { Consistency as CL, InvalidRequestError, UnavailableError } from '../../src/model/errors.ts';

/** SimpleStrategy; `localAlive` = live replicas in the coordinator's DC (all of them on a one-DC cluster). */
const simple = (rf: number, alive: number, localAlive = alive): ReplicaView => ({
  rfByDc: new Map([['*', rf]]), aliveByDc: new Map([['*', alive]]), localDc: 'dc1', localAlive, dcAgnostic: true,
});
const nts = (rf: Record<string, number>, alive: Record<string, number>, localDc = 'dc1'): ReplicaView => ({
  rfByDc: new Map(Object.entries(rf)), aliveByDc: new Map(Object.entries(alive)), localDc, localAlive: alive[localDc] ?? 0,
  dcAgnostic: false,
});

function unavailable(fn: () => void, required: number, alive: number): void {
  assert.throws(fn, (e: unknown) => e instanceof UnavailableError && e.required === required && e.alive === alive);
}

test('RF 3 with one live replica: ONE/LOCAL_ONE/ANY pass, QUORUM and ALL are Unavailable with Cassandra figures', () => {
  const v = simple(3, 1);
  for (const cl of [CL.ONE, CL.LOCAL_ONE]) {
    assureSufficientLiveReplicas(cl, v, true);
    assureSufficientLiveReplicas(cl, v, false);
  }
  assureSufficientLiveReplicas(CL.ANY, v, true);
  unavailable(() => assureSufficientLiveReplicas(CL.QUORUM, v, false), 2, 1);
  unavailable(() => assureSufficientLiveReplicas(CL.ALL, v, true), 3, 1);
  unavailable(() => assureSufficientLiveReplicas(CL.TWO, v, true), 2, 1);
});

test('ANY is for writes only; a write at ANY needs no live replica', () => {
  assureSufficientLiveReplicas(CL.ANY, simple(3, 0), true);
  assert.throws(() => assureSufficientLiveReplicas(CL.ANY, simple(3, 3), false), InvalidRequestError);
  assert.throws(() => assureSufficientLiveReplicas(CL.EACH_QUORUM, nts({ a: 3 }, { a: 3 }), false), InvalidRequestError);
});

test('LOCAL_* levels count only the coordinator DC; EACH_QUORUM needs a quorum in every DC', () => {
  const regionDown = nts({ west: 3, east: 3 }, { west: 3, east: 0 }, 'west');
  assureSufficientLiveReplicas(CL.LOCAL_QUORUM, regionDown, true);
  assureSufficientLiveReplicas(CL.LOCAL_ONE, regionDown, false);
  unavailable(() => assureSufficientLiveReplicas(CL.EACH_QUORUM, regionDown, true), 2, 0);
  unavailable(() => assureSufficientLiveReplicas(CL.LOCAL_QUORUM, nts({ west: 3, east: 3 }, { west: 3, east: 0 }, 'east'), true), 2, 0);
  assert.equal(blockFor(CL.EACH_QUORUM, regionDown), 4);
  assert.equal(blockFor(CL.LOCAL_QUORUM, regionDown), 2);
  assert.equal(blockFor(CL.QUORUM, regionDown), 4);
});

test('SimpleStrategy on two DCs: LOCAL_* count only live replicas in the local DC, as Cassandra does', () => {
  // RF 3, all three replicas of this token alive but only one of them in the coordinator's DC.
  const v = simple(3, 3, 1);
  assureSufficientLiveReplicas(CL.LOCAL_ONE, v, false);
  assureSufficientLiveReplicas(CL.QUORUM, v, false);
  unavailable(() => assureSufficientLiveReplicas(CL.LOCAL_QUORUM, v, true), 2, 1);
  assert.equal(blockFor(CL.LOCAL_QUORUM, v), 2);
  // No replica in the local DC: LOCAL_ONE is Unavailable (1 required, 0 alive) rather than a read timeout.
  unavailable(() => assureSufficientLiveReplicas(CL.LOCAL_ONE, simple(3, 3, 0), false), 1, 0);
});
