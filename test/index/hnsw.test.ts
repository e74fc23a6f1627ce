// The HNSW graph on its own: recall against exact search on random data for each similarity function, deletes and
// overwrites never returned, the accept filter, compaction, and the same graph from the same seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HnswGraph, type HnswParams } from '../../src/index/hnsw.ts';
import { seededRandom } from '../../src/cluster/env.ts';
import type { SimilarityFunction } from '../../src/model/values/similarity.ts';

function vectors(seed: number, n: number, dim: number): Float32Array[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: dim }, () => r.next() * 2 - 1));
}

function graphOf(similarity: SimilarityFunction, data: Float32Array[], seed = 1, m = 16): HnswGraph<number> {
  const r = seededRandom(seed);
  const params: HnswParams = { m, efConstruction: 100, similarity, random: () => r.next() };
  const g = new HnswGraph<number>(params);
  data.forEach((v, i) => g.set(`k${i}`, v, i));
  return g;
}

function exact(g: HnswGraph<number>, data: Array<Float32Array | undefined>, q: Float32Array, k: number): number[] {
  const probe = new HnswGraph<number>({ ...g.params, random: () => 0.5 });
  probe.set('q', q, -1);
  const qv = probe.search(q, 1, 1)[0]; // only to reuse the graph's prepared-vector distance
  assert.ok(qv);
  const scored: Array<{ i: number; d: number }> = [];
  data.forEach((v, i) => {
    if (!v) return;
    const p = new HnswGraph<number>({ ...g.params, random: () => 0.5 });
    p.set('v', v, i);
    const hit = p.search(q, 1, 1)[0];
    if (hit) scored.push({ i, d: hit.distance });
  });
  return scored.sort((a, b) => a.d - b.d).slice(0, k).map((s) => s.i);
}

function recall(g: HnswGraph<number>, data: Array<Float32Array | undefined>, queries: Float32Array[], k: number, ef: number): number {
  let hits = 0;
  for (const q of queries) {
    const truth = new Set(exact(g, data, q, k));
    for (const h of g.search(q, k, ef)) if (truth.has(h.payload)) hits++;
  }
  return hits / (queries.length * k);
}

for (const fn of ['COSINE', 'EUCLIDEAN', 'DOT_PRODUCT'] as SimilarityFunction[]) {
  test(`recall@10 ≥ 0.95 on 2,000 random vectors of dimension 32 (${fn})`, () => {
    const data = vectors(7, 2000, 32);
    const g = graphOf(fn, data);
    const r = recall(g, data, vectors(99, 30, 32), 10, 100);
    assert.ok(r >= 0.95, `recall ${r}`);
  });
}

test('results are closest first and a small graph is searched exactly', () => {
  const data = vectors(3, 200, 4);
  const g = graphOf('EUCLIDEAN', data);
  for (const q of vectors(4, 10, 4)) {
    const hits = g.search(q, 10, 50);
    assert.deepEqual(hits.map((h) => h.payload), exact(g, data, q, 10));
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.distance <= hits[i]!.distance);
  }
});

test('deleted and overwritten vectors are never returned; compaction keeps the live ones', () => {
  const data: Array<Float32Array | undefined> = vectors(5, 1000, 16);
  const g = graphOf('COSINE', data as Float32Array[]);
  for (let i = 0; i < 1000; i += 2) {
    g.delete(`k${i}`);
    data[i] = undefined;
  }
  // Deleted nodes outnumbered live ones at some point: the graph was compacted.
  assert.ok(g.nodeCount < 1000, `nodes ${g.nodeCount}`);
  assert.equal(g.size, 500);
  const moved = vectors(6, 1, 16)[0]!;
  g.set('k1', moved, 1);
  data[1] = moved;
  const hits = g.search(moved, 10, 100);
  assert.equal(hits[0]!.payload, 1);
  for (const q of vectors(8, 20, 16)) for (const h of g.search(q, 10, 100)) assert.ok(h.payload % 2 === 1);
  assert.ok(recall(g, data, vectors(9, 20, 16), 10, 100) >= 0.95);
});

test('the accept filter limits results, not the search path', () => {
  const data = vectors(10, 1000, 8);
  const g = graphOf('EUCLIDEAN', data);
  const q = vectors(11, 1, 8)[0]!;
  const hits = g.search(q, 10, 100, (i) => i % 3 === 0);
  assert.equal(hits.length, 10);
  assert.ok(hits.every((h) => h.payload % 3 === 0));
  const truth = exact(g, data.map((v, i) => (i % 3 === 0 ? v : undefined)), q, 10);
  assert.ok(hits.filter((h) => truth.includes(h.payload)).length >= 9);
});

test('zero vectors are not indexed under cosine; an empty graph answers nothing', () => {
  const g = graphOf('COSINE', []);
  assert.deepEqual(g.search([1, 0], 5, 10), []);
  g.set('z', [0, 0], 0);
  assert.equal(g.size, 0);
  g.set('a', [1, 0], 1);
  assert.deepEqual(g.search([0, 0], 5, 10), []);
  assert.equal(g.search([1, 1], 5, 10)[0]!.payload, 1);
});

test('the same seed builds the same graph', () => {
  const data = vectors(12, 500, 16);
  const a = graphOf('DOT_PRODUCT', data, 42);
  const b = graphOf('DOT_PRODUCT', data, 42);
  for (const q of vectors(13, 10, 16)) assert.deepEqual(a.search(q, 10, 20), b.search(q, 10, 20));
});
