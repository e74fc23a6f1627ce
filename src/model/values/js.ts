// Conversion between JavaScript values and native-protocol serializations, for system tables, tools and tests.
//
// JS shapes: text/ascii/inet/uuid/timeuuid/decimal/date → string (decimal also from number|bigint, date also
// from a Date or a number of days since 1970-01-01), int/smallint/tinyint/float/double → number,
// bigint/counter/varint → bigint (also from integral numbers), time → bigint ns (also from number or
// 'hh:mm:ss.fff'), timestamp → Date (also from ms number), duration → {months, days, nanoseconds} (also from
// '1h30m'), list/set/tuple → arrays (list/set also from Sets), map → Map (also from plain objects), udt → object.
// decodeJs returns sets as arrays in Cassandra's element order, and null for empty values of non-string types.
import { readVector, serializeVector } from './vector.ts';
import { InvalidRequestError } from '../errors.ts';
import type { CqlType } from '../types.ts';
import {
  bigintToVarint, DATE_EPOCH, daysToDateString, decimalFromNumber, decimalToString, decodeDecimal,
  decodeDuration, encodeDecimal, encodeDuration, inetToString, parseDateString, parseDecimal, parseInet,
  parseTimeString, varintToBigint, type Decimal,
} from './codec.ts';
import { readCollection, readMap, readTuple, serializeCollection, serializeMap, serializeTuple } from './collections.ts';
import { sortUnique } from './compare.ts';
import { parseDuration } from './duration.ts';
import { parseUuid, uuidToString } from './uuid.ts';

export type JsValue =
  | null
  | string
  | number
  | bigint
  | boolean
  | Buffer
  | Date
  | JsValue[]
  | Set<JsValue>
  | Map<JsValue, JsValue>
  | { [k: string]: JsValue };

function bad(type: CqlType, value: unknown): never {
  const shown = typeof value === 'bigint' ? `${value}n` : value instanceof Buffer ? `0x${value.toString('hex')}` : String(value);
  throw new InvalidRequestError(`Cannot encode JS value ${shown} (${typeof value}) as ${describe(type)}`);
}

const describe = (t: CqlType): string => (t.kind === 'native' ? t.name : t.kind);

function toBigInt(type: CqlType, v: JsValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return bad(type, v);
}

function fixedInt(type: CqlType, v: JsValue, bytes: 1 | 2 | 4): Buffer {
  if (typeof v !== 'number' || !Number.isInteger(v)) return bad(type, v);
  const limit = 2 ** (bytes * 8 - 1);
  if (v < -limit || v >= limit) return bad(type, v);
  const b = Buffer.alloc(bytes);
  b.writeIntBE(v, 0, bytes);
  return b;
}

function long(type: CqlType, v: JsValue): Buffer {
  const n = toBigInt(type, v);
  if (BigInt.asIntN(64, n) !== n) bad(type, v);
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
}

function isPlainObject(v: unknown): v is { [k: string]: JsValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Buffer) && !(v instanceof Date) &&
    !(v instanceof Set) && !(v instanceof Map);
}

