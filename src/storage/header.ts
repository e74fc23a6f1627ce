// Partition headers (codec.ts Header: partition deletion, range tombstones, static row) as data to merge: an
// update's header part, the merge of two headers under Cassandra's rules (mergePartitions on row-less partitions),
// and the questions the write and read paths ask of one.
import type { TableDef } from '../schema/model.ts';
import type { PartitionData } from './types.ts';
import type { Header } from './codec.ts';
import { mergePartitions } from './merge.ts';

const NO_KEY = Buffer.alloc(0);

/** The header part of an update, or undefined when it has none. */
export function headerOf(update: PartitionData): Header | undefined {
  if (!update.deletion && update.rangeTombstones.length === 0 && !update.staticRow) return undefined;
  const h: Header = { rangeTombstones: update.rangeTombstones };
  if (update.deletion) h.deletion = update.deletion;
  if (update.staticRow) h.staticRow = update.staticRow;
  return h;
}

function asPartition(h: Header): PartitionData {
  const p: PartitionData = { key: NO_KEY, token: 0n, rangeTombstones: h.rangeTombstones, rows: [] };
  if (h.deletion) p.deletion = h.deletion;
  if (h.staticRow) p.staticRow = h.staticRow;
  return p;
}

const EMPTY: Header = { rangeTombstones: [] };

/** Both headers reconciled; a lone header is returned as it is (stored headers are already normalized). */
export function mergeHeaders(table: TableDef, a: Header | undefined, b: Header | undefined): Header | undefined {
  if (!a) return b;
  if (!b) return a;
  return writeHeaders(table, a, b);
}

/** Both reconciled and normalized (dominated range tombstones dropped…); undefined when nothing is left. */
export function writeHeaders(table: TableDef, a: Header | undefined, b: Header | undefined): Header | undefined {
  if (!a && !b) return undefined;
  const m = mergePartitions(table, asPartition(a ?? EMPTY), asPartition(b ?? EMPTY));
  const h: Header = { rangeTombstones: m.rangeTombstones };
  if (m.deletion) h.deletion = m.deletion;
  if (m.staticRow) h.staticRow = m.staticRow;
  return isEmptyHeader(h) ? undefined : h;
}

export function isEmptyHeader(h: Header): boolean {
  return !h.deletion && h.rangeTombstones.length === 0 && !h.staticRow;
}

/** Whether the header deletes anything (rows under it must be reconciled against it). */
export function shadows(h: Header | undefined): h is Header {
  return h !== undefined && (h.deletion !== undefined || h.rangeTombstones.length > 0);
}
