// The dashboard in a real browser (issue 15): the azure-single-region preset's layout (8 nodes, two per rack in
// rack1–rack4 of WESTUS) launched on this suite's own addresses, 127.0.70.4–11, `sibyl dashboard` serving it, and
// Debian's chromium driven by playwright-core: 8 nodes in 4 racks, all UN; kill one with its button and see it DN; start
// it with its button and see it UN again; on the way, node1's p99 from some client traffic and the latency form.
// Screenshots go to test-output/dashboard/ (gitignored), printed at the end.
// Run under the multi-node lock: `npm run test:browser`. Needs `apt-get install -y chromium`.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Client, policies } from 'cassandra-driver';
import { chromium, type Browser } from 'playwright-core';
import YAML from 'yaml';
import { CLI_SOURCE, REPO_ROOT } from '../../src/tools/bundle.ts';
import type { ClusterManifest } from '../../src/tools/cluster/manifest.ts';
import { presetTopology } from '../../src/tools/cluster/topology.ts';
import { runCli } from '../helpers/cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const PRESET_PREFIX = '127.1.2.';
const PREFIX = '127.0.70.';
const VICTIM = `${PREFIX}6`; // node3, the first node of rack2
const root = mkdtempSync(join(tmpdir(), 'sibyl-dashboard-browser-'));
const dir = join(root, 'cluster');
const outDir = join(REPO_ROOT, 'test-output', 'dashboard');
let dashboard: ChildProcess | undefined;
let browser: Browser | undefined;

function killRecorded(): void {
  const p = join(dir, 'cluster.json');
  if (!existsSync(p)) return;
  const m = JSON.parse(readFileSync(p, 'utf8')) as ClusterManifest;
  for (const n of m.nodes) {
    try {
      if (n.pid !== undefined) process.kill(n.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

after(async () => {
  await browser?.close().catch(() => undefined);
  if (dashboard?.exitCode === null) dashboard.kill('SIGTERM');
  await runCli(['cluster', 'down', '--dir', dir], { timeoutMs: 60_000 }).catch(() => undefined);
  killRecorded();
  rmSync(root, { recursive: true, force: true });
});
process.on('exit', () => {
  if (dashboard?.exitCode === null) dashboard.kill('SIGKILL');
  killRecorded();
});

/** The preset's topology with its addresses moved from 127.1.2.x to this suite's range, as a topology file. */
function writeTopology(): string {
  const t = presetTopology('azure-single-region');
  const move = (a: string): string => (a.startsWith(PRESET_PREFIX) ? PREFIX + a.slice(PRESET_PREFIX.length) : a);
  const doc = {
    name: t.clusterName,
    vnodes: t.vnodes,
    snitch: t.snitch,
    datacenters: t.datacenters.map((dc) => ({ name: dc.name, racks: dc.racks.map((r) => ({ name: r.name, nodes: r.nodes.map(move) })) })),
    seeds: t.seeds.map(move),
  };
  const path = join(root, 'azure-single-region.yaml');
  writeFileSync(path, YAML.stringify(doc));
  return path;
}

/** Starts `sibyl dashboard` on a free port and resolves with the URL it prints. */
function startDashboard(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_SOURCE, 'dashboard', '--dir', dir, '--port', '0', '--interval', '500'], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    dashboard = child;
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`the dashboard printed no URL within 30 s\n${err}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('exit', (code) => reject(new Error(`the dashboard exited (${code})\n${err}`)));
  });
}

test('the dashboard shows the 8-node preset, and its buttons kill and start a node', { timeout: 600_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  const up = await runCli(['cluster', 'up', '--topology', writeTopology(), '--dir', dir, '--timeout', '240'], { timeoutMs: 300_000 });
  assert.equal(up.code, 0, `cluster up: ${up.stderr}`);
  const url = await startDashboard();

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(url);
  await page.waitForSelector('body[data-nodes="8"]', { timeout: 30_000 });
  assert.equal(await page.locator('.rack').count(), 4, 'four racks');
  assert.deepEqual(await page.locator('.rack').evaluateAll((els) => els.map((e) => e.getAttribute('data-rack'))), ['rack1', 'rack2', 'rack3', 'rack4']);
  assert.equal(await page.locator('.node').count(), 8, 'eight nodes');
  for (const r of ['rack1', 'rack2', 'rack3', 'rack4']) assert.equal(await page.locator(`.rack[data-rack="${r}"] .node`).count(), 2, `two nodes in ${r}`);
  await page.waitForFunction(() => document.querySelectorAll('.node[data-state="UN"]').length === 8, undefined, { timeout: 30_000 });
  assert.ok((await page.locator('#ring path').count()) >= 8 * 16, 'the ring has every vnode range');
  assert.equal(await page.locator('#ring text').textContent(), `${8 * 16} ranges`, '16 vnodes a node');
  // Some client traffic through node1: its requests/s and p99 (from its latency histogram) appear on the page.
  const client = new Client({ contactPoints: [`${PREFIX}4`], localDataCenter: 'WESTUS', policies: {
    loadBalancing: new policies.loadBalancing.AllowListPolicy(new policies.loadBalancing.DCAwareRoundRobinPolicy('WESTUS'), [`${PREFIX}4:9042`]),
  } });
  try {
    await client.connect();
    const until = Date.now() + 2500;
    while (Date.now() < until) await Promise.all(Array.from({ length: 20 }, () => client.execute('SELECT release_version FROM system.local')));
    await page.waitForFunction((a) => document.querySelector(`.node[data-node="${a}"] [data-stat="p99"]`)?.textContent?.endsWith(' ms') === true, `${PREFIX}4`, { timeout: 10_000 });
  } finally {
    await client.shutdown();
  }
  assert.match((await page.locator(`.node[data-node="${PREFIX}4"] [data-stat="req/s"]`).textContent()) ?? '', /^\d/);
  await page.locator('#rackMs').fill('1');
  await page.locator('#latency button[type="submit"]').click();
  await page.waitForFunction(() => /latency between racks 1 ms/.test(document.querySelector('#log')?.textContent ?? ''), undefined, { timeout: 15_000 });
  mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: join(outDir, '1-all-up.png'), fullPage: true });

  const victim = page.locator(`.node[data-node="${VICTIM}"]`);
  await victim.locator('button[data-action="kill"]').click();
  await page.waitForSelector(`.node[data-node="${VICTIM}"][data-state="DN"]`, { timeout: 30_000 });
  assert.equal(await page.locator('.node[data-state="UN"]').count(), 7, 'only the killed node is down');
  await page.screenshot({ path: join(outDir, '2-node-killed.png'), fullPage: true });

  await page.locator(`.node[data-node="${VICTIM}"] button[data-action="start"]`).click();
  await page.waitForSelector(`.node[data-node="${VICTIM}"][data-state="UN"]`, { timeout: 180_000 });
  await page.waitForFunction(() => document.querySelectorAll('.node[data-state="UN"]').length === 8, undefined, { timeout: 30_000 });
  await page.screenshot({ path: join(outDir, '3-node-restarted.png'), fullPage: true });
  const log = await page.locator('#log').textContent();
  assert.match(log ?? '', /killed 127\.0\.70\.6: 1 node/);
  assert.match(log ?? '', /started 127\.0\.70\.6/);
  process.stdout.write(`# screenshots: ${outDir}\n`);
});
