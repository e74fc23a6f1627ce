// The JSON codec of model/values/json.ts and its Jackson-like reader, against the forms and messages the reference
// Cassandra 5.0.9 gives (recorded from it; the oracle scenarios under test/oracle/cases/json/ check them end to end).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { T, type CqlType } from '../../src/model/types.ts';
import { encodeJs } from '../../src/model/values/js.ts';
import { decodeJson, decodeJsonObject, fromJson, JsonDecodeError, JsonValueError, toJson, toJsonFunction } from '../../src/model/values/json.ts';
import { javaDoubleToString, javaFloatToString } from '../../src/model/values/java-text.ts';
import { compareValues } from '../../src/model/values/compare.ts';

const list = (element: CqlType): CqlType => ({ kind: 'list', element, frozen: false });
const set = (element: CqlType): CqlType => ({ kind: 'set', element, frozen: false });
const map = (key: CqlType, value: CqlType): CqlType => ({ kind: 'map', key, value, frozen: false });
const udt: CqlType = { kind: 'udt', keyspace: 'ks', name: 'pt', fieldNames: ['x', 'Y'], fieldTypes: [T.int, T.text], frozen: true };

const json = (type: CqlType, v: unknown): string => toJson(type, encodeJs(type, v as never));
const decode = (type: CqlType, text: string): Buffer | null => fromJson(type, decodeJson(text));

function decodeFails(type: CqlType, text: string, message: string): void {
  assert.throws(() => decode(type, text), (e: unknown) => e instanceof JsonValueError && e.message === message, `${text} → ${message}`);
}

function parseFails(text: string, message: string): void {
  assert.throws(() => decodeJsonObject(text), (e: unknown) => e instanceof JsonDecodeError && e.javaToString() === message, text);
}

const AT = (line: number, col?: number): string =>
  ` at [Source: REDACTED (\`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION\` disabled); line: ${line}${col === undefined ? '' : `, column: ${col}`}]`;

test('Java Double.toString and Float.toString as JDK 17 prints them', () => {
  const doubles: Array<[number, string]> = [
    [1e10, '1.0E10'], [100, '100.0'], [12345678.9, '1.23456789E7'], [1e20, '1.0E20'], [1e-4, '1.0E-4'], [0.001, '0.001'],
    [-0, '-0.0'], [0, '0.0'], [1e7, '1.0E7'], [9999999, '9999999.0'], [0.1 + 0.2, '0.30000000000000004'], [NaN, 'NaN'],
    [-Infinity, '-Infinity'], [2 ** 60, '1.15292150460684698E18'], [123123.123123, '123123.123123'], [-1.5e-7, '-1.5E-7'],
  ];
  for (const [v, s] of doubles) assert.equal(javaDoubleToString(v), s, String(v));
  const floats: Array<[number, string]> = [[123456789, '1.23456792E8'], [2 ** 31, '2.14748365E9'], [1.1, '1.1'], [123.123, '123.123'], [1e-5, '1.0E-5'], [3.4e38, '3.4E38']];
  for (const [v, s] of floats) assert.equal(javaFloatToString(Math.fround(v)), s, String(v));
});

