// The coordinator of a multi-node ring: sends each mutation to every live replica and answers once the consistency
// level is met (hinting replicas that are down or too slow), reads from the closest replicas, reconciles their
// answers by timestamp and repairs stale replicas before answering. Time, network and storage are injected so a
// whole cluster can run in one process on a simulated network.
import type { KeyspaceDef, Schema, TableDef } from '../schema/model.ts';
import type { PartitionData, ReadFilter, ScanRange } from '../storage/types.ts';
import { InvalidRequestError, UnavailableError, ReadFailureError, ReadTimeoutError, RequestFailureReason, type WriteType } from '../model/errors.ts';
import { handle, send, Verbs, type AnnScanRequest, type IndexScanRequest, type MutationRequest, type ReadRequest, type ScanRequest, type TableRef, type TruncateRequest, refOf } from '../messaging/verbs.ts';
import type { IndexQuery, IndexScanRange } from '../index/types.ts';
import { annScan, type AnnPartition, type AnnScanContext, type LocalAnnScanner } from './ann-scan.ts';
import { indexScan, type IndexScanContext, type IndexScanResult, type LocalIndexScanner } from './index-scan.ts';
import { partitionDigest } from '../messaging/partition-codec.ts';
import { dataEqual } from '../storage/equal.ts';
import { mergePartitions } from '../storage/merge.ts';
import type { Coordinator, Mutation } from './coordinator.ts';
import { assureSufficientLiveReplicas } from './consistency.ts';
import { AckCounter, LatencyTracker, isLocalCl, pendingBlockFor, replicaSet, type ReplicaSet, type Topology } from './replica-set.ts';
import { Speculation } from './speculation.ts';
import { ReplicaReadCounts } from './replica-reads.ts';
import { DEFAULT_MAX_HINTS_PER_TARGET, MemoryHintStore, type HintStore } from './hints.ts';
import { scanSegments } from './segments.ts';
import { seededRandom, type Clock, type Random, type Timers } from '../cluster/env.ts';
import { OK, WriteHandler, type ReplicaOutcome } from './write-handler.ts';
import { DIGEST_MISMATCH, ReadHandler, resolveDigests, type ReplicaReader, type ReplicaResponse } from './read-handler.ts';
import { DeadlineTable } from '../cluster/deadlines.ts';
import type { RingEndpoint } from '../cluster/ring.ts';
import { Consistency, type ConsistencyLevel } from '../model/consistency.ts';
import { PaxosProposer, type CasRequest, type CasResult } from './paxos/proposer.ts';
import { MemoryPaxosStore, type PaxosStateStore } from './paxos/acceptor.ts';
import { CounterWriter } from './counters.ts';
import { Batchlog, MemoryBatchlogStore, type BatchlogStore } from './batchlog.ts';
import { counterIdOf } from '../storage/counters.ts';
import { checkTombstones } from '../storage/tombstone-count.ts';
import { mutationEvents, traceLocalWrite, tracedRequest, traceReceived, traceReplicaRead, traceReplicaScan, traceSend, type ReplicaTraceWriter } from './trace-context.ts';
import { failureReason, localReadFailure } from './failure-reason.ts';

