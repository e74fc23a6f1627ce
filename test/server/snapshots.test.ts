// Snapshots in-process: an export holds every partition of a table whole (cells with timestamps and TTLs,
// tombstones, static rows, collections) and reads back equal; listsnapshots/clearsnapshot walk the directory layout;
// refresh loads an upload directory into the local store only and removes the files; restore writes each partition
// through the coordinator; auto_snapshot exports before TRUNCATE and DROP TABLE; nodetool's shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStatement } from '../../src/cql/parser.ts';
import { applyDdl, emptySchema, isDdlStatement } from '../../src/schema/registry.ts';
import type { Schema } from '../../src/schema/model.ts';
import type { PartitionData, ScanRange } from '../../src/storage/types.ts';
import type { TableDef } from '../../src/schema/model.ts';
import {
  clearSnapshots, findExports, installAutoSnapshot, listSnapshots, readExport, snapshotsRoot, takeSnapshot, type AutoSnapshotStore,
} from '../../src/server/snapshots.ts';
import { slices, snapshotAdmin } from '../../src/server/admin-snapshots.ts';
import { formatListSnapshots, snapshotArgs } from '../../src/tools/nodetool-snapshots.ts';

function schemaOf(statements: string[]): Schema {
  let schema = emptySchema();
  let id = 10;
  for (const cql of statements) {
    const stmt = parseStatement(cql).statement;
    assert.ok(isDdlStatement(stmt));
    schema = applyDdl(schema, stmt, undefined, { nowMicros: 0, newTableId: () => `00000000-0000-4000-8000-0000000000${id++}` }).schema;
  }
  return schema;
}

const schema = schemaOf([
  "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}",
  'CREATE TABLE ks.t (k int, c int, s text STATIC, v text, m map<text, int>, PRIMARY KEY (k, c))',
  'CREATE TABLE ks.u (k int PRIMARY KEY, v int)',
]);
const T = schema.keyspaces.get('ks')!.tables.get('t')!;

/** Plain data to compare: the decoder builds cells without a prototype and leaves absent fields out. */
const plain = (p: PartitionData | undefined): unknown => JSON.parse(JSON.stringify(p, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));

function partition(k: number): PartitionData {
  const key = Buffer.alloc(4);
  key.writeInt32BE(k);
  return {
    key, token: BigInt(k * 1000 - 50_000), rangeTombstones: [], deletion: k % 4 === 0 ? { ts: 5, ldt: 1_700_000_000 } : undefined,
    staticRow: { clustering: [], cells: { s: { ts: 10 + k, v: Buffer.from(`s${k}`) } } },
    rows: [{ clustering: [Buffer.from([0, 0, 0, 1])], marker: { ts: 20, ttl: 600, ldt: 1_800_000_000 },
      cells: { v: { ts: 21, v: null, ldt: 1_700_000_001 }, m: { cells: [{ path: Buffer.from('a'), cell: { ts: 22, v: Buffer.from([0, 0, 0, 7]) } }] } } }],
  };
}

/** A store of `count` partitions of every table, scanned in token order as the engine does. */
type FakeStore = AutoSnapshotStore & { applyMany(items: Array<{ table: TableDef; update: PartitionData }>): Promise<void>; applied: PartitionData[]; truncated: string[]; dropped: string[] };

function fakeStore(count: number): FakeStore {
  const data = Array.from({ length: count }, (_, i) => partition(i));
  return {
    applied: [], truncated: [], dropped: [],
    async flush() {},
    scan(_t: TableDef, range: ScanRange, _f: unknown, limit: number) {
      const from = range.start;
      return data.filter((p) => from === undefined || p.token > from.token || (from.inclusive && p.token === from.token)).slice(0, limit);
    },
    async applyMany(items: Array<{ update: PartitionData }>) { this.applied.push(...items.map((i) => i.update)); },
    async truncate(t: TableDef) { this.truncated.push(t.name); },
    async dropTable(id: string) { this.dropped.push(id); },
  } as FakeStore;
}

