// Text forms of values: formatValue imitates cqlsh's display (cqlshlib/formatting.py with default settings);
// formatLiteral produces CQL that parses back to the same value (DESCRIBE, COPY, tools).
import { readVector } from './vector.ts';
import type { CqlType } from '../types.ts';
import { quoteIdentIfNeeded } from '../types.ts';
import {
  civilFromDays, DATE_EPOCH, daysToDateString, decimalToString, decodeDecimal, decodeDuration, formatTime,
  inetToCompactString, varintToBigint,
} from './codec.ts';
import { readCollection, readMap, readTuple } from './collections.ts';
import { durationToString } from './duration.ts';
import { formatTimestampCqlsh, formatTimestampIso } from './timestamp.ts';
import { uuidToString } from './uuid.ts';

/** cqlsh's default display precisions (--float-precision / --double-precision). */
export const CQLSH_FLOAT_PRECISION = 5;
export const CQLSH_DOUBLE_PRECISION = 12;

/** Python's `'%.*g' % (p, v)` for finite v. */
function pythonG(v: number, p: number): string {
  if (p <= 0) p = 1;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Number(v.toExponential(p - 1).split('e')[1]);
  if (exp >= -4 && exp < p) {
    const s = v.toFixed(Math.max(0, p - 1 - exp));
    return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
  }
  const [mant, e] = v.toExponential(p - 1).split('e') as [string, string];
  const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
  const en = Number(e);
  return `${m}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
}

/** cqlsh's format_floating_point_type. */
export function formatFloatCqlsh(v: number, precision: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(v);
  // Python's int() truncates towards zero, so 0.05 counts as exponent -1 here; keep that quirk.
  const exponent = abs > Number.EPSILON ? Math.trunc(Math.log10(abs)) : -Infinity;
  const p = exponent >= -4 && exponent < precision ? precision + exponent + 1 : precision;
  return pythonG(v, p);
}

const CONTROL_RE = /[\x00-\x1f\x7f-\xa0]/g;
const PY_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** cqlsh's format_value_text: backslashes doubled, control characters shown as Python escapes. */
function formatText(s: string, quote: boolean): string {
  let out = s.replace(/\\/g, '\\\\');
  if (quote) out = out.replace(/'/g, "''");
  out = out.replace(CONTROL_RE, (c) => PY_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return quote ? `'${out}'` : out;
}

/** Python driver's util.Date str: ISO date inside datetime's year range, else the day count. */
function formatDateCqlsh(raw: number): string {
  const days = raw - DATE_EPOCH;
  const [y] = civilFromDays(days);
  return y >= 1 && y <= 9999 ? daysToDateString(days) : String(days);
}

function formatNested(type: CqlType, buf: Buffer | null, quote: boolean): string {
  if (buf === null) return 'null';
  switch (type.kind) {
    case 'native': {
      const n = type.name;
      if (n === 'text' || n === 'ascii') return formatText(buf.toString(n === 'text' ? 'utf8' : 'latin1'), quote);
      if (n === 'blob') return '0x' + buf.toString('hex');
      if (buf.length === 0) return '';
      switch (n) {
        case 'boolean':
          return buf[0] ? 'True' : 'False';
        case 'tinyint':
        case 'smallint':
        case 'int':
        case 'bigint':
        case 'counter':
        case 'varint':
          return formatInteger(n, buf);
        case 'float':
          return formatFloatCqlsh(buf.readFloatBE(0), CQLSH_FLOAT_PRECISION);
        case 'double':
          return formatFloatCqlsh(buf.readDoubleBE(0), CQLSH_DOUBLE_PRECISION);
        case 'decimal':
          return decimalToString(decodeDecimal(buf));
        case 'timestamp': {
          const ms = Number(buf.readBigInt64BE(0));
          const [y] = civilFromDays(Math.floor(ms / 86400000));
          // Outside Python datetime's range cqlsh falls back to milliseconds since the epoch.
          const s = y >= 1 && y <= 9999 ? formatTimestampCqlsh(ms) : String(ms);
          return quote ? `'${s}'` : s;
        }
        case 'date':
          return formatDateCqlsh(buf.readUInt32BE(0));
        case 'time':
          return formatTime(buf.readBigInt64BE(0));
        case 'uuid':
        case 'timeuuid':
          return uuidToString(buf);
        case 'inet': {
          const s = inetToCompactString(buf);
          return quote ? `'${s}'` : s;
        }
        case 'duration': {
          const d = decodeDuration(buf);
          return d ? durationToString(d) : '0x' + buf.toString('hex');
        }
      }
      return '0x' + buf.toString('hex');
    }
    case 'list':
    case 'set': {
      const [l, r] = type.kind === 'list' ? ['[', ']'] : ['{', '}'];
      return l + readCollection(buf, type.kind).map((e) => formatNested(type.element, e, true)).join(', ') + r;
    }
    case 'map':
      return '{' + readMap(buf).map(([k, v]) => `${formatNested(type.key, k, true)}: ${formatNested(type.value, v, true)}`)
        .join(', ') + '}';
    case 'tuple':
      return '(' + readTuple(buf, type.elements.length).map((p, i) => formatNested(type.elements[i]!, p, true))
        .join(', ') + ')';
    case 'udt': {
      const parts = readTuple(buf, type.fieldTypes.length, 'UDT');
      return '{' + type.fieldNames.map((f, i) => `${formatText(f, false)}: ${formatNested(type.fieldTypes[i]!, parts[i]!, true)}`)
        .join(', ') + '}';
    }
    case 'vector':
      return '[' + readVector(type, buf).map((e) => formatNested(type.element, e, true)).join(', ') + ']';
  }
}

/** A value as cqlsh displays it in query results (null → `null`, empty non-string values → ``). */
export function formatValue(type: CqlType, buf: Buffer | null): string {
  return formatNested(type, buf, false);
}

const quoteString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Shortest decimal text that reads back as the same float32. */
function shortestFloat32(v: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

function floatLiteral(v: number, single: boolean): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (Object.is(v, -0)) return '-0.0';
  const s = single ? shortestFloat32(v) : String(v);
  // A float literal must look like one when it is integral, or it would be typed as an integer constant.
  return /[.eE]/.test(s) ? s : s + '.0';
}

/** The blobAs<type>() call whose result is exactly these bytes (for values with no literal syntax). */
const asBlobCall = (name: string, buf: Buffer): string => `blobAs${name}(0x${buf.toString('hex')})`;

/** A CQL literal that parses back to the same value (Cassandra's toCQLLiteral forms). */
export function formatLiteral(type: CqlType, buf: Buffer | null): string {
  if (buf === null) return 'null';
  switch (type.kind) {
    case 'native': {
      const n = type.name;
      if (n === 'text') return quoteString(buf.toString('utf8'));
      if (n === 'ascii') return quoteString(buf.toString('latin1'));
      if (n === 'blob') return '0x' + buf.toString('hex');
      if (buf.length === 0) return asBlobCall(n, buf);
      switch (n) {
        case 'boolean':
          return buf[0] ? 'true' : 'false';
        case 'tinyint':
        case 'smallint':
        case 'int':
        case 'bigint':
        case 'counter':
        case 'varint':
          return formatInteger(n, buf);
        case 'float':
          return floatLiteral(buf.readFloatBE(0), true);
        case 'double':
          return floatLiteral(buf.readDoubleBE(0), false);
        case 'decimal':
          return decimalToString(decodeDecimal(buf));
        case 'timestamp': {
          const ms = Number(buf.readBigInt64BE(0));
          const [y] = civilFromDays(Math.floor(ms / 86400000));
          return y >= 1 && y <= 9999 ? `'${formatTimestampIso(ms)}'` : String(buf.readBigInt64BE(0));
        }
        case 'date': {
          const raw = buf.readUInt32BE(0);
          const [y] = civilFromDays(raw - DATE_EPOCH);
          return y >= 0 && y <= 9999 ? `'${daysToDateString(raw - DATE_EPOCH)}'` : String(raw);
        }
        case 'time':
          return `'${formatTime(buf.readBigInt64BE(0))}'`;
        case 'uuid':
        case 'timeuuid':
          return uuidToString(buf);
        case 'inet':
          return `'${inetToCompactString(buf)}'`;
        case 'duration': {
          const d = decodeDuration(buf);
          if (!d) return asBlobCall(n, buf);
          return durationToString(d) || '0s';
        }
      }
      return asBlobCall(n, buf);
    }
    case 'list':
      return '[' + readCollection(buf, 'list').map((e) => formatLiteral(type.element, e)).join(', ') + ']';
    case 'set':
      return '{' + readCollection(buf, 'set').map((e) => formatLiteral(type.element, e)).join(', ') + '}';
    case 'map':
      return '{' + readMap(buf).map(([k, v]) => `${formatLiteral(type.key, k)}: ${formatLiteral(type.value, v)}`)
        .join(', ') + '}';
    case 'tuple':
      return '(' + readTuple(buf, type.elements.length).map((p, i) => formatLiteral(type.elements[i]!, p)).join(', ') + ')';
    case 'udt': {
      const parts = readTuple(buf, type.fieldTypes.length, 'UDT');
      return '{' + type.fieldNames.map((f, i) => `${quoteIdentIfNeeded(f)}: ${formatLiteral(type.fieldTypes[i]!, parts[i]!)}`)
        .join(', ') + '}';
    }
    case 'vector':
      return '[' + readVector(type, buf).map((e) => formatLiteral(type.element, e)).join(', ') + ']';
  }
}

/** Integer types print the same way for cqlsh display and as CQL literals. */
function formatInteger(name: 'tinyint' | 'smallint' | 'int' | 'bigint' | 'counter' | 'varint', buf: Buffer): string {
  switch (name) {
    case 'tinyint':
      return String(buf.readInt8(0));
    case 'smallint':
      return String(buf.readInt16BE(0));
    case 'int':
      return String(buf.readInt32BE(0));
    case 'varint':
      return String(varintToBigint(buf));
    default:
      return String(buf.readBigInt64BE(0));
  }
}
