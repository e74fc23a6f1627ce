import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NATIVE_TYPES, T, type CqlType } from '../../src/model/types.ts';
import { decodeJs, encodeJs } from '../../src/model/values/js.ts';
import { getFunction } from '../../src/model/values/functions.ts';
import { timeuuidToMs } from '../../src/model/values/uuid.ts';
import { InvalidRequestError } from '../../src/model/errors.ts';

const fn = (name: string) => {
  const f = getFunction(name);
  assert.ok(f, name);
  return f;
};
const call = (name: string, args: Array<[CqlType, Parameters<typeof encodeJs>[1]]>) =>
  fn(name).call(args.map(([t, v]) => encodeJs(t, v)), args.map(([t]) => t), Date.now() * 1000);

test('now, uuid and current* functions', () => {
  const a = call('now', [])!;
  const b = call('NOW', [])!;
  assert.equal(a[6]! >> 4, 1);
  assert.ok(Buffer.compare(a, b) !== 0);
  assert.ok(Math.abs(timeuuidToMs(a) - Date.now()) < 5000);
  assert.deepEqual(fn('now').returnType([]), T.timeuuid);
  assert.equal(call('uuid', [])![6]! >> 4, 4);
  assert.equal(call('currentTimeUUID', [])![6]! >> 4, 1);
  const ts = decodeJs(T.timestamp, call('currentTimestamp', [])) as Date;
  assert.ok(Math.abs(ts.getTime() - Date.now()) < 5000);
  assert.equal(decodeJs(T.date, call('currentDate', [])), new Date().toISOString().slice(0, 10));
  const ns = decodeJs(T.time, call('currentTime', [])) as bigint;
  assert.ok(ns >= 0n && ns < 86400000000000n);
  assert.throws(() => fn('now').returnType([T.int]), /Invalid number of arguments in call to function system.now: 0 required but 1 provided/);
});

test('time conversion functions', () => {
  const tu = 'fe2b4360-28c6-11e2-81c1-0800200c9a66';
  const ms = timeuuidToMs(encodeJs(T.timeuuid, tu)!);
  assert.deepEqual(decodeJs(T.timestamp, call('toTimestamp', [[T.timeuuid, tu]])), new Date(ms));
  assert.equal(decodeJs(T.bigint, call('toUnixTimestamp', [[T.timeuuid, tu]])), BigInt(ms));
  assert.deepEqual(decodeJs(T.timestamp, call('toTimestamp', [[T.date, '2020-01-31']])), new Date('2020-01-31T00:00:00Z'));
  assert.equal(decodeJs(T.date, call('toDate', [[T.timestamp, new Date('2020-01-31T23:59:59Z')]])), '2020-01-31');
  assert.equal(decodeJs(T.date, call('toDate', [[T.timestamp, -1]])), '1969-12-31');
  assert.equal(decodeJs(T.date, call('toDate', [[T.timeuuid, tu]])), new Date(ms).toISOString().slice(0, 10));
  assert.equal(decodeJs(T.bigint, call('toUnixTimestamp', [[T.date, '1970-01-02']])), 86400000n);
  assert.equal(decodeJs(T.bigint, call('toUnixTimestamp', [[T.timestamp, 42]])), 42n);
  assert.equal(timeuuidToMs(call('minTimeuuid', [[T.timestamp, 1000]])!), 1000);
  assert.equal(timeuuidToMs(call('maxTimeuuid', [[T.timestamp, 1000]])!), 1000);
  assert.deepEqual(fn('todate').returnType([T.timestamp]), T.date);
  assert.equal(call('toTimestamp', [[T.timeuuid, null]]), null);
  assert.throws(() => fn('toTimestamp').returnType([T.int]), (e: unknown) =>
    e instanceof InvalidRequestError && /none of its type signatures match/.test(e.message) &&
    e.message.includes('system.totimestamp : (timeuuid) -> timestamp'));
  assert.throws(() => fn('minTimeuuid').returnType([T.text]), /Type error/);
  // Removed in Cassandra 5.0.
  assert.equal(getFunction('dateof'), undefined);
  assert.equal(getFunction('unixtimestampof'), undefined);
});

test('blob conversion functions exist for every native type', () => {
  for (const name of NATIVE_TYPES) {
    const t: CqlType = { kind: 'native', name };
    assert.deepEqual(fn(`blobAs${name}`).returnType([T.blob]), t);
    if (name !== 'blob') assert.deepEqual(fn(`${name}AsBlob`).returnType([t]), T.blob);
  }
  assert.equal(decodeJs(T.text, call('blobAsText', [[T.blob, Buffer.from('hi')]])), 'hi');
  assert.equal(decodeJs(T.text, call('blobAsVarchar', [[T.blob, Buffer.from('hi')]])), 'hi');
  assert.deepEqual(call('intAsBlob', [[T.int, 7]]), Buffer.from('00000007', 'hex'));
  assert.deepEqual(call('blobAsInt', [[T.blob, Buffer.alloc(0)]]), Buffer.alloc(0));
  assert.throws(() => call('blobAsInt', [[T.blob, Buffer.from('01', 'hex')]]),
    /In call to function system.blobasint, value 0x01 is not a valid binary representation for type int/);
  assert.equal(getFunction('system.blobastext')?.name, 'blobastext');
  assert.equal(getFunction('nosuchfunction'), undefined);
  assert.equal(getFunction('token'), undefined);
});
