// The commit log on a real node (127.0.24.1-6, one at a time): SIGKILL under concurrent writes in each
// commitlog_sync mode loses no acknowledged row (memtables small enough that flushes and segment recycling happen
// during the writes); a kill in the middle of a flush replays to the same data; a corrupted segment stops the start
// under commit_failure_policy stop, naming segment and offset, and is skipped under ignore; drain empties the log.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { types, type Client } from 'cassandra-driver';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import type { NodeConfig } from '../../src/server/config.ts';
import { connectClient, nodeConfig, runConcurrent, sleep, withTimeout } from '../fixtures/driver.ts';
import { HEADER_SIZE, scanSegment } from '../../src/storage/commitlog/segment-format.ts';

const ONE = { prepare: true, consistency: types.consistencies.localOne };
const INSERT = 'INSERT INTO cl.t (k, c, v) VALUES (?, ?, ?)';
const nodes: NodeProcess[] = [];
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  await Promise.all(nodes.map((n) => n.cleanup()));
});

async function start(address: string, config: Partial<NodeConfig>): Promise<NodeProcess> {
  const node = await startNodeProcess({ address, logLevel: 'warn', config: nodeConfig(config) });
  nodes.push(node);
  return node;
}

async function client(address: string, schema = false): Promise<Client> {
  const c = await connectClient(address);
  clients.push(c);
  if (schema) {
    await c.execute("CREATE KEYSPACE cl WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await c.execute('CREATE TABLE cl.t (k int, c int, v blob, PRIMARY KEY (k, c))');
  }
  return c;
}

const value = (i: number, size = 200): Buffer => Buffer.alloc(size, i % 251);

/** Every acknowledged row, read back one by one; returns what is missing or wrong. */
async function missing(c: Client, acked: Map<number, Buffer>): Promise<string[]> {
  const bad: string[] = [];
  const keys = [...acked.keys()];
  await runConcurrent(keys.length, 64, async (n) => {
    const i = keys[n]!;
    const rs = await c.execute('SELECT v FROM cl.t WHERE k = ? AND c = ?', [i % 100, i], ONE);
    const got = rs.first()?.get('v') as Buffer | undefined;
    if (!got || !got.equals(acked.get(i)!)) bad.push(`${i}: ${got ? 'wrong value' : 'missing'}`);
  });
  return bad.sort();
}

const segments = (node: NodeProcess): string[] => readdirSync(join(node.dir, 'commitlog')).filter((f) => f.endsWith('.log')).sort();

/** Writes with many in flight until `count` are acknowledged, then SIGKILLs the node with writes still in flight. */
async function writeAndKill(node: NodeProcess, c: Client, count: number, size = 200): Promise<Map<number, Buffer>> {
  const acked = new Map<number, Buffer>();
  let next = 0;
  let stop = false;
  const writer = async (): Promise<void> => {
    while (!stop) {
      const i = next++;
      try {
        await c.execute(INSERT, [i % 100, i, value(i, size)], ONE);
        acked.set(i, value(i, size)); // acknowledged is acknowledged, even after the kill was asked for
      } catch {
        return;
      }
    }
  };
  const writers = Array.from({ length: 128 }, writer);
  const deadline = Date.now() + 30_000;
  while (acked.size < count && Date.now() < deadline) await sleep(5);
  assert.ok(acked.size >= count, `only ${acked.size} writes acknowledged in 30 s`);
  await node.kill();
  stop = true;
  await withTimeout(Promise.all(writers), 30_000, 'writers to notice the kill');
  return acked;
}

const MODES: Array<[string, string, Partial<NodeConfig>]> = [
  ['periodic', '127.0.24.1', { commitlogSync: 'periodic', commitlogSyncPeriodMs: 10_000 }],
  ['batch', '127.0.24.2', { commitlogSync: 'batch' }],
  ['group', '127.0.24.3', { commitlogSync: 'group', commitlogSyncGroupWindowMs: 10 }],
];

describe('SIGKILL under concurrent writes', { timeout: 240_000 }, () => {
  for (const [mode, address, sync] of MODES) {
    test(`commitlog_sync ${mode}: every acknowledged row is read back after the restart`, { timeout: 80_000 }, async () => {
      // 1 MiB segments and a 2 MiB memtable space: the kill lands among flushes and segment switches.
      const node = await start(address, { ...sync, commitlogSegmentSizeMb: 1, memtableHeapSpaceMb: 2 });
      const c = await client(address, true);
      const acked = await writeAndKill(node, c, 15_000);
      assert.ok(segments(node).length > 0, 'the kill left commit log segments to replay');
      await node.start();
      const c2 = await client(address);
      const bad = await missing(c2, acked);
      assert.deepEqual(bad.slice(0, 20), [], `${bad.length} of ${acked.size} acknowledged rows lost (${mode})`);
      await node.cleanup();
    });
  }
});

describe('the commit log at start', { timeout: 240_000 }, () => {
  test('a kill in the middle of a flush replays to the same data', { timeout: 80_000 }, async () => {
    const address = '127.0.24.4';
    const node = await start(address, { commitlogSync: 'periodic', memtableHeapSpaceMb: 512 });
    const c = await client(address, true);
    const acked = new Map<number, Buffer>();
    await runConcurrent(20_000, 128, async (i) => {
      await c.execute(INSERT, [i % 100, i, value(i, 1000)], ONE);
      acked.set(i, value(i, 1000));
    });
    // Overwrites and deletions, which a replay must apply over what the interrupted flush already wrote.
    for (let i = 0; i < 100; i++) {
      acked.set(i, value(i + 7, 1000));
      await c.execute(INSERT, [i % 100, i, value(i + 7, 1000)], ONE);
    }
    await c.execute('DELETE FROM cl.t WHERE k = ? AND c = ?', [5, 105], ONE);
    acked.delete(105);
    const flushing = fetch(`http://${address}:7199/flush`, { method: 'POST' }).then(() => 'done', () => 'killed');
    await sleep(150);
    await node.kill();
    assert.equal(await flushing, 'killed', 'the flush was still running when the node was killed');
    await node.start();
    const c2 = await client(address);
    assert.deepEqual((await missing(c2, acked)).slice(0, 20), []);
    const gone = await c2.execute('SELECT v FROM cl.t WHERE k = ? AND c = ?', [5, 105], ONE);
    assert.equal(gone.rowLength, 0, 'the deleted row stays deleted');
    const count = await c2.execute('SELECT count(*) FROM cl.t', [], ONE);
    assert.equal(Number(count.first()!.get(0)), acked.size, 'nothing more, nothing less');
    await node.cleanup();
  });

  test('a corrupted segment: stop names segment and offset; ignore skips the damaged entry', { timeout: 80_000 }, async () => {
    const address = '127.0.24.5';
    const node = await start(address, { commitlogSync: 'batch' });
    const c = await client(address, true);
    const acked = new Map<number, Buffer>();
    for (let i = 0; i < 300; i++) {
      await c.execute(INSERT, [i % 100, i, value(i)], ONE);
      acked.set(i, value(i));
    }
    await node.kill();
    // Damage the payload of an entry in the middle of the newest segment (not its tail).
    const file = join(node.dir, 'commitlog', segments(node).at(-1)!);
    const bytes = readFileSync(file);
    const scanned = scanSegment(bytes);
    assert.ok(scanned.entries.length >= 300, `${scanned.entries.length} entries`);
    const victim = scanned.entries[150]!;
    bytes[victim.offset + 8 + 10] ^= 0xff;
    writeFileSync(file, bytes);

    await assert.rejects(node.start(), (e: unknown) => {
      const m = /Commit log segment (CommitLog-1-\d+\.log) is corrupt at offset (\d+) \(entry checksum mismatch\)/.exec(String(e));
      assert.ok(m, `start refused with the segment and offset named:\n${String(e).slice(0, 2000)}`);
      assert.equal(m[1], file.split('/').at(-1));
      assert.equal(Number(m[2]), victim.offset);
      assert.match(String(e), /commit_failure_policy is stop/);
      return true;
    });

    writeFileSync(node.configPath, readFileSync(node.configPath, 'utf8').replace('commit_failure_policy: stop', 'commit_failure_policy: ignore'));
    await node.start();
    assert.match(node.stderr, new RegExp(`corrupt at offset ${victim.offset} .*commit_failure_policy ignore`));
    const c2 = await client(address);
    const bad = await missing(c2, acked);
    assert.equal(bad.length, 1, `exactly the damaged entry's row is lost: ${bad.join(', ')}`);
    assert.ok(victim.offset > HEADER_SIZE);
    await node.cleanup();
  });

  test('nodetool drain flushes and empties the commit log; a restart replays nothing', { timeout: 60_000 }, async () => {
    const address = '127.0.24.6';
    const node = await start(address, { commitlogSync: 'periodic' });
    const c = await client(address, true);
    const acked = new Map<number, Buffer>();
    await runConcurrent(2000, 64, async (i) => {
      await c.execute(INSERT, [i % 100, i, value(i)], ONE);
      acked.set(i, value(i));
    });
    assert.ok(segments(node).length > 0);
    const r = await fetch(`http://${address}:7199/drain`, { method: 'POST' });
    assert.equal(r.status, 200);
    assert.deepEqual(segments(node), [], 'no segment left after the drain');
    assert.equal(await node.stop(), 0);
    await node.start();
    assert.doesNotMatch(node.stderr, /commit log replayed/);
    const c2 = await client(address);
    assert.deepEqual((await missing(c2, acked)).slice(0, 20), []);
    await node.cleanup();
  });
});
