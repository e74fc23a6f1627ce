// Jepsen-style runs in the lab (root, `npm run test:lab`): QUORUM writes and reads of single-writer registers from
// four clients in web1 (test/lab/workload.ts, through the ILB at 10.1.2.101, the driver then reaching every node),
// while a nemesis crashes a node (SIGKILL, then restart), cuts one node's link, or cuts a whole rack, and heals. The
// checker (checker.ts) must find no acknowledged write lost and no stale or impossible QUORUM read; each schedule
// prints how long the fault took to be detected (the victim DN as a healthy node sees it) and to recover (UN again).
// Seeded: LAB_SEED=N replays a run's choices of victims and operations; bounded in time by every wait.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT } from '../../src/tools/bundle.ts';
import { heal, labDown, labFile, partition, readLab, startNode, stopNode } from '../../src/tools/lab/lab.ts';
import { checkHistory } from './checker.ts';
import { listNamespaces } from '../../src/tools/lab/netns.ts';
import { cqlsh, lab, waitAllUp, waitRing } from './helpers.ts';
import type { Op } from './workload.ts';

const isRoot = process.getuid?.() === 0;
const SEED = Number(process.env['LAB_SEED'] ?? Date.now() % 100_000);
const root = mkdtempSync(join(tmpdir(), 'sibyl-jepsen-'));
const dir = join(root, 'lab');
const NODES = Array.from({ length: 8 }, (_, i) => ({ name: `node${i + 1}`, address: `10.1.2.${4 + i}`, rack: `rack${Math.floor(i / 2) + 1}` }));
const WORKLOAD_MS = 40_000;
const FAULT_AT_MS = 5_000;
/** How long a fault stays on once a healthy node has convicted its victims. */
const AFTER_DETECTION_MS = 4_000;

after(async () => {
  if (existsSync(labFile(dir))) await labDown(dir).catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

let state = SEED >>> 0;
/** The suite's seeded choices (mulberry32, as the workload's). */
function pick<T>(xs: readonly T[]): T {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return xs[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * xs.length)]!;
}

interface WorkloadResult {
  seed: number;
  t0: number;
  /** The protocol codes the driver sent: QUORUM is 4. */
  levels: { write: number; read: number };
  history: Op[];
}

function workload(args: string[]): Promise<WorkloadResult> {
  const ns = readLab(dir).plan.nsOf['web1']!;
  return new Promise((done, fail) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'test/lab/workload.ts', '--contact', '10.1.2.101', '--dc', 'WESTUS', '--keyspace', 'jepsen', ...args], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), WORKLOAD_MS + 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) fail(new Error(`workload exited ${code}: ${err}`));
      else done(JSON.parse(out) as WorkloadResult);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Nemesis {
  name: string;
  victims: (typeof NODES)[number][];
  start: () => Promise<void>;
  stop: () => Promise<void>;
}

function schedules(): Nemesis[] {
  const killed = pick(NODES);
  const cut = pick(NODES.filter((n) => n !== killed));
  const rack = pick(['rack1', 'rack2', 'rack3', 'rack4']);
  return [
    { name: `kill ${killed.name}`, victims: [killed], start: () => stopNode(readLab(dir), killed.name, 'SIGKILL'), stop: () => startNode(readLab(dir), killed.name) },
    { name: `partition ${cut.name}`, victims: [cut], start: async () => void partition(readLab(dir), { node: cut.name }), stop: async () => void heal(readLab(dir)) },
    {
      name: `partition ${rack}`, victims: NODES.filter((n) => n.rack === rack),
      start: async () => void partition(readLab(dir), { rack }), stop: async () => void heal(readLab(dir)),
    },
  ];
}

describe(`jepsen-style lab runs (LAB_SEED=${SEED})`, { skip: !isRoot && 'needs root (network namespaces)' }, () => {
  before(async () => {
    await lab(['up', '--preset', 'azure-single-region', '--dir', dir, '--name', 'tjep']);
    const ddl = "CREATE KEYSPACE jepsen WITH REPLICATION = {'class': 'NetworkTopologyStrategy', 'WESTUS': 3};";
    const tables = [1, 2, 3].map((i) => `CREATE TABLE jepsen.registers${i} (k int PRIMARY KEY, v int);`).join(' ');
    const r = await cqlsh(dir, 'web1', '10.1.2.101', ['-e', `${ddl} ${tables}`]);
    assert.equal(r.code, 0, r.stderr);
  });

  schedules().forEach((nemesis, i) => {
    test(`${nemesis.name}: no acknowledged write lost, no stale QUORUM read`, async () => {
      const table = `registers${i + 1}`;
      const viewer = NODES.find((n) => !nemesis.victims.includes(n))!;
      const run = workload(['--table', table, '--seed', String(SEED + i), '--clients', '4', '--keys', '12', '--cl', 'QUORUM', '--duration-ms', String(WORKLOAD_MS)]);
      await sleep(FAULT_AT_MS);
      const faultAt = Date.now();
      await nemesis.start();
      const detectMs = await waitRing(dir, viewer, nemesis.victims.map((v) => v.address), 'DN', 45_000);
      await sleep(AFTER_DETECTION_MS);
      const healAt = Date.now();
      await nemesis.stop();
      const recoverMs = await waitRing(dir, viewer, nemesis.victims.map((v) => v.address), 'UN', 60_000);
      const { history, t0, levels } = await run;
      assert.deepEqual(levels, { write: 4, read: 4 }, 'QUORUM (0x0004) for writes and reads');
      const during = history.filter((o) => o.type === 'ok' && o.startMs > faultAt - t0 && o.endMs < healAt - t0).length;
      await waitAllUp(dir, NODES);
      const final = await workload(['--table', table, '--mode', 'read', '--keys', '12', '--cl', 'QUORUM']);
      const res = checkHistory(history, final.history);
      process.stdout.write(
        `# ${nemesis.name} (seed ${SEED + i}): ${res.ops} ops, ${res.ok} ok, ${res.failed} failed, ${res.indeterminate} indeterminate; ` +
          `${during} ok while the fault was on; detected in ${detectMs} ms, recovered ${recoverMs} ms after healing; ` +
          `findings: ${res.findings.length}\n`,
      );
      for (const f of res.findings.slice(0, 20)) process.stdout.write(`#   ${f.kind} key ${f.key}: ${f.detail}\n`);
      assert.deepEqual(res.findings, []);
      assert.ok(res.ok > res.ops / 2, `most operations succeed with one ${nemesis.victims.length > 1 ? 'rack' : 'node'} out (${res.ok}/${res.ops})`);
      assert.ok(during > 0, 'operations succeed while the fault is on');
    });
  });

  test('lab down leaves nothing', async () => {
    await lab(['down', '--dir', dir]);
    assert.deepEqual(listNamespaces().filter((n) => n.startsWith('sbl-tjep-')), []);
  });
});