/** Local replica operations (StorageEngine implements them; simulations use an in-memory store). */
export interface ReplicaStore {
  apply(table: TableDef, update: PartitionData): Promise<void>;
  applyMany(items: Array<{ table: TableDef; update: PartitionData }>): Promise<void>;
  read(table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, nowSec: number): PartitionData | undefined;
  scan(table: TableDef, range: ScanRange, filter: ReadFilter, partitionLimit: number, nowSec: number): PartitionData[];
  truncate(table: TableDef): Promise<void>;
  /** A replica's part of a secondary index query; absent where indexes are not maintained. */
  indexScan?: LocalIndexScanner['indexScan'];
  /** A replica's part of an ANN query, by its vector graphs; absent where they are not kept. */
  annScan?: LocalAnnScanner['annScan'];
  /** Drops the partitions with tokens in these inclusive intervals (nodetool cleanup); absent where unsupported. */
  removeTokenRanges?(table: TableDef, intervals: ReadonlyArray<{ from: bigint; to: bigint }>): Promise<void>;
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
  /** Where Paxos state is kept (the node's store); in memory when not given. */
  paxosStore?: PaxosStateStore;
  /** Ballot timestamps (wall-clock µs) and contention backoff; derived from the clock and a fixed seed when not given. */
  nowMicros?: () => number;
  random?: Random;
  /** cas_contention_timeout (Cassandra's default 1000 ms). */
  casContentionTimeoutMs?: number;
  /** This node's counter id (the shard it leads); derived from the endpoint when not given. */
  counterId?: Buffer;
  /** counter_write_request_timeout (Cassandra's default 5000 ms). */
  counterWriteTimeoutMs?: number;
  /** Where this node keeps the logged batches it holds for coordinators; in memory when not given. */
  batchlogStore?: BatchlogStore;
  /** batchlog_replay_throttle, bytes per second for the cluster (Cassandra's default 1024 KiB/s). */
  batchlogReplayThrottleBytesPerSec?: number;
  /** tombstone_failure_threshold: a replica read scanning more tombstones fails (Cassandra's default 100000; -1 never). */
  tombstoneFailureThreshold?: number;
  /** Stores this replica's events of traced requests (coordinator/trace-context.ts); untraced when absent. */
  traceWriter?: ReplicaTraceWriter;
}

const HINT_REPLAY_BATCH = 64;

type Items = Array<{ table: TableDef; update: PartitionData }>;

/** What one read asks each replica: the handler's ask() gets only the replica and whether it wants the data. */
interface ReadQuery { table: TableDef; key: Buffer; token: bigint; filter: ReadFilter; nowSec: number }

export class ClusterCoordinator implements Coordinator, ReplicaReader {
  readonly hints: HintStore;
  readonly latency = new LatencyTracker();
  /** Reads this node served as a replica, by the asking coordinator's rack and DC (seed 004's Figure 1). */
  readonly replicaReads = new ReplicaReadCounts();
  readonly paxos: PaxosProposer;
  readonly counters: CounterWriter;
  readonly batchlog: Batchlog;
  private readonly speculation: Speculation;
  /** In-flight writes and reads, each table with one timer for all their timeouts (and the reads' speculation). */
  private readonly writes: DeadlineTable<WriteHandler, WriteHandler>;
  private readonly readTimeouts: DeadlineTable<ReadHandler, ReadHandler>;
  private readonly speculations: DeadlineTable<ReadHandler, ReadHandler>;
  /** The query of each read in flight (kept here so a handler need not carry the coordinator's types). */
  private readonly queries = new WeakMap<ReadHandler, ReadQuery>();

