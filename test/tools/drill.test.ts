// `sibyl plan` and `sibyl drill` agree on the seed presets: each preset is brought up on its own addresses (aws-two-az
// 127.4.0.1–6, aws-multi-az 127.3.0.1–9, azure-two-region 127.1.2.4–11 and 127.2.2.4–11), the plan is computed from the
// running nodes' tokens, and a live drill (SIGKILL, conviction, the consistency-level matrix from every surviving DC,
// restart) must observe exactly the plan's outcome for its scenario. One scenario per preset by default;
// SIBYL_DRILL_ALL=1 drills every node, rack and DC of each preset (long).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Plan } from '../../src/tools/plan/model.ts';
import type { DrillReport } from '../../src/tools/drill/run.ts';
import { runCli } from '../helpers/cli.ts';

const ALL = process.env['SIBYL_DRILL_ALL'] === '1';
const root = mkdtempSync(join(tmpdir(), 'sibyl-drill-'));
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await runCli(['cluster', 'remove', '--dir', d], { timeoutMs: 60_000 }).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

interface Case {
  preset: string;
  /** The drill's selector and the plan's name for that scenario. */
  drills: Array<{ args: string[]; kind: string; name: string }>;
}

const sortedOutcome = (o: { all: string[]; some: string[]; none: string[] }): { all: string[]; some: string[]; none: string[] } => ({ all: [...o.all].sort(), some: [...o.some].sort(), none: [...o.none].sort() });

async function up(preset: string): Promise<string> {
  const dir = join(root, preset);
  dirs.push(dir);
  const r = await runCli(['cluster', 'up', '--preset', preset, '--dir', dir, '--timeout', '240'], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, `cluster up --preset ${preset}: ${r.stderr}`);
  return dir;
}

async function planOf(dir: string): Promise<Plan> {
  const r = await runCli(['plan', '--dir', dir, '--json'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Plan;
}

/** All scenarios of a plan that drill can run (two-rack outages are planned, not drilled). */
function everyScenario(p: Plan): Case['drills'] {
  return p.scenarios.filter((s) => s.kind !== 'two-racks').map((s) => {
    const [dc, rack] = s.name.split('/');
    const args = s.kind === 'node' ? ['--node', s.name] : s.kind === 'rack' ? ['--rack', rack!, '--dc', dc!] : ['--dc', s.name];
    return { args, kind: s.kind, name: s.name };
  });
}

const CASES: Case[] = [
  { preset: 'aws-two-az', drills: [{ args: ['--scenario', 'az-outage', '--rack', 'us-east-1a'], kind: 'rack', name: 'us-east/1a' }] },
  { preset: 'aws-multi-az', drills: [{ args: ['--scenario', 'az-outage', '--rack', '1b', '--dc', 'us-east'], kind: 'rack', name: 'us-east/1b' }] },
  { preset: 'azure-two-region', drills: [{ args: ['--scenario', 'region-outage', '--dc', 'EASTUS'], kind: 'dc', name: 'EASTUS' }] },
];

describe('plan and drill agree on the presets', { timeout: ALL ? 4 * 3_600_000 : 1_800_000 }, () => {
  for (const c of CASES) {
    test(c.preset, { timeout: ALL ? 3_600_000 : 900_000 }, async () => {
      const dir = await up(c.preset);
      const p = await planOf(dir);
      for (const d of ALL ? everyScenario(p) : c.drills) {
        const predicted = p.scenarios.find((s) => s.kind === d.kind && s.name === d.name);
        assert.ok(predicted, `the plan has a ${d.kind} scenario ${d.name}`);
        const r = await runCli(['drill', '--dir', dir, ...d.args, '--json'], { timeoutMs: 600_000 });
        assert.ok(r.code === 0 || r.code === 1, `drill ${d.args.join(' ')}: exit ${r.code}\n${r.stderr}`);
        const report = JSON.parse(r.stdout) as DrillReport;
        assert.equal(report.scenario.name, d.name);
        assert.deepEqual(report.mismatches, [], `drill ${d.args.join(' ')}: plan and drill disagree`);
        assert.equal(r.code, 0);
        // The drill's keys cover every replica set of the ring, so what it sees is the plan's ring-wide outcome.
        assert.deepEqual(sortedOutcome(report.observed.reads), sortedOutcome(predicted.reads), `${d.name}: reads`);
        assert.deepEqual(sortedOutcome(report.observed.writes), sortedOutcome(predicted.writes), `${d.name}: writes`);
        assert.ok(report.timeToDetectMs > 0 && report.timeToRecoverMs > 0);
        for (const [k, o] of Object.entries(report.probes)) assert.equal(o.missing, 0, `${k}: a read served without the written value`);
      }
      // The drill's keyspace has the plan's default replication: planning from it (read off a live node) is the same.
      const r = await runCli(['plan', '--dir', dir, '--keyspace', 'sibyl_drill', '--json'], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), p);
    });
  }
});
