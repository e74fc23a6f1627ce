// Process lifecycle of a real node (127.0.10.2): SIGTERM in the middle of a stream of writes exits 0 and keeps every
// acknowledged write; an invalid cassandra.yaml makes `sibyl node` exit 1 naming the offending key.
// (Not 127.0.9.x: test/server/config.test.ts starts nodes on 127.0.9.1 and 127.0.9.2 and may run at the same time.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { types, type Client } from 'cassandra-driver';
import { runCli } from '../helpers/cli.ts';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig, runConcurrent, sleep, withTimeout } from '../fixtures/driver.ts';

const ADDRESS = '127.0.10.2';
const LOCAL_ONE = { prepare: true, consistency: types.consistencies.localOne };

const nodes: NodeProcess[] = [];
const clients: Client[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  await Promise.all(nodes.map((n) => n.cleanup()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('SIGTERM', () => {
  test('while a client is mid-stream of writes: exit code 0, every acknowledged write readable after restart', { timeout: 55_000 }, async () => {
    const node = await startNodeProcess({ address: ADDRESS, config: nodeConfig() });
    nodes.push(node);
    const c1 = await connectClient(ADDRESS);
    clients.push(c1);
    await c1.execute("CREATE KEYSPACE life_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await c1.execute('CREATE TABLE life_ks.t (k int PRIMARY KEY, v text)');

    const acked = new Map<number, string>();
    let nextKey = 0;
    let failures = 0;
    const writer = async (): Promise<void> => {
      for (;;) {
        const k = nextKey++;
        try {
          await c1.execute('INSERT INTO life_ks.t (k, v) VALUES (?, ?)', [k, `v${k}`], LOCAL_ONE);
          acked.set(k, `v${k}`);
        } catch {
          failures++;
          return; // the node is shutting down or gone
        }
      }
    };
    const writers = Array.from({ length: 32 }, writer);
    const deadline = Date.now() + 10_000;
    while (acked.size < 1000 && Date.now() < deadline) await sleep(10);
    assert.ok(acked.size >= 1000, `only ${acked.size} writes acknowledged in 10 s`);

    const code = await node.stop();
    assert.equal(code, 0, `exit code after SIGTERM (null = it had to be SIGKILLed after 10 s)\n${node.stderr.slice(-2000)}`);
    await withTimeout(Promise.all(writers), 30_000, 'writers to stop after the node went away');
    assert.ok(failures > 0, 'the writers noticed the shutdown');
    await c1.shutdown();

    await node.start();
    const c2 = await connectClient(ADDRESS);
    clients.push(c2);
    const lost: number[] = [];
    const keys = [...acked.keys()];
    await runConcurrent(keys.length, 64, async (i) => {
      const rs = await c2.execute('SELECT v FROM life_ks.t WHERE k = ?', [keys[i]!], LOCAL_ONE);
      if (rs.rowLength !== 1 || rs.first().get('v') !== acked.get(keys[i]!)) lost.push(keys[i]!);
    });
    assert.deepEqual(lost.sort((a, b) => a - b).slice(0, 20), [], `${lost.length} of ${acked.size} acknowledged writes missing after SIGTERM + restart`);
  });

  test('an idle node stops on SIGTERM with exit code 0 and restarts with its data', { timeout: 30_000 }, async () => {
    const node = nodes[0]!;
    assert.equal(await node.stop(), 0);
    await node.start();
    const c = await connectClient(ADDRESS);
    clients.push(c);
    const rs = await c.execute('SELECT count(*) AS n FROM life_ks.t WHERE k IN (0, 1, 2)');
    assert.equal(String(rs.first().get('n')), '3');
  });
});

describe('invalid configuration', () => {
  function conf(yaml: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'sibyl-life-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'cassandra.yaml'), yaml);
    return join(dir, 'cassandra.yaml');
  }
  const base = `cluster_name: life\nlisten_address: ${ADDRESS}\n`;
  const cases: Array<[string, string, string]> = [
    ['an unknown commitlog_sync mode', `${base}commitlog_sync: sometimes\n`, 'commitlog_sync'],
    ['a non-numeric num_tokens', `${base}num_tokens: lots\n`, 'num_tokens'],
    ['a wildcard listen_address', 'listen_address: 0.0.0.0\n', 'listen_address'],
    ['an out-of-range native_transport_port', `${base}native_transport_port: 70000\n`, 'native_transport_port'],
    ['an unsupported partitioner', `${base}partitioner: org.apache.cassandra.dht.RandomPartitioner\n`, 'partitioner'],
  ];
  for (const [label, yaml, key] of cases) {
    test(`${label}: \`sibyl node\` exits 1 with a message naming ${key}`, { timeout: 30_000 }, async () => {
      const r = await runCli(['node', '--config', conf(yaml)]);
      assert.equal(r.code, 1, `exit code\n${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^sibyl: .*\\b${key}\\b`, 'm'));
    });
  }

  test('unparseable YAML: exit 1 with a message', { timeout: 30_000 }, async () => {
    const r = await runCli(['node', '--config', conf('cluster_name: [unclosed\n  - : :\n')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^sibyl: \S/m);
  });

  test('through the test helper: a node whose yaml is invalid fails to start, naming the key', { timeout: 30_000 }, async () => {
    await assert.rejects(startNodeProcess({ address: '127.0.10.3', config: nodeConfig({ numTokens: 0 }) }), /exited with code 1[\s\S]*num_tokens/);
  });
});
