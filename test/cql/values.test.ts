import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { T, type CqlType } from '../../src/model/types.ts';
import { decodeJs, encodeJs, type JsValue } from '../../src/model/values/js.ts';
import {
  bigintToVarint, decimalToString, decodeDecimal, encodeDecimal, parseDecimal, parseInet, varintToBigint,
  inetToCompactString, readUnsignedVInt, writeUnsignedVInt,
} from '../../src/model/values/codec.ts';
import { compareValues } from '../../src/model/values/compare.ts';
import {
  maxTimeuuid, minTimeuuid, parseUuid, randomUuid, TimeUuidGenerator, timeuuidToMs, tryParseUuid, uuidToString,
} from '../../src/model/values/uuid.ts';
import { InvalidRequestError } from '../../src/model/errors.ts';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const driver = require('cassandra-driver') as typeof import('cassandra-driver');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Encoder = require('cassandra-driver/lib/encoder.js') as new (v: number, o: object) => {
  encode(v: unknown, t: unknown): Buffer;
  decode(b: Buffer, t: unknown): unknown;
};
const enc = new Encoder(4, {});
const dt = driver.types.dataTypes;

const list = (element: CqlType): CqlType => ({ kind: 'list', element, frozen: false });
const set = (element: CqlType): CqlType => ({ kind: 'set', element, frozen: false });
const map = (key: CqlType, value: CqlType): CqlType => ({ kind: 'map', key, value, frozen: false });
const tuple = (...elements: CqlType[]): CqlType => ({ kind: 'tuple', elements });
const udt: CqlType = { kind: 'udt', keyspace: 'ks', name: 'addr', fieldNames: ['street', 'zip'], fieldTypes: [T.text, T.int], frozen: true };

const ROUND_TRIPS: Array<[CqlType, JsValue]> = [
  [T.ascii, 'abc'], [T.text, 'héllo ☃'], [T.text, ''], [T.int, -5], [T.int, 2147483647], [T.smallint, -32768],
  [T.tinyint, 127], [T.bigint, -9223372036854775808n], [T.counter, 42n], [T.varint, 123456789012345678901234567890n],
  [T.varint, -129n], [T.float, 1.5], [T.double, Math.PI], [T.double, -0], [T.boolean, true], [T.boolean, false],
  [T.blob, Buffer.from('cafe', 'hex')], [T.decimal, '1.50'], [T.decimal, '-0.000001'], [T.decimal, '1E+3'],
  [T.timestamp, new Date('2011-02-03T04:05:00.123Z')], [T.timestamp, new Date(-1)], [T.date, '2020-01-31'],
  [T.date, '1969-12-31'], [T.date, '-0001-01-01'], [T.time, 29574123456789n], [T.uuid, '01234567-89ab-cdef-0123-456789abcdef'],
  [T.timeuuid, 'fe2b4360-28c6-11e2-81c1-0800200c9a66'], [T.inet, '1.2.3.4'], [T.inet, '0:0:0:0:0:0:0:1'],
  [T.inet, '2001:db8:0:0:0:0:2:1'],
  [T.duration, { months: 14, days: 3, nanoseconds: 5400000000000n }], [T.duration, { months: -1, days: -2, nanoseconds: -3n }],
  [list(T.int), [3, 1, 3]], [set(T.text), ['a', 'b', 'c']], [map(T.text, T.int), new Map<JsValue, JsValue>([['a', 1], ['b', 2]])],
  [tuple(T.int, T.text, T.boolean), [1, 'x', null]], [udt, { street: 'Main', zip: null }],
  [list(list(T.int)), [[1], [], [2, 3]]], [map(T.int, set(T.text)), new Map<JsValue, JsValue>([[1, ['x']]])],
];

