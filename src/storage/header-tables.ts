// Which tables may hold partition headers (deletions, range tombstones, static rows): marks in the meta database
// let reads of the other tables skip the header lookup. A store written before the marks existed is scanned once.
import type { Database } from 'lmdb';
import { KIND_HEADER, decodePartitionKey } from './keys.ts';

/** Meta keys marking tables that may hold partition headers (see storeHeader). */
export const HEADER_TABLES_PREFIX = 'header-table:';
/** Meta key saying the marks above are complete (absent in stores written before they existed). */
const HEADER_TABLES_COMPLETE = 'header-tables-complete';
export const MARK = Buffer.from([1]);

/** The tables marked as possibly holding headers; a store from before the marks is scanned for them once. */
export async function loadHeaderTables(data: Database<Buffer, Buffer>, meta: Database<Buffer, string>,
  txn: <T>(db: Database<Buffer, string>, fn: () => T) => Promise<T>): Promise<Set<string>> {
  const out = new Set<string>();
  for (const k of meta.getKeys({ start: HEADER_TABLES_PREFIX, end: HEADER_TABLES_PREFIX + '\uffff' })) {
    out.add(String(k).slice(HEADER_TABLES_PREFIX.length));
  }
  if (meta.get(HEADER_TABLES_COMPLETE)) return out;
  const found = new Set<string>();
  for (const k of data.getKeys()) {
    const d = decodePartitionKey(k);
    if (k[d.prefixLength] === KIND_HEADER) found.add(k.subarray(0, 16).toString('hex'));
  }
  await txn(meta, () => {
    for (const id of found) meta.putSync(HEADER_TABLES_PREFIX + id, MARK);
    meta.putSync(HEADER_TABLES_COMPLETE, MARK);
  });
  for (const id of found) out.add(id);
  return out;
}
