// A hierarchical navigable small-world graph (Malkov & Yashunin, 2016) over float vectors: the approximate nearest
// neighbour index behind SAI vector indexes. Pure logic: no I/O, no clock; the level of each node is drawn from the
// injected random source, so a seeded source builds the same graph every time.
//
// Deleting a node only marks it: it keeps routing searches (its links stay) but is never returned. Once deleted nodes
// are as many as live ones the graph is rebuilt from the live ones (`compact`), so a table overwritten again and again does
// not grow a graph of ghosts.
import type { SimilarityFunction } from '../model/values/similarity.ts';
import { MaxHeap, MinHeap } from './heap.ts';

export interface HnswParams {
  /** Links per node above layer 0 (Cassandra's maximum_node_connections, default 16); layer 0 keeps twice as many. */
  m: number;
  /** Candidates kept while linking a new node (Cassandra's construction_beam_width, default 100). */
  efConstruction: number;
  similarity: SimilarityFunction;
  /** Uniform in [0, 1). */
  random: () => number;
}

export interface HnswHit<P> {
  key: string;
  payload: P;
  /** Smaller is closer: 1 − cos for COSINE, the squared distance for EUCLIDEAN, −a·b for DOT_PRODUCT. */
  distance: number;
}

interface GraphNode<P> {
  key: string;
  payload: P;
  vector: Float32Array;
  /** links[level]: neighbour node ids on that level. */
  links: number[][];
  deleted: boolean;
}

const MAX_LEVEL = 16;

function dot(a: Float32Array, b: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (const n = a.length - 1; i < n; i += 2) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
  }
  if (i < a.length) s0 += a[i]! * b[i]!;
  return s0 + s1;
}

function squaredDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** Vectors are unit length under cosine (prepare), so 1 − a·b orders as 1 − cos. */
const cosineDistance = (a: Float32Array, b: Float32Array): number => 1 - dot(a, b);
const negativeDot = (a: Float32Array, b: Float32Array): number => -dot(a, b);

export class HnswGraph<P> {
  private nodes: Array<GraphNode<P>> = [];
  private readonly byKey = new Map<string, number>();
  private entry = -1;
  private topLevel = -1;
  private deletedCount = 0;
  private visited = new Uint32Array(0);
  private visitMark = 0;
  private readonly levelScale: number;

  constructor(readonly params: HnswParams) {
    if (params.m < 2 || params.efConstruction < 1) throw new RangeError('HNSW needs m ≥ 2 and efConstruction ≥ 1');
    this.levelScale = 1 / Math.log(params.m);
    this.distance = params.similarity === 'EUCLIDEAN' ? squaredDistance : params.similarity === 'COSINE' ? cosineDistance : negativeDot;
  }

  /** Live vectors. */
  get size(): number {
    return this.byKey.size;
  }

