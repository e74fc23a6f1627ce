// The node's replica store with its materialized views kept up to date: a write to a base table with views reads the
// base rows it touches first (read before write, under a per-partition lock so that two writes of one partition see
// each other), computes the view updates (updates.ts) and routes each one to its paired view replica (pairing.ts):
// updates for this node are applied in the same applyMany as the base write (one commit); the others are first
// written to this node's batchlog, then sent as ordinary MUTATIONs once the base write is applied, and the batch is
// dropped when every view replica has taken them. As in Cassandra, a batch left behind (a view replica that did not
// answer, or a crash before the sends) is replayed by the batchlog, twice the write timeout later, to every view
// replica of its partitions (hints for the ones down). During a range movement a view update also goes to the view
// token's pending replicas (a node bootstrapping into it), from every base replica, as Cassandra sends view
// mutations to pending endpoints too: the stream gives it the view rows written before, these the ones after.
import type { Messenger, ReplicaStore } from '../coordinator/cluster.ts';
import type { BatchlogStore } from '../coordinator/batchlog.ts';
import type { Random } from '../cluster/env.ts';
import { makeTimeUuid } from '../model/values/uuid.ts';
import { pendingReplicasOf, type Topology } from '../coordinator/replica-set.ts';
import { Verbs, send } from '../messaging/verbs.ts';
import type { Schema, TableDef } from '../schema/model.ts';
import type { PartitionData, ReadFilter, ScanRange, Slice } from '../storage/types.ts';
import { viewSpecsOf, hasViews, type ViewSpec } from './spec.ts';
import { viewUpdates } from './updates.ts';
import { viewReplicasFor } from './pairing.ts';

type Item = { table: TableDef; update: PartitionData };

export interface ViewStoreOptions {
  inner: ReplicaStore;
  schema: () => Schema;
  topology: Topology;
  messenger: Messenger;
  nowSec: () => number;
  /** Wall-clock µs and randomness for the ids of batchlog entries. */
  nowMicros: () => number;
  random: Random;
  writeTimeoutMs: number;
  /** This node's batchlog (replayed by the coordinator's Batchlog). */
  batchlog: BatchlogStore;
  log: (msg: string, err?: unknown) => void;
}

/** A view update bound for another node. */
export interface RemoteViewUpdate {
  target: string;
  table: TableDef;
  update: PartitionData;
}

/** What a base write reads before it is applied: the rows it writes, or the whole partition for a range deletion. */
function readFilterFor(base: TableDef, update: PartitionData): ReadFilter {
  if (base.clustering.length === 0 || update.deletion !== undefined || update.rangeTombstones.length > 0) return {};
  const slices: Slice[] = update.rows.map((r) => ({ start: { prefix: r.clustering, inclusive: true }, end: { prefix: r.clustering, inclusive: true } }));
  return slices.length === 0 ? {} : { slices };
}

export class ViewStore implements ReplicaStore {
  /** The tail of the writes in flight per base partition: each write waits for the one before it. */
  private readonly locks = new Map<string, Promise<void>>();
  readonly indexScan?: ReplicaStore['indexScan'];
  readonly annScan?: ReplicaStore['annScan'];

  constructor(private readonly o: ViewStoreOptions) {
    const inner = o.inner;
    if (inner.indexScan) this.indexScan = (...args) => inner.indexScan!(...args);
    if (inner.annScan) this.annScan = (...args) => inner.annScan!(...args);
  }

  /** The table as this node's schema has it now (views created since the caller compiled its plan count). */
  private current(t: TableDef): TableDef {
    const now = this.o.schema().keyspaces.get(t.keyspace)?.tables.get(t.name);
    return now !== undefined && now.id === t.id ? now : t;
  }

  apply(table: TableDef, update: PartitionData): Promise<void> {
    // The common case, a table without views, goes straight through: no item array, no async frame of its own.
    if (!hasViews(this.o.schema(), this.current(table))) return this.o.inner.apply(table, update);
    return this.applyMany([{ table, update }]);
  }

  async applyMany(items: Item[]): Promise<void> {
    const schema = this.o.schema();
    const based = items.filter((i) => hasViews(schema, this.current(i.table)));
    if (based.length === 0) {
      return items.length === 1 ? this.o.inner.apply(items[0]!.table, items[0]!.update) : this.o.inner.applyMany(items);
    }
    const keys = [...new Set(based.map((i) => `${i.table.id}:${i.update.key.toString('hex')}`))];
    await this.withLocks(keys, async () => {
      const local: Item[] = [...items];
      const remote: RemoteViewUpdate[] = [];
      for (const item of based) this.route(schema, this.current(item.table), item.update, local, remote);
      const logged = await this.log(remote);
      await this.o.inner.applyMany(local);
      this.sendRemote(remote, logged);
    });
  }

