// The storage engine against a model (model/ops.ts), in one process: random writes, TTLs, cell/row/range/partition
// deletions, flushes (explicit, and automatic from a tiny memtable_heap_space, so reads often merge LMDB with
// memtables being flushed), clean restarts with replay, and after every read the live data must match the model's.
// A flush must not change any read, structurally. Bounded by time in npm test (STORAGE_MODEL_BUDGET_MS, 15 s by
// default; STORAGE_MODEL_RUNS for more runs); a failure prints the seed (replay with STORAGE_MODEL_SEED=<seed>).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StorageEngine } from '../../src/storage/engine.ts';
import { MemoryStore } from '../../src/coordinator/memory-store.ts';
import { dataEqual } from '../../src/storage/equal.ts';
import { NOW, checkRead, everything, keyOf, mutationOf, opArb, table, tokenOf, type Op } from './model/ops.ts';
import { removeDir, tempDir } from './helpers.ts';

const BUDGET_MS = Number(process.env['STORAGE_MODEL_BUDGET_MS'] ?? 15_000);
const RUNS = Number(process.env['STORAGE_MODEL_RUNS'] ?? 300);
const SEED = process.env['STORAGE_MODEL_SEED'];

const open = (dir: string): Promise<StorageEngine> => StorageEngine.open({
  dir, sync: 'periodic', syncPeriodMs: 50, segmentSizeBytes: 8 * 1024, memtableSpaceBytes: 6 * 1024,
});

function snapshot(engine: StorageEngine): unknown[] {
  return [0, 1, 2, 3, 4, 5].map((i) => engine.read(table, keyOf(i), tokenOf(i), {}, NOW));
}

async function run(ops: Op[]): Promise<void> {
  const dir = tempDir();
  let engine = await open(dir);
  const model = new MemoryStore();
  try {
    for (const [i, op] of ops.entries()) {
      const m = mutationOf(op);
      if (m) {
        await engine.apply(table, m);
        model.applySync(table, m);
      } else if (op.k === 'flush') {
        const before = snapshot(engine);
        await engine.flush();
        assert.ok(dataEqual(snapshot(engine), before), `op ${i}: a flush changed what reads return`);
      } else if (op.k === 'restart') {
        await engine.close();
        engine = await open(dir);
        await engine.replay((id) => (id === table.id ? table : undefined));
      } else {
        checkRead(op, engine, model, `op ${i}`);
      }
    }
    assert.deepEqual(everything(engine), everything(model), 'final state');
  } finally {
    await engine.close();
    removeDir(dir);
  }
}

test('the engine answers as the model: writes, deletions, TTLs, flushes and restarts (fast-check)', { timeout: BUDGET_MS + 60_000 }, async (t) => {
  let runs = 0;
  await fc.assert(fc.asyncProperty(fc.array(opArb({ restarts: true }), { minLength: 1, maxLength: 150 }), (ops) => {
    runs++;
    return run(ops);
  }), {
    numRuns: RUNS, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false, includeErrorInReport: true,
    ...(SEED ? { seed: Number(SEED) } : {}),
  });
  t.diagnostic(`${runs} runs`);
});
