// `sibyl nodetool [-h HOST] [-p PORT] <command>`: Cassandra's nodetool against a node's admin API (server/admin.ts).
// Output and exit codes follow Cassandra 4.0's nodetool so operators' scripts and habits carry over.
import { Command } from 'commander';
import type { DescribeClusterReport, InfoReport, PendingHintsEntry, RingEntry, StatusReport, TableStatsEntry, ThreadPoolEntry } from '../server/admin-types.ts';
import { AdminConnectError, AdminResponseError, adminCall, withQuery } from './admin-client.ts';
import { formatViewBuildStatus } from './nodetool-views.ts';
import type { ViewBuildStatusEntry } from '../server/admin-types.ts';
import {
  formatDescribeCluster, formatPendingHints, formatEndpoints, formatInfo, formatRing, formatStatus, formatTableStats, formatThreadPools,
} from './nodetool-format.ts';
import { registerLifecycleCommands } from './nodetool-lifecycle.ts';
import { registerMembershipCommands } from './nodetool-membership.ts';
import { registerOpsCommands } from './nodetool-ops.ts';
import { registerSnapshotCommands } from './nodetool-snapshots.ts';
import { registerRepairAdminCommands } from './nodetool-repair-admin.ts';
import { registerCidrCommands } from './nodetool-cidr.ts';

export interface Target {
  host: string;
  port: number;
}

interface ConnOpts {
  host?: string;
  port?: string;
}

/** Cassandra's defaults: the local node's JMX port. */
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = '7199';

export function target(cmd: Command): Target {
  // -h/-p may come before the subcommand (Cassandra's usual form) or after it; the later one wins.
  const parent = (cmd.parent?.opts() ?? {}) as ConnOpts;
  const own = cmd.opts<ConnOpts>();
  const port = own.port ?? parent.port ?? DEFAULT_PORT;
  const host = own.host ?? parent.host ?? DEFAULT_HOST;
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) usage(`Invalid port: ${port}`);
  return { host, port: Number(port) };
}

export function usage(message: string): never {
  process.stderr.write(`nodetool: ${message}\nSee 'nodetool help' or 'nodetool help <command>'.\n`);
  process.exit(1);
}

/** Runs one nodetool command, translating failures into Cassandra's messages and exit codes. */
export async function run(t: Target, body: () => Promise<string>, onClientError?: (e: AdminResponseError) => never): Promise<void> {
  try {
    process.stdout.write(await body());
  } catch (e) {
    if (e instanceof AdminConnectError) {
      // NodeTool.connect(): "nodetool: Failed to connect to 'host:port' - ConnectException: 'Connection refused'." exit 1.
      process.stderr.write(`nodetool: Failed to connect to '${t.host}:${t.port}' - ${e.javaName}: '${e.javaMessage}'.\n`);
      process.exit(1);
    }
    if (e instanceof AdminResponseError && e.status >= 400 && e.status < 500) {
      if (onClientError) onClientError(e);
      usage(e.message);
    }
    // Anything else is what Cassandra reports as "error: …" with exit status 2.
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(2);
  }
}

/** The entries of a view's build, or nodetool's failure output and exit. */
async function getOrExit(t: Target, path: string): Promise<ViewBuildStatusEntry[]> {
  let entries: ViewBuildStatusEntry[] = [];
  await run(t, async () => {
    entries = await adminCall<ViewBuildStatusEntry[]>(t.host, t.port, path);
    return '';
  });
  return entries;
}

/** status/ring/describecluster print "Error: <message>" for a keyspace that does not exist, and exit 1. */
const keyspaceError = (e: AdminResponseError): never => {
  process.stdout.write(`\nError: ${e.message}\n`);
  process.exit(1);
};

export function withConn(cmd: Command): Command {
  return cmd
    .helpOption('--help', 'display help for command')
    .option('-h, --host <host>', 'node hostname or ip address')
    .option('-p, --port <port>', 'remote admin (JMX) port number');
}

