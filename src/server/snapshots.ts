// Snapshots (nodetool snapshot / listsnapshots / clearsnapshot) and the ways back from them (nodetool refresh,
// sibyl restore). Cassandra hard-links a table's immutable SSTables into `<table dir>/snapshots/<tag>/`; Sibyl's
// tables live in one LMDB environment whose pages are shared by every table, so a snapshot is a per-table export
// instead: after a flush, every partition of the table, whole (cells with their timestamps, TTLs and expiry times,
// tombstones), in the internode partition format (messaging/partition-codec.ts), each record length-prefixed, in
// `<data_dir>/snapshots/<tag>/<keyspace>/<table>-<id>/data.bin`, next to Cassandra's `manifest.json` and
// `schema.cql`. The export is read page by page after the flush: like Cassandra's, a snapshot holds every write
// acknowledged before it was asked for; a write racing with it may or may not be in it.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readPartition, writePartition } from '../messaging/partition-codec.ts';
import { Reader, Writer } from '../messaging/wire.ts';
import { tableToCql } from '../schema/cql_format.ts';
import type { KeyspaceDef, Schema, TableDef } from '../schema/model.ts';
import { isSystemKeyspace } from '../schema/system_defs.ts';
import type { PartitionData, ReadFilter, ScanRange } from '../storage/types.ts';

const SCAN_PAGE = 512;
export const DATA_FILE = 'data.bin';

/** A refusal nodetool prints (bad tag, unknown keyspace, snapshot already there): a 400 from the admin API. */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
  /** Read by the admin server (statusOf): the caller's mistake, not the node's. */
  readonly status = 400;
}

export interface SnapshotStorage {
  flush(): Promise<void>;
  scan(table: TableDef, range: ScanRange, filter: ReadFilter, partitionLimit: number, nowSec: number): PartitionData[];
}

export interface SnapshotRequest {
  tag: string;
  /** Keyspaces to snapshot; empty with no tables: every keyspace outside the system ones. */
  keyspaces: string[];
  /** `-kt ks.table,…`: these tables only. */
  tables: string[];
}

/** One row of `nodetool listsnapshots`. */
export interface SnapshotEntry {
  tag: string;
  keyspace: string;
  table: string;
  /** Cassandra: bytes not shared with live SSTables. An export shares nothing, so both sizes are its files'. */
  trueSizeBytes: number;
  sizeOnDiskBytes: number;
}

export const snapshotsRoot = (dataDir: string): string => join(dataDir, 'snapshots');

/** Cassandra refuses a tag that is a path (`Snapshot name cannot contain /`) and an empty one. */
function checkTag(tag: string): void {
  if (tag === '') throw new SnapshotError('You must supply a snapshot name.');
  if (tag.includes('/') || tag.includes('\\') || tag === '.' || tag === '..') throw new SnapshotError(`Snapshot name cannot contain ${tag.includes('\\') ? '\\' : '/'}`);
}

/** The tables a snapshot request covers: `-kt` tables, else the keyspaces' tables (not views or index tables). */
export function snapshotTables(schema: Schema, req: Pick<SnapshotRequest, 'keyspaces' | 'tables'>): TableDef[] {
  const out: TableDef[] = [];
  if (req.tables.length > 0) {
    for (const name of req.tables) {
      const [ks, table] = name.split('.', 2);
      const t = schema.keyspaces.get(ks ?? '')?.tables.get(table ?? '');
      if (t === undefined) throw new SnapshotError(`Table ${name} does not exist`);
      out.push(t);
    }
    return out;
  }
  const keyspaces: KeyspaceDef[] = req.keyspaces.length === 0
    ? [...schema.keyspaces.values()].filter((ks) => !isSystemKeyspace(ks.name))
    : req.keyspaces.map((name) => schema.keyspaces.get(name) ?? (() => { throw new SnapshotError(`Keyspace ${name} does not exist`); })());
  // Views are rebuilt from their base tables' writes on restore, so only base tables are exported.
  for (const ks of keyspaces) for (const t of ks.tables.values()) if (t.view === undefined) out.push(t);
  return out;
}

export const tableDirName = (t: Pick<TableDef, 'name' | 'id'>): string => `${t.name}-${t.id.replace(/-/g, '')}`;

