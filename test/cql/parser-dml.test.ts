import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Term } from '../../src/model/ast.ts';
import { parse, stmt } from './parser-helpers.ts';

const int = (text: string): Term => ({ kind: 'literal', type: 'integer', text });
const str = (text: string): Term => ({ kind: 'literal', type: 'string', text });

describe('SELECT', () => {
  it('modifiers, selectors and aliases', () => {
    const s = stmt(
      `SELECT JSON DISTINCT a, b AS bee, writetime(c), ttl(c) AS t, token(a, b), COUNT(*), count(1), count(c),
       toTimestamp(now()), cast(c as text), u.f.g, ks.fn(a, 1), ? FROM ks.t`,
      'select',
    );
    assert.equal(s.json, true);
    assert.equal(s.distinct, true);
    assert.ok(s.selectors !== '*');
    assert.deepEqual(s.selectors.map((c) => c.alias), [undefined, 'bee', undefined, 't', undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
    assert.deepEqual(s.selectors.map((c) => c.selector), [
      { kind: 'column', name: 'a' },
      { kind: 'column', name: 'b' },
      { kind: 'function', name: 'writetime', args: [{ kind: 'column', name: 'c' }] },
      { kind: 'function', name: 'ttl', args: [{ kind: 'column', name: 'c' }] },
      { kind: 'function', name: 'token', args: [{ kind: 'column', name: 'a' }, { kind: 'column', name: 'b' }] },
      { kind: 'count_star' },
      { kind: 'count_star' },
      { kind: 'function', name: 'count', args: [{ kind: 'column', name: 'c' }] },
      { kind: 'function', name: 'totimestamp', args: [{ kind: 'function', name: 'now', args: [] }] },
      { kind: 'cast', selector: { kind: 'column', name: 'c' }, type: { kind: 'native', name: 'text' } },
      { kind: 'field', selector: { kind: 'field', selector: { kind: 'column', name: 'u' }, field: 'f' }, field: 'g' },
      { kind: 'function', name: 'ks.fn', args: [{ kind: 'column', name: 'a' }, { kind: 'term', term: int('1') }] },
      { kind: 'term', term: { kind: 'bind', index: 0 } },
    ]);
  });

  it('json/distinct used as column names', () => {
    const s = stmt('SELECT json, distinct FROM t', 'select');
    assert.equal(s.json, false);
    assert.equal(s.distinct, false);
    assert.ok(s.selectors !== '*');
    assert.deepEqual(s.selectors.map((c) => c.selector), [{ kind: 'column', name: 'json' }, { kind: 'column', name: 'distinct' }]);
    const k = stmt('SELECT key, type, ttl, writetime, values, custom, clustering, filtering, static, keys, list, map, count FROM t', 'select');
    assert.ok(k.selectors !== '*');
    assert.equal(k.selectors.length, 13);
  });

  it('WHERE relations of every shape', () => {
    const s = stmt(
      `SELECT * FROM t WHERE a = 1 AND b < 2 AND b <= 3 AND c > 4 AND c >= 5 AND d != 6 AND e IN (1, 2) AND f IN ?
       AND g CONTAINS 'x' AND h CONTAINS KEY 'y' AND token(a, b) > ? AND (c1, c2) >= (1, 2) AND (c1, c2) IN ((1, 2), (3, 4))
       AND m['k'] = 'v' AND n LIKE 'a%' AND o IN () AND p IN :names`,
      'select',
    );
    assert.deepEqual(s.where.map((r) => r.op), ['=', '<', '<=', '>', '>=', '!=', 'IN', 'IN', 'CONTAINS', 'CONTAINS KEY', '>', '>=', 'IN', '=', 'LIKE', 'IN', 'IN']);
    assert.deepEqual(s.where[7]!.rhs, { kind: 'bind', index: 0 });
    assert.deepEqual(s.where[10]!.lhs, { kind: 'token', columns: ['a', 'b'] });
    assert.deepEqual(s.where[11]!.lhs, { kind: 'tuple', columns: ['c1', 'c2'] });
    assert.deepEqual(s.where[11]!.rhs, { kind: 'tuple', elements: [int('1'), int('2')] });
    assert.deepEqual(s.where[12]!.rhs, {
      kind: 'list',
      elements: [{ kind: 'tuple', elements: [int('1'), int('2')] }, { kind: 'tuple', elements: [int('3'), int('4')] }],
    });
    assert.deepEqual(s.where[13]!.lhs, { kind: 'map_entry', name: 'm', key: str('k') });
    assert.deepEqual(s.where[15]!.rhs, { kind: 'list', elements: [] });
    assert.deepEqual(s.where[16]!.rhs, { kind: 'bind', index: 2, name: 'names' });
  });

  it('token() on the right-hand side', () => {
    const s = stmt('SELECT * FROM t WHERE token(k) > token(1) AND token(k) <= -9223372036854775808', 'select');
    assert.deepEqual(s.where[0]!.rhs, { kind: 'function', name: 'token', args: [int('1')] });
    assert.deepEqual(s.where[1]!.rhs, int('-9223372036854775808'));
  });

  it('GROUP BY, ORDER BY, PER PARTITION LIMIT, LIMIT, ALLOW FILTERING', () => {
    const s = stmt('select a from t where k = 1 group by k, c order by c desc, d ASC, e per partition limit 2 limit ? allow filtering', 'select');
    assert.deepEqual(s.groupBy, ['k', 'c']);
    assert.deepEqual(s.orderBy, [{ column: 'c', order: 'DESC' }, { column: 'd', order: 'ASC' }, { column: 'e', order: 'ASC' }]);
    assert.deepEqual(s.perPartitionLimit, int('2'));
    assert.deepEqual(s.limit, { kind: 'bind', index: 0 });
    assert.equal(s.allowFiltering, true);
  });
});

describe('INSERT', () => {
  it('VALUES, IF NOT EXISTS, USING in both orders', () => {
    const a = stmt(`INSERT INTO ks.t (a, "B") VALUES (?, :v) IF NOT EXISTS USING TTL 10 AND TIMESTAMP 123`, 'insert');
    assert.deepEqual(a.table, { keyspace: 'ks', name: 't' });
    assert.deepEqual(a.columns, ['a', 'B']);
    assert.equal(a.ifNotExists, true);
    assert.deepEqual(a.using, { ttl: int('10'), timestamp: int('123') });
    const b = stmt(`INSERT INTO t (a) VALUES (1) USING TIMESTAMP ? AND TTL ? IF NOT EXISTS`, 'insert');
    assert.equal(b.ifNotExists, true);
    assert.deepEqual(b.using, { timestamp: { kind: 'bind', index: 0 }, ttl: { kind: 'bind', index: 1 } });
  });

  it('JSON', () => {
    const a = stmt(`INSERT INTO t JSON '{"a": 1}'`, 'insert');
    assert.deepEqual(a.json, str('{"a": 1}'));
    assert.deepEqual(a.columns, []);
    const b = stmt(`INSERT INTO t JSON ? DEFAULT UNSET IF NOT EXISTS`, 'insert');
    assert.deepEqual(b.json, { kind: 'bind', index: 0 });
    assert.equal(b.jsonDefault, 'unset');
    assert.equal(stmt(`INSERT INTO t JSON '{}' DEFAULT NULL`, 'insert').jsonDefault, 'null');
  });
});

describe('UPDATE', () => {
  it('every assignment form', () => {
    const u = stmt(
      `UPDATE t USING TTL 5 SET a = 1, b = b + {1}, c = [0] + c, d = d - {'x'}, m['k'] = 'v', l[0] = 7, u.f = 'z',
       cnt = cnt + 1, cnt2 = cnt2 - 1, cnt3 = cnt3 -2, "Q" = "Q" + ? WHERE k = 1`,
      'update',
    );
    assert.deepEqual(u.using, { ttl: int('5') });
    assert.deepEqual(u.assignments, [
      { kind: 'set', column: 'a', value: int('1') },
      { kind: 'add', column: 'b', value: { kind: 'set', elements: [int('1')] } },
      { kind: 'prepend', column: 'c', value: { kind: 'list', elements: [int('0')] } },
      { kind: 'remove', column: 'd', value: { kind: 'set', elements: [str('x')] } },
      { kind: 'set_element', column: 'm', key: str('k'), value: str('v') },
      { kind: 'set_element', column: 'l', key: int('0'), value: int('7') },
      { kind: 'set_field', column: 'u', field: 'f', value: str('z') },
      { kind: 'add', column: 'cnt', value: int('1') },
      { kind: 'remove', column: 'cnt2', value: int('1') },
      { kind: 'add', column: 'cnt3', value: int('-2') },
      { kind: 'add', column: 'Q', value: { kind: 'bind', index: 0 } },
    ]);
  });

  it('IF EXISTS and IF conditions', () => {
    const a = stmt(`UPDATE t SET a = 1 WHERE k = 1 IF EXISTS`, 'update');
    assert.equal(a.ifExists, true);
    const b = stmt(`UPDATE t SET a = 1 WHERE k = 1 AND c > 2 IF a = 0 AND m['k'] > 2 AND u.f != 'x' AND b IN (1, 2) AND exists = 3`, 'update');
    assert.equal(b.ifExists, false);
    assert.deepEqual(b.conditions, [
      { column: 'a', op: '=', rhs: int('0') },
      { column: 'm', element: str('k'), op: '>', rhs: int('2') },
      { column: 'u', field: 'f', op: '!=', rhs: str('x') },
      { column: 'b', op: 'IN', rhs: { kind: 'list', elements: [int('1'), int('2')] } },
      { column: 'exists', op: '=', rhs: int('3') },
    ]);
  });
});

describe('DELETE', () => {
  it('whole row, columns, elements, fields, USING TIMESTAMP, conditions', () => {
    const a = stmt(`DELETE FROM t WHERE k = 1 AND c >= 2 AND c < 5`, 'delete');
    assert.deepEqual(a.targets, []);
    assert.equal(a.where.length, 3);
    const b = stmt(`DELETE a, m['k'], l[1], u.f FROM ks.t USING TIMESTAMP 99 WHERE k = ? IF EXISTS`, 'delete');
    assert.deepEqual(b.targets, [{ column: 'a' }, { column: 'm', element: str('k') }, { column: 'l', element: int('1') }, { column: 'u', field: 'f' }]);
    assert.deepEqual(b.using, { timestamp: int('99') });
    assert.equal(b.ifExists, true);
    const c = stmt(`DELETE FROM t WHERE k = 1 IF a = 1`, 'delete');
    assert.deepEqual(c.conditions, [{ column: 'a', op: '=', rhs: int('1') }]);
  });
});

describe('BATCH', () => {
  it('logged, unlogged, counter; optional separators; markers numbered across statements', () => {
    const p = parse(`BEGIN BATCH USING TIMESTAMP 5
      INSERT INTO t (a) VALUES (?);
      UPDATE t SET b = ? WHERE a = ?
      DELETE FROM t WHERE a = :x;
    APPLY BATCH;`);
    assert.equal(p.statement.kind, 'batch');
    if (p.statement.kind !== 'batch') return;
    assert.equal(p.statement.type, 'LOGGED');
    assert.deepEqual(p.statement.using, { timestamp: int('5') });
    assert.deepEqual(p.statement.statements.map((s) => s.kind), ['insert', 'update', 'delete']);
    assert.deepEqual(p.bindMarkers, [{}, {}, {}, { name: 'x' }]);
    assert.equal(stmt('begin unlogged batch insert into t (a) values (1) apply batch', 'batch').type, 'UNLOGGED');
    assert.equal(stmt('BEGIN COUNTER BATCH UPDATE t SET c = c + 1 WHERE k = 1; APPLY BATCH', 'batch').type, 'COUNTER');
    assert.deepEqual(stmt('BEGIN BATCH APPLY BATCH', 'batch').statements, []);
  });
});
