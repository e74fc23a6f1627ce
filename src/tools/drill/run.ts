// `sibyl drill` on a running cluster: write probe keys, take the scenario's nodes down with the launcher (SIGKILL by
// default, a crash; --stop for SIGTERM), wait until every survivor's failure detector shows them DN, run the
// consistency-level matrix with real reads and writes from coordinators in every surviving data centre, bring the
// nodes back, wait until every node sees every node UN, and set the observations beside the plan's prediction.
import type { Client } from 'cassandra-driver';
import type { StatusReport } from '../../server/admin-types.ts';
import { adminCall } from '../admin-client.ts';
import { CqlClient, ServerErrorResponse } from '../cqlsh/client.ts';
import { startAndWait, stopNodes } from '../cluster/commands.ts';
import { applyNetwork, nodeAlive } from '../cluster/launch.ts';
import type { ClusterManifest, ManifestNode } from '../cluster/manifest.ts';
import { keyspaceFor, levelCode, WRITE_LEVELS, type LevelName, type Outcome } from '../plan/model.ts';
import { defaultRf, describeSpec, fromCluster, keyspaceReplication, parseRf } from '../plan/source.ts';
import { compare, emptyObservation, observedOutcome, predict, probeKeys, selectTarget, type Comparison, type DrillTarget, type LevelObservation, type ProbeResult } from './model.ts';
import type { ReplicationSpec } from '../../schema/replication.ts';

export interface DrillOptions {
  dir?: string;
  scenario?: string;
  node?: string;
  rack?: string;
  dc?: string;
  keyspace?: string;
  rf?: string;
  keys: number;
  stop?: boolean;
  timeout: number;
  json?: boolean;
}

export interface DrillReport {
  scenario: { kind: DrillTarget['kind']; name: string; nodes: string[]; signal: 'SIGKILL' | 'SIGTERM' };
  keyspace: string;
  replication: string;
  keys: number;
  predicted: { reads: Outcome; writes: Outcome };
  observed: { reads: Outcome; writes: Outcome };
  agree: boolean;
  mismatches: Comparison[];
  timeToDetectMs: number;
  timeToRecoverMs: number;
  hintsPending: number;
  probes: Record<string, LevelObservation>;
}

const TABLE = 'sibyl_drill_kv';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (line: string): boolean => process.stderr.write(`${line}\n`);

async function statusOf(n: ManifestNode): Promise<StatusReport | undefined> {
  return adminCall<StatusReport>(n.address, n.adminPort, '/status', { timeoutMs: 3000 }).catch(() => undefined);
}

