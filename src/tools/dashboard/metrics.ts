// The few numbers the dashboard reads from a node's /metrics (Prometheus text): requests served, the request latency
// histogram, replica reads by the coordinator's origin. Pure: parsing, and rates and quantiles between two scrapes.

/** One sample line: name, labels, value. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    if (!Number.isNaN(value)) out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** What one scrape says, in the form the dashboard diffs: cumulative counts since the node started. */
export interface NodeCounters {
  /** sibyl_client_requests_total; undefined when the node does not count requests. */
  requests?: number;
  /** Cumulative histogram buckets of sibyl_client_request_latency_seconds: [upper bound ms, count ≤ bound]. */
  latencyBuckets?: Array<[number, number]>;
  /** sibyl_replica_reads_total by origin (local_rack, remote_rack, remote_dc); undefined when not exposed. */
  replicaReads?: Record<string, number>;
}

export function countersFromMetrics(text: string): NodeCounters {
  const samples = parsePrometheusText(text);
  const out: NodeCounters = {};
  const requests = samples.find((s) => s.name === 'sibyl_client_requests_total');
  if (requests) out.requests = requests.value;
  const buckets = samples
    .filter((s) => s.name === 'sibyl_client_request_latency_seconds_bucket' && s.labels['le'] !== undefined)
    .map((s): [number, number] => [s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']) * 1000, s.value])
    .sort((a, b) => a[0] - b[0]);
  if (buckets.length > 0) out.latencyBuckets = buckets;
  const reads = samples.filter((s) => s.name === 'sibyl_replica_reads_total' && s.labels['origin'] !== undefined);
  if (reads.length > 0) out.replicaReads = Object.fromEntries(reads.map((s) => [s.labels['origin']!, s.value]));
  return out;
}

/**
 * The q-quantile (0..1) of what was observed between two cumulative histograms, interpolated linearly inside its
 * bucket as Prometheus's histogram_quantile does; a quantile in the +Inf bucket is the highest finite bound.
 * Undefined when nothing was observed in between, or the node restarted (counts went down).
 */
export function quantileBetween(before: Array<[number, number]> | undefined, after: Array<[number, number]>, q: number): number | undefined {
  const prev = new Map(before ?? []);
  const delta = after.map(([le, n]): [number, number] => [le, n - (prev.get(le) ?? 0)]);
  if (delta.some(([, n]) => n < 0)) return undefined;
  const total = delta[delta.length - 1]?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, n] of delta) {
    if (n >= rank) {
      if (le === Infinity) return lowerBound;
      const inBucket = n - lowerCount;
      return inBucket <= 0 ? le : lowerBound + ((le - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    if (le !== Infinity) lowerBound = le;
    lowerCount = n;
  }
  return lowerBound;
}

/** Events per second between two cumulative counts; undefined without both, or after a restart. */
export function ratePerSecond(before: number | undefined, after: number | undefined, elapsedMs: number): number | undefined {
  if (before === undefined || after === undefined || elapsedMs <= 0 || after < before) return undefined;
  return ((after - before) * 1000) / elapsedMs;
}

/** The share (0..1) of replica reads whose coordinator was in this node's rack; undefined without counters or reads. */
export function localReadShare(before: Record<string, number> | undefined, after: Record<string, number> | undefined): number | undefined {
  if (after === undefined) return undefined;
  const d = (k: string): number => (after[k] ?? 0) - (before?.[k] ?? 0);
  const local = d('local_rack');
  const total = local + d('remote_rack') + d('remote_dc');
  if (total <= 0 || local < 0) {
    // Nothing read in this interval: the share since the node started says more than a blank.
    const all = (after['local_rack'] ?? 0) + (after['remote_rack'] ?? 0) + (after['remote_dc'] ?? 0);
    return all > 0 ? (after['local_rack'] ?? 0) / all : undefined;
  }
  return local / total;
}
