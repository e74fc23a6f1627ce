// Tracing and client warnings in the simulator: three NodeCores under virtual time. A traced request answers with
// its session id and a client warning; its session and events are written into system_traces (SimpleStrategy RF 2),
// so another node reads them back at ALL, which needs both replicas of the session's partition.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consistency } from '../../src/model/consistency.ts';
import type { ConnectionState } from '../../src/node/handler.ts';
import { uuidToString } from '../../src/model/values/uuid.ts';
import { Opcode, type Response } from '../../src/protocol/messages.ts';
import { SimCluster, rowsOf, type SimNodeSpec } from './sim-cluster.ts';

const { ONE, ALL } = Consistency;
const NODES: SimNodeSpec[] = [1, 2, 3].map((i) => ({ endpoint: `10.0.1.${i}:7000`, dc: 'dc1', rack: 'r1' }));

test('a traced aggregate: session id, warning, and its trace replicated to two nodes', async () => {
  const sim = new SimCluster({ seed: 7, nodes: NODES });
  const [a, b] = sim.nodes as [typeof sim.nodes[0], typeof sim.nodes[0]];
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  await sim.advance(10_000);
  assert.ok((await sim.cql(a, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}", ONE)).ok);
  assert.ok((await sim.cql(a, 'CREATE TABLE ks.t (k int PRIMARY KEY, v int)', ONE)).ok);
  await sim.waitFor('schema agreement', () => sim.schemaAgrees(), 30_000);
  for (let k = 0; k < 5; k++) assert.ok((await sim.cql(a, `INSERT INTO ks.t (k, v) VALUES (${k}, ${k})`, ALL)).ok);

  const state: ConnectionState = { started: true, session: {}, events: new Set(), clientAddress: '10.9.9.9' };
  const params = { consistency: ONE, values: [], skipMetadata: false };
  const res: Response = await sim.settle('traced query', () => a.core!.handler.handle(state, { opcode: Opcode.QUERY, query: 'SELECT count(*) FROM ks.t', params }, true));
  assert.equal(res.opcode, Opcode.RESULT);
  if (res.opcode !== Opcode.RESULT) return;
  assert.deepEqual(res.warnings, ['Aggregation query used without partition key']);
  assert.ok(res.tracingId, 'the response carries the session id');
  const id = uuidToString(res.tracingId);

  const read = await sim.cql(b, `SELECT command, request FROM system_traces.sessions WHERE session_id = ${id}`, ALL);
  assert.ok(read.ok, `read at ALL: ${!read.ok && read.error.message}`);
  const session = rowsOf(read);
  assert.deepEqual(session, [{ command: 'QUERY', request: 'Execute CQL3 query' }]);
  const rows = rowsOf(await sim.cql(b, `SELECT activity, source FROM system_traces.events WHERE session_id = ${id}`, ALL));
  // rowsOf shows an inet's four bytes as UTF-8 text.
  const from = (ip: string) => rows.filter((r) => r['source'] === Buffer.from(ip.split('.').map(Number)).toString('utf8')).map((r) => String(r['activity']));
  // The coordinator's own events, without those of its messages to the other replicas (one per ring segment).
  const own = from('10.0.1.1').filter((e) => !/RANGE_R(EQ|SP) message/.test(e));
  assert.deepEqual(own, ['Parsing SELECT count(*) FROM ks.t', 'Preparing statement', 'Computing ranges to query', 'Read 5 live rows and 0 tombstone cells']);
  // The events of the replicas asked (at ONE, one per segment the coordinator does not hold), under the same session
  // with their own address as source.
  const others = [...from('10.0.1.2'), ...from('10.0.1.3')];
  assert.ok(others.includes('RANGE_REQ message received from /10.0.1.1:7000') && others.includes('Sending RANGE_RSP message to /10.0.1.1:7000'), JSON.stringify(others));
});
