import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typeToCql } from '../../src/model/types.ts';
import { encodeJs } from '../../src/model/values/js.ts';
import type { Schema, TableDef } from '../../src/schema/model.ts';
import {
  isSystemKeyspace, systemRows, withSystemKeyspaces, type LocalNodeInfo, type PeerNodeInfo, type SystemContext,
} from '../../src/schema/system_tables.ts';
import { build } from './helpers.ts';

const local: LocalNodeInfo = {
  clusterName: 'Test Cluster', dataCenter: 'dc1', rack: 'rack1', hostId: '6d4c3a02-4a3b-4e4c-9d1e-4b7a4a1f2c3d',
  listenAddress: '127.0.0.1', broadcastAddress: '127.0.0.1', rpcAddress: '127.0.0.1', nativePort: 9042, storagePort: 7000,
  tokens: ['-9000', '0', '9000'], schemaVersion: '59adb24e-f3cd-3e02-97f0-5b395827453f', gossipGeneration: 1700000000,
  releaseVersion: '4.0.11', cqlVersion: '3.4.5', partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
  nativeProtocolVersion: '4',
};
const peer: PeerNodeInfo = {
  address: '127.0.0.2', storagePort: 7000, rpcAddress: '127.0.0.2', nativePort: 9042, dataCenter: 'dc2', rack: 'r2',
  hostId: '0b0d9a55-7d67-4e8e-9c4a-2a5d6f0c8e11', tokens: ['100'], schemaVersion: local.schemaVersion, releaseVersion: '4.0.11',
};

function ctxFor(user: Schema): SystemContext {
  return { schema: withSystemKeyspaces(user), local, peers: [peer] };
}

function table(schema: Schema, ks: string, name: string): TableDef {
  const t = schema.keyspaces.get(ks)?.tables.get(name);
  assert.ok(t, `${ks}.${name} exists`);
  return t;
}

/** Every row value must encode with its column's type, and every row key must be a column. */
function assertEncodable(t: TableDef, rows: Array<Record<string, unknown>>): void {
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      const c = t.columns.get(k);
      assert.ok(c, `${t.keyspace}.${t.name} has column ${k}`);
      if (v !== null) encodeJs(c.type, v as never);
    }
    for (const c of t.columns.values()) assert.ok(c.name in r, `${t.keyspace}.${t.name} row has ${c.name}`);
  }
}

const columnTypes = (t: TableDef): Record<string, string> =>
  Object.fromEntries([...t.columns.values()].map((c) => [c.name, typeToCql(c.type)]));

test('system.local has every column of Cassandra 4.0 with the right types and one row', () => {
  const ctx = ctxFor(build([]));
  const t = table(ctx.schema, 'system', 'local');
  assert.deepEqual(columnTypes(t), {
    key: 'text', bootstrapped: 'text', broadcast_address: 'inet', broadcast_port: 'int', cluster_name: 'text',
    cql_version: 'text', data_center: 'text', gossip_generation: 'int', host_id: 'uuid', listen_address: 'inet',
    listen_port: 'int', native_protocol_version: 'text', partitioner: 'text', rack: 'text', release_version: 'text',
    rpc_address: 'inet', rpc_port: 'int', schema_version: 'uuid', tokens: 'set<text>', truncated_at: 'map<uuid, blob>',
  });
  assert.deepEqual(t.partitionKey.map((c) => c.name), ['key']);
  const rows = systemRows(t, ctx);
  assert.equal(rows.length, 1);
  assertEncodable(t, rows);
  assert.equal(rows[0].key, 'local');
  assert.equal(rows[0].release_version, '4.0.11');
  assert.equal(rows[0].rpc_port, 9042);
  assert.deepEqual(rows[0].tokens, ['-9000', '0', '9000']);
});

test('system.peers and peers_v2 list the other nodes', () => {
  const ctx = ctxFor(build([]));
  const peers = table(ctx.schema, 'system', 'peers');
  assert.deepEqual(columnTypes(peers), {
    peer: 'inet', data_center: 'text', host_id: 'uuid', preferred_ip: 'inet', rack: 'text', release_version: 'text',
    rpc_address: 'inet', schema_version: 'uuid', tokens: 'set<text>',
  });
  const rows = systemRows(peers, ctx);
  assertEncodable(peers, rows);
  assert.equal(rows[0].rpc_address, '127.0.0.2');
  const v2 = table(ctx.schema, 'system', 'peers_v2');
  assert.deepEqual(v2.partitionKey.map((c) => c.name), ['peer']);
  assert.deepEqual(v2.clustering.map((c) => c.name), ['peer_port']);
  assert.equal(typeToCql(v2.columns.get('native_port')!.type), 'int');
  const rows2 = systemRows(v2, ctx);
  assertEncodable(v2, rows2);
  assert.deepEqual([rows2[0].native_address, rows2[0].native_port, rows2[0].peer_port], ['127.0.0.2', 9042, 7000]);
});

