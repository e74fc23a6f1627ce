// `sibyl plan --preset NAME | --topology FILE | --dir CLUSTER [--keyspace KS | --rf DC:N,…] [--json]`: what each
// failure would leave working (model.ts), for a preset or topology (simulated tokens) or a running cluster (its real
// tokens and, with --keyspace, the keyspace's real replication).
import type { Command } from 'commander';
import type { ReplicationSpec } from '../../schema/replication.ts';
import { PRESETS } from '../cluster/topology.ts';
import { formatPlan } from './format.ts';
import { plan } from './model.ts';
import { defaultRf, describeSpec, fromCluster, fromPreset, fromTopologyFile, keyspaceReplication, parseRf, type RingSource } from './source.ts';

export interface PlanOptions {
  preset?: string;
  topology?: string;
  dir?: string;
  keyspace?: string;
  rf?: string;
  json?: boolean;
}

export async function resolvePlanInput(o: PlanOptions): Promise<{ source: RingSource; spec: ReplicationSpec; specFrom: string }> {
  const chosen = [o.preset, o.topology, o.dir].filter((x) => x !== undefined);
  if (chosen.length > 1) throw new Error('choose one of --preset NAME, --topology FILE and --dir CLUSTER');
  if (o.keyspace !== undefined && o.rf !== undefined) throw new Error('choose one of --keyspace KS and --rf DC:N,…');
  let source: RingSource;
  let spec: ReplicationSpec | undefined;
  if (o.preset !== undefined) source = fromPreset(o.preset);
  else if (o.topology !== undefined) source = fromTopologyFile(o.topology);
  else {
    const c = await fromCluster(o.dir);
    source = c;
    if (o.keyspace !== undefined) spec = await keyspaceReplication(c.manifest, o.keyspace);
  }
  if (o.keyspace !== undefined && spec === undefined) throw new Error('--keyspace reads the replication from a running cluster: use it with --dir (or give --rf)');
  if (spec !== undefined) return { source, spec, specFrom: `keyspace ${o.keyspace}` };
  if (o.rf !== undefined) return { source, spec: parseRf(o.rf), specFrom: '--rf' };
  return { source, spec: defaultRf(source.ring), specFrom: 'default: RF = AZs/racks per DC, at most 3' };
}

export async function runPlan(o: PlanOptions): Promise<void> {
  const { source, spec, specFrom } = await resolvePlanInput(o);
  const p = plan(source.ring, spec);
  if (o.json === true) {
    process.stdout.write(`${JSON.stringify(p, null, 2)}\n`);
    return;
  }
  const dcs = [...source.ring.datacenters].map(([dc, info]) => `${dc} (${info.endpoints.length} nodes in ${info.racks.size} rack${info.racks.size === 1 ? '' : 's'})`);
  const tokens = { simulated: 'simulated (random, as nodes choose them; run against a cluster with --dir for its real ring)', 'running nodes': 'from the running nodes', recorded: 'as the launcher recorded them (no node running)' }[source.tokens];
  process.stdout.write(formatPlan(p, [
    `Cluster '${source.clusterName}': ${dcs.join(', ')}; ${source.ring.size} token ranges, tokens ${tokens}`,
    `Replication: ${describeSpec(spec)} (${specFrom})`,
  ]));
}

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('which consistency levels survive each node, AZ/rack, region or two-AZ outage, the capacity left, and seed 004\'s guidelines')
    .option('--preset <name>', `one of ${PRESETS.join(', ')}`)
    .option('--topology <file>', 'YAML topology file (as for sibyl cluster up)')
    .option('--dir <dir>', 'a launched cluster: its real tokens (default when neither --preset nor --topology: the only cluster under ./clusters)')
    .option('--keyspace <ks>', "a keyspace of the running cluster (--dir): its replication")
    .option('--rf <factors>', 'replication to plan for: DC:N[,DC:N…] (NetworkTopologyStrategy) or N (SimpleStrategy)')
    .option('--json', 'print {"scenarios": […], "guidelines": […]}')
    .action((o: PlanOptions) =>
      runPlan(o).then(
        () => process.exit(0),
        (e: unknown) => {
          process.stderr.write(`sibyl plan: ${(e as Error).message}\n`);
          process.exit(1);
        },
      ),
    );
}
