// Serialized layouts of collections, tuples and UDTs (native protocol v3+: [int] counts and [int]-prefixed values).
import { InvalidRequestError } from '../errors.ts';

export function serializeCollection(elements: Buffer[]): Buffer {
  let size = 4;
  for (const e of elements) size += 4 + e.length;
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(elements.length, 0);
  let off = 4;
  for (const e of elements) {
    out.writeInt32BE(e.length, off);
    e.copy(out, off + 4);
    off += 4 + e.length;
  }
  return out;
}

export function serializeMap(entries: Array<[Buffer, Buffer]>): Buffer {
  const flat: Buffer[] = [];
  for (const [k, v] of entries) flat.push(k, v);
  const out = serializeCollection(flat);
  out.writeInt32BE(entries.length, 0);
  return out;
}

/** Tuple/UDT layout: one [bytes] per component, -1 for null; no count prefix. */
export function serializeTuple(parts: Array<Buffer | null>): Buffer {
  let size = 0;
  for (const p of parts) size += 4 + (p ? p.length : 0);
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (const p of parts) {
    if (p === null) {
      out.writeInt32BE(-1, off);
      off += 4;
    } else {
      out.writeInt32BE(p.length, off);
      p.copy(out, off + 4);
      off += 4 + p.length;
    }
  }
  return out;
}

/** UDT values share the tuple layout; trailing null fields may be dropped by writers, so readers pad. */
export const serializeUdt = serializeTuple;

export type CollectionKind = 'list' | 'set' | 'map';

/**
 * Reads [int n] then n values (2n for maps). Null elements are rejected: CQL collections cannot hold them.
 * Throws InvalidRequestError with Cassandra's marshalling messages on malformed input.
 */
function readValues(buf: Buffer, kind: CollectionKind): Buffer[] {
  const notEnough = (): never => {
    throw new InvalidRequestError(`Not enough bytes to read a ${kind}`);
  };
  if (buf.length < 4) notEnough();
  const n = buf.readInt32BE(0);
  if (n < 0) throw new InvalidRequestError(`The data cannot be deserialized as a ${kind}`);
  const count = kind === 'map' ? n * 2 : n;
  // Each value needs at least its 4-byte length, so a count beyond that is malformed (and must not allocate).
  if (count * 4 > buf.length - 4) notEnough();
  const out = new Array<Buffer>(count);
  let off = 4;
  for (let i = 0; i < count; i++) {
    if (off + 4 > buf.length) notEnough();
    const len = buf.readInt32BE(off);
    off += 4;
    if (len < 0) throw new InvalidRequestError('null is not supported inside collections');
    if (off + len > buf.length) notEnough();
    out[i] = buf.subarray(off, off + len);
    off += len;
  }
  if (off !== buf.length) throw new InvalidRequestError(`Unexpected extraneous bytes after ${kind} value`);
  return out;
}

export function readCollection(buf: Buffer, kind: 'list' | 'set' = 'list'): Buffer[] {
  return readValues(buf, kind);
}

export function readMap(buf: Buffer): Array<[Buffer, Buffer]> {
  const flat = readValues(buf, 'map');
  const out = new Array<[Buffer, Buffer]>(flat.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = [flat[2 * i]!, flat[2 * i + 1]!];
  return out;
}

/**
 * Reads up to n components, padding missing trailing ones with null (how UDTs gain fields over time).
 * More than n components is an error, as in Cassandra's TupleType/UserType validation.
 */
export function readTuple(buf: Buffer, n: number, what: 'tuple' | 'UDT' = 'tuple'): Array<Buffer | null> {
  const out: Array<Buffer | null> = [];
  let off = 0;
  while (off < buf.length) {
    if (out.length >= n) {
      throw new InvalidRequestError(
        what === 'tuple'
          ? `Invalid remaining data after end of tuple value`
          : `Invalid remaining data after end of UDT value`);
    }
    if (off + 4 > buf.length) {
      throw new InvalidRequestError(`Not enough bytes to read size of ${out.length}th component`);
    }
    const len = buf.readInt32BE(off);
    off += 4;
    if (len < 0) {
      out.push(null);
      continue;
    }
    if (off + len > buf.length) {
      throw new InvalidRequestError(`Not enough bytes to read ${out.length}th component`);
    }
    out.push(buf.subarray(off, off + len));
    off += len;
  }
  while (out.length < n) out.push(null);
  return out;
}
