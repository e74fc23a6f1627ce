// The summary of a `sibyl stress` run read back from its printed output, the way scripts around cassandra-stress read
// its `Results:` block: the latencies of the run, the per-coordinator DC/rack table, and Sibyl's local-rack replica
// read share with the per-node counts. Used by examples/aws-multi-az/latency.sh to build seed 004's tables.
import type { LatencyMs } from './metrics.ts';

export interface CoordinatorRow extends LatencyMs {
  /** `us-east` (a DC) or `us-east/1a` (a DC/rack). */
  label: string;
  ops: number;
}

export interface NodeReadRow {
  node: string;
  /** `dc/rack` */
  location: string;
  localRack: number;
  remoteRack: number;
  remoteDc: number;
  self: number;
}

export interface StressSummary {
  opRate: number;
  latency: LatencyMs;
  errors: number;
  coordinators: CoordinatorRow[];
  /** Share (0..1) of replica reads served in the coordinator's own rack; undefined when not reported. */
  localRackShare?: number;
  nodes: NodeReadRow[];
}

const num = (s: string): number => Number(s.replace(/,/g, ''));

function resultValue(lines: readonly string[], label: string): number {
  // Labels are padded to 26 columns before the colon (format.ts's resultsBlock).
  const line = lines.find((l) => l.slice(0, 26).trim() === label && l.charAt(26) === ':');
  if (line === undefined) throw new Error(`stress summary: no "${label}" line`);
  const m = /:\s+([0-9.,]+|NaN)/.exec(line);
  if (m === null) throw new Error(`stress summary: no value on "${line}"`);
  return num(m[1]!);
}

/** The last `Results:` block of `text` (a ramp prints one per thread count) and what follows it. */
export function parseStressSummary(text: string): StressSummary {
  const all = text.split('\n');
  const at = all.lastIndexOf('Results:');
  if (at < 0) throw new Error('stress summary: no Results: block');
  const lines = all.slice(at + 1);
  const latency: LatencyMs = {
    mean: resultValue(lines, 'Latency mean'), median: resultValue(lines, 'Latency median'), p95: resultValue(lines, 'Latency 95th percentile'),
    p99: resultValue(lines, 'Latency 99th percentile'), p999: resultValue(lines, 'Latency 99.9th percentile'), max: resultValue(lines, 'Latency max'),
  };
  const summary: StressSummary = { opRate: resultValue(lines, 'Op rate'), latency, errors: resultValue(lines, 'Total errors'), coordinators: coordinatorRows(lines), nodes: nodeRows(lines) };
  const share = lines.map((l) => /^Local-rack replica reads\s*:\s*([0-9.]+)%/.exec(l)).find((m) => m !== null);
  if (share) summary.localRackShare = Number(share[1]) / 100;
  return summary;
}

/** Rows under `Latency by coordinator (ms)…` up to the first line that is not indented. */
function indentedAfter(lines: readonly string[], heading: string): string[] {
  const at = lines.findIndex((l) => l.startsWith(heading));
  if (at < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(at + 2)) {
    if (!l.startsWith('  ')) break;
    out.push(l.trim());
  }
  return out;
}

function coordinatorRows(lines: readonly string[]): CoordinatorRow[] {
  return indentedAfter(lines, 'Latency by coordinator').map((l) => {
    const f = l.split(/\s+/);
    const [mean, median, p95, p99, p999, max] = f.slice(2).map(num) as [number, number, number, number, number, number];
    return { label: f[0]!, ops: num(f[1]!), mean, median, p95, p99, p999, max };
  });
}

function nodeRows(lines: readonly string[]): NodeReadRow[] {
  return indentedAfter(lines, 'Replica reads served per node').map((l) => {
    const f = l.split(/\s+/);
    const [localRack, remoteRack, remoteDc, self] = f.slice(2).map(num) as [number, number, number, number];
    return { node: f[0]!, location: f[1]!, localRack, remoteRack, remoteDc, self };
  });
}
