// A full disk under the data directory: the write that hits it is answered with an error (not a closed socket),
// the node follows disk_failure_policy (stop: transports and gossip stopped, process alive for inspection; die: exits;
// ignore: keeps serving), and after space is freed every acknowledged row is there. The data directories live on a
// small tmpfs mounted here (root is needed; the suite is skipped, saying so, only where mount is not permitted).
// Nodes on 127.0.19.2-4, one at a time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, fstatSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Client } from 'cassandra-driver';
import type { NodeConfig } from '../../src/server/config.ts';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig, processAlive, responseErrorOf, sleep, withTimeout } from '../fixtures/driver.ts';
import { eventually } from '../fixtures/cluster.ts';
import { runCli } from '../helpers/cli.ts';

const MOUNT_SIZE = '24m';
const FREE_AFTER_FILL_BYTES = 1024 * 1024;
const ROW_BYTES = 16 * 1024;
const MAX_WRITES = 2000;

/** Mounted at load time, so the suite's skip reason is known when it is declared. */
function mountTmpfs(): { dir: string; refused?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-full-disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${MOUNT_SIZE}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status === 0) return { dir };
  rmSync(dir, { recursive: true, force: true });
  return { dir, refused: `mount -t tmpfs is not permitted here: ${(r.stderr || r.error?.message || '').trim()}` };
}

const mnt = mountTmpfs();
const nodes: NodeProcess[] = [];
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  // The nodes hold files on the tmpfs: they must be gone before it can be unmounted.
  await Promise.all(nodes.map((n) => n.cleanup()));
  if (mnt.refused) return;
  const r = spawnSync('umount', [mnt.dir], { encoding: 'utf8' });
  if (r.status !== 0) spawnSync('umount', ['-l', mnt.dir]);
  rmSync(mnt.dir, { recursive: true, force: true });
});

/** Fills the tmpfs with one file until ENOSPC, then gives back FREE_AFTER_FILL_BYTES; returns the file's path. */
function fill(name: string): string {
  const path = join(mnt.dir, name);
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(1024 * 1024, 0x55);
  try {
    for (let i = 0; i < 4096; i++) {
      try {
        writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        break;
      }
    }
    ftruncateSync(fd, Math.max(0, fstatSync(fd).size - FREE_AFTER_FILL_BYTES));
  } finally {
    closeSync(fd);
  }
  return path;
}

async function startOnTmpfs(address: string, name: string, policies: Partial<NodeConfig>): Promise<NodeProcess> {
  const dir = join(mnt.dir, name);
  mkdirSync(dir, { recursive: true });
  const node = await startNodeProcess({
    address, logLevel: 'warn',
    config: nodeConfig({ dataDir: join(dir, 'data'), hintsDirectory: join(dir, 'hints'), ...policies }),
  });
  nodes.push(node);
  return node;
}

const INSERT = 'INSERT INTO f.t (k, v) VALUES (?, ?)';
const value = (k: number): Buffer => Buffer.alloc(ROW_BYTES, k % 251);

/** Writes rows until one fails; returns the acknowledged keys and that failure. Bounded in count and time. */
async function writeUntilFailure(client: Client, firstKey: number): Promise<{ acked: number[]; failure: unknown }> {
  const acked: number[] = [];
  const deadline = Date.now() + 60_000;
  for (let k = firstKey; k < firstKey + MAX_WRITES && Date.now() < deadline; k++) {
    try {
      await withTimeout(client.execute(INSERT, [k, value(k)], { prepare: true }), 10_000, `write ${k}`);
      acked.push(k);
    } catch (e) {
      return { acked, failure: e };
    }
  }
  assert.fail(`no write failed after ${acked.length} rows of ${ROW_BYTES} bytes on a full disk`);
}

/** The client was told about the failed write by the server: a server error, not a dropped connection or a timeout. */
function assertToldStorageFailure(failure: unknown): void {
  const re = responseErrorOf(failure);
  assert.ok(re, `expected a server error reply, got ${String(failure)}`);
  assert.equal(re.code, 0x0000, `server error code: ${re.message}`);
  assert.match(re.message, /Storage failure during write: .*(Input\/output error|No space left)/);
}

/** Stops the node and gives its space on the tmpfs back to the next test. */
async function finish(node: NodeProcess, name: string): Promise<void> {
  await node.cleanup();
  rmSync(join(mnt.dir, name), { recursive: true, force: true });
}

