// Apache Cassandra 5.0 beside Sibyl, the same client and workloads for both, phases alternating so machine noise
// hits both: cassandra-stress `standard1` write then read (10-byte keys, 5 × 34-byte blobs) and latte `basic` insert
// (`latte.basic(id bigint PRIMARY KEY)`, sequential ids), prepared, hundreds in flight, at saturation and then at a
// fixed rate of half the slower peak. Prints ops/s, ops per server CPU-second (summed over the nodes),
// p50/p99/p99.9, idle and loaded RSS, start-up time, and the ratios Sibyl / Cassandra.
//
//   npx tsx bench/versus.ts [--nodes 1|3] [--ops 50000] [--concurrency 256] [--rounds 2]
//
// --nodes 1 (default): one node each, RF 1, LOCAL_ONE; the reference is the oracle's (127.0.99.1; started if none
// runs), Sibyl on 127.0.98.10. --nodes 3: three nodes each, RF 3 (SimpleStrategy), QUORUM, token-aware client; a
// 3-node reference on 127.0.97.1-3 (started, and stopped at the end, unless one runs there) and Sibyl on
// 127.0.98.31-33. Both servers commit their log periodically (Cassandra's default), so neither pays an fsync per
// write. Sibyl runs from the launcher's esbuild bundle (dist/sibyl.mjs), as `sibyl cluster up` runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import cassandra from 'cassandra-driver';
import * as hdr from 'hdr-histogram-js';
import { writeConfigFiles } from '../src/server/config.ts';
import { ensureBundle, REPO_ROOT } from '../src/tools/bundle.ts';
import { driverAnswers, jvmAlive, nodeAddresses, readState, referenceDown, referenceUp, type ReferenceState } from '../src/tools/reference/launch.ts';
import { procStat } from './lib.ts';

const { values: args } = parseArgs({
  options: {
    ops: { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '2' },
    nodes: { type: 'string', default: '1' },
  },
});
const NODES = Number(args.nodes);
if (NODES !== 1 && NODES !== 3) throw new Error('--nodes must be 1 or 3');
const OPS = Number(args.ops);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
const REFERENCE_BASE = NODES === 1 ? '127.0.99.1' : '127.0.97.1';
const SIBYL_BASE = NODES === 1 ? '127.0.98.10' : '127.0.98.31';
const RF = NODES;
const CONSISTENCY = NODES === 1 ? cassandra.types.consistencies.localOne : cassandra.types.consistencies.quorum;

type Workload = 'write' | 'read' | 'latte-insert';
const WORKLOADS: Workload[] = ['write', 'read', 'latte-insert'];

interface Server {
  name: 'cassandra' | 'sibyl';
  addresses: string[];
  pids: number[];
  /** Until every node answers a driver. */
  startupMs: number;
  dataCenter: string;
  client?: cassandra.Client;
  idleRssMb?: number;
  loadedRssMb: number;
}
interface Phase { server: string; workload: string; ops: number; errors: number; seconds: number; cpuSec: number; hist: hdr.Histogram }

const cpuSec = (s: Server): number => s.pids.reduce((sum, pid) => sum + procStat(pid).cpuSec, 0);
const rssMb = (s: Server): number => s.pids.reduce((sum, pid) => sum + procStat(pid).rssMb, 0);

async function startSibyl(dir: string, addresses: string[]): Promise<{ children: ChildProcess[]; startupMs: number }> {
  const bundle = await ensureBundle();
  const t0 = performance.now();
  const children: ChildProcess[] = [];
  for (const address of addresses) {
    const nodeDir = join(dir, address);
    const conf = writeConfigFiles(join(nodeDir, 'conf'), {
      listenAddress: address, rpcAddress: address, broadcastAddress: address, broadcastRpcAddress: address,
      dataFileDirectories: [join(nodeDir, 'data')], dataDir: join(nodeDir, 'data'), hintsDirectory: join(nodeDir, 'hints'),
      commitlogSync: 'periodic', seeds: [addresses[0]!],
    });
    children.push(spawn(process.execPath, [bundle, 'node', '--config', conf, '--log-level', 'warn'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] }));
  }
  for (const address of addresses) {
    let up = false;
    for (let i = 0; i < 600 && !up; i++) {
      up = (await driverAnswers(address, 9042, 1000)) !== undefined;
      if (!up) await new Promise((r) => setTimeout(r, 100));
    }
    if (!up) {
      for (const c of children) c.kill('SIGKILL');
      throw new Error(`Sibyl did not answer on ${address}`);
    }
  }
  return { children, startupMs: performance.now() - t0 };
}

