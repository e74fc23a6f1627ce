// Fuzz over the vector, ANN, custom-type and index syntax on one simulated node: every generated statement is
// answered or refused with a typed CQL error — never an internal error (ServerError 0x0000 or an untyped exception).
// Fixed seed (SIBYL_FUZZ_SEED replays another), bounded runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Consistency } from '../../src/model/consistency.ts';
import { CqlError, ServerError } from '../../src/model/errors.ts';
import { SimCluster, type SimNodeSpec } from '../sim/sim-cluster.ts';

const NODES: SimNodeSpec[] = [{ endpoint: '10.0.8.1:7000', dc: 'dc1', rack: 'r1' }];
const SEED = Number(process.env.SIBYL_FUZZ_SEED ?? 20261203);

const num = fc.oneof(fc.integer({ min: -5, max: 5 }).map(String), fc.double({ noNaN: false }).map((d) => (Number.isFinite(d) ? d.toString() : d > 0 ? 'Infinity' : d < 0 ? '-Infinity' : 'NaN')),
  fc.constantFrom("'a'", 'null', '?', '[1]', '0x00', '1e40', '-0.0'));
const vector = fc.array(num, { minLength: 0, maxLength: 5 }).map((xs) => `[${xs.join(', ')}]`);
const column = fc.constantFrom('e', 'f', 'k', 'c', 'n', 'l', 'x', 'nosuch');
const limit = fc.oneof(fc.constantFrom('', ' LIMIT 0', ' LIMIT -1', ' LIMIT 1001', ' LIMIT ?', " LIMIT 'a'"), fc.integer({ min: 1, max: 20 }).map((n) => ` LIMIT ${n}`));
const where = fc.constantFrom('', 'WHERE k = 1 ', 'WHERE n = 2 ', 'WHERE k IN (1, 2) ', 'WHERE token(k) > 0 ', 'WHERE c > 1 ', 'WHERE e = [1, 2] ', 'WHERE n > 1 AND k = 1 ');
const select = fc.tuple(fc.constantFrom('*', 'k, c', 'count(*)', 'similarity_cosine(e, [1, 2])', 'similarity_dot_product(e, e)', 'e', 'DISTINCT k'), where, column, vector, limit,
  fc.constantFrom('', ' ALLOW FILTERING', ' PER PARTITION LIMIT 1'), fc.constantFrom('', ' DESC', ' ASC'))
  .map(([sel, w, col, v, l, tail, dir]) => `SELECT ${sel} FROM ks.t ${w}ORDER BY ${col} ANN OF ${v}${dir}${l}${tail}`);
const insert = fc.tuple(fc.integer({ min: 0, max: 5 }), vector, vector).map(([k, a, b]) => `INSERT INTO ks.t (k, c, e, f) VALUES (${k}, ${k}, ${a}, ${b})`);
const className = fc.constantFrom("'LexicalUUIDType'", "'DynamicCompositeType(s=>UTF8Type,i=>Int32Type)'", "'org.apache.cassandra.db.marshal.BytesType'",
  "'CompositeType(UTF8Type'", "'ReversedType()'", "'VectorType(FloatType, 0)'", "'VectorType(FloatType , 2)'", "'ListType(ListType(Int32Type))'",
  "'NoSuch'", "''", "'a=>b'", "'FrozenType(MapType(UTF8Type,Int32Type))'", "'TupleType(Int32Type,UTF8Type)'", 'vector<float, 3>', 'vector<int, 0>', "vector<'UTF8Type', 2>");
const createTable = fc.tuple(fc.integer({ min: 0, max: 3 }), className, className).map(([i, a, b]) => `CREATE TABLE IF NOT EXISTS ks.c${i} (k ${a} PRIMARY KEY, v ${b})`);
const indexOption = fc.constantFrom("'similarity_function': 'euclidean'", "'similarity_function': 'nope'", "'maximum_node_connections': '8'", "'optimize_for': 'recall'", "'case_sensitive': 'false'", "'x': 'y'", "'construction_beam_width': '-1'");
const createIndex = fc.tuple(column, fc.option(indexOption), fc.constantFrom("USING 'sai'", "USING 'StorageAttachedIndex'", ''))
  .map(([col, opt, using]) => `CREATE ${using.includes('Storage') ? 'CUSTOM ' : ''}INDEX IF NOT EXISTS ON ks.t (${col}) ${using}${opt && using ? ` WITH OPTIONS = {${opt}}` : ''}`);
const other = fc.constantFrom('DROP INDEX IF EXISTS ks.t_e_idx', 'DELETE e FROM ks.t WHERE k = 1 AND c = 1', 'DELETE FROM ks.t WHERE k = 2', 'TRUNCATE ks.t',
  'UPDATE ks.t SET e = [0.5, 0.5] WHERE k = 3 AND c = 3', 'ALTER TABLE ks.t ADD z int', 'SELECT * FROM system.size_estimates', "SELECT * FROM system.table_estimates WHERE keyspace_name = 'ks'");
const statement = fc.oneof(select, select, insert, createTable, createIndex, other);

test('no internal error for vector, ANN, custom-type and index statements', { timeout: 300_000 }, async (t) => {
  const sim = new SimCluster({ seed: 4, nodes: NODES, trace: false });
  await sim.startAll();
  for (const q of [
    "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    'CREATE TABLE ks.t (k int, c int, e vector<float, 2>, f vector<float, 3>, n int, l list<float>, PRIMARY KEY (k, c))',
    "CREATE CUSTOM INDEX t_e_idx ON ks.t (e) USING 'StorageAttachedIndex'", "CREATE INDEX ON ks.t (n) USING 'sai'",
  ]) assert.ok((await sim.cql(sim.nodes[0]!, q, Consistency.ONE)).ok, q);
  const internal: string[] = [];
  const outcomes = new Map<string, number>();
  await fc.assert(fc.asyncProperty(statement, async (q) => {
    const r = await sim.cql(sim.nodes[0]!, q, Consistency.ONE);
    const kind = r.ok ? 'ok' : r.error.constructor.name;
    outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
    if (!r.ok && (!(r.error instanceof CqlError) || r.error instanceof ServerError)) internal.push(`${q}: ${r.error.constructor.name} ${r.error.message}`);
    return true;
  }), { seed: SEED, numRuns: 400 });
  t.diagnostic(`outcomes: ${JSON.stringify([...outcomes])}`);
  assert.deepEqual(internal, [], `seed ${SEED}`);
  // The generator reaches both sides: statements answered and statements refused.
  assert.ok((outcomes.get('ok') ?? 0) > 20 && outcomes.size > 2, JSON.stringify([...outcomes]));
});
