// Definitions of the system keyspaces with Cassandra 4.0's exact table layouts. Their rows are computed (see
// system_tables.ts), so every table here is `virtual` — except system_auth's, stored and replicated per the keyspace's
// replication like user tables, as Cassandra keeps roles and permissions (src/auth, node/auth-store.ts). Drivers read these by column name and type-check values,
// so names and types must match Cassandra's to the letter.
import { SYSTEM_VIEWS_TABLES } from './system-views.ts';
import { isNativeTypeName, type CqlType } from '../model/types.ts';
import {
  DEFAULT_TABLE_OPTIONS, type ColumnDef, type KeyspaceDef, type Schema, type TableDef, type TableOptions,
} from './model.ts';
import { LOCAL_STRATEGY, SIMPLE_STRATEGY } from './options.ts';
import { nameUuid, sortByName } from './table_build.ts';
import { parseReplication } from './replication.ts';

/** Keyspaces only this node's own data lives in; never user-modifiable. */
export const LOCAL_SYSTEM_KEYSPACES = new Set(['system', 'system_schema']);
/** System keyspaces replicated like user data; only their replication may be altered. */
export const REPLICATED_SYSTEM_KEYSPACES = new Set(['system_auth', 'system_distributed', 'system_traces']);
/** Keyspaces that exist only as computed tables; absent from system_schema (listed in system_virtual_schema). */
export const VIRTUAL_KEYSPACES = new Set(['system_views', 'system_virtual_schema']);

export function isSystemKeyspace(name: string): boolean {
  return LOCAL_SYSTEM_KEYSPACES.has(name) || REPLICATED_SYSTEM_KEYSPACES.has(name) || VIRTUAL_KEYSPACES.has(name);
}
export function isVirtualKeyspace(name: string): boolean {
  return VIRTUAL_KEYSPACES.has(name);
}

/** Parse the small type grammar used in the table specs below (`frozen<map<text, text>>`, `set<inet>`, `tuple<…>`…). */
export function parseTypeString(s: string): CqlType {
  let pos = 0;
  const ident = (): string => {
    const m = /^[a-z_]+/.exec(s.slice(pos));
    if (!m) throw new Error(`bad type string ${s} at ${pos}`);
    pos += m[0].length;
    return m[0];
  };
  const expect = (c: string): void => {
    while (s[pos] === ' ') pos++;
    if (s[pos] !== c) throw new Error(`bad type string ${s}: expected ${c} at ${pos}`);
    pos++;
    while (s[pos] === ' ') pos++;
  };
  const parse = (frozen: boolean): CqlType => {
    const name = ident();
    if (name === 'frozen') {
      expect('<');
      const t = parse(true);
      expect('>');
      return t;
    }
    if (name === 'list' || name === 'set') {
      expect('<');
      const element = parse(true);
      expect('>');
      return { kind: name, element, frozen };
    }
    if (name === 'map') {
      expect('<');
      const key = parse(true);
      expect(',');
      const value = parse(true);
      expect('>');
      return { kind: 'map', key, value, frozen };
    }
    if (name === 'tuple') {
      // Tuples are always frozen (system_auth.cidr_groups' set<tuple<inet, smallint>>).
      expect('<');
      const elements = [parse(true)];
      while (s[pos] === ',') {
        expect(',');
        elements.push(parse(true));
      }
      expect('>');
      return { kind: 'tuple', elements };
    }
    if (!isNativeTypeName(name)) throw new Error(`unknown type ${name} in ${s}`);
    return { kind: 'native', name };
  };
  const t = parse(false);
  if (pos !== s.length) throw new Error(`trailing input in type string ${s}`);
  return t;
}

interface TableSpec {
  name: string;
  /** `name type` pairs, comma separated (types may contain commas inside <>). */
  columns: string;
  pk: string[];
  ck?: string[];
  comment?: string;
  options?: Partial<TableOptions>;
  /** Rows stored and replicated like user data (system_auth), not computed. */
  stored?: boolean;
}

