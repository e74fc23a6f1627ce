import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T, type CqlType } from '../../src/model/types.ts';
import type { LiteralKind } from '../../src/model/ast.ts';
import { decodeJs, encodeJs } from '../../src/model/values/js.ts';
import {
  literalToBytes, readCollection, readMap, readTuple, serializeCollection, serializeMap, serializeTuple, serializeUdt,
} from '../../src/model/values/literals.ts';
import { parseDuration, durationToString } from '../../src/model/values/duration.ts';
import { parseTimestampString } from '../../src/model/values/timestamp.ts';
import { InvalidRequestError } from '../../src/model/errors.ts';

const lit = (type: LiteralKind, text: string) => ({ type, text });
const hex = (type: LiteralKind, text: string, t: CqlType): string => literalToBytes(lit(type, text), t, 'c').toString('hex');
const js = (type: LiteralKind, text: string, t: CqlType) => decodeJs(t, literalToBytes(lit(type, text), t, 'c', Date.now()));
const err = (type: LiteralKind, text: string, t: CqlType, msg: string | RegExp): void => {
  assert.throws(() => literalToBytes(lit(type, text), t, 'col'), (e: unknown) => {
    assert.ok(e instanceof InvalidRequestError, String(e));
    if (typeof msg === 'string') assert.equal(e.message, msg);
    else assert.match(e.message, msg);
    return true;
  });
};

test('integer literals into numeric types', () => {
  assert.equal(hex('integer', '1', T.int), '00000001');
  assert.equal(hex('integer', '-1', T.bigint), 'ffffffffffffffff');
  assert.equal(hex('integer', '7', T.counter), '0000000000000007');
  assert.equal(hex('integer', '-2', T.smallint), 'fffe');
  assert.equal(hex('integer', '5', T.tinyint), '05');
  assert.equal(hex('integer', '128', T.varint), '0080');
  assert.equal(js('integer', '3', T.float), 3);
  assert.equal(js('integer', '3', T.double), 3);
  assert.equal(js('integer', '10', T.decimal), '10');
  assert.deepEqual(js('integer', '1000', T.timestamp), new Date(1000));
  assert.equal(js('integer', '2147483648', T.date), '1970-01-01');
  assert.equal(js('integer', '1000', T.time), 1000n);
  err('integer', '3000000000', T.int, "Unable to make int from '3000000000'");
  err('integer', '40000', T.smallint, "Unable to make short from '40000'");
  err('integer', '200', T.tinyint, "Unable to make byte from '200'");
  err('integer', '9223372036854775808', T.bigint, "Unable to make long from '9223372036854775808'");
  err('integer', '1', T.text, 'Invalid INTEGER constant (1) for "col" of type text');
  err('integer', '1', T.boolean, 'Invalid INTEGER constant (1) for "col" of type boolean');
  err('integer', '5', T.duration, "Unable to convert '5' to a duration");
  err('integer', '1', { kind: 'list', element: T.int, frozen: false }, 'Invalid INTEGER constant (1) for "col" of type list<int>');
});

test('float, NaN and Infinity literals', () => {
  assert.equal(js('float', '1.5', T.double), 1.5);
  assert.equal(js('float', '1.1', T.float), Math.fround(1.1));
  assert.equal(js('float', '1e3', T.double), 1000);
  assert.equal(js('float', '1.50', T.decimal), '1.50');
  assert.equal(js('float', '-1.5E-10', T.decimal), '-1.5E-10');
  assert.ok(Number.isNaN(js('nan', 'NaN', T.double)));
  assert.equal(js('infinity', '-Infinity', T.float), -Infinity);
  assert.equal(js('float', '1e300', T.float), Infinity);
  err('float', '1.5', T.int, 'Invalid FLOAT constant (1.5) for "col" of type int');
  err('nan', 'NaN', T.decimal, "unable to make BigDecimal from 'NaN'");
  err('infinity', 'Infinity', T.bigint, 'Invalid FLOAT constant (Infinity) for "col" of type bigint');
});

