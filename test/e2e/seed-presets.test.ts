// The seeds' own layouts, brought up as a newcomer would: by the walk-through scripts in examples/ (`sibyl cluster up
// --preset …`, the seed's statements through `sibyl cqlsh`, `nodetool status`). Seed 000's single region (WESTUS, 8
// nodes in 4 racks at 127.1.2.4–11, load balancer 127.1.2.101), its two regions (+ EASTUS at 127.2.2.4–11), and seed
// 004's three availability zones (127.3.0.1–9). The presets' addresses are fixed, so every test that uses them lives
// in this one file and runs in sequence.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import type { ClusterManifest } from '../../src/tools/cluster/manifest.ts';
import { adminCall } from '../../src/tools/admin-client.ts';
import { REPO_ROOT } from '../helpers/node-process.ts';
import { runCli } from '../helpers/cli.ts';

const WEST = Array.from({ length: 8 }, (_, i) => `127.1.2.${i + 4}`);
const CL = cassandra.types.consistencies;

const SIBYL = `${process.execPath} --import tsx ${join(REPO_ROOT, 'src', 'tools', 'cli.ts')}`;

/** Runs examples/<name>/walkthrough.sh with its cluster in `dir`; resolves with its exit code and output. */
function walkthrough(name: string, dir: string, timeoutMs = 150_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(REPO_ROOT, 'examples', name, 'walkthrough.sh')], {
      cwd: REPO_ROOT, env: { ...process.env, SIBYL, CLUSTER_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`${name} walk-through timed out:\n${out}`))), timeoutMs);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, out })));
  });
}

/** The part of a walk-through's output after the line `== <title>…` and before the next `== ` line. */
function section(out: string, title: string): string {
  const start = out.indexOf(`== ${title}`);
  assert.ok(start >= 0, `no section "${title}" in:\n${out}`);
  const body = out.slice(out.indexOf('\n', start) + 1);
  const end = body.indexOf('\n== ');
  return end < 0 ? body : body.slice(0, end);
}

/** A fresh directory for a preset's cluster, whose cluster is removed (processes and files) when the suite ends. */
function clusterDir(preset: string): string {
  const root = mkdtempSync(join(tmpdir(), `sibyl-${preset}-`));
  const dir = join(root, preset);
  after(async () => {
    await runCli(['cluster', 'remove', '--dir', dir], { timeoutMs: 60_000 });
    rmSync(root, { recursive: true, force: true });
  });
  return dir;
}

const SEED_TABLE = ` customer_id | firstname | lastname
-------------+-----------+----------
           1 |      John |      Doe
           2 |      Jane |      Doe

(2 rows)
`;

/** The data rows of `nodetool status` (state, address, load, tokens, owns, host id, rack). */
function statusRows(out: string): Array<{ state: string; address: string; owns: number; rack: string }> {
  return out
    .split('\n')
    .filter((l) => /^[UD][NLJM] /.test(l))
    .map((l) => {
      const f = l.trim().split(/\s+/);
      const owns = f.find((x) => x.endsWith('%'));
      return { state: f[0]!, address: f[1]!, owns: owns === undefined ? NaN : Number(owns.slice(0, -1)), rack: f[f.length - 1]! };
    });
}

