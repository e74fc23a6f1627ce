// Replica placement: which endpoints hold a token, per keyspace replication settings. The placement must equal
// Cassandra's (data has to be where other nodes and token-aware drivers expect it), so the walks below follow
// Cassandra's SimpleStrategy and NetworkTopologyStrategy rules. Replica lists are computed once per
// (ring, replication) for every token range and cached, because replicasFor runs for every request.

import type { RingEndpoint, TokenRing } from './ring.ts';
import { parseReplication, type ReplicationSpec } from '../schema/replication.ts';

export { parseReplication, strategyName, type ReplicationSpec } from '../schema/replication.ts';

/** A keyspace's parsed strategy (KeyspaceDef.strategy), or a raw replication map (tools and tests), parsed once. */
export type ReplicationInput = ReplicationSpec | Readonly<Record<string, string>>;

export type Endpoint = RingEndpoint;

/** Replica lists for every range of one ring under one replication setting. */
export interface ReplicaTable {
  readonly ring: TokenRing;
  readonly spec: ReplicationSpec;
  /** replicas[i] are the replicas of range (tokens[i-1], tokens[i]]; the first is the primary (Cassandra's order). */
  readonly replicas: readonly (readonly RingEndpoint[])[];
}

/** Canonical cache key: same strategy and factors → same key, whatever the class spelling or option order. */
function specKey(spec: ReplicationSpec): string {
  switch (spec.kind) {
    case 'simple':
      return `simple:${spec.rf}`;
    case 'network':
      return `nts:${[...spec.dcs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([d, rf]) => `${d}=${rf}`).join(',')}`;
    default:
      return spec.kind;
  }
}

/**
 * Replica count per DC the spec asks for on this ring, capped at the DC's node count (what Cassandra places and
 * what consistency arithmetic such as LOCAL_QUORUM works from). SimpleStrategy, EverywhereStrategy and LocalStrategy
 * place replicas without regard to DCs, so they report a single total under the key ''.
 */
export function replicationFactors(ring: TokenRing, spec: ReplicationSpec): Map<string, number> {
  const out = new Map<string, number>();
  switch (spec.kind) {
    case 'simple':
      out.set('', Math.min(spec.rf, ring.endpoints.length));
      break;
    case 'everywhere':
      out.set('', ring.endpoints.length);
      break;
    case 'local':
      out.set('', 1);
      break;
    case 'network':
      for (const [dc, rf] of spec.dcs) out.set(dc, Math.min(rf, ring.datacenters.get(dc)?.endpoints.length ?? 0));
  }
  return out;
}

interface DcFill {
  rfLeft: number;
  /** How many replicas may share a rack already used: only when the DC has fewer racks than its RF. */
  rackRepeats: number;
  readonly racks: Set<string>;
}

/**
 * NetworkTopologyStrategy for the range ending at ring token `start`: one clockwise walk serving every DC. Per DC a
 * node in a new rack is always taken; a node in an already used rack only while the DC has fewer racks than RF
 * allows repeats (rf − rackCount of them), which makes the first-encountered such nodes fill up. Each DC stops at
 * min(rf, nodes in DC). Result order is walk order, as Cassandra's (the first replica is the primary).
 */
function networkWalk(ring: TokenRing, start: number, fills: Map<string, DcFill>, toFill: number, picked: Uint8Array): RingEndpoint[] {
  const out: RingEndpoint[] = [];
  const n = ring.size;
  for (let j = 0; j < n && toFill > 0; j++) {
    const idx = (start + j) % n;
    const e = ring.ownerIndex[idx]!;
    if (picked[e] === 1) continue;
    const ep = ring.owners[idx]!;
    const f = fills.get(ep.dc);
    if (f === undefined || f.rfLeft === 0) continue;
    if (!f.racks.has(ep.rack)) {
      f.racks.add(ep.rack);
    } else if (f.rackRepeats > 0) {
      f.rackRepeats--;
    } else {
      continue;
    }
    picked[e] = 1;
    out.push(ep);
    if (--f.rfLeft === 0) toFill--;
  }
  return out;
}