test('toJson per type', () => {
  assert.equal(json(T.text, 'a"b\\\n\t\u0001é'), '"a\\"b\\\\\\n\\t\\u0001é"');
  assert.equal(json(T.blob, Buffer.from([0xca, 0xfe])), '"0xcafe"');
  assert.equal(json(T.blob, Buffer.alloc(0)), '"0x"');
  assert.equal(json(T.double, Number.NaN), 'null');
  assert.equal(json(T.float, 1.1), '1.1');
  assert.equal(json(T.decimal, '1.50E+3'), '1.50E+3');
  assert.equal(json(T.varint, -123456789012345678901n), '-123456789012345678901');
  assert.equal(json(T.timestamp, new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))), '"2024-01-02 03:04:05.678Z"');
  // Year of era: 1 BC prints as 0001; beyond 9999 with a sign.
  assert.equal(json(T.timestamp, new Date(-62135596800001)), '"0001-12-31 23:59:59.999Z"');
  assert.equal(json(T.timestamp, new Date(253402300800000)), '"+10000-01-01 00:00:00.000Z"');
  assert.equal(json(T.date, '2024-02-29'), '"2024-02-29"');
  assert.equal(json(T.time, '01:02:03.5'), '"01:02:03.500000000"');
  assert.equal(json(T.inet, '::1'), '"0:0:0:0:0:0:0:1"');
  assert.equal(json(T.duration, '1y2mo3w4d5h'), '"1y2mo25d5h"');
  assert.equal(json(set(T.int), [3, 1]), '[1, 3]');
  assert.equal(json(map(T.int, T.text), new Map([[1, 'a']])), '{"1": "a"}');
  assert.equal(json(map(T.timestamp, T.int), new Map([[new Date(0), 1]])), '{"1970-01-01 00:00:00.000Z": 1}');
  assert.equal(json(map(list(T.int), T.int), new Map([[[1, 2], 3]])), '{"[1, 2]": 3}');
  assert.equal(json(udt, { x: 1, Y: null }), '{"x": 1, "\\"Y\\"": null}');
  assert.equal(toJson(T.int, Buffer.alloc(0)), '""');
  assert.equal(toJsonFunction(T.int, Buffer.alloc(0)), 'null');
  assert.equal(toJsonFunction(T.text, Buffer.alloc(0)), '""');
});

test('fromJson accepts what Cassandra accepts', () => {
  assert.deepEqual(decode(T.bigint, '"123"'), encodeJs(T.bigint, 123n));
  assert.deepEqual(decode(T.double, '99999999999999999999'), encodeJs(T.double, 1e20));
  assert.deepEqual(decode(T.decimal, '1E2'), encodeJs(T.decimal, '100.0'));
  assert.deepEqual(decode(T.boolean, '""'), encodeJs(T.boolean, false));
  assert.deepEqual(decode(T.int, '""'), Buffer.alloc(0));
  assert.deepEqual(decode(T.inet, '"1.2.3"'), encodeJs(T.inet, '1.2.0.3'));
  assert.deepEqual(decode(T.timestamp, '1704164645000'), encodeJs(T.timestamp, new Date(1704164645000)));
  assert.deepEqual(decode(list(T.int), '"[1, 2]"'), encodeJs(list(T.int), [1, 2]));
  assert.equal(decode(list(T.int), '[]'), null);
  assert.deepEqual(decode({ kind: 'list', element: T.int, frozen: true }, '[]'), encodeJs(list(T.int), []));
  assert.deepEqual(decode(set(T.int), '[3, 1, 1]'), encodeJs(set(T.int), [1, 3]));
  assert.deepEqual(decode(map(T.int, T.text), '{"2": "b", "1": "a"}'), encodeJs(map(T.int, T.text), new Map([[1, 'a'], [2, 'b']])));
  assert.deepEqual(decode(udt, '{"X": 1, "\\"Y\\"": "y"}'), encodeJs(udt, { x: 1, Y: 'y' }));
});

test('fromJson refuses with Cassandra\'s messages', () => {
  decodeFails(T.int, '1.5', 'Expected an int value, but got a Double: 1.5');
  decodeFails(T.int, '2147483648', 'Expected an int value, but got a Long: 2147483648');
  decodeFails(T.int, '{"a": [1, "b"]}', 'Expected an int value, but got a LinkedHashMap: {a=[1, b]}');
  decodeFails(T.bigint, '9223372036854775808', 'Expected a bigint value, but got a BigInteger: 9223372036854775808');
  decodeFails(T.smallint, '1e1', "Unable to make short from '10.0'");
  decodeFails(T.text, '5', 'Expected a UTF-8 string, but got a Integer: 5');
  decodeFails(T.ascii, '"é"', 'Invalid ASCII character in string literal: java.nio.charset.UnmappableCharacterException: Input length = 1');
  decodeFails(T.timestamp, '123', 'Expected a long or a datestring representation of a timestamp value, but got a Integer: 123');
  decodeFails(T.timestamp, '"abc"', "Unable to parse a date/time from 'abc'");
  decodeFails(T.blob, '"abc"', "Value 'abc' is not a valid blob representation: String representation of blob is missing 0x prefix: abc");
  decodeFails(T.blob, '"0x123"', "Value '0x123' is not a valid blob representation: cannot parse '123' as hex bytes");
  decodeFails(T.blob, '1', "Value '1' is not a valid blob representation: class java.lang.Integer cannot be cast to class java.lang.String (java.lang.Integer and java.lang.String are in module java.base of loader 'bootstrap')");
  decodeFails(T.varint, '1.5', "Value '1.5' is not a valid representation of a varint value");
  decodeFails(T.decimal, '1e400', "Value 'Infinity' is not a valid representation of a decimal value");
  decodeFails(list(T.int), '[null]', 'Invalid null element in list');
  decodeFails(set(T.int), '5', 'Expected a list (representing a set), but got a Integer: 5');
  decodeFails(map(T.text, T.int), '{"a": null}', 'Invalid null value in map');
  decodeFails({ kind: 'tuple', elements: [T.int, T.text] }, '[1]', 'Tuple is missing items (expected 2): [1]');
  decodeFails(udt, '{"z": 1}', "Unknown field 'z' in value of user defined type pt");
  decodeFails(list(T.int), '"1x"', "Error decoding JSON string: Unexpected character ('x' (code 120)): Expected space separating root-level values\n" + AT(1, 2));
});

