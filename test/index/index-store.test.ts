// The index layer on one simulated node (virtual time): SAI ranges over few and over many terms (the base-range
// fallback), long values (terms cut to a prefix and a digest), case-insensitive text, stale entries deleted once a
// query has found them, an index dropped and re-created under the same name, and builds over existing rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consistency } from '../../src/model/consistency.ts';
import { backingTable, termOf, indexSpec, termToken } from '../../src/index/terms.ts';
import { liveRows } from '../../src/storage/live.ts';
import { SimCluster, rowsOf, type SimNode } from '../sim/sim-cluster.ts';

async function node(): Promise<{ sim: SimCluster; n: SimNode; q: (cql: string) => Promise<Array<Record<string, number | string | boolean | null>>> }> {
  const sim = new SimCluster({ seed: 7, nodes: [{ endpoint: '10.0.3.1:7000', dc: 'dc1', rack: 'r1' }], trace: false });
  await sim.startAll();
  const n = sim.nodes[0]!;
  const q = async (cql: string): Promise<Array<Record<string, number | string | boolean | null>>> => {
    const r = await sim.cql(n, cql, Consistency.ONE);
    if (!r.ok) throw new Error(`${cql}: ${r.error.message}`);
    return rowsOf(r);
  };
  await q("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  return { sim, n, q };
}

const ks = (rows: Array<Record<string, number | string | boolean | null>>, col = 'k'): Array<number | string | boolean | null> => rows.map((r) => r[col]!);

test('SAI ranges: entries for a few terms, the base range for many, the same rows either way', async () => {
  const { q } = await node();
  await q('CREATE TABLE ks.r (k int PRIMARY KEY, w int)');
  await q("CREATE INDEX ON ks.r (w) USING 'sai'");
  for (let k = 0; k < 300; k++) await q(`INSERT INTO ks.r (k, w) VALUES (${k}, ${k})`);
  const all = await q('SELECT k, w FROM ks.r');
  for (const [lo, hi] of [[10, 290], [280, 1000], [-5, 3], [150, 150]] as const) {
    const want = ks(all.filter((r) => (r.w as number) > lo && (r.w as number) <= hi));
    assert.deepEqual(ks(await q(`SELECT k FROM ks.r WHERE w > ${lo} AND w <= ${hi}`)), want, `${lo} < w <= ${hi}`);
  }
});

test('long values: equality on terms cut to a prefix and a digest, distinct values kept apart', async () => {
  const { q } = await node();
  await q('CREATE TABLE ks.l (k int PRIMARY KEY, s text, u text)');
  await q('CREATE INDEX ON ks.l (s)');
  await q("CREATE INDEX ON ks.l (u) USING 'sai'");
  const long = (i: number): string => `${'x'.repeat(900)}${i}`;
  for (let k = 0; k < 6; k++) await q(`INSERT INTO ks.l (k, s, u) VALUES (${k}, '${long(k % 3)}', '${long(k % 2)}')`);
  assert.deepEqual(ks(await q(`SELECT k FROM ks.l WHERE s = '${long(1)}'`)).sort(), [1, 4]);
  assert.deepEqual(ks(await q(`SELECT k FROM ks.l WHERE u = '${long(0)}'`)).sort(), [0, 2, 4]);
  assert.deepEqual(await q(`SELECT k FROM ks.l WHERE s = '${long(7)}'`), []);
});

test('case-insensitive and normalised SAI text', async () => {
  const { q } = await node();
  await q('CREATE TABLE ks.c (k int PRIMARY KEY, t text, l list<text>)');
  await q("CREATE INDEX ON ks.c (t) USING 'sai' WITH OPTIONS = {'case_sensitive': 'false', 'normalize': 'true', 'ascii': 'true'}");
  await q("CREATE INDEX ON ks.c (l) USING 'sai' WITH OPTIONS = {'case_sensitive': 'false'}");
  await q("INSERT INTO ks.c (k, t, l) VALUES (1, 'Café', ['Red', 'green'])");
  await q("INSERT INTO ks.c (k, t, l) VALUES (2, 'CAFE', ['blue'])");
  await q("INSERT INTO ks.c (k, t, l) VALUES (3, 'tea', ['RED'])");
  assert.deepEqual(ks(await q("SELECT k FROM ks.c WHERE t = 'cafe'")).sort(), [1, 2]);
  assert.deepEqual(ks(await q("SELECT k FROM ks.c WHERE l CONTAINS 'red'")).sort(), [1, 3]);
  assert.deepEqual(ks(await q("SELECT k FROM ks.c WHERE t = 'cafe' AND l CONTAINS 'BLUE'")), [2]);
});

test('stale entries are deleted by the query that finds them; a re-created index starts afresh', async () => {
  const { sim, n, q } = await node();
  await q('CREATE TABLE ks.s (k int PRIMARY KEY, v int)');
  await q('CREATE INDEX sv ON ks.s (v)');
  for (let i = 0; i < 50; i++) await q(`UPDATE ks.s SET v = ${i % 2} WHERE k = ${i % 5}`);
  const table = n.core!.schema.current.keyspaces.get('ks')!.tables.get('s')!;
  const spec = indexSpec(table, table.indexes![0]!)!;
  const liveEntries = (v: number): number => {
    const term = termOf(spec, Buffer.from([0, 0, 0, v]));
    const p = n.store.read(spec.backing, term, termToken(term), {}, Math.floor(sim.nowMicros() / 1e6));
    return p ? liveRows(spec.backing, p, Math.floor(sim.nowMicros() / 1e6)).rows.length : 0;
  };
  // Every key was written with both values at some point: five live entries per value, most of them stale.
  assert.equal(liveEntries(0) + liveEntries(1), 10);
  const zeros = ks(await q('SELECT k FROM ks.s WHERE v = 0')).sort();
  const ones = ks(await q('SELECT k FROM ks.s WHERE v = 1')).sort();
  assert.equal(zeros.length + ones.length, 5);
  await sim.advance(100);
  assert.equal(liveEntries(0) + liveEntries(1), 5, 'the stale entries are gone');
  await q('DROP INDEX ks.sv');
  await q('UPDATE ks.s SET v = 9 WHERE k = 1');
  await q('CREATE INDEX sv ON ks.s (v)');
  const again = n.core!.schema.current.keyspaces.get('ks')!.tables.get('s')!.indexes![0]!;
  assert.notEqual(again.id, spec.def.id);
  assert.notEqual(backingTable(table, again).id, spec.backing.id);
  assert.deepEqual(ks(await q('SELECT k FROM ks.s WHERE v = 9')), [1]);
  await n.core!.indexes.settled();
  assert.ok(n.core!.indexes.isBuilt(again.id));
  assert.deepEqual(ks(await q('SELECT k FROM ks.s WHERE v = 9')), [1]);
  assert.deepEqual(n.core!.indexes.builtIndexes(), [{ keyspace: 'ks', index: 'sv' }]);
});
