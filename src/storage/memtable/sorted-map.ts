// An ordered map from strings to values: a hash map for lookups, and a B+tree with linked leaves ordering the keys.
// Memtable keys are byte-comparable keys read as latin1 strings, whose code units are the bytes, so JavaScript's
// string order is the byte order LMDB keeps: reads can merge a memtable cursor with an LMDB cursor key by key.
// A new key goes into the tree as it is set: sorting keys lazily, when a scan or flush first needs the order, made
// every write cheaper but stalled the event loop for tens of milliseconds per 50,000 keys sorted at once. Deletes only
// remove from their leaf (no rebalancing): memtables delete rarely and are thrown away whole after a flush.
// Each node keeps, beside its keys, their first six bytes as a number (`heads`): a binary search compares those
// unboxed doubles, lying side by side in one array, and reads a key string only when the heads are equal. Comparing
// the strings themselves cost a cache miss per probe (each string is its own heap object), which made an insert
// into a 200,000-key memtable take about a microsecond.

const LEAF_MAX = 64;
const BRANCH_MAX = 64;

interface Leaf {
  leaf: true;
  keys: string[];
  heads: number[];
  next: Leaf | undefined;
  prev: Leaf | undefined;
}

interface Branch {
  leaf: false;
  /** keys[i] is the smallest key of children[i + 1] when it was split off: every key below it is in children[≤ i]. */
  keys: string[];
  heads: number[];
  children: Node[];
}

type Node = Leaf | Branch;

const HEAD_CHARS = 6;

/**
 * The first six code units of a key as one number, shorter keys padded with zeros: head(a) < head(b) implies a < b
 * for strings of code units below 256 (latin1, as every memtable key is), and equal heads say nothing.
 */
export function head(k: string): number {
  let h = 0;
  const n = k.length < HEAD_CHARS ? k.length : HEAD_CHARS;
  for (let i = 0; i < n; i++) h = h * 256 + k.charCodeAt(i);
  for (let i = n; i < HEAD_CHARS; i++) h *= 256;
  return h;
}

/** Index of the first key ≥ k (h = head(k)). */
function lowerBound(n: Node, k: string, h: number): number {
  const { keys, heads } = n;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const hm = heads[mid]!;
    if (hm < h || (hm === h && keys[mid]! < k)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first key > k (h = head(k)). */
function upperBound(n: Node, k: string, h: number): number {
  const { keys, heads } = n;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const hm = heads[mid]!;
    if (hm < h || (hm === h && keys[mid]! <= k)) lo = mid + 1;
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

/** Array.prototype.splice(i, 0, x) without the array of removed elements it allocates. */
function insertAt<T>(a: T[], i: number, x: T): void {
  a.splice(i, 0, x);
}

export class SortedMap<V> {
  private readonly values = new Map<string, V>();
  private root: Node = { leaf: true, keys: [], heads: [], next: undefined, prev: undefined };

  get size(): number {
    return this.values.size;
  }

  get(k: string): V | undefined {
    return this.values.get(k);
  }

  set(k: string, v: V): void {
    if (!this.values.has(k)) {
      const split = this.insert(this.root, k, head(k));
      if (split) this.root = { leaf: false, keys: [split.key], heads: [head(split.key)], children: [this.root, split.node] };
    }
    this.values.set(k, v);
  }

  delete(k: string): boolean {
    if (!this.values.delete(k)) return false;
    const h = head(k);
    const l = this.leafFor(k, h);
    const i = lowerBound(l, k, h);
    if (i < l.keys.length && l.keys[i] === k) {
      l.keys.splice(i, 1);
      l.heads.splice(i, 1);
    }
    return true;
  }

  private leafFor(k: string, h: number): Leaf {
    let n = this.root;
    while (!n.leaf) n = n.children[upperBound(n, k, h)]!;
    return n;
  }

  /** Inserts into the subtree (a no-op for a key already there); returns the new right sibling after a split. */
  private insert(n: Node, k: string, h: number): { key: string; node: Node } | undefined {
    if (n.leaf) {
      const i = lowerBound(n, k, h);
      if (i < n.keys.length && n.keys[i] === k) return undefined;
      insertAt(n.keys, i, k);
      insertAt(n.heads, i, h);
      if (n.keys.length <= LEAF_MAX) return undefined;
      const half = n.keys.length >>> 1;
      const right: Leaf = { leaf: true, keys: n.keys.splice(half), heads: n.heads.splice(half), next: n.next, prev: n };
      if (n.next) n.next.prev = right;
      n.next = right;
      return { key: right.keys[0]!, node: right };
    }
    const ci = upperBound(n, k, h);
    const split = this.insert(n.children[ci]!, k, h);
    if (!split) return undefined;
    insertAt(n.keys, ci, split.key);
    insertAt(n.heads, ci, head(split.key));
    insertAt(n.children, ci + 1, split.node);
    if (n.children.length <= BRANCH_MAX) return undefined;
    const half = n.children.length >>> 1;
    // keys[half - 1] separates the halves and moves up; the right node keeps the separators after it.
    const up = n.keys[half - 1]!;
    const right: Branch = { leaf: false, keys: n.keys.splice(half), heads: n.heads.splice(half), children: n.children.splice(half) };
    n.keys.length = half - 1;
    n.heads.length = half - 1;
    return { key: up, node: right };
  }

  /** Ascending from the first key ≥ lo (or the first key) up to, excluding, hi. */
  ascending(lo?: string, hi?: string): Cursor<V> {
    if (lo === undefined) {
      let n = this.root;
      while (!n.leaf) n = n.children[0]!;
      return new Cursor(this.values, n, 0, false, hi);
    }
    const h = head(lo);
    const l = this.leafFor(lo, h);
    return new Cursor(this.values, l, lowerBound(l, lo, h), false, hi);
  }

  /** Descending from the last key < hi (or the last key) down to, including, lo. */
  descending(lo?: string, hi?: string): Cursor<V> {
    if (hi === undefined) {
      let n = this.root;
      while (!n.leaf) n = n.children[n.children.length - 1]!;
      return new Cursor(this.values, n, n.keys.length - 1, true, lo);
    }
    const h = head(hi);
    const l = this.leafFor(hi, h);
    return new Cursor(this.values, l, lowerBound(l, hi, h) - 1, true, lo);
  }

  /** Every entry in key order (tests). */
  *entries(): Generator<[string, V]> {
    for (const c = this.ascending(); !c.done; c.advance()) yield [c.key, c.value as V];
  }
}
