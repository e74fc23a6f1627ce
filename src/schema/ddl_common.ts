// What every DDL handler shares: the execution context, keyspace resolution and the system-keyspace guards
// (Cassandra's ClientState.preventSystemKSSchemaModification, which runs before the statement itself).
import { ConfigError, InvalidRequestError, UnauthorizedError } from '../model/errors.ts';
import type { QualifiedName } from '../model/ast.ts';
import type { SchemaChange } from '../protocol/messages.ts';
import type { KeyspaceDef, Schema } from './model.ts';
import { LOCAL_SYSTEM_KEYSPACES, REPLICATED_SYSTEM_KEYSPACES, VIRTUAL_KEYSPACES } from './system_defs.ts';

export interface DdlContext {
  /** Microseconds since the epoch; recorded as the drop time of dropped columns. */
  nowMicros: number;
  /** Id for a new table. */
  newTableId: () => string;
  /** Data centers known to the cluster, for NTS validation and replication_factor expansion. */
  dataCenters?: string[];
  /** materialized_views_enabled (Cassandra's default: false, and CREATE MATERIALIZED VIEW is refused). */
  materializedViewsEnabled?: boolean;
  /**
   * Cassandra's -Dcassandra.sai.vector.allow_custom_parameters (false by default): whether a vector index may set
   * maximum_node_connections and construction_beam_width.
   */
  saiVectorAllowCustomParameters?: boolean;
}

export interface DdlResult {
  schema: Schema;
  change: SchemaChange | null;
}

export const NO_KEYSPACE =
  'No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename';

export function keyspaceOf(name: QualifiedName, currentKeyspace: string | undefined): string {
  const ks = name.keyspace ?? currentKeyspace;
  if (ks === undefined || ks === '') throw new InvalidRequestError(NO_KEYSPACE);
  return ks;
}

export function requireKeyspace(schema: Schema, name: string): KeyspaceDef {
  const ks = schema.keyspaces.get(name);
  if (ks === undefined) throw new InvalidRequestError(`Keyspace '${name}' doesn't exist`);
  return ks;
}

export type Permission = 'CREATE' | 'ALTER' | 'DROP';

/**
 * Refuse schema changes to system keyspaces the way Cassandra 4 does: local and virtual ones are never
 * modifiable; replicated ones only allow ALTER KEYSPACE (keyspace-level ALTER).
 */
export function guardSystemKeyspace(keyspace: string, perm: Permission, table?: string): void {
  if (LOCAL_SYSTEM_KEYSPACES.has(keyspace) || VIRTUAL_KEYSPACES.has(keyspace)) {
    throw new UnauthorizedError(`${keyspace} keyspace is not user-modifiable.`);
  }
  if (REPLICATED_SYSTEM_KEYSPACES.has(keyspace)) {
    if (perm === 'ALTER' && table === undefined) return;
    const resource = table === undefined ? `<keyspace ${keyspace}>` : `<table ${keyspace}.${table}>`;
    throw new UnauthorizedError(`Cannot ${perm} ${resource}`);
  }
}

const VALID_NAME = /^\w{1,48}$/;

export function validateKeyspaceName(name: string): void {
  if (!VALID_NAME.test(name)) {
    throw new ConfigError(
      `Keyspace name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore characters (got "${name}")`,
    );
  }
}

export function validateTableName(name: string): void {
  if (!VALID_NAME.test(name)) {
    throw new ConfigError(
      `Table name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore characters (got "${name}")`,
    );
  }
}

/** A new Schema with one keyspace replaced (or removed when ks is null); the version is filled in by the caller. */
export function withKeyspace(schema: Schema, name: string, ks: KeyspaceDef | null): Schema {
  const keyspaces = new Map(schema.keyspaces);
  if (ks === null) keyspaces.delete(name);
  else keyspaces.set(name, ks);
  return { keyspaces, version: schema.version };
}
