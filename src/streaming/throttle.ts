// stream_throughput_outbound: the bytes per second a node sends in streams, all peers together (Cassandra's
// StreamRateLimiter is one limiter per node for its outbound streams). A debt-based limiter over injected time:
// each page is sent at once and the next one waits until the rate has paid for the previous, so a burst never
// exceeds one page and the long-run rate is the configured one.
import type { Clock, Timers } from '../cluster/env.ts';

export class RateLimiter {
  /** When (clock ms) the bytes already sent will have been paid for at the configured rate. */
  private paidUntilMs = 0;

  constructor(private readonly clock: Clock, private readonly timers: Timers, private readonly bytesPerSec: () => number) {}

  /** Resolves once `bytes` may go: at once when unthrottled (rate 0) or when the link has been idle long enough. */
  acquire(bytes: number): Promise<void> {
    const rate = this.bytesPerSec();
    if (rate <= 0 || bytes <= 0) return Promise.resolve();
    const now = this.clock.now();
    const start = Math.max(now, this.paidUntilMs);
    this.paidUntilMs = start + (bytes * 1000) / rate;
    const waitMs = start - now;
    if (waitMs <= 0) return Promise.resolve();
    return new Promise((resolve) => this.timers.setTimeout(resolve, waitMs));
  }
}
