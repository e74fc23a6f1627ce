// Lightweight transactions and counters on live processes (three nodes on 127.0.40.1-3, RF 3), through cassandra-driver
// and the Python driver: 20 clients race INSERT … IF NOT EXISTS on the same 100 keys and exactly one wins each key, the
// losers seeing the winner's values; a CAS register workload runs while a replica is SIGKILLed and restarted, and its
// history is checked linearizable (test/linearizability/checker.ts); concurrent counter increments through the three
// coordinators sum exactly.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { errors, types, type Client } from 'cassandra-driver';
import { clientFor, layout, startCluster } from '../fixtures/cluster.ts';
import { sleep, withTimeout } from '../fixtures/driver.ts';
import { REPO_ROOT, type NodeProcess } from '../helpers/node-process.ts';
import { runCli } from '../helpers/cli.ts';
import { checkHistory, describeEntry, type RegisterOp, type RegisterValue } from '../linearizability/checker.ts';
import { HistoryRecorder } from '../linearizability/recorder.ts';

const CL = types.consistencies;
const KEYS = 100;
const RACERS = 20;
const specs = layout('127.0.40.', [
  { dc: 'dc1', rack: 'r1', count: 1 }, { dc: 'dc1', rack: 'r2', count: 1 }, { dc: 'dc1', rack: 'r3', count: 1 },
]);
const clients: Client[] = [];
let nodes: NodeProcess[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
});

/** Clients that each send every request to one node (it coordinates them). */
async function connectAll(only = specs): Promise<Client[]> {
  const cs = await Promise.all(only.map((s) => clientFor(s.address, 'dc1')));
  clients.push(...cs);
  return cs;
}

/**
 * Shuts a test's clients down before the next test: a client still connected to a node that a later test SIGKILLs
 * would never stop reconnecting to it (cassandra-driver 4.10) and keep the process alive.
 */
async function shutdown(cs: Client[]): Promise<void> {
  await Promise.all(cs.map((c) => c.shutdown()));
  for (const c of cs) clients.splice(clients.indexOf(c), 1);
}

