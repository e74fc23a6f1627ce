// Converting a parsed constant (ast Literal) into the serialization of the type it is assigned to, with
// Cassandra's assignability rules (Constants.Literal.testAssignment) and the fromString messages of each type.
import { InvalidRequestError } from '../errors.ts';
import type { LiteralKind } from '../ast.ts';
import { typeToCql, type CqlType, type NativeTypeName } from '../types.ts';
import {
  bigintToVarint, DATE_EPOCH, encodeDecimal, encodeDuration, parseDateString, parseDecimal, parseInet, parseJavaIpv4,
  parseTimeString, NANOS_PER_DAY,
} from './codec.ts';
import { parseDuration } from './duration.ts';
import { parseTimestampString } from './timestamp.ts';
import { tryParseUuid } from './uuid.ts';

export {
  readCollection, readMap, readTuple, serializeCollection, serializeMap, serializeTuple, serializeUdt,
} from './collections.ts';

export interface LiteralLike {
  type: LiteralKind;
  text: string;
}

/** Cassandra's name for each literal kind in error messages (Constants.Type). */
const KIND_NAMES: Record<LiteralKind, string> = {
  string: 'STRING', integer: 'INTEGER', float: 'FLOAT', nan: 'FLOAT', infinity: 'FLOAT', boolean: 'BOOLEAN',
  uuid: 'UUID', blob: 'HEX', duration: 'DURATION',
};

/** Which native types each literal kind may be assigned to. */
const ASSIGNABLE: Record<string, ReadonlySet<NativeTypeName>> = {
  STRING: new Set(['ascii', 'text', 'inet', 'date', 'time', 'timestamp']),
  INTEGER: new Set(['bigint', 'counter', 'date', 'decimal', 'double', 'duration', 'float', 'int', 'smallint', 'time',
    'timestamp', 'tinyint', 'varint']),
  FLOAT: new Set(['decimal', 'double', 'float']),
  BOOLEAN: new Set(['boolean']),
  UUID: new Set(['uuid', 'timeuuid']),
  HEX: new Set(['blob']),
  DURATION: new Set(['duration']),
};

/** Whether a constant of this kind may be assigned to the type (Constants.Literal.testAssignment). */
export function literalAssignable(kind: LiteralKind, type: CqlType): boolean {
  return type.kind === 'native' && ASSIGNABLE[KIND_NAMES[kind]]!.has(type.name);
}

const INTEGER_RE = /^[-+]?\d+$/;
const FLOAT_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const NAN_INF_RE = /^[-+]?(NaN|Infinity)$/;

const marshal = (msg: string): never => {
  throw new InvalidRequestError(msg);
};

function fixed(bytes: number, write: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(bytes);
  write(b);
  return b;
}

function integerIn(text: string, min: bigint, max: bigint, what: string): bigint {
  if (!INTEGER_RE.test(text)) return marshal(`Unable to make ${what} from '${text}'`);
  const v = BigInt(text);
  if (v < min || v > max) return marshal(`Unable to make ${what} from '${text}'`);
  return v;
}

/** Java Float/Double.parseFloat semantics: decimal or NaN/Infinity with optional sign, overflow → ±Infinity. */
function parseJavaFloat(text: string, what: string): number {
  const t = text.trim();
  if (NAN_INF_RE.test(t)) return t.includes('NaN') ? NaN : t.startsWith('-') ? -Infinity : Infinity;
  if (!FLOAT_RE.test(t)) return marshal(`Unable to make ${what} from '${text}'`);
  return Number(t);
}

/** Cassandra's TimestampType.fromString: 'now', ms since the epoch, or one of the date-time formats. */
/** `nowMs` answers 'now' (the statement's time, from the injected clock); without it 'now' is refused. */
export function timestampFromString(text: string, nowMs?: number): Buffer {
  if (text === '') return Buffer.alloc(0);
  let ms: number;
  if (text.toLowerCase() === 'now') ms = nowMs ?? marshal(`Unable to coerce 'now' to a formatted date (long)`);
  else if (/^-?\d+$/.test(text)) {
    const v = BigInt(text);
    if (BigInt.asIntN(64, v) !== v) marshal(`Unable to make long (for date) from: '${text}'`);
    return fixed(8, (b) => b.writeBigInt64BE(v));
  } else {
    ms = parseTimestampString(text) ?? marshal(`Unable to parse a date/time from '${text}'`);
  }
  return fixed(8, (b) => b.writeBigInt64BE(BigInt(ms)));
}

