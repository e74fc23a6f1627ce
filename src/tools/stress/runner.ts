// One measured run of a stress workload: `threads` concurrent loops, each sending one operation at a time and waiting
// for its answer (cassandra-stress's threads, as async loops sharing one event loop); an optional shared schedule for
// `-rate fixed=N/s` (latency from each operation's intended start) or `throttle=N/s`; a report line every interval;
// stopping after n= operations, a duration, or once the op rate's standard error is below err<. The driver and the
// clock are injected, so the loop is tested against a fake executor.
import type { RunLength } from './args.ts';
import { StressMetrics, type IntervalLine } from './metrics.ts';
import type { OperationSpec, Workload } from './workload.ts';

/**
 * What the runner needs from a driver: send one operation, report its coordinator and the rows it read (reads) or
 * wrote (writes).
 */
export interface Executor {
  execute(op: OperationSpec, params: unknown[]): Promise<{ rows: number; coordinator?: string }>;
}

export interface Clock {
  /** Monotonic milliseconds (performance.now in the tool). */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface PhaseOptions {
  threads: number;
  length: RunLength;
  /** Operations per second across all threads; 0 for as fast as possible. */
  opsPerSec: number;
  /** true: fixed= (latency from the intended start); false: throttle= (latency from the actual start). */
  fixedRate: boolean;
  intervalMs: number;
  /** Attempts after the first failure before an operation counts as an error. */
  retries: number;
  /** Keep going after an operation has failed all its attempts (cassandra-stress's `-errors ignore`). */
  ignoreErrors: boolean;
  /** Called with each interval's report lines and the current stderr. */
  onInterval?: (lines: IntervalLine[], stderr: number, metrics: StressMetrics) => void;
}

export interface PhaseResult {
  metrics: StressMetrics;
  /** The error that stopped the run (an operation that failed every attempt without -errors ignore). */
  failure?: string;
  startMs: number;
  endMs: number;
}

/** The error text cassandra-stress prints for an operation that failed all its tries. */
export function failureText(op: OperationSpec, attempts: number, params: unknown[], e: unknown): string {
  const key = params.find((p): p is Buffer => Buffer.isBuffer(p));
  const err = e as { name?: string; message?: string };
  return `Operation x${attempts} on key(s) [${key ? key.toString('hex') : '?'}]: Error executing ${op.type}: (${err.name ?? 'Error'}) ${err.message ?? String(e)}`;
}

interface Shared {
  issued: number;
  stop: boolean;
  failure?: string;
  scheduleStart: number;
  scheduled: number;
}

function shouldIssue(s: Shared, length: RunLength, clock: Clock, startMs: number): boolean {
  if (s.stop) return false;
  if (length.kind === 'count') return s.issued < length.ops;
  if (length.kind === 'duration') return clock.now() - startMs < length.ms;
  return true;
}

async function attempt(exec: Executor, op: OperationSpec, params: unknown[], retries: number): Promise<{ rows: number; coordinator?: string; error?: unknown; attempts: number }> {
  let last: unknown;
  for (let i = 0; i <= retries; i++) {
    try {
      const r = await exec.execute(op, params);
      return { ...r, attempts: i + 1 };
    } catch (e) {
      last = e;
    }
  }
  const coordinator = (last as { coordinator?: unknown }).coordinator;
  return { rows: 0, error: last, attempts: retries + 1, ...(typeof coordinator === 'string' ? { coordinator } : {}) };
}

async function worker(exec: Executor, workload: Workload, o: PhaseOptions, clock: Clock, m: StressMetrics, s: Shared, startMs: number): Promise<void> {
  const intervalMs = o.opsPerSec > 0 ? 1000 / o.opsPerSec : 0;
  while (shouldIssue(s, o.length, clock, startMs)) {
    const seed = workload.nextSeed();
    if (seed === undefined) break;
    s.issued++;
    const op = workload.nextOp();
    const params = op.params(seed);
    let intended: number | undefined;
    if (intervalMs > 0) {
      intended = s.scheduleStart + s.scheduled++ * intervalMs;
      const wait = intended - clock.now();
      if (wait > 0) await clock.sleep(wait);
    }
    const started = clock.now();
    const r = await attempt(exec, op, params, o.retries);
    const ended = clock.now();
    const fromIntended = o.fixedRate && intended !== undefined;
    m.record({
      type: op.type,
      latencyUs: ((fromIntended ? ended - intended! : ended - started) * 1000),
      ...(fromIntended ? { serviceUs: (ended - started) * 1000 } : {}),
      partitions: 1,
      rows: r.rows,
      error: r.error !== undefined,
      ...(r.coordinator !== undefined ? { coordinator: r.coordinator } : {}),
    });
    if (r.error !== undefined && !o.ignoreErrors && s.failure === undefined) {
      s.failure = failureText(op, r.attempts, params, r.error);
      s.stop = true;
    }
  }
}

/** Runs one phase to its end and returns its metrics (the caller prints the summary). */
export async function runPhase(exec: Executor, workload: Workload, o: PhaseOptions, clock: Clock): Promise<PhaseResult> {
  const startMs = clock.now();
  const m = new StressMetrics(startMs, o.fixedRate && o.opsPerSec > 0);
  const s: Shared = { issued: 0, stop: false, scheduleStart: startMs, scheduled: 0 };
  let running = true;
  const reporter = (async (): Promise<void> => {
    let next = startMs + o.intervalMs;
    while (running) {
      await clock.sleep(Math.max(0, next - clock.now()));
      if (!running) break;
      next += o.intervalMs;
      const lines = m.closeInterval(clock.now());
      o.onInterval?.(lines, m.uncertainty.value, m);
      const u = o.length;
      if (u.kind === 'uncertainty' && m.uncertainty.measurements >= u.minMeasurements && (m.uncertainty.value < u.target || m.uncertainty.measurements >= u.maxMeasurements)) s.stop = true;
    }
  })();
  await Promise.all(Array.from({ length: o.threads }, () => worker(exec, workload, o, clock, m, s, startMs)));
  running = false;
  const endMs = clock.now();
  const last = m.closeInterval(endMs);
  o.onInterval?.(last, m.uncertainty.value, m);
  await reporter;
  return { metrics: m, startMs, endMs, ...(s.failure !== undefined ? { failure: s.failure } : {}) };
}

/**
 * cassandra-stress's thread ramp: from threads>= upwards, doubling below 16 threads and ×1.5 above, until threads<=
 * is passed or (with `auto`) the op rate has stopped improving — on average over the last three steps, and by the
 * target uncertainty over the last five.
 */
export function nextThreadCount(current: number): number {
  return current < 16 ? current * 2 : Math.floor(current * 1.5);
}

export function keepRamping(opRates: readonly number[], auto: boolean, target: number): boolean {
  if (!auto) return true;
  const avg = (count: number): number => {
    let sum = 0;
    for (let i = opRates.length - count; i < opRates.length; i++) sum += (opRates[i]! - opRates[i - 1]!) / opRates[i - 1]!;
    return sum / count;
  };
  const ok = (count: number, min: number): boolean => opRates.length < count + 1 || avg(count) >= min;
  return ok(3, 0) && ok(5, target);
}

/** Average improvement of the last run over the one before, for "Improvement over N threadCount: X%". */
export function improvement(opRates: readonly number[]): number {
  const n = opRates.length;
  return n < 2 ? 0 : (opRates[n - 1]! - opRates[n - 2]!) / opRates[n - 2]!;
}
