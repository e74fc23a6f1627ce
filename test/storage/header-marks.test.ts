// Reads skip the partition-header lookup for tables never given a header (see StorageEngine.storeHeader): these
// tests check that deletions stay visible across reopen, also for stores written before the marks existed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { open } from 'lmdb';
import path from 'node:path';
import { T } from '../../src/model/types.ts';
import { StorageEngine } from '../../src/storage/engine.ts';
import { liveRows } from '../../src/storage/live.ts';
import type { ReadFilter } from '../../src/storage/types.ts';
import { cell, int, makeTable, partition, removeDir, row, tempDir } from './helpers.ts';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));
const NOW = Math.floor(Date.now() / 1000);
const ALL: ReadFilter = {};
const clustered = makeTable({ clustering: [{ name: 'c', type: T.int }], regular: [{ name: 'v', type: T.int }] });
const single = makeTable({ regular: [{ name: 'v', type: T.int }] });
const K = Buffer.from('k');

function liveCount(t: typeof single, e: StorageEngine, key = K, token = 7n): number {
  const p = e.read(t, key, token, ALL, NOW);
  return p ? liveRows(t, p, NOW).rows.length : 0;
}

test('partition and range deletions survive reopen; tables without clustering read their one row', async () => {
  const dir = tempDir();
  dirs.push(dir);
  let e = await StorageEngine.open({ dir, sync: 'batch' });
  await e.apply(single, partition(K, 7n, { rows: [row([], { v: cell(10, int(1)) }, { marker: { ts: 10 } })] }));
  await e.apply(clustered, partition(K, 7n, { rows: [1, 2, 3].map((c) => row([int(c)], { v: cell(10, int(c)) }, { marker: { ts: 10 } })) }));
  assert.equal(liveCount(single, e), 1);
  assert.equal(liveCount(single, e, Buffer.from('other'), 8n), 0);
  await e.apply(single, partition(K, 7n, { deletion: { ts: 20, ldt: NOW } }));
  await e.apply(clustered, partition(K, 7n, {
    rangeTombstones: [{ start: { prefix: [int(2)], inclusive: true }, end: { prefix: [], inclusive: true }, deletion: { ts: 20, ldt: NOW } }],
  }));
  assert.equal(liveCount(single, e), 0);
  assert.equal(liveCount(clustered, e), 1);
  await e.close();
  e = await StorageEngine.open({ dir, sync: 'batch' });
  // Stored rows are already purged of shadowed data, so what shows whether the header is seen is the deletion
  // itself in the read, and a late write older than the deletion staying invisible.
  assert.deepEqual(e.read(single, K, 7n, ALL, NOW)?.deletion, { ts: 20, ldt: NOW });
  assert.equal(e.read(clustered, K, 7n, ALL, NOW)?.rangeTombstones.length, 1);
  await e.apply(single, partition(K, 7n, { rows: [row([], { v: cell(15, int(1)) }, { marker: { ts: 15 } })] }));
  await e.apply(clustered, partition(K, 7n, { rows: [row([int(3)], { v: cell(15, int(3)) }, { marker: { ts: 15 } })] }));
  assert.equal(liveCount(single, e), 0, 'the partition deletion is still seen after reopen');
  assert.equal(liveCount(clustered, e), 1, 'the range tombstone is still seen after reopen');
  await e.close();
});

test('a store written before header marks existed is scanned for headers once', async () => {
  const dir = tempDir();
  dirs.push(dir);
  let e = await StorageEngine.open({ dir, sync: 'batch' });
  await e.apply(single, partition(K, 7n, { rows: [row([], { v: cell(10, int(1)) }, { marker: { ts: 10 } })] }));
  await e.apply(single, partition(K, 7n, { deletion: { ts: 20, ldt: NOW } }));
  await e.close();
  // Drop the marks, as an older version would have left the meta database.
  const env = open({ path: path.join(dir, 'sibyl.lmdb'), maxDbs: 4 });
  const meta = env.openDB<Buffer, string>({ name: 'meta', encoding: 'binary' });
  await meta.transaction(() => {
    for (const k of [...meta.getKeys({ start: 'header-', end: 'header.' })]) meta.removeSync(k);
  });
  await env.close();
  e = await StorageEngine.open({ dir, sync: 'batch' });
  assert.deepEqual(e.read(single, K, 7n, ALL, NOW)?.deletion, { ts: 20, ldt: NOW });
  await e.apply(single, partition(K, 7n, { rows: [row([], { v: cell(15, int(1)) }, { marker: { ts: 15 } })] }));
  assert.equal(liveCount(single, e), 0, 'the partition deletion is found by the one-time scan');
  await e.close();
});
