// Deterministic simulation for cluster tests, in the spirit of TigerBeetle's VOPR and FoundationDB's simulator: virtual
// time, a seeded PRNG, and a packet simulator with latency, jitter, loss, partitions and crashed nodes. Given the
// same seed and the same test code, a run produces the same event trace, so any failure replays exactly.
//
// Only tests use this; production passes env.ts's system adapters and a real transport instead.

import type { Clock, Random, TimerHandle, Timers, Transport } from './env.ts';

interface SimEvent {
  at: number;
  /** Insertion order: events due at the same virtual time run in the order they were scheduled. */
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A binary min-heap of events by (at, seq). */
class EventQueue {
  private readonly heap: SimEvent[] = [];

  get size(): number {
    return this.heap.length;
  }

  private static before(a: SimEvent, b: SimEvent): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  push(event: SimEvent): void {
    const h = this.heap;
    h.push(event);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!EventQueue.before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  peek(): SimEvent | undefined {
    return this.heap[0];
  }

  pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && EventQueue.before(h[l]!, h[m]!)) m = l;
      if (r < h.length && EventQueue.before(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
    return top;
  }
}

/** Virtual time: a Clock and Timers whose time advances only as queued events run. */
export class SimScheduler implements Clock, Timers {
  private time: number;
  private seq = 0;
  private readonly queue = new EventQueue();
  private readonly byHandle = new Map<number, SimEvent>();
  /** The event log a determinism check compares; anything may append to it through log(). */
  readonly trace: string[] = [];

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const event = this.enqueue(this.time + Math.max(0, ms), fn);
    const handle = { id: event.seq };
    this.byHandle.set(handle.id, event);
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    const event = this.byHandle.get(handle.id);
    if (event !== undefined) {
      event.cancelled = true;
      this.byHandle.delete(handle.id);
    }
  }

  /** Runs `fn` at absolute virtual time `atMs` (not before now). */
  at(atMs: number, fn: () => void): void {
    this.enqueue(Math.max(this.time, atMs), fn);
  }

  private enqueue(at: number, fn: () => void): SimEvent {
    const event: SimEvent = { at, seq: this.seq++, fn, cancelled: false };
    this.queue.push(event);
    return event;
  }

  log(entry: string): void {
    this.trace.push(`${this.time} ${entry}`);
  }

  /** Runs the next event; false when none is left. */
  step(): boolean {
    for (;;) {
      const event = this.queue.pop();
      if (event === undefined) return false;
      this.byHandle.delete(event.seq);
      if (event.cancelled) continue;
      this.time = event.at;
      event.fn();
      return true;
    }
  }

  /** Runs every event due up to `timeMs`, then leaves the clock at `timeMs`. Returns how many ran. */
  runUntil(timeMs: number): number {
    let ran = 0;
    for (let next = this.queue.peek(); next !== undefined && next.at <= timeMs; next = this.queue.peek()) {
      // Pop cancelled events here: step() would skip past them to an event beyond timeMs.
      if (next.cancelled) this.queue.pop();
      else if (this.step()) ran++;
    }
    if (timeMs > this.time) this.time = timeMs;
    return ran;
  }

  runFor(ms: number): number {
    return this.runUntil(this.time + ms);
  }

  /**
   * Advances in `stepMs` slices until `done()` holds or `maxMs` has passed; returns the virtual time it took, or
   * undefined if it never held.
   */
  runUntilTrue(done: () => boolean, maxMs: number, stepMs = 100): number | undefined {
    const start = this.time;
    while (this.time - start <= maxMs) {
      if (done()) return this.time - start;
      this.runFor(stepMs);
    }
    return undefined;
  }

  get pending(): number {
    return this.queue.size;
  }
}

export interface SimNetworkOptions<M> {
  /** One-way delay for links without their own setting. Default 1 ms. */
  latencyMs?: number;
  /** Extra delay, uniform in [0, jitterMs), drawn from the seeded Random per message. Default 0. */
  jitterMs?: number;
  /** Probability that any one message is lost. Default 0. */
  dropProbability?: number;
  /** Renders a message for the trace; default JSON. */
  describe?: (msg: M) => string;
  /** Record send/drop/deliver lines in the scheduler's trace. Default true. */
  trace?: boolean;
  /**
   * Deep-copy each message, as serialization would, so nodes never share mutable objects. Default true.
   */
  clone?: boolean;
}

export interface SimNetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
}

const linkKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** An in-process network of endpoints exchanging messages of type M in virtual time. */
export class SimNetwork<M> {
  private readonly scheduler: SimScheduler;
  private readonly random: Random;
  private readonly latencyMs: number;
  private readonly jitterMs: number;
  private dropProbability: number;
  private readonly describe: (msg: M) => string;
  private readonly tracing: boolean;
  private readonly cloning: boolean;
  private readonly handlers = new Map<string, (from: string, msg: M) => void>();
  private readonly linkLatency = new Map<string, number>();
  /** Partition side of each endpoint; endpoints on no side reach everyone. */
  private readonly side = new Map<string, number>();
  private readonly downNodes = new Set<string>();
  private dropRule: ((from: string, to: string, msg: M) => boolean) | undefined;
  readonly stats: SimNetworkStats = { sent: 0, delivered: 0, dropped: 0 };

  constructor(scheduler: SimScheduler, random: Random, options: SimNetworkOptions<M> = {}) {
    this.scheduler = scheduler;
    this.random = random;
    this.latencyMs = options.latencyMs ?? 1;
    this.jitterMs = options.jitterMs ?? 0;
    this.dropProbability = options.dropProbability ?? 0;
    this.describe = options.describe ?? ((msg) => JSON.stringify(msg));
    this.tracing = options.trace ?? true;
    this.cloning = options.clone ?? true;
  }

  /** The Transport for `address`. Calling it again (a restarted node) replaces the previous inbound handler. */
  transport(address: string): Transport<M> {
    return {
      send: (to, msg) => this.send(address, to, msg),
      onMessage: (handler) => { this.handlers.set(address, handler); },
    };
  }

  /** Symmetric one-way latency for the link a–b. */
  setLatency(a: string, b: string, ms: number): void {
    this.linkLatency.set(linkKey(a, b), ms);
  }

  setDropProbability(p: number): void {
    this.dropProbability = p;
  }

  /** Drops exactly the messages `rule` selects (e.g. one verb between some nodes); undefined removes the rule. */
  setDropRule(rule: ((from: string, to: string, msg: M) => boolean) | undefined): void {
    this.dropRule = rule;
  }

  /** Splits the given endpoints into groups that cannot reach each other; replaces any earlier partition. */
  partition(...groups: ReadonlyArray<readonly string[]>): void {
    this.side.clear();
    groups.forEach((group, i) => { for (const endpoint of group) this.side.set(endpoint, i); });
    this.log(`partition ${groups.map((g) => `[${g.join(',')}]`).join(' ')}`);
  }

  heal(): void {
    this.side.clear();
    this.log('heal');
  }

  /** A crashed node: everything to or from it is lost, including messages already in flight. */
  down(address: string): void {
    this.downNodes.add(address);
    this.log(`down ${address}`);
  }

  up(address: string): void {
    this.downNodes.delete(address);
    this.log(`up ${address}`);
  }

  canReach(from: string, to: string): boolean {
    if (this.downNodes.has(from) || this.downNodes.has(to)) return false;
    const a = this.side.get(from);
    const b = this.side.get(to);
    return a === undefined || b === undefined || a === b;
  }

  private log(entry: string): void {
    if (this.tracing) this.scheduler.log(entry);
  }

  private send(from: string, to: string, msg: M): void {
    this.stats.sent++;
    // Draw from the PRNG unconditionally so the random stream does not depend on which links are cut.
    const lost = this.random.next() < this.dropProbability;
    const jitter = this.jitterMs > 0 ? this.random.next() * this.jitterMs : 0;
    if (lost || !this.canReach(from, to) || this.dropRule?.(from, to, msg) === true) {
      this.stats.dropped++;
      if (this.tracing) this.log(`drop ${from}->${to} ${this.describe(msg)}`);
      return;
    }
    const payload = this.cloning ? structuredClone(msg) : msg;
    const delay = (this.linkLatency.get(linkKey(from, to)) ?? this.latencyMs) + jitter;
    if (this.tracing) this.log(`send ${from}->${to} +${delay.toFixed(3)} ${this.describe(msg)}`);
    this.scheduler.setTimeout(() => this.deliver(from, to, payload), delay);
  }

  private deliver(from: string, to: string, msg: M): void {
    // A partition or crash that happened while the message was in flight still loses it.
    const handler = this.handlers.get(to);
    if (handler === undefined || !this.canReach(from, to)) {
      this.stats.dropped++;
      this.log(`lost ${from}->${to}`);
      return;
    }
    this.stats.delivered++;
    this.log(`recv ${from}->${to}`);
    handler(from, msg);
  }
}
