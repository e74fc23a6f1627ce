// Seed 000 end to end against a real node process (127.0.2.x): the cqlsh session from "Test the single-region cluster"
// through cassandra-driver, and the article's Node.js script (ported: examples/seed000-customers.ts) run as a child process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from 'cassandra-driver';
import { REPO_ROOT, startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, DC, nodeConfig } from '../fixtures/driver.ts';

const ADDRESS = '127.0.2.1';

let node: NodeProcess;
before(async () => {
  node = await startNodeProcess({ address: ADDRESS, config: nodeConfig() });
});
after(async () => {
  await node?.cleanup();
});

describe('seed 000: the cqlsh session', () => {
  let client: Client;
  before(async () => {
    client = await connectClient(ADDRESS);
  });
  after(async () => {
    await client?.shutdown();
  });

  test('creates customers_ks (RF 3 on one node), inserts two customers and SELECT * returns them', { timeout: 30_000 }, async () => {
    // Statements exactly as typed in the article, trailing semicolons included (Cassandra's grammar accepts them).
    await client.execute("CREATE KEYSPACE customers_ks WITH REPLICATION = { 'class' : 'SimpleStrategy', 'replication_factor' : 3 };");
    await client.execute('USE customers_ks;');
    assert.equal(client.keyspace, 'customers_ks', 'USE switches the session keyspace (RESULT Set_keyspace)');
    await client.execute('CREATE TABLE Customers(customer_id int PRIMARY KEY, firstname text, lastname text);');
    await client.execute("INSERT INTO Customers(customer_id, firstname, lastname) VALUES(1, 'John', 'Doe');");
    await client.execute("INSERT INTO Customers(customer_id, firstname, lastname) VALUES (2, 'Jane', 'Doe');");
    const rs = await client.execute('SELECT * FROM Customers;');
    // Partition key first, then regular columns in name order; unquoted names are folded to lower case.
    assert.deepEqual(
      rs.columns.map((c) => c.name),
      ['customer_id', 'firstname', 'lastname'],
    );
    // Murmur3 orders key 1 (token -4069959284402364209) before key 2 (-3248873570005575792), as the article shows.
    assert.deepEqual(
      rs.rows.map((r) => [r.get('customer_id'), r.get('firstname'), r.get('lastname')]),
      [
        [1, 'John', 'Doe'],
        [2, 'Jane', 'Doe'],
      ],
    );
  });

  test('the keyspace and table are visible in system_schema, under lower-case names', { timeout: 15_000 }, async () => {
    const ks = await client.execute("SELECT keyspace_name, replication FROM system_schema.keyspaces WHERE keyspace_name = 'customers_ks'");
    assert.equal(ks.rowLength, 1);
    assert.deepEqual(ks.first().get('replication'), { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' });
    const t = await client.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'customers_ks'");
    assert.deepEqual(
      t.rows.map((r) => r.get('table_name')),
      ['customers'],
    );
  });

  test('creating the keyspace again is an Already_exists error (0x2400)', { timeout: 15_000 }, async () => {
    await assert.rejects(
      client.execute("CREATE KEYSPACE customers_ks WITH REPLICATION = { 'class' : 'SimpleStrategy', 'replication_factor' : 3 };"),
      (e: unknown) => (e as { code?: number }).code === 0x2400,
    );
  });
});

describe('seed 000: the Node.js script (examples/seed000-customers.ts)', () => {
  function runExample(): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'examples', 'seed000-customers.ts'), ADDRESS, DC], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new Error(`examples/seed000-customers.ts did not finish within 30 s\n${stdout}\n${stderr}`));
      }, 30_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        done({ code, stdout, stderr });
      });
    });
  }

  const expected = [
    { custid: '1', custaddress: 'Infinity Dr, TX', custname: 'John' },
    { custid: '2', custaddress: 'Fermat Ln, WA', custname: 'Tom' },
  ];

  function rowsPrinted(stdout: string): unknown[] {
    return stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as unknown);
  }

  test('prints both customers as JSON', { timeout: 40_000 }, async () => {
    const r = await runExample();
    assert.equal(r.code, 0, `exit code\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
    assert.match(r.stdout, /^Created Keyspace: custsupport_ks$/m);
    assert.match(r.stdout, /^Created column family: customers_cf$/m);
    assert.match(r.stdout, /^Inserted customer : John$/m);
    assert.match(r.stdout, /^Inserted customer : Tom$/m);
    // varint comes back as a driver Integer, whose JSON form is its decimal string.
    const rows = rowsPrinted(r.stdout);
    assert.equal(rows.length, 2, r.stdout);
    const byId = [...rows].sort((a, b) => String((a as { custid: string }).custid).localeCompare(String((b as { custid: string }).custid)));
    assert.deepEqual(byId, expected);
  });

  test('is re-runnable: a second run upserts the same two rows', { timeout: 40_000 }, async () => {
    const r = await runExample();
    assert.equal(r.code, 0, `exit code\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
    const rows = rowsPrinted(r.stdout);
    assert.equal(rows.length, 2, r.stdout);
    assert.deepEqual(
      [...rows].sort((a, b) => String((a as { custid: string }).custid).localeCompare(String((b as { custid: string }).custid))),
      expected,
    );
  });
});