describe('seed 000, single region: the azure-single-region preset', { timeout: 300_000 }, () => {
  const clients: cassandra.Client[] = [];
  after(() => Promise.all(clients.map((c) => c.shutdown())));
  const dir = clusterDir('azure-single-region');
  let upOut = '';
  let walk = '';

  before(async () => {
    const w = await walkthrough('azure-single-region', dir);
    walk = w.out;
    assert.equal(w.code, 0, `walk-through failed:\n${w.out}`);
    upOut = section(walk, 'sibyl cluster up');
  });

  const clientFor = async (address: string, opts: Partial<cassandra.ClientOptions> = {}): Promise<cassandra.Client> => {
    const c = new cassandra.Client({ contactPoints: [address], localDataCenter: 'WESTUS', ...opts });
    clients.push(c);
    await c.connect();
    return c;
  };

  test('cluster up prints nodetool status: 8 UN nodes in WESTUS, two in each of rack1–rack4', () => {
    assert.match(upOut, /^Datacenter: WESTUS$/m);
    const rows = statusRows(upOut);
    assert.deepEqual(rows.map((r) => r.address).sort(), [...WEST].sort());
    assert.ok(rows.every((r) => r.state === 'UN'), upOut);
    const perRack = new Map<string, number>();
    for (const r of rows) perRack.set(r.rack, (perRack.get(r.rack) ?? 0) + 1);
    assert.deepEqual([...perRack].sort(), [['rack1', 2], ['rack2', 2], ['rack3', 2], ['rack4', 2]]);
    const m = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterManifest;
    assert.deepEqual(m.nodes.filter((n) => n.seed).map((n) => n.address), ['127.1.2.4', '127.1.2.6', '127.1.2.8', '127.1.2.10']);
    assert.equal(m.ilbs[0]?.address, '127.1.2.101');
  });

  test("walk-through: the seed's statements through the load balancer print the seed's table", () => {
    assert.equal(section(walk, 'cqlsh 127.1.2.101 9042').trimEnd(), `\n${SEED_TABLE}`.trimEnd());
  });

  test("the seed's keyspace (SimpleStrategy, RF 3): Owns (effective) adds up to 300%", () => {
    const st = section(walk, 'nodetool status customers_ks');
    const rows = statusRows(st);
    assert.equal(rows.length, 8);
    assert.ok(rows.every((r) => r.state === 'UN'));
    const total = rows.reduce((a, r) => a + r.owns, 0);
    assert.ok(Math.abs(total - 300) < 0.5, `Owns (effective) adds up to ${total}%:\n${st}`);
  });

  test("the seed's statements succeed at QUORUM through every node and through the load balancer (cqlsh)", async () => {
    const results = await Promise.all([...WEST, '127.1.2.101'].map((host, i) =>
      runCli(['cqlsh', host, '9042', '-e', `CONSISTENCY QUORUM; INSERT INTO customers_ks.Customers(customer_id, firstname, lastname) VALUES (${10 + i}, 'via', '${host}'); SELECT * FROM customers_ks.Customers WHERE customer_id IN (1, 2);`], { timeoutMs: 60_000 })));
    for (const [i, r] of results.entries()) {
      assert.equal(r.code, 0, `cqlsh ${[...WEST, 'ILB'][i]}: ${r.stderr}`);
      assert.equal(r.stdout, `Consistency level set to QUORUM.\n\n${SEED_TABLE}`);
    }
    const all = await runCli(['cqlsh', WEST[7]!, '-e', 'CONSISTENCY QUORUM; SELECT count(*) FROM customers_ks.Customers;']);
    assert.match(all.stdout, /^ +11$/m, all.stdout);
  });

  test('the same through the Node.js driver, each request coordinated by one chosen node', async () => {
    const insert = 'INSERT INTO customers_ks.Customers(customer_id, firstname, lastname) VALUES(?, ?, ?)';
    const { AllowListPolicy, DCAwareRoundRobinPolicy } = cassandra.policies.loadBalancing;
    for (const [i, address] of WEST.entries()) {
      const c = await clientFor(address, { policies: { loadBalancing: new AllowListPolicy(new DCAwareRoundRobinPolicy('WESTUS'), [`${address}:9042`]) } });
      await c.execute(insert, [100 + i, `first${i}`, 'Doe'], { prepare: true, consistency: CL.quorum });
      const rs = await c.execute('SELECT * FROM customers_ks.Customers WHERE customer_id IN (1, 2)', [], { consistency: CL.quorum });
      assert.deepEqual(rs.rows.map((r) => [r['customer_id'], r['firstname'], r['lastname']]), [[1, 'John', 'Doe'], [2, 'Jane', 'Doe']], `through ${address}`);
    }
  });

  test('placement: the driver’s token-aware replicas equal nodetool getendpoints for 1,000 keys, never two in a rack', async () => {
    const c = await clientFor(WEST[1]!);
    await c.execute("CREATE KEYSPACE placement WITH replication = {'class': 'NetworkTopologyStrategy', 'WESTUS': 3}");
    await c.execute('CREATE TABLE placement.t (id int PRIMARY KEY, v text)');
    await c.metadata.refreshKeyspace('placement');
    const rackOf = new Map(statusRows(upOut).map((r) => [r.address, r.rack]));
    const mismatches: string[] = [];
    for (let id = 0; id < 1000; id++) {
      const routingKey = Buffer.alloc(4);
      routingKey.writeInt32BE(id);
      const driver = c.getReplicas('placement', routingKey).map((h) => h.address.split(':')[0]!).sort();
      // The admin endpoint nodetool getendpoints prints; asked of a different node each time.
      const server = (await adminCall<string[]>(WEST[id % 8]!, 7199, `/endpoints?keyspace=placement&table=t&key=${id}`)).sort();
      if (driver.join() !== server.join()) mismatches.push(`${id}: driver ${driver.join()} server ${server.join()}`);
      assert.equal(new Set(server.map((a) => rackOf.get(a))).size, 3, `key ${id}: replicas ${server.join()} share a rack`);
    }
    assert.deepEqual(mismatches.slice(0, 5), [], `${mismatches.length} of 1000 keys differ`);
    // And the command itself, for a few keys.
    for (const id of [0, 7, 999]) {
      const out = await runCli(['nodetool', '-h', WEST[3]!, 'getendpoints', 'placement', 't', String(id)]);
      assert.equal(out.code, 0, out.stderr);
      const routingKey = Buffer.alloc(4);
      routingKey.writeInt32BE(id);
      const driver = c.getReplicas('placement', routingKey).map((h) => h.address.split(':')[0]!).sort();
      assert.deepEqual(out.stdout.trim().split('\n').sort(), driver);
    }
  });

  test('customer-service keeps answering PUT/GET at LOCAL_QUORUM while a node is killed', { timeout: 120_000 }, async () => {
    const APP = 'http://127.1.2.200:8080';
    const app: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'examples/customer-service/server.ts'),
      '--contact-points', '127.1.2.4,127.1.2.6', '--dc', 'WESTUS', '--host', '127.1.2.200', '--port', '8080'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let appErr = '';
    app.stderr!.on('data', (c: Buffer) => (appErr += c));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`customer-service did not start: ${appErr}`)), 30_000);
        app.stdout!.on('data', (c: Buffer) => { if (c.toString().includes('listening')) (clearTimeout(timer), resolve()); });
        app.once('exit', (code) => (clearTimeout(timer), reject(new Error(`customer-service exited ${code}: ${appErr}`))));
      });
      const failures: string[] = [];
      const written = new Map<number, string>();
      let ops = 0;
      const call = async (id: number): Promise<void> => {
        const name = `name-${id}-${ops}`;
        const put = await fetch(`${APP}/customers/${id}`, { method: 'PUT', body: JSON.stringify({ custname: name, custaddress: 'Infinity Dr, TX' }), signal: AbortSignal.timeout(10_000) });
        if (put.status !== 204) failures.push(`PUT ${id}: ${put.status} ${await put.text()}`);
        else written.set(id, name);
        const get = await fetch(`${APP}/customers/${id}`, { signal: AbortSignal.timeout(10_000) });
        const body = (await get.json()) as { custname?: string; error?: string };
        if (get.status !== 200 || body.custname !== written.get(id)) failures.push(`GET ${id}: ${get.status} ${JSON.stringify(body)}`);
        ops++;
      };
      // Four clients for 12 s: 3 s healthy, then a node is killed (SIGKILL) and they keep going for 9 s.
      const runUntil = Date.now() + 12_000;
      const clients = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; Date.now() < runUntil && i < 100_000; i++) await call(w * 1000 + (i % 200));
      });
      await new Promise((r) => setTimeout(r, 3000));
      const before = ops;
      const kill = await runCli(['cluster', 'kill', '--dir', dir, '--node', '127.1.2.7']);
      assert.equal(kill.code, 0, kill.stderr);
      await Promise.all(clients);
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${ops} PUT+GET pairs failed`);
      assert.ok(before > 10 && ops - before > 30, `only ${before} pairs before and ${ops - before} after the kill`);
      console.log(`# customer-service: ${before} PUT+GET pairs before the kill, ${ops - before} after, 0 failures`);
    } finally {
      app.kill('SIGTERM');
    }
  });
});