function splitColumns(spec: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= spec.length; i++) {
    const c = spec[i];
    if (c === '<') depth++;
    else if (c === '>') depth--;
    else if ((c === ',' && depth === 0) || i === spec.length) {
      const part = spec.slice(start, i).trim();
      if (part !== '') {
        const sp = part.indexOf(' ');
        out.push([part.slice(0, sp), part.slice(sp + 1).trim()]);
      }
      start = i + 1;
    }
  }
  return out;
}

// Cassandra derives system table ids from the names (TableId.forSystemTable: a name-based uuid of keyspace and
// table name); doing the same keeps ours identical across nodes and restarts, and equal to Cassandra's.
function systemTableId(keyspace: string, table: string): string {
  return nameUuid(Buffer.from(keyspace + table, 'utf8'));
}

function table(keyspace: string, spec: TableSpec): TableDef {
  const types = new Map(splitColumns(spec.columns));
  const ck = spec.ck ?? [];
  const col = (name: string, kind: ColumnDef['kind'], position: number): ColumnDef => {
    const t = types.get(name);
    if (t === undefined) throw new Error(`system table ${keyspace}.${spec.name}: no column ${name}`);
    return { name, type: parseTypeString(t), kind, position, order: kind === 'clustering' ? 'asc' : 'none' };
  };
  const partitionKey = spec.pk.map((n, i) => col(n, 'partition_key', i));
  const clustering = ck.map((n, i) => col(n, 'clustering', i));
  const keyNames = new Set([...spec.pk, ...ck]);
  const regular = sortByName([...types.keys()].filter((n) => !keyNames.has(n)).map((n) => col(n, 'regular', -1)));
  const all = [...partitionKey, ...clustering, ...regular];
  return {
    keyspace,
    name: spec.name,
    id: systemTableId(keyspace, spec.name),
    partitionKey,
    clustering,
    regular,
    columns: new Map(all.map((c) => [c.name, c])),
    options: { ...DEFAULT_TABLE_OPTIONS, comment: spec.comment ?? '', ...spec.options },
    virtual: spec.stored !== true,
    version: 1,
  };
}

function keyspace(name: string, replication: Record<string, string>, specs: TableSpec[]): KeyspaceDef {
  return {
    name,
    durableWrites: true,
    replication,
    strategy: parseReplication(replication),
    tables: new Map(specs.map((s) => [s.name, table(name, s)])),
    types: new Map(),
  };
}

const TABLE_PARAMS =
  'bloom_filter_fp_chance double, caching frozen<map<text, text>>, comment text, compaction frozen<map<text, text>>, ' +
  'compression frozen<map<text, text>>, crc_check_chance double, dclocal_read_repair_chance double, ' +
  'default_time_to_live int, extensions frozen<map<text, blob>>, gc_grace_seconds int, id uuid, ' +
  'max_index_interval int, memtable_flush_period_in_ms int, min_index_interval int, read_repair_chance double, ' +
  'speculative_retry text, additional_write_policy text, cdc boolean, read_repair text';

const SCHEMA_OPTS: Partial<TableOptions> = { gc_grace_seconds: 604800, memtable_flush_period_in_ms: 3600000 };
const LOCAL_OPTS: Partial<TableOptions> = { gc_grace_seconds: 0 };

