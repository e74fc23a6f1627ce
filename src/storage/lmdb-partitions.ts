// The pure pieces of lmdb-store.ts: converting between flushed, stored and merged partition forms, purging a
// header, and cutting slice bounds to storable keys. No LMDB here.
import type { PartitionData } from './types.ts';
import { MAX_KEY_SIZE, prefixEnd, tableIdBytes } from './keys.ts';
import { decodeHeader, decodeRow, type Header } from './codec.ts';
import { countRowItems, purgeRangeTombstones, purgeRow, purgeTombstone, type PurgeContext } from './purge.ts';

/** One memtable partition as a flush hands it over: encoded header and rows, rows keyed by encoded clustering. */
export interface FlushPartition {
  /** The memtable's partition key: latin1 of the key prefix after the table id. */
  id: string;
  key: Buffer;
  token: bigint;
  header: Buffer | undefined;
  rows: Array<[string, Buffer]>;
}

export function decodedPartition(p: FlushPartition): PartitionData {
  const out: PartitionData = { key: p.key, token: p.token, rangeTombstones: [], rows: p.rows.map(([, b]) => decodeRow(b, true)) };
  if (p.header) {
    const h = decodeHeader(p.header, true);
    out.rangeTombstones = h.rangeTombstones;
    if (h.deletion) out.deletion = h.deletion;
    if (h.staticRow) out.staticRow = h.staticRow;
  }
  return out;
}

export function headerPartition(update: PartitionData, h: Header | undefined): PartitionData {
  const p: PartitionData = { key: update.key, token: update.token, rangeTombstones: h?.rangeTombstones ?? [], rows: [] };
  if (h?.deletion) p.deletion = h.deletion;
  if (h?.staticRow) p.staticRow = h.staticRow;
  return p;
}

export function purgeHeader(h: Header, ctx: PurgeContext): Header {
  const out: Header = { rangeTombstones: purgeRangeTombstones(h.rangeTombstones, ctx) };
  const d = purgeTombstone(h.deletion, ctx);
  if (d) out.deletion = d;
  const s = h.staticRow && purgeRow(h.staticRow, ctx);
  if (s) out.staticRow = s;
  return out;
}

export function headerItems(h: Header): number {
  return (h.deletion ? 1 : 0) + h.rangeTombstones.length + countRowItems(h.staticRow);
}

const hexIds = new Map<string, string>();
/** A table's id as stored in its keys, in hex: the form the header marks use. */
export function hexTableId(id: string): string {
  let h = hexIds.get(id);
  if (h === undefined) hexIds.set(id, (h = tableIdBytes(id).toString('hex')));
  return h;
}

/**
 * Slice bounds can be longer than any stored key (a WHERE on a clustering value over MAX_KEY_SIZE): LMDB refuses such
 * keys, so they are cut to the longest storable prefix. Every stored key is at most that long, so the cut start sorts
 * before the same keys as the full one except itself (skipped by the reader), and the keys before a cut end are those
 * up to and including its prefix.
 */
export function storableStart(key: Buffer): Buffer {
  return key.length <= MAX_KEY_SIZE ? key : key.subarray(0, MAX_KEY_SIZE);
}

export function storableEnd(key: Buffer): Buffer {
  if (key.length <= MAX_KEY_SIZE) return key;
  return prefixEnd(key.subarray(0, MAX_KEY_SIZE)) ?? key.subarray(0, MAX_KEY_SIZE);
}
