import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { T, type CqlType } from '../../src/model/types.ts';
import { encodeJs, type JsValue } from '../../src/model/values/js.ts';
import { formatFloatCqlsh, formatLiteral, formatValue } from '../../src/model/values/format.ts';
import { literalToBytes } from '../../src/model/values/literals.ts';
import { getFunction } from '../../src/model/values/functions.ts';
import type { LiteralKind } from '../../src/model/ast.ts';

const list = (element: CqlType): CqlType => ({ kind: 'list', element, frozen: false });
const set = (element: CqlType): CqlType => ({ kind: 'set', element, frozen: false });
const map = (key: CqlType, value: CqlType): CqlType => ({ kind: 'map', key, value, frozen: false });
const udt: CqlType = { kind: 'udt', keyspace: 'ks', name: 'u', fieldNames: ['f', 'Weird Name'], fieldTypes: [T.text, T.int], frozen: true };
const fv = (t: CqlType, v: JsValue): string => formatValue(t, encodeJs(t, v));
const fl = (t: CqlType, v: JsValue): string => formatLiteral(t, encodeJs(t, v));

test('formatValue imitates cqlsh', () => {
  assert.equal(formatValue(T.int, null), 'null');
  assert.equal(formatValue(T.int, Buffer.alloc(0)), '');
  assert.equal(fv(T.text, "it's"), "it's");
  assert.equal(fv(T.text, 'a\nb\\c'), 'a\\nb\\\\c');
  assert.equal(fv(list(T.text), ['a', "b'c"]), "['a', 'b''c']");
  assert.equal(fv(set(T.int), [2, 1]), '{1, 2}');
  assert.equal(fv(map(T.text, T.int), { k: 1 }), "{'k': 1}");
  assert.equal(fv(udt, { f: 'x', 'Weird Name': null }), "{f: 'x', Weird Name: null}");
  assert.equal(fv({ kind: 'tuple', elements: [T.int, T.text] }, [1, 'a']), "(1, 'a')");
  assert.equal(fv(T.timestamp, new Date('2011-02-03T04:05:00Z')), '2011-02-03 04:05:00.000000+0000');
  assert.equal(fv(list(T.timestamp), [new Date(123)]), "['1970-01-01 00:00:00.123000+0000']");
  assert.equal(fv(T.blob, Buffer.from('cafe', 'hex')), '0xcafe');
  assert.equal(fv(T.uuid, '01234567-89AB-cdef-0123-456789abcdef'), '01234567-89ab-cdef-0123-456789abcdef');
  assert.equal(fv(T.boolean, true), 'True');
  assert.equal(fv(T.boolean, false), 'False');
  assert.equal(fv(T.float, 1.1), '1.1');
  assert.equal(fv(T.float, 0.1), '0.1');
  assert.equal(fv(T.float, 123456.7), '1.2346e+05');
  assert.equal(fv(T.float, 1e10), '1e+10');
  assert.equal(fv(T.double, Math.PI), '3.14159265359');
  assert.equal(fv(T.double, 0.001), '0.001');
  assert.equal(fv(T.double, 1e-7), '1e-07');
  assert.equal(fv(T.double, 0), '0');
  assert.equal(fv(T.double, -2.5), '-2.5');
  assert.equal(fv(T.double, NaN), 'NaN');
  assert.equal(fv(T.float, -Infinity), '-Infinity');
  assert.equal(formatFloatCqlsh(1234.5678, 5), '1234.5678');
  assert.equal(formatFloatCqlsh(1234.56789012, 5), '1234.56789');
  assert.equal(fv(T.decimal, '1.50'), '1.50');
  assert.equal(fv(T.varint, -5n), '-5');
  assert.equal(fv(T.date, '2020-01-31'), '2020-01-31');
  assert.equal(fv(T.date, '-0001-01-01'), String(-719893));
  assert.equal(fv(T.time, '08:12:54.123'), '08:12:54.123000000');
  assert.equal(fv(T.inet, '::1'), '::1');
  assert.equal(fv(list(T.inet), ['1.2.3.4']), "['1.2.3.4']");
  assert.equal(fv(T.duration, '1h30m'), '1h30m');
  assert.equal(fv(list(T.uuid), ['01234567-89ab-cdef-0123-456789abcdef']), '[01234567-89ab-cdef-0123-456789abcdef]');
});

