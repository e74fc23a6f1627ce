// Calls of user-defined functions and aggregates in the SELECT clause. A name resolves as Cassandra's
// FunctionResolver does: the native functions first (selection-functions.ts), then, unqualified, the keyspace of the
// table read, or the keyspace named (`ks.f`). Column names are Cassandra's: `ks.f(arg, …)`.
import type { Selector, Term } from '../../model/ast.ts';
import { UNSET } from '../../protocol/messages.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import type { CqlType } from '../../model/types.ts';
import { overloads, signatureKey, type UserAggregateDef, type UserFunctionDef } from '../../schema/function-model.ts';
import type { Schema, TableDef } from '../../schema/model.ts';
import { resolveOverload, type ArgShape } from './function-resolve.ts';
import type { Compiled } from './selection.ts';
import { termShape, type CompiledTerm } from './terms.ts';
import { userFunctionCall } from './udf-runtime.ts';

// The schema of the SELECT being compiled. Compilation is synchronous, so the schema set for one compileSelect call
// is the only one in use while it runs; this keeps the schema out of every selector compiler's signature.
let compilingSchema: Schema | undefined;

export function withFunctionSchema<T>(schema: Schema, compile: () => T): T {
  const outer = compilingSchema;
  compilingSchema = schema;
  try {
    return compile();
  } finally {
    compilingSchema = outer;
  }
}

function lookup(table: TableDef, name: string): { keyspace: string; name: string } {
  const dot = name.indexOf('.');
  return dot < 0 ? { keyspace: table.keyspace, name } : { keyspace: name.slice(0, dot), name: name.slice(dot + 1) };
}

export type ArgCompiler = (a: Selector) => Compiled;
export type TermArgCompiler = (a: Extract<Selector, { kind: 'term' }>, type: CqlType, name: string) => Compiled;

/** The overload a call of `defs` uses: the only one of the call's arity, or the one resolution picks. */
function chooseOverload<T extends { argTypes: CqlType[] }>(full: string, defs: T[], args: Selector[], compileSel: ArgCompiler, keyspace: string): { def: T; selectors: Array<Compiled | undefined> } {
  const selectors = args.map((a) => (a.kind === 'term' ? undefined : compileSel(a)));
  const sameArity = defs.filter((d) => d.argTypes.length === args.length);
  if (sameArity.length === 1) return { def: sameArity[0]!, selectors };
  if (sameArity.length === 0) throw new InvalidRequestError(`Invalid number of arguments in call to function ${full}: ${defs[0]!.argTypes.length} required but ${args.length} provided`);
  const shapes: ArgShape[] = args.map((a, i) => (a.kind === 'term' ? termShape(a.term, keyspace) : { kind: 'typed', type: selectors[i]!.type, text: selectors[i]!.name }));
  const chosen = resolveOverload(full, sameArity.map((d) => ({ args: d.argTypes, ret: d.argTypes[0]! })), shapes);
  return { def: sameArity.find((d) => d.argTypes === chosen.args)!, selectors };
}

function compiledArgs(def: { argTypes: CqlType[] }, full: string, args: Selector[], selectors: Array<Compiled | undefined>, compileTerm: TermArgCompiler): Compiled[] {
  return args.map((a, i) => selectors[i] ?? compileTerm(a as Extract<Selector, { kind: 'term' }>, def.argTypes[i]!, `arg${i}(${full})`));
}

/** A call of a user-defined function, or undefined when no such function exists. */
export function compileUserFunction(table: TableDef, name: string, args: Selector[], compileSel: ArgCompiler, compileTerm: TermArgCompiler): Compiled | undefined {
  const at = lookup(table, name);
  const ks = compilingSchema?.keyspaces.get(at.keyspace);
  const defs = overloads(ks?.functions, at.name);
  if (defs.length === 0) return undefined;
  const full = `${at.keyspace}.${at.name}`;
  const { def, selectors } = chooseOverload(full, defs, args, compileSel, at.keyspace);
  const parts = compiledArgs(def, full, args, selectors, compileTerm);
  const call = userFunctionCall(def);
  const out: Compiled = {
    name: `${full}(${parts.map((p) => p.name).join(', ')})`, type: def.returnType, columnsUsed: parts.flatMap((p) => p.columnsUsed),
    evaluate: (row, ctx, now) => call(parts.map((p) => p.evaluate(row, ctx, now))),
  };
  if (parts.some((p) => p.aggregate)) throw new InvalidRequestError(`Aggregates cannot be used as arguments of the user-defined function ${full}`);
  return out;
}

