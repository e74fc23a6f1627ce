// A CAS register workload on the simulator: five clients run INSERT … IF NOT EXISTS, UPDATE … IF v = x,
// DELETE … IF v = x and serial reads on a few keys through random coordinators, while nodes crash and restart, the
// network partitions and heals, messages are lost and disks turn slow. Every operation is recorded (invoke, then
// ok / fail / info) for the linearizability checker of test/linearizability/.
import { Consistency, type ConsistencyLevel } from '../../src/model/consistency.ts';
import { UnavailableError } from '../../src/model/errors.ts';
import type { PaxosFlaw } from '../../src/coordinator/paxos/proposer.ts';
import { HistoryRecorder, type PendingOp } from '../linearizability/recorder.ts';
import type { HistoryEntry, RegisterOp, RegisterValue } from '../linearizability/checker.ts';
import { SimCluster, rowsOf, type CqlOutcome, type SimNode, type SimNodeSpec } from './sim-cluster.ts';

const { ONE, QUORUM, SERIAL } = Consistency;

export const CAS_NODES: SimNodeSpec[] = [1, 2, 3, 4, 5].map((i) => ({ endpoint: `10.0.3.${i}:7000`, dc: 'dc1', rack: `r${((i - 1) % 3) + 1}` }));

export interface WorkloadOptions {
  seed: number;
  clients?: number;
  opsPerClient?: number;
  keys?: number;
  flaw?: PaxosFlaw;
  faults?: boolean;
  /** The most a client waits between two operations. */
  thinkMs?: number;
}

export interface WorkloadResult {
  history: readonly HistoryEntry[];
  stats: { ok: number; fail: number; info: number; applied: number; crashes: number };
}

const sleep = (sim: SimCluster, ms: number): Promise<void> => new Promise((r) => sim.sched.setTimeout(r, ms));

function pickRunning(sim: SimCluster): SimNode | undefined {
  const up = sim.running();
  return up.length === 0 ? undefined : up[sim.random.int(up.length)];
}

/** One fault drawn from the seed; at most two nodes are down at a time, so a quorum of the three replicas can exist. */
function fault(sim: SimCluster, flaw: PaxosFlaw | undefined): void {
  switch (sim.random.int(7)) {
    case 0: {
      const n = sim.nodes.filter((x) => !sim.isDown(x)).length > 3 ? pickRunning(sim) : undefined;
      if (n) void sim.crashNow(n);
      return;
    }
    case 1: {
      const down = sim.nodes.filter((n) => sim.isDown(n));
      const n = down[sim.random.int(Math.max(1, down.length))];
      if (n) void sim.boot(n).then(() => { n.core!.coordinator.paxos.flaw = flaw; });
      return;
    }
    case 2: {
      const cut = sim.nodes.filter(() => sim.random.next() < 0.4).map((n) => n.endpoint);
      sim.network.partition(cut, sim.nodes.map((n) => n.endpoint).filter((e) => !cut.includes(e)));
      return;
    }
    case 3: sim.network.heal(); return;
    case 4: sim.network.setDropProbability(sim.random.next() * 0.05); return;
    case 5: sim.nodes[sim.random.int(sim.nodes.length)]!.store.writeDelayMs = sim.random.int(2) * sim.random.int(200); return;
    default: return;
  }
}

function statement(op: RegisterOp, key: number): { cql: string; cl: ConsistencyLevel } {
  switch (op.kind) {
    case 'read': return { cql: `SELECT v FROM ks.reg WHERE k = ${key}`, cl: SERIAL };
    case 'cas':
      if (op.expected === null) return { cql: `INSERT INTO ks.reg (k, v) VALUES (${key}, ${String(op.value)}) IF NOT EXISTS`, cl: QUORUM };
      if (op.value === null) return { cql: `DELETE FROM ks.reg WHERE k = ${key} IF v = ${String(op.expected)}`, cl: QUORUM };
      return { cql: `UPDATE ks.reg SET v = ${String(op.value)} WHERE k = ${key} IF v = ${String(op.expected)}`, cl: QUORUM };
    case 'write': throw new Error('the workload writes only through Paxos');
  }
}

type Learnt = { outcome: 'fail' | 'info' } | { outcome: 'ok'; result: RegisterValue | boolean; observed?: RegisterValue };

