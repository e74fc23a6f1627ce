// What a running node exposes to its admin API (port 7199, JSON over HTTP) and so to nodetool and the launcher.
// The node implements AdminSource; server/admin.ts serves it; tools/nodetool.ts formats it like Cassandra's nodetool.
import type { SnapshotAdmin } from './admin-snapshots.ts';
import type { CidrAdmin } from './admin-cidr.ts';
import type { TableRepairState } from '../repair/repair-state.ts';

/** Cassandra's two-letter node state: status U(p)/D(own), state N(ormal)/L(eaving)/J(oining)/M(oving). */
export type NodeState = 'UN' | 'DN' | 'UL' | 'DL' | 'UJ' | 'DJ' | 'UM' | 'DM';

export interface NodeReport {
  address: string;
  hostId: string;
  dataCenter: string;
  rack: string;
  state: NodeState;
  /** Bytes of data stored (nodetool's Load); undefined when unknown (node down). */
  loadBytes?: number;
  tokens: string[];
  /** Fraction of the ring owned without replication (0..1). */
  ownsRaw: number;
  /** Fraction owned counting replication for the requested keyspace (0..RF); undefined without a keyspace. */
  ownsEffective?: number;
}

export interface StatusReport {
  clusterName: string;
  partitioner: string;
  /** Keyspace used for effective ownership, if any. */
  keyspace?: string;
  /**
   * Why effective ownership is missing, when it is (nodetool prints it as `Note: …`); e.g. Cassandra's "Non-system
   * keyspaces don't have the same replication settings, effective ownership information is meaningless".
   */
  ownershipNote?: string;
  nodes: NodeReport[];
}

export interface InfoReport {
  hostId: string;
  address: string;
  gossipActive: boolean;
  nativeTransportActive: boolean;
  loadBytes: number;
  generation: number;
  uptimeSeconds: number;
  heapUsedMb: number;
  heapTotalMb: number;
  dataCenter: string;
  rack: string;
  tokens: string[];
}

export interface RingEntry {
  address: string;
  dataCenter: string;
  rack: string;
  state: NodeState;
  loadBytes?: number;
  ownsRaw: number;
  token: string;
}

export interface DescribeClusterReport {
  name: string;
  snitch: string;
  dynamicEndpointSnitch: boolean;
  partitioner: string;
  /** schema version → addresses reporting it ("UNREACHABLE" for nodes that are down). */
  schemaVersions: Record<string, string[]>;
}

/** One target of `nodetool listpendinghints`: a node this node holds hints for. */
export interface PendingHintsEntry {
  hostId: string;
  address: string;
  rack: string;
  dc: string;
  status: 'UP' | 'DOWN' | 'Unknown';
  /** Cassandra counts hint files per target; Sibyl keeps each target's hints in one store. */
  totalFiles: number;
  hints: number;
  sizeBytes: number;
  /** Epoch ms of the newest and oldest pending hint. */
  newest: number;
  oldest: number;
}

/** One table of `nodetool tablestats`: what the storage engine knows of it since the start. */
export interface TableStatsEntry {
  keyspace: string;
  table: string;
  memtableCellCount: number;
  memtableDataSizeBytes: number;
  /** Flushes (Cassandra counts memtable switches). */
  memtableSwitchCount: number;
  localReadCount: number;
  localWriteCount: number;
  pendingFlushes: number;
  /** Share of this node's ranges of the table covered by a repair (repair/history.ts), 0..100; absent if unknown. */
  percentRepaired?: number;
}

/** One row of `nodetool tpstats`. */
export interface ThreadPoolEntry {
  name: string;
  active: number;
  pending: number;
  completed: number;
  blocked: number;
  allTimeBlocked: number;
}

/** `nodetool netstats`: the node's mode and its streams in flight (peers by address). */
export interface NetstatsReport {
  mode: 'NORMAL' | 'JOINING' | 'LEAVING' | 'DECOMMISSIONED' | 'DRAINED' | 'STARTING';
  plans: Array<{
    planId: string;
    operation: string;
    sessions: Array<{ peer: string; receiving: StreamTaskReport[]; sending: StreamTaskReport[] }>;
  }>;
}

export interface StreamTaskReport {
  name: string;
  bytes: number;
  partitions: number;
  done: boolean;
}

/** `nodetool repair` as the admin API takes it (options.ts's RepairOptions, tokens as decimal strings). */
export interface RepairRequest {
  keyspace?: string;
  tables: string[];
  primaryRange: boolean;
  full: boolean;
  dataCenters: string[];
  local: boolean;
  startToken?: string;
  endToken?: string;
}

export interface RepairReport {
  lines: string[];
  failed: boolean;
}

