// Logged batches, atomic through the batchlog as in Cassandra: before applying a batch that spans partitions, the
// coordinator stores it on (up to) two other live nodes of its data centre, in different racks when it can; it then
// applies the mutations at the statement's consistency level and tells those nodes to forget the batch. A batchlog
// node replays any batch still held twice the write timeout after it was written (its coordinator died or lost
// writes), at the pace batchlog_replay_throttle allows, sending it to every replica (hints for the silent ones), and
// then drops it. Mutations are idempotent, so a batch replayed after it was applied changes nothing.
import type { Clock, Random, Timers } from '../cluster/env.ts';
import type { RingEndpoint } from '../cluster/ring.ts';
import type { KeyspaceDef, TableDef } from '../schema/model.ts';
import { Consistency, type ConsistencyLevel } from '../model/consistency.ts';
import { UnavailableError, WriteTimeoutError, type WriteType } from '../model/errors.ts';
import { makeTimeUuid } from '../model/values/uuid.ts';
import { handle, send, Verbs, type BatchRecord, type TableRef, type VerbMessenger } from '../messaging/verbs.ts';
import type { Mutation } from './coordinator.ts';
import { assureSufficientLiveReplicas } from './consistency.ts';
import { hintSizeBytes } from './hints.ts';
import { replicaSet, type Topology } from './replica-set.ts';
import { gather } from './paxos/rounds.ts';

export type { BatchRecord };

/** Where a node keeps the batches it holds (the engine's `batches` database; memory in the simulator). */
export interface BatchlogStore {
  saveBatch(id: Buffer, record: BatchRecord): Promise<void>;
  removeBatch(id: Buffer): Promise<void>;
  loadBatches(): Array<{ id: Buffer; record: BatchRecord }>;
}

export class MemoryBatchlogStore implements BatchlogStore {
  private readonly batches = new Map<string, BatchRecord>();
  async saveBatch(id: Buffer, record: BatchRecord): Promise<void> {
    this.batches.set(id.toString('hex'), record);
  }
  async removeBatch(id: Buffer): Promise<void> {
    this.batches.delete(id.toString('hex'));
  }
  loadBatches(): Array<{ id: Buffer; record: BatchRecord }> {
    return [...this.batches].map(([id, record]) => ({ id: Buffer.from(id, 'hex'), record }));
  }
}

export interface BatchlogOptions {
  topology: Topology;
  messenger: VerbMessenger;
  store: BatchlogStore;
  clock: Clock;
  timers: Timers;
  random: Random;
  /** Wall-clock µs: batch ids are timeuuids of it, and replay waits on it. */
  nowMicros: () => number;
  writeTimeoutMs: number;
  /** batchlog_replay_throttle, bytes per second for the whole cluster (shared out over its nodes, as in Cassandra). */
  replayThrottleBytesPerSec: number;
  /** The table a stored batch names, if it still exists (a batch may outlive a DROP). */
  table: (ref: TableRef) => { ks: KeyspaceDef; table: TableDef } | undefined;
  /** One partition's write through the ordinary write path. */
  write: (ks: KeyspaceDef, m: Mutation, cl: ConsistencyLevel, writeType: WriteType) => Promise<void>;
}

const refOf = (t: TableDef): TableRef => ({ ks: t.keyspace, table: t.name, id: t.id });

export class Batchlog {
  private replaying = false;

  constructor(private readonly o: BatchlogOptions) {
    handle(o.messenger, Verbs.BATCH_STORE, async (p) => {
      await o.store.saveBatch(p.id, p.record);
      return true as const;
    });
    handle(o.messenger, Verbs.BATCH_REMOVE, async (p) => {
      await o.store.removeBatch(p.id);
      return true as const;
    });
  }

  /**
   * A LOGGED batch: atomic through the batchlog when it spans partitions (a single partition's update is atomic on its
   * own). Unavailable is decided before anything is written; a batchlog that cannot be written is a WriteTimeout of
   * type BATCH_LOG (nothing applied); a failure after it leaves the batch to be replayed.
   */
  async writeLogged(groups: Array<{ ks: KeyspaceDef; mutations: Mutation[] }>, cl: ConsistencyLevel): Promise<void> {
    const all = groups.flatMap((g) => g.mutations.map((m) => ({ ks: g.ks, m })));
    const partitions = new Set(all.map((x) => `${x.ks.name}:${x.m.update.key.toString('hex')}`));
    if (partitions.size > 1) {
      if (cl !== Consistency.ANY) for (const x of all) assureSufficientLiveReplicas(cl, replicaSet(this.o.topology, x.ks, x.m.update.token).view, true);
      const endpoints = this.endpoints();
      const id = makeTimeUuid(BigInt(Math.floor(this.o.nowMicros())) * 10n, Buffer.from(Array.from({ length: 8 }, () => this.o.random.int(256))));
      const record: BatchRecord = { createdAt: Math.floor(this.o.nowMicros() / 1000), items: all.map((x) => ({ t: refOf(x.m.table), u: x.m.update })) };
      await this.store(endpoints, id, record);
      await Promise.all(all.map((x) => this.o.write(x.ks, x.m, cl, 'BATCH')));
      void gather(this.o.timers, this.o.writeTimeoutMs, endpoints, (r) => this.removeFrom(r, id), () => false);
      return;
    }
    await Promise.all(all.map((x) => this.o.write(x.ks, x.m, cl, 'BATCH')));
  }

