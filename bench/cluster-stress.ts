// RF 3 QUORUM writes and reads on the seed's single-region cluster (azure-single-region: 8 nodes, 4 racks), with a
// production-style client (token-aware over DC-aware round robin, prepared statements), first on the bare loopback
// network, then with latency injected between racks (`sibyl cluster network --latency-rack 1`), as between the seed's
// availability sets / AZs. cassandra-stress's standard1 shape: 10-byte keys, 5 × 34-byte blob columns.
//
//   npx tsx bench/cluster-stress.ts [--ops 20000] [--concurrency 128] [--rack-latency 1] [--preset azure-single-region | --nodes N]
//                                   [--phases write,read] [--rate WRITES_PER_SEC[,READS_PER_SEC]]
//
// --rate paces each phase at a fixed rate (at most --concurrency in flight) instead of a closed loop, and measures each
// operation's latency from when it was due, so a stall counts against every operation it delays (no coordinated
// omission): run it at half the closed loop's peak for the latency at a sustainable load.
// --rack-latency 0 skips the second round (with latency). To see where a node's CPU goes, profile every node:
// SIBYL_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (the profiles are written when the nodes stop).
//
// Client and all nodes share this machine's cores, so these are figures for one box, not for a cluster.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import * as hdr from 'hdr-histogram-js';
import type { ClusterManifest } from '../src/tools/cluster/manifest.ts';
import { procStat, sibyl, threadCpu } from './lib.ts';

const { values: args } = parseArgs({
  options: {
    ops: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '128' },
    'rack-latency': { type: 'string', default: '1' },
    preset: { type: 'string', default: 'azure-single-region' },
    // Instead of a preset: N nodes in one DC and rack at 127.0.51.1… (ccm-style -n N), to compare cluster sizes.
    nodes: { type: 'string' },
    // Which phases each round runs, in order (a write-only run for profiling the write path).
    phases: { type: 'string', default: 'write,read' },
    rate: { type: 'string', default: '0' },
  },
});
const OPS = Number(args.ops);
const CONCURRENCY = Number(args.concurrency);
const [WRITE_RATE, READ_RATE] = ((r: number[]): [number, number] => [r[0]!, r[1] ?? r[0]!])(args.rate!.split(',').map(Number));

const keyFor = (i: number): Buffer => Buffer.from(String(i).padStart(10, '0'));

interface Phase {
  name: string;
  opsPerSec: number;
  errors: number;
  hist: hdr.Histogram;
  serverCpu: number;
  /** The kernel's part of serverCpu (socket I/O, fsync). */
  serverSys: number;
}

async function phase(name: string, pids: number[], RATE: number, op: (i: number) => Promise<unknown>): Promise<Phase> {
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const before = pids.map((p) => procStat(p));
  const threadsBefore = pids.map((p) => threadCpu(p));
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < OPS) {
      const i = next++;
      const due = RATE > 0 ? t0 + (i * 1000) / RATE : 0;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      const start = RATE > 0 ? due : performance.now();
      try {
        await op(i);
      } catch {
        errors++;
      }
      hist.recordValue(Math.max(1, Math.round((performance.now() - start) * 1000)));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  // The phase's window on CLOCK_MONOTONIC (µs), the clock of V8's .cpuprofile timestamps, to cut profiles to it.
  if (process.env['SIBYL_NODE_FLAGS']?.includes('--cpu-prof') === true) {
    const endUs = process.hrtime.bigint() / 1000n;
    console.log(`  (${name}: monotonic µs ${endUs - BigInt(Math.round(seconds * 1e6))}–${endUs})`);
  }
  const after = pids.map((p) => procStat(p));
  // SIBYL_BENCH_THREADS=1: where the server CPU went by thread (the main thread is what --cpu-prof sees).
  if (process.env['SIBYL_BENCH_THREADS'] === '1') {
    const byThread = new Map<string, number>();
    pids.forEach((p, i) => {
      for (const [t, sec] of threadCpu(p)) byThread.set(t, (byThread.get(t) ?? 0) + sec - (threadsBefore[i]!.get(t) ?? 0));
    });
    console.log(`  (${name} CPU s by thread: ${[...byThread].filter(([, s]) => s > 0).map(([t, s]) => `${t} ${s.toFixed(2)}`).join(', ')})`);
  }
  const serverCpu = after.reduce((a, s, i) => a + s.cpuSec - before[i]!.cpuSec, 0);
  const serverSys = after.reduce((a, s, i) => a + s.sysSec - before[i]!.sysSec, 0);
  return { name, opsPerSec: OPS / seconds, errors, hist, serverCpu, serverSys };
}