test('encodeJs/decodeJs round trip every type', () => {
  for (const [type, value] of ROUND_TRIPS) {
    const buf = encodeJs(type, value);
    assert.ok(buf, `${JSON.stringify(type)}`);
    assert.deepEqual(decodeJs(type, buf), value, `${JSON.stringify(type)} ${String(value)}`);
  }
  assert.equal(encodeJs(T.int, null), null);
  assert.equal(decodeJs(T.int, null), null);
  assert.equal(decodeJs(T.int, Buffer.alloc(0)), null);
  assert.equal(decodeJs(T.text, Buffer.alloc(0)), '');
});

test('encodeJs coercions and canonical collection order', () => {
  assert.deepEqual(encodeJs(T.bigint, 5), Buffer.from('0000000000000005', 'hex'));
  assert.deepEqual(encodeJs(T.timestamp, 1000), Buffer.from('00000000000003e8', 'hex'));
  assert.deepEqual(encodeJs(T.varint, 128), Buffer.from('0080', 'hex'));
  assert.deepEqual(decodeJs(set(T.int), encodeJs(set(T.int), new Set<JsValue>([3, -1, 2, 3]))), [-1, 2, 3]);
  assert.deepEqual(decodeJs(map(T.int, T.text), encodeJs(map(T.int, T.text), { 10: 'b', 2: 'a' })),
    new Map<JsValue, JsValue>([[2, 'a'], [10, 'b']]));
  assert.deepEqual(decodeJs(T.duration, encodeJs(T.duration, '1h30m')), { months: 0, days: 0, nanoseconds: 5400000000000n });
  assert.deepEqual(decodeJs(T.date, encodeJs(T.date, 0)), '1970-01-01');
  assert.deepEqual(decodeJs(T.time, encodeJs(T.time, '08:12:54.123456789')), 29574123456789n);
  assert.deepEqual(decodeJs(T.decimal, encodeJs(T.decimal, 1.1)), '1.1');
  assert.deepEqual(encodeJs(T.inet, '::1'), encodeJs(T.inet, '0:0:0:0:0:0:0:1'));
  assert.deepEqual(encodeJs(T.inet, '::ffff:1.2.3.4'), Buffer.from('00000000000000000000ffff01020304', 'hex'));
  for (const [t, v] of [[T.int, 1.5], [T.int, 2 ** 31], [T.tinyint, 128], [T.text, 5], [T.ascii, 'é'], [T.uuid, 'nope'],
    [T.timeuuid, '01234567-89ab-4def-8123-456789abcdef'], [T.inet, '1.2.3'], [T.bigint, 2n ** 63n], [list(T.int), [null]],
    [udt, { nope: 1 }], [tuple(T.int), [1, 2]]] as Array<[CqlType, JsValue]>) {
    assert.throws(() => encodeJs(t, v), InvalidRequestError, `${JSON.stringify(t)} ${String(v)}`);
  }
});

test('varint and decimal encodings are Java BigInteger/BigDecimal layouts', () => {
  const cases: Array<[bigint, string]> = [[0n, '00'], [127n, '7f'], [128n, '0080'], [-1n, 'ff'], [-128n, '80'], [-129n, 'ff7f'],
    [255n, '00ff'], [256n, '0100'], [-32769n, 'ff7fff'], [2n ** 63n, '008000000000000000'], [-(2n ** 63n), '8000000000000000']];
  for (const [v, hex] of cases) {
    assert.equal(bigintToVarint(v).toString('hex'), hex, String(v));
    assert.equal(varintToBigint(Buffer.from(hex, 'hex')), v);
  }
  fc.assert(fc.property(fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), (v) => {
    const b = bigintToVarint(v);
    assert.equal(varintToBigint(b), v);
    // minimal: dropping the first byte must change the value
    if (b.length > 1) assert.notEqual(varintToBigint(b.subarray(1)), v);
  }), { numRuns: 500 });
  fc.assert(fc.property(fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }), fc.integer({ min: -40, max: 40 }), (unscaled, scale) => {
    const d = { unscaled, scale };
    assert.deepEqual(decodeDecimal(encodeDecimal(d)), d);
    assert.deepEqual(parseDecimal(decimalToString(d)), d);
  }), { numRuns: 500 });
  assert.equal(decimalToString({ unscaled: 123n, scale: 10 }), '1.23E-8');
  assert.equal(decimalToString({ unscaled: 123n, scale: 8 }), '0.00000123');
  assert.equal(decimalToString({ unscaled: -5n, scale: -2 }), '-5E+2');
});