export interface AdminSource {
  status(keyspace?: string): StatusReport;
  info(): InfoReport;
  ring(keyspace?: string): RingEntry[];
  describeCluster(): DescribeClusterReport;
  /** Replica addresses for a partition key given as cqlsh/nodetool would type it (e.g. `42`, `abc`). */
  getEndpoints(keyspace: string, table: string, key: string): string[];
  flush(): Promise<void>;
  /** Stops accepting client and internode traffic, flushes; the process keeps running until stopped. */
  drain(): Promise<void>;
  /** The internode network model's configuration (JSON), and a way to replace it at run time. */
  getNetwork(): unknown;
  setNetwork(config: unknown): void;
  /** Prometheus text exposition of the node's metrics. */
  metrics(): Promise<string>;
  /** Hints this node holds, per target (`nodetool listpendinghints`). */
  pendingHints(): PendingHintsEntry[];
  /** `nodetool tablestats [keyspace[.table]…]`; absent where the source has no storage engine. */
  tableStats?(filters: string[]): TableStatsEntry[];
  /** `nodetool tpstats`. */
  threadPools?(): ThreadPoolEntry[];
  /** `nodetool rebuild_index`: throws the named indexes' entries away and builds them again; resolves when done. */
  rebuildIndex(keyspace: string, table: string, indexes: string[]): Promise<void>;
  /** `nodetool viewbuildstatus`: this node's build of a materialized view. */
  viewBuildStatus?(keyspace: string, view: string): ViewBuildStatusEntry[];
  /** `nodetool netstats`; absent where the node does not stream. */
  netstats?(): NetstatsReport;
  /** `nodetool repair`: resolves when the repair is over, with the lines nodetool prints. */
  repair?(req: RepairRequest): Promise<RepairReport>;
  /** `nodetool decommission`: resolves once the node has left the ring. */
  decommission?(): Promise<void>;
  /** `nodetool cleanup [keyspace [tables…]]`. */
  cleanup?(keyspace: string | undefined, tables: string[]): Promise<void>;
  /** `nodetool rebuild [-- SOURCE_DC]`. */
  rebuild?(sourceDc: string | undefined): Promise<void>;
  /** Replica reads served since start, by the coordinator's origin (`GET /replicareads`). */
  replicaReads?(): ReplicaReadsReport;
  /** `nodetool removenode <host id>`: resolves once the dead node has left every ring. */
  removeNode?(hostId: string): Promise<void>;
  /** `nodetool removenode status` / `force`: the RemovalStatus line (force prints it, then forces the removal). */
  removalStatus?(force: boolean): string;
  /** `nodetool assassinate <ip>`. */
  assassinate?(address: string): Promise<void>;
  /** `nodetool gossipinfo`: every endpoint's gossip state. */
  gossipInfo?(): GossipInfoEntry[];
  /** `nodetool describering <keyspace>`. */
  describeRing?(keyspace: string): DescribeRingReport;
  /** `nodetool version`. */
  version?(): { releaseVersion: string };
  /** `nodetool compactionstats`. */
  compactionStats?(): { pendingTasks: number };
  /** `nodetool compact [keyspace [tables…]]`: resolves when the tables are compacted. */
  compact?(keyspace: string | undefined, tables: string[]): Promise<void>;
  /** `nodetool enablebinary` / `disablebinary`. */
  setNativeTransport?(on: boolean): Promise<void>;
  /** `nodetool enablegossip` / `disablegossip`. */
  setGossip?(on: boolean): Promise<void>;
  /** `nodetool snapshot`, `listsnapshots`, `clearsnapshot`, `refresh`, and `sibyl restore` (admin-snapshots.ts). */
  snapshots?: SnapshotAdmin;
  /** `nodetool updatecidrgroup`, `dropcidrgroup`, `listcidrgroups`, `getcidrgroupsofip` (admin-cidr.ts). */
  cidrGroups?: CidrAdmin;
  /** repaired_at per table on this node (`nodetool repair_admin summarize-repaired`, repair/repair-state.ts). */
  repairStates?(keyspace?: string, table?: string): Promise<TableRepairState[]>;
}

/** `nodetool describering`: the schema version and every token range with its replicas. */
export interface DescribeRingReport {
  schemaVersion: string;
  ranges: Array<{ startToken: string; endToken: string; endpoints: readonly string[]; endpointDetails: ReadonlyArray<{ host: string; datacenter: string; rack: string }> }>;
}

/** One endpoint in `nodetool gossipinfo`: its heartbeat and its application states with their versions. */
export interface GossipInfoEntry {
  address: string;
  generation: number;
  heartbeat: number;
  states: Array<{ key: string; version: number; value: string }>;
}

/**
 * Reads (data and digest) this node served as a replica since it started, by where the coordinator sat: in this
 * node's rack, another rack of its DC, another DC. `self` (this node coordinated) is included in `local_rack`.
 */
export interface ReplicaReadsReport {
  local_rack: number;
  remote_rack: number;
  remote_dc: number;
  self: number;
}

export interface ViewBuildStatusEntry {
  /** The node, as Cassandra prints an InetAddressAndPort ("/10.0.0.1:7000"). */
  host: string;
  status: 'STARTED' | 'SUCCESS' | 'UNKNOWN';
}
