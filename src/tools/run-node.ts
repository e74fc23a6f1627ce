// Runs one node in the foreground of this process: shared by `sibyl node` and `sibyl start`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { NodeConfig } from '../server/config.ts';

/** The shape of src/server/node.ts, declared here so the CLI type-checks and loads even while that file is in flux. */
export interface RunningNodeHandle {
  close(): Promise<void>;
  address: string;
  nativePort: number;
}
interface ServerModule {
  startNode(config: NodeConfig): Promise<RunningNodeHandle>;
}

/** Exit codes: 0 after a clean shutdown on SIGTERM/SIGINT, 1 when the node cannot start or stop. */
export async function runNodeInForeground(config: NodeConfig, log: Logger): Promise<void> {
  for (const w of config.warnings) log.warn({ config: config.configPath }, w);
  // SIBYL_SERVER_MODULE (a path) swaps in a stand-in server so the CLI's own lifecycle can be tested apart from the
  // real one.
  const override = process.env['SIBYL_SERVER_MODULE'];
  let server: ServerModule;
  try {
    // A literal specifier, so a bundle (bench/ and the launcher run one) carries the server inside it.
    server = override ? ((await import(pathToFileURL(resolve(override)).href)) as ServerModule) : await import('../server/node.ts');
  } catch (e) {
    fail(log, `cannot load the server (src/server/node.ts): ${(e as Error).message}`);
  }
  log.info(
    { cluster: config.clusterName, dc: config.dataCenter, rack: config.rack, dataDir: config.dataDir, config: config.configPath },
    'starting node',
  );
  let node: RunningNodeHandle;
  try {
    node = await server.startNode(config);
  } catch (e) {
    fail(log, `node failed to start: ${(e as Error).message}`, e);
  }
  log.info({ address: node.address, nativePort: node.nativePort }, `listening for CQL clients on ${node.address}:${node.nativePort}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without a clean shutdown');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'stopping node');
    node.close().then(
      () => {
        log.info('node stopped');
        process.exit(0);
      },
      (e: unknown) => fail(log, `node failed to stop cleanly: ${(e as Error).message}`, e),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

export function fail(log: Logger | undefined, message: string, err?: unknown): never {
  log?.error({ err }, message);
  process.stderr.write(`sibyl: ${message}\n`);
  process.exit(1);
}
