// Cassandra's comparators for every CQL type (AbstractType.compare), over native-protocol v4 serialized values. There
// is exactly one: it decides clustering order, cell-path order inside non-frozen collections, set element and map key
// order in serialized collections and every query-side sort (ORDER BY, IN lists, filtering), and the byte-comparable
// key encoding in storage/keys.ts is property-tested to agree with it, because LMDB orders rows by those bytes.
import { readVector } from './vector.ts';
import type { CqlType } from '../types.ts';

/** Splits a v4 collection value ([int n] then n × [int len][bytes]) into its elements; pairs for maps are flattened. */
export function readCollectionElements(buf: Buffer, perEntry: 1 | 2): Buffer[] {
  if (buf.length < 4) return [];
  const n = buf.readInt32BE(0);
  const out: Buffer[] = [];
  let off = 4;
  for (let i = 0; i < n * perEntry && off + 4 <= buf.length; i++) {
    const len = buf.readInt32BE(off);
    off += 4;
    if (len < 0) {
      out.push(Buffer.alloc(0));
      continue;
    }
    out.push(buf.subarray(off, off + len));
    off += len;
  }
  return out;
}

/** Splits a tuple/UDT value into components (null for -1), dropping trailing nulls so (1) equals (1, null). */
export function readTupleComponents(buf: Buffer): Array<Buffer | null> {
  const out: Array<Buffer | null> = [];
  let off = 0;
  while (off + 4 <= buf.length) {
    const len = buf.readInt32BE(off);
    off += 4;
    if (len < 0) {
      out.push(null);
    } else {
      out.push(buf.subarray(off, off + len));
      off += len;
    }
  }
  while (out.length > 0 && out[out.length - 1] === null) out.pop();
  return out;
}

/** Signed big-endian integer compare where both sides have the same width (first byte signed, rest unsigned). */
function compareSignedSameWidth(a: Buffer, b: Buffer): number {
  const d = ((a[0] ^ 0x80) - (b[0] ^ 0x80));
  if (d !== 0) return d < 0 ? -1 : 1;
  return Buffer.compare(a.subarray(1), b.subarray(1));
}

/** Strips redundant sign-extension bytes so equal numbers have equal two's complement encodings. */
export function minimalVarint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1) {
    if (b[i] === 0x00 && b[i + 1] < 0x80) i++;
    else if (b[i] === 0xff && b[i + 1] >= 0x80) i++;
    else break;
  }
  return i === 0 ? b : b.subarray(i);
}

function compareVarint(a: Buffer, b: Buffer): number {
  const x = minimalVarint(a);
  const y = minimalVarint(b);
  const xn = x[0] >= 0x80;
  const yn = y[0] >= 0x80;
  if (xn !== yn) return xn ? -1 : 1;
  if (x.length !== y.length) return (x.length < y.length) !== xn ? -1 : 1;
  return compareSignedSameWidth(x, y);
}

/** Java's Double.compare/Float.compare: -0.0 < 0.0, every NaN equal and above +Infinity. */
function compareFloating(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  const xNaN = Number.isNaN(x);
  const yNaN = Number.isNaN(y);
  if (xNaN || yNaN) return xNaN === yNaN ? 0 : xNaN ? 1 : -1;
  if (x === 0 && y === 0) {
    const xNeg = Object.is(x, -0);
    const yNeg = Object.is(y, -0);
    return xNeg === yNeg ? 0 : xNeg ? -1 : 1;
  }
  return 0;
}

/** A decimal as sign, decimal exponent and significant digits (value = 0.digits × 10^exp), trailing zeros gone. */
export interface DecimalParts {
  sign: -1 | 0 | 1;
  exp: number;
  digits: string;
}

export function decimalParts(buf: Buffer): DecimalParts {
  const scale = buf.readInt32BE(0);
  const unscaledBytes = buf.subarray(4);
  let unscaled = 0n;
  if (unscaledBytes.length > 0) {
    unscaled = BigInt.asIntN(unscaledBytes.length * 8, BigInt('0x' + unscaledBytes.toString('hex')));
  }
  if (unscaled === 0n) return { sign: 0, exp: 0, digits: '' };
  const sign = unscaled < 0n ? -1 : 1;
  let digits = (unscaled < 0n ? -unscaled : unscaled).toString();
  let trimmed = digits.length;
  while (trimmed > 1 && digits.charCodeAt(trimmed - 1) === 48) trimmed--;
  digits = digits.slice(0, trimmed);
  // exp counts digits before the point of the original unscaled value: value = 0.d1d2… × 10^(len - scale).
  const originalLen = (unscaled < 0n ? -unscaled : unscaled).toString().length;
  return { sign, exp: originalLen - scale, digits };
}

