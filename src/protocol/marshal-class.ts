// Cassandra's marshal class names (org.apache.cassandra.db.marshal.*), which the native protocol uses for types
// without an id of their own: vector<float, 3> travels as Custom
// 'org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType , 3)'.
import type { CqlType, NativeTypeName } from '../model/types.ts';
import { ProtocolError } from '../model/errors.ts';

const PREFIX = 'org.apache.cassandra.db.marshal.';

const NATIVE_CLASSES: Record<NativeTypeName, string> = {
  ascii: 'AsciiType', bigint: 'LongType', blob: 'BytesType', boolean: 'BooleanType', counter: 'CounterColumnType',
  date: 'SimpleDateType', decimal: 'DecimalType', double: 'DoubleType', duration: 'DurationType', float: 'FloatType',
  inet: 'InetAddressType', int: 'Int32Type', smallint: 'ShortType', text: 'UTF8Type', time: 'TimeType',
  timestamp: 'TimestampType', timeuuid: 'TimeUUIDType', tinyint: 'ByteType', uuid: 'UUIDType', varint: 'IntegerType',
};
const NATIVE_BY_SHORT = new Map(Object.entries(NATIVE_CLASSES).map(([n, c]) => [c, n as NativeTypeName]));

/** The marshal class of a type, as Cassandra's AbstractType.toString() spells it. */
export function marshalClass(t: CqlType): string {
  switch (t.kind) {
    case 'native': return t.custom ?? PREFIX + NATIVE_CLASSES[t.name];
    case 'vector': return `${PREFIX}VectorType(${marshalClass(t.element)} , ${t.dimension})`; // Cassandra writes " , " before the dimension
    case 'list': case 'set': {
      const s = `${PREFIX}${t.kind === 'list' ? 'ListType' : 'SetType'}(${marshalClass(t.element)})`;
      return t.frozen ? `${PREFIX}FrozenType(${s})` : s;
    }
    case 'map': {
      const s = `${PREFIX}MapType(${marshalClass(t.key)},${marshalClass(t.value)})`;
      return t.frozen ? `${PREFIX}FrozenType(${s})` : s;
    }
    case 'tuple': return `${PREFIX}TupleType(${t.elements.map(marshalClass).join(',')})`;
    case 'udt': {
      const fields = t.fieldNames.map((f, i) => `${Buffer.from(f, 'utf8').toString('hex')}:${marshalClass(t.fieldTypes[i]!)}`);
      const s = `${PREFIX}UserType(${t.keyspace},${Buffer.from(t.name, 'utf8').toString('hex')},${fields.join(',')})`;
      return t.frozen ? `${PREFIX}FrozenType(${s})` : s;
    }
  }
}

/** Parses the marshal classes Sibyl announces itself: natives and vectors of them (what custom options carry). */
export function parseMarshalClass(cls: string): CqlType | undefined {
  const p = { s: cls, i: 0 };
  try {
    const t = parseAt(p);
    return p.i === cls.length ? t : undefined;
  } catch (e) {
    if (e instanceof ProtocolError) return undefined;
    throw e;
  }
}

function parseAt(p: { s: string; i: number }): CqlType {
  const m = /^(?:org\.apache\.cassandra\.db\.marshal\.)?(\w+)/.exec(p.s.slice(p.i));
  if (!m) throw new ProtocolError(`bad marshal class ${p.s}`);
  p.i += m[0].length;
  const name = m[1]!;
  const native = NATIVE_BY_SHORT.get(name);
  if (native) return { kind: 'native', name: native };
  if (name !== 'VectorType' || p.s[p.i] !== '(') throw new ProtocolError(`unsupported marshal class ${p.s}`);
  p.i++;
  const element = parseAt(p);
  const dim = /^\s*,\s*(\d+)\s*\)/.exec(p.s.slice(p.i));
  if (!dim) throw new ProtocolError(`bad vector class ${p.s}`);
  p.i += dim[0].length;
  return { kind: 'vector', element, dimension: Number(dim[1]) };
}
