// A stand-in for src/server/node.ts (loaded through SIBYL_SERVER_MODULE) that only opens the native port: lets the CLI,
// config and process-lifecycle tests run without depending on the real server.
import { createServer, type Socket } from 'node:net';
import type { NodeConfig } from '../../src/server/config.ts';

export async function startNode(config: NodeConfig): Promise<{ close(): Promise<void>; address: string; nativePort: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(config.nativeTransportPort, config.rpcAddress, () => ok());
  });
  if (process.env['FAKE_SERVER_PRINT_CONFIG']) process.stderr.write(`CONFIG ${JSON.stringify(config, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}\n`);
  return {
    address: config.rpcAddress,
    nativePort: config.nativeTransportPort,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
