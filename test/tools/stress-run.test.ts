// The stress runner and its report under virtual time: a fake executor answers after a set latency, so op rates,
// percentiles, fixed-rate latency from the intended start, error handling and the uncertainty stop are exact; the
// printed lines are then read back the way a cassandra-stress user (or script) reads them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseStressArgs } from '../../src/tools/stress/args.ts';
import { seededRandom } from '../../src/tools/stress/distribution.ts';
import { coordinatorBlock, fixedRateBlock, hms, intervalHeader, intervalRow, resultsBlock, threadCountSummary } from '../../src/tools/stress/format.ts';
import { graphHtml, niceMax } from '../../src/tools/stress/graph.ts';
import { keepRamping, nextThreadCount, runPhase, type Clock, type Executor, type PhaseOptions } from '../../src/tools/stress/runner.ts';
import { cpuSecondsFromMetrics, serverCpuLine } from '../../src/tools/stress/server-cpu.ts';
import { keyFor, predefinedWorkload, type OperationSpec } from '../../src/tools/stress/workload.ts';
import type { IntervalLine } from '../../src/tools/stress/metrics.ts';

/** Virtual time: sleeps resolve in time order; between two wake-ups every pending microtask runs. */
class VirtualClock implements Clock {
  private t = 0;
  private timers: Array<{ at: number; seq: number; wake: () => void }> = [];
  private seq = 0;
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((wake) => this.timers.push({ at: this.t + Math.max(0, ms), seq: this.seq++, wake }));
  }
  async run<T>(p: Promise<T>): Promise<T> {
    let done = false;
    const out = p.finally(() => (done = true));
    for (let guard = 0; !done; guard++) {
      assert.ok(guard < 5_000_000, 'virtual clock: too many steps');
      await new Promise((r) => setImmediate(r));
      if (done) break;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (next === undefined) continue;
      this.t = Math.max(this.t, next.at);
      next.wake();
    }
    return out;
  }
}

function fakeExecutor(clock: VirtualClock, latencyMs: (op: OperationSpec, params: unknown[], n: number) => number, fail?: (params: unknown[]) => boolean): Executor {
  let n = 0;
  return {
    async execute(op, params) {
      await clock.sleep(latencyMs(op, params, n++));
      if (fail?.(params)) throw Object.assign(new Error('Cannot achieve consistency level QUORUM'), { name: 'ResponseError', coordinator: '127.0.44.2:9042' });
      // Coordinators alternate by key, so the split between them is exact.
      const last = (params[0] as Buffer)[9]!;
      return { rows: 1, coordinator: last % 2 === 0 ? '127.0.44.1:9042' : '127.0.44.2:9042' };
    },
  };
}

const options = (o: Partial<PhaseOptions>): PhaseOptions => ({
  threads: 10, length: { kind: 'count', ops: 1000 }, opsPerSec: 0, fixedRate: false, intervalMs: 1000, retries: 0, ignoreErrors: false, ...o,
});

/** The number after `label :` in a Results line (commas removed), as scripts parsing cassandra-stress do. */
function resultValue(lines: string[], label: string): number {
  const line = lines.find((l) => l.startsWith(label));
  assert.ok(line, `no "${label}" line in:\n${lines.join('\n')}`);
  const m = /:\s+([0-9,.]+)/.exec(line);
  return Number(m![1]!.replace(/,/g, ''));
}

