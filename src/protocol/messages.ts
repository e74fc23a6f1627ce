// Decoded requests and to-be-encoded responses of the native protocol (v3 to v5), as plain data. The codec
// (protocol/frame.ts, requests.ts, responses.ts) turns frames into these and these into frames; the server dispatches on them.
import type { CqlType } from '../model/types.ts';
import type { ConsistencyLevel } from '../model/consistency.ts';

export const Opcode = {
  ERROR: 0x00,
  STARTUP: 0x01,
  READY: 0x02,
  AUTHENTICATE: 0x03,
  OPTIONS: 0x05,
  SUPPORTED: 0x06,
  QUERY: 0x07,
  RESULT: 0x08,
  PREPARE: 0x09,
  EXECUTE: 0x0a,
  REGISTER: 0x0b,
  EVENT: 0x0c,
  BATCH: 0x0d,
  AUTH_CHALLENGE: 0x0e,
  AUTH_RESPONSE: 0x0f,
  AUTH_SUCCESS: 0x10,
} as const;

/** A bound value: bytes, null (-1) or unset (-2). */
export type BoundValue = Buffer | null | typeof UNSET;
export const UNSET: unique symbol = Symbol('unset');

export interface QueryParameters {
  consistency: ConsistencyLevel;
  values: BoundValue[];
  /** Present when the client used With_names_for_values (0x40). Same length as values. */
  names?: string[];
  skipMetadata: boolean;
  pageSize?: number; // > 0 when given
  pagingState?: Buffer;
  serialConsistency?: number;
  /** Client-supplied default timestamp in microseconds. */
  timestamp?: number;
  /** v5 With_keyspace (0x80): the keyspace for this query, instead of the connection's. */
  keyspace?: string;
  /** v5 With_now_in_seconds (0x100): the "now" of TTL and deletion times (for tests, the spec says). */
  nowInSeconds?: number;
}

export type Request =
  | { opcode: typeof Opcode.STARTUP; options: Record<string, string> }
  | { opcode: typeof Opcode.OPTIONS }
  | { opcode: typeof Opcode.QUERY; query: string; params: QueryParameters }
  | { opcode: typeof Opcode.PREPARE; query: string; /** v5 PREPARE flag 0x01. */ keyspace?: string }
  | {
      opcode: typeof Opcode.EXECUTE;
      id: Buffer;
      /** v5: the result metadata id the client holds (from PREPARED, or the last Metadata_changed). */
      resultMetadataId?: Buffer;
      params: QueryParameters;
    }
  | { opcode: typeof Opcode.REGISTER; events: string[] }
  | { opcode: typeof Opcode.BATCH; batch: BatchRequest }
  | { opcode: typeof Opcode.AUTH_RESPONSE; token: Buffer | null };

export interface BatchChild {
  /** Either a query string (kind 0) or a prepared id (kind 1). */
  query?: string;
  id?: Buffer;
  values: BoundValue[];
}

export interface BatchRequest {
  type: 0 | 1 | 2; // logged, unlogged, counter
  children: BatchChild[];
  consistency: ConsistencyLevel;
  serialConsistency?: number;
  timestamp?: number;
  /** v5 With_keyspace: the keyspace of the batch's unprepared statements. */
  keyspace?: string;
  nowInSeconds?: number;
}

/** One column of result or bind-variable metadata. */
export interface ColumnSpec {
  keyspace: string;
  table: string;
  name: string;
  type: CqlType;
}

export interface RowsResult {
  kind: 'rows';
  columns: ColumnSpec[];
  /** Row-major values in their serialized form; null = CQL null. */
  rows: Array<Array<Buffer | null>>;
  pagingState?: Buffer;
  /** Send No_metadata (the client asked to skip it and has the prepared metadata). */
  noMetadata?: boolean;
  /**
   * v5 Metadata_changed: the client executed a prepared statement with a result metadata id that no longer
   * describes its rows; the full metadata goes with the new id.
   */
  newMetadataId?: Buffer;
}

export interface SchemaChange {
  change: 'CREATED' | 'UPDATED' | 'DROPPED';
  target: 'KEYSPACE' | 'TABLE' | 'TYPE' | 'FUNCTION' | 'AGGREGATE';
  keyspace: string;
  /** Table/type/function name; absent for KEYSPACE. */
  name?: string;
  /** Argument types for FUNCTION/AGGREGATE. */
  argTypes?: string[];
}

export type ResultMessage =
  | { kind: 'void' }
  | RowsResult
  | { kind: 'set_keyspace'; keyspace: string }
  | {
      kind: 'prepared';
      id: Buffer;
      /** Bind variables. */
      variables: ColumnSpec[];
      /** For each partition-key column in order, the index of the bind variable that supplies it; [] if not all bound. */
      pkIndexes: number[];
      /** Result columns (empty for non-SELECT). */
      resultColumns: ColumnSpec[];
    }
  | ({ kind: 'schema_change' } & SchemaChange);

export type EventMessage =
  | { type: 'TOPOLOGY_CHANGE'; change: 'NEW_NODE' | 'REMOVED_NODE' | 'MOVED_NODE'; address: string; port: number }
  | { type: 'STATUS_CHANGE'; change: 'UP' | 'DOWN'; address: string; port: number }
  | ({ type: 'SCHEMA_CHANGE' } & SchemaChange);

/**
 * What a RESULT envelope may carry before its body: the tracing session id of a traced request (the TRACING flag)
 * and, from v4, the client warnings Cassandra's ClientWarn collected while serving it (the WARNING flag).
 */
export interface ResponseExtras {
  tracingId?: Buffer;
  warnings?: string[];
}

export type Response =
  | { opcode: typeof Opcode.READY }
  | { opcode: typeof Opcode.SUPPORTED; options: Record<string, string[]> }
  | ({ opcode: typeof Opcode.RESULT; result: ResultMessage } & ResponseExtras)
  | { opcode: typeof Opcode.AUTHENTICATE; authenticator: string }
  | { opcode: typeof Opcode.AUTH_SUCCESS; token: Buffer | null }
  | { opcode: typeof Opcode.EVENT; event: EventMessage };
