// Driver results as plain, comparable data: each value tagged by the CQL type the server declared for its column, so
// a bigint 1 and an int 1 differ, and a float NaN or -0 survives JSON.
import cassandra from 'cassandra-driver';

const { dataTypes } = cassandra.types;

export interface ColumnType {
  code: number;
  info?: unknown;
  customTypeName?: string;
}

const NAMES: Record<number, string> = {
  [dataTypes.ascii]: 'ascii', [dataTypes.bigint]: 'bigint', [dataTypes.blob]: 'blob', [dataTypes.boolean]: 'boolean',
  [dataTypes.counter]: 'counter', [dataTypes.decimal]: 'decimal', [dataTypes.double]: 'double', [dataTypes.float]: 'float',
  [dataTypes.int]: 'int', [dataTypes.text]: 'text', [dataTypes.timestamp]: 'timestamp', [dataTypes.uuid]: 'uuid',
  [dataTypes.varchar]: 'text', [dataTypes.varint]: 'varint', [dataTypes.timeuuid]: 'timeuuid', [dataTypes.inet]: 'inet',
  [dataTypes.date]: 'date', [dataTypes.time]: 'time', [dataTypes.smallint]: 'smallint', [dataTypes.tinyint]: 'tinyint',
  [dataTypes.duration]: 'duration',
};

interface UdtInfo { name: string; keyspace?: string; fields: { name: string; type: ColumnType }[] }

/** The type as CQL spells it: list<int>, map<text, frozen<…>>, tuple<int, text>, a UDT by name. */
export function typeName(t: ColumnType): string {
  const simple = NAMES[t.code];
  if (simple !== undefined) return simple;
  switch (t.code) {
    case dataTypes.list: return `list<${typeName(t.info as ColumnType)}>`;
    case dataTypes.set: return `set<${typeName(t.info as ColumnType)}>`;
    case dataTypes.map: {
      const [k, v] = t.info as [ColumnType, ColumnType];
      return `map<${typeName(k)}, ${typeName(v)}>`;
    }
    case dataTypes.tuple: return `tuple<${(t.info as ColumnType[]).map(typeName).join(', ')}>`;
    case dataTypes.udt: {
      const u = t.info as UdtInfo;
      return `udt ${u.name}{${u.fields.map((f) => `${f.name} ${typeName(f.type)}`).join(', ')}}`;
    }
    case dataTypes.custom: return `custom ${t.customTypeName ?? String(t.info)}`;
    default: return `code ${t.code}`;
  }
}

function num(x: number): string | number {
  if (Number.isNaN(x)) return 'NaN';
  if (Object.is(x, -0)) return '-0';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return x;
}

/** A plain value for `v` read from a column of type `t`. */
export function normalizeValue(v: unknown, t: ColumnType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.code) {
    case dataTypes.list: case dataTypes.set: {
      const items = v instanceof Set ? [...v] : (v as unknown[]);
      return items.map((x) => normalizeValue(x, t.info as ColumnType));
    }
    case dataTypes.map: {
      const [kt, vt] = t.info as [ColumnType, ColumnType];
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
      return entries.map(([k, x]) => [normalizeValue(k, kt), normalizeValue(x, vt)]);
    }
    case dataTypes.tuple: {
      const types = t.info as ColumnType[];
      const values = (v as { values(): unknown[] }).values();
      return values.map((x, i) => normalizeValue(x, types[i]!));
    }
    case dataTypes.udt: {
      const u = t.info as UdtInfo;
      const o = v as Record<string, unknown>;
      return Object.fromEntries(u.fields.map((f) => [f.name, normalizeValue(o[f.name], f.type)]));
    }
    case dataTypes.blob: return `0x${(v as Buffer).toString('hex')}`;
    case dataTypes.timestamp: return Number.isNaN((v as Date).getTime()) ? 'Invalid Date' : (v as Date).toISOString();
    case dataTypes.float: case dataTypes.double: return num(v as number);
    default:
      if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
      return String(v);
  }
}
