// Byte-comparable keys: LMDB orders keys by unsigned bytes, so every key is built such that byte order equals
// Cassandra's order (partitions by token then key bytes, rows by the clustering comparators of compare.ts).
//
// Layout: [16-byte table id][8-byte token, sign flipped][partition key, escaped, 00 00][kind][clustering…]
// Every encoding below is prefix-free (no encoding is a prefix of another), which is what makes concatenation,
// DESC inversion (invert every byte) and the 0xFF "after this prefix" bound suffix order-preserving.
import type { CqlType } from '../model/types.ts';
import type { TableDef } from '../schema/model.ts';
import { InvalidRequestError } from '../model/errors.ts';
import type { Bound } from './types.ts';
import { readVector } from '../model/values/vector.ts';
import { UUID_TIME_ORDER, decimalParts, minimalVarint, readCollectionElements, readTupleComponents } from '../model/values/compare.ts';

/** Component headers: ordered so that end-of-sequence < null < empty < value. */
const TERM = 0x10;
const NULL = 0x18;
const EMPTY = 0x20;
const VALUE = 0x40;
/** Appended to a prefix to sit after every key extending it; larger than any header, even inverted ones. */
const AFTER = 0xff;

export const KIND_HEADER = 0x01;
export const KIND_ROW = 0x02;

/** lmdb-js's default maximum key size with the default page size. */
export const MAX_KEY_SIZE = 1978;

