// The `sibyl` command line. Each subcommand lives in its own file under src/tools/ and registers itself here.
import { Command } from 'commander';
import { registerNodeCommand } from './node-command.ts';
import { registerStartCommand } from './start-command.ts';
import { registerNodetoolCommand } from './nodetool.ts';
import { registerRestoreCommand } from './nodetool-snapshots.ts';
import { registerClusterCommand } from './cluster/commands.ts';
import { registerCqlshCommand } from './cqlsh/command.ts';
import { registerReferenceCommand } from './reference/command.ts';
import { registerStressCommand } from './stress/command.ts';
import { registerPlanCommand } from './plan/command.ts';
import { registerDrillCommand } from './drill/command.ts';
import { registerDeployCommand } from './deploy/command.ts';
import { registerLabCommand } from './lab/command.ts';
import { registerDashboardCommand } from './dashboard/command.ts';

export function buildProgram(): Command {
  const program = new Command('sibyl')
    .description('Sibyl: a Cassandra-compatible, multi-datacenter database')
    .showHelpAfterError()
    .enablePositionalOptions();
  registerNodeCommand(program);
  registerStartCommand(program);
  registerNodetoolCommand(program);
  registerRestoreCommand(program);
  registerClusterCommand(program);
  registerCqlshCommand(program);
  registerReferenceCommand(program);
  registerStressCommand(program);
  registerPlanCommand(program);
  registerDrillCommand(program);
  registerDeployCommand(program);
  registerLabCommand(program);
  registerDashboardCommand(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