  constructor(private readonly o: ClusterCoordinatorOptions) {
    this.hints = o.hints ?? new MemoryHintStore(o.clock, {
      maxHintWindowMs: o.maxHintWindowMs, maxBytesPerTarget: Number.MAX_SAFE_INTEGER, maxCountPerTarget: DEFAULT_MAX_HINTS_PER_TARGET,
    });
    this.speculation = new Speculation(Math.min(100, o.readTimeoutMs / 4));
    this.writes = new DeadlineTable(o.clock, o.timers, (h) => h.deadline, (h) => h.expire());
    this.readTimeouts = new DeadlineTable(o.clock, o.timers, (h) => h.deadline, (h) => h.expire());
    this.speculations = new DeadlineTable(o.clock, o.timers, (h) => h.speculateAt, (h) => h.speculate());
    handle(o.messenger, Verbs.MUTATION, (p, from) => this.onMutation(p, from));
    handle(o.messenger, Verbs.READ, (p, from) => this.onRead(p, from));
    handle(o.messenger, Verbs.READ_DIGEST, (p, from) => partitionDigest(this.onRead(p, from) ?? undefined));
    handle(o.messenger, Verbs.SCAN, (p, from) => this.onScan(p, from));
    handle(o.messenger, Verbs.TRUNCATE, (p) => this.onTruncate(p));
    handle(o.messenger, Verbs.INDEX_SCAN, (p) => this.onIndexScan(p));
    handle(o.messenger, Verbs.ANN_SCAN, (p) => this.onAnnScan(p));
    this.paxos = new PaxosProposer({
      topology: o.topology, messenger: o.messenger, clock: o.clock, timers: o.timers, random: o.random ?? seededRandom(1),
      nowMicros: o.nowMicros ?? (() => Math.floor(o.clock.now() * 1000)), store: o.paxosStore ?? new MemoryPaxosStore(),
      apply: (t, u) => o.store.apply(t, u), table: (ref) => this.table(ref),
      read: (ks, t, key, token, filter, cl, nowSec) => this.read(ks, t, key, token, filter, cl, nowSec),
      hint: (target, table, update) => void this.hints.add(target, [{ table, update }]),
      writeTimeoutMs: o.writeTimeoutMs, casContentionTimeoutMs: o.casContentionTimeoutMs ?? 1000,
    });
    const nowMicros = o.nowMicros ?? (() => Math.floor(o.clock.now() * 1000));
    this.counters = new CounterWriter({
      topology: o.topology, messenger: o.messenger, store: o.store, clock: o.clock, timers: o.timers,
      counterId: o.counterId ?? counterIdOf(o.topology.self), counterWriteTimeoutMs: o.counterWriteTimeoutMs ?? 5000,
      nowSec: () => Math.floor(nowMicros() / 1e6), table: (ref) => this.table(ref),
      keyspace: (name) => {
        const ks = o.schema().keyspaces.get(name);
        if (!ks) throw new InvalidRequestError(`Keyspace ${name} does not exist`);
        return ks;
      },
      rank: (replicas) => this.latency.rank(o.topology, replicas, false),
      replicate: async (ks, mutations, cl) => {
        await Promise.all(mutations.map((m) => this.writeOne(ks, m, cl, 'COUNTER')));
      },
    });
    this.batchlog = new Batchlog({
      topology: o.topology, messenger: o.messenger, store: o.batchlogStore ?? new MemoryBatchlogStore(), clock: o.clock, timers: o.timers,
      random: o.random ?? seededRandom(2), nowMicros, writeTimeoutMs: o.writeTimeoutMs,
      replayThrottleBytesPerSec: o.batchlogReplayThrottleBytesPerSec ?? 1024 * 1024,
      table: (ref) => {
        const ks = o.schema().keyspaces.get(ref.ks);
        const table = ks?.tables.get(ref.table);
        return ks && table && table.id === ref.id ? { ks, table } : undefined;
      },
      write: (ks, m, cl, writeType) => this.writeOne(ks, m, cl, writeType),
    });
  }

  writeLogged(groups: Array<{ ks: KeyspaceDef; mutations: Mutation[] }>, cl: ConsistencyLevel): Promise<void> {
    return this.batchlog.writeLogged(groups, cl);
  }

  cas(ks: KeyspaceDef, req: CasRequest, serialCl: ConsistencyLevel, commitCl: ConsistencyLevel): Promise<CasResult> {
    return this.paxos.cas(ks, req, serialCl, commitCl);
  }

  private table(ref: TableRef): TableDef {
    const t = this.o.schema().keyspaces.get(ref.ks)?.tables.get(ref.table);
    if (!t || t.id !== ref.id) throw new InvalidRequestError(`unknown table ${ref.ks}.${ref.table} (schema disagreement)`);
    return t;
  }

  private async onMutation(p: MutationRequest, from: string): Promise<true> {
    const items = p.items.map((i) => ({ table: this.table(i.t), update: i.u }));
    if (items.length === 1) await this.o.store.apply(items[0].table, items[0].update);
    else await this.o.store.applyMany(items);
    if (p.tr) this.o.traceWriter?.(p.tr, 'MutationStage', mutationEvents(from, items.map((i) => i.table)));
    return true;
  }

  private onRead(p: ReadRequest, from: string): PartitionData | null {
    this.replicaReads.servedFor(this.o.topology, from);
    const table = this.table(p.t);
    const data = this.localRead(table, p.key, p.token, p.filter, p.now);
    if (p.tr) traceReplicaRead(this.o.traceWriter, p.tr, from, table, data, p.now);
    return data ?? null;
  }

