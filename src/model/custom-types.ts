// Column types written as Cassandra marshal class names ('LexicalUUIDType', 'org.apache.cassandra.db.marshal.…'), as
// CQL's custom type syntax allows. A class with a CQL type of its own becomes that type (BytesType is blob, UTF8Type
// text, ReversedType(X) X, ListType(X) a list, FrozenType(X) frozen, VectorType(X , n) a vector); one without
// (LexicalUUIDType, CompositeType(…), DynamicCompositeType(…)) stays a custom type: its values are bytes carried as a
// blob's, and it is shown under its full class name, quoted, as Cassandra shows it in system_schema and DESCRIBE and
// announces it to drivers (Custom, option 0x0000).
import { SyntaxError } from './errors.ts';
import type { NativeTypeName, TypeRef } from './types.ts';

const PREFIX = 'org.apache.cassandra.db.marshal.';

const NATIVE_BY_CLASS: Record<string, NativeTypeName> = {
  AsciiType: 'ascii', LongType: 'bigint', BytesType: 'blob', BooleanType: 'boolean', CounterColumnType: 'counter',
  SimpleDateType: 'date', DecimalType: 'decimal', DoubleType: 'double', DurationType: 'duration', FloatType: 'float',
  InetAddressType: 'inet', Int32Type: 'int', ShortType: 'smallint', UTF8Type: 'text', TimeType: 'time',
  TimestampType: 'timestamp', TimeUUIDType: 'timeuuid', ByteType: 'tinyint', UUIDType: 'uuid', IntegerType: 'varint',
};

/** Marshal classes without a CQL type of their own that a column may have. */
const CUSTOM_CLASSES = new Set(['LexicalUUIDType', 'CompositeType', 'DynamicCompositeType']);

/** A parsed class expression: a name, and its parameters when written with parentheses. */
interface ClassExpr {
  name: string;
  args?: Array<{ alias?: string; expr?: ClassExpr; number?: string }>;
}

function parseExpr(p: { s: string; i: number }, original: string): ClassExpr {
  const skip = (): void => {
    while (p.s[p.i] === ' ') p.i++;
  };
  skip();
  const m = /^[\w.$]+/.exec(p.s.slice(p.i));
  if (!m) throw new SyntaxError(`Error setting type ${original}: Syntax error parsing '${original}'`);
  p.i += m[0].length;
  const name = m[0].startsWith(PREFIX) ? m[0].slice(PREFIX.length) : m[0];
  skip();
  if (p.s[p.i] !== '(') return { name };
  p.i++;
  const args: NonNullable<ClassExpr['args']> = [];
  for (let n = 0; n < 1000; n++) {
    skip();
    if (p.s[p.i] === ')') break;
    const alias = /^(\w)=>/.exec(p.s.slice(p.i));
    if (alias) p.i += alias[0].length;
    const num = /^\d+/.exec(p.s.slice(p.i));
    if (num && !alias) {
      p.i += num[0].length;
      args.push({ number: num[0] });
    } else args.push({ ...(alias ? { alias: alias[1]! } : {}), expr: parseExpr(p, original) });
    skip();
    if (p.s[p.i] === ',') p.i++;
    else if (p.s[p.i] !== ')') throw new SyntaxError(`Error setting type ${original}: Syntax error parsing '${original}'`);
  }
  p.i++;
  return { name, args };
}

/** The expression with every class name in full, as Cassandra's AbstractType.toString() prints it. */
function fullName(e: ClassExpr): string {
  const name = e.name.includes('.') ? e.name : PREFIX + e.name;
  if (!e.args) return name;
  const sep = e.name === 'VectorType' ? ' , ' : ',';
  return `${name}(${e.args.map((a) => a.number ?? `${a.alias ? `${a.alias}=>` : ''}${fullName(a.expr!)}`).join(sep)})`;
}

function unknownClass(original: string, name: string): SyntaxError {
  const full = name.includes('.') ? name : PREFIX + name;
  return new SyntaxError(`Error setting type ${original}: Unable to find abstract-type class '${full}'`);
}

function exprArg(e: ClassExpr, i: number, original: string): ClassExpr {
  const a = e.args?.[i]?.expr;
  if (!a) throw new SyntaxError(`Error setting type ${original}: Syntax error parsing '${original}'`);
  return a;
}

function toTypeRef(e: ClassExpr, original: string, frozen: boolean): TypeRef {
  const native = NATIVE_BY_CLASS[e.name];
  if (native && !e.args) return { kind: 'native', name: native };
  const arg = (i: number, f = frozen): TypeRef => toTypeRef(exprArg(e, i, original), original, f);
  switch (e.name) {
    case 'ReversedType': return arg(0);
    case 'FrozenType': return arg(0, true);
    case 'ListType': return { kind: 'list', element: arg(0, true), frozen };
    case 'SetType': return { kind: 'set', element: arg(0, true), frozen };
    case 'MapType': return { kind: 'map', key: arg(0, true), value: arg(1, true), frozen };
    case 'TupleType': return { kind: 'tuple', elements: (e.args ?? []).map((_, i) => arg(i, true)) };
    case 'VectorType': {
      const dim = Number(e.args?.[1]?.number);
      if (!Number.isInteger(dim) || dim <= 0) throw new SyntaxError(`Error setting type ${original}: Syntax error parsing '${original}'`);
      return { kind: 'vector', element: arg(0, true), dimension: dim };
    }
  }
  const short = e.name.includes('.') ? undefined : e.name;
  if (short === undefined || !CUSTOM_CLASSES.has(short)) throw unknownClass(original, e.name);
  return { kind: 'native', name: 'blob', custom: fullName(e) };
}

/** The type a custom type string names (`'LexicalUUIDType'`), with Cassandra's SyntaxException when it names none. */
export function customTypeRef(className: string): TypeRef {
  const p = { s: className, i: 0 };
  const e = parseExpr(p, className);
  while (p.s[p.i] === ' ') p.i++;
  if (p.i !== p.s.length) throw new SyntaxError(`Error setting type ${className}: Syntax error parsing '${className}'`);
  return toTypeRef(e, className, false);
}
