// A whole cluster in one process, in virtual time: every node is the production NodeCore (src/node/node-core.ts) over
// simulated adapters — a SimMessenger on a seeded SimNetwork, an in-memory store and hint store that survive the
// node's crash (they stand for its disk), the scheduler's clock and timers. Clients send CQL text with a consistency
// level to any node, through the node's own request handler. Faults: crash, restart, partition and heal, message
// loss, link delay, a slow disk. Nothing reads real time or Math.random, so a run is a function of its seed.
import { seededRandom, type Random } from '../../src/cluster/env.ts';
import { allocateTokens, type RingEndpoint } from '../../src/cluster/ring.ts';
import { SimNetwork, SimScheduler } from '../../src/cluster/sim-network.ts';
import { MemoryHintStore } from '../../src/coordinator/hints.ts';
import { MemoryStore } from '../../src/coordinator/memory-store.ts';
import type { PaxosRecord } from '../../src/coordinator/paxos/acceptor.ts';
import type { BatchRecord } from '../../src/coordinator/batchlog.ts';
import { decodeBody, encodeBody } from '../../src/messaging/codec.ts';
import { SimMessenger, describeFrame, type SimFrame } from '../../src/coordinator/sim-messenger.ts';
import type { ConsistencyLevel } from '../../src/model/consistency.ts';
import { NodeCore, type NodeSettings, type NodeStore } from '../../src/node/node-core.ts';
import type { ConnectionState } from '../../src/node/handler.ts';
import { Opcode, type BoundValue, type ResultMessage } from '../../src/protocol/messages.ts';
import type { TableDef } from '../../src/schema/model.ts';
import type { PartitionData } from '../../src/storage/types.ts';

/** Virtual time starts at this wall-clock instant (write timestamps, schema stamps). */
export const EPOCH_MS = 1_700_000_000_000;

/** The store a simulated node keeps across crashes: replica data, schema, meta; optionally a slow disk. */
export class SimNodeStore extends MemoryStore implements NodeStore {
  private readonly meta = new Map<string, unknown>();
  /** Paxos state as its node would find it on disk: encoded (as LMDB would hold it), never shared objects. */
  private readonly paxos = new Map<string, Buffer>();
  /** Extra virtual latency of each write (a slow disk). */
  writeDelayMs = 0;
  /** Bumped by a crash: writes of an earlier incarnation still pending then are lost, as a dead process's are. */
  private incarnation = 0;

  constructor(private readonly sched: SimScheduler) {
    super();
  }

  getMeta<T>(key: string): T | undefined {
    return this.meta.get(key) as T | undefined;
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    this.meta.set(key, structuredClone(value));
    await this.delay();
  }

  async dropTable(tableId: string): Promise<void> {
    for (const k of [...this.paxos.keys()]) if (k.startsWith(`${tableId}:`)) this.paxos.delete(k);
  }

  /** As the engine does: the table's data and its Paxos state go. */
  override async truncate(table: TableDef): Promise<void> {
    await super.truncate(table);
    await this.dropTable(table.id);
  }

  loadPaxos(tableId: string, key: Buffer): PaxosRecord | undefined {
    const b = this.paxos.get(`${tableId}:${key.toString('hex')}`);
    return b === undefined ? undefined : (decodeBody(b) as PaxosRecord);
  }

  /** Kept across crashes, like the meta above: a restarted replica keeps its promises. */
  async savePaxos(tableId: string, key: Buffer, record: PaxosRecord): Promise<void> {
    await this.delay();
    this.savePaxosSync(tableId, key, record);
  }

  /** The batchlog (system.batches), kept across crashes like the rest of the disk. */
  private readonly batches = new Map<string, Buffer>();

  async saveBatch(id: Buffer, record: BatchRecord): Promise<void> {
    await this.delay();
    this.saveBatchSync(id, record);
  }

  saveBatchSync(id: Buffer, record: BatchRecord): void {
    this.batches.set(id.toString('hex'), encodeBody(record));
  }

  async removeBatch(id: Buffer): Promise<void> {
    this.batches.delete(id.toString('hex'));
  }

