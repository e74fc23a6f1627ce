// Vector similarity as Cassandra 5.0 scores it (VectorSimilarityFunction, normalised to [0, 1], larger is closer):
// cosine (1 + cos) / 2, euclidean 1 / (1 + d²), dot product (1 + a·b) / 2. Computed in single precision, as
// Cassandra's float vectors are.
export type SimilarityFunction = 'COSINE' | 'EUCLIDEAN' | 'DOT_PRODUCT';

export const SIMILARITY_FUNCTIONS: readonly SimilarityFunction[] = ['EUCLIDEAN', 'DOT_PRODUCT', 'COSINE'];

export function similarity(fn: SimilarityFunction, a: Float64Array, b: Float64Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let d2 = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.fround(a[i]!);
    const y = Math.fround(b[i]!);
    dot = Math.fround(dot + Math.fround(x * y));
    na = Math.fround(na + Math.fround(x * x));
    nb = Math.fround(nb + Math.fround(y * y));
    const d = Math.fround(x - y);
    d2 = Math.fround(d2 + Math.fround(d * d));
  }
  switch (fn) {
    case 'COSINE': return Math.fround((1 + dot / Math.sqrt(na * nb)) / 2);
    case 'EUCLIDEAN': return Math.fround(1 / (1 + d2));
    case 'DOT_PRODUCT': return Math.fround((1 + dot) / 2);
  }
}
