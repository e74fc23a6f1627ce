// Rows of the node-local and schema tables, computed from the schema and the node's view of the cluster rather
// than stored. Drivers build their whole picture of the cluster from these (protocol-compat §6), so every column
// carries Cassandra 4.0's name and type; values are JsValue and the executor encodes them with encodeJs.
import type { JsValue } from '../model/values/js.ts';
import { aggregateRows, functionRows } from './function-rows.ts';
import { systemViewRows, type SystemViewsSource } from './system-views.ts';
import { typeToCql } from '../model/types.ts';
import type { ColumnDef, KeyspaceDef, Schema, TableDef } from './model.ts';
import { isVirtualKeyspace, withSystemKeyspaces } from './system_defs.ts';
import { compareNames } from './table_build.ts';
import { tableIndexes } from './indexes.ts';

export {
  isSystemKeyspace, isVirtualKeyspace, withSystemKeyspaces, SYSTEM_KEYSPACES, LOCAL_SYSTEM_KEYSPACES,
  REPLICATED_SYSTEM_KEYSPACES, VIRTUAL_KEYSPACES, systemKeyspaceDef,
} from './system_defs.ts';

export interface LocalNodeInfo {
  clusterName: string;
  dataCenter: string;
  rack: string;
  hostId: string;
  listenAddress: string;
  broadcastAddress: string;
  rpcAddress: string;
  nativePort: number;
  storagePort: number;
  tokens: string[];
  schemaVersion: string;
  gossipGeneration: number;
  /** e.g. '4.0.11' */
  releaseVersion: string;
  /** e.g. '3.4.5' */
  cqlVersion: string;
  partitioner: string;
  /** e.g. '4' */
  nativeProtocolVersion: string;
}

export interface PeerNodeInfo {
  address: string;
  storagePort: number;
  rpcAddress: string;
  nativePort: number;
  dataCenter: string;
  rack: string;
  hostId: string;
  tokens: string[];
  /** null for a peer known to be down (see NodeCore.systemContext). */
  schemaVersion: string | null;
  releaseVersion: string;
}

export interface SystemContext {
  schema: Schema;
  local: LocalNodeInfo;
  peers: PeerNodeInfo[];
  /** Indexes whose build has completed on this node (system."IndexInfo"). */
  builtIndexes?: Array<{ keyspace: string; index: string }>;
  /** What system_views shows (connections, settings…), from the node process. */
  views?: SystemViewsSource;
  /** The size estimates of this node's primary ranges, computed when asked for (node/size-estimates.ts). */
  sizeEstimates?: () => SizeEstimate[];
  /** This node's materialized view builds (system.built_views, system_distributed.view_build_status). */
  viewBuilds?: Array<{ keyspace: string; view: string; status: 'STARTED' | 'SUCCESS' }>;
}

/** One table's estimate over one primary range of this node (node/size-estimates.ts). */
export interface SizeEstimate {
  keyspace: string;
  table: string;
  rangeStart: string;
  rangeEnd: string;
  meanPartitionSize: number;
  partitionsCount: number;
}

export type SystemRow = Record<string, JsValue>;

/**
 * system.size_estimates, and table_estimates with each range twice: as 'local_primary' and as 'primary' (the same
 * ranges for a node's own data centre, which is all Sibyl computes them for). Sorted as the clustering orders them.
 */
function estimateRows(ctx: SystemContext, withRangeType: boolean): SystemRow[] {
  const rows: SystemRow[] = [];
  for (const e of ctx.sizeEstimates?.() ?? []) {
    const base = { keyspace_name: e.keyspace, table_name: e.table, range_start: e.rangeStart, range_end: e.rangeEnd,
      mean_partition_size: BigInt(e.meanPartitionSize), partitions_count: BigInt(e.partitionsCount) };
    if (!withRangeType) rows.push(base);
    else for (const range_type of ['local_primary', 'primary']) rows.push({ ...base, range_type });
  }
  const key = (r: SystemRow): string[] => [r.keyspace_name, r.table_name, r.range_type ?? '', r.range_start, r.range_end].map(String);
  return rows.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i === 0 ? compareNames(x[i]!, y[i]!) : x[i]! < y[i]! ? -1 : 1;
    return 0;
  });
}

