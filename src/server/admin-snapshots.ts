// The admin API's snapshot commands (nodetool snapshot, listsnapshots, clearsnapshot, refresh) and `sibyl restore`,
// over server/snapshots.ts. Refresh loads files into this node only, as Cassandra's loads SSTables; restore writes
// every partition of a snapshot through the coordinator, with its original timestamps, TTLs and tombstones, so the
// cluster it goes into places and replicates it by its own ring (Cassandra's sstableloader does the same).
import { rmSync } from 'node:fs';
import type { Mutation } from '../coordinator/coordinator.ts';
import { Consistency, type ConsistencyLevel } from '../model/consistency.ts';
import type { KeyspaceDef, Schema, TableDef } from '../schema/model.ts';
import type { PartitionData } from '../storage/types.ts';
import { containsCounter } from '../schema/types_resolve.ts';
import {
  clearSnapshots, findExports, listSnapshots, readExport, SnapshotError, takeSnapshot, uploadFiles,
  type SnapshotEntry, type SnapshotRequest, type SnapshotStorage,
} from './snapshots.ts';

/** Partitions written at once by a restore: enough to keep the replicas busy, few enough to bound memory. */
const RESTORE_CONCURRENCY = 64;
const LOCAL_BATCH = 256;

export interface RestoreRequest {
  tag: string;
  /** Directories holding the snapshot (nodes' data directories or copies of them). */
  from: string[];
  keyspace?: string;
  table?: string;
  consistency?: string;
}

export interface LoadReport {
  tables: string[];
  files: number;
  partitions: number;
}

export interface SnapshotAdmin {
  snapshot(req: SnapshotRequest): Promise<{ tag: string; tables: string[] }>;
  listSnapshots(): SnapshotEntry[];
  clearSnapshot(tag: string | undefined, keyspaces: string[]): void;
  refresh(keyspace: string, table: string): Promise<LoadReport>;
  restore(req: RestoreRequest): Promise<LoadReport>;
}

export interface SnapshotAdminDeps {
  dataDir: string;
  storage: SnapshotStorage & { applyMany(items: Array<{ table: TableDef; update: PartitionData }>): Promise<void> };
  schema: () => Schema;
  nowMicros: () => number;
  write: (ks: KeyspaceDef, mutations: Mutation[], cl: ConsistencyLevel) => Promise<void>;
  log: (msg: string) => void;
}

function liveTable(schema: Schema, keyspace: string, table: string): { ks: KeyspaceDef; t: TableDef } {
  const ks = schema.keyspaces.get(keyspace);
  const t = ks?.tables.get(table);
  if (ks === undefined || t === undefined) {
    throw new SnapshotError(`Table ${keyspace}.${table} does not exist: create it first (the snapshot's schema.cql has its CREATE TABLE)`);
  }
  // A counter cell holds shards owned by the replicas that wrote them; re-written as plain cells they would be
  // counted again. Cassandra's sstableloader streams them whole; Sibyl has no such path for counters yet.
  if (t.regular.some((c) => containsCounter(c.type))) throw new SnapshotError(`Cannot restore counter table ${keyspace}.${table} through the write path`);
  return { ks, t };
}

function consistencyOf(name: string | undefined): ConsistencyLevel {
  const cl = (Consistency as Record<string, ConsistencyLevel>)[(name ?? 'QUORUM').toUpperCase()];
  if (cl === undefined || cl === Consistency.SERIAL || cl === Consistency.LOCAL_SERIAL) throw new SnapshotError(`invalid consistency level: ${name}`);
  return cl;
}

/** Rows per mutation: a wide partition goes in slices, so no write exceeds what a message or a memtable should hold. */
const ROWS_PER_WRITE = 500;

/** A partition as updates of at most ROWS_PER_WRITE rows; the first carries its deletion, range tombstones and static row. */
export function slices(p: PartitionData): PartitionData[] {
  if (p.rows.length <= ROWS_PER_WRITE) return [p];
  const out: PartitionData[] = [];
  for (let i = 0; i < p.rows.length; i += ROWS_PER_WRITE) {
    const rows = p.rows.slice(i, i + ROWS_PER_WRITE);
    out.push(i === 0 ? { ...p, rows } : { key: p.key, token: p.token, rangeTombstones: [], rows });
  }
  return out;
}

