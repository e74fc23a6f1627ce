// Cassandra's JSON forms of values (AbstractType.toJSONString / fromJSONObject): what SELECT JSON and toJson() print
// and what INSERT JSON and fromJson() accept, type by type, with the messages Cassandra fails with. Numbers are
// JSON numbers (NaN and infinities become null), blobs "0x…", timestamps "yyyy-MM-dd HH:mm:ss.SSSZ" in UTC, inets
// Java's getHostAddress, map keys of non-text types the JSON of the key inside a JSON string, UDT field names
// quoted as CQL quotes them. Collections, tuples and UDTs given as a JSON string are decoded from it.
import { InvalidRequestError } from '../errors.ts';
import { quoteIdentIfNeeded, type CqlType } from '../types.ts';
import {
  bigintToVarint, civilFromDays, DATE_EPOCH, decimalToString, decodeDecimal, decodeDuration, encodeDecimal,
  formatTime, inetToString, parseDecimal, varintToBigint,
} from './codec.ts';
import { readCollection, readMap, readTuple, serializeCollection, serializeMap, serializeTuple } from './collections.ts';
import { compareValues } from './compare.ts';
import { durationToString } from './duration.ts';
import { javaDoubleToString, javaFloatToString } from './java-text.ts';
import { decodeJson, JsonDecodeError, type JsonNode } from './json-parse.ts';
import { nativeFromString } from './literals.ts';
import { uuidToString } from './uuid.ts';
import { readVector, serializeVector } from './vector.ts';

