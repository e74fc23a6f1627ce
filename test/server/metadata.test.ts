// Driver-visible metadata of a real node (127.0.8.x): keyspace/table metadata through cassandra-driver, the token ring and
// replicas, the driver's Murmur3 tokens against the server's token(), and the system.local / peers / peers_v2 layouts of
// Cassandra 4.0 (protocol-compat §6.4-6.5).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { types, type Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, DC, expectServerError, nodeConfig, RACK, runConcurrent } from '../fixtures/driver.ts';

const ADDRESS = '127.0.8.1';
const HOST = `${ADDRESS}:9042`;
const KEYS = 1000;

let node: NodeProcess;
let client: Client;

before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig({ commitlogSync: 'periodic' }) });
  client = await connectClient(ADDRESS);
  await client.execute("CREATE KEYSPACE meta_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await client.execute("CREATE KEYSPACE meta_rf3 WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3} AND durable_writes = false");
  await client.execute('CREATE TYPE meta_ks.phone (country int, number text)');
  await client.execute(`CREATE TABLE meta_ks.events (
      tenant text, bucket int, ts timestamp, seq int, tenant_name text static, payload text, phones list<frozen<phone>>,
      PRIMARY KEY ((tenant, bucket), ts, seq)
    ) WITH CLUSTERING ORDER BY (ts DESC, seq ASC) AND comment = 'events table'`);
  await client.execute('CREATE TABLE meta_ks.tok_int (k int PRIMARY KEY)');
  await client.execute('CREATE TABLE meta_ks.tok_text (k text PRIMARY KEY)');
  await client.execute('CREATE TABLE meta_ks.tok_comp (a int, b text, c int, PRIMARY KEY ((a, b), c))');
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

/** Readable type of a driver column type: CQL names, text must be announced as varchar (0x000D) like Cassandra does. */
function typeName(t: { code: number; info?: unknown }): string {
  const names: Record<number, string> = { 0x01: 'ascii', 0x02: 'bigint', 0x03: 'blob', 0x04: 'boolean', 0x09: 'int', 0x0a: 'TEXT(0x000A)', 0x0b: 'timestamp', 0x0c: 'uuid', 0x0d: 'text', 0x10: 'inet' };
  if (t.code === 0x20 || t.code === 0x22) return `${t.code === 0x20 ? 'list' : 'set'}<${typeName(t.info as { code: number })}>`;
  if (t.code === 0x21) {
    const [k, v] = t.info as [{ code: number }, { code: number }];
    return `map<${typeName(k)}, ${typeName(v)}>`;
  }
  return names[t.code] ?? `code 0x${t.code.toString(16)}`;
}

/** A seeded stream of ints (LCG) so failures can be replayed. */
function ints(n: number, seed: number): number[] {
  let x = seed >>> 0;
  return Array.from({ length: n }, () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x | 0;
  });
}

