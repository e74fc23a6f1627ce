// Native port limits on a real node (127.0.56.20), with 10,000 raw sockets from 127.0.56.21–.24 and a healthy driver client:
// native_transport_max_concurrent_connections(_per_ip), native_transport_idle_timeout and the frame read timeout.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { connect, type Socket } from 'node:net';
import { Client } from 'cassandra-driver';
import { startNodeProcess } from '../helpers/node-process.ts';
import { DC, nodeConfig, sleep } from '../fixtures/driver.ts';
import { closedWithin } from '../helpers/forged-peer.ts';

const NODE = '127.0.56.20';
const sockets: Socket[] = [];
const clients: Client[] = [];
after(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
});

function open(from: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: NODE, port: 9042, localAddress: from });
    sockets.push(s);
    s.on('error', () => { /* closed by the node */ });
    s.resume();
    s.once('connect', () => resolve(s));
    s.once('close', () => reject(new Error('closed before connect')));
  });
}

const alive = (list: Socket[]): number => list.filter((s) => !s.destroyed && !s.readableEnded).length;

/** How many of `list` the node has not closed after `ms`. */
async function survivors(list: Socket[], ms: number): Promise<number> {
  await sleep(ms);
  return alive(list);
}

/**
 * How many of `list` are still open once the node has worked through its refusals: polled until at most `cap`
 * remain (a loaded node may take a while to close 9,600 sockets), or `limitMs` has passed.
 */
async function settled(list: Socket[], cap: number, limitMs: number): Promise<number> {
  const deadline = Date.now() + limitMs;
  for (let i = 0; i < 1000 && alive(list) > cap && Date.now() < deadline; i++) await sleep(100);
  return alive(list);
}

async function refused(reason: string): Promise<number> {
  const text = await (await fetch(`http://${NODE}:7199/metrics`)).text();
  const m = new RegExp(`^sibyl_refused_total\\{transport="native",reason="${reason}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

function startupFrame(): Buffer {
  const body = Buffer.from([0, 1, 0, 11, ...Buffer.from('CQL_VERSION'), 0, 5, ...Buffer.from('3.0.0')]);
  const header = Buffer.from([0x04, 0, 0, 1, 0x01, 0, 0, 0, 0]);
  header.writeUInt32BE(body.length, 5);
  return Buffer.concat([header, body]);
}

test('connection caps, idle and frame read timeouts; a healthy client stays served', { timeout: 120_000 }, async () => {
  await startNodeProcess({
    address: NODE, logLevel: 'warn', config: nodeConfig({
      nativeTransportMaxConcurrentConnections: 400, nativeTransportMaxConcurrentConnectionsPerIp: 150,
      nativeTransportIdleTimeoutMs: 1500, nativeTransportFrameReadTimeoutMs: 1000,
    }),
  });
  const healthy = new Client({ contactPoints: [NODE], localDataCenter: DC, pooling: { heartBeatInterval: 400 } });
  clients.push(healthy);
  await healthy.connect();

  // 10,000 connection attempts from four addresses, 2,500 each, in waves of 1,000 (the listen backlog): at most 150
  // per address, 400 in all, are kept.
  const opened: Socket[] = [];
  for (let wave = 0; wave < 10; wave++) {
    const attempts: Array<Promise<Socket | undefined>> = [];
    for (const from of ['127.0.56.21', '127.0.56.22', '127.0.56.23', '127.0.56.24']) {
      for (let i = 0; i < 250; i++) attempts.push(open(from).catch(() => undefined));
    }
    opened.push(...(await Promise.all(attempts)).filter((s): s is Socket => s !== undefined));
  }
  // Keep them busy enough not to be idle: a STARTUP each (answered READY) — then silence.
  for (const s of opened) if (!s.destroyed) s.write(startupFrame());
  const kept = await settled(opened, 399, 10_000);
  assert.ok(kept <= 399 && kept >= 300, `kept ${kept} of 10,000 (the healthy client holds one or two)`);
  // Every other one was closed by the node: refused at a cap, or (a slot kept during an early wave and silent since)
  // closed as idle, which frees its slot for a later wave.
  const capped = await refused('too-many-connections-per-ip') + await refused('too-many-connections');
  const idled = await refused('idle-timeout');
  assert.ok(capped >= 8000 && capped + idled >= 10_000 - kept, `${capped} refused at a cap, ${idled} idle, ${opened.length} opened, ${kept} kept`);
  assert.equal((await healthy.execute('SELECT release_version FROM system.local')).rowLength, 1);

  // Idle ones are closed after native_transport_idle_timeout; the heartbeating driver is not.
  assert.equal(await survivors(opened, 2000), 0, 'every idle connection closed');
  assert.ok(await refused('idle-timeout') >= idled + kept);
  assert.equal((await healthy.execute('SELECT release_version FROM system.local')).rowLength, 1);

  // A frame claiming 15 MB with 1 MB sent, then silence; and one byte every 200 ms: both closed by the frame timeout.
  const stalled = await open('127.0.56.21');
  const header = Buffer.from([0x04, 0, 0, 1, 0x07, 0, 0, 0, 0]);
  header.writeUInt32BE(15 * 1024 * 1024, 5);
  stalled.write(Buffer.concat([header, Buffer.alloc(1024 * 1024)]));
  const trickle = await open('127.0.56.22');
  trickle.write(header);
  const started = Date.now();
  const drip = setInterval(() => { if (!trickle.destroyed) trickle.write(Buffer.from([0])); }, 200);
  try {
    assert.ok(await closedWithin(stalled, 3000), 'stalled frame closed');
    assert.ok(await closedWithin(trickle, 3000), 'trickling frame closed');
  } finally {
    clearInterval(drip);
  }
  assert.ok(Date.now() - started < 3000);
  assert.ok(await refused('frame-read-timeout') >= 2);
  assert.equal((await healthy.execute('SELECT release_version FROM system.local')).rowLength, 1);
});
