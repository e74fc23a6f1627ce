import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidRequestError } from '../../src/model/errors.ts';
import type { DescribeStatement } from '../../src/model/ast.ts';
import { describe as describeSchema, type ClusterInfo } from '../../src/schema/describe.ts';
import { javaDouble } from '../../src/schema/cql_format.ts';
import { withSystemKeyspaces } from '../../src/schema/system_tables.ts';
import { build, parse } from './helpers.ts';

const cluster: ClusterInfo = {
  clusterName: 'Test Cluster',
  partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
  snitch: 'org.apache.cassandra.locator.DynamicEndpointSnitch',
};

const schema = withSystemKeyspaces(build([
  "CREATE KEYSPACE customers_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}",
  'CREATE TABLE customers_ks.customers (customer_id int PRIMARY KEY, name text, emails set<text>, age int)',
  'CREATE TYPE customers_ks.t1 (a int, b int)',
  'CREATE TYPE customers_ks.t2 (x text, y text)',
  'CREATE TYPE customers_ks.t3 (a text, b frozen<t2>)',
  'ALTER TYPE customers_ks.t1 ADD c frozen<t3>',
  'CREATE TABLE customers_ks."Orders" (pk1 text, pk2 int, ck1 int, ck2 int, s decimal static, reg1 int, reg2 list<int>, ' +
    "reg3 int, PRIMARY KEY ((pk1, pk2), ck1, ck2)) WITH CLUSTERING ORDER BY (ck1 ASC, ck2 DESC) AND comment = 'it''s'",
]));

function run(cql: string, current?: string): ReturnType<typeof describeSchema> {
  const stmt = parse(cql);
  assert.equal(stmt.kind, 'describe');
  return describeSchema(stmt as DescribeStatement, schema, current, cluster);
}

const OPTIONS =
  "additional_write_policy = '99p'\n" +
  '    AND bloom_filter_fp_chance = 0.01\n' +
  "    AND caching = {'keys': 'ALL', 'rows_per_partition': 'NONE'}\n" +
  '    AND cdc = false\n' +
  "    AND comment = ''\n" +
  "    AND compaction = {'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', 'max_threshold': '32', 'min_threshold': '4'}\n" +
  "    AND compression = {'chunk_length_in_kb': '16', 'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}\n" +
  '    AND crc_check_chance = 1.0\n' +
  '    AND default_time_to_live = 0\n' +
  '    AND extensions = {}\n' +
  '    AND gc_grace_seconds = 864000\n' +
  '    AND max_index_interval = 2048\n' +
  '    AND memtable_flush_period_in_ms = 0\n' +
  '    AND min_index_interval = 128\n' +
  "    AND read_repair = 'BLOCKING'\n" +
  "    AND speculative_retry = '99p';";

const CUSTOMERS =
  'CREATE TABLE customers_ks.customers (\n' +
  '    customer_id int PRIMARY KEY,\n' +
  '    age int,\n' +
  '    name text,\n' +
  '    emails set<text>\n' +
  `) WITH ${OPTIONS}`;

const ORDERS =
  'CREATE TABLE customers_ks."Orders" (\n' +
  '    pk1 text,\n' +
  '    pk2 int,\n' +
  '    ck1 int,\n' +
  '    ck2 int,\n' +
  '    s decimal static,\n' +
  '    reg1 int,\n' +
  '    reg3 int,\n' +
  '    reg2 list<int>,\n' +
  '    PRIMARY KEY ((pk1, pk2), ck1, ck2)\n' +
  ') WITH CLUSTERING ORDER BY (ck1 ASC, ck2 DESC)\n' +
  `    AND ${OPTIONS.replace("comment = ''", "comment = 'it''s'")}`;

const KEYSPACE =
  "CREATE KEYSPACE customers_ks WITH replication = {'class': 'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '3'}  AND durable_writes = true;";

