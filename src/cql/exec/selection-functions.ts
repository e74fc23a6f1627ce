// Function calls in the SELECT clause: writetime/ttl, token, the aggregates, toJson/fromJson and the native scalar
// functions, each with Cassandra's column name (`system.max(v)`, `writetime(v)`) and argument checks.
import { compileSimilarity, SIMILARITY_FUNCTION_NAMES } from './selection-vector.ts';
import type { Selector, Term } from '../../model/ast.ts';
import { T, typeToCql, type CqlType } from '../../model/types.ts';
import type { TableDef } from '../../schema/model.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { getFunction } from '../../model/values/functions.ts';
import { toJsonFunction } from '../../model/values/json.ts';
import { compileTerm, termShape, type MarkerTypes } from './terms.ts';
import { resolveOverload, type ArgShape } from './function-resolve.ts';
import { tokenFunction } from './token-fn.ts';
import { termText } from './term-text.ts';
import { UNSET } from '../../protocol/messages.ts';
import { getAggregate, isAggregateName } from './aggregates.ts';
import { combine, compileSelector, compileTermSelector, type Compiled } from './selection.ts';
import { compileTimeFunction } from './selection-elements.ts';
import { compileUserAggregate, compileUserFunction } from './selection-udf.ts';

/** A function argument: a selector, or a literal typed by inference. */
function compileArg(table: TableDef, a: Selector, markers: MarkerTypes, fn: string): Compiled {
  return a.kind === 'term' ? compileTermSelector(table, a.term, markers, fn) : compileSelector(table, a, markers);
}

/** count/min/max/sum/avg of one argument, which may not itself aggregate. */
function compileAggregate(table: TableDef, name: string, args: Selector[], markers: MarkerTypes): Compiled | undefined {
  if (!isAggregateName(name)) return undefined;
  const fn = `system.${name}(any)`;
  const inner = args.map((a) => compileArg(table, a, markers, fn));
  const agg = getAggregate(name, inner.map((a) => a.type));
  if (!agg) return undefined;
  const arg = inner[0]!;
  if (arg.aggregate) throw new InvalidRequestError('aggregate functions cannot be used as arguments of aggregate functions');
  return {
    name: `system.${name}(${arg.name})`, type: agg.returnType, columnsUsed: arg.columnsUsed, evaluate: () => null,
    aggregate: () => {
      const acc = agg.init();
      return { add: (row, ctx, now) => acc.add(arg.evaluate(row, ctx, now)), result: () => acc.result() };
    },
  };
}

/** fromJson() needs a receiver, which a selection has not: refused (after its argument's type is checked, as in Cassandra). */
function refuseFromJson(table: TableDef, args: Selector[], markers: MarkerTypes): never {
  const arg = args.length === 1 ? compileArg(table, args[0]!, markers, 'system.fromjson(text)') : undefined;
  if (arg && !(arg.type.kind === 'native' && (arg.type.name === 'text' || arg.type.name === 'ascii'))) {
    throw new InvalidRequestError(`Function system.fromjson requires an argument of type text, but found argument ${arg.name} of type ${typeToCql(arg.type)}`);
  }
  throw new InvalidRequestError('fromjson() cannot be used in the selection clause of a SELECT statement');
}

/** toJson(x): the JSON text of its argument's value, for any argument type (an aggregate's result included). */
function compileToJson(table: TableDef, args: Selector[], markers: MarkerTypes): Compiled {
  const fn = 'system.tojson(any)';
  if (args.length !== 1) throw new InvalidRequestError(`Invalid number of arguments for function ${fn}`);
  const inner = compileArg(table, args[0]!, markers, fn);
  return combine([inner], `system.tojson(${inner.name})`, T.text, ([v]) => Buffer.from(toJsonFunction(inner.type, v!), 'utf8'));
}

/** `written`: the name as the query wrote it (`system.f`), for the error naming an unknown function. */
export function compileFunction(table: TableDef, name: string, args: Selector[], markers: MarkerTypes, written = name): Compiled {
  if (name === 'writetime' || name === 'ttl' || name === 'maxwritetime') return compileTimeFunction(table, name, args, markers);
  if (name === 'tojson') return compileToJson(table, args, markers);
  if (name === 'fromjson') return refuseFromJson(table, args, markers);
  const aggregate = compileAggregate(table, name, args, markers);
  if (aggregate) return aggregate;
  if (SIMILARITY_FUNCTION_NAMES.has(name)) return compileSimilarity(table, name, args, markers, (x) => compileSelector(table, x, markers));
  const fn = name === 'token' ? tokenFunction(table.partitionKey.map((c) => c.type)) : getFunction(name);
  if (!fn) return compileUserDefined(table, name, args, markers, written);
  // Selector arguments first (their types are fixed), then the literals and markers typed by the overload chosen.
  const selectors = args.map((a) => (a.kind === 'term' ? undefined : compileSelector(table, a, markers)));
  const shapes: ArgShape[] = args.map((a, i) => (a.kind === 'term' ? termShape(a.term, table.keyspace) : { kind: 'typed', type: selectors[i]!.type, text: selectors[i]!.name }));
  const overload = resolveOverload(fn.name, fn.signatures, shapes);
  const compiledArgs = args.map((a, i) => selectors[i] ?? compileTermAs(table, (a as Extract<Selector, { kind: 'term' }>).term, overload.args[i]!, `arg${i}(system.${fn.name})`, markers));
  const argTypes = overload.args;
  return combine(compiledArgs, `system.${name}(${compiledArgs.map((a) => a.name).join(', ')})`, overload.ret,
    (values, ctx) => fn.call(values, argTypes, ctx.nowMicros));
}

/** A user-defined function or aggregate of the table's keyspace, or the one `ks.name` names. */
function compileUserDefined(table: TableDef, name: string, args: Selector[], markers: MarkerTypes, written: string): Compiled {
  if (written.startsWith('system.')) throw new InvalidRequestError(`Unknown function '${written}'`);
  const sel = (a: Selector) => compileSelector(table, a, markers);
  const term = (a: Extract<Selector, { kind: 'term' }>, type: CqlType, argName: string) => compileTermAs(table, a.term, type, argName, markers);
  const udf = compileUserFunction(table, name, args, sel, term) ?? compileUserAggregate(table, name, args, sel, term);
  if (!udf) throw new InvalidRequestError(`Unknown function '${name}'`);
  return udf;
}

/** A term argument compiled for the parameter type of the chosen overload. */
function compileTermAs(table: TableDef, t: Term, type: CqlType, name: string, markers: MarkerTypes): Compiled {
  const inner = t.kind === 'cast' ? t.term : t;
  const c = compileTerm(inner, { keyspace: table.keyspace, table: table.name, name, type }, markers);
  return { name: termText(t), type, columnsUsed: [], evaluate: (_r, ctx) => { const v = c(ctx); return v === UNSET ? null : v; } };
}
