// The token ring: which endpoint owns which part of the Murmur3 token space, and token allocation for joining
// nodes. Pure data: gossip/membership builds a new TokenRing whenever tokens or topology change, and every ring is
// immutable so replica caches (replication.ts) can be keyed by the ring instance.

import { MAX_TOKEN, MIN_TOKEN } from '../model/murmur3.ts';

/** One token-owning node as the ring sees it. */
export interface RingEndpoint {
  /** Host id (uuid string); the identity used for ownership maps. */
  readonly id: string;
  /** Broadcast address (what nodetool and describe_ring print). */
  readonly address: string;
  readonly dc: string;
  readonly rack: string;
  readonly tokens: readonly bigint[];
}

/** Nodes and racks of one datacenter, counted over token-owning endpoints only (as Cassandra's Topology does). */
export interface DatacenterInfo {
  readonly endpoints: readonly RingEndpoint[];
  readonly racks: ReadonlySet<string>;
}

/** Size of the token space, 2^64; range widths are computed modulo this. */
export const TOKEN_SPACE = 1n << 64n;

let versionCounter = 0;

export class TokenRing {
  /** Increases with every ring built in this process; a cheap "has the ring changed" check for callers. */
  readonly version: number;
  /** Endpoints that own at least one token, in input order. */
  readonly endpoints: readonly RingEndpoint[];
  /** All tokens, ascending. A typed array keeps the per-request binary search free of pointer chasing. */
  readonly tokens: BigInt64Array;
  /** owners[i] owns the range (tokens[i-1], tokens[i]] (wrapping for i = 0). */
  readonly owners: readonly RingEndpoint[];
  /** Index of each endpoint in `endpoints`, parallel to `tokens`; lets replica walks dedupe with a flag array. */
  readonly ownerIndex: Int32Array;
  readonly datacenters: ReadonlyMap<string, DatacenterInfo>;
  private readonly byId: Map<string, RingEndpoint>;

  constructor(endpoints: readonly RingEndpoint[]) {
    this.version = ++versionCounter;
    const owning = endpoints.filter((e) => e.tokens.length > 0);
    const byId = new Map<string, RingEndpoint>();
    const tokenOwner = new Map<bigint, RingEndpoint>();
    for (const e of owning) {
      if (byId.has(e.id)) throw new Error(`duplicate endpoint id ${e.id} in token ring`);
      byId.set(e.id, e);
      for (const t of e.tokens) {
        if (t < MIN_TOKEN || t > MAX_TOKEN) throw new Error(`token ${t} of ${e.address} is outside the Murmur3 range`);
        const prev = tokenOwner.get(t);
        // Duplicate tokens make ownership ambiguous (drivers silently let the last host win), so refuse the ring.
        if (prev !== undefined) {
          throw new Error(`duplicate token ${t}: owned by both ${prev.address} (${prev.id}) and ${e.address} (${e.id})`);
        }
        tokenOwner.set(t, e);
      }
    }
    const sorted = BigInt64Array.from(tokenOwner.keys()).sort();
    const index = new Map<RingEndpoint, number>(owning.map((e, i) => [e, i]));
    const owners: RingEndpoint[] = new Array<RingEndpoint>(sorted.length);
    const ownerIndex = new Int32Array(sorted.length);
    for (let i = 0; i < sorted.length; i++) {
      const o = tokenOwner.get(sorted[i]!)!;
      owners[i] = o;
      ownerIndex[i] = index.get(o)!;
    }
    const dcs = new Map<string, { endpoints: RingEndpoint[]; racks: Set<string> }>();
    for (const e of owning) {
      let d = dcs.get(e.dc);
      if (d === undefined) dcs.set(e.dc, (d = { endpoints: [], racks: new Set() }));
      d.endpoints.push(e);
      d.racks.add(e.rack);
    }
    this.endpoints = owning;
    this.tokens = sorted;
    this.owners = owners;
    this.ownerIndex = ownerIndex;
    this.datacenters = dcs;
    this.byId = byId;
  }

  /** Number of tokens (= number of ranges). */
  get size(): number {
    return this.tokens.length;
  }

  endpoint(id: string): RingEndpoint | undefined {
    return this.byId.get(id);
  }

  /**
   * Index of the range containing `token`: the first ring token ≥ token, wrapping to 0 past the last token.
   * Ranges are (previous, own], so a token equal to a ring token belongs to that token's owner.
   */
  indexFor(token: bigint): number {
    // Measured against a double-precision first pass and a top-bits bucket index: converting the probe to a number
    // costs as much as this whole search (~12 bigint compares for 4096 tokens), so the plain search stays.
    const ts = this.tokens;
    let lo = 0;
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid]! < token) lo = mid + 1;
      else hi = mid;
    }
    return lo === ts.length ? 0 : lo;
  }

  /** The endpoint owning the range that contains `token`. Throws on an empty ring. */
  primaryFor(token: bigint): RingEndpoint {
    if (this.tokens.length === 0) throw new Error('token ring is empty');
    return this.owners[this.indexFor(token)]!;
  }

  /** Start (exclusive) of range i: the previous ring token, wrapping. With one token it is the token itself. */
  rangeStart(i: number): bigint {
    const n = this.tokens.length;
    return this.tokens[(i + n - 1) % n]!;
  }

  /** Width of range i as a fraction of the whole token space (a single token owns all of it). */
  rangeFraction(i: number): number {
    const n = this.tokens.length;
    if (n === 1) return 1;
    return Number(rangeWidth(this.rangeStart(i), this.tokens[i]!)) / 2 ** 64;
  }
}

