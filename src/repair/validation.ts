// The replica's side of repair: a Merkle tree of its partitions of one token range of a table (Cassandra's
// validation compaction). Partitions are read in pages, whole (tombstones included), and each one's digest (its
// key and its canonical form, partition-codec.ts) goes into the tree's leaf for its token, so two replicas holding
// the same partitions build the same tree whatever order or shape their storage holds them in.
import { createHash } from 'node:crypto';
import type { ReplicaStore } from '../coordinator/cluster.ts';
import { partitionDigest } from '../messaging/partition-codec.ts';
import type { TableDef } from '../schema/model.ts';
import { MerkleTree } from '../storage/merkle.ts';
import { contains, scanRangeOf, unwrap, type TokenRange } from '../streaming/ranges.ts';

const VALIDATION_PAGE = 512;

export function partitionHash(key: Buffer, digest: Buffer): Buffer {
  return createHash('sha256').update(key).update(digest).digest();
}

/** The tree of `range` at `depth` over what `store` holds of `table`, judged at `nowSec` (TTL expiry). */
export function buildTree(store: ReplicaStore, table: TableDef, range: TokenRange, depth: number, nowSec: number): MerkleTree {
  const tree = new MerkleTree(range, depth);
  for (const piece of unwrap(range)) {
    let start = scanRangeOf(piece).start;
    for (let pages = 0; pages < Number.MAX_SAFE_INTEGER; pages++) {
      const found = store.scan(table, { start, endToken: piece.right }, {}, VALIDATION_PAGE, nowSec);
      for (const p of found) if (contains(range, p.token)) tree.add(p.token, partitionHash(p.key, partitionDigest(p)));
      if (found.length < VALIDATION_PAGE) break;
      const last = found[found.length - 1]!;
      start = { token: last.token, key: last.key, inclusive: false };
    }
  }
  return tree;
}