/** Cassandra's composite partition key serialization: per component [short length][bytes][0x00]. */
function composite(parts: Buffer[]): Buffer {
  return Buffer.concat(parts.flatMap((p) => [Buffer.from([p.length >> 8, p.length & 0xff]), p, Buffer.from([0])]));
}
const intBytes = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe('schema metadata through the driver', () => {
  test('keyspace metadata: strategy, options, durable_writes', { timeout: 10_000 }, () => {
    const ks = client.metadata.keyspaces['meta_ks'] as unknown as { name: string; strategy: string; strategyOptions: Record<string, string>; durableWrites: boolean };
    assert.ok(ks, 'meta_ks is known to the driver right after CREATE KEYSPACE returned');
    assert.equal(ks.strategy, 'org.apache.cassandra.locator.SimpleStrategy');
    assert.deepEqual(ks.strategyOptions, { replication_factor: '1' });
    assert.equal(ks.durableWrites, true);
    const nts = client.metadata.keyspaces['meta_rf3'] as unknown as { strategy: string; strategyOptions: Record<string, string>; durableWrites: boolean };
    assert.equal(nts.strategy, 'org.apache.cassandra.locator.NetworkTopologyStrategy');
    assert.deepEqual(nts.strategyOptions, { dc1: '3' });
    assert.equal(nts.durableWrites, false);
  });

  test('table metadata: composite partition key, clustering DESC/ASC, static column, UDT column', { timeout: 15_000 }, async () => {
    const t = await client.metadata.getTable('meta_ks', 'events');
    assert.ok(t, 'getTable found meta_ks.events');
    assert.equal(t.name, 'events');
    assert.deepEqual(t.partitionKeys.map((c) => c.name), ['tenant', 'bucket']);
    assert.deepEqual(t.clusteringKeys.map((c) => c.name), ['ts', 'seq']);
    assert.deepEqual(t.clusteringOrder, ['DESC', 'ASC']);
    // (The driver parses the schema's type strings itself: 'text' becomes its text code, unlike result metadata.)
    assert.deepEqual(t.partitionKeys.map((c) => c.type.code), [types.dataTypes.text, types.dataTypes.int]);
    assert.deepEqual(t.clusteringKeys.map((c) => c.type.code), [types.dataTypes.timestamp, types.dataTypes.int]);
    assert.deepEqual(t.columns.map((c) => c.name).sort(), ['bucket', 'payload', 'phones', 'seq', 'tenant', 'tenant_name', 'ts']);
    const byName = t.columnsByName as unknown as Record<string, { isStatic: boolean; type: { code: number; info: unknown } }>;
    assert.deepEqual(Object.entries(byName).filter(([, c]) => c.isStatic).map(([n]) => n), ['tenant_name']);
    assert.equal(byName['phones']!.type.code, types.dataTypes.list);
    const udt = (byName['phones']!.type.info as { code: number; info: { name: string; fields: Array<{ name: string }> } });
    assert.equal(udt.code, types.dataTypes.udt);
    assert.equal(udt.info.name, 'phone');
    assert.deepEqual(udt.info.fields.map((f) => f.name), ['country', 'number']);
    assert.equal(t.comment, 'events table');
    assert.equal(t.isCompact, false);
    const u = await client.metadata.getUdt('meta_ks', 'phone');
    assert.deepEqual(u.fields.map((f) => [f.name, f.type.code]), [['country', types.dataTypes.int], ['number', types.dataTypes.text]]);
  });

  test('system_schema.columns: kind, position, clustering_order, type; SELECT * column order', { timeout: 10_000 }, async () => {
    const rs = await client.execute("SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = 'meta_ks' AND table_name = 'events'");
    const rows = rs.rows.map((r) => [r.get('column_name'), r.get('kind'), r.get('position'), r.get('clustering_order'), r.get('type')]);
    // Rows come in clustering (column name) order.
    assert.deepEqual(rows, [
      ['bucket', 'partition_key', 1, 'none', 'int'],
      ['payload', 'regular', -1, 'none', 'text'],
      ['phones', 'regular', -1, 'none', 'list<frozen<phone>>'],
      ['seq', 'clustering', 1, 'asc', 'int'],
      ['tenant', 'partition_key', 0, 'none', 'text'],
      ['tenant_name', 'static', -1, 'none', 'text'],
      ['ts', 'clustering', 0, 'desc', 'timestamp'],
    ]);
    const flags = await client.execute("SELECT flags FROM system_schema.tables WHERE keyspace_name = 'meta_ks' AND table_name = 'events'");
    assert.deepEqual(flags.first().get('flags'), ['compound']);
    const star = await client.execute('SELECT * FROM meta_ks.events');
    // Partition key, clustering, static, then regular columns by name.
    assert.deepEqual(star.columns.map((c) => c.name), ['tenant', 'bucket', 'ts', 'seq', 'tenant_name', 'payload', 'phones']);
  });

  test('schema_version changes with DDL', { timeout: 15_000 }, async () => {
    const before = (await client.execute("SELECT schema_version FROM system.local WHERE key = 'local'")).first().get('schema_version') as types.Uuid;
    await client.execute('CREATE TABLE meta_ks.scratch (k int PRIMARY KEY)');
    const after = (await client.execute('SELECT schema_version FROM system.local')).first().get('schema_version') as types.Uuid;
    assert.ok(before instanceof types.Uuid && after instanceof types.Uuid);
    assert.notEqual(after.toString(), before.toString());
  });
});

