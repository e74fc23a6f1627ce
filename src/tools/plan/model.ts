// The outage planner: for every failure scenario (each node, each rack/AZ, each data centre/region, each pair of
// racks), which consistency levels still serve reads and writes for all keys, some keys or none, the capacity left,
// and seed 004's guidelines. Exact for a ring: every token range's replicas come from the replication strategy
// (cluster/replication.ts), and each level is judged by the coordinator's own check (coordinator/consistency.ts), from
// a live coordinator in every data centre that still has one. Pure.
import type { RingEndpoint, TokenRing } from '../../cluster/ring.ts';
import { replicaTable, replicationFactors } from '../../cluster/replication.ts';
import { assureSufficientLiveReplicas } from '../../coordinator/consistency.ts';
import { replicaSet, type Topology } from '../../coordinator/replica-set.ts';
import { Consistency, InvalidRequestError, UnavailableError } from '../../model/errors.ts';
import type { ConsistencyLevel } from '../../model/consistency.ts';
import type { KeyspaceDef } from '../../schema/model.ts';
import type { ReplicationSpec } from '../../schema/replication.ts';

export type ScenarioKind = 'node' | 'rack' | 'dc' | 'two-racks';

/** Consistency levels by outcome; a level the server refuses for the operation (EACH_QUORUM reads) is in none of them. */
export interface Outcome {
  all: string[];
  some: string[];
  none: string[];
}

export interface Scenario {
  kind: ScenarioKind;
  name: string;
  reads: Outcome;
  writes: Outcome;
  capacityLeftPct: number;
}

export interface Guideline {
  id: 'azs-le-rf' | 'full-copy-per-az' | 'equal-nodes-per-az' | 'survives-az-loss';
  dc: string;
  ok: boolean;
  detail: string;
}

export interface Plan {
  scenarios: Scenario[];
  guidelines: Guideline[];
}

export const READ_LEVELS = ['ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_ONE', 'LOCAL_QUORUM', 'EACH_QUORUM'] as const;
export const WRITE_LEVELS = ['ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_ONE', 'LOCAL_QUORUM', 'EACH_QUORUM'] as const;
export type LevelName = (typeof WRITE_LEVELS)[number];

export const levelCode = (name: LevelName): ConsistencyLevel => Consistency[name];