function encodeNative(type: Extract<CqlType, { kind: 'native' }>, v: JsValue): Buffer {
  switch (type.name) {
    case 'text':
      if (typeof v !== 'string') bad(type, v);
      return Buffer.from(v, 'utf8');
    case 'ascii':
      // eslint-disable-next-line no-control-regex
      if (typeof v !== 'string' || !/^[\x00-\x7f]*$/.test(v)) bad(type, v);
      return Buffer.from(v, 'latin1');
    case 'blob':
      if (!(v instanceof Buffer)) bad(type, v);
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') bad(type, v);
      return Buffer.from([v ? 1 : 0]);
    case 'tinyint':
      return fixedInt(type, v, 1);
    case 'smallint':
      return fixedInt(type, v, 2);
    case 'int':
      return fixedInt(type, v, 4);
    case 'bigint':
    case 'counter':
      return long(type, v);
    case 'varint':
      return bigintToVarint(toBigInt(type, v));
    case 'float': {
      if (typeof v !== 'number') bad(type, v);
      const b = Buffer.alloc(4);
      b.writeFloatBE(v);
      return b;
    }
    case 'double': {
      if (typeof v !== 'number') bad(type, v);
      const b = Buffer.alloc(8);
      b.writeDoubleBE(v);
      return b;
    }
    case 'decimal': {
      let d: Decimal | undefined;
      if (typeof v === 'string') d = parseDecimal(v);
      else if (typeof v === 'bigint') d = { unscaled: v, scale: 0 };
      else if (typeof v === 'number' && Number.isFinite(v)) d = decimalFromNumber(v);
      return encodeDecimal(d ?? bad(type, v));
    }
    case 'timestamp': {
      const ms = v instanceof Date ? v.getTime() : typeof v === 'number' || typeof v === 'bigint' ? Number(v) : NaN;
      if (!Number.isInteger(ms)) bad(type, v);
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(BigInt(ms));
      return b;
    }
    case 'date': {
      let days: number | undefined;
      if (typeof v === 'string') days = parseDateString(v);
      else if (typeof v === 'number' && Number.isInteger(v)) days = v;
      else if (v instanceof Date && Number.isFinite(v.getTime())) days = Math.floor(v.getTime() / 86400000);
      if (days === undefined || days < -DATE_EPOCH || days >= DATE_EPOCH) bad(type, v);
      const b = Buffer.alloc(4);
      b.writeUInt32BE(days + DATE_EPOCH);
      return b;
    }
    case 'time': {
      const ns = typeof v === 'string' ? parseTimeString(v) : typeof v === 'bigint' || (typeof v === 'number' &&
        Number.isInteger(v)) ? BigInt(v) : undefined;
      if (ns === undefined || ns < 0n || ns >= 86400000000000n) return bad(type, v);
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(ns);
      return b;
    }
    case 'uuid':
    case 'timeuuid': {
      if (typeof v !== 'string') bad(type, v);
      const b = parseUuid(v);
      if (type.name === 'timeuuid' && b[6]! >> 4 !== 1) bad(type, v);
      return b;
    }
    case 'inet': {
      const b = typeof v === 'string' ? parseInet(v) : undefined;
      return b ?? bad(type, v);
    }
    case 'duration': {
      if (typeof v === 'string') return encodeDuration(parseDuration(v));
      if (isPlainObject(v) && typeof v.months === 'number' && typeof v.days === 'number' &&
        (typeof v.nanoseconds === 'bigint' || typeof v.nanoseconds === 'number')) {
        return encodeDuration({ months: v.months, days: v.days, nanoseconds: BigInt(v.nanoseconds) });
      }
      return bad(type, v);
    }
  }
}

function elementsOf(type: CqlType, v: JsValue): JsValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Set) return [...v];
  return bad(type, v);
}

function nonNull(type: CqlType, v: JsValue): Buffer {
  const b = encodeJs(type, v);
  if (b === null) throw new InvalidRequestError('null is not supported inside collections');
  return b;
}

export function encodeJs(type: CqlType, value: JsValue): Buffer | null {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'native':
      return encodeNative(type, value);
    case 'list':
      return serializeCollection(elementsOf(type, value).map((e) => nonNull(type.element, e)));
    case 'set': {
      const elems = elementsOf(type, value).map((e) => nonNull(type.element, e));
      return serializeCollection(sortUnique(type.element, elems, (b) => b));
    }
    case 'map': {
      let pairs: Array<[JsValue, JsValue]>;
      if (value instanceof Map) pairs = [...value.entries()];
      else if (isPlainObject(value)) pairs = Object.entries(value).map(([k, v]) => [objectKey(type.key, k), v]);
      else return bad(type, value);
      const entries = pairs.map(([k, v]): [Buffer, Buffer] => [nonNull(type.key, k), nonNull(type.value, v)]);
      return serializeMap(sortUnique(type.key, entries, (e) => e[0]));
    }
    case 'vector': {
      if (!Array.isArray(value) || value.length !== type.dimension) return bad(type, value);
      return serializeVector(type, value.map((e) => nonNull(type.element, e)));
    }
    case 'tuple': {
      if (!Array.isArray(value) || value.length > type.elements.length) return bad(type, value);
      return serializeTuple(type.elements.map((t, i) => encodeJs(t, value[i] ?? null)));
    }
    case 'udt': {
      if (!isPlainObject(value)) return bad(type, value);
      for (const k of Object.keys(value)) {
        if (!type.fieldNames.includes(k)) throw new InvalidRequestError(`Unknown field '${k}' in value of user defined type ${type.name}`);
      }
      return serializeTuple(type.fieldTypes.map((t, i) => encodeJs(t, value[type.fieldNames[i]!] ?? null)));
    }
  }
}

