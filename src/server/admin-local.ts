// A single-node AdminSource: what the admin API reports while a node is a ring of one (before membership is wired in).
// Everything is computed from the node's own identity, schema and storage, with the same ring/ownership code the
// cluster uses, so the answers have the shape (and, for one node, the values) the multi-node source will give.
import { getHeapStatistics } from 'node:v8';
import type { Registry } from 'prom-client';
import type { AdminSource, ReplicaReadsReport, DescribeClusterReport, InfoReport, NodeReport, PendingHintsEntry, ViewBuildStatusEntry, RingEntry, StatusReport } from './admin-types.ts';
import { AdminRequestError } from './admin.ts';
import type { NodeConfig } from './config.ts';
import type { SystemContext } from '../schema/system_tables.ts';
import type { KeyspaceDef, TableDef } from '../schema/model.ts';
import { isSystemKeyspace } from '../schema/system_defs.ts';
import { TokenRing } from '../cluster/ring.ts';
import { effectiveOwnership, rawOwnership } from '../cluster/ownership.ts';
import { replicasFor, strategyName } from '../cluster/replication.ts';
import { compositeKey, murmur3Token } from '../model/murmur3.ts';
import { literalToBytes } from '../model/values/literals.ts';
import type { LiteralKind } from '../model/ast.ts';
import type { CqlType } from '../model/types.ts';
import { parseNetworkConfig } from '../messaging/network-model.ts';
import type { StorageStats } from '../storage/engine.ts';
import { registerStorageMetrics, tableStats, threadPools } from './admin-storage.ts';

export interface LocalAdminDeps {
  config: NodeConfig;
  systemContext: () => SystemContext;
  storage: { approximateSize(): number; flush(): Promise<void>; stats?(): StorageStats };
  /** Open client connections (a metrics gauge). */
  connections: () => number;
  /** Requests served so far, when the node counts them (a metrics gauge). */
  requests?: () => number;
  /** The node's transports; without it drain only flushes and both transports report active. */
  lifecycle?: { drain(): Promise<void>; readonly nativeTransportActive: boolean; readonly gossipActive: boolean };
  /** The cluster as membership sees it; without it the node reports a ring of one. */
  cluster?: ClusterView;
  /** Hints held, per target endpoint, with epoch-ms ages; none when not given. */
  hints?: () => Array<{ target: string; count: number; sizeBytes: number; oldest: number; newest: number }>;
  /** Refused connections and logins so far, by transport ('internode', 'native', 'auth') and reason (a metric). */
  refusals?: () => Record<string, Record<string, number>>;
  /** Replica reads served so far, by the coordinator's origin (a metric and `GET /replicareads`). */
  replicaReads?: () => ReplicaReadsReport;
  /** Prometheus text appended to the registry's at each scrape (metrics kept outside prom-client, request-metrics.ts). */
  extraMetrics?: () => string;
  /** Rebuilds indexes of a table on this node; returns the names rebuilt. */
  indexes?: { rebuild(table: TableDef, names: string[]): Promise<string[]> };
}

/** One node of the cluster for the admin API; `id` is its endpoint id in the ring. */
export interface ClusterNodeView {
  id: string;
  address: string;
  hostId: string;
  dataCenter: string;
  rack: string;
  alive: boolean;
  loadBytes?: number;
  tokens: string[];
  schemaVersion: string;
  /** Bootstrapping: UJ/DJ in nodetool status. */
  joining?: boolean;
  /** Decommissioning: UL/DL. */
  leaving?: boolean;
}

/** Cassandra's two letters: Up/Down, then Normal or Joining. */
function nodeState(n: ClusterNodeView): NodeReport['state'] {
  if (n.joining) return n.alive ? 'UJ' : 'DJ';
  if (n.leaving) return n.alive ? 'UL' : 'DL';
  return n.alive ? 'UN' : 'DN';
}

export interface ClusterView {
  selfId: string;
  ring(): TokenRing;
  /** Every node, this one included. */
  nodes(): ClusterNodeView[];
  network: { toJSON(): unknown; configure(json: unknown): void };
}

const SNITCH_PREFIX = 'org.apache.cassandra.locator.';
const LOCAL_STRATEGY_NOTE = 'Ownership values for keyspaces with LocalStrategy are meaningless';
const DIFFERENT_REPLICATION =
  "Non-system keyspaces don't have the same replication settings, effective ownership information is meaningless";