test('an export reads back equal, over several scan pages; listsnapshots and clearsnapshot see the layout', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-snap-'));
  try {
    const store = fakeStore(1200);
    const tables = await takeSnapshot(dir, store, schema, { tag: 'one', keyspaces: ['ks'], tables: [] }, 1_750_000_000_000_000);
    assert.deepEqual(tables.map((t) => t.name).sort(), ['t', 'u']);
    const [e] = findExports(dir, 'one').filter((x) => x.table === 't');
    const back = [...readExport(e!.file)];
    assert.equal(back.length, 1200);
    assert.deepEqual(plain(back[5]), plain(partition(5)));
    assert.deepEqual(plain(back[8]), plain(partition(8)), 'partition deletion, TTL marker, cell tombstone, map cell');
    const tdir = join(snapshotsRoot(dir), 'one', 'ks', `t-${T.id.replace(/-/g, '')}`);
    assert.match(readFileSync(join(tdir, 'schema.cql'), 'utf8'), /^CREATE TABLE IF NOT EXISTS ks\.t \(\n[\s\S]*\) WITH ID = [0-9a-f-]{36}\n/);
    assert.deepEqual(JSON.parse(readFileSync(join(tdir, 'manifest.json'), 'utf8')).files, ['data.bin']);
    await assert.rejects(takeSnapshot(dir, store, schema, { tag: 'one', keyspaces: [], tables: ['ks.t'] }, 1), /Snapshot one already exists\./);
    await assert.rejects(takeSnapshot(dir, store, schema, { tag: 'a/b', keyspaces: [], tables: [] }, 1), /Snapshot name cannot contain \//);
    await assert.rejects(takeSnapshot(dir, store, schema, { tag: 'x', keyspaces: ['nope'], tables: [] }, 1), /Keyspace nope does not exist/);
    await takeSnapshot(dir, store, schema, { tag: 'two', keyspaces: [], tables: ['ks.u'] }, 1);
    assert.deepEqual(listSnapshots(dir).map((s) => `${s.tag} ${s.keyspace}.${s.table}`), ['one ks.t', 'one ks.u', 'two ks.u']);
    assert.ok(listSnapshots(dir).every((s) => s.sizeOnDiskBytes > 0 && s.trueSizeBytes === s.sizeOnDiskBytes));
    clearSnapshots(dir, 'two', []);
    assert.deepEqual(listSnapshots(dir).map((s) => s.tag), ['one', 'one']);
    clearSnapshots(dir, undefined, ['ks']);
    assert.deepEqual(listSnapshots(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refresh loads the upload directory locally and removes it; restore writes through the coordinator', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-snap-'));
  try {
    const store = fakeStore(300);
    const written: PartitionData[] = [];
    const admin = snapshotAdmin({
      dataDir: dir, storage: store, schema: () => schema, nowMicros: () => 1, log: () => undefined,
      write: async (_ks, mutations) => { written.push(...mutations.map((m) => m.update)); },
    });
    await admin.snapshot({ tag: 's', keyspaces: [], tables: ['ks.t'] });
    const [e] = findExports(dir, 's');
    const upload = join(dir, 'upload', 'ks', 't');
    mkdirSync(upload, { recursive: true });
    cpSync(e!.file, join(upload, 'from-node1.bin'));
    const loaded = await admin.refresh('ks', 't');
    assert.deepEqual(loaded, { tables: ['ks.t'], files: 1, partitions: 300 });
    assert.equal(store.applied.length, 300);
    assert.ok(!existsSync(join(upload, 'from-node1.bin')), 'the loaded file is gone');
    const restored = await admin.restore({ tag: 's', from: [dir, join(dir, 'snapshots')] });
    assert.deepEqual(restored, { tables: ['ks.t'], files: 2, partitions: 600 });
    assert.deepEqual(plain(written[0]), plain(partition(0)));
    await assert.rejects(admin.restore({ tag: 'nope', from: [dir] }), /no snapshot nope under/);
    await assert.rejects(admin.refresh('ks', 'missing'), /Table ks\.missing does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('auto_snapshot exports a table before TRUNCATE and DROP TABLE remove it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-snap-'));
  try {
    const store = fakeStore(10);
    let now = 1_750_000_000_000_000;
    installAutoSnapshot(store, dir, () => (now += 1000), () => undefined, () => true);
    await store.truncate(T);
    await store.dropTable(T.id, T);
    await store.dropTable('an-index-table-id');
    now -= 2000;
    await store.truncate(T);
    assert.deepEqual(store.truncated, ['t', 't']);
    assert.deepEqual(store.dropped, [T.id, 'an-index-table-id']);
    assert.deepEqual(listSnapshots(dir).map((s) => s.tag), ['dropped-1750000000002-t', 'truncated-1750000000001-t', 'truncated-1750000000001-t-1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("nodetool's snapshot arguments and listsnapshots in Cassandra 4's shape", () => {
  assert.deepEqual(snapshotArgs(['-t', 'x', '-kt', 'a.b,c.d']), { tag: 'x', kt: ['a.b', 'c.d'], keyspaces: [], skipFlush: false });
  assert.deepEqual(snapshotArgs(['ks', '-cf', 't', '-sf']), { kt: ['ks.t'], keyspaces: [], skipFlush: true });
  assert.equal(formatListSnapshots([]), 'Snapshot Details: \nThere are no snapshots');
  assert.equal(formatListSnapshots([
    { tag: 'daily', keyspace: 'ks', table: 'users', trueSizeBytes: 2048, sizeOnDiskBytes: 2048 },
    { tag: 'daily', keyspace: 'ks', table: 't', trueSizeBytes: 312, sizeOnDiskBytes: 312 },
  ]), 'Snapshot Details: \n' +
    'Snapshot name Keyspace name Column family name True size Size on disk\n' +
    'daily         ks            users              2 KiB     2 KiB\n' +
    'daily         ks            t                  312 bytes 312 bytes\n' +
    '\nTotal TrueDiskSpaceUsed: 2.3 KiB\n\n');
});

test('restore writes a wide partition in slices, the partition-level data in the first', () => {
  const p = partition(3);
  const wide: PartitionData = { ...p, deletion: { ts: 1, ldt: 2 }, rows: Array.from({ length: 1201 }, () => p.rows[0]!) };
  const parts = slices(wide);
  assert.deepEqual(parts.map((s) => s.rows.length), [500, 500, 201]);
  assert.deepEqual(parts[0]!.deletion, { ts: 1, ldt: 2 });
  assert.ok(parts[0]!.staticRow !== undefined && parts[1]!.staticRow === undefined && parts[2]!.deletion === undefined);
  assert.deepEqual(slices(p), [p]);
});
