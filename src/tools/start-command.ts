// `sibyl start` (what `npm start` runs): the seed's Azure deployment — cluster CustomerService, DC WESTUS, 8 nodes on
// 127.1.2.4–11 in rack1–rack4 — in the foreground. Nodes are child processes logging under ./data/<preset>/nodeN/logs;
// Ctrl-C or SIGTERM stops them all cleanly. The same cluster can be inspected from another shell with
// `npx sibyl cluster status --dir data/azure-single-region` and `npx sibyl nodetool -h 127.1.2.4 status`.
import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { cliCommand } from './bundle.ts';
import { progressReporter, waitIlbs } from './cluster/commands.ts';
import { applyNetwork, checkAddressesFree, nodeAlive, prepareCluster, recordIdentities, startIlbs, startNodes, summary } from './cluster/launch.ts';
import { writeManifest, type ClusterManifest } from './cluster/manifest.ts';
import { stopProcesses } from './cluster/processes.ts';
import { waitReady } from './cluster/ready.ts';
import { presetTopology, PRESETS } from './cluster/topology.ts';

interface StartOptions {
  dir: string;
  preset: string;
  vnodes?: number;
  ilb?: boolean;
  timeout: number;
}

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
};

async function stopAll(m: ClusterManifest): Promise<void> {
  await stopProcesses(m.ilbs.map((i) => ({ pid: i.pid, marker: `${i.address}:${i.port}` })), 'SIGTERM');
  await stopProcesses(m.nodes.map((n) => ({ pid: n.pid, marker: n.configPath })), 'SIGTERM');
  for (const x of [...m.nodes, ...m.ilbs]) delete x.pid;
  m.foreground = false;
  writeManifest(m);
}

async function start(o: StartOptions): Promise<void> {
  const topology = presetTopology(o.preset, o.vnodes !== undefined ? { vnodes: o.vnodes } : {});
  const { manifest: m, created } = prepareCluster(join(resolve(o.dir), o.preset), topology);
  process.stderr.write(`${created ? 'created' : 'using existing'} cluster '${m.clusterName}' in ${m.dir}: ${m.nodes.length} nodes\n`);
  const running = m.nodes.filter(nodeAlive);
  if (running.length > 0) throw new Error(`nodes already running (${running.map((n) => n.address).join(', ')}); stop them with: npx sibyl cluster down --dir ${m.dir}`);
  await checkAddressesFree(m.nodes);

  let stopping = false;
  const children = new Map<ChildProcess, string>();
  const watch = (procs: Map<{ address: string }, ChildProcess>): void => {
    for (const [x, child] of procs) {
      children.set(child, x.address);
      child.once('exit', (code, signal) => {
        if (!stopping) process.stderr.write(`warning: process for ${x.address} exited (${signal ?? `code ${code}`}); see its log in ${m.dir}\n`);
      });
    }
  };
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping ${m.nodes.length} nodes…\n`);
    stopAll(m).then(
      () => {
        process.stderr.write('all nodes stopped\n');
        process.exit(0);
      },
      (e: unknown) => {
        process.stderr.write(`sibyl: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  m.foreground = true;
  const runtime = await cliCommand();
  watch(startNodes(m, m.nodes, false, runtime));
  try {
    const progress = await progressReporter('starting', m.nodes.length);
    await waitReady(m.nodes, { timeoutMs: o.timeout * 1000, progress: progress.report, alive: (n) => stopping || nodeAlive(n) }).finally(progress.done);
    if (stopping) return;
    if (o.ilb === true) {
      watch(startIlbs(m, undefined, false, runtime));
      await waitIlbs(m);
    }
    await applyNetwork(m);
    await recordIdentities(m);
  } catch (e) {
    if (stopping) return;
    stopping = true;
    await stopAll(m);
    throw e;
  }
  process.stdout.write(await summary(m));
  process.stdout.write(`\nLogs: ${m.dir}/nodeN/logs/system.log. Press Ctrl-C to stop the cluster.\n`);
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the azure-single-region cluster (8 nodes, 127.1.2.4–11) in the foreground; Ctrl-C stops it')
    .option('-d, --dir <dir>', 'data directory; the cluster lives in <dir>/<preset>', 'data')
    .option('--preset <name>', `cluster preset (${PRESETS.join(', ')})`, 'azure-single-region')
    .option('--vnodes <n>', 'num_tokens per node (default 16; only for a new cluster)', positiveInt)
    .option('--ilb', 'also run the internal load balancer (127.1.2.101:9042)')
    .option('--timeout <seconds>', 'how long to wait for the cluster to come up', positiveInt, 120)
    .action((o: StartOptions) =>
      start(o).catch((e: unknown) => {
        process.stderr.write(`sibyl: ${(e as Error).message}\n`);
        process.exit(1);
      }),
    );
}
