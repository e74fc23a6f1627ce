import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Term } from '../../src/model/ast.ts';
import { tokenize } from '../../src/cql/lexer.ts';
import { parse, stmt, syntaxError } from './parser-helpers.ts';

/** The single value of `INSERT INTO t (a) VALUES (<text>)`. */
function value(text: string): Term {
  return stmt(`INSERT INTO t (a) VALUES (${text})`, 'insert').values[0]!;
}
const lit = (type: string, text: string): Term => ({ kind: 'literal', type, text }) as Term;

describe('literals', () => {
  it('strings', () => {
    assert.deepEqual(value(`'it''s'`), lit('string', "it's"));
    assert.deepEqual(value(`''`), lit('string', ''));
    assert.deepEqual(value(`$$it's "$ quoted"$$`), lit('string', `it's "$ quoted"`));
    assert.deepEqual(value(`$$$$`), lit('string', ''));
    assert.deepEqual(value(`'multi\nline -- not a comment'`), lit('string', 'multi\nline -- not a comment'));
    assert.deepEqual(value(`'ünïcödé 😀'`), lit('string', 'ünïcödé 😀'));
  });

  it('numbers', () => {
    assert.deepEqual(value('42'), lit('integer', '42'));
    assert.deepEqual(value('-42'), lit('integer', '-42'));
    assert.deepEqual(value('1.5'), lit('float', '1.5'));
    assert.deepEqual(value('1e10'), lit('float', '1e10'));
    assert.deepEqual(value('-1.5E-3'), lit('float', '-1.5E-3'));
    assert.deepEqual(value('3.'), lit('float', '3.'));
    assert.deepEqual(value('2.5e+7'), lit('float', '2.5e+7'));
    assert.deepEqual(value('NaN'), lit('nan', 'NaN'));
    assert.deepEqual(value('-NaN'), lit('nan', '-NaN'));
    assert.deepEqual(value('Infinity'), lit('infinity', 'Infinity'));
    assert.deepEqual(value('-infinity'), lit('infinity', '-Infinity'));
  });

  it('booleans, uuids, blobs, null', () => {
    assert.deepEqual(value('TRUE'), lit('boolean', 'true'));
    assert.deepEqual(value('False'), lit('boolean', 'false'));
    assert.deepEqual(value('5bc52802-de25-11e7-80c1-9a214cf093ae'), lit('uuid', '5bc52802-de25-11e7-80c1-9a214cf093ae'));
    assert.deepEqual(value('ABCDEF01-de25-11e7-80c1-9a214cf093ae'), lit('uuid', 'ABCDEF01-de25-11e7-80c1-9a214cf093ae'));
    assert.deepEqual(value('0xCAFE'), lit('blob', 'CAFE'));
    assert.deepEqual(value('0x'), lit('blob', ''));
    assert.deepEqual(value('null'), { kind: 'null' });
    assert.deepEqual(value('NULL'), { kind: 'null' });
  });

  it('durations', () => {
    for (const d of ['1h30m', '-2d', '1y2mo3w4d5h6m7s8ms9us10ns', '3µs', 'P1DT2H', 'P2W', 'P0001-02-03T04:05:06', '-P1Y', 'PT5M', 'P1Y2M3DT4H5M6S', '12MO']) {
      assert.deepEqual(value(d), lit('duration', d), d);
    }
  });

  it('collections, tuples, UDTs, empty braces', () => {
    assert.deepEqual(value('[1, 2]'), { kind: 'list', elements: [lit('integer', '1'), lit('integer', '2')] });
    assert.deepEqual(value('[]'), { kind: 'list', elements: [] });
    assert.deepEqual(value(`{'a', 'b'}`), { kind: 'set', elements: [lit('string', 'a'), lit('string', 'b')] });
    assert.deepEqual(value(`{'k': 1, 'j': [2]}`), {
      kind: 'map', entries: [[lit('string', 'k'), lit('integer', '1')], [lit('string', 'j'), { kind: 'list', elements: [lit('integer', '2')] }]],
    });
    assert.deepEqual(value('{}'), { kind: 'empty_braces' });
    assert.deepEqual(value(`(1, 'a')`), { kind: 'tuple', elements: [lit('integer', '1'), lit('string', 'a')] });
    assert.deepEqual(value(`(1)`), { kind: 'tuple', elements: [lit('integer', '1')] });
    assert.deepEqual(value(`{f1: 1, "F2": 'x', key: {a: null}}`), {
      kind: 'udt', fields: [['f1', lit('integer', '1')], ['F2', lit('string', 'x')], ['key', { kind: 'udt', fields: [['a', { kind: 'null' }]] }]],
    });
    assert.deepEqual(value(`{1: now()}`), { kind: 'map', entries: [[lit('integer', '1'), { kind: 'function', name: 'now', args: [] }]] });
  });

  it('function calls and casts', () => {
    assert.deepEqual(value('now()'), { kind: 'function', name: 'now', args: [] });
    assert.deepEqual(value('uuid()'), { kind: 'function', name: 'uuid', args: [] });
    assert.deepEqual(value('toTimestamp(now())'), { kind: 'function', name: 'totimestamp', args: [{ kind: 'function', name: 'now', args: [] }] });
    assert.deepEqual(value('currentTimestamp()'), { kind: 'function', name: 'currenttimestamp', args: [] });
    assert.deepEqual(value('blobAsText(0x6869)'), { kind: 'function', name: 'blobastext', args: [lit('blob', '6869')] });
    assert.deepEqual(value('system.now()'), { kind: 'function', name: 'system.now', args: [] });
    assert.deepEqual(value('(int) ?'), { kind: 'cast', type: { kind: 'native', name: 'int' }, term: { kind: 'bind', index: 0 } });
    assert.deepEqual(value('(frozen<list<int>>) [1]'), {
      kind: 'cast', type: { kind: 'list', element: { kind: 'native', name: 'int' }, frozen: true }, term: { kind: 'list', elements: [lit('integer', '1')] },
    });
    assert.deepEqual(value('(ks.addr) {a: 1}'), { kind: 'cast', type: { kind: 'udt', keyspace: 'ks', name: 'addr', frozen: false }, term: { kind: 'udt', fields: [['a', lit('integer', '1')]] } });
  });

  it('bind markers in textual order', () => {
    const p = parse(`UPDATE t USING TTL ? SET a = :a, b = ?, m[?] = :"Mixed" WHERE k IN (?, :k) AND c = ? IF d = ?`);
    assert.deepEqual(p.bindMarkers, [{}, { name: 'a' }, {}, {}, { name: 'Mixed' }, {}, { name: 'k' }, {}, {}]);
    if (p.statement.kind !== 'update') return;
    assert.deepEqual(p.statement.conditions[0]!.rhs, { kind: 'bind', index: 8 });
  });
});