  private onScan(p: ScanRequest, from: string): PartitionData[] {
    const parts = this.localScan(this.table(p.t), p.range, p.filter, p.limit, p.now);
    if (p.tr) traceReplicaScan(this.o.traceWriter, p.tr, from, this.table(p.t), parts, p.now);
    return parts;
  }

  /** This replica's read, refused past tombstone_failure_threshold (as Cassandra's ReadCommand is, digest reads too). */
  private localRead(table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, nowSec: number): PartitionData | undefined {
    return checkTombstones(table, [this.o.store.read(table, key, token, filter, nowSec)], nowSec, this.o.tombstoneFailureThreshold)[0];
  }

  private localScan(table: TableDef, range: ScanRange, filter: ReadFilter, limit: number, nowSec: number): PartitionData[] {
    return checkTombstones(table, this.o.store.scan(table, range, filter, limit, nowSec), nowSec, this.o.tombstoneFailureThreshold);
  }

  private onIndexScan(p: IndexScanRequest): PartitionData[] {
    const store = this.o.store;
    if (!store.indexScan) throw new InvalidRequestError('secondary indexes are not maintained on this node');
    return store.indexScan(this.table(p.t), p.q, p.range, p.filter, p.limit, p.now);
  }

  private onAnnScan(p: AnnScanRequest): PartitionData[] | null {
    const store = this.o.store;
    if (!store.annScan) throw new InvalidRequestError('vector indexes are not maintained on this node');
    return store.annScan(this.table(p.t), p.q, p.search, p.now);
  }

  /** Whether this node answers ANN queries by graph (else the CQL layer scores every row). */
  get annByGraph(): boolean {
    return this.o.store.annScan !== undefined;
  }

