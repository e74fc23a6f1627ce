// Deterministic simulation of the cluster layer end to end: six production NodeCores (membership, coordinator, schema
// agreement, hints; test/sim/sim-cluster.ts) in two DCs on one simulated network, driven in virtual time. The scenario
// partitions dc1 from dc2 and checks that LOCAL_QUORUM keeps working on both sides while cross-DC levels fail as
// Cassandra's do, that healing brings the missed writes across (hinted handoff on UP), and that the whole run, every
// message included, replays identically from its seed.
import type { ConsistencyLevel } from '../../src/model/consistency.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Random } from '../../src/cluster/env.ts';
import type { Membership } from '../../src/cluster/membership.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import type { SimNetwork, SimScheduler } from '../../src/cluster/sim-network.ts';
import type { ClusterCoordinator } from '../../src/coordinator/cluster.ts';
import type { SimFrame } from '../../src/coordinator/sim-messenger.ts';
import { parseStatement } from '../../src/cql/parser.ts';
import { Consistency, ReadFailureError, RequestFailureReason, UnavailableError, WriteFailureError, WriteTimeoutError } from '../../src/model/errors.ts';
import type { KeyspaceDef, Schema, TableDef } from '../../src/schema/model.ts';
import { applyDdl, emptySchema, isDdlStatement } from '../../src/schema/registry.ts';
import type { Cell, PartitionData } from '../../src/storage/types.ts';
import { serializeSchema } from '../../src/schema/persist.ts';
import { EPOCH_MS, SimCluster, rowsOf, type SimNode, type SimNodeStore } from '../sim/sim-cluster.ts';

const { ONE, LOCAL_QUORUM, EACH_QUORUM, QUORUM, ALL } = Consistency;
const CL_NAMES = new Map<number, string>(Object.entries(Consistency).map(([k, v]) => [v, k]));

function buildSchema(): Schema {
  let schema = emptySchema();
  for (const cql of [
    "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 3}",
    'CREATE TABLE ks.t (k int PRIMARY KEY, v text)',
  ]) {
    const stmt = parseStatement(cql).statement;
    if (!isDdlStatement(stmt)) throw new Error(`not DDL: ${cql}`);
    // Fixed clock and table id: the schema version is gossiped, so it must not vary between runs.
    schema = applyDdl(schema, stmt, undefined, {
      nowMicros: EPOCH_MS * 1000, newTableId: () => '00000000-0000-4000-8000-000000000001', dataCenters: ['dc1', 'dc2'],
    }).schema;
  }
  return schema;
}

/** A node as the scenarios use it: the parts of its NodeCore they drive and inspect. */
interface Node {
  endpoint: string;
  dc: string;
  store: SimNodeStore;
  membership: Membership;
  coordinator: ClusterCoordinator;
}

/**
 * One simulated cluster run: six production NodeCores (test/sim/sim-cluster.ts) in two DCs, started from one stored
 * schema so they agree from the first instant, and the helpers that drive coordinator work in virtual time.
 */
class Sim {
  readonly cluster: SimCluster;
  readonly sched: SimScheduler;
  readonly network: SimNetwork<SimFrame>;
  readonly random: Random;
  readonly schema = buildSchema();
  readonly ks: KeyspaceDef;
  readonly table: TableDef;
  private writeSeq = 0;

  private constructor(seed: number) {
    this.ks = this.schema.keyspaces.get('ks')!;
    this.table = this.ks.tables.get('t')!;
    const layout = ['dc1', 'dc2'].flatMap((dc, d) => [1, 2, 3].map((i) => ({ dc, rack: `r${i}`, endpoint: `127.0.${d + 1}.${i}:7000` })));
    this.cluster = new SimCluster({ seed, nodes: layout, seeds: layout.filter((n) => n.endpoint.endsWith('.1:7000')).map((n) => n.endpoint) });
    this.sched = this.cluster.sched;
    this.network = this.cluster.network;
    this.random = this.cluster.random;
    for (const a of layout) {
      for (const b of layout) if (a.endpoint < b.endpoint && a.dc !== b.dc) this.network.setLatency(a.endpoint, b.endpoint, 40);
    }
  }

  static async start(seed: number): Promise<Sim> {
    const sim = new Sim(seed);
    // Every node starts from the same stored schema (fixed ids and stamp), as if created and agreed long ago.
    const stored = { schema: serializeSchema(sim.schema), stamp: EPOCH_MS * 1000 };
    for (const n of sim.cluster.nodes) await n.store.putMeta('schema', stored);
    await sim.cluster.startAll();
    return sim;
  }

