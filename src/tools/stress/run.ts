// `sibyl stress …` end to end: settings dump, connect, schema, warm-up, the measured run(s) with cassandra-stress's
// interval lines and Results block, the per-coordinator and fixed-rate additions, the client's own CPU (to show one
// client core keeps a node busy), and the -log hdrfile / -graph outputs.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import type * as hdr from 'hdr-histogram-js';
import { hdrLib } from './lazy.ts';
import type { StressSettings } from './args.ts';
import { describeDistribution, seededRandom } from './distribution.ts';
import { connectStress, consistencyCode, type StressClient } from './driver.ts';
import { simpleNativeExecutor } from './simple-native.ts';
import { coordinatorBlock, fixedRateBlock, intervalHeader, intervalRow, resultsBlock, threadCountSummary } from './format.ts';
import { graphHtml, type GraphPoint, type GraphRun } from './graph.ts';
import { latencyMs, type IntervalLine, type StressMetrics } from './metrics.ts';
import { loadProfile } from './profile.ts';
import { improvement, keepRamping, nextThreadCount, runPhase, type Clock, type PhaseOptions, type PhaseResult } from './runner.ts';
import { serverCpu, serverCpuLine } from './server-cpu.ts';
import { fetchReplicaReads, replicaReadDeltas, replicaReadsBlock } from './replica-reads.ts';
import { predefinedWorkload, quoteIdent, type Workload } from './workload.ts';
import { ttyProgress, type ProgressBars } from '../progress.ts';

const clock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

type Out = (line: string) => void;

/** The progress bar of the measured run in progress, when stderr is a terminal (see measuredRun). */
let activeBar: ProgressBars | undefined;

function makeOut(s: StressSettings): Out {
  return (line) => {
    // On a terminal, a line written under the bar would be overdrawn: the bar prints it above itself.
    if (activeBar !== undefined && process.stdout.isTTY === true) activeBar.log(line);
    else process.stdout.write(`${line}\n`);
    if (s.log.file !== undefined) appendFileSync(s.log.file, `${line}\n`);
  };
}

