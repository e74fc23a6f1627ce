// `sibyl deploy …`: render what a user copies to real machines (render), and build the release bundle (bundle).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ensureBundle } from '../bundle.ts';
import { parseTopologyYaml, presetTopology, PRESETS, type ClusterTopology } from '../cluster/topology.ts';
import { checkRendered } from './check.ts';
import { renderDeployment } from './render.ts';

interface RenderOptions {
  preset?: string;
  topology?: string;
  out: string;
  vnodes?: number;
}

export function deployTopology(o: { preset?: string; topology?: string; vnodes?: number }): ClusterTopology {
  if ((o.preset === undefined) === (o.topology === undefined)) throw new Error('choose exactly one of --preset NAME or --topology FILE');
  const p = o.vnodes !== undefined ? { vnodes: o.vnodes } : {};
  return o.preset !== undefined ? presetTopology(o.preset, p) : parseTopologyYaml(readFileSync(o.topology!, 'utf8'), p);
}

export function registerDeployCommand(program: Command): void {
  const deploy = program.command('deploy').description('files for real machines: per-host configs, systemd, cloud-init, firewall, Terraform');
  deploy
    .command('render')
    .description('render per-host cassandra.yaml, rackdc, systemd unit, cloud-init, nftables rules and Terraform JSON')
    .option('--preset <name>', `one of ${PRESETS.join(', ')} (moved to the seed's own addresses)`)
    .option('--topology <file>', 'YAML topology file with the hosts\' real addresses')
    .requiredOption('--out <dir>', 'output directory')
    .option('--vnodes <n>', 'num_tokens per node (default 16)', (v) => Number(v))
    .action((o: RenderOptions) => {
      const r = renderDeployment(deployTopology(o), o.out);
      const problems = checkRendered(r.dir);
      if (problems.length > 0) throw new Error(`rendered files are inconsistent:\n  ${problems.join('\n  ')}`);
      process.stdout.write(`rendered ${r.files.length} files for ${r.layout.hosts.filter((h) => h.role === 'node').length} nodes (${r.layout.cloud}) into ${r.dir}\n`);
    });
  deploy
    .command('bundle')
    .description('build dist/sibyl.mjs, the file every node runs')
    .action(async () => {
      process.stdout.write(`${await ensureBundle()}\n`);
    });
}