test('system keyspaces are present with their strategies and computed tables (system_auth\'s are stored)', () => {
  const full = withSystemKeyspaces(build([]));
  for (const ks of ['system', 'system_schema', 'system_auth', 'system_distributed', 'system_traces', 'system_views', 'system_virtual_schema']) {
    assert.ok(full.keyspaces.has(ks), ks);
    assert.ok(isSystemKeyspace(ks));
    // system_auth and system_traces are stored (roles, grants; what tracing writes); every other system table is computed.
    for (const t of full.keyspaces.get(ks)!.tables.values()) assert.equal(t.virtual, ks !== 'system_auth' && ks !== 'system_traces', `${ks}.${t.name}`);
  }
  assert.equal(isSystemKeyspace('ks'), false);
  assert.equal(full.keyspaces.get('system')?.replication.class, 'org.apache.cassandra.locator.LocalStrategy');
  assert.deepEqual(full.keyspaces.get('system_auth')?.replication, {
    class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '1',
  });
  const cols = table(full, 'system_schema', 'columns');
  assert.deepEqual(cols.partitionKey.map((c) => c.name), ['keyspace_name']);
  assert.deepEqual(cols.clustering.map((c) => c.name), ['table_name', 'column_name']);
  const tables = table(full, 'system_schema', 'tables');
  for (const c of ['dclocal_read_repair_chance', 'read_repair_chance', 'flags', 'id', 'extensions', 'cdc', 'read_repair']) {
    assert.ok(tables.columns.has(c), c);
  }
  assert.equal(typeToCql(tables.columns.get('flags')!.type), 'frozen<set<text>>');
  assert.equal(typeToCql(tables.columns.get('extensions')!.type), 'frozen<map<text, blob>>');
  const views = table(full, 'system_schema', 'views');
  for (const c of ['base_table_id', 'include_all_columns', 'dclocal_read_repair_chance', 'speculative_retry']) assert.ok(views.columns.has(c), c);
});

test('system_schema rows describe a user table with composite key, DESC clustering, static and UDT columns', () => {
  const user = build([
    "CREATE KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}",
    'CREATE TYPE ks.addr (street text, zip int)',
    'CREATE TABLE ks.t (a int, b text, c timeuuid, s int static, home frozen<addr>, tags set<text>, n bigint, ' +
      'PRIMARY KEY ((a, b), c)) WITH CLUSTERING ORDER BY (c DESC)',
    'ALTER TABLE ks.t DROP n',
  ]);
  const ctx = ctxFor(user);
  const rowsOf = (name: string): Array<Record<string, unknown>> => {
    const t = table(ctx.schema, 'system_schema', name);
    const rows = systemRows(t, ctx);
    assertEncodable(t, rows);
    return rows;
  };

  const ks = rowsOf('keyspaces');
  assert.ok(ks.some((r) => r.keyspace_name === 'system_schema'), 'system keyspaces are described too');
  assert.ok(!ks.some((r) => r.keyspace_name === 'system_virtual_schema'), 'virtual keyspaces are not');
  const ksRow = ks.find((r) => r.keyspace_name === 'ks');
  assert.deepEqual(ksRow?.replication, new Map([['class', 'org.apache.cassandra.locator.NetworkTopologyStrategy'], ['dc1', '3']]));
  assert.equal(ksRow?.durable_writes, true);

  const tables = rowsOf('tables');
  const tr = tables.find((r) => r.keyspace_name === 'ks' && r.table_name === 't');
  assert.ok(tr);
  assert.deepEqual(tr.flags, ['compound']);
  assert.equal(tr.read_repair_chance, 0);
  assert.equal(tr.dclocal_read_repair_chance, 0);
  assert.equal(tr.id, user.keyspaces.get('ks')?.tables.get('t')?.id);
  assert.equal(tr.gc_grace_seconds, 864000);
  assert.ok(tables.some((r) => r.keyspace_name === 'system' && r.table_name === 'local'));

  const cols = rowsOf('columns').filter((r) => r.keyspace_name === 'ks');
  const byName = Object.fromEntries(cols.map((r) => [r.column_name, [r.kind, r.position, r.clustering_order, r.type]]));
  assert.deepEqual(byName, {
    a: ['partition_key', 0, 'none', 'int'],
    b: ['partition_key', 1, 'none', 'text'],
    c: ['clustering', 0, 'desc', 'timeuuid'],
    s: ['static', -1, 'none', 'int'],
    home: ['regular', -1, 'none', 'frozen<addr>'],
    tags: ['regular', -1, 'none', 'set<text>'],
  });
  assert.deepEqual(cols.map((r) => r.column_name), ['a', 'b', 'c', 'home', 's', 'tags'], 'clustering order within the partition');
  assert.deepEqual(cols[0].column_name_bytes, Buffer.from('a'));

  const types = rowsOf('types').filter((r) => r.keyspace_name === 'ks');
  assert.deepEqual(types, [{ keyspace_name: 'ks', type_name: 'addr', field_names: ['street', 'zip'], field_types: ['text', 'int'] }]);

  const dropped = rowsOf('dropped_columns');
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0].column_name, 'n');
  assert.equal(dropped[0].type, 'bigint');

  for (const empty of ['triggers', 'views', 'functions', 'aggregates', 'indexes']) assert.deepEqual(rowsOf(empty), []);
});

test('system_virtual_schema lists the virtual keyspace', () => {
  const ctx = ctxFor(build([]));
  const ks = systemRows(table(ctx.schema, 'system_virtual_schema', 'keyspaces'), ctx);
  assert.deepEqual(ks, [{ keyspace_name: 'system_views' }, { keyspace_name: 'system_virtual_schema' }]);
  const t = table(ctx.schema, 'system_virtual_schema', 'columns');
  const cols = systemRows(t, ctx);
  assertEncodable(t, cols);
  assert.ok(cols.some((r) => r.table_name === 'columns' && r.column_name === 'clustering_order' && r.kind === 'regular'));
  assert.deepEqual(systemRows(table(ctx.schema, 'system_traces', 'sessions'), ctx), []);
});

test('an altered system_auth replication shows through withSystemKeyspaces', () => {
  const user = build(["ALTER KEYSPACE system_auth WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}"]);
  const full = withSystemKeyspaces(user);
  assert.equal(full.keyspaces.get('system_auth')?.replication.dc1, '3');
  assert.ok(full.keyspaces.get('system_auth')?.tables.has('roles'));
});
