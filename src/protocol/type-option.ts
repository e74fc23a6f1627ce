// CqlType <-> [option] (spec §4.2.5.2, protocol-compat.md §5.1). The ids depend on the version, as Cassandra's
// DataType has it: date, time, smallint and tinyint got ids in v4 and duration in v5; an older version names those
// types by their Cassandra class, as Custom.
import type { CqlType, NativeTypeName } from '../model/types.ts';
import type { BodyReader, BodyWriter } from './buffers.ts';
import { ProtocolError } from '../model/errors.ts';
import { marshalClass, parseMarshalClass } from './marshal-class.ts';

export const TypeId = {
  CUSTOM: 0x0000,
  ASCII: 0x0001,
  BIGINT: 0x0002,
  BLOB: 0x0003,
  BOOLEAN: 0x0004,
  COUNTER: 0x0005,
  DECIMAL: 0x0006,
  DOUBLE: 0x0007,
  FLOAT: 0x0008,
  INT: 0x0009,
  TEXT: 0x000a,
  TIMESTAMP: 0x000b,
  UUID: 0x000c,
  VARCHAR: 0x000d,
  VARINT: 0x000e,
  TIMEUUID: 0x000f,
  INET: 0x0010,
  DATE: 0x0011,
  TIME: 0x0012,
  SMALLINT: 0x0013,
  TINYINT: 0x0014,
  DURATION: 0x0015,
  LIST: 0x0020,
  MAP: 0x0021,
  SET: 0x0022,
  UDT: 0x0030,
  TUPLE: 0x0031,
} as const;

export const DURATION_CLASS = 'org.apache.cassandra.db.marshal.DurationType';

/** Native types that a version before their own announces as Custom, with the version that gave them an id. */
const LATER_NATIVES: Partial<Record<NativeTypeName, { since: number; cls: string }>> = {
  date: { since: 4, cls: 'org.apache.cassandra.db.marshal.SimpleDateType' },
  time: { since: 4, cls: 'org.apache.cassandra.db.marshal.TimeType' },
  smallint: { since: 4, cls: 'org.apache.cassandra.db.marshal.ShortType' },
  tinyint: { since: 4, cls: 'org.apache.cassandra.db.marshal.ByteType' },
  duration: { since: 5, cls: DURATION_CLASS },
};
const NATIVE_BY_CLASS = new Map<string, NativeTypeName>(
  Object.entries(LATER_NATIVES).map(([name, x]) => [x!.cls, name as NativeTypeName]),
);

const NATIVE_IDS: Record<NativeTypeName, number> = {
  ascii: TypeId.ASCII,
  bigint: TypeId.BIGINT,
  blob: TypeId.BLOB,
  boolean: TypeId.BOOLEAN,
  counter: TypeId.COUNTER,
  date: TypeId.DATE,
  decimal: TypeId.DECIMAL,
  double: TypeId.DOUBLE,
  duration: TypeId.DURATION,
  float: TypeId.FLOAT,
  inet: TypeId.INET,
  int: TypeId.INT,
  smallint: TypeId.SMALLINT,
  // gocql's schema code rejects 0x000A; Cassandra itself only ever emits varchar.
  text: TypeId.VARCHAR,
  time: TypeId.TIME,
  timestamp: TypeId.TIMESTAMP,
  timeuuid: TypeId.TIMEUUID,
  tinyint: TypeId.TINYINT,
  uuid: TypeId.UUID,
  varint: TypeId.VARINT,
};

const NATIVE_BY_ID = new Map<number, NativeTypeName>();
for (const [name, id] of Object.entries(NATIVE_IDS) as Array<[NativeTypeName, number]>) NATIVE_BY_ID.set(id, name);
NATIVE_BY_ID.set(TypeId.TEXT, 'text');

export function writeTypeOption(w: BodyWriter, t: CqlType, version = 4): void {
  switch (t.kind) {
    case 'native': {
      const later = LATER_NATIVES[t.name];
      if (t.custom !== undefined) {
        // A marshal class without a CQL type: Custom, with its class name (model/custom-types.ts).
        w.writeShort(TypeId.CUSTOM);
        w.writeString(t.custom);
      } else if (later && version < later.since) {
        w.writeShort(TypeId.CUSTOM);
        w.writeString(later.cls);
      } else {
        w.writeShort(NATIVE_IDS[t.name]);
      }
      return;
    }
    case 'list':
    case 'set':
      w.writeShort(t.kind === 'list' ? TypeId.LIST : TypeId.SET);
      writeTypeOption(w, t.element, version);
      return;
    case 'map':
      w.writeShort(TypeId.MAP);
      writeTypeOption(w, t.key, version);
      writeTypeOption(w, t.value, version);
      return;
    case 'udt':
      w.writeShort(TypeId.UDT);
      w.writeString(t.keyspace);
      w.writeString(t.name);
      w.writeShort(t.fieldNames.length);
      for (let i = 0; i < t.fieldNames.length; i++) {
        w.writeString(t.fieldNames[i]!);
        writeTypeOption(w, t.fieldTypes[i]!, version);
      }
      return;
    case 'tuple':
      w.writeShort(TypeId.TUPLE);
      w.writeShort(t.elements.length);
      for (const e of t.elements) writeTypeOption(w, e, version);
      return;
    case 'vector':
      w.writeShort(TypeId.CUSTOM);
      w.writeString(marshalClass(t));
      return;
  }
}

/** Nesting beyond this is certainly hostile input; the limit keeps recursion off the stack limit. */
const MAX_DEPTH = 64;

/**
 * Reads an [option]. The wire does not say whether a collection or UDT is frozen, so they come back non-frozen at
 * the top level and frozen when nested (where CQL requires it).
 */
export function readTypeOption(r: BodyReader, depth = 0): CqlType {
  if (depth > MAX_DEPTH) throw new ProtocolError('Type option nested too deeply');
  const id = r.readShort();
  const nested = depth > 0;
  switch (id) {
    case TypeId.CUSTOM: {
      const cls = r.readString();
      const name = NATIVE_BY_CLASS.get(cls);
      if (name) return { kind: 'native', name };
      const vector = cls.includes('VectorType(') ? parseMarshalClass(cls) : undefined;
      if (vector) return vector;
      throw new ProtocolError(`Unsupported custom type ${cls}`);
    }
    case TypeId.LIST:
      return { kind: 'list', element: readTypeOption(r, depth + 1), frozen: nested };
    case TypeId.SET:
      return { kind: 'set', element: readTypeOption(r, depth + 1), frozen: nested };
    case TypeId.MAP: {
      const key = readTypeOption(r, depth + 1);
      return { kind: 'map', key, value: readTypeOption(r, depth + 1), frozen: nested };
    }
    case TypeId.UDT: {
      const keyspace = r.readString();
      const name = r.readString();
      const n = r.readShort();
      const fieldNames: string[] = [];
      const fieldTypes: CqlType[] = [];
      for (let i = 0; i < n; i++) {
        fieldNames.push(r.readString());
        fieldTypes.push(readTypeOption(r, depth + 1));
      }
      return { kind: 'udt', keyspace, name, fieldNames, fieldTypes, frozen: nested };
    }
    case TypeId.TUPLE: {
      const n = r.readShort();
      const elements: CqlType[] = [];
      for (let i = 0; i < n; i++) elements.push(readTypeOption(r, depth + 1));
      return { kind: 'tuple', elements };
    }
    default: {
      const name = NATIVE_BY_ID.get(id);
      if (name === undefined) throw new ProtocolError(`Unknown type option id 0x${id.toString(16).padStart(4, '0')}`);
      return { kind: 'native', name };
    }
  }
}
