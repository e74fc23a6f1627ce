// MessagingService over real loopback sockets, several services in one process. Range 127.0.20.x.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { InvalidRequestError } from '../../src/model/errors.ts';
import {
  MessagingClosedError, MessagingService, RemoteError, TimeoutError,
} from '../../src/messaging/messaging.ts';
import { encodeFrame } from '../../src/messaging/codec.ts';

const A = '127.0.20.1';
const B = '127.0.20.2';
const C = '127.0.20.3';
const PORT = 7000;
const live = new Set<MessagingService>();

async function start(address: string): Promise<MessagingService> {
  const s = await MessagingService.start({ address, port: PORT, backoffMinMs: 10, backoffMaxMs: 50 });
  live.add(s);
  return s;
}
async function stop(s: MessagingService): Promise<void> {
  live.delete(s);
  await s.close();
}
after(async () => { await Promise.all([...live].map((s) => s.close())); });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(5);
  }
}

const a = await start(A);
const b = await start(B);

test('identity is the listen address and port', () => {
  assert.equal(a.self, `${A}:${PORT}`);
});

test('request/response carries bigint, Buffer and nested data both ways; the peer sees our listen address', async () => {
  b.register('echo', (payload, from) => ({ payload, from }));
  const payload = { token: -42n, value: Buffer.from('v'), rows: [[1, 'x'], [2, { y: null }]] };
  const reply = await a.request(b.self, 'echo', payload, 2_000);
  assert.deepEqual(reply, { payload, from: a.self });
  a.register('echo', async (p) => { await sleep(1); return p; });
  assert.equal(await b.request(a.self, 'echo', 7n, 2_000), 7n);
});

test('one-way send reaches the handler, and a handler returning undefined sends nothing back', async () => {
  const got: Array<[unknown, string]> = [];
  b.register('note', (payload, from) => { got.push([payload, from]); });
  a.send(b.self, 'note', { n: 1 });
  await until(() => got.length === 1);
  assert.deepEqual(got, [[{ n: 1 }, a.self]]);
  await assert.rejects(a.request(b.self, 'note', { n: 2 }, 150), TimeoutError);
});

test('messages to self are delivered locally, as copies', async () => {
  a.register('self', (p) => p);
  const payload = { list: [1] };
  const pending = a.request(a.self, 'self', payload, 1_000);
  payload.list.push(2);
  assert.deepEqual(await pending, { list: [1] });
});

test('handler errors arrive as RemoteError with class name, message, code and details', async () => {
  b.register('invalid', () => { throw new InvalidRequestError('unconfigured table t'); });
  b.register('async-fail', async () => { await sleep(1); throw Object.assign(new Error('disk'), { code: 'EIO', path: '/d' }); });
  b.register('unencodable', () => ({ f: Symbol('not data') }));
  const err = await a.request(b.self, 'invalid', null, 2_000).catch((e: unknown) => e);
  assert.ok(err instanceof RemoteError);
  assert.equal(err.remoteName, 'InvalidRequestError');
  assert.equal(err.message, 'unconfigured table t');
  assert.equal(err.code, 0x2200);
  assert.equal(err.from, b.self);
  assert.equal(err.verb, 'invalid');
  const io = await a.request(b.self, 'async-fail', null, 2_000).catch((e: unknown) => e);
  assert.ok(io instanceof RemoteError);
  assert.equal(io.code, 'EIO');
  assert.deepEqual(io.details, { path: '/d' });
  const unknown = await a.request(b.self, 'no-such-verb', null, 2_000).catch((e: unknown) => e);
  assert.ok(unknown instanceof RemoteError && unknown.remoteName === 'UnknownVerbError');
  const bad = await a.request(b.self, 'unencodable', null, 2_000).catch((e: unknown) => e);
  assert.ok(bad instanceof RemoteError, 'a response msgpack cannot carry becomes an error, not a timeout');
  assert.throws(() => a.send(b.self, 'note', { f: Symbol('x') }));
});

test('per-link ordering: 5,000 one-way messages arrive in send order', async () => {
  const seen: number[] = [];
  b.register('seq', (n) => { seen.push(n as number); });
  for (let i = 0; i < 5_000; i++) a.send(b.self, 'seq', i);
  await until(() => seen.length === 5_000, 5_000);
  assert.deepEqual(seen, Array.from({ length: 5_000 }, (_, i) => i));
});

