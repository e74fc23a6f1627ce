// cassandra-stress's output, line for line where Sibyl has the figure: the interval header and rows (`total, 43148,
// 42991, …`), the `Results:` block of 4.0–5.0 (`Op rate : 46,751 op/s [WRITE: 46,751 op/s]`), the thread-count
// summary of an auto run. cassandra-stress's JVM GC columns and lines are left out: a Sibyl node has no JVM and the
// figures would be zeros that look measured. After the block, what cassandra-stress lacks: latency per coordinator
// data centre and rack, and (fixed rate) the service time beside the latency from the intended start.
import { latencyMs, Timing, type IntervalLine } from './metrics.ts';

const HEADINGS = ['total ops', 'op/s', 'pk/s', 'row/s', 'mean', 'med', '.95', '.99', '.999', 'max', 'time', 'stderr', 'errors'];
const WIDTHS = [10, 8, 8, 8, 8, 8, 8, 8, 8, 8, 7, 9, 7];

const grouped = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : 'NaN');

function typeColumn(type: string, prefix: string, width: number): string {
  return `${prefix}${`${type},`.padEnd(width)}`;
}

/** `type       total ops,    op/s, …` (the type column widens for long `user` operation names). */
export function intervalHeader(prefix = '', typeWidth = 10): string {
  return `${prefix}${'type'.padEnd(typeWidth)}${HEADINGS.map((h, i) => h.padStart(WIDTHS[i]!)).join(',')}`;
}

/** One interval row: rates and latencies of the interval, total ops and time of the run so far. */
export function intervalRow(line: IntervalLine, stderr: number, runStartMs: number, prefix = '', typeWidth = 10): string {
  const { interval: t, total } = line;
  const l = latencyMs(t.latency);
  const s = t.seconds;
  const cells = [
    String(total.ops), fixed(t.ops / s, 0), fixed(t.partitions / s, 0), fixed(t.rows / s, 0),
    fixed(l.mean, 1), fixed(l.median, 1), fixed(l.p95, 1), fixed(l.p99, 1), fixed(l.p999, 1), fixed(l.max, 1),
    fixed((t.endMs - runStartMs) / 1000, 1), fixed(stderr, 5), String(t.errors),
  ];
  return `${typeColumn(line.type, prefix, typeWidth)}${cells.map((c, i) => c.padStart(WIDTHS[i]!)).join(',')}`;
}

/** `[READ: 7,000 op/s, WRITE: 2,333 op/s]`, types in name order. */
function perType(byType: ReadonlyMap<string, Timing>, value: (t: Timing) => string, unit: string): string {
  if (byType.size === 0) return '[]';
  return `[${[...byType].map(([k, t]) => `${k}: ${value(t)}${unit === '' ? '' : ` ${unit}`}`).join(', ')}]`;
}

