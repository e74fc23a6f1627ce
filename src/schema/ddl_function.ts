// CREATE [OR REPLACE] FUNCTION / AGGREGATE and DROP FUNCTION / AGGREGATE, with Cassandra 5.0's checks and messages
// (CreateFunctionStatement, CreateAggregateStatement, DropFunctionStatement, DropAggregateStatement). Whether UDFs
// are enabled (user_defined_functions_enabled) is checked before, by the statement's plan (cql/exec/functions-ddl.ts),
// which also serializes INITCOND for the state type.
import { InvalidRequestError } from '../model/errors.ts';
import type { CreateAggregateStatement, CreateFunctionStatement, DropAggregateStatement, DropFunctionStatement } from '../model/ast-functions.ts';
import { typesEqual, typeToCql, type CqlType } from '../model/types.ts';
import type { KeyspaceDef, Schema } from './model.ts';
import { keyspaceOf, requireKeyspace, withKeyspace, type DdlResult } from './ddl_common.ts';
import { isSystemKeyspace } from './system_defs.ts';
import { resolveType } from './types_resolve.ts';
import { overloads, signatureKey, type UserAggregateDef, type UserFunctionDef } from './function-model.ts';

const ire = (msg: string): InvalidRequestError => new InvalidRequestError(msg);

/** Languages that can be declared: Java bodies are kept (Sibyl cannot run them), JavaScript ones run in a sandbox. */
const LANGUAGES = new Set(['java', 'javascript']);

/** CREATE AGGREGATE, with its INITCOND already serialized for the state type by the plan. */
export type CreateAggregateDdl = CreateAggregateStatement & { initCondValue?: { hex: string; cql: string } };

function guardKeyspace(ks: string): void {
  if (isSystemKeyspace(ks)) throw ire(`System keyspace '${ks}' is not user-modifiable`);
}

function withFunctions(ks: KeyspaceDef, functions: Map<string, UserFunctionDef>, aggregates = ks.aggregates): KeyspaceDef {
  const next: KeyspaceDef = { ...ks, functions };
  if (aggregates) next.aggregates = aggregates;
  return next;
}

export function createFunction(schema: Schema, stmt: CreateFunctionStatement, currentKeyspace: string | undefined): DdlResult {
  const ksName = keyspaceOf(stmt.name, currentKeyspace);
  guardKeyspace(ksName);
  const full = `${ksName}.${stmt.name.name}`;
  const names = stmt.args.map((a) => a.name);
  if (new Set(names).size !== names.length) throw ire(`Duplicate argument names for given function ${full} with argument names ${names.join(', ')}`);
  if (stmt.returnType.kind !== 'native' && 'frozen' in stmt.returnType && stmt.returnType.frozen) {
    throw ire(`Return type '${typeToCql(resolveType(stmt.returnType, ksName, schema))}' cannot be frozen; remove frozen<> modifier from '${typeToCql(resolveType(stmt.returnType, ksName, schema))}'`);
  }
  const ks = requireKeyspace(schema, ksName);
  const language = stmt.language.toLowerCase();
  if (!LANGUAGES.has(language)) throw ire(`Invalid language '${stmt.language}' for function '${full}'`);
  const argTypes = stmt.args.map((a) => resolveType(a.type, ksName, schema));
  const returnType = resolveType(stmt.returnType, ksName, schema);
  const key = signatureKey(stmt.name.name, argTypes);
  if (ks.aggregates?.has(key)) throw ire(`Function '${full}' cannot replace an aggregate`);
  const existing = ks.functions?.get(key);
  if (existing) {
    if (stmt.ifNotExists) return { schema, change: null };
    if (!stmt.orReplace) throw ire(`Function '${full}' already exists`);
    if (existing.calledOnNullInput !== stmt.calledOnNullInput) {
      throw ire(`Function '${full}' must have ${stmt.calledOnNullInput ? 'CALLED ON NULL INPUT' : 'RETURNS NULL ON NULL INPUT'} directive`);
    }
    if (!typesEqual(existing.returnType, returnType)) {
      throw ire(`Cannot replace function '${full}', the new return type ${typeToCql(returnType)} is not compatible with the return type ${typeToCql(existing.returnType)} of existing function`);
    }
  }
  const def: UserFunctionDef = { keyspace: ksName, name: stmt.name.name, argNames: names, argTypes, returnType, calledOnNullInput: stmt.calledOnNullInput, language, body: stmt.body };
  const functions = new Map(ks.functions ?? []);
  functions.set(key, def);
  return {
    schema: withKeyspace(schema, ksName, withFunctions(ks, functions)),
    change: { change: existing ? 'UPDATED' : 'CREATED', target: 'FUNCTION', keyspace: ksName, name: def.name, argTypes: argTypes.map((t) => typeToCql(t)) },
  };
}

/** The one overload a DROP names: by its argument types, or the only one of its name. */
function droppedOverload<T extends { name: string; argTypes: CqlType[] }>(defs: ReadonlyMap<string, T> | undefined, name: string,
  argTypes: CqlType[] | undefined, what: string, full: string): T | undefined {
  if (argTypes) return defs?.get(signatureKey(name, argTypes));
  const all = overloads(defs, name);
  if (all.length > 1) throw ire(`'DROP ${what.toUpperCase()} ${full}' matches multiple function definitions; specify the argument types by issuing a statement like 'DROP ${what.toUpperCase()} ${full} (type, type, ...)'. You can use cqlsh 'DESCRIBE ${what.toUpperCase()} ${full}' command to find all overloads`);
  return all[0];
}

function missingName(full: string, argTypes: CqlType[] | undefined): string {
  return argTypes ? `${full}(${argTypes.map((t) => typeToCql(t)).join(', ')})` : full;
}