describe('stress runner (virtual time)', () => {
  test('n=1000 at 10 threads and 2 ms per op: 5,000 op/s, 2.0 ms percentiles, every op counted', async () => {
    const clock = new VirtualClock();
    const s = parseStressArgs(['write', 'n=1000', '-rate', 'threads=10']);
    const w = predefinedWorkload(s, seededRandom(1));
    const printed: string[] = [intervalHeader()];
    const r = await clock.run(runPhase(fakeExecutor(clock, () => 2), w, options({ onInterval: (lines, stderr, m) => { for (const l of lines) printed.push(intervalRow(l, stderr, m.startMs)); } }), clock));
    const { total, byType, byCoordinator } = r.metrics.results();
    assert.equal(total.ops, 1000);
    assert.equal(total.partitions, 1000);
    assert.equal(total.errors, 0);
    const results = resultsBlock(total, byType);
    assert.equal(resultValue(results, 'Op rate'), 5000);
    assert.equal(resultValue(results, 'Latency median'), 2.0);
    assert.equal(resultValue(results, 'Latency 99.9th percentile'), 2.0);
    assert.equal(resultValue(results, 'Total partitions'), 1000);
    assert.match(results.find((l) => l.startsWith('Op rate'))!, /^Op rate {19}: {4}5,000 op\/s {2}\[WRITE: 5,000 op\/s\]$/);
    assert.equal(results.at(-1), 'Total operation time      : 00:00:00');
    // 1000 ops over 200 ms of virtual time: one (final) interval row, comma-separated as cassandra-stress prints it.
    assert.equal(printed.length, 2);
    const cells = printed[1]!.split(',').map((c) => c.trim());
    assert.deepEqual(cells.slice(0, 3), ['total', '1000', '5000']);
    // As in cassandra-stress, the header has no comma after `type`: one field fewer than a row.
    assert.equal(printed[0]!.split(',').length, cells.length - 1);
    assert.deepEqual([...byCoordinator.keys()].sort(), ['127.0.44.1:9042', '127.0.44.2:9042']);
    const block = coordinatorBlock(byCoordinator, (h) => ({ dc: 'dc1', rack: h.endsWith('1:9042') ? 'r1' : 'r2' }));
    assert.ok(block.some((l) => /^ {2}dc1\s+1,000\s+2\.0/.test(l)), block.join('\n'));
    assert.ok(block.some((l) => /^ {2}dc1\/r1\s+500\s/.test(l)), block.join('\n'));
  });

  test('interval lines every second, per type and total for mixed; stderr from the interval rates', async () => {
    const clock = new VirtualClock();
    const s = parseStressArgs(['mixed', 'ratio(write=1,read=3)', 'duration=5s', '-rate', 'threads=4']);
    const w = predefinedWorkload(s, seededRandom(2));
    const lines: IntervalLine[][] = [];
    const stderrs: number[] = [];
    const onInterval = (l: IntervalLine[], stderr: number): void => void (lines.push(l), stderrs.push(stderr));
    const r = await clock.run(runPhase(fakeExecutor(clock, (op) => (op.type === 'READ' ? 1 : 4)), w, options({ threads: 4, length: s.command.length, onInterval }), clock));
    const nonEmpty = lines.filter((l) => l.length > 0);
    assert.ok(nonEmpty.length >= 5 && nonEmpty.length <= 6, `${nonEmpty.length} intervals`);
    assert.deepEqual(nonEmpty[0]!.map((l) => l.type), ['READ', 'WRITE', 'total']);
    const { byType, total } = r.metrics.results();
    const reads = byType.get('READ')!.ops;
    assert.ok(Math.abs(reads / total.ops - 0.75) < 0.05, `read share ${reads / total.ops}`);
    // Five full seconds at a steady rate: the stderr printed on the fifth line is small (the tail after it is not).
    assert.ok(stderrs[4]! < 0.02, `stderr ${stderrs[4]}`);
    assert.equal(stderrs[0], 0);
    assert.ok(Math.abs(total.seconds - 5) < 0.01, `ran ${total.seconds} s`);
  });

  test('fixed rate: latency from the intended start shows a stall the service time hides', async () => {
    const clock = new VirtualClock();
    const s = parseStressArgs(['write', 'n=400', '-rate', 'threads=1', 'fixed=100/s']);
    const w = predefinedWorkload(s, seededRandom(3));
    // One operation stalls for 1 s; the hundred scheduled behind it start late, and only the intended start says so.
    const exec = fakeExecutor(clock, (_op, _p, n) => (n === 100 ? 1000 : 1));
    const r = await clock.run(runPhase(exec, w, options({ threads: 1, length: s.command.length, opsPerSec: 100, fixedRate: true }), clock));
    const { total } = r.metrics.results();
    assert.equal(total.ops, 400);
    // 400 ops at 100/s take 4 s of schedule.
    assert.ok(total.seconds >= 3.99 && total.seconds < 4.5, `${total.seconds}`);
    const fixedLines = fixedRateBlock(total, 100);
    assert.match(fixedLines[0]!, /Fixed rate 100\/s/);
    const intended = total.latency.getValueAtPercentile(99) / 1000;
    const service = total.service.getValueAtPercentile(99) / 1000;
    assert.ok(service < 2, `service p99 ${service} ms`);
    assert.ok(intended > 900, `p99 from the intended start ${intended} ms should include the queueing behind the stall`);
  });

  test('an operation failing every try stops the run (FAILURE) unless -errors ignore', async () => {
    const failing = (params: unknown[]): boolean => (params[0] as Buffer).equals(keyFor(50));
    const s = parseStressArgs(['write', 'n=200', '-rate', 'threads=2']);
    const clock = new VirtualClock();
    const r = await clock.run(runPhase(fakeExecutor(clock, () => 1, failing), predefinedWorkload(s, seededRandom(4)), options({ threads: 2, length: s.command.length, retries: 2 }), clock));
    assert.match(r.failure ?? '', /^Operation x3 on key\(s\) \[30303030303030303530\]: Error executing WRITE: \(ResponseError\) Cannot achieve consistency level QUORUM$/);
    assert.ok(r.metrics.results().total.ops < 200);
    const clock2 = new VirtualClock();
    const r2 = await clock2.run(runPhase(fakeExecutor(clock2, () => 1, failing), predefinedWorkload(s, seededRandom(4)), options({ threads: 2, length: s.command.length, ignoreErrors: true }), clock2));
    assert.equal(r2.failure, undefined);
    assert.equal(r2.metrics.results().total.ops, 200);
    assert.equal(r2.metrics.results().total.errors, 1);
  });

  test('err<0.02: stops once the op rate is steady, after at least n> intervals', async () => {
    const clock = new VirtualClock();
    const s = parseStressArgs(['read', 'err<0.02', 'n>5', 'n<50', '-rate', 'threads=2']);
    let intervals = 0;
    const r = await clock.run(runPhase(fakeExecutor(clock, () => 1), predefinedWorkload(s, seededRandom(5)), options({ threads: 2, length: s.command.length, onInterval: () => intervals++ }), clock));
    assert.ok(r.metrics.uncertainty.measurements >= 5 && r.metrics.uncertainty.measurements <= 8, `${r.metrics.uncertainty.measurements} measurements`);
    assert.ok(intervals >= 5);
  });

  test('-pop seq=1..30 no-wrap ends the run once every seed is written', async () => {
    const clock = new VirtualClock();
    const s = parseStressArgs(['write', 'duration=10s', '-pop', 'seq=1..30', 'no-wrap', '-rate', 'threads=3']);
    const seen: string[] = [];
    const exec: Executor = { async execute(_op, p) { seen.push((p[0] as Buffer).toString()); await clock.sleep(1); return { rows: 1 }; } };
    const r = await clock.run(runPhase(exec, predefinedWorkload(s, seededRandom(6)), options({ threads: 3, length: s.command.length }), clock));
    assert.equal(r.metrics.results().total.ops, 30);
    assert.deepEqual(seen.sort(), Array.from({ length: 30 }, (_, i) => String(i + 1).padStart(10, '0')));
  });
});

