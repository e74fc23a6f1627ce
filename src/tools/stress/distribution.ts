// cassandra-stress's distributions (`FIXED(5)`, `UNIFORM(1..10)`, `GAUSSIAN(1..1M)`, `EXP(1..100)`, `SEQ(1..N)`)
// and its ratio syntax (`ratio(write=1,read=3)`), parsed into typed specs and sampled with an injected random source,
// so the same seed gives the same keys in a test.

export type DistributionSpec =
  | { readonly kind: 'fixed'; readonly value: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  | { readonly kind: 'gaussian'; readonly min: number; readonly max: number; readonly mean: number; readonly stdev: number }
  | { readonly kind: 'exp'; readonly min: number; readonly max: number }
  | { readonly kind: 'seq'; readonly min: number; readonly max: number };

/** A bad command-line value; the message says which option and what was expected, as cassandra-stress does. */
export class StressArgsError extends Error {
  override readonly name = 'StressArgsError';
}

/** A uniform [0, 1) source: Math.random in the tool, a seeded generator in tests. */
export type Random = () => number;

/**
 * xorshift128+ folded to 53 bits: fast, seedable, and good enough for choosing keys (not for cryptography). One
 * generator per run keeps key choice reproducible from `-pop` and a seed.
 */
export function seededRandom(seed: number): Random {
  let s0 = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + 1n);
  let s1 = BigInt.asUintN(64, s0 ^ 0xbf58476d1ce4e5b9n);
  return () => {
    let x = s0;
    const y = s1;
    s0 = y;
    x = BigInt.asUintN(64, x ^ (x << 23n));
    s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return Number(BigInt.asUintN(53, s1 + y)) / 2 ** 53;
  };
}

/** `1000`, `10k`, `1M`, `2b` (cassandra-stress's suffixes, either case). */
export function parseCount(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmb]?)$/i.exec(text.trim());
  if (m === null) throw new StressArgsError(`Invalid value for ${what}: "${text}" (expected a number, optionally with k, m or b)`);
  const mult = { '': 1, k: 1e3, m: 1e6, b: 1e9 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'b'];
  const n = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(n)) throw new StressArgsError(`Invalid value for ${what}: "${text}" is too large`);
  return n;
}

function range(text: string, what: string): [number, number] {
  const m = /^\s*([^.]+?)\s*\.\.+\s*([^.]+?)\s*$/.exec(text);
  if (m === null) throw new StressArgsError(`Invalid range for ${what}: "${text}" (expected min..max)`);
  const min = parseCount(m[1]!, what);
  const max = parseCount(m[2]!, what);
  if (max < min) throw new StressArgsError(`Invalid range for ${what}: ${min}..${max} (max is below min)`);
  return [min, max];
}

/**
 * `FIXED(v)`, `UNIFORM(min..max)`, `GAUSSIAN(min..max[,stdvrng])` or `GAUSSIAN(min..max,mean,stdev)` (also spelled
 * NORM/NORMAL/GAUSS), `EXP(min..max)`, `SEQ(min..max)`. cassandra-stress's gaussian has its mean at the middle and,
 * by default, the range spans ±3 standard deviations.
 */
export function parseDistribution(text: string, what: string): DistributionSpec {
  const m = /^\s*~?\s*([a-z]+)\s*\((.*)\)\s*$/i.exec(text);
  if (m === null) throw new StressArgsError(`Invalid distribution for ${what}: "${text}" (expected e.g. FIXED(5), UNIFORM(1..10), GAUSSIAN(1..1000))`);
  if (text.trim().startsWith('~')) throw new StressArgsError(`Inverted distributions (~) are not supported (${what}: "${text}")`);
  const name = m[1]!.toLowerCase();
  const parts = m[2]!.split(',').map((p) => p.trim());
  switch (name) {
    case 'fixed':
      if (parts.length !== 1) throw new StressArgsError(`Invalid distribution for ${what}: FIXED takes one value`);
      return { kind: 'fixed', value: parseCount(parts[0]!, what) };
    case 'uniform': {
      const [min, max] = range(parts[0]!, what);
      return { kind: 'uniform', min, max };
    }
    case 'gaussian':
    case 'gauss':
    case 'norm':
    case 'normal': {
      const [min, max] = range(parts[0]!, what);
      if (parts.length === 3) return { kind: 'gaussian', min, max, mean: Number(parts[1]), stdev: Number(parts[2]) };
      const stdvrng = parts.length === 2 ? Number(parts[1]) : 3;
      if (!(stdvrng > 0)) throw new StressArgsError(`Invalid distribution for ${what}: the standard-deviation range must be positive`);
      const mean = (min + max) / 2;
      return { kind: 'gaussian', min, max, mean, stdev: (mean - min) / stdvrng };
    }
    case 'exp': {
      const [min, max] = range(parts[0]!, what);
      return { kind: 'exp', min, max };
    }
    case 'seq': {
      const [min, max] = range(parts[0]!, what);
      return { kind: 'seq', min, max };
    }
    default:
      throw new StressArgsError(`Unsupported distribution ${m[1]} for ${what} (supported: FIXED, UNIFORM, GAUSSIAN, EXP, SEQ)`);
  }
}

