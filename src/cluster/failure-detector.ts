// Phi-accrual failure detection (Hayashibara et al.), shaped the way Cassandra uses it. Instead of a fixed timeout,
// each peer gets a suspicion level phi that grows with the silence since its last heartbeat, scaled by how often
// heartbeats usually arrive from it, so a peer heard from through slow multi-hop gossip is not convicted as early
// as one heard from every second.
//
// Cassandra models arrivals as exponentially distributed: P(silence > t) = e^(-t/mean), and
// phi = -log10(P) = t / mean / ln(10). That is what PHI_FACTOR expresses; with the default threshold 8 a peer whose
// heartbeats arrive once a second is convicted after about 18.4 s of silence.
//
// Sans-I/O: the caller passes `now` (ms, monotonic) into every call; nothing here reads a clock.

/** 1 / ln(10): converts (silence / mean interval) into -log10 of the exponential tail probability. */
export const PHI_FACTOR = 1 / Math.LN10;

export interface FailureDetectorOptions {
  /** Phi above which a peer is convicted. Cassandra's phi_convict_threshold, default 8. */
  phiConvictThreshold?: number;
  /** How many recent inter-arrival intervals to average. Cassandra keeps 1000. */
  windowSize?: number;
  /**
   * The interval assumed for the first heartbeat, before any real interval is known: twice the gossip interval, so
   * a brand-new peer is not convicted after a single missed round.
   */
  initialIntervalMs?: number;
  /**
   * Intervals longer than this are not recorded: a gap that long means the peer was down or partitioned, and
   * averaging it in would make the detector slow to convict the next real failure.
   */
  maxIntervalMs?: number;
  /**
   * If interpret() is not called for this long, the local process itself stalled (GC, a suspended VM, a blocked
   * event loop). Everyone would look silent, so convicting would be wrong; see interpret().
   */
  maxLocalPauseMs?: number;
}

export type ConvictListener = (endpoint: string, phi: number) => void;

/** A ring buffer of the last `size` inter-arrival intervals with a running sum, so the mean is O(1). */
class ArrivalWindow {
  private readonly intervals: Float64Array;
  private next = 0;
  private count = 0;
  private sum = 0;
  /** Time of the last heartbeat; undefined until the first one. */
  lastArrival: number | undefined;
  /** Set after a local pause: the next arrival only re-anchors lastArrival, the gap is not a real interval. */
  skipNextInterval = false;

  constructor(size: number) {
    this.intervals = new Float64Array(size);
  }

  add(now: number, initialIntervalMs: number, maxIntervalMs: number): void {
    if (this.lastArrival === undefined) {
      this.push(initialIntervalMs);
    } else if (this.skipNextInterval) {
      this.skipNextInterval = false;
    } else {
      const interval = now - this.lastArrival;
      if (interval > 0 && interval <= maxIntervalMs) this.push(interval);
    }
    this.lastArrival = now;
  }

  private push(interval: number): void {
    if (this.count === this.intervals.length) this.sum -= this.intervals[this.next]!;
    else this.count++;
    this.intervals[this.next] = interval;
    this.sum += interval;
    this.next = (this.next + 1) % this.intervals.length;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  phi(now: number): number {
    const mean = this.mean();
    if (this.lastArrival === undefined || mean <= 0) return 0;
    return (PHI_FACTOR * Math.max(0, now - this.lastArrival)) / mean;
  }

  get samples(): number {
    return this.count;
  }
}

export class FailureDetector {
  readonly phiConvictThreshold: number;
  private readonly windowSize: number;
  private readonly initialIntervalMs: number;
  private readonly maxIntervalMs: number;
  private readonly maxLocalPauseMs: number;
  private readonly windows = new Map<string, ArrivalWindow>();
  /** Endpoints reported since their last conviction. */
  private readonly alive = new Set<string>();
  private readonly listeners: ConvictListener[] = [];
  private lastInterpret: number | undefined;
  private lastPause: number | undefined;

