// One node, whole: gossip membership and failure detection, the ring, the coordinator, schema and schema agreement,
// hints and their replay, the CQL executor and the native-protocol request handler. It is built over a NodeEnv of
// injected adapters and driven by their timers and messages only, so the very same object runs in a node process
// (TCP messaging, LMDB, the wall clock: server/node.ts) and in the simulator (virtual time, a simulated network, an
// in-memory store: test/sim/), and a simulated failure replays from its seed.
import { every, type TimerHandle } from '../cluster/env.ts';
import { startGossipLoop, type GossipMessage } from '../cluster/gossip.ts';
import { Membership, type PeerView, type SavedPeer } from '../cluster/membership.ts';
import type { ClusterCoordinator } from '../coordinator/cluster.ts';
import type { ExecEnv, Session } from '../cql/exec/index.ts';
import type { Statement } from '../model/ast.ts';
import { GOSSIP_VERB } from '../messaging/verbs.ts';
import type { EventMessage, ResultMessage, SchemaChange } from '../protocol/messages.ts';
import type { SystemContext } from '../schema/system_tables.ts';
import { RequestHandler } from './handler.ts';
import { SchemaService } from './schema-service.ts';
import { SchemaSync } from './schema-sync.ts';
import { StatementCache } from './statements.ts';
import { AuthService, systemAuthWarning } from './auth-service.ts';
import { auditHook } from './audit-hook.ts';
import { validateRoleOptions } from '../auth/role-manager.ts';
import { UnauthorizedError } from '../model/errors.ts';
import { IndexingStore } from '../index/store.ts';
import { VectorIndexes } from '../index/vectors.ts';
import { SizeEstimator } from './size-estimates.ts';
import { IndexManager } from '../index/manager.ts';
import { ViewStore } from '../views/store.ts';
import { ViewBuilder } from '../views/builder.ts';
import { VIEW_USAGE_WARNING } from '../schema/ddl_view.ts';
import type { StreamService } from '../streaming/stream.ts';
import type { RepairService } from '../repair/repair.ts';
import { buildCoordinator, buildRepair, buildStreaming, type ServiceDeps } from './services.ts';
import { startOverdueCheck, type RepairStateDeps } from '../repair/repair-state.ts';
import { Bootstrap } from '../bootstrap/bootstrap.ts';
import { decommission } from '../bootstrap/decommission.ts';
import { cleanup } from '../bootstrap/cleanup.ts';
import { rebuild } from '../bootstrap/rebuild.ts';
import { RemovalCoordinator } from '../bootstrap/removenode.ts';
import { uuidFrom } from '../repair/repair.ts';

export type { NodeEnv, NodeMessenger, NodeSettings, NodeStore } from './node-env.ts';
import type { NodeEnv, NodeSettings } from './node-env.ts';

export const RELEASE_VERSION = '4.0.11';
const GENERATION_KEY = 'gossip-generation';
/** The peers of the ring as last known (Cassandra's system.peers), restored at start. */
const PEERS_KEY = 'ring-peers';
/** Ring changes come in bursts (a node's states arrive one by one): they are saved at most this often. */
const PEERS_SAVE_MS = 1000;
const HINT_RETRY_MS = 5000;
const LOAD_GOSSIP_MS = 10_000;
const SCHEMA_RETRY_MS = 10_000;
/** How often the batchlog is scanned for batches to replay (Cassandra's batchlog replay interval). */
const BATCHLOG_REPLAY_MS = 10_000;