/** A keyspace as the coordinator sees it; only its replication matters here. */
export function keyspaceFor(spec: ReplicationSpec, name = 'plan'): KeyspaceDef {
  const replication: Record<string, string> =
    spec.kind === 'simple' ? { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: String(spec.rf) }
    : spec.kind === 'network' ? { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', ...Object.fromEntries([...spec.dcs].map(([d, rf]) => [d, String(rf)])) }
    : { class: spec.kind === 'local' ? 'org.apache.cassandra.locator.LocalStrategy' : 'org.apache.cassandra.locator.EverywhereStrategy' };
  return { name, durableWrites: true, replication, strategy: spec, tables: new Map(), types: new Map() };
}

/** One failure: the endpoints (host ids) that are down. */
export interface Failure {
  kind: ScenarioKind;
  name: string;
  down: ReadonlySet<string>;
}

export const rackName = (e: Pick<RingEndpoint, 'dc' | 'rack'>): string => `${e.dc}/${e.rack}`;

/** Every concrete failure of the four kinds, in a stable order: nodes, racks, data centres, pairs of racks. */
export function failures(ring: TokenRing): Failure[] {
  const eps = [...ring.endpoints];
  const byRack = new Map<string, RingEndpoint[]>();
  const byDc = new Map<string, RingEndpoint[]>();
  for (const e of eps) {
    byRack.set(rackName(e), [...(byRack.get(rackName(e)) ?? []), e]);
    byDc.set(e.dc, [...(byDc.get(e.dc) ?? []), e]);
  }
  const ids = (xs: readonly RingEndpoint[]): Set<string> => new Set(xs.map((x) => x.id));
  const racks = [...byRack.keys()];
  const out: Failure[] = eps.map((e) => ({ kind: 'node', name: e.address, down: new Set([e.id]) }));
  for (const r of racks) out.push({ kind: 'rack', name: r, down: ids(byRack.get(r)!) });
  for (const [dc, xs] of byDc) out.push({ kind: 'dc', name: dc, down: ids(xs) });
  for (let i = 0; i < racks.length; i++) {
    for (let j = i + 1; j < racks.length; j++) out.push({ kind: 'two-racks', name: `${racks[i]}+${racks[j]}`, down: ids([...byRack.get(racks[i]!)!, ...byRack.get(racks[j]!)!]) });
  }
  return out;
}

/** The ring's ranges grouped by replica list: the outcome only depends on which replicas a range has. */
function distinctRanges(ring: TokenRing, ks: KeyspaceDef): bigint[] {
  const table = replicaTable(ring, ks.strategy);
  const seen = new Set<string>();
  const tokens: bigint[] = [];
  for (let i = 0; i < ring.size; i++) {
    const key = table.replicas[i]!.map((r) => r.id).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    tokens.push(ring.tokens[i]!);
  }
  return tokens;
}

/** Whether a coordinator (in `coordinatorDc`, seeing `down` as down) accepts `cl` for `token`; undefined if it refuses the level outright. */
export function serves(ring: TokenRing, ks: KeyspaceDef, down: ReadonlySet<string>, coordinator: RingEndpoint, token: bigint, cl: ConsistencyLevel, isWrite: boolean): boolean | undefined {
  const topo: Topology = { self: coordinator.id, localDc: coordinator.dc, localRack: coordinator.rack, ring: () => ring, isAlive: (id) => !down.has(id) };
  try {
    assureSufficientLiveReplicas(cl, replicaSet(topo, ks, token).view, isWrite);
    return true;
  } catch (e) {
    if (e instanceof UnavailableError) return false;
    if (e instanceof InvalidRequestError) return undefined;
    throw e;
  }
}

/** One live coordinator per data centre that still has a live node (the first in ring order). */
export function coordinators(ring: TokenRing, down: ReadonlySet<string>): RingEndpoint[] {
  const byDc = new Map<string, RingEndpoint>();
  for (const e of ring.endpoints) if (!down.has(e.id) && !byDc.has(e.dc)) byDc.set(e.dc, e);
  return [...byDc.values()];
}

/**
 * A level's outcome over the given tokens: `all` when every token is served from every live data centre's
 * coordinator, `none` when no token is served from any, `some` otherwise; undefined when the level is refused.
 */
export function outcomeOf(ring: TokenRing, ks: KeyspaceDef, down: ReadonlySet<string>, tokens: readonly bigint[], cl: ConsistencyLevel, isWrite: boolean): keyof Outcome | undefined {
  const coords = coordinators(ring, down);
  if (coords.length === 0) return 'none';
  let served = 0;
  let total = 0;
  for (const c of coords) {
    for (const t of tokens) {
      const ok = serves(ring, ks, down, c, t, cl, isWrite);
      if (ok === undefined) return undefined;
      total++;
      if (ok) served++;
    }
  }
  return served === total ? 'all' : served === 0 ? 'none' : 'some';
}

function outcomes(ring: TokenRing, ks: KeyspaceDef, down: ReadonlySet<string>, tokens: readonly bigint[], isWrite: boolean): Outcome {
  const out: Outcome = { all: [], some: [], none: [] };
  for (const name of isWrite ? WRITE_LEVELS : READ_LEVELS) {
    const o = outcomeOf(ring, ks, down, tokens, levelCode(name), isWrite);
    if (o !== undefined) out[o].push(name);
  }
  return out;
}

export function evaluate(ring: TokenRing, ks: KeyspaceDef, f: Failure, tokens: readonly bigint[] = distinctRanges(ring, ks)): Scenario {
  const total = ring.endpoints.length;
  const left = ring.endpoints.filter((e) => !f.down.has(e.id)).length;
  return {
    kind: f.kind,
    name: f.name,
    reads: outcomes(ring, ks, f.down, tokens, false),
    writes: outcomes(ring, ks, f.down, tokens, true),
    capacityLeftPct: Math.round((1000 * left) / total) / 10,
  };
}

function guidelines(ring: TokenRing, ks: KeyspaceDef, scenarios: readonly Scenario[]): Guideline[] {
  const out: Guideline[] = [];
  const rf = replicationFactors(ring, ks.strategy);
  const table = replicaTable(ring, ks.strategy);
  for (const [dc, info] of ring.datacenters) {
    const dcRf = rf.get(dc) ?? rf.get('') ?? 0;
    if (dcRf === 0) continue;
    const racks = [...info.racks].sort();
    out.push({ id: 'azs-le-rf', dc, ok: racks.length <= dcRf, detail: `${racks.length} AZ/rack${racks.length === 1 ? '' : 's'} for RF ${dcRf}${racks.length <= dcRf ? '' : ': some AZs cannot hold a full copy'}` });
    const lacking = racks.filter((r) => table.replicas.some((reps) => !reps.some((e) => e.dc === dc && e.rack === r)));
    out.push({ id: 'full-copy-per-az', dc, ok: lacking.length === 0, detail: lacking.length === 0 ? 'every AZ/rack holds a full copy of the data' : `no full copy in ${lacking.join(', ')}` });
    const counts = racks.map((r) => info.endpoints.filter((e) => e.rack === r).length);
    const equal = counts.every((c) => c === counts[0]);
    out.push({ id: 'equal-nodes-per-az', dc, ok: equal, detail: racks.map((r, i) => `${r}: ${counts[i]}`).join(', ') });
    const rackLoss = scenarios.filter((s) => s.kind === 'rack' && s.name.startsWith(`${dc}/`));
    const level = ks.strategy.kind === 'network' ? 'LOCAL_QUORUM' : 'QUORUM';
    const failing = rackLoss.filter((s) => !(s.reads.all.includes(level) && s.writes.all.includes(level))).map((s) => s.name);
    out.push({ id: 'survives-az-loss', dc, ok: failing.length === 0, detail: failing.length === 0 ? `losing any one AZ/rack leaves ${level} reads and writes serving every key` : `${level} does not serve every key after losing ${failing.join(', ')}` });
  }
  return out;
}

export function plan(ring: TokenRing, spec: ReplicationSpec): Plan {
  const ks = keyspaceFor(spec);
  const tokens = distinctRanges(ring, ks);
  const scenarios = failures(ring).map((f) => evaluate(ring, ks, f, tokens));
  return { scenarios, guidelines: guidelines(ring, ks, scenarios) };
}
