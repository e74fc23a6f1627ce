import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_DEPTH, splitStatements } from '../../src/cql/parser.ts';
import { parse, syntaxError } from './parser-helpers.ts';

describe('syntax errors', () => {
  it('carry line:column and a snippet in Cassandra shape', () => {
    assert.equal(syntaxError('SELECT * FRM Customers'), `line 1:9 mismatched input 'FRM' expecting K_FROM (SELECT * [FRM] Customers)`);
    assert.equal(syntaxError('INSERT INTO t (a, b VALUES (1, 2)'), `line 1:20 mismatched input 'VALUES' expecting ')' (...t (a, b [VALUES] (...)`);
    assert.equal(syntaxError('SELECT * FROM t; SELECT'), `line 1:17 mismatched input 'SELECT' expecting EOF (SELECT * FROM t; [SELECT])`);
    assert.equal(syntaxError('CREATE KEYSPACE IF NOT EXISTS my-project WITH replication = {}'), `line 1:32 mismatched input '-' expecting K_WITH (...KEYSPACE IF NOT EXISTS my[-]project...)`);
    assert.equal(syntaxError('SELECT * FROM t WHERE a = = 1'), `line 1:26 no viable alternative at input '=' (...FROM t WHERE a = [=] 1)`);
    // Cassandra 5.0.9's words for a truncated view definition.
    assert.equal(syntaxError('CREATE MATERIALIZED VIEW v AS SELECT'), `line 0:-1 no viable alternative at input '<EOF>'`);
    assert.equal(syntaxError("CREATE TRIGGER x ON t USING 'a'"), `line 1:7 CREATE TRIGGER statements are not supported (CREATE [TRIGGER] x...)`);
    assert.equal(syntaxError('FOO BAR'), `line 1:0 no viable alternative at input 'FOO' ([FOO] BAR)`);
  });

  it('report lines and columns across newlines', () => {
    syntaxError('SELECT *\nFROM t\nWHERE a = = 1', /^line 3:10 no viable alternative at input '='/);
    syntaxError('SELECT *\n  FROM t WHERE\n\n  a > @', /^line 4:6 no viable alternative at character '@'/);
  });

  it('at end of input use EOF positions as Cassandra does', () => {
    assert.equal(syntaxError('SELECT * FROM'), `line 0:-1 no viable alternative at input '<EOF>'`);
    assert.equal(syntaxError('SELECT * FROM t WHERE a IN (1, 2'), `line 0:-1 mismatched input '<EOF>' expecting ')'`);
  });

  it('lexer errors', () => {
    syntaxError(`SELECT * FROM t WHERE a = 'open`, /^line 1:31 mismatched character '<EOF>' expecting '''$/);
    syntaxError(`SELECT * FROM t WHERE a = $$open`, /mismatched character '<EOF>' expecting '\$'/);
    syntaxError(`SELECT * FROM "open`, /mismatched character '<EOF>' expecting '"'/);
    syntaxError(`SELECT * FROM t WHERE a ! 1`, /^line 1:25 mismatched character ' ' expecting '='/);
    syntaxError(`SELECT * FROM t WHERE a = $1`, /expecting '\$'/);
    syntaxError(`SELECT ü FROM t`, /no viable alternative at character 'ü'/);
  });

  it('empty input and lone separators', () => {
    for (const q of ['', ' ', '\n\t', '-- only a comment', '/* c */']) {
      syntaxError(q, /^line 0:-1 no viable alternative at input '<EOF>'$/);
    }
    syntaxError('  ;  ', /^line 1:2 no viable alternative at input ';' \(\.\.\.\[;\]\.\.\.\)$/);
    syntaxError('SELECT * FROM t;;', /mismatched input ';' expecting EOF/);
  });

  it('misc invalid statements', () => {
    const bad = [
      'SELECT FROM t', 'SELECT * FROM', 'INSERT INTO t VALUES (1)', 'UPDATE t SET a = 1', 'UPDATE t SET a = b + 1 WHERE k = 1',
      'UPDATE t SET a = 1 + b WHERE k = 1', 'DELETE FROM t', 'BEGIN BATCH SELECT * FROM t APPLY BATCH', 'CREATE TABLE t',
      'CREATE TABLE t (a int PRIMARY KEY', 'ALTER TABLE t', 'DROP t', 'USE', 'DESCRIBE', 'SELECT * FROM t LIMIT -', 'SELECT count(*',
      'INSERT INTO t (a) VALUES ({1: 2, 3})', 'INSERT INTO t (a) VALUES ({a: 1, 2: 3})', 'SELECT * FROM t WHERE token(a) IN (1)',
      'DELETE FROM t USING TTL 4 WHERE k = 1', 'BEGIN BATCH USING TTL 5 APPLY BATCH', 'SELECT * FROM t WHERE (a, b) CONTAINS 1',
    ];
    for (const q of bad) syntaxError(q);
  });
});

describe('nesting depth', () => {
  it(`is capped at ${MAX_DEPTH} with a SyntaxError`, () => {
    const deep = (open: string, close: string, n: number): string => `INSERT INTO t (a) VALUES (${open.repeat(n)}1${close.repeat(n)})`;
    assert.doesNotThrow(() => parse(deep('[', ']', MAX_DEPTH - 2)));
    for (const [o, c] of [['[', ']'], ['(', ')'], ['{', '}'], ['f(', ')']] as const) {
      syntaxError(deep(o, c, 50_000), /maximum nesting depth/);
    }
    syntaxError(`CREATE TABLE t (a ${'list<'.repeat(50_000)}int${'>'.repeat(50_000)} PRIMARY KEY)`, /maximum nesting depth/);
    syntaxError(`SELECT ${'f('.repeat(50_000)}a${')'.repeat(50_000)} FROM t`, /maximum nesting depth/);
    syntaxError(`SELECT ${'cast('.repeat(50_000)}a FROM t`, /maximum nesting depth/);
  });

  it('long flat inputs parse in linear time', () => {
    const n = 200_000;
    const q = `SELECT * FROM t WHERE k IN (${Array.from({ length: n }, (_, i) => i).join(',')})`;
    const t0 = performance.now();
    const p = parse(q);
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(p.statement.kind, 'select');
  });
});

describe('splitStatements', () => {
  it('splits on ; outside strings, quoted names and comments', () => {
    assert.deepEqual(
      splitStatements(`USE ks; INSERT INTO t (a) VALUES ('a;b'); -- c;d\nSELECT "x;y" FROM t /* e;f */ ;;\n SELECT $$g;h$$ FROM t`),
      [`USE ks`, `INSERT INTO t (a) VALUES ('a;b')`, `-- c;d\nSELECT "x;y" FROM t /* e;f */`, `SELECT $$g;h$$ FROM t`],
    );
  });

  it('keeps batches whole, drops empty and comment-only pieces', () => {
    assert.deepEqual(
      splitStatements(`BEGIN BATCH INSERT INTO t (a) VALUES (1); UPDATE t SET b = 2 WHERE a = 1; APPLY BATCH; SELECT * FROM t; -- bye\n`),
      [`BEGIN BATCH INSERT INTO t (a) VALUES (1); UPDATE t SET b = 2 WHERE a = 1; APPLY BATCH`, `SELECT * FROM t`],
    );
    assert.deepEqual(splitStatements(''), []);
    assert.deepEqual(splitStatements(' ; -- x\n ; /* y */'), []);
    assert.deepEqual(splitStatements(`SELECT 'it''s;' FROM t; SELECT 1 FROM t`), [`SELECT 'it''s;' FROM t`, 'SELECT 1 FROM t']);
    assert.deepEqual(splitStatements(`SELECT 'unterminated; x`), [`SELECT 'unterminated; x`]);
  });

  it('every split statement of a script parses', () => {
    const script = `CREATE KEYSPACE k WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};
      USE k; CREATE TABLE t (a int PRIMARY KEY, b text);
      BEGIN UNLOGGED BATCH INSERT INTO t (a, b) VALUES (1, 'x;y'); DELETE FROM t WHERE a = 2; APPLY BATCH;
      SELECT * FROM t`;
    const parts = splitStatements(script);
    assert.equal(parts.length, 5);
    for (const s of parts) parse(s);
  });
});
