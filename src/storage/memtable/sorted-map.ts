// An ordered map from strings to values: a hash map for lookups, and sorted runs of keys (a small log-structured
// merge) for their order. Memtable keys are byte-comparable keys read as latin1 strings, whose code units are the
// bytes, so JavaScript's string order is the byte order LMDB keeps: reads can merge a memtable cursor with an LMDB
// cursor key by key.
//
// A new key is appended to an unsorted tail. When the tail holds TAIL_MAX keys (or a cursor needs the order) it is
// sorted and becomes the newest run; runs are merged pairwise while the older is no larger than the newer, so there
// are at most log2(n / TAIL_MAX) + 1 of them and each key is copied about that many times, in sequential passes over
// arrays. This replaced a B+tree whose per-write descent and splice cost about 2 µs per insert into a 200,000-key
// memtable (cache misses on nodes and key strings) and was the largest single cost of a node's writes (issue 10).
// Sorting everything lazily, on the first scan or flush, stalled the event loop for tens of milliseconds per 50,000
// keys; here the largest merge is one pass over the memtable's keys, and happens once per doubling.
//
// Each run keeps, beside its keys, their first six bytes as a number (`heads`, a Float64Array): comparisons read
// those unboxed doubles, side by side in memory, and read a key string only when the heads are equal.
//
// A delete only removes the value: the key stays in its run and cursors skip keys without a value (so a value may
// never be undefined); merges drop the duplicate a re-added key leaves. Cursors work on the runs as
// they were when created (merges build new arrays), so a write during an iteration cannot disturb it.

/** Keys appended before the tail is sorted into a run (by default). */
const TAIL_MAX = 512;
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

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** Keys a tail may hold for sortKeys' packed sort: an index below it fits beside a five-byte head in a double. */
const PACKED_MAX = 512;

/**
 * Sorts keys in place. Up to PACKED_MAX keys, each key's first five bytes and its index are packed into one double
 * (40 + 9 bits, exact) and the doubles sorted natively; only keys sharing their first five bytes are then compared as
 * strings. A comparator sort of a 512-key tail called its function some 4,600 times and was most of sortTail's cost.
 */
function sortKeys(keys: string[]): string[] {
  const n = keys.length;
  if (n > PACKED_MAX) return keys.sort(byString);
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = Math.floor(head(keys[i]!) / 256) * PACKED_MAX + i;
  packed.sort();
  const out = new Array<string>(n);
  for (let i = 0; i < n;) {
    const h = Math.floor(packed[i]! / PACKED_MAX);
    let j = i + 1;
    while (j < n && Math.floor(packed[j]! / PACKED_MAX) === h) j++;
    for (let x = i; x < j; x++) out[x] = keys[packed[x]! % PACKED_MAX]!;
    if (j - i > 1) {
      const tie = out.slice(i, j).sort(byString);
      for (let x = i; x < j; x++) out[x] = tie[x - i]!;
    }
    i = j;
  }
  return out;
}

interface Run {
  readonly keys: string[];
  readonly heads: Float64Array;
}

/** -1, 0 or 1 as key a (head ha) sorts before, with or after key b (head hb). */
function compare(ha: number, a: string, hb: number, b: string): number {
  if (ha !== hb) return ha < hb ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Index of the first key of the run ≥ k. */
function lowerBound(r: Run, k: string, h: number): number {
  const { keys, heads } = r;
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

/** A position in the map, moving forward (ascending) or backward; `key`/`value` are valid until `done`. */
export class Cursor<V> {
  key = '';
  value: V | undefined;
  done = false;
  /** Per run: the next index to look at, and where to stop (exclusive, in the direction of travel). */
  private readonly pos: number[];
  private readonly stop: number[];

  constructor(private readonly values: Map<string, V>, private readonly runs: readonly Run[], private readonly reverse: boolean,
    lo: string | undefined, hi: string | undefined) {
    const hl = lo === undefined ? 0 : head(lo);
    const hh = hi === undefined ? 0 : head(hi);
    this.pos = new Array<number>(runs.length);
    this.stop = new Array<number>(runs.length);
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i]!;
      const first = lo === undefined ? 0 : lowerBound(r, lo, hl);
      const end = hi === undefined ? r.keys.length : lowerBound(r, hi, hh);
      this.pos[i] = reverse ? Math.max(first, end) - 1 : first;
      this.stop[i] = reverse ? first - 1 : Math.max(first, end);
    }
    this.advance();
  }

  /** Moves to the next key that has a value (every run positioned on that key steps past it). */
  advance(): void {
    const { runs, pos, stop, reverse } = this;
    for (;;) {
      let best = -1;
      let bh = 0;
      let bk = '';
      for (let i = 0; i < runs.length; i++) {
        const p = pos[i]!;
        if (p === stop[i]) continue;
        const r = runs[i]!;
        const h = r.heads[p]!;
        const k = r.keys[p]!;
        if (best < 0) {
          best = i;
          bh = h;
          bk = k;
          continue;
        }
        const c = compare(h, k, bh, bk);
        if (reverse ? c > 0 : c < 0) {
          best = i;
          bh = h;
          bk = k;
        }
      }
      if (best < 0) {
        this.done = true;
        this.value = undefined;
        return;
      }
      const step = reverse ? -1 : 1;
      for (let i = 0; i < runs.length; i++) {
        const p = pos[i]!;
        if (p !== stop[i] && runs[i]!.keys[p] === bk) pos[i] = p + step;
      }
      const v = this.values.get(bk);
      if (v !== undefined) {
        this.key = bk;
        this.value = v;
        return;
      }
    }
  }
}

