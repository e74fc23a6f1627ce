// The storage engine against the model across crashes: each run is a few epochs, each a child process
// (fixtures/model-child.ts) that replays what the previous one left, reports the state, then runs random writes,
// deletions, TTLs, flushes and reads one at a time, acknowledging each; the parent SIGKILLs it after a random
// acknowledgement (or at a random moment of its start, which may fall in the middle of replay's flush), or lets it
// close cleanly. Tiny memtables and segments put kills among automatic flushes and segment switches. Every
// acknowledged operation must be there after the restart, and the one in flight at the kill either wholly there or
// not at all; every read must match the model. Bounded by STORAGE_CRASH_BUDGET_MS (30 s by default; raise it and
// STORAGE_CRASH_RUNS for a long run); a failure prints the seed (STORAGE_CRASH_SEED=<seed> replays it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { MemoryStore } from '../../src/coordinator/memory-store.ts';
import type { PartitionData } from '../../src/storage/types.ts';
import { REPO_ROOT } from '../../src/tools/bundle.ts';
import { checkable, everything, mutationOf, opArb, table, type Op } from './model/ops.ts';
import { removeDir, tempDir } from './helpers.ts';

const BUDGET_MS = Number(process.env['STORAGE_CRASH_BUDGET_MS'] ?? 30_000);
const RUNS = Number(process.env['STORAGE_CRASH_RUNS'] ?? 200);
const SEED = process.env['STORAGE_CRASH_SEED'];
const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(REPO_ROOT, 'dist', `model-child.${process.pid}.mjs`);

interface Epoch {
  ops: Op[];
  /** -1: close cleanly; -2: kill at a random moment of the start; n ≥ 0: kill once op n is acknowledged. */
  kill: number;
  delayMs: number;
}

const epochArb: fc.Arbitrary<Epoch> = fc.record({
  ops: fc.array(opArb({ restarts: false }), { maxLength: 40 }),
  kill: fc.oneof({ weight: 1, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.constant(-2) }, { weight: 4, arbitrary: fc.integer({ min: 0, max: 40 }) }),
  delayMs: fc.integer({ min: 0, max: 300 }),
});

before(async () => {
  // Bundled once (next to node_modules, which its packages resolve from): a child then starts in a fraction of tsx's time.
  const esbuild = await import('esbuild');
  await esbuild.build({ entryPoints: [path.join(here, 'fixtures', 'model-child.ts')], outfile: CHILD, bundle: true, platform: 'node',
    format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
});
after(() => rmSync(CHILD, { force: true }));

class ModelState {
  readonly store = new MemoryStore();
  /** The mutation in flight when a child was killed: applied or not, to be told by the next state. */
  uncertain: PartitionData | undefined;

  /** Checks a replayed state against the model, settling the uncertain mutation either way. */
  settle(state: unknown, label: string): void {
    const pending = this.uncertain;
    this.uncertain = undefined;
    if (pending) {
      const withIt = new MemoryStore();
      for (const p of this.store.scan(table, {}, {}, 1000, 0)) withIt.applySync(table, p);
      withIt.applySync(table, pending);
      if (isDeepEqual(state, everything(withIt))) {
        this.store.applySync(table, pending);
        return;
      }
    }
    assert.deepEqual(state, everything(this.store), `${label}: the state after the restart`);
  }
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** Runs one epoch in a child; resolves once it has exited, the model updated with what it acknowledged. */
function runEpoch(dir: string, mode: string, e: Epoch, model: ModelState, label: string): Promise<void> {
  const opsFile = path.join(dir, 'ops.json');
  writeFileSync(opsFile, JSON.stringify(e.ops));
  const child = spawn(process.execPath, [CHILD, path.join(dir, 'engine'), opsFile, mode, e.kill === -1 ? 'close' : 'keep'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let lastAck = -1;
  let started = false;
  let killed = false;
  let closed = false;
  let err = '';
  let failure: unknown;
  const kill = (): void => {
    if (killed) return;
    killed = true;
    child.kill('SIGKILL');
  };
  if (e.kill === -2) setTimeout(kill, e.delayMs);
  // An index past the last op means after the last one (or, with no ops, once the state is reported).
  const killAt = e.kill >= 0 ? Math.min(e.kill, e.ops.length - 1) : e.kill;
  let buf = '';
  const onLine = (line: string): void => {
    const [kind, a, ...rest] = line.split(' ');
    if (kind === 'state') {
      started = true;
      model.settle(JSON.parse([a, ...rest].join(' ')), label);
      if (killAt === -1 && e.kill >= 0) setTimeout(kill, e.delayMs % 4);
    }
    else if (kind === 'read') {
      const op = e.ops[Number(a)]!;
      assert.deepEqual(JSON.parse(rest.join(' ')), checkable(op, model.store), `${label}: op ${a} ${JSON.stringify(op)}`);
    } else if (kind === 'ack') {
      lastAck = Number(a);
      const m = mutationOf(e.ops[lastAck]!);
      if (m) model.store.applySync(table, m);
      if (lastAck === killAt) setTimeout(kill, e.delayMs % 4);
    } else if (kind === 'closed') closed = true;
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buf += chunk;
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) {
      try {
        if (failure === undefined) onLine(l);
      } catch (x) {
        failure = x;
        kill();
      }
    }
  });
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (failure !== undefined) return reject(failure);
      if (!killed && (code !== 0 || !closed)) return reject(new Error(`${label}: child exited with ${signal ?? code}\n${err}`));
      // Killed: the op after the last acknowledged one may have been applied (a flush or read changes nothing). Killed
      // before reporting its state, the child ran none of its ops, and an earlier uncertain op is still unsettled.
      const next = e.ops[lastAck + 1];
      if (started) model.uncertain = killed && next ? mutationOf(next) : undefined;
      if (!killed && lastAck !== e.ops.length - 1) return reject(new Error(`${label}: only ${lastAck + 1} of ${e.ops.length} ops acknowledged`));
      resolve();
    });
  });
}

test('crashes at any point lose no acknowledged write and reads match the model (child processes, fast-check)', { timeout: BUDGET_MS + 120_000 }, async (t) => {
  let runs = 0;
  let epochsRun = 0;
  await fc.assert(fc.asyncProperty(fc.array(epochArb, { minLength: 1, maxLength: 4 }), fc.constantFrom('periodic', 'batch', 'group'),
    async (epochs, mode) => {
      const dir = tempDir();
      const model = new ModelState();
      runs++;
      epochsRun += epochs.length + 1;
      try {
        for (const [i, e] of epochs.entries()) await runEpoch(dir, mode, e, model, `epoch ${i} (${mode})`);
        await runEpoch(dir, mode, { ops: [], kill: -1, delayMs: 0 }, model, 'final check');
      } finally {
        removeDir(dir);
      }
    }), { numRuns: RUNS, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false, includeErrorInReport: true, ...(SEED ? { seed: Number(SEED) } : {}) });
  t.diagnostic(`${runs} runs, ${epochsRun} child processes`);
});