export class NodeCore {
  readonly endpoint: string;
  readonly schema: SchemaService;
  readonly membership: Membership;
  readonly coordinator: ClusterCoordinator;
  readonly statements: StatementCache;
  readonly handler: RequestHandler;
  /** Present with PasswordAuthenticator. */
  readonly auth: AuthService | undefined;
  readonly execEnv: ExecEnv;
  readonly generation: number;
  /** This node's secondary indexes: builds, drops, build status (system."IndexInfo"). */
  readonly indexes: IndexManager;
  readonly vectors: VectorIndexes;
  private readonly sizeEstimator: SizeEstimator;
  /** This node's materialized view builds (system.built_views, nodetool viewbuildstatus). */
  readonly views: ViewBuilder;
  /** Streams of token ranges between nodes (repair, bootstrap), and anti-entropy repair over them. */
  readonly streaming: StreamService;
  readonly repair: RepairService;
  /** What the repair history says of each table (repair_admin summarize-repaired, tablestats, the overdue warning). */
  readonly repairState: RepairStateDeps;
  /** The bootstrap under way or done, when this node bootstrapped in this run. */
  bootstrap: Bootstrap | undefined;
  /** Set by decommission(): LEAVING while it runs, DECOMMISSIONED once the node has left the ring. */
  leaving: 'LEAVING' | 'DECOMMISSIONED' | undefined;
  private readonly sync: SchemaSync;
  private readonly listeners: Array<(e: EventMessage) => void> = [];
  private readonly loops: Array<{ stop(): void }> = [];
  private replaying = false;
  private gossipStopped = false;

  /** The gossip generation must grow across restarts, even if the clock steps back: it is kept in the store. */
  static async create(env: NodeEnv, settings: NodeSettings): Promise<NodeCore> {
    const saved = env.store.getMeta<number>(GENERATION_KEY) ?? 0;
    const generation = Math.max(Math.floor(env.nowMicros() / 1e6), saved + 1);
    await env.store.putMeta(GENERATION_KEY, generation);
    return new NodeCore(env, settings, generation);
  }

  private constructor(
    readonly env: NodeEnv,
    readonly settings: NodeSettings,
    generation: number,
  ) {
    this.generation = generation;
    this.endpoint = env.messenger.self;
    // The DC list is late-bound: NetworkTopologyStrategy options may name only DCs gossip knows.
    this.schema = new SchemaService(env.store, () => this.membership.dataCenters(), env.nowMicros, env.newId);
    this.schema.materializedViewsEnabled = settings.materializedViewsEnabled === true;
    this.schema.saiVectorAllowCustomParameters = settings.saiVectorAllowCustomParameters === true;
    this.membership = this.buildMembership();
    this.membership.restorePeers(env.store.getMeta<SavedPeer[]>(PEERS_KEY) ?? []);
    this.sync = new SchemaSync(env.messenger, this.schema, env.log);
    this.indexes = new IndexManager(env.store, () => Math.floor(env.nowMicros() / 1e6), env.log);
    // Replica writes and reads go through the indexing store, so every write keeps this node's indexes current.
    this.sizeEstimator = new SizeEstimator(env.store, () => Math.floor(env.nowMicros() / 1000));
    // Vector indexes keep an HNSW graph each in memory, built from the base rows on first use (index/vectors.ts).
    this.vectors = new VectorIndexes(env.store, () => env.random.next(), () => Math.floor(env.nowMicros() / 1e6),
      () => new Promise<void>((resolve) => { env.timers.setTimeout(resolve, 0); }), env.log);
    const indexing = new IndexingStore(env.store, () => this.schema.current, this.indexes, env.log, this.vectors);
    // Above the indexes: a base write computes its materialized views' updates, and sends them to the view replicas.
    const store = this.buildViewStore(indexing);
    this.views = new ViewBuilder(store, env.store, () => Math.floor(env.nowMicros() / 1e6), env.log);
    this.indexes.onSchema(this.schema.current);
    this.views.onSchema(this.schema.current);
    this.schema.onChange((changes: SchemaChange[], s) => {
      this.indexes.onSchema(s);
      this.vectors.retain(s);
      this.views.onSchema(s);
      this.membership.setSchemaVersion(s.version);
      for (const change of changes) this.emit({ type: 'SCHEMA_CHANGE', ...change });
    });
    const services: ServiceDeps = {
      env, settings, endpoint: this.endpoint, membership: this.membership, schema: this.schema, store,
      traceWriter: (id, stage, activities) => this.handler.recordReplicaTrace(id, stage, activities),
    };
    this.coordinator = buildCoordinator(services);
    this.streaming = buildStreaming(services);
    this.repair = buildRepair(services, this.streaming);
    this.repairState = {
      history: this.repair.history, schema: () => this.schema.current, ring: () => this.membership.ring(), self: this.endpoint, nowMicros: env.nowMicros,
    };
    this.execEnv = this.buildExecEnv();
    this.statements = new StatementCache(() => this.schema.current);
    this.auth = settings.authenticator === 'PasswordAuthenticator' ? new AuthService({
      statements: this.statements, env: this.execEnv, clock: env.clock, timers: env.timers, log: env.log,
      credentialsValidityMs: settings.credentialsValidityMs ?? 2000,
      replicationWarning: () => this.systemAuthWarning(),
      network: {
        networkAuthorizer: settings.networkAuthorizer === 'CassandraNetworkAuthorizer',
        ...(settings.cidrAuthorizer !== undefined ? { cidr: settings.cidrAuthorizer } : {}),
        rolesValidityMs: settings.rolesValidityMs ?? 2000, localDc: settings.dataCenter,
        datacenters: () => [...new Set([settings.dataCenter, ...this.membership.peers().map((p) => p.dataCenter)])],
      },
      ...(settings.authorizer === 'CassandraAuthorizer'
        ? { authorizer: { schema: () => this.schema.current, permissionsValidityMs: settings.permissionsValidityMs ?? 2000 } } : {}),
    }) : undefined;
    const audit = settings.audit !== undefined && env.auditSink !== undefined
      ? auditHook(settings.audit, this.endpoint, { now: () => env.nowMicros() / 1000 }, env.auditSink) : undefined;
    this.handler = new RequestHandler(this.execEnv, this.statements, this.auth?.gate, this.auth?.access?.gate, audit, this.env.log, this.auth?.networkGate);
  }

