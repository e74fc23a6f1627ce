// One Apache Cassandra 5.0 node beside one Sibyl node, the same client and workload for both, phases alternating so
// machine noise hits both: cassandra-stress `standard1` write then read (10-byte keys, 5 × 34-byte blobs, prepared,
// LOCAL_ONE, hundreds in flight), at saturation and then at a fixed rate of half the slower peak. Prints ops/s, ops
// per server CPU-second, p50/p99/p99.9, idle and loaded RSS, start-up time, and the ratios Sibyl / Cassandra.
//
//   npx tsx bench/versus.ts [--ops 50000] [--concurrency 256] [--rounds 2] [--sibyl-address 127.0.98.10]
//
// The reference Cassandra is the one `npx sibyl reference up` started (started here if none runs). Both servers
// commit their log periodically (Cassandra's default), so neither pays an fsync per write. RF 3 on three nodes of each
// is left out: this machine runs one Cassandra JVM at a time.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import cassandra from 'cassandra-driver';
import * as hdr from 'hdr-histogram-js';
import { writeConfigFiles } from '../src/server/config.ts';
import { CLI_SOURCE, REPO_ROOT } from '../src/tools/bundle.ts';
import { driverAnswers, jvmAlive, readState, referenceUp } from '../src/tools/reference/launch.ts';
import { procStat } from './lib.ts';

const { values: args } = parseArgs({
  options: {
    ops: { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '2' },
    'sibyl-address': { type: 'string', default: '127.0.98.10' },
  },
});
const OPS = Number(args.ops);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);

interface Server { name: 'cassandra' | 'sibyl'; address: string; pid: number; startupMs: number; client?: cassandra.Client; idleRssMb?: number; loadedRssMb: number }
interface Phase { server: string; workload: string; ops: number; errors: number; seconds: number; cpuSec: number; hist: hdr.Histogram }

async function startSibyl(dir: string, address: string): Promise<{ child: ChildProcess; startupMs: number }> {
  const conf = writeConfigFiles(join(dir, 'conf'), {
    listenAddress: address, rpcAddress: address, broadcastAddress: address, broadcastRpcAddress: address,
    dataFileDirectories: [join(dir, 'data')], dataDir: join(dir, 'data'), hintsDirectory: join(dir, 'hints'),
    commitlogSync: 'periodic', seeds: [address],
  });
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_SOURCE, 'node', '--config', conf, '--log-level', 'warn'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 600; i++) {
    if ((await driverAnswers(address, 9042, 1000)) !== undefined) return { child, startupMs: performance.now() - t0 };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`Sibyl did not answer on ${address}`);
}

const keyFor = (i: number): Buffer => Buffer.from(String(i).padStart(10, '0'));
const COLUMNS = Array.from({ length: 5 }, () => randomBytes(34));

