import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { CqlType } from '../../src/model/types.ts';
import { T } from '../../src/model/types.ts';
import { StorageEngine } from '../../src/storage/engine.ts';
import { liveRows } from '../../src/storage/live.ts';
import { InvalidRequestError } from '../../src/model/errors.ts';
import type { PartitionData, ReadFilter } from '../../src/storage/types.ts';
import { cell, int, makeTable, mapVal, partition, removeDir, row, tempDir, text, tomb } from './helpers.ts';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));
async function openEngine(dir = tempDir()): Promise<{ engine: StorageEngine; dir: string }> {
  dirs.push(dir);
  return { engine: await StorageEngine.open({ dir, sync: 'batch' }), dir };
}

const NOW = Math.floor(Date.now() / 1000);
const mapType: CqlType = { kind: 'map', key: T.int, value: T.text, frozen: false };
const table = makeTable({
  clustering: [{ name: 'a', type: T.int, order: 'asc' }, { name: 'b', type: T.text, order: 'desc' }],
  regular: [{ name: 'v', type: T.int }, { name: 'm', type: mapType }],
  statics: [{ name: 'st', type: T.text }],
});
const K = Buffer.from('key');
const ALL: ReadFilter = {};
const ck = (r: { clustering: Buffer[] }) => `${r.clustering[0].readInt32BE(0)}${r.clustering[1].toString()}`;
const live = (p: PartitionData | undefined, now = NOW) => (p ? liveRows(table, p, now).rows.map(ck) : []);

async function fill(engine: StorageEngine, key = K, token = 1n): Promise<void> {
  const rows = [];
  for (const a of [1, 2, 3]) for (const b of ['x', 'y', 'z']) rows.push(row([int(a), text(b)], { v: cell(10, int(a)) }, { marker: { ts: 10 } }));
  await engine.apply(table, partition(key, token, { rows }));
}

test('rows come back in clustering order (DESC column reversed), LWW across writes', async () => {
  const { engine } = await openEngine();
  await fill(engine);
  const p = engine.read(table, K, 1n, ALL, NOW);
  assert.deepEqual(live(p), ['1z', '1y', '1x', '2z', '2y', '2x', '3z', '3y', '3x']);
  await engine.apply(table, partition(K, 1n, { rows: [row([int(1), text('x')], { v: cell(9, int(100)) })] }));
  await engine.apply(table, partition(K, 1n, { rows: [row([int(2), text('x')], { v: cell(11, int(200)) })] }));
  const p2 = engine.read(table, K, 1n, ALL, NOW)!;
  const rs = liveRows(table, p2, NOW).rows;
  assert.equal(rs.find((r) => ck(r) === '1x')!.cells.v.value.readInt32BE(0), 1, 'older write loses');
  assert.equal(rs.find((r) => ck(r) === '2x')!.cells.v.value.readInt32BE(0), 200, 'newer write wins');
  assert.equal(engine.read(table, Buffer.from('nope'), 1n, ALL, NOW), undefined);
  await engine.close();
});

test('slices, reversed reads and row limits', async () => {
  const { engine } = await openEngine();
  await fill(engine);
  const slice = (s: Buffer[], si: boolean, e: Buffer[], ei: boolean) => ({ start: { prefix: s, inclusive: si }, end: { prefix: e, inclusive: ei } });
  assert.deepEqual(live(engine.read(table, K, 1n, { slices: [slice([int(2)], true, [int(2)], true)] }, NOW)), ['2z', '2y', '2x']);
  assert.deepEqual(live(engine.read(table, K, 1n, { slices: [slice([int(1)], false, [int(3)], false)] }, NOW)), ['2z', '2y', '2x']);
  assert.deepEqual(live(engine.read(table, K, 1n, { slices: [slice([int(2), text('y')], true, [], true)] }, NOW)),
    ['2y', '2x', '3z', '3y', '3x']);
  assert.deepEqual(live(engine.read(table, K, 1n, { slices: [slice([int(2), text('y')], false, [int(3), text('y')], false)] }, NOW)),
    ['2x', '3z']);
  assert.deepEqual(live(engine.read(table, K, 1n, { rowLimit: 2 }, NOW)), ['1z', '1y']);
  // Reversed: the last rows survive the limit; rows stay in clustering order in the result.
  assert.deepEqual(live(engine.read(table, K, 1n, { rowLimit: 2, reversed: true }, NOW)), ['3y', '3x']);
  assert.deepEqual(live(engine.read(table, K, 1n, {
    reversed: true, rowLimit: 4, slices: [slice([int(1)], true, [int(1)], true), slice([int(3), text('y')], true, [int(3)], true)],
  }, NOW)), ['1y', '1x', '3y', '3x']);
  await engine.close();
});