export function registerNodetoolCommand(program: Command): void {
  const nt = withConn(
    program.command('nodetool').description("Cassandra's nodetool against a node's admin API (default 127.0.0.1:7199)"),
  );
  // nodetool's own -h/-p are read before its subcommand only (each subcommand reads them after it): repair's -pr
  // must not be taken for `-p r`.
  nt.enablePositionalOptions();
  const get = <T>(t: Target, path: string): Promise<T> => adminCall<T>(t.host, t.port, path);

  withConn(nt.command('status').argument('[keyspace]', 'the keyspace for effective ownership'))
    .description('Print cluster information (state, load, IDs, ...)')
    .action(async (keyspace: string | undefined, _o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => formatStatus(await get<StatusReport>(t, withQuery('/status', { keyspace }))), keyspaceError);
    });

  withConn(nt.command('ring').argument('[keyspace]', 'the keyspace for effective ownership'))
    .description('Print information about the token ring')
    .action(async (keyspace: string | undefined, _o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(
        t,
        async () => {
          const [ring, status] = await Promise.all([
            get<RingEntry[]>(t, withQuery('/ring', { keyspace })),
            get<StatusReport>(t, withQuery('/status', { keyspace })),
          ]);
          return formatRing(ring, status);
        },
        keyspaceError,
      );
    });

  withConn(nt.command('info'))
    .description('Print node information (uptime, load, ...)')
    .option('-T, --tokens', 'Display all tokens')
    .action(async (_o: unknown, cmd: Command) => {
      const t = target(cmd);
      const opts = cmd.opts<{ tokens?: boolean }>();
      await run(t, async () => formatInfo(await get<InfoReport>(t, '/info'), { tokens: opts.tokens === true }));
    });

  // Cassandra prints "running" or "not running" for both.
  const transportStatus = (name: string, description: string, active: (i: InfoReport) => boolean): void => {
    withConn(nt.command(name))
      .description(description)
      .action(async (_o: unknown, cmd: Command) => {
        const t = target(cmd);
        await run(t, async () => `${active(await get<InfoReport>(t, '/info')) ? 'running' : 'not running'}\n`);
      });
  };
  transportStatus('statusbinary', 'Status of native transport (binary protocol)', (i) => i.nativeTransportActive);
  transportStatus('statusgossip', 'Status of gossip', (i) => i.gossipActive);

  withConn(nt.command('describecluster'))
    .description('Print the name, snitch, partitioner and schema version of a cluster')
    .action(async (_o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => {
        const [d, status] = await Promise.all([get<DescribeClusterReport>(t, '/describecluster'), get<StatusReport>(t, '/status')]);
        return formatDescribeCluster(d, status);
      });
    });

  withConn(nt.command('listpendinghints'))
    .description('Print all pending hints that this node has')
    .action(async (_o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => formatPendingHints(await get<PendingHintsEntry[]>(t, '/hints')));
    });

  withConn(nt.command('getendpoints'))
    .description('Print the end points that owns the key')
    .argument('<keyspace>')
    .argument('<table>')
    .argument('<key>', 'the partition key as text (components of a composite key separated by ":")')
    .action(async (keyspace: string, table: string, key: string, _o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => formatEndpoints(await get<string[]>(t, withQuery('/endpoints', { keyspace, table, key }))));
    });

  withConn(nt.command('tablestats'))
    .alias('cfstats')
    .description('Print statistics on tables')
    .argument('[tables...]', 'keyspaces or keyspace.table names (default: every table outside the system keyspaces)')
    .action(async (tables: string[], _o: unknown, cmd: Command) => {
      const t = target(cmd);
      const q = new URLSearchParams();
      for (const name of tables) q.append('table', name);
      const path = q.size > 0 ? `/tablestats?${q.toString()}` : '/tablestats';
      await run(t, async () => formatTableStats(await get<TableStatsEntry[]>(t, path)));
    });

  withConn(nt.command('tpstats'))
    .description('Print usage statistics of thread pools')
    .action(async (_o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => formatThreadPools(await get<ThreadPoolEntry[]>(t, '/tpstats')));
    });

  withConn(nt.command('flush'))
    .description('Flush one or more tables (Sibyl flushes everything)')
    .argument('[keyspace]')
    .argument('[tables...]')
    .action(async (_ks: unknown, _tables: unknown, _o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => (await adminCall(t.host, t.port, '/flush', { method: 'POST' }), ''));
    });

  withConn(nt.command('rebuild_index'))
    .description('A full rebuild of native secondary indexes for a given table')
    .argument('<keyspace>')
    .argument('<table>')
    .argument('<indexName...>')
    .action(async (keyspace: string, table: string, indexes: string[], _o: unknown, cmd: Command) => {
      const t = target(cmd);
      const path = withQuery('/rebuildindex', { keyspace, table, indexes: indexes.join(',') });
      await run(t, async () => (await adminCall(t.host, t.port, path, { method: 'POST', timeoutMs: 600_000 }), ''));
    });

  withConn(nt.command('viewbuildstatus'))
    .description('Show progress of a materialized view build')
    .argument('<keyspace.view | keyspace>')
    .argument('[view]')
    .action(async (first: string, second: string | undefined, _o: unknown, cmd: Command) => {
      const t = target(cmd);
      const [keyspace, view] = second !== undefined ? [first, second] : first.split('.', 2);
      if (keyspace === undefined || view === undefined) usage('viewbuildstatus requires keyspace and view name arguments');
      const entries = await getOrExit(t, withQuery('/viewbuildstatus', { keyspace, view }));
      const out = formatViewBuildStatus(keyspace, view, entries);
      process.stdout.write(out.text);
      if (!out.finished) process.exitCode = 1;
    });
  registerLifecycleCommands(nt);
  registerMembershipCommands(nt);
  registerOpsCommands(nt);
  registerSnapshotCommands(nt);
  registerRepairAdminCommands(nt);
  registerCidrCommands(nt);

  withConn(nt.command('drain'))
    .description('Drain the node (stop accepting writes and flush all tables)')
    .action(async (_o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => (await adminCall(t.host, t.port, '/drain', { method: 'POST', timeoutMs: 120_000 }), ''));
    });
}
