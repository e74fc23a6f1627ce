// vector<element, n>: Cassandra 5.0's serialization (fixed-width elements back to back, others with unsigned vint
// lengths), literals with Cassandra's refusals, validation of bound values, ordering, the protocol's class name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseStatement, parseTypeRef } from '../../src/cql/parser.ts';
import { readUnsignedVint, readVector, serializeVector, writeUnsignedVint } from '../../src/model/values/vector.ts';
import { validateValue } from '../../src/model/values/validate.ts';
import { compareValues } from '../../src/model/values/compare.ts';
import { formatLiteral } from '../../src/model/values/format.ts';
import { encodeValue } from '../../src/storage/keys.ts';
import { marshalClass, parseMarshalClass } from '../../src/protocol/marshal-class.ts';
import { compileTerm, MarkerTypes } from '../../src/cql/exec/terms.ts';
import { InvalidRequestError } from '../../src/model/errors.ts';
import type { CqlType } from '../../src/model/types.ts';
import type { Term } from '../../src/model/ast.ts';

const F3: CqlType = { kind: 'vector', element: { kind: 'native', name: 'float' }, dimension: 3 };
const T2: CqlType = { kind: 'vector', element: { kind: 'native', name: 'text' }, dimension: 2 };

test('unsigned vints round-trip, with Cassandra\'s first-byte length prefix', () => {
  assert.deepEqual(writeUnsignedVint(1), Buffer.from([1]));
  assert.deepEqual(writeUnsignedVint(200), Buffer.from([0x80, 200]));
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (n) => {
    const b = writeUnsignedVint(n);
    assert.deepEqual(readUnsignedVint(b, 0), { value: n, next: b.length });
  }), { seed: 42, numRuns: 500 });
});

test('serialization as Cassandra 5.0.9 sends it: floats back to back, texts with vint lengths', () => {
  const f = (x: number): Buffer => { const b = Buffer.alloc(4); b.writeFloatBE(x); return b; };
  const v = serializeVector(F3 as Extract<CqlType, { kind: 'vector' }>, [f(1), f(2), f(3)]);
  assert.equal(v.toString('hex'), '3f8000004000000040400000');
  const t = serializeVector(T2 as Extract<CqlType, { kind: 'vector' }>, [Buffer.from('a'), Buffer.from('b')]);
  assert.deepEqual(t, Buffer.from('\x01a\x01b', 'latin1'));
  assert.deepEqual(readVector(T2 as Extract<CqlType, { kind: 'vector' }>, t).map(String), ['a', 'b']);
  assert.throws(() => validateValue(F3, v.subarray(0, 8)), InvalidRequestError);
  assert.throws(() => validateValue(T2, Buffer.from('\x01a', 'latin1')), InvalidRequestError);
  assert.equal(formatLiteral(F3, v), '[1.0, 2.0, 3.0]');
  assert.ok(compareValues(F3, v, serializeVector(F3 as Extract<CqlType, { kind: 'vector' }>, [f(1), f(2), f(4)])) < 0);
  assert.ok(Buffer.compare(encodeValue(F3, v), encodeValue(F3, serializeVector(F3 as Extract<CqlType, { kind: 'vector' }>, [f(1), f(3), f(0)]))) < 0);
});

test('types and literals: parsing, the protocol class name, and the refusals', () => {
  assert.deepEqual(parseTypeRef('vector<float, 3>'), { kind: 'vector', element: { kind: 'native', name: 'float' }, dimension: 3 });
  assert.deepEqual(parseTypeRef('frozen<vector<text, 2>>'), { kind: 'vector', element: { kind: 'native', name: 'text' }, dimension: 2 });
  // Cassandra 5.0 spells it with " , " before the dimension (checked against the reference); both forms parse.
  const cls = 'org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType , 3)';
  assert.equal(marshalClass(F3), cls);
  assert.deepEqual(parseMarshalClass(cls), F3);
  assert.deepEqual(parseMarshalClass('org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType,3)'), F3);
  const lit = (text: string): Term => (parseStatement(`INSERT INTO t (k) VALUES (${text})`).statement as { values: Term[] }).values[0]!;
  const r = { keyspace: 'ks', table: 't', name: 'e', type: F3 };
  const ctx = { values: [], nowMicros: 0 };
  assert.equal((compileTerm(lit('[1, 2.5, 3]'), r, new MarkerTypes(0))(ctx) as Buffer).length, 12);
  const refuses = (text: string, message: string): void => {
    assert.throws(() => compileTerm(lit(text), r, new MarkerTypes(0))(ctx), (e: unknown) => e instanceof InvalidRequestError && e.message === message);
  };
  refuses('[1.0, 2.0]', 'Invalid vector literal for e of type vector<float, 3>; expected 3 elements, but given 2');
  refuses('[1.0, null, 3.0]', 'null is not supported inside vectors');
  refuses("[1.0, 'a', 3.0]", "Invalid vector literal for e: value 'a' is not of type float");
  refuses('{1.0, 2.0, 3.0}', 'Invalid set literal for e of type vector<float, 3>');
});