/** Every partition of `table` this node holds, page by page, tombstones included. */
export function* partitionsOf(storage: Pick<SnapshotStorage, 'scan'>, table: TableDef, nowSec: number): Generator<PartitionData> {
  let range: ScanRange = {};
  for (let pages = 0; pages < Number.MAX_SAFE_INTEGER; pages++) {
    const found = storage.scan(table, range, {}, SCAN_PAGE, nowSec);
    yield* found;
    if (found.length < SCAN_PAGE) return;
    const last = found[found.length - 1]!;
    range = { start: { token: last.token, key: last.key, inclusive: false } };
  }
}

/** Writes one table's export; returns the number of partitions written. */
export function exportTable(storage: Pick<SnapshotStorage, 'scan'>, table: TableDef, dir: string, nowSec: number): number {
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, DATA_FILE), 'w');
  const w = new Writer();
  const lengthPrefix = Buffer.alloc(4);
  let partitions = 0;
  try {
    for (const p of partitionsOf(storage, table, nowSec)) {
      writePartition(w, p);
      const record = w.take();
      lengthPrefix.writeUInt32BE(record.length);
      writeSync(fd, lengthPrefix);
      writeSync(fd, record);
      partitions++;
    }
  } finally {
    closeSync(fd);
  }
  return partitions;
}

/** `nodetool snapshot`: flush, then export each table with its manifest and schema. */
export async function takeSnapshot(dataDir: string, storage: SnapshotStorage, schema: Schema, req: SnapshotRequest, nowMicros: number): Promise<TableDef[]> {
  checkTag(req.tag);
  const tables = snapshotTables(schema, req);
  await snapshotTablesAs(dataDir, storage, req.tag, tables, nowMicros);
  return tables;
}

/** Exports `tables` under snapshot `tag` (refused if the tag already holds one of them). */
export async function snapshotTablesAs(dataDir: string, storage: SnapshotStorage, tag: string, tables: readonly TableDef[], nowMicros: number): Promise<void> {
  const root = join(snapshotsRoot(dataDir), tag);
  for (const t of tables) {
    if (existsSync(join(root, t.keyspace, tableDirName(t)))) throw new SnapshotError(`Snapshot ${tag} already exists.`);
  }
  await storage.flush();
  const nowSec = Math.floor(nowMicros / 1e6);
  for (const t of tables) {
    const dir = join(root, t.keyspace, tableDirName(t));
    exportTable(storage, t, dir, nowSec);
    // Cassandra 4's manifest lists the snapshot's files and when it was taken (and its expiry, with a TTL).
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ files: [DATA_FILE], created_at: new Date(nowMicros / 1000).toISOString(), expires_at: null }, null, 2));
    // Cassandra 4's schema.cql: the table as `CREATE TABLE IF NOT EXISTS … WITH ID = …`, so that re-running it on
    // the cluster the snapshot came from is harmless and on a new one gives the table its old id.
    writeFileSync(join(dir, 'schema.cql'), `${tableToCql(t, true).replace(/^CREATE TABLE /, 'CREATE TABLE IF NOT EXISTS ')}\n`);
  }
}

export interface AutoSnapshotStore extends SnapshotStorage {
  truncate(table: TableDef): Promise<void>;
  dropTable(tableId: string, table?: TableDef): Promise<void>;
}

/**
 * auto_snapshot: before TRUNCATE or DROP TABLE removes a table's data on this node, a snapshot of it is taken, as
 * Cassandra's `truncated-<ms>-<table>` and `dropped-<ms>-<table>`, so that a mistaken statement can be undone with
 * `sibyl restore`. Wraps the store's two removals in place (the node's store object is shared by every subsystem).
 */
export function installAutoSnapshot(
  store: AutoSnapshotStore, dataDir: string, nowMicros: () => number, log: (msg: string) => void,
  /** Whether a truncated table is one of the schema's tables (not an index's backing table, truncated with it). */
  isSchemaTable: (t: TableDef) => boolean,
): void {
  const truncate = store.truncate.bind(store);
  const dropTable = store.dropTable.bind(store);
  const snap = async (kind: 'truncated' | 'dropped', t: TableDef): Promise<void> => {
    const now = nowMicros();
    // Two removals of one table within a millisecond would share Cassandra's tag: the second gets a suffix.
    const base = `${kind}-${Math.floor(now / 1000)}-${t.name}`;
    let tag = base;
    for (let n = 1; existsSync(join(snapshotsRoot(dataDir), tag, t.keyspace, tableDirName(t))) && n < 1000; n++) tag = `${base}-${n}`;
    await snapshotTablesAs(dataDir, store, tag, [t], now);
    log(`auto_snapshot: ${t.keyspace}.${t.name} saved as snapshot ${tag} before it was ${kind}`);
  };
  store.truncate = async (t) => {
    if (t.view === undefined && !isSystemKeyspace(t.keyspace) && isSchemaTable(t)) await snap('truncated', t);
    return truncate(t);
  };
  store.dropTable = async (id, t) => {
    if (t !== undefined && t.view === undefined && !isSystemKeyspace(t.keyspace)) await snap('dropped', t);
    return dropTable(id, t);
  };
}

