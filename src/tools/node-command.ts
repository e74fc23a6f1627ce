// `sibyl node --config <cassandra.yaml>`: one node, configured the Cassandra way, in the foreground.
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { ConfigLoadError, loadConfig, type NodeConfig } from '../server/config.ts';
import { createLogger } from './logger.ts';
import { fail, runNodeInForeground } from './run-node.ts';

export function registerNodeCommand(program: Command): void {
  program
    .command('node')
    .description('run one Sibyl node configured by a cassandra.yaml (cassandra-rackdc.properties is read from the same directory)')
    .requiredOption('-c, --config <path>', 'path to cassandra.yaml')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
    .action(async (opts: { config: string; logLevel: string }) => {
      let config: NodeConfig;
      try {
        config = loadConfig(opts.config);
      } catch (e) {
        if (e instanceof ConfigLoadError) fail(undefined, e.message);
        throw e;
      }
      let log: Logger;
      try {
        log = createLogger(opts.logLevel);
      } catch (e) {
        fail(undefined, (e as Error).message);
      }
      await runNodeInForeground(config, log);
    });
}
