// Client request latency as the node saw it (from the request envelope decoded to its reply queued), for the
// dashboard's requests/s and p99 and for any Prometheus scraper: `sibyl_client_requests_total` and the histogram
// `sibyl_client_request_latency_seconds`. Kept outside prom-client on purpose: recording is on every request's path,
// where one array increment is affordable and prom-client's label lookup per observation is not; the exposition text is
// written at scrape time.

/** Upper bounds of the latency buckets, in ms: fine below 10 ms (where a healthy node lives), coarse above. */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 25, 50, 75, 100, 250, 500, 1000, 2500, 5000, 10000,
];

export class ClientRequestMetrics {
  /** Per bucket, not cumulative; the last slot counts requests above every bound (+Inf). */
  private readonly counts = new Float64Array(LATENCY_BUCKETS_MS.length + 1);
  private total = 0;
  private sumMs = 0;

  record(elapsedMs: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && elapsedMs > LATENCY_BUCKETS_MS[i]!) i++;
    this.counts[i]!++;
    this.total++;
    this.sumMs += elapsedMs;
  }

  get requests(): number {
    return this.total;
  }

  /** Prometheus text exposition (format 0.0.4) of the counter and the histogram. */
  exposition(): string {
    const lines = [
      '# HELP sibyl_client_requests_total Client requests (QUERY, PREPARE, EXECUTE, BATCH) answered since start',
      '# TYPE sibyl_client_requests_total counter',
      `sibyl_client_requests_total ${this.total}`,
      '# HELP sibyl_client_request_latency_seconds Time from a client request decoded to its reply queued',
      '# TYPE sibyl_client_request_latency_seconds histogram',
    ];
    let cumulative = 0;
    LATENCY_BUCKETS_MS.forEach((bound, i) => {
      cumulative += this.counts[i]!;
      lines.push(`sibyl_client_request_latency_seconds_bucket{le="${bound / 1000}"} ${cumulative}`);
    });
    cumulative += this.counts[LATENCY_BUCKETS_MS.length]!;
    lines.push(`sibyl_client_request_latency_seconds_bucket{le="+Inf"} ${cumulative}`);
    lines.push(`sibyl_client_request_latency_seconds_sum ${this.sumMs / 1000}`);
    lines.push(`sibyl_client_request_latency_seconds_count ${this.total}`);
    return `${lines.join('\n')}\n`;
  }
}