const SYSTEM = keyspace('system', { class: LOCAL_STRATEGY }, [
  {
    name: 'local',
    columns:
      'key text, bootstrapped text, broadcast_address inet, broadcast_port int, cluster_name text, cql_version text, ' +
      'data_center text, gossip_generation int, host_id uuid, listen_address inet, listen_port int, ' +
      'native_protocol_version text, partitioner text, rack text, release_version text, rpc_address inet, ' +
      'rpc_port int, schema_version uuid, tokens set<text>, truncated_at map<uuid, blob>',
    pk: ['key'],
    comment: 'information about the local node',
    options: LOCAL_OPTS,
  },
  {
    name: 'peers',
    columns:
      'peer inet, data_center text, host_id uuid, preferred_ip inet, rack text, release_version text, ' +
      'rpc_address inet, schema_version uuid, tokens set<text>',
    pk: ['peer'],
    comment: 'information about known peers in the cluster',
    options: LOCAL_OPTS,
  },
  {
    name: 'peers_v2',
    columns:
      'peer inet, peer_port int, data_center text, host_id uuid, native_address inet, native_port int, ' +
      'preferred_ip inet, preferred_port int, rack text, release_version text, schema_version uuid, tokens set<text>',
    pk: ['peer'],
    ck: ['peer_port'],
    comment: 'information about known peers in the cluster',
    options: LOCAL_OPTS,
  },
  {
    name: 'size_estimates',
    columns:
      'keyspace_name text, table_name text, range_start text, range_end text, mean_partition_size bigint, ' +
      'partitions_count bigint',
    pk: ['keyspace_name'],
    ck: ['table_name', 'range_start', 'range_end'],
    comment: 'per-table primary range size estimates, table is deprecated in favor of table_estimates',
    options: LOCAL_OPTS,
  },
  {
    name: 'table_estimates',
    columns:
      'keyspace_name text, table_name text, range_type text, range_start text, range_end text, mean_partition_size bigint, ' +
      'partitions_count bigint',
    pk: ['keyspace_name'],
    ck: ['table_name', 'range_type', 'range_start', 'range_end'],
    comment: 'per-table range size estimates',
    options: LOCAL_OPTS,
  },
  {
    name: 'built_views',
    columns: 'keyspace_name text, view_name text, status_replicated boolean',
    pk: ['keyspace_name'],
    ck: ['view_name'],
    comment: 'built views',
    options: LOCAL_OPTS,
  },
  {
    // Cassandra keeps the keyspace name in table_name here.
    name: 'IndexInfo',
    columns: 'table_name text, index_name text, value blob',
    pk: ['table_name'],
    ck: ['index_name'],
    comment: 'built column indexes',
    options: LOCAL_OPTS,
  },
]);

const SYSTEM_SCHEMA = keyspace('system_schema', { class: LOCAL_STRATEGY }, [
  {
    name: 'keyspaces',
    columns: 'keyspace_name text, durable_writes boolean, replication frozen<map<text, text>>',
    pk: ['keyspace_name'],
    comment: 'keyspace definitions',
  },
  {
    name: 'tables',
    columns: `keyspace_name text, table_name text, ${TABLE_PARAMS}, flags frozen<set<text>>`,
    pk: ['keyspace_name'],
    ck: ['table_name'],
    comment: 'table definitions',
  },
  {
    name: 'columns',
    columns:
      'keyspace_name text, table_name text, column_name text, clustering_order text, column_name_bytes blob, ' +
      'kind text, position int, type text',
    pk: ['keyspace_name'],
    ck: ['table_name', 'column_name'],
    comment: 'column definitions',
  },
  {
    name: 'dropped_columns',
    columns: 'keyspace_name text, table_name text, column_name text, dropped_time timestamp, kind text, type text',
    pk: ['keyspace_name'],
    ck: ['table_name', 'column_name'],
    comment: 'dropped column registry',
  },
  {
    name: 'triggers',
    columns: 'keyspace_name text, table_name text, trigger_name text, options frozen<map<text, text>>',
    pk: ['keyspace_name'],
    ck: ['table_name', 'trigger_name'],
    comment: 'trigger definitions',
  },
  {
    name: 'views',
    columns:
      'keyspace_name text, view_name text, base_table_id uuid, base_table_name text, where_clause text, ' +
      `include_all_columns boolean, ${TABLE_PARAMS}`,
    pk: ['keyspace_name'],
    ck: ['view_name'],
    comment: 'view definitions',
  },
  {
    name: 'types',
    columns: 'keyspace_name text, type_name text, field_names frozen<list<text>>, field_types frozen<list<text>>',
    pk: ['keyspace_name'],
    ck: ['type_name'],
    comment: 'user defined type definitions',
  },
  {
    name: 'functions',
    columns:
      'keyspace_name text, function_name text, argument_types frozen<list<text>>, argument_names frozen<list<text>>, ' +
      'body text, language text, return_type text, called_on_null_input boolean',
    pk: ['keyspace_name'],
    ck: ['function_name', 'argument_types'],
    comment: 'user defined function definitions',
  },
  {
    name: 'aggregates',
    columns:
      'keyspace_name text, aggregate_name text, argument_types frozen<list<text>>, final_func text, initcond text, ' +
      'return_type text, state_func text, state_type text',
    pk: ['keyspace_name'],
    ck: ['aggregate_name', 'argument_types'],
    comment: 'user defined aggregate definitions',
  },
  {
    name: 'indexes',
    columns: 'keyspace_name text, table_name text, index_name text, kind text, options frozen<map<text, text>>',
    pk: ['keyspace_name'],
    ck: ['table_name', 'index_name'],
    comment: 'secondary index definitions',
  },
].map((s) => ({ ...s, options: SCHEMA_OPTS })));

