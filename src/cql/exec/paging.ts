// Paging state: where the previous page stopped. It is opaque to drivers, which may send the next page's request
// to any node, so it carries only positions in the data (partition key, token, clustering), never node-local
// handles. msgpackr keeps it compact.
import { Packr } from 'msgpackr';
import { ProtocolError } from '../../model/errors.ts';

export interface PagingState {
  key?: Buffer;
  token?: bigint;
  /** Last clustering returned in `key`'s partition. */
  clustering?: Buffer[];
  /** The partition at `key` has nothing more to return (static-only row, DISTINCT, per-partition limit hit). */
  partitionDone?: boolean;
  /** Rows already returned from `key`'s partition (for PER PARTITION LIMIT). */
  inPartition: number;
  /** For queries by partition key list: the index of `key` in the sorted key list. */
  keyIndex?: number;
  /** Rows still allowed by LIMIT. */
  remaining: number;
  /** For in-memory (system) tables: rows already returned. */
  offset?: number;
}

const packr = new Packr({ useRecords: false, moreTypes: false, largeBigIntToFloat: false });
const VERSION = 1;

export function encodePagingState(s: PagingState): Buffer {
  const remaining = Number.isFinite(s.remaining) ? s.remaining : -1;
  return packr.pack([VERSION, s.key ?? null, s.token === undefined ? null : s.token.toString(), s.clustering ?? null,
    s.partitionDone ? 1 : 0, s.inPartition, s.keyIndex ?? null, remaining, s.offset ?? null]);
}

export function decodePagingState(buf: Buffer): PagingState {
  let v: unknown;
  try {
    v = packr.unpack(buf);
  } catch {
    throw new ProtocolError('Invalid value for the paging state');
  }
  if (!Array.isArray(v) || v[0] !== VERSION || v.length !== 9) throw new ProtocolError('Invalid value for the paging state');
  const [, key, token, clustering, done, inPartition, keyIndex, remaining, offset] = v as unknown[];
  const isBuf = (x: unknown): x is Buffer => Buffer.isBuffer(x) || x instanceof Uint8Array;
  if ((key !== null && !isBuf(key)) || (token !== null && typeof token !== 'string') ||
    (clustering !== null && !(Array.isArray(clustering) && clustering.every(isBuf))) ||
    typeof inPartition !== 'number' || typeof remaining !== 'number' ||
    (keyIndex !== null && typeof keyIndex !== 'number') || (offset !== null && typeof offset !== 'number')) {
    throw new ProtocolError('Invalid value for the paging state');
  }
  let tok: bigint | undefined;
  try {
    tok = token === null ? undefined : BigInt(token as string);
  } catch {
    throw new ProtocolError('Invalid value for the paging state');
  }
  return {
    key: key === null ? undefined : Buffer.from(key as Uint8Array),
    token: tok,
    clustering: clustering === null ? undefined : (clustering as Uint8Array[]).map((c) => Buffer.from(c)),
    partitionDone: done === 1,
    inPartition,
    keyIndex: keyIndex === null ? undefined : (keyIndex as number),
    remaining: remaining < 0 ? Infinity : remaining,
    offset: offset === null ? undefined : (offset as number),
  };
}