  get nodes(): Node[] {
    return this.cluster.nodes.map((n) => ({
      endpoint: n.endpoint, dc: n.dc, store: n.store, membership: n.core!.membership, coordinator: n.core!.coordinator,
    }));
  }

  dc(name: string): Node[] {
    return this.nodes.filter((n) => n.dc === name);
  }

  /** Virtual time forward, event by event (SimCluster.advance). */
  advance(ms: number, until?: () => boolean): Promise<boolean> {
    return this.cluster.advance(ms, until);
  }

  async waitFor(what: string, done: () => boolean, maxMs: number): Promise<number> {
    const start = this.sched.now();
    if (!(await this.advance(maxMs, done))) throw new Error(`${what}: not reached within ${maxMs} virtual ms`);
    const took = this.sched.now() - start;
    this.sched.log(`reached: ${what} after ${took} ms`);
    return took;
  }

  /** Drives an operation to completion in virtual time and records its outcome in the trace. */
  async settle<T>(label: string, op: () => Promise<T>, render: (v: T) => string = () => 'ok'): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    let result: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    op().then((value) => { result = { ok: true, value }; }, (error: unknown) => { result = { ok: false, error }; });
    await this.advance(30_000, () => result !== undefined);
    if (result === undefined) throw new Error(`${label} did not settle in 30 virtual s`);
    this.sched.log(`op ${label} -> ${result.ok ? render(result.value) : describeError(result.error)}`);
    return result;
  }

  update(k: number, v: string): PartitionData {
    const key = Buffer.alloc(4);
    key.writeInt32BE(k);
    // Timestamps from virtual time, made unique per write so reconciliation is never a tie.
    const ts = (EPOCH_MS + this.sched.now()) * 1000 + ++this.writeSeq;
    return {
      key, token: murmur3Token(key), rangeTombstones: [],
      rows: [{ clustering: [], marker: { ts }, cells: { v: { ts, v: Buffer.from(v) } } }],
    };
  }

  write(node: Node, k: number, v: string, cl: ConsistencyLevel) {
    return this.settle(`write k=${k} ${CL_NAMES.get(cl)} via ${node.endpoint}`, () =>
      node.coordinator.write(this.ks, [{ table: this.table, update: this.update(k, v) }], cl, 'SIMPLE'));
  }

  async read(node: Node, k: number, cl: ConsistencyLevel, table: TableDef = this.table): Promise<{ ok: true; value: string | null } | { ok: false; error: unknown }> {
    const key = Buffer.alloc(4);
    key.writeInt32BE(k);
    const nowSec = Math.floor((EPOCH_MS + this.sched.now()) / 1000);
    const r = await this.settle(`read k=${k} ${CL_NAMES.get(cl)} via ${node.endpoint}`, () =>
      node.coordinator.read(this.ks, table, key, murmur3Token(key), {}, cl, nowSec), describePartition);
    if (!r.ok) return r;
    const cell = r.value?.rows[0]?.cells['v'] as Cell | undefined;
    return { ok: true, value: cell?.v ? Buffer.from(cell.v).toString('utf8') : null };
  }

  /** Every node in `observers` sees every node in `targets` as `alive`. */
  allSee(observers: Node[], targets: Node[], alive: boolean): boolean {
    return observers.every((o) => targets.every((t) => t === o || o.membership.isAlive(t.endpoint) === alive));
  }
}

function describePartition(p: PartitionData | undefined): string {
  const cell = p?.rows[0]?.cells['v'] as Cell | undefined;
  return cell?.v ? `ok '${Buffer.from(cell.v).toString('utf8')}'` : 'ok (none)';
}

function describeError(e: unknown): string {
  if (e instanceof UnavailableError) return `UnavailableError required=${e.required} alive=${e.alive}`;
  if (e instanceof WriteTimeoutError) return `WriteTimeoutError received=${e.received} blockFor=${e.blockFor}`;
  return e instanceof Error ? `${e.constructor.name} ${e.message}` : String(e);
}

function assertUnavailable(r: { ok: boolean; error?: unknown }, required: number, alive: number): void {
  assert.equal(r.ok, false, 'expected UnavailableError, got success');
  const e = r.error;
  assert.ok(e instanceof UnavailableError, `expected UnavailableError, got ${describeError(e)}`);
  assert.equal(e.required, required);
  assert.equal(e.alive, alive);
}