  /** Computes a base write's view updates against the base rows as they are now, and sorts them by destination. */
  private route(schema: Schema, base: TableDef, update: PartitionData, local: Item[], remote: RemoteViewUpdate[]): void {
    const nowSec = this.o.nowSec();
    const existing = this.o.inner.read(base, update.key, update.token, readFilterFor(base, update), nowSec);
    for (const spec of viewSpecsOf(schema, base)) {
      for (const vu of viewUpdates(spec, existing, update, nowSec)) this.dispatch(schema, spec, update.token, vu, local, remote);
    }
  }

  dispatch(schema: Schema, spec: ViewSpec, baseToken: bigint, vu: PartitionData, local: Item[], remote: RemoteViewUpdate[]): void {
    const ks = schema.keyspaces.get(spec.base.keyspace);
    if (ks === undefined) return;
    const targets = new Set(viewReplicasFor(this.o.topology, ks, baseToken, vu.token));
    for (const p of pendingReplicasOf(this.o.topology, ks, vu.token)) targets.add(p.id);
    for (const target of targets) {
      if (target === this.o.topology.self) local.push({ table: spec.view, update: vu });
      else remote.push({ target, table: spec.view, update: vu });
    }
  }

  /** View building: the view rows of base partitions already stored here, to their view replicas. */
  async applyExisting(spec: ViewSpec, partitions: PartitionData[]): Promise<void> {
    const schema = this.o.schema();
    const nowSec = this.o.nowSec();
    const local: Item[] = [];
    const remote: RemoteViewUpdate[] = [];
    for (const p of partitions) {
      for (const vu of viewUpdates(spec, undefined, p, nowSec)) this.dispatch(schema, spec, p.token, vu, local, remote);
    }
    const logged = await this.log(remote);
    if (local.length > 0) await this.o.inner.applyMany(local);
    this.sendRemote(remote, logged);
  }

  /** Writes the remote view updates to this node's batchlog before anything is applied; returns the entry's id. */
  private async log(remote: RemoteViewUpdate[]): Promise<Buffer | undefined> {
    if (remote.length === 0) return undefined;
    const node = Buffer.from(Array.from({ length: 8 }, () => this.o.random.int(256)));
    const id = makeTimeUuid(BigInt(Math.floor(this.o.nowMicros())) * 10n, node);
    const items = remote.map((r) => ({ t: { ks: r.table.keyspace, table: r.table.name, id: r.table.id }, u: r.update }));
    await this.o.batchlog.saveBatch(id, { createdAt: Math.floor(this.o.nowMicros() / 1000), items });
    return id;
  }

  /**
   * Sends view updates to their replicas without holding the base write up, and drops their batchlog entry once all
   * were taken; otherwise the batchlog replays it.
   */
  sendRemote(remote: RemoteViewUpdate[], logged: Buffer | undefined): void {
    const sends = remote.map((r) => {
      const ref = { ks: r.table.keyspace, table: r.table.name, id: r.table.id };
      return send(this.o.messenger, r.target, Verbs.MUTATION, { items: [{ t: ref, u: r.update }] }, this.o.writeTimeoutMs).then(() => true, (err: unknown) => {
        this.o.log(`view update for ${r.table.keyspace}.${r.table.name} to ${r.target} failed; the batchlog will replay it`, err);
        return false;
      });
    });
    void Promise.all(sends).then(async (ok) => {
      if (logged !== undefined && ok.every(Boolean)) await this.o.batchlog.removeBatch(logged);
    }).catch((err: unknown) => this.o.log('could not drop a batchlog entry of view updates', err));
  }

  private async withLocks(keys: string[], run: () => Promise<void>): Promise<void> {
    keys.sort();
    const before = keys.map((k) => this.locks.get(k) ?? Promise.resolve());
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    for (const k of keys) this.locks.set(k, mine);
    try {
      await Promise.all(before);
      await run();
    } finally {
      release();
      for (const k of keys) if (this.locks.get(k) === mine) this.locks.delete(k);
    }
  }

  read(table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, nowSec: number): PartitionData | undefined {
    return this.o.inner.read(table, key, token, filter, nowSec);
  }

  scan(table: TableDef, range: ScanRange, filter: ReadFilter, partitionLimit: number, nowSec: number): PartitionData[] {
    return this.o.inner.scan(table, range, filter, partitionLimit, nowSec);
  }

  truncate(table: TableDef): Promise<void> {
    return this.o.inner.truncate(table);
  }
}