/** SimpleDateType.fromString: `yyyy-mm-dd`, or a raw unsigned day number with the epoch at 2^31. */
export function dateFromString(text: string): Buffer {
  let raw: number;
  if (/^-?\d+$/.test(text)) {
    const v = BigInt(text);
    if (v < 0n || v > 0xffffffffn) marshal(`Unable to make unsigned int (for date) from: '${text}'`);
    raw = Number(v);
  } else {
    const days = parseDateString(text) ?? marshal(`Unable to coerce '${text}' to a formatted date (long)`);
    if (days < -DATE_EPOCH) marshal(`Input date ${text} is less than min supported date -5877641-06-23T00:00Z`);
    if (days >= DATE_EPOCH) marshal(`Input date ${text} is greater than max supported date 5881580-07-11T00:00Z`);
    raw = days + DATE_EPOCH;
  }
  return fixed(4, (b) => b.writeUInt32BE(raw));
}

/** TimeType.fromString: `hh:mm:ss[.fffffffff]` or raw nanoseconds since midnight. */
export function timeFromString(text: string): Buffer {
  let ns: bigint;
  if (/^-?\d+$/.test(text)) {
    ns = BigInt(text);
    if (ns < 0n || ns >= NANOS_PER_DAY) marshal(`Unable to make long (for time) from: '${text}'`);
  } else {
    ns = parseTimeString(text) ?? marshal(`(TimeType) Unable to coerce '${text}' to a formatted time (long)`);
  }
  return fixed(8, (b) => b.writeBigInt64BE(ns));
}

/** BytesType.fromString of the hex digits after 0x (an odd digit count is refused, as Hex.hexToBytes does). */
export function blobFromHex(hex: string): Buffer {
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) marshal(`cannot parse '${hex}' as hex bytes`);
  return Buffer.from(hex, 'hex');
}

function asciiFromString(text: string): Buffer {
  // eslint-disable-next-line no-control-regex
  const bad = /[^\x00-\x7f]/u.exec(text);
  // Java's CharsetEncoder reports the length of the unmappable sequence in UTF-16 units (2 for a surrogate pair).
  if (bad) marshal(`Invalid ASCII character in string literal: java.nio.charset.UnmappableCharacterException: Input length = ${bad[0].length}`);
  return Buffer.from(text, 'latin1');
}

/** InetAddress.getByName of a literal: Java's short IPv4 forms too, and IPv4-mapped IPv6 turned into the IPv4 address. */
function inetFromString(text: string): Buffer {
  const b = parseJavaIpv4(text.trim()) ?? parseInet(text) ?? marshal(`Unable to make inet address from '${text}'`);
  const mapped = b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b.readUInt16BE(10) === 0xffff;
  return mapped ? Buffer.from(b.subarray(12)) : b;
}