async function expectValue(sim: Sim, node: Node, k: number, cl: ConsistencyLevel, expected: string | null): Promise<void> {
  const r = await sim.read(node, k, cl);
  assert.ok(r.ok, `read k=${k} via ${node.endpoint}: ${r.ok ? '' : describeError(r.error)}`);
  assert.equal(r.value, expected, `read k=${k} via ${node.endpoint}`);
}

/** The whole scenario; returns the trace. Assertions fail fast, so a broken run never gets as far as comparison. */
async function scenario(seed: number): Promise<string[]> {
  const sim = await Sim.start(seed);
  // SIM_TRACE=<regex> prints the matching trace lines of every run, for debugging a failing seed.
  const filter = process.env.SIM_TRACE;
  if (filter) process.once('exit', () => { for (const l of sim.sched.trace) if (new RegExp(filter).test(l)) console.error(`[${seed}] ${l}`); });
  const dc1 = sim.dc('dc1');
  const dc2 = sim.dc('dc2');
  const [a1, b1, c1] = dc1 as [Node, Node, Node];
  const [a2, b2, c2] = dc2 as [Node, Node, Node];

  // 1. Gossip converges: everyone knows and sees everyone, and every ring has all six nodes.
  await sim.waitFor('convergence', () => sim.allSee(sim.nodes, sim.nodes, true)
    && sim.nodes.every((n) => n.membership.ring().endpoints.length === 6), 30_000);
  await sim.advance(10_000); // warm the failure detectors' arrival windows past their first-interval guess

  // 2. Healthy cluster: writes through dc1 at LOCAL_QUORUM and EACH_QUORUM are readable from dc2.
  for (let k = 1; k <= 5; k++) assert.ok((await sim.write(a1, k, `lq-${k}`, LOCAL_QUORUM)).ok);
  for (let k = 6; k <= 10; k++) assert.ok((await sim.write(a1, k, `eq-${k}`, EACH_QUORUM)).ok);
  // LOCAL_QUORUM does not wait for dc2; let the cross-DC copies (40 ms away) land before reading there.
  await sim.advance(500);
  for (let k = 1; k <= 5; k++) await expectValue(sim, a2, k, LOCAL_QUORUM, `lq-${k}`);
  for (let k = 6; k <= 10; k++) await expectValue(sim, b2, k, LOCAL_QUORUM, `eq-${k}`);

  // 3. Partition. Before the failure detectors convict, dc2 replicas still look alive: LOCAL_QUORUM succeeds on
  // local acks, EACH_QUORUM times out waiting for dc2 (and leaves hints for it, the write is not undone).
  sim.network.partition(dc1.map((n) => n.endpoint), dc2.map((n) => n.endpoint));
  assert.ok((await sim.write(a1, 20, 'early-lq', LOCAL_QUORUM)).ok);
  const early = await sim.write(a1, 21, 'early-eq', EACH_QUORUM);
  assert.ok(!early.ok && early.error instanceof WriteTimeoutError, `early EACH_QUORUM: ${describeError(early.ok ? undefined : early.error)}`);
  assert.equal(early.error.received, 3);
  assert.equal(early.error.blockFor, 4);

  const took = await sim.waitFor('both sides see the other down',
    () => sim.allSee(dc1, dc2, false) && sim.allSee(dc2, dc1, false), 60_000);
  assert.ok(took >= 5_000 && took <= 40_000, `conviction took ${took} virtual ms`);
  assert.ok(sim.allSee(dc1, dc1, true) && sim.allSee(dc2, dc2, true), 'each side still sees itself up');

  // 4. Each side keeps serving LOCAL_QUORUM on its own.
  for (let k = 30; k <= 34; k++) assert.ok((await sim.write(b1, k, `p1-${k}`, LOCAL_QUORUM)).ok);
  for (let k = 30; k <= 34; k++) await expectValue(sim, c1, k, LOCAL_QUORUM, `p1-${k}`);
  for (let k = 40; k <= 44; k++) assert.ok((await sim.write(b2, k, `p2-${k}`, LOCAL_QUORUM)).ok);
  for (let k = 40; k <= 44; k++) await expectValue(sim, c2, k, LOCAL_QUORUM, `p2-${k}`);
  // Writes made on the other side are not visible yet.
  await expectValue(sim, a2, 30, LOCAL_QUORUM, null);
  await expectValue(sim, a1, 40, LOCAL_QUORUM, null);

  // Cross-DC levels are refused up front: EACH_QUORUM needs 2 in dc2 (0 alive); QUORUM needs 4 of RF 6 (3 alive).
  assertUnavailable(await sim.write(a1, 50, 'x', EACH_QUORUM), 2, 0);
  assertUnavailable(await sim.write(a1, 50, 'x', QUORUM), 4, 3);
  assertUnavailable(await sim.read(a1, 1, QUORUM), 4, 3);
  assertUnavailable(await sim.write(a2, 50, 'x', EACH_QUORUM), 2, 0);
  assertUnavailable(await sim.read(b2, 1, QUORUM), 4, 3);
  assertUnavailable(await sim.read(c2, 1, ALL), 6, 3);
  // The coordinators hold hints for every replica across the partition.
  assert.ok(a1.coordinator.hints.count() > 0 && b1.coordinator.hints.count() > 0 && b2.coordinator.hints.count() > 0);

  // 5. Heal: both sides see each other up again, the UP events replay the hints, and the writes each side missed
  // become readable at LOCAL_QUORUM on the other.
  sim.network.heal();
  await sim.waitFor('everyone up again', () => sim.allSee(sim.nodes, sim.nodes, true), 60_000);
  await sim.waitFor('hints drained', () => sim.nodes.every((n) => n.coordinator.hints.count() === 0), 30_000);
  for (let k = 30; k <= 34; k++) await expectValue(sim, a2, k, LOCAL_QUORUM, `p1-${k}`);
  for (let k = 40; k <= 44; k++) await expectValue(sim, a1, k, LOCAL_QUORUM, `p2-${k}`);
  await expectValue(sim, b2, 20, LOCAL_QUORUM, 'early-lq');
  await expectValue(sim, c2, 21, LOCAL_QUORUM, 'early-eq');
  // Every replica has every row now: ALL reads succeed from either side, and each store holds all 22 partitions.
  await expectValue(sim, c1, 44, ALL, 'p2-44');
  await expectValue(sim, c2, 34, ALL, 'p1-34');
  for (const n of sim.nodes) assert.equal(n.store.size(sim.table), 22, `${n.endpoint} partitions`);
  assert.ok((await sim.write(a2, 60, 'after', EACH_QUORUM)).ok);

  // 6. Read repair: a row only a1 holds (a lost mutation, no hint) reaches the other replica its read consulted.
  const lost = sim.update(70, 'only-a1');
  a1.store.applySync(sim.table, lost);
  await expectValue(sim, a1, 70, LOCAL_QUORUM, 'only-a1');
  const holders = (): number => sim.nodes.filter((n) => n.store.read(sim.table, lost.key, lost.token, {}, 0) !== undefined).length;
  await sim.waitFor('read repair applied', () => holders() === 2, 1_000);
  assert.ok(dc2.every((n) => n.store.read(sim.table, lost.key, lost.token, {}, 0) === undefined), 'LOCAL_QUORUM stays in dc1');
  return sim.sched.trace;
}

