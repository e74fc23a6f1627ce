// The counter write path, as Cassandra's: the coordinator hands the increments of each partition to one leader
// replica (itself when it is one, else the closest live replica); the leader, under a per-partition lock, reads its own
// shard of each counter, adds the delta, bumps the shard's clock, applies the resulting context to its store and
// replicates it like any write at the statement's consistency level. Only the leader ever changes its shard, and
// contexts merge idempotently, so replicas may receive them in any order, twice, or as hints. An increment whose
// answer is lost (a timeout) may or may not have been applied; retrying it may count it twice, as in Cassandra.
import type { RingEndpoint } from '../cluster/ring.ts';
import type { Clock, Timers } from '../cluster/env.ts';
import type { KeyspaceDef, TableDef } from '../schema/model.ts';
import type { Cell, ColumnData, PartitionData, Row } from '../storage/types.ts';
import { encodeContext, isCounterColumn, localShard } from '../storage/counters.ts';
import { coveringDeletion, maxDeletion } from '../storage/merge.ts';
import { toConsistencyLevel, type ConsistencyLevel } from '../model/consistency.ts';
import { InvalidRequestError, UnavailableError, WriteFailureError, WriteTimeoutError } from '../model/errors.ts';
import { RemoteError } from '../messaging/errors.ts';
import { handle, send, Verbs, type TableRef, type VerbMessenger } from '../messaging/verbs.ts';
import type { Mutation } from './coordinator.ts';
import { assureSufficientLiveReplicas, blockFor } from './consistency.ts';
import { replicaSet, type Topology } from './replica-set.ts';
import type { ReplicaStore } from './cluster.ts';
import { emptyCells } from '../storage/types.ts';

export interface CounterOptions {
  topology: Topology;
  messenger: VerbMessenger;
  store: ReplicaStore;
  clock: Clock;
  timers: Timers;
  /** This node's counter id (its host id's bytes): the shard it leads. */
  counterId: Buffer;
  /** counter_write_request_timeout: how long the coordinator waits for the leader. */
  counterWriteTimeoutMs: number;
  /** Wall-clock seconds, for reading the leader's current shards. */
  nowSec: () => number;
  table: (ref: TableRef) => TableDef;
  keyspace: (name: string) => KeyspaceDef;
  /** Closest first (the dynamic snitch's ranking). */
  rank: (replicas: RingEndpoint[]) => RingEndpoint[];
  /** Replicates the leader's contexts as an ordinary write of type COUNTER (every replica, acks per level, hints). */
  replicate: (ks: KeyspaceDef, mutations: Mutation[], cl: ConsistencyLevel) => Promise<void>;
}

const refOf = (t: TableDef): TableRef => ({ ks: t.keyspace, table: t.name, id: t.id });
const noop = (): void => undefined;

export class CounterWriter {
  private readonly locks = new Map<string, Promise<void>>();

  constructor(private readonly o: CounterOptions) {
    handle(o.messenger, Verbs.COUNTER_MUTATION, async (p) => {
      const cl = toConsistencyLevel(p.cl);
      if (cl === undefined) throw new InvalidRequestError(`Unknown consistency level ${p.cl}`);
      await this.lead(o.keyspace(p.ks), p.items.map((i) => ({ table: o.table(i.t), update: i.u })), cl);
      return true as const;
    });
  }

  /** Coordinates counter mutations (cells hold 8-byte deltas): each partition goes to its leader. */
  async write(ks: KeyspaceDef, mutations: Mutation[], cl: ConsistencyLevel): Promise<void> {
    await Promise.all(mutations.map(async (m) => {
      const rs = replicaSet(this.o.topology, ks, m.update.token);
      assureSufficientLiveReplicas(cl, rs.view, true);
      const self = rs.alive.find((r) => r.id === this.o.topology.self);
      const leader = self ?? this.o.rank(rs.alive)[0];
      if (leader === undefined) throw new UnavailableError(cl, blockFor(cl, rs.view), 0);
      if (leader.id === this.o.topology.self) return this.lead(ks, [m], cl);
      try {
        await send(this.o.messenger, leader.id, Verbs.COUNTER_MUTATION, { ks: ks.name, items: [{ t: refOf(m.table), u: m.update }], cl },
          this.o.counterWriteTimeoutMs);
      } catch (e) {
        throw leaderError(e, cl, blockFor(cl, rs.view));
      }
    }));
  }