async function newClient(address: string): Promise<Client> {
  const c = await connectClient(address);
  clients.push(c);
  await c.execute("CREATE KEYSPACE IF NOT EXISTS f WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await c.execute('CREATE TABLE IF NOT EXISTS f.t (k int PRIMARY KEY, v blob)');
  return c;
}

async function assertAllThere(client: Client, keys: number[]): Promise<void> {
  for (const k of keys) {
    const row = (await client.execute('SELECT v FROM f.t WHERE k = ?', [k], { prepare: true })).first();
    assert.ok(row, `acknowledged row ${k} is missing`);
    assert.ok((row.get('v') as Buffer).equals(value(k)), `acknowledged row ${k} has the wrong value`);
  }
}

async function info(address: string): Promise<string> {
  const r = await runCli(['nodetool', '-h', address, 'info']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('a full data disk', { timeout: 300_000, skip: mnt.refused ?? false }, () => {
  test('disk_failure_policy stop (default): the write gets an error, transports stop, the process stays; a restart recovers every acknowledged row', { timeout: 120_000 }, async () => {
    const node = await startOnTmpfs('127.0.19.2', 'stop', {});
    const client = await newClient(node.address);
    const filler = fill('filler-stop');
    const { acked, failure } = await writeUntilFailure(client, 0);
    assert.ok(acked.length > 0, 'some writes fit in the space left');
    assertToldStorageFailure(failure);

    await sleep(500);
    assert.ok(processAlive(node.pid), 'the node stays up for inspection');
    assert.match(node.stderr, /Storage failure during write.*stopping transports \(disk_failure_policy stop, commit_failure_policy stop\)/);
    await assert.rejects(connectClient(node.address), 'the native transport is stopped');
    const report = await info(node.address);
    assert.match(report, /^Native Transport active: false$/m);
    assert.match(report, /^Gossip active\s*: false$/m);

    unlinkSync(filler);
    assert.equal(await node.stop(), 0, `a clean stop on SIGTERM after the failure\n${node.stderr}`);
    await node.start();
    const again = await connectClient(node.address);
    clients.push(again);
    await assertAllThere(again, acked);
    await again.execute(INSERT, [MAX_WRITES + 1, value(MAX_WRITES + 1)], { prepare: true });
    await finish(node, 'stop');
  });

  test('disk_failure_policy die: the write gets an error, then the process exits', { timeout: 120_000 }, async () => {
    const node = await startOnTmpfs('127.0.19.3', 'die', { diskFailurePolicy: 'die' });
    const client = await newClient(node.address);
    const filler = fill('filler-die');
    const { acked, failure } = await writeUntilFailure(client, 0);
    assertToldStorageFailure(failure);
    const pid = node.pid;
    await eventually('the node exits', 10_000, async () => assert.ok(!processAlive(pid), 'still running'));
    assert.match(node.stderr, /stopping transports and exiting \(disk_failure_policy die/);

    unlinkSync(filler);
    await node.start();
    const again = await connectClient(node.address);
    clients.push(again);
    await assertAllThere(again, acked);
    await finish(node, 'die');
  });

  test('disk_failure_policy ignore: the write gets an error and the node keeps serving; writes succeed once space is freed', { timeout: 120_000 }, async () => {
    const node = await startOnTmpfs('127.0.19.4', 'ignore', { diskFailurePolicy: 'ignore', commitFailurePolicy: 'ignore' });
    const client = await newClient(node.address);
    const filler = fill('filler-ignore');
    const { acked, failure } = await writeUntilFailure(client, 0);
    assertToldStorageFailure(failure);
    assert.match(node.stderr, /ignored \(disk_failure_policy ignore, commit_failure_policy ignore\)/);
    assert.match(await info(node.address), /^Native Transport active: true$/m);
    // Still serving on the same connection: reads work, and writes again once there is room.
    await assertAllThere(client, acked.slice(-5));
    unlinkSync(filler);
    await client.execute(INSERT, [MAX_WRITES + 1, value(MAX_WRITES + 1)], { prepare: true });
    await assertAllThere(client, [...acked, MAX_WRITES + 1]);
    assert.ok(processAlive(node.pid));
    await finish(node, 'ignore');
  });
});
