// Speculative retry for reads, as a table's `speculative_retry` option asks: when the replicas first chosen have not
// answered after a delay, one more replica is asked. This is what keeps reads fast while a replica has died but the
// failure detector has not yet convicted it: without it, every read that chose the dead replica waits for the read
// timeout. Forms understood, as Cassandra 4 prints them: '99p' (a percentile of the table's recent replica read
// latencies), '50ms', 'ALWAYS', 'NONE'; any other form falls back to '99p'.

/** Replica read latencies of one table: the last WINDOW samples, with the percentile recomputed now and then. */
class LatencyWindow {
  static readonly WINDOW = 256;
  private readonly samples = new Float64Array(LatencyWindow.WINDOW);
  private count = 0;
  private sinceSort = 0;
  private cached = new Map<number, number>();

  record(ms: number): void {
    this.samples[this.count % LatencyWindow.WINDOW] = ms;
    this.count++;
    if (++this.sinceSort >= 32) {
      this.sinceSort = 0;
      this.cached.clear();
    }
  }

  /** The p-th percentile, or undefined until there are enough samples to mean anything. */
  percentile(p: number): number | undefined {
    const n = Math.min(this.count, LatencyWindow.WINDOW);
    if (n < 20) return undefined;
    const hit = this.cached.get(p);
    if (hit !== undefined) return hit;
    const sorted = Float64Array.from(this.samples.subarray(0, n)).sort();
    const v = sorted[Math.min(n - 1, Math.ceil((p / 100) * n) - 1)]!;
    this.cached.set(p, v);
    return v;
  }
}

/** A speculative_retry option, parsed: never, a fixed delay, or a percentile of recent latencies. */
type Policy = { kind: 'never' } | { kind: 'fixed'; ms: number } | { kind: 'percentile'; p: number };

function parsePolicy(policy: string): Policy {
  const p = policy.trim().toUpperCase();
  if (p === 'NONE') return { kind: 'never' };
  if (p === 'ALWAYS') return { kind: 'fixed', ms: 0 };
  const fixed = /^(\d+(?:\.\d+)?)MS$/.exec(p);
  if (fixed) return { kind: 'fixed', ms: Number(fixed[1]) };
  const pct = /^(\d+(?:\.\d+)?)(?:P|PERCENTILE)$/.exec(p);
  return { kind: 'percentile', p: pct ? Math.min(100, Number(pct[1])) : 99 };
}

export class Speculation {
  private readonly windows = new Map<string, LatencyWindow>();
  /** Parsed policies by their text: a table's option is the same string read after read. */
  private readonly policies = new Map<string, Policy>();

  /** @param fallbackMs the delay while a table has too few samples for a percentile. */
  constructor(private readonly fallbackMs: number) {}

  record(tableId: string, ms: number): void {
    let w = this.windows.get(tableId);
    if (!w) this.windows.set(tableId, (w = new LatencyWindow()));
    w.record(ms);
  }

  /** How long to wait before asking one more replica; undefined = never ('NONE'). */
  delayMs(tableId: string, policy: string): number | undefined {
    let parsed = this.policies.get(policy);
    if (parsed === undefined) {
      parsed = parsePolicy(policy);
      if (this.policies.size < 1024) this.policies.set(policy, parsed);
    }
    if (parsed.kind === 'never') return undefined;
    if (parsed.kind === 'fixed') return parsed.ms;
    const measured = this.windows.get(tableId)?.percentile(parsed.p);
    // A floor: on a busy machine a percentile of sub-millisecond reads would otherwise double every read.
    return measured === undefined ? this.fallbackMs : Math.max(measured, 5);
  }
}
