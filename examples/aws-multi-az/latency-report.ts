// Seed 004's latency tables and Figure 1 from four `sibyl stress` logs (latency.sh writes them): writes and reads,
// single AZ and three AZs, at RF 3 and CL ONE. Prints the 2×2 tables (median, 95th percentile) beside the seed's
// own Tables 1 and 2, the local-rack share of replica reads, and the per-node local read counts of Figure 1 as a
// table and an SVG bar chart.
//
//   npx tsx examples/aws-multi-az/latency-report.ts --single-write F --single-read F --multi-write F --multi-read F --svg OUT.svg
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { barChartSvg } from '../../src/tools/svg-bars.ts';
import { parseStressSummary, type NodeReadRow, type StressSummary } from '../../src/tools/stress/summary.ts';

/** Seed 004, milliseconds, Cassandra 2.0.15, RF 3, CL ONE, 6 nodes. Table 1: i2.xlarge; Table 2: i2.2xlarge, enhanced networking. */
export const SEED_TABLES = {
  table1: { write: { single: [1.0, 2.5], multi: [1.5, 2.8] }, read: { single: [1.0, 2.6], multi: [1.5, 23.5] } },
  table2: { write: { single: [0.9, 2.4], multi: [1.1, 2.3] }, read: { single: [0.7, 1.5], multi: [1.0, 1.9] } },
} as const;

export interface LatencyRuns {
  singleWrite: StressSummary;
  singleRead: StressSummary;
  multiWrite: StressSummary;
  multiRead: StressSummary;
}

const ms = (v: number): string => v.toFixed(1).padStart(7);

export function seedTables(r: LatencyRuns): string[] {
  const rows: Array<[string, string, StressSummary, 'write' | 'read', 'single' | 'multi']> = [
    ['WRITE', 'Single AZ', r.singleWrite, 'write', 'single'],
    ['', 'Multi AZ (3 AZs)', r.multiWrite, 'write', 'multi'],
    ['READ', 'Single AZ', r.singleRead, 'read', 'single'],
    ['', 'Multi AZ (3 AZs)', r.multiRead, 'read', 'multi'],
  ];
  const head = (a: string, b: string, c: string): string => `${''.padEnd(24)}${a.padStart(14)}${b.padStart(16)}${c.padStart(18)}`;
  return [
    'Seed 004 Tables 1 and 2 beside Sibyl: median and 95th percentile, ms (RF 3, CL ONE, 6 nodes)',
    head('Sibyl', 'seed Table 1', 'seed Table 2'),
    head('median    p95', 'median    p95', 'median    p95'),
    ...rows.map(([op, layout, s, k, l]) => {
      const t1 = SEED_TABLES.table1[k][l];
      const t2 = SEED_TABLES.table2[k][l];
      return `${op.padEnd(6)}${layout.padEnd(18)}${ms(s.latency.median)}${ms(s.latency.p95)}  ${ms(t1[0])}${ms(t1[1])}    ${ms(t2[0])}${ms(t2[1])}    `.trimEnd();
    }),
  ];
}

const share = (s: StressSummary): string => (s.localRackShare === undefined ? 'not reported' : `${(100 * s.localRackShare).toFixed(1)}%`);

export function figure1Table(title: string, nodes: readonly NodeReadRow[]): string[] {
  return [
    title,
    `  ${'node'.padEnd(16)}${'dc/rack'.padEnd(14)}${['local rack', 'other racks', 'other DCs', 'local share'].map((h) => h.padStart(13)).join('')}`,
    ...nodes.map((n) => {
      const total = n.localRack + n.remoteRack + n.remoteDc;
      const pct = total === 0 ? '-' : `${((100 * n.localRack) / total).toFixed(1)}%`;
      return `  ${n.node.padEnd(16)}${n.location.padEnd(14)}${[n.localRack, n.remoteRack, n.remoteDc].map((v) => v.toLocaleString('en-US').padStart(13)).join('')}${pct.padStart(13)}`;
    }),
  ];
}

export function figure1Svg(nodes: readonly NodeReadRow[], reads: number): string {
  return barChartSvg({
    title: `Replica reads per node, 6 nodes over 3 AZs, CL ONE (${reads.toLocaleString('en-US')} reads; seed 004 Figure 1)`,
    categories: nodes.map((n) => `.${n.node.split('.').slice(-2).join('.')} (${n.location.split('/').pop()})`),
    series: [
      { name: 'coordinator in the same AZ', values: nodes.map((n) => n.localRack), color: '#2b7bba' },
      { name: 'coordinator in another AZ', values: nodes.map((n) => n.remoteRack), color: '#e6842a' },
      { name: 'coordinator in another region', values: nodes.map((n) => n.remoteDc), color: '#999' },
    ],
    yLabel: 'replica reads served',
  });
}

export function report(r: LatencyRuns): string[] {
  return [
    ...seedTables(r),
    '',
    `Replica reads served in the coordinator's own rack: single AZ ${share(r.singleRead)}, three AZs ${share(r.multiRead)}`,
    '',
    ...figure1Table('Figure 1: replica reads per node on the 3-AZ layout, by the coordinator\'s zone', r.multiRead.nodes),
  ];
}

function main(): void {
  const { values } = parseArgs({ options: {
    'single-write': { type: 'string' }, 'single-read': { type: 'string' }, 'multi-write': { type: 'string' }, 'multi-read': { type: 'string' }, svg: { type: 'string' },
  } });
  const load = (k: keyof typeof values): StressSummary => {
    const f = values[k];
    if (typeof f !== 'string') throw new Error(`--${k} FILE is required`);
    return parseStressSummary(readFileSync(f, 'utf8'));
  };
  const runs: LatencyRuns = { singleWrite: load('single-write'), singleRead: load('single-read'), multiWrite: load('multi-write'), multiRead: load('multi-read') };
  process.stdout.write(`${report(runs).join('\n')}\n`);
  if (typeof values.svg === 'string') {
    const reads = runs.multiRead.coordinators.find((c) => !c.label.includes('/'))?.ops ?? 0;
    writeFileSync(values.svg, figure1Svg(runs.multiRead.nodes, reads));
    process.stdout.write(`\nFigure 1 bar chart: ${values.svg}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