test('scan: token order, start positions, end token, partition limit', async () => {
  const { engine } = await openEngine();
  const tokens: Array<[string, bigint]> = [['a', 5n], ['b', -5n], ['c', 5n], ['d', 100n], ['e', -(2n ** 63n) + 1n], ['f', 2n ** 63n - 1n]];
  for (const [k, t] of tokens) {
    await engine.apply(table, partition(Buffer.from(k), t, { rows: [row([int(1), text('x')], {}, { marker: { ts: 1 } })] }));
  }
  const keys = (ps: PartitionData[]) => ps.map((p) => p.key.toString()).join('');
  assert.equal(keys(engine.scan(table, {}, ALL, 100, NOW)), 'ebacdf');
  assert.equal(keys(engine.scan(table, {}, ALL, 3, NOW)), 'eba');
  assert.equal(keys(engine.scan(table, { start: { token: 5n, inclusive: true } }, ALL, 100, NOW)), 'acdf');
  assert.equal(keys(engine.scan(table, { start: { token: 5n, inclusive: false } }, ALL, 100, NOW)), 'df');
  assert.equal(keys(engine.scan(table, { start: { token: 5n, key: Buffer.from('a'), inclusive: false } }, ALL, 100, NOW)), 'cdf');
  assert.equal(keys(engine.scan(table, { start: { token: 5n, key: Buffer.from('a'), inclusive: true }, endToken: 5n }, ALL, 100, NOW)), 'ac');
  assert.equal(keys(engine.scan(table, { endToken: 0n }, ALL, 100, NOW)), 'eb');
  // Another table's data is invisible.
  const other = makeTable({ clustering: [{ name: 'a', type: T.int }, { name: 'b', type: T.text }] });
  assert.equal(engine.scan(other, {}, ALL, 100, NOW).length, 0);
  await engine.close();
});

test('row, range and partition deletions shadow data and shrink storage', async () => {
  const { engine } = await openEngine();
  await fill(engine);
  await engine.apply(table, partition(K, 1n, { rows: [row([int(1), text('y')], {}, { deletion: { ts: 11, ldt: NOW } })] }));
  assert.deepEqual(live(engine.read(table, K, 1n, ALL, NOW)), ['1z', '1x', '2z', '2y', '2x', '3z', '3y', '3x']);
  await engine.apply(table, partition(K, 1n, {
    rangeTombstones: [{ start: { prefix: [int(2)], inclusive: true }, end: { prefix: [int(3), text('y')], inclusive: true }, deletion: { ts: 11, ldt: NOW } }],
  }));
  const p = engine.read(table, K, 1n, ALL, NOW)!;
  assert.deepEqual(live(p), ['1z', '1x', '3x']);
  assert.equal(p.rangeTombstones.length, 1);
  assert.deepEqual(p.rows.map(ck), ['1z', '1y', '1x', '3x'], 'shadowed rows were removed from storage');
  // A write older than the range tombstone stays invisible; a newer one shows.
  await engine.apply(table, partition(K, 1n, { rows: [row([int(2), text('q')], { v: cell(5, int(1)) }), row([int(2), text('r')], { v: cell(12, int(1)) })] }));
  assert.deepEqual(live(engine.read(table, K, 1n, ALL, NOW)), ['1z', '1x', '2r', '3x']);
  await engine.apply(table, partition(K, 1n, { deletion: { ts: 20, ldt: NOW } }));
  const gone = engine.read(table, K, 1n, ALL, NOW)!;
  assert.deepEqual(live(gone), []);
  assert.deepEqual(gone.rows, []);
  assert.deepEqual(gone.deletion, { ts: 20, ldt: NOW });
  await engine.close();
});

test('static row and complex columns round-trip through storage', async () => {
  const { engine } = await openEngine();
  await engine.apply(table, partition(K, 1n, {
    staticRow: row([], { st: cell(1, text('s1')) }),
    rows: [row([int(1), text('a')], { m: { deletion: { ts: 1, ldt: NOW }, cells: [{ path: int(1), cell: cell(2, text('one')) }, { path: int(5), cell: cell(2, text('five')) }] } })],
  }));
  await engine.apply(table, partition(K, 1n, {
    staticRow: row([], { st: cell(2, text('s2')) }),
    rows: [row([int(1), text('a')], { m: { cells: [{ path: int(3), cell: cell(3, text('three')) }, { path: int(5), cell: tomb(3, NOW) }] } })],
  }));
  const lr = liveRows(table, engine.read(table, K, 1n, ALL, NOW)!, NOW);
  assert.equal(lr.staticRow?.cells.st.value.toString(), 's2');
  assert.deepEqual(lr.rows[0].cells.m.value, mapVal([[int(1), text('one')], [int(3), text('three')]]));
  await engine.close();
});

test('TTL: expiring cells disappear at their expiry second', async () => {
  const { engine } = await openEngine();
  await engine.apply(table, partition(K, 1n, {
    rows: [row([int(1), text('a')], { v: cell(1, int(1), { ttl: 100, ldt: NOW + 100 }) }, { marker: { ts: 1, ttl: 100, ldt: NOW + 100 } })],
  }));
  const p = engine.read(table, K, 1n, ALL, NOW);
  assert.deepEqual(live(p, NOW + 99), ['1a']);
  assert.equal(liveRows(table, p!, NOW + 40).rows[0].cells.v.ttl, 60);
  assert.deepEqual(live(p, NOW + 100), []);
  await engine.close();
});

