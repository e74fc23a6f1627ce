// The coordinator's side of one single-partition read, as Cassandra's ReadCallback with its digest resolver: the best
// ranked replica is asked for the data and the others the level needs for a digest of theirs; a replica that fails
// fast is replaced by the next in rank, and when the table's speculative_retry delay passes without the level met one
// more replica is asked (for the data if none has come yet, else for a digest). The read is answered once the level
// is met with the data among the responses; then the coordinator compares digests (cluster.ts). On a mismatch it
// reads again, this time the data from every replica it contacted (a handler without digests), and repairs.
//
// One object per read, with methods rather than closures, and its speculation and timeout in the coordinator's
// DeadlineTables rather than timers of its own.
import type { DeadlineTable } from '../cluster/deadlines.ts';
import type { Clock } from '../cluster/env.ts';
import { partitionDigest } from '../messaging/partition-codec.ts';
import type { RingEndpoint } from '../cluster/ring.ts';
import type { ConsistencyLevel } from '../model/consistency.ts';
import { ReadFailureError, ReadTimeoutError, type RequestFailureReason } from '../model/errors.ts';
import type { PartitionData } from '../storage/types.ts';
import type { AckCounter } from './replica-set.ts';

/** One replica's answer: the data (a partition, or undefined when it holds none), or the digest of its data. */
export interface ReplicaResponse {
  to: string;
  data: PartitionData | undefined;
  /** Set for a digest response; undefined for a data response. */
  digest: Buffer | undefined;
}

/** Asks one replica, and reports back through onResponse / onFailure (the coordinator implements it). */
export interface ReplicaReader {
  ask(h: ReadHandler, r: RingEndpoint, wantData: boolean): void;
}

export interface ReadHandlerOptions {
  /** Replicas in the order to ask them. */
  targets: RingEndpoint[];
  /** How many to ask at once. */
  first: number;
  /** Whether all but the first are asked for digests (the first phase); false asks everyone for the data. */
  digests: boolean;
  cl: ConsistencyLevel;
  counter: AckCounter;
  reader: ReplicaReader;
  startedAt: number;
  readTimeoutMs: number;
  /** When to ask one more replica (speculative retry); Infinity for never. */
  speculateAt: number;
  deadline: number;
  timeouts: DeadlineTable<ReadHandler, ReadHandler>;
  speculations: DeadlineTable<ReadHandler, ReadHandler>;
  /** For the rule that a failed replica is replaced only while half the timeout remains. */
  clock: Clock;
}