  loadBatches(): Array<{ id: Buffer; record: BatchRecord }> {
    return [...this.batches].map(([id, b]) => ({ id: Buffer.from(id, 'hex'), record: decodeBody(b) as BatchRecord }));
  }

  savePaxosSync(tableId: string, key: Buffer, record: PaxosRecord): void {
    this.paxos.set(`${tableId}:${key.toString('hex')}`, encodeBody(record));
  }

  approximateSize(): number {
    return 0;
  }

  override async apply(table: TableDef, update: PartitionData): Promise<void> {
    await this.delay();
    this.applySync(table, update);
  }

  override async applyMany(items: Array<{ table: TableDef; update: PartitionData }>): Promise<void> {
    await this.delay();
    for (const i of items) this.applySync(i.table, i.update);
  }

  private delay(): Promise<void> {
    if (this.writeDelayMs <= 0) return Promise.resolve();
    return new Promise((r) => this.sched.setTimeout(r, this.writeDelayMs));
  }

  /** The node crashed: what its current incarnation still has in flight never reaches the disk. */
  crashed(): void {
    this.incarnation++;
  }

  /**
   * The disk as one incarnation of the node sees it. Once that incarnation has crashed its writes fail: requests it
   * was still coordinating would otherwise go on writing (promises, commits) beside the restarted node.
   */
  view(): NodeStore {
    const epoch = this.incarnation;
    const alive = async <T>(write: () => Promise<T>): Promise<T> => {
      if (this.incarnation !== epoch) throw new Error('the node has crashed');
      const out = await write();
      return out;
    };
    const guard = async (): Promise<void> => {
      await this.delay();
      if (this.incarnation !== epoch) throw new Error('the node crashed before the write reached the disk');
    };
    return {
      apply: (t, u) => alive(async () => { await guard(); this.applySync(t, u); }),
      applyMany: (items) => alive(async () => { await guard(); for (const i of items) this.applySync(i.table, i.update); }),
      read: (t, k, tok, f, now) => this.read(t, k, tok, f, now),
      scan: (t, r, f, l, now) => this.scan(t, r, f, l, now),
      truncate: (t) => alive(() => this.truncate(t)),
      removeTokenRanges: (t, intervals) => alive(() => this.removeTokenRanges(t, intervals)),
      getMeta: <T>(key: string) => this.getMeta<T>(key),
      putMeta: (key, value) => alive(() => this.putMeta(key, value)),
      dropTable: (id) => alive(() => this.dropTable(id)),
      loadPaxos: (id, key) => this.loadPaxos(id, key),
      savePaxos: (id, key, rec) => alive(async () => { await guard(); this.savePaxosSync(id, key, rec); }),
      saveBatch: (id, rec) => alive(async () => { await guard(); this.saveBatchSync(id, rec); }),
      removeBatch: (id) => alive(() => this.removeBatch(id)),
      loadBatches: () => this.loadBatches(),
      approximateSize: () => this.approximateSize(),
    };
  }
}

export interface SimNodeSpec {
  endpoint: string;
  dc: string;
  rack: string;
}

export interface SimNode extends SimNodeSpec {
  /** Empty for a node to bootstrap until it has joined (its chosen tokens are then kept here, as on its disk). */
  readonly tokens: bigint[];
  /** Starts without tokens and bootstraps (auto_bootstrap) the first time. */
  bootstrap?: boolean;
  /** replace_address_first_boot: the address of the dead node this one replaces when it bootstraps. */
  replace?: string;
  readonly store: SimNodeStore;
  readonly hints: MemoryHintStore;
  core: NodeCore | undefined;
  incarnation: number;
}

export type CqlOutcome = { ok: true; result: ResultMessage; warnings?: string[] } | { ok: false; error: Error };

export interface SimClusterOptions {
  seed: number;
  nodes: SimNodeSpec[];
  /** Seeds: the first node of each rack by default. */
  seeds?: string[];
  vnodes?: number;
  trace?: boolean;
  latencyMs?: number;
  jitterMs?: number;
  /** Settings every node gets on top of the simulator's (e.g. stream_throughput_outbound). */
  settings?: Partial<NodeSettings>;
}

