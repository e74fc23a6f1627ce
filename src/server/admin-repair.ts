// The admin API's view of repaired_at (repair/repair-state.ts): `GET /repairstate` for `nodetool repair_admin
// summarize-repaired`, and the "Percent repaired" of each table in `nodetool tablestats`.
import type { NodeCore } from '../node/node-core.ts';
import { localRanges, repairStates, type TableRepairState } from '../repair/repair-state.ts';
import type { AdminSource } from './admin-types.ts';

export function repairStateAdmin(core: NodeCore, local: Pick<AdminSource, 'tableStats'>): Pick<AdminSource, 'repairStates' | 'tableStats'> {
  const percent = (keyspace: string, table: string): number | undefined => {
    const ks = core.schema.current.keyspaces.get(keyspace);
    const t = ks?.tables.get(table);
    // A node-local keyspace (system) has no replicas to repair with.
    if (ks === undefined || t === undefined || ks.strategy.kind === 'local') return undefined;
    return core.repair.history.percentRepaired(t.id, localRanges(core.membership.ring(), ks, core.endpoint));
  };
  const tableStats = local.tableStats;
  return {
    repairStates: (keyspace?: string, table?: string): Promise<TableRepairState[]> => repairStates(core.repairState, keyspace, table),
    ...(tableStats !== undefined ? {
      tableStats: (filters: string[]) => tableStats(filters).map((e) => {
        const p = percent(e.keyspace, e.table);
        return p === undefined ? e : { ...e, percentRepaired: p };
      }),
    } : {}),
  };
}