test('tombstones are purged only after gc_grace_seconds', async () => {
  const { engine } = await openEngine();
  const t = makeTable({ clustering: [{ name: 'a', type: T.int }], regular: [{ name: 'v', type: T.int }], options: { gc_grace_seconds: 1000 } });
  await engine.apply(t, partition(K, 1n, {
    deletion: { ts: 5, ldt: NOW },
    rows: [row([int(1)], { v: tomb(10, NOW) }), row([int(2)], { v: cell(10, int(1), { ttl: 10, ldt: NOW + 10 }) }), row([int(3)], { v: cell(10, int(3)) })],
  }));
  assert.equal(await engine.compact(t, NOW + 500), 0, 'nothing purgeable before gc grace');
  assert.equal(engine.read(t, K, 1n, ALL, NOW + 500)!.rows.length, 3);
  // At NOW+1001 the partition deletion and the cell tombstone are purgeable; the expired cell (written at NOW) too.
  assert.equal(await engine.compact(t, NOW + 1001), 3);
  const p = engine.read(t, K, 1n, ALL, NOW + 1001)!;
  assert.equal(p.deletion, undefined);
  assert.equal(p.rows.length, 1);
  assert.equal(p.rows[0].clustering[0].readInt32BE(0), 3);
  // Write-back purges too: a tombstone written long ago is dropped as soon as its row is flushed.
  await engine.apply(t, partition(K, 1n, { rows: [row([int(9)], { v: tomb(1, NOW - 5000) })] }));
  await engine.flush();
  assert.equal(engine.read(t, K, 1n, { slices: [{ start: { prefix: [int(9)], inclusive: true }, end: { prefix: [int(9)], inclusive: true } }] }, NOW), undefined);
  await engine.close();
});

test('truncate and dropTable remove only that table', async () => {
  const { engine } = await openEngine();
  const other = makeTable({ clustering: [{ name: 'a', type: T.int }, { name: 'b', type: T.text }] });
  await fill(engine);
  await engine.apply(other, partition(K, 1n, { rows: [row([int(1), text('a')], {}, { marker: { ts: 1 } })] }));
  assert.equal(engine.approximateSize(), 0, 'Load counts the data files only, not memtables');
  await engine.flush();
  await engine.apply(table, partition(K, 1n, { rows: [row([int(7), text('late')], {}, { marker: { ts: 1 } })] }));
  assert.ok(engine.approximateSize() > 0);
  await engine.truncate(table);
  assert.equal(engine.read(table, K, 1n, ALL, NOW), undefined);
  assert.equal(engine.scan(other, {}, ALL, 10, NOW).length, 1);
  await engine.dropTable(other.id);
  assert.equal(engine.scan(other, {}, ALL, 10, NOW).length, 0);
  await engine.close();
});

test('applyMany is atomic and over-long keys are rejected before anything is written', async () => {
  const { engine } = await openEngine();
  await assert.rejects(engine.applyMany([
    { table, update: partition(K, 1n, { rows: [row([int(1), text('ok')], {}, { marker: { ts: 1 } })] }) },
    { table, update: partition(Buffer.alloc(4000, 1), 2n, { rows: [row([int(1), text('a')], {}, { marker: { ts: 1 } })] }) },
  ]), (e: unknown) => e instanceof InvalidRequestError && /Key length of \d+ is longer than maximum of 1978/.test(e.message));
  assert.equal(engine.read(table, K, 1n, ALL, NOW), undefined);
  assert.equal(engine.read(table, Buffer.alloc(4000, 1), 2n, ALL, NOW), undefined);
  await engine.applyMany([
    { table, update: partition(K, 1n, { rows: [row([int(1), text('ok')], {}, { marker: { ts: 1 } })] }) },
    { table, update: partition(Buffer.from('k2'), 2n, { rows: [row([int(1), text('ok')], {}, { marker: { ts: 1 } })] }) },
  ]);
  assert.equal(engine.scan(table, {}, ALL, 10, NOW).length, 2);
  await engine.close();
});

test('data and metadata persist across reopen', async () => {
  const { engine, dir } = await openEngine();
  await fill(engine);
  await engine.putMeta('tokens', [-(2n ** 63n), 42n]);
  await engine.putMeta('schema', { ks: new Map([['t', { id: 'x' }]]), n: 1 });
  await engine.close();
  const again = await StorageEngine.open({ dir, sync: 'periodic', syncPeriodMs: 50 });
  assert.deepEqual(again.getMeta('tokens'), [-(2n ** 63n), 42n]);
  assert.deepEqual(again.getMeta('schema'), { ks: new Map([['t', { id: 'x' }]]), n: 1 });
  assert.equal(again.getMeta('missing'), undefined);
  assert.equal(live(again.read(table, K, 1n, ALL, NOW)).length, 9);
  await again.close();
});
