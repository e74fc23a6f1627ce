// Decommission (nodetool decommission): the node leaves the ring and hands its data to the nodes that will own its
// ranges. It gossips LEAVING (UL), so coordinators send the writes of those ranges to their next owners as pending
// replicas; after the ring delay each next owner pulls, range by range and table by table, what it lacks from this
// node (SYNC_REQUEST → a stream, operation Unbootstrap); then the node gossips LEFT and every ring drops its tokens.
import type { Timers } from '../cluster/env.ts';
import { replicasFor } from '../cluster/replication.ts';
import type { TokenRing } from '../cluster/ring.ts';
import { send, StreamVerbs, type VerbMessenger } from '../messaging/verbs.ts';
import type { KeyspaceDef, Schema } from '../schema/model.ts';
import type { TokenRange } from '../streaming/ranges.ts';

const SYNC_TIMEOUT_MS = 60 * 60_000;

export interface DecommissionEnv {
  self: string;
  messenger: VerbMessenger;
  membership: {
    ring(): TokenRing;
    pendingRing(): TokenRing | undefined;
    isAlive(endpoint: string): boolean;
    peersChanging(): string[];
    startLeaving(): void;
    finishLeaving(): void;
  };
  schema: () => Schema;
  timers: Timers;
  ringDelayMs: number;
  planId: string;
  log: (msg: string, err?: unknown) => void;
}

/** Refused before anything changes (Cassandra's messages where it has one). */
export class DecommissionError extends Error {
  override readonly name = 'DecommissionError';
}

/** For one keyspace: each next owner and the ranges of this node it gains. */
export function transfersOf(ks: KeyspaceDef, current: TokenRing, future: TokenRing, self: string): Map<string, TokenRange[]> {
  const out = new Map<string, TokenRange[]>();
  if (ks.strategy.kind === 'local' || future.size === 0) return out;
  for (let i = 0; i < current.size; i++) {
    const right = current.tokens[i]!;
    const now = replicasFor(current, ks.strategy, right);
    if (!now.some((r) => r.id === self)) continue;
    // The ranges of the current ring are the finer ones (this node's tokens are in it), each inside one future range.
    for (const r of replicasFor(future, ks.strategy, right)) {
      if (now.some((n) => n.id === r.id)) continue;
      let list = out.get(r.id);
      if (list === undefined) out.set(r.id, (list = []));
      list.push({ left: current.rangeStart(i), right });
    }
  }
  return out;
}

export async function decommission(env: DecommissionEnv): Promise<void> {
  const ring = env.membership.ring();
  if (!ring.endpoints.some((e) => e.id !== env.self)) throw new DecommissionError('no other normal nodes in the ring; decommission would be pointless');
  const moving = env.membership.peersChanging();
  if (moving.length > 0) throw new DecommissionError(`Other bootstrapping/leaving/moving nodes detected, cannot decommission: ${moving.join(', ')}`);
  env.log('DECOMMISSIONING: announcing LEAVING');
  env.membership.startLeaving();
  await new Promise<void>((r) => env.timers.setTimeout(r, env.ringDelayMs));
  const current = env.membership.ring();
  const future = env.membership.pendingRing();
  if (future === undefined) throw new DecommissionError('the ring without this node is unknown');
  for (const ks of env.schema().keyspaces.values()) {
    if (ks.name.startsWith('system')) continue;
    for (const [target, ranges] of transfersOf(ks, current, future, env.self)) {
      if (!env.membership.isAlive(target)) throw new DecommissionError(`Unable to stream to ${target}: it is down`);
      for (const t of ks.tables.values()) {
        const req = { session: env.planId, t: { ks: t.keyspace, table: t.name, id: t.id }, peer: env.self, ranges, op: 'Unbootstrap' };
        const got = await send(env.messenger, target, StreamVerbs.SYNC_REQUEST, req, SYNC_TIMEOUT_MS);
        env.log(`DECOMMISSIONING: ${ks.name}.${t.name}: ${got.partitions} partitions (${got.bytes} bytes) streamed to ${target}`);
      }
    }
  }
  env.membership.finishLeaving();
  env.log('DECOMMISSIONED: announcing LEFT');
  await new Promise<void>((r) => env.timers.setTimeout(r, env.ringDelayMs));
}