test('string literals', () => {
  assert.equal(js('string', 'héllo', T.text), 'héllo');
  assert.equal(js('string', 'abc', T.ascii), 'abc');
  err('string', 'é', T.ascii, 'Invalid ASCII character in string literal: java.nio.charset.UnmappableCharacterException: Input length = 1');
  err('string', 'a😀', T.ascii, 'Invalid ASCII character in string literal: java.nio.charset.UnmappableCharacterException: Input length = 2');
  // Java's short IPv4 forms, as InetAddress.getByName reads them.
  assert.equal(js('string', '1.2.3', T.inet), '1.2.0.3');
  assert.equal(js('string', '1.256', T.inet), '1.0.1.0');
  assert.equal(js('string', '10', T.inet), '0.0.0.10');
  assert.equal(js('string', '4294967295', T.inet), '255.255.255.255');
  for (const bad of ['4294967296', '1.16777216', '1.2.3.4.5', '1..2', '::1.2']) err('string', bad, T.inet, `Unable to make inet address from '${bad}'`);
  assert.equal(js('string', '127.0.0.1', T.inet), '127.0.0.1');
  assert.equal(js('string', '::1', T.inet), '0:0:0:0:0:0:0:1');
  err('string', 'localhost', T.inet, "Unable to make inet address from 'localhost'");
  err('string', 'abc', T.int, 'Invalid STRING constant (abc) for "col" of type int');
  err('string', '01234567-0123-0123-0123-0123456789ab', T.uuid,
    'Invalid STRING constant (01234567-0123-0123-0123-0123456789ab) for "col" of type uuid');
  err('string', 'cafe', T.blob, 'Invalid STRING constant (cafe) for "col" of type blob');
  err('string', '1', T.varint, 'Invalid STRING constant (1) for "col" of type varint');
  assert.equal(js('string', '2020-01-31', T.date), '2020-01-31');
  assert.equal(js('string', '2147483648', T.date), '1970-01-01');
  err('string', '2020-02-30', T.date, "Unable to coerce '2020-02-30' to a formatted date (long)");
  err('string', '4294967296', T.date, "Unable to make unsigned int (for date) from: '4294967296'");
  assert.equal(js('string', '08:12:54.123456789', T.time), 29574123456789n);
  assert.equal(js('string', '08:12:54', T.time), 29574000000000n);
  assert.equal(js('string', '08:12:54.1', T.time), 29574100000000n);
  err('string', '24:00:00', T.time, "(TimeType) Unable to coerce '24:00:00' to a formatted time (long)");
  err('string', '86400000000000', T.time, "Unable to make long (for time) from: '86400000000000'");
});

test('timestamp string formats', () => {
  const base = Date.UTC(2011, 1, 3, 4, 5, 0);
  const cases: Array<[string, number]> = [
    ['2011-02-03', Date.UTC(2011, 1, 3)], ['2011-02-03 04:05', base], ['2011-02-03 04:05:00', base],
    ['2011-02-03T04:05:00', base], ['2011-02-03 04:05:00.000', base], ['2011-02-03T04:05:00.000+0000', base],
    ['2011-02-03T04:05:00.123Z', base + 123], ['2011-02-03 04:05+0100', base - 3600000], ['2011-02-03 04:05:00+01:00', base - 3600000],
    ['2011-02-03 04:05:00 -0230', base + 9000000], ['2011-02-03 04:05 UTC', base], ['2011-02-03 04:05:00 GMT+02:00', base - 7200000],
    ['2011-02-03+0000', Date.UTC(2011, 1, 3)], ['2011-02-03 04:05:00.5', base + 5], ['2011-2-3 4:5', base],
    ['1969-12-31 23:59:59.999Z', -1], ['2011-02-03 04:05:00.000 PST', base + 8 * 3600000],
  ];
  for (const [s, ms] of cases) {
    assert.equal(parseTimestampString(s), ms, s);
    assert.deepEqual(js('string', s, T.timestamp), new Date(ms), s);
  }
  for (const s of ['2011-02-30', '2011-02-03 25:00', '2011-02-03T04:05:00.1234', '2011-02-03X', 'abc', '2011-02-03 04:05:00.000 Mars']) {
    assert.equal(parseTimestampString(s), undefined, s);
  }
  assert.deepEqual(js('string', '1296705900000', T.timestamp), new Date(base));
  assert.deepEqual(js('string', '-1', T.timestamp), new Date(-1));
  const now = js('string', 'now', T.timestamp) as Date;
  assert.ok(Math.abs(now.getTime() - Date.now()) < 5000);
  err('string', '2011-13-01', T.timestamp, "Unable to parse a date/time from '2011-13-01'");
});

