import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NATIVE_TYPES, T, type CqlType } from '../../src/model/types.ts';
import { encodeJs } from '../../src/model/values/js.ts';
import { isValidValue, validateValue } from '../../src/model/values/validate.ts';
import { serializeCollection, serializeTuple } from '../../src/model/values/collections.ts';
import { InvalidRequestError } from '../../src/model/errors.ts';

const h = (s: string): Buffer => Buffer.from(s, 'hex');
const bad = (t: CqlType, buf: Buffer, msg: string | RegExp): void => {
  assert.throws(() => validateValue(t, buf), (e: unknown) => {
    assert.ok(e instanceof InvalidRequestError, String(e));
    if (typeof msg === 'string') assert.equal(e.message, msg);
    else assert.match(e.message, msg);
    return true;
  });
};
const list = (element: CqlType): CqlType => ({ kind: 'list', element, frozen: false });
const map = (key: CqlType, value: CqlType): CqlType => ({ kind: 'map', key, value, frozen: true });
const udt: CqlType = { kind: 'udt', keyspace: 'ks', name: 'u', fieldNames: ['a', 'b'], fieldTypes: [T.int, T.text], frozen: true };

test('fixed-width types report Cassandra messages', () => {
  bad(T.int, h('0000000000000001'), 'Expected 4 or 0 byte int (8)');
  bad(T.bigint, h('00000001'), 'Expected 8 or 0 byte long (4)');
  bad(T.counter, h('01'), 'Expected 8 or 0 byte long (1)');
  bad(T.smallint, h('000001'), 'Expected 2 bytes for a smallint (3)');
  bad(T.smallint, h(''), 'Expected 2 bytes for a smallint (0)');
  bad(T.tinyint, h(''), 'Expected 1 byte for a tinyint (0)');
  bad(T.float, h('00'), 'Expected 4 or 0 byte value for a float (1)');
  bad(T.double, h('00'), 'Expected 8 or 0 byte value for a double (1)');
  bad(T.boolean, h('0000'), 'Expected 1 or 0 byte value (2)');
  bad(T.timestamp, h('00'), 'Expected 8 or 0 byte long for date (1)');
  bad(T.date, h(''), 'Expected 4 byte long for date (0)');
  bad(T.time, h('00000000'), 'Expected 8 byte long for time (4)');
  bad(T.time, h('ffffffffffffffff'), /Time value out of range/);
  bad(T.uuid, h('00'), 'UUID should be 16 or 0 bytes (1)');
  bad(T.timeuuid, h('0123456789ab4def0123456789abcdef'), 'Invalid version for TimeUUID type.');
  bad(T.inet, h('0102030405'), 'Expected 4 or 16 byte inetaddress; got 0102030405');
  bad(T.decimal, h('000001'), 'Expected 0 or at least 4 bytes (3)');
  bad(T.text, h('c328'), "String didn't validate.");
  bad(T.ascii, h('61e9'), 'Invalid byte for ascii: -23');
  for (const t of [T.int, T.bigint, T.float, T.double, T.boolean, T.timestamp, T.uuid, T.timeuuid, T.inet, T.decimal,
    T.varint, T.text, T.ascii, T.blob]) {
    validateValue(t, Buffer.alloc(0));
  }
});

test('durations: sizes, ranges and sign rules', () => {
  validateValue(T.duration, encodeJs(T.duration, '-1y2d3ns')!);
  bad(T.duration, h('0000'), 'Expected at least 3 bytes for a duration (2)');
  bad(T.duration, h('020102'), 'The duration months, days and nanoseconds must be all of the same sign (1, -1, 1)');
  // months = 2^31 (zig-zag 2^32)
  bad(T.duration, h('f1000000000000'), 'The duration months must be a 32 bits integer but was: 2147483648');
  bad(T.duration, h('0000ff'), /Invalid duration/);
});

