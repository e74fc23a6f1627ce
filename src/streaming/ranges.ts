// Token ranges as streaming and repair exchange them: (left, right], wrapping past the maximum token when
// left >= right (left == right is the whole ring), as Cassandra's Range<Token> and storage/merkle.ts's bounds are.
// Streams and scans work on non-wrapping pieces, so a wrapping range is cut at the ring's end first.
import { MAX_TOKEN, MIN_TOKEN } from '../model/murmur3.ts';
import type { ScanRange } from '../storage/types.ts';

export interface TokenRange {
  readonly left: bigint;
  readonly right: bigint;
}

/** The pieces of (left, right] that do not wrap, in ring order. */
export function unwrap(r: TokenRange): TokenRange[] {
  if (r.left < r.right) return [r];
  if (r.right === MIN_TOKEN) return [{ left: r.left, right: MAX_TOKEN }];
  if (r.left === MAX_TOKEN) return [{ left: MIN_TOKEN, right: r.right }];
  return [{ left: r.left, right: MAX_TOKEN }, { left: MIN_TOKEN, right: r.right }];
}

/**
 * The scan of a non-wrapping piece. The minimum token is no partition's token under Murmur3 except the empty key's,
 * which storage puts at the ring's very start: a piece starting there includes it, so that the whole ring is covered.
 */
export function scanRangeOf(piece: TokenRange): ScanRange {
  return { start: { token: piece.left, inclusive: piece.left === MIN_TOKEN }, endToken: piece.right };
}

export function contains(r: TokenRange, token: bigint): boolean {
  if (r.left < r.right) return token > r.left && token <= r.right;
  return token > r.left || token <= r.right;
}

/** Cassandra's way of printing a range: `(left,right]`. */
export function formatRange(r: TokenRange): string {
  return `(${r.left},${r.right}]`;
}

/** The intersection of two ranges, as non-wrapping pieces (empty when they do not meet). */
export function intersect(a: TokenRange, b: TokenRange): TokenRange[] {
  const out: TokenRange[] = [];
  for (const x of unwrap(a)) {
    for (const y of unwrap(b)) {
      const left = x.left > y.left ? x.left : y.left;
      const right = x.right < y.right ? x.right : y.right;
      if (left < right) out.push({ left, right });
    }
  }
  return out;
}