describe('seed 000, two regions: the azure-two-region walk-through', { timeout: 240_000 }, () => {
  const dir = clusterDir('azure-two-region');

  test('16 nodes in WESTUS and EASTUS; rows written in WESTUS are read in EASTUS and the other way round', async () => {
    const w = await walkthrough('azure-two-region', dir, 200_000);
    assert.equal(w.code, 0, `walk-through failed:\n${w.out}`);
    const up = statusRows(section(w.out, 'sibyl cluster up'));
    assert.equal(up.length, 16);
    assert.ok(up.every((r) => r.state === 'UN'));
    assert.equal(up.filter((r) => r.address.startsWith('127.1.2.')).length, 8);
    assert.equal(up.filter((r) => r.address.startsWith('127.2.2.')).length, 8);
    assert.match(section(w.out, 'sibyl cluster up'), /^Datacenter: EASTUS$[\s\S]*^Datacenter: WESTUS$/m);
    assert.equal(section(w.out, 'West: cqlsh').trimEnd(), `Consistency level set to EACH_QUORUM.\nConsistency level set to LOCAL_QUORUM.\n\n${SEED_TABLE}`.trimEnd());
    assert.equal(section(w.out, 'East: cqlsh').trimEnd(), `Consistency level set to LOCAL_QUORUM.\n\n${SEED_TABLE}Consistency level set to EACH_QUORUM.`);
    assert.match(section(w.out, 'West again'), /^ +3 \| +Ada \| Lovelace$[\s\S]*^\(1 rows\)$/m);
    const st = statusRows(section(w.out, 'nodetool status customers_ks'));
    for (const prefix of ['127.1.2.', '127.2.2.']) {
      const total = st.filter((r) => r.address.startsWith(prefix)).reduce((a, r) => a + r.owns, 0);
      assert.ok(Math.abs(total - 300) < 0.5, `${prefix}x owns ${total}%`);
    }
  });
});

