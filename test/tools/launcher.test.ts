// End to end: `sibyl cluster up/status/down/remove` with real node processes (127.0.12.x), and the internal load
// balancer in front of a node (127.0.13.1 behind 127.0.13.101). Every process the launcher started is killed and every
// directory removed when the file ends, even after a failure.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import cassandra from 'cassandra-driver';
import type { ClusterManifest } from '../../src/tools/cluster/manifest.ts';
import { runCli } from '../helpers/cli.ts';

const dirs: string[] = [];

function newDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `sibyl-launcher-${tag}-`));
  dirs.push(d);
  return d;
}

/** Pids the launcher recorded; killed directly so cleanup does not depend on the launcher working. */
function killRecorded(dir: string): void {
  const p = join(dir, 'cluster.json');
  if (!existsSync(p)) return;
  const m = JSON.parse(readFileSync(p, 'utf8')) as ClusterManifest;
  for (const x of [...m.nodes, ...m.ilbs]) {
    if (x.pid === undefined) continue;
    try {
      process.kill(x.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

function cleanupAll(): void {
  for (const d of dirs) {
    killRecorded(d);
    rmSync(d, { recursive: true, force: true });
  }
}
after(async () => {
  // The polite way first, so nodes flush and the launcher's own bookkeeping is exercised; then make sure.
  for (const d of dirs) if (existsSync(join(d, 'cluster.json'))) await runCli(['cluster', 'down', '--dir', d], { timeoutMs: 30_000 }).catch(() => undefined);
  cleanupAll();
});
process.on('exit', cleanupAll);

const alive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0;
  } catch {
    return false;
  }
};

const manifest = (dir: string): ClusterManifest => JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterManifest;

describe('sibyl cluster', () => {
  test('up -n 1, status, nodetool, down, remove', async () => {
    const dir = newDir('n1');
    const up = await runCli(['cluster', 'up', '-n', '1', '--base-address', '127.0.12.1', '--dir', dir, '--timeout', '60'], { timeoutMs: 90_000 });
    assert.equal(up.code, 0, `${up.stderr}\n${up.stdout}`);
    assert.match(up.stdout, /^Datacenter: dc1\n={15}\nStatus=Up\/Down\n\|\/ State=Normal\/Leaving\/Joining\/Moving\n--  Address {5}Load/m);
    const rows = up.stdout.split('\n').filter((l) => /^[UD][NLJM] {2}/.test(l));
    assert.equal(rows.length, 1, up.stdout);
    assert.match(rows[0]!, /^UN {2}127\.0\.12\.1 {2}.* {2}16 {6}100\.0% {12}[0-9a-f-]{36} {2}r1/);
    assert.match(up.stdout, /cqlsh 127\.0\.12\.1 9042/);
    assert.match(up.stdout, /localDataCenter: 'dc1'/);

    const m = manifest(dir);
    assert.equal(m.nodes.length, 1);
    assert.ok(alive(m.nodes[0]!.pid), 'node process keeps running after up returns');
    assert.ok(existsSync(join(dir, 'node1', 'conf', 'cassandra.yaml')));
    assert.match(readFileSync(join(dir, 'node1', 'conf', 'cassandra-rackdc.properties'), 'utf8'), /dc=dc1\nrack=r1/);

    const status = await runCli(['cluster', 'status', '--dir', dir]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /node1 +127\.0\.12\.1 +dc1\/r1 +running \(pid \d+\) +seed/);
    assert.match(status.stdout, /\nUN {2}127\.0\.12\.1 /);

    const ep = await runCli(['nodetool', '-h', '127.0.12.1', 'getendpoints', 'system_auth', 'roles', 'cassandra']);
    assert.equal(ep.stdout, '127.0.12.1\n', ep.stderr);
    const info = await runCli(['nodetool', '-h', '127.0.12.1', 'info']);
    assert.match(info.stdout, /Data Center {12}: dc1\nRack {19}: r1\n/);

    const down = await runCli(['cluster', 'down', '--dir', dir], { timeoutMs: 30_000 });
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /stopped 1 node of 'test'/);
    assert.ok(!alive(m.nodes[0]!.pid));
    assert.equal(manifest(dir).nodes[0]!.pid, undefined);

    const remove = await runCli(['cluster', 'remove', '--dir', dir], { timeoutMs: 30_000 });
    assert.equal(remove.code, 0, remove.stderr);
    assert.ok(!existsSync(dir));
  });

  test('--ilb-address: a load balancer forwards CQL connections to a healthy node, and refuses when none is', async () => {
    const dir = newDir('ilb');
    const up = await runCli(
      ['cluster', 'up', '-n', '1', '--base-address', '127.0.13.1', '--ilb-address', '127.0.13.101', '--dir', dir, '--timeout', '60'],
      { timeoutMs: 90_000 },
    );
    assert.equal(up.code, 0, `${up.stderr}\n${up.stdout}`);
    assert.match(up.stdout, /cqlsh 127\.0\.13\.101 9042 +# dc1 internal load balancer/);
    const m = manifest(dir);
    assert.equal(m.ilbs.length, 1);
    assert.ok(alive(m.ilbs[0]!.pid));

    const client = new cassandra.Client({ contactPoints: ['127.0.13.101:9042'], localDataCenter: 'dc1' });
    try {
      await client.connect();
      const rs = await client.execute('SELECT broadcast_address FROM system.local');
      assert.equal(String(rs.first()!['broadcast_address']), '127.0.13.1');
    } finally {
      await client.shutdown();
    }

    // With its only node killed, the balancer (after its next probe) closes new connections instead of hanging.
    const kill = await runCli(['cluster', 'kill', '--dir', dir, '--node', '127.0.13.1']);
    assert.equal(kill.code, 0, kill.stderr);
    await new Promise((r) => setTimeout(r, 1500));
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.13.101', port: 9042 });
      const timer = setTimeout(() => (s.destroy(), resolve(false)), 5000);
      s.on('error', () => undefined);
      s.on('close', () => (clearTimeout(timer), resolve(true)));
    });
    assert.ok(closed, 'connection to the ILB is closed when no node is healthy');

    const remove = await runCli(['cluster', 'remove', '--dir', dir], { timeoutMs: 30_000 });
    assert.equal(remove.code, 0, remove.stderr);
    assert.ok(!alive(m.ilbs[0]!.pid));
  });
});
