import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CqlType } from '../../src/model/types.ts';
import { T } from '../../src/model/types.ts';
import { compareValues, compareClustering, boundsContain } from '../../src/storage/compare.ts';
import {
  decodePartitionKey, encodeClustering, encodeValue, headerKey, partitionKeyString, partitionPrefix, rowEndKey, rowKey, rowStartKey,
} from '../../src/storage/keys.ts';
import { InvalidRequestError } from '../../src/model/errors.ts';
import { compareValues as compareQueryValues } from '../../src/model/values/compare.ts';
import { bigint, coll, decimal, double, int, makeTable, mapVal, text, tupleVal, varint } from './helpers.ts';

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);
const neg = (n: number): number => (n === 0 ? 0 : -n);
const buf = (a: Uint8Array): Buffer => Buffer.from(a);
const fixed = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map(buf);

const intB = fc.integer().map(int);
const bigintB = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(bigint);
const smallintB = fc.integer({ min: -32768, max: 32767 }).map((n) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; });
const tinyintB = fc.integer({ min: -128, max: 127 }).map((n) => Buffer.from([n & 0xff]));
const varintB = fc.oneof(
  fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }).map(varint),
  fc.bigInt({ min: -1000n, max: 1000n }).map(varint),
  // Non-minimal encodings must compare (and encode) equal to their minimal form.
  fc.bigInt({ min: -1000n, max: 1000n }).map((n) => { const v = varint(n); return Buffer.concat([Buffer.from([v[0] & 0x80 ? 0xff : 0]), v]); }),
);
const decimalB = fc.oneof(
  fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: -40, max: 40 })).map(([u, s]) => decimal(u, s)),
  fc.tuple(fc.bigInt({ min: -1000n, max: 1000n }), fc.integer({ min: -3, max: 3 })).map(([u, s]) => decimal(u, s)),
  fc.tuple(fc.bigInt({ min: -10n, max: 10n }), fc.constantFrom(-2147483648, 2147483647, 0)).map(([u, s]) => decimal(u, s)),
);
const doubleB = fc.oneof(
  fc.double().map(double),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE).map(double),
  fixed(8), // arbitrary bit patterns, including NaN payloads and negative NaNs
);
const floatB = fc.oneof(
  fc.float().map((f) => { const b = Buffer.alloc(4); b.writeFloatBE(f); return b; }),
  fixed(4),
);
const uuidB = fc.tuple(fixed(16), fc.constantFrom(1, 4, 1, 2, 0, 15)).map(([b, v]) => { b[6] = (b[6] & 0x0f) | (v << 4); return b; });
const timeuuidB = fixed(16).map((b) => { b[6] = (b[6] & 0x0f) | 0x10; return b; });
const blobB = fc.uint8Array({ maxLength: 12 }).map(buf);
const textB = fc.string({ maxLength: 10 }).map(text);
const withEmpty = (a: fc.Arbitrary<Buffer>) => fc.oneof({ weight: 10, arbitrary: a }, { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) });

const listInt: CqlType = { kind: 'list', element: T.int, frozen: true };
const setText: CqlType = { kind: 'set', element: T.text, frozen: true };
const mapIntText: CqlType = { kind: 'map', key: T.int, value: T.text, frozen: true };
const tupleType: CqlType = { kind: 'tuple', elements: [T.int, T.text, T.double] };
const udtType: CqlType = { kind: 'udt', keyspace: 'ks', name: 'u', fieldNames: ['a', 'b'], fieldTypes: [T.varint, T.blob], frozen: true };
const nested: CqlType = { kind: 'list', element: { kind: 'list', element: T.bigint, frozen: true }, frozen: true };
const mapOfSets: CqlType = { kind: 'map', key: T.text, value: { kind: 'set', element: T.int, frozen: true }, frozen: true };
const tupleWithUdt: CqlType = { kind: 'tuple', elements: [T.boolean, udtType, { kind: 'list', element: T.double, frozen: true }] };
const setOfTuples: CqlType = { kind: 'set', element: tupleType, frozen: true };