/** Plain-object keys are strings; turn them into what the key type's encoder expects. */
function objectKey(keyType: CqlType, k: string): JsValue {
  if (keyType.kind !== 'native') return k;
  switch (keyType.name) {
    case 'int':
    case 'smallint':
    case 'tinyint':
    case 'float':
    case 'double':
      return Number(k);
    case 'bigint':
    case 'counter':
    case 'varint':
      return /^-?\d+$/.test(k) ? BigInt(k) : k;
    case 'boolean':
      return k === 'true';
    case 'timestamp':
      return /^-?\d+$/.test(k) ? Number(k) : new Date(k);
    case 'blob':
      return Buffer.from(k.replace(/^0x/, ''), 'hex');
    default:
      return k;
  }
}

function decodeNative(type: Extract<CqlType, { kind: 'native' }>, b: Buffer): JsValue {
  switch (type.name) {
    case 'text':
      return b.toString('utf8');
    case 'ascii':
      return b.toString('latin1');
    case 'blob':
      return Buffer.from(b);
    default:
      break;
  }
  if (b.length === 0) return null;
  switch (type.name) {
    case 'boolean':
      return b[0] !== 0;
    case 'tinyint':
      return b.readInt8(0);
    case 'smallint':
      return b.readInt16BE(0);
    case 'int':
      return b.readInt32BE(0);
    case 'bigint':
    case 'counter':
      return b.readBigInt64BE(0);
    case 'varint':
      return varintToBigint(b);
    case 'float':
      return b.readFloatBE(0);
    case 'double':
      return b.readDoubleBE(0);
    case 'decimal':
      return decimalToString(decodeDecimal(b));
    case 'timestamp':
      return new Date(Number(b.readBigInt64BE(0)));
    case 'date':
      return daysToDateString(b.readUInt32BE(0) - DATE_EPOCH);
    case 'time':
      return b.readBigInt64BE(0);
    case 'uuid':
    case 'timeuuid':
      return uuidToString(b);
    case 'inet':
      return inetToString(b);
    case 'duration': {
      const d = decodeDuration(b);
      if (!d) throw new InvalidRequestError('Invalid duration value');
      return { months: d.months, days: d.days, nanoseconds: d.nanoseconds };
    }
  }
  return null;
}

export function decodeJs(type: CqlType, buf: Buffer | null): JsValue {
  if (buf === null) return null;
  switch (type.kind) {
    case 'native':
      return decodeNative(type, buf);
    case 'list':
    case 'set':
      if (buf.length === 0) return null;
      return readCollection(buf, type.kind).map((e) => decodeJs(type.element, e));
    case 'map': {
      if (buf.length === 0) return null;
      const out = new Map<JsValue, JsValue>();
      for (const [k, v] of readMap(buf)) out.set(decodeJs(type.key, k), decodeJs(type.value, v));
      return out;
    }
    case 'tuple':
      if (buf.length === 0) return null;
      return readTuple(buf, type.elements.length).map((p, i) => decodeJs(type.elements[i]!, p));
    case 'udt': {
      if (buf.length === 0) return null;
      const parts = readTuple(buf, type.fieldTypes.length, 'UDT');
      const out: { [k: string]: JsValue } = {};
      type.fieldNames.forEach((n, i) => {
        out[n] = decodeJs(type.fieldTypes[i]!, parts[i]!);
      });
      return out;
    }
    case 'vector':
      return readVector(type, buf).map((e) => decodeJs(type.element, e));
  }
}
