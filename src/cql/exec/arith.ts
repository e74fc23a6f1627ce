// Numeric arithmetic on serialized values for the sum() and avg() aggregates. Integer types keep their width
// (overflow wraps, as Java's does in Cassandra's aggregates).
import type { CqlType } from '../../model/types.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { bigintToVarint, varintToBigint } from '../../model/values/codec.ts';

function kind(t: CqlType): string {
  if (t.kind !== 'native') throw new InvalidRequestError(`Invalid type for arithmetic: ${t.kind}`);
  return t.name;
}

function read(t: CqlType, b: Buffer): number | bigint {
  switch (kind(t)) {
    case 'tinyint': return b.readInt8(0);
    case 'smallint': return b.readInt16BE(0);
    case 'int': return b.readInt32BE(0);
    case 'bigint': case 'counter': return b.readBigInt64BE(0);
    case 'varint': return varintToBigint(b);
    case 'float': return b.readFloatBE(0);
    case 'double': return b.readDoubleBE(0);
    default: throw new InvalidRequestError(`Invalid type for sum/avg: ${kind(t)}`);
  }
}

function write(t: CqlType, v: number | bigint): Buffer {
  const k = kind(t);
  switch (k) {
    case 'tinyint': { const b = Buffer.alloc(1); b.writeInt8(((Number(v) + 128) & 0xff) - 128); return b; }
    case 'smallint': { const b = Buffer.alloc(2); b.writeInt16BE(((Number(v) + 32768) & 0xffff) - 32768); return b; }
    case 'int': { const b = Buffer.alloc(4); b.writeInt32BE(Number(v) | 0); return b; }
    case 'bigint': case 'counter': { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt.asIntN(64, BigInt(v))); return b; }
    case 'varint': return bigintToVarint(BigInt(v));
    case 'float': { const b = Buffer.alloc(4); b.writeFloatBE(Number(v)); return b; }
    case 'double': { const b = Buffer.alloc(8); b.writeDoubleBE(Number(v)); return b; }
    default: throw new InvalidRequestError(`Invalid type for sum/avg: ${k}`);
  }
}

export function zeroOf(t: CqlType): Buffer {
  return write(t, kind(t) === 'bigint' || kind(t) === 'varint' || kind(t) === 'counter' ? 0n : 0);
}

export function addNumbers(t: CqlType, a: Buffer, b: Buffer): Buffer {
  const x = read(t, a);
  const y = read(t, b);
  if (typeof x === 'bigint' || typeof y === 'bigint') return write(t, BigInt(x) + BigInt(y));
  return write(t, x + y);
}

export function divideNumber(t: CqlType, a: Buffer, n: number): Buffer {
  const x = read(t, a);
  if (typeof x === 'bigint') return write(t, x / BigInt(n));
  const k = kind(t);
  return write(t, k === 'float' || k === 'double' ? x / n : Math.trunc(x / n));
}
