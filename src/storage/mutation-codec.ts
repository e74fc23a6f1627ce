// The commit log entry of one write (a mutation, possibly over several partitions and tables), in the storage
// engine's own row format (codec.ts), so that the bytes logged are the bytes a memtable keeps:
//
//   entry = varuint(#items) item*
//   item  = bytes(table id, utf8) token(i64 BE) bytes(partition key) has-header(0/1) [bytes(header)] varuint(#rows) bytes(row)*
//
// The header carries the partition deletion, range tombstones and static row (codec.ts encodeHeader).
import type { PartitionData } from './types.ts';
import type { TableDef } from '../schema/model.ts';
import { Encoder, appendRowBytes, decodeHeader, decodeRow, encodeHeader } from './codec.ts';

/** Where an item's encoded header and rows lie in the entry, as [start, end) offsets. */
export interface ItemLayout {
  header?: [number, number];
  rows: Array<[number, number]>;
}

export interface DecodedItem {
  tableId: string;
  update: PartitionData;
}

/** Encodes into one reusable buffer: the result is valid until the next encode (callers copy what they keep). */
export class MutationEncoder {
  /** Rows are written straight into the entry (appendRowBytes), not encoded apart and copied in. */
  private readonly e = new Encoder(64 * 1024, true);

  private bytes(b: Uint8Array): [number, number] {
    const e = this.e;
    e.bytes(b);
    return [e.pos - b.length, e.pos];
  }

  /** UTF-8 of each table id seen, written into every entry of its table. */
  private readonly tableIds = new Map<string, Buffer>();

  encode(items: ReadonlyArray<{ table: TableDef; update: PartitionData }>): { entry: Buffer; layout: ItemLayout[] } {
    const e = this.e;
    e.pos = 0;
    e.varuint(items.length);
    const layout: ItemLayout[] = new Array<ItemLayout>(items.length);
    for (let i = 0; i < items.length; i++) {
      const { table, update } = items[i]!;
      let id = this.tableIds.get(table.id);
      if (!id) this.tableIds.set(table.id, (id = Buffer.from(table.id, 'utf8')));
      this.bytes(id);
      e.ensure(8);
      e.buf.writeBigInt64BE(update.token, e.pos);
      e.pos += 8;
      this.bytes(update.key);
      const rows = update.rows;
      const l: ItemLayout = { rows: new Array<[number, number]>(rows.length) };
      if (update.deletion || update.rangeTombstones.length > 0 || update.staticRow) {
        e.byte(1);
        const h = { rangeTombstones: update.rangeTombstones, ...(update.deletion ? { deletion: update.deletion } : {}),
          ...(update.staticRow ? { staticRow: update.staticRow } : {}) };
        l.header = this.bytes(encodeHeader(h));
      } else {
        e.byte(0);
      }
      e.varuint(rows.length);
      for (let r = 0; r < rows.length; r++) l.rows[r] = appendRowBytes(e, rows[r]!);
      layout[i] = l;
    }
    return { entry: e.result(), layout };
  }
}

/** Decodes an entry; the values returned are views of `entry`, which must stay unchanged while they are used. */
export function decodeMutation(entry: Buffer): DecodedItem[] {
  let pos = 0;
  const varuint = (): number => {
    let n = 0;
    let shift = 0;
    for (;;) {
      if (pos >= entry.length) throw new RangeError('entry ends inside a number');
      const b = entry[pos++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
      shift += 7;
    }
  };
  const bytes = (): Buffer => {
    const n = varuint();
    if (pos + n > entry.length) throw new RangeError('entry ends inside a value');
    const b = entry.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const out: DecodedItem[] = [];
  for (let i = varuint(); i > 0; i--) {
    const tableId = bytes().toString('utf8');
    const token = entry.readBigInt64BE(pos);
    pos += 8;
    const key = bytes();
    const update: PartitionData = { key, token, rangeTombstones: [], rows: [] };
    if (entry[pos++] === 1) {
      const h = decodeHeader(bytes(), true);
      update.rangeTombstones = h.rangeTombstones;
      if (h.deletion) update.deletion = h.deletion;
      if (h.staticRow) update.staticRow = h.staticRow;
    }
    for (let r = varuint(); r > 0; r--) update.rows.push(decodeRow(bytes(), true));
    out.push({ tableId, update });
  }
  if (pos !== entry.length) throw new RangeError(`${entry.length - pos} bytes left after the entry`);
  return out;
}