/** Writes every partition of `file` through the coordinator, RESTORE_CONCURRENCY at a time. */
async function writeThrough(deps: SnapshotAdminDeps, ks: KeyspaceDef, t: TableDef, file: string, cl: ConsistencyLevel): Promise<number> {
  let partitions = 0;
  let inFlight: Array<Promise<void>> = [];
  for (const p of readExport(file)) {
    for (const update of slices(p)) inFlight.push(deps.write(ks, [{ table: t, update }], cl));
    partitions++;
    if (inFlight.length >= RESTORE_CONCURRENCY) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  return partitions;
}

export function snapshotAdmin(deps: SnapshotAdminDeps): SnapshotAdmin {
  return {
    async snapshot(req) {
      const tables = await takeSnapshot(deps.dataDir, deps.storage, deps.schema(), req, deps.nowMicros());
      deps.log(`Snapshot ${req.tag} taken of ${tables.length} table(s)`);
      return { tag: req.tag, tables: tables.map((t) => `${t.keyspace}.${t.name}`) };
    },
    listSnapshots: () => listSnapshots(deps.dataDir),
    clearSnapshot: (tag, keyspaces) => clearSnapshots(deps.dataDir, tag, keyspaces),
    async refresh(keyspace, table) {
      const { t } = liveTable(deps.schema(), keyspace, table);
      const files = uploadFiles(deps.dataDir, keyspace, table);
      let partitions = 0;
      for (const file of files) {
        let batch: Array<{ table: TableDef; update: PartitionData }> = [];
        for (const update of readExport(file)) {
          batch.push({ table: t, update });
          if (batch.length >= LOCAL_BATCH) {
            await deps.storage.applyMany(batch);
            batch = [];
          }
          partitions++;
        }
        await deps.storage.applyMany(batch);
        // Cassandra moves refreshed SSTables into the live set; the loaded data is in the store now, so the file goes.
        rmSync(file);
      }
      deps.log(`Loaded ${partitions} partition(s) of ${keyspace}.${table} from ${files.length} file(s) in its upload directory`);
      return { tables: [`${keyspace}.${table}`], files: files.length, partitions };
    },
    async restore(req) {
      const cl = consistencyOf(req.consistency);
      const report: LoadReport = { tables: [], files: 0, partitions: 0 };
      for (const from of req.from) {
        const exports = findExports(from, req.tag)
          .filter((e) => (req.keyspace === undefined || e.keyspace === req.keyspace) && (req.table === undefined || e.table === req.table));
        for (const e of exports) {
          const { ks, t } = liveTable(deps.schema(), e.keyspace, e.table);
          report.partitions += await writeThrough(deps, ks, t, e.file, cl);
          report.files++;
          if (!report.tables.includes(`${e.keyspace}.${e.table}`)) report.tables.push(`${e.keyspace}.${e.table}`);
        }
      }
      if (report.files === 0) throw new SnapshotError(`snapshot ${req.tag} has no ${req.keyspace ?? ''}${req.table !== undefined ? `.${req.table}` : ''} table under ${req.from.join(', ')}`);
      deps.log(`Restored ${report.partitions} partition(s) of ${report.tables.join(', ')} from snapshot ${req.tag} (${report.files} file(s))`);
      return report;
    },
  };
}

const list = (p: URLSearchParams, name: string): string[] => p.getAll(name).flatMap((v) => v.split(',')).filter((v) => v !== '');
const opt = (p: URLSearchParams, name: string): string | undefined => p.get(name) || undefined;

function need(p: URLSearchParams, name: string): string {
  const v = p.get(name);
  if (v === null || v === '') throw new SnapshotError(`missing query parameter "${name}"`);
  return v;
}

/** The admin routes, as `METHOD /path` → handler of the query; server/admin.ts serves them as JSON. */
export function snapshotRoutes(source: SnapshotAdmin | undefined): Array<[string, (p: URLSearchParams) => unknown]> {
  const s = (): SnapshotAdmin => {
    if (source === undefined) throw Object.assign(new Error('this node has no snapshots'), { status: 404 });
    return source;
  };
  return [
    ['POST /snapshot', (p) => s().snapshot({ tag: need(p, 'tag'), keyspaces: list(p, 'keyspace'), tables: list(p, 'kt') })],
    ['GET /snapshots', () => s().listSnapshots()],
    ['POST /clearsnapshot', (p) => {
      s().clearSnapshot(opt(p, 'tag'), list(p, 'keyspace'));
      return { ok: true };
    }],
    ['POST /refresh', (p) => s().refresh(need(p, 'keyspace'), need(p, 'table'))],
    ['POST /restore', (p) => s().restore({ tag: need(p, 'tag'), from: p.getAll('from'), keyspace: opt(p, 'keyspace'), table: opt(p, 'table'), consistency: opt(p, 'cl') })],
  ];
}