test('DESCRIBE KEYSPACE lists keyspace, types in dependency order, then tables', () => {
  const r = run('DESCRIBE KEYSPACE customers_ks');
  assert.deepEqual(r.columns.map((c) => c.name), ['keyspace_name', 'type', 'name', 'create_statement']);
  assert.deepEqual(r.rows.map((x) => [x.type, x.name]), [
    ['keyspace', 'customers_ks'], ['type', 't2'], ['type', 't3'], ['type', 't1'], ['table', 'customers'], ['table', '"Orders"'],
  ]);
  assert.equal(r.rows[0].create_statement, KEYSPACE);
  assert.equal(r.rows[1].create_statement, 'CREATE TYPE customers_ks.t2 (\n    x text,\n    y text\n);');
  assert.equal(r.rows[3].create_statement, 'CREATE TYPE customers_ks.t1 (\n    a int,\n    b int,\n    c frozen<t3>\n);');
  assert.equal(r.rows[4].create_statement, CUSTOMERS);
  assert.equal(r.rows[5].create_statement, ORDERS);
  assert.deepEqual(run('DESCRIBE ONLY KEYSPACE customers_ks').rows.map((x) => x.create_statement), [KEYSPACE]);
  assert.equal(run('DESCRIBE KEYSPACE', 'customers_ks').rows.length, 6);
  assert.equal(run('DESCRIBE customers_ks').rows.length, 6);
});

test('DESCRIBE TABLE, TYPE and generic names', () => {
  assert.deepEqual(run('DESCRIBE TABLE customers_ks.customers').rows, [
    { keyspace_name: 'customers_ks', type: 'table', name: 'customers', create_statement: CUSTOMERS },
  ]);
  assert.equal(run('DESC customers', 'customers_ks').rows[0].create_statement, CUSTOMERS);
  assert.equal(run('DESCRIBE TABLE "Orders"', 'customers_ks').rows[0].create_statement, ORDERS);
  assert.equal(run('DESCRIBE TYPE customers_ks.t3').rows[0].create_statement,
    'CREATE TYPE customers_ks.t3 (\n    a text,\n    b frozen<t2>\n);');
  const internals = run('DESCRIBE TABLE customers_ks.customers WITH INTERNALS').rows[0].create_statement as string;
  const id = schema.keyspaces.get('customers_ks')?.tables.get('customers')?.id;
  assert.ok(internals.includes(`) WITH ID = ${id}\n    AND additional_write_policy = '99p'`));
});

test('DESCRIBE errors match Cassandra', () => {
  const e = (cql: string, msg: string, current?: string): void =>
    assert.throws(() => run(cql, current), (err: unknown) => err instanceof InvalidRequestError && err.message === msg);
  e('DESCRIBE KEYSPACE nope', "'nope' not found in keyspaces");
  e('DESCRIBE nope', "'nope' not found in keyspaces");
  e('DESCRIBE customers_ks.nope', "'nope' not found in keyspace 'customers_ks'");
  e('DESCRIBE nope', "'nope' not found in keyspace 'customers_ks'", 'customers_ks');
  e('DESCRIBE TABLE customers_ks.nope', "Table 'nope' not found in keyspace 'customers_ks'");
  e('DESCRIBE TABLE nope', 'No keyspace specified and no current keyspace');
  e('DESCRIBE TYPE customers_ks.nope', "User defined type 'nope' not found in 'customers_ks'");
});

test('DESCRIBE KEYSPACES / TABLES / TYPES listings', () => {
  const ks = run('DESCRIBE KEYSPACES');
  assert.deepEqual(ks.columns.map((c) => c.name), ['keyspace_name', 'type', 'name']);
  assert.deepEqual(ks.rows.map((r) => r.name), [
    'customers_ks', 'system', 'system_auth', 'system_distributed', 'system_schema', 'system_traces', 'system_views', 'system_virtual_schema',
  ]);
  assert.deepEqual(run('DESCRIBE TABLES', 'customers_ks').rows, [
    { keyspace_name: 'customers_ks', type: 'table', name: 'customers' },
    { keyspace_name: 'customers_ks', type: 'table', name: '"Orders"' },
  ]);
  const all = run('DESCRIBE TABLES').rows;
  assert.ok(all.some((r) => r.keyspace_name === 'system' && r.name === 'local'));
  assert.deepEqual(run('DESCRIBE TYPES', 'customers_ks').rows.map((r) => r.name), ['t1', 't2', 't3']);
  const schemaRows = run('DESCRIBE SCHEMA').rows;
  assert.ok(schemaRows.every((r) => r.keyspace_name === 'customers_ks'));
  assert.ok(run('DESCRIBE FULL SCHEMA').rows.some((r) => r.keyspace_name === 'system_schema'));
});

