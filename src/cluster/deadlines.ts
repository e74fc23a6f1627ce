// Deadlines for many short-lived operations (requests awaiting a response, writes and reads awaiting their replicas)
// with one timer, not one each. Almost every operation completes long before its deadline, so a timer per operation
// is an allocation, a timer-list insertion and a removal spent on nothing; Cassandra likewise expires its callbacks
// from one periodic sweep rather than a timer per message.
//
// The table arms one timer for the earliest deadline it holds. When it fires it expires what is due and re-arms for
// the earliest left. Completed operations leave the table at once (delete), so nothing survives a young-generation
// collection for the sake of its timeout. A sweep visits every entry, and entries come and go in about deadline
// order, so the timer fires about once per timeout period under steady load and each sweep costs the number in flight.
import type { Clock, TimerHandle, Timers } from './env.ts';

export class DeadlineTable<K, T> {
  private readonly entries = new Map<K, T>();
  private timer: TimerHandle | undefined;
  /** The deadline the timer is armed for (Infinity when none is). */
  private armedFor = Infinity;
  private readonly sweepNow = (): void => this.sweep();

  constructor(
    private readonly clock: Clock,
    private readonly timers: Timers,
    /** Clock time (ms) at which an entry expires unless it leaves the table first; read when it is added and swept. */
    private readonly deadlineOf: (entry: T) => number,
    /** Called for each entry whose deadline passed, after it has left the table. */
    private readonly onExpire: (key: K, entry: T) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  add(key: K, entry: T): void {
    this.entries.set(key, entry);
    const deadline = this.deadlineOf(entry);
    if (deadline < this.armedFor) this.arm(deadline);
  }

  get(key: K): T | undefined {
    return this.entries.get(key);
  }

  /** Removes and returns the entry (the operation completed); undefined when it had already expired or left. */
  take(key: K): T | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined) this.entries.delete(key);
    return entry;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Every entry, emptying the table (on close); no expiry runs. */
  drain(): T[] {
    const all = [...this.entries.values()];
    this.entries.clear();
    this.disarm();
    return all;
  }

  private arm(deadline: number): void {
    this.disarm();
    this.armedFor = deadline;
    // Round up: a timer may fire a little early against a sub-millisecond clock; sweep() re-arms if it did.
    this.timer = this.timers.setTimeout(this.sweepNow, Math.max(0, Math.ceil(deadline - this.clock.now())));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private sweep(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.clock.now();
    let due: Array<[K, T]> | undefined;
    let next = Infinity;
    for (const [key, entry] of this.entries) {
      const deadline = this.deadlineOf(entry);
      if (deadline <= now) (due ??= []).push([key, entry]);
      else if (deadline < next) next = deadline;
    }
    // Expire after the walk: an expiry may add or remove entries (a retry, a completion it triggers).
    if (due !== undefined) {
      for (const [key, entry] of due) {
        if (this.entries.get(key) !== entry) continue;
        this.entries.delete(key);
        this.onExpire(key, entry);
      }
    }
    if (next < this.armedFor && this.entries.size > 0) this.arm(next);
  }
}
