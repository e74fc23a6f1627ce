// repaired_at: which token ranges of which table were last repaired, and when, kept on every participant of a
// repair session that succeeded (Cassandra 4 keeps it per SSTable as repairedAt, and in system.repairs for
// incremental sessions). Sibyl's storage does not split repaired from unrepaired data, so the history is per range:
// after a session's Merkle comparison and streams have made every participant agree on a range, each of them
// records (range, time) for the table, in its store's metadata so that it survives a restart. From it come nodetool
// tablestats' "Percent repaired" and the warning for a table not repaired within gc_grace_seconds.
import { unwrap, type TokenRange } from '../streaming/ranges.ts';

export const REPAIR_HISTORY_KEY = 'repair_history';

/** Where the history is kept: the node store's metadata (absent: in memory only). */
export interface RepairHistoryStore {
  getMeta<T>(key: string): T | undefined;
  putMeta(key: string, value: unknown): Promise<void>;
}

export interface RepairedRange {
  range: TokenRange;
  /** When the session that repaired it started its validation, µs since the epoch (data up to then is in sync). */
  repairedAtMicros: number;
}

/** The stored form: table id → [left, right, repairedAtMicros] with tokens as decimal strings; when each was first seen. */
interface Saved {
  ranges: Record<string, Array<[string, string, number]>>;
  firstSeen: Record<string, number>;
}

function width(r: TokenRange): bigint {
  return unwrap(r).reduce((sum, p) => sum + (p.right - p.left), 0n);
}

/** The merged, non-wrapping intervals covered by `ranges`, sorted. */
function covered(ranges: readonly TokenRange[]): Array<[bigint, bigint]> {
  const pieces = ranges.flatMap(unwrap).map((p): [bigint, bigint] => [p.left, p.right]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Array<[bigint, bigint]> = [];
  for (const [l, r] of pieces) {
    const last = out[out.length - 1];
    if (last !== undefined && l <= last[1]) last[1] = r > last[1] ? r : last[1];
    else out.push([l, r]);
  }
  return out;
}

export class RepairHistory {
  private readonly byTable = new Map<string, Map<string, RepairedRange>>();
  /** When this node first saw each table: a table younger than gc_grace_seconds cannot be overdue for repair. */
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly store?: RepairHistoryStore) {
    const saved = store?.getMeta<Saved>(REPAIR_HISTORY_KEY) ?? { ranges: {}, firstSeen: {} };
    for (const [tableId, at] of Object.entries(saved.firstSeen)) this.firstSeen.set(tableId, at);
    for (const [tableId, entries] of Object.entries(saved.ranges)) {
      const m = new Map<string, RepairedRange>();
      for (const [l, r, at] of entries) m.set(`${l}:${r}`, { range: { left: BigInt(l), right: BigInt(r) }, repairedAtMicros: at });
      this.byTable.set(tableId, m);
    }
  }

  /** Records that `ranges` of the table were repaired at `atMicros`, and persists the history. */
  async record(tableId: string, ranges: readonly TokenRange[], atMicros: number): Promise<void> {
    let m = this.byTable.get(tableId);
    if (m === undefined) this.byTable.set(tableId, (m = new Map()));
    for (const range of ranges) {
      const key = `${range.left}:${range.right}`;
      if ((m.get(key)?.repairedAtMicros ?? -Infinity) < atMicros) m.set(key, { range, repairedAtMicros: atMicros });
    }
    await this.save();
  }

  /** When the table was first seen here, recording `nowMicros` (and persisting) the first time it is asked. */
  async seen(tableId: string, nowMicros: number): Promise<number> {
    const at = this.firstSeen.get(tableId);
    if (at !== undefined) return at;
    this.firstSeen.set(tableId, nowMicros);
    await this.save();
    return nowMicros;
  }

  private async save(): Promise<void> {
    if (this.store === undefined) return;
    const out: Saved = { ranges: {}, firstSeen: Object.fromEntries(this.firstSeen) };
    for (const [id, m] of this.byTable) out.ranges[id] = [...m.values()].map((e) => [e.range.left.toString(), e.range.right.toString(), e.repairedAtMicros]);
    await this.store.putMeta(REPAIR_HISTORY_KEY, out);
  }

  /** Every range of the table recorded as repaired, and when (system.repairs-like; the admin API lists them). */
  ranges(tableId: string): RepairedRange[] {
    return [...(this.byTable.get(tableId)?.values() ?? [])];
  }

  /** The share of `local` (the ranges this node replicates) covered by a repair, 0..100. */
  percentRepaired(tableId: string, local: readonly TokenRange[]): number {
    const total = local.reduce((sum, r) => sum + width(r), 0n);
    if (total === 0n) return 0;
    const repaired = covered(this.ranges(tableId).map((e) => e.range));
    let hit = 0n;
    for (const [l, r] of covered(local)) {
      for (const [a, b] of repaired) {
        const lo = a > l ? a : l;
        const hi = b < r ? b : r;
        if (lo < hi) hit += hi - lo;
      }
    }
    return Number((hit * 10_000n) / total) / 100;
  }

  /**
   * When all of `local` was last repaired: the oldest repair time over the pieces of `local`, or undefined if some
   * part of it has never been repaired. This is what gc_grace_seconds is measured against.
   */
  lastFullyRepairedMicros(tableId: string, local: readonly TokenRange[]): number | undefined {
    if (this.percentRepaired(tableId, local) < 100) return undefined;
    let oldest = Infinity;
    for (const l of local) {
      // The newest repair covering each local range: ranges repaired again later supersede older records.
      const over = this.ranges(tableId).filter((e) => covered([e.range]).some(([a, b]) => unwrap(l).some((p) => a <= p.left && p.right <= b)));
      if (over.length === 0) return undefined;
      oldest = Math.min(oldest, Math.max(...over.map((e) => e.repairedAtMicros)));
    }
    return Number.isFinite(oldest) ? oldest : undefined;
  }
}