  private buildViewStore(inner: IndexingStore): ViewStore {
    const s = this.settings;
    return new ViewStore({
      inner, schema: () => this.schema.current, messenger: this.env.messenger, writeTimeoutMs: s.writeTimeoutMs,
      topology: {
        self: this.endpoint, localDc: s.dataCenter, localRack: s.rack,
        ring: () => this.membership.ring(), isAlive: (ep) => this.membership.isAlive(ep),
        // View updates go to pending view replicas too (views/store.ts).
        pendingRing: () => this.membership.pendingRing(),
      },
      nowSec: () => Math.floor(this.env.nowMicros() / 1e6), nowMicros: this.env.nowMicros, random: this.env.random,
      batchlog: this.env.store, log: this.env.log,
    });
  }

  private buildMembership(): Membership {
    const s = this.settings;
    const native = (p: PeerView): { address: string; port: number } => ({ address: p.rpcAddress, port: p.nativePort });
    return new Membership(
      {
        endpoint: this.endpoint, hostId: s.hostId, dataCenter: s.dataCenter, rack: s.rack, tokens: s.tokens,
        rpcAddress: s.rpcAddress, nativePort: s.nativePort, releaseVersion: RELEASE_VERSION,
      },
      {
        seeds: s.seeds, generation: this.generation, clusterName: s.clusterName,
        transport: this.env.messenger.transport<GossipMessage>(GOSSIP_VERB), clock: this.env.clock,
        random: this.env.random, schemaVersion: this.schema.version, phiConvictThreshold: s.phiConvictThreshold,
        joining: s.bootstrap !== undefined,
      },
      {
        onJoin: (p) => this.emit({ type: 'TOPOLOGY_CHANGE', change: 'NEW_NODE', ...native(p) }),
        onUp: (p) => {
          this.emit({ type: 'STATUS_CHANGE', change: 'UP', ...native(p) });
          this.sync.reconcileWith(p);
          void this.replayHintsTo(p.endpoint);
        },
        onDown: (p) => {
          this.env.messenger.resetConnection?.(p.endpoint);
          this.emit({ type: 'STATUS_CHANGE', change: 'DOWN', ...native(p) });
        },
        onSchema: (p) => this.sync.reconcileWith(p),
        onRingChange: () => this.savePeersSoon(),
      },
    );
  }