/** The literal kind nodetool's key text is read as, by the column type (AbstractType.fromString in Cassandra). */
function literalKind(type: CqlType): LiteralKind {
  if (type.kind !== 'native') return 'string';
  switch (type.name) {
    case 'bigint': case 'counter': case 'int': case 'smallint': case 'tinyint': case 'varint':
      return 'integer';
    case 'float': case 'double': case 'decimal':
      return 'float';
    case 'boolean':
      return 'boolean';
    case 'uuid': case 'timeuuid':
      return 'uuid';
    case 'blob':
      return 'blob';
    case 'duration':
      return 'duration';
    default:
      return 'string';
  }
}

/** Components of a composite key are separated by ':' ("\:" escapes a colon), as CompositeType.fromString reads them. */
function splitComposite(key: string): string[] {
  return key.split(/(?<!\\):/).map((s) => s.replace(/\\:/g, ':'));
}

/** The routing key of a partition key typed the way nodetool getendpoints takes it. */
export function partitionKeyBytes(table: TableDef, key: string): Buffer {
  const cols = table.partitionKey;
  const texts = cols.length === 1 ? [key] : splitComposite(key);
  if (texts.length !== cols.length)
    throw new AdminRequestError(`Invalid key '${key}': table ${table.keyspace}.${table.name} has ${cols.length} partition key columns (separate them with ':')`);
  const parts = cols.map((c, i) => {
    const kind = literalKind(c.type);
    const raw = texts[i]!;
    const text = kind === 'blob' ? raw.replace(/^0x/i, '') : kind === 'boolean' ? raw.toLowerCase() : raw;
    // Integers typed for a float column are still floats to Cassandra's fromString.
    const lit = { type: kind === 'float' && /^[-+]?\d+$/.test(text) ? ('integer' as const) : kind, text };
    try {
      return literalToBytes(lit, c.type, c.name);
    } catch (e) {
      throw new AdminRequestError((e as Error).message);
    }
  });
  return parts.length === 1 ? parts[0]! : compositeKey(parts);
}