test('collections, tuples and UDTs', () => {
  const one = encodeJs(T.int, 1)!;
  validateValue(list(T.int), serializeCollection([one, one]));
  bad(list(T.int), h('000000'), 'Not enough bytes to read a list');
  bad(list(T.int), h('00000002' + '0000000400000001'), 'Not enough bytes to read a list');
  bad(list(T.int), h('00000001' + '0000000400000001' + '00'), 'Unexpected extraneous bytes after list value');
  bad(list(T.int), h('00000001ffffffff'), 'null is not supported inside collections');
  bad(list(T.int), h('ffffffff'), 'The data cannot be deserialized as a list');
  bad(list(T.int), h('7fffffff'), 'Not enough bytes to read a list');
  bad(list(T.int), serializeCollection([h('01')]), 'Expected 4 or 0 byte int (1)');
  bad(map(T.text, T.int), h('00000001' + '0000000161'), 'Not enough bytes to read a map');
  bad(map(T.text, T.int), h('00000001' + '00000001ff' + '0000000400000001'), "String didn't validate.");
  const tup: CqlType = { kind: 'tuple', elements: [T.int, T.text] };
  validateValue(tup, serializeTuple([one, null]));
  validateValue(tup, serializeTuple([one]));
  bad(tup, serializeTuple([one, null, null]), 'Invalid remaining data after end of tuple value');
  bad(tup, h('000000'), 'Not enough bytes to read size of 0th component');
  bad(tup, h('0000000400'), 'Not enough bytes to read 0th component');
  bad(udt, serializeTuple([one, null, one]), 'Invalid remaining data after end of UDT value');
  bad(udt, serializeTuple([one, h('ff')]), "String didn't validate.");
});

const ALL_TYPES: CqlType[] = [
  ...NATIVE_TYPES.map((name): CqlType => ({ kind: 'native', name })),
  list(T.int), { kind: 'set', element: T.text, frozen: true }, map(T.int, list(T.duration)),
  { kind: 'tuple', elements: [T.int, T.text, T.decimal] }, udt,
];

test('validate throws nothing but InvalidRequestError on random bytes, and accepts what encodeJs makes', () => {
  for (const t of ALL_TYPES) {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (arr) => {
      try {
        validateValue(t, Buffer.from(arr));
      } catch (e) {
        assert.ok(e instanceof InvalidRequestError, `${JSON.stringify(t)}: ${String(e)}`);
      }
    }), { numRuns: 300 });
  }
  const samples: Array<[CqlType, Parameters<typeof encodeJs>[1]]> = [
    [T.ascii, 'x'], [T.bigint, 1n], [T.blob, h('00')], [T.boolean, true], [T.counter, 1n], [T.date, '2000-01-01'],
    [T.decimal, '1.5'], [T.double, 1], [T.duration, '1d'], [T.float, 1], [T.inet, '::1'], [T.int, 1], [T.smallint, 1],
    [T.text, 'é'], [T.time, 1n], [T.timestamp, 1], [T.timeuuid, 'fe2b4360-28c6-11e2-81c1-0800200c9a66'], [T.tinyint, 1],
    [T.uuid, 'fe2b4360-28c6-11e2-81c1-0800200c9a66'], [T.varint, -1n],
  ];
  assert.equal(samples.length, NATIVE_TYPES.length);
  for (const [t, v] of samples) assert.ok(isValidValue(t, encodeJs(t, v)!), JSON.stringify(t));
});

test('custom types: LexicalUUIDType takes 16 or 0 bytes, its literals through UUID parsing; the other classes any bytes', async () => {
  const { literalToBytes } = await import('../../src/model/values/literals.ts');
  const lexical: CqlType = { kind: 'native', name: 'blob', custom: 'org.apache.cassandra.db.marshal.LexicalUUIDType' };
  bad(lexical, h('010203'), 'UUID should be 16 or 0 bytes (3)');
  validateValue(lexical, h('00'.repeat(16)));
  validateValue(lexical, h(''));
  validateValue({ kind: 'native', name: 'blob', custom: 'org.apache.cassandra.db.marshal.DynamicCompositeType(s=>org.apache.cassandra.db.marshal.UTF8Type)' }, h('0102'));
  assert.deepEqual(literalToBytes({ type: 'uuid', text: '550e8400-e29b-41d4-a716-446655440000' }, lexical, 'v'), h('550e8400e29b41d4a716446655440000'));
  assert.deepEqual(literalToBytes({ type: 'string', text: '550e8400-e29b-41d4-a716-446655440000' }, lexical, 'v'), h('550e8400e29b41d4a716446655440000'));
  assert.throws(() => literalToBytes({ type: 'float', text: '1.5' }, lexical, 'v'), (e: unknown) => e instanceof InvalidRequestError && e.message === "unable to make UUID from '1.5'");
  assert.throws(() => literalToBytes({ type: 'blob', text: '0102' }, lexical, 'v'), /UUID should be 16 or 0 bytes \(2\)/);
});
