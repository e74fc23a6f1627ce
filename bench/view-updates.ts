// CPU cost of computing a base write's view updates (src/views/updates.ts), in-process: a base row rewritten with a
// new value of the view's key column (delete the old view row + create the new one), for a view keyed by a regular
// column and one keyed by the base key reordered. Run: npx tsx bench/view-updates.ts
import { performance } from 'node:perf_hooks';
import { applyDdl, emptySchema } from '../src/schema/registry.ts';
import { parseStatement } from '../src/cql/parser.ts';
import { murmur3Token } from '../src/model/murmur3.ts';
import { mergePartitions } from '../src/storage/merge.ts';
import type { PartitionData } from '../src/storage/types.ts';
import { viewSpec } from '../src/views/spec.ts';
import { viewUpdates } from '../src/views/updates.ts';
import type { DdlStatement } from '../src/schema/registry.ts';

let s = emptySchema();
for (const q of [
  "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
  'CREATE TABLE ks.t (k int, c int, v int, w text, PRIMARY KEY (k, c))',
  'CREATE MATERIALIZED VIEW ks.by_v AS SELECT * FROM ks.t WHERE v IS NOT NULL AND k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (v, k, c)',
  'CREATE MATERIALIZED VIEW ks.by_c AS SELECT k, c, w FROM ks.t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (c, k)',
]) s = applyDdl(s, parseStatement(q).statement as DdlStatement, undefined, { materializedViewsEnabled: true }).schema;
const ks = s.keyspaces.get('ks')!;
const t = ks.tables.get('t')!;
const int = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const write = (i: number): PartitionData => ({
  key: int(1), token: murmur3Token(int(1)), rangeTombstones: [],
  rows: [{ clustering: [int(1)], marker: { ts: i }, cells: { v: { ts: i, v: int(i % 7) }, w: { ts: i, v: Buffer.from('some text') } } }],
});
for (const name of ['by_v', 'by_c']) {
  const spec = viewSpec(t, ks.tables.get(name)!);
  let existing = write(0);
  const n = 200_000;
  const start = performance.now();
  for (let i = 1; i <= n; i++) {
    const u = write(i);
    viewUpdates(spec, existing, u, 1_700_000_000);
    existing = mergePartitions(t, existing, u);
  }
  const ms = performance.now() - start;
  console.log(`${name}: ${n} base writes, ${((ms * 1000) / n).toFixed(2)} µs per write (view updates + the base merge the test does)`);
}
