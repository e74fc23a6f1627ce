// DeadlineTable in virtual time: each entry expires at its own deadline (not before, and not later than the sweep
// that finds it), completed entries never expire, one timer serves the whole table, and expiries may add entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeadlineTable } from '../../src/cluster/deadlines.ts';
import { SimScheduler } from '../../src/cluster/sim-network.ts';
import type { TimerHandle, Timers } from '../../src/cluster/env.ts';

/** The scheduler's timers, counting how many are armed at once. */
function countingTimers(sched: SimScheduler): { timers: Timers; armed: () => number; maxArmed: () => number } {
  const live = new Set<TimerHandle>();
  let max = 0;
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      const h = sched.setTimeout(() => { live.delete(h); fn(); }, ms);
      live.add(h);
      max = Math.max(max, live.size);
      return h;
    },
    clearTimeout: (h) => { live.delete(h); sched.clearTimeout(h); },
  };
  return { timers, armed: () => live.size, maxArmed: () => max };
}

test('property: entries expire exactly at their deadline unless taken first, with one timer armed at most', () => {
  fc.assert(fc.property(fc.array(fc.record({ at: fc.nat(1_000), timeout: fc.integer({ min: 1, max: 3_000 }), doneAfter: fc.option(fc.nat(4_000)) }), { maxLength: 60 }), (ops) => {
    const sched = new SimScheduler();
    const t = countingTimers(sched);
    const expired = new Map<number, number>();
    const table = new DeadlineTable<number, { deadline: number }>(sched, t.timers, (e) => e.deadline, (id) => expired.set(id, sched.now()));
    const taken = new Map<number, boolean>();
    ops.forEach((op, id) => {
      sched.at(op.at, () => {
        table.add(id, { deadline: sched.now() + op.timeout });
        if (op.doneAfter !== null) sched.setTimeout(() => taken.set(id, table.take(id) !== undefined), op.doneAfter);
      });
    });
    sched.runFor(10_000);
    ops.forEach((op, id) => {
      const completedFirst = op.doneAfter !== null && op.doneAfter < op.timeout;
      if (completedFirst) {
        assert.equal(expired.has(id), false, `entry ${id} completed before its deadline`);
        assert.equal(taken.get(id), true);
      } else {
        assert.equal(expired.get(id), op.at + op.timeout, `entry ${id} expires at its deadline`);
      }
    });
    assert.ok(t.maxArmed() <= 1, `${t.maxArmed()} timers armed at once`);
    assert.equal(table.size, 0);
  }), { numRuns: 200, seed: 4242 });
});

test('an expiry may add entries (a retry), and drain() empties the table without expiring anything', () => {
  const sched = new SimScheduler();
  const t = countingTimers(sched);
  const log: string[] = [];
  const table: DeadlineTable<string, { deadline: number }> = new DeadlineTable(sched, t.timers, (e) => e.deadline, (key) => {
    log.push(`${sched.now()} ${key}`);
    if (key === 'a') table.add('a-retry', { deadline: sched.now() + 5 });
  });
  table.add('a', { deadline: 10 });
  table.add('b', { deadline: 100 });
  sched.runFor(50);
  assert.deepEqual(log, ['10 a', '15 a-retry']);
  assert.equal(table.drain().length, 1);
  sched.runFor(500);
  assert.deepEqual(log, ['10 a', '15 a-retry'], 'nothing expires after drain');
  assert.equal(t.armed(), 0);
});
