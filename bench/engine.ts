// The storage engine alone, in this process: bench/stress.ts's write and read shapes (10-byte keys, five 34-byte
// blob cells) applied to a StorageEngine in a temporary directory, 256 writes per event-loop turn as a loaded node
// takes them, memtable flushes included. Prints, per round, µs of process CPU (every thread: the commit log's and
// LMDB's work in the libuv pool, GC helpers) per write and per read. Without a client or a socket on the same
// machine, the figures move far less than bench/stress.ts's from run to run: a way to compare storage changes A/B.
//
//   npx tsx bench/engine.ts [--ops 200000] [--rounds 3] [--sync periodic|batch|group]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { StorageEngine } from '../src/storage/engine.ts';
import { murmur3Token } from '../src/model/murmur3.ts';
import { T } from '../src/model/types.ts';
import { DEFAULT_TABLE_OPTIONS, type ColumnDef, type TableDef } from '../src/schema/model.ts';
import { emptyCells, type PartitionData } from '../src/storage/types.ts';

const { values: args } = parseArgs({
  options: {
    ops: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    sync: { type: 'string', default: 'periodic' },
    concurrency: { type: 'string', default: '256' },
  },
});
const OPS = Number(args.ops);
const CONCURRENCY = Number(args.concurrency);

function standard1(): TableDef {
  const pk: ColumnDef = { name: 'key', type: T.blob, kind: 'partition_key', position: 0, order: 'none' };
  const regular = ['C0', 'C1', 'C2', 'C3', 'C4'].map((name): ColumnDef => ({ name, type: T.blob, kind: 'regular', position: -1, order: 'none' }));
  const columns = new Map<string, ColumnDef>([pk, ...regular].map((c) => [c.name, c]));
  return { keyspace: 'keyspace1', name: 'standard1', id: '6d3a1a70-1c8e-11ef-8000-000000000001', partitionKey: [pk], clustering: [],
    regular, columns, options: { ...DEFAULT_TABLE_OPTIONS }, version: 1 };
}

const keyFor = (i: number): Buffer => Buffer.from(String(i).padStart(10, '0').slice(-10));

function gaussianIndex(n: number): number {
  let u = 0, v = 0;
  while (u === 0) u = Math.random();
  while (v === 0) v = Math.random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.min(n, Math.max(1, Math.round(n / 2 + z * (n / 6))));
}

/** One write as modify.ts builds it: values are views of a request's bytes (here one shared buffer). */
function update(i: number, request: Buffer, ts: number): PartitionData {
  const key = keyFor(i);
  const cells = emptyCells();
  for (let c = 0; c < 5; c++) cells[`C${c}`] = { v: request.subarray(c * 34, c * 34 + 34), ts };
  return { key, token: murmur3Token(key), rangeTombstones: [], rows: [{ clustering: [], cells }] };
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function round(n: number, table: TableDef): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-engine-bench-'));
  const engine = await StorageEngine.open({ dir, sync: args.sync as 'periodic' | 'batch' | 'group', groupWindowMs: 15 });
  try {
    const request = randomBytes(5 * 34);
    let cpu0 = cpuMicros();
    let t0 = performance.now();
    for (let i = 0; i < OPS; i += CONCURRENCY) {
      const batch: Array<Promise<void>> = [];
      for (let j = i; j < Math.min(OPS, i + CONCURRENCY); j++) batch.push(engine.apply(table, update(j + 1, request, Date.now() * 1000)));
      await Promise.all(batch);
    }
    // The writes' flushes are theirs: left running, they would be counted as the reads' CPU.
    await engine.flush();
    const wCpu = cpuMicros() - cpu0;
    const wWall = performance.now() - t0;
    cpu0 = cpuMicros();
    t0 = performance.now();
    const nowSec = Math.floor(Date.now() / 1000);
    let found = 0;
    for (let i = 0; i < OPS; i++) {
      const key = keyFor(gaussianIndex(OPS));
      if (engine.read(table, key, murmur3Token(key), {}, nowSec)) found++;
      if (i % CONCURRENCY === 0) await new Promise<void>((r) => setImmediate(r));
    }
    const rCpu = cpuMicros() - cpu0;
    const rWall = performance.now() - t0;
    if (found !== OPS) throw new Error(`read ${found} of ${OPS}`);
    console.log(`round ${n}: write ${(wCpu / OPS).toFixed(2)} µs CPU/op (${Math.round(OPS / (wCpu / 1e6))} per CPU-s, wall ${Math.round(OPS / (wWall / 1000))} op/s); ` +
      `read ${(rCpu / OPS).toFixed(2)} µs CPU/op (${Math.round(OPS / (rCpu / 1e6))} per CPU-s, wall ${Math.round(OPS / (rWall / 1000))} op/s); RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const table = standard1();
for (let r = 1; r <= Number(args.rounds); r++) await round(r, table);