test('encodings match the cassandra-driver encoder', () => {
  const { Long, BigDecimal, Integer, LocalDate, LocalTime, Duration, InetAddress, Uuid, TimeUuid } = driver.types;
  const check = (type: CqlType, js: JsValue, driverValue: unknown, typeInfo: unknown): void => {
    const ours = encodeJs(type, js)!;
    const theirs = enc.encode(driverValue, typeInfo);
    assert.equal(ours.toString('hex'), theirs.toString('hex'), `${JSON.stringify(type)} ${String(js)}`);
  };
  for (const s of ['0', '1', '-1', '127', '128', '-128', '-129', '255', '65535', '-65536', '123456789012345678901234567890',
    '-98765432109876543210']) {
    check(T.varint, BigInt(s), Integer.fromString(s), { code: dt.varint });
  }
  // (not '1E+3': the driver gives it scale 0 where Java's BigDecimal, and we, keep scale -3)
  for (const s of ['0', '1.50', '-3.14159', '1000', '0.000000001', '-12345678901234567890.123']) {
    check(T.decimal, s, BigDecimal.fromString(s), { code: dt.decimal });
  }
  for (const s of ['2020-01-31', '1970-01-01', '1969-12-31', '0001-01-01', '9999-12-31']) {
    check(T.date, s, LocalDate.fromString(s), { code: dt.date });
  }
  for (const s of ['00:00:00', '08:12:54.123456789', '23:59:59.999999999']) {
    check(T.time, s, LocalTime.fromString(s), { code: dt.time });
  }
  for (const s of ['1h30m', '1y2mo3w4d5h6m7s8ms9us10ns', '-2d', '0s', '89h4m48s', 'P1DT2H', 'P2W', 'P0001-02-03T04:05:06']) {
    check(T.duration, s, Duration.fromString(s), { code: dt.custom, info: 'org.apache.cassandra.db.marshal.DurationType' });
  }
  for (const s of ['1.2.3.4', '::1', '2001:db8::2:1', 'fe80::1:2:3:4', '::ffff:10.0.0.1']) {
    check(T.inet, s, InetAddress.fromString(s), { code: dt.inet });
  }
  check(T.bigint, -5n, Long.fromString('-5'), { code: dt.bigint });
  check(T.uuid, '01234567-89ab-cdef-0123-456789abcdef', Uuid.fromString('01234567-89ab-cdef-0123-456789abcdef'), { code: dt.uuid });
  // and back: the driver decodes our bytes to the same values
  const dec = enc.decode(encodeJs(T.decimal, '-1.250')!, { code: dt.decimal }) as { toString(): string };
  assert.equal(dec.toString(), '-1.250');
  const dur = enc.decode(encodeJs(T.duration, '-1y2d3ns')!, { code: dt.custom, info: 'org.apache.cassandra.db.marshal.DurationType' });
  assert.equal(String(dur), '-1y2d3ns');
  const tu = enc.decode(new TimeUuidGenerator().next(Date.now()), { code: dt.timeuuid }) as InstanceType<typeof TimeUuid>;
  assert.ok(Math.abs(tu.getDate().getTime() - Date.now()) < 5000);
  const inet = enc.decode(encodeJs(T.inet, '2001:db8::1')!, { code: dt.inet });
  assert.equal(String(inet), '2001:db8::1');
});

