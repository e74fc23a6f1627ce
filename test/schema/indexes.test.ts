// CREATE/DROP INDEX against the schema model: names, targets, kinds and options as system_schema.indexes holds them,
// Cassandra 5.0.9's refusals (messages checked against the reference), DESCRIBE, and persistence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, InvalidRequestError, SyntaxError, UnauthorizedError } from '../../src/model/errors.ts';
import { applyDdl, deserializeSchema, emptySchema, serializeSchema } from '../../src/schema/registry.ts';
import type { Schema } from '../../src/schema/model.ts';
import { describe } from '../../src/schema/describe.ts';
import { systemRows } from '../../src/schema/system_tables.ts';
import { withSystemKeyspaces } from '../../src/schema/system_defs.ts';
import { apply, build, ddl, deterministic, parse } from './helpers.ts';

const BASE = [
  "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
  'CREATE TABLE ks.t (k int, c int, v int, s int static, u text, bl blob, du duration, l list<int>, st set<text>, ' +
    'm map<text, int>, fl frozen<list<int>>, PRIMARY KEY (k, c))',
  'CREATE TABLE ks.p (a int, b int, v int, PRIMARY KEY ((a, b)))',
];

function schemaWith(...stmts: string[]): Schema {
  return build([...BASE, ...stmts], 'ks');
}

function indexes(s: Schema, table = 't'): Array<[string, string, Record<string, string>]> {
  return (s.keyspaces.get('ks')!.tables.get(table)!.indexes ?? []).map((i) => [i.name, i.kind, i.options]);
}