describe('thread ramp, summaries, server CPU, graph', () => {
  test("cassandra-stress's ramp: ×2 below 16 threads, ×1.5 above; stop after three steps without improvement", () => {
    assert.deepEqual([4, 8, 16, 24, 36].map(nextThreadCount), [8, 16, 24, 36, 54]);
    assert.equal(keepRamping([100, 200, 300], true, -1), true);
    assert.equal(keepRamping([100, 200, 300, 310, 305, 300], true, -1), true, 'average improvement over the last three still positive');
    assert.equal(keepRamping([100, 200, 300, 290, 280, 270], true, -1), false);
    assert.equal(keepRamping([100, 90, 80, 70], false, -1), true, 'without auto it runs every thread count');
  });

  test('thread-count summary rows carry their id; hms; server CPU line; graph page', () => {
    const clock = new VirtualClock();
    void clock;
    assert.equal(hms(3_723_000), '01:02:03');
    assert.equal(cpuSecondsFromMetrics('# HELP x\nsibyl_process_cpu_seconds_total 12.5\nsibyl_x 1\n'), 12.5);
    assert.equal(cpuSecondsFromMetrics('process_cpu_seconds_total 3\n'), undefined);
    const line = serverCpuLine(new Map([['a', 1], ['b', 2]]), new Map([['a', 3], ['b', 2.5], ['c', 9]]), 2, 10_000);
    assert.equal(line, 'Server CPU                : 2.5 s on 2 nodes (busiest a: 100% of one core; 4,000 ops per server CPU-second)');
    assert.equal(niceMax(7.3), 10);
    assert.equal(niceMax(1200), 2000);
    const html = graphHtml('t <1>', 'r1', [{ title: 'WRITE, 4 threads', points: [{ t: 1, opRate: 100, median: 1, p95: 2, p99: 3, max: 4 }, { t: 2, opRate: 120, median: 1, p95: 2, p99: 3, max: 5 }], summary: [['Op rate', '110 op/s']] }]);
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<title>t &lt;1&gt;<\/title>/);
    assert.equal((html.match(/<svg /g) ?? []).length, 2);
    assert.equal((html.match(/<polyline /g) ?? []).length, 5);
    assert.doesNotMatch(html, /<script|https?:\/\//);
    const summary = threadCountSummary([]);
    assert.match(summary[0]!, /^id, type {7}total ops,/);
  });
});
