// The coordinator of a multi-node ring: sends each mutation to every live replica and answers once the consistency
// level is met (hinting replicas that are down or too slow), reads from the closest replicas, reconciles their
// answers by timestamp and repairs stale replicas before answering. Time, network and storage are injected so a
// whole cluster can run in one process on a simulated network.
import type { KeyspaceDef, Schema, TableDef } from '../schema/model.ts';
import type { PartitionData, ReadFilter, ScanRange } from '../storage/types.ts';
import { InvalidRequestError, ReadFailureError, ReadTimeoutError, RequestFailureReason, WriteFailureError, WriteTimeoutError, type WriteType } from '../model/errors.ts';
import { handle, send, Verbs, type IndexScanRequest, type MutationRequest, type ReadRequest, type ScanRequest, type TableRef, type TruncateRequest } from '../messaging/verbs.ts';
import type { IndexQuery, IndexScanRange } from '../index/types.ts';
import { indexScan, type IndexScanContext, type IndexScanResult, type LocalIndexScanner } from './index-scan.ts';
import { RemoteError } from '../messaging/errors.ts';
import { dataEqual } from '../storage/equal.ts';
import { mergePartitions } from '../storage/merge.ts';
import type { Coordinator, Mutation } from './coordinator.ts';
import { assureSufficientLiveReplicas } from './consistency.ts';
import { AckCounter, LatencyTracker, isLocalCl, replicaSet, type Topology } from './replica-set.ts';
import { Speculation } from './speculation.ts';
import { DEFAULT_MAX_HINTS_PER_TARGET, MemoryHintStore, type HintItems, type HintStore } from './hints.ts';
import { scanSegments } from './segments.ts';
import type { Clock, TimerHandle, Timers } from '../cluster/env.ts';
import type { RingEndpoint } from '../cluster/ring.ts';
import type { ConsistencyLevel } from '../model/consistency.ts';

/** Local replica operations (StorageEngine implements them; simulations use an in-memory store). */
export interface ReplicaStore {
  apply(table: TableDef, update: PartitionData): Promise<void>;
  applyMany(items: Array<{ table: TableDef; update: PartitionData }>): Promise<void>;
  read(table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, nowSec: number): PartitionData | undefined;
  scan(table: TableDef, range: ScanRange, filter: ReadFilter, partitionLimit: number, nowSec: number): PartitionData[];
  truncate(table: TableDef): Promise<void>;
  /** A replica's part of a secondary index query; absent where indexes are not maintained. */
  indexScan?: LocalIndexScanner['indexScan'];
}

/** Request/response messaging between nodes (MessagingService implements it). */
export interface Messenger {
  readonly self: string;
  register(verb: string, handler: (payload: unknown, from: string) => unknown | Promise<unknown>): void;
  request(to: string, verb: string, payload: unknown, timeoutMs: number): Promise<unknown>;
}

export interface ClusterCoordinatorOptions {
  topology: Topology;
  messenger: Messenger;
  store: ReplicaStore;
  schema: () => Schema;
  clock: Clock;
  timers: Timers;
  writeTimeoutMs: number;
  readTimeoutMs: number;
  maxHintWindowMs: number;
  /** Where hints are kept; in memory when not given (simulations, tests). */
  hints?: HintStore;
  /** hinted_handoff_throttle: replay bandwidth per target, bytes per second (Cassandra's default 1024 KiB/s). */
  hintThrottleBytesPerSec?: number;
}

const HINT_REPLAY_BATCH = 64;

const refOf = (t: TableDef): TableRef => ({ ks: t.keyspace, table: t.name, id: t.id });

/** How one replica's part of a request ended: acknowledged, refused (with a reason), or no answer in time. */
type ReplicaOutcome = { ok: true } | { ok: false; reason: RequestFailureReason | undefined };

export class ClusterCoordinator implements Coordinator {
  readonly hints: HintStore;
  readonly latency = new LatencyTracker();
  private readonly speculation: Speculation;

