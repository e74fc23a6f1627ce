// Which replicas take part in a request and when enough of them have answered: the replica placement for a
// token, the live subset, their ranking for reads (dynamic snitch), and the per-consistency-level ack counting.
import type { KeyspaceDef } from '../schema/model.ts';
import type { TokenRing, RingEndpoint } from '../cluster/ring.ts';
import { replicasFor } from '../cluster/replication.ts';
import { Consistency } from '../model/errors.ts';
import { blockFor, quorumOf, type ReplicaView } from './consistency.ts';
import type { ConsistencyLevel } from '../model/consistency.ts';
import { isLocalConsistency } from '../model/consistency.ts';

export interface Topology {
  /** This node's endpoint id in the ring. */
  readonly self: string;
  readonly localDc: string;
  readonly localRack: string;
  ring(): TokenRing;
  isAlive(endpoint: string): boolean;
  /** The ring with the bootstrapping nodes in it, when some are joining (membership.pendingRing()). */
  pendingRing?(): TokenRing | undefined;
}

export interface ReplicaSet {
  all: readonly RingEndpoint[];
  alive: RingEndpoint[];
  dead: RingEndpoint[];
  view: ReplicaView;
  /** Pending replicas: nodes bootstrapping into this token's ranges, which writes go to as well. */
  pending: readonly RingEndpoint[];
}

const NO_PENDING: readonly RingEndpoint[] = [];

/** Replicas of `token` in the pending ring that are not replicas in the current one. */
function pendingReplicas(topo: Topology, ks: KeyspaceDef, token: bigint, all: readonly RingEndpoint[]): readonly RingEndpoint[] {
  const future = topo.pendingRing?.();
  if (future === undefined || ks.strategy.kind === 'local') return NO_PENDING;
  const out = replicasFor(future, ks.strategy, token, { localId: topo.self }).filter((r) => !all.some((a) => a.id === r.id));
  return out.length === 0 ? NO_PENDING : out;
}

/** The pending replicas of a token alone (none while nobody is joining), for writes that need no replica set. */
export function pendingReplicasOf(topo: Topology, ks: KeyspaceDef, token: bigint): readonly RingEndpoint[] {
  if (topo.pendingRing?.() === undefined) return NO_PENDING;
  return pendingReplicas(topo, ks, token, replicasFor(topo.ring(), ks.strategy, token, { localId: topo.self }));
}

/**
 * The acknowledgements a write waits for beyond the level's own: one per pending replica (the local DC's only for
 * LOCAL_* levels), as Cassandra's write blockFor counts pending replicas, so that a write acknowledged while a node
 * bootstraps is on enough replicas of the ring that will be once it has joined. EACH_QUORUM is not extended.
 */
export function pendingBlockFor(cl: ConsistencyLevel, topo: Topology, pending: readonly RingEndpoint[]): number {
  if (pending.length === 0 || cl === Consistency.EACH_QUORUM) return 0;
  if (isLocalConsistency(cl)) return pending.filter((r) => r.dc === topo.localDc).length;
  return pending.length;
}


export function replicaSet(topo: Topology, ks: KeyspaceDef, token: bigint): ReplicaSet {
  const ring = topo.ring();
  const all = replicasFor(ring, ks.strategy, token, { localId: topo.self });
  const alive: RingEndpoint[] = [];
  const dead: RingEndpoint[] = [];
  for (const r of all) (topo.isAlive(r.id) ? alive : dead).push(r);
  const strategy = ks.strategy;
  const dcAgnostic = strategy.kind !== 'network';
  const rfByDc = new Map<string, number>();
  const aliveByDc = new Map<string, number>();
  if (strategy.kind !== 'network') {
    rfByDc.set('*', strategy.kind === 'simple' ? strategy.rf : all.length);
    aliveByDc.set('*', alive.length);
  } else {
    for (const [dc, rf] of strategy.dcs) {
      rfByDc.set(dc, rf);
      aliveByDc.set(dc, 0);
    }
    for (const r of alive) aliveByDc.set(r.dc, (aliveByDc.get(r.dc) ?? 0) + 1);
  }
  let localAlive = 0;
  for (const r of alive) if (r.dc === topo.localDc) localAlive++;
  return { all, alive, dead, view: { rfByDc, aliveByDc, localDc: topo.localDc, localAlive, dcAgnostic }, pending: pendingReplicas(topo, ks, token, all) };
}

/** Counts acknowledgements until the consistency level is met. */
export class AckCounter {
  private total = 0;
  private readonly byDc = new Map<string, number>();
  readonly blockFor: number;

  constructor(
    private readonly cl: ConsistencyLevel,
    private readonly view: ReplicaView,
    /** Acknowledgements owed to pending replicas (pendingBlockFor), writes only. */
    pendingExtra = 0,
  ) {
    this.blockFor = blockFor(cl, view) + pendingExtra;
  }

  get received(): number {
    return this.total;
  }

  /** Records an ack from a replica in `dc`; returns true once the level is satisfied. */
  ack(dc: string): boolean {
    this.total++;
    this.byDc.set(dc, (this.byDc.get(dc) ?? 0) + 1);
    return this.satisfied();
  }

  satisfied(): boolean {
    // Only the coordinator's DC counts for LOCAL_* levels, under SimpleStrategy too (see ReplicaView.localAlive).
    const localAcks = this.byDc.get(this.view.localDc) ?? 0;
    switch (this.cl) {
      case Consistency.LOCAL_ONE:
      case Consistency.LOCAL_QUORUM:
        return localAcks >= this.blockFor;
      case Consistency.EACH_QUORUM:
        if (this.view.dcAgnostic) return this.total >= this.blockFor;
        for (const [dc, rf] of this.view.rfByDc) if ((this.byDc.get(dc) ?? 0) < quorumOf(rf)) return false;
        return true;
      default:
        return this.total >= this.blockFor;
    }
  }
}

/**
 * Dynamic snitch: ranks replicas for reads by proximity (self, same rack, same DC) and then by measured latency,
 * so reads stay in the local rack/AZ while it is healthy and move away from slow replicas.
 */
export class LatencyTracker {
  private readonly ewma = new Map<string, number>();

  record(endpoint: string, ms: number): void {
    const prev = this.ewma.get(endpoint);
    this.ewma.set(endpoint, prev === undefined ? ms : prev * 0.9 + ms * 0.1);
  }

  /** A penalty for replicas that timed out, so they are tried last for a while. */
  penalize(endpoint: string, ms: number): void {
    this.record(endpoint, ms);
  }

  rank(topo: Topology, replicas: RingEndpoint[], localOnly: boolean): RingEndpoint[] {
    // An insertion sort over scores computed once each: a replica set is a handful of endpoints, and this runs for
    // every read. Stable, as Array.prototype.sort is, so ties keep the ring's order.
    const out: RingEndpoint[] = [];
    const scores: number[] = [];
    for (const r of replicas) {
      if (localOnly && r.dc !== topo.localDc) continue;
      const tier = r.id === topo.self ? 0 : r.dc === topo.localDc ? (r.rack === topo.localRack ? 1 : 2) : 3;
      const score = tier * 1e6 + Math.min(this.ewma.get(r.id) ?? 1, 1e5);
      let i = out.length;
      for (; i > 0 && scores[i - 1]! > score; i--) {
        out[i] = out[i - 1]!;
        scores[i] = scores[i - 1]!;
      }
      out[i] = r;
      scores[i] = score;
    }
    return out;
  }
}

/** Whether `cl` only counts replicas of the coordinator's DC. */
export const isLocalCl = isLocalConsistency;