function refuses(s: Schema, cql: string, cls: new (...a: never[]) => Error, message: string): void {
  assert.throws(() => apply(s, cql, 'ks'), (e: unknown) => {
    assert.ok(e instanceof cls, `${cql}: expected ${cls.name}, got ${String(e)}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

test('default names, implicit values() for collections, and the stored options', () => {
  const s = schemaWith('CREATE INDEX ON t (v)', 'CREATE INDEX ON t (l)', 'CREATE INDEX ON t (keys(m))', 'CREATE INDEX ON t (entries(m))',
    'CREATE INDEX ON t (full(fl))', 'CREATE INDEX ON p (a)', "CREATE INDEX su ON t (u) USING 'sai'",
    "CREATE CUSTOM INDEX ON t (st) USING 'StorageAttachedIndex' WITH OPTIONS = {'case_sensitive': false}");
  assert.deepEqual(indexes(s), [
    ['t_v_idx', 'COMPOSITES', { target: 'v' }],
    ['t_l_idx', 'COMPOSITES', { target: 'values(l)' }],
    ['t_m_idx', 'COMPOSITES', { target: 'keys(m)' }],
    ['t_m_idx_1', 'COMPOSITES', { target: 'entries(m)' }],
    ['t_fl_idx', 'COMPOSITES', { target: 'full(fl)' }],
    ['su', 'CUSTOM', { target: 'u', class_name: 'sai' }],
    ['t_st_idx', 'CUSTOM', { case_sensitive: 'false', target: 'values(st)', class_name: 'StorageAttachedIndex' }],
  ]);
  assert.deepEqual(indexes(s, 'p'), [['p_a_idx', 'COMPOSITES', { target: 'a' }]]);
  const r = apply(schemaWith(), 'CREATE INDEX ON t (v)', 'ks');
  assert.deepEqual(r.change, { change: 'UPDATED', target: 'TABLE', keyspace: 'ks', name: 't' });
});

test('name clashes, duplicates and IF NOT EXISTS', () => {
  const s = schemaWith('CREATE INDEX ON t (v)', "CREATE INDEX sv ON t (s) USING 'sai'");
  refuses(s, 'CREATE INDEX t_v_idx ON t (u)', InvalidRequestError, "Index 't_v_idx' already exists");
  refuses(s, 'CREATE INDEX ON t (v)', InvalidRequestError, 'Index t_v_idx_1 is a duplicate of existing index t_v_idx');
  refuses(s, 'CREATE INDEX x ON t (v)', InvalidRequestError, 'Index x is a duplicate of existing index t_v_idx');
  refuses(s, "CREATE INDEX ON t (s) USING 'StorageAttachedIndex'", InvalidRequestError,
    'Cannot create more than one storage-attached index on the same column: s');
  assert.equal(apply(s, 'CREATE INDEX IF NOT EXISTS t_v_idx ON t (u)', 'ks').change, null);
  assert.equal(apply(s, 'CREATE INDEX IF NOT EXISTS x ON t (v)', 'ks').change, null);
  // An SAI index and a legacy one may share a column.
  assert.equal(indexes(apply(s, 'CREATE INDEX ON t (s)', 'ks').schema).length, 3);
});

test("Cassandra's refusals, in its words", () => {
  const s = schemaWith();
  const ire = InvalidRequestError;
  refuses(s, 'CREATE INDEX ON nosuch (v)', ire, "Table 'nosuch' doesn't exist");
  refuses(s, 'CREATE INDEX ON nks.t (v)', ire, "Keyspace 'nks' doesn't exist");
  refuses(s, 'CREATE INDEX ON t (nosuch)', ire, 'Undefined column name nosuch in table ks.t');
  refuses(s, 'CREATE INDEX ON t (k)', ire, 'Cannot create secondary index on the only partition key column k');
  refuses(s, 'CREATE INDEX ON t (du)', ire, 'Secondary indexes are not supported on duration columns');
  refuses(s, 'CREATE INDEX ON t (fl)', ire,
    "Cannot create values() index on frozen column fl. Frozen collections are immutable and must be fully indexed by using the 'full(fl)' modifier");
  refuses(s, 'CREATE INDEX ON t (full(m))', ire, 'full() indexes can only be created on frozen collections');
  refuses(s, 'CREATE INDEX ON t (keys(v))', ire, 'Cannot create keys() index on v. Non-collection columns only support simple indexes');
  refuses(s, 'CREATE INDEX ON t (keys(l))', ire, 'Cannot create index on keys of column l with non-map type');
  refuses(s, 'CREATE INDEX ON t (v, u)', ire, 'Only CUSTOM indexes support multiple columns');
  refuses(s, 'CREATE INDEX ON t ()', ire, 'Only CUSTOM indexes can be created without specifying a target column');
  refuses(s, "CREATE INDEX ON t (v) WITH OPTIONS = {'a': 'b'}", ire, 'Cannot specify options for a non-CUSTOM index');
  refuses(s, "CREATE CUSTOM INDEX ON t (v) USING 'sai' WITH OPTIONS = {'target': 'x'}", ire, 'Cannot specify target as a CUSTOM option');
  refuses(s, "CREATE CUSTOM INDEX ON t (v) USING 'org.apache.cassandra.index.sasi.SASIIndex'", ire, 'SASI indexes are disabled. Enable in cassandra.yaml to use.');
  refuses(s, "CREATE CUSTOM INDEX ON t (v) USING 'org.example.NoSuchIndex'", ConfigError, "Unable to find custom indexer class 'org.example.NoSuchIndex'");
  refuses(s, 'CREATE CUSTOM INDEX ON t (v)', ConfigError, "Unable to find custom indexer class 'legacy_local_table'");
  refuses(s, "CREATE CUSTOM INDEX ON t (v) USING 'sai' WITH OPTIONS = {'a': 'b', 'c': 'd'}", ConfigError,
    'Properties specified [a, c] are not understood by StorageAttachedIndex');
  refuses(s, "CREATE INDEX ON t (bl) USING 'sai'", ire, 'Unsupported type: blob');
  refuses(s, "CREATE INDEX ON t (v) USING 'sai' WITH OPTIONS = {'case_sensitive': 'false'}", ire, 'CQL type int cannot be analyzed.');
  refuses(s, "CREATE INDEX ON t (u) USING 'sai' WITH OPTIONS = {'normalize': 'x'}", ire, "Illegal value for boolean option 'normalize': x");
  refuses(s, "CREATE INDEX ON t (c) USING 'sai' WITH OPTIONS = {'case_sensitive': 'maybe'}", ire,
    "Analysis options are not supported on primary key columns, but found {'case_sensitive': 'maybe'}");
  refuses(s, "CREATE INDEX ON t (u) USING 'sai' WITH OPTIONS = {'similarity_function': 'cosine'}", ire, 'CQL type text cannot have vector options');
  refuses(s, "CREATE CUSTOM INDEX ON t (v, u) USING 'sai'", ire, 'A storage-attached index cannot be created over multiple columns: v, u');
  refuses(s, 'CREATE INDEX "Bad Name" ON t (v)', ConfigError, 'Illegal index name Bad Name');
  refuses(build([...BASE, 'CREATE TABLE ks.n (k int PRIMARY KEY, n counter)'], 'ks'), 'CREATE INDEX ON n (n)', ire,
    "Secondary indexes on counter tables aren't supported");
  refuses(s, 'CREATE INDEX ON system.local (cluster_name)', UnauthorizedError, 'system keyspace is not user-modifiable.');
  refuses(s, 'CREATE INDEX ON system_auth.roles (can_login)', UnauthorizedError, 'Cannot ALTER <table system_auth.roles>');
  refuses(s, 'DROP INDEX system.foo', ire, "System keyspace 'system' is not user-modifiable");
  assert.throws(() => parse("CREATE CUSTOM INDEX ON t (v) USING 'sai' WITH foo = 1"), (e: unknown) => e instanceof SyntaxError && e.message === "Unknown property 'foo'");
});

test('DROP INDEX, dependent columns, and the index going with its table', () => {
  const s = schemaWith('CREATE INDEX ON t (v)', 'CREATE INDEX ON p (a)');
  refuses(s, 'ALTER TABLE t DROP v', InvalidRequestError, 'Cannot drop column v because it has dependent secondary indexes (t_v_idx)');
  refuses(s, 'ALTER TABLE p RENAME a TO aa', InvalidRequestError, "Can't rename column a because it has dependent secondary indexes (p_a_idx)");
  refuses(s, 'DROP INDEX nosuch', InvalidRequestError, "Index 'ks.nosuch' doesn't exist'");
  assert.equal(apply(s, 'DROP INDEX IF EXISTS nosuch', 'ks').change, null);
  const dropped = apply(s, 'DROP INDEX ks.t_v_idx', 'ks');
  assert.deepEqual(dropped.change, { change: 'UPDATED', target: 'TABLE', keyspace: 'ks', name: 't' });
  assert.deepEqual(indexes(dropped.schema), []);
  // The name is free again, and a re-created index gets new storage.
  const again = apply(dropped.schema, 'CREATE INDEX ON t (v)', 'ks').schema;
  assert.notEqual(again.keyspaces.get('ks')!.tables.get('t')!.indexes![0]!.id, s.keyspaces.get('ks')!.tables.get('t')!.indexes![0]!.id);
});

test('system_schema.indexes rows, DESCRIBE, and a persisted round trip', () => {
  const s = schemaWith('CREATE INDEX ON t (v)', "CREATE CUSTOM INDEX su ON t (u) USING 'StorageAttachedIndex' WITH OPTIONS = {'case_sensitive': 'false'}");
  const full = withSystemKeyspaces(s);
  const table = full.keyspaces.get('system_schema')!.tables.get('indexes')!;
  const rows = systemRows(table, { schema: full, local: {} as never, peers: [] }).filter((r) => r.keyspace_name === 'ks');
  assert.deepEqual(rows.map((r) => [r.table_name, r.index_name, r.kind, [...(r.options as Map<string, string>)]]), [
    ['t', 'su', 'CUSTOM', [['case_sensitive', 'false'], ['class_name', 'StorageAttachedIndex'], ['target', 'u']]],
    ['t', 't_v_idx', 'COMPOSITES', [['target', 'v']]],
  ]);
  const info = { clusterName: 'c', partitioner: 'p' };
  const out = describe({ kind: 'describe', target: { kind: 'table', name: { keyspace: 'ks', name: 't' } }, withInternals: false }, s, 'ks', info);
  assert.deepEqual(out.rows.slice(1).map((r) => r.create_statement), [
    "CREATE CUSTOM INDEX su ON ks.t (u) USING 'StorageAttachedIndex' WITH OPTIONS = {'case_sensitive': 'false'};",
    'CREATE INDEX t_v_idx ON ks.t (v);',
  ]);
  const idx = describe({ kind: 'describe', target: { kind: 'index', name: { name: 't_v_idx' } }, withInternals: false }, s, 'ks', info);
  assert.deepEqual(idx.rows.map((r) => [r.type, r.name]), [['index', 't_v_idx']]);
  const back = deserializeSchema(JSON.parse(JSON.stringify(serializeSchema(s))));
  assert.deepEqual(back.keyspaces.get('ks')!.tables.get('t')!.indexes, s.keyspaces.get('ks')!.tables.get('t')!.indexes);
  // A schema without indexes serializes as it did before indexes existed (its version is unchanged).
  assert.equal(JSON.stringify(serializeSchema(emptySchema())).includes('indexes'), false);
});

test("vector graph options: refused without SAI_VECTOR_ALLOW_CUSTOM_PARAMETERS, then checked as Cassandra's IndexWriterConfig", () => {
  const s = schemaWith('CREATE TABLE ks.vt (k int PRIMARY KEY, e vector<float, 2>, n int)');
  const on = (opts: string): string => `CREATE CUSTOM INDEX ON vt (e) USING 'StorageAttachedIndex' WITH OPTIONS = {${opts}}`;
  refuses(s, on("'maximum_node_connections': '8'"), InvalidRequestError, 'Maximum node connections cannot be set without enabling SAI_VECTOR_ALLOW_CUSTOM_PARAMETERS');
  refuses(s, on("'construction_beam_width': '50'"), InvalidRequestError, 'Construction beam width cannot be set without enabling SAI_VECTOR_ALLOW_CUSTOM_PARAMETERS');
  refuses(s, on("'optimize_for': 'speed'"), InvalidRequestError, "optimize_for 'SPEED' was not recognized for index null. Valid values are: LATENCY, RECALL");
  refuses(s, "CREATE CUSTOM INDEX ON vt (n) USING 'StorageAttachedIndex' WITH OPTIONS = {'maximum_node_connections': '8'}", InvalidRequestError, 'CQL type int cannot have vector options');
  const allowed = (cql: string) => applyDdl(s, ddl(cql), 'ks', { ...deterministic, saiVectorAllowCustomParameters: true });
  const refusedAllowed = (opts: string, message: string): void => assert.throws(() => allowed(on(opts)), (e: unknown) => e instanceof InvalidRequestError && e.message === message);
  refusedAllowed("'maximum_node_connections': 'x'", 'Maximum number of connections x is not a valid integer for index null');
  refusedAllowed("'maximum_node_connections': '513'", 'Maximum number of connections for index null cannot be <= 0 or > 512, was 513');
  refusedAllowed("'construction_beam_width': '0'", 'Construction beam width for index null cannot be <= 0 or > 3200, was 0');
  const ok = allowed(on("'maximum_node_connections': '8', 'construction_beam_width': '50', 'optimize_for': 'recall'")).schema;
  assert.equal(ok.keyspaces.get('ks')!.tables.get('vt')!.indexes![0]!.options.maximum_node_connections, '8');
});
