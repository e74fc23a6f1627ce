// The environment a cluster state machine sees: time, timers, randomness and a message transport. The gossiper and
// the failure detector never touch Date.now, setTimeout, Math.random or sockets themselves; they get these
// interfaces, so a test can swap in the simulated ones (sim-network.ts) and replay a whole cluster from a seed.

/** Milliseconds on a monotonic clock. Failure detection measures intervals, so it must never go backwards. */
export interface Clock {
  now(): number;
}

/** An opaque timer handle; only the Timers that made it can cancel it. */
export interface TimerHandle {
  readonly id: number;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n); n must be a positive integer. */
  int(n: number): number;
}

/**
 * Point-to-point datagram-style delivery between endpoints named by listen address ("127.1.2.4:7000"). Delivery is
 * best-effort, unordered across sends and may drop: gossip is built to tolerate all of that.
 */
export interface Transport<M> {
  send(to: string, msg: M): void;
  /** Registers the one inbound handler; a second call replaces the first. */
  onMessage(handler: (from: string, msg: M) => void): void;
}

/**
 * mulberry32: a 32-bit state PRNG, small and fast, with a period of 2^32, which is ample for choosing gossip peers
 * and simulating jitter. The seed is folded to 32 bits, so every number is a valid seed.
 */
export function seededRandom(seed: number): Random {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Random.int needs a positive integer, got ${n}`);
      return Math.floor(next() * n);
    },
  };
}

/** Picks one element uniformly; undefined for an empty list. */
export function pick<T>(random: Random, items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : items[random.int(items.length)];
}

/** Fisher-Yates shuffle of a copy. */
export function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

// The production adapters. They are the only place real time enters the cluster code, which keeps the rest
// replayable; the node process passes these in, tests pass a SimScheduler.

/** performance.now() is monotonic, unlike Date.now(), which jumps with NTP and would fake failures. */
export const systemClock: Clock = { now: () => performance.now() };

export function systemTimers(): Timers {
  const live = new Map<number, ReturnType<typeof setTimeout>>();
  let nextId = 1;
  return {
    setTimeout(fn: () => void, ms: number): TimerHandle {
      const id = nextId++;
      live.set(id, setTimeout(() => { live.delete(id); fn(); }, ms));
      return { id };
    },
    clearTimeout(handle: TimerHandle): void {
      const t = live.get(handle.id);
      if (t !== undefined) { clearTimeout(t); live.delete(handle.id); }
    },
  };
}

/** Runs `fn` every `ms` through injected timers, until stopped. */
export function every(timers: Timers, ms: number, fn: () => void): { stop(): void } {
  let handle: TimerHandle | undefined;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    fn();
    handle = timers.setTimeout(tick, ms);
  };
  handle = timers.setTimeout(tick, ms);
  return {
    stop() {
      running = false;
      if (handle) timers.clearTimeout(handle);
    },
  };
}
