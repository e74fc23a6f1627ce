// DDL while a node is known down: the schema goes to the live nodes only and the statement is answered once they
// have it, without waiting for the down node (and without the driver's schema agreement wait timing out on the down
// node's stale version); the node pulls the schema when it comes back. Three nodes on 127.0.22.4-6 (a multi-node
// file: run it under the shared lock).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { types, type Client } from 'cassandra-driver';
import { clientFor, eventually, startCluster, type NodeSpec } from '../fixtures/cluster.ts';
import { runCli } from '../helpers/cli.ts';

const CL = types.consistencies;
const DDL_BUDGET_MS = 2000;

/** The two-letter state `nodetool -h host status` gives `address`. */
async function stateSeenBy(host: string, address: string): Promise<string | undefined> {
  const r = await runCli(['nodetool', '-h', host, 'status']);
  assert.equal(r.code, 0, r.stderr);
  return new RegExp(`^(\\w\\w)\\s+${address.replace(/\./g, '\\.')}\\s`, 'm').exec(r.stdout)?.[1];
}

// cassandra-driver 4.x has both at run time, but its type declarations lack them.
const inAgreement = (rs: types.ResultSet): boolean | undefined => (rs.info as { isSchemaInAgreement?: boolean }).isSchemaInAgreement;
const checkAgreement = (c: Client): Promise<boolean> =>
  (c.metadata as unknown as { checkSchemaAgreement(): Promise<boolean> }).checkSchemaAgreement();

async function timed<T>(what: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await run();
  const ms = performance.now() - started;
  assert.ok(ms < DDL_BUDGET_MS, `${what} took ${Math.round(ms)} ms with one node down (budget ${DDL_BUDGET_MS} ms)`);
  return result;
}

/** A CREATE TABLE through the DataStax Python driver (Debian's python3-cassandra): its time and schema agreement. */
const PYTHON_DDL = `
import sys, time
from cassandra.cluster import Cluster
from cassandra.policies import WhiteListRoundRobinPolicy
host = sys.argv[1]
cluster = Cluster([host], load_balancing_policy=WhiteListRoundRobinPolicy([host]), max_schema_agreement_wait=10)
session = cluster.connect()
started = time.monotonic()
rs = session.execute('CREATE TABLE sd.py (k int PRIMARY KEY, v text)')
print('%d %s' % ((time.monotonic() - started) * 1000, rs.response_future.is_schema_agreed))
cluster.shutdown()
`;

function pythonDdl(host: string): Promise<{ ms: number; agreed: boolean }> {
  return new Promise((done, fail) => {
    const child = spawn('/usr/bin/python3', ['-c', PYTHON_DDL, host], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const m = /^(\d+) (True|False)$/m.exec(out);
      if (code !== 0 || !m) fail(new Error(`python driver DDL exited ${String(code)}: ${out}\n${err}`));
      else done({ ms: Number(m[1]), agreed: m[2] === 'True' });
    });
  });
}

describe('DDL with a node down', { timeout: 240_000 }, () => {
  const specs: NodeSpec[] = [4, 5, 6].map((i) => ({ address: `127.0.22.${i}`, dc: 'dc1', rack: `rack${i - 3}` }));
  const clients: Client[] = [];
  after(async () => {
    await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  });

  test('CREATE KEYSPACE/TABLE answer promptly with schema agreement among the live nodes; the restarted node gets them', { timeout: 200_000 }, async () => {
    const nodes = await startCluster('schema-down', specs);
    const down = nodes[2]!;
    assert.equal(await down.stop(), 0);
    await eventually('the coordinator sees the stopped node DN', 10_000, async () => {
      assert.equal(await stateSeenBy(specs[0]!.address, down.address), 'DN');
    });

    const client = await clientFor(specs[0]!.address, 'dc1');
    clients.push(client);
    const ks = await timed('CREATE KEYSPACE', () =>
      client.execute("CREATE KEYSPACE sd WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"));
    assert.equal(inAgreement(ks), true, 'the driver saw schema agreement after CREATE KEYSPACE');
    const table = await timed('CREATE TABLE', () => client.execute('CREATE TABLE sd.t (k int PRIMARY KEY, v text)'));
    assert.equal(inAgreement(table), true, 'the driver saw schema agreement after CREATE TABLE');
    assert.equal(await checkAgreement(client), true);
    const py = await pythonDdl(specs[0]!.address);
    assert.ok(py.ms < DDL_BUDGET_MS, `CREATE TABLE through the Python driver took ${py.ms} ms with one node down`);
    assert.equal(py.agreed, true, 'the Python driver saw schema agreement');

    // The live peer has the table already: a QUORUM write through it works (two of three replicas are up).
    const peer = await clientFor(specs[1]!.address, 'dc1');
    clients.push(peer);
    await peer.execute('INSERT INTO sd.t (k, v) VALUES (1, ?)', ['one'], { prepare: true, consistency: CL.quorum });

    // Back up, the node pulls the schema it missed and serves the table.
    await down.start();
    const back = await clientFor(down.address, 'dc1');
    clients.push(back);
    await eventually('the restarted node has sd.t', 30_000, async () => {
      const rs = await back.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'sd'");
      assert.deepEqual(rs.rows.map((r) => r.get('table_name')).sort(), ['py', 't']);
    });
    await eventually('the three nodes agree on the schema', 30_000, async () => {
      assert.equal(await checkAgreement(client), true);
      const versions = await client.execute('SELECT schema_version FROM system.peers');
      const local = await client.execute('SELECT schema_version FROM system.local');
      assert.equal(new Set([...versions.rows, ...local.rows].map((r) => String(r.get('schema_version')))).size, 1);
    });
    await back.execute('INSERT INTO sd.t (k, v) VALUES (2, ?)', ['two'], { prepare: true, consistency: CL.all });
    const rs = await back.execute('SELECT v FROM sd.t WHERE k = 1', [], { consistency: CL.all });
    assert.equal(rs.first()?.get('v'), 'one');
  });
});