  private buildExecEnv(): ExecEnv {
    return {
      schema: () => this.schema.current,
      coordinator: this.coordinator,
      systemContext: () => this.systemContext(),
      nowMicros: this.env.nowMicros,
      batchSizeFailBytes: this.settings.batchSizeFailBytes,
      // With AllowAllAuthenticator every connection is anonymous, and Cassandra refuses role statements to it.
      roleStatement: async (stmt, session) => {
        if (this.auth === undefined) {
          validateRoleOptions(stmt, false);
          throw new UnauthorizedError('You have to be logged in and not anonymous to perform this request');
        }
        return this.auth.roleStatement(stmt, session);
      },
      warnThresholds: this.settings.warnThresholds,
      userFunctionsEnabled: this.settings.userFunctionsEnabled,
      applySchemaChange: async (stmt: Statement, session: Session): Promise<ResultMessage> => {
        const change = await this.schema.apply(stmt, session.keyspace);
        // Cassandra sends this as a client warning; Sibyl's protocol layer has no warnings yet, so it is logged.
        if (change && stmt.kind === 'create_view') this.env.log(`${VIEW_USAGE_WARNING} (${change.keyspace}.${change.name ?? ''})`);
        // Answer once the live peers hold the new schema too, so drivers see agreement promptly.
        if (change) await this.sync.push(this.membership.peers().filter((p) => p.alive));
        return change ? { kind: 'schema_change', ...change } : { kind: 'void' };
      },
    };
  }

  systemContext(): SystemContext {
    const s = this.settings;
    return {
      schema: this.schema.current,
      local: {
        clusterName: s.clusterName, dataCenter: s.dataCenter, rack: s.rack, hostId: s.hostId,
        listenAddress: s.listenAddress, broadcastAddress: s.broadcastAddress, rpcAddress: s.rpcAddress,
        nativePort: s.nativePort, storagePort: s.storagePort, tokens: this.membership.local.tokens, schemaVersion: this.schema.version,
        gossipGeneration: this.generation, releaseVersion: RELEASE_VERSION, cqlVersion: '3.4.5',
        partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner', nativeProtocolVersion: '4',
      },
      // A peer known to be down shows a null schema_version, where Cassandra keeps the last version it saw: the
      // Node.js driver waits for every non-null version in system.peers to agree after each DDL, down hosts included,
      // so a stale one would cost every CREATE/ALTER its whole maxSchemaAgreementWaitSeconds (10 s) while a node is
      // down. Both drivers skip null versions; the real version is back once the peer is up.
      peers: this.membership.peerInfos().map((p) =>
        (this.membership.isAlive(`${p.address}:${p.storagePort}`) ? p : { ...p, schemaVersion: null })),
      builtIndexes: this.indexes.builtIndexes(),
      ...(this.settings.views ? { views: this.settings.views } : {}),
      viewBuilds: this.views.statuses(),
      sizeEstimates: () => this.sizeEstimator.estimates(this.schema.current, this.membership.ring().tokens, this.membership.local.tokens.map(BigInt)),
    };
  }

  /** Client events (topology, status, schema changes) for the connections that registered for them. */
  onEvent(listener: (e: EventMessage) => void): void {
    this.listeners.push(listener);
  }

  private emit(e: EventMessage): void {
    for (const l of this.listeners) l(e);
  }

  /** Starts gossip and the background work: hint replay retries, load announcements. */
  start(): void {
    this.auth?.start();
    this.startLoops();
    this.membership.setLoad(this.env.store.approximateSize());
    if (this.settings.bootstrap) this.startBootstrap(this.settings.bootstrap);
  }

