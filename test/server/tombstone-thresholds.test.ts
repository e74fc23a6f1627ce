// tombstone_warn_threshold and tombstone_failure_threshold through cassandra-driver against one real node
// (127.0.66.6 with Cassandra's defaults, 1000 and 100000; 127.0.66.7 with a failure threshold of 50): the client
// warning as Cassandra 5.0 words it (the texts below are the reference Cassandra's answers to the same statements),
// and the ReadFailure with READ_TOO_MANY_TOMBSTONES in its reason map.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { types, type Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig } from '../fixtures/driver.ts';

const KS = 'tomb_ks';
const TOKEN_1 = '-4069959284402364209';
const TOKEN_2 = '-3248873570005575792';

let node: NodeProcess;
let low: NodeProcess;
let client: Client;
let lowClient: Client;

async function schema(c: Client): Promise<void> {
  await c.execute(`CREATE KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await c.execute(`CREATE TABLE ${KS}.t (k int, c int, v int, PRIMARY KEY (k, c))`);
  await c.execute(`CREATE TABLE ${KS}.u (k int, c int, v int, w text, s int static, PRIMARY KEY (k, c))`);
  await c.execute(`CREATE TABLE ${KS}.f (k int, c int, st set<int>, PRIMARY KEY (k, c))`);
}

before(async () => {
  [node, low] = await Promise.all([
    startNodeProcess({ address: '127.0.66.6', config: nodeConfig() }),
    startNodeProcess({ address: '127.0.66.7', config: nodeConfig({ tombstoneFailureThreshold: 50 }) }),
  ]);
  [client, lowClient] = await Promise.all([connectClient(node.address), connectClient(low.address)]);
  await schema(client);
  await schema(lowClient);
  // t: 1001 rows whose v is a cell tombstone. u, partition 2: 2100 rows, every other one deleted. f: set removals.
  for (let c = 0; c < 1001; c++) await client.execute(`INSERT INTO ${KS}.t (k, c, v) VALUES (1, ?, null)`, [c], { prepare: true });
  for (let c = 0; c < 2100; c++) await client.execute(`INSERT INTO ${KS}.u (k, c, v) VALUES (2, ?, 1)`, [c], { prepare: true });
  for (let c = 0; c < 2100; c += 2) await client.execute(`DELETE FROM ${KS}.u WHERE k = 2 AND c = ?`, [c], { prepare: true });
  await client.execute(`INSERT INTO ${KS}.u (k, c, v) VALUES (3, 1, 1)`);
  const elements = (n: number) => Array.from({ length: n }, (_, i) => i).join(',');
  await client.execute(`UPDATE ${KS}.f SET st = st - {${elements(100_001)}} WHERE k = 1 AND c = 1`);
  await client.execute(`UPDATE ${KS}.f SET st = st - {${elements(1001)}} WHERE k = 2 AND c = 1`);
  await lowClient.execute(`UPDATE ${KS}.f SET st = st - {${elements(51)}} WHERE k = 2 AND c = 1`);
});

after(async () => {
  await client?.shutdown();
  await lowClient?.shutdown();
  await node?.cleanup();
  await low?.cleanup();
});

async function warningsOf(cql: string, params: unknown[] = [], options: { prepare?: boolean; fetchSize?: number; autoPage?: boolean } = {}): Promise<string[] | undefined> {
  const rs = await client.execute(cql, params, { prepare: options.prepare ?? false, fetchSize: options.fetchSize ?? 5000 });
  return rs.info.warnings ?? undefined;
}

const warning = (live: number, tombstones: number, query: string, token: string) =>
  `Read ${live} live rows and ${tombstones} tombstone cells for query ${query}; token ${token} (see tombstone_warn_threshold)`;

describe('tombstone_warn_threshold', () => {
  test('single partition and whole-ring reads, prepared and not', async () => {
    for (const prepare of [false, true]) {
      assert.deepEqual(await warningsOf(`SELECT * FROM ${KS}.t WHERE k = ?`, [1], { prepare: true }),
        [warning(1001, 1001, `SELECT * FROM ${KS}.t WHERE k = 1 LIMIT 5000 ALLOW FILTERING`, TOKEN_1)]);
      assert.deepEqual(await warningsOf(`SELECT * FROM ${KS}.t`, [], { prepare }),
        [warning(1001, 1001, `SELECT * FROM ${KS}.t LIMIT 5000 ALLOW FILTERING`, TOKEN_1)]);
    }
  });

  test('the command text: columns, clustering and row filters, IN keys one by one, ORDER BY, limits', async () => {
    const f = (q: string) => warning(0, 1001, q, TOKEN_2);
    assert.deepEqual(await warningsOf(`SELECT * FROM ${KS}.f WHERE k = 2 AND c = 1`), [f(`SELECT * FROM ${KS}.f WHERE k = 2 AND c = 1 LIMIT 5000 ALLOW FILTERING`)]);
    assert.deepEqual(await warningsOf(`SELECT * FROM ${KS}.f WHERE k = 2 AND c > 0 AND c <= 5`), [f(`SELECT * FROM ${KS}.f WHERE k = 2 AND c > 0 AND c <= 5 LIMIT 5000 ALLOW FILTERING`)]);
    assert.deepEqual(await warningsOf(`SELECT * FROM ${KS}.f WHERE k = 2 AND c IN (1, 2)`), [f(`SELECT * FROM ${KS}.f WHERE k = 2 AND c IN (1, 2) LIMIT 5000 ALLOW FILTERING`)]);
    assert.deepEqual(await warningsOf(`SELECT c FROM ${KS}.f WHERE k = 2 AND c > 0 ORDER BY c DESC`),
      [f(`SELECT * FROM ${KS}.f WHERE k = 2 AND c > 0 ORDER BY c DESC LIMIT 5000 ALLOW FILTERING`)]);
    assert.deepEqual(await warningsOf(`SELECT * FROM ${KS}.f WHERE k = 2 PER PARTITION LIMIT 3`),
      [f(`SELECT * FROM ${KS}.f WHERE k = 2 LIMIT 5000 PER PARTITION LIMIT 3 ALLOW FILTERING`)]);
    const u = (q: string) => warning(1050, 1050, q, TOKEN_2);
    assert.deepEqual(await warningsOf(`SELECT v FROM ${KS}.u WHERE k = 2`), [u(`SELECT v FROM ${KS}.u WHERE k = 2 LIMIT 5000 ALLOW FILTERING`)]);
    assert.deepEqual(await warningsOf(`SELECT * FROM ${KS}.u WHERE k IN (2, 3)`), [u(`SELECT * FROM ${KS}.u WHERE k = 2 LIMIT 5000 ALLOW FILTERING`)]);
    assert.deepEqual(await warningsOf(`SELECT k FROM ${KS}.u WHERE k = 2 AND v = 1 ALLOW FILTERING`),
      [u(`SELECT v FROM ${KS}.u WHERE k = 2 AND v = 1 LIMIT 5000 ALLOW FILTERING`)]);
    assert.deepEqual(await warningsOf(`SELECT count(*) FROM ${KS}.u WHERE k = 2`), [u(`SELECT * FROM ${KS}.u WHERE k = 2 LIMIT 5000 ALLOW FILTERING`)]);
  });

  test('none under the threshold, or when a page reads fewer tombstones', async () => {
    assert.equal(await warningsOf(`SELECT c, v FROM ${KS}.u WHERE k = 2 AND c >= 1 AND c < 2000`), undefined);
    assert.equal(await warningsOf(`SELECT * FROM ${KS}.u WHERE k = 2`, [], { fetchSize: 100 }), undefined);
    assert.equal(await warningsOf(`SELECT * FROM ${KS}.u WHERE k = 2 LIMIT 10`), undefined);
    assert.equal(await warningsOf(`SELECT * FROM ${KS}.u WHERE token(k) > 0`), undefined);
  });
});

describe('tombstone_failure_threshold', () => {
  const check = (e: unknown) => {
    const err = e as { code?: number; message?: string; };
    assert.equal(err.code, types.responseErrorCodes.readFailure);
    // cassandra-driver words the error itself; the server's text is checked through the Python driver (oracle case).
    assert.match(err.message ?? '', /^Server failure during read query at consistency LOCAL_ONE \(1 responses were required but only 0 replicas responded, 1 failed\)$/);
    return true;
  };

  test('a read past 100000 tombstones fails with READ_TOO_MANY_TOMBSTONES, by key and by range', async () => {
    await assert.rejects(client.execute(`SELECT * FROM ${KS}.f WHERE k = 1`), check);
    await assert.rejects(client.execute(`SELECT * FROM ${KS}.f WHERE token(k) >= -9223372036854775807`), check);
  });

  test('the server\'s message and reason map, through the Python driver over protocol v5', () => {
    const script = [
      'from cassandra.cluster import Cluster',
      `s = Cluster(['${node.address}'], protocol_version=5).connect()`,
      'try:',
      `    s.execute('SELECT * FROM ${KS}.f WHERE k = 1')`,
      'except Exception as e:',
      '    print(type(e).__name__, e.error_code_map, str(e).split(\'message="\')[1].split(\'"\')[0])',
    ].join('\n');
    const out = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(out.stdout.trim(), `ReadFailure {'${node.address}': 1} Operation failed - received 0 responses and 1 failures: READ_TOO_MANY_TOMBSTONES from /${node.address}:7000`, out.stderr);
  });

  test('the threshold is the node\'s setting', async () => {
    await assert.rejects(lowClient.execute(`SELECT * FROM ${KS}.f WHERE k = 2`), check);
    assert.equal((await lowClient.execute(`SELECT * FROM ${KS}.f WHERE k = 3`)).rows.length, 0);
  });
});
