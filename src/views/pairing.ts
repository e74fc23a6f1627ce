// Which view replica a base replica sends a view update to: Cassandra's ViewUtils.getViewNaturalEndpoint. In the
// local data center, the base replicas of the base token and the view replicas of the view token are each taken in
// ring order; a node that is both stays local; among the others, the i-th base replica pairs with the i-th view
// replica. So each view replica hears from one base replica per write, and every base replica's update reaches a
// different view replica.
import { replicasFor } from '../cluster/replication.ts';
import type { Topology } from '../coordinator/replica-set.ts';
import type { KeyspaceDef } from '../schema/model.ts';

/**
 * The paired view replica of this node, `self` when the update stays local, or every view replica of the local DC
 * when this node is not a base replica of the token (a write reaching it during a topology change): delivering an
 * update to a view replica that has it already is harmless.
 */
export function viewReplicasFor(topo: Topology, ks: KeyspaceDef, baseToken: bigint, viewToken: bigint): string[] {
  const ring = topo.ring();
  const inDc = (token: bigint): string[] =>
    replicasFor(ring, ks.strategy, token, { localId: topo.self }).filter((r) => r.dc === topo.localDc).map((r) => r.id);
  const base = inDc(baseToken);
  const view = inDc(viewToken);
  if (view.includes(topo.self)) return [topo.self];
  const shared = new Set(base.filter((b) => view.includes(b)));
  const baseOnly = base.filter((b) => !shared.has(b));
  const viewOnly = view.filter((v) => !shared.has(v));
  const i = baseOnly.indexOf(topo.self);
  if (i < 0) return view;
  const paired = viewOnly[i];
  return paired === undefined ? [] : [paired];
}
