// system.size_estimates and system.table_estimates as Cassandra's SizeEstimatesRecorder fills them: for every table of
// the replicated keyspaces (user keyspaces, system_auth, system_distributed, system_traces), one row per primary
// range of this node — (previous ring token, own token], the range that wraps cut at the minimum token — with the
// partitions counted in it and their mean size in bytes. Spark's connector and the Python driver split scans by
// these. Sibyl counts from the data itself (memtables and LMDB through the store's scan), at most every
// REFRESH_MS per node, rather than from SSTable summaries; the cells' bytes stand for the partition's on-disk size.
import type { KeyspaceDef, Schema, TableDef } from '../schema/model.ts';
import type { PartitionData, ScanRange } from '../storage/types.ts';
import { LOCAL_SYSTEM_KEYSPACES, VIRTUAL_KEYSPACES } from '../schema/system_defs.ts';
import { MIN_TOKEN } from '../model/murmur3.ts';
import type { SizeEstimate } from '../schema/system_tables.ts';

export interface EstimateScanner {
  scan(table: TableDef, range: ScanRange, filter: object, partitionLimit: number, nowSec: number): PartitionData[];
}

const PAGE = 1000;
/** Partitions counted per range at most; beyond, the count stops there (an estimate, as Cassandra's). */
const MAX_PAGES_PER_RANGE = 1000;
const REFRESH_MS = 60_000;

/** The node's primary ranges, as (start, end] token pairs in ring order. */
export function primaryRanges(ringTokens: ArrayLike<bigint>, own: ReadonlySet<bigint>): Array<[bigint, bigint]> {
  const n = ringTokens.length;
  const out: Array<[bigint, bigint]> = [];
  for (let i = 0; i < n; i++) {
    const end = ringTokens[i]!;
    if (!own.has(end)) continue;
    if (i > 0) {
      out.push([ringTokens[i - 1]!, end]);
      continue;
    }
    // The first token's range wraps around the ring: (last, MIN] and (MIN, first], as Cassandra's Range.unwrap.
    const last = ringTokens[n - 1]!;
    if (end !== MIN_TOKEN) out.push([MIN_TOKEN, end]);
    if (last !== MIN_TOKEN && n > 0) out.push([last, MIN_TOKEN]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function partitionBytes(p: PartitionData): number {
  let bytes = p.key.length;
  for (const r of [...p.rows, ...(p.staticRow ? [p.staticRow] : [])]) {
    for (const c of r.clustering ?? []) bytes += c.length;
    for (const name in r.cells) {
      const cell = r.cells[name] as unknown;
      // A simple cell carries `v`; a collection's cells are counted by their values too.
      if (cell && typeof cell === 'object') bytes += valueBytes(cell);
    }
  }
  return bytes;
}

function valueBytes(cell: object): number {
  const v = (cell as { v?: unknown }).v;
  if (Buffer.isBuffer(v)) return v.length + 8;
  const cells = (cell as { cells?: unknown }).cells;
  if (Array.isArray(cells)) return cells.reduce((n: number, c: unknown) => n + (c && typeof c === 'object' ? valueBytes(c) : 0), 0);
  return 8;
}

function estimateRange(store: EstimateScanner, table: TableDef, range: [bigint, bigint], nowSec: number): { count: number; mean: number } {
  const [startToken, endToken] = range;
  let start: ScanRange['start'] = { token: startToken, inclusive: false };
  let count = 0;
  let bytes = 0;
  for (let page = 0; page < MAX_PAGES_PER_RANGE; page++) {
    const r: ScanRange = { start, ...(endToken === MIN_TOKEN ? {} : { endToken }) };
    const parts = store.scan(table, r, {}, PAGE, nowSec);
    for (const p of parts) bytes += partitionBytes(p);
    count += parts.length;
    if (parts.length < PAGE) break;
    const last = parts[parts.length - 1]!;
    start = { token: last.token, key: last.key, inclusive: false };
  }
  return { count, mean: count === 0 ? 0 : Math.round(bytes / count) };
}

function replicatedTables(schema: Schema): Array<{ ks: KeyspaceDef; table: TableDef }> {
  const out: Array<{ ks: KeyspaceDef; table: TableDef }> = [];
  for (const ks of schema.keyspaces.values()) {
    if (LOCAL_SYSTEM_KEYSPACES.has(ks.name) || VIRTUAL_KEYSPACES.has(ks.name)) continue;
    for (const table of ks.tables.values()) if (!table.virtual) out.push({ ks, table });
  }
  return out;
}

/** The estimates, recomputed when older than REFRESH_MS or when the schema or the ring has changed. */
export class SizeEstimator {
  private cached: { at: number; key: string; rows: SizeEstimate[] } | undefined;

  constructor(private readonly store: EstimateScanner, private readonly nowMs: () => number) {}

  estimates(schema: Schema, ringTokens: ArrayLike<bigint>, own: readonly bigint[]): SizeEstimate[] {
    const now = this.nowMs();
    const key = `${schema.version}/${own.join(',')}/${ringTokens.length}`;
    if (this.cached && this.cached.key === key && now - this.cached.at < REFRESH_MS) return this.cached.rows;
    const ranges = primaryRanges(ringTokens, new Set(own));
    const nowSec = Math.floor(now / 1000);
    const rows: SizeEstimate[] = [];
    for (const { ks, table } of replicatedTables(schema)) {
      for (const range of ranges) {
        const { count, mean } = estimateRange(this.store, table, range, nowSec);
        rows.push({ keyspace: ks.name, table: table.name, rangeStart: String(range[0]), rangeEnd: String(range[1]), meanPartitionSize: mean, partitionsCount: count });
      }
    }
    this.cached = { at: now, key, rows };
    return rows;
  }
}
