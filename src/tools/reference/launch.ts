// Starting and stopping the reference Cassandra: one JVM per node, detached, with its state in
// .cache/cassandra-5.0/nodes/<first address>.state.json so `reference status|down|nodetool` find the nodes again.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { daemonJvmOptions, DATACENTER, toolJvmOptions, writeNodeConfig, type ReferenceNodeSpec } from './config.ts';
import { cassandraVersion, classPath, DEFAULT_REFERENCE_ADDRESS, ensureJars, JAVA, NODES_DIR, statePath } from './paths.ts';

export interface ReferenceNodeState extends ReferenceNodeSpec {
  pid: number;
  startedAtMs: number;
  /** From spawn to the first successful driver query. */
  startupMs: number;
}

export interface ReferenceState {
  version: string;
  nodes: ReferenceNodeState[];
}

export interface UpOptions {
  address: string;
  nodes: number;
  heapMb: number;
  timeoutMs: number;
  /** Start from empty data directories (default); false reuses what a previous run left. */
  fresh: boolean;
  log: (line: string) => void;
}

const DAEMON = 'org.apache.cassandra.service.CassandraDaemon';

/** The instance whose first node is `baseAddress` (the oracle's 127.0.99.1 by default). */
export function readState(baseAddress = DEFAULT_REFERENCE_ADDRESS): ReferenceState | undefined {
  const path = statePath(baseAddress);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as ReferenceState;
}

/** The first-node addresses of every instance with a state file. */
export function instanceAddresses(): string[] {
  if (!existsSync(NODES_DIR)) return [];
  return readdirSync(NODES_DIR).filter((f) => f.endsWith('.state.json')).map((f) => f.slice(0, -'.state.json'.length)).sort();
}

function writeState(baseAddress: string, s: ReferenceState): void {
  mkdirSync(NODES_DIR, { recursive: true });
  writeFileSync(statePath(baseAddress), JSON.stringify(s, null, 2));
}

/**
 * JMX listens on 127.0.0.1 only (cassandra.jmx.local.port), so every node of every instance needs its own port; it is
 * derived from the node's address so that two instances never pick the same one (127.0.99.1 → 29901).
 */
export function jmxPortFor(address: string): number {
  const parts = address.split('.').map(Number);
  return 20_000 + parts[2]! * 100 + (parts[3]! % 100);
}

/** Alive and still our JVM (pids are reused): its command line names this node's cassandra.yaml. */
export function jvmAlive(n: ReferenceNodeState): boolean {
  try {
    process.kill(n.pid, 0);
    return readFileSync(`/proc/${n.pid}/cmdline`, 'utf8').includes(join(n.dir, 'conf', 'cassandra.yaml'));
  } catch {
    return false;
  }
}

/** 127.0.99.1 → [127.0.99.1, 127.0.99.2, …]. */
export function nodeAddresses(base: string, count: number): string[] {
  const parts = base.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255) || parts[3]! + count - 1 > 254) {
    throw new Error(`bad base address ${base} for ${count} node(s)`);
  }
  return Array.from({ length: count }, (_, i) => `${parts[0]}.${parts[1]}.${parts[2]}.${parts[3]! + i}`);
}

/** One driver query, so "up" means what the oracle needs: CQL answers, not just a listening socket. */
export async function driverAnswers(address: string, port: number, timeoutMs = 5000): Promise<string | undefined> {
  const client = new cassandra.Client({
    contactPoints: [`${address}:${port}`], localDataCenter: DATACENTER,
    socketOptions: { connectTimeout: timeoutMs, readTimeout: timeoutMs },
    policies: { loadBalancing: new cassandra.policies.loadBalancing.WhiteListPolicy(
      new cassandra.policies.loadBalancing.RoundRobinPolicy(), [`${address}:${port}`]) },
  });
  try {
    await client.connect();
    const rs = await client.execute('SELECT release_version FROM system.local');
    return String(rs.first()?.['release_version'] ?? '');
  } catch {
    return undefined;
  } finally {
    await client.shutdown().catch(() => {});
  }
}