/** The oracle's running reference for one node; for three, the bench's own instance (started here when none runs). */
async function reference(): Promise<{ state: ReferenceState; startedHere: boolean }> {
  const state = readState(REFERENCE_BASE);
  if (state !== undefined && state.nodes.length === NODES && state.nodes.every(jvmAlive)) return { state, startedHere: false };
  const started = await referenceUp({ address: REFERENCE_BASE, nodes: NODES, heapMb: NODES === 1 ? 1024 : 512,
    timeoutMs: 600_000, fresh: true, log: console.error });
  return { state: started, startedHere: true };
}

const keyFor = (i: number): Buffer => Buffer.from(String(i).padStart(10, '0'));
const COLUMNS = Array.from({ length: 5 }, () => randomBytes(34));
const replication = `{'class': 'SimpleStrategy', 'replication_factor': ${RF}}`;

async function prepareSchema(client: cassandra.Client): Promise<void> {
  for (const ks of ['keyspace1', 'latte']) await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  await client.execute(`CREATE KEYSPACE keyspace1 WITH replication = ${replication}`);
  await client.execute('CREATE TABLE keyspace1.standard1 (key blob PRIMARY KEY, "C0" blob, "C1" blob, "C2" blob, "C3" blob, "C4" blob)');
  await client.execute(`CREATE KEYSPACE latte WITH replication = ${replication}`);
  await client.execute('CREATE TABLE latte.basic (id bigint PRIMARY KEY)');
}

const CQL: Record<Workload, string> = {
  write: 'INSERT INTO keyspace1.standard1 (key, "C0", "C1", "C2", "C3", "C4") VALUES (?, ?, ?, ?, ?, ?)',
  read: 'SELECT * FROM keyspace1.standard1 WHERE key = ?',
  'latte-insert': 'INSERT INTO latte.basic (id) VALUES (?)',
};

function paramsFor(workload: Workload, i: number): unknown[] {
  if (workload === 'write') return [keyFor(i), ...COLUMNS];
  if (workload === 'read') return [keyFor(1 + Math.floor(Math.random() * OPS))];
  return [cassandra.types.Long.fromNumber(i)];
}

async function runPhase(s: Server, workload: Workload, rate?: number): Promise<Phase> {
  const client = s.client!;
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let next = 0;
  let errors = 0;
  const cpu0 = cpuSec(s);
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < OPS) {
      const i = next++;
      // At a fixed rate, latency counts from each op's intended start, so queueing is not hidden.
      const intended = rate ? t0 + (i * 1000) / rate : performance.now();
      const wait = intended - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        await client.execute(CQL[workload], paramsFor(workload, i), { prepare: true });
      } catch {
        errors++;
      }
      hist.recordValue(Math.max(1, Math.round((performance.now() - intended) * 1000)));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  s.loadedRssMb = Math.max(s.loadedRssMb, rssMb(s));
  return { server: s.name, workload: rate ? `${workload}@${rate}/s` : workload, ops: OPS, errors,
    seconds: (performance.now() - t0) / 1000, cpuSec: cpuSec(s) - cpu0, hist };
}

const ms = (us: number): string => (us / 1000).toFixed(2);
function printPhase(p: Phase): void {
  const h = p.hist;
  console.log(`${p.server.padEnd(10)} ${p.workload.padEnd(20)} ${(p.ops / p.seconds).toFixed(0).padStart(8)} ops/s ` +
    `${(p.ops / Math.max(p.cpuSec, 0.01)).toFixed(0).padStart(7)} ops/cpu-s  p50 ${ms(h.getValueAtPercentile(50))} ` +
    `p99 ${ms(h.getValueAtPercentile(99))} p99.9 ${ms(h.getValueAtPercentile(99.9))} ms  errors ${p.errors}`);
}

