// Records a history as concurrent clients run: `invoke` before sending, then exactly one of `ok`, `fail` or `info`
// when the answer (or the lack of one) is known. Times come from an injected clock so that a simulator's virtual
// time and a live test's monotonic clock both work.
import type { HistoryEntry, RegisterOp, RegisterValue } from './checker.ts';

export interface PendingOp {
  readonly client: number;
  readonly key: string;
  readonly op: RegisterOp;
  readonly invokeMs: number;
}

export class HistoryRecorder {
  private readonly entries: HistoryEntry[] = [];
  private open = 0;

  constructor(private readonly nowMs: () => number) {}

  invoke(client: number, key: string, op: RegisterOp): PendingOp {
    this.open++;
    return { client, key, op, invokeMs: this.nowMs() };
  }

  /** A read's value, or a cas's applied flag (with the current value a failed LWT reports, when it does). */
  ok(p: PendingOp, result?: RegisterValue | boolean, observed?: RegisterValue): void {
    this.close({ ...p, completeMs: this.nowMs(), outcome: 'ok', result, observed });
  }

  /** The operation certainly did not take effect (refused before any replica could apply it). */
  fail(p: PendingOp): void {
    this.close({ ...p, completeMs: this.nowMs(), outcome: 'fail' });
  }

  /** Unknown outcome (a timeout, a lost connection): it may take effect at any later time, or never. */
  info(p: PendingOp): void {
    this.close({ ...p, outcome: 'info' });
  }

  history(): readonly HistoryEntry[] {
    if (this.open !== 0) throw new Error(`${this.open} operations still open`);
    return this.entries;
  }

  private close(e: HistoryEntry): void {
    this.open--;
    this.entries.push(e);
  }
}