/** A uuid v4 from the simulation's PRNG, so schema ids (and with them schema versions) repeat per seed. */
function uuidFrom(random: Random): string {
  const b = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) b[i] = random.int(256);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class SimCluster {
  readonly sched = new SimScheduler();
  readonly random: Random;
  readonly network: SimNetwork<SimFrame>;
  readonly nodes: SimNode[] = [];
  private readonly seeds: string[];
  private readonly booting = new Set<SimNode>();
  private readonly messengers = new Map<SimNode, SimMessenger>();
  private microsSeq = 0;

  constructor(readonly o: SimClusterOptions) {
    this.random = seededRandom(o.seed);
    this.network = new SimNetwork<SimFrame>(this.sched, seededRandom(this.random.int(2 ** 31)), {
      latencyMs: o.latencyMs ?? 1, jitterMs: o.jitterMs ?? 2, describe: describeFrame, clone: false, trace: o.trace ?? true,
    });
    const firstOfRack = new Map<string, string>();
    for (const n of o.nodes) if (!firstOfRack.has(`${n.dc}/${n.rack}`)) firstOfRack.set(`${n.dc}/${n.rack}`, n.endpoint);
    this.seeds = o.seeds ?? [...firstOfRack.values()];
    const ring: RingEndpoint[] = [];
    for (const n of o.nodes) {
      const tokens = allocateTokens(o.vnodes ?? 8, ring, () => this.random.next(), n.dc);
      ring.push({ id: n.endpoint, address: n.endpoint.split(':')[0]!, dc: n.dc, rack: n.rack, tokens });
      this.nodes.push({ ...n, tokens, store: new SimNodeStore(this.sched), core: undefined, incarnation: 0,
        hints: new MemoryHintStore(this.sched, { maxHintWindowMs: 3 * 3600_000, maxBytesPerTarget: 1 << 30, maxCountPerTarget: 1_000_000 }) });
    }
  }

  /**
   * A node that was not in the cluster at the start (not started): with `bootstrap` it has no tokens and bootstraps
   * into the running cluster when started; without, it gets tokens from the allocator at once (auto_bootstrap: false).
   */
  addNode(spec: SimNodeSpec, opts: { bootstrap: boolean; replace?: string }): SimNode {
    const ring: RingEndpoint[] = this.nodes.filter((n) => n.tokens.length > 0)
      .map((n) => ({ id: n.endpoint, address: n.endpoint.split(':')[0]!, dc: n.dc, rack: n.rack, tokens: n.tokens }));
    const tokens = opts.bootstrap ? [] : allocateTokens(this.o.vnodes ?? 8, ring, () => this.random.next(), spec.dc);
    const node: SimNode = { ...spec, tokens, bootstrap: opts.bootstrap, ...(opts.replace !== undefined ? { replace: opts.replace } : {}), store: new SimNodeStore(this.sched), core: undefined, incarnation: 0,
      hints: new MemoryHintStore(this.sched, { maxHintWindowMs: 3 * 3600_000, maxBytesPerTarget: 1 << 30, maxCountPerTarget: 1_000_000 }) };
    this.nodes.push(node);
    return node;
  }

  /** Wall-clock µs in virtual time, never repeating (write timestamps must be unique per node, as microsClock's are). */
  nowMicros(): number {
    return (EPOCH_MS + this.sched.now()) * 1000 + (++this.microsSeq % 1000);
  }

  node(endpoint: string): SimNode {
    const n = this.nodes.find((x) => x.endpoint === endpoint);
    if (!n) throw new Error(`no node ${endpoint}`);
    return n;
  }

  /** Starts (or restarts after a crash) a node: a new NodeCore over the node's surviving store and hints. */
  async start(n: SimNode): Promise<void> {
    await this.settle(`start ${n.endpoint}`, () => this.boot(n));
  }

  /** Whether `n` is down and not starting: what a fault schedule may restart. */
  isDown(n: SimNode): boolean {
    return n.core === undefined && !this.booting.has(n);
  }

  /** Starts `n` without driving virtual time, for callers already running inside advance(). */
  async boot(n: SimNode): Promise<void> {
    if (n.core || this.booting.has(n)) throw new Error(`${n.endpoint} is already running`);
    this.booting.add(n);
    this.network.up(n.endpoint);
    n.incarnation++;
    const messenger = new SimMessenger(n.endpoint, this.network, this.sched, n.incarnation * 1_000_000_000 + 1);
    this.messengers.set(n, messenger);
    const random = seededRandom(this.random.int(2 ** 31));
    // The store's writes (the gossip generation) may wait on a slow disk's timers.
    const core = await NodeCore.create({
      clock: this.sched, nowMicros: () => this.nowMicros(), timers: this.sched, random,
      messenger, store: n.store.view(), hints: n.hints, log: (msg) => this.sched.log(`${n.endpoint} ${msg}`),
      newId: () => uuidFrom(random),
    }, {
      clusterName: 'sim', hostId: `host-${n.endpoint}`, tokens: n.tokens.map(String), dataCenter: n.dc, rack: n.rack,
      seeds: this.seeds, listenAddress: n.endpoint.split(':')[0]!, broadcastAddress: n.endpoint.split(':')[0]!, storagePort: 7000,
      rpcAddress: n.endpoint.split(':')[0]!, nativePort: 9042, writeTimeoutMs: 2000, readTimeoutMs: 5000,
      maxHintWindowMs: 3 * 3600_000, hintThrottleBytesPerSec: 0, ...this.o.settings,
      ...(n.bootstrap && n.tokens.length === 0 ? {
        bootstrap: {
          numTokens: this.o.vnodes ?? 8, ringDelayMs: 5000, saveTokens: async (t: string[]) => { n.tokens.push(...t.map(BigInt)); },
          ...(n.replace !== undefined ? { replaceAddress: n.replace } : {}),
        },
      } : {}),
    }).finally(() => this.booting.delete(n));
    core.start();
    n.core = core;
    this.sched.log(`start ${n.endpoint} #${n.incarnation}`);
  }

  async startAll(): Promise<void> {
    for (const n of this.nodes) await this.start(n);
  }

  /** A crash: the network loses everything to and from the node at once; its disk (store, hints) survives. */
  async crash(n: SimNode): Promise<void> {
    await this.settle(`stop timers of ${n.endpoint}`, () => this.crashNow(n));
  }

  /** crash() without driving virtual time; resolves once the dead node's timers are stopped. */
  crashNow(n: SimNode): Promise<void> {
    const core = n.core;
    if (!core) return Promise.resolve();
    this.network.down(n.endpoint);
    n.store.crashed();
    this.messengers.get(n)?.kill();
    n.core = undefined;
    this.sched.log(`crash ${n.endpoint}`);
    return core.close();
  }

  /** Runs virtual time forward, one event at a time, letting promise continuations run at the instant that caused them. */
  async advance(ms: number, until?: () => boolean): Promise<boolean> {
    let reached = false;
    this.sched.at(this.sched.now() + ms, () => { reached = true; });
    for (let guard = 0; !reached && guard < 50_000_000; guard++) {
      await new Promise<void>((r) => setImmediate(r));
      if (until?.()) return true;
      if (!this.sched.step()) break;
    }
    await new Promise<void>((r) => setImmediate(r));
    return until?.() ?? true;
  }

  async waitFor(what: string, done: () => boolean, maxMs: number): Promise<number> {
    const start = this.sched.now();
    if (!(await this.advance(maxMs, done))) throw new Error(`${what}: not reached within ${maxMs} virtual ms (seed ${this.o.seed})`);
    return this.sched.now() - start;
  }

  /** Drives an async operation to completion in virtual time. */
  async settle<T>(label: string, op: () => Promise<T>, maxMs = 60_000): Promise<T> {
    let result: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    op().then((value) => { result = { ok: true, value }; }, (error: unknown) => { result = { ok: false, error }; });
    await this.advance(maxMs, () => result !== undefined);
    if (result === undefined) throw new Error(`${label} did not settle in ${maxMs} virtual ms (seed ${this.o.seed})`);
    if (!result.ok) throw result.error;
    return result.value;
  }

  /**
   * Sends a client request (CQL text at a consistency level, with a serial consistency for conditional statements)
   * through `n`'s native-protocol handler and returns its outcome's promise without driving time: concurrent clients
   * submit, then one advance() runs them all.
   */
  submit(n: SimNode, query: string, consistency: ConsistencyLevel, opts: { values?: BoundValue[]; serial?: ConsistencyLevel } = {}): Promise<CqlOutcome> {
    const core = n.core;
    if (!core) return Promise.resolve({ ok: false, error: new Error(`${n.endpoint} is down`) });
    const state: ConnectionState = { started: true, session: {}, events: new Set() };
    const params = { consistency, values: opts.values ?? [], skipMetadata: false, serialConsistency: opts.serial };
    return core.handler.handle(state, { opcode: Opcode.QUERY, query, params }).then(
      (res): CqlOutcome => (res.opcode === Opcode.RESULT
        ? { ok: true, result: res.result, ...('warnings' in res && res.warnings ? { warnings: res.warnings } : {}) }
        : { ok: false, error: new Error(`unexpected ${res.opcode}`) }),
      (error: unknown): CqlOutcome => ({ ok: false, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }

  /** A client request: CQL text at a consistency level through `n`'s native-protocol handler. */
  async cql(n: SimNode, query: string, consistency: ConsistencyLevel, values: BoundValue[] = [], serial?: ConsistencyLevel): Promise<CqlOutcome> {
    let outcome: CqlOutcome | undefined;
    void this.submit(n, query, consistency, { values, serial }).then((o) => { outcome = o; });
    await this.advance(30_000, () => outcome !== undefined);
    const out = outcome ?? { ok: false, error: new Error(`no answer in 30 virtual s: ${query}`) };
    this.sched.log(`cql ${n.endpoint} ${query.slice(0, 60)} -> ${out.ok ? 'ok' : out.error.constructor.name}`);
    return out;
  }

  running(): SimNode[] {
    return this.nodes.filter((n) => n.core !== undefined);
  }

  /** Every running node sees every other running node up, and has them all in its ring. */
  converged(): boolean {
    const up = this.running();
    return up.every((n) => up.every((m) => m === n || n.core!.membership.isAlive(m.endpoint))
      && n.core!.membership.ring().endpoints.length === this.nodes.length);
  }

  /** Every running node has the same schema version. */
  schemaAgrees(): boolean {
    const versions = new Set(this.running().map((n) => n.core!.schema.version));
    return versions.size === 1;
  }

  /** A statement at a node drawn from the seeded random source, as rows; a CQL error throws, naming the statement. */
  async rowsAtRandomNode(query: string, consistency: ConsistencyLevel): Promise<Array<Record<string, number | string | boolean | null>>> {
    const r = await this.cql(this.nodes[this.random.int(this.nodes.length)]!, query, consistency);
    if (!r.ok) throw new Error(`${query}: ${r.error.message}`);
    return rowsOf(r);
  }

  hintsPending(): number {
    return this.running().reduce((a, n) => a + n.hints.count(), 0);
  }
}

/** Rows of a RESULT as plain objects, decoding int, boolean and text columns (what the simulations use). */
export function rowsOf(out: CqlOutcome): Array<Record<string, number | string | boolean | null>> {
  if (!out.ok || out.result.kind !== 'rows') return [];
  const cols = out.result.columns;
  return out.result.rows.map((row) => Object.fromEntries(cols.map((c, i) => {
    const v = row[i];
    if (v === null || v === undefined) return [c.name, null];
    const t = c.type;
    if (t.kind === 'native' && t.name === 'int') return [c.name, v.readInt32BE(0)];
    if (t.kind === 'native' && t.name === 'boolean') return [c.name, v[0] !== 0];
    return [c.name, v.toString('utf8')];
  })));
}
