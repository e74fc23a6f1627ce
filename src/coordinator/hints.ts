// Hinted handoff: mutations a replica missed (it was down, or did not answer in time) are kept by the coordinator and
// replayed when the replica comes back. The coordinator sees hints through the HintStore port: in production an LMDB
// store under hints_directory (storage/hint-store.ts), so a coordinator that restarts still holds them; in the
// simulator the in-memory store below. Hints are bounded per target in count and bytes, and not taken for replicas
// down longer than max_hint_window (Cassandra's rule: past that, repair is the way back).
import type { PartitionData } from '../storage/types.ts';
import type { TableDef } from '../schema/model.ts';
import type { Clock } from '../cluster/env.ts';

export type HintItems = Array<{ table: TableDef; update: PartitionData }>;

export interface StoredHint {
  /** Opaque, unique within the store; ordered like createdAt. */
  readonly id: string;
  readonly createdAt: number;
  readonly items: HintItems;
  readonly sizeBytes: number;
}

/** Per target: what `nodetool listpendinghints` shows. */
export interface PendingHints {
  target: string;
  count: number;
  sizeBytes: number;
  oldest: number;
  newest: number;
}

export interface HintStore {
  /**
   * Keeps a hint for `target`; resolves once it is as durable as the store makes it (the coordinator waits for this
   * before acknowledging the write), with false when it is refused (hint window passed, per-target bound reached).
   */
  add(target: string, items: HintItems, createdAt?: number): Promise<boolean>;
  /** The target's oldest hints, at most `limit`, left in place until remove(). */
  peek(target: string, limit: number): StoredHint[];
  remove(target: string, ids: readonly string[]): Promise<void>;
  count(target?: string): number;
  targets(): string[];
  pending(): PendingHints[];
  close(): Promise<void>;
}

export interface HintLimits {
  maxHintWindowMs: number;
  /** Per target (Cassandra's max_hints_file_size bounds a target's hint file; ours bounds the target). */
  maxBytesPerTarget: number;
  maxCountPerTarget: number;
}

export const DEFAULT_MAX_HINTS_PER_TARGET = 1_000_000;

/** Rough encoded size of a hint, for the per-target bound and the replay throttle. */
export function hintSizeBytes(items: HintItems): number {
  let n = 16;
  for (const { update } of items) {
    n += update.key.length + 16;
    for (const r of update.rows) {
      for (const c of r.clustering) n += c.length + 4;
      for (const name in r.cells) {
        const d = r.cells[name]!;
        n += name.length + 16 + ('cells' in d ? d.cells.reduce((a, e) => a + e.path.length + (e.cell.v?.length ?? 0) + 16, 0) : (d.v?.length ?? 0));
      }
    }
    n += update.rangeTombstones.length * 32;
  }
  return n;
}

/** When each target started missing writes: hints older than the window relative to that are refused. */
export class HintWindow {
  private readonly downSince = new Map<string, number>();
  constructor(private readonly maxHintWindowMs: number) {}

  /** Whether a hint created at `createdAt` for `target` is still inside the window (records the first miss). */
  admits(target: string, createdAt: number): boolean {
    const since = this.downSince.get(target) ?? createdAt;
    this.downSince.set(target, since);
    return createdAt - since <= this.maxHintWindowMs;
  }

  /** The target caught up (its hints are drained): a later outage starts a new window. */
  reset(target: string): void {
    this.downSince.delete(target);
  }
}

/** Hints in memory: the simulator's store, and what a node without a hints directory uses. */
export class MemoryHintStore implements HintStore {
  private readonly byTarget = new Map<string, StoredHint[]>();
  private readonly window: HintWindow;
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly limits: HintLimits,
  ) {
    this.window = new HintWindow(limits.maxHintWindowMs);
  }

  async add(target: string, items: HintItems, createdAt = this.clock.now()): Promise<boolean> {
    if (!this.window.admits(target, createdAt)) return false;
    const list = this.byTarget.get(target) ?? [];
    const sizeBytes = hintSizeBytes(items);
    const used = list.reduce((a, h) => a + h.sizeBytes, 0);
    if (list.length >= this.limits.maxCountPerTarget || used + sizeBytes > this.limits.maxBytesPerTarget) return false;
    list.push({ id: String(++this.seq).padStart(16, '0'), createdAt, items, sizeBytes });
    this.byTarget.set(target, list);
    return true;
  }

  peek(target: string, limit: number): StoredHint[] {
    return (this.byTarget.get(target) ?? []).slice(0, limit);
  }

  async remove(target: string, ids: readonly string[]): Promise<void> {
    const gone = new Set(ids);
    const left = (this.byTarget.get(target) ?? []).filter((h) => !gone.has(h.id));
    if (left.length > 0) this.byTarget.set(target, left);
    else {
      this.byTarget.delete(target);
      this.window.reset(target);
    }
  }

  count(target?: string): number {
    if (target !== undefined) return this.byTarget.get(target)?.length ?? 0;
    let n = 0;
    for (const l of this.byTarget.values()) n += l.length;
    return n;
  }

  targets(): string[] {
    return [...this.byTarget.keys()];
  }

  pending(): PendingHints[] {
    return [...this.byTarget].map(([target, list]) => ({
      target, count: list.length, sizeBytes: list.reduce((a, h) => a + h.sizeBytes, 0),
      oldest: list[0]!.createdAt, newest: list[list.length - 1]!.createdAt,
    }));
  }

  async close(): Promise<void> {}
}
