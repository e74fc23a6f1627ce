// A Sibyl node: opens storage, loads schema and identity, and serves the native protocol on rpc_address:port.
// close() is the graceful path used on SIGTERM/SIGINT: stop accepting, let in-flight requests finish, flush.
import type { Server, Socket } from 'node:net';
import { createWriteStream, mkdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeConfig } from './config.ts';
import { StorageEngine, type StorageOptions } from '../storage/engine.ts';
import { randomInt } from 'node:crypto';
import { withDefaultPort } from '../model/endpoint.ts';
import { loadOrCreateIdentity, saveTokens, type LocalIdentity } from './identity.ts';
import { NodeCore, type NodeSettings } from '../node/node-core.ts';
import { hasLeftRing } from '../cluster/membership.ts';
import { MessagingService } from '../messaging/messaging.ts';
import { encryptionPolicy, type InternodeTlsOptions, type Location } from '../messaging/internode-tls.ts';
import type { InternodeTlsConfig } from './config-tls.ts';
import { seededRandom, systemClock, systemTimers } from '../cluster/env.ts';
import { DEFAULT_MAX_HINTS_PER_TARGET } from '../coordinator/hints.ts';
import { LmdbHintStore } from './hint-store.ts';
import type { Schema, TableDef } from '../schema/model.ts';
import { backingTables } from '../index/terms.ts';
import { Connection } from './connection.ts';
import { NativeAdmission } from './native-limits.ts';
import { nativeServer } from './native-tls.ts';
import { systemViewsSource } from './system-views-source.ts';
import { snapshotAdmin } from './admin-snapshots.ts';
import { cidrAdmin } from './admin-cidr.ts';
import { installAutoSnapshot } from './snapshots.ts';
import { repairStateAdmin } from './admin-repair.ts';
import { startAdminServer } from './admin.ts';
import { readAdminTokenFile } from './admin-token.ts';
import { localAdminSource, type ClusterView } from './admin-local.ts';
import { ClientRequestMetrics } from './request-metrics.ts';
import { lifecycleAdmin } from './admin-lifecycle.ts';
import { opsAdmin } from './admin-ops.ts';
import { NodeLifecycle } from './lifecycle.ts';
import type { EventMessage } from '../protocol/messages.ts';

export interface RunningNode {
  readonly address: string;
  readonly nativePort: number;
  readonly hostId: string;
  readonly tokens: string[];
  readonly storage: StorageEngine;
  readonly lifecycle: NodeLifecycle;
  close(): Promise<void>;
}

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


/** Cassandra's ring delay (its cassandra.ring_delay_ms system property; SIBYL_RING_DELAY_MS here), 30 s by default. */
function ringDelayMs(): number {
  const v = Number(process.env['SIBYL_RING_DELAY_MS'] ?? 30_000);
  return Number.isFinite(v) && v >= 0 ? v : 30_000;
}

/** Whether a node starting with this config must bootstrap when it has no tokens yet. */
export function shouldBootstrap(config: NodeConfig): boolean {
  const isSeed = config.seeds.some((s) => s === config.broadcastAddress || s.startsWith(`${config.broadcastAddress}:`));
  // A replacement always streams: joining with the dead node's tokens and none of its data would serve empty ranges.
  if (config.replaceAddressFirstBoot !== undefined && config.initialTokens.length === 0) return true;
  return config.autoBootstrap && config.initialTokens.length === 0 && !isSeed;
}

