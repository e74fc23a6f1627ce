// Column specifications of result and bind-variable metadata (spec §4.2.5.2), encoded once per column list and
// version family, and v5's result metadata id for such a list.
import { createHash } from 'node:crypto';
import { BodyWriter } from './buffers.ts';
import type { CqlType } from '../model/types.ts';
import type { ColumnSpec } from './messages.ts';
import { writeTypeOption } from './type-option.ts';

export interface EncodedSpecs {
  global: boolean;
  /** Global table spec (if any) followed by every column's spec, ready to copy into a metadata section. */
  bytes: Buffer;
}

// Column lists are reused for every page of a query and every execution of a prepared statement, so their encoded
// form is computed once per list and per type-id family (v3, v4, v5+ differ in the ids of a few types). Callers
// must not mutate a column list after handing it to the encoder.
const specCache = new WeakMap<readonly ColumnSpec[], Array<EncodedSpecs | undefined>>();

function family(version: number): number {
  return version <= 3 ? 0 : version === 4 ? 1 : 2;
}

export function columnSpecs(columns: readonly ColumnSpec[], version = 4): EncodedSpecs {
  let byFamily = specCache.get(columns);
  if (!byFamily) {
    byFamily = [];
    specCache.set(columns, byFamily);
  }
  const f = family(version);
  let enc = byFamily[f];
  if (enc) return enc;
  const w = new BodyWriter(256);
  const first = columns[0];
  const global = first !== undefined && columns.every((c) => c.keyspace === first.keyspace && c.table === first.table);
  if (global) {
    w.writeString(first.keyspace);
    w.writeString(first.table);
  }
  for (const c of columns) {
    if (!global) {
      w.writeString(c.keyspace);
      w.writeString(c.table);
    }
    w.writeString(c.name);
    writeTypeOption(w, c.type, version);
  }
  enc = { global, bytes: Buffer.from(w.take()) };
  byFamily[f] = enc;
  return enc;
}

const idCache = new WeakMap<readonly ColumnSpec[], Buffer>();

/**
 * v5's result metadata id: a digest of what the rows look like (names and full types, UDT fields included), so that
 * it is the same on every node and changes exactly when an EXECUTE's rows would no longer match what the client
 * holds. Cassandra also uses an MD5 over the column specifications; the bytes need not agree with its, since a
 * client only ever hands back what this server sent.
 */
export function resultMetadataId(columns: readonly ColumnSpec[]): Buffer {
  let id = idCache.get(columns);
  if (id) return id;
  const h = createHash('md5');
  for (const c of columns) h.update(`${c.keyspace}\u0000${c.table}\u0000${c.name}\u0000${canonicalType(c.type)}\u0001`);
  id = h.digest();
  idCache.set(columns, id);
  return id;
}

/** A type spelled out in full (UDT fields included), independent of how its object was built. */
function canonicalType(t: CqlType): string {
  switch (t.kind) {
    case 'native':
      return t.name;
    case 'list':
    case 'set':
      return `${t.kind}<${canonicalType(t.element)}>${t.frozen ? '!' : ''}`;
    case 'map':
      return `map<${canonicalType(t.key)},${canonicalType(t.value)}>${t.frozen ? '!' : ''}`;
    case 'tuple':
      return `tuple<${t.elements.map(canonicalType).join(',')}>`;
    case 'udt':
      return `${t.keyspace}.${t.name}{${t.fieldNames.map((n, i) => `${n}:${canonicalType(t.fieldTypes[i]!)}`).join(',')}}${t.frozen ? '!' : ''}`;
    case 'vector':
      return `vector<${canonicalType(t.element)},${t.dimension}>`;
  }
}
