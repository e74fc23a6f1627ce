// The view updates of base writes (src/views/updates.ts), replayed on an in-memory base and view: the view must be
// what the base implies, whatever order the writes arrive in (out-of-order timestamps), through view-key changes,
// deletions, TTLs and filters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyDdl, emptySchema } from '../../src/schema/registry.ts';
import type { Schema, TableDef } from '../../src/schema/model.ts';
import type { Cell, PartitionData, Row } from '../../src/storage/types.ts';
import { mergePartitions } from '../../src/storage/merge.ts';
import { liveRows } from '../../src/storage/live.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import { viewSpec, type ViewSpec } from '../../src/views/spec.ts';
import { viewUpdates } from '../../src/views/updates.ts';
import { isStrictView, withStrictLiveness } from '../../src/views/strict.ts';
import { ddl, deterministic } from '../schema/helpers.ts';

const NOW = 1_700_000_000;
const int = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const num = (b: Buffer | undefined): number | undefined => (b === undefined ? undefined : b.readInt32BE(0));

function schemaWith(...views: string[]): Schema {
  let s = emptySchema();
  const run = (q: string): void => { s = applyDdl(s, ddl(q), 'ks', { ...deterministic, materializedViewsEnabled: true }).schema; };
  run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  run('CREATE TABLE t (k int, c int, v int, w int, PRIMARY KEY (k, c))');
  views.forEach(run);
  return s;
}

const BY_V = 'CREATE MATERIALIZED VIEW by_v AS SELECT * FROM t WHERE v IS NOT NULL AND k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (v, k, c)';
const BY_C = 'CREATE MATERIALIZED VIEW by_c AS SELECT k, c, w FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (c, k)';
const C_IS_1 = 'CREATE MATERIALIZED VIEW c1 AS SELECT k, c, v FROM t WHERE k IS NOT NULL AND c = 1 PRIMARY KEY (c, k)';

/** One base replica and the view it feeds, both in memory. */
class Replica {
  base = new Map<string, PartitionData>();
  view = new Map<string, PartitionData>();
  constructor(readonly t: TableDef, readonly spec: ViewSpec) {}

  write(update: PartitionData, nowSec = NOW): void {
    const k = update.key.toString('hex');
    const existing = this.base.get(k);
    for (const vu of viewUpdates(this.spec, existing, update, nowSec)) {
      const vk = vu.key.toString('hex');
      const prev = this.view.get(vk);
      this.view.set(vk, prev === undefined ? vu : mergePartitions(this.spec.view, prev, vu));
    }
    this.base.set(k, existing === undefined ? update : mergePartitions(this.t, existing, update));
  }

  /** The view's live rows, as "key|clustering…|col=value…" strings, sorted. */
  viewRows(nowSec = NOW): string[] {
    const out: string[] = [];
    for (const p of this.view.values()) {
      const data = isStrictView(this.spec.view) ? withStrictLiveness(this.spec.view, p, nowSec) : p;
      for (const r of liveRows(this.spec.view, data, nowSec).rows) {
        const cells = Object.keys(r.cells).filter((n) => !n.startsWith('\u0000')).sort().map((n) => `${n}=${num(r.cells[n]!.value)}`);
        out.push([num(p.key.length === 4 ? p.key : undefined) ?? p.key.toString('hex'), ...r.clustering.map(num), ...cells].join('|'));
      }
    }
    return out.sort();
  }
}

function replica(viewName: string, ...views: string[]): Replica {
  const s = schemaWith(...views);
  const ks = s.keyspaces.get('ks')!;
  const t = ks.tables.get('t')!;
  return new Replica(t, viewSpec(t, ks.tables.get(viewName)!));
}

function cell(v: number | null, ts: number, ttl?: number): Cell {
  const c: Cell = { ts, v: v === null ? null : int(v) };
  if (v === null) c.ldt = NOW;
  if (ttl !== undefined) { c.ttl = ttl; c.ldt = NOW + ttl; }
  return c;
}

function write(k: number, c: number, ts: number, cols: { v?: number | null; w?: number | null; insert?: boolean; ttl?: number; deleteRow?: boolean }): PartitionData {
  const row: Row = { clustering: [int(c)], cells: {} };
  if (cols.insert) row.marker = cols.ttl !== undefined ? { ts, ttl: cols.ttl, ldt: NOW + cols.ttl } : { ts };
  if (cols.v !== undefined) row.cells.v = cell(cols.v, ts, cols.ttl);
  if (cols.w !== undefined) row.cells.w = cell(cols.w, ts, cols.ttl);
  if (cols.deleteRow) row.deletion = { ts, ldt: NOW };
  return { key: int(k), token: murmur3Token(int(k)), rangeTombstones: [], rows: [row] };
}

test('a view keyed by a regular column: insert, change of v, out-of-order v, back to an old v, row deletion', () => {
  const r = replica('by_v', BY_V);
  r.write(write(1, 1, 10, { insert: true, v: 1, w: 10 }));
  assert.deepEqual(r.viewRows(), ['1|1|1|w=10']);
  r.write(write(1, 1, 20, { v: 2 }));
  assert.deepEqual(r.viewRows(), ['2|1|1|w=10'], 'the old view row is deleted, the new one has the other columns');
  r.write(write(1, 1, 15, { v: 3 }));
  assert.deepEqual(r.viewRows(), ['2|1|1|w=10'], 'an older value of v changes nothing');
  r.write(write(1, 1, 30, { v: 1 }));
  assert.deepEqual(r.viewRows(), ['1|1|1|w=10'], 'a view row deleted before comes back whole');
  r.write(write(1, 1, 35, { w: 11 }));
  assert.deepEqual(r.viewRows(), ['1|1|1|w=11']);
  r.write(write(1, 1, 40, { v: null }));
  assert.deepEqual(r.viewRows(), [], 'v deleted: no view row');
  r.write(write(1, 1, 50, { v: 4 }));
  assert.deepEqual(r.viewRows(), ['4|1|1|w=11']);
  r.write(write(1, 1, 60, { deleteRow: true }));
  assert.deepEqual(r.viewRows(), []);
});

