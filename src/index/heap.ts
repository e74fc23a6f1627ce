// Binary heaps of (node id, distance) for the graph searches of hnsw.ts: parallel typed arrays rather than objects,
// since a search pushes and pops thousands of entries.

class Heap {
  protected ids = new Int32Array(64);
  protected dist = new Float64Array(64);
  size = 0;

  /** -1 orders the smallest distance first, +1 the largest. */
  constructor(private readonly sign: 1 | -1) {}

  private before(i: number, j: number): boolean {
    return this.sign * (this.dist[i]! - this.dist[j]!) > 0;
  }

  private swap(i: number, j: number): void {
    const id = this.ids[i]!;
    const d = this.dist[i]!;
    this.ids[i] = this.ids[j]!;
    this.dist[i] = this.dist[j]!;
    this.ids[j] = id;
    this.dist[j] = d;
  }

  push(id: number, distance: number): void {
    if (this.size === this.ids.length) {
      const ids = new Int32Array(this.size * 2);
      ids.set(this.ids);
      const dist = new Float64Array(this.size * 2);
      dist.set(this.dist);
      this.ids = ids;
      this.dist = dist;
    }
    let i = this.size++;
    this.ids[i] = id;
    this.dist[i] = distance;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  peekDistance(): number {
    return this.dist[0]!;
  }

  pop(): { id: number; distance: number } | undefined {
    if (this.size === 0) return undefined;
    const top = { id: this.ids[0]!, distance: this.dist[0]! };
    this.size--;
    if (this.size > 0) {
      this.ids[0] = this.ids[this.size]!;
      this.dist[0] = this.dist[this.size]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.size && this.before(l, m)) m = l;
        if (r < this.size && this.before(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/** Smallest distance on top: the candidates still to expand. */
export class MinHeap extends Heap {
  constructor() {
    super(-1);
  }
}

/** Largest distance on top: the best `ef` so far, the worst of them first out. */
export class MaxHeap extends Heap {
  constructor() {
    super(1);
  }

  /** Empties the heap, closest first. */
  drainAscending(): Array<{ id: number; distance: number }> {
    const out = new Array<{ id: number; distance: number }>(this.size);
    for (let i = this.size - 1; i >= 0; i--) out[i] = this.pop()!;
    return out;
  }
}