describe('token ring and replicas', () => {
  test('the ring: one host in dc1/rack1, its tokens = system.local.tokens, one range per token', { timeout: 10_000 }, async () => {
    const hosts = client.hosts.values();
    assert.equal(hosts.length, 1);
    const host = hosts[0]!;
    assert.equal(host.address, HOST);
    assert.equal(host.datacenter, DC);
    assert.equal(host.rack, RACK);
    assert.match(host.cassandraVersion, /^4\./);
    const local = (await client.execute("SELECT tokens FROM system.local WHERE key = 'local'")).first().get('tokens') as string[];
    assert.equal(local.length, 16, 'num_tokens defaults to 16');
    assert.deepEqual([...host.tokens].sort(), [...local].sort());
    const ranges = client.metadata.getTokenRanges();
    assert.equal(ranges.size, 16);
    for (const r of ranges) assert.deepEqual(client.metadata.getReplicas('meta_ks', r).map((h) => h.address), [HOST]);
    assert.equal(client.metadata.getTokenRangesForHost('meta_ks', host)?.size, 16);
  });

  test(`getReplicas for ${KEYS} keys is the node itself (RF 1 and RF 3 alike)`, { timeout: 10_000 }, () => {
    for (const k of ints(KEYS, 1)) {
      for (const ks of ['meta_ks', 'meta_rf3']) {
        const replicas = client.getReplicas(ks, intBytes(k));
        assert.deepEqual(replicas?.map((h) => h.address), [HOST], `replicas of ${k} in ${ks}`);
      }
    }
  });

  async function compareTokens(table: string, keys: unknown[][], routingKey: (key: unknown[]) => Buffer, where: string): Promise<void> {
    const cols = where.split(' AND ').map((w) => w.split(' = ')[0]!);
    const insertCols = table === 'tok_comp' ? [...cols, 'c'] : cols;
    const ins = `INSERT INTO meta_ks.${table} (${insertCols.join(', ')}) VALUES (${insertCols.map(() => '?').join(', ')})`;
    await runConcurrent(keys.length, 64, async (i) => {
      await client.execute(ins, table === 'tok_comp' ? [...keys[i]!, 0] : keys[i]!, { prepare: true });
    });
    const mismatches: string[] = [];
    const sel = `SELECT token(${cols.join(', ')}) AS t FROM meta_ks.${table} WHERE ${where}`;
    await runConcurrent(keys.length, 64, async (i) => {
      const key = keys[i]!;
      const rs = await client.execute(sel, key, { prepare: true });
      assert.equal(rs.rowLength, 1, `row for key ${JSON.stringify(key)}`);
      const server = String(rs.first().get('t'));
      const driver = client.metadata.newToken(routingKey(key)).toString();
      if (server !== driver) mismatches.push(`${JSON.stringify(key)}: server ${server}, driver ${driver}`);
    });
    assert.deepEqual(mismatches.slice(0, 10), [], `${mismatches.length} of ${keys.length} tokens differ (first 10)`);
    // A full scan returns the partitions in token order, with the same tokens.
    const scan = await client.execute(`SELECT token(${cols.join(', ')}) AS t FROM meta_ks.${table}`, [], { prepare: true, fetchSize: 5000 });
    const tokens = scan.rows.map((r) => BigInt(String(r.get('t'))));
    assert.equal(new Set(tokens).size, new Set(keys.map((k) => client.metadata.newToken(routingKey(k)).toString())).size);
    for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i - 1]! <= tokens[i]!, `scan not in token order at ${i}`);
  }

  test(`token(k) from the server equals the driver's Murmur3 token for ${KEYS} int keys`, { timeout: 30_000 }, async () => {
    const keys = [...new Set([0, 1, -1, 2147483647, -2147483648, ...ints(KEYS, 7)])].slice(0, KEYS).map((k) => [k]);
    await compareTokens('tok_int', keys, (k) => intBytes(k[0] as number), 'k = ?');
  });

  test(`… and for ${KEYS} text keys (ASCII, unicode, long)`, { timeout: 30_000 }, async () => {
    const keys = ints(KEYS, 11).map((n, i) => [i % 3 === 0 ? `key-${n}` : i % 3 === 1 ? `ключ-日本-${n}-😀` : `${'long'.repeat(n & 63)}${n}`]);
    await compareTokens('tok_text', keys, (k) => Buffer.from(k[0] as string, 'utf8'), 'k = ?');
  });

  test(`… and for ${KEYS} composite (int, text) partition keys`, { timeout: 30_000 }, async () => {
    const keys = ints(KEYS, 13).map((n) => [n, `b${n & 0xff}`]);
    await compareTokens('tok_comp', keys, (k) => composite([intBytes(k[0] as number), Buffer.from(k[1] as string, 'utf8')]), 'a = ? AND b = ?');
  });

  test('an empty partition key is rejected (0x2200)', { timeout: 10_000 }, async () => {
    await expectServerError(client.execute('INSERT INTO meta_ks.tok_text (k) VALUES (?)', [''], { prepare: true }), 0x2200, 'empty text partition key');
  });
});

