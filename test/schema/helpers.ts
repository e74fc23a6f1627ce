// Shared helpers for the schema tests: parse CQL with the real parser and apply it deterministically.
import { parseStatement } from '../../src/cql/parser.ts';
import type { Statement } from '../../src/model/ast.ts';
import type { Schema } from '../../src/schema/model.ts';
import { applyDdl, emptySchema, isDdlStatement, type DdlStatement } from '../../src/schema/registry.ts';
import type { SchemaChange } from '../../src/protocol/messages.ts';

export function parse(cql: string): Statement {
  return parseStatement(cql).statement;
}

export function ddl(cql: string): DdlStatement {
  const s = parse(cql);
  if (!isDdlStatement(s)) throw new Error(`not DDL: ${cql}`);
  return s;
}

let idCounter = 0;
export const deterministic = {
  nowMicros: 1_700_000_000_000_000,
  newTableId: (): string => `00000000-0000-4000-8000-${String(++idCounter).padStart(12, '0')}`,
};

export function apply(schema: Schema, cql: string, current?: string): { schema: Schema; change: SchemaChange | null } {
  return applyDdl(schema, ddl(cql), current, deterministic);
}

/** Apply statements in order and return the final schema. */
export function build(statements: string[], current?: string, from: Schema = emptySchema()): Schema {
  let s = from;
  for (const q of statements) s = apply(s, q, current).schema;
  return s;
}
