// Crash durability on a real node (127.0.5.x): every write the node acknowledged survives SIGKILL and restart, both with
// the default `commitlog_sync: periodic` and with `batch` (like Cassandra's commit log, periodic sync only risks data on
// an OS or power failure, not when the process alone dies). test/server/commitlog-crash.test.ts covers group mode.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { types, type Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import type { NodeConfig } from '../../src/server/config.ts';
import { connectClient, nodeConfig, runConcurrent, sleep, withTimeout } from '../fixtures/driver.ts';

const N = 2000;
const CONCURRENCY = 128;
const LOCAL_ONE = { prepare: true, consistency: types.consistencies.localOne };

const nodes: NodeProcess[] = [];
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  await Promise.all(nodes.map((n) => n.cleanup()));
});

async function client(address: string): Promise<Client> {
  const c = await connectClient(address);
  clients.push(c);
  return c;
}

/** Reads every key back, prepared, at LOCAL_ONE; returns the keys that are missing or wrong. */
async function verify(c: Client, expected: Map<number, string>): Promise<string[]> {
  const bad: string[] = [];
  const keys = [...expected.keys()];
  await runConcurrent(keys.length, 64, async (i) => {
    const k = keys[i]!;
    const rs = await c.execute('SELECT v FROM dur_ks.t WHERE k = ?', [k], LOCAL_ONE);
    const got = rs.rowLength === 1 ? (rs.first().get('v') as string) : undefined;
    if (got !== expected.get(k)) bad.push(`${k}: ${got ?? 'missing'}`);
  });
  return bad.sort();
}

/** Counts rows with a paged full scan, checking the acknowledged ones are all there. */
async function scanKeys(c: Client): Promise<Set<number>> {
  const keys = new Set<number>();
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      c.eachRow(
        'SELECT k FROM dur_ks.t',
        [],
        { ...LOCAL_ONE, fetchSize: 500, autoPage: true },
        (_n: number, row: types.Row) => {
          keys.add(row.get('k') as number);
        },
        (err?: Error | null) => (err ? reject(err) : resolve()),
      );
    }),
    20_000,
    'full scan',
  );
  return keys;
}

function durabilityCase(label: string, address: string, config: Partial<NodeConfig>): void {
  describe(`commitlog_sync: ${label}`, () => {
    test(`${N} acknowledged writes, then writes in flight, survive SIGKILL`, { timeout: 55_000 }, async () => {
      const node = await startNodeProcess({ address, config: nodeConfig(config) });
      nodes.push(node);
      const c1 = await client(address);
      await c1.execute("CREATE KEYSPACE dur_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      await c1.execute('CREATE TABLE dur_ks.t (k int PRIMARY KEY, v text)');

      const acked = new Map<number, string>();
      const ins = 'INSERT INTO dur_ks.t (k, v) VALUES (?, ?)';
      await withTimeout(
        runConcurrent(N, CONCURRENCY, async (k) => {
          const v = `value-${k}-${'x'.repeat(k % 50)}`;
          await c1.execute(ins, [k, v], LOCAL_ONE);
          acked.set(k, v);
        }),
        30_000,
        `${N} writes`,
      );
      assert.equal(acked.size, N);

      // Keep writing new keys with many in flight and kill the node in the middle: whatever was acknowledged must stay.
      let stop = false;
      let nextKey = N;
      const writer = async (): Promise<void> => {
        while (!stop) {
          const k = nextKey++;
          const v = `late-${k}`;
          try {
            await c1.execute(ins, [k, v], LOCAL_ONE);
            acked.set(k, v); // acknowledged is acknowledged, even if it lands after the kill was requested
          } catch {
            return; // the node is gone
          }
        }
      };
      const writers = Array.from({ length: 64 }, writer);
      const deadline = Date.now() + 5000;
      while (acked.size < N + 500 && Date.now() < deadline) await sleep(10);
      await node.kill();
      stop = true;
      await withTimeout(Promise.all(writers), 30_000, 'writers to notice the kill');
      await c1.shutdown();

      await node.start();
      const c2 = await client(address);
      const bad = await verify(c2, acked);
      assert.deepEqual(bad.slice(0, 20), [], `${bad.length} of ${acked.size} acknowledged writes lost or wrong after SIGKILL (first 20)`);
      const scanned = await scanKeys(c2);
      const missing = [...acked.keys()].filter((k) => !scanned.has(k));
      assert.deepEqual(missing.slice(0, 20), [], 'acknowledged keys missing from a full scan');
      // Nothing invented: every scanned key was at least attempted.
      assert.ok([...scanned].every((k) => k >= 0 && k < nextKey), 'scan returned keys that were never written');

      // The schema survived too, and the node takes writes again.
      await c2.execute(ins, [-1, 'after restart'], LOCAL_ONE);
      const rs = await c2.execute('SELECT v FROM dur_ks.t WHERE k = ?', [-1], LOCAL_ONE);
      assert.equal(rs.first()?.get('v'), 'after restart');
    });

    test('a second SIGKILL right after restart loses nothing either', { timeout: 40_000 }, async () => {
      const node = nodes.find((n) => n.address === address);
      assert.ok(node, 'the node from the previous test');
      const c = await client(address);
      const acked = new Map<number, string>();
      await runConcurrent(500, CONCURRENCY, async (i) => {
        const k = 100_000 + i;
        await c.execute('INSERT INTO dur_ks.t (k, v) VALUES (?, ?)', [k, `second-${k}`], LOCAL_ONE);
        acked.set(k, `second-${k}`);
      });
      // Overwrites and deletes must be durable as well.
      await c.execute('UPDATE dur_ks.t SET v = ? WHERE k = ?', ['overwritten', 0], LOCAL_ONE);
      await c.execute('DELETE FROM dur_ks.t WHERE k = ?', [1], LOCAL_ONE);
      await c.shutdown();
      await node.kill();
      await node.start();
      const c2 = await client(address);
      assert.deepEqual((await verify(c2, acked)).slice(0, 20), []);
      const v0 = await c2.execute('SELECT v FROM dur_ks.t WHERE k = ?', [0], LOCAL_ONE);
      assert.equal(v0.first()?.get('v'), 'overwritten');
      const v1 = await c2.execute('SELECT v FROM dur_ks.t WHERE k = ?', [1], LOCAL_ONE);
      assert.equal(v1.rowLength, 0, 'deleted row stays deleted');
    });
  });
}

durabilityCase('periodic (default)', '127.0.5.1', {});
durabilityCase('batch', '127.0.5.2', { commitlogSync: 'batch' });
