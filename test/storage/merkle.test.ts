// Merkle trees for repair: equal contents give equal roots whatever the insertion order; a difference is found in
// exactly the leaves holding the differing partitions; leaf ranges tile the tree's range (including a wrapping one);
// serialization round-trips; bad input is refused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MIN_TOKEN, MAX_TOKEN } from '../../src/model/murmur3.ts';
import { FULL_RING, MerkleTree, type TokenRangeBounds } from '../../src/storage/merkle.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
const tokenArb = fc.bigInt({ min: MIN_TOKEN + 1n, max: MAX_TOKEN });

function build(range: TokenRangeBounds, depth: number, parts: ReadonlyArray<[bigint, string]>): MerkleTree {
  const t = new MerkleTree(range, depth);
  for (const [token, content] of parts) t.add(token, digest(content));
  return t;
}

const inside = (r: TokenRangeBounds, t: bigint): boolean => {
  const space = 1n << 64n;
  const off = (t - r.left) & (space - 1n);
  const w = ((r.right - r.left) & (space - 1n)) || space;
  return off !== 0n && off <= w;
};

describe('Merkle trees', () => {
  it('equal contents in any order give equal roots and no difference', () => {
    fc.assert(fc.property(fc.array(fc.tuple(tokenArb, fc.string()), { maxLength: 200 }), fc.integer({ min: 0, max: 10 }),
      (parts, depth) => {
        const a = build(FULL_RING, depth, parts);
        const b = build(FULL_RING, depth, [...parts].reverse());
        return a.root().equals(b.root()) && a.difference(b).length === 0 && a.partitions === parts.length;
      }), { numRuns: 100 });
  });

  it('finds exactly the ranges holding a changed, missing or extra partition', () => {
    fc.assert(fc.property(fc.uniqueArray(tokenArb, { minLength: 2, maxLength: 300 }), fc.nat(), fc.integer({ min: 1, max: 12 }),
      (tokens, pick, depth) => {
        const parts = tokens.map((t): [bigint, string] => [t, `row ${t}`]);
        const changed = parts[pick % parts.length]![0];
        const a = build(FULL_RING, depth, parts);
        const b = build(FULL_RING, depth, parts.map(([t, c]): [bigint, string] => [t, t === changed ? c + '!' : c]));
        const c = build(FULL_RING, depth, parts.filter(([t]) => t !== changed));
        for (const other of [b, c]) {
          const diff = a.difference(other);
          if (diff.length !== 1 || !inside(diff[0]!, changed)) return false;
          // The range found is the changed partition's leaf, no wider.
          if (diff[0]!.left !== a.leafRange(a.leafOf(changed)).left) return false;
        }
        return true;
      }), { numRuns: 200 });
  });

  it('merges adjacent differing leaves into one range', () => {
    const a = new MerkleTree(FULL_RING, 3);
    const b = new MerkleTree(FULL_RING, 3);
    const r2 = a.leafRange(2);
    const r3 = a.leafRange(3);
    b.add(r2.right, digest('x'));
    b.add(r3.right, digest('y'));
    assert.deepEqual(a.difference(b), [{ left: r2.left, right: r3.right }]);
  });

  it('leaf ranges tile the range, wrapping ones too, and every token lands in its leaf', () => {
    fc.assert(fc.property(tokenArb, tokenArb, fc.integer({ min: 0, max: 8 }), tokenArb, (left, right, depth, probe) => {
      const range = { left, right };
      const t = new MerkleTree(range, depth);
      let at = left;
      for (let i = 0; i < t.leafCount; i++) {
        const r = t.leafRange(i);
        if (r.left !== at) return false;
        at = r.right;
      }
      if (at !== right) return false;
      if (!inside(range, probe)) return true;
      return inside(t.leafRange(t.leafOf(probe)), probe);
    }), { numRuns: 300 });
  });

  it('round-trips through serialization', () => {
    const a = build({ left: -100n, right: 1n << 40n }, 6, [[5n, 'a'], [1000n, 'b'], [-3n, 'c']]);
    const b = MerkleTree.deserialize(structuredClone(a.serialize()));
    assert.ok(a.root().equals(b.root()));
    assert.equal(b.partitions, 3);
    assert.deepEqual(a.difference(b), []);
  });

  it('refuses tokens outside the range, bad digests, depths and mismatched trees', () => {
    const t = new MerkleTree({ left: 0n, right: 100n }, 2);
    assert.throws(() => t.add(0n, digest('a')), /outside/);
    assert.throws(() => t.add(101n, digest('a')), /outside/);
    assert.throws(() => t.add(50n, Buffer.alloc(3)), /3 bytes/);
    assert.throws(() => new MerkleTree(FULL_RING, 17), /depth 17/);
    assert.throws(() => t.difference(new MerkleTree({ left: 0n, right: 100n }, 3)), /different/);
    assert.throws(() => MerkleTree.deserialize({ ...t.serialize(), counts: [1] }), /malformed/);
  });

  it('sizes trees at about one partition per leaf', () => {
    assert.equal(MerkleTree.depthFor(0), 0);
    assert.equal(MerkleTree.depthFor(1000), 10);
    assert.equal(MerkleTree.depthFor(1e9), 16);
  });
});
