// A Merkle tree over one token range, the summary two replicas exchange in anti-entropy repair: each replica hashes
// its partitions of the range into the leaves (equal slices of the token range), and comparing the trees top-down
// names the slices whose contents differ, so only those are streamed.
//
// A leaf's hash is the XOR of its partitions' digests, so partitions may be added in any order and a leaf with the
// same partitions hashes the same on every replica. An inner hash is SHA-256 of its children's hashes, so one changed
// partition changes every hash on its path to the root, and equal roots mean equal contents (barring collisions).

import { createHash } from 'node:crypto';
import { MIN_TOKEN } from '../model/murmur3.ts';

export const DIGEST_BYTES = 32;
/** 2^16 leaves at most: 2 MiB of leaf hashes, about what one repair message should carry. */
export const MAX_MERKLE_DEPTH = 16;
const TOKEN_SPACE = 1n << 64n;

/** A token range (left, right], wrapping past the maximum token when left >= right (left == right: the whole ring). */
export interface TokenRangeBounds {
  readonly left: bigint;
  readonly right: bigint;
}

export interface SerializedMerkleTree {
  readonly left: string;
  readonly right: string;
  readonly depth: number;
  /** Leaf hashes, DIGEST_BYTES each, leaf order. */
  readonly leaves: Uint8Array;
  /** Partitions hashed into each leaf. */
  readonly counts: readonly number[];
}

export class MerkleTree {
  readonly range: TokenRangeBounds;
  readonly depth: number;
  private readonly leafHashes: Uint8Array;
  private readonly leafCounts: Uint32Array;
  private readonly width: bigint;
  /** Inner hashes by heap index (1 = root), computed on first comparison; cleared by every add. */
  private inner: Map<number, Buffer> | undefined;

  constructor(range: TokenRangeBounds, depth: number) {
    if (!Number.isInteger(depth) || depth < 0 || depth > MAX_MERKLE_DEPTH) {
      throw new Error(`Merkle tree depth ${depth} outside 0..${MAX_MERKLE_DEPTH}`);
    }
    this.range = range;
    this.depth = depth;
    this.width = widthOf(range);
    this.leafHashes = new Uint8Array(DIGEST_BYTES << depth);
    this.leafCounts = new Uint32Array(1 << depth);
  }

  /** A depth giving about one partition per leaf for `partitions` (Cassandra sizes its trees the same way). */
  static depthFor(partitions: number): number {
    if (partitions <= 1) return 0;
    return Math.min(MAX_MERKLE_DEPTH, Math.ceil(Math.log2(partitions)));
  }

  get leafCount(): number {
    return 1 << this.depth;
  }

  /** Adds one partition's digest (DIGEST_BYTES) at its token, which must lie inside the range. */
  add(token: bigint, digest: Uint8Array): void {
    if (digest.length !== DIGEST_BYTES) throw new Error(`digest of ${digest.length} bytes, expected ${DIGEST_BYTES}`);
    const leaf = this.leafOf(token);
    const at = leaf * DIGEST_BYTES;
    for (let i = 0; i < DIGEST_BYTES; i++) this.leafHashes[at + i] ^= digest[i]!;
    this.leafCounts[leaf]++;
    this.inner = undefined;
  }

  /** Index of the leaf holding `token`. */
  leafOf(token: bigint): number {
    const offset = (token - this.range.left) & (TOKEN_SPACE - 1n);
    if (offset === 0n || offset > this.width) throw new Error(`token ${token} outside (${this.range.left}, ${this.range.right}]`);
    return Number(((offset - 1n) << BigInt(this.depth)) / this.width);
  }

