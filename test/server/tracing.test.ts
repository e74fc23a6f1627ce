// Request tracing through cassandra-driver against one real node (127.0.66.2): a traced request's response carries
// its session id, system_traces.sessions and events hold the session (request, parameters, duration, coordinator)
// and the coordinator's events, for QUERY, EXECUTE and BATCH; an untraced request leaves no session. Also runs
// test/drivers/python/tracing.py (the Python driver's get_query_trace) against the node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'cassandra-driver';
import { REPO_ROOT, startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig } from '../fixtures/driver.ts';
import { runCli } from '../helpers/cli.ts';

const ADDRESS = '127.0.66.2';
const KS = 'trace_ks';

let node: NodeProcess;
let client: Client;

interface Trace {
  requestType: string;
  coordinator: { toString(): string };
  duration: number | null;
  parameters: Record<string, string>;
  events: Array<{ activity: string; source: { toString(): string }; elapsed: number }>;
}

before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig() });
  client = await connectClient(ADDRESS);
  await client.execute(`CREATE KEYSPACE ${KS} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
  await client.execute(`CREATE TABLE ${KS}.t (k int, c int, v text, PRIMARY KEY (k, c))`);
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

async function traceOf(id: unknown): Promise<Trace> {
  assert.ok(id, 'the response carries a tracing id');
  return (await client.metadata.getTrace(id as never)) as unknown as Trace;
}

describe('request tracing', () => {
  test('a traced SELECT: the session row and the coordinator events', async () => {
    await client.execute(`INSERT INTO ${KS}.t (k, c, v) VALUES (1, 1, 'a')`);
    const rs = await client.execute(`SELECT * FROM ${KS}.t WHERE k = 1`, [], { traceQuery: true });
    const trace = await traceOf(rs.info.traceId);
    assert.equal(trace.requestType, 'Execute CQL3 query');
    assert.equal(trace.coordinator.toString(), ADDRESS);
    assert.ok(trace.duration !== null && trace.duration >= 0);
    assert.equal(trace.parameters['query'], `SELECT * FROM ${KS}.t WHERE k = 1`);
    assert.equal(trace.parameters['consistency_level'], 'LOCAL_ONE');
    assert.deepEqual(trace.events.map((e) => e.activity), [
      `Parsing SELECT * FROM ${KS}.t WHERE k = 1`,
      'Preparing statement',
      'Executing single-partition query on t',
      'Read 1 live rows and 0 tombstone cells',
    ]);
    for (const e of trace.events) assert.equal(e.source.toString(), ADDRESS);
    const elapsed = trace.events.map((e) => e.elapsed);
    assert.deepEqual([...elapsed].sort((a, b) => a - b), elapsed, 'events in order of their elapsed time');
  });

  test('traced EXECUTE and BATCH, and an untraced request leaves no session', async () => {
    const before = (await client.execute('SELECT session_id FROM system_traces.sessions')).rowLength;
    await client.execute(`SELECT * FROM ${KS}.t WHERE k = 1`);
    assert.equal((await client.execute('SELECT session_id FROM system_traces.sessions')).rowLength, before);
    const rs = await client.execute(`SELECT * FROM ${KS}.t WHERE k = ?`, [1], { prepare: true, traceQuery: true });
    const exec = await traceOf(rs.info.traceId);
    assert.equal(exec.requestType, 'Execute CQL3 prepared query');
    assert.equal(exec.parameters['query'], `SELECT * FROM ${KS}.t WHERE k = ?`);
    const b = await client.batch([{ query: `INSERT INTO ${KS}.t (k, c, v) VALUES (?, ?, ?)`, params: [2, 1, 'b'] }], { prepare: true, traceQuery: true });
    const batch = await traceOf(b.info.traceId);
    assert.equal(batch.requestType, 'Execute batch of CQL3 queries');
    assert.ok(batch.events.some((e) => e.activity === 'Determining replicas for mutation'), JSON.stringify(batch.events));
    assert.equal((await client.execute('SELECT session_id FROM system_traces.sessions')).rowLength, before + 2);
  });

  test("cqlsh's TRACING ON prints each statement's trace as cqlsh does", async () => {
    const r = await runCli(['cqlsh', ADDRESS, '-e', `TRACING ON; SELECT v FROM ${KS}.t WHERE k = 1; TRACING OFF; SELECT v FROM ${KS}.t WHERE k = 1`], { timeoutMs: 60_000 });
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'Now Tracing is enabled');
    const at = lines.findIndex((l) => l.startsWith('Tracing session: '));
    assert.ok(at > 0, r.stdout);
    assert.match(lines[at]!, /^Tracing session: [0-9a-f-]{36}$/);
    assert.match(lines[at + 2]!, /^ activity +\| timestamp +\| source +\| source_elapsed \| client$/);
    const rows = lines.slice(at + 4, lines.indexOf('', at + 4));
    assert.match(rows[0]!, /^ +Execute CQL3 query \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})? \| 127\.0\.66\.2 \| +0 \| 127\.0\.0\.1$/);
    assert.ok(rows.some((l) => l.includes(`Parsing SELECT v FROM ${KS}.t WHERE k = 1; [Native-Transport-Requests-1]`)), r.stdout);
    assert.match(rows.at(-1)!, /^ +Request complete \| .* \| 127\.0\.66\.2 \| +\d+ \| 127\.0\.0\.1$/);
    assert.equal(lines.filter((l) => l.startsWith('Tracing session: ')).length, 1, 'no trace once TRACING OFF');
    assert.ok(lines.includes('Disabled Tracing.'), r.stdout);
  });

  test('the Python driver: get_query_trace()', () => {
    const r = spawnSync('/usr/bin/python3', ['-W', 'ignore', '-P', join(REPO_ROOT, 'test', 'drivers', 'python', 'tracing.py')], {
      env: { ...process.env, SIBYL_HOST: ADDRESS, SIBYL_KEYSPACE: KS },
      encoding: 'utf8',
      timeout: 90_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(r.stdout.trim().split('\n').at(-1), 'OK', r.stdout);
  });
});
