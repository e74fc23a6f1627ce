// cassandra-stress `write` and `read` on keyspace1.standard1, reproduced with the DataStax Node.js driver against
// a real Sibyl node process: 10-byte keys, 5 × 34-byte blob columns, prepared statements, LOCAL_ONE, hundreds of
// requests in flight. Prints throughput, latency percentiles, the node's CPU seconds, ops per server CPU-second
// and the idle node's RSS.
//
//   npx tsx bench/stress.ts [--ops 200000] [--concurrency 256] [--connections 2] [--rate OPS] [--address 127.0.50.1]
//                           [--sync periodic|batch|group] [--group-window MS] [--writes-only]
//
// --rate runs a fixed-rate phase (latency measured from each op's intended start, so queueing is not hidden).
// --profile DIR writes the node's V8 .cpuprofile; --threads prints the node's CPU per thread for each phase (main JS
// thread, libuv pool = LMDB commits and fsyncs, V8 helpers = JIT and GC); --bundle runs the node from the launcher's
// esbuild bundle (dist/sibyl.mjs) instead of through tsx's loader. NODE_FLAGS="--flag …" passes extra flags to the node process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import cassandra from 'cassandra-driver';
import * as hdr from 'hdr-histogram-js';
import { writeConfigFiles } from '../src/server/config.ts';
import { CLI_SOURCE, ensureBundle, REPO_ROOT } from '../src/tools/bundle.ts';
import { CLK_TCK, procStat, rssParts } from './lib.ts';

const { values: args } = parseArgs({
  options: {
    ops: { type: 'string', default: '200000' },
    concurrency: { type: 'string', default: '256' },
    connections: { type: 'string', default: '2' },
    rate: { type: 'string' },
    address: { type: 'string', default: '127.0.50.1' },
    sync: { type: 'string', default: 'periodic' },
    'group-window': { type: 'string', default: '15' },
    // Only the write phases (a profile of the write path alone).
    'writes-only': { type: 'boolean', default: false },
    profile: { type: 'string' },
    threads: { type: 'boolean', default: false },
    // Run the node from the launcher's esbuild bundle (dist/sibyl.mjs), as `sibyl cluster up` does.
    bundle: { type: 'boolean', default: false },
  },
});
const OPS = Number(args.ops);
const CONCURRENCY = Number(args.concurrency);
const ADDRESS = args.address!;
/** CPU seconds per thread name (main JS thread, libuv pool, LMDB writer, GC helpers…), for --threads. */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) + (tid === String(pid) ? ' (main)' : `/${tid}`);
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
    } catch {
      // the thread exited between listing and reading
    }
  }
  return out;
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect({ host, port }, () => { s.destroy(); res(true); });
      s.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`node did not open ${host}:${port}`);
}

async function startNodeProcess(dir: string): Promise<ChildProcess> {
  const conf = writeConfigFiles(join(dir, 'conf'), {
    listenAddress: ADDRESS, rpcAddress: ADDRESS, broadcastAddress: ADDRESS, broadcastRpcAddress: ADDRESS,
    dataFileDirectories: [join(dir, 'data')], dataDir: join(dir, 'data'), hintsDirectory: join(dir, 'hints'),
    endpointSnitch: 'GossipingPropertyFileSnitch', dataCenter: 'dc1', rack: 'rack1',
    commitlogSync: args.sync === 'batch' ? 'batch' : args.sync === 'group' ? 'group' : 'periodic',
    commitlogSyncGroupWindowMs: Number(args['group-window']), adminPort: 7199, seeds: [ADDRESS],
  });
  const prof = args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [];
  if (process.env['NODE_FLAGS']) prof.push(...process.env['NODE_FLAGS'].split(' '));
  let entry = ['--import', 'tsx', CLI_SOURCE];
  const env = { ...process.env };
  if (args.bundle) entry = [await ensureBundle()];
  const child = spawn(process.execPath, [...prof, ...entry, 'node', '--config', conf, '--log-level', 'warn'], {
    cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'], env,
  });
  await waitForPort(ADDRESS, 9042, 20000);
  return child;
}

const KEY_LEN = 10;
function keyFor(i: number): Buffer {
  // cassandra-stress keys are fixed-size; a zero-padded decimal keeps them readable.
  return Buffer.from(String(i).padStart(KEY_LEN, '0').slice(-KEY_LEN));
}

function gaussianIndex(n: number): number {
  // cassandra-stress gaussian(1..N): mean at the middle, stdev = range / 6, clamped.
  let u = 0, v = 0;
  while (u === 0) u = Math.random();
  while (v === 0) v = Math.random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.min(n, Math.max(1, Math.round(n / 2 + z * (n / 6))));
}

interface PhaseResult {
  name: string; ops: number; errors: number; seconds: number; serverCpu: number; hist: hdr.Histogram;
  threads?: Array<[string, number]>;
}

