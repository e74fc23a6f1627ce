// Cassandra's limits on the native port: native_transport_max_concurrent_connections and its per-IP twin refuse a
// connection at accept (Cassandra's ConnectionLimitHandler closes it without a word, and logs), and the idle and
// frame read timeouts live in Connection. Refusals and timeouts are counted for /metrics.

export interface NativeLimitSettings {
  /** -1: unlimited, as Cassandra's default. */
  maxConnections: number;
  maxConnectionsPerIp: number;
}

export type NativeRefusal = 'too-many-connections' | 'too-many-connections-per-ip' | 'idle-timeout' | 'frame-read-timeout';

export class NativeAdmission {
  private total = 0;
  private readonly perIp = new Map<string, number>();
  readonly refused: Record<NativeRefusal, number> = {
    'too-many-connections': 0, 'too-many-connections-per-ip': 0, 'idle-timeout': 0, 'frame-read-timeout': 0,
  };

  constructor(private readonly limits: NativeLimitSettings, private readonly log: (msg: string) => void) {}

  /** Counts the connection in and returns true, or returns false (and logs, as Cassandra does) if over a limit. */
  admit(ip: string): boolean {
    const { maxConnections, maxConnectionsPerIp } = this.limits;
    if (maxConnections >= 0 && this.total + 1 > maxConnections) {
      this.refused['too-many-connections']++;
      this.log(`Exceeded maximum native connection limit of ${maxConnections} by using ${this.total + 1} connections`);
      return false;
    }
    const fromIp = (this.perIp.get(ip) ?? 0) + 1;
    if (maxConnectionsPerIp >= 0 && fromIp > maxConnectionsPerIp) {
      this.refused['too-many-connections-per-ip']++;
      this.log(`Exceeded maximum native connection limit per ip of ${maxConnectionsPerIp} by using ${fromIp} connections from ${ip}`);
      return false;
    }
    this.total++;
    this.perIp.set(ip, fromIp);
    return true;
  }

  release(ip: string): void {
    this.total--;
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
  }

  timedOut(why: 'idle' | 'frame-read'): void {
    this.refused[why === 'idle' ? 'idle-timeout' : 'frame-read-timeout']++;
  }
}