  private startLoops(): void {
    this.loops.push(startGossipLoop(this.membership.gossiper, this.env.clock, this.env.timers, this.settings.gossipIntervalMs ?? 1000));
    // Hints whose replay was missed or failed part-way, or that survived a restart, go out once their target is alive.
    this.loops.push(every(this.env.timers, HINT_RETRY_MS, () => void this.replayDueHints()));
    // A schema pull that failed (the peer was unreachable for it) is retried while gossip still shows a different
    // version: otherwise nothing would try again until the next schema change.
    this.loops.push(every(this.env.timers, SCHEMA_RETRY_MS, () => {
      for (const p of this.membership.peers()) this.sync.reconcileWith(p);
    }));
    // Logged batches this node holds whose coordinator did not finish them in time are replayed.
    this.loops.push(every(this.env.timers, BATCHLOG_REPLAY_MS, () => {
      void this.coordinator.batchlog.replayDue().then(
        (n) => { if (n > 0) this.env.log(`replayed ${n} batches from the batchlog`); },
        (e: unknown) => this.env.log('batchlog replay failed', e),
      );
    }));
    this.loops.push(startOverdueCheck(this.repairState, this.env.timers, () => this.env.clock.now(), (m) => this.env.log(m)));
    this.loops.push(every(this.env.timers, LOAD_GOSSIP_MS, () => this.membership.setLoad(this.env.store.approximateSize())));
  }

  /** nodetool enablegossip after disablegossip: a new generation (kept, as at a start), NORMAL again, the loops back. */
  async resumeGossip(): Promise<void> {
    if (!this.gossipStopped || this.leaving === 'DECOMMISSIONED') return;
    const generation = Math.max(Math.floor(this.env.nowMicros() / 1e6), (this.env.store.getMeta<number>(GENERATION_KEY) ?? 0) + 1);
    await this.env.store.putMeta(GENERATION_KEY, generation);
    this.gossipStopped = false;
    this.membership.gossiper.restart(generation, { STATUS: 'NORMAL' });
    this.startLoops();
  }

  private peersSave: TimerHandle | undefined;

  /** Keeps the ring's peers for the next start, once the burst of changes is over. */
  private savePeersSoon(): void {
    if (this.peersSave !== undefined || this.gossipStopped) return;
    this.peersSave = this.env.timers.setTimeout(() => {
      this.peersSave = undefined;
      if (this.gossipStopped) return;
      this.env.store.putMeta(PEERS_KEY, this.membership.savedPeers()).catch((e: unknown) => this.env.log('could not save the ring peers', e));
    }, PEERS_SAVE_MS);
  }

  private startBootstrap(b: NonNullable<NodeSettings['bootstrap']>): void {
    const s = this.settings;
    this.bootstrap = new Bootstrap({
      self: this.endpoint, address: s.broadcastAddress, dataCenter: s.dataCenter, rack: s.rack, numTokens: b.numTokens,
      ringDelayMs: b.ringDelayMs, membership: this.membership, streaming: this.streaming, schema: () => this.schema.current,
      ...(b.replaceAddress !== undefined ? { replaceAddress: b.replaceAddress } : {}), nowMs: () => Math.floor(this.env.nowMicros() / 1000),
      schemaAgrees: () => this.membership.peers().filter((p) => p.alive).every((p) => p.schemaVersion === this.schema.version),
      clock: this.env.clock, timers: this.env.timers, random: this.env.random, log: this.env.log, saveTokens: b.saveTokens,
    });
    void this.bootstrap.run().catch(() => undefined); // logged by the bootstrap; the node stays joining (UJ)
  }