/** HH:mm:ss, hours unbounded. */
export function hms(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** The `Results:` block, from its blank lines to `Total operation time`. */
export function resultsBlock(total: Timing, byType: ReadonlyMap<string, Timing>): string[] {
  const rate = (t: Timing, n: number): number => n / t.seconds;
  const lat = (t: Timing, k: keyof ReturnType<typeof latencyMs>): number => latencyMs(t.latency)[k];
  const latencyLine = (label: string, k: keyof ReturnType<typeof latencyMs>): string =>
    `${label.padEnd(26)}: ${fixed(lat(total, k), 1).padStart(6)} ms ${perType(byType, (t) => fixed(lat(t, k), 1), 'ms')}`;
  return [
    '',
    '',
    'Results:',
    `Op rate                   : ${grouped(rate(total, total.ops)).padStart(8)} op/s  ${perType(byType, (t) => grouped(rate(t, t.ops)), 'op/s')}`,
    `Partition rate            : ${grouped(rate(total, total.partitions)).padStart(8)} pk/s  ${perType(byType, (t) => grouped(rate(t, t.partitions)), 'pk/s')}`,
    `Row rate                  : ${grouped(rate(total, total.rows)).padStart(8)} row/s ${perType(byType, (t) => grouped(rate(t, t.rows)), 'row/s')}`,
    latencyLine('Latency mean', 'mean'),
    latencyLine('Latency median', 'median'),
    latencyLine('Latency 95th percentile', 'p95'),
    latencyLine('Latency 99th percentile', 'p99'),
    latencyLine('Latency 99.9th percentile', 'p999'),
    latencyLine('Latency max', 'max'),
    `Total partitions          : ${grouped(total.partitions).padStart(10)} ${perType(byType, (t) => grouped(t.partitions), '')}`,
    `Total errors              : ${grouped(total.errors).padStart(10)} ${perType(byType, (t) => grouped(t.errors), '')}`,
    `Total operation time      : ${hms(total.endMs - total.startMs)}`,
  ];
}

/** Where a coordinator sits, for grouping its latencies. */
export interface HostLocation {
  dc: string;
  rack: string;
}

function latencyTableRow(label: string, labelWidth: number, t: Timing): string {
  const l = latencyMs(t.latency);
  const cells = [grouped(t.ops), ...[l.mean, l.median, l.p95, l.p99, l.p999, l.max].map((v) => fixed(v, 1))];
  return `  ${label.padEnd(labelWidth)}${cells.map((c, i) => c.padStart(i === 0 ? 10 : 8)).join(' ')}`;
}

/**
 * Latency by coordinator DC, then by DC/rack (what seed 004 compares between one AZ and three). Coordinators the
 * driver never reported (`unknown`) are listed as such rather than dropped.
 */
export function coordinatorBlock(byCoordinator: ReadonlyMap<string, Timing>, locate: (host: string) => HostLocation | undefined): string[] {
  if (byCoordinator.size === 0) return [];
  const dcs = new Map<string, Timing>();
  const racks = new Map<string, Timing>();
  for (const [host, t] of byCoordinator) {
    const loc = locate(host);
    const dc = loc?.dc ?? 'unknown';
    const rack = loc === undefined ? 'unknown' : `${loc.dc}/${loc.rack}`;
    for (const [m, k] of [[dcs, dc], [racks, rack]] as const) {
      let agg = m.get(k);
      if (agg === undefined) m.set(k, (agg = new Timing()));
      agg.add(t);
    }
  }
  const labels = [...dcs.keys(), ...racks.keys()].map((k) => k.length);
  const w = Math.max(18, ...labels) + 2;
  const head = `  ${'coordinator'.padEnd(w)}${['ops', 'mean', 'med', '.95', '.99', '.999', 'max'].map((h, i) => h.padStart(i === 0 ? 10 : 8)).join(' ')}`;
  const sorted = (m: Map<string, Timing>): Array<[string, Timing]> => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    'Latency by coordinator (ms), per data centre and per rack:',
    head,
    ...sorted(dcs).map(([k, t]) => latencyTableRow(k, w, t)),
    ...sorted(racks).map(([k, t]) => latencyTableRow(k, w, t)),
  ];
}

/** Fixed rate: the latency from the intended start (reported above) beside the service time from the actual start. */
export function fixedRateBlock(total: Timing, opsPerSec: number): string[] {
  if (total.service.totalCount === 0) return [];
  const r = latencyMs(total.latency);
  const s = latencyMs(total.service);
  const row = (label: string, l: typeof r): string => `  ${label.padEnd(30)}${[l.median, l.p95, l.p99, l.p999, l.max].map((v) => fixed(v, 1).padStart(8)).join(' ')}`;
  return [
    `Fixed rate ${grouped(opsPerSec)}/s: latency measured from each operation's intended start (coordinated omission corrected):`,
    `  ${''.padEnd(30)}${['med', '.95', '.99', '.999', 'max'].map((h) => h.padStart(8)).join(' ')}`,
    row('from intended start (reported)', r),
    row('service time (from send)', s),
  ];
}

/** The auto-ramp summary: one row per thread count (`4 threadCount, total, …`). */
export function threadCountSummary(runs: ReadonlyArray<{ id: string; lines: IntervalLine[]; stderr: number; startMs: number }>): string[] {
  const idWidth = Math.max(2, ...runs.map((r) => r.id.length));
  const prefix = (id: string): string => `${id.padStart(idWidth)}, `;
  const out = [intervalHeader(prefix('id'))];
  for (const r of runs) for (const l of r.lines) out.push(intervalRow(l, r.stderr, r.startMs, prefix(r.id)));
  return out;
}