function sameReplication(a: Record<string, string>, b: Record<string, string>): boolean {
  const norm = (r: Record<string, string>): string =>
    JSON.stringify(Object.entries({ ...r, class: strategyName(r['class'] ?? '') }).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return norm(a) === norm(b);
}

export function localAdminSource(deps: LocalAdminDeps): AdminSource {
  const { config } = deps;
  const startedAt = Date.now();
  let network: unknown = parseNetworkConfig({});

  // prom-client is loaded on the first scrape, not at start: it is a tenth of a second of CPU per node, which adds up
  // when one machine starts 16 nodes. The default metrics (event loop lag, heap…) are measured from then on.
  let registry: Promise<Registry> | undefined;
  const metricsRegistry = async (): Promise<Registry> => {
    const { Gauge, Registry, collectDefaultMetrics } = await import('prom-client');
    const r = new Registry();
    collectDefaultMetrics({ register: r, prefix: 'sibyl_' });
    new Gauge({ name: 'sibyl_client_connections', help: 'Open native-protocol client connections', registers: [r], collect() { this.set(deps.connections()); } });
    new Gauge({ name: 'sibyl_load_bytes', help: 'Bytes of data stored (nodetool Load)', registers: [r], collect() { this.set(deps.storage.approximateSize()); } });
    const stats = deps.storage.stats?.bind(deps.storage);
    if (stats) await registerStorageMetrics(r, stats);
    if (deps.refusals) {
      const refusals = deps.refusals;
      new Gauge({
        name: 'sibyl_refused_total', help: 'Connections, messages and logins refused since start, by transport and reason',
        labelNames: ['transport', 'reason'], registers: [r],
        collect() {
          for (const [transport, reasons] of Object.entries(refusals())) {
            for (const [reason, n] of Object.entries(reasons)) this.set({ transport, reason }, n);
          }
        },
      });
    }
    if (deps.replicaReads) {
      const replicaReads = deps.replicaReads;
      // Named and labelled for the dashboard (issue 15): the local-rack share is local_rack over the sum.
      new Gauge({
        name: 'sibyl_replica_reads_total', help: "Reads served as a replica since start, by the coordinator's origin relative to this node",
        labelNames: ['origin'], registers: [r],
        collect() {
          const c = replicaReads();
          for (const origin of ['local_rack', 'remote_rack', 'remote_dc'] as const) this.set({ origin }, c[origin]);
        },
      });
    }
    if (deps.requests) {
      const requests = deps.requests;
      new Gauge({ name: 'sibyl_client_requests', help: 'Client requests served since start', registers: [r], collect() { this.set(requests()); } });
    }
    return r;
  };

  const local = () => deps.systemContext().local;
  const cluster = deps.cluster;
  const ring = (): TokenRing => {
    if (cluster) return cluster.ring();
    const l = local();
    return new TokenRing([{ id: l.hostId, address: l.broadcastAddress, dc: l.dataCenter, rack: l.rack, tokens: l.tokens.map(BigInt) }]);
  };
  const nodes = (): ClusterNodeView[] => {
    if (cluster) return cluster.nodes();
    const l = local();
    return [{ id: l.hostId, address: l.broadcastAddress, hostId: l.hostId, dataCenter: l.dataCenter, rack: l.rack, alive: true,
      loadBytes: deps.storage.approximateSize(), tokens: [...l.tokens], schemaVersion: l.schemaVersion }];
  };
  const keyspace = (name: string): KeyspaceDef => {
    const ks = deps.systemContext().schema.keyspaces.get(name);
    if (!ks) throw new AdminRequestError(`The keyspace ${name}, does not exist`, 404);
    return ks;
  };

  /** Cassandra's StorageService.effectiveOwnership rules: which replication settings ownership is computed for. */
  const ownershipReplication = (ksName?: string): { replication?: Record<string, string>; note?: string } => {
    if (ksName !== undefined) {
      const ks = keyspace(ksName);
      if (strategyName(ks.replication['class'] ?? '') === 'LocalStrategy') return { note: LOCAL_STRATEGY_NOTE };
      return { replication: ks.replication };
    }
    const user = [...deps.systemContext().schema.keyspaces.values()].filter((k) => !isSystemKeyspace(k.name));
    if (user.length === 0) return { replication: deps.systemContext().schema.keyspaces.get('system_traces')?.replication ?? { class: 'SimpleStrategy', replication_factor: '2' } };
    if (user.some((k) => !sameReplication(k.replication, user[0]!.replication))) return { note: DIFFERENT_REPLICATION };
    return { replication: user[0]!.replication };
  };

  const loadBytes = (): number => deps.storage.approximateSize();
  const schemaVersions = (): Record<string, string[]> => {
    const out: Record<string, string[]> = {};
    for (const n of nodes()) (out[n.alive ? n.schemaVersion : 'UNREACHABLE'] ??= []).push(n.address);
    return out;
  };

  const storageStats = deps.storage.stats?.bind(deps.storage);
  return {
    ...(storageStats ? {
      tableStats: (filters: string[]) => tableStats(deps.systemContext().schema, storageStats(), filters),
      threadPools: () => threadPools(storageStats()),
    } : {}),
    status(ksName?: string): StatusReport {
      const l = local();
      const { replication, note } = ownershipReplication(ksName);
      const r = ring();
      const raw = rawOwnership(r);
      const effective = replication ? effectiveOwnership(r, replication) : undefined;
      const reports: NodeReport[] = nodes().map((n) => ({
        address: n.address,
        hostId: n.hostId,
        dataCenter: n.dataCenter,
        rack: n.rack,
        state: nodeState(n),
        ...(n.loadBytes !== undefined ? { loadBytes: n.loadBytes } : {}),
        tokens: n.tokens,
        ownsRaw: raw.get(n.id) ?? 0,
        ...(effective ? { ownsEffective: effective.get(n.id) ?? 0 } : {}),
      }));
      return {
        clusterName: l.clusterName,
        partitioner: l.partitioner,
        ...(ksName !== undefined ? { keyspace: ksName } : {}),
        ...(note ? { ownershipNote: note } : {}),
        nodes: reports,
      };
    },
    info(): InfoReport {
      const l = local();
      const mem = process.memoryUsage();
      return {
        hostId: l.hostId,
        address: l.broadcastAddress,
        gossipActive: deps.lifecycle?.gossipActive ?? true,
        nativeTransportActive: deps.lifecycle?.nativeTransportActive ?? true,
        loadBytes: loadBytes(),
        generation: l.gossipGeneration,
        uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
        heapUsedMb: mem.heapUsed / (1024 * 1024),
        heapTotalMb: getHeapStatistics().heap_size_limit / (1024 * 1024),
        dataCenter: l.dataCenter,
        rack: l.rack,
        tokens: [...l.tokens],
      };
    },
    ring(ksName?: string): RingEntry[] {
      if (ksName !== undefined) keyspace(ksName);
      const raw = rawOwnership(ring());
      const out: RingEntry[] = [];
      for (const n of nodes()) {
        for (const token of n.tokens) {
          out.push({ address: n.address, dataCenter: n.dataCenter, rack: n.rack, state: nodeState(n),
            ...(n.loadBytes !== undefined ? { loadBytes: n.loadBytes } : {}), ownsRaw: raw.get(n.id) ?? 0, token });
        }
      }
      return out.sort((a, b) => (BigInt(a.token) < BigInt(b.token) ? -1 : 1));
    },
    describeCluster(): DescribeClusterReport {
      const l = local();
      return {
        name: l.clusterName,
        snitch: SNITCH_PREFIX + config.endpointSnitch,
        dynamicEndpointSnitch: true,
        partitioner: l.partitioner,
        schemaVersions: schemaVersions(),
      };
    },
    getEndpoints(ksName: string, tableName: string, key: string): string[] {
      const ks = deps.systemContext().schema.keyspaces.get(ksName);
      if (!ks) throw new AdminRequestError(`Unknown keyspace '${ksName}'`);
      const table = ks.tables.get(tableName);
      if (!table) throw new AdminRequestError(`Unknown table '${tableName}' in keyspace '${ksName}'`);
      const token = murmur3Token(partitionKeyBytes(table, key));
      return replicasFor(ring(), ks.strategy, token, { localId: cluster?.selfId ?? local().hostId }).map((e) => e.address);
    },
    async flush(): Promise<void> {
      await deps.storage.flush();
    },
    async drain(): Promise<void> {
      if (deps.lifecycle) await deps.lifecycle.drain();
      else await deps.storage.flush();
    },
    getNetwork(): unknown {
      return cluster ? cluster.network.toJSON() : network;
    },
    setNetwork(cfg: unknown): void {
      // Validated first, so a bad document is refused and the current model stays in force.
      network = parseNetworkConfig(cfg);
      cluster?.network.configure(cfg);
    },
    async metrics(): Promise<string> {
      registry ??= metricsRegistry();
      const text = await (await registry).metrics();
      return deps.extraMetrics === undefined ? text : `${text}${text.endsWith('\n') ? '' : '\n'}${deps.extraMetrics()}`;
    },
    async rebuildIndex(ksName: string, tableName: string, names: string[]): Promise<void> {
      const ks = deps.systemContext().schema.keyspaces.get(ksName);
      if (!ks) throw new AdminRequestError(`Unknown keyspace '${ksName}'`);
      const table = ks.tables.get(tableName);
      if (!table) throw new AdminRequestError(`Unknown table '${tableName}' in keyspace '${ksName}'`);
      const missing = names.filter((n) => !(table.indexes ?? []).some((i) => i.name === n));
      if (missing.length > 0) throw new AdminRequestError(`Unknown index(es) ${missing.join(', ')} of ${ksName}.${tableName}`);
      await deps.indexes?.rebuild(table, names);
    },
    viewBuildStatus(ksName: string, viewName: string): ViewBuildStatusEntry[] {
      const ctx = deps.systemContext();
      if (ctx.schema.keyspaces.get(ksName)?.tables.get(viewName)?.view === undefined) {
        throw new AdminRequestError(`Unknown materialized view ${ksName}.${viewName}`);
      }
      // Only this node's build: Sibyl does not replicate system_distributed.view_build_status.
      const mine = (ctx.viewBuilds ?? []).find((b) => b.keyspace === ksName && b.view === viewName);
      return [{ host: `/${ctx.local.broadcastAddress}:${ctx.local.storagePort}`, status: mine?.status ?? 'UNKNOWN' }];
    },
    ...(deps.replicaReads ? { replicaReads: deps.replicaReads } : {}),
    pendingHints(): PendingHintsEntry[] {
      const nodes = new Map((cluster?.nodes() ?? []).map((n) => [n.id, n]));
      return (deps.hints?.() ?? []).map((h) => {
        const n = nodes.get(h.target);
        return {
          hostId: n?.hostId ?? 'Unknown', address: n?.address ?? h.target.replace(/:\d+$/, ''), rack: n?.rack ?? 'Unknown',
          dc: n?.dataCenter ?? 'Unknown', status: n === undefined ? 'Unknown' : n.alive ? 'UP' : 'DOWN', totalFiles: 1,
          hints: h.count, sizeBytes: h.sizeBytes, newest: h.newest, oldest: h.oldest,
        };
      });
    },
  };
}
