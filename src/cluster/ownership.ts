// Ownership figures for nodetool (status "Owns"/"Owns (effective)", ring) and the describe_ring shape. Derived
// from the ring and the cached replica tables, so they always agree with where requests are actually routed.

import { replicaTable } from './replication.ts';
import type { RingEndpoint, TokenRing } from './ring.ts';

/**
 * Raw ownership: fraction (0..1) of the token space whose primary is each endpoint, keyed by host id. Sums to 1
 * over the ring; this is what `nodetool status` shows without a keyspace ("Owns").
 */
export function rawOwnership(ring: TokenRing): Map<string, number> {
  const out = new Map<string, number>(ring.endpoints.map((e) => [e.id, 0]));
  for (let i = 0; i < ring.size; i++) {
    const id = ring.owners[i]!.id;
    out.set(id, out.get(id)! + ring.rangeFraction(i));
  }
  return out;
}

/**
 * Effective ownership for a keyspace: fraction (0..1) of the token space for which each endpoint is a replica,
 * keyed by host id. Per DC the figures sum to min(RF, nodes in DC) — e.g. 3.0 (300%) for NTS with RF 3 — which
 * is what `nodetool status <keyspace>` prints as "Owns (effective)".
 */
export function effectiveOwnership(ring: TokenRing, replication: Readonly<Record<string, string>>): Map<string, number> {
  const out = new Map<string, number>(ring.endpoints.map((e) => [e.id, 0]));
  const table = replicaTable(ring, replication);
  if (table.spec.kind === 'local') {
    // Each node keeps a full private copy of a LocalStrategy keyspace.
    for (const e of ring.endpoints) out.set(e.id, 1);
    return out;
  }
  for (let i = 0; i < ring.size; i++) {
    const f = ring.rangeFraction(i);
    for (const e of table.replicas[i]!) out.set(e.id, out.get(e.id)! + f);
  }
  return out;
}

export interface EndpointDetails {
  readonly host: string;
  readonly datacenter: string;
  readonly rack: string;
}

/** One entry of describe_ring (nodetool describering): a token range and its replicas, primary first. */
export interface TokenRangeDescription {
  /** Exclusive start, decimal string of the signed 64-bit token. */
  readonly startToken: string;
  /** Inclusive end (a ring token), decimal string. */
  readonly endToken: string;
  /** Replica addresses. */
  readonly endpoints: readonly string[];
  /** Replica host ids, parallel to endpoints. */
  readonly hostIds: readonly string[];
  readonly endpointDetails: readonly EndpointDetails[];
}

/**
 * describe_ring for a keyspace's replication: one entry per ring token, in ring order starting with the range that
 * wraps around (last token, first token]. With a single token the one range is (t, t], the whole ring.
 */
export function describeRing(ring: TokenRing, replication: Readonly<Record<string, string>>): TokenRangeDescription[] {
  const table = replicaTable(ring, replication);
  const out: TokenRangeDescription[] = [];
  for (let i = 0; i < ring.size; i++) {
    const reps: readonly RingEndpoint[] = table.replicas[i]!;
    out.push({
      startToken: ring.rangeStart(i).toString(),
      endToken: ring.tokens[i]!.toString(),
      endpoints: reps.map((e) => e.address),
      hostIds: reps.map((e) => e.id),
      endpointDetails: reps.map((e) => ({ host: e.address, datacenter: e.dc, rack: e.rack })),
    });
  }
  return out;
}

/** One line of `nodetool ring`: every token with its owner, ascending. */
export interface RingTokenEntry {
  readonly token: string;
  readonly endpoint: RingEndpoint;
}

export function ringTokens(ring: TokenRing): RingTokenEntry[] {
  const out: RingTokenEntry[] = [];
  for (let i = 0; i < ring.size; i++) out.push({ token: ring.tokens[i]!.toString(), endpoint: ring.owners[i]! });
  return out;
}
