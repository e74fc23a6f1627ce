// Hinted handoff: mutations a replica missed (it was down, or did not answer in time) are kept by the coordinator
// and replayed when the replica comes back. Bounded per target, and not taken for replicas down longer than
// max_hint_window (Cassandra's rule: past that, repair is the way back).
import type { PartitionData } from '../storage/types.ts';
import type { TableDef } from '../schema/model.ts';
import type { Clock } from '../cluster/env.ts';

export interface Hint {
  createdAt: number;
  items: Array<{ table: TableDef; update: PartitionData }>;
}

const MAX_HINTS_PER_TARGET = 100_000;

export class HintStore {
  private readonly byTarget = new Map<string, Hint[]>();
  /** When each target was first seen missing a write, for the hint window. */
  private readonly downSince = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly maxHintWindowMs: number,
  ) {}

  add(target: string, items: Hint['items'], createdAt = this.clock.now()): boolean {
    const since = this.downSince.get(target) ?? createdAt;
    this.downSince.set(target, since);
    if (createdAt - since > this.maxHintWindowMs) return false;
    const list = this.byTarget.get(target) ?? [];
    if (list.length >= MAX_HINTS_PER_TARGET) return false;
    list.push({ createdAt, items });
    this.byTarget.set(target, list);
    return true;
  }

  /** Removes and returns the target's hints, oldest first. */
  take(target: string): Hint[] {
    const list = this.byTarget.get(target) ?? [];
    this.byTarget.delete(target);
    this.downSince.delete(target);
    return list;
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
}