/** A distribution ready to draw from: `next()` returns an integer within [min, max]. */
export interface Sampler {
  next(): number;
  readonly min: number;
  readonly max: number;
}

const clamp = (v: number, min: number, max: number): number => (v < min ? min : v > max ? max : v);

/**
 * A sampler over `spec`. SEQ walks min..max and wraps (cassandra-stress's default `-pop seq` without no-wrap); EXP
 * puts max at the 99.9th percentile of an exponential starting at min.
 */
export function sampler(spec: DistributionSpec, random: Random): Sampler {
  switch (spec.kind) {
    case 'fixed':
      return { min: spec.value, max: spec.value, next: () => spec.value };
    case 'uniform': {
      const width = spec.max - spec.min + 1;
      return { min: spec.min, max: spec.max, next: () => spec.min + Math.floor(random() * width) };
    }
    case 'gaussian':
      return {
        min: spec.min,
        max: spec.max,
        next: () => {
          // Box–Muller; 1 - random() keeps the logarithm's argument in (0, 1].
          const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
          return clamp(Math.round(spec.mean + z * spec.stdev), spec.min, spec.max);
        },
      };
    case 'exp': {
      const mean = (spec.max - spec.min) / Math.log(1000);
      return { min: spec.min, max: spec.max, next: () => clamp(Math.round(spec.min - mean * Math.log(1 - random())), spec.min, spec.max) };
    }
    case 'seq': {
      let next = spec.min;
      return {
        min: spec.min,
        max: spec.max,
        next: () => {
          const v = next;
          next = next === spec.max ? spec.min : next + 1;
          return v;
        },
      };
    }
  }
}

/** Text form as cassandra-stress prints settings: `GAUSSIAN(1..1000000)`. */
export function describeDistribution(d: DistributionSpec): string {
  switch (d.kind) {
    case 'fixed':
      return `FIXED(${d.value})`;
    case 'gaussian':
      return `GAUSSIAN(${d.min}..${d.max})`;
    default:
      return `${d.kind.toUpperCase()}(${d.min}..${d.max})`;
  }
}

/** `ratio(write=1,read=3)` / `ops(insert=1,q1=2)` → weights by name, in the order given. */
export function parseWeights(text: string, what: string): Map<string, number> {
  const m = /^\s*[a-z]+\s*\((.*)\)\s*$/i.exec(text);
  if (m === null) throw new StressArgsError(`Invalid ${what}: "${text}" (expected e.g. ${what}(write=1,read=3))`);
  const out = new Map<string, number>();
  for (const part of m[1]!.split(',')) {
    if (part.trim() === '') continue;
    const kv = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (kv === null) throw new StressArgsError(`Invalid ${what} entry "${part.trim()}" (expected name=weight)`);
    out.set(kv[1]!, Number(kv[2]));
  }
  if (out.size === 0 || [...out.values()].every((w) => w === 0)) throw new StressArgsError(`Invalid ${what}: at least one weight must be positive`);
  return out;
}

/** Picks a name with probability proportional to its weight. */
export function weightedPicker<T>(weights: ReadonlyMap<T, number>, random: Random): () => T {
  const names = [...weights.keys()];
  const cumulative: number[] = [];
  let total = 0;
  for (const n of names) cumulative.push((total += weights.get(n)!));
  return () => {
    const r = random() * total;
    for (let i = 0; i < cumulative.length; i++) if (r < cumulative[i]!) return names[i]!;
    return names[names.length - 1]!;
  };
}