async function waitDriver(n: ReferenceNodeState, deadlineMs: number): Promise<void> {
  for (let attempt = 0; Date.now() < deadlineMs && attempt < 10_000; attempt++) {
    if (!jvmAlive(n)) throw new Error(`reference node ${n.address} exited during start-up; see ${join(n.dir, 'logs')}`);
    if ((await driverAnswers(n.address, n.nativePort, 2000)) !== undefined) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`reference node ${n.address} did not answer a driver in time; see ${join(n.dir, 'logs', 'system.log')}`);
}

function spawnNode(spec: ReferenceNodeSpec, singleNode: boolean): ReferenceNodeState {
  const conf = writeNodeConfig(spec);
  const fd = openSync(join(spec.dir, 'logs', 'stdout.log'), 'a');
  try {
    const args = [...daemonJvmOptions(spec, conf, singleNode), '-cp', classPath(), DAEMON];
    const child = spawn(JAVA, args, { detached: true, stdio: ['ignore', fd, fd], cwd: spec.dir });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${JAVA}`);
    return { ...spec, pid: child.pid, startedAtMs: Date.now(), startupMs: 0 };
  } finally {
    closeSync(fd);
  }
}

/** Starts the nodes one after another (Cassandra bootstraps one joining node at a time) and waits for each. */
export async function referenceUp(o: UpOptions): Promise<ReferenceState> {
  const running = readState(o.address)?.nodes.filter(jvmAlive) ?? [];
  if (running.length > 0) {
    throw new Error(`reference already running (${running.map((n) => n.address).join(', ')}); run \`sibyl reference down --address ${o.address}\` first`);
  }
  ensureJars(o.log);
  const addresses = nodeAddresses(o.address, o.nodes);
  const state: ReferenceState = { version: cassandraVersion() ?? '?', nodes: [] };
  const deadlineMs = Date.now() + o.timeoutMs;
  for (const [index, address] of addresses.entries()) {
    const dir = join(NODES_DIR, address);
    if (o.fresh) rmSync(dir, { recursive: true, force: true });
    const spec: ReferenceNodeSpec = { index, address, seed: addresses[0]!, nativePort: 9042, storagePort: 7000,
      jmxPort: jmxPortFor(address), dir, heapMb: o.heapMb };
    const node = spawnNode(spec, o.nodes === 1);
    state.nodes.push(node);
    writeState(o.address, state);
    o.log(`starting Cassandra ${state.version} on ${address} (pid ${node.pid}) …`);
    await waitDriver(node, deadlineMs);
    node.startupMs = Date.now() - node.startedAtMs;
    writeState(o.address, state);
    o.log(`${address}: answers CQL after ${(node.startupMs / 1000).toFixed(1)} s`);
  }
  return state;
}

/** SIGTERM (Cassandra's shutdown hook drains and flushes), SIGKILL after the grace period. */
export async function referenceDown(graceMs = 60_000, log: (l: string) => void = () => {},
  baseAddress = DEFAULT_REFERENCE_ADDRESS): Promise<number> {
  const state = readState(baseAddress);
  if (state === undefined) return 0;
  let stopped = 0;
  // The joiners first, the seed last, like an operator would.
  for (const n of [...state.nodes].reverse()) {
    if (!jvmAlive(n)) continue;
    process.kill(n.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (jvmAlive(n) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (jvmAlive(n)) {
      log(`${n.address}: no exit after ${graceMs / 1000} s, SIGKILL`);
      process.kill(n.pid, 'SIGKILL');
    }
    stopped++;
    log(`${n.address}: stopped`);
  }
  rmSync(statePath(baseAddress), { force: true });
  return stopped;
}

/** Runs the reference's own nodetool (org.apache.cassandra.tools.NodeTool) against node `index`'s JMX port. */
export function referenceNodetool(args: string[], index = 0, baseAddress = DEFAULT_REFERENCE_ADDRESS): number {
  const state = readState(baseAddress);
  const n = state?.nodes[index];
  if (n === undefined || !jvmAlive(n)) throw new Error('no reference node running; start one with `sibyl reference up`');
  const conf = join(n.dir, 'conf');
  const r = spawnSync(JAVA, [...toolJvmOptions(conf), '-cp', classPath(), 'org.apache.cassandra.tools.NodeTool',
    '-h', '127.0.0.1', '-p', String(n.jmxPort), ...args], { stdio: 'inherit', timeout: 120_000 });
  return r.status ?? 1;
}
