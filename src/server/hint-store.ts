// Durable hints: one LMDB environment under hints_directory. A hint is committed (it has reached the OS, so a process
// crash cannot lose it; with batch sync it is also on disk) before add() resolves, and the coordinator acknowledges
// the write only after that. After a restart the node finds its hints here and replays them when their targets are
// alive. Hints name their table by id; a hint whose table was dropped in the meantime is discarded at replay.
//
// Key: [target, utf8][0x00][createdAt ms, 8 bytes BE][sequence, 4 bytes BE], so one target's hints are contiguous and
// oldest first. Value: msgpack of { createdAt, items: [{ ks, table, id, u }] } with the partition update as is.
import fs from 'node:fs';
import path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { Packr } from 'msgpackr';
import type { TableDef } from '../schema/model.ts';
import type { PartitionData } from '../storage/types.ts';
import { HintWindow, type HintItems, type HintLimits, type HintStore, type PendingHints, type StoredHint } from '../coordinator/hints.ts';

interface StoredItem { ks: string; table: string; id: string; u: PartitionData }
interface StoredValue { createdAt: number; items: StoredItem[] }

interface TargetStats { count: number; sizeBytes: number; oldest: number; newest: number }

const packr = new Packr({ useRecords: false, int64AsType: 'bigint', useBigIntExtension: true, copyBuffers: true });

function hintKey(target: string, createdAt: number, seq: number): Buffer {
  const t = Buffer.from(target, 'utf8');
  const k = Buffer.allocUnsafe(t.length + 13);
  t.copy(k, 0);
  k[t.length] = 0;
  k.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(createdAt))), t.length + 1);
  k.writeUInt32BE(seq >>> 0, t.length + 9);
  return k;
}

function targetOf(key: Buffer): string {
  return key.subarray(0, key.indexOf(0)).toString('utf8');
}

function targetRange(target: string): { start: Buffer; end: Buffer } {
  const t = Buffer.from(target, 'utf8');
  return { start: Buffer.concat([t, Buffer.from([0])]), end: Buffer.concat([t, Buffer.from([1])]) };
}

export interface LmdbHintStoreOptions extends HintLimits {
  dir: string;
  /** batch: add() resolves after the fsync; periodic: once the commit reached the OS. */
  sync: 'batch' | 'periodic';
  clock: { now(): number };
  /** Resolves a table reference at replay time; undefined when the table is gone. */
  table: (ks: string, name: string, id: string) => TableDef | undefined;
}

export class LmdbHintStore implements HintStore {
  private readonly stats = new Map<string, TargetStats>();
  private readonly window: HintWindow;
  private seq = 0;

  private constructor(
    private readonly env: RootDatabase,
    private readonly db: Database<Buffer, Buffer>,
    private readonly o: LmdbHintStoreOptions,
  ) {
    this.window = new HintWindow(o.maxHintWindowMs);
    for (const { key, value } of db.getRange({})) {
      const target = targetOf(key as Buffer);
      const v = packr.unpack(value as Buffer) as StoredValue;
      const s = this.stats.get(target) ?? { count: 0, sizeBytes: 0, oldest: v.createdAt, newest: v.createdAt };
      s.count++;
      s.sizeBytes += (value as Buffer).length;
      s.newest = Math.max(s.newest, v.createdAt);
      s.oldest = Math.min(s.oldest, v.createdAt);
      this.stats.set(target, s);
      // Hints kept across a restart still count against their target's window from when they were made.
      this.window.admits(target, v.createdAt);
    }
  }

  static open(o: LmdbHintStoreOptions): LmdbHintStore {
    fs.mkdirSync(o.dir, { recursive: true });
    const env = open({ path: path.join(o.dir, 'hints.lmdb'), maxDbs: 2, overlappingSync: true });
    const db = env.openDB<Buffer, Buffer>({ name: 'hints', keyEncoding: 'binary', encoding: 'binary' });
    return new LmdbHintStore(env, db, o);
  }

  async add(target: string, items: HintItems, createdAt = this.o.clock.now()): Promise<boolean> {
    if (!this.window.admits(target, createdAt)) return false;
    const s = this.stats.get(target) ?? { count: 0, sizeBytes: 0, oldest: createdAt, newest: createdAt };
    const value = packr.pack({
      createdAt, items: items.map((i) => ({ ks: i.table.keyspace, table: i.table.name, id: i.table.id, u: i.update })),
    } satisfies StoredValue);
    if (s.count >= this.o.maxCountPerTarget || s.sizeBytes + value.length > this.o.maxBytesPerTarget) return false;
    s.count++;
    s.sizeBytes += value.length;
    s.newest = Math.max(s.newest, createdAt);
    s.oldest = Math.min(s.oldest, createdAt);
    this.stats.set(target, s);
    await this.db.put(hintKey(target, createdAt, ++this.seq), value);
    if (this.o.sync === 'batch') await this.env.flushed;
    return true;
  }

  peek(target: string, limit: number): StoredHint[] {
    const out: StoredHint[] = [];
    for (const { key, value } of this.db.getRange({ ...targetRange(target), limit })) {
      const v = packr.unpack(value as Buffer) as StoredValue;
      const items: HintItems = [];
      for (const i of v.items) {
        const table = this.o.table(i.ks, i.table, i.id);
        if (table) items.push({ table, update: i.u });
      }
      out.push({ id: (key as Buffer).toString('hex'), createdAt: v.createdAt, items, sizeBytes: (value as Buffer).length });
    }
    return out;
  }

  async remove(target: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const s = this.stats.get(target);
    await this.db.transaction(() => {
      for (const id of ids) {
        const key = Buffer.from(id, 'hex');
        const v = this.db.getBinary(key);
        if (v === undefined) continue;
        this.db.removeSync(key);
        if (s) {
          s.count--;
          s.sizeBytes -= v.length;
        }
      }
    });
    if (s && s.count <= 0) {
      this.stats.delete(target);
      this.window.reset(target);
    }
  }

  count(target?: string): number {
    if (target !== undefined) return this.stats.get(target)?.count ?? 0;
    let n = 0;
    for (const s of this.stats.values()) n += s.count;
    return n;
  }

  targets(): string[] {
    return [...this.stats.keys()];
  }

  pending(): PendingHints[] {
    return [...this.stats].map(([target, s]) => ({ target, ...s }));
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}
