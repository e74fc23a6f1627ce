// An ordered map from strings to values: a hash map for lookups, and a B+tree with linked leaves ordering the keys.
// Memtable keys are byte-comparable keys read as latin1 strings, whose code units are the bytes, so JavaScript's
// string order is the byte order LMDB keeps: reads can merge a memtable cursor with an LMDB cursor key by key.
// A new key goes into the tree as it is set: sorting keys lazily, when a scan or flush first needs the order, made
// every write cheaper but stalled the event loop for tens of milliseconds per 50,000 keys sorted at once. Deletes only
// remove from their leaf (no rebalancing): memtables delete rarely and are thrown away whole after a flush.

const LEAF_MAX = 64;
const BRANCH_MAX = 64;

interface Leaf {
  leaf: true;
  keys: string[];
  next: Leaf | undefined;
  prev: Leaf | undefined;
}

interface Branch {
  leaf: false;
  /** keys[i] is the smallest key of children[i + 1] when it was split off: every key below it is in children[≤ i]. */
  keys: string[];
  children: Node[];
}

type Node = Leaf | Branch;

/** Index of the first key ≥ k. */
function lowerBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first key > k. */
function upperBound(keys: string[], k: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A position in the map, moving forward (ascending) or backward; `key`/`value` are valid until `done`. */
export class Cursor<V> {
  key = '';
  value: V | undefined;
  done = false;

  constructor(private readonly values: Map<string, V>, private leaf: Leaf | undefined, private i: number,
    private readonly reverse: boolean,
    /** Stop bound: ascending, keys must be < it; descending, ≥ it (undefined = no bound). */
    private readonly bound: string | undefined) {
    this.settle();
  }

  private settle(): void {
    for (;;) {
      const l = this.leaf;
      if (!l) break;
      if (this.reverse) {
        if (this.i >= 0) {
          const k = l.keys[this.i]!;
          if (this.bound !== undefined && k < this.bound) break;
          this.key = k;
          this.value = this.values.get(k);
          return;
        }
        this.leaf = l.prev;
        this.i = this.leaf ? this.leaf.keys.length - 1 : -1;
      } else {
        if (this.i < l.keys.length) {
          const k = l.keys[this.i]!;
          if (this.bound !== undefined && k >= this.bound) break;
          this.key = k;
          this.value = this.values.get(k);
          return;
        }
        this.leaf = l.next;
        this.i = 0;
      }
    }
    this.done = true;
    this.value = undefined;
  }

  advance(): void {
    if (this.done) return;
    this.i += this.reverse ? -1 : 1;
    this.settle();
  }
}

export class SortedMap<V> {
  private readonly values = new Map<string, V>();
  private root: Node = { leaf: true, keys: [], next: undefined, prev: undefined };

  get size(): number {
    return this.values.size;
  }

  get(k: string): V | undefined {
    return this.values.get(k);
  }

  set(k: string, v: V): void {
    if (!this.values.has(k)) {
      const split = this.insert(this.root, k);
      if (split) this.root = { leaf: false, keys: [split.key], children: [this.root, split.node] };
    }
    this.values.set(k, v);
  }

  delete(k: string): boolean {
    if (!this.values.delete(k)) return false;
    const l = this.leafFor(k);
    const i = lowerBound(l.keys, k);
    if (i < l.keys.length && l.keys[i] === k) l.keys.splice(i, 1);
    return true;
  }

  private leafFor(k: string): Leaf {
    let n = this.root;
    while (!n.leaf) n = n.children[upperBound(n.keys, k)]!;
    return n;
  }

  /** Inserts into the subtree (a no-op for a key already there); returns the new right sibling after a split. */
  private insert(n: Node, k: string): { key: string; node: Node } | undefined {
    if (n.leaf) {
      const i = lowerBound(n.keys, k);
      if (i < n.keys.length && n.keys[i] === k) return undefined;
      n.keys.splice(i, 0, k);
      if (n.keys.length <= LEAF_MAX) return undefined;
      const right: Leaf = { leaf: true, keys: n.keys.splice(n.keys.length >>> 1), next: n.next, prev: n };
      if (n.next) n.next.prev = right;
      n.next = right;
      return { key: right.keys[0]!, node: right };
    }
    const ci = upperBound(n.keys, k);
    const split = this.insert(n.children[ci]!, k);
    if (!split) return undefined;
    n.keys.splice(ci, 0, split.key);
    n.children.splice(ci + 1, 0, split.node);
    if (n.children.length <= BRANCH_MAX) return undefined;
    const half = n.children.length >>> 1;
    // keys[half - 1] separates the halves and moves up; the right node keeps the separators after it.
    const up = n.keys[half - 1]!;
    const right: Branch = { leaf: false, keys: n.keys.splice(half), children: n.children.splice(half) };
    n.keys.length = half - 1;
    return { key: up, node: right };
  }

  /** Ascending from the first key ≥ lo (or the first key) up to, excluding, hi. */
  ascending(lo?: string, hi?: string): Cursor<V> {
    if (lo === undefined) {
      let n = this.root;
      while (!n.leaf) n = n.children[0]!;
      return new Cursor(this.values, n, 0, false, hi);
    }
    const l = this.leafFor(lo);
    return new Cursor(this.values, l, lowerBound(l.keys, lo), false, hi);
  }

  /** Descending from the last key < hi (or the last key) down to, including, lo. */
  descending(lo?: string, hi?: string): Cursor<V> {
    if (hi === undefined) {
      let n = this.root;
      while (!n.leaf) n = n.children[n.children.length - 1]!;
      return new Cursor(this.values, n, n.keys.length - 1, true, lo);
    }
    const l = this.leafFor(hi);
    return new Cursor(this.values, l, lowerBound(l.keys, hi) - 1, true, lo);
  }

  /** Every entry in key order (tests). */
  *entries(): Generator<[string, V]> {
    for (const c = this.ascending(); !c.done; c.advance()) yield [c.key, c.value as V];
  }
}