// ---- output ---------------------------------------------------------------------------------------------------

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Jackson's JsonStringEncoder.quoteAsString: the body of a JSON string, without the quotes. */
export function quoteJsonString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/["\\\x00-\x1f]/g, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

const quoted = (s: string): string => `"${quoteJsonString(s)}"`;

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** java.time's rendering of a year: four digits at least, a sign when negative or beyond 9999. */
function isoYear(y: number): string {
  if (y > 9999) return `+${y}`;
  return y < 0 ? `-${pad(-y, 4)}` : pad(y, 4);
}

/** `yyyy-MM-dd HH:mm:ss.SSSX` in UTC; `yyyy` is the year of era, so 1 BC prints as 0001. */
function timestampJson(ms: number): string {
  const days = Math.floor(ms / 86400000);
  const rest = ms - days * 86400000;
  const [y, mo, d] = civilFromDays(days);
  const yoe = y > 0 ? y : 1 - y;
  const time = `${pad(Math.floor(rest / 3600000), 2)}:${pad(Math.floor(rest / 60000) % 60, 2)}:${pad(Math.floor(rest / 1000) % 60, 2)}`;
  return `${yoe > 9999 ? `+${yoe}` : pad(yoe, 4)}-${pad(mo, 2)}-${pad(d, 2)} ${time}.${pad(rest % 1000, 3)}Z`;
}

function nativeJson(name: Extract<CqlType, { kind: 'native' }>['name'], buf: Buffer): string {
  switch (name) {
    case 'ascii': return quoted(buf.toString('latin1'));
    case 'text': return quoted(buf.toString('utf8'));
    case 'blob': return `"0x${buf.toString('hex')}"`;
    default: break;
  }
  if (buf.length === 0) return '""';
  switch (name) {
    case 'boolean': return buf[0] ? 'true' : 'false';
    case 'tinyint': return String(buf.readInt8(0));
    case 'smallint': return String(buf.readInt16BE(0));
    case 'int': return String(buf.readInt32BE(0));
    case 'bigint': case 'counter': return String(buf.readBigInt64BE(0));
    case 'varint': return String(varintToBigint(buf));
    case 'decimal': return decimalToString(decodeDecimal(buf));
    case 'float': { const v = buf.readFloatBE(0); return Number.isFinite(v) ? javaFloatToString(v) : 'null'; }
    case 'double': { const v = buf.readDoubleBE(0); return Number.isFinite(v) ? javaDoubleToString(v) : 'null'; }
    case 'timestamp': return `"${timestampJson(Number(buf.readBigInt64BE(0)))}"`;
    case 'date': {
      const [y, m, d] = civilFromDays(buf.readUInt32BE(0) - DATE_EPOCH);
      return `"${isoYear(y)}-${pad(m, 2)}-${pad(d, 2)}"`;
    }
    case 'time': return `"${formatTime(buf.readBigInt64BE(0))}"`;
    case 'uuid': case 'timeuuid': return `"${uuidToString(buf)}"`;
    case 'inet': return `"${inetToString(buf)}"`;
    case 'duration': {
      const d = decodeDuration(buf);
      return d ? quoted(durationToString(d)) : '""';
    }
  }
}

/** The JSON text of a value, as SELECT JSON prints it (null → `null`, an empty non-text value → `""`). */
export function toJson(type: CqlType, buf: Buffer | null): string {
  if (buf === null) return 'null';
  switch (type.kind) {
    case 'native':
      return nativeJson(type.name, buf);
    case 'list':
    case 'set':
      return `[${readCollection(buf, type.kind).map((e) => toJson(type.element, e)).join(', ')}]`;
    case 'map':
      return `{${readMap(buf).map(([k, v]) => {
        const key = toJson(type.key, k);
        return `${key.startsWith('"') ? key : quoted(key)}: ${toJson(type.value, v)}`;
      }).join(', ')}}`;
    case 'tuple':
      return `[${readTuple(buf, type.elements.length).map((p, i) => toJson(type.elements[i]!, p)).join(', ')}]`;
    case 'udt': {
      const parts = readTuple(buf, type.fieldTypes.length, 'UDT');
      return `{${type.fieldNames.map((f, i) => `${quoted(quoteIdentIfNeeded(f))}: ${toJson(type.fieldTypes[i]!, parts[i]!)}`).join(', ')}}`;
    }
    case 'vector':
      return `[${readVector(type, buf).map((e) => toJson(type.element, e)).join(', ')}]`;
  }
}

/** toJson(x): like SELECT JSON, except that an empty value of a non-text type is `null` (the function sees null). */
export function toJsonFunction(type: CqlType, buf: Buffer | null): string {
  if (buf !== null && buf.length === 0 && !(type.kind === 'native' && (type.name === 'text' || type.name === 'ascii' || type.name === 'blob'))) {
    return 'null';
  }
  return toJson(type, buf);
}

// ---- input ----------------------------------------------------------------------------------------------------

/** A value Cassandra's JSON decoding refuses with a MarshalException (reported as "Error decoding JSON value for …"). */
export class JsonValueError extends Error {}

const JAVA_CLASS: Record<JsonNode['kind'], string> = {
  null: 'null', boolean: 'Boolean', string: 'String', number: '', array: 'ArrayList', object: 'LinkedHashMap',
};
const javaClass = (n: JsonNode): string => (n.kind === 'number' ? n.javaClass : JAVA_CLASS[n.kind]);
const QUALIFIED: Record<string, string> = {
  Integer: 'java.lang.Integer', Long: 'java.lang.Long', BigInteger: 'java.math.BigInteger', Double: 'java.lang.Double',
  Boolean: 'java.lang.Boolean', ArrayList: 'java.util.ArrayList', LinkedHashMap: 'java.util.LinkedHashMap',
};

/** Java's toString of the decoded value (`[1, a]`, `{a=1}`, `100.0`), which Cassandra quotes in its messages. */
export function javaString(n: JsonNode): string {
  switch (n.kind) {
    case 'null': return 'null';
    case 'boolean': return String(n.value);
    case 'string': return n.value;
    case 'number': return n.javaClass === 'Double' ? javaDoubleToString(n.value as number) : String(n.value);
    case 'array': return `[${n.items.map(javaString).join(', ')}]`;
    case 'object': return `{${[...n.entries].map(([k, v]) => `${k}=${javaString(v)}`).join(', ')}}`;
  }
}

const fail = (msg: string): never => {
  throw new JsonValueError(msg);
};
const expected = (what: string, n: JsonNode): never => fail(`Expected ${what}, but got a ${javaClass(n)}: ${javaString(n)}`);

/** fromString, with its InvalidRequestError turned into the MarshalException Cassandra reports under the column name. */
function fromString(name: Parameters<typeof nativeFromString>[0], text: string): Buffer {
  try {
    return nativeFromString(name, text);
  } catch (e) {
    if (e instanceof InvalidRequestError) throw new JsonValueError(e.message);
    throw e;
  }
}

const isInt = (n: JsonNode): n is Extract<JsonNode, { kind: 'number' }> => n.kind === 'number' && n.javaClass !== 'Double';
const fixed = (bytes: number, write: (b: Buffer) => void): Buffer => {
  const b = Buffer.alloc(bytes);
  write(b);
  return b;
};

function integerJson(name: 'int' | 'bigint' | 'counter', n: JsonNode): Buffer {
  if (n.kind === 'string') return n.value === '' ? Buffer.alloc(0) : fromString(name === 'int' ? 'int' : 'bigint', n.value);
  const ok = isInt(n) && (name === 'int' ? n.javaClass === 'Integer' : n.javaClass !== 'BigInteger');
  if (!ok) return expected(name === 'int' ? 'an int value' : 'a bigint value', n);
  const v = n.value as bigint;
  return name === 'int' ? fixed(4, (b) => b.writeInt32BE(Number(v))) : fixed(8, (b) => b.writeBigInt64BE(v));
}

/** smallint and tinyint parse the text of any number or string (ShortType/ByteType.fromJSONObject). */
function smallJson(name: 'smallint' | 'tinyint', n: JsonNode): Buffer {
  if (n.kind === 'string' || n.kind === 'number') {
    const text = javaString(n);
    // ShortType reads '' as the empty value; ByteType fails on it (with an internal error, in Cassandra 5.0).
    if (text === '') return name === 'smallint' ? Buffer.alloc(0) : fail("Unable to make byte from ''");
    return fromString(name, text);
  }
  return expected(name === 'smallint' ? 'a short value' : 'a byte value', n);
}

function floatingJson(name: 'float' | 'double', n: JsonNode): Buffer {
  if (n.kind === 'string') return n.value === '' ? Buffer.alloc(0) : fromString(name, n.value);
  if (n.kind !== 'number') return expected(name === 'float' ? 'a float value' : 'a double value', n);
  const v = Number(n.value);
  return name === 'float' ? fixed(4, (b) => b.writeFloatBE(v)) : fixed(8, (b) => b.writeDoubleBE(v));
}

function bigNumberJson(name: 'varint' | 'decimal', n: JsonNode): Buffer {
  const invalid = (): never => fail(`Value '${javaString(n)}' is not a valid representation of a ${name} value`);
  if (name === 'varint') {
    if (isInt(n)) return bigintToVarint(n.value as bigint);
    if (n.kind !== 'string' || !/^[-+]?\d+$/.test(n.value)) return invalid();
    return bigintToVarint(BigInt(n.value));
  }
  if (n.kind === 'string' && n.value === '') return Buffer.alloc(0);
  if (n.kind !== 'string' && n.kind !== 'number') return invalid();
  const d = parseDecimal(javaString(n).replace(/^\+/, ''));
  return d ? encodeDecimal(d) : invalid();
}

function blobJson(n: JsonNode): Buffer {
  const shown = javaString(n);
  const invalid = (why: string): never => fail(`Value '${shown}' is not a valid blob representation: ${why}`);
  if (n.kind !== 'string') {
    const cls = QUALIFIED[javaClass(n)]!;
    const module = cls.startsWith('java.') ? 'java.base' : '';
    return invalid(`class ${cls} cannot be cast to class java.lang.String (${cls} and java.lang.String are in module ${module} of loader 'bootstrap')`);
  }
  if (!n.value.startsWith('0x')) return invalid(`String representation of blob is missing 0x prefix: ${n.value}`);
  const hex = n.value.slice(2);
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2 !== 0) return invalid(`cannot parse '${hex}' as hex bytes`);
  return Buffer.from(hex, 'hex');
}

