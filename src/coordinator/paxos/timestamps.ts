// A proposal's cells are written at its ballot's timestamp. When an in-progress proposal is completed by a later
// round it is re-proposed under the new ballot, so its timestamps move with it (Cassandra's Commit.newProposal):
// every timestamp shifts by the same amount, which keeps the one-microsecond gap between a collection's overwrite
// tombstone and its new elements.
import type { Cell, ColumnData, LivenessInfo, PartitionData, Row, Tombstone } from '../../storage/types.ts';
import { emptyCells } from '../../storage/types.ts';

const tomb = (t: Tombstone, d: number): Tombstone => ({ ...t, ts: t.ts + d });
const cell = (c: Cell, d: number): Cell => ({ ...c, ts: c.ts + d });
const marker = (m: LivenessInfo, d: number): LivenessInfo => ({ ...m, ts: m.ts + d });

function column(c: ColumnData, d: number): ColumnData {
  if ('cells' in c) {
    const out: ColumnData = { cells: c.cells.map((e) => ({ path: e.path, cell: cell(e.cell, d) })) };
    if (c.deletion) out.deletion = tomb(c.deletion, d);
    return out;
  }
  return cell(c, d);
}

function row(r: Row, d: number): Row {
  const cells: Row['cells'] = emptyCells();
  for (const name in r.cells) cells[name] = column(r.cells[name]!, d);
  const out: Row = { clustering: r.clustering, cells };
  if (r.marker) out.marker = marker(r.marker, d);
  if (r.deletion) out.deletion = tomb(r.deletion, d);
  return out;
}

export function shiftTimestamps(p: PartitionData, deltaMicros: number): PartitionData {
  if (deltaMicros === 0) return p;
  const out: PartitionData = {
    key: p.key, token: p.token,
    rangeTombstones: p.rangeTombstones.map((rt) => ({ ...rt, deletion: tomb(rt.deletion, deltaMicros) })),
    rows: p.rows.map((r) => row(r, deltaMicros)),
  };
  if (p.deletion) out.deletion = tomb(p.deletion, deltaMicros);
  if (p.staticRow) out.staticRow = row(p.staticRow, deltaMicros);
  return out;
}
