// How many replicas a consistency level needs, given a keyspace's replication and where its replicas live.
// Pure arithmetic, shared by the single-node coordinator today and the cluster coordinator tomorrow.
import { Consistency, InvalidRequestError, UnavailableError } from '../model/errors.ts';
import type { ConsistencyLevel } from '../model/consistency.ts';

export interface ReplicaView {
  /** Replication factor per datacenter (SimpleStrategy: one entry for the whole ring under '*'). */
  rfByDc: Map<string, number>;
  /** Replicas (for the token at hand) that are alive, per datacenter. */
  aliveByDc: Map<string, number>;
  /** The datacenter of the coordinator, for LOCAL_* levels. */
  localDc: string;
  /**
   * Live replicas in the coordinator's datacenter, whatever the strategy: LOCAL_ONE and LOCAL_QUORUM count only these
   * even under SimpleStrategy (Cassandra's ReplicaPlans counts live replicas "in our DC" for them), so a SimpleStrategy
   * keyspace on a two-DC cluster is Unavailable at LOCAL_* for a token whose replicas are all remote.
   */
  localAlive: number;
  /** True for SimpleStrategy-style replication that ignores datacenters. */
  dcAgnostic: boolean;
}

/** A majority of `rf` replicas. */
export const quorumOf = (rf: number): number => Math.floor(rf / 2) + 1;

/** A plain loop: this runs on every request, where spreading into an array and a closure both cost. */
function sum(m: Map<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

function need(cl: ConsistencyLevel, required: number, alive: number): void {
  if (alive < required) throw new UnavailableError(cl, required, alive);
}

/**
 * Throws UnavailableError (before anything is sent) when too few replicas are alive for `cl`.
 * `isWrite` matters for ANY, which accepts a write with no live replica (it becomes a hint).
 */
export function assureSufficientLiveReplicas(cl: ConsistencyLevel, view: ReplicaView, isWrite: boolean): void {
  const totalRf = sum(view.rfByDc);
  const totalAlive = sum(view.aliveByDc);
  const localRf = view.dcAgnostic ? totalRf : (view.rfByDc.get(view.localDc) ?? 0);
  const localAlive = view.localAlive;
  switch (cl) {
    case Consistency.ANY:
      if (!isWrite) throw new InvalidRequestError('ANY ConsistencyLevel is only supported for writes');
      return;
    case Consistency.ONE:
      return need(cl, 1, totalAlive);
    case Consistency.TWO:
      return need(cl, 2, totalAlive);
    case Consistency.THREE:
      return need(cl, 3, totalAlive);
    case Consistency.QUORUM:
      return need(cl, quorumOf(totalRf), totalAlive);
    case Consistency.ALL:
      return need(cl, totalRf, totalAlive);
    case Consistency.LOCAL_ONE:
      return need(cl, 1, localAlive);
    case Consistency.LOCAL_QUORUM:
      return need(cl, quorumOf(localRf), localAlive);
    case Consistency.EACH_QUORUM: {
      if (!isWrite) throw new InvalidRequestError('EACH_QUORUM ConsistencyLevel is only supported for writes');
      if (view.dcAgnostic) return need(cl, quorumOf(totalRf), totalAlive);
      for (const [dc, rf] of view.rfByDc) need(cl, quorumOf(rf), view.aliveByDc.get(dc) ?? 0);
      return;
    }
    case Consistency.SERIAL:
    case Consistency.LOCAL_SERIAL:
      throw new InvalidRequestError(
        isWrite
          ? 'You must use conditional updates for serializable writes'
          : 'SERIAL/LOCAL_SERIAL consistency may only be requested for one partition at a time',
      );
    default:
      throw new InvalidRequestError(`Unknown consistency level ${cl}`);
  }
}

/** The number of replica answers a request waits for (blockFor in timeout errors). */
export function blockFor(cl: ConsistencyLevel, view: ReplicaView): number {
  const totalRf = sum(view.rfByDc);
  const localRf = view.dcAgnostic ? totalRf : (view.rfByDc.get(view.localDc) ?? 0);
  switch (cl) {
    case Consistency.ANY:
    case Consistency.ONE:
    case Consistency.LOCAL_ONE:
      return 1;
    case Consistency.TWO:
      return 2;
    case Consistency.THREE:
      return 3;
    case Consistency.QUORUM:
      return quorumOf(totalRf);
    case Consistency.ALL:
      return totalRf;
    case Consistency.LOCAL_QUORUM:
      return quorumOf(localRf);
    case Consistency.EACH_QUORUM:
      return [...view.rfByDc.values()].reduce((a, rf) => a + quorumOf(rf), 0);
    default:
      return 1;
  }
}
