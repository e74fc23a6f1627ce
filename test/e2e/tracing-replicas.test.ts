// Request tracing across replicas, on two real nodes (127.0.66.8–.9, RF 2): a traced write and a traced read at ALL
// coordinated by the first node record, besides the coordinator's own events, the other replica's events in
// system_traces.events with that replica as their source (carried by the session id in the internode request), and
// the coordinator's "Sending … / … received from" events for the message; a range read likewise.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { types, type Client } from 'cassandra-driver';
import { clientFor, eventually, layout, startCluster } from '../fixtures/cluster.ts';
import type { NodeProcess } from '../helpers/node-process.ts';

const specs = layout('127.0.66.', [{ dc: 'dc1', rack: 'r1', count: 1 }, { dc: 'dc1', rack: 'r2', count: 1 }]).map((s, i) => ({ ...s, address: `127.0.66.${8 + i}` }));
const [A, B] = specs.map((s) => s.address) as [string, string];

let nodes: NodeProcess[] = [];
let client: Client;

before(async () => {
  nodes = await startCluster('tracing-replicas', specs);
  client = await clientFor(A, 'dc1');
  await client.execute(`CREATE KEYSPACE tr WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}`);
  await client.execute('CREATE TABLE tr.t (k int PRIMARY KEY, v int)');
});

after(async () => {
  await client?.shutdown();
  await Promise.all(nodes.map((n) => n.cleanup()));
});

interface Event { activity: string; source: string; thread: string }

/** The session's events once the replica's have arrived (they are stored asynchronously, as Cassandra's). */
async function eventsOf(id: types.Uuid, replicaEvents: number): Promise<Event[]> {
  return eventually('the replica trace events', 10_000, async () => {
    const rs = await client.execute('SELECT activity, source, thread FROM system_traces.events WHERE session_id = ?', [id], { prepare: true, consistency: types.consistencies.all });
    const events = rs.rows.map((r) => ({ activity: String(r['activity']), source: String(r['source']), thread: String(r['thread']) }));
    assert.ok(events.filter((e) => e.source === B).length >= replicaEvents, JSON.stringify(events));
    return events;
  });
}

const at = (source: string, events: Event[]) => events.filter((e) => e.source === source).map((e) => e.activity);

test('a traced write at ALL: the other replica appends and answers under the session', async () => {
  const rs = await client.execute('INSERT INTO tr.t (k, v) VALUES (1, 1)', [], { traceQuery: true, consistency: types.consistencies.all });
  const events = await eventsOf(rs.info.traceId, 5);
  assert.deepEqual(at(B, events), [`MUTATION_REQ message received from /${A}:7000`, 'Appending to commitlog', 'Adding to t memtable',
    `Enqueuing response to /${A}:7000`, `Sending MUTATION_RSP message to /${A}:7000`]);
  const mine = at(A, events);
  for (const e of ['Appending to commitlog', 'Adding to t memtable', `Sending MUTATION_REQ message to /${B}:7000`, `MUTATION_RSP message received from /${B}:7000`]) {
    assert.ok(mine.includes(e), `coordinator event ${e} in ${JSON.stringify(mine)}`);
  }
  assert.ok(events.filter((e) => e.source === B).every((e) => e.thread === 'MutationStage-1'));
});

test('a traced read at ALL: the digest replica reads and answers under the session', async () => {
  const rs = await client.execute('SELECT * FROM tr.t WHERE k = 1', [], { traceQuery: true, consistency: types.consistencies.all });
  assert.equal(rs.rowLength, 1);
  const events = await eventsOf(rs.info.traceId, 5);
  assert.deepEqual(at(B, events), [`READ_REQ message received from /${A}:7000`, 'Executing single-partition query on t',
    'Read 1 live rows and 0 tombstone cells', `Enqueuing response to /${A}:7000`, `Sending READ_RSP message to /${A}:7000`]);
  const mine = at(A, events);
  assert.ok(mine.includes(`Sending READ_REQ message to /${B}:7000`) && mine.includes(`READ_RSP message received from /${B}:7000`), JSON.stringify(mine));
  assert.ok(events.filter((e) => e.source === B).every((e) => e.thread === 'ReadStage-1'));
});

test('a traced range read at ALL: the other replica scans its part under the session', async () => {
  const rs = await client.execute('SELECT * FROM tr.t', [], { traceQuery: true, consistency: types.consistencies.all });
  assert.ok(rs.rowLength >= 1);
  const events = await eventsOf(rs.info.traceId, 4);
  const replica = at(B, events);
  assert.equal(replica[0], `RANGE_REQ message received from /${A}:7000`);
  assert.match(replica[1] ?? '', /^Read \d+ live rows and 0 tombstone cells$/);
  assert.ok(at(A, events).includes(`Sending RANGE_REQ message to /${B}:7000`));
});

test('an untraced request leaves no replica events behind', async () => {
  await client.execute('INSERT INTO tr.t (k, v) VALUES (2, 2)', [], { consistency: types.consistencies.all });
  const rs = await client.execute('SELECT count(*) FROM system_traces.events', [], { consistency: types.consistencies.all });
  const before = Number(rs.first()['count']);
  await client.execute('SELECT * FROM tr.t WHERE k = 2', [], { consistency: types.consistencies.all });
  const after = Number((await client.execute('SELECT count(*) FROM system_traces.events', [], { consistency: types.consistencies.all })).first()['count']);
  assert.equal(after, before);
});