const digest = (trace: string[]): string => createHash('sha256').update(trace.join('\n')).digest('hex').slice(0, 16);

test('6 nodes in 2 DCs: a DC partition keeps LOCAL_QUORUM working and the run replays from its seed', async () => {
  const started = performance.now();
  const first = await scenario(42);
  const again = await scenario(42);
  const other = await scenario(7);
  assert.ok(first.length > 1000, `trace has ${first.length} lines`);
  assert.equal(again.length, first.length);
  assert.deepEqual(again, first, 'same seed, same trace');
  assert.notEqual(digest(other), digest(first), 'another seed gives another trace');
  const ops = first.filter((l) => l.includes(' op '));
  assert.ok(ops.length >= 50, `${ops.length} operations traced`);
  // A few real seconds for three full runs of a couple of virtual minutes each.
  const realMs = performance.now() - started;
  assert.ok(realMs < 30_000, `took ${realMs} real ms`);
  console.log(`# seed 42: ${first.length} trace lines, sha256 ${digest(first)} (twice); seed 7: ${other.length} lines, ${digest(other)}; ${Math.round(realMs)} real ms`);
});

test('speculative retry: a replica that died but is not yet convicted does not hold reads until the read timeout', async () => {
  // Reads at LOCAL_QUORUM through a1 ask a1 and the dc1 replica its dynamic snitch ranks best. That replica crashes;
  // until the failure detector notices, reads without speculation wait for the 5 s read timeout, while reads with
  // the table's default speculative_retry ('99p') ask the third replica after a short delay.
  const sim = await Sim.start(11);
  const a1 = sim.dc('dc1')[0]!;
  await sim.waitFor('convergence', () => sim.allSee(sim.nodes, sim.nodes, true), 30_000);
  await sim.advance(10_000);
  for (let k = 0; k < 40; k++) assert.ok((await sim.write(a1, k, `v${k}`, ALL)).ok);
  // Reads that teach the coordinator its replicas' latencies (the '99p' of them is the speculative delay).
  for (let k = 0; k < 40; k++) await expectValue(sim, a1, k, LOCAL_QUORUM, `v${k}`);
  const topology = { self: a1.endpoint, localDc: 'dc1', localRack: 'r1', ring: () => a1.membership.ring(), isAlive: () => true };
  const ranked = a1.coordinator.latency.rank(topology, [...a1.membership.ring().endpoints], true);
  assert.equal(ranked[0]!.id, a1.endpoint);
  const victim = ranked[1]!.id;
  sim.network.down(victim);
  const none = { ...sim.table, options: { ...sim.table.options, speculative_retry: 'NONE' } };
  const without = await sim.read(a1, 1, LOCAL_QUORUM, none);
  assert.ok(!without.ok, 'without speculation the read waits for the dead replica and times out');
  assert.ok(a1.membership.isAlive(victim), 'the failure detector has not convicted the victim yet');
  for (let k = 2; k < 6; k++) {
    const start = sim.sched.now();
    const r = await sim.read(a1, k, LOCAL_QUORUM);
    assert.ok(r.ok, `read k=${k}: ${r.ok ? '' : describeError(r.error)}`);
    assert.equal(r.value, `v${k}`);
    assert.ok(sim.sched.now() - start < 500, `read k=${k} took ${sim.sched.now() - start} virtual ms`);
  }
});