/** The current rows of a computed table; tables nobody writes to (auth, traces, …) are empty. */
export function systemRows(table: TableDef, ctx: SystemContext): SystemRow[] {
  switch (`${table.keyspace}.${table.name}`) {
    case 'system.local':
      return [localRow(ctx.local)];
    case 'system.peers':
      return ctx.peers.map(peerRow);
    case 'system.peers_v2':
      return ctx.peers.map(peerV2Row);
    case 'system_schema.keyspaces':
      return schemaKeyspaces(ctx).map(keyspaceRow);
    case 'system_schema.tables':
      return schemaKeyspaces(ctx).flatMap((ks) => sortedTables(ks).filter((t) => t.view === undefined).map(tableRow));
    case 'system_schema.views':
      return schemaKeyspaces(ctx).flatMap((ks) => sortedTables(ks).filter((t) => t.view !== undefined).map(viewRow));
    case 'system_schema.columns':
      return schemaKeyspaces(ctx).flatMap((ks) => sortedTables(ks).flatMap(columnRows));
    case 'system_schema.dropped_columns':
      return schemaKeyspaces(ctx).flatMap((ks) => sortedTables(ks).flatMap(droppedRows));
    case 'system_schema.types':
      return schemaKeyspaces(ctx).flatMap(typeRows);
    case 'system_schema.indexes':
      return schemaKeyspaces(ctx).flatMap((ks) => sortedTables(ks).flatMap(indexRows));
    case 'system_schema.functions':
      return schemaKeyspaces(ctx).flatMap(functionRows);
    case 'system_schema.aggregates':
      return schemaKeyspaces(ctx).flatMap(aggregateRows);
    case 'system.size_estimates':
      return estimateRows(ctx, false);
    case 'system.table_estimates':
      return estimateRows(ctx, true);
    case 'system.IndexInfo':
      return [...(ctx.builtIndexes ?? [])]
        .sort((a, b) => compareNames(a.keyspace, b.keyspace) || compareNames(a.index, b.index))
        .map((b) => ({ table_name: b.keyspace, index_name: b.index, value: null }));
    case 'system.built_views':
      return sortedBuilds(ctx).filter((b) => b.status === 'SUCCESS')
        .map((b) => ({ keyspace_name: b.keyspace, view_name: b.view, status_replicated: true }));
    case 'system_distributed.view_build_status':
      // Only this node's own builds: Sibyl computes the table per node rather than replicating it.
      return sortedBuilds(ctx).map((b) => ({ keyspace_name: b.keyspace, view_name: b.view, host_id: ctx.local.hostId, status: b.status }));
    case 'system_virtual_schema.keyspaces':
      return virtualKeyspaces(ctx).map((ks) => ({ keyspace_name: ks.name }));
    case 'system_virtual_schema.tables':
      return virtualKeyspaces(ctx).flatMap((ks) =>
        sortedTables(ks).map((t) => ({ keyspace_name: ks.name, table_name: t.name, comment: t.options.comment })),
      );
    case 'system_virtual_schema.columns':
      return virtualKeyspaces(ctx).flatMap((ks) => sortedTables(ks).flatMap(columnRows));
    default:
      return table.keyspace === 'system_views' ? systemViewRows(table.name, ctx.views) : [];
  }
}

function sortedBuilds(ctx: SystemContext): NonNullable<SystemContext['viewBuilds']> {
  return [...(ctx.viewBuilds ?? [])].sort((a, b) => compareNames(a.keyspace, b.keyspace) || compareNames(a.view, b.view));
}

function localRow(n: LocalNodeInfo): SystemRow {
  return {
    key: 'local',
    bootstrapped: 'COMPLETED',
    broadcast_address: n.broadcastAddress,
    broadcast_port: n.storagePort,
    cluster_name: n.clusterName,
    cql_version: n.cqlVersion,
    data_center: n.dataCenter,
    gossip_generation: n.gossipGeneration,
    host_id: n.hostId,
    listen_address: n.listenAddress,
    listen_port: n.storagePort,
    native_protocol_version: n.nativeProtocolVersion,
    partitioner: n.partitioner,
    rack: n.rack,
    release_version: n.releaseVersion,
    rpc_address: n.rpcAddress,
    rpc_port: n.nativePort,
    schema_version: n.schemaVersion,
    tokens: [...n.tokens],
    truncated_at: null,
  };
}

function peerRow(p: PeerNodeInfo): SystemRow {
  return {
    peer: p.address,
    data_center: p.dataCenter,
    host_id: p.hostId,
    preferred_ip: null,
    rack: p.rack,
    release_version: p.releaseVersion,
    rpc_address: p.rpcAddress,
    schema_version: p.schemaVersion,
    tokens: [...p.tokens],
  };
}

function peerV2Row(p: PeerNodeInfo): SystemRow {
  return {
    peer: p.address,
    peer_port: p.storagePort,
    data_center: p.dataCenter,
    host_id: p.hostId,
    native_address: p.rpcAddress,
    native_port: p.nativePort,
    preferred_ip: null,
    preferred_port: null,
    rack: p.rack,
    release_version: p.releaseVersion,
    schema_version: p.schemaVersion,
    tokens: [...p.tokens],
  };
}

function fullSchema(ctx: SystemContext): Schema {
  // Callers normally pass the merged schema; merging again is idempotent and guards against a bare user schema.
  return ctx.schema.keyspaces.has('system_schema') ? ctx.schema : withSystemKeyspaces(ctx.schema);
}

