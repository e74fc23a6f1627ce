// Splits a token-range scan into the ring's ranges, in token order, so each piece can be read from the replicas
// that own it. Ring range i is (token[i-1], token[i]]; the range before the first token and after the last one
// wrap around to the first token's owner.
import type { TokenRing } from '../cluster/ring.ts';
import type { PartitionPosition, ScanRange } from '../storage/types.ts';

const MAX_TOKEN = (1n << 63n) - 1n;

export interface ScanSegment {
  /** A token inside the segment, for replica lookup. */
  token: bigint;
  range: ScanRange;
}

export function scanSegments(ring: TokenRing, req: ScanRange): ScanSegment[] {
  const t = ring.tokens;
  const n = t.length;
  const out: ScanSegment[] = [];
  for (let i = 0; i <= n; i++) {
    const lo: bigint | undefined = i === 0 ? undefined : t[i - 1]; // exclusive
    const hi: bigint | undefined = i === n ? undefined : t[i]; // inclusive
    if (n === 0 && i > 0) break;
    if (req.endToken !== undefined && lo !== undefined && lo >= req.endToken) break;
    const s = req.start;
    if (s && hi !== undefined && (hi < s.token || (hi === s.token && !s.inclusive && s.key === undefined))) continue;
    let start: PartitionPosition | undefined;
    if (s && (lo === undefined || s.token > lo)) start = s;
    else if (lo !== undefined) start = { token: lo, inclusive: false };
    let endToken: bigint | undefined = hi;
    if (req.endToken !== undefined && (endToken === undefined || req.endToken < endToken)) endToken = req.endToken;
    const range: ScanRange = {};
    if (start) range.start = start;
    if (endToken !== undefined) range.endToken = endToken;
    out.push({ token: hi ?? MAX_TOKEN, range });
  }
  return out;
}
