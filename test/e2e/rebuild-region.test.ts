// Seed 000's two-region sequence with rebuild, on 3+3 nodes (WESTUS 127.0.75.11-13, EASTUS 127.0.76.11-13): the
// example examples/azure-two-region/rebuild-walkthrough.sh run as it is, with fewer nodes. Region 1 holds 502 rows;
// region 2 joins with --no-bootstrap; after ALTER KEYSPACE the EASTUS replicas are empty (LOCAL_ONE count 0); after
// `nodetool rebuild -- WESTUS` on each, EASTUS reads at LOCAL_QUORUM return every row.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO_ROOT } from '../../src/tools/bundle.ts';
import { runCli } from '../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'sibyl-rebuild-region-'));
const dir = join(root, 'cluster');
after(async () => {
  await runCli(['cluster', 'remove', '--dir', dir], { timeoutMs: 60_000 }).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

const SIBYL = `${process.execPath} --import tsx ${join(REPO_ROOT, 'src', 'tools', 'cli.ts')}`;
const ROWS = 500;

function walkthrough(timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(REPO_ROOT, 'examples', 'azure-two-region', 'rebuild-walkthrough.sh')], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, SIBYL, CLUSTER_DIR: dir, WEST: '3', EAST: '3', WEST_PREFIX: '127.0.75.', EAST_PREFIX: '127.0.76.', FIRST: '11',
        ROWS: String(ROWS), SIBYL_RING_DELAY_MS: '2000',
      },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`rebuild walk-through timed out after ${timeoutMs} ms; the end of its output:\n${out.slice(-4000)}\nnode logs:\n${nodeLogClues()}`))), timeoutMs);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, out })));
  });
}

/** What each node logged about streaming, membership and errors: the clue when the walk-through stalls. */
function nodeLogClues(): string {
  if (!existsSync(dir)) return '';
  const clues: string[] = [];
  for (const name of readdirSync(dir)) {
    const log = join(dir, name, 'logs', 'system.log');
    if (!existsSync(log)) continue;
    const lines = readFileSync(log, 'utf8').split('\n').filter((l) => /stream|rebuild|convict|down|refus|error|warn|timed out/i.test(l));
    clues.push(`-- ${name}: ${lines.length} lines, the last 12:`, ...lines.slice(-12).map((l) => l.slice(0, 300)));
  }
  return clues.join('\n');
}

function section(out: string, title: string): string {
  const start = out.indexOf(`== ${title}`);
  assert.ok(start >= 0, `no section "${title}" in:\n${out}`);
  const body = out.slice(out.indexOf('\n', start) + 1);
  const end = body.indexOf('\n== ');
  return end < 0 ? body : body.slice(0, end);
}

test('two regions with rebuild: EASTUS joins without data, rebuilds from WESTUS, and reads every row at LOCAL_QUORUM', { timeout: 300_000 }, async () => {
  const w = await walkthrough(280_000);
  assert.equal(w.code, 0, `walk-through failed:\n${w.out.slice(-4000)}\nnode logs:\n${nodeLogClues()}`);
  assert.match(section(w.out, 'EASTUS before the rebuild'), /^ +0$/m, w.out);
  const afterRebuild = section(w.out, 'EASTUS after the rebuild');
  assert.match(afterRebuild, new RegExp(`^ +${ROWS + 2}$`, 'm'), afterRebuild);
  assert.match(afterRebuild, /^ +1 \| +John \| +Doe$[\s\S]*^ +2 \| +Jane \| +Doe$/m, afterRebuild);
  const status = section(w.out, 'nodetool status customers_ks');
  assert.match(status, /^Datacenter: EASTUS$/m);
  assert.equal((status.match(/^UN {2}127\.0\.7[56]\.1[123] /gm) ?? []).length, 6, status);
});