const SYSTEM_AUTH = keyspace('system_auth', { class: SIMPLE_STRATEGY, replication_factor: '1' }, [
  {
    name: 'roles',
    columns: 'role text, can_login boolean, is_superuser boolean, member_of set<text>, salted_hash text',
    pk: ['role'],
    comment: 'role definitions',
  },
  { name: 'role_members', columns: 'role text, member text', pk: ['role'], ck: ['member'], comment: 'role memberships lookup table' },
  {
    name: 'role_permissions',
    columns: 'role text, resource text, permissions set<text>',
    pk: ['role'],
    ck: ['resource'],
    comment: 'permissions granted to db roles',
  },
  {
    name: 'resource_role_permissons_index',
    columns: 'resource text, role text',
    pk: ['resource'],
    ck: ['role'],
    comment: 'index of db roles with permissions granted on a resource',
  },
  {
    name: 'network_permissions',
    columns: 'role text, dcs frozen<set<text>>',
    pk: ['role'],
    comment: 'user network permissions',
  },
  // Cassandra 5.0's CIDR authorizer tables (AuthKeyspace.CIDR_PERMISSIONS, CIDR_GROUPS).
  { name: 'cidr_permissions', columns: 'role text, cidr_groups frozen<set<text>>', pk: ['role'], comment: 'user cidr permissions' },
  { name: 'cidr_groups', columns: 'cidr_group text, cidrs frozen<set<tuple<inet, smallint>>>', pk: ['cidr_group'], comment: 'cidr groups to cidrs mapping' },
].map((s) => ({ ...s, options: { gc_grace_seconds: 7776000 }, stored: true })));

const SYSTEM_DISTRIBUTED = keyspace('system_distributed', { class: SIMPLE_STRATEGY, replication_factor: '3' }, [
  {
    name: 'repair_history',
    columns:
      'keyspace_name text, columnfamily_name text, id timeuuid, parent_id timeuuid, range_begin text, range_end text, ' +
      'coordinator inet, coordinator_port int, participants set<inet>, participants_v2 set<text>, ' +
      'exception_message text, exception_stacktrace text, status text, started_at timestamp, finished_at timestamp',
    pk: ['keyspace_name', 'columnfamily_name'],
    ck: ['id'],
    comment: 'Repair history',
  },
  {
    name: 'parent_repair_history',
    columns:
      'parent_id timeuuid, keyspace_name text, columnfamily_names set<text>, started_at timestamp, ' +
      'finished_at timestamp, exception_message text, exception_stacktrace text, requested_ranges set<text>, ' +
      'successful_ranges set<text>, options map<text, text>',
    pk: ['parent_id'],
    comment: 'Repair history',
  },
  {
    name: 'view_build_status',
    columns: 'keyspace_name text, view_name text, host_id uuid, status text',
    pk: ['keyspace_name', 'view_name'],
    ck: ['host_id'],
    comment: 'Materialized View build status',
  },
]);

