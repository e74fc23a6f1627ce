// The coordinator's side of one replicated write, as Cassandra's AbstractWriteResponseHandler: it counts the
// replicas' outcomes against the consistency level and settles the write's promise once, as acknowledged, failed
// (too many refusals for the level to be reachable) or timed out. One object per write, with methods rather than a
// closure per replica, and its timeout in the coordinator's DeadlineTable rather than a timer of its own.
import type { DeadlineTable } from '../cluster/deadlines.ts';
import type { RingEndpoint } from '../cluster/ring.ts';
import type { ConsistencyLevel } from '../model/consistency.ts';
import { WriteFailureError, WriteTimeoutError, type RequestFailureReason, type WriteType } from '../model/errors.ts';
import type { AckCounter } from './replica-set.ts';

/** How one replica's part of a request ended: acknowledged, refused (with a reason), or no answer in time. */
export type ReplicaOutcome = { ok: true } | { ok: false; reason: RequestFailureReason | undefined };

export const OK: ReplicaOutcome = { ok: true };

let capturedResolve: (() => void) | undefined;
let capturedReject: ((err: Error) => void) | undefined;
/** The one executor of every write's promise (no closure per write); it runs synchronously in the constructor. */
function capture(resolve: () => void, reject: (err: Error) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

export interface WriteHandlerOptions {
  cl: ConsistencyLevel;
  counter: AckCounter;
  writeType: WriteType;
  /** Replicas the write was sent to. */
  contacted: number;
  /** Replicas that could acknowledge towards the level (the local DC's only, for LOCAL_* levels). */
  candidates: number;
  /** Counts only local-DC refusals towards unreachability (LOCAL_* levels). */
  localOnly: boolean;
  localDc: string;
  deadline: number;
  /** Hints written for replicas known down: the write is acknowledged only once they are durable. */
  hinted: Promise<unknown> | undefined;
  table: DeadlineTable<WriteHandler, WriteHandler>;
}

export class WriteHandler {
  readonly promise: Promise<void>;
  readonly deadline: number;
  private readonly resolve: () => void;
  private readonly reject: (err: Error) => void;
  private pending: number;
  private failures: Map<string, RequestFailureReason> | undefined;
  private localFailures = 0;
  private done = false;

  constructor(private readonly o: WriteHandlerOptions) {
    this.promise = new Promise<void>(capture);
    this.resolve = capturedResolve!;
    this.reject = capturedReject!;
    this.pending = o.contacted;
    this.deadline = o.deadline;
    o.table.add(this, this);
  }

  onOutcome(r: RingEndpoint, outcome: ReplicaOutcome): void {
    this.pending--;
    const { cl, counter } = this.o;
    if (outcome.ok) {
      if (counter.ack(r.dc) || (cl === 0 && counter.received > 0)) return this.finish();
    } else if (outcome.reason !== undefined) {
      (this.failures ??= new Map()).set(r.id, outcome.reason);
      if (r.dc === this.o.localDc) this.localFailures++;
    }
    if (this.done) return;
    const failures = this.failures?.size ?? 0;
    // Once too many replicas refused for the level to be reachable, the write has failed (Cassandra's rule:
    // blockFor + failures > candidates, counting only the local DC for LOCAL_* levels).
    const counted = this.o.localOnly ? this.localFailures : failures;
    if (failures > 0 && !counter.satisfied() && (counter.blockFor + counted > this.o.candidates || this.pending === 0)) {
      this.finish(new WriteFailureError(cl, counter.received, counter.blockFor, failures, this.o.writeType, this.failures!));
    } else if (this.pending === 0) {
      this.finish(counter.satisfied() ? undefined : this.timeoutError());
    }
  }

  /** The write timeout passed without the level being met. */
  expire(): void {
    this.finish(this.timeoutError());
  }

  private timeoutError(): WriteTimeoutError {
    return new WriteTimeoutError(this.o.cl, this.o.counter.received, this.o.counter.blockFor, this.o.writeType);
  }

  private finish(err?: Error): void {
    if (this.done) return;
    this.done = true;
    this.o.table.delete(this);
    if (err !== undefined) this.reject(err);
    else if (this.o.hinted !== undefined) this.o.hinted.then(this.resolve, this.reject);
    else this.resolve();
  }
}
