// COPY FROM's field conversion (copyutil.py ImportConversion): CSV text → the serialized value of the column's
// type. Native types go through the server's own fromString codecs; collections, tuples and UDTs are written in
// CQL literal syntax by COPY TO (and by people), so they are parsed as CQL terms and compiled against the type.
import { term } from '../../cql/parser-terms.ts';
import { Parser } from '../../cql/parser-core.ts';
import { compileTerm, MarkerTypes } from '../../cql/exec/terms.ts';
import { nativeFromString } from '../../model/values/literals.ts';
import type { ColumnSpec } from '../../protocol/messages.ts';

export interface ConversionOptions {
  decimalSep: string;
  thousandsSep: string;
  boolStyle: string[];
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'int', 'bigint', 'counter', 'varint']);
const DECIMAL_TYPES = new Set(['float', 'double', 'decimal']);

export function convertField(col: ColumnSpec, text: string, o: ConversionOptions): Buffer {
  const t = col.type;
  if (t.kind === 'native') {
    let v = text;
    if (INTEGER_TYPES.has(t.name) || DECIMAL_TYPES.has(t.name)) {
      if (o.thousandsSep) v = v.split(o.thousandsSep).join('');
      if (DECIMAL_TYPES.has(t.name) && o.decimalSep !== '.') v = v.replace(o.decimalSep, '.');
    }
    if (t.name === 'boolean') {
      const lower = v.toLowerCase();
      if (lower === o.boolStyle[0]?.toLowerCase()) return Buffer.from([1]);
      if (lower === o.boolStyle[1]?.toLowerCase()) return Buffer.from([0]);
      throw new Error(`Invalid boolean styles ${v}`);
    }
    // cqlsh shows microseconds (`.123000+0000`); the server's timestamp parser takes milliseconds.
    if (t.name === 'timestamp') v = v.replace(/(\.\d{3})\d+/, '$1');
    return nativeFromString(t.name === 'counter' ? 'bigint' : t.name, v);
  }
  const p = new Parser(text);
  const parsed = term(p);
  if (!p.atEof()) throw new Error(`Failed to parse ${text} as ${col.name}`);
  const value = compileTerm(parsed, { keyspace: col.keyspace, table: col.table, name: col.name, type: t },
    new MarkerTypes(0))({ values: [], nowMicros: Date.now() * 1000 });
  if (value === null || !Buffer.isBuffer(value)) throw new Error(`Failed to parse ${text} as ${col.name}`);
  return value;
}
