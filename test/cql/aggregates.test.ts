// The native aggregates (src/cql/exec/aggregates.ts) and BigDecimal arithmetic, against values recorded from the
// reference Cassandra 5.0.9 (test/oracle/cases/aggregates/aggregate-types.cql checks them end to end).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { T, type CqlType } from '../../src/model/types.ts';
import { decodeJs, encodeJs, type JsValue } from '../../src/model/values/js.ts';
import { getAggregate, COUNT_ROWS } from '../../src/cql/exec/aggregates.ts';
import { decimalDivide } from '../../src/model/values/decimal-math.ts';
import { parseDecimal, decimalToString } from '../../src/model/values/codec.ts';
import { InvalidRequestError } from '../../src/model/errors.ts';

function run(name: string, type: CqlType, values: Array<JsValue | null>): JsValue | null {
  const agg = getAggregate(name, [type])!;
  const acc = agg.init();
  for (const v of values) acc.add(v === null ? null : encodeJs(type, v));
  const r = acc.result();
  return r === null ? null : decodeJs(agg.returnType, r);
}

test('sum wraps in the argument type; avg does not overflow and truncates towards zero', () => {
  assert.equal(run('sum', T.tinyint, [100, 100, 1]), -55);
  assert.equal(run('avg', T.tinyint, [100, 100, 1]), 67);
  assert.equal(run('sum', T.smallint, [30000, 30000, 1]), -5535);
  assert.equal(run('avg', T.smallint, [30000, 30000, 1]), 20000);
  assert.equal(run('sum', T.int, [2147483647, 1, 1]), -2147483647);
  assert.equal(run('avg', T.int, [2147483647, 1, 1]), 715827883);
  assert.equal(run('sum', T.bigint, [2n ** 63n - 1n, 1n, 1n]), -(2n ** 63n) + 1n);
  assert.equal(run('avg', T.bigint, [2n ** 63n - 1n, 1n, 1n]), 3074457345618258603n);
  assert.equal(run('avg', T.int, [-1, -2]), -1);
  assert.equal(run('avg', T.int, [3, 0, 0]), 1);
  assert.equal(run('sum', T.varint, [1n, 2n, 4n]), 7n);
  assert.equal(run('sum', T.int, [1, null, 2]), 3);
});

test('decimal: exact sum, running mean rounded HALF_EVEN at the dividend scale', () => {
  assert.equal(run('sum', T.decimal, ['1', '2', '2.000']), '5.000');
  assert.equal(run('avg', T.decimal, ['1', '2', '2.000']), '1.333');
  assert.equal(run('avg', T.decimal, ['1', '0.5', '0.25']), '0.62');
  assert.equal(run('avg', T.decimal, ['1E+2', '1']), '50');
  assert.equal(run('avg', T.decimal, ['0.1', '0.2', '0.3', '1', '2', '2.000']), '0.917');
});

test('float and double: Kahan-compensated sums, infinities and NaN', () => {
  assert.equal(run('sum', T.double, [0.1, 0.2, 0.3]), 0.6);
  assert.equal(run('avg', T.double, [0.1, 0.2, 0.3]), 0.19999999999999998);
  assert.equal(run('sum', T.float, [0.1, 0.2, 0.3]), Math.fround(0.6000000238418579));
  assert.equal(run('sum', T.double, [1e16, 1, -1e16]), 0);
  assert.equal(run('sum', T.double, [Infinity, Infinity]), Infinity);
  assert.ok(Number.isNaN(run('sum', T.double, [Infinity, Infinity, -Infinity]) as number));
  assert.equal(run('avg', T.double, [1.7e308, 1.7e308]), 1.7e308);
  assert.equal(run('sum', T.float, [3.4e38, 3.4e38]), Infinity);
  assert.ok(Number.isNaN(run('max', T.double, [Number.NaN, 1]) as number));
  assert.equal(run('min', T.double, [Number.NaN, 1]), 1);
});

test('empty input: count, sum and avg are 0, min and max null', () => {
  for (const t of [T.int, T.bigint, T.varint, T.double, T.decimal]) {
    assert.notEqual(run('sum', t, []), null);
    assert.notEqual(run('avg', t, []), null);
  }
  assert.equal(run('count', T.text, []), 0n);
  assert.equal(run('min', T.text, []), null);
  assert.equal(run('max', T.timestamp, []), null);
  const rows = COUNT_ROWS.init();
  rows.add(null);
  rows.add(null);
  assert.equal(decodeJs(T.bigint, rows.result()!), 2n);
});

test('type and arity errors', () => {
  const message = (f: () => unknown): string => {
    try { f(); } catch (e) { assert.ok(e instanceof InvalidRequestError); return e.message; }
    assert.fail('no error');
  };
  assert.match(message(() => getAggregate('sum', [T.text])), /^Invalid call to function sum, none of its type signatures match \(known type signatures: system\.sum : \(int\) -> int, system\.sum : \(bigint\) -> bigint/);
  assert.match(message(() => getAggregate('avg', [T.boolean])), /^Invalid call to function avg, none of its type signatures match \(known type signatures: system\.avg : \(double\) -> double/);
  assert.equal(message(() => getAggregate('count', [])), 'Invalid number of arguments in call to function system.count: 1 required but 0 provided');
  assert.equal(message(() => getAggregate('max', [T.int, T.int])), 'Invalid number of arguments for function system.max(any)');
  assert.equal(getAggregate('blobasint', [T.blob]), undefined);
});

test('property: min and max agree with sorting; integer avg is the truncated exact mean', () => {
  fc.assert(fc.property(fc.array(fc.integer(), { minLength: 1, maxLength: 40 }), (xs) => {
    assert.equal(run('min', T.int, xs), Math.min(...xs));
    assert.equal(run('max', T.int, xs), Math.max(...xs));
    const sum = xs.reduce((a, b) => a + BigInt(b), 0n);
    assert.equal(run('avg', T.int, xs), Number(sum / BigInt(xs.length)));
    assert.equal(run('sum', T.int, xs), Number(BigInt.asIntN(32, sum)));
  }), { seed: 0xa66, numRuns: 300 });
});

test('decimal division to a MathContext precision', () => {
  const div = (a: string, b: string, p: number): string => decimalToString(decimalDivide(parseDecimal(a)!, parseDecimal(b)!, p));
  assert.equal(div('1', '3', 34), '0.3333333333333333333333333333333333');
  assert.equal(div('10', '4', 34), '2.5');
  assert.equal(div('6', '2', 34), '3');
  assert.equal(div('2', '3', 5), '0.66667');
});
