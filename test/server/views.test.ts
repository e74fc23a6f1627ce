// Materialized views through real clients against real nodes: one with materialized_views_enabled (127.0.64.1) and
// one with Cassandra's default, false (127.0.64.2). cassandra-driver's view metadata (getMaterializedView), writes
// through the base showing in the view, SELECTs restricted on the view's key (prepared and not), the refusals, a view
// built over existing rows, DESCRIBE, the Python driver's keyspace.views, and a restart.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, expectServerError, nodeConfig, sleep } from '../fixtures/driver.ts';
import { runCli } from '../helpers/cli.ts';

const ON = '127.0.64.1';
const OFF = '127.0.64.2';
const INVALID = 0x2200;

let node: NodeProcess;
let client: Client;

before(async () => {
  node = await startNodeProcess({ address: ON, config: nodeConfig({ materializedViewsEnabled: true }) });
  client = await connectClient(ON);
  await client.execute("CREATE KEYSPACE mv WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await client.execute('CREATE TABLE mv.users (id int PRIMARY KEY, email text, name text, age int)');
  // Written before the view exists: the view's build must bring it in.
  await client.execute("INSERT INTO mv.users (id, email, name, age) VALUES (1, 'a@x', 'Ann', 30)");
});

after(async () => {
  await client?.shutdown();
  await node?.cleanup();
});

interface DriverView {
  tableName: string;
  whereClause: string;
  includeAllColumns: boolean;
  comment: string;
  partitionKeys: Array<{ name: string }>;
  clusteringKeys: Array<{ name: string }>;
  columns: Array<{ name: string }>;
}

const rowsOf = async (q: string, params: unknown[] = [], prepare = false): Promise<string[]> =>
  (await client.execute(q, params, { prepare })).rows.map((r) => JSON.stringify(r));

/** Waits (bounded) until a query answers `expected`: the view build runs in the background. */
async function eventually(q: string, expected: string[]): Promise<void> {
  let got: string[] = [];
  for (let i = 0; i < 50; i++) {
    got = await rowsOf(q);
    if (JSON.stringify(got) === JSON.stringify(expected)) return;
    await sleep(100);
  }
  assert.deepEqual(got, expected, q);
}

describe('materialized views through cassandra-driver', () => {
  test('CREATE MATERIALIZED VIEW: built over existing rows, driver metadata, DESCRIBE', async () => {
    await client.execute(
      'CREATE MATERIALIZED VIEW mv.users_by_email AS SELECT id, email, name FROM mv.users ' +
        'WHERE email IS NOT NULL AND id IS NOT NULL PRIMARY KEY (email, id) WITH comment = \'by email\'');
    await client.execute('CREATE MATERIALIZED VIEW IF NOT EXISTS mv.users_by_email AS SELECT * FROM mv.users WHERE email IS NOT NULL AND id IS NOT NULL PRIMARY KEY (email, id)');
    await eventually("SELECT email, id, name FROM mv.users_by_email WHERE email = 'a@x'", ['{"email":"a@x","id":1,"name":"Ann"}']);
    // The driver's typings declare only the callback form; it returns a promise without one.
    const getView = client.metadata.getMaterializedView.bind(client.metadata) as unknown as (ks: string, name: string) => Promise<DriverView | null>;
    const view = await getView('mv', 'users_by_email');
    assert.ok(view, 'the driver sees the view');
    assert.equal(view.tableName, 'users');
    assert.equal(view.whereClause, 'email IS NOT NULL AND id IS NOT NULL');
    assert.equal(view.includeAllColumns, false);
    assert.deepEqual(view.partitionKeys.map((c) => c.name), ['email']);
    assert.deepEqual(view.clusteringKeys.map((c) => c.name), ['id']);
    assert.deepEqual(view.columns.map((c) => c.name).sort(), ['email', 'id', 'name']);
    assert.equal(view.comment, 'by email');
    // The build is recorded once it has finished, which can be a moment after its rows show.
    await eventually("SELECT view_name FROM system.built_views WHERE keyspace_name = 'mv'", ['{"view_name":"users_by_email"}']);
    const status = await runCli(['nodetool', '-h', ON, 'viewbuildstatus', 'mv.users_by_email']);
    assert.equal(status.stdout, 'mv.users_by_email has finished building\n', status.stderr);
    assert.equal(status.code, 0);
    const unknown = await runCli(['nodetool', '-h', ON, 'viewbuildstatus', 'mv', 'nosuch']);
    assert.notEqual(unknown.code, 0);
    const desc = (await client.execute('DESCRIBE MATERIALIZED VIEW mv.users_by_email')).rows[0]!;
    assert.match(String(desc.create_statement), /^CREATE MATERIALIZED VIEW mv\.users_by_email AS\n {4}SELECT email, id, name\n {4}FROM mv\.users\n/);
    const table = (await client.execute('DESCRIBE TABLE mv.users')).rows.map((r) => `${String(r.type)} ${String(r.name)}`);
    assert.deepEqual(table, ['table users', 'materialized_view users_by_email']);
  });

  test('writes to the base show in the view: new rows, a changed key column, deletions, TTL', async () => {
    await client.execute('INSERT INTO mv.users (id, email, name) VALUES (?, ?, ?)', [2, 'b@x', 'Bob'], { prepare: true });
    await client.execute("UPDATE mv.users SET email = 'a2@x' WHERE id = 1");
    await client.execute("INSERT INTO mv.users (id, email, name) VALUES (3, 'c@x', 'Cy') USING TTL 1");
    await client.execute('INSERT INTO mv.users (id, name) VALUES (4, \'no email\')');
    assert.deepEqual(await rowsOf("SELECT id FROM mv.users_by_email WHERE email = 'a@x'"), [], 'the old entry is gone');
    assert.deepEqual(await rowsOf('SELECT id, name FROM mv.users_by_email WHERE email = ?', ['a2@x'], true), ['{"id":1,"name":"Ann"}']);
    assert.deepEqual(await rowsOf("SELECT email, id FROM mv.users_by_email WHERE email IN ('b@x', 'c@x')"),
      ['{"email":"b@x","id":2}', '{"email":"c@x","id":3}']);
    await sleep(1500);
    assert.deepEqual(await rowsOf("SELECT id FROM mv.users_by_email WHERE email = 'c@x'"), [], 'expired with its base row');
    await client.execute('DELETE FROM mv.users WHERE id = 2');
    assert.deepEqual(await rowsOf('SELECT email, id FROM mv.users_by_email'), ['{"email":"a2@x","id":1}'], 'no row without an email');
    await client.execute('DELETE email FROM mv.users WHERE id = 1');
    assert.deepEqual(await rowsOf('SELECT email FROM mv.users_by_email'), []);
    await client.execute("UPDATE mv.users SET email = 'a@x' WHERE id = 1");
    assert.deepEqual(await rowsOf('SELECT email, id, name FROM mv.users_by_email'), ['{"email":"a@x","id":1,"name":"Ann"}'], 'back whole');
  });

  test("Cassandra's refusals", async () => {
    const refuse = async (q: string, message: string): Promise<void> => {
      const e = await expectServerError(client.execute(q), INVALID, q);
      assert.equal(e.message, message);
    };
    await refuse("INSERT INTO mv.users_by_email (email, id) VALUES ('z', 9)", 'Cannot directly modify a materialized view');
    await refuse("DELETE FROM mv.users_by_email WHERE email = 'a@x'", 'Cannot directly modify a materialized view');
    await refuse('TRUNCATE mv.users_by_email', 'Cannot TRUNCATE materialized view directly; must truncate base table instead');
    await refuse('DROP TABLE mv.users', 'Cannot drop a table when materialized views still depend on it (mv)');
    await refuse('ALTER TABLE mv.users DROP name', 'Cannot drop column name on base table users with materialized views');
    await refuse('DROP TABLE mv.users_by_email', 'Cannot use DROP TABLE on a materialized view. Please use DROP MATERIALIZED VIEW instead.');
    await refuse('CREATE MATERIALIZED VIEW mv.bad AS SELECT * FROM mv.users WHERE id IS NOT NULL AND email IS NOT NULL AND name IS NOT NULL PRIMARY KEY (email, name, id)',
      'Cannot include more than one non-primary key column in materialized view primary key (got email, name)');
    await refuse('CREATE MATERIALIZED VIEW mv.bad AS SELECT * FROM mv.users WHERE id IS NOT NULL PRIMARY KEY (email, id)',
      "Primary key columns email must be restricted with 'IS NOT NULL' or otherwise");
  });

  test("the Python driver's keyspace.views", { skip: spawnSync('/usr/bin/python3', ['-c', 'import cassandra']).status !== 0 && 'python3-cassandra is not installed' }, () => {
    const script = [
      'import json', 'from cassandra.cluster import Cluster',
      `c = Cluster(['${ON}'])`, 's = c.connect()', "ks = c.metadata.keyspaces['mv']", "v = ks.views['users_by_email']",
      "print(json.dumps({'base': v.base_table_name, 'where': v.where_clause, 'pk': [x.name for x in v.partition_key],",
      "  'ck': [x.name for x in v.clustering_key], 'on_table': sorted(ks.tables['users'].views.keys()), 'cql': v.as_cql_query()[:106]}))",
      'c.shutdown()',
    ].join('\n');
    const out = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(out.status, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout.trim().split('\n').pop()!), {
      base: 'users', where: 'email IS NOT NULL AND id IS NOT NULL', pk: ['email'], ck: ['id'], on_table: ['users_by_email'],
      cql: 'CREATE MATERIALIZED VIEW mv.users_by_email AS SELECT email, id, name FROM mv.users WHERE email IS NOT NULL',
    });
  });

  test('the view survives a restart, and ALTER / DROP MATERIALIZED VIEW', async () => {
    await client.shutdown();
    await node.restart();
    client = await connectClient(ON);
    assert.deepEqual(await rowsOf('SELECT email, id FROM mv.users_by_email'), ['{"email":"a@x","id":1}']);
    await client.execute("INSERT INTO mv.users (id, email) VALUES (5, 'e@x')");
    assert.deepEqual(await rowsOf("SELECT id FROM mv.users_by_email WHERE email = 'e@x'"), ['{"id":5}']);
    await client.execute("ALTER MATERIALIZED VIEW mv.users_by_email WITH comment = 'changed'");
    assert.deepEqual(await rowsOf("SELECT comment FROM system_schema.views WHERE keyspace_name = 'mv' AND view_name = 'users_by_email'"), ['{"comment":"changed"}']);
    await client.execute('DROP MATERIALIZED VIEW mv.users_by_email');
    await client.execute('DROP MATERIALIZED VIEW IF EXISTS mv.users_by_email');
    await client.execute('DROP TABLE mv.users');
  });
});

describe('materialized_views_enabled: false (the default)', () => {
  test('CREATE MATERIALIZED VIEW is refused with Cassandra\'s message', async () => {
    const off = await startNodeProcess({ address: OFF, config: nodeConfig() });
    const c = await connectClient(OFF);
    try {
      await c.execute("CREATE KEYSPACE mv WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      await c.execute('CREATE TABLE mv.t (k int PRIMARY KEY, v int)');
      const e = await expectServerError(c.execute('CREATE MATERIALIZED VIEW mv.v AS SELECT * FROM mv.t WHERE v IS NOT NULL AND k IS NOT NULL PRIMARY KEY (v, k)'), INVALID, 'create');
      assert.equal(e.message, 'Materialized views are disabled. Enable in cassandra.yaml to use.');
    } finally {
      await c.shutdown();
      await off.cleanup();
    }
  });
});
