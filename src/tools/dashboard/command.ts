// `sibyl dashboard [--dir CLUSTER] [--port 8888]`: a live web page of a launcher cluster on 127.0.0.1 (server.ts), fed
// by polling every node's admin API, with the launcher's stop/kill/start and latency commands behind its buttons.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { PendingHintsEntry, StatusReport } from '../../server/admin-types.ts';
import { ADMIN_TOKEN_FILE, readAdminTokenFile } from '../../server/admin-token.ts';
import { adminCall } from '../admin-client.ts';
import { setClusterLatency, startAndWait, stopNodes } from '../cluster/commands.ts';
import { applyNetwork, nodeAlive } from '../cluster/launch.ts';
import { findClusterDir, readManifest, selectNodes } from '../cluster/manifest.ts';
import { Dashboard, type DashboardActions, type NodeAction, type NodeSelection } from './server.ts';
import type { NodePoll, NodeTarget } from './state.ts';

const POLL_TIMEOUT_MS = 2000;

/** One node's status, hints and metrics, each call on its own so one failing does not hide the others. */
export async function pollNode(t: NodeTarget, token: string | undefined): Promise<NodePoll> {
  const opts = { timeoutMs: POLL_TIMEOUT_MS, ...(token !== undefined ? { token } : {}) };
  if (t.running === false) return { address: t.address, error: 'not running' };
  const [status, hints, metrics] = await Promise.allSettled([
    adminCall<StatusReport>(t.address, t.adminPort, '/status', opts),
    adminCall<PendingHintsEntry[]>(t.address, t.adminPort, '/hints', opts),
    adminCall<string>(t.address, t.adminPort, '/metrics', opts),
  ]);
  const poll: NodePoll = { address: t.address };
  if (status.status === 'fulfilled') poll.status = status.value;
  else poll.error = String(status.reason);
  if (hints.status === 'fulfilled' && Array.isArray(hints.value)) poll.hints = hints.value;
  if (metrics.status === 'fulfilled' && typeof metrics.value === 'string') poll.metrics = metrics.value;
  return poll;
}

/** The launcher's commands, run against the manifest as it is now. */
function launcherActions(dir: string, startTimeoutSec: number): DashboardActions {
  const describe = (sel: NodeSelection): string => sel.node ?? (sel.rack !== undefined ? `${sel.dc}/${sel.rack}` : `${sel.dc}`);
  return {
    async run(action: NodeAction, sel: NodeSelection): Promise<string> {
      const m = readManifest(dir);
      const nodes = selectNodes(m, sel);
      if (action === 'start') {
        await startAndWait(m, nodes, startTimeoutSec);
        // A restarted node starts with an ideal network; give it the cluster's latencies again.
        await applyNetwork(m);
        return `started ${describe(sel)}: ${nodes.map((n) => n.address).join(', ')}`;
      }
      const n = await stopNodes(m, nodes, action === 'kill' ? 'SIGKILL' : 'SIGTERM');
      return `${action === 'kill' ? 'killed' : 'stopped'} ${describe(sel)}: ${n} node(s)`;
    },
    setLatency: (latency) => setClusterLatency(readManifest(dir), latency),
  };
}

export interface DashboardOptions {
  dir?: string;
  port: number;
  interval: number;
  timeout: number;
}

export async function runDashboard(o: DashboardOptions): Promise<{ url: string; close(): Promise<void> }> {
  const dir = findClusterDir(o.dir);
  const first = readManifest(dir);
  const tokenPath = join(dir, ADMIN_TOKEN_FILE);
  const token = existsSync(tokenPath) ? readAdminTokenFile(tokenPath) : undefined;
  const dashboard = new Dashboard({
    clusterName: first.clusterName,
    targets: () => readManifest(dir).nodes.map((n) => ({ name: n.name, address: n.address, adminPort: n.adminPort, dataCenter: n.dataCenter, rack: n.rack, running: nodeAlive(n), ...(n.tokens ? { tokens: n.tokens } : {}) })),
    poll: (t) => pollNode(t, token),
    network: () => {
      const net = readManifest(dir).topology.network;
      return { rackMs: net.rackMs ?? 0, dcMs: net.dcMs ?? 0 };
    },
    actions: launcherActions(dir, o.timeout),
    nowMs: () => Date.now(),
    every: (ms, f) => {
      const timer = setInterval(f, ms);
      return { stop: () => clearInterval(timer) };
    },
  });
  const server = createServer((req, res) => dashboard.handle(req, res));
  // Loopback only: the page has buttons that kill processes.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  dashboard.start(o.interval);
  void dashboard.pollOnce();
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : o.port;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => {
      dashboard.stop();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

const intArg = (what: string, min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be an integer ≥ ${min}`);
  return n;
};

export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('a live web page of a launcher cluster on 127.0.0.1: ring, racks, node states and metrics, outage and latency buttons')
    .option('--dir <dir>', 'cluster directory (default: the only cluster under ./clusters)')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', intArg('--port', 0), 8888)
    .option('--interval <ms>', 'how often the nodes are polled', intArg('--interval', 100), 1000)
    .option('--timeout <seconds>', 'how long a start button waits for its nodes', intArg('--timeout', 1), 120)
    .action(async (o: DashboardOptions) => {
      try {
        const d = await runDashboard(o);
        process.stdout.write(`dashboard: ${d.url}\n`);
        const quit = (): void => void d.close().then(() => process.exit(0));
        process.once('SIGINT', quit);
        process.once('SIGTERM', quit);
      } catch (e) {
        process.stderr.write(`sibyl dashboard: ${(e as Error).message}\n`);
        process.exit(1);
      }
    });
}
