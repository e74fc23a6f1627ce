// Linearizability of lightweight transactions under faults: for each seed, five clients run a CAS register workload
// (INSERT … IF NOT EXISTS, UPDATE/DELETE … IF v = x, SELECT at SERIAL) over five simulated nodes (RF 3) while nodes
// crash and restart, the network partitions and heals and messages are lost; every history must be linearizable
// (test/linearizability/checker.ts). The same workload with Paxos deliberately broken must be caught, which shows
// the check can fail. SIM_SEED=<n> replays one seed, SIM_SEEDS=<count> changes how many run (200 by default).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkHistory, describeEntry } from '../linearizability/checker.ts';
import { runCasWorkload } from './cas-workload.ts';

test('CAS register under crashes, restarts, partitions and message loss: every history is linearizable', { timeout: 180_000 }, async () => {
  const only = process.env['SIM_SEED'];
  const seeds = only !== undefined ? [Number(only)] : Array.from({ length: Number(process.env['SIM_SEEDS'] ?? 200) }, (_, i) => i + 1);
  const started = Date.now();
  const total = { ok: 0, fail: 0, info: 0, applied: 0, crashes: 0, states: 0 };
  for (const seed of seeds) {
    const { history, stats } = await runCasWorkload({ seed });
    const r = checkHistory(history);
    const replay = `SIM_SEED=${seed} node --import tsx --test test/sim/cas-register.test.ts`;
    assert.ok(r.linearizable, `seed ${seed} not linearizable on key ${r.key} (replay: ${replay}): ${r.explanation}\n`
      + history.filter((e) => e.key === r.key).map(describeEntry).join('\n'));
    for (const k of ['ok', 'fail', 'info', 'applied', 'crashes'] as const) total[k] += stats[k];
    total.states += r.statesVisited;
  }
  console.log(`${seeds.length} seeds in ${Date.now() - started} ms: ${JSON.stringify(total)}`);
  // The schedules must bite and the workload must do something: applied CAS, unknown outcomes, crashes.
  if (seeds.length >= 20) assert.ok(total.applied > 0 && total.info > 0 && total.crashes > 0 && total.ok > total.info, JSON.stringify(total));
});

test('the same workload with a broken Paxos (a single participant taken for a quorum) is caught as not linearizable', { timeout: 120_000 }, async () => {
  const tried: number[] = [];
  for (let seed = 1; seed <= 40; seed++) {
    tried.push(seed);
    const r = checkHistory((await runCasWorkload({ seed, flaw: 'minority' })).history);
    if (!r.linearizable) {
      console.log(`minority Paxos caught at seed ${seed}: ${r.explanation?.slice(0, 200)}`);
      return;
    }
  }
  assert.fail(`no seed of ${tried.length} caught a Paxos that takes one participant for a quorum`);
});
