// `sibyl cluster …`: a ccm-like launcher for local clusters on loopback addresses — up, status, down, remove, and
// stop/start/kill of a node, a rack or a data centre for outage drills.
import { setUpSecureRoles, TLS_DIR } from './secure.ts';
import { CA_CERT_FILE } from './certs.ts';
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { cliCommand } from '../bundle.ts';
import { formatStatus } from '../nodetool-format.ts';
import { registerIlbCommand } from './ilb.ts';
import { addNodeToManifest } from './add.ts';
import {
  applyNetwork, checkAddressesFree, clusterStatus, ilbAlive, nodeAlive, prepareCluster, recordIdentities, startIlbs, startNodes, summary,
} from './launch.ts';
import { existsManifest, findClusterDir, readManifest, selectNodes, writeManifest, type ClusterManifest, type ManifestNode } from './manifest.ts';
import { stopProcesses } from './processes.ts';
import { ttyProgress } from '../progress.ts';
import { waitReady } from './ready.ts';
import { countTopology, parseTopologyYaml, presetTopology, PRESETS, type ClusterTopology, type PresetOptions } from './topology.ts';

export interface UpOptions {
  preset?: string;
  nodes?: string;
  topology?: string;
  dir?: string;
  name?: string;
  ilb?: boolean;
  ilbAddress?: string;
  vnodes?: number;
  baseAddress?: string;
  latencyDc?: number;
  latencyRack?: number;
  timeout: number;
  secure?: boolean;
  appKeyspace?: string;
}