/** Types whose JSON is a string parsed by the type's fromString: what a non-string is called in the message. */
const STRING_TYPES: Partial<Record<string, string>> = {
  ascii: 'an ascii string', text: 'a UTF-8 string', date: 'a string representation of a date value',
  time: 'a string representation of a time value', uuid: 'a string representation of a uuid',
  timeuuid: 'a string representation of a timeuuid', inet: 'a string representation of an inet value',
  duration: 'a string representation of a duration',
};

function nativeFromJson(name: Extract<CqlType, { kind: 'native' }>['name'], n: JsonNode): Buffer {
  switch (name) {
    case 'int': case 'bigint': case 'counter': return integerJson(name, n);
    case 'smallint': case 'tinyint': return smallJson(name, n);
    case 'float': case 'double': return floatingJson(name, n);
    case 'varint': case 'decimal': return bigNumberJson(name, n);
    case 'blob': return blobJson(n);
    case 'boolean':
      if (n.kind === 'boolean') return Buffer.from([n.value ? 1 : 0]);
      if (n.kind !== 'string') return expected('a boolean value', n);
      // BooleanType.fromString reads '' as false.
      return fromString('boolean', n.value === '' ? 'false' : n.value);
    case 'timestamp':
      // Only a Long is taken as milliseconds: a number small enough to be an Integer is refused, as in Cassandra.
      if (n.kind === 'number' && n.javaClass === 'Long') return fixed(8, (b) => b.writeBigInt64BE(n.value as bigint));
      if (n.kind !== 'string') return expected('a long or a datestring representation of a timestamp value', n);
      if (n.value === '') return Buffer.alloc(0);
      return fromString('timestamp', n.value);
    default: {
      if (n.kind !== 'string') return expected(STRING_TYPES[name]!, n);
      const emptyOk = name === 'uuid' || name === 'timeuuid' || name === 'inet' || name === 'duration' || name === 'text' || name === 'ascii';
      if (n.value === '' && emptyOk) return Buffer.alloc(0);
      // Duration.from throws Cassandra's InvalidRequestException itself: it reaches the client unwrapped.
      return name === 'duration' ? nativeFromString(name, n.value) : fromString(name, n.value);
    }
  }
}

