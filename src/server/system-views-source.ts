// The node process's side of system_views (schema/system-views.ts): its native connections, its configuration
// under Cassandra 5.0's setting names and value formats (`5000ms`, `64MiB`, `3h`), and the runtime's properties.
import type { Connection } from './connection.ts';
import type { NodeConfig } from './config.ts';
import type { ClientInfo, SystemViewsSource } from '../schema/system-views.ts';
import type { StorageStats } from '../storage/engine.ts';
import { threadPools } from './admin-storage.ts';

const ms = (n: number): string => `${n}ms`;
const kib = (n: number): string => `${n}KiB`;
const mib = (n: number): string => `${n}MiB`;

/** max_hint_window as Cassandra prints it: the largest whole unit. */
function duration(msValue: number): string {
  if (msValue % 3_600_000 === 0) return `${msValue / 3_600_000}h`;
  if (msValue % 60_000 === 0) return `${msValue / 60_000}m`;
  if (msValue % 1000 === 0) return `${msValue / 1000}s`;
  return ms(msValue);
}

function settings(c: NodeConfig): Array<[string, string | null]> {
  return [
    ['cluster_name', c.clusterName], ['num_tokens', String(c.numTokens)],
    ['initial_token', c.initialTokens.length > 0 ? c.initialTokens.join(',') : null],
    ['listen_address', c.listenAddress], ['rpc_address', c.rpcAddress],
    ['broadcast_address', c.broadcastAddress === c.listenAddress ? null : c.broadcastAddress],
    ['broadcast_rpc_address', c.broadcastRpcAddress === c.rpcAddress ? null : c.broadcastRpcAddress],
    ['native_transport_port', String(c.nativeTransportPort)], ['storage_port', String(c.storagePort)],
    ['endpoint_snitch', c.endpointSnitch], ['partitioner', 'org.apache.cassandra.dht.Murmur3Partitioner'],
    ['data_file_directories', `[${c.dataFileDirectories.join(', ')}]`], ['hints_directory', c.hintsDirectory],
    ['commitlog_directory', c.commitlogDirectory], ['commitlog_sync', c.commitlogSync],
    ['commitlog_sync_period', ms(c.commitlogSyncPeriodMs)], ['commitlog_segment_size', mib(c.commitlogSegmentSizeMb)],
    ['commitlog_total_space', c.commitlogTotalSpaceMb === undefined ? null : mib(c.commitlogTotalSpaceMb)],
    ['memtable_heap_space', mib(c.memtableHeapSpaceMb)], ['memtable_cleanup_threshold', String(c.memtableCleanupThreshold)],
    ['native_transport_max_frame_size', mib(c.nativeTransportMaxFrameSizeMb)], ['max_hint_window', duration(c.maxHintWindowMs)],
    ['hinted_handoff_throttle', kib(c.hintedHandoffThrottleKib)], ['max_hints_file_size', mib(c.maxHintsFileSizeMb)],
    ['phi_convict_threshold', Number.isInteger(c.phiConvictThreshold) ? c.phiConvictThreshold.toFixed(1) : String(c.phiConvictThreshold)],
    ['read_request_timeout', ms(c.readRequestTimeoutMs)], ['write_request_timeout', ms(c.writeRequestTimeoutMs)],
    ['request_timeout', ms(c.requestTimeoutMs)], ['cas_contention_timeout', ms(c.casContentionTimeoutMs)],
    ['counter_write_request_timeout', ms(c.counterWriteRequestTimeoutMs)], ['batchlog_replay_throttle', kib(c.batchlogReplayThrottleKib)],
    ['batch_size_fail_threshold', kib(c.batchSizeFailThresholdKib)], ['batch_size_warn_threshold', kib(c.batchSizeWarnThresholdKib)],
    ['unlogged_batch_across_partitions_warn_threshold', String(c.unloggedBatchWarnPartitions)],
    ['authenticator', c.authenticator], ['disk_failure_policy', c.diskFailurePolicy], ['commit_failure_policy', c.commitFailurePolicy],
    ['user_defined_functions_enabled', String(c.userDefinedFunctionsEnabled)], ['user_defined_functions_fail_timeout', '1500ms'],
    ['tracetype_query_ttl', '86400'],
  ];
}

function clientInfo(c: Connection): ClientInfo {
  const s = c.state;
  const info: ClientInfo = {
    address: s.clientAddress ?? '127.0.0.1', port: s.clientPort ?? 0, options: s.startupOptions ?? {}, ready: s.started,
    requestCount: s.requestCount ?? 0,
  };
  if (s.session.keyspace !== undefined) info.keyspace = s.session.keyspace;
  if (s.version !== undefined) info.protocolVersion = s.version;
  return info;
}

/** system_views for a node process: `connections` is the live set the native server keeps. */
export function systemViewsSource(config: NodeConfig, connections: ReadonlySet<Connection>, stats: () => StorageStats): SystemViewsSource {
  return {
    clients: () => [...connections].map(clientInfo),
    settings: () => settings(config),
    inFlightRequests: () => [...connections].reduce((n, c) => n + c.busy, 0),
    completedRequests: () => [...connections].reduce((n, c) => n + (c.state.requestCount ?? 0) - c.busy, 0),
    storagePools: () => threadPools(stats()),
    properties: () => [['java.version', 'n/a (Node.js)'], ['node.version', process.version], ['os.arch', process.arch], ['os.name', process.platform]],
  };
}
