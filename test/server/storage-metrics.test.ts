// The write path's numbers on a real node (127.0.25.1): `nodetool tablestats` and `tpstats` in Cassandra's shapes,
// and the commit log and memtable gauges on /metrics, before and after a flush; the client request counter and latency
// histogram.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { types, type Client } from 'cassandra-driver';
import { startNodeProcess } from '../helpers/node-process.ts';
import { runCli } from '../helpers/cli.ts';
import { connectClient, nodeConfig, runConcurrent } from '../fixtures/driver.ts';

const ADDRESS = '127.0.25.1';
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
});

async function nodetool(...args: string[]): Promise<string> {
  const r = await runCli(['nodetool', '-h', ADDRESS, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

const line = (text: string, label: string): string => {
  const m = new RegExp(`^\\t*${label.replace(/[()]/g, '\\$&')}: (.*)$`, 'm').exec(text);
  assert.ok(m, `no "${label}" line in\n${text}`);
  return m[1]!;
};

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://${ADDRESS}:7199/metrics`)).text();
  const m = new RegExp(`^${name.replace(/[{}"=,]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `no ${name} in /metrics`);
  return Number(m[1]);
}

test('tablestats, tpstats and /metrics report memtables, flushes and the commit log', { timeout: 90_000 }, async () => {
  const node = await startNodeProcess({ address: ADDRESS, logLevel: 'warn', config: nodeConfig() });
  const c = await connectClient(ADDRESS);
  clients.push(c);
  await c.execute("CREATE KEYSPACE m WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await c.execute('CREATE TABLE m.t (k int PRIMARY KEY, a int, b text)');
  await runConcurrent(500, 32, async (i) => {
    await c.execute('INSERT INTO m.t (k, a, b) VALUES (?, ?, ?)', [i, i, `v${i}`], { prepare: true, consistency: types.consistencies.localOne });
  });
  await c.execute('SELECT * FROM m.t WHERE k = 1', [], { consistency: types.consistencies.localOne });

  const before = await nodetool('tablestats', 'm.t');
  assert.match(before, /^Total number of tables: 1\n----------------\nKeyspace: m\n\tRead Count: \d+\n/);
  assert.match(before, /^\t\tTable: t$/m);
  assert.equal(line(before, 'Local write count'), '500');
  assert.equal(line(before, 'Memtable cell count'), String(500 * 3), 'a row marker and two cells per insert');
  assert.ok(Number(line(before, 'Memtable data size')) > 500 * 10);
  assert.equal(line(before, 'Memtable switch count'), '0');
  assert.ok(Number(line(before, 'Local read count')) >= 1);
  assert.ok(await metric('sibyl_commitlog_total_bytes') > 500 * 20, 'the writes are in the commit log');
  assert.equal(await metric('sibyl_table_writes{keyspace="m",table="t"}'), 500);
  assert.ok(await metric('sibyl_memtable_bytes') > 0);
  // Client requests and their latency (server/request-metrics.ts, read by the dashboard): the 500 INSERTs at least,
  // each one in the histogram once.
  const requests = await metric('sibyl_client_requests_total');
  assert.ok(requests >= 500, `${requests} requests counted`);
  assert.equal(await metric('sibyl_client_request_latency_seconds_count'), requests);
  assert.ok(await metric('sibyl_client_request_latency_seconds_bucket{le="10"}') <= requests, 'buckets are cumulative');

  await nodetool('flush');
  const afterFlush = await nodetool('tablestats', 'm');
  assert.equal(line(afterFlush, 'Memtable data size'), '0');
  assert.equal(line(afterFlush, 'Memtable switch count'), '1');
  assert.equal(line(afterFlush, 'Pending flushes'), '0');
  assert.equal(await metric('sibyl_commitlog_total_bytes'), 0, 'a flush of everything lets every segment go');
  assert.equal(await metric('sibyl_table_flushes{keyspace="m",table="t"}'), 1);

  const tp = await nodetool('tpstats');
  assert.match(tp, /^Pool Name +Active Pending Completed Blocked All time blocked\n/);
  assert.match(tp, /^MemtableFlushWriter +0 +0 +1 +0 +0 *$/m);
  assert.match(tp, /^MutationStage +0 +0 +500 +0 +0 *$/m);
  assert.match(tp, /^CommitLogWriter +\d+ +\d+ +\d+ +0 +0 *$/m);

  const bad = await runCli(['nodetool', '-h', ADDRESS, 'tablestats', 'nosuch']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Unknown keyspace: nosuch/);
  await node.cleanup();
});
