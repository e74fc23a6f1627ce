// Issue 14's attacks on the internode port of a real node (127.0.56.1), from another loopback address (127.0.56.5):
// the forged hello + TRUNCATE, and 8 × 120 MB claims before any hello.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import type { Client } from 'cassandra-driver';
import { startNodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig, runConcurrent, sleep } from '../fixtures/driver.ts';
import { closedWithin, connectFrom, helloFrame, requestFrame } from '../helpers/forged-peer.ts';

const NODE = '127.0.56.1';
const ATTACKER = '127.0.56.5';
const clients: Client[] = [];
after(async () => { await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined))); });

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m);
  return Number(m[1]) * 1024;
}

async function refused(reason: string): Promise<number> {
  const text = await (await fetch(`http://${NODE}:7199/metrics`)).text();
  const m = new RegExp(`^sibyl_refused_total\\{transport="internode",reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

test('forged peer: hello + TRUNCATE from a non-member, or naming a member, changes nothing', { timeout: 90_000 }, async () => {
  const node = await startNodeProcess({ address: NODE, logLevel: 'warn', config: nodeConfig() });
  const c = await connectClient(NODE);
  clients.push(c);
  await c.execute("CREATE KEYSPACE f WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await c.execute('CREATE TABLE f.t (k int PRIMARY KEY, v text)');
  await runConcurrent(1000, 32, async (i) => { await c.execute('INSERT INTO f.t (k, v) VALUES (?, ?)', [i, `v${i}`], { prepare: true }); });
  const id = String((await c.execute("SELECT id FROM system_schema.tables WHERE keyspace_name = 'f' AND table_name = 't'")).first()!['id']);
  const truncate = requestFrame('TRUNCATE', { t: { ks: 'f', table: 't', id } });

  const stranger = await connectFrom(ATTACKER, NODE);
  stranger.write(Buffer.concat([helloFrame(`${ATTACKER}:7000`), truncate, requestFrame('SCHEMA_PULL', {}, 2)]));
  assert.ok(await closedWithin(stranger, 5000), 'the node closes the forged connection');
  const spoof = await connectFrom(ATTACKER, NODE);
  spoof.write(Buffer.concat([helloFrame(`${NODE}:7000`), truncate]));
  assert.ok(await closedWithin(spoof, 5000));
  await sleep(300);
  const count = (await c.execute('SELECT count(*) FROM f.t')).first()!['count'];
  assert.equal(Number(count), 1000, 'the table keeps its rows');
  assert.equal(await refused('not-member'), 1);
  assert.equal(await refused('spoofed-address'), 1);
  assert.ok(node.pid !== undefined);

  // 8 connections each claiming a 120 MB frame before any hello, and sending 10 MB of it.
  await sleep(500);
  const before = rssBytes(node.pid);
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  await Promise.all(Array.from({ length: 8 }, async () => {
    const s = await connectFrom(ATTACKER, NODE);
    s.on('error', () => { /* the node resets us */ });
    const header = Buffer.alloc(4);
    header.writeUInt32BE(120 * 1024 * 1024);
    s.write(header);
    for (let i = 0; i < 10 && !s.destroyed; i++) {
      s.write(chunk);
      await sleep(10);
    }
    assert.ok(await closedWithin(s, 5000));
  }));
  await sleep(500);
  const grown = rssBytes(node.pid) - before;
  assert.ok(grown < 50 * 1024 * 1024, `RSS grew by ${Math.round(grown / 1024 / 1024)} MB`);
  assert.equal(await refused('bad-handshake'), 8);
  const rows = await c.execute('SELECT k FROM f.t WHERE k = 7');
  assert.equal(rows.rowLength, 1, 'the node still serves');
  console.log(`# RSS before ${Math.round(before / 1024 / 1024)} MB, after the 8 × 120 MB claims +${Math.round(grown / 1024 / 1024)} MB`);
});
