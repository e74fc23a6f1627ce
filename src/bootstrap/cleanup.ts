// nodetool cleanup: after nodes have joined, a node still holds the data of ranges it no longer replicates (streaming
// copies, it does not move). Cleanup drops, table by table, the partitions of every range this node is not a
// replica of, as Cassandra's cleanup compaction does. Refused while the ring is changing (pending ranges), as in
// Cassandra: a range about to come back to this node must not be emptied.
import { replicasFor } from '../cluster/replication.ts';
import type { TokenRing } from '../cluster/ring.ts';
import type { ReplicaStore } from '../coordinator/cluster.ts';
import { MAX_TOKEN, MIN_TOKEN } from '../model/murmur3.ts';
import type { KeyspaceDef, Schema } from '../schema/model.ts';

export class CleanupError extends Error {
  override readonly name = 'CleanupError';
}

export interface TokenInterval {
  from: bigint;
  to: bigint;
}

/** The inclusive token intervals of the ranges of `ks` that `self` does not replicate. */
export function unownedIntervals(ring: TokenRing, ks: KeyspaceDef, self: string): TokenInterval[] {
  const out: TokenInterval[] = [];
  if (ring.size === 0 || ks.strategy.kind === 'local' || ks.strategy.kind === 'everywhere') return out;
  for (let i = 0; i < ring.size; i++) {
    const right = ring.tokens[i]!;
    if (replicasFor(ring, ks.strategy, right).some((r) => r.id === self)) continue;
    const left = ring.rangeStart(i);
    if (left < right) out.push({ from: left + 1n, to: right });
    else {
      // The range wrapping past the ring's end: (left, MAX] and [MIN, right].
      if (left < MAX_TOKEN) out.push({ from: left + 1n, to: MAX_TOKEN });
      out.push({ from: MIN_TOKEN, to: right });
    }
  }
  return out;
}

export interface CleanupEnv {
  self: string;
  store: ReplicaStore;
  schema: () => Schema;
  ring: () => TokenRing;
  pendingRing: () => TokenRing | undefined;
  log: (msg: string) => void;
}

/** Cleans the keyspace given (its tables given, or all), or every non-system keyspace; returns the tables cleaned. */
export async function cleanup(env: CleanupEnv, keyspace?: string, tables: string[] = []): Promise<number> {
  if (env.pendingRing() !== undefined) throw new CleanupError('Node is involved in cluster membership changes. Not safe to run cleanup.');
  if (env.store.removeTokenRanges === undefined) throw new CleanupError('this node cannot clean up');
  const schema = env.schema();
  const targets = keyspace !== undefined ? [schema.keyspaces.get(keyspace)] : [...schema.keyspaces.values()].filter((k) => !k.name.startsWith('system'));
  let cleaned = 0;
  for (const ks of targets) {
    if (ks === undefined) throw new CleanupError(`Keyspace [${keyspace}] does not exist.`);
    const intervals = unownedIntervals(env.ring(), ks, env.self);
    for (const t of ks.tables.values()) {
      if (tables.length > 0 && !tables.includes(t.name)) continue;
      if (intervals.length > 0) await env.store.removeTokenRanges(t, intervals);
      cleaned++;
    }
    env.log(`Cleanup of ${ks.name}: ${intervals.length} token ranges this node does not replicate dropped`);
  }
  return cleaned;
}