/** What DROP FUNCTION and DROP AGGREGATE both resolve first; undefined when IF EXISTS met a missing keyspace. */
interface DropTarget { ksName: string; full: string; ks: KeyspaceDef; argTypes: CqlType[] | undefined }

function dropTarget(schema: Schema, stmt: DropFunctionStatement | DropAggregateStatement, currentKeyspace: string | undefined): DropTarget | undefined {
  const ksName = keyspaceOf(stmt.name, currentKeyspace);
  guardKeyspace(ksName);
  const ks = schema.keyspaces.get(ksName);
  if (!ks) {
    if (stmt.ifExists) return undefined;
    throw ire(`Keyspace '${ksName}' doesn't exist`);
  }
  const argTypes = stmt.argTypes?.map((t) => resolveType(t, ksName, schema));
  return { ksName, full: `${ksName}.${stmt.name.name}`, ks, argTypes };
}

export function dropFunction(schema: Schema, stmt: DropFunctionStatement, currentKeyspace: string | undefined): DdlResult {
  const target = dropTarget(schema, stmt, currentKeyspace);
  if (!target) return { schema, change: null };
  const { ksName, full, ks, argTypes } = target;
  const fn = droppedOverload(ks.functions, stmt.name.name, argTypes, 'function', full);
  if (!fn) {
    if (stmt.ifExists) return { schema, change: null };
    throw ire(`Function '${missingName(full, argTypes)}' doesn't exist`);
  }
  const users = [...(ks.aggregates?.values() ?? [])].filter((a) => a.stateFunction === fn.name || a.finalFunction === fn.name);
  if (users.length > 0) throw ire(`Function '${full}' is still referenced by aggregates ${users.map((a) => `${ksName}.${a.name}`).join(', ')}`);
  const functions = new Map(ks.functions);
  functions.delete(signatureKey(fn.name, fn.argTypes));
  return {
    schema: withKeyspace(schema, ksName, withFunctions(ks, functions)),
    change: { change: 'DROPPED', target: 'FUNCTION', keyspace: ksName, name: fn.name, argTypes: fn.argTypes.map((t) => typeToCql(t)) },
  };
}

function requireFunction(ks: KeyspaceDef, name: string, argTypes: CqlType[], role: string): UserFunctionDef {
  const fn = ks.functions?.get(signatureKey(name, argTypes));
  if (!fn) throw ire(`${role} ${ks.name}.${name}(${argTypes.map((t) => typeToCql(t)).join(', ')}) doesn't exist`);
  return fn;
}

export function createAggregate(schema: Schema, stmt: CreateAggregateDdl, currentKeyspace: string | undefined): DdlResult {
  const ksName = keyspaceOf(stmt.name, currentKeyspace);
  guardKeyspace(ksName);
  const full = `${ksName}.${stmt.name.name}`;
  const ks = requireKeyspace(schema, ksName);
  const argTypes = stmt.argTypes.map((t) => resolveType(t, ksName, schema));
  const stateType = resolveType(stmt.stateType, ksName, schema);
  const sfunc = requireFunction(ks, stmt.stateFunction, [stateType, ...argTypes], 'State function');
  if (!typesEqual(sfunc.returnType, stateType)) {
    throw ire(`State function ${ksName}.${sfunc.name}(${sfunc.argTypes.map((t) => typeToCql(t)).join(', ')}) return type must be the same as the first argument type - check STYPE, argument and return types`);
  }
  const ffunc = stmt.finalFunction === undefined ? undefined : requireFunction(ks, stmt.finalFunction, [stateType], 'Final function');
  const key = signatureKey(stmt.name.name, argTypes);
  if (ks.functions?.has(key)) throw ire(`Aggregate '${full}' cannot replace a function`);
  const existing = ks.aggregates?.get(key);
  if (existing) {
    if (stmt.ifNotExists) return { schema, change: null };
    if (!stmt.orReplace) throw ire(`Aggregate '${full}' already exists`);
  }
  const def: UserAggregateDef = { keyspace: ksName, name: stmt.name.name, argTypes, stateFunction: sfunc.name, stateType, returnType: ffunc?.returnType ?? stateType };
  if (ffunc) def.finalFunction = ffunc.name;
  if (stmt.initCondValue) def.initCond = stmt.initCondValue;
  const aggregates = new Map(ks.aggregates ?? []);
  aggregates.set(key, def);
  return {
    schema: withKeyspace(schema, ksName, withFunctions(ks, ks.functions ?? new Map(), aggregates)),
    change: { change: existing ? 'UPDATED' : 'CREATED', target: 'AGGREGATE', keyspace: ksName, name: def.name, argTypes: argTypes.map((t) => typeToCql(t)) },
  };
}

export function dropAggregate(schema: Schema, stmt: DropAggregateStatement, currentKeyspace: string | undefined): DdlResult {
  const target = dropTarget(schema, stmt, currentKeyspace);
  if (!target) return { schema, change: null };
  const { ksName, full, ks, argTypes } = target;
  const agg = droppedOverload(ks.aggregates, stmt.name.name, argTypes, 'aggregate', full);
  if (!agg) {
    if (stmt.ifExists) return { schema, change: null };
    throw ire(`Aggregate '${missingName(full, argTypes)}' doesn't exist`);
  }
  const aggregates = new Map(ks.aggregates);
  aggregates.delete(signatureKey(agg.name, agg.argTypes));
  return {
    schema: withKeyspace(schema, ksName, withFunctions(ks, ks.functions ?? new Map(), aggregates)),
    change: { change: 'DROPPED', target: 'AGGREGATE', keyspace: ksName, name: agg.name, argTypes: agg.argTypes.map((t) => typeToCql(t)) },
  };
}
