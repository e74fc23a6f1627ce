// Selection arithmetic, CAST and function overload resolution (src/cql/exec/operators.ts, casts.ts,
// function-resolve.ts), against results recorded from the reference Cassandra 5.0.9; the oracle scenarios
// functions/arithmetic-types, decimal-arithmetic, cast-table and function-resolution check them end to end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { T, type CqlType } from '../../src/model/types.ts';
import { decodeJs, encodeJs, type JsValue } from '../../src/model/values/js.ts';
import { compileNegation, compileOperation } from '../../src/cql/exec/operators.ts';
import { compileCast } from '../../src/cql/exec/casts.ts';
import { resolveOverload, type ArgShape } from '../../src/cql/exec/function-resolve.ts';
import { getFunction } from '../../src/model/values/functions.ts';
import { FunctionFailureError, InvalidRequestError } from '../../src/model/errors.ts';
import type { ArithmeticOp } from '../../src/model/ast.ts';

function op(o: ArithmeticOp, a: [CqlType, JsValue], b: [CqlType, JsValue]): { type: string; value: JsValue | null } {
  const c = compileOperation(o, { text: 'a', type: a[0] }, { text: 'b', type: b[0] });
  const r = c.apply(encodeJs(a[0], a[1]), encodeJs(b[0], b[1]));
  return { type: c.type.kind === 'native' ? c.type.name : c.type.kind, value: r === null ? null : decodeJs(c.type, r) };
}

function message(f: () => unknown): string {
  try { f(); } catch (e) { assert.ok(e instanceof InvalidRequestError || e instanceof FunctionFailureError, String(e)); return e.message; }
  assert.fail('no error');
}

test('result types of numeric operations', () => {
  const type = (a: CqlType, b: CqlType): string => op('+', [a, 1], [b, 1]).type;
  assert.equal(type(T.tinyint, T.smallint), 'smallint');
  assert.equal(type(T.int, T.bigint), 'bigint');
  assert.equal(type(T.int, T.float), 'float');
  assert.equal(type(T.bigint, T.float), 'double');
  assert.equal(type(T.varint, T.float), 'decimal');
  assert.equal(type(T.varint, T.double), 'decimal');
  assert.equal(type(T.float, T.double), 'double');
  assert.equal(type(T.double, T.decimal), 'decimal');
  assert.equal(type(T.tinyint, T.tinyint), 'tinyint');
});

test('integers wrap in the result type; Java division and remainder', () => {
  assert.deepEqual(op('+', [T.int, 2147483647], [T.int, 1]), { type: 'int', value: -2147483648 });
  assert.deepEqual(op('*', [T.tinyint, 127], [T.tinyint, 127]), { type: 'tinyint', value: 1 });
  assert.deepEqual(op('/', [T.int, -7], [T.int, 2]), { type: 'int', value: -3 });
  assert.deepEqual(op('%', [T.int, -7], [T.int, 2]), { type: 'int', value: -1 });
  assert.deepEqual(op('+', [T.varint, 12345678901234567890n], [T.int, 1]), { type: 'varint', value: 12345678901234567891n });
  const neg = compileNegation({ text: 'i', type: T.int });
  assert.equal(decodeJs(T.int, neg.apply(encodeJs(T.int, -2147483648), null)!), -2147483648);
});

test('floating point and decimal operations', () => {
  assert.deepEqual(op('+', [T.int, 100000], [T.float, 1.5]), { type: 'float', value: 100001.5 });
  assert.deepEqual(op('/', [T.float, 1.5], [T.double, 2.25]), { type: 'double', value: 0.6666666666666666 });
  assert.deepEqual(op('/', [T.double, 1], [T.int, 0]), { type: 'double', value: Infinity });
  // Operands other than varint and decimal become decimals through their double value: 2 is 2.0.
  assert.deepEqual(op('*', [T.decimal, '3.125'], [T.int, 2]), { type: 'decimal', value: '6.2500' });
  assert.deepEqual(op('+', [T.float, 0.1], [T.decimal, '3.125']), { type: 'decimal', value: '3.22500000149011612' });
  assert.deepEqual(op('/', [T.decimal, '3.125'], [T.int, 3]), { type: 'decimal', value: '1.04166666666666666666666666666667' });
  assert.deepEqual(op('%', [T.int, 100000], [T.decimal, '3.125']), { type: 'decimal', value: '0.0' });
});

test('division by zero, unsupported and ambiguous operations', () => {
  assert.equal(message(() => op('/', [T.int, 1], [T.int, 0])), "the operation 'int / int' failed: / by zero");
  assert.equal(message(() => op('/', [T.varint, 1n], [T.int, 0])), "the operation 'varint / int' failed: BigInteger divide by zero");
  assert.equal(message(() => op('%', [T.decimal, '1'], [T.int, 0])), "the operation 'decimal % int' failed: Division by zero");
  assert.equal(message(() => compileOperation('+', { text: 'i', type: T.int }, { text: 't', type: T.text })), "the '+' operation is not supported between i and t");
  assert.equal(message(() => compileOperation('+', { text: 'i', type: T.int }, { text: '?', type: undefined })),
    "Ambiguous '+' operation with args i and ?: use type hint to disambiguate, example '(int) ?'");
  assert.equal(message(() => compileOperation('+', { text: 'i', type: T.int }, { text: 'ts', type: T.timestamp })),
    "Ambiguous '+' operation with args i and ts: use type hint to disambiguate, example '(int) ?'");
  assert.deepEqual(op('+', [T.ascii, 'a'], [T.ascii, 'b']), { type: 'ascii', value: 'ab' });
  assert.deepEqual(op('+', [T.text, 'a'], [T.ascii, 'b']), { type: 'text', value: 'ab' });
});