describe('seed 004, three availability zones: the aws-multi-az walk-through', { timeout: 240_000 }, () => {
  const dir = clusterDir('aws-multi-az');

  test('RF 3 over us-east-1a/b/c: with zone 1a down ONE, QUORUM and LOCAL_QUORUM succeed, ALL fails', async () => {
    const w = await walkthrough('aws-multi-az', dir, 200_000);
    assert.equal(w.code, 0, `walk-through failed:\n${w.out}`);
    const up = statusRows(section(w.out, 'sibyl cluster up'));
    assert.equal(up.length, 9);
    assert.deepEqual([...new Set(up.map((r) => r.rack))].sort(), ['1a', '1b', '1c']);
    assert.match(section(w.out, 'sibyl cluster up'), /^Datacenter: us-east$/m);
    const down = statusRows(section(w.out, 'availability zone us-east-1a goes down'));
    assert.deepEqual(down.filter((r) => r.state === 'DN').map((r) => r.rack), ['1a', '1a', '1a']);
    for (const cl of ['ONE', 'QUORUM', 'LOCAL_QUORUM']) {
      const out = section(w.out, `CONSISTENCY ${cl} with zone 1a down`);
      assert.match(out, /^ +1 \| alice$/m, out);
      assert.match(out, new RegExp(`-> ${cl}: succeeded`));
    }
    const all = section(w.out, 'CONSISTENCY ALL with zone 1a down');
    assert.match(all, /Unavailable: Error from server: code=1000 \[Unavailable exception\] message="Cannot achieve consistency level ALL" info=\{'consistency': 'ALL', 'required_replicas': 3, 'alive_replicas': 2\}/, all);
    assert.match(all, /-> ALL: failed/);
    assert.match(section(w.out, 'zone 1a comes back'), /started 127\.3\.0\.1, 127\.3\.0\.2, 127\.3\.0\.3/);
  });
});