function shuffled(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let x = seed;
  for (let i = n - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

test('20 clients race INSERT IF NOT EXISTS on 100 keys: one winner per key, the losers see its values', { timeout: 300_000 }, async () => {
  nodes = await startCluster('lwt', specs);
  const cs = await connectAll();
  await cs[0]!.execute("CREATE KEYSPACE lwt WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}");
  await cs[0]!.execute('CREATE TABLE lwt.owner (k int PRIMARY KEY, racer int, label text)');
  const insert = 'INSERT INTO lwt.owner (k, racer, label) VALUES (?, ?, ?) IF NOT EXISTS';
  const outcomes = new Map<number, Array<{ racer: number; applied: boolean; seen?: { racer: number; label: string } }>>();
  let unknown = 0;
  await withTimeout(Promise.all(Array.from({ length: RACERS }, async (_, racer) => {
    const client = cs[racer % cs.length]!;
    for (const k of shuffled(KEYS, racer + 1)) {
      try {
        const rs = await client.execute(insert, [k, racer, `racer-${racer}`], { prepare: true, consistency: CL.quorum });
        const row = rs.first();
        const entry = rs.wasApplied() ? { racer, applied: true }
          : { racer, applied: false, seen: { racer: row.get('racer') as number, label: row.get('label') as string } };
        outcomes.set(k, [...(outcomes.get(k) ?? []), entry]);
      } catch (e) {
        // A CAS that timed out under contention has an unknown outcome: counted, and bounded below.
        if (!(e instanceof errors.ResponseError) || e.code !== types.responseErrorCodes.writeTimeout) throw e;
        unknown++;
      }
    }
  })), 240_000, `${RACERS * KEYS} conditional inserts`);
  assert.ok(unknown <= RACERS * KEYS * 0.05, `${unknown} contended inserts timed out`);
  for (let k = 0; k < KEYS; k++) {
    const got = outcomes.get(k) ?? [];
    const winners = got.filter((o) => o.applied);
    const final = (await cs[k % cs.length]!.execute('SELECT racer, label FROM lwt.owner WHERE k = ?', [k], { prepare: true, consistency: CL.serial })).first();
    const owner = final.get('racer') as number;
    assert.equal(final.get('label'), `racer-${owner}`, `key ${k}: the row holds one racer's values`);
    // Exactly one applied per key; only when the winner's own answer was lost to a timeout may none be seen.
    assert.ok(winners.length === 1 || (winners.length === 0 && unknown > 0), `key ${k}: ${winners.length} winners`);
    if (winners.length === 1) assert.equal(winners[0]!.racer, owner, `key ${k}: the applied insert is the row's`);
    for (const o of got.filter((x) => !x.applied)) assert.deepEqual(o.seen, { racer: owner, label: `racer-${owner}` }, `key ${k}: a loser sees the winner`);
  }
  await shutdown(cs);
});

test('the Python driver reads [applied] (was_applied) on the three nodes', { timeout: 120_000 }, async (t) => {
  const python = '/usr/bin/python3';
  if (spawnSync(python, ['-c', 'import cassandra'], { encoding: 'utf8' }).status !== 0) {
    t.skip('python3-cassandra is not installed (apt-get install -y python3-cassandra)');
    return;
  }
  const r = spawnSync(python, ['-P', join(REPO_ROOT, 'test', 'drivers', 'python', 'lwt.py')], {
    env: { ...process.env, SIBYL_HOST: specs[1]!.address, SIBYL_RF: '3' }, encoding: 'utf8', timeout: 100_000,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.equal(r.stdout.trim().split('\n').at(-1), 'OK', r.stdout);
});

test('a CAS register workload stays linearizable while a replica is SIGKILLed and restarted', { timeout: 300_000 }, async () => {
  // No client of the node that is killed: cassandra-driver 4.10 never stops reconnecting a pool whose only host died
  // and came back, which would keep the test process alive after shutdown (see fixtures/driver.ts).
  await shutdown([...clients]);
  const cs = await connectAll(specs.slice(0, 2));
  await cs[0]!.execute('CREATE TABLE lwt.reg (k int PRIMARY KEY, v int)');
  const started = performance.now();
  const rec = new HistoryRecorder(() => performance.now() - started);
  let stop = false;
  const stats = { ok: 0, fail: 0, info: 0, applied: 0 };
  const worker = async (id: number): Promise<void> => {
    const seen = new Map<number, RegisterValue>();
    const client = cs[id % 2]!;
    for (let i = 1; !stop; i++) {
      const key = (id * 7 + i) % 4;
      const cur = seen.get(key) ?? null;
      const value = id * 100_000 + i;
      const op: RegisterOp = i % 3 === 0 ? { kind: 'read' } : { kind: 'cas', expected: i % 5 === 0 ? null : cur, value };
      const [cql, params] = op.kind === 'read' ? ['SELECT v FROM lwt.reg WHERE k = ?', [key]]
        : op.expected === null ? ['INSERT INTO lwt.reg (k, v) VALUES (?, ?) IF NOT EXISTS', [key, value]]
          : ['UPDATE lwt.reg SET v = ? WHERE k = ? IF v = ?', [value, key, op.expected]];
      const p = rec.invoke(id, String(key), op);
      try {
        const rs = await client.execute(cql, params, { prepare: true, consistency: op.kind === 'read' ? CL.serial : CL.quorum });
        const v = (rs.first()?.get('v') as number | null | undefined) ?? null;
        if (op.kind === 'read') {
          rec.ok(p, v);
          seen.set(key, v);
        } else if (rs.wasApplied()) {
          rec.ok(p, true);
          seen.set(key, value);
          stats.applied++;
        } else {
          rec.ok(p, false, v);
          seen.set(key, v);
        }
        stats.ok++;
      } catch (e) {
        // Unavailable is refused before any replica is asked, a failed read changes nothing: both certainly did not
        // happen. Anything else (timeouts, a connection lost with the node) may have taken effect.
        const definite = op.kind === 'read' || (e instanceof errors.ResponseError && e.code === types.responseErrorCodes.unavailableException);
        if (definite) rec.fail(p);
        else rec.info(p);
        stats[definite ? 'fail' : 'info']++;
      }
    }
  };
  const workers = Array.from({ length: 6 }, (_, i) => worker(i + 1));
  const victim = nodes[2]!;
  await sleep(3000);
  await victim.kill();
  await sleep(6000);
  await victim.start();
  await sleep(4000);
  stop = true;
  await withTimeout(Promise.all(workers), 60_000, 'the workers to finish');
  const history = rec.history();
  const r = checkHistory(history);
  console.log(`${history.length} operations: ${JSON.stringify(stats)}, ${r.statesVisited} states`);
  assert.ok(r.linearizable, `not linearizable on key ${r.key}: ${r.explanation}\n${history.filter((e) => e.key === r.key).map(describeEntry).join('\n')}`);
  assert.ok(stats.applied > 20 && stats.ok > 100, JSON.stringify(stats));
  await shutdown(cs);
});

test('counters: 2,000 concurrent increments through three coordinators sum exactly, read at ALL from each node', { timeout: 180_000 }, async () => {
  const cs = await connectAll();
  await cs[0]!.execute('CREATE TABLE lwt.views (page int PRIMARY KEY, n counter, m counter)');
  const expected = new Map<number, bigint>();
  const ops = Array.from({ length: 2000 }, (_, i) => ({ page: i % 7, delta: (i % 13) - 3 }));
  for (const o of ops) expected.set(o.page, (expected.get(o.page) ?? 0n) + BigInt(o.delta));
  let next = 0;
  await withTimeout(Promise.all(Array.from({ length: 24 }, async (_, w) => {
    while (next < ops.length) {
      const o = ops[next++]!;
      await cs[w % cs.length]!.execute('UPDATE lwt.views SET n = n + ?, m = m - ? WHERE page = ?', [types.Long.fromNumber(o.delta), types.Long.fromNumber(o.delta), o.page],
        { prepare: true, consistency: CL.quorum });
    }
  })), 150_000, 'the increments');
  for (const c of cs) {
    const rs = await c.execute('SELECT page, n, m FROM lwt.views', [], { consistency: CL.all });
    assert.equal(rs.rowLength, expected.size);
    for (const r of rs.rows) {
      const want = expected.get(r.get('page') as number)!;
      assert.equal(BigInt(String(r.get('n'))), want, `page ${String(r.get('page'))}: n`);
      assert.equal(BigInt(String(r.get('m'))), -want, `page ${String(r.get('page'))}: m`);
    }
  }
  await shutdown(cs);
});

test('cqlsh prints [applied] results as Cassandra\'s cqlsh does', { timeout: 120_000 }, async () => {
  const statements = [
    'CREATE TABLE lwt.cq (k int PRIMARY KEY, v int, w text);',
    "INSERT INTO lwt.cq (k, v, w) VALUES (1, 1, 'a') IF NOT EXISTS;",
    "INSERT INTO lwt.cq (k, v, w) VALUES (1, 2, 'b') IF NOT EXISTS;",
    'UPDATE lwt.cq SET v = 4 WHERE k = 1 IF v = 3;',
  ].join('\n');
  const r = await runCli(['cqlsh', specs[0]!.address, '-e', statements], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  // What Cassandra 5.0.9 answers to the same statements, through the same cqlsh.
  assert.equal(r.stdout, [
    '', ' [applied]', '-----------', '      True', '',
    ' [applied] | k | v | w', '-----------+---+---+---', '     False | 1 | 1 | a', '',
    ' [applied] | v', '-----------+---', '     False | 1', '',
  ].join('\n'));
});