/** The best of the rounds, per server and workload (the least disturbed one). */
function best(phases: Phase[], server: string, workload: string): Phase {
  return phases.filter((p) => p.server === server && p.workload === workload).sort((a, b) => a.seconds - b.seconds)[0]!;
}

async function connect(s: Server): Promise<void> {
  s.client = new cassandra.Client({ contactPoints: s.addresses.map((a) => `${a}:9042`), localDataCenter: s.dataCenter,
    protocolOptions: { maxVersion: 4 }, pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 2 } },
    queryOptions: { consistency: CONSISTENCY } });
  await s.client.connect();
  await prepareSchema(s.client);
  s.idleRssMb = rssMb(s);
}

async function measure(servers: Server[]): Promise<Phase[]> {
  const phases: Phase[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? servers : [...servers].reverse();
    for (const w of WORKLOADS) for (const s of order) { const p = await runPhase(s, w); printPhase(p); phases.push(p); }
  }
  for (const w of WORKLOADS) {
    const slower = Math.min(...servers.map((s) => OPS / best(phases, s.name, w).seconds));
    const rate = Math.max(1, Math.round(slower / 2));
    for (const s of servers) { const p = await runPhase(s, w, rate); printPhase(p); phases.push(p); }
  }
  return phases;
}

function printRatios(phases: Phase[], servers: Server[]): void {
  console.log(`\nSibyl / Cassandra, ${NODES} node(s) each, RF ${RF} (best round at saturation; fixed-rate p99):`);
  for (const w of WORKLOADS) {
    const c = best(phases, 'cassandra', w);
    const s = best(phases, 'sibyl', w);
    const cr = phases.find((p) => p.server === 'cassandra' && p.workload.startsWith(`${w}@`))!;
    const sr = phases.find((p) => p.server === 'sibyl' && p.workload.startsWith(`${w}@`))!;
    console.log(`${w.padEnd(13)} ops/s ${(c.seconds / s.seconds).toFixed(2)}  ops/cpu-s ${(c.cpuSec / Math.max(s.cpuSec, 0.01)).toFixed(2)}  ` +
      `p99 ${(s.hist.getValueAtPercentile(99) / c.hist.getValueAtPercentile(99)).toFixed(2)}  ` +
      `p99@rate ${(sr.hist.getValueAtPercentile(99) / cr.hist.getValueAtPercentile(99)).toFixed(2)}`);
  }
  for (const s of servers) {
    console.log(`${s.name.padEnd(10)} start-up ${(s.startupMs / 1000).toFixed(1)} s  idle RSS ${s.idleRssMb?.toFixed(0)} MB  ` +
      `loaded RSS ${s.loadedRssMb.toFixed(0)} MB (${NODES === 1 ? 'one node' : `sum of ${NODES} nodes`})`);
  }
}

async function main(): Promise<void> {
  const { state, startedHere } = await reference();
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-versus-'));
  const sibylAddresses = nodeAddresses(SIBYL_BASE, NODES);
  const { children, startupMs } = await startSibyl(dir, sibylAddresses);
  const servers: Server[] = [
    { name: 'cassandra', addresses: state.nodes.map((n) => n.address), pids: state.nodes.map((n) => n.pid),
      startupMs: Math.max(...state.nodes.map((n) => n.startedAtMs + n.startupMs)) - state.nodes[0]!.startedAtMs,
      dataCenter: 'datacenter1', loadedRssMb: 0 },
    { name: 'sibyl', addresses: sibylAddresses, pids: children.map((c) => c.pid!), startupMs, dataCenter: 'datacenter1', loadedRssMb: 0 },
  ];
  try {
    for (const s of servers) await connect(s);
    printRatios(await measure(servers), servers);
  } finally {
    for (const s of servers) {
      for (const ks of ['keyspace1', 'latte']) await s.client?.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => {});
      await s.client?.shutdown().catch(() => {});
    }
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    rmSync(dir, { recursive: true, force: true });
    if (startedHere && NODES === 3) await referenceDown(60_000, console.error, REFERENCE_BASE);
  }
}

await main();
