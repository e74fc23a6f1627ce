// system_views through cassandra-driver and the Python driver against one real node (127.0.66.5): clients (this
// client's connections, with its STARTUP options and protocol version), settings under Cassandra 5.0's names and
// formats, caches, thread_pools, and the keyspace listed in system_virtual_schema but not in system_schema.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig } from '../fixtures/driver.ts';

const ADDRESS = '127.0.66.5';

let node: NodeProcess;
let client: Client;

before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig({ batchSizeWarnThresholdKib: 7 }) });
  client = await connectClient(ADDRESS);
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

describe('system_views', () => {
  test('clients lists the connections with their STARTUP options', async () => {
    const rs = await client.execute('SELECT * FROM system_views.clients');
    assert.ok(rs.rowLength >= 1);
    for (const r of rs.rows) {
      assert.equal(r['address'].toString(), '127.0.0.1');
      assert.equal(r['driver_name'], 'Apache Cassandra Node.js Driver');
      assert.equal(r['connection_stage'], 'ready');
      assert.ok([4, 5].includes(r['protocol_version'] as number), String(r['protocol_version']));
      assert.equal(r['username'], 'anonymous');
      assert.equal((r['client_options'] as Record<string, string>)['CQL_VERSION'], '3.0.0');
    }
    const ports = rs.rows.map((r) => r['port'] as number);
    assert.deepEqual([...ports].sort((a, b) => a - b), ports, 'clustered by port');
  });

  test('settings, caches and thread_pools', async () => {
    const one = async (name: string) => (await client.execute('SELECT value FROM system_views.settings WHERE name = ?', [name], { prepare: true })).first()?.['value'];
    assert.equal(await one('batch_size_warn_threshold'), '7KiB');
    assert.equal(await one('read_request_timeout'), '5000ms');
    assert.equal(await one('max_hint_window'), '3h');
    assert.equal(await one('user_defined_functions_enabled'), 'false');
    assert.equal(await one('listen_address'), ADDRESS);
    const caches = (await client.execute('SELECT name, entry_count FROM system_views.caches')).rows.map((r) => [r['name'], r['entry_count']]);
    assert.deepEqual(caches, [['counters', 0], ['keys', 0], ['rows', 0]]);
    const pools = new Map((await client.execute('SELECT * FROM system_views.thread_pools')).rows.map((r) => [r['name'] as string, r]));
    assert.ok(Number(pools.get('Native-Transport-Requests')!['completed_tasks']) > 0);
    assert.ok(pools.has('MutationStage') && pools.has('ReadStage'), [...pools.keys()].join(', '));
  });

  test('a virtual keyspace: in system_virtual_schema, not in system_schema', async () => {
    const virtual = (await client.execute('SELECT keyspace_name FROM system_virtual_schema.keyspaces')).rows.map((r) => r['keyspace_name']);
    assert.deepEqual(virtual, ['system_views', 'system_virtual_schema']);
    const tables = (await client.execute("SELECT table_name FROM system_virtual_schema.tables WHERE keyspace_name = 'system_views'")).rows.map((r) => r['table_name']);
    assert.deepEqual(tables, ['caches', 'clients', 'settings', 'system_properties', 'thread_pools']);
    const schema = (await client.execute('SELECT keyspace_name FROM system_schema.keyspaces')).rows.map((r) => r['keyspace_name']);
    assert.ok(!schema.includes('system_views'));
  });

  test('the Python driver sees its own connection', () => {
    const script = [
      'from cassandra.cluster import Cluster',
      `c = Cluster(['${ADDRESS}'])`,
      's = c.connect()',
      "names = sorted(set(r.driver_name for r in s.execute('SELECT driver_name FROM system_views.clients')))",
      'print(names)',
      'c.shutdown()',
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-W', 'ignore', '-c', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "['Apache Cassandra Node.js Driver', 'DataStax Python Driver']");
  });
});