async function prepareSchema(client: cassandra.Client): Promise<void> {
  await client.execute('DROP KEYSPACE IF EXISTS keyspace1');
  await client.execute("CREATE KEYSPACE keyspace1 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await client.execute('CREATE TABLE keyspace1.standard1 (key blob PRIMARY KEY, "C0" blob, "C1" blob, "C2" blob, "C3" blob, "C4" blob)');
}

async function runPhase(s: Server, workload: 'write' | 'read', rate?: number): Promise<Phase> {
  const client = s.client!;
  const cql = workload === 'write'
    ? 'INSERT INTO keyspace1.standard1 (key, "C0", "C1", "C2", "C3", "C4") VALUES (?, ?, ?, ?, ?, ?)'
    : 'SELECT * FROM keyspace1.standard1 WHERE key = ?';
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let next = 0;
  let errors = 0;
  const cpu0 = procStat(s.pid).cpuSec;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < OPS) {
      const i = next++;
      // At a fixed rate, latency counts from each op's intended start, so queueing is not hidden.
      const intended = rate ? t0 + (i * 1000) / rate : performance.now();
      const wait = intended - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const params = workload === 'write' ? [keyFor(i), ...COLUMNS] : [keyFor(1 + Math.floor(Math.random() * OPS))];
      try {
        await client.execute(cql, params, { prepare: true });
      } catch {
        errors++;
      }
      hist.recordValue(Math.max(1, Math.round((performance.now() - intended) * 1000)));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  s.loadedRssMb = Math.max(s.loadedRssMb, procStat(s.pid).rssMb);
  return { server: s.name, workload: rate ? `${workload}@${rate}/s` : workload, ops: OPS, errors,
    seconds: (performance.now() - t0) / 1000, cpuSec: procStat(s.pid).cpuSec - cpu0, hist };
}

const ms = (us: number): string => (us / 1000).toFixed(2);
function printPhase(p: Phase): void {
  const h = p.hist;
  console.log(`${p.server.padEnd(10)} ${p.workload.padEnd(16)} ${(p.ops / p.seconds).toFixed(0).padStart(8)} ops/s ` +
    `${(p.ops / Math.max(p.cpuSec, 0.01)).toFixed(0).padStart(7)} ops/cpu-s  p50 ${ms(h.getValueAtPercentile(50))} ` +
    `p99 ${ms(h.getValueAtPercentile(99))} p99.9 ${ms(h.getValueAtPercentile(99.9))} ms  errors ${p.errors}`);
}

/** The best of the rounds, per server and workload (the least disturbed one). */
function best(phases: Phase[], server: string, workload: string): Phase {
  return phases.filter((p) => p.server === server && p.workload === workload).sort((a, b) => a.seconds - b.seconds)[0]!;
}

async function main(): Promise<void> {
  let state = readState();
  if (!state?.nodes[0] || !jvmAlive(state.nodes[0])) state = await referenceUp({ address: '127.0.99.1', nodes: 1, heapMb: 1024, timeoutMs: 300_000, fresh: true, log: console.error });
  const ref = state.nodes[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-versus-'));
  const { child, startupMs } = await startSibyl(dir, args['sibyl-address']!);
  const servers: Server[] = [
    { name: 'cassandra', address: ref.address, pid: ref.pid, startupMs: ref.startupMs, loadedRssMb: 0 },
    { name: 'sibyl', address: args['sibyl-address']!, pid: child.pid!, startupMs, loadedRssMb: 0 },
  ];
  try {
    for (const s of servers) {
      s.client = new cassandra.Client({ contactPoints: [`${s.address}:9042`], localDataCenter: 'datacenter1',
        protocolOptions: { maxVersion: 4 }, pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 2 } },
        queryOptions: { consistency: cassandra.types.consistencies.localOne } });
      await s.client.connect();
      await prepareSchema(s.client);
      s.idleRssMb = procStat(s.pid).rssMb;
    }
    const phases: Phase[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? servers : [...servers].reverse();
      for (const w of ['write', 'read'] as const) for (const s of order) { const p = await runPhase(s, w); printPhase(p); phases.push(p); }
    }
    for (const w of ['write', 'read'] as const) {
      const slower = Math.min(...servers.map((s) => OPS / best(phases, s.name, w).seconds));
      const rate = Math.max(1, Math.round(slower / 2));
      for (const s of servers) { const p = await runPhase(s, w, rate); printPhase(p); phases.push(p); }
    }
    console.log('\nSibyl / Cassandra (best round at saturation; fixed-rate p99):');
    for (const w of ['write', 'read']) {
      const c = best(phases, 'cassandra', w);
      const s = best(phases, 'sibyl', w);
      const cr = phases.find((p) => p.server === 'cassandra' && p.workload.startsWith(`${w}@`))!;
      const sr = phases.find((p) => p.server === 'sibyl' && p.workload.startsWith(`${w}@`))!;
      console.log(`${w.padEnd(6)} ops/s ${((c.seconds / s.seconds)).toFixed(2)}  ops/cpu-s ${((c.cpuSec / Math.max(s.cpuSec, 0.01))).toFixed(2)}  ` +
        `p99 ${(s.hist.getValueAtPercentile(99) / c.hist.getValueAtPercentile(99)).toFixed(2)}  ` +
        `p99@rate ${(sr.hist.getValueAtPercentile(99) / cr.hist.getValueAtPercentile(99)).toFixed(2)}`);
    }
    for (const s of servers) console.log(`${s.name.padEnd(10)} start-up ${(s.startupMs / 1000).toFixed(1)} s  idle RSS ${s.idleRssMb?.toFixed(0)} MB  loaded RSS ${s.loadedRssMb.toFixed(0)} MB`);
  } finally {
    for (const s of servers) {
      await s.client?.execute('DROP KEYSPACE IF EXISTS keyspace1').catch(() => {});
      await s.client?.shutdown().catch(() => {});
    }
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
