// Shared fixtures for storage tests: table definitions, value serializers, temp dirs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CqlType } from '../../src/model/types.ts';
import { T } from '../../src/model/types.ts';
import { DEFAULT_TABLE_OPTIONS, type ColumnDef, type TableDef, type TableOptions } from '../../src/schema/model.ts';
import type { Cell, PartitionData, Row } from '../../src/storage/types.ts';

export interface ColSpec { name: string; type: CqlType; order?: 'asc' | 'desc' }

let tableCounter = 0;
export function makeTable(opts: {
  clustering?: ColSpec[];
  regular?: ColSpec[];
  statics?: ColSpec[];
  options?: Partial<TableOptions>;
  id?: string;
}): TableDef {
  const pk: ColumnDef = { name: 'pk', type: T.blob, kind: 'partition_key', position: 0, order: 'none' };
  const clustering: ColumnDef[] = (opts.clustering ?? []).map((c, i) => ({
    name: c.name, type: c.type, kind: 'clustering', position: i, order: c.order ?? 'asc',
  }));
  const regular: ColumnDef[] = [
    ...(opts.statics ?? []).map((c): ColumnDef => ({ name: c.name, type: c.type, kind: 'static', position: -1, order: 'none' })),
    ...(opts.regular ?? []).map((c): ColumnDef => ({ name: c.name, type: c.type, kind: 'regular', position: -1, order: 'none' })),
  ].sort((a, b) => (a.name < b.name ? -1 : 1));
  const columns = new Map<string, ColumnDef>();
  for (const c of [pk, ...clustering, ...regular]) columns.set(c.name, c);
  tableCounter++;
  const id = opts.id ?? `00000000-0000-4000-8000-${tableCounter.toString(16).padStart(12, '0')}`;
  return {
    keyspace: 'ks', name: `t${tableCounter}`, id, partitionKey: [pk], clustering, regular, columns,
    options: { ...DEFAULT_TABLE_OPTIONS, ...opts.options }, version: 1,
  };
}

export const int = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
export const bigint = (n: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b; };
export const text = (s: string): Buffer => Buffer.from(s, 'utf8');
export const double = (n: number): Buffer => { const b = Buffer.alloc(8); b.writeDoubleBE(n); return b; };

export function varint(n: bigint): Buffer {
  if (n === 0n) return Buffer.from([0]);
  let bytes = 1;
  while (n < -(1n << BigInt(bytes * 8 - 1)) || n >= (1n << BigInt(bytes * 8 - 1))) bytes++;
  const out = Buffer.alloc(bytes);
  let v = BigInt.asUintN(bytes * 8, n);
  for (let i = bytes - 1; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}

export function decimal(unscaled: bigint, scale: number): Buffer {
  const s = Buffer.alloc(4); s.writeInt32BE(scale);
  return Buffer.concat([s, varint(unscaled)]);
}

/** v4 list/set value. */
export function coll(elems: Buffer[]): Buffer {
  return Buffer.concat([int(elems.length), ...elems.flatMap((e) => [int(e.length), e])]);
}
export function mapVal(entries: Array<[Buffer, Buffer]>): Buffer {
  return Buffer.concat([int(entries.length), ...entries.flatMap(([k, v]) => [int(k.length), k, int(v.length), v])]);
}
export function tupleVal(parts: Array<Buffer | null>): Buffer {
  return Buffer.concat(parts.flatMap((p) => (p === null ? [int(-1)] : [int(p.length), p])));
}

export const cell = (ts: number, v: Buffer | null, extra: Partial<Cell> = {}): Cell => ({ ts, v, ...extra });
export const tomb = (ts: number, ldt: number): Cell => ({ ts, v: null, ldt });

export function row(clustering: Buffer[], cells: Row['cells'], extra: Partial<Row> = {}): Row {
  return { clustering, cells, ...extra };
}

export function partition(key: Buffer, token: bigint, extra: Partial<PartitionData> = {}): PartitionData {
  return { key, token, rangeTombstones: [], rows: [], ...extra };
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sibyl-storage-'));
}
export function removeDir(d: string): void {
  fs.rmSync(d, { recursive: true, force: true });
}