describe('identifiers and keywords', () => {
  it('unquoted fold to lower case, quoted keep case and unescape ""', () => {
    const s = stmt(`SELECT MyCol, "MyCol", "say ""hi""", "select" FROM "Ks"."Tbl"`, 'select');
    assert.ok(s.selectors !== '*');
    assert.deepEqual(s.selectors.map((c) => c.selector), [
      { kind: 'column', name: 'mycol' }, { kind: 'column', name: 'MyCol' }, { kind: 'column', name: 'say "hi"' }, { kind: 'column', name: 'select' },
    ]);
    assert.deepEqual(s.table, { keyspace: 'Ks', name: 'Tbl' });
  });

  it('keywords in any case; non-reserved keywords as names', () => {
    assert.equal(stmt('sElEcT * fRoM t', 'select').selectors, '*');
    const t = stmt('CREATE TABLE key (key int PRIMARY KEY, type text, ttl int, writetime int, count int, values int, custom int, json int, clustering int, filtering int, static int, keys int, list int, map int, frozen int, tuple int, timestamp int, date int, text int, as int, exists int, distinct int, group int, per int, partition int, like int, cast int, internals int, only int)', 'create_table');
    assert.deepEqual(t.table, { name: 'key' });
    assert.equal(t.columns.length, 29);
    syntaxError('CREATE TABLE t (select int PRIMARY KEY)', /no viable alternative at input 'select'/);
    syntaxError('SELECT * FROM t WHERE "" = 1', /Empty identifiers are not allowed/);
  });

  it('lower-case iso letters make identifiers, not durations', () => {
    assert.deepEqual(stmt('SELECT p1d, P1Dx FROM t', 'select').selectors, [
      { selector: { kind: 'column', name: 'p1d' } }, { selector: { kind: 'column', name: 'p1dx' } },
    ]);
  });
});

describe('comments and whitespace', () => {
  it('-- // and /* */ anywhere between tokens', () => {
    const s = stmt(`-- leading\nSELECT /* inline */ a // trailing\n FROM\tt\r\n-- end`, 'select');
    assert.deepEqual(s.table, { name: 't' });
    syntaxError('SELECT * FROM t /* unterminated', /mismatched character '<EOF>'/);
  });
});

describe('lexer', () => {
  it('splits punctuation and keeps offsets', () => {
    const toks = tokenize(`a<=b>=c!=d<e>f`);
    assert.deepEqual(toks.map((t) => t.text), ['a', '<=', 'b', '>=', 'c', '!=', 'd', '<', 'e', '>', 'f', '<EOF>']);
    assert.deepEqual(toks.map((t) => t.start), [0, 1, 3, 4, 6, 7, 9, 10, 11, 12, 13, 14]);
  });

  it('1h30 is a duration then an integer; 1..2 keeps the integer', () => {
    assert.deepEqual(tokenize('1h30').map((t) => t.type), ['duration', 'int', 'eof']);
    assert.deepEqual(tokenize('1..2').map((t) => t.type), ['int', 'punct', 'punct', 'int', 'eof']);
  });
});