/** A collection, tuple or UDT may come as a JSON string holding its JSON (Json.decodeJson of the string). */
function structured(n: JsonNode): JsonNode {
  if (n.kind !== 'string') return n;
  try {
    return decodeJson(n.value);
  } catch (e) {
    if (e instanceof JsonDecodeError) throw new JsonValueError(`Error decoding JSON string: ${e.message}`);
    throw e;
  }
}

function sortedUnique(type: CqlType, values: Buffer[]): Buffer[] {
  const sorted = [...values].sort((a, b) => compareValues(type, a, b));
  return sorted.filter((v, i) => i === 0 || compareValues(type, sorted[i - 1]!, v) !== 0);
}

/** A UDT field named in JSON: lower-cased unless written in double quotes, as a CQL identifier. */
function fieldName(key: string): string {
  return key.length >= 2 && key.startsWith('"') && key.endsWith('"') ? key.slice(1, -1).replace(/""/g, '"') : key.toLowerCase();
}

function collectionFromJson(type: Extract<CqlType, { kind: 'list' | 'set' }>, n: JsonNode): Buffer | null {
  const node = structured(n);
  if (node.kind !== 'array') return expected(type.kind === 'list' ? 'a list' : 'a list (representing a set)', node);
  const items = node.items.map((e) => {
    if (e.kind === 'null') return fail(`Invalid null element in ${type.kind}`);
    return fromJson(type.element, e)!;
  });
  // An empty non-frozen collection is no collection at all: Cassandra writes it as null.
  if (items.length === 0 && !type.frozen) return null;
  return serializeCollection(type.kind === 'set' ? sortedUnique(type.element, items) : items);
}

