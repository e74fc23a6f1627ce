// The inbound guard of internode messaging (src/messaging/inbound-guard.ts) on real sockets. Range 127.0.56.10–.13.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameError } from '../../src/messaging/codec.ts';
import { HELLO_MAX_BYTES, HelloReader, sameHost } from '../../src/messaging/inbound-guard.ts';
import { MessagingService } from '../../src/messaging/messaging.ts';
import { closedWithin, connectFrom, helloFrame, requestFrame } from '../helpers/forged-peer.ts';

const NODE = '127.0.56.10';
const MEMBER = '127.0.56.11';
const STRANGER = '127.0.56.12';
const PORT = 7000;
const members = new Set<string>();
const node = await MessagingService.start({
  address: NODE, port: PORT, isKnownPeer: (ep) => members.has(ep), handshakeTimeoutMs: 300, maxInboundConnections: 4,
});
const calls: string[] = [];
node.register('TRUNCATE', (_p, from) => { calls.push(`TRUNCATE from ${from}`); return true; });
node.register('GOSSIP', (_p, from) => { calls.push(`GOSSIP from ${from}`); });
after(async () => { await node.close(); });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('HelloReader refuses a length over the cap before reading its body, and keeps what follows the hello', () => {
  const big = Buffer.alloc(4);
  big.writeUInt32BE(120 * 1024 * 1024);
  assert.throws(() => new HelloReader().push(big), FrameError);
  const r = new HelloReader();
  const hello = helloFrame(`${MEMBER}:7000`);
  assert.equal(r.push(hello.subarray(0, 3)), undefined);
  const got = r.push(Buffer.concat([hello.subarray(3), Buffer.from([1, 2])]));
  assert.equal(got?.hello.length, hello.length - 4);
  assert.deepEqual([...got!.rest], [1, 2]);
  assert.ok(HELLO_MAX_BYTES <= 8192);
});

test('sameHost compares the socket address with the hello, IPv4-mapped or not', () => {
  assert.ok(sameHost('127.0.0.1', '127.0.0.1:7000'));
  assert.ok(sameHost('::ffff:127.0.0.1', '127.0.0.1:7000'));
  assert.ok(!sameHost('127.0.0.2', '127.0.0.1:7000'));
  assert.ok(!sameHost('127.0.0.2', 'garbage'));
});

test('a member is served; a stranger sending hello + TRUNCATE is refused, counted and closed', async () => {
  members.add(`${MEMBER}:${PORT}`);
  const friend = await connectFrom(MEMBER, NODE);
  friend.write(Buffer.concat([helloFrame(`${MEMBER}:${PORT}`), requestFrame('TRUNCATE', { t: { ks: 'k', table: 't', id: 'x' } })]));
  for (let i = 0; i < 100 && calls.length === 0; i++) await sleep(10);
  assert.deepEqual(calls, [`TRUNCATE from ${MEMBER}:${PORT}`], 'the same frames are honoured from a member');
  friend.destroy();

  const attacker = await connectFrom(STRANGER, NODE);
  attacker.write(Buffer.concat([helloFrame(`${STRANGER}:${PORT}`), requestFrame('TRUNCATE', { t: { ks: 'k', table: 't', id: 'x' } })]));
  assert.ok(await closedWithin(attacker, 2000), 'the node closes the connection');
  assert.equal(calls.length, 1, 'the TRUNCATE did not run');
  assert.equal(node.stats.refusedInbound['not-member'], 1);
});

test('a stranger may gossip (how a node joins), and nothing else', async () => {
  calls.length = 0;
  const joiner = await connectFrom(STRANGER, NODE);
  joiner.write(Buffer.concat([helloFrame(`${STRANGER}:${PORT}`), requestFrame('GOSSIP', { syn: 1 })]));
  for (let i = 0; i < 100 && calls.length === 0; i++) await sleep(10);
  assert.deepEqual(calls, [`GOSSIP from ${STRANGER}:${PORT}`]);
  members.add(`${STRANGER}:${PORT}`);
  joiner.write(requestFrame('TRUNCATE', { t: { ks: 'k', table: 't', id: 'x' } }, 2));
  for (let i = 0; i < 100 && calls.length === 1; i++) await sleep(10);
  assert.deepEqual(calls[1], `TRUNCATE from ${STRANGER}:${PORT}`, 'once gossip knows it, the connection is trusted');
  members.delete(`${STRANGER}:${PORT}`);
  joiner.destroy();
});

test('a hello naming another address than the socket\'s is refused', async () => {
  calls.length = 0;
  const s = await connectFrom(STRANGER, NODE);
  s.write(Buffer.concat([helloFrame(`${MEMBER}:${PORT}`), requestFrame('TRUNCATE', { t: { ks: 'k', table: 't', id: 'x' } })]));
  assert.ok(await closedWithin(s, 2000));
  assert.equal(calls.length, 0);
  assert.equal(node.stats.refusedInbound['spoofed-address'], 1);
});

test('a 120 MB claim before the hello is refused at once; silence past the handshake timeout is closed', async () => {
  const s = await connectFrom(STRANGER, NODE);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(120 * 1024 * 1024);
  s.write(Buffer.concat([header, Buffer.alloc(64 * 1024)]));
  assert.ok(await closedWithin(s, 2000));
  assert.equal(node.stats.refusedInbound['bad-handshake'], 1);
  const silent = await connectFrom(STRANGER, NODE);
  assert.ok(await closedWithin(silent, 3000));
  assert.equal(node.stats.refusedInbound['handshake-timeout'], 1);
});

test('inbound connections are capped', async () => {
  const held = await Promise.all([0, 1, 2, 3].map(() => connectFrom(STRANGER, NODE)));
  await sleep(50);
  const extra = await connectFrom(STRANGER, NODE);
  assert.ok(await closedWithin(extra, 2000));
  assert.equal(node.stats.refusedInbound['too-many-connections'], 1);
  for (const s of held) s.destroy();
});

test('connections from non-members are capped apart from members\'', async () => {
  const big = await MessagingService.start({ address: '127.0.56.13', port: PORT, isKnownPeer: () => false, maxInboundConnections: 100 });
  try {
    const held = [];
    for (let i = 0; i < 32; i++) {
      const s = await connectFrom(STRANGER, '127.0.56.13');
      s.write(helloFrame(`${STRANGER}:${PORT}`));
      held.push(s);
    }
    await sleep(100);
    const extra = await connectFrom(STRANGER, '127.0.56.13');
    extra.write(helloFrame(`${STRANGER}:${PORT}`));
    assert.ok(await closedWithin(extra, 2000));
    assert.equal(big.stats.refusedInbound['too-many-connections'], 1);
    for (const s of held) s.destroy();
  } finally {
    await big.close();
  }
});
