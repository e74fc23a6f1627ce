// What the repair history (history.ts) says of each table on this node: how much of the ranges it replicates has
// been repaired, when, and whether the table is overdue: not wholly repaired within gc_grace_seconds. That is the
// data-resurrection hazard: a replica that missed a deletion still holds the deleted data once the others have purged
// the tombstone (after gc_grace_seconds), and a later repair or read repair spreads it back. Cassandra leaves it to the
// operator to repair within gc_grace_seconds; Sibyl also says so, in the node log (checked hourly) and in `nodetool
// repair_admin summarize-repaired` (and the percentage in `nodetool tablestats`' "Percent repaired").
import type { Timers } from '../cluster/env.ts';
import type { TokenRing } from '../cluster/ring.ts';
import type { KeyspaceDef, Schema, TableDef } from '../schema/model.ts';
import { isSystemKeyspace } from '../schema/system_defs.ts';
import type { TokenRange } from '../streaming/ranges.ts';
import type { RepairHistory } from './history.ts';
import { repairRanges } from './options.ts';

export interface TableRepairState {
  keyspace: string;
  table: string;
  /** Share of this node's ranges of the table covered by a repair, 0..100. */
  percentRepaired: number;
  /** Oldest and newest repaired_at (µs) over the recorded ranges; absent when never repaired. */
  minRepairedMicros?: number;
  maxRepairedMicros?: number;
  gcGraceSeconds: number;
  /** Not wholly repaired within gc_grace_seconds (and older than that here): the resurrection hazard. */
  overdue: boolean;
}

export interface RepairStateDeps {
  history: RepairHistory;
  schema: () => Schema;
  ring: () => TokenRing;
  self: string;
  nowMicros: () => number;
}

function replicationFactor(ks: KeyspaceDef): number {
  if (ks.strategy.kind === 'simple') return ks.strategy.rf;
  if (ks.strategy.kind === 'network') return [...ks.strategy.dcs.values()].reduce((a, b) => a + b, 0);
  return 1;
}

/** The ranges of `ks` this node replicates (what a plain `nodetool repair` run here covers). */
export function localRanges(ring: TokenRing, ks: KeyspaceDef, self: string): TokenRange[] {
  return repairRanges(ring, ks, self, { tables: [], primaryRange: false, full: true, dataCenters: [] }).map((r) => r.range);
}

export async function tableRepairState(deps: RepairStateDeps, ks: KeyspaceDef, t: TableDef): Promise<TableRepairState> {
  const now = deps.nowMicros();
  const local = localRanges(deps.ring(), ks, deps.self);
  const times = deps.history.ranges(t.id).map((e) => e.repairedAtMicros);
  const gcGraceSeconds = t.options.gc_grace_seconds;
  const firstSeen = await deps.history.seen(t.id, now);
  const last = deps.history.lastFullyRepairedMicros(t.id, local) ?? firstSeen;
  // RF 1 has nothing to repair, and gc_grace_seconds 0 says the operator accepts the hazard (Cassandra's advice for
  // tables without deletions).
  const overdue = replicationFactor(ks) > 1 && local.length > 0 && gcGraceSeconds > 0 && now - last > gcGraceSeconds * 1e6;
  return {
    keyspace: ks.name, table: t.name, percentRepaired: deps.history.percentRepaired(t.id, local), gcGraceSeconds, overdue,
    ...(times.length > 0 ? { minRepairedMicros: Math.min(...times), maxRepairedMicros: Math.max(...times) } : {}),
  };
}

/** Every replicated table outside the system keyspaces (or those of `keyspace`, `table`). */
export async function repairStates(deps: RepairStateDeps, keyspace?: string, table?: string): Promise<TableRepairState[]> {
  const out: TableRepairState[] = [];
  for (const ks of deps.schema().keyspaces.values()) {
    if (keyspace !== undefined ? ks.name !== keyspace : isSystemKeyspace(ks.name) || ks.strategy.kind === 'local') continue;
    for (const t of ks.tables.values()) {
      if (t.virtual === true || (table !== undefined && t.name !== table)) continue;
      out.push(await tableRepairState(deps, ks, t));
    }
  }
  return out;
}

export function overdueWarning(s: Pick<TableRepairState, 'keyspace' | 'table' | 'gcGraceSeconds' | 'maxRepairedMicros'>): string {
  return `Table ${s.keyspace}.${s.table} has not been fully repaired within gc_grace_seconds (${s.gcGraceSeconds}): a replica that ` +
    'missed a deletion can bring the deleted data back once the tombstone is purged. Run nodetool repair ' +
    `${s.keyspace} ${s.table} on every node at least once every gc_grace_seconds.`;
}

const CHECK_MS = 3600_000;
/** A table found overdue is logged again at most once a day. */
const REPEAT_MS = 24 * 3600_000;

/** Logs the overdue tables now and every hour; the returned handle stops it. */
export function startOverdueCheck(deps: RepairStateDeps, timers: Timers, clockMs: () => number, log: (msg: string) => void): { stop(): void } {
  const warned = new Map<string, number>();
  let handle: ReturnType<Timers['setTimeout']> | undefined;
  let stopped = false;
  const check = async (): Promise<void> => {
    for (const s of await repairStates(deps)) {
      const key = `${s.keyspace}.${s.table}`;
      if (!s.overdue) warned.delete(key);
      else if ((warned.get(key) ?? -Infinity) + REPEAT_MS <= clockMs()) {
        warned.set(key, clockMs());
        log(`WARN ${overdueWarning(s)}`);
      }
    }
  };
  const loop = (): void => {
    if (stopped) return;
    check().catch((e: unknown) => log(`repair overdue check failed: ${String(e)}`)).finally(() => {
      if (!stopped) handle = timers.setTimeout(loop, CHECK_MS);
    });
  };
  handle = timers.setTimeout(loop, 1000);
  return {
    stop() {
      stopped = true;
      if (handle !== undefined) timers.clearTimeout(handle);
    },
  };
}
