// examples/aws-multi-az/latency-report.ts and the SVG bar chart it draws (tools/svg-bars.ts): the seed's 2×2 tables
// beside Sibyl's figures, Figure 1's per-node table, and a well-formed chart with one bar per node and series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { figure1Svg, report, seedTables } from '../../examples/aws-multi-az/latency-report.ts';
import type { StressSummary } from '../../src/tools/stress/summary.ts';
import { barChartSvg, tickStep } from '../../src/tools/svg-bars.ts';

function run(median: number, p95: number, share?: number): StressSummary {
  const nodes = share === undefined ? [] : [1, 2, 3, 4, 5, 6].map((i) => ({
    node: `127.0.73.${i}`, location: `us-east/1${'abc'[Math.floor((i - 1) / 2)]}`, localRack: 3000 + i, remoteRack: i === 1 ? 5 : 0, remoteDc: 0, self: 1500,
  }));
  return {
    opRate: 1000, errors: 0, coordinators: [{ label: 'us-east', ops: 20000, mean: median, median, p95, p99: p95, p999: p95, max: p95 }], nodes,
    latency: { mean: median, median, p95, p99: p95, p999: p95, max: p95 }, ...(share === undefined ? {} : { localRackShare: share }),
  };
}

test('the 2×2 tables put Sibyl\'s median and p95 beside seed 004\'s Tables 1 and 2', () => {
  const lines = seedTables({ singleWrite: run(0.4, 0.9), singleRead: run(0.5, 1.1, 1), multiWrite: run(0.6, 1.8), multiRead: run(0.7, 2.2, 0.999) });
  assert.match(lines.find((l) => l.startsWith('WRITE'))!, /^WRITE +Single AZ +0\.4 +0\.9 +1\.0 +2\.5 +0\.9 +2\.4$/);
  assert.match(lines.find((l) => l.startsWith('READ'))!, /^READ +Single AZ +0\.5 +1\.1 +1\.0 +2\.6 +0\.7 +1\.5$/);
  assert.match(lines.at(-1)!, /^ +Multi AZ \(3 AZs\) +0\.7 +2\.2 +1\.5 +23\.5 +1\.0 +1\.9$/);
  const all = report({ singleWrite: run(0.4, 0.9), singleRead: run(0.5, 1.1, 1), multiWrite: run(0.6, 1.8), multiRead: run(0.7, 2.2, 0.999) });
  assert.ok(all.includes("Replica reads served in the coordinator's own rack: single AZ 100.0%, three AZs 99.9%"), all.join('\n'));
  assert.ok(all.some((l) => /^ {2}127\.0\.73\.1 +us-east\/1a +3,001 +5 +0 +99\.8%$/.test(l)), all.join('\n'));
});

test('the Figure 1 chart: an SVG document with one bar per node and origin, labelled by node and AZ', () => {
  const svg = figure1Svg(run(1, 2, 0.99).nodes, 20000);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>\n$/);
  assert.equal((svg.match(/<rect [^>]*><title>/g) ?? []).length, 18, '6 nodes × 3 origins');
  assert.match(svg, />3,001<\/text>/, 'values printed above the bars');
  assert.match(svg, /<title>\.73\.1 \(1a\) coordinator in the same AZ: 3,001<\/title>/);
  assert.match(svg, />\.73\.6 \(1c\)</);
  assert.equal(tickStep(3006), 1000);
  assert.equal(tickStep(7), 2);
  assert.throws(() => barChartSvg({ title: 't', categories: ['a', 'b'], series: [{ name: 's', values: [1], color: 'red' }] }), /1 values for 2 categories/);
  assert.match(barChartSvg({ title: 'a < b & "c"', categories: ['x'], series: [{ name: 's', values: [0], color: 'red' }] }), /a &lt; b &amp; &quot;c&quot;/);
});
