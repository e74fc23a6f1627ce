// Added latency for one link, preserving order. Each item gets a due time, but never earlier than the item before
// it: a TCP connection cannot reorder, so a message with less jitter waits behind an earlier one with more (head-of-
// line blocking, as on a real congested link). One timer per link is armed for the head of the queue only.

import type { Clock, TimerHandle, Timers } from '../cluster/env.ts';

interface Pending<T> {
  at: number;
  item: T;
}

export class DelayLine<T> {
  /** Consumed slots are set to undefined and skipped by `head`, so dequeuing is O(1). */
  private readonly queue: (Pending<T> | undefined)[] = [];
  private head = 0;
  private lastAt = -Infinity;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly deliver: (item: T) => void,
  ) {}

  get size(): number {
    return this.queue.length - this.head;
  }

  push(item: T, delayMs: number): void {
    const now = this.clock.now();
    const at = Math.max(now + delayMs, this.lastAt);
    this.lastAt = at;
    // The common zero-delay case with nothing queued skips the timer (and its event-loop turn) entirely.
    if (at <= now && this.size === 0) {
      this.deliver(item);
      return;
    }
    this.queue.push({ at, item });
    if (this.timer === undefined) this.arm(now);
  }

  /** Forgets everything queued (the link closed). */
  clear(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.head = 0;
    this.lastAt = -Infinity;
  }

  private arm(now: number): void {
    const next = this.queue[this.head];
    if (next === undefined) return;
    // Round up: a timer may fire up to a millisecond "early" against a sub-millisecond clock, and a message must
    // never arrive before its configured latency; fire() re-arms if it is still early.
    this.timer = this.timers.setTimeout(() => this.fire(), Math.max(0, Math.ceil(next.at - now)));
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    for (let next = this.queue[this.head]; next !== undefined && next.at <= now; next = this.queue[this.head]) {
      this.queue[this.head++] = undefined;
      this.deliver(next.item);
    }
    // Compact once the consumed prefix dominates, so a long-lived busy link does not grow its array forever.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else {
      this.arm(now);
    }
  }
}