  annScan(ks: KeyspaceDef, table: TableDef, q: IndexQuery, target: number[], k: number, filter: ReadFilter, cl: ConsistencyLevel,
    nowSec: number, partition?: AnnPartition): Promise<PartitionData[] | undefined> {
    const store = this.o.store;
    const ctx: AnnScanContext = { ...this.indexScanContext(), localAnn: store.annScan ? { annScan: (...a) => store.annScan!(...a) } : undefined };
    return annScan(ctx, ks, table, q, target, k, filter, cl, nowSec, partition);
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
   * Sends one mutation to a replica (or applies it locally, straight into the store: no message, no encoding). A
   * refusal (the replica answered with an error, or the local store failed) is told apart from no answer: Cassandra
   * answers the first with WriteFailure and hints only the second.
   */
  private async deliver(to: string, items: Items): Promise<ReplicaOutcome> {
    const start = this.o.clock.now();
    try {
      if (to === this.o.topology.self) {
        traceLocalWrite(items);
        if (items.length === 1) await this.o.store.apply(items[0]!.table, items[0]!.update);
        else await this.o.store.applyMany(items);
      } else {
        const wire = items.map((i) => ({ t: refOf(i.table), u: i.update }));
        await tracedRequest('MUTATION', to, (tr) => send(this.o.messenger, to, Verbs.MUTATION, { items: wire, ...(tr ? { tr } : {}) }, this.o.writeTimeoutMs));
      }
      this.latency.record(to, this.o.clock.now() - start);
      return OK;
    } catch (e) {
      this.latency.penalize(to, this.o.writeTimeoutMs);
      return { ok: false, reason: failureReason(e, to === this.o.topology.self) };
    }
  }

  async write(ks: KeyspaceDef, mutations: Mutation[], cl: ConsistencyLevel, writeType: WriteType): Promise<void> {
    // Counter increments carry deltas, which only their leader replica may turn into shards.
    if (writeType === 'COUNTER') return this.counters.write(ks, mutations, cl);
    if (mutations.length === 1) return this.writeOne(ks, mutations[0]!, cl, writeType);
    await Promise.all(mutations.map((m) => this.writeOne(ks, m, cl, writeType)));
  }

  private writeOne(ks: KeyspaceDef, m: Mutation, cl: ConsistencyLevel, writeType: WriteType): Promise<void> {
    const rs = replicaSet(this.o.topology, ks, m.update.token);
    assureSufficientLiveReplicas(cl, rs.view, true);
    const localOnly = isLocalCl(cl);
    // Bootstrapping nodes get the write too, and the level waits for them as well (pending replicas).
    const targets = rs.pending.length === 0 ? rs.alive : [...rs.alive, ...rs.pending.filter((r) => this.o.topology.isAlive(r.id))];
    const extra = pendingBlockFor(cl, this.o.topology, rs.pending);
    const counter = new AckCounter(cl, rs.view, extra);
    const candidates = localOnly ? targets.filter((r) => r.dc === this.o.topology.localDc).length : targets.length;
    if (extra > 0 && candidates < counter.blockFor) throw new UnavailableError(cl, counter.blockFor, candidates);
    const items: Items = [{ table: m.table, update: m.update }];
    // Hints for replicas known down are durable before the write is acknowledged, so a coordinator crash right after
    // the ack cannot lose what those replicas missed.
    const hinted = rs.dead.length === 0 ? undefined : Promise.all(rs.dead.map((r) => this.hints.add(r.id, items)));
    if (cl === 0 && rs.alive.length === 0) return hinted!.then(() => undefined); // ANY: the hints are the write
    if (rs.alive.length === 1 && rs.dead.length === 0 && rs.pending.length === 0 && rs.alive[0]!.id === this.o.topology.self) {
      // The coordinator is the only replica (a single node, or RF 1 routed by the driver): no message, no timer.
      return this.o.store.apply(m.table, m.update);
    }
    const handler = new WriteHandler({
      cl, counter, writeType, contacted: targets.length, candidates,
      localOnly, localDc: this.o.topology.localDc, deadline: this.o.clock.now() + this.o.writeTimeoutMs + 50, hinted, table: this.writes,
    });
    for (const r of targets) void this.replicate(handler, r, items);
    return handler.promise;
  }

  /** One replica's part of a write; a replica that did not answer gets a hint. */
  private async replicate(h: WriteHandler, r: RingEndpoint, items: Items): Promise<void> {
    const outcome = await this.deliver(r.id, items);
    if (!outcome.ok && outcome.reason === undefined) void this.hints.add(r.id, items);
    h.onOutcome(r, outcome);
  }

  /** ReplicaReader: asks one replica of a read for its data or its digest, and reports to the read's handler. */
  ask(h: ReadHandler, r: RingEndpoint, wantData: boolean): void {
    void this.askReplica(h, r, wantData);
  }

  private async askReplica(h: ReadHandler, r: RingEndpoint, wantData: boolean): Promise<void> {
    const q = this.queries.get(h)!;
    const local = r.id === this.o.topology.self;
    const start = this.o.clock.now();
    try {
      let data: PartitionData | undefined;
      let digest: Buffer | undefined;
      if (local) {
        // The local replica is read in place (no message); the await keeps the handler's callbacks asynchronous.
        this.replicaReads.servedSelf();
        data = await this.localRead(q.table, q.key, q.token, q.filter, q.nowSec);
        if (!wantData) [digest, data] = [partitionDigest(data), undefined];
      } else {
        const t = traceSend('READ', r.id);
        const req: ReadRequest = { t: refOf(q.table), key: q.key, token: q.token, filter: q.filter, now: q.nowSec };
        if (t) req.tr = t.id;
        if (wantData) data = (await send(this.o.messenger, r.id, Verbs.READ, req, this.o.readTimeoutMs)) ?? undefined;
        else digest = await send(this.o.messenger, r.id, Verbs.READ_DIGEST, req, this.o.readTimeoutMs);
        traceReceived(t, 'READ', r.id);
        const ms = this.o.clock.now() - start;
        this.latency.record(r.id, ms);
        this.speculation.record(q.table.id, ms);
      }
      h.onResponse(r, data, digest);
    } catch (e) {
      this.latency.penalize(r.id, this.o.readTimeoutMs);
      h.onFailure(r, wantData, failureReason(e, local));
    }
  }

  async read(...args: Parameters<Coordinator['read']>): Promise<PartitionData | undefined> { return this.readNow(...args); }

  readNow(ks: KeyspaceDef, table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, cl: ConsistencyLevel, nowSec: number): PartitionData | undefined | Promise<PartitionData | undefined> {
    if (cl === Consistency.SERIAL || cl === Consistency.LOCAL_SERIAL) return this.paxos.serialRead(ks, table, key, token, filter, cl, nowSec);
    const rs = replicaSet(this.o.topology, ks, token);
    assureSufficientLiveReplicas(cl, rs.view, false);
    const counter = new AckCounter(cl, rs.view);
    const targets = this.latency.rank(this.o.topology, rs.alive, isLocalCl(cl));
    if (counter.blockFor <= 1 && targets[0]?.id === this.o.topology.self) {
      // The coordinator is the closest replica and one answer is enough: a local read cannot time out, so there is
      // nothing to speculate about and no timer to arm (this is every read of a single-node cluster).
      this.replicaReads.servedSelf();
      try {
        return this.localRead(table, key, token, filter, nowSec);
      } catch (e) {
        throw localReadFailure(e, cl, counter.blockFor, this.o.topology.self);
      }
    }
    return this.readReplicas({ table, key, token, filter, nowSec }, rs, counter, targets, cl);
  }

  /** A read through the replicas' answers: data from the first, digests from the others, repair on a mismatch. */
  private async readReplicas(query: ReadQuery, rs: ReplicaSet, counter: AckCounter, targets: RingEndpoint[], cl: ConsistencyLevel): Promise<PartitionData | undefined> {
    const table = query.table;
    const delay = this.speculation.delayMs(table.id, table.options.speculative_retry);
    const first = this.startRead(query, targets, Math.max(1, counter.blockFor), true, cl, counter, delay);
    const responses = await first.promise;
    const data = resolveDigests(responses);
    if (data !== DIGEST_MISMATCH) return data;
    // Digest mismatch: the data from every replica the first round contacted (then any other, should one fail),
    // reconciled, and the stale replicas repaired before the answer, as Cassandra's read repair does.
    const contacted = first.contacted;
    const rest = targets.filter((t) => !contacted.includes(t));
    const full = this.startRead(query, [...contacted, ...rest], contacted.length, false, cl, new AckCounter(cl, rs.view), undefined);
    const all = await full.promise;
    let merged: PartitionData | undefined;
    for (const { data: d } of all) merged = d === undefined ? merged : merged === undefined ? d : mergePartitions(table, merged, d);
    if (merged) await this.repair(table, merged, all);
    return merged;
  }

  private startRead(q: ReadQuery, targets: RingEndpoint[], first: number, digests: boolean, cl: ConsistencyLevel, counter: AckCounter,
    delayMs: number | undefined): ReadHandler {
    const now = this.o.clock.now();
    const h = new ReadHandler({
      targets, first, digests, cl, counter, reader: this, startedAt: now, readTimeoutMs: this.o.readTimeoutMs,
      speculateAt: delayMs !== undefined && delayMs < this.o.readTimeoutMs ? now + delayMs : Infinity,
      deadline: now + this.o.readTimeoutMs + 50, timeouts: this.readTimeouts, speculations: this.speculations, clock: this.o.clock,
    });
    this.queries.set(h, q);
    h.start();
    return h;
  }

  /** Blocking read repair: replicas whose answer differs from the reconciled one get the reconciled data. */
  private async repair(table: TableDef, merged: PartitionData, responses: ReplicaResponse[]): Promise<void> {
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
        ? Promise.resolve().then(() => this.localScan(table, seg.range, filter, limit, nowSec))
        : tracedRequest('RANGE', r.id, (tr) => send(this.o.messenger, r.id, Verbs.SCAN,
          { t: refOf(table), range: seg.range, filter, limit, now: nowSec, ...(tr ? { tr } : {}) }, this.o.readTimeoutMs)))));
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