  /** Nodes held, deleted ones included. */
  get nodeCount(): number {
    return this.nodes.length;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  payloadOf(key: string): P | undefined {
    const id = this.byKey.get(key);
    return id === undefined ? undefined : this.nodes[id]!.payload;
  }

  /**
   * Sets the vector of `key` (replacing any earlier one). A vector that cannot be scored (a zero vector under
   * cosine, non-finite elements) is not indexed: the key is removed instead.
   */
  set(key: string, vector: ArrayLike<number>, payload: P): void {
    this.delete(key);
    const v = this.prepare(vector);
    if (v === undefined) return;
    const id = this.nodes.length;
    const level = this.drawLevel();
    this.nodes.push({ key, payload, vector: v, links: Array.from({ length: level + 1 }, () => []), deleted: false });
    this.byKey.set(key, id);
    this.link(id, level);
  }

  delete(key: string): void {
    const id = this.byKey.get(key);
    if (id === undefined) return;
    this.byKey.delete(key);
    this.nodes[id]!.deleted = true;
    this.deletedCount++;
    if (this.deletedCount > 64 && this.deletedCount >= this.byKey.size) this.compact();
  }

  clear(): void {
    this.nodes = [];
    this.byKey.clear();
    this.entry = -1;
    this.topLevel = -1;
    this.deletedCount = 0;
  }

  /**
   * The `k` live nodes closest to `query` that `accept` lets through, closest first, looking at `ef` candidates
   * (ef ≥ k; larger is slower and finds more of the true nearest).
   */
  search(query: ArrayLike<number>, k: number, ef: number, accept?: (payload: P) => boolean): Array<HnswHit<P>> {
    const q = this.prepare(query);
    if (q === undefined || this.entry < 0 || k <= 0) return [];
    let ep = this.entry;
    for (let level = this.topLevel; level > 0; level--) ep = this.greedy(q, ep, level);
    const ok = (id: number): boolean => {
      const n = this.nodes[id]!;
      return !n.deleted && (accept === undefined || accept(n.payload));
    };
    const found = this.searchLayer(q, [ep], Math.max(ef, k), 0, ok);
    return found.slice(0, k).map(({ id, distance }) => ({ key: this.nodes[id]!.key, payload: this.nodes[id]!.payload, distance }));
  }

  /** Rebuilds the graph from its live nodes, in the order they were added. */
  compact(): void {
    const live = this.nodes.filter((n) => !n.deleted);
    this.clear();
    for (const n of live) this.set(n.key, n.vector, n.payload);
  }

  /** The distance the graph orders by (see HnswHit.distance); vectors already prepared. */
  readonly distance: (a: Float32Array, b: Float32Array) => number;

  /** A copy of the vector as the graph keeps it: unit length under cosine. */
  private prepare(vector: ArrayLike<number>): Float32Array | undefined {
    const v = Float32Array.from(vector);
    let norm = 0;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!)) return undefined;
      norm += v[i]! * v[i]!;
    }
    if (this.params.similarity !== 'COSINE') return v;
    if (norm === 0) return undefined;
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
    return v;
  }

  private drawLevel(): number {
    const u = this.params.random();
    return Math.min(MAX_LEVEL, Math.floor(-Math.log(1 - u) * this.levelScale));
  }

  private maxLinks(level: number): number {
    return level === 0 ? this.params.m * 2 : this.params.m;
  }

  /** Links a new node into every level up to its own. */
  private link(id: number, level: number): void {
    if (this.entry < 0) {
      this.entry = id;
      this.topLevel = level;
      return;
    }
    const v = this.nodes[id]!.vector;
    let ep = this.entry;
    for (let l = this.topLevel; l > level; l--) ep = this.greedy(v, ep, l);
    let eps = [ep];
    for (let l = Math.min(level, this.topLevel); l >= 0; l--) {
      const candidates = this.searchLayer(v, eps, this.params.efConstruction, l, (n) => !this.nodes[n]!.deleted);
      const chosen = this.selectNeighbours(candidates, this.params.m);
      this.nodes[id]!.links[l] = chosen;
      for (const n of chosen) this.addLink(n, id, l);
      eps = candidates.map((c) => c.id);
    }
    if (level > this.topLevel) {
      this.entry = id;
      this.topLevel = level;
    }
  }

  private addLink(from: number, to: number, level: number): void {
    const links = this.nodes[from]!.links[level]!;
    links.push(to);
    // Pruning costs a distance per pair of links, so a list may outgrow its size by a quarter before it is cut
    // back: a cut every few additions instead of at each one, for lists a little longer in between.
    if (links.length <= this.maxLinks(level) + (this.maxLinks(level) >> 2)) return;
    const v = this.nodes[from]!.vector;
    const scored = links.map((id) => ({ id, distance: this.distance(v, this.nodes[id]!.vector) })).sort((a, b) => a.distance - b.distance);
    this.nodes[from]!.links[level] = this.selectNeighbours(scored, this.maxLinks(level));
  }

  /**
   * The neighbour heuristic (the paper's algorithm 4): a candidate is kept only if it is closer to the new node than
   * to every neighbour kept so far, so links spread in all directions instead of crowding one cluster; the pruned
   * ones fill any room left.
   */
  private selectNeighbours(sorted: Array<{ id: number; distance: number }>, max: number): number[] {
    const kept: number[] = [];
    const pruned: number[] = [];
    for (const c of sorted) {
      if (kept.length >= max) break;
      const cv = this.nodes[c.id]!.vector;
      if (kept.every((k) => this.distance(cv, this.nodes[k]!.vector) > c.distance)) kept.push(c.id);
      else pruned.push(c.id);
    }
    for (let i = 0; i < pruned.length && kept.length < max; i++) kept.push(pruned[i]!);
    return kept;
  }

  /** Greedy descent on one upper level: the closest node reachable from `ep`. */
  private greedy(q: Float32Array, ep: number, level: number): number {
    let best = ep;
    let bestDistance = this.distance(q, this.nodes[ep]!.vector);
    for (let moved = true, rounds = 0; moved && rounds < this.nodes.length; rounds++) {
      moved = false;
      for (const n of this.nodes[best]!.links[level] ?? []) {
        const d = this.distance(q, this.nodes[n]!.vector);
        if (d < bestDistance) {
          bestDistance = d;
          best = n;
          moved = true;
        }
      }
    }
    return best;
  }

  private startVisit(): void {
    if (this.visited.length < this.nodes.length) this.visited = new Uint32Array(Math.max(1024, this.nodes.length * 2));
    this.visitMark++;
    if (this.visitMark === 0xffffffff) {
      this.visited.fill(0);
      this.visitMark = 1;
    }
  }

  /**
   * Best-first search of one level from `eps`, keeping the `ef` closest nodes `ok` accepts (the others still route
   * the search), closest first.
   */
  private searchLayer(q: Float32Array, eps: number[], ef: number, level: number, ok: (id: number) => boolean): Array<{ id: number; distance: number }> {
    this.startVisit();
    const nodes = this.nodes;
    const distance = this.distance;
    const visited = this.visited;
    const mark = this.visitMark;
    const candidates = new MinHeap();
    const results = new MaxHeap();
    for (const ep of eps) {
      if (visited[ep] === mark) continue;
      visited[ep] = mark;
      const d = distance(q, nodes[ep]!.vector);
      candidates.push(ep, d);
      if (ok(ep)) results.push(ep, d);
    }
    while (candidates.size > 0) {
      const c = candidates.pop()!;
      if (results.size >= ef && c.distance > results.peekDistance()) break;
      const links = nodes[c.id]!.links[level];
      if (links === undefined) continue;
      for (let i = 0; i < links.length; i++) {
        const n = links[i]!;
        if (visited[n] === mark) continue;
        visited[n] = mark;
        const d = distance(q, nodes[n]!.vector);
        if (results.size >= ef && d >= results.peekDistance()) continue;
        candidates.push(n, d);
        if (!ok(n)) continue;
        results.push(n, d);
        if (results.size > ef) results.pop();
      }
    }
    return results.drainAscending();
  }
}