test('replicas that refuse (schema disagreement) give WriteFailure/ReadFailure with reasons, not a timeout and a hint', async () => {
  const sim = await Sim.start(7);
  await sim.waitFor('convergence', () => sim.allSee(sim.nodes, sim.nodes, true)
    && sim.nodes.every((n) => n.membership.ring().endpoints.length === 6), 30_000);
  await sim.advance(10_000);
  const [a, b, c] = sim.cluster.nodes.filter((n) => n.dc === 'dc1') as [SimNode, SimNode, SimNode];
  // Two of dc1's three replicas cannot take part in schema agreement: a new table reaches only a.
  const cut = new Set([b.endpoint, c.endpoint]);
  sim.network.setDropRule((from, to, f) => f.verb.startsWith('SCHEMA_') && (cut.has(from) || cut.has(to)));
  assert.ok((await sim.cluster.cql(a, 'CREATE TABLE ks.t3 (k int PRIMARY KEY, v text)', ONE)).ok);
  const w = await sim.cluster.cql(a, "INSERT INTO ks.t3 (k, v) VALUES (1, 'x')", LOCAL_QUORUM);
  assert.ok(!w.ok && w.error instanceof WriteFailureError, `write: ${describeError(w.ok ? undefined : w.error)}`);
  assert.equal(w.error.numFailures, 2);
  assert.equal(w.error.received, 1);
  assert.deepEqual([...w.error.reasons.values()], [RequestFailureReason.INCOMPATIBLE_SCHEMA, RequestFailureReason.INCOMPATIBLE_SCHEMA]);
  assert.match(w.error.message, /^Operation failed - received 1 responses and 2 failures: INCOMPATIBLE_SCHEMA from \/127\.0\.1\.\d:7000, INCOMPATIBLE_SCHEMA from/);
  assert.equal(a.hints.count(), 0, 'a refusal is not hinted');
  const r = await sim.cluster.cql(a, 'SELECT v FROM ks.t3 WHERE k = 1', LOCAL_QUORUM);
  assert.ok(!r.ok && r.error instanceof ReadFailureError, `read: ${describeError(r.ok ? undefined : r.error)}`);
  assert.ok(r.error.numFailures >= 1);
  // Once the schema reaches them (gossip shows the versions differ and they pull it), the same statements succeed.
  sim.network.setDropRule(undefined);
  await sim.waitFor('schema agreement', () => sim.cluster.schemaAgrees(), 30_000);
  assert.ok((await sim.cluster.cql(a, "INSERT INTO ks.t3 (k, v) VALUES (1, 'y')", LOCAL_QUORUM)).ok);
  assert.deepEqual(rowsOf(await sim.cluster.cql(a, 'SELECT v FROM ks.t3 WHERE k = 1', LOCAL_QUORUM)), [{ v: 'y' }]);
});
