// Counter cells, as Cassandra keeps them since 2.1: a counter's value is a context of shards, one per replica that
// ever led an increment of it, each with the replica's counter id, a logical clock and that replica's running count.
// A replica only ever changes its own shard (it is the increment's leader); everyone else merges contexts shard by
// shard, keeping the higher clock, so applying the same context twice, or contexts in any order, gives the same value;
// the counter's value is the sum of its shards' counts, in 64-bit two's complement like Java's long.
import { createHash } from 'node:crypto';
import type { CqlType } from '../model/types.ts';
import type { TableDef } from '../schema/model.ts';
import type { Cell } from './types.ts';

const ID_BYTES = 16;
const SHARD_BYTES = ID_BYTES + 16;

export interface Shard {
  id: Buffer;
  clock: bigint;
  count: bigint;
}

export const isCounterType = (t: CqlType): boolean => t.kind === 'native' && t.name === 'counter';

const counterTables = new WeakMap<TableDef, boolean>();

/** Whether the table has counter columns (memoised per table version: this is asked for every row merged or read). */
export function hasCounters(table: TableDef): boolean {
  let v = counterTables.get(table);
  if (v === undefined) counterTables.set(table, (v = table.regular.some((c) => isCounterType(c.type))));
  return v;
}

export function isCounterColumn(table: TableDef, name: string): boolean {
  if (!hasCounters(table)) return false;
  const c = table.columns.get(name);
  return c !== undefined && isCounterType(c.type);
}

/** A node's counter id: its host id's 16 bytes (or, for a host id that is not a uuid, a digest of it). */
export function counterIdOf(hostId: string): Buffer {
  const hex = hostId.replace(/-/g, '');
  if (/^[0-9a-fA-F]{32}$/.test(hex)) return Buffer.from(hex, 'hex');
  return createHash('md5').update(hostId).digest();
}

export function decodeContext(b: Buffer): Shard[] {
  if (b.length % SHARD_BYTES !== 0) throw new Error(`corrupt counter context of ${b.length} bytes`);
  const out: Shard[] = [];
  for (let off = 0; off < b.length; off += SHARD_BYTES) {
    out.push({ id: b.subarray(off, off + ID_BYTES), clock: b.readBigInt64BE(off + ID_BYTES), count: b.readBigInt64BE(off + ID_BYTES + 8) });
  }
  return out;
}

/** Shards sorted by id, so that equal contexts have equal bytes (read repair compares replicas' answers by bytes). */
export function encodeContext(shards: Shard[]): Buffer {
  const sorted = [...shards].sort((a, b) => Buffer.compare(a.id, b.id));
  const out = Buffer.alloc(sorted.length * SHARD_BYTES);
  sorted.forEach((s, i) => {
    s.id.copy(out, i * SHARD_BYTES);
    out.writeBigInt64BE(s.clock, i * SHARD_BYTES + ID_BYTES);
    out.writeBigInt64BE(BigInt.asIntN(64, s.count), i * SHARD_BYTES + ID_BYTES + 8);
  });
  return out;
}

/** Shard by shard, the higher clock wins (on a tie, the higher count: both came from the same leader). */
export function mergeContexts(a: Buffer, b: Buffer): Buffer {
  if (a.equals(b)) return a;
  const byId = new Map<string, Shard>();
  for (const s of [...decodeContext(a), ...decodeContext(b)]) {
    const k = s.id.toString('hex');
    const prev = byId.get(k);
    if (!prev || s.clock > prev.clock || (s.clock === prev.clock && s.count > prev.count)) byId.set(k, s);
  }
  return encodeContext([...byId.values()]);
}

export function contextTotal(b: Buffer): bigint {
  let sum = 0n;
  for (const s of decodeContext(b)) sum += s.count;
  return BigInt.asIntN(64, sum);
}

/** The counter's value as CQL shows it: a bigint. */
export function counterValue(context: Buffer): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigInt64BE(contextTotal(context));
  return out;
}

/** This node's shard of a context (clock 0 and count 0 when it never led an increment of the counter). */
export function localShard(context: Buffer | undefined, id: Buffer): Shard {
  const found = context === undefined ? undefined : decodeContext(context).find((s) => s.id.equals(id));
  return found ?? { id, clock: 0n, count: 0n };
}

/**
 * Reconciles two versions of a counter cell: a tombstone always wins over a live counter, whatever the timestamps
 * (CASSANDRA-7346: a deleted counter cannot be brought back by increments); two live ones merge their contexts.
 */
export function reconcileCounterCell(a: Cell, b: Cell): Cell {
  if (a.v === null || b.v === null) {
    if (a.v === null && b.v === null) return a.ts >= b.ts ? a : b;
    return a.v === null ? a : b;
  }
  return { ts: Math.max(a.ts, b.ts), v: mergeContexts(a.v, b.v) };
}
