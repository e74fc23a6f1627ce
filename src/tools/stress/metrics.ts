// What a stress run measures, kept the way cassandra-stress keeps it: per operation type, an interval (reset at every
// report line) and a summary (the whole run), each with counts and an HDR latency histogram in microseconds; the
// standard error of the interval op rates (cassandra-stress's `stderr`); and, beyond cassandra-stress, a summary per
// coordinator, and in fixed-rate mode the service time beside the latency from each operation's intended start.
// Pure: times are passed in by the runner.
import type { Histogram } from 'hdr-histogram-js';
import { hdrLib } from './lazy.ts';

export type { Histogram };

export function newHistogram(): Histogram {
  // 1 µs to 2 min, 3 significant digits: ~200 KB per histogram, a handful per run.
  return hdrLib().build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
}

/** Counts and latencies of one kind of operation over some span of time. */
export class Timing {
  ops = 0;
  partitions = 0;
  rows = 0;
  errors = 0;
  /** Latency as reported: from the intended start in fixed-rate mode, else from the actual start (µs). */
  readonly latency: Histogram = newHistogram();
  /** From the actual start (µs); recorded only in fixed-rate mode, where it differs from `latency`. */
  readonly service: Histogram = newHistogram();
  startMs = 0;
  endMs = 0;

  add(other: Timing): void {
    this.ops += other.ops;
    this.partitions += other.partitions;
    this.rows += other.rows;
    this.errors += other.errors;
    this.latency.add(other.latency);
    if (other.service.totalCount > 0) this.service.add(other.service);
    if (this.startMs === 0 || (other.startMs !== 0 && other.startMs < this.startMs)) this.startMs = other.startMs;
    this.endMs = Math.max(this.endMs, other.endMs);
  }

  reset(): void {
    this.ops = this.partitions = this.rows = this.errors = 0;
    this.latency.reset();
    this.service.reset();
    this.startMs = this.endMs = 0;
  }

  get seconds(): number {
    return Math.max(this.endMs - this.startMs, 1) / 1000;
  }
}

/**
 * cassandra-stress's `stderr`: the standard error of the mean of the interval rates, relative to that mean. A run in
 * `err<0.02` mode stops once it falls below the target (after at least `n>` intervals).
 */
export class Uncertainty {
  private n = 0;
  private sum = 0;
  private sumSquares = 0;
  value = 0;

  get measurements(): number {
    return this.n;
  }

  update(rate: number): void {
    this.n++;
    this.sum += rate;
    this.sumSquares += rate * rate;
    const mean = this.sum / this.n;
    const stdev = Math.sqrt(Math.max(0, this.sumSquares / this.n - mean * mean));
    this.value = mean === 0 ? 0 : stdev / Math.sqrt(this.n) / mean;
  }
}

/** One operation's outcome, as the runner reports it. */
export interface OpRecord {
  type: string;
  /** µs from the intended start (fixed rate) or the actual start. */
  latencyUs: number;
  /** µs from the actual start; only in fixed-rate mode. */
  serviceUs?: number;
  partitions: number;
  rows: number;
  error: boolean;
  /** address:port of the node that coordinated it, when known. */
  coordinator?: string;
}

/** One report line: an operation type's interval beside its running totals. */
export interface IntervalLine {
  type: string;
  interval: Timing;
  total: Timing;
}

export class StressMetrics {
  private readonly current = new Map<string, Timing>();
  private readonly summary = new Map<string, Timing>();
  private readonly totalSummary = new Timing();
  private readonly byCoordinator = new Map<string, Timing>();
  readonly uncertainty = new Uncertainty();
  private intervalStartMs: number;

  constructor(readonly startMs: number, private readonly fixedRate: boolean) {
    this.intervalStartMs = startMs;
  }

  record(r: OpRecord): void {
    let t = this.current.get(r.type);
    if (t === undefined) this.current.set(r.type, (t = new Timing()));
    recordInto(t, r, this.fixedRate);
    if (r.coordinator !== undefined) {
      let c = this.byCoordinator.get(r.coordinator);
      if (c === undefined) this.byCoordinator.set(r.coordinator, (c = new Timing()));
      recordInto(c, r, this.fixedRate);
    }
  }

  /**
   * Closes the interval ending at `nowMs`: folds it into the summaries, updates the uncertainty with its op rate,
   * and returns its lines (one per type, types in name order as cassandra-stress prints them, then `total`). Empty
   * when nothing completed in the interval.
   */
  closeInterval(nowMs: number): IntervalLine[] {
    const total = new Timing();
    const lines: IntervalLine[] = [];
    for (const type of [...this.current.keys()].sort()) {
      const t = this.current.get(type)!;
      t.startMs = this.intervalStartMs;
      t.endMs = nowMs;
      let s = this.summary.get(type);
      if (s === undefined) this.summary.set(type, (s = new Timing()));
      s.add(t);
      total.add(t);
      const snapshot = new Timing();
      snapshot.add(t);
      lines.push({ type, interval: snapshot, total: s });
      t.reset();
    }
    total.startMs = this.intervalStartMs;
    total.endMs = nowMs;
    this.intervalStartMs = nowMs;
    this.totalSummary.add(total);
    this.totalSummary.startMs = this.startMs;
    this.uncertainty.update(total.ops / total.seconds);
    if (total.ops === 0) return [];
    return [...(lines.length > 1 ? lines : []), { type: 'total', interval: total, total: this.totalSummary }];
  }

  /** The whole run: per type (name order) and in total. */
  results(): { total: Timing; byType: ReadonlyMap<string, Timing>; byCoordinator: ReadonlyMap<string, Timing> } {
    const byType = new Map([...this.summary.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return { total: this.totalSummary, byType, byCoordinator: this.byCoordinator };
  }
}

function recordInto(t: Timing, r: OpRecord, fixedRate: boolean): void {
  t.ops++;
  t.partitions += r.partitions;
  t.rows += r.rows;
  if (r.error) t.errors++;
  t.latency.recordValue(Math.max(1, Math.round(r.latencyUs)));
  if (fixedRate && r.serviceUs !== undefined) t.service.recordValue(Math.max(1, Math.round(r.serviceUs)));
}

/** Latency figures in milliseconds, as the report prints them. */
export interface LatencyMs {
  mean: number;
  median: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export function latencyMs(h: Histogram): LatencyMs {
  if (h.totalCount === 0) return { mean: 0, median: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  // Percentiles report the top of their HDR bucket, which can sit a hair above the exact maximum: clamp, so a row
  // never shows .999 above max.
  const at = (p: number): number => Math.min(h.getValueAtPercentile(p), h.maxValue) / 1000;
  return { mean: h.mean / 1000, median: at(50), p95: at(95), p99: at(99), p999: at(99.9), max: h.maxValue / 1000 };
}