function dirSize(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirSize(p) : statSync(p).size;
  }
  return total;
}

const subdirs = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort() : [];

/** The table name of `<table>-<id without dashes>`. */
const tableOfDir = (name: string): string => name.replace(/-[0-9a-f]{32}$/, '');

/** `nodetool listsnapshots`: every table of every snapshot under the data directory. */
export function listSnapshots(dataDir: string): SnapshotEntry[] {
  const root = snapshotsRoot(dataDir);
  const out: SnapshotEntry[] = [];
  for (const tag of subdirs(root)) {
    for (const keyspace of subdirs(join(root, tag))) {
      for (const tdir of subdirs(join(root, tag, keyspace))) {
        const size = dirSize(join(root, tag, keyspace, tdir));
        out.push({ tag, keyspace, table: tableOfDir(tdir), trueSizeBytes: size, sizeOnDiskBytes: size });
      }
    }
  }
  return out;
}

/** `nodetool clearsnapshot [-t TAG | --all] [KEYSPACE…]`: removes the snapshots named (every one with `all`). */
export function clearSnapshots(dataDir: string, tag: string | undefined, keyspaces: string[]): void {
  if (tag !== undefined) checkTag(tag);
  const root = snapshotsRoot(dataDir);
  for (const t of tag === undefined ? subdirs(root) : [tag]) {
    if (keyspaces.length === 0) rmSync(join(root, t), { recursive: true, force: true });
    else {
      for (const ks of keyspaces) rmSync(join(root, t, ks), { recursive: true, force: true });
      if (subdirs(join(root, t)).length === 0) rmSync(join(root, t), { recursive: true, force: true });
    }
  }
}

/** The partitions of an export file, one after another (the file is read whole: one table of one node). */
export function* readExport(file: string): Generator<PartitionData> {
  const buf = readFileSync(file);
  let pos = 0;
  while (pos < buf.length) {
    if (pos + 4 > buf.length) throw new SnapshotError(`${file}: truncated record at byte ${pos}`);
    const len = buf.readUInt32BE(pos);
    if (pos + 4 + len > buf.length) throw new SnapshotError(`${file}: truncated record at byte ${pos}`);
    yield readPartition(new Reader(buf, pos + 4, pos + 4 + len));
    pos += 4 + len;
  }
}

/** One table's export found under a snapshot directory. */
export interface ExportFile {
  keyspace: string;
  table: string;
  file: string;
}

/**
 * The exports of snapshot `tag` under `from`: a node's data directory (`<from>/snapshots/<tag>`), a snapshots
 * directory (`<from>/<tag>`), or the tag's directory itself, as an operator may have copied any of them aside.
 */
export function findExports(from: string, tag: string): ExportFile[] {
  const candidates = [join(from, 'snapshots', tag), join(from, tag), from];
  const root = candidates.find((c) => existsSync(c) && subdirs(c).some((ks) => subdirs(join(c, ks)).some((t) => existsSync(join(c, ks, t, DATA_FILE)))));
  if (root === undefined) throw new SnapshotError(`no snapshot ${tag} under ${from}`);
  const out: ExportFile[] = [];
  for (const keyspace of subdirs(root)) {
    for (const tdir of subdirs(join(root, keyspace))) {
      const file = join(root, keyspace, tdir, DATA_FILE);
      if (existsSync(file)) out.push({ keyspace, table: tableOfDir(tdir), file });
    }
  }
  return out;
}

/** `nodetool refresh KS TABLE`'s upload directory: `<data_dir>/upload/<keyspace>/<table>/`, any `*.bin` in it. */
export function uploadFiles(dataDir: string, keyspace: string, table: string): string[] {
  const dir = join(dataDir, 'upload', keyspace, table);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.bin')).sort().map((f) => join(dir, f));
}