  constructor(options: FailureDetectorOptions = {}) {
    this.phiConvictThreshold = options.phiConvictThreshold ?? 8;
    this.windowSize = options.windowSize ?? 1000;
    this.initialIntervalMs = options.initialIntervalMs ?? 2000;
    this.maxIntervalMs = options.maxIntervalMs ?? this.initialIntervalMs;
    this.maxLocalPauseMs = options.maxLocalPauseMs ?? 5000;
    if (!(this.phiConvictThreshold > 0)) throw new RangeError('phiConvictThreshold must be positive');
    if (!(this.windowSize >= 1)) throw new RangeError('windowSize must be at least 1');
    if (!(this.initialIntervalMs > 0)) throw new RangeError('initialIntervalMs must be positive');
  }

  /** A heartbeat from `endpoint` arrived (its heartbeat version advanced) at `now`. */
  report(endpoint: string, now: number): void {
    let window = this.windows.get(endpoint);
    if (window === undefined) {
      window = new ArrivalWindow(this.windowSize);
      this.windows.set(endpoint, window);
    }
    window.add(now, this.initialIntervalMs, this.maxIntervalMs);
    this.alive.add(endpoint);
  }

  /**
   * Checks `endpoint` and notifies the convict listeners if its phi is above the threshold. Returns whether it was
   * convicted. Called once per peer per gossip round.
   *
   * The local-pause guard: if the previous interpret() (for any peer) was more than maxLocalPauseMs ago, this
   * process was stalled and every peer's silence is our own fault. That round convicts nobody, every peer's last
   * arrival is moved to now (so they get a full detection window again), and no conviction happens for a further
   * maxLocalPauseMs while the gossip that piled up during the stall is processed.
   */
  interpret(endpoint: string, now: number): boolean {
    const window = this.windows.get(endpoint);
    if (window === undefined) return false;
    if (this.checkLocalPause(now)) return false;
    const phi = window.phi(now);
    if (phi <= this.phiConvictThreshold) return false;
    this.alive.delete(endpoint);
    for (const listener of this.listeners.slice()) listener(endpoint, phi);
    return true;
  }

  /** True while a pause guard is active at `now`; detects a new pause as a side effect. */
  private checkLocalPause(now: number): boolean {
    const previous = this.lastInterpret;
    this.lastInterpret = now;
    if (previous !== undefined && now - previous > this.maxLocalPauseMs) {
      this.lastPause = now;
      for (const window of this.windows.values()) {
        if (window.lastArrival !== undefined) {
          window.lastArrival = now;
          window.skipNextInterval = true;
        }
      }
      return true;
    }
    return this.lastPause !== undefined && now - this.lastPause < this.maxLocalPauseMs;
  }

  /** The current suspicion level of `endpoint` (0 if never heard from). */
  phi(endpoint: string, now: number): number {
    return this.windows.get(endpoint)?.phi(now) ?? 0;
  }

  /** Mean inter-arrival interval in ms (0 if never heard from); exposed for tests and nodetool-style output. */
  meanInterval(endpoint: string): number {
    return this.windows.get(endpoint)?.mean() ?? 0;
  }

  /** Heard from and not convicted since. */
  isAlive(endpoint: string): boolean {
    return this.alive.has(endpoint);
  }

  /** Forgets an endpoint's history: it restarted (new generation), left, or was shut down. */
  remove(endpoint: string): void {
    this.windows.delete(endpoint);
    this.alive.delete(endpoint);
  }

  /** Forces a conviction, as a peer announcing its own shutdown does. */
  forceConviction(endpoint: string): void {
    this.alive.delete(endpoint);
    for (const listener of this.listeners.slice()) listener(endpoint, Number.POSITIVE_INFINITY);
  }

  /** Registers a convict listener; returns a function that unregisters it. */
  onConvict(listener: ConvictListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Endpoints with an arrival history, for status dumps. */
  endpoints(): string[] {
    return [...this.windows.keys()];
  }
}
