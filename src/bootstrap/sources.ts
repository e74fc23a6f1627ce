// Which ranges a bootstrapping node must stream, and from whom: every range of the ring-to-be (with its tokens) it
// will replicate, fetched from a current replica of that range, the one it displaces first (Cassandra's strict
// consistency choice: the replica that stops holding the range has every write the range ever took), then a live
// one in its own DC, then any live one.
import { replicasFor } from '../cluster/replication.ts';
import type { RingEndpoint, TokenRing } from '../cluster/ring.ts';
import type { KeyspaceDef } from '../schema/model.ts';
import type { TokenRange } from '../streaming/ranges.ts';

export interface RangeFetch {
  keyspace: string;
  source: string;
  ranges: TokenRange[];
}

/** A range has no live current replica to stream from: bootstrap cannot go on without losing its data. */
export class NoStreamSourceError extends Error {
  override readonly name = 'NoStreamSourceError';
}

function pickSource(current: readonly RingEndpoint[], future: readonly RingEndpoint[], self: string, dc: string,
  isAlive: (ep: string) => boolean): RingEndpoint | undefined {
  const candidates = current.filter((r) => r.id !== self && isAlive(r.id));
  const displaced = candidates.filter((r) => !future.some((f) => f.id === r.id));
  return displaced[0] ?? candidates.find((r) => r.dc === dc) ?? candidates[0];
}

/** The fetches of `ks`: ranges grouped by the replica they come from. */
export function rangesToFetch(ks: KeyspaceDef, current: TokenRing, future: TokenRing, self: string, dc: string,
  isAlive: (ep: string) => boolean): RangeFetch[] {
  const bySource = new Map<string, TokenRange[]>();
  if (current.size === 0 || ks.strategy.kind === 'local') return [];
  for (let i = 0; i < future.size; i++) {
    const right = future.tokens[i]!;
    const next = replicasFor(future, ks.strategy, right);
    if (!next.some((r) => r.id === self)) continue;
    // Each range of the future ring lies inside one range of the current ring, so `right` names its current replicas.
    const source = pickSource(replicasFor(current, ks.strategy, right), next, self, dc, isAlive);
    const range = { left: future.rangeStart(i), right };
    if (source === undefined) throw new NoStreamSourceError(`unable to find sufficient sources for streaming range (${range.left},${range.right}] in keyspace ${ks.name}`);
    let list = bySource.get(source.id);
    if (list === undefined) bySource.set(source.id, (list = []));
    list.push(range);
  }
  return [...bySource].map(([source, ranges]) => ({ keyspace: ks.name, source, ranges }));
}