  /** As the leader: adds each delta to this replica's shard, applies the contexts here, then replicates them. */
  async lead(ks: KeyspaceDef, mutations: Mutation[], cl: ConsistencyLevel): Promise<void> {
    // Unavailable is only a clean refusal before this replica has counted anything.
    for (const m of mutations) assureSufficientLiveReplicas(cl, replicaSet(this.o.topology, ks, m.update.token).view, true);
    const contexts: Mutation[] = [];
    for (const m of mutations) contexts.push({ table: m.table, update: await this.applyShards(m.table, m.update) });
    try {
      await this.o.replicate(ks, contexts, cl);
    } catch (e) {
      // Counted here already: replicas lost meanwhile make the outcome unknown to the client, not refused.
      if (e instanceof UnavailableError) throw new WriteTimeoutError(cl, 1, e.required, 'COUNTER');
      throw e;
    }
  }

  private applyShards(table: TableDef, delta: PartitionData): Promise<PartitionData> {
    const id = `${table.id}:${delta.key.toString('hex')}`;
    const run = (this.locks.get(id) ?? Promise.resolve()).then(async () => {
      // Only the rows being incremented (and the static row, which every read returns).
      const slices = delta.rows.map((r) => ({ start: { prefix: r.clustering, inclusive: true }, end: { prefix: r.clustering, inclusive: true } }));
      const filter = table.clustering.length === 0 || delta.rows.length === 0 ? {} : { slices };
      const current = this.o.store.read(table, delta.key, delta.token, filter, this.o.nowSec());
      const update: PartitionData = { ...delta, rows: delta.rows.map((r) => this.shardRow(table, r, current, false)) };
      if (delta.staticRow) update.staticRow = this.shardRow(table, delta.staticRow, current, true);
      await this.o.store.apply(table, update);
      return update;
    });
    const tail = run.then(noop, noop);
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return run;
  }

  /** A row of deltas becomes a row of contexts holding only this replica's updated shard. */
  private shardRow(table: TableDef, row: Row, current: PartitionData | undefined, isStatic: boolean): Row {
    const cells: Record<string, ColumnData> = emptyCells();
    for (const name in row.cells) {
      const d = row.cells[name]!;
      if ('cells' in d || d.v === null || !isCounterColumn(table, name)) {
        cells[name] = d;
        continue;
      }
      const shard = localShard(currentContext(table, current, row.clustering, name, isStatic), this.o.counterId);
      const next = { id: this.o.counterId, clock: shard.clock + 1n, count: shard.count + d.v.readBigInt64BE(0) };
      cells[name] = { ts: d.ts, v: encodeContext([next]) };
    }
    return { ...row, cells };
  }
}

/** The stored context of one counter, unless it is deleted (a tombstone, or shadowed by a row or partition deletion). */
function currentContext(table: TableDef, p: PartitionData | undefined, clustering: Buffer[], name: string, isStatic: boolean): Buffer | undefined {
  if (!p) return undefined;
  const row = isStatic ? p.staticRow : p.rows.find((r) => r.clustering.length === clustering.length && r.clustering.every((c, i) => c.equals(clustering[i]!)));
  const cell = row?.cells[name] as Cell | undefined;
  if (!row || !cell || cell.v === null) return undefined;
  const outer = isStatic ? p.deletion : coveringDeletion(table, p.deletion, p.rangeTombstones, row.clustering);
  const shadow = maxDeletion(outer, row.deletion);
  return shadow && cell.ts <= shadow.ts ? undefined : cell.v;
}

/** What the client sees when the leader failed or did not answer: the leader's own error, or a COUNTER timeout. */
function leaderError(e: unknown, cl: ConsistencyLevel, required: number): Error {
  if (e instanceof RemoteError) {
    const d = e.details;
    const num = (k: string): number => (typeof d[k] === 'number' ? d[k] : 0);
    if (e.remoteName === 'UnavailableError') return new UnavailableError(cl, num('required'), num('alive'));
    if (e.remoteName === 'WriteTimeoutError') return new WriteTimeoutError(cl, num('received'), num('blockFor') || required, 'COUNTER');
    if (e.remoteName === 'InvalidRequestError') return new InvalidRequestError(e.message);
    return new WriteFailureError(cl, 0, required, 1, 'COUNTER', new Map());
  }
  return new WriteTimeoutError(cl, 0, required, 'COUNTER');
}