/**
 * A system keyspace whose tables hold data written through the ordinary write path (replicated by the keyspace's
 * strategy, read through the coordinator), rather than rows computed by system_tables.ts.
 */
function storedTables(ks: KeyspaceDef): KeyspaceDef {
  return { ...ks, tables: new Map([...ks.tables].map(([n, t]) => [n, { ...t, virtual: false }])) };
}

// Tracing writes its sessions and events here (node/tracing.ts).
const SYSTEM_TRACES = storedTables(keyspace('system_traces', { class: SIMPLE_STRATEGY, replication_factor: '2' }, [
  {
    name: 'sessions',
    columns:
      'session_id uuid, client inet, command text, coordinator inet, coordinator_port int, duration int, ' +
      'parameters map<text, text>, request text, started_at timestamp',
    pk: ['session_id'],
    comment: 'tracing sessions',
  },
  {
    name: 'events',
    columns:
      'session_id uuid, event_id timeuuid, activity text, source inet, source_port int, source_elapsed int, thread text',
    pk: ['session_id'],
    ck: ['event_id'],
    comment: 'tracing events',
  },
].map((s) => ({ ...s, options: { default_time_to_live: 0, gc_grace_seconds: 0 } }))));

const SYSTEM_VIRTUAL_SCHEMA = keyspace('system_virtual_schema', { class: LOCAL_STRATEGY }, [
  { name: 'keyspaces', columns: 'keyspace_name text', pk: ['keyspace_name'], comment: 'virtual keyspace definitions' },
  {
    name: 'tables',
    columns: 'keyspace_name text, table_name text, comment text',
    pk: ['keyspace_name'],
    ck: ['table_name'],
    comment: 'virtual table definitions',
  },
  {
    name: 'columns',
    columns:
      'keyspace_name text, table_name text, column_name text, clustering_order text, column_name_bytes blob, ' +
      'kind text, position int, type text',
    pk: ['keyspace_name'],
    ck: ['table_name', 'column_name'],
    comment: 'virtual column definitions',
  },
]);

const SYSTEM_VIEWS = keyspace('system_views', { class: LOCAL_STRATEGY }, SYSTEM_VIEWS_TABLES);

/** The system keyspaces in Cassandra's usual listing order. */
export const SYSTEM_KEYSPACES: readonly KeyspaceDef[] = [
  SYSTEM, SYSTEM_AUTH, SYSTEM_DISTRIBUTED, SYSTEM_SCHEMA, SYSTEM_TRACES, SYSTEM_VIEWS, SYSTEM_VIRTUAL_SCHEMA,
];
const SYSTEM_BY_NAME = new Map(SYSTEM_KEYSPACES.map((k) => [k.name, k]));

export function systemKeyspaceDef(name: string): KeyspaceDef | undefined {
  return SYSTEM_BY_NAME.get(name);
}

/**
 * The user schema plus the system keyspaces. A replicated system keyspace whose replication was altered is
 * stored in the user schema without tables; its replication and durable_writes override the built-in ones.
 */
export function withSystemKeyspaces(userSchema: Schema): Schema {
  const keyspaces = new Map<string, KeyspaceDef>();
  for (const sys of SYSTEM_KEYSPACES) {
    const override = userSchema.keyspaces.get(sys.name);
    keyspaces.set(
      sys.name,
      override ? { ...sys, replication: override.replication, strategy: override.strategy, durableWrites: override.durableWrites } : sys,
    );
  }
  for (const [name, ks] of userSchema.keyspaces) if (!keyspaces.has(name)) keyspaces.set(name, ks);
  return { keyspaces, version: userSchema.version };
}
