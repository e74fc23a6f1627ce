// Small helpers for values flowing through execution.
import { UNSET } from '../../protocol/messages.ts';
import { InvalidRequestError } from '../../model/errors.ts';

/** A value during execution: serialized bytes, CQL null, or "unset" (leave untouched). */
export type ExecValue = Buffer | null | typeof UNSET;

export function int32(buf: Buffer): number {
  return buf.readInt32BE(0);
}

export function bigint64(buf: Buffer): bigint {
  return buf.readBigInt64BE(0);
}

export function encodeInt(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}

export function encodeBigint(n: bigint | number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(BigInt(n), 0);
  return b;
}

/** Reads an int-valued parameter (LIMIT, TTL…) that must be set and non-null. */
export function requireInt(v: ExecValue, what: string): number {
  if (v === null) throw new InvalidRequestError(`Invalid null value of ${what}`);
  if (v === UNSET) throw new InvalidRequestError(`Invalid unset value for ${what}`);
  if (v.length !== 4) throw new InvalidRequestError(`Invalid value for ${what}`);
  return v.readInt32BE(0);
}

export function requireBigint(v: ExecValue, what: string): number {
  if (v === null) throw new InvalidRequestError(`Invalid null value of ${what}`);
  if (v === UNSET) throw new InvalidRequestError(`Invalid unset value for ${what}`);
  if (v.length !== 8) throw new InvalidRequestError(`Invalid value for ${what}`);
  const n = v.readBigInt64BE(0);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new InvalidRequestError(`${what} value ${n} is out of the supported range`);
  }
  return Number(n);
}