const CASES: Array<[string, CqlType, fc.Arbitrary<Buffer>]> = [
  ['int', T.int, intB], ['bigint', T.bigint, bigintB], ['smallint', T.smallint, smallintB], ['tinyint', T.tinyint, tinyintB],
  ['timestamp', T.timestamp, bigintB], ['time', T.time, fc.bigInt({ min: 0n, max: 86399999999999n }).map(bigint)],
  ['varint', T.varint, varintB], ['decimal', T.decimal, decimalB], ['double', T.double, doubleB], ['float', T.float, floatB],
  ['boolean', T.boolean, fc.constantFrom(Buffer.from([0]), Buffer.from([1]), Buffer.from([7]))],
  ['uuid', T.uuid, uuidB], ['timeuuid', T.timeuuid, timeuuidB], ['text', T.text, textB], ['ascii', T.ascii, textB],
  ['blob', T.blob, blobB], ['inet', T.inet, fc.oneof(fixed(4), fixed(16))], ['date', T.date, fixed(4)],
  ['list<int>', listInt, fc.array(withEmpty(intB), { maxLength: 4 }).map(coll)],
  ['set<text>', setText, fc.array(textB, { maxLength: 4 }).map(coll)],
  ['map<int,text>', mapIntText, fc.array(fc.tuple(intB, textB), { maxLength: 3 }).map(mapVal)],
  ['tuple', tupleType, fc.tuple(fc.option(intB), fc.option(textB), fc.option(doubleB)).map(([a, b, c]) => tupleVal([a, b, c]))],
  ['udt', udtType, fc.array(fc.option(fc.oneof(varintB, blobB)), { maxLength: 3 }).map(tupleVal)],
  ['list<frozen<list<bigint>>>', nested, fc.array(fc.array(bigintB, { maxLength: 3 }).map(coll), { maxLength: 3 }).map(coll)],
  ['map<text, frozen<set<int>>>', mapOfSets, fc.array(fc.tuple(textB, fc.array(intB, { maxLength: 3 }).map(coll)), { maxLength: 3 }).map(mapVal)],
  ['tuple<boolean, frozen<udt>, frozen<list<double>>> with nulls', tupleWithUdt, fc.tuple(
    fc.option(fc.constantFrom(Buffer.from([0]), Buffer.from([1]))),
    fc.option(fc.array(fc.option(fc.oneof(varintB, blobB)), { maxLength: 2 }).map(tupleVal)),
    fc.option(fc.array(doubleB, { maxLength: 3 }).map(coll)),
  ).map(([a, b, c]) => tupleVal([a, b, c]))],
  ['set<frozen<tuple<int, text, double>>>', setOfTuples, fc.array(
    fc.tuple(fc.option(intB), fc.option(textB), fc.option(doubleB)).map(([a, b, c]) => tupleVal([a, b, c])), { maxLength: 3 }).map(coll)],
];

for (const [name, type, arb] of CASES) {
  test(`byte-comparable order equals comparator order: ${name}`, () => {
    fc.assert(fc.property(withEmpty(arb), withEmpty(arb), (a, b) => {
      const c = sign(compareValues(type, a, b));
      assert.equal(sign(Buffer.compare(encodeValue(type, a), encodeValue(type, b))), c);
      assert.equal(sign(Buffer.compare(encodeValue(type, a, true), encodeValue(type, b, true))), neg(c));
      assert.equal(sign(compareValues(type, b, a)), neg(c));
      // Query-side sorting (ORDER BY, IN, set/map literals) uses the very same order.
      assert.equal(sign(compareQueryValues(type, a, b)), c);
    }), { numRuns: 400 });
  });
}

test('comparators agree with numeric truth', () => {
  fc.assert(fc.property(fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }), fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }), (x, y) => {
    assert.equal(sign(compareValues(T.varint, varint(x), varint(y))), x < y ? -1 : x > y ? 1 : 0);
  }));
  fc.assert(fc.property(fc.integer(), fc.integer(), (x, y) => {
    assert.equal(sign(compareValues(T.int, int(x), int(y))), sign(x - y));
  }));
  fc.assert(fc.property(fc.bigInt({ min: -99999n, max: 99999n }), fc.integer({ min: -4, max: 4 }),
    fc.bigInt({ min: -99999n, max: 99999n }), fc.integer({ min: -4, max: 4 }), (u1, s1, u2, s2) => {
      // Compare u1·10^-s1 with u2·10^-s2 exactly by scaling both to 10^-8.
      const a = u1 * 10n ** BigInt(8 - s1);
      const b = u2 * 10n ** BigInt(8 - s2);
      assert.equal(sign(compareValues(T.decimal, decimal(u1, s1), decimal(u2, s2))), a < b ? -1 : a > b ? 1 : 0);
    }));
  // Java Double.compare: -0.0 < 0.0, NaN above +Infinity, NaNs equal.
  const d = (x: number) => double(x);
  assert.equal(compareValues(T.double, d(-0), d(0)), -1);
  assert.equal(compareValues(T.double, d(NaN), d(Infinity)), 1);
  assert.equal(compareValues(T.double, Buffer.from('fff8000000000001', 'hex'), d(NaN)), 0);
  assert.equal(compareValues(T.double, d(-1), d(-2)), 1);
  assert.equal(compareValues(T.int, Buffer.alloc(0), int(-5)), -1);
  assert.equal(compareValues(T.text, text('a'), text('b')), -1);
  assert.equal(compareValues(T.boolean, Buffer.from([0]), Buffer.from([1])), -1);
});

