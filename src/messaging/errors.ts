// The ways a request() can fail, as distinct classes because callers react differently: a timeout means "outcome
// unknown" (the coordinator counts the replica as not having answered, as Cassandra does), a RemoteError means the
// replica answered with a failure the coordinator may rethrow (a CqlError carries its protocol code across).

/** No response within the deadline: the peer may be down, partitioned, slow, or may have dropped the message. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(
    readonly to: string,
    readonly verb: string,
    readonly timeoutMs: number,
  ) {
    super(`${verb} to ${to} timed out after ${timeoutMs} ms`);
  }
}

/** How a handler's exception travels: plain data, so it survives msgpack. */
export interface WireError {
  /** The thrown error's class name (e.g. "WriteTimeoutError"), so the receiver can rebuild the right class. */
  name: string;
  message: string;
  /** A protocol error code (CqlError.code) or a Node-style string code, if the error had one. */
  code?: number | string;
  /** The error's other own enumerable fields (blockFor, received, ...), when they are plain data. */
  details?: Record<string, unknown>;
}

/** The peer's handler threw (or the peer had no handler for the verb). */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  /** The class name of the error thrown on the peer. */
  readonly remoteName: string;
  readonly code: number | string | undefined;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(
    readonly from: string,
    readonly verb: string,
    wire: WireError,
  ) {
    super(wire.message);
    this.remoteName = wire.name;
    this.code = wire.code;
    this.details = wire.details ?? {};
  }
}

/** request() on a closed service, or a request still pending when the service closed. */
export class MessagingClosedError extends Error {
  override readonly name = 'MessagingClosedError';
}

const RESERVED = new Set(['name', 'message', 'stack', 'code', 'cause']);

/** Turns anything a handler threw into WireError. Details keep only JSON-ish fields, so encoding cannot fail. */
export function toWireError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  // The constructor's name, not err.name: CqlError subclasses do not all override `name`.
  const ctorName = (err.constructor as { name?: unknown } | undefined)?.name;
  const name = typeof ctorName === 'string' && ctorName !== '' && ctorName !== 'Error' ? ctorName : err.name;
  const wire: WireError = { name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number' || typeof code === 'string') wire.code = code;
  const details: Record<string, unknown> = {};
  let any = false;
  for (const [key, value] of Object.entries(err)) {
    if (RESERVED.has(key) || !isPlainData(value, 0)) continue;
    details[key] = value;
    any = true;
  }
  if (any) wire.details = details;
  return wire;
}

function isPlainData(value: unknown, depth: number): boolean {
  if (depth > 4) return false;
  switch (typeof value) {
    case 'string': case 'number': case 'boolean': case 'bigint': case 'undefined': return true;
    case 'object':
      if (value === null || Buffer.isBuffer(value)) return true;
      if (Array.isArray(value)) return value.every((v) => isPlainData(v, depth + 1));
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      return Object.values(value).every((v) => isPlainData(v, depth + 1));
    default: return false;
  }
}