// Literal kind the parser would assign to formatLiteral's output for scalar types.
function kindOf(text: string): { type: LiteralKind; text: string } | { call: string; arg: string } {
  if (text.startsWith("'")) return { type: 'string', text: text.slice(1, -1).replace(/''/g, "'") };
  if (text.startsWith('0x')) return { type: 'blob', text: text.slice(2) };
  const call = /^(\w+)\(0x([0-9a-f]*)\)$/.exec(text);
  if (call) return { call: call[1]!, arg: call[2]! };
  if (text === 'true' || text === 'false') return { type: 'boolean', text };
  if (/NaN/.test(text)) return { type: 'nan', text };
  if (/Infinity/.test(text)) return { type: 'infinity', text };
  if (/^-?\d+$/.test(text)) return { type: 'integer', text };
  if (/^-?[\d.]+([eE][-+]?\d+)?$/.test(text)) return { type: 'float', text };
  if (/^[0-9a-f]{8}-/.test(text)) return { type: 'uuid', text };
  return { type: 'duration', text };
}

function reparse(t: CqlType, lit: string): Buffer {
  const k = kindOf(lit);
  if ('call' in k) return getFunction(k.call)!.call([Buffer.from(k.arg, 'hex')], [T.blob], Date.now() * 1000)!;
  return literalToBytes(k, t);
}

test('formatLiteral output parses back to the same bytes', () => {
  const samples: Array<[CqlType, JsValue]> = [
    [T.text, "it's"], [T.ascii, 'x'], [T.int, -3], [T.bigint, 9n], [T.smallint, 4], [T.tinyint, -1], [T.varint, 10n ** 30n],
    [T.float, 1.1], [T.float, 3], [T.double, 0.1], [T.double, 1e300], [T.double, -0], [T.double, NaN], [T.float, -Infinity],
    [T.decimal, '1.50'], [T.decimal, '1E+5'], [T.decimal, '-0.00000001'], [T.boolean, false], [T.blob, Buffer.from('00ff', 'hex')],
    [T.timestamp, new Date('2011-02-03T04:05:00.123Z')], [T.timestamp, -62198755200001], [T.date, '2020-01-31'],
    [T.date, '-5877641-06-23'], [T.time, 29574123456789n], [T.uuid, '01234567-89ab-cdef-0123-456789abcdef'],
    [T.timeuuid, 'fe2b4360-28c6-11e2-81c1-0800200c9a66'], [T.inet, '2001:db8::1'], [T.inet, '10.0.0.1'],
    [T.duration, '1y2mo3d4h5m6s7ms8us9ns'], [T.duration, '-3d'], [T.duration, '0s'],
  ];
  for (const [t, v] of samples) {
    const bytes = encodeJs(t, v)!;
    const text = formatLiteral(t, bytes);
    assert.equal(reparse(t, text).toString('hex'), bytes.toString('hex'), `${JSON.stringify(t)} ${text}`);
  }
  assert.equal(formatLiteral(T.int, Buffer.alloc(0)), 'blobAsint(0x)');
  assert.equal(reparse(T.int, 'blobAsint(0x)').length, 0);
  fc.assert(fc.property(fc.double(), (d) => {
    const b = encodeJs(T.double, d)!;
    assert.equal(reparse(T.double, formatLiteral(T.double, b)).toString('hex'), b.toString('hex'));
  }), { numRuns: 500 });
  fc.assert(fc.property(fc.float(), (f) => {
    const b = encodeJs(T.float, f)!;
    assert.equal(reparse(T.float, formatLiteral(T.float, b)).toString('hex'), b.toString('hex'));
  }), { numRuns: 500 });
});

test('formatLiteral for collections, tuples and UDTs', () => {
  assert.equal(fl(list(T.text), ['a', "b'"]), "['a', 'b''']");
  assert.equal(fl(set(T.int), []), '{}');
  assert.equal(fl(map(T.text, list(T.int)), { k: [1, 2] }), "{'k': [1, 2]}");
  assert.equal(fl({ kind: 'tuple', elements: [T.int, T.text] }, [1, null]), '(1, null)');
  assert.equal(fl(udt, { f: 'x', 'Weird Name': 2 }), `{f: 'x', "Weird Name": 2}`);
  assert.equal(fl(T.timestamp, new Date(0)), "'1970-01-01T00:00:00.000Z'");
  assert.equal(fl(T.float, 3), '3.0');
});
