// Replication-aware token allocation, the idea of Cassandra 4's `allocate_tokens_for_local_replication_factor`:
// a joining node's tokens are chosen so that *replicated* ownership (the share of data each node holds as a replica,
// "Owns (effective)") stays even within its data centre, rather than raw primary ownership. Raw balance is not
// enough: under NetworkTopologyStrategy a node's load depends on where the next nodes of other racks sit on the
// ring, so evenly spaced primaries can still leave one node holding far more replicas than another.
//
// The method is our own greedy search: each of the node's tokens in turn is placed at the split point (of a set of
// candidate ranges) that most reduces the spread of replicated ownership across the DC's nodes, scored with the same
// NetworkTopologyStrategy walk that routes requests (replication.ts), so the score is exactly what nodetool reports.

import { effectiveOwnership } from './ownership.ts';
import { replicaTable } from './replication.ts';
import { allocateTokens, rangeWidth, TokenRing, type RingEndpoint } from './ring.ts';
import { MIN_TOKEN } from '../model/murmur3.ts';

export interface JoiningNode {
  readonly id: string;
  readonly address: string;
  readonly dc: string;
  readonly rack: string;
}

/** How many of the widest ranges are tried as split points per token: enough to find a good one, bounded in cost. */
const CANDIDATE_RANGES = 24;

/**
 * `n` tokens for `node` joining `existing`, balancing replicated ownership in the node's DC for a local replication
 * factor `rf`. While the DC has no more nodes than `rf` every node there holds everything, so placement cannot
 * matter for load and raw balance (ring.ts's `allocateTokens`) is used instead.
 */
export function allocateTokensForReplication(n: number, existing: readonly RingEndpoint[], node: JoiningNode,
  rf: number): bigint[] {
  if (!Number.isInteger(rf) || rf < 1) throw new Error(`cannot allocate for replication factor ${rf}`);
  // The search runs in a frame rotated by a per-DC amount (derived from the DC's name, so it stays deterministic).
  // NetworkTopologyStrategy places a DC's replicas by the order of that DC's tokens alone, which a rotation keeps, so
  // the balance found is the same; without it every DC would get the same tokens, and the copies in other DCs, nudged
  // by one, would own ranges one token wide that no key ever falls into.
  const rotation = dcRotation(node.dc);
  const shift = (e: RingEndpoint): RingEndpoint => ({ ...e, tokens: e.tokens.map((t) => rotate(t, -rotation)) });
  const local = allocateInFrame(n, existing.map(shift), node, rf);
  const taken = new Set<bigint>(existing.flatMap((e) => e.tokens));
  return local.map((t) => {
    let out = rotate(t, rotation);
    while (out === MIN_TOKEN || taken.has(out)) out = rotate(out, 1n);
    taken.add(out);
    return out;
  }).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function allocateInFrame(n: number, existing: readonly RingEndpoint[], node: JoiningNode, rf: number): bigint[] {
  const peers = existing.filter((e) => e.dc === node.dc && e.tokens.length > 0);
  if (peers.length < rf) return allocateTokens(n, existing, undefined, node.dc);
  const replication = { class: 'NetworkTopologyStrategy', [node.dc]: String(rf) };
  const taken = new Set<bigint>(existing.flatMap((e) => e.tokens));
  const chosen: bigint[] = [];
  for (let k = 0; k < n; k++) {
    const ring = new TokenRing([...peers, { ...node, tokens: chosen }]);
    let bestToken: bigint | undefined;
    let bestScore = Infinity;
    for (const t of candidateTokens(ring, replication, taken)) {
      const trial = new TokenRing([...peers, { ...node, tokens: [...chosen, t] }]);
      const score = spread(effectiveOwnership(trial, replication), node.id, (k + 1) / n);
      if (score < bestScore) {
        bestScore = score;
        bestToken = t;
      }
    }
    if (bestToken === undefined) throw new Error('token space exhausted');
    taken.add(bestToken);
    chosen.push(bestToken);
  }
  return chosen;
}

const rotate = (t: bigint, by: bigint): bigint => BigInt.asIntN(64, t + by);

/** A DC's rotation: FNV-1a of its name spread over the token space. */
function dcRotation(name: string): bigint {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return BigInt(h) << 32n;
}

/**
 * Split points worth trying: the half and third points of the ranges that weigh most on the overloaded nodes (range
 * width times the excess ownership of its replicas), and of the widest ranges. Taking part of such a range moves
 * replicated load from the nodes over the mean to the joining node; thirds let a token take less than half.
 */
function candidateTokens(ring: TokenRing, replication: Readonly<Record<string, string>>,
  taken: ReadonlySet<bigint>): bigint[] {
  const owned = effectiveOwnership(ring, replication);
  let mean = 0;
  for (const v of owned.values()) mean += v / owned.size;
  const replicas = replicaTable(ring, replication).replicas;
  const ranges: { start: bigint; width: bigint; weight: number }[] = [];
  for (let i = 0; i < ring.size; i++) {
    const start = ring.rangeStart(i);
    const width = ring.size === 1 ? 1n << 64n : rangeWidth(start, ring.tokens[i]!);
    let excess = 0;
    for (const e of replicas[i]!) excess += Math.max(0, owned.get(e.id)! - mean);
    ranges.push({ start, width, weight: Number(width) * excess });
  }
  const byWeight = [...ranges].sort((a, b) => b.weight - a.weight).slice(0, CANDIDATE_RANGES);
  const byWidth = ranges.sort((a, b) => (a.width > b.width ? -1 : a.width < b.width ? 1 : 0))
    .slice(0, CANDIDATE_RANGES / 2);
  const out = new Set<bigint>();
  for (const r of [...byWeight, ...byWidth]) {
    if (r.width < 4n) continue;
    for (const [num, den] of [[1n, 2n], [1n, 3n], [2n, 3n]] as const) {
      const t = BigInt.asIntN(64, r.start + (r.width * num) / den);
      if (t !== MIN_TOKEN && !taken.has(t)) out.add(t);
    }
  }
  return [...out];
}

/**
 * The score to minimise: the sum of squared deviations of each node's replicated ownership from the DC mean. The
 * joining node, with only part of its tokens placed, is held to the matching part of the mean (`progress`), so the
 * early tokens do not grab a whole node's share at once.
 */
function spread(owned: ReadonlyMap<string, number>, joiningId: string, progress: number): number {
  let sum = 0;
  for (const v of owned.values()) sum += v;
  const mean = sum / owned.size;
  let score = 0;
  for (const [id, v] of owned) {
    const target = id === joiningId ? mean * progress : mean;
    score += (v - target) ** 2;
  }
  return score;
}

