// A Sibyl node: opens storage, loads schema and identity, and serves the native protocol on rpc_address:port.
// close() is the graceful path used on SIGTERM/SIGINT: stop accepting, let in-flight requests finish, flush.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdirSync } from 'node:fs';
import type { NodeConfig } from './config.ts';
import { StorageEngine } from '../storage/engine.ts';
import { startCluster, type ClusterRuntime } from './cluster-node.ts';
import { SchemaService } from './schema-service.ts';
import { loadOrCreateIdentity, type LocalIdentity } from './identity.ts';
import { StatementCache } from './statements.ts';
import { RequestHandler } from './handler.ts';
import { Connection } from './connection.ts';
import { startAdminServer } from './admin.ts';
import { localAdminSource, type ClusterView } from './admin-local.ts';
import { NodeLifecycle } from './lifecycle.ts';
import type { ExecEnv, Session } from '../cql/exec/index.ts';
import type { Statement } from '../cql/ast.ts';
import type { EventMessage, ResultMessage, SchemaChange } from '../protocol/messages.ts';
import type { SystemContext } from '../schema/system_tables.ts';

export interface RunningNode {
  readonly address: string;
  readonly nativePort: number;
  readonly hostId: string;
  readonly tokens: string[];
  readonly storage: StorageEngine;
  readonly lifecycle: NodeLifecycle;
  close(): Promise<void>;
}

/**
 * system.peers.schema_version of a peer known to be down: null, where Cassandra keeps the last version it saw. The
 * DataStax Node.js driver waits for every non-null version in system.peers to agree after each DDL statement, down
 * hosts included, so a stale version would cost every CREATE/ALTER its full maxSchemaAgreementWaitSeconds (10 s)
 * while a node is down. Both drivers skip null versions; the node's real version is back once it is up.
 * (PeerNodeInfo types the column as a string; the row encoder writes null for it.)
 */
const UNKNOWN_SCHEMA_VERSION = null as unknown as string;

export interface NodeHooks {
  /** How a `die` failure policy ends the process (process.exit by default). */
  exit?: (code: number) => void;
}

/** Microsecond clock that never repeats or goes backwards within the process (write timestamps must be unique). */
export function microsClock(): () => number {
  let last = 0;
  return () => {
    const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    last = now > last ? now : last + 1;
    return last;
  };
}

const log = (msg: string, err?: unknown): void => {
  process.stderr.write(`${msg}${err ? `: ${err instanceof Error ? err.message : String(err)}` : ''}\n`);
};

