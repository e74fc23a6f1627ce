// Bound values arrive as the client serialized them; sets and maps must be stored in Cassandra's order (sorted by
// the element/key comparator, without duplicates) or equality, filtering and clustering order would depend on the
// client. Literals are normalized when compiled; bound values go through here.
import type { CqlType } from '../../model/types.ts';
import { readCollection, readMap, readTuple, serializeCollection, serializeMap, serializeTuple } from '../../model/values/collections.ts';
import { compareValues } from '../../model/values/compare.ts';

/** Whether values of this type can need reordering (contain a set or map at any depth). */
export function needsNormalization(t: CqlType): boolean {
  switch (t.kind) {
    case 'set':
    case 'map':
      return true;
    case 'list':
      return needsNormalization(t.element);
    case 'tuple':
      return t.elements.some(needsNormalization);
    case 'udt':
      return t.fieldTypes.some(needsNormalization);
    default:
      return false;
  }
}

export function normalizeValue(t: CqlType, buf: Buffer): Buffer {
  switch (t.kind) {
    case 'set': {
      const elems = readCollection(buf).map((e) => normalizeValue(t.element, e));
      elems.sort((a, b) => compareValues(t.element, a, b));
      return serializeCollection(elems.filter((e, i) => i === 0 || compareValues(t.element, elems[i - 1], e) !== 0));
    }
    case 'map': {
      const entries = readMap(buf).map(([k, v]) => [normalizeValue(t.key, k), normalizeValue(t.value, v)] as [Buffer, Buffer]);
      entries.sort((a, b) => compareValues(t.key, a[0], b[0]));
      return serializeMap(entries.filter((e, i) => i === 0 || compareValues(t.key, entries[i - 1][0], e[0]) !== 0));
    }
    case 'list':
      return needsNormalization(t.element) ? serializeCollection(readCollection(buf).map((e) => normalizeValue(t.element, e))) : buf;
    case 'tuple':
    case 'udt': {
      const types = t.kind === 'tuple' ? t.elements : t.fieldTypes;
      if (!types.some(needsNormalization)) return buf;
      const parts = readTuple(buf, types.length);
      return serializeTuple(parts.map((p, i) => (p === null ? null : normalizeValue(types[i], p))));
    }
    default:
      return buf;
  }
}