test('timestamp and date plus or minus a duration', () => {
  const ts = new Date(Date.UTC(2024, 0, 31, 10));
  assert.deepEqual(op('+', [T.timestamp, ts], [T.duration, '1mo2d']).value, new Date(Date.UTC(2024, 2, 2, 10)));
  assert.deepEqual(op('-', [T.timestamp, ts], [T.duration, '1mo']).value, new Date(Date.UTC(2023, 11, 31, 10)));
  assert.equal(op('+', [T.date, '2024-01-31'], [T.duration, '1mo']).value, '2024-02-29');
  assert.equal(message(() => op('+', [T.date, '2024-01-31'], [T.duration, '1h'])),
    "the operation 'date + duration' failed: The duration must have a day precision. Was: 1h");
});

test('CAST: conversions, identity and refusals', () => {
  const cast = (from: CqlType, v: JsValue, to: CqlType): JsValue | null => {
    const c = compileCast('x', from, to);
    const b = encodeJs(from, v)!;
    return decodeJs(to, c.convert ? c.convert(b) : b);
  };
  assert.equal(cast(T.bigint, 3000000000n, T.int), -1294967296);
  assert.equal(cast(T.bigint, 3000000000n, T.smallint), 24064);
  assert.equal(cast(T.double, 2.75, T.int), 2);
  assert.equal(cast(T.varint, 99999999999999999999n, T.bigint), 7766279631452241919n);
  assert.equal(cast(T.float, -1.5, T.text), '-1.5');
  assert.equal(cast(T.double, 1e10, T.text), '1.0E10');
  assert.equal(cast(T.int, 65, T.decimal), '65');
  assert.equal(cast(T.timestamp, new Date(1704103200000), T.bigint), 1704103200000n);
  assert.equal(cast(T.timestamp, new Date(1704103200000), T.text), '2024-01-01T10:00:00.000Z');
  assert.equal(cast(T.bigint, 3000000000n, T.date), '1970-02-04');
  assert.equal(compileCast('i', T.int, T.int).convert, undefined);
  assert.equal(message(() => compileCast('i', T.int, T.blob)), 'i cannot be cast to blob');
  assert.match(message(() => compileCast('t', T.text, T.int)), /^Invalid call to function system\.cast_as_int, none of its type signatures match \(known type signatures: system\.cast_as_int : \(double\) -> int, /);
  assert.equal(message(() => compileCast('ts', T.timestamp, T.int)), 'Ambiguous call to function system.cast_as_int (can be matched by following signatures: ' +
    'system.cast_as_int : (varint) -> int, system.cast_as_int : (bigint) -> int): use type casts to disambiguate');
});

test('function overload resolution', () => {
  const sigs = (name: string) => getFunction(name)!.signatures;
  const lit = (literal: Extract<ArgShape, { kind: 'literal' }>['literal'], value: string): ArgShape => ({ kind: 'literal', literal, value, text: value });
  const typed = (type: CqlType, text: string): ArgShape => ({ kind: 'typed', type, text });
  assert.deepEqual(resolveOverload('bigintasblob', sigs('bigintasblob'), [lit('integer', '3')]).args, [T.bigint]);
  assert.deepEqual(resolveOverload('mintimeuuid', sigs('mintimeuuid'), [lit('string', '2013-01-01 00:05+0000')]).args, [T.timestamp]);
  assert.deepEqual(resolveOverload('mintimeuuid', sigs('mintimeuuid'), [typed(T.bigint, 'b')]).args, [T.timestamp]);
  assert.deepEqual(resolveOverload('todate', sigs('todate'), [lit('string', '2024-01-01')]).args, [T.timestamp]);
  assert.deepEqual(resolveOverload('varintasblob', sigs('varintasblob'), [typed(T.int, 'i')]).args, [T.varint]);
  assert.deepEqual(resolveOverload('blobasint', sigs('blobasint'), [typed(T.int, 'i')]).args, [T.blob]);
  assert.equal(message(() => resolveOverload('mintimeuuid', sigs('mintimeuuid'), [typed(T.int, 'i')])),
    'Type error: i cannot be passed as argument 0 of function system.mintimeuuid of type timestamp');
  assert.equal(message(() => resolveOverload('todate', sigs('todate'), [{ kind: 'untyped', text: '?' }])),
    'Ambiguous call to function todate (can be matched by following signatures: system.todate : (timeuuid) -> date, system.todate : (timestamp) -> date): use type casts to disambiguate');
  assert.equal(message(() => resolveOverload('totimestamp', sigs('totimestamp'), [typed(T.bigint, 'b')])),
    'Invalid call to function totimestamp, none of its type signatures match (known type signatures: system.totimestamp : (date) -> timestamp, system.totimestamp : (timeuuid) -> timestamp)');
  assert.equal(message(() => resolveOverload('intasblob', sigs('intasblob'), [lit('float', '3.5')])),
    'Type error: 3.5 cannot be passed as argument 0 of function system.intasblob of type int');
});
