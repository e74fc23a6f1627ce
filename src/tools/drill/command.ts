// `sibyl drill --scenario az-outage --rack us-east-1a [--dc …] | --dc EASTUS | --node ADDR [--dir CLUSTER]`: a live
// outage drill (run.ts) and its report, predicted (plan) beside observed, with the time to detect and to recover.
// Exit code 0 when plan and drill agree on every level, 1 otherwise.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Comparison, LevelObservation } from './model.ts';
import type { DrillOptions, DrillReport } from './run.ts';

const SYMBOL = { all: 'all keys', some: 'some keys', none: 'no key', refused: 'refused' } as const;

function probeDetail(o: LevelObservation | undefined): string {
  if (o === undefined) return '';
  const parts = [`${o.ok} ok`];
  if (o.unavailable) parts.push(`${o.unavailable} Unavailable`);
  if (o.timeout) parts.push(`${o.timeout} timeout`);
  if (o.error) parts.push(`${o.error} other errors`);
  if (o.invalid) parts.push(`${o.invalid} refused`);
  if (o.missing) parts.push(`${o.missing} without the written value`);
  if (o.example !== undefined && o.ok === 0) parts.push(`"${o.example.length > 80 ? `${o.example.slice(0, 77)}...` : o.example}"`);
  return parts.join(', ');
}

export function formatDrill(r: DrillReport): string {
  const lines = [
    `Drill: ${r.scenario.kind === 'rack' ? 'AZ/rack' : r.scenario.kind === 'dc' ? 'DC/region' : 'node'} outage of ${r.scenario.name} — ${r.scenario.nodes.length} node(s) ${r.scenario.signal === 'SIGKILL' ? 'killed (SIGKILL)' : 'stopped (SIGTERM)'}: ${r.scenario.nodes.join(', ')}`,
    `Keyspace ${r.keyspace}: ${r.replication}; ${r.keys} probe keys (at least one per replica set of the ring), read and written at every level from every surviving DC`,
    `Time to detect: ${(r.timeToDetectMs / 1000).toFixed(1)} s (every survivor shows the failed nodes DN)`,
    '',
    `${'level'.padEnd(14)}${'op'.padEnd(7)}${'predicted'.padEnd(12)}${'observed'.padEnd(12)}   probes`,
  ];
  const row = (c: Comparison): string =>
    `${c.level.padEnd(14)}${c.op.padEnd(7)}${SYMBOL[c.predicted].padEnd(12)}${SYMBOL[c.observed].padEnd(12)}${c.predicted === c.observed ? ' ✓ ' : ' ✗ '}${probeDetail(r.probes[`${c.level} ${c.op}`])}`;
  const all = [...r.mismatches];
  for (const level of Object.keys(r.probes).map((k) => k.split(' ')[0]!).filter((l, i, xs) => xs.indexOf(l) === i)) {
    for (const op of ['read', 'write'] as const) {
      const predicted = place(r.predicted, op, level);
      const observed = place(r.observed, op, level);
      lines.push(row({ level: level as Comparison['level'], op, predicted, observed }));
    }
  }
  lines.push('', `Time to recover: ${(r.timeToRecoverMs / 1000).toFixed(1)} s (restarted, every node shows every node UN); hints pending: ${r.hintsPending}`);
  lines.push(r.agree ? `Plan and drill agree on all ${Object.keys(r.probes).length} level/operation pairs.` : `Plan and drill DISAGREE on ${all.length}: ${all.map((m) => `${m.level} ${m.op} (predicted ${m.predicted}, observed ${m.observed})`).join('; ')}`);
  return `${lines.join('\n')}\n`;
}

function place(o: DrillReport['predicted'], op: 'read' | 'write', level: string): Comparison['predicted'] {
  const x = op === 'read' ? o.reads : o.writes;
  return x.all.includes(level) ? 'all' : x.some.includes(level) ? 'some' : x.none.includes(level) ? 'none' : 'refused';
}

const intArg = (what: string, min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be an integer ≥ ${min}`);
  return n;
};

export function registerDrillCommand(program: Command): void {
  program
    .command('drill')
    .description('a live outage drill: take a node, an AZ/rack or a region down, run the consistency-level matrix, restore, compare with sibyl plan')
    .option('--scenario <name>', 'az-outage | region-outage | node-outage (optional; implied by --rack/--dc/--node)')
    .option('--node <address>', 'one node (address or name)')
    .option('--rack <rack>', 'an AZ/rack: its rack name (1a), AZ (us-east-1a) or DC/rack')
    .option('--dc <dc>', 'a data centre/region (or the DC of --rack)')
    .option('--dir <dir>', 'cluster directory (default: the only cluster under ./clusters)')
    .option('--keyspace <ks>', 'drill an existing keyspace (its replication; a table sibyl_drill_kv is added); default: keyspace sibyl_drill')
    .option('--rf <factors>', 'replication for sibyl_drill: DC:N[,DC:N…] or N (default: RF = racks per DC, at most 3)')
    .option('--keys <n>', 'probe at least this many keys (more if needed to cover every replica set)', intArg('--keys', 0), 0)
    .option('--stop', 'stop the nodes cleanly (SIGTERM) instead of killing them (SIGKILL)')
    .option('--timeout <seconds>', 'bound on each wait (conviction, restart, recovery)', intArg('--timeout', 1), 180)
    .option('--json', 'print the report as JSON')
    .action(async (o: DrillOptions) => {
      try {
        const { runDrill } = await import('./run.ts');
        const r = await runDrill(o);
        process.stdout.write(o.json === true ? `${JSON.stringify(r, null, 2)}\n` : formatDrill(r));
        process.exit(r.agree ? 0 : 1);
      } catch (e) {
        process.stderr.write(`sibyl drill: ${(e as Error).message}\n`);
        process.exit(1);
      }
    });
}