  constructor(private readonly o: ClusterCoordinatorOptions) {
    this.hints = o.hints ?? new MemoryHintStore(o.clock, {
      maxHintWindowMs: o.maxHintWindowMs, maxBytesPerTarget: Number.MAX_SAFE_INTEGER, maxCountPerTarget: DEFAULT_MAX_HINTS_PER_TARGET,
    });
    this.speculation = new Speculation(Math.min(100, o.readTimeoutMs / 4));
    handle(o.messenger, Verbs.MUTATION, (p) => this.onMutation(p));
    handle(o.messenger, Verbs.READ, (p) => this.onRead(p));
    handle(o.messenger, Verbs.SCAN, (p) => this.onScan(p));
    handle(o.messenger, Verbs.TRUNCATE, (p) => this.onTruncate(p));
    handle(o.messenger, Verbs.INDEX_SCAN, (p) => this.onIndexScan(p));
  }

  private table(ref: TableRef): TableDef {
    const t = this.o.schema().keyspaces.get(ref.ks)?.tables.get(ref.table);
    if (!t || t.id !== ref.id) throw new InvalidRequestError(`unknown table ${ref.ks}.${ref.table} (schema disagreement)`);
    return t;
  }

  private async onMutation(p: MutationRequest): Promise<true> {
    const items = p.items.map((i) => ({ table: this.table(i.t), update: i.u }));
    if (items.length === 1) await this.o.store.apply(items[0].table, items[0].update);
    else await this.o.store.applyMany(items);
    return true;
  }

  private onRead(p: ReadRequest): PartitionData | null {
    return this.o.store.read(this.table(p.t), p.key, p.token, p.filter, p.now) ?? null;
  }

  private onScan(p: ScanRequest): PartitionData[] {
    return this.o.store.scan(this.table(p.t), p.range, p.filter, p.limit, p.now);
  }

  private onIndexScan(p: IndexScanRequest): PartitionData[] {
    const store = this.o.store;
    if (!store.indexScan) throw new InvalidRequestError('secondary indexes are not maintained on this node');
    return store.indexScan(this.table(p.t), p.q, p.range, p.filter, p.limit, p.now);
  }

  private indexScanContext(): IndexScanContext {
    const store = this.o.store;
    return {
      topology: this.o.topology, latency: this.latency, messenger: this.o.messenger, readTimeoutMs: this.o.readTimeoutMs,
      local: store.indexScan ? { indexScan: (...a) => store.indexScan!(...a) } : undefined,
      read: (...a) => this.read(...a), failureReason,
    };
  }

  indexScan(ks: KeyspaceDef, table: TableDef, q: IndexQuery, range: IndexScanRange, filter: ReadFilter, partitionLimit: number,
    cl: ConsistencyLevel, nowSec: number): Promise<IndexScanResult> {
    return indexScan(this.indexScanContext(), ks, table, q, range, filter, partitionLimit, cl, nowSec);
  }

  private async onTruncate(p: TruncateRequest): Promise<true> {
    await this.o.store.truncate(this.table(p.t));
    return true;
  }

  /**
   * Sends one mutation to a replica (or applies it locally). A refusal (the replica answered with an error, or the
   * local store failed) is told apart from no answer: Cassandra answers the first with WriteFailure and hints only
   * the second.
   */
  private async deliver(to: string, items: Array<{ table: TableDef; update: PartitionData }>): Promise<ReplicaOutcome> {
    const start = this.o.clock.now();
    try {
      if (to === this.o.topology.self) {
        if (items.length === 1) await this.o.store.apply(items[0].table, items[0].update);
        else await this.o.store.applyMany(items);
      } else {
        await send(this.o.messenger, to, Verbs.MUTATION, { items: items.map((i) => ({ t: refOf(i.table), u: i.update })) }, this.o.writeTimeoutMs);
      }
      this.latency.record(to, this.o.clock.now() - start);
      return { ok: true };
    } catch (e) {
      this.latency.penalize(to, this.o.writeTimeoutMs);
      return { ok: false, reason: failureReason(e, to === this.o.topology.self) };
    }
  }

  async write(ks: KeyspaceDef, mutations: Mutation[], cl: ConsistencyLevel, writeType: WriteType): Promise<void> {
    await Promise.all(mutations.map((m) => this.writeOne(ks, m, cl, writeType)));
  }

