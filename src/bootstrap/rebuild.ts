// nodetool rebuild [-- SOURCE_DC]: streams every range this node replicates from another replica, one in SOURCE_DC
// when given — how a new data centre, joined with auto_bootstrap: false and added to the keyspaces by ALTER
// KEYSPACE, gets its data. Rows already here are merged, not replaced, so a rebuild can be run again.
import { replicasFor } from '../cluster/replication.ts';
import type { RingEndpoint, TokenRing } from '../cluster/ring.ts';
import type { Schema } from '../schema/model.ts';
import type { TokenRange } from '../streaming/ranges.ts';
import { StreamPlan, type StreamService } from '../streaming/stream.ts';

export class RebuildError extends Error {
  override readonly name = 'RebuildError';
}

export interface RebuildEnv {
  self: string;
  localDc: string;
  ring: () => TokenRing;
  isAlive: (endpoint: string) => boolean;
  schema: () => Schema;
  streaming: StreamService;
  planId: string;
  log: (msg: string) => void;
}

function source(replicas: readonly RingEndpoint[], env: RebuildEnv, sourceDc: string | undefined): RingEndpoint | undefined {
  const others = replicas.filter((r) => r.id !== env.self && env.isAlive(r.id) && (sourceDc === undefined || r.dc === sourceDc));
  // Without a source DC, another DC's replica is preferred: this node's own DC is the one being rebuilt.
  return sourceDc === undefined ? others.find((r) => r.dc !== env.localDc) ?? others[0] : others[0];
}

/** Streams every range of every non-system keyspace this node replicates; resolves with the partitions received. */
export async function rebuild(env: RebuildEnv, sourceDc?: string): Promise<number> {
  const ring = env.ring();
  if (sourceDc !== undefined && !ring.datacenters.has(sourceDc)) throw new RebuildError(`Provided datacenter '${sourceDc}' is not a valid datacenter, available datacenters are: ${[...ring.datacenters.keys()].join(',')}`);
  let partitions = 0;
  for (const ks of env.schema().keyspaces.values()) {
    if (ks.name.startsWith('system') || ks.strategy.kind === 'local' || ks.tables.size === 0) continue;
    const bySource = new Map<string, TokenRange[]>();
    for (let i = 0; i < ring.size; i++) {
      const replicas = replicasFor(ring, ks.strategy, ring.tokens[i]!);
      if (!replicas.some((r) => r.id === env.self)) continue;
      const from = source(replicas, env, sourceDc);
      if (from === undefined) continue; // no other live replica (in the source DC): nothing to rebuild from
      let list = bySource.get(from.id);
      if (list === undefined) bySource.set(from.id, (list = []));
      list.push({ left: ring.rangeStart(i), right: ring.tokens[i]! });
    }
    for (const [from, ranges] of bySource) {
      const plan = await env.streaming.run(new StreamPlan(env.planId, 'Rebuild', from, [...ks.tables.values()], ranges));
      partitions += plan.partitions;
      env.log(`Rebuild ${env.planId}: ${plan.partitions} partitions of ${ks.name} from ${from}`);
    }
  }
  return partitions;
}
