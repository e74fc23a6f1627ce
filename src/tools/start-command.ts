// `sibyl start` (what `npm start` runs): a single local node at 127.0.0.1:9042 with everything under ./data/node1.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { ConfigLoadError, loadConfig, writeConfigFiles, type NodeConfig } from '../server/config.ts';
import { createLogger } from './logger.ts';
import { fail, runNodeInForeground } from './run-node.ts';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('start a single local node on 127.0.0.1:9042; config in <dir>/conf, data in <dir>/data (Ctrl-C stops it)')
    .option('-d, --dir <dir>', 'node directory', join('data', 'node1'))
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
    .action(async (opts: { dir: string; logLevel: string }) => {
      let log: Logger;
      try {
        log = createLogger(opts.logLevel);
      } catch (e) {
        fail(undefined, (e as Error).message);
      }
      const home = resolve(opts.dir);
      const yamlPath = join(home, 'conf', 'cassandra.yaml');
      // An existing config is kept so that edits to it survive restarts.
      if (existsSync(yamlPath)) log.info({ config: yamlPath }, 'using existing configuration');
      else {
        writeConfigFiles(join(home, 'conf'), {
          clusterName: 'Sibyl Cluster',
          listenAddress: '127.0.0.1',
          nativeTransportPort: 9042,
          dataDir: join(home, 'data'),
          hintsDirectory: join(home, 'hints'),
        });
        log.info({ config: yamlPath }, 'wrote default configuration');
      }
      let config: NodeConfig;
      try {
        config = loadConfig(yamlPath);
      } catch (e) {
        if (e instanceof ConfigLoadError) fail(log, e.message);
        throw e;
      }
      await runNodeInForeground(config, log);
    });
}
