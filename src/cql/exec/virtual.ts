// Rows of computed (system and virtual) tables, converted into the source-row shape the SELECT pipeline uses.
import type { TableDef } from '../../schema/model.ts';
import { systemRows } from '../../schema/system_tables.ts';
import { encodeJs } from '../../model/values/js.ts';
import { compareValues } from '../../model/values/compare.ts';
import { murmur3Token } from '../../model/murmur3.ts';
import type { ExecEnv } from './plan.ts';
import type { SourceRow } from './selection.ts';
import { partitionKeyBytes } from './rows.ts';
import { emptyCells } from '../../storage/types.ts';

export function virtualRows(env: ExecEnv, table: TableDef): SourceRow[] {
  const rows = systemRows(table, env.systemContext());
  const out: SourceRow[] = [];
  for (const r of rows) {
    const enc = (name: string): Buffer | null => {
      const c = table.columns.get(name)!;
      const v = r[name];
      return v === undefined ? null : encodeJs(c.type, v);
    };
    const pk = table.partitionKey.map((c) => enc(c.name) ?? Buffer.alloc(0));
    const clustering = table.clustering.map((c) => enc(c.name) ?? Buffer.alloc(0));
    const cells: SourceRow['cells'] = emptyCells();
    for (const c of table.regular) {
      const v = enc(c.name);
      if (v !== null) cells[c.name] = { value: v, ts: 0 };
    }
    out.push({ token: murmur3Token(partitionKeyBytes(pk)), pk, clustering, cells });
  }
  // Present rows in Cassandra's order: by partition key, then clustering.
  const cmp = (a: SourceRow, b: SourceRow): number => {
    for (let i = 0; i < table.partitionKey.length; i++) {
      const c = compareValues(table.partitionKey[i].type, a.pk[i], b.pk[i]);
      if (c !== 0) return c;
    }
    for (let i = 0; i < table.clustering.length; i++) {
      const col = table.clustering[i];
      const c = compareValues(col.type, a.clustering[i], b.clustering[i]);
      if (c !== 0) return col.order === 'desc' ? -c : c;
    }
    return 0;
  };
  return out.sort(cmp);
}
