// CAST(x AS type) as Cassandra 5.0's CastFcts define it: one cast_as_<type> function per target type with the source
// types it takes (listed below in the order Cassandra's messages print them), Java's conversions (integers
// narrowed by wrapping, floating-point values truncated), the text of a value as Cassandra prints it, and the
// implicit readings Cassandra's function resolution allows (a timestamp read as a bigint or varint, a bigint as a
// timestamp, an int as a raw date). Casting to the type a value already has is the value itself.
import { InvalidRequestError } from '../../model/errors.ts';
import { typesEqual, typeToCql, type CqlType, type NativeTypeName } from '../../model/types.ts';
import {
  DATE_EPOCH, daysToDateString, decimalToString, decodeDecimal, formatTime, inetToString, parseDecimal, varintToBigint,
} from '../../model/values/codec.ts';
import { formatTimestampIso } from '../../model/values/timestamp.ts';
import { uuidToString, timeuuidToMs } from '../../model/values/uuid.ts';
import { javaDoubleToString, javaFloatToString } from '../../model/values/java-text.ts';
import {
  decimalToBigInt, doubleToInt, doubleToLong, INTEGER_TYPES, readInteger, toDouble, writeDecimal, writeFloating, writeInteger,
} from '../../model/values/numbers.ts';

const N = (s: string): NativeTypeName[] => s.split(' ') as NativeTypeName[];

/** The source types of each cast_as_<type>, in Cassandra 5.0.9's order. */
const SIGNATURES: Partial<Record<NativeTypeName, NativeTypeName[]>> = {
  bigint: N('smallint tinyint int varint counter decimal double float'),
  date: N('timestamp timeuuid'),
  decimal: N('float double bigint varint int tinyint smallint counter'),
  double: N('float varint bigint smallint tinyint int decimal counter'),
  float: N('double bigint varint int tinyint smallint counter decimal'),
  int: N('double float decimal counter smallint tinyint varint bigint'),
  smallint: N('counter tinyint decimal bigint int double float varint'),
  timestamp: N('date timeuuid'),
  tinyint: N('smallint bigint counter decimal varint float double int'),
  varint: N('int tinyint smallint counter decimal double float bigint'),
  ascii: N('smallint decimal tinyint bigint counter boolean date float double timestamp varint inet time timeuuid uuid int'),
  text: N('ascii bigint timeuuid uuid timestamp int varint inet time decimal counter tinyint smallint double boolean date float'),
};

/** Types a value may be read as when no signature takes its own type (AbstractType.isValueCompatibleWith). */
const READABLE_AS: Partial<Record<NativeTypeName, NativeTypeName[]>> = {
  timestamp: ['bigint', 'varint'],
  bigint: ['timestamp'],
  int: ['date'],
};

const sig = (target: NativeTypeName, source: NativeTypeName): string => `system.cast_as_${target} : (${source}) -> ${target}`;

/** The signature a cast uses for a source type: the type itself, or the one type it can be read as. */
function resolveSource(target: NativeTypeName, source: NativeTypeName): NativeTypeName {
  const sources = SIGNATURES[target]!;
  if (sources.includes(source)) return source;
  const candidates = sources.filter((s) => READABLE_AS[source]?.includes(s));
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length > 1) {
    throw new InvalidRequestError(`Ambiguous call to function system.cast_as_${target} (can be matched by following signatures: ` +
      `${candidates.map((c) => sig(target, c)).join(', ')}): use type casts to disambiguate`);
  }
  throw new InvalidRequestError(`Invalid call to function system.cast_as_${target}, none of its type signatures match ` +
    `(known type signatures: ${sources.map((s) => sig(target, s)).join(', ')})`);
}

export interface CompiledCast {
  /** Undefined when the cast is the identity. */
  convert?: (v: Buffer) => Buffer;
  type: CqlType;
}

export function compileCast(sourceName: string, source: CqlType, target: CqlType): CompiledCast {
  if (typesEqual(source, target)) return { type: target };
  const to = target.kind === 'native' ? target.name : undefined;
  if (!to || !SIGNATURES[to] || source.kind !== 'native') {
    throw new InvalidRequestError(`${sourceName} cannot be cast to ${typeToCql(target)}`);
  }
  const from = resolveSource(to, source.name);
  return { type: target, convert: (v) => (v.length === 0 ? v : convert(from, to, v)) };
}

/** A value's text as Cassandra's types print it (the cast_as_text/ascii functions). */
function text(from: NativeTypeName, v: Buffer): string {
  switch (from) {
    case 'ascii': case 'text': return v.toString('utf8');
    case 'boolean': return v[0] ? 'true' : 'false';
    case 'float': return javaFloatToString(v.readFloatBE(0));
    case 'double': return javaDoubleToString(v.readDoubleBE(0));
    case 'decimal': return decimalToString(decodeDecimal(v));
    case 'timestamp': return formatTimestampIso(Number(v.readBigInt64BE(0)));
    case 'date': return daysToDateString(v.readUInt32BE(0) - DATE_EPOCH);
    case 'time': return formatTime(v.readBigInt64BE(0));
    case 'uuid': case 'timeuuid': return uuidToString(v);
    case 'inet': return inetToString(v);
    default: return String(readInteger(from, v));
  }
}


/** The exact integer a number stands for under Java's narrowing to `to` (wrapping is applied by writeInteger). */
function integerValue(from: NativeTypeName, to: NativeTypeName, v: Buffer): bigint {
  if (INTEGER_TYPES.has(from)) return readInteger(from, v);
  if (from === 'decimal') return decimalToBigInt(decodeDecimal(v));
  const d = toDouble(from, v);
  if (to === 'varint') return BigInt(Math.trunc(Number.isFinite(d) ? d : 0));
  // Double.longValue saturates at the long bounds; intValue, shortValue and byteValue at the int bounds.
  return to === 'bigint' ? doubleToLong(d) : doubleToInt(d);
}

function convert(from: NativeTypeName, to: NativeTypeName, v: Buffer): Buffer {
  switch (to) {
    case 'text': case 'ascii': return Buffer.from(text(from, v), 'utf8');
    case 'date': {
      const ms = from === 'timeuuid' ? timeuuidToMs(v) : Number(v.readBigInt64BE(0));
      const b = Buffer.alloc(4);
      b.writeUInt32BE((Math.floor(ms / 86400000) + DATE_EPOCH) >>> 0);
      return b;
    }
    case 'timestamp': {
      const ms = from === 'timeuuid' ? BigInt(timeuuidToMs(v)) : BigInt(v.readUInt32BE(0) - DATE_EPOCH) * 86400000n;
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(ms);
      return b;
    }
    case 'float': case 'double': {
      const d = from === 'varint' ? Number(varintToBigint(v)) : toDouble(from === 'timestamp' ? 'bigint' : from, v);
      return writeFloating(to, to === 'float' ? Math.fround(d) : d);
    }
    case 'decimal':
      if (from === 'float' || from === 'double') return writeDecimal(parseDecimal(javaDoubleToString(toDouble(from, v)))!);
      return writeDecimal({ unscaled: readInteger(from === 'timestamp' ? 'bigint' : from, v), scale: 0 });
    default:
      return writeInteger(to, integerValue(from === 'timestamp' ? 'bigint' : from, to, v));
  }
}