/** A call of a user-defined aggregate: its state function over every row, then its final function. */
export function compileUserAggregate(table: TableDef, name: string, args: Selector[], compileSel: ArgCompiler, compileTerm: TermArgCompiler): Compiled | undefined {
  const at = lookup(table, name);
  const ks = compilingSchema?.keyspaces.get(at.keyspace);
  const defs: UserAggregateDef[] = overloads(ks?.aggregates, at.name);
  if (defs.length === 0) return undefined;
  const full = `${at.keyspace}.${at.name}`;
  const { def, selectors } = chooseOverload(full, defs, args, compileSel, at.keyspace);
  const parts = compiledArgs(def, full, args, selectors, compileTerm);
  if (parts.some((p) => p.aggregate)) throw new InvalidRequestError('aggregate functions cannot be used as arguments of aggregate functions');
  const fn = (fname: string, types: CqlType[]): UserFunctionDef => {
    const f = ks!.functions?.get(signatureKey(fname, types));
    if (!f) throw new InvalidRequestError(`Function ${full}'s function ${at.keyspace}.${fname} doesn't exist`);
    return f;
  };
  const state = userFunctionCall(fn(def.stateFunction, [def.stateType, ...def.argTypes]));
  const final = def.finalFunction === undefined ? undefined : userFunctionCall(fn(def.finalFunction, [def.stateType]));
  const init = def.initCond ? Buffer.from(def.initCond.hex, 'hex') : null;
  return {
    name: `${full}(${parts.map((p) => p.name).join(', ')})`, type: def.returnType, columnsUsed: parts.flatMap((p) => p.columnsUsed), evaluate: () => null,
    aggregate: () => {
      let acc: Buffer | null = init;
      return {
        add: (row, ctx, now) => { acc = state([acc, ...parts.map((p) => p.evaluate(row, ctx, now))]); },
        result: () => (final ? final([acc]) : acc),
      };
    },
  };
}

/**
 * A user-defined function called in a term (a WHERE value, an INSERT or UPDATE value): its return type and the
 * closure computing it; undefined when no such function exists. `compileArg` compiles an argument for a parameter.
 */
export function userFunctionTerm(keyspace: string, name: string, args: Term[], compileArg: (a: Term, type: CqlType, argName: string) => CompiledTerm):
  { name: string; type: CqlType; evaluate: CompiledTerm } | undefined {
  const at = name.includes('.') ? { keyspace: name.slice(0, name.indexOf('.')), name: name.slice(name.indexOf('.') + 1) } : { keyspace, name };
  const defs = overloads(compilingSchema?.keyspaces.get(at.keyspace)?.functions, at.name.toLowerCase());
  if (defs.length === 0) return undefined;
  const full = `${at.keyspace}.${at.name.toLowerCase()}`;
  const sameArity = defs.filter((d) => d.argTypes.length === args.length);
  if (sameArity.length === 0) throw new InvalidRequestError(`Invalid number of arguments in call to function ${full}: ${defs[0]!.argTypes.length} required but ${args.length} provided`);
  const def = sameArity.length === 1 ? sameArity[0]! : (() => {
    const chosen = resolveOverload(full, sameArity.map((d) => ({ args: d.argTypes, ret: d.returnType })), args.map((a) => termShape(a, at.keyspace)));
    return sameArity.find((d) => d.argTypes === chosen.args)!;
  })();
  const compiled = args.map((a, i) => compileArg(a, def.argTypes[i]!, `arg${i}(${full})`));
  const call = userFunctionCall(def);
  return {
    name: full,
    type: def.returnType,
    evaluate: (ctx) => call(compiled.map((c) => { const v = c(ctx); return v === UNSET ? null : v; })),
  };
}