test('the same writes in every order give the same view (out-of-order timestamps)', () => {
  const writes = [
    write(1, 1, 10, { insert: true, v: 1, w: 10 }),
    write(1, 1, 20, { v: 2 }),
    write(1, 1, 25, { w: 12 }),
    write(1, 2, 12, { insert: true, v: 2, w: 5 }),
    write(1, 1, 30, { v: 1 }),
  ];
  const expected = ['1|1|1|w=12', '2|1|2|w=5'];
  const perms = (xs: PartitionData[]): PartitionData[][] =>
    xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
  for (const order of perms(writes)) {
    const r = replica('by_v', BY_V);
    for (const w of order) r.write(w);
    assert.deepEqual(r.viewRows(), expected, `order: ${order.map((w) => writes.indexOf(w)).join(',')}`);
  }
});

test('TTL: view cells expire with the view key column', () => {
  const r = replica('by_v', BY_V);
  r.write(write(1, 1, 10, { insert: true, w: 10 }));
  r.write(write(1, 1, 20, { v: 7, ttl: 100 }));
  assert.deepEqual(r.viewRows(NOW + 50), ['7|1|1|w=10']);
  assert.deepEqual(r.viewRows(NOW + 101), [], 'the view row expires with v, although w does not');
});

test('a view with the base key reordered: UPDATE of an unselected column, row and partition deletions', () => {
  const r = replica('by_c', BY_C);
  r.write(write(1, 1, 10, { v: 5 }));
  assert.deepEqual(r.viewRows(), ['1|1'], 'the row is alive through v, which the view does not select');
  r.write(write(1, 1, 11, { w: 3 }));
  r.write(write(2, 1, 11, { insert: true, w: 4 }));
  assert.deepEqual(r.viewRows(), ['1|1|w=3', '1|2|w=4']);
  r.write(write(1, 1, 20, { deleteRow: true }));
  assert.deepEqual(r.viewRows(), ['1|2|w=4']);
  r.write({ key: int(2), token: murmur3Token(int(2)), deletion: { ts: 30, ldt: NOW }, rangeTombstones: [], rows: [] });
  assert.deepEqual(r.viewRows(), []);
  r.write(write(2, 1, 25, { w: 9 }));
  assert.deepEqual(r.viewRows(), [], 'a write older than the partition deletion stays deleted');
});

test('WHERE filters on primary key columns', () => {
  const r = replica('c1', C_IS_1);
  r.write(write(1, 1, 10, { insert: true, v: 1 }));
  r.write(write(1, 2, 10, { insert: true, v: 2 }));
  assert.deepEqual(r.viewRows(), ['1|1|v=1']);
});

test('property: random writes to one row in two orders converge, and match the base (fast-check, seeded)', () => {
  const op = fc.record({
    ts: fc.integer({ min: 1, max: 1000 }),
    kind: fc.constantFrom('insert', 'v', 'w', 'delete', 'vnull', 'wnull'),
    value: fc.integer({ min: 0, max: 3 }),
  });
  fc.assert(fc.property(fc.uniqueArray(op, { minLength: 1, maxLength: 8, selector: (o) => o.ts }), fc.func(fc.integer()), (ops, shuffle) => {
    const toWrite = (o: typeof ops[number]): PartitionData =>
      o.kind === 'insert' ? write(1, 1, o.ts, { insert: true, v: o.value, w: o.value })
        : o.kind === 'v' ? write(1, 1, o.ts, { v: o.value })
          : o.kind === 'w' ? write(1, 1, o.ts, { w: o.value })
            : o.kind === 'vnull' ? write(1, 1, o.ts, { v: null })
              : o.kind === 'wnull' ? write(1, 1, o.ts, { w: null }) : write(1, 1, o.ts, { deleteRow: true });
    const other = [...ops].sort((x, y) => shuffle(x.ts) - shuffle(y.ts) || x.ts - y.ts);
    for (const [name, cql] of [['by_v', BY_V], ['by_c', BY_C]] as const) {
      const a = replica(name, cql);
      const b = replica(name, cql);
      for (const o of ops) a.write(toWrite(o));
      for (const o of other) b.write(toWrite(o));
      assert.deepEqual(a.viewRows(), b.viewRows(), name);
      // What the base says the view holds.
      const base = liveRows(a.t, a.base.get(int(1).toString('hex'))!, NOW).rows;
      const w = (row: typeof base[number]): string[] => (row.cells.w ? [`w=${num(row.cells.w.value)}`] : []);
      const expected = name === 'by_v'
        ? base.filter((row) => row.cells.v !== undefined).map((row) => [num(row.cells.v!.value), 1, 1, ...w(row)].join('|'))
        : base.map((row) => [1, 1, ...w(row)].join('|'));
      assert.deepEqual(a.viewRows(), expected.sort(), name);
    }
  }), { seed: 4242, numRuns: 1000 });
});
