// Property tests: whatever the input, the parser returns a statement or throws our SyntaxError, quickly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseStatement, parseTypeRef, splitStatements } from '../../src/cql/parser.ts';
import { SyntaxError as CqlSyntaxError } from '../../src/model/errors.ts';

const VALID = [
  `CREATE KEYSPACE IF NOT EXISTS "keyspace1" WITH replication = {'class':'SimpleStrategy','replication_factor':'1'} AND durable_writes = true;`,
  `CREATE TABLE IF NOT EXISTS ks.t (a int, b text, c frozen<map<text, list<int>>> STATIC, PRIMARY KEY ((a, b), c)) WITH CLUSTERING ORDER BY (c DESC) AND comment = 'x'`,
  `ALTER TABLE t ADD (a int, b set<text>)`,
  `ALTER TABLE t RENAME a TO b AND c TO d`,
  `CREATE TYPE ks.addr (street text, zip int)`,
  `INSERT INTO t (a, b, c) VALUES (1, 'it''s', {f1: 1, f2: [1.5e3, -NaN]}) IF NOT EXISTS USING TTL ? AND TIMESTAMP :ts`,
  `INSERT INTO t JSON '{"a": 1}' DEFAULT UNSET`,
  `UPDATE t USING TTL 5 SET a = a + {1}, l = [0] + l, m['k'] = 0xCAFE, u.f = (int) ?, c = c -1 WHERE k IN (1, 2) AND c >= 5bc52802-de25-11e7-80c1-9a214cf093ae IF a = 1 AND m['x'] > 2`,
  `DELETE a, m['k'], u.f FROM ks.t USING TIMESTAMP 1 WHERE k = ? AND (c1, c2) > (1, 2) IF EXISTS`,
  `SELECT JSON DISTINCT a AS x, writetime(b), count(*), cast(c AS text), toTimestamp(now()) FROM t WHERE token(a, b) > ? AND m CONTAINS KEY 'k' GROUP BY a ORDER BY c DESC PER PARTITION LIMIT 1 LIMIT 10 ALLOW FILTERING`,
  `BEGIN UNLOGGED BATCH USING TIMESTAMP 5 INSERT INTO t (a) VALUES (1h30m); DELETE FROM t WHERE a = P1DT2H APPLY BATCH`,
  `DESCRIBE ONLY KEYSPACE ks WITH INTERNALS`,
  `CREATE CUSTOM INDEX IF NOT EXISTS ix ON ks.t (entries(m)) USING 'StorageAttachedIndex' WITH OPTIONS = {'case_sensitive': false}`,
  `CREATE INDEX ON t (keys(m))`,
  `DROP INDEX IF EXISTS ks.ix`,
  `DESCRIBE INDEX ks.ix`,
  `SELECT * FROM t WHERE a = $$dollar ' string$$ -- comment\n AND b = 'x' /* block */`,
];

// Pieces that steer random inputs into the deeper parts of the grammar.
const PIECES = [
  'SELECT', 'INSERT', 'INTO', 'UPDATE', 'DELETE', 'FROM', 'WHERE', 'AND', 'SET', 'VALUES', 'IF', 'NOT', 'EXISTS', 'USING',
  'TTL', 'TIMESTAMP', 'CREATE', 'ALTER', 'DROP', 'TABLE', 'KEYSPACE', 'TYPE', 'WITH', 'PRIMARY', 'KEY', 'BEGIN', 'BATCH',
  'APPLY', 'DESCRIBE', 'IN', 'CONTAINS', 'token', 'count', 'cast', 'AS', 'frozen', 'list', 'map', 'set', 'tuple', 'int',
  'text', 'a', 'b', '"Q"', '""', '(', ')', '[', ']', '{', '}', '<', '>', '<=', '>=', '=', '!=', ',', '.', ';', ':', ':x',
  '?', '*', '+', '-', "'s'", "'", '$$', '$$x$$', '1', '-1', '1.5', '1e', '1e5', 'NaN', 'Infinity', 'true', 'null', '0x',
  '0xAB', '1h', 'P1D', 'P', 'PT', 'INDEX', 'CUSTOM', 'ON', 'OPTIONS', 'keys', 'values', 'entries', 'full', "'sai'", '5bc52802-de25-11e7-80c1-9a214cf093ae', '--', '/*', '*/', '//', '\n', ' ', 'µs',
];

function check(input: string): void {
  const t0 = performance.now();
  try {
    const r = parseStatement(input);
    assert.equal(typeof r.statement.kind, 'string');
    assert.ok(Array.isArray(r.bindMarkers));
  } catch (e) {
    if (!(e instanceof CqlSyntaxError)) throw new Error(`non-SyntaxError for ${JSON.stringify(input)}: ${String(e)}`);
    // Cassandra reports two operations that cannot combine on one column, index properties it does not know, and
    // custom types naming no marshal class without a position, and so do we.
    const unplaced = ['Multiple incompatible setting of column ', 'Unknown property ', "Invalid value for property 'options'", 'Error setting type '];
    if (!unplaced.some((p) => e.message.startsWith(p))) assert.match(e.message, /^line -?\d+:-?\d+ /, input);
  }
  const elapsed = performance.now() - t0;
  assert.ok(elapsed < 250, `took ${elapsed} ms on ${JSON.stringify(input)}`);
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 3 })) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(s: string, m: Mutation): string {
  const at = s.length === 0 ? 0 : m.at % (s.length + 1);
  switch (m.kind) {
    case 'delete': return s.slice(0, at) + s.slice(at + m.len);
    case 'insert': return s.slice(0, at) + m.text + s.slice(at);
    case 'truncate': return s.slice(0, at);
    case 'duplicate': return s.slice(0, at) + s.slice(at, at + m.len) + s.slice(at);
  }
}

describe('parser fuzz', () => {
  it('random strings → statement or SyntaxError', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 })), check), { numRuns: 3000 });
  });

  it('random token soups → statement or SyntaxError', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), fc.constantFrom(' ', ''), (pieces, sep) => check(pieces.join(sep))),
      { numRuns: 4000 },
    );
  });

  it('mutations of valid statements → statement or SyntaxError', () => {
    for (const q of VALID) check(q);
    for (const q of VALID) assert.doesNotThrow(() => parseStatement(q), q);
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.array(mutation, { minLength: 1, maxLength: 4 }), (q, ms) => check(ms.reduce(mutate, q))),
      { numRuns: 5000 },
    );
  });

  it('parseTypeRef and splitStatements never throw anything else', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('frozen', 'list', 'map', 'set', 'tuple', 'int', '"U"', 'ks', '.', '<', '>', ',', ' '), { maxLength: 20 }), (ps) => {
        try {
          parseTypeRef(ps.join(''));
        } catch (e) {
          assert.ok(e instanceof CqlSyntaxError, String(e));
        }
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        for (const part of splitStatements(s)) assert.equal(part, part.trim());
      }),
      { numRuns: 1000 },
    );
  });
});
