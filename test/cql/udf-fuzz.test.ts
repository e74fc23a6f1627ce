// Property tests over the syntax of user-defined functions and aggregates: random CREATE/DROP FUNCTION and
// AGGREGATE texts built from pieces of the grammar either parse and apply (or are refused) with our typed errors,
// never another exception; and any JavaScript body with any arguments either returns a value of the return type or
// fails with a FunctionFailure, within the time limit. Seeded (fast-check seed 12), bounded runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseStatement } from '../../src/cql/parser.ts';
import { CqlError, ServerError } from '../../src/model/errors.ts';
import { applyDdl, isDdlStatement } from '../../src/schema/registry.ts';
import { userFunctionCall } from '../../src/cql/exec/udf-runtime.ts';
import { T } from '../../src/model/types.ts';
import { encodeJs } from '../../src/model/values/js.ts';
import type { UserFunctionDef } from '../../src/schema/function-model.ts';
import { build } from '../schema/helpers.ts';

const SCHEMA = build([
  "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
  "CREATE FUNCTION ks.f(x int) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS 'x'",
  "CREATE FUNCTION ks.s(st int, x int) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS 'st + x'",
]);

const PIECES = [
  'CREATE', 'OR', 'REPLACE', 'FUNCTION', 'AGGREGATE', 'DROP', 'IF', 'NOT', 'EXISTS', 'ks.f', 'ks.s', 'ks.g', 'f', 'g', '(', ')',
  ',', 'x', 'y', 'int', 'text', 'list<int>', 'frozen<set<text>>', 'CALLED', 'RETURNS', 'NULL', 'ON', 'INPUT', 'LANGUAGE',
  'java', 'javascript', 'lua', 'AS', "'x'", "'x + 1'", '$$return x;$$', 'SFUNC', 'STYPE', 'FINALFUNC', 'INITCOND', '0', "'a'",
  '(0, 0)', '[1]', '{}', 'null', '?', ';',
];

const statementText = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 24 }).map((p) => p.join(' '));
const templated = fc.record({
  replace: fc.boolean(), ifNot: fc.boolean(), name: fc.constantFrom('ks.f', 'ks.g', 'g', 'system.g', 'nope.g'),
  args: fc.array(fc.constantFrom('x int', 'y text', 'x int', 'z list<int>'), { maxLength: 3 }),
  nullInput: fc.constantFrom('CALLED', 'RETURNS NULL'), ret: fc.constantFrom('int', 'text', 'frozen<list<int>>', 'nosuchtype'),
  lang: fc.constantFrom('java', 'javascript', 'lua'), body: fc.constantFrom("'x'", '$$ x $$', "''"),
}).map((r) => `CREATE ${r.replace ? 'OR REPLACE ' : ''}FUNCTION ${r.ifNot ? 'IF NOT EXISTS ' : ''}${r.name}(${r.args.join(', ')}) ${r.nullInput} ON NULL INPUT RETURNS ${r.ret} LANGUAGE ${r.lang} AS ${r.body}`);

function typedOrNothing(run: () => void, input: string): void {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof CqlError && !(e instanceof ServerError), `${input}: ${e instanceof Error ? e.stack : String(e)}`);
  }
}

describe('user-defined function syntax', () => {
  it('random statements parse and apply, or fail with a typed error', () => {
    fc.assert(fc.property(fc.oneof(statementText, templated), (text) => {
      typedOrNothing(() => {
        const { statement } = parseStatement(text);
        if (isDdlStatement(statement)) applyDdl(SCHEMA, statement, 'ks');
      }, text);
    }), { seed: 12, numRuns: 3000 });
  });

  it('JavaScript bodies return their type or fail as FunctionFailure', () => {
    const bodies = ['x', 'x * 2', 'x.length', 'null', 'undefined', '"s"', '[1, 2]', '({a: 1})', 'throw new Error("no")', 'x()', '1n',
      'Math.pow(2, 40)', 'new Date(0)', 'globalThis', 'Function("return 1")()', 'eval("1")', 'this', '(() => { for (;;) {} })'];
    fc.assert(fc.property(fc.constantFrom(...bodies), fc.constantFrom(T.int, T.text, T.bigint), fc.option(fc.integer(), { nil: null }), (body, ret, x) => {
      const def: UserFunctionDef = { keyspace: 'ks', name: 'f', argNames: ['x'], argTypes: [T.int], returnType: ret, calledOnNullInput: true, language: 'javascript', body };
      typedOrNothing(() => {
        const out = userFunctionCall(def)([x === null ? null : encodeJs(T.int, x)]);
        assert.ok(out === null || Buffer.isBuffer(out));
      }, body);
    }), { seed: 12, numRuns: 300 });
  });
});
