// How long `sibyl cluster up` takes to bring a preset fully up (every node UN in every node's view, drivers can
// connect: the command returns only then), and each idle node's resident memory afterwards.
//
//   npx tsx bench/cluster-start.ts [--preset azure-two-region] [--runs 3] [--idle 5]
//
// The bundle the launcher runs (dist/sibyl.mjs) is built first and timed apart, so the runs measure starting nodes,
// not compiling them. Each run starts from an empty cluster directory and removes it afterwards.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBundle } from '../src/tools/bundle.ts';
import type { ClusterManifest } from '../src/tools/cluster/manifest.ts';
import { procStat, runSibyl } from './lib.ts';

const { values: args } = parseArgs({
  options: {
    preset: { type: 'string', default: 'azure-two-region' },
    runs: { type: 'string', default: '3' },
    idle: { type: 'string', default: '5' },
  },
});

const t0 = performance.now();
await ensureBundle();
console.log(`bundle ready in ${((performance.now() - t0) / 1000).toFixed(2)} s (built only when src/ changed)`);

const runs = Number(args.runs);
const times: number[] = [];
for (let run = 1; run <= runs; run++) {
  const dir = join(mkdtempSync(join(tmpdir(), 'sibyl-bench-start-')), 'cluster');
  try {
    const start = performance.now();
    const up = await runSibyl(['cluster', 'up', '--preset', args.preset!, '--dir', dir]);
    const seconds = (performance.now() - start) / 1000;
    if (up.code !== 0) throw new Error(`cluster up failed (${up.code}):\n${up.err}`);
    const m = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterManifest;
    const un = up.out.split('\n').filter((l) => l.startsWith('UN ')).length;
    times.push(seconds);
    await new Promise((r) => setTimeout(r, Number(args.idle) * 1000));
    const rss = m.nodes.map((n) => procStat(n.pid!).rssMb);
    const avg = rss.reduce((a, b) => a + b, 0) / rss.length;
    console.log(
      `run ${run}: ${m.nodes.length} nodes up (${un} UN in the printed status) in ${seconds.toFixed(2)} s; ` +
        `idle RSS after ${args.idle} s: avg ${avg.toFixed(1)} MB, min ${Math.min(...rss).toFixed(1)}, max ${Math.max(...rss).toFixed(1)} MB`,
    );
  } finally {
    await runSibyl(['cluster', 'remove', '--dir', dir]);
    rmSync(join(dir, '..'), { recursive: true, force: true });
  }
}
times.sort((a, b) => a - b);
console.log(`\n${args.preset}: cluster up in best ${times[0]!.toFixed(2)} s, median ${times[Math.floor(times.length / 2)]!.toFixed(2)} s over ${runs} runs`);
