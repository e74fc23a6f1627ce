// Cassandra 5.0's system_views virtual keyspace, the part Sibyl can fill: clients (one row per native connection),
// settings (the node's configuration under 5.0's names and value formats), caches (Sibyl has no key, row or counter
// cache: the three rows, empty), thread_pools (Native-Transport-Requests with the requests in flight and served, and
// the storage engine's pools as nodetool tpstats shows them) and system_properties (the Node.js process's runtime). The rows come from a
// source the node process provides (server/system-views-source.ts); without one, the tables are empty.
import type { JsValue } from '../model/values/js.ts';

/** Table specs, in system_defs.ts's form (columns as `name type`, keys by name). */
export const SYSTEM_VIEWS_TABLES = [
  {
    name: 'clients',
    columns:
      'address inet, port int, client_options frozen<map<text, text>>, connection_stage text, driver_name text, ' +
      'driver_version text, hostname text, keyspace_name text, protocol_version int, request_count bigint, ' +
      'ssl_cipher_suite text, ssl_enabled boolean, ssl_protocol text, username text',
    pk: ['address'],
    ck: ['port'],
    comment: 'currently connected clients',
  },
  { name: 'settings', columns: 'name text, value text', pk: ['name'], comment: 'current settings' },
  {
    name: 'caches',
    columns:
      'name text, capacity_bytes bigint, entry_count int, hit_count bigint, hit_ratio double, ' +
      'recent_hit_rate_per_second bigint, recent_request_rate_per_second bigint, request_count bigint, size_bytes bigint',
    pk: ['name'],
    comment: 'system caches',
  },
  {
    name: 'thread_pools',
    columns:
      'name text, active_tasks int, active_tasks_limit int, blocked_tasks bigint, blocked_tasks_all_time bigint, ' +
      'completed_tasks bigint, pending_tasks int',
    pk: ['name'],
    comment: 'Thread pool metrics for all thread pools',
  },
  { name: 'system_properties', columns: 'name text, value text', pk: ['name'], comment: 'Cassandra relevant system properties' },
];

export interface ClientInfo {
  address: string;
  port: number;
  /** STARTUP's options (CQL_VERSION, DRIVER_NAME, DRIVER_VERSION, COMPRESSION…). */
  options: Record<string, string>;
  ready: boolean;
  keyspace?: string;
  protocolVersion?: number;
  requestCount: number;
}

/** What the node process knows that system_views shows. */
export interface SystemViewsSource {
  clients(): ClientInfo[];
  settings(): Array<[string, string | null]>;
  inFlightRequests(): number;
  completedRequests(): number;
  /** The storage engine's pools, as nodetool tpstats shows them (MutationStage, ReadStage, flushes…). */
  storagePools?(): Array<{ name: string; active: number; pending: number; completed: number; blocked: number; allTimeBlocked: number }>;
  properties(): Array<[string, string]>;
}

type Row = Record<string, JsValue>;

function clientRows(src: SystemViewsSource): Row[] {
  return src.clients()
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port))
    .map((c) => ({
      address: c.address, port: c.port, client_options: new Map(Object.entries(c.options).sort(([a], [b]) => (a < b ? -1 : 1))),
      connection_stage: c.ready ? 'ready' : 'established', driver_name: c.options['DRIVER_NAME'] ?? null,
      driver_version: c.options['DRIVER_VERSION'] ?? null, hostname: c.address, keyspace_name: c.keyspace ?? null,
      protocol_version: c.protocolVersion ?? null, request_count: BigInt(c.requestCount), ssl_cipher_suite: null,
      ssl_enabled: false, ssl_protocol: null, username: 'anonymous',
    }));
}

const EMPTY_CACHE = { capacity_bytes: 0n, entry_count: 0, hit_count: 0n, hit_ratio: Number.NaN, recent_hit_rate_per_second: 0n, recent_request_rate_per_second: 0n, request_count: 0n, size_bytes: 0n };

const byName = (rows: Array<[string, string | null]>): Row[] =>
  [...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => ({ name, value }));

/** The rows of a system_views table, or undefined for a table of another keyspace. */
export function systemViewRows(tableName: string, src: SystemViewsSource | undefined): Row[] {
  if (!src) return [];
  switch (tableName) {
    case 'clients':
      return clientRows(src);
    case 'settings':
      return byName(src.settings());
    case 'caches':
      return ['counters', 'keys', 'rows'].map((name) => ({ name, ...EMPTY_CACHE }));
    case 'thread_pools':
      return [
        { name: 'Native-Transport-Requests', active: src.inFlightRequests(), pending: 0, completed: src.completedRequests(), blocked: 0, allTimeBlocked: 0 },
        ...(src.storagePools?.() ?? []),
      ].sort((a, b) => (a.name < b.name ? -1 : 1)).map((p) => ({
        name: p.name, active_tasks: p.active, active_tasks_limit: 1, blocked_tasks: BigInt(p.blocked),
        blocked_tasks_all_time: BigInt(p.allTimeBlocked), completed_tasks: BigInt(p.completed), pending_tasks: p.pending,
      }));
    case 'system_properties':
      return byName(src.properties());
    default:
      return [];
  }
}
