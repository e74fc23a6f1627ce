// What a node is built from (NodeEnv: clock, timers, randomness, messaging, stores, logging, all injected so that a
// whole cluster runs in one process under virtual time) and what it is told (NodeSettings: cassandra.yaml's settings
// as NodeCore uses them). Kept apart from node-core.ts so that the wiring reads in one sitting.
import type { Clock, Random, Timers, Transport } from '../cluster/env.ts';
import type { Messenger, ReplicaStore } from '../coordinator/cluster.ts';
import type { HintStore } from '../coordinator/hints.ts';
import type { PaxosStateStore } from '../coordinator/paxos/acceptor.ts';
import type { BatchlogStore } from '../coordinator/batchlog.ts';
import type { WarnThresholds } from '../cql/exec/client-warnings.ts';
import type { SystemViewsSource } from '../schema/system-views.ts';
import type { AuditFilter } from '../auth/audit.ts';
import type { CidrAuthorizerSettings } from '../auth/network-access.ts';
import type { SchemaStore } from './schema-service.ts';

/** Messaging as a node needs it: request/response verbs, and one-way transports (gossip). */
export interface NodeMessenger extends Messenger {
  transport<M>(verb: string): Transport<M>;
  /** Drops the outbound connection to a peer marked down, so the next message opens a fresh one. */
  resetConnection?(to: string): void;
}

/** The node's storage: replica data, the schema, Paxos state and node-local metadata. */
export interface NodeStore extends ReplicaStore, SchemaStore, PaxosStateStore, BatchlogStore {
  approximateSize(): number;
}

export interface NodeEnv {
  /** Monotonic milliseconds: failure detection and timeouts. */
  clock: Clock;
  /** Wall-clock microseconds, never repeating: write timestamps, schema stamps, now(). */
  nowMicros: () => number;
  timers: Timers;
  random: Random;
  messenger: NodeMessenger;
  store: NodeStore;
  hints: HintStore;
  log: (msg: string, err?: unknown) => void;
  /** Ids for new tables; random uuids when not given (the simulator draws them from its seed). */
  newId?: () => string;
  /** Where audit log lines go, when audit_logging_options is enabled. */
  auditSink?: (line: string) => void;
}

export interface NodeSettings {
  clusterName: string;
  hostId: string;
  tokens: string[];
  dataCenter: string;
  rack: string;
  /** Internode endpoints ("ip:port") of the seeds. */
  seeds: string[];
  listenAddress: string;
  broadcastAddress: string;
  storagePort: number;
  /** What clients connect to (broadcast_rpc_address, native_transport_port). */
  rpcAddress: string;
  nativePort: number;
  phiConvictThreshold?: number;
  writeTimeoutMs: number;
  readTimeoutMs: number;
  maxHintWindowMs: number;
  hintThrottleBytesPerSec: number;
  gossipIntervalMs?: number;
  /** cas_contention_timeout: how long a lightweight transaction retries under contention (1000 ms by default). */
  casContentionTimeoutMs?: number;
  /** counter_write_request_timeout: how long a counter write waits for its leader replica (5000 ms by default). */
  counterWriteTimeoutMs?: number;
  /** batchlog_replay_throttle in bytes per second for the whole cluster (1024 KiB/s by default). */
  batchlogReplayThrottleBytesPerSec?: number;
  /** batch_size_fail_threshold in bytes (50 KiB by default). */
  batchSizeFailBytes?: number;
  /** batch_size_warn_threshold and unlogged_batch_across_partitions_warn_threshold (client warnings). */
  warnThresholds?: WarnThresholds;
  /** user_defined_functions_enabled. */
  userFunctionsEnabled?: boolean;
  /** What system_views shows, from the node process (connections, settings). */
  views?: SystemViewsSource;
  /** materialized_views_enabled: CREATE MATERIALIZED VIEW is refused unless set (Cassandra's default: false). */
  materializedViewsEnabled?: boolean;
  /** Whether vector indexes may set maximum_node_connections / construction_beam_width (Cassandra: a -D property). */
  saiVectorAllowCustomParameters?: boolean;
  /** stream_throughput_outbound in bytes per second (24 MiB/s by default; 0: unthrottled). */
  streamThroughputBytesPerSec?: number;
  /**
   * Present when the node is to bootstrap (auto_bootstrap, a new node with no tokens yet, not a seed): `tokens` is
   * then empty, and the tokens chosen are handed to `saveTokens` once the node has joined.
   */
  bootstrap?: { numTokens: number; ringDelayMs: number; saveTokens: (tokens: string[]) => Promise<void>; replaceAddress?: string };
  /** Cassandra's ring delay for decommission (30 s by default; the bootstrap's own when bootstrapping). */
  ringDelayMs?: number;
  /** PasswordAuthenticator: clients log in (auth-service.ts); absent: AllowAllAuthenticator. */
  authenticator?: 'PasswordAuthenticator';
  credentialsValidityMs?: number;
  /** CassandraAuthorizer (needs PasswordAuthenticator); absent: AllowAllAuthorizer. */
  authorizer?: 'CassandraAuthorizer';
  /** CassandraNetworkAuthorizer (needs PasswordAuthenticator); absent: AllowAllNetworkAuthorizer. */
  networkAuthorizer?: 'CassandraNetworkAuthorizer';
  /** CassandraCIDRAuthorizer's parameters (needs PasswordAuthenticator); absent: AllowAllCIDRAuthorizer. */
  cidrAuthorizer?: CidrAuthorizerSettings;
  rolesValidityMs?: number;
  permissionsValidityMs?: number;
  /** audit_logging_options' filters (with env.auditSink). */
  audit?: AuditFilter;
}