  /** nodetool decommission: streams this node's ranges to their next owners, leaves the ring, stops gossip. */
  async decommission(): Promise<void> {
    if (this.leaving !== undefined) throw new Error(`This node is already ${this.leaving.toLowerCase()}`);
    this.leaving = 'LEAVING';
    try {
      await decommission({
        self: this.endpoint, messenger: this.env.messenger, membership: this.membership, schema: () => this.schema.current,
        timers: this.env.timers, ringDelayMs: this.settings.ringDelayMs ?? this.settings.bootstrap?.ringDelayMs ?? 30_000,
        planId: uuidFrom(this.env.random), log: this.env.log,
      });
    } catch (e) {
      this.leaving = undefined;
      throw e;
    }
    this.leaving = 'DECOMMISSIONED';
    // Gossip stops without the shutdown announcement, whose STATUS would replace LEFT in the peers' views (and put
    // the node's tokens back into their rings, as a node that is merely down).
    this.gossipStopped = true;
    for (const l of this.loops.splice(0)) l.stop();
  }

  private removalCoordinator: RemovalCoordinator | undefined;

  /** removenode (and its status and force) and assassinate: this node speaks for a dead one in gossip. */
  get removals(): RemovalCoordinator {
    const ringDelayMs = this.settings.ringDelayMs ?? 30_000;
    this.removalCoordinator ??= new RemovalCoordinator({
      self: this.endpoint, selfHostId: this.settings.hostId, messenger: this.env.messenger, streaming: this.streaming,
      membership: this.membership, schema: () => this.schema.current, timers: this.env.timers,
      nowMs: () => Math.floor(this.env.nowMicros() / 1000), settleMs: Math.min(ringDelayMs, 5000),
      newPlanId: () => uuidFrom(this.env.random), log: this.env.log,
    });
    return this.removalCoordinator;
  }

  /** nodetool cleanup: drops the data of ranges this node does not replicate. Returns the tables cleaned. */
  cleanup(keyspace?: string, tables: string[] = []): Promise<number> {
    return cleanup({
      self: this.endpoint, store: this.env.store, schema: () => this.schema.current, ring: () => this.membership.ring(),
      pendingRing: () => this.membership.pendingRing(), log: this.env.log,
    }, keyspace, tables);
  }

  /** nodetool rebuild [-- SOURCE_DC]: streams the ranges this node replicates from other replicas. */
  rebuild(sourceDc?: string): Promise<number> {
    return rebuild({
      self: this.endpoint, localDc: this.settings.dataCenter, ring: () => this.membership.ring(), isAlive: (ep) => this.membership.isAlive(ep),
      schema: () => this.schema.current, streaming: this.streaming, planId: uuidFrom(this.env.random), log: this.env.log,
    }, sourceDc);
  }

  private async replayHintsTo(endpoint: string): Promise<void> {
    if (this.coordinator.hints.count(endpoint) === 0) return;
    const n = await this.coordinator.replayHints(endpoint);
    this.env.log(`replayed ${n} hints to ${endpoint}`);
  }

  private async replayDueHints(): Promise<void> {
    if (this.replaying) return;
    const due = this.coordinator.hints.targets().filter((t) => this.membership.isAlive(t));
    if (due.length === 0) return;
    this.replaying = true;
    try {
      await Promise.all(due.map((t) => this.replayHintsTo(t)));
    } finally {
      this.replaying = false;
    }
  }

  /** Announces shutdown to the peers (they mark this node down at once) and stops gossip and background work. */
  async stopGossip(): Promise<void> {
    if (this.gossipStopped) return;
    this.gossipStopped = true;
    for (const l of this.loops.splice(0)) l.stop();
    if (this.peersSave !== undefined) this.env.timers.clearTimeout(this.peersSave);
    this.membership.gossiper.shutdown();
    // Give the shutdown announcement a moment to leave before anything closes the sockets.
    await new Promise<void>((r) => this.env.timers.setTimeout(r, 100));
  }

  private systemAuthWarning(): string | undefined {
    return systemAuthWarning(this.schema.current, this.membership.peers().length + 1);
  }

  /** Stops everything this object started; the adapters (messaging, store, hint store) are closed by their owner. */
  async close(): Promise<void> {
    this.auth?.stop();
    await this.stopGossip();
  }
}