test('uuid, boolean, blob and duration literals', () => {
  const v1 = 'fe2b4360-28c6-11e2-81c1-0800200c9a66';
  const v4 = '01234567-0123-4123-8123-0123456789ab';
  assert.equal(js('uuid', v1, T.uuid), v1);
  assert.equal(js('uuid', v1, T.timeuuid), v1);
  err('uuid', v4, T.timeuuid, 'TimeUUID supports only version 1 UUIDs');
  err('uuid', v4, T.text, `Invalid UUID constant (${v4}) for "col" of type text`);
  assert.equal(js('boolean', 'true', T.boolean), true);
  assert.equal(js('boolean', 'false', T.boolean), false);
  err('boolean', 'true', T.text, 'Invalid BOOLEAN constant (true) for "col" of type text');
  assert.equal(hex('blob', 'CAFE', T.blob), 'cafe');
  assert.equal(hex('blob', '', T.blob), '');
  err('blob', 'abc', T.blob, "cannot parse 'abc' as hex bytes");
  err('blob', 'cafe', T.text, 'Invalid HEX constant (0xcafe) for "col" of type text');
  assert.deepEqual(js('duration', '1h30m', T.duration), { months: 0, days: 0, nanoseconds: 5400000000000n });
  err('duration', '1h', T.int, 'Invalid DURATION constant (1h) for "col" of type int');
});

test('duration parsing and text', () => {
  const d = (s: string) => parseDuration(s);
  assert.deepEqual(d('1y2mo'), { months: 14, days: 0, nanoseconds: 0n });
  assert.deepEqual(d('3w2d'), { months: 0, days: 23, nanoseconds: 0n });
  assert.deepEqual(d('1h1m1s1ms1us1ns'), { months: 0, days: 0, nanoseconds: 3661001001001n });
  assert.deepEqual(d('1µs'), { months: 0, days: 0, nanoseconds: 1000n });
  assert.deepEqual(d('-1d2h'), { months: 0, days: -1, nanoseconds: -7200000000000n });
  assert.deepEqual(d('2H30M'), { months: 0, days: 0, nanoseconds: 9000000000000n });
  assert.deepEqual(d('P1Y2M3DT4H5M6S'), { months: 14, days: 3, nanoseconds: 14706000000000n });
  assert.deepEqual(d('P2W'), { months: 0, days: 14, nanoseconds: 0n });
  assert.deepEqual(d('PT0S'), { months: 0, days: 0, nanoseconds: 0n });
  assert.deepEqual(d('-P0001-02-03T04:05:06'), { months: -14, days: -3, nanoseconds: -14706000000000n });
  assert.throws(() => d('1h2d'), /Invalid duration. The hours should be after days/);
  assert.throws(() => d('1h2h'), /Invalid duration. The hours are specified multiple times/);
  assert.throws(() => d('1x'), /Unable to convert '1x' to a duration/);
  assert.throws(() => d('P1X'), /Unable to convert 'P1X' to a duration/);
  assert.throws(() => d('2147483648mo'), /The total number of months must be less or equal to 2147483647/);
  assert.equal(durationToString(d('P1Y2M3DT4H5M6S')), '1y2mo3d4h5m6s');
  assert.equal(durationToString(d('-90m')), '-1h30m');
  assert.equal(durationToString(d('0s')), '');
});

test('collection, tuple and UDT builders and readers', () => {
  const a = Buffer.from('01', 'hex');
  const b = Buffer.from('0203', 'hex');
  const coll = serializeCollection([a, b]);
  assert.equal(coll.toString('hex'), '00000002' + '0000000101' + '000000020203');
  assert.deepEqual(readCollection(coll), [a, b]);
  const m = serializeMap([[a, b]]);
  assert.equal(m.toString('hex'), '00000001' + '0000000101' + '000000020203');
  assert.deepEqual(readMap(m), [[a, b]]);
  const t = serializeTuple([a, null, b]);
  assert.equal(t.toString('hex'), '0000000101' + 'ffffffff' + '000000020203');
  assert.deepEqual(readTuple(t, 3), [a, null, b]);
  assert.deepEqual(readTuple(serializeUdt([a]), 3), [a, null, null]);
  assert.throws(() => readTuple(t, 2), /Invalid remaining data after end of tuple value/);
  const list = { kind: 'list', element: T.int, frozen: false } as const;
  assert.deepEqual(decodeJs(list, serializeCollection([encodeJs(T.int, 1)!, encodeJs(T.int, 2)!])), [1, 2]);
});