function computeTable(ring: TokenRing, spec: ReplicationSpec): ReplicaTable {
  const n = ring.size;
  const replicas: (readonly RingEndpoint[])[] = new Array<readonly RingEndpoint[]>(n);
  const picked = new Uint8Array(ring.endpoints.length);
  const indexOf = new Map<RingEndpoint, number>(ring.endpoints.map((e, i) => [e, i]));
  const clear = (list: readonly RingEndpoint[]): void => {
    for (const e of list) picked[indexOf.get(e)!] = 0;
  };
  switch (spec.kind) {
    case 'simple':
    case 'everywhere': {
      const rf = spec.kind === 'simple' ? spec.rf : ring.endpoints.length;
      for (let i = 0; i < n; i++) {
        const out: RingEndpoint[] = [];
        for (let j = 0; j < n && out.length < rf; j++) {
          const idx = (i + j) % n;
          const e = ring.ownerIndex[idx]!;
          if (picked[e] === 1) continue; // vnodes: a node's later tokens add nothing
          picked[e] = 1;
          out.push(ring.owners[idx]!);
        }
        clear(out);
        replicas[i] = out;
      }
      break;
    }
    case 'network': {
      const active: Array<[string, number, number, number]> = []; // dc, rf, nodes, racks
      for (const [dc, rf] of spec.dcs) {
        const info = ring.datacenters.get(dc);
        // A DC with RF 0, or named in the options but without nodes, takes no replicas (Cassandra skips it).
        if (rf <= 0 || info === undefined || info.endpoints.length === 0) continue;
        active.push([dc, rf, info.endpoints.length, info.racks.size]);
      }
      for (let i = 0; i < n; i++) {
        const fills = new Map<string, DcFill>();
        for (const [dc, rf, nodes, racks] of active) {
          fills.set(dc, { rfLeft: Math.min(rf, nodes), rackRepeats: rf - racks, racks: new Set() });
        }
        const out = networkWalk(ring, i, fills, active.length, picked);
        clear(out);
        replicas[i] = out;
      }
      break;
    }
    case 'local':
      // Every node holds its own copy; without knowing "self" the primary stands in (as the drivers do).
      for (let i = 0; i < n; i++) replicas[i] = [ring.owners[i]!];
      break;
  }
  return { ring, spec, replicas };
}

interface RingCache {
  /** Fast path: the same replication object (a KeyspaceDef's map) hits without building a key. */
  readonly byObject: WeakMap<object, ReplicaTable>;
  readonly byKey: Map<string, ReplicaTable>;
}

// Keyed by the ring instance: a ring never changes, so a new ring version simply misses and old ones are collected.
const cache = new WeakMap<TokenRing, RingCache>();

// Requests mostly hit the same keyspace's replication object back to back; two identity compares beat two WeakMap
// probes (measured ~40 ns per lookup) on the per-request path.
let lastRing: TokenRing | undefined;
let lastReplication: object | undefined;
let lastTable: ReplicaTable | undefined;

/**
 * The (cached) replica table of a ring under a replication map as stored in system_schema.keyspaces. Maps are
 * cached by identity, so they must not be mutated in place (the schema registry builds a new map on ALTER).
 */
export function replicaTable(ring: TokenRing, replication: ReplicationInput): ReplicaTable {
  if (ring === lastRing && replication === lastReplication) return lastTable!;
  const table = lookupTable(ring, replication);
  lastRing = ring;
  lastReplication = replication;
  lastTable = table;
  return table;
}

function lookupTable(ring: TokenRing, replication: ReplicationInput): ReplicaTable {
  let rc = cache.get(ring);
  if (rc === undefined) cache.set(ring, (rc = { byObject: new WeakMap(), byKey: new Map() }));
  const hit = rc.byObject.get(replication);
  if (hit !== undefined) return hit;
  const spec = isSpec(replication) ? replication : parseReplication(replication);
  const key = specKey(spec);
  let table = rc.byKey.get(key);
  if (table === undefined) rc.byKey.set(key, (table = computeTable(ring, spec)));
  rc.byObject.set(replication, table);
  return table;
}

export interface ReplicasOptions {
  /** Host id of this node: LocalStrategy data lives only on the local node. */
  readonly localId?: string;
}

/**
 * Replicas of `token` (primary first). The returned array is shared by the cache: do not mutate it.
 * Empty when the ring is empty or the keyspace places no replicas (e.g. NTS naming only unknown DCs).
 */
export function replicasFor(
  ring: TokenRing,
  replication: ReplicationInput,
  token: bigint,
  options?: ReplicasOptions,
): readonly RingEndpoint[] {
  if (ring.size === 0) return [];
  const table = replicaTable(ring, replication);
  if (table.spec.kind === 'local' && options?.localId !== undefined) {
    const self = ring.endpoint(options.localId);
    if (self !== undefined) return [self];
  }
  return table.replicas[ring.indexFor(token)]!;
}

function isSpec(r: ReplicationInput): r is ReplicationSpec {
  return typeof (r as { kind?: unknown }).kind === 'string' && (r as { class?: unknown }).class === undefined;
}