export async function startNode(config: NodeConfig, hooks: NodeHooks = {}): Promise<RunningNode> {
  mkdirSync(config.dataDir, { recursive: true });
  // Storage failures before the node is up fail the start itself; afterwards the failure policies apply.
  let lifecycle: NodeLifecycle | undefined;
  const storage = await StorageEngine.open({
    dir: config.dataDir,
    sync: config.commitlogSync === 'periodic' ? 'periodic' : 'batch',
    syncPeriodMs: config.commitlogSyncPeriodMs,
    onFailure: (e) => lifecycle?.onStorageFailure(e),
  });
  const identity: LocalIdentity = await loadOrCreateIdentity(storage, config.numTokens, config.initialTokens);
  const nowMicros = microsClock();
  // Membership comes up after the schema (gossip announces the schema version), so the DC list is late-bound.
  let cluster: ClusterRuntime | undefined;
  const schema = new SchemaService(storage, () => cluster?.membership.dataCenters() ?? [config.dataCenter], nowMicros);
  const connections = new Set<Connection>();
  const broadcast = (e: EventMessage): void => {
    for (const c of connections) c.sendEvent(e);
  };
  cluster = await startCluster({
    config, identity, storage, schema, sendEvent: broadcast, log,
  });
  const runtime = cluster;
  const coordinator = runtime.coordinator;
  const gossipGeneration = runtime.membership.gossiper.generation;

  const systemContext = (): SystemContext => ({
    schema: schema.current,
    local: {
      clusterName: config.clusterName,
      dataCenter: config.dataCenter,
      rack: config.rack,
      hostId: identity.hostId,
      listenAddress: config.listenAddress,
      broadcastAddress: config.broadcastAddress,
      rpcAddress: config.broadcastRpcAddress,
      nativePort: config.nativeTransportPort,
      storagePort: config.storagePort,
      tokens: identity.tokens,
      schemaVersion: schema.version,
      gossipGeneration,
      releaseVersion: '4.0.11',
      cqlVersion: '3.4.5',
      partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
      nativeProtocolVersion: '4',
    },
    peers: runtime.membership.peerInfos().map((p) =>
      runtime.membership.isAlive(`${p.address}:${p.storagePort}`) ? p : { ...p, schemaVersion: UNKNOWN_SCHEMA_VERSION }),
  });

  const env: ExecEnv = {
    schema: () => schema.current,
    coordinator,
    systemContext,
    nowMicros,
    async applySchemaChange(stmt: Statement, session: Session): Promise<ResultMessage> {
      const change = await schema.apply(stmt, session.keyspace);
      // Answer once live peers hold the new schema too, so drivers see agreement promptly.
      if (change) await runtime.pushSchema();
      return change ? { kind: 'schema_change', ...change } : { kind: 'void' };
    },
  };
  schema.onChange((changes: SchemaChange[]) => {
    for (const change of changes) broadcast({ type: 'SCHEMA_CHANGE', ...change });
  });

  const statements = new StatementCache(() => schema.current);
  const handler = new RequestHandler(env, statements);
  const maxFrameBytes = config.nativeTransportMaxFrameSizeMb * 1024 * 1024;
  const server: Server = createServer({ noDelay: true }, (socket: Socket) => {
    const conn = new Connection(socket, handler, { maxFrameBytes });
    connections.add(conn);
    socket.on('close', () => connections.delete(conn));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.nativeTransportPort, config.rpcAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const stopNativeTransport = async (): Promise<void> => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([...connections].map((c) => c.close()));
    await stopped;
  };
  const nodeLifecycle = new NodeLifecycle({
    stopNativeTransport,
    stopGossip: () => runtime.stopGossip(),
    stopMessaging: () => runtime.close(),
    flush: () => storage.flush(),
    log,
    exit: hooks.exit ?? ((code) => process.exit(code)),
  }, config);
  lifecycle = nodeLifecycle;

  // Single-node admin API (nodetool, launcher) until membership provides the cluster-wide AdminSource.
  const membership = runtime.membership;
  const clusterView: ClusterView = {
    selfId: runtime.self,
    ring: () => membership.ring(),
    nodes: () => [
      { id: runtime.self, address: config.broadcastAddress, hostId: identity.hostId, dataCenter: config.dataCenter, rack: config.rack,
        alive: true, loadBytes: storage.approximateSize(), tokens: identity.tokens, schemaVersion: schema.version },
      ...membership.peers().map((p) => ({ id: p.endpoint, address: p.address, hostId: p.hostId, dataCenter: p.dataCenter, rack: p.rack,
        alive: p.alive, ...(p.load !== undefined ? { loadBytes: p.load } : {}), tokens: p.tokens, schemaVersion: p.schemaVersion })),
    ],
    network: runtime.messaging.network,
  };
  const admin = await startAdminServer(
    localAdminSource({ config, systemContext, storage, connections: () => connections.size, cluster: clusterView, lifecycle: nodeLifecycle }),
    config.listenAddress, config.adminPort,
  );

  let closing: Promise<void> | undefined;
  return {
    address: config.rpcAddress,
    nativePort: config.nativeTransportPort,
    hostId: identity.hostId,
    tokens: identity.tokens,
    storage,
    lifecycle: nodeLifecycle,
    close() {
      closing ??= (async () => {
        await admin.close();
        await nodeLifecycle.stopNativeTransport();
        await runtime.close();
        await storage.flush();
        await storage.close();
      })();
      return closing;
    },
  };
}