async function runPhase(name: string, client: cassandra.Client, pid: number, op: (i: number) => Promise<unknown>, total: number, rate?: number): Promise<PhaseResult> {
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let next = 0, errors = 0;
  const cpu0 = procStat(pid).cpuSec;
  const threads0 = args.threads ? threadCpu(pid) : undefined;
  const t0 = performance.now();
  const interval = rate ? 1000 / rate : 0;
  async function worker(): Promise<void> {
    while (next < total) {
      const i = next++;
      const intended = rate ? t0 + i * interval : performance.now();
      if (rate) {
        const wait = intended - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      try {
        await op(i + 1);
      } catch {
        errors++;
      }
      hist.recordValue(Math.max(1, Math.round((performance.now() - intended) * 1000)));
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = procStat(pid).cpuSec - cpu0;
  void client;
  const threads = threads0 && [...threadCpu(pid)].map(([k, v]): [string, number] => [k, v - (threads0.get(k) ?? 0)])
    .filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  return { name, ops: total, errors, seconds, serverCpu, hist, threads };
}

function report(r: PhaseResult): void {
  const ms = (p: number): string => (r.hist.getValueAtPercentile(p) / 1000).toFixed(2);
  const opsPerSec = r.ops / r.seconds;
  console.log(`\n${r.name}: ${r.ops} ops in ${r.seconds.toFixed(2)} s, ${r.errors} errors`);
  console.log(`  op rate                : ${Math.round(opsPerSec)} op/s`);
  console.log(`  latency median/95/99/99.9 (ms): ${ms(50)} / ${ms(95)} / ${ms(99)} / ${ms(99.9)}  max ${(r.hist.maxValue / 1000).toFixed(2)}`);
  console.log(`  server CPU             : ${r.serverCpu.toFixed(2)} s (${(r.serverCpu / r.seconds * 100).toFixed(0)}% of one core)`);
  console.log(`  ops per server CPU-sec : ${Math.round(r.ops / Math.max(r.serverCpu, 0.01))}`);
  if (r.threads) console.log(`  server threads (CPU s) : ${r.threads.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
  // The phase's window on CLOCK_MONOTONIC (µs), the clock of V8's .cpuprofile timestamps: bench/cpu-profile.ts --from/--to.
  if (args.profile) {
    const endUs = process.hrtime.bigint() / 1000n;
    console.log(`  profile window         : --from ${endUs - BigInt(Math.round(r.seconds * 1e6))} --to ${endUs}`);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-stress-'));
  const node = await startNodeProcess(dir);
  const pid = node.pid!;
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const idle = procStat(pid);
    console.log(`Sibyl node pid ${pid} on ${ADDRESS}:9042; idle RSS ${idle.rssMb.toFixed(1)} MB; commitlog_sync ${args.sync}`);
    const client = new cassandra.Client({
      contactPoints: [ADDRESS], localDataCenter: 'dc1',
      pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: Number(args.connections) } },
      queryOptions: { consistency: cassandra.types.consistencies.localOne, prepare: true },
    });
    await client.connect();
    await client.execute(`CREATE KEYSPACE IF NOT EXISTS "keyspace1" WITH replication = {'class':'SimpleStrategy','replication_factor':'1'} AND durable_writes = true`);
    await client.execute(`CREATE TABLE IF NOT EXISTS keyspace1.standard1 (key blob PRIMARY KEY, "C0" blob, "C1" blob, "C2" blob, "C3" blob, "C4" blob) WITH compression = {}`);
    const cols = Array.from({ length: 5 }, () => randomBytes(34));
    const insert = 'INSERT INTO keyspace1.standard1 (key, "C0", "C1", "C2", "C3", "C4") VALUES (?, ?, ?, ?, ?, ?)';
    const select = 'SELECT * FROM keyspace1.standard1 WHERE key = ?';
    const w = await runPhase('WRITE', client, pid, (i) => client.execute(insert, [keyFor(i), ...cols], { prepare: true }), OPS);
    report(w);
    if (!args['writes-only']) {
      const r = await runPhase('READ', client, pid, () => client.execute(select, [keyFor(gaussianIndex(OPS))], { prepare: true }), OPS);
      report(r);
    }
    if (args.rate) {
      const rate = Number(args.rate);
      const fw = await runPhase(`WRITE @ ${rate} op/s fixed rate`, client, pid, (i) => client.execute(insert, [keyFor(i), ...cols], { prepare: true }), Math.min(OPS, rate * 10), rate);
      report(fw);
      if (!args['writes-only']) {
        const fr = await runPhase(`READ @ ${rate} op/s fixed rate`, client, pid, () => client.execute(select, [keyFor(gaussianIndex(OPS))], { prepare: true }), Math.min(OPS, rate * 10), rate);
        report(fr);
      }
    }
    const after = procStat(pid);
    const parts = rssParts(pid);
    console.log(`\nnode RSS after load: ${after.rssMb.toFixed(1)} MB (anonymous ${parts.anonMb.toFixed(1)}, file-backed ${parts.fileMb.toFixed(1)})`);
    await client.shutdown();
  } finally {
    node.kill('SIGTERM');
    await new Promise((r) => node.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