export function nodeSettings(config: NodeConfig, identity: LocalIdentity, save?: (tokens: string[]) => Promise<void>): NodeSettings {
  return {
    ...(identity.tokens.length === 0 ? {
      bootstrap: {
        numTokens: config.numTokens, ringDelayMs: ringDelayMs(), saveTokens: save ?? (async () => undefined),
        ...(config.replaceAddressFirstBoot !== undefined ? { replaceAddress: config.replaceAddressFirstBoot } : {}),
      },
    } : {}),
    clusterName: config.clusterName, hostId: identity.hostId, tokens: identity.tokens,
    dataCenter: config.dataCenter, rack: config.rack, seeds: config.seeds.map((s) => withDefaultPort(s, config.storagePort)),
    listenAddress: config.listenAddress, broadcastAddress: config.broadcastAddress, storagePort: config.storagePort,
    rpcAddress: config.broadcastRpcAddress, nativePort: config.nativeTransportPort, phiConvictThreshold: config.phiConvictThreshold,
    writeTimeoutMs: config.writeRequestTimeoutMs, readTimeoutMs: config.readRequestTimeoutMs, maxHintWindowMs: config.maxHintWindowMs,
    hintThrottleBytesPerSec: config.hintedHandoffThrottleKib * 1024, casContentionTimeoutMs: config.casContentionTimeoutMs,
    counterWriteTimeoutMs: config.counterWriteRequestTimeoutMs,
    batchlogReplayThrottleBytesPerSec: config.batchlogReplayThrottleKib * 1024,
    streamThroughputBytesPerSec: config.streamThroughputOutboundBytesPerSec,
    ringDelayMs: ringDelayMs(),
    batchSizeFailBytes: config.batchSizeFailThresholdKib * 1024,
    userFunctionsEnabled: config.userDefinedFunctionsEnabled,
    warnThresholds: { batchSizeWarnBytes: config.batchSizeWarnThresholdKib * 1024, unloggedBatchPartitions: config.unloggedBatchWarnPartitions,
      tombstoneWarn: config.tombstoneWarnThreshold, tombstoneFailure: config.tombstoneFailureThreshold },
    materializedViewsEnabled: config.materializedViewsEnabled,
    // Cassandra reads -Dcassandra.sai.vector.allow_custom_parameters; a node process reads this variable instead.
    saiVectorAllowCustomParameters: process.env.SIBYL_SAI_VECTOR_ALLOW_CUSTOM_PARAMETERS === 'true',
    ...(config.authenticator === 'PasswordAuthenticator' ? { authenticator: 'PasswordAuthenticator' as const } : {}),
    credentialsValidityMs: config.credentialsValidityMs,
    ...(config.authorizer === 'CassandraAuthorizer' ? { authorizer: 'CassandraAuthorizer' as const } : {}),
    permissionsValidityMs: config.permissionsValidityMs,
    ...(config.networkAuthorizer === 'CassandraNetworkAuthorizer' ? { networkAuthorizer: 'CassandraNetworkAuthorizer' as const } : {}),
    ...(config.cidrAuthorizer !== undefined ? { cidrAuthorizer: config.cidrAuthorizer } : {}),
    rolesValidityMs: config.rolesValidityMs,
    ...(config.auditLog !== undefined ? { audit: config.auditLog.filter } : {}),
  };
}

const MIB = 1024 * 1024;

/** The storage engine's settings from cassandra.yaml. */
export function storageOptions(config: NodeConfig): StorageOptions {
  mkdirSync(config.commitlogDirectory, { recursive: true });
  // Cassandra's default commitlog_total_space: the smaller of 8 GiB and a quarter of the commit log's volume.
  let totalMb = config.commitlogTotalSpaceMb;
  if (totalMb === undefined) {
    const fsStats = statfsSync(config.commitlogDirectory);
    totalMb = Math.min(8192, Math.floor((fsStats.blocks * fsStats.bsize) / 4 / MIB));
  }
  return {
    dir: config.dataDir, commitlogDir: config.commitlogDirectory, sync: config.commitlogSync,
    syncPeriodMs: config.commitlogSyncPeriodMs, groupWindowMs: config.commitlogSyncGroupWindowMs,
    segmentSizeBytes: config.commitlogSegmentSizeMb * MIB, commitlogTotalSpaceBytes: totalMb * MIB,
    memtableSpaceBytes: config.memtableHeapSpaceMb * MIB, memtableCleanupThreshold: config.memtableCleanupThreshold,
  };
}

/** Puts what the commit log holds from before a crash back, before anything is served (tables found by id). */
async function replayCommitLog(storage: StorageEngine, schema: Schema, config: NodeConfig): Promise<void> {
  const byId = new Map<string, TableDef>();
  for (const ks of schema.keyspaces.values()) for (const t of ks.tables.values()) byId.set(t.id, t);
  // Index entries are written to their backing tables in the same commit log entries as the base rows.
  for (const t of backingTables(schema)) byId.set(t.id, t);
  const policy = config.commitFailurePolicy === 'ignore' ? 'ignore' : 'stop';
  const report = await storage.replay((id) => byId.get(id), policy);
  if (report.entries > 0 || report.skipped.length > 0) {
    log(`commit log replayed: ${report.entries} entries from ${report.segments} segments${report.skipped.length ? `; skipped ${report.skipped.join(', ')}` : ''}`);
  }
}

