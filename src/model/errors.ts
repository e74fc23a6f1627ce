// Every error a request can end in. Each class maps one-to-one to a native-protocol ERROR code and carries the
// code-specific fields its body needs (native_protocol_v4.spec §9). Only codes that gocql knows are used.

export const ErrorCode = {
  SERVER_ERROR: 0x0000,
  PROTOCOL_ERROR: 0x000a,
  BAD_CREDENTIALS: 0x0100,
  UNAVAILABLE: 0x1000,
  OVERLOADED: 0x1001,
  IS_BOOTSTRAPPING: 0x1002,
  TRUNCATE_ERROR: 0x1003,
  WRITE_TIMEOUT: 0x1100,
  READ_TIMEOUT: 0x1200,
  READ_FAILURE: 0x1300,
  FUNCTION_FAILURE: 0x1400,
  WRITE_FAILURE: 0x1500,
  SYNTAX_ERROR: 0x2000,
  UNAUTHORIZED: 0x2100,
  INVALID: 0x2200,
  CONFIG_ERROR: 0x2300,
  ALREADY_EXISTS: 0x2400,
  UNPREPARED: 0x2500,
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

export { Consistency, consistencyName, type ConsistencyLevel } from './consistency.ts';
import { consistencyName, type ConsistencyLevel } from './consistency.ts';

export type WriteType = 'SIMPLE' | 'BATCH' | 'UNLOGGED_BATCH' | 'COUNTER' | 'BATCH_LOG' | 'CAS';

export abstract class CqlError extends Error {
  abstract readonly code: ErrorCodeValue;
}

export class ServerError extends CqlError {
  readonly code = ErrorCode.SERVER_ERROR;
}
export class ProtocolError extends CqlError {
  readonly code = ErrorCode.PROTOCOL_ERROR;
}
export class BadCredentialsError extends CqlError {
  readonly code = ErrorCode.BAD_CREDENTIALS;
}
export class UnavailableError extends CqlError {
  readonly code = ErrorCode.UNAVAILABLE;
  constructor(
    readonly consistency: ConsistencyLevel,
    readonly required: number,
    readonly alive: number,
  ) {
    super(`Cannot achieve consistency level ${consistencyName(consistency)}`);
  }
}
export class OverloadedError extends CqlError {
  readonly code = ErrorCode.OVERLOADED;
}
export class IsBootstrappingError extends CqlError {
  readonly code = ErrorCode.IS_BOOTSTRAPPING;
}
export class TruncateError extends CqlError {
  readonly code = ErrorCode.TRUNCATE_ERROR;
}
export class WriteTimeoutError extends CqlError {
  readonly code = ErrorCode.WRITE_TIMEOUT;
  constructor(
    readonly consistency: ConsistencyLevel,
    readonly received: number,
    readonly blockFor: number,
    readonly writeType: WriteType,
  ) {
    super(`Operation timed out - received only ${received} responses.`);
  }
}
export class ReadTimeoutError extends CqlError {
  readonly code = ErrorCode.READ_TIMEOUT;
  constructor(
    readonly consistency: ConsistencyLevel,
    readonly received: number,
    readonly blockFor: number,
    readonly dataPresent: boolean,
  ) {
    super(`Operation timed out - received only ${received} responses.`);
  }
}
/** Why a replica refused its part of a request (Cassandra's RequestFailureReason codes, as protocol v5 carries them). */
export const RequestFailureReason = {
  UNKNOWN: 0x0000,
  READ_TOO_MANY_TOMBSTONES: 0x0001,
  TIMEOUT: 0x0002,
  INCOMPATIBLE_SCHEMA: 0x0003,
} as const;
export type RequestFailureReason = (typeof RequestFailureReason)[keyof typeof RequestFailureReason];

const REASON_NAMES = new Map<number, string>(Object.entries(RequestFailureReason).map(([n, c]) => [c, n]));

/** Cassandra 4's message: the counts, then "REASON from /address:port" for each replica that refused. */
function failureMessage(received: number, numFailures: number, reasons: ReadonlyMap<string, RequestFailureReason>): string {
  const base = `Operation failed - received ${received} responses and ${numFailures} failures`;
  if (reasons.size === 0) return base;
  const each = [...reasons].map(([endpoint, r]) => `${REASON_NAMES.get(r) ?? 'UNKNOWN'} from /${endpoint}`);
  return `${base}: ${each.join(', ')}`;
}

export class ReadFailureError extends CqlError {
  readonly code = ErrorCode.READ_FAILURE;
  constructor(
    readonly consistency: ConsistencyLevel,
    readonly received: number,
    readonly blockFor: number,
    readonly numFailures: number,
    readonly dataPresent: boolean,
    /** Replica endpoint → reason (protocol v5's failure map; v4 carries only the count). */
    readonly reasons: ReadonlyMap<string, RequestFailureReason> = new Map(),
  ) {
    super(failureMessage(received, numFailures, reasons));
  }
}
export class FunctionFailureError extends CqlError {
  readonly code = ErrorCode.FUNCTION_FAILURE;
  constructor(
    message: string,
    readonly keyspace: string,
    readonly functionName: string,
    readonly argTypes: string[],
  ) {
    super(message);
  }
}
export class WriteFailureError extends CqlError {
  readonly code = ErrorCode.WRITE_FAILURE;
  constructor(
    readonly consistency: ConsistencyLevel,
    readonly received: number,
    readonly blockFor: number,
    readonly numFailures: number,
    readonly writeType: WriteType,
    /** Replica endpoint → reason (protocol v5's failure map; v4 carries only the count). */
    readonly reasons: ReadonlyMap<string, RequestFailureReason> = new Map(),
  ) {
    super(failureMessage(received, numFailures, reasons));
  }
}
export class SyntaxError extends CqlError {
  readonly code = ErrorCode.SYNTAX_ERROR;
}
export class UnauthorizedError extends CqlError {
  readonly code = ErrorCode.UNAUTHORIZED;
}
export class InvalidRequestError extends CqlError {
  readonly code = ErrorCode.INVALID;
}
export class ConfigError extends CqlError {
  readonly code = ErrorCode.CONFIG_ERROR;
}
export class AlreadyExistsError extends CqlError {
  readonly code = ErrorCode.ALREADY_EXISTS;
  /** table is '' when a keyspace already exists. */
  constructor(
    readonly keyspace: string,
    readonly table: string,
  ) {
    super(
      table === ''
        ? `Cannot add existing keyspace "${keyspace}"`
        : `Cannot add already existing table "${table}" to keyspace "${keyspace}"`,
    );
  }
}
export class UnpreparedError extends CqlError {
  readonly code = ErrorCode.UNPREPARED;
  constructor(readonly id: Buffer) {
    super(`Prepared query with ID ${id.toString('hex')} not found (either the query was not prepared on this host (maybe the host has been restarted?) or you have prepared too many queries and it has been evicted from the internal cache)`);
  }
}
