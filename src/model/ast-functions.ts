// The AST of user-defined functions and aggregates (Cassandra 5.0's createFunctionStatement,
// dropFunctionStatement, createAggregateStatement, dropAggregateStatement).
import type { QualifiedName, Term } from './ast.ts';
import type { TypeRef } from './types.ts';

export interface CreateFunctionStatement {
  kind: 'create_function';
  name: QualifiedName;
  orReplace: boolean;
  ifNotExists: boolean;
  args: Array<{ name: string; type: TypeRef }>;
  calledOnNullInput: boolean;
  returnType: TypeRef;
  language: string;
  body: string;
}

export interface DropFunctionStatement {
  kind: 'drop_function';
  name: QualifiedName;
  ifExists: boolean;
  /** The argument types when the statement names an overload. */
  argTypes?: TypeRef[];
}

export interface CreateAggregateStatement {
  kind: 'create_aggregate';
  name: QualifiedName;
  orReplace: boolean;
  ifNotExists: boolean;
  argTypes: TypeRef[];
  stateFunction: string;
  stateType: TypeRef;
  finalFunction?: string;
  initCond?: Term;
}

export interface DropAggregateStatement {
  kind: 'drop_aggregate';
  name: QualifiedName;
  ifExists: boolean;
  argTypes?: TypeRef[];
}

export type FunctionStatement = CreateFunctionStatement | DropFunctionStatement | CreateAggregateStatement | DropAggregateStatement;