test('DESCRIBE CLUSTER', () => {
  const r = run('DESCRIBE CLUSTER');
  assert.deepEqual(r.columns.map((c) => c.name), ['cluster', 'partitioner', 'snitch']);
  assert.deepEqual(r.rows, [{ cluster: 'Test Cluster', partitioner: 'Murmur3Partitioner', snitch: 'DynamicEndpointSnitch' }]);
  const withKs = run('DESCRIBE CLUSTER', 'customers_ks');
  assert.deepEqual(withKs.columns.map((c) => c.name), ['cluster', 'partitioner', 'snitch', 'range_ownership']);
  assert.deepEqual(withKs.rows[0].range_ownership, new Map());
  assert.equal(run('DESCRIBE CLUSTER', 'system').columns.length, 3);
});

test('virtual keyspace and table describe as commented structure', () => {
  const r = run('DESCRIBE ONLY KEYSPACE system_virtual_schema');
  assert.equal(r.rows[0].create_statement,
    '/*\nWarning: Keyspace system_virtual_schema is a virtual keyspace and cannot be recreated with CQL.\n' +
    'Structure, for reference:\nVIRTUAL KEYSPACE system_virtual_schema;\n*/');
  assert.equal(run('DESCRIBE TABLE system_virtual_schema.columns').rows[0].create_statement,
    '/*\n' +
    'Warning: Table system_virtual_schema.columns is a virtual table and cannot be recreated with CQL.\n' +
    'Structure, for reference:\n' +
    'VIRTUAL TABLE system_virtual_schema.columns (\n' +
    '    keyspace_name text,\n' +
    '    table_name text,\n' +
    '    column_name text,\n' +
    '    clustering_order text,\n' +
    '    column_name_bytes blob,\n' +
    '    kind text,\n' +
    '    position int,\n' +
    '    type text,\n' +
    '    PRIMARY KEY (keyspace_name, table_name, column_name)\n' +
    ') WITH CLUSTERING ORDER BY (table_name ASC, column_name ASC)\n' +
    "    AND comment = 'virtual column definitions';\n" +
    '*/');
});

test('dropped columns are replayed WITH INTERNALS', () => {
  const s = withSystemKeyspaces(build([
    "CREATE KEYSPACE k WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    'CREATE TABLE k.t (pk text PRIMARY KEY, v1 text, v2 int, v3 int)',
    'ALTER TABLE k.t DROP v3',
  ]));
  const stmt = parse('DESCRIBE TABLE k.t WITH INTERNALS') as DescribeStatement;
  const out = describeSchema(stmt, s, undefined, cluster).rows[0].create_statement as string;
  const id = s.keyspaces.get('k')?.tables.get('t')?.id;
  assert.ok(out.startsWith(`CREATE TABLE k.t (\n    pk text PRIMARY KEY,\n    v1 text,\n    v2 int,\n    v3 int\n) WITH ID = ${id}\n`), out);
  assert.ok(out.endsWith("AND speculative_retry = '99p';\nALTER TABLE k.t DROP v3 USING TIMESTAMP 1700000000000000;"), out);
  const plain = describeSchema({ ...stmt, withInternals: false }, s, undefined, cluster).rows[0].create_statement as string;
  assert.ok(plain.startsWith('CREATE TABLE k.t (\n    pk text PRIMARY KEY,\n    v1 text,\n    v2 int\n) WITH additional'));
});

test('javaDouble prints like Java', () => {
  assert.deepEqual([0.01, 1, 0.1, 0, 1e-4, 12345678, 0.5].map(javaDouble), ['0.01', '1.0', '0.1', '0.0', '1.0E-4', '1.2345678E7', '0.5']);
});
