// Failed logins are rate-limited per client address: after `maxFailures` failures within `windowMs`, further
// attempts from that address are refused unchecked until the window has passed. Cassandra has no such limit (it
// leaves it to the network); Sibyl adds it so that a password cannot be guessed at bcrypt speed from one address.
// The table of addresses is bounded, so an attacker rotating addresses cannot grow it without limit.
import type { AuthClock } from './types.ts';

interface Failures {
  count: number;
  windowStart: number;
}

export class LoginLimiter {
  private readonly byAddress = new Map<string, Failures>();
  refused = 0;

  constructor(
    private readonly clock: AuthClock,
    private readonly maxFailures = 10,
    private readonly windowMs = 60_000,
    private readonly maxAddresses = 10_000,
  ) {}

  /** Whether `address` may try to log in now. */
  allows(address: string): boolean {
    const f = this.byAddress.get(address);
    if (f === undefined) return true;
    if (this.clock.now() - f.windowStart >= this.windowMs) {
      this.byAddress.delete(address);
      return true;
    }
    if (f.count < this.maxFailures) return true;
    this.refused++;
    return false;
  }

  failed(address: string): void {
    const now = this.clock.now();
    const f = this.byAddress.get(address);
    if (f !== undefined && now - f.windowStart < this.windowMs) {
      f.count++;
      return;
    }
    this.byAddress.delete(address);
    if (this.byAddress.size >= this.maxAddresses) this.byAddress.delete(this.byAddress.keys().next().value as string);
    this.byAddress.set(address, { count: 1, windowStart: now });
  }

  succeeded(address: string): void {
    this.byAddress.delete(address);
  }
}