test('vints round trip at every size', () => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
    const out: number[] = [];
    writeUnsignedVInt(v, out);
    const r = readUnsignedVInt(Buffer.from(out), 0);
    assert.deepEqual(r, [v, out.length]);
  }), { numRuns: 1000 });
  for (let bits = 0; bits <= 64; bits++) {
    const v = bits === 0 ? 0n : (1n << BigInt(bits)) - 1n;
    const out: number[] = [];
    writeUnsignedVInt(v, out);
    assert.equal(out.length, bits <= 7 ? 1 : Math.min(9, Math.ceil((bits - 7) / 7) + 1), `bits ${bits}`);
  }
});

test('inet text forms', () => {
  assert.equal(parseInet('256.1.1.1'), undefined);
  assert.equal(parseInet('1::2::3'), undefined);
  assert.equal(parseInet('1:2:3:4:5:6:7:8:9'), undefined);
  assert.equal(inetToCompactString(parseInet('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
  assert.equal(inetToCompactString(parseInet('1:0:2:0:3:0:4:0')!), '1:0:2:0:3:0:4:0');
  assert.equal(inetToCompactString(parseInet('::')!), '::');
});

test('uuids: parse/format, v4, v1 monotonic and timestamps', () => {
  const s = '01234567-89AB-cdef-0123-456789abcdef';
  assert.equal(uuidToString(parseUuid(s)), s.toLowerCase());
  assert.equal(tryParseUuid('0123456789abcdef0123456789abcdef'), undefined);
  assert.throws(() => parseUuid('x'), /Unable to make UUID from 'x'/);
  const r = randomUuid();
  assert.equal(r[6]! >> 4, 4);
  assert.equal(r[8]! & 0xc0, 0x80);
  const gen = new TimeUuidGenerator();
  const fixedMs = 1700000000000;
  let prev = gen.next(fixedMs);
  for (let i = 0; i < 20000; i++) {
    // Many per millisecond, and a clock stepping backwards: still strictly increasing.
    const next = gen.next(i === 5000 ? fixedMs - 10 : fixedMs);
    assert.ok(compareValues(T.timeuuid, prev, next) < 0);
    assert.equal(next[6]! >> 4, 1);
    prev = next;
  }
  const now = Date.now();
  assert.ok(Math.abs(timeuuidToMs(gen.next(Date.now())) - now) < 5000);
  assert.equal(timeuuidToMs(minTimeuuid(123456)), 123456);
  assert.equal(timeuuidToMs(maxTimeuuid(123456)), 123456);
  assert.equal(timeuuidToMs(minTimeuuid(-5)), -5);
  const mid = new TimeUuidGenerator().next(123456);
  assert.ok(compareValues(T.timeuuid, minTimeuuid(123456), mid) < 0);
  assert.ok(compareValues(T.timeuuid, mid, maxTimeuuid(123456)) < 0);
  // The driver agrees on the embedded time.
  const tu = driver.types.TimeUuid.fromString(uuidToString(maxTimeuuid(1600000000123)));
  assert.equal(tu.getDate().getTime(), 1600000000123);
});

test('compareValues follows Cassandra orderings', () => {
  const c = (t: CqlType, a: JsValue, b: JsValue): number => compareValues(t, encodeJs(t, a)!, encodeJs(t, b)!);
  assert.equal(c(T.int, -1, 1), -1);
  assert.equal(c(T.varint, 300n, -300n), 1);
  assert.equal(c(T.decimal, '1.0', '1.00'), 0);
  assert.equal(c(T.double, NaN, Infinity), 1);
  assert.equal(c(T.double, -0, 0), -1);
  assert.equal(c(T.text, 'a', 'b'), -1);
  assert.equal(c(T.timestamp, new Date(-1), new Date(1)), -1);
  assert.equal(c(list(T.int), [1, 2], [1]), 1);
  assert.equal(compareValues(T.int, Buffer.alloc(0), encodeJs(T.int, -5)!), -1);
});
