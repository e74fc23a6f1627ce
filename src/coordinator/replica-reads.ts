// The replica side of reads, counted by where the coordinator that asked sits relative to this replica: in its rack,
// in another rack of its data centre, or in another data centre. Seed 004's Figure 1 ("local read requests per
// node") is the first of these per node: with the dynamic snitch preferring the coordinator's own rack, reads at
// ONE/LOCAL_ONE stay inside one availability zone and the other two stay near zero. Exposed on /metrics as
// `sibyl_replica_reads_total{origin="local_rack"|"remote_rack"|"remote_dc"}` and on the admin API (`/replicareads`).
import type { Topology } from './replica-set.ts';

export type ReadOrigin = 'local_rack' | 'remote_rack' | 'remote_dc';
export const READ_ORIGINS: readonly ReadOrigin[] = ['local_rack', 'remote_rack', 'remote_dc'];

/** Counts since the node started. `self` (the coordinator was this node) is part of `local_rack`, not beside it. */
export interface ReplicaReadCountsSnapshot {
  local_rack: number;
  remote_rack: number;
  remote_dc: number;
  self: number;
}

export class ReplicaReadCounts {
  private readonly counts: ReplicaReadCountsSnapshot = { local_rack: 0, remote_rack: 0, remote_dc: 0, self: 0 };

  /** A read (data or digest) this replica served for itself as coordinator. */
  servedSelf(): void {
    this.counts.self++;
    this.counts.local_rack++;
  }

  /**
   * A read served for the coordinator `from` (an endpoint id). A coordinator the ring does not list (a node still
   * joining) has no known rack and is counted as remote_dc, so an unknown origin never inflates the local share.
   */
  servedFor(topo: Topology, from: string): void {
    if (from === topo.self) {
      this.servedSelf();
      return;
    }
    this.counts[originOf(topo, from)]++;
  }

  snapshot(): ReplicaReadCountsSnapshot {
    return { ...this.counts };
  }
}

export function originOf(topo: Topology, from: string): ReadOrigin {
  const e = topo.ring().endpoint(from);
  if (e === undefined || e.dc !== topo.localDc) return 'remote_dc';
  return e.rack === topo.localRack ? 'local_rack' : 'remote_rack';
}