/** A growable byte sink; avoids Buffer.concat churn on the write path. */
export class ByteWriter {
  buf: Buffer;
  len = 0;
  constructor(size = 64) {
    this.buf = Buffer.allocUnsafe(size);
  }
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
  /** Bytes with 0x00 escaped as 00 FF, then the 00 00 terminator: order-preserving and prefix-free. */
  escaped(b: Buffer): void {
    this.ensure(b.length * 2 + 2);
    for (let i = 0; i < b.length; i++) {
      const x = b[i];
      this.buf[this.len++] = x;
      if (x === 0) this.buf[this.len++] = 0xff;
    }
    this.buf[this.len++] = 0;
    this.buf[this.len++] = 0;
  }
  invertFrom(start: number): void {
    for (let i = start; i < this.len; i++) this.buf[i] = ~this.buf[i] & 0xff;
  }
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

function writeFloating(w: ByteWriter, b: Buffer, width: 4 | 8): void {
  const start = w.len;
  const isNaN = width === 8 ? Number.isNaN(b.readDoubleBE(0)) : Number.isNaN(b.readFloatBE(0));
  if (isNaN) {
    // Java canonicalises every NaN (doubleToLongBits), so all NaNs are one key, above +Infinity.
    w.bytes(width === 8 ? Buffer.from([0x7f, 0xf8, 0, 0, 0, 0, 0, 0]) : Buffer.from([0x7f, 0xc0, 0, 0]));
  } else {
    w.bytes(b.subarray(0, width));
  }
  if (w.buf[start] & 0x80) w.invertFrom(start);
  else w.buf[start] ^= 0x80;
}

function writeVarint(w: ByteWriter, b: Buffer): void {
  const m = minimalVarint(b);
  const negative = m[0] >= 0x80;
  // Longer magnitudes are further from zero: length ascending for positives, descending for negatives.
  w.byte(negative ? 0x00 : 0x01);
  const len = negative ? 0xffff - m.length : m.length;
  w.byte((len >> 8) & 0xff);
  w.byte(len & 0xff);
  w.bytes(m);
}

function writeDecimal(w: ByteWriter, b: Buffer): void {
  const { sign, exp, digits } = decimalParts(b);
  w.byte(sign + 1);
  if (sign === 0) return;
  const start = w.len;
  const e = Buffer.allocUnsafe(8);
  e.writeBigInt64BE(BigInt(exp));
  e[0] ^= 0x80;
  w.bytes(e);
  for (let i = 0; i < digits.length; i++) w.byte(digits.charCodeAt(i) - 48 + 1);
  w.byte(0);
  // Negative numbers: a larger magnitude must sort first, so invert the whole magnitude encoding.
  if (sign < 0) w.invertFrom(start);
}

function writeSequence(w: ByteWriter, types: (i: number) => CqlType, elems: Array<Buffer | null>): void {
  for (let i = 0; i < elems.length; i++) {
    const e = elems[i];
    if (e === null) w.byte(NULL);
    else if (e.length === 0) w.byte(EMPTY);
    else {
      w.byte(VALUE);
      writeComparable(w, types(i), e);
    }
  }
  w.byte(TERM);
}

const BLOB: CqlType = { kind: 'native', name: 'blob' };

/** Appends the prefix-free byte-comparable encoding of a non-empty value. */
export function writeComparable(w: ByteWriter, type: CqlType, v: Buffer): void {
  switch (type.kind) {
    case 'native':
      switch (type.name) {
        case 'int':
        case 'bigint':
        case 'smallint':
        case 'tinyint':
        case 'counter':
        case 'timestamp':
        case 'time':
          // Fixed widths are validated upstream; going through varint keeps odd widths ordered and prefix-free.
          writeVarint(w, v);
          return;
        case 'varint':
          writeVarint(w, v);
          return;
        case 'boolean':
          w.byte(v[0] === 0 ? 0 : 1);
          return;
        case 'float':
          writeFloating(w, v, 4);
          return;
        case 'double':
          writeFloating(w, v, 8);
          return;
        case 'decimal':
          writeDecimal(w, v);
          return;
        case 'date':
          if (v.length === 4) w.bytes(v);
          else w.escaped(v);
          return;
        case 'uuid': {
          const version = v[6] >> 4;
          w.byte(version);
          if (version === 1) for (const i of UUID_TIME_ORDER) w.byte(i === 6 ? v[6] & 0x0f : v[i]);
          w.bytes(v.subarray(0, 16));
          return;
        }
        case 'timeuuid':
          for (const i of UUID_TIME_ORDER) w.byte(i === 6 ? v[6] ^ 0x80 : v[i]);
          for (let i = 8; i < 16; i++) w.byte(v[i] ^ 0x80);
          return;
        default:
          w.escaped(v);
          return;
      }
    case 'list':
    case 'set': {
      const el = type.element;
      writeSequence(w, () => el, readCollectionElements(v, 1));
      return;
    }
    case 'map': {
      const { key, value } = type;
      writeSequence(w, (i) => (i % 2 === 0 ? key : value), readCollectionElements(v, 2));
      return;
    }
    case 'tuple': {
      const ts = type.elements;
      writeSequence(w, (i) => ts[i] ?? BLOB, readTupleComponents(v));
      return;
    }
    case 'udt': {
      const ts = type.fieldTypes;
      writeSequence(w, (i) => ts[i] ?? BLOB, readTupleComponents(v));
      return;
    }
    case 'vector': {
      const el = type.element;
      writeSequence(w, () => el, readVector(type, v));
      return;
    }
  }
}

/** One clustering component: header + value, inverted when the column is DESC. */
function writeComponent(w: ByteWriter, type: CqlType, desc: boolean, v: Buffer): void {
  const start = w.len;
  if (v.length === 0) w.byte(EMPTY);
  else {
    w.byte(VALUE);
    writeComparable(w, type, v);
  }
  if (desc) w.invertFrom(start);
}

/** Byte-comparable encoding of a single value (as a one-column ASC/DESC clustering component). */
export function encodeValue(type: CqlType, v: Buffer, desc = false): Buffer {
  const w = new ByteWriter(v.length + 8);
  writeComponent(w, type, desc, v);
  return w.result();
}

export function writeClustering(w: ByteWriter, table: TableDef, values: Buffer[]): void {
  const cols = table.clustering;
  for (let i = 0; i < values.length; i++) writeComponent(w, cols[i].type, cols[i].order === 'desc', values[i]);
}

export function encodeClustering(table: TableDef, values: Buffer[]): Buffer {
  const w = new ByteWriter(64);
  writeClustering(w, table, values);
  return w.result();
}

const tableIdCache = new Map<string, Buffer>();
export function tableIdBytes(id: string): Buffer {
  let b = tableIdCache.get(id);
  if (!b) {
    const hex = id.replace(/-/g, '');
    b = /^[0-9a-fA-F]{32}$/.test(hex) ? Buffer.from(hex, 'hex') : Buffer.from(id, 'utf8').subarray(0, 16);
    if (b.length < 16) b = Buffer.concat([b, Buffer.alloc(16 - b.length)]);
    tableIdCache.set(id, b);
  }
  return b;
}

// A token's ordered bytes (big-endian, sign bit flipped) read through a BigInt64Array: storing a bigint there wraps it
// to 64 bits without allocating, where BigInt.asUintN, ^, >> and Number() each allocated a BigInt (≈ 0.5 µs a key,
// against 0.05 µs this way; this runs for every read and write).
const tokenScratch = new BigInt64Array(1);
const tokenScratchBytes = new Uint8Array(tokenScratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Writes `token` as 8 byte-comparable bytes (the ring order) at `o`. */
export function putToken(out: Uint8Array, o: number, token: bigint): void {
  tokenScratch[0] = token;
  const b = tokenScratchBytes;
  if (LITTLE_ENDIAN) {
    out[o] = b[7]! ^ 0x80; out[o + 1] = b[6]!; out[o + 2] = b[5]!; out[o + 3] = b[4]!;
    out[o + 4] = b[3]!; out[o + 5] = b[2]!; out[o + 6] = b[1]!; out[o + 7] = b[0]!;
  } else {
    out[o] = b[0]! ^ 0x80;
    for (let i = 1; i < 8; i++) out[o + i] = b[i]!;
  }
}

const tokenBytes = new Uint8Array(8);
export function writeToken(w: ByteWriter, token: bigint): void {
  putToken(tokenBytes, 0, token);
  for (let i = 0; i < 8; i++) w.byte(tokenBytes[i]!);
}

/** Key prefix shared by everything stored for one partition (followed by the kind byte). */
export function partitionPrefix(tableId: string, token: bigint, key: Buffer): Buffer {
  // Runs on every request: sized exactly and written in place, rather than through a ByteWriter and a copy.
  let zeros = 0;
  for (let i = 0; i < key.length; i++) if (key[i] === 0) zeros++;
  const out = Buffer.allocUnsafe(24 + key.length + zeros + 2);
  // Byte loops, not Buffer.copy: a native call costs more than copying the 16 bytes of an id or a short key.
  const tid = tableIdBytes(tableId);
  for (let i = 0; i < 16; i++) out[i] = tid[i]!;
  putToken(out, 16, token);
  let o = 24;
  if (zeros === 0 && key.length > 32) {
    key.copy(out, o);
    o += key.length;
  } else if (zeros === 0) {
    for (let i = 0; i < key.length; i++) out[o++] = key[i]!;
  } else {
    for (let i = 0; i < key.length; i++) {
      const x = key[i];
      out[o++] = x;
      if (x === 0) out[o++] = 0xff;
    }
  }
  out[o++] = 0;
  out[o] = 0;
  return out;
}

const keyScratch = Buffer.allocUnsafeSlow(4096);

/**
 * partitionPrefix(tableId, token, key).toString('latin1', 16), the memtable's partition key, written through a scratch
 * buffer: a write needs only the string, and allocating the prefix Buffer for it was a few percent of a node's writes.
 */
export function partitionKeyString(token: bigint, key: Buffer): string {
  let zeros = 0;
  for (let i = 0; i < key.length; i++) if (key[i] === 0) zeros++;
  const n = 8 + key.length + zeros + 2;
  if (n > keyScratch.length) return partitionPrefix('', token, key).toString('latin1', 16);
  const out = keyScratch;
  putToken(out, 0, token);
  let o = 8;
  if (zeros === 0) {
    key.copy(out, o);
    o += key.length;
  } else {
    for (let i = 0; i < key.length; i++) {
      const x = key[i]!;
      out[o++] = x;
      if (x === 0) out[o++] = 0xff;
    }
  }
  out[o++] = 0;
  out[o++] = 0;
  return out.toString('latin1', 0, o);
}

export function checkKeySize(k: Buffer): Buffer {
  if (k.length > MAX_KEY_SIZE) {
    throw new InvalidRequestError(`Key length of ${k.length} is longer than maximum of ${MAX_KEY_SIZE}`);
  }
  return k;
}

export function headerKey(prefix: Buffer): Buffer {
  const k = Buffer.allocUnsafe(prefix.length + 1);
  prefix.copy(k);
  k[prefix.length] = KIND_HEADER;
  return checkKeySize(k);
}

export function rowKey(prefix: Buffer, table: TableDef, clustering: Buffer[]): Buffer {
  if (clustering.length === 0) {
    const k = Buffer.allocUnsafe(prefix.length + 1);
    prefix.copy(k);
    k[prefix.length] = KIND_ROW;
    return checkKeySize(k);
  }
  const w = new ByteWriter(prefix.length + 1 + clustering.length * 12 + 16);
  w.bytes(prefix);
  w.byte(KIND_ROW);
  writeClustering(w, table, clustering);
  return checkKeySize(w.result());
}

/** Start key (inclusive) of the rows at or after a slice start bound. */
export function rowStartKey(prefix: Buffer, table: TableDef, b: Bound): Buffer {
  const w = new ByteWriter(prefix.length + 32);
  w.bytes(prefix);
  w.byte(KIND_ROW);
  writeClustering(w, table, b.prefix);
  if (b.prefix.length > 0 && !b.inclusive) w.byte(AFTER);
  return w.result();
}

/** End key (exclusive) of the rows at or before a slice end bound. */
export function rowEndKey(prefix: Buffer, table: TableDef, b: Bound): Buffer {
  const w = new ByteWriter(prefix.length + 32);
  w.bytes(prefix);
  w.byte(KIND_ROW);
  writeClustering(w, table, b.prefix);
  if (b.prefix.length === 0 || b.inclusive) w.byte(AFTER);
  return w.result();
}

/** Smallest key greater than every key starting with prefix (undefined if none exists). */
export function prefixEnd(prefix: Buffer): Buffer | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] !== 0xff) {
      const out = Buffer.from(prefix.subarray(0, i + 1));
      out[i]++;
      return out;
    }
  }
  return undefined;
}

export function tokenPrefix(tableId: string, token: bigint): Buffer {
  const w = new ByteWriter(24);
  w.bytes(tableIdBytes(tableId));
  writeToken(w, token);
  return w.result();
}

export interface DecodedPartitionKey {
  token: bigint;
  key: Buffer;
  /** Length of the partition prefix within the stored key (the kind byte follows). */
  prefixLength: number;
}

/** Reads token and partition key back from any stored key of a table. */
export function decodePartitionKey(k: Buffer): DecodedPartitionKey {
  const t = k.readBigUInt64BE(16) ^ 0x8000000000000000n;
  const token = BigInt.asIntN(64, t);
  const out: number[] = [];
  let i = 24;
  for (;;) {
    const x = k[i];
    if (x === 0) {
      if (k[i + 1] === 0) {
        i += 2;
        break;
      }
      out.push(0);
      i += 2;
    } else {
      out.push(x);
      i++;
    }
  }
  return { token, key: Buffer.from(out), prefixLength: i };
}