  /** The token range (left, right] leaf `i` covers. */
  leafRange(i: number): TokenRangeBounds {
    // Leaf k holds offsets o (token - left, 1..width) with floor((o - 1)·2^depth / width) = k, i.e. the offsets
    // after ceil(k·width / 2^depth) up to ceil((k + 1)·width / 2^depth).
    const leaves = BigInt(this.leafCount);
    const bound = (k: number): bigint => BigInt.asIntN(64, this.range.left + (this.width * BigInt(k) + leaves - 1n) / leaves);
    return { left: bound(i), right: i === this.leafCount - 1 ? this.range.right : bound(i + 1) };
  }

  /** Partitions hashed so far. */
  get partitions(): number {
    let n = 0;
    for (const c of this.leafCounts) n += c;
    return n;
  }

  root(): Buffer {
    return this.hashAt(1, 0);
  }

  /**
   * The ranges where this tree and `other` differ, adjacent leaves merged: what repair must stream. The trees must
   * cover the same range at the same depth (replicas build them from the same repair request).
   */
  difference(other: MerkleTree): TokenRangeBounds[] {
    if (other.depth !== this.depth || other.range.left !== this.range.left || other.range.right !== this.range.right) {
      throw new Error('Merkle trees of different ranges or depths cannot be compared');
    }
    const leaves: number[] = [];
    const visit = (node: number, level: number): void => {
      if (this.hashAt(node, level).equals(other.hashAt(node, level))) return;
      if (level === this.depth) leaves.push(node - this.leafCount);
      else {
        visit(node * 2, level + 1);
        visit(node * 2 + 1, level + 1);
      }
    };
    visit(1, 0);
    return this.mergeLeaves(leaves);
  }

  serialize(): SerializedMerkleTree {
    return { left: this.range.left.toString(), right: this.range.right.toString(), depth: this.depth,
      leaves: this.leafHashes.slice(), counts: [...this.leafCounts] };
  }

  static deserialize(s: SerializedMerkleTree): MerkleTree {
    const tree = new MerkleTree({ left: BigInt(s.left), right: BigInt(s.right) }, s.depth);
    if (s.leaves.length !== tree.leafHashes.length || s.counts.length !== tree.leafCount) {
      throw new Error(`malformed Merkle tree: ${s.leaves.length} hash bytes and ${s.counts.length} counts for depth ${s.depth}`);
    }
    tree.leafHashes.set(s.leaves);
    tree.leafCounts.set(s.counts);
    return tree;
  }

  /** Hash of heap node `node` at `level` (0 = root); a leaf's hash includes its count, so empty leaves agree. */
  private hashAt(node: number, level: number): Buffer {
    if (level === this.depth) {
      const leaf = node - this.leafCount;
      const h = createHash('sha256');
      h.update(this.leafHashes.subarray(leaf * DIGEST_BYTES, (leaf + 1) * DIGEST_BYTES));
      h.update(String(this.leafCounts[leaf]));
      return h.digest();
    }
    this.inner ??= new Map();
    let hash = this.inner.get(node);
    if (hash === undefined) {
      hash = createHash('sha256').update(this.hashAt(node * 2, level + 1)).update(this.hashAt(node * 2 + 1, level + 1))
        .digest();
      this.inner.set(node, hash);
    }
    return hash;
  }

  private mergeLeaves(leaves: readonly number[]): TokenRangeBounds[] {
    const out: TokenRangeBounds[] = [];
    for (let i = 0; i < leaves.length;) {
      let j = i;
      while (j + 1 < leaves.length && leaves[j + 1] === leaves[j]! + 1) j++;
      out.push({ left: this.leafRange(leaves[i]!).left, right: this.leafRange(leaves[j]!).right });
      i = j + 1;
    }
    return out;
  }
}

function widthOf(r: TokenRangeBounds): bigint {
  const w = (r.right - r.left) & (TOKEN_SPACE - 1n);
  return w === 0n ? TOKEN_SPACE : w;
}

/** The whole ring as one range, the usual tree for a node-wide comparison in tests. */
export const FULL_RING: TokenRangeBounds = { left: MIN_TOKEN, right: MIN_TOKEN };
