// The numeric types as Cassandra's NumberType sees them: reading a serialized number as an exact integer, a double
// or a BigDecimal, and writing a result back in a given type with Java's narrowing (integers wrap; floating-point
// values truncate towards zero, saturating at the int/long bounds first, as Java's casts do).
import type { NativeTypeName } from '../types.ts';
import { bigintToVarint, decodeDecimal, encodeDecimal, parseDecimal, varintToBigint, type Decimal } from './codec.ts';
import { javaDoubleToString } from './java-text.ts';

export const INTEGER_TYPES: ReadonlySet<NativeTypeName> = new Set(['tinyint', 'smallint', 'int', 'bigint', 'counter', 'varint']);
export const NUMERIC_TYPES: ReadonlySet<NativeTypeName> = new Set([...INTEGER_TYPES, 'float', 'double', 'decimal']);

export const isNumeric = (n: NativeTypeName): boolean => NUMERIC_TYPES.has(n);

/** Bits of the fixed-width integer types. */
export const INT_BITS: Partial<Record<NativeTypeName, number>> = { tinyint: 8, smallint: 16, int: 32, bigint: 64, counter: 64 };

export function readInteger(name: NativeTypeName, b: Buffer): bigint {
  switch (name) {
    case 'tinyint': return BigInt(b.readInt8(0));
    case 'smallint': return BigInt(b.readInt16BE(0));
    case 'int': return BigInt(b.readInt32BE(0));
    case 'varint': return varintToBigint(b);
    default: return b.readBigInt64BE(0);
  }
}

/** The number as a double (NumberType.toDouble): exact integers and decimals rounded to the nearest double. */
export function toDouble(name: NativeTypeName, b: Buffer): number {
  switch (name) {
    case 'float': return b.readFloatBE(0);
    case 'double': return b.readDoubleBE(0);
    case 'decimal': { const d = decodeDecimal(b); return Number(decimalToExactString(d)); }
    default: return Number(readInteger(name, b));
  }
}

function decimalToExactString(d: Decimal): string {
  return `${d.unscaled}e${-d.scale}`;
}

/**
 * The number as a BigDecimal the way Cassandra 5.0 converts operands: varint and decimal exactly, every other
 * type through its double value (BigDecimal.valueOf(double)), so that an int 2 becomes 2.0 and a float 0.1
 * becomes 0.10000000149011612.
 */
export function toBigDecimal(name: NativeTypeName, b: Buffer): Decimal {
  if (name === 'decimal') return decodeDecimal(b);
  if (name === 'varint') return { unscaled: varintToBigint(b), scale: 0 };
  return parseDecimal(javaDoubleToString(toDouble(name, b)))!;
}

/** Java's (long) of a double: truncation, NaN → 0, saturation at the long bounds. */
export function doubleToLong(v: number): bigint {
  if (Number.isNaN(v)) return 0n;
  if (v >= 2 ** 63) return (1n << 63n) - 1n;
  if (v <= -(2 ** 63)) return -(1n << 63n);
  return BigInt(Math.trunc(v));
}

/** Java's (int) of a double. */
export function doubleToInt(v: number): bigint {
  if (Number.isNaN(v)) return 0n;
  if (v >= 2147483647) return 2147483647n;
  if (v <= -2147483648) return -2147483648n;
  return BigInt(Math.trunc(v));
}

/** BigDecimal.toBigInteger: truncation towards zero. */
export function decimalToBigInt(d: Decimal): bigint {
  return d.scale <= 0 ? d.unscaled * 10n ** BigInt(-d.scale) : d.unscaled / 10n ** BigInt(d.scale);
}

/** An exact integer written in an integer type: wrapped to its width (varint keeps it whole). */
export function writeInteger(name: NativeTypeName, v: bigint): Buffer {
  if (name === 'varint') return bigintToVarint(v);
  const bits = INT_BITS[name]!;
  const b = Buffer.alloc(bits / 8);
  const w = BigInt.asIntN(bits, v);
  if (bits === 8) b.writeInt8(Number(w));
  else if (bits === 16) b.writeInt16BE(Number(w));
  else if (bits === 32) b.writeInt32BE(Number(w));
  else b.writeBigInt64BE(w);
  return b;
}

export function writeFloating(name: 'float' | 'double', v: number): Buffer {
  const b = Buffer.alloc(name === 'float' ? 4 : 8);
  if (name === 'float') b.writeFloatBE(v);
  else b.writeDoubleBE(v);
  return b;
}

export const writeDecimal = (d: Decimal): Buffer => encodeDecimal(d);