/** What the client learnt: a read's value, or a CAS's [applied] and the current value it reports when not applied. */
function learn(op: RegisterOp, out: CqlOutcome): Learnt {
  if (!out.ok) {
    // Unavailable is refused before any replica is asked; a failed read changes nothing. Anything else (timeouts,
    // a coordinator that crashed) may or may not have taken effect.
    if (out.error instanceof UnavailableError || op.kind === 'read' || /is down$/.test(out.error.message)) return { outcome: 'fail' };
    if (/Invalid|Syntax/.test(out.error.constructor.name)) throw out.error;
    return { outcome: 'info' };
  }
  const row = rowsOf(out)[0];
  const v = (row?.['v'] as RegisterValue | undefined) ?? null;
  if (op.kind === 'read') return { outcome: 'ok', result: v };
  const applied = row?.['[applied]'] === true;
  return applied ? { outcome: 'ok', result: true } : { outcome: 'ok', result: false, observed: v };
}

function record(rec: HistoryRecorder, p: PendingOp, l: Learnt): void {
  if (l.outcome === 'ok') rec.ok(p, l.result, l.observed);
  else if (l.outcome === 'info') rec.info(p);
  else rec.fail(p);
}

/** Picks the next operation from what this client last saw of the key, so that CAS often succeeds. */
function nextOp(sim: SimCluster, seen: RegisterValue, value: number): RegisterOp {
  const r = sim.random.next();
  if (r < 0.3) return { kind: 'read' };
  if (r < 0.55) return { kind: 'cas', expected: null, value };
  if (r < 0.65 && seen !== null) return { kind: 'cas', expected: seen, value: null };
  return { kind: 'cas', expected: seen ?? sim.random.int(50), value };
}

export async function runCasWorkload(o: WorkloadOptions): Promise<WorkloadResult> {
  const clients = o.clients ?? 5;
  const opsPerClient = o.opsPerClient ?? 10;
  const keys = o.keys ?? 2;
  const sim = new SimCluster({ seed: o.seed, nodes: CAS_NODES, trace: false });
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  const first = sim.nodes[0]!;
  if (!(await sim.cql(first, "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}", ONE)).ok) throw new Error('CREATE KEYSPACE');
  if (!(await sim.cql(first, 'CREATE TABLE ks.reg (k int PRIMARY KEY, v int)', ONE)).ok) throw new Error('CREATE TABLE');
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  for (const n of sim.nodes) n.core!.coordinator.paxos.flaw = o.flaw;

  const rec = new HistoryRecorder(() => sim.sched.now());
  const stats = { ok: 0, fail: 0, info: 0, applied: 0, crashes: 0 };
  // Operations in flight at a coordinator that crashes are lost to their client (its connection dies): unknown.
  const inFlight = new Map<SimNode, Set<() => void>>();
  let clientsLeft = clients;
  const client = async (id: number): Promise<void> => {
    const seen = new Map<number, RegisterValue>();
    for (let i = 0; i < opsPerClient; i++) {
      const key = sim.random.int(keys);
      const op = nextOp(sim, seen.get(key) ?? null, id * 1000 + i + 1);
      const via = pickRunning(sim);
      const p = rec.invoke(id, String(key), op);
      if (via === undefined) {
        rec.fail(p);
        stats.fail++;
        continue;
      }
      const { cql, cl } = statement(op, key);
      const out = await new Promise<CqlOutcome | 'lost'>((resolve) => {
        const lose = (): void => resolve('lost');
        const set = inFlight.get(via) ?? new Set();
        inFlight.set(via, set.add(lose));
        void sim.submit(via, cql, cl).then((x) => {
          set.delete(lose);
          resolve(x);
        });
      });
      const l: Learnt = out !== 'lost' ? learn(op, out) : { outcome: op.kind === 'read' ? 'fail' : 'info' };
      record(rec, p, l);
      stats[l.outcome]++;
      if (l.outcome === 'ok' && op.kind === 'read') seen.set(key, l.result as RegisterValue);
      if (l.outcome === 'ok' && op.kind === 'cas') {
        if (l.result === true) stats.applied++;
        seen.set(key, l.result === true ? op.value : (l.observed ?? null));
      }
      await sleep(sim, sim.random.int(o.thinkMs ?? 60));
    }
    clientsLeft--;
  };
  const faults = async (): Promise<void> => {
    while (clientsLeft > 0 && o.faults !== false) {
      await sleep(sim, 200 + sim.random.int(600));
      const before = sim.running();
      fault(sim, o.flaw);
      for (const n of before) {
        if (n.core !== undefined) continue;
        stats.crashes++;
        for (const lose of inFlight.get(n) ?? []) lose();
        inFlight.delete(n);
      }
    }
  };
  const done = Promise.all([...Array.from({ length: clients }, (_, i) => client(i + 1)), faults()]);
  let finished = false;
  void done.then(() => { finished = true; });
  await sim.advance(600_000, () => finished);
  if (!finished) throw new Error(`workload did not finish in 600 virtual s (seed ${o.seed})`);
  return { history: rec.history(), stats };
}
