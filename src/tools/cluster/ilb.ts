// An internal load balancer like the seed's Azure ILB (10.1.2.101): a TCP forwarder on one address that spreads client
// connections round-robin over the healthy nodes of a data centre. Health is a TCP probe of each node's native port
// every second; unhealthy nodes are skipped until a probe succeeds again. Runs as `sibyl cluster ilb` (hidden).
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Command } from 'commander';

export interface IlbTarget {
  host: string;
  port: number;
}

export interface Ilb {
  readonly address: string;
  readonly port: number;
  /** Targets currently passing their health probe. */
  healthy(): IlbTarget[];
  close(): Promise<void>;
}

export interface IlbOptions {
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  log?: (msg: string) => void;
}

export function parseHostPort(s: string, defaultPort: number): IlbTarget {
  const m = /^([^:]+)(?::(\d+))?$/.exec(s.trim());
  if (!m) throw new Error(`expected HOST[:PORT], got "${s}"`);
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`invalid port in "${s}"`);
  return { host: m[1]!, port };
}

function probe(t: IlbTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host: t.host, port: t.port });
    const finish = (ok: boolean): void => {
      s.destroy();
      done(ok);
    };
    s.setTimeout(timeoutMs, () => finish(false));
    s.once('connect', () => finish(true));
    s.once('error', () => finish(false));
  });
}

export async function startIlb(listen: IlbTarget, targets: readonly IlbTarget[], opts: IlbOptions = {}): Promise<Ilb> {
  const log = opts.log ?? (() => {});
  const up = new Map<IlbTarget, boolean>(targets.map((t) => [t, false]));
  let next = 0;
  let closed = false;
  const sockets = new Set<Socket>();

  const runProbes = async (): Promise<void> => {
    await Promise.all(
      targets.map(async (t) => {
        const ok = await probe(t, opts.probeTimeoutMs ?? 500);
        if (ok !== up.get(t)) log(`${t.host}:${t.port} is ${ok ? 'healthy' : 'unhealthy'}`);
        up.set(t, ok);
      }),
    );
  };
  await runProbes();
  // Probes never overlap: the next round is scheduled when the previous one finishes.
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    timer = setTimeout(() => void runProbes().then(() => !closed && schedule()), opts.probeIntervalMs ?? 1000);
  };
  schedule();

  const healthy = (): IlbTarget[] => targets.filter((t) => up.get(t));

  /** Round-robin over healthy targets; a target that refuses is marked down and the next one tried. */
  const forward = (client: Socket, tried: Set<IlbTarget>): void => {
    const candidates = healthy().filter((t) => !tried.has(t));
    if (candidates.length === 0) {
      log(`no healthy node for a client from ${client.remoteAddress ?? '?'}`);
      client.destroy();
      return;
    }
    const t = candidates[next++ % candidates.length]!;
    tried.add(t);
    const upstream = connect({ host: t.host, port: t.port });
    sockets.add(upstream);
    upstream.setNoDelay(true);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!connected) {
        up.set(t, false);
        forward(client, tried);
      } else client.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      if (connected) client.destroy();
    });
    client.on('close', () => upstream.destroy());
  };

  const server: Server = createServer({ noDelay: true, pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    forward(client, new Set());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  log(`listening on ${listen.host}:${listen.port}, forwarding to ${targets.map((t) => `${t.host}:${t.port}`).join(', ')}`);
  return {
    address: listen.host,
    port: listen.port,
    healthy,
    close() {
      closed = true;
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function registerIlbCommand(cluster: Command): void {
  cluster
    .command('ilb', { hidden: true })
    .description('internal load balancer: forward TCP connections round-robin to healthy targets')
    .requiredOption('--listen <host:port>', 'address to listen on (port defaults to 9042)')
    .requiredOption('--targets <list>', 'comma-separated host[:port] of the nodes')
    .action(async (opts: { listen: string; targets: string }) => {
      const listen = parseHostPort(opts.listen, 9042);
      const targets = opts.targets.split(',').filter((s) => s.trim() !== '').map((s) => parseHostPort(s, 9042));
      const log = (msg: string): void => void process.stdout.write(`${new Date().toISOString()} ilb ${msg}\n`);
      const ilb = await startIlb(listen, targets, { log });
      const stop = (): void => {
        log('stopping');
        void ilb.close().then(() => process.exit(0));
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
