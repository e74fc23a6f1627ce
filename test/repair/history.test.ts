// repaired_at bookkeeping (repair/history.ts): the share of a node's ranges covered by recorded repairs, wrapping
// ranges and overlapping records included; the time all of them were last repaired; persistence through the store's
// metadata; and summarize-repaired's table with the overdue warning.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TOKEN, MIN_TOKEN } from '../../src/model/murmur3.ts';
import { RepairHistory, REPAIR_HISTORY_KEY } from '../../src/repair/history.ts';
import { formatSummarizeRepaired } from '../../src/tools/nodetool-repair-admin.ts';

function memoryMeta(): { getMeta<T>(k: string): T | undefined; putMeta(k: string, v: unknown): Promise<void>; saved: Map<string, unknown> } {
  const saved = new Map<string, unknown>();
  return { saved, getMeta: <T>(k: string) => saved.get(k) as T | undefined, putMeta: async (k, v) => { saved.set(k, structuredClone(v)); } };
}

test('percent repaired counts the token width covered, across the wrap and overlapping records', async () => {
  const h = new RepairHistory();
  const local = [{ left: -100n, right: 100n }, { left: MAX_TOKEN - 100n, right: MIN_TOKEN + 100n }];
  assert.equal(h.percentRepaired('t1', local), 0);
  await h.record('t1', [{ left: -100n, right: 0n }], 10);
  assert.equal(h.percentRepaired('t1', local), 25);
  await h.record('t1', [{ left: -50n, right: 100n }], 20);
  assert.equal(h.percentRepaired('t1', local), 50, 'overlaps are counted once');
  assert.equal(h.lastFullyRepairedMicros('t1', local), undefined, 'part of the ranges never repaired');
  await h.record('t1', [{ left: MAX_TOKEN - 100n, right: MIN_TOKEN + 100n }, { left: -100n, right: 100n }], 30);
  assert.equal(h.percentRepaired('t1', local), 100);
  assert.equal(h.lastFullyRepairedMicros('t1', local), 30);
  await h.record('t1', [{ left: -100n, right: 100n }], 40);
  assert.equal(h.lastFullyRepairedMicros('t1', local), 30, 'the oldest of the newest repairs of each range');
  assert.equal(h.percentRepaired('other', local), 0);
});

test('the history and the first-seen times survive through the store', async () => {
  const meta = memoryMeta();
  const h = new RepairHistory(meta);
  await h.record('t1', [{ left: 1n, right: 2n }], 7);
  assert.equal(await h.seen('t1', 100), 100);
  assert.equal(await h.seen('t1', 200), 100);
  assert.ok(meta.saved.has(REPAIR_HISTORY_KEY));
  const again = new RepairHistory(meta);
  assert.deepEqual(again.ranges('t1'), [{ range: { left: 1n, right: 2n }, repairedAtMicros: 7 }]);
  assert.equal(await again.seen('t1', 300), 100);
});

test('summarize-repaired: one row per table, then a warning for each overdue one', () => {
  const out = formatSummarizeRepaired([
    { keyspace: 'ks', table: 'events', percentRepaired: 100, minRepairedMicros: 1_764_000_000_000_000, maxRepairedMicros: 1_764_000_001_000_000, gcGraceSeconds: 864000, overdue: false },
    { keyspace: 'ks', table: 't', percentRepaired: 0, gcGraceSeconds: 600, overdue: true },
  ]);
  assert.equal(out,
    'keyspace table  min_repaired  max_repaired  percent_repaired\n' +
    'ks       events 1764000000000 1764000001000 100.00\n' +
    'ks       t      0             0             0.00\n' +
    'WARN: Table ks.t has not been fully repaired within gc_grace_seconds (600): a replica that missed a deletion can bring ' +
    'the deleted data back once the tombstone is purged. Run nodetool repair ks t on every node at least once every gc_grace_seconds.\n');
});