test('timeuuid and uuid order by time for version 1', () => {
  // Same time fields; version-1 uuid with earlier time_hi sorts first even if its low bytes are larger.
  const mk = (timeHi: number, low: number, version = 1): Buffer => {
    const b = Buffer.alloc(16, 0);
    b.writeUInt32BE(0xffffffff, 0); // time_low big, but least significant part of the time
    b.writeUInt16BE(((version << 12) | timeHi) & 0xffff, 6);
    b[15] = low;
    return b;
  };
  assert.equal(compareValues(T.timeuuid, mk(1, 0xff), mk(2, 0)), -1);
  assert.equal(compareValues(T.uuid, mk(1, 0xff), mk(2, 0)), -1);
  assert.equal(compareValues(T.uuid, mk(5, 0, 1), mk(0, 0, 4)), -1, 'version first');
  // timeuuid low bytes compare as signed bytes: 0x80 (-128) < 0x7f.
  assert.equal(compareValues(T.timeuuid, mk(1, 0x80), mk(1, 0x7f)), -1);
});

const clusteringTable = makeTable({
  clustering: [
    { name: 'a', type: T.int, order: 'asc' },
    { name: 'b', type: T.text, order: 'desc' },
    { name: 'c', type: T.double, order: 'desc' },
    { name: 'd', type: T.varint, order: 'asc' },
  ],
});
const clusteringArb = fc.tuple(withEmpty(fc.integer({ min: -3, max: 3 }).map(int)), withEmpty(fc.constantFrom('', 'a', 'a\0', 'ab', 'b').map(text)),
  withEmpty(doubleB), withEmpty(fc.bigInt({ min: -300n, max: 300n }).map(varint)));

test('composite clustering with mixed ASC/DESC: key order equals compareClustering', () => {
  fc.assert(fc.property(clusteringArb, clusteringArb, (x, y) => {
    const c = sign(compareClustering(clusteringTable, x, y));
    assert.equal(sign(Buffer.compare(encodeClustering(clusteringTable, x), encodeClustering(clusteringTable, y))), c);
    const prefix = partitionPrefix(clusteringTable.id, 5n, Buffer.from('k'));
    assert.equal(sign(Buffer.compare(rowKey(prefix, clusteringTable, x), rowKey(prefix, clusteringTable, y))), c);
  }), { numRuns: 1000 });
});

test('slice bound keys select exactly the rows inside the bounds', () => {
  const prefix = partitionPrefix(clusteringTable.id, -7n, Buffer.from([0, 1, 0]));
  const boundArb = fc.tuple(clusteringArb, fc.integer({ min: 0, max: 4 }), fc.boolean())
    .map(([c, n, inclusive]) => ({ prefix: c.slice(0, n), inclusive }));
  fc.assert(fc.property(clusteringArb, boundArb, boundArb, (r, start, end) => {
    const k = rowKey(prefix, clusteringTable, r);
    const inKeys = Buffer.compare(rowStartKey(prefix, clusteringTable, start), k) <= 0
      && Buffer.compare(k, rowEndKey(prefix, clusteringTable, end)) < 0;
    assert.equal(inKeys, boundsContain(clusteringTable, start, end, r));
  }), { numRuns: 2000 });
});

test('partition keys order by token then key bytes and decode back', () => {
  const pk = fc.uint8Array({ maxLength: 6 }).map(buf);
  const tok = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  fc.assert(fc.property(tok, pk, tok, pk, (t1, k1, t2, k2) => {
    const a = headerKey(partitionPrefix('t', t1, k1));
    const b = rowKey(partitionPrefix('t', t2, k2), clusteringTable, [int(1), text('x'), double(1), varint(1n)]);
    const expected = t1 !== t2 ? (t1 < t2 ? -1 : 1) : sign(Buffer.compare(k1, k2)) || -1; // header before rows
    assert.equal(sign(Buffer.compare(a, b)), expected);
    const d = decodePartitionKey(b);
    assert.equal(d.token, t2);
    assert.deepEqual(d.key, k2);
  }), { numRuns: 1000 });
});

test('over-long keys are rejected with InvalidRequestError', () => {
  const prefix = partitionPrefix(clusteringTable.id, 0n, Buffer.alloc(10));
  assert.throws(() => rowKey(prefix, clusteringTable, [int(1), Buffer.alloc(3000, 1), double(0), varint(0n)]),
    (e: unknown) => e instanceof InvalidRequestError && /Key length of \d+ is longer than maximum of 1978/.test(e.message));
});

test('partitionKeyString is the partition prefix after the table id, as latin1 (fast-check)', () => {
  const key = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 4000, maxLength: 5000 }));
  fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), key, (token, k) => {
    const b = Buffer.from(k);
    assert.equal(partitionKeyString(token, b), partitionPrefix('6d3a1a70-1c8e-11ef-8000-000000000001', token, b).toString('latin1', 16));
  }), { seed: 20261204, numRuns: 300 });
});