export class SortedMap<V> {
  private readonly values = new Map<string, V>();
  /** Keys added since the last sort, in arrival order. */
  private tail: string[] = [];
  /** Sorted runs, oldest (and largest) first. */
  private runs: Run[] = [];

  /** `tailMax`: keys appended before a sort (tests use small ones, to exercise many runs and merges). */
  constructor(private readonly tailMax = TAIL_MAX) {}

  get size(): number {
    return this.values.size;
  }

  get(k: string): V | undefined {
    return this.values.get(k);
  }

  set(k: string, v: V): void {
    if (!this.values.has(k)) this.addKey(k);
    this.values.set(k, v);
  }

  /** set() for a key the caller has just found absent (get returned undefined): one hash lookup fewer. */
  setNew(k: string, v: V): void {
    this.addKey(k);
    this.values.set(k, v);
  }

  delete(k: string): boolean {
    return this.values.delete(k);
  }

  private addKey(k: string): void {
    this.tail.push(k);
    if (this.tail.length >= this.tailMax) this.sortTail();
  }

  /** Turns the tail into the newest run, then merges runs while the older of the last two is no larger. */
  private sortTail(): void {
    if (this.tail.length === 0) return;
    const keys = sortKeys(this.tail);
    this.tail = [];
    const heads = new Float64Array(keys.length);
    let n = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      // A key deleted and added again since the last sort arrives twice.
      if (n > 0 && keys[n - 1] === k) continue;
      keys[n] = k;
      heads[n++] = head(k);
    }
    keys.length = n;
    const runs = this.runs.slice();
    runs.push({ keys, heads: heads.subarray(0, n) });
    while (runs.length >= 2 && runs[runs.length - 2]!.keys.length <= runs[runs.length - 1]!.keys.length) {
      const newer = runs.pop()!;
      runs[runs.length - 1] = SortedMap.merge(runs[runs.length - 1]!, newer);
    }
    this.runs = runs;
  }

  /** One sorted run of the keys of both, each once (deleted keys stay: checking each against the map cost more). */
  private static merge(a: Run, b: Run): Run {
    const total = a.keys.length + b.keys.length;
    const keys = new Array<string>(total);
    const heads = new Float64Array(total);
    let i = 0;
    let j = 0;
    let n = 0;
    while (i < a.keys.length || j < b.keys.length) {
      let k: string;
      let h: number;
      if (j >= b.keys.length) {
        k = a.keys[i]!;
        h = a.heads[i++]!;
      } else if (i >= a.keys.length) {
        k = b.keys[j]!;
        h = b.heads[j++]!;
      } else {
        const c = compare(a.heads[i]!, a.keys[i]!, b.heads[j]!, b.keys[j]!);
        k = c <= 0 ? a.keys[i]! : b.keys[j]!;
        h = c <= 0 ? a.heads[i]! : b.heads[j]!;
        if (c <= 0) i++;
        if (c >= 0) j++;
      }
      keys[n] = k;
      heads[n++] = h;
    }
    keys.length = n;
    return { keys, heads: heads.subarray(0, n) };
  }

  private cursor(reverse: boolean, lo: string | undefined, hi: string | undefined): Cursor<V> {
    this.sortTail();
    return new Cursor(this.values, this.runs, reverse, lo, hi);
  }

  /** Ascending from the first key ≥ lo (or the first key) up to, excluding, hi. */
  ascending(lo?: string, hi?: string): Cursor<V> {
    return this.cursor(false, lo, hi);
  }

  /** Descending from the last key < hi (or the last key) down to, including, lo. */
  descending(lo?: string, hi?: string): Cursor<V> {
    return this.cursor(true, lo, hi);
  }

  /** Every entry in key order (tests). */
  *entries(): Generator<[string, V]> {
    for (const c = this.ascending(); !c.done; c.advance()) yield [c.key, c.value as V];
  }
}