test('malformed JSON: Jackson\'s exception, message and position', () => {
  const P = 'com.fasterxml.jackson.core.JsonParseException: ';
  const E = 'com.fasterxml.jackson.core.io.JsonEOFException: ';
  const M = 'com.fasterxml.jackson.databind.exc.MismatchedInputException: ';
  const VALID = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
  parseFails('not json', `${P}Unrecognized token 'not': was expecting ${VALID}\n${AT(1, 4)}`);
  parseFails('{"k": 1,}', `${P}Unexpected character ('}' (code 125)): was expecting double-quote to start field name\n${AT(1, 9)}`);
  parseFails('{"k": 1', `${E}Unexpected end-of-input: expected close marker for Object (start marker at ${AT(1, 1).slice(4)})\n${AT(1, 8)}`);
  parseFails('   ', `${M}No content to map due to end-of-input\n${AT(1)}`);
  parseFails('  [1]', `${M}Cannot deserialize value of type \`java.util.LinkedHashMap<java.lang.Object,java.lang.Object>\` from Array value (token \`JsonToken.START_ARRAY\`)\n${AT(1, 3)}`);
  parseFails('{"k": 01}', `${P}Invalid numeric value: Leading zeroes not allowed\n${AT(1, 8)}`);
  parseFails('{"k": 1.}', `${P}Unexpected character ('}' (code 125)) in numeric value: Decimal point not followed by a digit\n${AT(1, 8)}`);
  parseFails('{\n"k": 1,\n"v": x}', `${P}Unrecognized token 'x': was expecting ${VALID}\n${AT(3, 7)}`);
  parseFails('{"k": NaN}', `${P}Non-standard token 'NaN': enable \`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS\` to allow\n${AT(1, 10)}`);
  parseFails('{"k": 1, "t": "a\nb"}', `${P}Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value\n${AT(1, 17)}`);
  assert.equal(decodeJsonObject('null'), null);
  // Jackson stops after the object; a later duplicate key replaces the value in place.
  assert.deepEqual([...decodeJsonObject('{"k": 1, "v": 2, "k": 3} trailing')!.keys()], ['k', 'v']);
});

test('property: toJson then fromJson gives the value back, for numbers, text and collections', () => {
  const types: Array<[CqlType, fc.Arbitrary<unknown>]> = [
    [T.int, fc.integer()], [T.bigint, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })],
    [T.double, fc.double({ noNaN: true, noDefaultInfinity: true })], [T.float, fc.float({ noNaN: true, noDefaultInfinity: true })],
    [T.text, fc.string({ unit: 'grapheme' })], [T.varint, fc.bigInt()], [list(T.int), fc.array(fc.integer(), { minLength: 1 })],
    [map(T.int, T.text), fc.uniqueArray(fc.tuple(fc.integer(), fc.string()), { selector: (e) => e[0], minLength: 1 }).map((es) => new Map(es))],
  ];
  for (const [type, arb] of types) {
    fc.assert(fc.property(arb, (v) => {
      const bytes = encodeJs(type, v as never)!;
      const back = decode(type, toJson(type, bytes))!;
      assert.equal(compareValues(type, back, bytes), 0, `${toJson(type, bytes)}`);
    }), { seed: 0x15011, numRuns: 300 });
  }
});