describe('system.local, system.peers, system.peers_v2 (Cassandra 4.0 layouts)', () => {
  test('system.local: columns, types and values', { timeout: 10_000 }, async () => {
    const rs = await client.execute('SELECT * FROM system.local');
    assert.equal(rs.rowLength, 1, 'SELECT * FROM system.local without WHERE returns exactly one row');
    assert.deepEqual(rs.columns.map((c) => [c.name, typeName(c.type)]), [
      ['key', 'text'], ['bootstrapped', 'text'], ['broadcast_address', 'inet'], ['broadcast_port', 'int'], ['cluster_name', 'text'],
      ['cql_version', 'text'], ['data_center', 'text'], ['gossip_generation', 'int'], ['host_id', 'uuid'], ['listen_address', 'inet'],
      ['listen_port', 'int'], ['native_protocol_version', 'text'], ['partitioner', 'text'], ['rack', 'text'], ['release_version', 'text'],
      ['rpc_address', 'inet'], ['rpc_port', 'int'], ['schema_version', 'uuid'], ['tokens', 'set<text>'], ['truncated_at', 'map<uuid, blob>'],
    ]);
    const r = rs.first();
    assert.equal(r.get('key'), 'local');
    assert.equal(r.get('bootstrapped'), 'COMPLETED');
    assert.equal(r.get('cluster_name'), 'Test Cluster');
    assert.match(String(r.get('cql_version')), /^3\.4\.\d+$/);
    assert.equal(r.get('data_center'), DC);
    assert.equal(r.get('rack'), RACK);
    assert.match(String(r.get('release_version')), /^4\.\d+\.\d+/);
    assert.equal(r.get('partitioner'), 'org.apache.cassandra.dht.Murmur3Partitioner');
    for (const col of ['broadcast_address', 'listen_address', 'rpc_address']) assert.equal(String(r.get(col)), ADDRESS, col);
    assert.equal(r.get('rpc_port'), 9042);
    assert.ok(r.get('host_id') instanceof types.Uuid);
    assert.ok(r.get('schema_version') instanceof types.Uuid);
    assert.equal((r.get('tokens') as string[]).length, 16);
    for (const tok of r.get('tokens') as string[]) assert.match(tok, /^-?\d+$/);
    assert.equal(typeof r.get('gossip_generation'), 'number');
    // host_id is stable: the driver's host has the same one.
    assert.equal(client.hosts.values()[0]!.hostId.toString(), String(r.get('host_id')));
  });

  test('system.peers: Cassandra 4.0 legacy layout, no rows on a single node', { timeout: 10_000 }, async () => {
    const rs = await client.execute('SELECT * FROM system.peers');
    assert.equal(rs.rowLength, 0);
    assert.deepEqual(rs.columns.map((c) => [c.name, typeName(c.type)]), [
      ['peer', 'inet'], ['data_center', 'text'], ['host_id', 'uuid'], ['preferred_ip', 'inet'], ['rack', 'text'],
      ['release_version', 'text'], ['rpc_address', 'inet'], ['schema_version', 'uuid'], ['tokens', 'set<text>'],
    ]);
  });

  test('system.peers_v2: layout with ports, no rows on a single node', { timeout: 10_000 }, async () => {
    const rs = await client.execute('SELECT * FROM system.peers_v2');
    assert.equal(rs.rowLength, 0);
    assert.deepEqual(rs.columns.map((c) => [c.name, typeName(c.type)]), [
      ['peer', 'inet'], ['peer_port', 'int'], ['data_center', 'text'], ['host_id', 'uuid'], ['native_address', 'inet'],
      ['native_port', 'int'], ['preferred_ip', 'inet'], ['preferred_port', 'int'], ['rack', 'text'], ['release_version', 'text'],
      ['schema_version', 'uuid'], ['tokens', 'set<text>'],
    ]);
  });
});