/** audit_logging_options' file, `<audit_logs_dir>/audit.log`, appended one line per event. */
function openAuditLog(config: NodeConfig): { write(line: string): void; close(): Promise<void> } | undefined {
  if (config.auditLog === undefined) return undefined;
  mkdirSync(config.auditLog.dir, { recursive: true });
  const stream = createWriteStream(join(config.auditLog.dir, 'audit.log'), { flags: 'a', mode: 0o600 });
  stream.on('error', (e) => log('audit log write failed', e));
  return {
    write: (line) => { stream.write(`${line}\n`); },
    close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  };
}

function internodeTlsOptions(t: InternodeTlsConfig, self: Location, locate: (endpoint: string) => Location | undefined): InternodeTlsOptions {
  return { ...t, mustEncrypt: encryptionPolicy(t.mode, self, locate) };
}

export async function startNode(config: NodeConfig, hooks: NodeHooks = {}): Promise<RunningNode> {
  mkdirSync(config.dataDir, { recursive: true });
  // Storage failures before the node is up fail the start itself; afterwards the failure policies apply.
  let lifecycle: NodeLifecycle | undefined;
  const storage = await StorageEngine.open({
    ...storageOptions(config),
    onFailure: (e) => lifecycle?.onStorageFailure(e),
    log: (m) => log(m),
  });
  let schemaNow: (() => Schema) | undefined;
  if (config.autoSnapshot) {
    installAutoSnapshot(storage, config.dataDir, microsClock(), (m) => log(m),
      (t) => schemaNow?.().keyspaces.get(t.keyspace)?.tables.get(t.name)?.id === t.id);
  }
  const identity: LocalIdentity = await loadOrCreateIdentity(storage, config.numTokens, config.initialTokens, shouldBootstrap(config));
  const nowMicros = microsClock();
  // Internode peers are trusted once gossip knows them (or they are seeds); until the core exists, none is.
  let isMember: (endpoint: string) => boolean = () => false;
  const seeds = new Set(nodeSettings(config, identity).seeds);
  // Where gossip places a peer, for internode_encryption dc/rack; until the core exists, nowhere (so: encrypt).
  let locate: (endpoint: string) => { dc: string; rack: string } | undefined = () => undefined;
  const messaging = await MessagingService.start({
    address: config.listenAddress, port: config.storagePort, logger: log,
    isKnownPeer: (endpoint) => seeds.has(endpoint) || isMember(endpoint),
    ...(config.internodeTls ? { tls: internodeTlsOptions(config.internodeTls, { dc: config.dataCenter, rack: config.rack }, (ep) => locate(ep)) } : {}),
  });
  let schemaOf: (() => Schema) | undefined;
  const hints = LmdbHintStore.open({
    dir: config.hintsDirectory, sync: config.commitlogSync === 'periodic' ? 'periodic' : 'batch', clock: systemClock,
    maxHintWindowMs: config.maxHintWindowMs, maxBytesPerTarget: config.maxHintsFileSizeMb * 1024 * 1024,
    maxCountPerTarget: DEFAULT_MAX_HINTS_PER_TARGET,
    table: (ks, name, id) => {
      const t = schemaOf?.().keyspaces.get(ks)?.tables.get(name);
      return t && t.id === id ? t : undefined;
    },
  });
  const audit = openAuditLog(config);
  // The native server adds its connections here; system_views.clients lists them.
  const connections = new Set<Connection>();
  const core = await NodeCore.create({
    clock: systemClock, nowMicros, timers: systemTimers(), random: seededRandom(randomInt(2 ** 31)),
    messenger: messaging, store: storage, hints, log, ...(audit ? { auditSink: audit.write } : {}),
  }, { ...nodeSettings(config, identity, (tokens) => saveTokens(storage, identity, tokens)), views: systemViewsSource(config, connections, () => storage.stats()) });
  schemaOf = () => core.schema.current;
  schemaNow = schemaOf;
  // Any endpoint gossip knows, not only ring members: a bootstrapping node pulls the schema before it has tokens.
  isMember = (endpoint) => endpoint === core.endpoint || core.membership.peer(endpoint) !== undefined || core.membership.gossiper.state(endpoint) !== undefined;
  await replayCommitLog(storage, core.schema.current, config);
  messaging.network.setLocator((ep) => core.membership.location(ep));
  locate = (ep) => core.membership.location(ep);
  core.onEvent((e: EventMessage) => {
    for (const c of connections) c.sendEvent(e);
  });
  core.start();
  const handler = core.handler;
  const maxFrameBytes = config.nativeTransportMaxFrameSizeMb * 1024 * 1024;
  const admission = new NativeAdmission({
    maxConnections: config.nativeTransportMaxConcurrentConnections, maxConnectionsPerIp: config.nativeTransportMaxConcurrentConnectionsPerIp,
  }, log);
  const tlsStats = { tlsHandshakeFailures: 0 };
  const requestMetrics = new ClientRequestMetrics();
  const server: Server = nativeServer(config.clientTls, (socket: Socket) => {
    const ip = socket.remoteAddress ?? '';
    if (!admission.admit(ip)) {
      socket.destroy();
      return;
    }
    const conn = new Connection(socket, handler, {
      maxFrameBytes, idleTimeoutMs: config.nativeTransportIdleTimeoutMs, frameReadTimeoutMs: config.nativeTransportFrameReadTimeoutMs,
      onTimeout: (why) => admission.timedOut(why),
      onRequestServed: (ms) => requestMetrics.record(ms),
    });
    connections.add(conn);
    socket.on('close', () => { connections.delete(conn); admission.release(ip); });
  }, tlsStats, log);
  const listenNative = (): Promise<void> => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.nativeTransportPort, config.rpcAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await listenNative();
  const stopNativeTransport = async (): Promise<void> => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([...connections].map((c) => c.close()));
    await stopped;
  };
  const nodeLifecycle = new NodeLifecycle({
    stopNativeTransport,
    stopGossip: () => core.stopGossip(),
    startNativeTransport: listenNative,
    startGossip: () => core.resumeGossip(),
    stopMessaging: async () => {
      await core.close();
      await messaging.close();
    },
    flush: () => storage.flush(),
    log,
    exit: hooks.exit ?? ((code) => process.exit(code)),
  }, config);
  lifecycle = nodeLifecycle;

  // Single-node admin API (nodetool, launcher) until membership provides the cluster-wide AdminSource.
  const membership = core.membership;
  const schema = core.schema;
  const clusterView: ClusterView = {
    selfId: core.endpoint,
    ring: () => membership.ring(),
    nodes: () => [
      { id: core.endpoint, address: config.broadcastAddress, hostId: identity.hostId, dataCenter: config.dataCenter, rack: config.rack,
        alive: true, loadBytes: storage.approximateSize(), tokens: membership.local.tokens, schemaVersion: schema.version,
        joining: membership.isJoining(core.endpoint), leaving: membership.isLeaving(core.endpoint) },
      // A node that left the ring (decommissioned, removed, assassinated) is no longer listed, as in Cassandra's nodetool status.
      ...membership.peers().filter((p) => !hasLeftRing(p.status)).map((p) => ({ id: p.endpoint, address: p.address, hostId: p.hostId, dataCenter: p.dataCenter, rack: p.rack,
        alive: p.alive, ...(p.load !== undefined ? { loadBytes: p.load } : {}), tokens: p.tokens, schemaVersion: p.schemaVersion,
        joining: membership.isJoining(p.endpoint), leaving: membership.isLeaving(p.endpoint) })),
    ],
    network: messaging.network,
  };
  let adminRefused = 0;
  const localSource = localAdminSource({ config, systemContext: () => core.systemContext(), storage, connections: () => connections.size, cluster: clusterView, lifecycle: nodeLifecycle,
      hints: () => hints.pending(), indexes: core.indexes, replicaReads: () => core.coordinator.replicaReads.snapshot(),
      extraMetrics: () => requestMetrics.exposition(),
      refusals: () => ({ internode: { ...messaging.stats.refusedInbound }, native: { ...admission.refused, 'tls-handshake': tlsStats.tlsHandshakeFailures }, auth: core.auth?.refusals() ?? {}, admin: { 'no-token': adminRefused } }) });
  const admin = await startAdminServer(
    Object.assign(localSource, lifecycleAdmin(core), opsAdmin({ core, storage, lifecycle: nodeLifecycle, nowSec: () => Math.floor(nowMicros() / 1e6) }),
      repairStateAdmin(core, localSource),
      { snapshots: snapshotAdmin({ dataDir: config.dataDir, storage, schema: () => core.schema.current, nowMicros, log,
        write: (ks, mutations, cl) => core.coordinator.write(ks, mutations, cl, 'SIMPLE') }),
      cidrGroups: cidrAdmin(() => core.auth?.networkAccess, config.cidrAuthorizer !== undefined) }),
    config.listenAddress, config.adminPort,
    config.adminTokenFile === undefined ? {} : { token: readAdminTokenFile(config.adminTokenFile), onRefused: () => { adminRefused++; } },
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
        await core.close();
        await messaging.close();
        await hints.close();
        await audit?.close();
        await storage.flush();
        await storage.close();
      })();
      return closing;
    },
  };
}