  private writeOne(ks: KeyspaceDef, m: Mutation, cl: ConsistencyLevel, writeType: WriteType): Promise<void> {
    const rs = replicaSet(this.o.topology, ks, m.update.token);
    assureSufficientLiveReplicas(cl, rs.view, true);
    const counter = new AckCounter(cl, rs.view);
    const items = [{ table: m.table, update: m.update }];
    // Hints for replicas known down are durable before the write is acknowledged, so a coordinator crash right after
    // the ack cannot lose what those replicas missed.
    const hinted = rs.dead.length === 0 ? undefined : Promise.all(rs.dead.map((r) => this.hints.add(r.id, items)));
    if (cl === 0 && rs.alive.length === 0) return hinted!.then(() => undefined); // ANY: the hints are the write
    if (rs.alive.length === 1 && rs.dead.length === 0 && rs.alive[0]!.id === this.o.topology.self) {
      // The coordinator is the only replica (a single node, or RF 1 routed by the driver): no message, no timer.
      return this.o.store.apply(m.table, m.update);
    }
    return new Promise<void>((resolve, reject) => {
      let done = false;
      let pending = rs.alive.length;
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        if (err) reject(err);
        else if (hinted) hinted.then(() => resolve(), reject);
        else resolve();
      };
      const failures = new Map<string, RequestFailureReason>();
      const local = isLocalCl(cl);
      const candidates = local ? rs.alive.filter((r) => r.dc === this.o.topology.localDc).length : rs.alive.length;
      let localFailures = 0;
      const timer = this.o.timers.setTimeout(() => finish(new WriteTimeoutError(cl, counter.received, counter.blockFor, writeType)), this.o.writeTimeoutMs + 50);
      for (const r of rs.alive) {
        void this.deliver(r.id, items).then((outcome) => {
          pending--;
          if (outcome.ok) {
            if (counter.ack(r.dc) || (cl === 0 && counter.received > 0)) {
              this.o.timers.clearTimeout(timer);
              finish();
            }
          } else if (outcome.reason === undefined) {
            void this.hints.add(r.id, items);
          } else {
            failures.set(r.id, outcome.reason);
            if (r.dc === this.o.topology.localDc) localFailures++;
          }
          // Once too many replicas refused for the level to be reachable, the write has failed (Cassandra's rule:
          // blockFor + failures > candidates, counting only the local DC for LOCAL_* levels).
          const counted = local ? localFailures : failures.size;
          const unreachable = failures.size > 0 && !counter.satisfied() && (counter.blockFor + counted > candidates || pending === 0);
          if (unreachable && !done) {
            this.o.timers.clearTimeout(timer);
            finish(new WriteFailureError(cl, counter.received, counter.blockFor, failures.size, writeType, failures));
          } else if (pending === 0 && !done) {
            this.o.timers.clearTimeout(timer);
            finish(counter.satisfied() ? undefined : new WriteTimeoutError(cl, counter.received, counter.blockFor, writeType));
          }
        });
      }
    });
  }

  private async readFrom(to: string, table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, nowSec: number): Promise<PartitionData | undefined> {
    const start = this.o.clock.now();
    if (to === this.o.topology.self) return this.o.store.read(table, key, token, filter, nowSec);
    const res = await send(this.o.messenger, to, Verbs.READ, { t: refOf(table), key, token, filter, now: nowSec }, this.o.readTimeoutMs);
    const ms = this.o.clock.now() - start;
    this.latency.record(to, ms);
    this.speculation.record(table.id, ms);
    return res ?? undefined;
  }

  async read(ks: KeyspaceDef, table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, cl: ConsistencyLevel, nowSec: number): Promise<PartitionData | undefined> {
    const rs = replicaSet(this.o.topology, ks, token);
    assureSufficientLiveReplicas(cl, rs.view, false);
    const counter = new AckCounter(cl, rs.view);
    const targets = this.latency.rank(this.o.topology, rs.alive, isLocalCl(cl));
    if (counter.blockFor <= 1 && targets[0]?.id === this.o.topology.self) {
      // The coordinator is the closest replica and one answer is enough: a local read cannot time out, so there is
      // nothing to speculate about and no timer to arm (this is every read of a single-node cluster).
      return this.o.store.read(table, key, token, filter, nowSec);
    }
    const delay = this.speculation.delayMs(table.id, table.options.speculative_retry);
    const responses = await this.gather(targets, Math.max(1, counter.blockFor), cl, counter, delay, (r) => this.readFrom(r.id, table, key, token, filter, nowSec));
    let merged: PartitionData | undefined;
    for (const { data } of responses) merged = data === undefined ? merged : merged === undefined ? data : mergePartitions(table, merged, data);
    if (merged && responses.length > 1) await this.repair(table, merged, responses);
    return merged;
  }

  /**
   * Asks the first `first` targets; asks one more (in rank order) when a replica fails, and once when `delayMs`
   * passes without the level being met (speculative retry). Answers as soon as the level is met, with the replies
   * so far; fails with ReadTimeout when the read timeout passes or no replica is left to ask.
   */
  private gather(targets: RingEndpoint[], first: number, cl: ConsistencyLevel, counter: AckCounter, delayMs: number | undefined,
    read: (r: RingEndpoint) => Promise<PartitionData | undefined>): Promise<Array<{ to: string; data: PartitionData | undefined }>> {
    return new Promise((resolve, reject) => {
      const out: Array<{ to: string; data: PartitionData | undefined }> = [];
      let next = 0;
      let pending = 0;
      let done = false;
      const timers: TimerHandle[] = [];
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        for (const t of timers) this.o.timers.clearTimeout(t);
        if (err) reject(err);
        else resolve(out);
      };
      const started = this.o.clock.now();
      const failures = new Map<string, RequestFailureReason>();
      const dataPresent = (): boolean => out.some((o) => o.data !== undefined);
      // Out of replicas to ask: a refusal among them makes it a ReadFailure, silence alone a ReadTimeout.
      const timeout = (): ReadTimeoutError | ReadFailureError => (failures.size > 0
        ? new ReadFailureError(cl, counter.received, counter.blockFor, failures.size, dataPresent(), failures)
        : new ReadTimeoutError(cl, counter.received, counter.blockFor, dataPresent()));
      const ask = (): boolean => {
        if (next >= targets.length) return false;
        const r = targets[next++]!;
        pending++;
        read(r).then(
          (data) => {
            pending--;
            if (done) return;
            out.push({ to: r.id, data });
            if (counter.ack(r.dc)) finish();
            else if (pending === 0 && !ask()) finish(timeout());
          },
          (e: unknown) => {
            pending--;
            this.latency.penalize(r.id, this.o.readTimeoutMs);
            const reason = failureReason(e, r.id === this.o.topology.self);
            if (reason !== undefined) failures.set(r.id, reason);
            if (done) return;
            // A replica that failed fast (refused, not timed out) is replaced while there is time for an answer.
            const replaced = this.o.clock.now() - started < this.o.readTimeoutMs / 2 && ask();
            if (!replaced && pending === 0) finish(timeout());
          },
        );
        return true;
      };
      for (let i = 0; i < first; i++) ask();
      if (delayMs !== undefined && delayMs < this.o.readTimeoutMs) timers.push(this.o.timers.setTimeout(() => void (done || ask()), delayMs));
      timers.push(this.o.timers.setTimeout(() => finish(new ReadTimeoutError(cl, counter.received, counter.blockFor, dataPresent())), this.o.readTimeoutMs + 50));
    });
  }

  /** Blocking read repair: replicas whose answer differs from the reconciled one get the reconciled data. */
  private async repair(table: TableDef, merged: PartitionData, responses: Array<{ to: string; data: PartitionData | undefined }>): Promise<void> {
    const stale = responses.filter((r) => !(r.data !== undefined && dataEqual(r.data, merged)));
    await Promise.all(stale.map((r) => this.deliver(r.to, [{ table, update: merged }])));
  }

  async scan(ks: KeyspaceDef, table: TableDef, range: ScanRange, filter: ReadFilter, partitionLimit: number, cl: ConsistencyLevel, nowSec: number): Promise<PartitionData[]> {
    const out: PartitionData[] = [];
    for (const seg of scanSegments(this.o.topology.ring(), range)) {
      if (out.length >= partitionLimit) break;
      const rs = replicaSet(this.o.topology, ks, seg.token);
      assureSufficientLiveReplicas(cl, rs.view, false);
      const counter = new AckCounter(cl, rs.view);
      const chosen = this.latency.rank(this.o.topology, rs.alive, isLocalCl(cl)).slice(0, Math.max(1, counter.blockFor));
      const limit = partitionLimit - out.length;
      const settled = await Promise.allSettled(chosen.map((r) => (r.id === this.o.topology.self
        ? Promise.resolve(this.o.store.scan(table, seg.range, filter, limit, nowSec))
        : send(this.o.messenger, r.id, Verbs.SCAN, { t: refOf(table), range: seg.range, filter, limit, now: nowSec }, this.o.readTimeoutMs))));
      const byKey = new Map<string, PartitionData>();
      const failures = new Map<string, RequestFailureReason>();
      settled.forEach((s, i) => {
        if (s.status !== 'fulfilled') {
          const reason = failureReason(s.reason, chosen[i].id === this.o.topology.self);
          if (reason !== undefined) failures.set(chosen[i].id, reason);
          return;
        }
        counter.ack(chosen[i].dc);
        for (const p of s.value) {
          const k = p.key.toString('hex');
          const prev = byKey.get(k);
          byKey.set(k, prev ? mergePartitions(table, prev, p) : p);
        }
      });
      if (!counter.satisfied() && failures.size > 0) throw new ReadFailureError(cl, counter.received, counter.blockFor, failures.size, byKey.size > 0, failures);
      if (!counter.satisfied()) throw new ReadTimeoutError(cl, counter.received, counter.blockFor, byKey.size > 0);
      const parts = [...byKey.values()].sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : Buffer.compare(a.key, b.key)));
      out.push(...parts.slice(0, limit));
    }
    return out;
  }

  async truncate(ks: KeyspaceDef, table: TableDef): Promise<void> {
    const ring = this.o.topology.ring();
    const targets = ring.endpoints.map((e) => e.id);
    const down = targets.filter((t) => !this.o.topology.isAlive(t));
    if (down.length > 0) {
      throw new InvalidRequestError(`Cannot achieve consistency level ALL for TRUNCATE: ${down.length} node(s) down`);
    }
    await Promise.all(targets.map((t) => (t === this.o.topology.self
      ? this.o.store.truncate(table)
      : send(this.o.messenger, t, Verbs.TRUNCATE, { t: refOf(table) }, this.o.writeTimeoutMs * 5))));
    void ks;
  }

  /**
   * Replays the hints held for a replica that came back, oldest first, in batches: each delivered hint is removed
   * from the store, the first failure stops the replay (the rest stay for the next attempt), and the pace is held to
   * hinted_handoff_throttle. Returns how many were delivered.
   */
  async replayHints(endpoint: string): Promise<number> {
    let delivered = 0;
    for (let rounds = 0; rounds < 1_000_000; rounds++) {
      const batch = this.hints.peek(endpoint, HINT_REPLAY_BATCH);
      if (batch.length === 0) break;
      const done: string[] = [];
      let failed = false;
      let bytes = 0;
      for (const h of batch) {
        if (!(await this.deliver(endpoint, h.items)).ok) {
          failed = true;
          break;
        }
        done.push(h.id);
        delivered++;
        bytes += h.sizeBytes;
      }
      await this.hints.remove(endpoint, done);
      if (failed) break;
      await this.throttle(bytes);
    }
    return delivered;
  }

  private throttle(sizeBytes: number): Promise<void> {
    const rate = this.o.hintThrottleBytesPerSec ?? 0;
    if (rate <= 0) return Promise.resolve();
    return new Promise((resolve) => this.o.timers.setTimeout(resolve, (sizeBytes * 1000) / rate));
  }

}

/**
 * Why a replica's part failed: a reason when it refused (it answered with an error, or the local store threw), none
 * when it did not answer (timeout, connection lost), which leaves the outcome unknown and is hinted.
 */
function failureReason(e: unknown, local: boolean): RequestFailureReason | undefined {
  if (local) return RequestFailureReason.UNKNOWN;
  if (!(e instanceof RemoteError)) return undefined;
  // A replica that does not know the table (yet, or any more) disagrees with the coordinator's schema.
  if (e.remoteName === 'InvalidRequestError' && /unknown table/.test(e.message)) return RequestFailureReason.INCOMPATIBLE_SCHEMA;
  return RequestFailureReason.UNKNOWN;
}
