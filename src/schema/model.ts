// The schema as the rest of the node sees it: keyspaces, tables, columns and user types. Immutable values;
// a DDL statement produces a new Schema (see schema/registry.ts), so readers never see a half-applied change.
import type { CqlType } from '../model/types.ts';
import type { ReplicationSpec } from './replication.ts';

export type ColumnKind = 'partition_key' | 'clustering' | 'static' | 'regular';

export interface ColumnDef {
  name: string;
  type: CqlType;
  kind: ColumnKind;
  /** 0-based position among partition key or clustering columns; -1 for static/regular (as system_schema does). */
  position: number;
  /** Clustering order for clustering columns; 'none' for the others. */
  order: 'asc' | 'desc' | 'none';
}

/** Table options as system_schema.tables stores them (strings, numbers, maps). */
export interface TableOptions {
  bloom_filter_fp_chance: number;
  caching: Record<string, string>;
  comment: string;
  compaction: Record<string, string>;
  compression: Record<string, string>;
  crc_check_chance: number;
  default_time_to_live: number;
  extensions: Record<string, string>;
  gc_grace_seconds: number;
  max_index_interval: number;
  memtable_flush_period_in_ms: number;
  min_index_interval: number;
  speculative_retry: string;
  additional_write_policy: string;
  read_repair: string;
  cdc: boolean;
}

export interface TableDef {
  keyspace: string;
  name: string;
  /** Stable table id (uuid string), as system_schema.tables.id. */
  id: string;
  partitionKey: ColumnDef[];
  clustering: ColumnDef[];
  /** Static and regular columns, in name order (Cassandra's order for SELECT *). */
  regular: ColumnDef[];
  /** Every column by name. */
  columns: Map<string, ColumnDef>;
  options: TableOptions;
  /** True for the node-local system tables that are computed rather than stored. */
  virtual?: boolean;
  /**
   * Columns removed by ALTER TABLE DROP, by name (system_schema.dropped_columns). Cells of such a column written
   * before droppedTime stay invisible even if a column of that name is added again.
   */
  dropped?: Map<string, DroppedColumnDef>;
  /**
   * Set when this "table" is a materialized view (CREATE MATERIALIZED VIEW): views live among the keyspace's tables,
   * so reads, storage and replica placement treat them as tables; everything that must tell them apart
   * (system_schema.tables vs views, writes, DROP TABLE, DESCRIBE) looks at this.
   */
  view?: ViewDef;
  /** Secondary indexes (CREATE INDEX), in creation order; absent or empty when the table has none. */
  indexes?: IndexDef[];
  /**
   * Bumped whenever the table's columns or indexes change; prepared statements remember it and answer UNPREPARED when it
   * no longer matches, so drivers re-prepare and get fresh result metadata.
   */
  version: number;
}

/**
 * A secondary index as system_schema.indexes describes it. `options` holds exactly what Cassandra stores there: the
 * `target` (`v`, `values(l)`, `keys(m)`, `entries(m)`, `full(f)`), and for CUSTOM indexes the `class_name` as written
 * in USING plus the WITH OPTIONS entries.
 */
export interface IndexDef {
  name: string;
  /** Id of the index's node-local storage: a dropped and re-created index of the same name gets a new one. */
  id: string;
  kind: 'COMPOSITES' | 'CUSTOM';
  options: Record<string, string>;
}

/** What makes a table a materialized view: its base table and the SELECT that defines it. */
export interface ViewDef {
  baseTable: string;
  baseId: string;
  /** SELECT *: columns added to the base later are added to the view too. */
  includeAllColumns: boolean;
  /**
   * The base regular column in the view's primary key (Cassandra allows one), if any: such a view's rows follow
   * strict liveness (a row is visible only while that column is live in its base row).
   */
  keyColumn?: string;
  /** The WHERE clause as system_schema.views.where_clause shows it. */
  whereClause: string;
  /**
   * Restrictions other than IS NOT NULL, each on a primary key column of the base (Cassandra refuses them on other
   * columns), with the value serialized for the column's type. A base row is in the view only if it satisfies all.
   */
  filters: ViewFilter[];
}

export interface ViewFilter {
  column: string;
  op: '=' | '<' | '<=' | '>' | '>=' | 'IN';
  /** Hex of the serialized values (one for comparisons, any number for IN): the schema is stored as JSON. */
  values: string[];
}

export interface DroppedColumnDef {
  name: string;
  type: CqlType;
  kind: 'static' | 'regular';
  /** Microseconds since the epoch, like a write timestamp. */
  droppedTime: number;
}

export interface UserTypeDef {
  keyspace: string;
  name: string;
  fieldNames: string[];
  fieldTypes: CqlType[];
}

export interface KeyspaceDef {
  name: string;
  durableWrites: boolean;
  /** Replication map with the full class name under 'class' (e.g. org.apache.cassandra.locator.SimpleStrategy). */
  replication: Record<string, string>;
  /** The same settings parsed, once, when the keyspace was defined or loaded: what replica placement reads. */
  strategy: ReplicationSpec;
  tables: Map<string, TableDef>;
  types: Map<string, UserTypeDef>;
  /** User-defined functions by signature (function-model.ts); absent when there are none. */
  functions?: Map<string, import('./function-model.ts').UserFunctionDef>;
  /** User-defined aggregates by signature; absent when there are none. */
  aggregates?: Map<string, import('./function-model.ts').UserAggregateDef>;
}

export interface Schema {
  keyspaces: Map<string, KeyspaceDef>;
  /** Digest of the whole schema as a uuid string; changes with every DDL. */
  version: string;
}

/** Columns in the order SELECT * returns them: partition key, clustering, static by name, then regular by name. */
export function allColumnsInSelectOrder(t: TableDef): ColumnDef[] {
  const statics = t.regular.filter((c) => c.kind === 'static');
  const regular = statics.length === 0 ? t.regular : t.regular.filter((c) => c.kind !== 'static');
  return [...t.partitionKey, ...t.clustering, ...statics, ...regular];
}

export const DEFAULT_TABLE_OPTIONS: TableOptions = {
  bloom_filter_fp_chance: 0.01,
  caching: { keys: 'ALL', rows_per_partition: 'NONE' },
  comment: '',
  compaction: {
    class: 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy',
    max_threshold: '32',
    min_threshold: '4',
  },
  compression: { chunk_length_in_kb: '16', class: 'org.apache.cassandra.io.compress.LZ4Compressor' },
  crc_check_chance: 1.0,
  default_time_to_live: 0,
  extensions: {},
  gc_grace_seconds: 864000,
  max_index_interval: 2048,
  memtable_flush_period_in_ms: 0,
  min_index_interval: 128,
  speculative_retry: '99p',
  additional_write_policy: '99p',
  read_repair: 'BLOCKING',
  cdc: false,
};