function settingsDump(s: StressSettings): string[] {
  const c = s.command;
  const len = c.length.kind === 'count' ? `Count: ${c.length.ops.toLocaleString('en-US')}` : c.length.kind === 'duration' ? `Duration: ${c.length.text}` : `Target Uncertainty: ${c.length.target}`;
  const rate = s.rate.kind === 'threads' ? `Thread Count: ${s.rate.threads}; OpsPer Sec: ${s.rate.opsPerSec}${s.rate.fixed ? ' (fixed)' : ''}` : `Auto: ${s.rate.auto}; Min Threads: ${s.rate.minThreads}; Max Threads: ${s.rate.maxThreads}`;
  return [
    '******************** Stress Settings ********************',
    `Command:\n  Type: ${c.type}\n  ${len}\n  No Warmup: ${c.noWarmup}\n  Consistency Level: ${c.consistency}${c.ratio.size ? `\n  Ratio: ${[...c.ratio].map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}`,
    `Rate:\n  ${rate}`,
    `Population:\n  ${describeDistribution(s.population.dist)}${s.population.wrap ? '' : ' (no-wrap)'}`,
    `Node:\n  Nodes: [${s.nodes.hosts.join(', ')}]${s.nodes.datacenter ? `\n  Datacenter: ${s.nodes.datacenter}` : ''}`,
    `Schema:\n  Keyspace: ${s.schema.keyspace}\n  Replication: {${[...s.schema.replication].map(([k, v]) => `${k}=${v}`).join(', ')}}`,
    `Columns:\n  Count: ${s.columns.count}; Size: ${describeDistribution(s.columns.size)}`,
    `Mode:\n  API: ${s.mode.api}, ${s.mode.prepared ? 'prepared' : 'unprepared'}; Protocol Version: V${s.mode.protocolVersion}; Connections per host: ${s.mode.connectionsPerHost}; Max pending per connection: ${s.mode.maxPending}`,
    `Log:\n  Interval: ${s.log.intervalMs / 1000}s${s.log.hdrFile ? `\n  HDR file: ${s.log.hdrFile}` : ''}`,
    '',
  ];
}

/** A fresh workload (fresh seed sequence), optionally restricted to one operation type for its warm-up. */
function workloadFactory(s: StressSettings): (only?: string) => Workload {
  const profile = s.command.type === 'user' ? loadProfile(readFileSync(s.command.profile!, 'utf8'), s) : undefined;
  return (only) => {
    const random = seededRandom(Math.floor(Math.random() * 2 ** 31));
    const w = profile !== undefined ? profile(random) : predefinedWorkload(s, random);
    if (only === undefined) return w;
    const op = w.ops.get(only)!;
    return { ...w, nextOp: () => op, description: only };
  };
}

function lengthText(s: StressSettings): string {
  const l = s.command.length;
  if (l.kind === 'count') return `for ${l.ops} iteration`;
  if (l.kind === 'duration') {
    const m = /^(\d+)(ms|s|m|h)$/i.exec(l.text)!;
    return `${m[1]} ${{ ms: 'milliseconds', s: 'seconds', m: 'minutes', h: 'hours' }[m[2]!.toLowerCase() as 'ms' | 's' | 'm' | 'h']}`;
  }
  return `until stderr of mean < ${l.target}`;
}

interface Outputs {
  out: Out;
  hdr?: hdr.HistogramLogWriter;
  graphRuns: GraphRun[];
}

function intervalHandler(o: Outputs, title: string, runStart: () => number, typeWidth: number): { onInterval: NonNullable<PhaseOptions['onInterval']>; points: GraphPoint[] } {
  const points: GraphPoint[] = [];
  const onInterval = (lines: IntervalLine[], stderr: number, m: StressMetrics): void => {
    for (const l of lines) {
      o.out(intervalRow(l, stderr, m.startMs, '', typeWidth));
      if (l.type === 'total') {
        const lat = latencyMs(l.interval.latency);
        points.push({ t: (l.interval.endMs - runStart()) / 1000, opRate: l.interval.ops / l.interval.seconds, median: lat.median, p95: lat.p95, p99: lat.p99, max: lat.max });
      } else logHdr(o, l);
    }
    if (lines.length === 1) logHdr(o, { ...lines[0]!, type: title });
  };
  return { onInterval, points };
}

function logHdr(o: Outputs, l: IntervalLine): void {
  if (o.hdr === undefined || l.interval.ops === 0) return;
  const tagged = (h: hdr.Histogram, suffix: string): void => {
    if (h.totalCount === 0) return;
    h.tag = `${l.type}${suffix}`;
    o.hdr!.outputIntervalHistogram(h, l.interval.startMs / 1000, l.interval.endMs / 1000, 1000);
  };
  const fixed = l.interval.service.totalCount > 0;
  tagged(l.interval.latency, fixed ? '-rt' : '-st');
  if (fixed) tagged(l.interval.service, '-st');
}

async function measuredRun(s: StressSettings, c: StressClient, o: Outputs, makeWorkload: (only?: string) => Workload, threads: number, typeWidth: number): Promise<PhaseResult> {
  const w = makeWorkload();
  o.out(`Running ${w.description} with ${threads} threads ${lengthText(s)}`);
  o.out(intervalHeader('', typeWidth));
  let start = 0;
  const h = intervalHandler(o, w.description, () => start, typeWidth);
  const rate = s.rate.kind === 'threads' ? s.rate : undefined;
  const hosts = [...c.client.hosts.values()].map((x) => x.address.replace(/:\d+$/, ''));
  const [server0, reads0] = await Promise.all([serverCpu(hosts, s.port.admin), fetchReplicaReads(hosts, s.port.admin)]);
  const cpu0 = process.cpuUsage();
  const length = s.command.length;
  activeBar = length.kind === 'count' ? await ttyProgress([{ key: 'ops', label: `${threads} threads`, total: length.ops, unit: 'ops' }]) : undefined;
  const onInterval: typeof h.onInterval = (lines, stderr, m) => {
    h.onInterval(lines, stderr, m);
    const total = lines.find((l) => l.type === 'total');
    if (total !== undefined) activeBar?.update({ ops: total.total.ops });
  };
  start = clock.now();
  const r = await runPhase(c.executor, w, {
    threads, length, opsPerSec: rate?.opsPerSec ?? 0, fixedRate: rate?.fixed ?? false,
    intervalMs: s.log.intervalMs, retries: s.errors.retries, ignoreErrors: s.errors.ignore, onInterval,
  }, clock).finally(() => {
    activeBar?.stop();
    activeBar = undefined;
  });
  const cpu = process.cpuUsage(cpu0);
  const [server1, reads1] = await Promise.all([serverCpu(hosts, s.port.admin), fetchReplicaReads(hosts, s.port.admin)]);
  const serverLine = serverCpuLine(server0, server1, total0Seconds(r), r.metrics.results().total.ops);
  const { total, byType, byCoordinator } = r.metrics.results();
  const results = resultsBlock(total, byType);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const extras = [
    '',
    ...coordinatorBlock(byCoordinator, c.locate),
    ...replicaReadsBlock(replicaReadDeltas(reads0, reads1), (h) => c.locate(`${h}:${s.port.native}`)),
    ...(rate?.fixed ? fixedRateBlock(total, rate.opsPerSec) : []),
    `Client CPU                : ${cpuSec.toFixed(1)} s (${Math.round((cpuSec / total.seconds) * 100)}% of one core; ${Math.round(total.ops / Math.max(cpuSec, 0.001)).toLocaleString('en-US')} ops per client CPU-second)`,
    ...(serverLine !== undefined ? [serverLine] : []),
  ];
  if (!s.log.noSummary) for (const line of [...results, ...extras, '']) o.out(line);
  o.graphRuns.push({ title: `${w.description}, ${threads} threads`, points: h.points, summary: results.slice(3).map((l) => [l.slice(0, 26).trim(), l.slice(28)]) });
  return r;
}

async function warmup(s: StressSettings, c: StressClient, o: Outputs, makeWorkload: (only?: string) => Workload): Promise<void> {
  const l = s.command.length;
  // cassandra-stress: a quarter of n (at most 50,000) per contact node, 100 threads at most.
  const iterations = (l.kind === 'count' ? Math.min(50_000, Math.floor(l.ops * 0.25)) : 50_000) * s.nodes.hosts.length;
  if (iterations <= 0) return;
  const threads = Math.min(100, s.rate.kind === 'threads' ? s.rate.threads : s.rate.maxThreads);
  for (const type of makeWorkload().ops.keys()) {
    o.out(`Warming up ${type} with ${iterations} iterations...`);
    const r = await runPhase(c.executor, makeWorkload(type), {
      threads, length: { kind: 'count', ops: iterations }, opsPerSec: 0, fixedRate: false, intervalMs: 60_000, retries: s.errors.retries, ignoreErrors: true,
    }, clock);
    const errors = r.metrics.results().total.errors;
    if (errors > 0) o.out(`  (${errors} warm-up operations failed)`);
  }
}

async function ramp(s: StressSettings, c: StressClient, o: Outputs, makeWorkload: (only?: string) => Workload, typeWidth: number): Promise<boolean> {
  if (s.rate.kind !== 'ramp') throw new Error('not a ramp');
  const { minThreads, maxThreads, auto } = s.rate;
  if (s.command.length.kind === 'uncertainty') o.out('WARNING: uncertainty mode (err<) results in uneven workload between thread runs, so should be used for high level analysis only');
  const target = s.command.length.kind === 'uncertainty' ? s.command.length.target : -1;
  const rates: number[] = [];
  const runs: Array<{ id: string; lines: IntervalLine[]; stderr: number; startMs: number }> = [];
  let threads = minThreads;
  for (;;) {
    o.out('');
    o.out(`Running with ${threads} threadCount`);
    const r = await measuredRun(s, c, o, makeWorkload, threads, typeWidth);
    if (r.failure !== undefined) return fail(o, r.failure);
    const res = r.metrics.results();
    rates.push(res.total.ops / res.total.seconds);
    if (rates.length > 1) o.out(`Improvement over ${runs[runs.length - 1]!.id.split(' ')[0]} threadCount: ${Math.round(100 * improvement(rates))}%`);
    runs.push({ id: `${threads} threadCount`, lines: [...[...res.byType].map(([type, t]) => ({ type, interval: t, total: t })), { type: 'total', interval: res.total, total: res.total }], stderr: r.metrics.uncertainty.value, startMs: r.startMs });
    threads = nextThreadCount(threads);
    if (threads > maxThreads || !keepRamping(rates, auto, target)) break;
    if (s.command.type === 'write' || s.command.type === 'counter_write' || s.command.type === 'mixed') {
      // cassandra-stress pauses between write runs so the previous run's flushes do not weigh on the next one.
      o.out('Sleeping for 15s');
      await clock.sleep(15_000);
    }
  }
  for (const line of threadCountSummary(runs)) o.out(line);
  return true;
}

const total0Seconds = (r: PhaseResult): number => Math.max(r.endMs - r.startMs, 1) / 1000;

function fail(o: Outputs, failure: string): false {
  o.out(failure);
  return false;
}

async function createSchema(s: StressSettings, c: StressClient, w: Workload, o: Outputs): Promise<void> {
  for (const ddl of w.schema) await c.client.execute(ddl);
  o.out('Created keyspaces.');
  if (s.command.type === 'counter_write') await probeCounters(c, w);
  if (s.command.truncate !== 'never') {
    for (const t of w.tables) await c.client.execute(`TRUNCATE ${quoteIdent(w.keyspace)}.${t}`);
    o.out(`Truncated ${w.keyspace}.[${w.tables.join(', ')}].`);
  }
}

/** counter_write is only offered when the cluster accepts a counter update; otherwise a clear refusal. */
async function probeCounters(c: StressClient, w: Workload): Promise<void> {
  const op = w.ops.get('COUNTER_WRITE')!;
  try {
    await c.executor.execute(op, op.params(0));
  } catch (e) {
    throw new Error(`counter_write is not available: the cluster refused a counter update (${(e as Error).message}). Counter columns are not supported by this cluster yet.`);
  }
}

export async function runStress(s: StressSettings): Promise<number> {
  if (s.log.file !== undefined) writeFileSync(s.log.file, '');
  const out = makeOut(s);
  const o: Outputs = { out, graphRuns: [] };
  if (s.log.hdrFile !== undefined) {
    const file = s.log.hdrFile;
    writeFileSync(file, '');
    o.hdr = new (hdrLib().HistogramLogWriter)((text) => appendFileSync(file, text));
    o.hdr.outputComment('Logging op latencies for Sibyl stress');
    o.hdr.outputLogFormatVersion();
    o.hdr.outputStartTime(Date.now());
    o.hdr.outputLegend();
  }
  if (!s.log.noSettings) for (const l of settingsDump(s)) out(l);
  const makeWorkload = workloadFactory(s);
  const c = await connectStress(s);
  let closeFast = (): void => undefined;
  try {
    if (s.mode.api === 'simplenative') {
      const fast = await simpleNativeExecutor(s.nodes.hosts, s.port.native, s.mode.connectionsPerHost, consistencyCode(s.command.consistency));
      c.executor = fast.executor;
      closeFast = fast.close;
    }
    for (const l of c.describe()) out(l);
    // The first scrape of a node's /metrics loads its metrics library; pay for that before anything is measured.
    await serverCpu([...c.client.hosts.values()].map((x) => x.address.replace(/:\d+$/, '')), s.port.admin);
    const w = makeWorkload();
    await createSchema(s, c, w, o);
    const typeWidth = Math.max(10, ...[...w.ops.keys()].map((k) => k.length + 2));
    if (!s.command.noWarmup) await warmup(s, c, o, makeWorkload);
    let ok: boolean;
    if (s.rate.kind === 'threads') {
      const r = await measuredRun(s, c, o, makeWorkload, s.rate.threads, typeWidth);
      ok = r.failure === undefined || fail(o, r.failure);
    } else ok = await ramp(s, c, o, makeWorkload, typeWidth);
    out(ok ? 'END' : 'FAILURE');
    if (s.graph !== undefined) writeFileSync(s.graph.file, graphHtml(s.graph.title ?? `sibyl stress ${s.command.type}`, s.graph.revision, o.graphRuns));
    return ok ? 0 : 1;
  } finally {
    closeFast();
    await c.client.shutdown();
  }
}