let capturedResolve: ((r: ReplicaResponse[]) => void) | undefined;
let capturedReject: ((err: Error) => void) | undefined;
/** The one executor of every read's promise (no closure per read); it runs synchronously in the constructor. */
function capture(resolve: (r: ReplicaResponse[]) => void, reject: (err: Error) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

export class ReadHandler {
  readonly promise: Promise<ReplicaResponse[]>;
  readonly deadline: number;
  readonly speculateAt: number;
  readonly responses: ReplicaResponse[] = [];
  private readonly resolve: (r: ReplicaResponse[]) => void;
  private readonly reject: (err: Error) => void;
  private next = 0;
  private pending = 0;
  /** Data requests sent and not yet answered or failed. */
  private dataPending = 0;
  private dataReceived = 0;
  private failures: Map<string, RequestFailureReason> | undefined;
  private done = false;

  constructor(private readonly o: ReadHandlerOptions) {
    this.promise = new Promise<ReplicaResponse[]>(capture);
    this.resolve = capturedResolve!;
    this.reject = capturedReject!;
    this.deadline = o.deadline;
    this.speculateAt = o.speculateAt;
  }

  /** The replicas asked so far, in the order they were asked. */
  get contacted(): RingEndpoint[] {
    return this.o.targets.slice(0, this.next);
  }

  start(): void {
    this.o.timeouts.add(this, this);
    if (this.speculateAt < this.deadline) this.o.speculations.add(this, this);
    for (let i = 0; i < this.o.first; i++) this.ask();
  }

  onResponse(r: RingEndpoint, data: PartitionData | undefined, digest: Buffer | undefined): void {
    this.pending--;
    if (digest === undefined) this.dataPending--;
    if (this.done) return;
    this.responses.push({ to: r.id, data, digest });
    if (digest === undefined) this.dataReceived++;
    const satisfied = this.o.counter.ack(r.dc);
    if (satisfied && this.dataReceived > 0) this.finish();
    else if (this.pending === 0 && !this.ask()) this.finish(this.failure());
  }

  onFailure(r: RingEndpoint, wantedData: boolean, reason: RequestFailureReason | undefined): void {
    this.pending--;
    if (wantedData) this.dataPending--;
    if (reason !== undefined) (this.failures ??= new Map()).set(r.id, reason);
    if (this.done) return;
    // A replica that failed fast (refused, not timed out) is replaced while there is time for an answer.
    const replaced = this.o.clock.now() - this.o.startedAt < this.o.readTimeoutMs / 2 && this.ask();
    if (!replaced && this.pending === 0) this.finish(this.failure());
  }

  /**
   * The speculative retry delay passed without the level being met: one more replica is asked, for the data if none
   * has come yet (the data replica may be the slow one), else for a digest, as Cassandra's speculating executor does.
   */
  speculate(): void {
    if (!this.done) this.ask(this.dataReceived === 0);
  }

  /** The read timeout passed. */
  expire(): void {
    const c = this.o.counter;
    this.finish(new ReadTimeoutError(this.o.cl, c.received, c.blockFor, this.dataReceived > 0));
  }

  /**
   * Asks the next replica in rank order; false when none is left. In a digest phase the data is wanted while none
   * has come and no data request is out (the first ask, or the replacement of a failed data replica): a read
   * cannot be answered from digests alone.
   */
  private ask(wantData = !this.o.digests || (this.dataReceived === 0 && this.dataPending === 0)): boolean {
    if (this.next >= this.o.targets.length) return false;
    const r = this.o.targets[this.next++]!;
    if (wantData) this.dataPending++;
    this.pending++;
    this.o.reader.ask(this, r, wantData);
    return true;
  }

  private failure(): ReadTimeoutError | ReadFailureError {
    const c = this.o.counter;
    const dataPresent = this.dataReceived > 0;
    // Out of replicas to ask: a refusal among them makes it a ReadFailure, silence alone a ReadTimeout.
    return this.failures !== undefined && this.failures.size > 0
      ? new ReadFailureError(this.o.cl, c.received, c.blockFor, this.failures.size, dataPresent, this.failures)
      : new ReadTimeoutError(this.o.cl, c.received, c.blockFor, dataPresent);
  }

  private finish(err?: Error): void {
    if (this.done) return;
    this.done = true;
    this.o.timeouts.delete(this);
    this.o.speculations.delete(this);
    if (err !== undefined) this.reject(err);
    else this.resolve(this.responses);
  }
}

export const DIGEST_MISMATCH: unique symbol = Symbol('digest mismatch');

/**
 * The answer of a first-round read: its data, when every response agrees with it (the digests, and any other data
 * response, digest alike), as Cassandra's DigestResolver decides; DIGEST_MISMATCH when one differs.
 */
export function resolveDigests(responses: readonly ReplicaResponse[]): PartitionData | undefined | typeof DIGEST_MISMATCH {
  const dataResponse = responses.find((r) => r.digest === undefined);
  if (dataResponse === undefined) throw new Error('read resolved without a data response');
  if (responses.length === 1) return dataResponse.data;
  const expected = partitionDigest(dataResponse.data);
  for (const r of responses) {
    if (r === dataResponse) continue;
    if (!expected.equals(r.digest ?? partitionDigest(r.data))) return DIGEST_MISMATCH;
  }
  return dataResponse.data;
}
