// The durable hint store (server/hint-store.ts) on a temp directory: hints survive a reopen in order, removal is
// durable, the per-target bounds and the hint window refuse hints, and a hint for a dropped table is discarded.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LmdbHintStore, type LmdbHintStoreOptions } from '../../src/server/hint-store.ts';
import type { TableDef } from '../../src/schema/model.ts';
import type { PartitionData } from '../../src/storage/types.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const table = { keyspace: 'ks', name: 't', id: 'id-1' } as TableDef;
const update = (k: number, v = 'x'.repeat(10)): PartitionData => ({
  key: Buffer.from([k]), token: BigInt(k) - 5n, rangeTombstones: [],
  rows: [{ clustering: [], marker: { ts: 1000 + k }, cells: { v: { ts: 1000 + k, v: Buffer.from(v) } } }],
});

function options(dir: string, now: { t: number }, extra: Partial<LmdbHintStoreOptions> = {}): LmdbHintStoreOptions {
  return {
    dir, sync: 'periodic', clock: { now: () => now.t }, maxHintWindowMs: 10_000,
    maxBytesPerTarget: 1 << 20, maxCountPerTarget: 1000,
    table: (ks, name, id) => (ks === 'ks' && name === 't' && id === 'id-1' ? table : undefined), ...extra,
  };
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sibyl-hints-'));
  dirs.push(d);
  return d;
}

test('hints survive a reopen, oldest first per target; removal is durable', async () => {
  const dir = tempDir();
  const now = { t: 1_000 };
  let store = LmdbHintStore.open(options(dir, now));
  for (let k = 0; k < 5; k++) {
    now.t += 10;
    assert.equal(await store.add('10.0.0.2:7000', [{ table, update: update(k) }]), true);
  }
  assert.equal(await store.add('10.0.0.3:7000', [{ table, update: update(9) }]), true);
  await store.close();
  store = LmdbHintStore.open(options(dir, now));
  assert.equal(store.count(), 6);
  assert.equal(store.count('10.0.0.2:7000'), 5);
  assert.deepEqual(store.targets().sort(), ['10.0.0.2:7000', '10.0.0.3:7000']);
  const first = store.peek('10.0.0.2:7000', 3);
  assert.deepEqual(first.map((h) => h.items[0]!.update.key[0]), [0, 1, 2]);
  assert.equal(first[0]!.items[0]!.update.token, -5n, 'tokens stay bigints');
  assert.deepEqual(first[0]!.items[0]!.update.rows[0]!.cells['v'], { ts: 1000, v: Buffer.from('x'.repeat(10)) });
  await store.remove('10.0.0.2:7000', first.map((h) => h.id));
  await store.close();
  store = LmdbHintStore.open(options(dir, now));
  assert.deepEqual(store.peek('10.0.0.2:7000', 10).map((h) => h.items[0]!.update.key[0]), [3, 4]);
  const p = store.pending().find((x) => x.target === '10.0.0.2:7000')!;
  assert.equal(p.count, 2);
  assert.ok(p.oldest <= p.newest && p.sizeBytes > 0);
  await store.close();
});

test('per-target bounds and the hint window refuse hints; a dropped table\'s hint is discarded', async () => {
  const dir = tempDir();
  const now = { t: 50_000 };
  const store = LmdbHintStore.open(options(dir, now, { maxCountPerTarget: 2 }));
  assert.equal(await store.add('a:7000', [{ table, update: update(1) }]), true);
  assert.equal(await store.add('a:7000', [{ table, update: update(2) }]), true);
  assert.equal(await store.add('a:7000', [{ table, update: update(3) }]), false, 'count bound');
  now.t += 20_000;
  assert.equal(await store.add('b:7000', [{ table, update: update(4) }]), true);
  now.t += 11_000;
  assert.equal(await store.add('b:7000', [{ table, update: update(5) }]), false, 'past max_hint_window since b was first missed');
  const dropped = { ...table, id: 'id-old' } as TableDef;
  assert.equal(await store.add('c:7000', [{ table: dropped, update: update(6) }]), true);
  const [h] = store.peek('c:7000', 10);
  assert.deepEqual(h!.items, [], 'the table is gone, so the hint replays nothing');
  await store.close();
  const small = LmdbHintStore.open(options(tempDir(), now, { maxBytesPerTarget: 100 }));
  assert.equal(await small.add('a:7000', [{ table, update: update(1, 'y'.repeat(500)) }]), false, 'byte bound');
  await small.close();
});