test('resetConnection drops the live link; the next message opens a fresh connection that works', async () => {
  b.register('ping', () => 'pong');
  assert.equal(await a.request(b.self, 'ping', null, 2_000), 'pong');
  assert.ok(a.isConnected(b.self));
  const inboundBefore = (b as unknown as { inbound: Set<unknown> }).inbound.size;
  a.resetConnection(b.self);
  assert.equal(a.isConnected(b.self), false);
  assert.equal(await a.request(b.self, 'ping', null, 2_000), 'pong');
  assert.ok(a.isConnected(b.self));
  // The old inbound socket at b sees the close: b holds as many inbound connections as before, not one more.
  await until(() => (b as unknown as { inbound: Set<unknown> }).inbound.size <= inboundBefore);
  a.resetConnection('127.0.20.9:7000');
});

test('the gossip Transport adapter sends and receives over one verb', async () => {
  const ta = a.transport<{ kind: string }>('gossip');
  const tb = b.transport<{ kind: string }>('gossip');
  const got: Array<[string, { kind: string }]> = [];
  tb.onMessage((from, msg) => got.push([from, msg]));
  ta.onMessage(() => {});
  ta.send(b.self, { kind: 'syn' });
  await until(() => got.length === 1);
  assert.deepEqual(got, [[a.self, { kind: 'syn' }]]);
});

test('a request to a peer that is down times out within timeout + slack', async () => {
  const c = await start(C);
  c.register('ping', () => 'pong');
  assert.equal(await a.request(c.self, 'ping', null, 2_000), 'pong');
  await stop(c);
  const t0 = performance.now();
  const err = await a.request(c.self, 'ping', null, 300).catch((e: unknown) => e);
  const took = performance.now() - t0;
  assert.ok(err instanceof TimeoutError, String(err));
  assert.equal(err.to, c.self);
  assert.ok(took >= 299 && took < 300 + 300, `took ${took} ms`);
  // Nothing listens at all (never started): refused, dropped, timed out.
  const never = `${C}:7001`;
  await assert.rejects(a.request(never, 'ping', null, 100), TimeoutError);
  assert.ok(a.stats.droppedByLink.unreachable >= 1);
});

test('after the peer restarts, the link reconnects and requests succeed again', async () => {
  let c = await start(C);
  c.register('ping', () => 'pong 1');
  assert.equal(await a.request(c.self, 'ping', null, 2_000), 'pong 1');
  await stop(c);
  await assert.rejects(a.request(c.self, 'ping', null, 100), TimeoutError);
  c = await start(C);
  c.register('ping', () => 'pong 2');
  let reply: unknown;
  const end = Date.now() + 3_000;
  while (reply === undefined && Date.now() < end) {
    reply = await a.request(c.self, 'ping', null, 200).catch(() => undefined);
  }
  assert.equal(reply, 'pong 2');
  assert.ok(a.isConnected(c.self));
  await stop(c);
});

test('garbage on an inbound connection closes that connection only', async () => {
  for (const bytes of [Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2]), encodeFrame({ verb: 'x', id: 1 }),
    Buffer.concat([encodeFrame({ hello: 'sibyl', version: 2, from: 'evil:1' }), encodeFrame(42)])]) {
    const socket = connect({ host: B, port: PORT });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(bytes);
    await new Promise<void>((resolve) => { socket.once('close', () => resolve()); socket.resume(); });
  }
  assert.equal(await a.request(b.self, 'echo', 1, 2_000).then((r) => (r as { payload: unknown }).payload), 1);
});

test('close() rejects pending requests and later ones with MessagingClosedError', async () => {
  const d = await start('127.0.20.4');
  d.register('slow', () => new Promise(() => {}));
  const e = await start('127.0.20.5');
  const pending = e.request(d.self, 'slow', null, 5_000);
  await sleep(50);
  await stop(e);
  await assert.rejects(pending, MessagingClosedError);
  await assert.rejects(e.request(d.self, 'slow', null, 100), MessagingClosedError);
  await stop(d);
});