/** Width of (start, end] modulo 2^64; a full circle when start === end. */
export function rangeWidth(start: bigint, end: bigint): bigint {
  const w = (end - start) & (TOKEN_SPACE - 1n);
  return w === 0n ? TOKEN_SPACE : w;
}

/** A signed 64-bit token from two rng draws (one draw has only 53 bits of randomness). */
export function randomToken(rng: () => number): bigint {
  const hi = BigInt(Math.floor(rng() * 2 ** 32) >>> 0);
  const lo = BigInt(Math.floor(rng() * 2 ** 32) >>> 0);
  return BigInt.asIntN(64, (hi << 32n) | lo);
}

/** n random tokens, unique among themselves and against `existing` (Cassandra's behaviour without an allocator). */
export function randomTokens(n: number, existing: readonly RingEndpoint[], rng: () => number): bigint[] {
  const taken = new Set<bigint>(existing.flatMap((e) => e.tokens));
  const out: bigint[] = [];
  while (out.length < n) {
    const t = randomToken(rng);
    // MIN_TOKEN owns no keys (Murmur3 never produces it), so a node there would hold an empty range.
    if (t === MIN_TOKEN || taken.has(t)) continue;
    taken.add(t);
    out.push(t);
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

interface OwnedRange {
  start: bigint; // exclusive; moves up as the joining node takes the lower part
  readonly end: bigint;
  width: bigint;
}

/**
 * Tokens for a node joining with `n` vnodes, chosen to balance raw ownership.
 *
 * Why not random: with 16 or fewer vnodes and a handful of nodes, random tokens routinely leave one node owning
 * 1.5x another. Instead the new node should end up with 1/(N+1) of the space, taken fairly from the N existing
 * nodes. Greedy: each of the n tokens takes (at most) 1/((N+1)·n) of the space from the widest range of the node
 * that currently owns the most; the token is placed inside that range so the joining node gets its lower part
 * (a range (a, b] split at m gives the new node (a, m] and leaves (m, b] with the old owner).
 *
 * With `datacenter`, only that DC's endpoints and tokens are considered: NetworkTopologyStrategy places replicas
 * per DC, so balance within the DC is what matters. Tokens stay unique across the whole ring.
 *
 * The first node of a ring (or DC) gets n evenly spaced tokens; `rng` (if given) picks the rotation so that
 * independent DCs do not line up, otherwise the tokens sit at the midpoints of n equal slices.
 */
export function allocateTokens(
  n: number,
  existing: readonly RingEndpoint[],
  rng?: () => number,
  datacenter?: string,
): bigint[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`cannot allocate ${n} tokens`);
  const taken = new Set<bigint>(existing.flatMap((e) => e.tokens));
  const peers = existing.filter((e) => e.tokens.length > 0 && (datacenter === undefined || e.dc === datacenter));
  const out: bigint[] = [];
  const claim = (t: bigint): void => {
    // Nudge upwards past tokens of other DCs (or earlier picks); the step is negligible for balance.
    while (taken.has(t) || t === MIN_TOKEN) t = t === MAX_TOKEN ? MIN_TOKEN + 1n : t + 1n;
    taken.add(t);
    out.push(t);
  };

  if (peers.length === 0) {
    const step = TOKEN_SPACE / BigInt(n);
    const offset = rng === undefined ? step / 2n : BigInt(Math.floor(rng() * Number(step)));
    for (let i = 0; i < n; i++) claim(BigInt.asIntN(64, MIN_TOKEN + offset + step * BigInt(i)));
    return out.sort(compareBigint);
  }

  const ring = new TokenRing(peers);
  const rangesOf = new Map<RingEndpoint, OwnedRange[]>();
  const owned = new Map<RingEndpoint, bigint>();
  for (let i = 0; i < ring.size; i++) {
    const o = ring.owners[i]!;
    const start = ring.rangeStart(i);
    const width = ring.size === 1 ? TOKEN_SPACE : rangeWidth(start, ring.tokens[i]!);
    let list = rangesOf.get(o);
    if (list === undefined) rangesOf.set(o, (list = []));
    list.push({ start, end: ring.tokens[i]!, width });
    owned.set(o, (owned.get(o) ?? 0n) + width);
  }
  const share = TOKEN_SPACE / BigInt(ring.endpoints.length + 1) / BigInt(n);

  for (let k = 0; k < n; k++) {
    // The richest owner that still has a range wide enough to split (width ≥ 2 leaves room for a new token).
    let best: RingEndpoint | undefined;
    for (const [o, amount] of owned) {
      if (best !== undefined && amount <= owned.get(best)!) continue;
      if (rangesOf.get(o)!.some((r) => r.width >= 2n)) best = o;
    }
    if (best === undefined) throw new Error('token space exhausted');
    const ranges = rangesOf.get(best)!;
    let r = ranges[0]!;
    for (const c of ranges) if (c.width > r.width) r = c;
    // Take the fair share, but always leave the old owner at least one token of its range.
    const take = share < r.width - 1n ? (share > 0n ? share : 1n) : r.width - 1n;
    const t = BigInt.asIntN(64, r.start + take);
    r.start = t;
    r.width -= take;
    owned.set(best, owned.get(best)! - take);
    claim(t);
  }
  return out.sort(compareBigint);
}

export function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