function print(p: Phase): void {
  const ms = (q: number): string => (p.hist.getValueAtPercentile(q) / 1000).toFixed(2);
  console.log(
    `  ${p.name.padEnd(34)} ${String(Math.round(p.opsPerSec)).padStart(6)} op/s   p50 ${ms(50).padStart(6)} ms   p99 ${ms(99).padStart(7)} ms   ` +
      `errors ${p.errors}   ops per server CPU-s ${Math.round(OPS / Math.max(p.serverCpu, 0.01))} (${Math.round((100 * p.serverSys) / Math.max(p.serverCpu, 0.01))}% sys)`,
  );
}

const dir = join(mkdtempSync(join(tmpdir(), 'sibyl-bench-cluster-')), 'cluster');
try {
  const shape = args.nodes !== undefined ? ['-n', args.nodes, '--base-address', '127.0.51.1'] : ['--preset', args.preset!];
  await sibyl(['cluster', 'up', ...shape, '--dir', dir]);
  const m = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterManifest;
  const dc = m.nodes[0]!.dataCenter;
  const pids = m.nodes.map((n) => n.pid!);
  const pacing = WRITE_RATE > 0 ? `at ${WRITE_RATE} writes/s and ${READ_RATE} reads/s (at most ${CONCURRENCY} in flight)` : `${CONCURRENCY} in flight`;
  console.log(`${m.preset ?? m.clusterName}: ${m.nodes.length} nodes in ${new Set(m.nodes.map((n) => n.rack)).size} racks; ${OPS} ops per phase, ${pacing}, RF 3, QUORUM`);
  const { DCAwareRoundRobinPolicy, TokenAwarePolicy } = cassandra.policies.loadBalancing;
  const client = new cassandra.Client({
    contactPoints: m.nodes.filter((n) => n.seed).map((n) => n.address),
    localDataCenter: dc,
    policies: { loadBalancing: new TokenAwarePolicy(new DCAwareRoundRobinPolicy(dc)) },
    queryOptions: { consistency: cassandra.types.consistencies.quorum, prepare: true },
    socketOptions: { readTimeout: 20_000 },
  });
  await client.connect();
  const replication = m.topology.datacenters.map((d) => `'${d.name}': 3`).join(', ');
  await client.execute(`CREATE KEYSPACE IF NOT EXISTS keyspace1 WITH replication = {'class': 'NetworkTopologyStrategy', ${replication}}`);
  await client.execute('CREATE TABLE IF NOT EXISTS keyspace1.standard1 (key blob PRIMARY KEY, "C0" blob, "C1" blob, "C2" blob, "C3" blob, "C4" blob)');
  const cols = Array.from({ length: 5 }, () => randomBytes(34));
  const insert = 'INSERT INTO keyspace1.standard1 (key, "C0", "C1", "C2", "C3", "C4") VALUES (?, ?, ?, ?, ?, ?)';
  const select = 'SELECT * FROM keyspace1.standard1 WHERE key = ?';
  const run = async (label: string): Promise<void> => {
    console.log(`\n${label}`);
    for (const name of args.phases!.split(',')) {
      if (name === 'write') print(await phase('WRITE (QUORUM)', pids, WRITE_RATE, (i) => client.execute(insert, [keyFor(i), ...cols])));
      else if (name === 'read') print(await phase('READ (QUORUM)', pids, READ_RATE, () => client.execute(select, [keyFor(Math.floor(Math.random() * OPS))])));
      else throw new Error(`unknown phase ${name} (write, read)`);
    }
  };
  // Warm-up (not measured): JIT, connection pools, the driver's prepared-statement cache.
  await Promise.all(Array.from({ length: 2000 }, (_, i) => client.execute(insert, [keyFor(OPS + i), ...cols])));
  await run('no injected latency');
  if (Number(args['rack-latency']) > 0) {
    await sibyl(['cluster', 'network', '--dir', dir, '--latency-rack', args['rack-latency']!]);
    await run(`${args['rack-latency']} ms one-way between racks`);
  }
  await client.shutdown();
} finally {
  await sibyl(['cluster', 'remove', '--dir', dir]).catch((e: unknown) => console.error((e as Error).message));
  rmSync(join(dir, '..'), { recursive: true, force: true });
}
