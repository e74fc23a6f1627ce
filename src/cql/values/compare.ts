// Cassandra's value ordering per type (AbstractType.compare): decides set element and map key order in
// serialized collections, and the sort order of clustering values. Empty values sort before everything.
import type { CqlType } from '../types.ts';
import { decodeDecimal, varintToBigint } from './codec.ts';
import { readCollection, readMap, readTuple } from './collections.ts';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);
const big = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

function compareDecimals(a: Buffer, b: Buffer): number {
  const x = decodeDecimal(a);
  const y = decodeDecimal(b);
  // Bring both to the larger scale: 1.0 and 1.00 compare equal, as BigDecimal.compareTo does.
  const s = Math.max(x.scale, y.scale);
  return big(x.unscaled * 10n ** BigInt(s - x.scale), y.unscaled * 10n ** BigInt(s - y.scale));
}

/** Java Float.compare / Double.compare: -0.0 < 0.0, NaN above +Infinity and equal to itself. */
function compareFloats(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
  if (Number.isNaN(y)) return -1;
  if (x === 0 && y === 0) return sign((Object.is(x, -0) ? 0 : 1) - (Object.is(y, -0) ? 0 : 1));
  return 0;
}

/** v1 uuids by timestamp and then by the clock-seq/node as signed bytes; others as unsigned bytes. */
function compareUuids(a: Buffer, b: Buffer, timeOnly: boolean): number {
  const va = a[6]! >> 4;
  const vb = b[6]! >> 4;
  if (!timeOnly && va !== vb) return va - vb;
  if (timeOnly || va === 1) {
    // The 60-bit timestamp as (time_hi:time_mid, time_low), both exact in doubles.
    const ha = (a.readUInt16BE(6) & 0x0fff) * 0x10000 + a.readUInt16BE(4);
    const hb = (b.readUInt16BE(6) & 0x0fff) * 0x10000 + b.readUInt16BE(4);
    if (ha !== hb) return ha < hb ? -1 : 1;
    const la = a.readUInt32BE(0);
    const lb = b.readUInt32BE(0);
    if (la !== lb) return la < lb ? -1 : 1;
    for (let i = 8; i < 16; i++) {
      const d = ((a[i]! << 24) >> 24) - ((b[i]! << 24) >> 24);
      if (d !== 0) return sign(d);
    }
    return 0;
  }
  return Buffer.compare(a, b);
}

function compareSequences(type: CqlType, xs: Buffer[], ys: Buffer[]): number {
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(type, xs[i]!, ys[i]!);
    if (c !== 0) return c;
  }
  return sign(xs.length - ys.length);
}

export function compareValues(type: CqlType, a: Buffer, b: Buffer): number {
  if (a.length === 0 || b.length === 0) return sign(a.length - b.length);
  switch (type.kind) {
    case 'native':
      switch (type.name) {
        case 'tinyint':
          return sign(a.readInt8(0) - b.readInt8(0));
        case 'smallint':
          return sign(a.readInt16BE(0) - b.readInt16BE(0));
        case 'int':
          return sign(a.readInt32BE(0) - b.readInt32BE(0));
        case 'bigint':
        case 'counter':
        case 'timestamp':
        case 'time':
          return big(a.readBigInt64BE(0), b.readBigInt64BE(0));
        case 'varint':
          return big(varintToBigint(a), varintToBigint(b));
        case 'decimal':
          return compareDecimals(a, b);
        case 'float':
          return compareFloats(a.readFloatBE(0), b.readFloatBE(0));
        case 'double':
          return compareFloats(a.readDoubleBE(0), b.readDoubleBE(0));
        case 'uuid':
          return compareUuids(a, b, false);
        case 'timeuuid':
          return compareUuids(a, b, true);
        default:
          // ascii, text, blob, inet, boolean, date (unsigned with a shifted epoch), duration
          return Buffer.compare(a, b);
      }
    case 'list':
    case 'set':
      return compareSequences(type.element, readCollection(a, type.kind), readCollection(b, type.kind));
    case 'map': {
      const x = readMap(a);
      const y = readMap(b);
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareValues(type.key, x[i]![0], y[i]![0]) || compareValues(type.value, x[i]![1], y[i]![1]);
        if (c !== 0) return c;
      }
      return sign(x.length - y.length);
    }
    case 'tuple':
    case 'udt': {
      const types = type.kind === 'tuple' ? type.elements : type.fieldTypes;
      const x = readTuple(a, types.length, type.kind === 'tuple' ? 'tuple' : 'UDT');
      const y = readTuple(b, types.length, type.kind === 'tuple' ? 'tuple' : 'UDT');
      for (let i = 0; i < types.length; i++) {
        const p = x[i]!;
        const q = y[i]!;
        if (p === null || q === null) {
          if (p === q) continue;
          return p === null ? -1 : 1;
        }
        const c = compareValues(types[i]!, p, q);
        if (c !== 0) return c;
      }
      return 0;
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
