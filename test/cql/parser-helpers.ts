// Shared helpers for the parser tests: parse-and-narrow, and assertions on our SyntaxError.
import assert from 'node:assert/strict';
import type { ParsedStatement, Statement } from '../../src/model/ast.ts';
import { parseStatement } from '../../src/cql/parser.ts';
import { SyntaxError as CqlSyntaxError } from '../../src/model/errors.ts';

export function parse(text: string): ParsedStatement {
  return parseStatement(text);
}

/** Parse and check the statement kind, returning it narrowed. */
export function stmt<K extends Statement['kind']>(text: string, kind: K): Extract<Statement, { kind: K }> {
  const s = parseStatement(text).statement;
  assert.equal(s.kind, kind, `${text} parsed as ${s.kind}`);
  return s as Extract<Statement, { kind: K }>;
}

/** Assert that parsing throws our SyntaxError whose message matches `pattern`; returns the message. */
export function syntaxError(text: string, pattern?: RegExp): string {
  try {
    parseStatement(text);
  } catch (e) {
    assert.ok(e instanceof CqlSyntaxError, `expected CQL SyntaxError for ${JSON.stringify(text)}, got ${String(e)}`);
    if (pattern) assert.match(e.message, pattern);
    return e.message;
  }
  assert.fail(`expected a SyntaxError for ${JSON.stringify(text)}`);
}
