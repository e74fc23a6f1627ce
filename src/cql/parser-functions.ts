// CREATE [OR REPLACE] FUNCTION / AGGREGATE and DROP FUNCTION / AGGREGATE, in Cassandra 5.0's grammar:
//   CREATE [OR REPLACE] FUNCTION [IF NOT EXISTS] [ks.]name ( [arg type, …] )
//     ( CALLED | RETURNS NULL ) ON NULL INPUT RETURNS type LANGUAGE lang AS 'body'
//   CREATE [OR REPLACE] AGGREGATE [IF NOT EXISTS] [ks.]name ( [type, …] )
//     SFUNC name STYPE type [FINALFUNC name] [INITCOND term]
//   DROP FUNCTION|AGGREGATE [IF EXISTS] [ks.]name [( [type, …] )]
import type { CreateAggregateStatement, CreateFunctionStatement, DropAggregateStatement, DropFunctionStatement } from '../model/ast-functions.ts';
import type { TypeRef } from '../model/types.ts';
import type { Parser } from './parser-core.ts';
import { term } from './parser-terms.ts';

/** At CREATE's next word: FUNCTION or AGGREGATE, possibly after OR REPLACE. */
export function isCreateFunction(p: Parser): boolean {
  const at = p.isKw('or') ? 2 : 0;
  return p.isKw('function', at) || p.isKw('aggregate', at);
}

function ifNotExists(p: Parser): boolean {
  if (!p.acceptKw('if')) return false;
  p.expectKw('not');
  p.expectKw('exists');
  return true;
}

function typeList(p: Parser): TypeRef[] {
  p.expectP('(');
  const types: TypeRef[] = [];
  if (!p.isP(')')) {
    do types.push(p.typeRef());
    while (p.acceptP(','));
  }
  p.expectP(')');
  return types;
}

function stringLiteral(p: Parser, expecting: string): string {
  const t = p.peek();
  if (t.type !== 'string') throw p.mismatched(expecting);
  p.next();
  return t.text;
}

/** After CREATE: `[OR REPLACE] FUNCTION …` or `[OR REPLACE] AGGREGATE …`. */
export function createFunctionOrAggregate(p: Parser): CreateFunctionStatement | CreateAggregateStatement {
  const orReplace = p.acceptKw('or');
  if (orReplace) p.expectKw('replace');
  if (p.acceptKw('aggregate')) return createAggregate(p, orReplace);
  p.expectKw('function');
  const notExists = ifNotExists(p);
  const name = p.qualifiedName();
  p.expectP('(');
  const args: CreateFunctionStatement['args'] = [];
  if (!p.isP(')')) {
    do args.push({ name: p.ident(), type: p.typeRef() });
    while (p.acceptP(','));
  }
  p.expectP(')');
  let calledOnNullInput: boolean;
  if (p.acceptKw('called')) calledOnNullInput = true;
  else {
    p.expectKw('returns');
    p.expectKw('null');
    calledOnNullInput = false;
  }
  p.expectKw('on');
  p.expectKw('null');
  p.expectKw('input');
  p.expectKw('returns');
  const returnType = p.typeRef();
  p.expectKw('language');
  const language = p.ident();
  p.expectKw('as');
  const body = stringLiteral(p, 'STRING_LITERAL');
  return { kind: 'create_function', name, orReplace, ifNotExists: notExists, args, calledOnNullInput, returnType, language, body };
}

function createAggregate(p: Parser, orReplace: boolean): CreateAggregateStatement {
  const notExists = ifNotExists(p);
  const name = p.qualifiedName();
  const argTypes = typeList(p);
  p.expectKw('sfunc');
  const stateFunction = p.ident();
  p.expectKw('stype');
  const stateType = p.typeRef();
  const stmt: CreateAggregateStatement = { kind: 'create_aggregate', name, orReplace, ifNotExists: notExists, argTypes, stateFunction, stateType };
  if (p.acceptKw('finalfunc')) stmt.finalFunction = p.ident();
  if (p.acceptKw('initcond')) stmt.initCond = term(p);
  return stmt;
}

/** After DROP: `FUNCTION …` or `AGGREGATE …`. */
export function dropFunctionOrAggregate(p: Parser): DropFunctionStatement | DropAggregateStatement {
  const isAggregate = p.acceptKw('aggregate');
  if (!isAggregate) p.expectKw('function');
  let ifExists = false;
  if (p.acceptKw('if')) {
    p.expectKw('exists');
    ifExists = true;
  }
  const name = p.qualifiedName();
  const argTypes = p.isP('(') ? typeList(p) : undefined;
  const stmt: DropFunctionStatement | DropAggregateStatement = isAggregate
    ? { kind: 'drop_aggregate', name, ifExists }
    : { kind: 'drop_function', name, ifExists };
  if (argTypes) stmt.argTypes = argTypes;
  return stmt;
}