function sortedKeyspaces(schema: Schema): KeyspaceDef[] {
  return [...schema.keyspaces.values()].sort((a, b) => compareNames(a.name, b.name));
}

/** Every keyspace system_schema describes: user and system ones, but not the virtual ones (as in Cassandra). */
function schemaKeyspaces(ctx: SystemContext): KeyspaceDef[] {
  return sortedKeyspaces(fullSchema(ctx)).filter((ks) => !isVirtualKeyspace(ks.name));
}

function virtualKeyspaces(ctx: SystemContext): KeyspaceDef[] {
  return sortedKeyspaces(fullSchema(ctx)).filter((ks) => isVirtualKeyspace(ks.name));
}

function sortedTables(ks: KeyspaceDef): TableDef[] {
  return [...ks.tables.values()].sort((a, b) => compareNames(a.name, b.name));
}

const stringMap = (r: Record<string, string>): Map<string, string> =>
  new Map(Object.keys(r).sort().map((k) => [k, r[k]]));

function keyspaceRow(ks: KeyspaceDef): SystemRow {
  return { keyspace_name: ks.name, durable_writes: ks.durableWrites, replication: stringMap(ks.replication) };
}

function tableRow(t: TableDef): SystemRow {
  const o = t.options;
  const flags = t.regular.some((c) => c.type.kind === 'native' && c.type.name === 'counter')
    ? ['compound', 'counter']
    : ['compound'];
  return {
    keyspace_name: t.keyspace,
    table_name: t.name,
    additional_write_policy: o.additional_write_policy,
    bloom_filter_fp_chance: o.bloom_filter_fp_chance,
    caching: stringMap(o.caching),
    cdc: o.cdc,
    comment: o.comment,
    compaction: stringMap(o.compaction),
    compression: stringMap(o.compression),
    crc_check_chance: o.crc_check_chance,
    // Gone from Cassandra 4 but still in its table "for drivers' sake"; always 0.0 there too.
    dclocal_read_repair_chance: 0.0,
    default_time_to_live: o.default_time_to_live,
    extensions: new Map(Object.keys(o.extensions).sort().map((k) => [k, Buffer.from(o.extensions[k], 'hex')])),
    flags,
    gc_grace_seconds: o.gc_grace_seconds,
    id: t.id,
    max_index_interval: o.max_index_interval,
    memtable_flush_period_in_ms: o.memtable_flush_period_in_ms,
    min_index_interval: o.min_index_interval,
    read_repair: o.read_repair,
    read_repair_chance: 0.0,
    speculative_retry: o.speculative_retry,
  };
}

/** A view's row: its table params (without table_name and flags) and what defines it. */
function viewRow(t: TableDef): SystemRow {
  const { table_name: _name, flags: _flags, ...params } = tableRow(t);
  const v = t.view!;
  return {
    ...params, view_name: t.name, base_table_id: v.baseId, base_table_name: v.baseTable, where_clause: v.whereClause,
    include_all_columns: v.includeAllColumns,
  };
}

function columnRow(t: TableDef, c: ColumnDef): SystemRow {
  return {
    keyspace_name: t.keyspace,
    table_name: t.name,
    column_name: c.name,
    clustering_order: c.order,
    column_name_bytes: Buffer.from(c.name, 'utf8'),
    kind: c.kind,
    position: c.position,
    type: typeToCql(c.type),
  };
}

function columnRows(t: TableDef): SystemRow[] {
  return [...t.columns.values()].sort((a, b) => compareNames(a.name, b.name)).map((c) => columnRow(t, c));
}

function droppedRows(t: TableDef): SystemRow[] {
  if (t.dropped === undefined) return [];
  return [...t.dropped.values()]
    .sort((a, b) => compareNames(a.name, b.name))
    .map((d) => ({
      keyspace_name: t.keyspace,
      table_name: t.name,
      column_name: d.name,
      dropped_time: new Date(Math.floor(d.droppedTime / 1000)),
      kind: d.kind,
      type: typeToCql(d.type),
    }));
}

function indexRows(t: TableDef): SystemRow[] {
  return [...tableIndexes(t)]
    .sort((a, b) => compareNames(a.name, b.name))
    .map((i) => ({ keyspace_name: t.keyspace, table_name: t.name, index_name: i.name, kind: i.kind, options: stringMap(i.options) }));
}

function typeRows(ks: KeyspaceDef): SystemRow[] {
  return [...ks.types.values()]
    .sort((a, b) => compareNames(a.name, b.name))
    .map((u) => ({
      keyspace_name: ks.name,
      type_name: u.name,
      field_names: [...u.fieldNames],
      field_types: u.fieldTypes.map((f) => typeToCql(f)),
    }));
}