function compareDecimal(a: Buffer, b: Buffer): number {
  const x = decimalParts(a);
  const y = decimalParts(b);
  if (x.sign !== y.sign) return x.sign < y.sign ? -1 : 1;
  if (x.sign === 0) return 0;
  let c = x.exp !== y.exp ? (x.exp < y.exp ? -1 : 1) : x.digits < y.digits ? -1 : x.digits > y.digits ? 1 : 0;
  if (x.sign < 0) c = -c;
  return c;
}

/** The 60-bit timestamp of a version 1 uuid, as its bytes in significance order (6 low nibble, 7, 4, 5, 0-3). */
export const UUID_TIME_ORDER = [6, 7, 4, 5, 0, 1, 2, 3] as const;

function compareTimeUuid(a: Buffer, b: Buffer): number {
  for (let k = 0; k < 8; k++) {
    const i = UUID_TIME_ORDER[k];
    // Cassandra compares the reordered msb as a signed long, so the top byte (6, with the version) is signed.
    const x = k === 0 ? a[i] ^ 0x80 : a[i];
    const y = k === 0 ? b[i] ^ 0x80 : b[i];
    if (x !== y) return x < y ? -1 : 1;
  }
  // Cassandra compares the low 8 bytes as signed bytes for compatibility with its old comparator.
  for (let i = 8; i < 16; i++) {
    const x = a[i] ^ 0x80;
    const y = b[i] ^ 0x80;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function compareUuid(a: Buffer, b: Buffer): number {
  const va = a[6] >> 4;
  const vb = b[6] >> 4;
  if (va !== vb) return va < vb ? -1 : 1;
  if (va === 1) {
    for (let k = 0; k < 8; k++) {
      const i = UUID_TIME_ORDER[k];
      const x = k === 0 ? a[i] & 0x0f : a[i];
      const y = k === 0 ? b[i] & 0x0f : b[i];
      if (x !== y) return x < y ? -1 : 1;
    }
  }
  return Buffer.compare(a, b);
}

function compareSequences(types: (i: number) => CqlType, xs: Buffer[], ys: Buffer[]): number {
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(types(i), xs[i], ys[i]);
    if (c !== 0) return c;
  }
  return xs.length === ys.length ? 0 : xs.length < ys.length ? -1 : 1;
}

function compareTuple(types: CqlType[], a: Buffer, b: Buffer): number {
  const xs = readTupleComponents(a);
  const ys = readTupleComponents(b);
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x === null || y === null) {
      if (x === y) continue;
      return x === null ? -1 : 1;
    }
    const t = types[i] ?? { kind: 'native', name: 'blob' };
    const c = compareValues(t, x, y);
    if (c !== 0) return c;
  }
  return xs.length === ys.length ? 0 : xs.length < ys.length ? -1 : 1;
}

/** Cassandra's comparator for a type; empty values sort before every non-empty value. */
export function compareValues(type: CqlType, a: Buffer, b: Buffer): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? -1 : 1;
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
          return a.length === b.length ? compareSignedSameWidth(a, b) : compareVarint(a, b);
        case 'varint':
          return compareVarint(a, b);
        case 'boolean': {
          const x = a[0] !== 0;
          const y = b[0] !== 0;
          return x === y ? 0 : x ? 1 : -1;
        }
        case 'float':
          return compareFloating(a.readFloatBE(0), b.readFloatBE(0));
        case 'double':
          return compareFloating(a.readDoubleBE(0), b.readDoubleBE(0));
        case 'decimal':
          return compareDecimal(a, b);
        case 'uuid':
          return compareUuid(a, b);
        case 'timeuuid':
          return compareTimeUuid(a, b);
        default:
          // text/ascii/blob/inet/date(unsigned days)/duration: unsigned bytes.
          return Buffer.compare(a, b);
      }
    case 'list':
    case 'set': {
      const el = type.element;
      return compareSequences(() => el, readCollectionElements(a, 1), readCollectionElements(b, 1));
    }
    case 'map': {
      const { key, value } = type;
      return compareSequences((i) => (i % 2 === 0 ? key : value), readCollectionElements(a, 2), readCollectionElements(b, 2));
    }
    case 'tuple':
      return compareTuple(type.elements, a, b);
    case 'udt':
      return compareTuple(type.fieldTypes, a, b);
    case 'vector': {
      const el = type.element;
      return compareSequences(() => el, readVector(type, a), readVector(type, b));
    }
  }
}

/** Sorts and de-duplicates serialized set elements / map entries the way Cassandra stores them. */
export function sortUnique<T>(type: CqlType, items: T[], key: (t: T) => Buffer): T[] {
  const sorted = [...items].sort((x, y) => compareValues(type, key(x), key(y)));
  const out: T[] = [];
  for (const it of sorted) {
    // Later duplicates win for maps (last assignment wins in a literal); for sets they are identical anyway.
    if (out.length > 0 && compareValues(type, key(out[out.length - 1]!), key(it)) === 0) out[out.length - 1] = it;
    else out.push(it);
  }
  return out;
}