const intArg = (what: string, min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be an integer ≥ ${min}`);
  return n;
};

export function topologyFromOptions(o: UpOptions): ClusterTopology {
  const chosen = [o.preset, o.nodes, o.topology].filter((x) => x !== undefined);
  if (chosen.length !== 1) throw new Error('choose exactly one of --preset NAME, -n COUNTS or --topology FILE');
  const p: PresetOptions = {
    ...(o.vnodes !== undefined ? { vnodes: o.vnodes } : {}),
    ...(o.latencyDc !== undefined ? { latencyDcMs: o.latencyDc } : {}),
    ...(o.latencyRack !== undefined ? { latencyRackMs: o.latencyRack } : {}),
  };
  const secure = o.secure === true ? { secure: { appKeyspace: o.appKeyspace ?? 'app' } } : {};
  if (o.preset !== undefined) return { ...presetTopology(o.preset, p), ...secure };
  if (o.nodes !== undefined) return { ...countTopology(o.nodes, { ...p, ...(o.baseAddress ? { baseAddress: o.baseAddress } : {}), ...(o.name ? { name: o.name } : {}) }), ...secure };
  return { ...parseTopologyYaml(readFileSync(o.topology!, 'utf8'), p), ...secure };
}

/** ./clusters/<name>: the preset's name, the topology's cluster name, or --name. */
function defaultDir(o: UpOptions, t: ClusterTopology): string {
  return resolve('clusters', o.name ?? t.preset ?? t.clusterName);
}

/**
 * Start-up progress: on a terminal, two bars (node processes whose admin API answers; nodes UN everywhere and serving
 * a driver); otherwise one plain line per change (logs, tests, CI). `done()` puts the bars away.
 */
export async function progressReporter(label: string, total: number): Promise<{ report: (ready: number, total: number, phase: string, started: number) => void; done: () => void }> {
  const bars = await ttyProgress([
    { key: 'started', label: `${label}: started`, total, unit: 'nodes' },
    { key: 'ready', label: `${label}: UN`, total, unit: 'nodes' },
  ]);
  if (bars !== undefined) return { report: (ready, _total, _phase, started) => bars.update({ started, ready }), done: () => bars.stop() };
  let printed = -1;
  return {
    report: (ready, n) => {
      // The plain form counts ready nodes only: a line per node start as well would double a log's length.
      if (ready === printed) return;
      printed = ready;
      const width = 20;
      const filled = Math.round((ready / n) * width);
      process.stderr.write(`${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${ready}/${n} nodes ready\n`);
    },
    done: () => undefined,
  };
}

/** Starts the given nodes of `m` in the background and waits until they serve; stops them again on failure. */
export async function startAndWait(m: ClusterManifest, nodes: readonly ManifestNode[], timeoutSec: number): Promise<void> {
  const toStart = nodes.filter((n) => !nodeAlive(n));
  await checkAddressesFree(toStart);
  startNodes(m, toStart, true, await cliCommand());
  const progress = await progressReporter('starting', nodes.length);
  try {
    const tlsCaPem = m.topology.secure !== undefined ? readFileSync(join(m.dir, TLS_DIR, CA_CERT_FILE), 'utf8') : undefined;
    const r = await waitReady(nodes, { timeoutMs: timeoutSec * 1000, progress: progress.report, alive: nodeAlive, ...(tlsCaPem !== undefined ? { tlsCaPem } : {}) }).finally(progress.done);
    if (r.selfOnly.length > 0) process.stderr.write(`note: ${r.selfOnly.length} node(s) see only themselves: cluster membership is not wired into the node yet\n`);
  } catch (e) {
    await stopProcesses(toStart.map((n) => ({ pid: n.pid, marker: n.configPath })), 'SIGTERM');
    for (const n of toStart) delete n.pid;
    writeManifest(m);
    throw e;
  }
  await recordIdentities(m);
}

async function up(o: UpOptions): Promise<void> {
  const topology = topologyFromOptions(o);
  const dir = o.dir !== undefined ? resolve(o.dir) : defaultDir(o, topology);
  const { manifest: m, created } = prepareCluster(dir, topology);
  process.stderr.write(`${created ? 'created' : 'using existing'} cluster '${m.clusterName}' in ${m.dir}: ${m.nodes.length} nodes\n`);
  await startAndWait(m, m.nodes, o.timeout);
  if (m.topology.secure !== undefined) await setUpSecureRoles(m, m.topology.secure.appKeyspace, o.timeout * 1000);
  if (o.ilb === true || o.ilbAddress !== undefined) {
    startIlbs(m, o.ilbAddress, true, await cliCommand());
    await waitIlbs(m);
  }
  await applyNetwork(m);
  process.stdout.write(await summary(m));
}

/** Waits (bounded) until each load balancer accepts connections. */
export async function waitIlbs(m: ClusterManifest, timeoutMs = 15_000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (const i of m.ilbs) {
    for (;;) {
      const ok = await new Promise<boolean>((done) => {
        const s = connect({ host: i.address, port: i.port });
        s.once('connect', () => (s.destroy(), done(true)));
        s.once('error', () => (s.destroy(), done(false)));
      });
      if (ok) break;
      if (Date.now() > deadline || !ilbAlive(i)) throw new Error(`load balancer ${i.address}:${i.port} did not start (log: ${i.logPath})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function status(dir: string | undefined): Promise<void> {
  const m = readManifest(findClusterDir(dir));
  const out: string[] = [`Cluster '${m.clusterName}'${m.preset ? ` (preset ${m.preset})` : ''} in ${m.dir}`];
  const w = Math.max(...m.nodes.map((n) => n.address.length));
  for (const n of m.nodes) {
    out.push(`  ${n.name.padEnd(7)} ${n.address.padEnd(w)}  ${`${n.dataCenter}/${n.rack}`.padEnd(16)} ${nodeAlive(n) ? `running (pid ${n.pid})` : 'stopped'}${n.seed ? '  seed' : ''}`);
  }
  for (const i of m.ilbs) out.push(`  ilb     ${`${i.address}:${i.port}`.padEnd(w)}  ${i.dataCenter.padEnd(16)} ${ilbAlive(i) ? `running (pid ${i.pid})` : 'stopped'}`);
  process.stdout.write(`${out.join('\n')}\n\n`);
  if (m.nodes.some(nodeAlive)) process.stdout.write(formatStatus((await clusterStatus(m)).report));
}

/** SIGTERM (or SIGKILL) to the chosen nodes; pids are cleared in the manifest. */
export async function stopNodes(m: ClusterManifest, nodes: readonly ManifestNode[], signal: 'SIGTERM' | 'SIGKILL'): Promise<number> {
  const stopped = await stopProcesses(nodes.map((n) => ({ pid: n.pid, marker: n.configPath })), signal);
  for (const n of nodes) delete n.pid;
  writeManifest(m);
  return stopped.length;
}

/**
 * Records the latency between racks and between DCs in the manifest and injects it into every running node (`cluster
 * network`, the dashboard's latency form). Returns the line the operator is told.
 */
export async function setClusterLatency(m: ClusterManifest, latency: { rackMs?: number; dcMs?: number }): Promise<string> {
  const net = { ...m.topology.network };
  if (latency.dcMs !== undefined) net.dcMs = latency.dcMs;
  if (latency.rackMs !== undefined) net.rackMs = latency.rackMs;
  m.topology.network = net;
  writeManifest(m);
  await applyNetwork(m, true);
  return `latency between racks ${net.rackMs ?? 0} ms, between data centres ${net.dcMs ?? 0} ms (${m.nodes.filter(nodeAlive).length} running nodes updated)`;
}

async function down(dir: string): Promise<ClusterManifest> {
  const m = readManifest(dir);
  const ilbs = await stopProcesses(m.ilbs.map((i) => ({ pid: i.pid, marker: `${i.address}:${i.port}` })), 'SIGTERM');
  for (const i of m.ilbs) delete i.pid;
  const n = await stopNodes(m, m.nodes, 'SIGTERM');
  process.stdout.write(`stopped ${n} node${n === 1 ? '' : 's'}${ilbs.length ? ` and ${ilbs.length} load balancer(s)` : ''} of '${m.clusterName}'\n`);
  return m;
}

interface SelectOpts {
  dir?: string;
  node?: string;
  rack?: string;
  dc?: string;
  timeout: number;
}

function selection(cmd: Command): Command {
  return cmd
    .option('--dir <dir>', 'cluster directory (default: the only cluster under ./clusters)')
    .option('--node <address>', 'one node, by address (or name, e.g. node3)')
    .option('--rack <rack>', 'every node of a rack (with --dc)')
    .option('--dc <dc>', 'every node of a data centre')
    .option('--timeout <seconds>', 'how long to wait for nodes to start', intArg('--timeout', 1), 120);
}

/** Runs a command body, printing `sibyl cluster: <message>` and exiting 1 on failure. */
const guard = (f: () => Promise<void>): Promise<void> =>
  f().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`sibyl cluster: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );

export function registerClusterCommand(program: Command): void {
  const cluster = program.command('cluster').description('launch and control a local multi-node cluster (ccm-style)');

  cluster
    .command('up')
    .description('create (or restart) a cluster and wait until every node is up')
    .option('--preset <name>', `one of ${PRESETS.join(', ')}`)
    .option('-n, --nodes <counts>', 'nodes per data centre, ccm-style: 3 (dc1) or 3:3 (dc1, dc2)')
    .option('--topology <file>', 'YAML topology file')
    .option('--dir <dir>', 'cluster directory (default ./clusters/<name>)')
    .option('--name <name>', 'cluster name for -n topologies, and the directory name')
    .option('--vnodes <n>', 'num_tokens per node (default 16)', intArg('--vnodes', 1))
    .option('--base-address <ip>', 'first node address for -n (default 127.0.0.1)')
    .option('--ilb', "start an internal load balancer on each data centre's ILB address, port 9042")
    .option('--ilb-address <ip>', 'ILB address to use instead of the preset one (first data centre)')
    .option('--latency-dc <ms>', 'one-way latency injected between data centres (default 0)', intArg('--latency-dc', 0))
    .option('--latency-rack <ms>', 'one-way latency injected between racks of a data centre (default 0)', intArg('--latency-rack', 0))
    .option('--timeout <seconds>', 'how long to wait for the cluster', intArg('--timeout', 1), 120)
    .option('--secure', 'lock the new cluster down: a cluster CA and node certificates, client and internode TLS, password authentication and authorization, an application role')
    .option('--app-keyspace <name>', "with --secure: the keyspace the application role 'app' may use (default app)")
    .action((o: UpOptions) => guard(() => up(o)));

  cluster
    .command('status')
    .description('node processes and nodetool status')
    .option('--dir <dir>', 'cluster directory (default: the only cluster under ./clusters)')
    .action((o: { dir?: string }) => guard(() => status(o.dir)));

  cluster
    .command('down')
    .description('stop every node (SIGTERM) and load balancer; data is kept')
    .option('--dir <dir>', 'cluster directory (default: the only cluster under ./clusters)')
    .action((o: { dir?: string }) => guard(async () => void (await down(findClusterDir(o.dir)))));

  cluster
    .command('remove')
    .description('down, then delete the cluster directory')
    .option('--dir <dir>', 'cluster directory (default: the only cluster under ./clusters)')
    .action((o: { dir?: string }) =>
      guard(async () => {
        const dir = findClusterDir(o.dir);
        // Only ever delete a directory that holds a cluster manifest, never an arbitrary --dir.
        if (!existsManifest(dir)) throw new Error(`${dir} has no cluster.json; not removing it`);
        await down(dir);
        rmSync(dir, { recursive: true, force: true });
        process.stdout.write(`removed ${dir}\n`);
      }),
    );

  selection(cluster.command('stop').description('stop nodes cleanly (SIGTERM) for an outage drill')).action((o: SelectOpts) =>
    guard(async () => {
      const m = readManifest(findClusterDir(o.dir));
      const n = await stopNodes(m, selectNodes(m, o), 'SIGTERM');
      process.stdout.write(`stopped ${n} node(s)\n`);
    }),
  );
  cluster
    .command('add')
    .description('add a node to a running cluster; it bootstraps (streams its ranges) unless --no-bootstrap')
    .option('--dir <dir>', 'cluster directory (default: the only cluster under ./clusters)')
    .requiredOption('--dc <dc>', 'data centre of the new node')
    .requiredOption('--rack <rack>', 'rack of the new node')
    .option('--address <ip>', 'its address (default: the one after the highest of the cluster)')
    .option('--no-bootstrap', 'join at once with allocated tokens, without streaming (auto_bootstrap: false)')
    .option('--replace <ip>', "replace the dead node at this address (replace_address_first_boot): take its tokens, stream its data")
    .option('--timeout <seconds>', 'how long to wait for it to join', intArg('--timeout', 1), 900)
    .action((o: { dir?: string; dc: string; rack: string; address?: string; bootstrap: boolean; replace?: string; timeout: number }) =>
      guard(async () => {
        const m = readManifest(findClusterDir(o.dir));
        const node = await addNodeToManifest(m, {
          dc: o.dc, rack: o.rack, bootstrap: o.bootstrap, ...(o.address ? { address: o.address } : {}), ...(o.replace ? { replace: o.replace } : {}),
        });
        const how = o.replace ? `, replacing ${o.replace}` : o.bootstrap ? ', bootstrapping' : '';
        process.stderr.write(`adding ${node.name} (${node.address}, ${o.dc}/${o.rack})${how}\n`);
        await startAndWait(m, [node], o.timeout);
        await applyNetwork(m);
        process.stdout.write(`added ${node.address} to '${m.clusterName}'\n`);
      }),
    );

  selection(cluster.command('kill').description('kill nodes (SIGKILL): a crash')).action((o: SelectOpts) =>
    guard(async () => {
      const m = readManifest(findClusterDir(o.dir));
      const n = await stopNodes(m, selectNodes(m, o), 'SIGKILL');
      process.stdout.write(`killed ${n} node(s)\n`);
    }),
  );
  selection(cluster.command('start').description('start stopped nodes again and wait for them')).action((o: SelectOpts) =>
    guard(async () => {
      const m = readManifest(findClusterDir(o.dir));
      const nodes = selectNodes(m, o);
      await startAndWait(m, nodes, o.timeout);
      // A restarted node starts with an ideal network; give it the cluster's latencies again.
      await applyNetwork(m);
      process.stdout.write(`started ${nodes.map((n) => n.address).join(', ')}\n`);
    }),
  );

  cluster
    .command('network')
    .description("set the latency injected between racks and between data centres on every running node (0 removes it)")
    .option('--dir <dir>', 'cluster directory (default: the only cluster under ./clusters)')
    .option('--latency-dc <ms>', 'one-way latency between data centres', intArg('--latency-dc', 0))
    .option('--latency-rack <ms>', 'one-way latency between racks of a data centre', intArg('--latency-rack', 0))
    .action((o: { dir?: string; latencyDc?: number; latencyRack?: number }) =>
      guard(async () => {
        const m = readManifest(findClusterDir(o.dir));
        const latency = { ...(o.latencyDc !== undefined ? { dcMs: o.latencyDc } : {}), ...(o.latencyRack !== undefined ? { rackMs: o.latencyRack } : {}) };
        process.stdout.write(`${await setClusterLatency(m, latency)}\n`);
      }),
    );

  registerIlbCommand(cluster);
}
