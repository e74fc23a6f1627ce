// Cassandra's value ordering per type (AbstractType.compare), for query-side sorting: set element and map key order
// in serialized collections, ORDER BY, IN lists, filtering. There is exactly one comparator: the one storage keys are
// built to agree with (storage/compare.ts, property-tested against the byte-comparable encoding), so the order rows
// have on disk and the order a query sorts them in can never differ.
import type { CqlType } from '../types.ts';
import { compareValues } from '../../storage/compare.ts';

export { compareValues };

/** Sorts and de-duplicates serialized set elements / map entries the way Cassandra stores them. */
export function sortUnique<T>(type: CqlType, items: T[], key: (t: T) => Buffer): T[] {
  const sorted = [...items].sort((x, y) => compareValues(type, key(x), key(y)));
  const out: T[] = [];
  for (const it of sorted) {
    // Later duplicates win for maps (last assignment wins in a literal); for sets they are identical anyway.
    if (out.length > 0 && compareValues(type, key(out[out.length - 1]!), key(it)) === 0) out[out.length - 1] = it;
    else out.push(it);
  }
  return out;
}