function vectorFromJson(type: Extract<CqlType, { kind: 'vector' }>, n: JsonNode): Buffer {
  const node = structured(n);
  if (node.kind !== 'array') return expected('a list', node);
  if (node.items.length !== type.dimension) fail(`Expected ${type.dimension} elements, but given ${node.items.length}`);
  return serializeVector(type, node.items.map((e) => {
    if (e.kind === 'null') return fail('Invalid null element in vector');
    return fromJson(type.element, e)!;
  }));
}

function mapFromJson(type: Extract<CqlType, { kind: 'map' }>, n: JsonNode): Buffer | null {
  const node = structured(n);
  if (node.kind !== 'object') return expected('a map', node);
  const pairs: Array<[Buffer, Buffer]> = [];
  for (const [k, v] of node.entries) {
    const key = fromJson(type.key, { kind: 'string', value: k })!;
    if (v.kind === 'null') fail('Invalid null value in map');
    const value = fromJson(type.value, v)!;
    const at = pairs.findIndex((p) => compareValues(type.key, p[0], key) === 0);
    if (at >= 0) pairs[at] = [key, value];
    else pairs.push([key, value]);
  }
  if (pairs.length === 0 && !type.frozen) return null;
  pairs.sort((a, b) => compareValues(type.key, a[0], b[0]));
  return serializeMap(pairs);
}

function tupleFromJson(type: Extract<CqlType, { kind: 'tuple' }>, n: JsonNode): Buffer {
  const node = structured(n);
  if (node.kind !== 'array') return expected('a list representation of a tuple', node);
  const want = type.elements.length;
  if (node.items.length > want) fail(`Tuple contains extra items (expected ${want}): ${javaString(node)}`);
  if (node.items.length < want) fail(`Tuple is missing items (expected ${want}): ${javaString(node)}`);
  return serializeTuple(node.items.map((e, i) => fromJson(type.elements[i]!, e)));
}

function udtFromJson(type: Extract<CqlType, { kind: 'udt' }>, n: JsonNode): Buffer {
  const node = structured(n);
  if (node.kind !== 'object') return expected('a map', node);
  const parts: Array<Buffer | null> = type.fieldNames.map(() => null);
  for (const [k, v] of node.entries) {
    const i = type.fieldNames.indexOf(fieldName(k));
    if (i < 0) fail(`Unknown field '${fieldName(k)}' in value of user defined type ${type.name}`);
    parts[i] = fromJson(type.fieldTypes[i]!, v);
  }
  return serializeTuple(parts);
}

/**
 * The serialization of a decoded JSON value for `type`; null for JSON null (and for an empty non-frozen
 * collection). Throws JsonValueError for what Cassandra reports as "Error decoding JSON value for <column>: …".
 */
export function fromJson(type: CqlType, n: JsonNode): Buffer | null {
  if (n.kind === 'null') return null;
  switch (type.kind) {
    case 'native': return nativeFromJson(type.name, n);
    case 'list': case 'set': return collectionFromJson(type, n);
    case 'map': return mapFromJson(type, n);
    case 'tuple': return tupleFromJson(type, n);
    case 'udt': return udtFromJson(type, n);
    case 'vector': return vectorFromJson(type, n);
  }
}

export { decodeJson, decodeJsonObject, JsonDecodeError, type JsonNode } from './json-parse.ts';