/** The serialization of `text` as AbstractType.fromString would produce it for a native type. */
export function nativeFromString(name: NativeTypeName, text: string): Buffer {
  switch (name) {
    case 'text':
      return Buffer.from(text, 'utf8');
    case 'ascii':
      return asciiFromString(text);
    case 'int': {
      const v = integerIn(text, -2147483648n, 2147483647n, 'int');
      return fixed(4, (b) => b.writeInt32BE(Number(v)));
    }
    case 'bigint':
    case 'counter': {
      const v = integerIn(text, -(1n << 63n), (1n << 63n) - 1n, 'long');
      return fixed(8, (b) => b.writeBigInt64BE(v));
    }
    case 'smallint': {
      const v = integerIn(text, -32768n, 32767n, 'short');
      return fixed(2, (b) => b.writeInt16BE(Number(v)));
    }
    case 'tinyint': {
      const v = integerIn(text, -128n, 127n, 'byte');
      return fixed(1, (b) => b.writeInt8(Number(v)));
    }
    case 'varint':
      if (!INTEGER_RE.test(text)) marshal(`unable to make int from '${text}'`);
      return bigintToVarint(BigInt(text));
    case 'decimal': {
      const d = parseDecimal(text) ?? marshal(`unable to make BigDecimal from '${text}'`);
      return encodeDecimal(d);
    }
    case 'float': {
      const v = parseJavaFloat(text, 'float');
      return fixed(4, (b) => b.writeFloatBE(v));
    }
    case 'double': {
      const v = parseJavaFloat(text, 'double');
      return fixed(8, (b) => b.writeDoubleBE(v));
    }
    case 'boolean': {
      const t = text.toLowerCase();
      if (t !== 'true' && t !== 'false') marshal(`Unable to make boolean from '${text}'`);
      return Buffer.from([t === 'true' ? 1 : 0]);
    }
    case 'timestamp':
      return timestampFromString(text);
    case 'date':
      return dateFromString(text);
    case 'time':
      return timeFromString(text);
    case 'uuid':
      return tryParseUuid(text) ?? marshal(`Unable to make UUID from '${text}'`);
    case 'timeuuid': {
      const u = tryParseUuid(text) ?? marshal(`Unknown timeuuid representation: ${text}`);
      if (u[6]! >> 4 !== 1) marshal('TimeUUID supports only version 1 UUIDs');
      return u;
    }
    case 'inet':
      if (text === '') return Buffer.alloc(0);
      return inetFromString(text);
    case 'duration':
      return encodeDuration(parseDuration(text));
    case 'blob':
      return blobFromHex(text.replace(/^0[xX]/, ''));
  }
}

/** LexicalUUIDType, which Cassandra validates as a UUID (16 bytes or none), whatever the column calls it. */
export function isLexicalUuidClass(className: string): boolean {
  return className === 'org.apache.cassandra.db.marshal.LexicalUUIDType';
}

/**
 * A literal for a LexicalUUIDType column: Cassandra parses any constant through the type's fromString, so a UUID
 * (written bare or quoted) is its 16 bytes and anything else "unable to make UUID from '…'". A hex constant of
 * another length than 16 or 0 bytes is refused as a bound value is (Cassandra fails it with a server error).
 */
function lexicalUuidLiteral(lit: LiteralLike): Buffer {
  if (lit.type === 'blob') {
    const b = blobFromHex(lit.text);
    if (b.length !== 16 && b.length !== 0) throw new InvalidRequestError(`UUID should be 16 or 0 bytes (${b.length})`);
    return b;
  }
  const uuid = tryParseUuid(lit.text);
  if (!uuid) throw new InvalidRequestError(`unable to make UUID from '${lit.text}'`);
  return uuid;
}

/**
 * The serialization of a literal assigned to a column of type `type`. `column` names the receiver in error
 * messages (`Invalid STRING constant (abc) for "col" of type int`).
 */
/** `nowMs` is the statement's time, for the timestamp literal 'now'. */
export function literalToBytes(lit: LiteralLike, type: CqlType, column = 'value', nowMs?: number): Buffer {
  const kind = KIND_NAMES[lit.type];
  const shown = lit.type === 'blob' ? `0x${lit.text}` : lit.text;
  if (type.kind === 'native' && type.custom !== undefined && isLexicalUuidClass(type.custom)) return lexicalUuidLiteral(lit);
  if (type.kind !== 'native' || !ASSIGNABLE[kind]!.has(type.name)) {
    throw new InvalidRequestError(`Invalid ${kind} constant (${shown}) for "${column}" of type ${typeToCql(type)}`);
  }
  if (lit.type === 'blob') return blobFromHex(lit.text);
  // Counters take their literal through LongType, like Cassandra.
  if (type.name === 'timestamp') return timestampFromString(lit.text, nowMs);
  return nativeFromString(type.name === 'counter' ? 'bigint' : type.name, lit.text);
}