  private storeOn(r: RingEndpoint, id: Buffer, record: BatchRecord): Promise<unknown> {
    return r.id === this.o.topology.self ? this.o.store.saveBatch(id, record)
      : send(this.o.messenger, r.id, Verbs.BATCH_STORE, { id, record }, this.o.writeTimeoutMs);
  }

  private removeFrom(r: RingEndpoint, id: Buffer): Promise<unknown> {
    return r.id === this.o.topology.self ? this.o.store.removeBatch(id)
      : send(this.o.messenger, r.id, Verbs.BATCH_REMOVE, { id }, this.o.writeTimeoutMs);
  }

  /** Every batchlog node must hold the batch before anything is applied. */
  private async store(endpoints: RingEndpoint[], id: Buffer, record: BatchRecord): Promise<void> {
    const { replies } = await gather(this.o.timers, this.o.writeTimeoutMs, endpoints, (r) => this.storeOn(r, id, record), () => false);
    const acks = replies.filter((x) => x.ok).length;
    if (acks < endpoints.length) {
      throw new WriteTimeoutError(endpoints.length === 1 ? Consistency.ONE : Consistency.TWO, acks, endpoints.length, 'BATCH_LOG');
    }
  }

  /**
   * Two live nodes of the local data centre other than this one, from two racks (other than ours when possible), as
   * Cassandra's batchlog endpoint filter picks them; this node alone when it is the only one.
   */
  private endpoints(): RingEndpoint[] {
    const t = this.o.topology;
    const candidates = t.ring().endpoints.filter((e) => e.dc === t.localDc && e.id !== t.self && t.isAlive(e.id));
    if (candidates.length === 0) {
      const self = t.ring().endpoints.find((e) => e.id === t.self);
      if (!self) throw new UnavailableError(Consistency.ONE, 1, 0);
      return [self];
    }
    const byRack = new Map<string, RingEndpoint[]>();
    for (const e of candidates) byRack.set(e.rack, [...(byRack.get(e.rack) ?? []), e]);
    const racks = [...byRack.keys()].sort((a, b) => Number(a === t.localRack) - Number(b === t.localRack) || this.o.random.next() - 0.5);
    const chosen: RingEndpoint[] = [];
    for (const rack of racks) {
      if (chosen.length === 2) break;
      const pool = byRack.get(rack)!;
      chosen.push(pool[this.o.random.int(pool.length)]!);
    }
    for (const e of candidates) if (chosen.length < 2 && !chosen.includes(e)) chosen.push(e);
    return chosen;
  }

  /**
   * Replays the batches this node holds that are older than twice the write timeout: each is written at ONE (every
   * live replica is sent it, the others get hints) and then dropped; one that cannot be written yet is kept.
   */
  async replayDue(): Promise<number> {
    if (this.replaying) return 0;
    this.replaying = true;
    let replayed = 0;
    try {
      const cutoff = this.o.nowMicros() / 1000 - 2 * this.o.writeTimeoutMs;
      for (const { id, record } of this.o.store.loadBatches()) {
        if (record.createdAt > cutoff) continue;
        if (!(await this.replay(record))) continue;
        await this.o.store.removeBatch(id);
        replayed++;
      }
    } finally {
      this.replaying = false;
    }
    return replayed;
  }

  private async replay(record: BatchRecord): Promise<boolean> {
    const writes: Array<Promise<void>> = [];
    let bytes = 0;
    for (const item of record.items) {
      const found = this.o.table(item.t);
      if (!found) continue;
      const m: Mutation = { table: found.table, update: item.u };
      bytes += hintSizeBytes([m]);
      writes.push(this.o.write(found.ks, m, Consistency.ONE, 'BATCH'));
    }
    const outcome = await Promise.allSettled(writes);
    const nodes = Math.max(1, this.o.topology.ring().endpoints.length);
    const rate = this.o.replayThrottleBytesPerSec / nodes;
    if (rate > 0) await new Promise<void>((r) => this.o.timers.setTimeout(r, (bytes * 1000) / rate));
    return outcome.every((x) => x.status === 'fulfilled');
  }
}