/** Polls until every `observers` node reports each of `targets` in `state`; returns the ms it took. */
async function waitForState(observers: readonly ManifestNode[], targets: readonly string[], want: (state: string) => boolean, timeoutMs: number, what: string): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const reports = await Promise.all(observers.map(statusOf));
    const pending = observers.filter((_, i) => !targets.every((a) => want(reports[i]?.nodes.find((x) => x.address === a)?.state ?? '?')));
    if (pending.length === 0) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not seen within ${timeoutMs / 1000} s by ${pending.map((n) => n.address).join(', ')}`);
    await sleep(200);
  }
}

async function clientFor(nodes: readonly ManifestNode[], dc: string): Promise<Client> {
  const { default: cassandra } = await import('cassandra-driver');
  const contacts = nodes.map((n) => `${n.address}:${n.nativePort}`);
  const { AllowListPolicy, DCAwareRoundRobinPolicy } = cassandra.policies.loadBalancing;
  const c = new cassandra.Client({
    contactPoints: contacts,
    localDataCenter: dc,
    policies: { loadBalancing: new AllowListPolicy(new DCAwareRoundRobinPolicy(dc), contacts) },
    socketOptions: { connectTimeout: 10_000, readTimeout: 15_000 },
  });
  await c.connect();
  return c;
}

function resultOf(e: unknown): ProbeResult {
  if (!(e instanceof ServerErrorResponse)) return 'error';
  switch (e.code) {
    case 0x1000: return 'unavailable';
    case 0x2200: return 'invalid';
    case 0x1100: case 0x1200: return 'timeout';
    default: return 'error';
  }
}

/** Runs `f` over `items`, `width` at a time. */
async function pool<T>(items: readonly T[], width: number, f: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await f(items[next++]!);
  }));
}

const intValue = (k: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(k);
  return b;
};

/**
 * The probes go over Sibyl's own native-protocol client (the one cqlsh uses), one connection per surviving node,
 * the coordinators taken in turn within each DC: it sends every level as asked (the Node.js driver turns ANY into ONE
 * on QUERY and EXECUTE, `getConsistency() || one` in its requests.js) and never retries.
 */
async function matrix(survivors: readonly ManifestNode[], ks: string, keys: readonly number[]): Promise<{ reads: Map<LevelName, LevelObservation>; writes: Map<LevelName, LevelObservation> }> {
  const reads = new Map<LevelName, LevelObservation>(WRITE_LEVELS.map((l) => [l, emptyObservation()]));
  const writes = new Map<LevelName, LevelObservation>(WRITE_LEVELS.map((l) => [l, emptyObservation()]));
  const conns = await Promise.all(survivors.map((n) => CqlClient.connect({ host: n.address, port: n.nativePort, connectTimeoutMs: 10_000 })));
  try {
    const byDc = new Map<string, CqlClient[]>();
    survivors.forEach((n, i) => byDc.set(n.dataCenter, [...(byDc.get(n.dataCenter) ?? []), conns[i]!]));
    let turn = 0;
    const jobs = [...byDc.values()].flatMap((cs) => WRITE_LEVELS.flatMap((level) => keys.flatMap((k) => [{ cs, level, k, write: false }, { cs, level, k, write: true }])));
    // Reads first: writes put back the same value, so every read expects what was written before the failure.
    jobs.sort((a, b) => Number(a.write) - Number(b.write));
    await pool(jobs, 32, async ({ cs, level, k, write }) => {
      const o = (write ? writes : reads).get(level)!;
      const c = cs[turn++ % cs.length]!;
      const consistency = levelCode(level);
      try {
        if (write) await c.query(`INSERT INTO ${ks}.${TABLE} (k, v) VALUES (?, ?)`, { consistency, values: [intValue(k), Buffer.from(`v${k}`)] }, 15_000);
        else {
          const r = (await c.query(`SELECT v FROM ${ks}.${TABLE} WHERE k = ?`, { consistency, values: [intValue(k)] }, 15_000)).result;
          if (r.kind !== 'rows' || r.rows[0]?.[0]?.toString('utf8') !== `v${k}`) o.missing++;
        }
        o.ok++;
      } catch (e) {
        o[resultOf(e)]++;
        o.example ??= (e as Error).message;
      }
    });
  } finally {
    for (const c of conns) c.close();
  }
  return { reads, writes };
}

async function prepareData(m: ClusterManifest, ksName: string, own: boolean, spec: ReplicationSpec, keys: readonly number[]): Promise<void> {
  const n = m.nodes[0]!;
  const c = await clientFor([n], n.dataCenter);
  try {
    if (own) {
      const repl = spec.kind === 'simple' ? `{'class': 'SimpleStrategy', 'replication_factor': ${spec.rf}}`
        : spec.kind === 'network' ? `{'class': 'NetworkTopologyStrategy', ${[...spec.dcs].map(([d, rf]) => `'${d}': ${rf}`).join(', ')}}` : undefined;
      if (repl === undefined) throw new Error(`cannot create a drill keyspace with ${spec.kind} replication`);
      await c.execute(`CREATE KEYSPACE IF NOT EXISTS ${ksName} WITH replication = ${repl}`);
      await c.execute(`ALTER KEYSPACE ${ksName} WITH replication = ${repl}`);
    }
    await c.execute(`CREATE TABLE IF NOT EXISTS ${ksName}.${TABLE} (k int PRIMARY KEY, v text)`);
    await pool(keys, 32, async (k) => {
      for (let attempt = 0; ; attempt++) {
        try {
          await c.execute(`INSERT INTO ${ksName}.${TABLE} (k, v) VALUES (?, ?)`, [k, `v${k}`], { prepare: true, consistency: levelCode('ALL') });
          return;
        } catch (e) {
          if (attempt >= 3) throw new Error(`writing probe key ${k} at ALL before the drill failed: ${(e as Error).message}`);
        }
      }
    });
  } finally {
    await c.shutdown().catch(() => undefined);
  }
}

async function hintsPending(nodes: readonly ManifestNode[]): Promise<number> {
  const lists = await Promise.all(nodes.map((n) => adminCall<Array<{ hints?: number }>>(n.address, n.adminPort, '/hints', { timeoutMs: 3000 }).catch(() => [])));
  return lists.flat().reduce((a, h) => a + (h.hints ?? 0), 0);
}

export async function runDrill(o: DrillOptions): Promise<DrillReport> {
  const src = await fromCluster(o.dir);
  const m = src.manifest;
  if (src.tokens !== 'running nodes' || !m.nodes.every(nodeAlive)) throw new Error('a drill needs every node of the cluster running: sibyl cluster up / start first');
  await waitForState(m.nodes, m.nodes.map((n) => n.address), (s) => s === 'UN', 10_000, 'every node UN before the drill');
  const target = selectTarget(src.ring, o, src.azOf, (a) => m.nodes.find((n) => n.address === a)?.name);
  const spec = o.keyspace !== undefined ? await keyspaceReplication(m, o.keyspace) : o.rf !== undefined ? parseRf(o.rf) : defaultRf(src.ring);
  const ksName = o.keyspace ?? 'sibyl_drill';
  const ks = keyspaceFor(spec, ksName);
  const keys = probeKeys(src.ring, ks, o.keys);
  const down = new Set(target.nodes.map((e) => e.id));
  const predicted = predict(src.ring, ks, down, keys);
  log(`drill: ${target.kind} ${target.name} (${target.nodes.map((e) => e.address).join(', ')}); ${ksName}: ${describeSpec(spec)}; ${keys.length} probe keys`);
  await prepareData(m, ksName, o.keyspace === undefined, spec, keys);
  const failed = m.nodes.filter((n) => target.nodes.some((e) => e.address === n.address));
  const survivors = m.nodes.filter((n) => !failed.includes(n));
  const signal = o.stop === true ? 'SIGTERM' : 'SIGKILL';
  log(`drill: ${signal === 'SIGKILL' ? 'killing' : 'stopping'} ${failed.length} node(s)`);
  await stopNodes(m, failed, signal);
  let detect = 0;
  let recover = 0;
  let observed: Awaited<ReturnType<typeof matrix>> | undefined;
  try {
    detect = await waitForState(survivors, failed.map((n) => n.address), (s) => s.startsWith('D'), o.timeout * 1000, 'the failed nodes DN');
    log(`drill: every survivor sees them DN after ${(detect / 1000).toFixed(1)} s; running the consistency-level matrix`);
    observed = await matrix(survivors, ksName, keys);
  } finally {
    log('drill: restarting the failed nodes');
    const t0 = Date.now();
    await startAndWait(m, failed, o.timeout);
    await applyNetwork(m);
    await waitForState(m.nodes, m.nodes.map((n) => n.address), (s) => s === 'UN', o.timeout * 1000, 'every node UN after the restart');
    recover = Date.now() - t0;
  }
  if (observed === undefined) throw new Error('the matrix did not run');
  const obs = { reads: observedOutcome(observed.reads), writes: observedOutcome(observed.writes) };
  const rows = compare(predicted, obs);
  const mismatches = rows.filter((r) => r.predicted !== r.observed);
  const probes: Record<string, LevelObservation> = {};
  for (const [l, v] of observed.reads) probes[`${l} read`] = v;
  for (const [l, v] of observed.writes) probes[`${l} write`] = v;
  return {
    scenario: { kind: target.kind, name: target.name, nodes: target.nodes.map((e) => e.address), signal },
    keyspace: ksName, replication: describeSpec(spec), keys: keys.length, predicted, observed: obs,
    agree: mismatches.length === 0, mismatches, timeToDetectMs: detect, timeToRecoverMs: recover, hintsPending: await hintsPending(m.nodes), probes,
  };
}
