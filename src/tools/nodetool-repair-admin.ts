// `nodetool repair_admin summarize-repaired [keyspace[.table]…]`: Cassandra 4's summary of repaired data, one row per
// table with its oldest and newest repaired_at (ms since the epoch, 0 when never repaired), here from Sibyl's
// per-range repair history (repair/history.ts) with the share of the node's ranges repaired; then a warning for
// each table not wholly repaired within gc_grace_seconds (repair/repair-state.ts: the data-resurrection hazard).
import type { Command } from 'commander';
import type { TableRepairState } from '../repair/repair-state.ts';
import { overdueWarning } from '../repair/repair-state.ts';
import { adminCall, withQuery } from './admin-client.ts';
import { run, target, withConn } from './nodetool.ts';

const ms = (micros: number | undefined): string => String(micros === undefined ? 0 : Math.floor(micros / 1000));

export function formatSummarizeRepaired(states: readonly TableRepairState[]): string {
  const rows = [['keyspace', 'table', 'min_repaired', 'max_repaired', 'percent_repaired']];
  for (const s of states) rows.push([s.keyspace, s.table, ms(s.minRepairedMicros), ms(s.maxRepairedMicros), s.percentRepaired.toFixed(2)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  let out = rows.map((r) => `${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(' ')}\n`).join('');
  for (const s of states) if (s.overdue) out += `WARN: ${overdueWarning(s)}\n`;
  return out;
}

export function registerRepairAdminCommands(nt: Command): void {
  const ra = withConn(nt.command('repair_admin')).description('list and manage repairs (Sibyl: summarize-repaired)');
  withConn(ra.command('summarize-repaired'))
    .description('report the repaired state of tables (repaired_at, percent repaired, gc_grace_seconds warnings)')
    .argument('[tables...]', 'keyspace or keyspace.table names')
    .action(async (tables: string[], _o: unknown, cmd: Command) => {
      // -h/-p may sit before `repair_admin` (on nodetool) or after the subcommand; target() reads one level up only.
      const outer = target(ra);
      const own = cmd.opts<{ host?: string; port?: string }>();
      const t = own.host !== undefined || own.port !== undefined ? target(cmd) : outer;
      await run(t, async () => {
        const wanted = tables.length === 0 ? [undefined] : tables;
        const states: TableRepairState[] = [];
        for (const name of wanted) {
          const [keyspace, table] = name === undefined ? [undefined, undefined] : name.split('.', 2);
          states.push(...await adminCall<TableRepairState[]>(t.host, t.port, withQuery('/repairstate', { keyspace, table })));
        }
        return formatSummarizeRepaired(states);
      });
    });
}
