// Function calls in the SELECT clause: writetime/ttl, token, the aggregates, toJson/fromJson and the native scalar
// functions, each with Cassandra's column name (`system.max(v)`, `writetime(v)`) and argument checks.
import type { Selector } from '../../model/ast.ts';
import { T, typeToCql } from '../../model/types.ts';
import type { ColumnDef, TableDef } from '../../schema/model.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { getFunction } from '../../model/values/functions.ts';
import { toJsonFunction } from '../../model/values/json.ts';
import { encodeBigint, encodeInt } from './values.ts';
import type { MarkerTypes } from './terms.ts';
import { getAggregate, isAggregateName } from './aggregates.ts';
import { combine, compileSelector, compileTermSelector, lookupColumn, type Compiled } from './selection.ts';

/** A function argument: a selector, or a literal typed by inference. */
function compileArg(table: TableDef, a: Selector, markers: MarkerTypes, fn: string): Compiled {
  return a.kind === 'term' ? compileTermSelector(table, a.term, markers, fn) : compileSelector(table, a, markers);
}

function compileWritetimeOrTtl(table: TableDef, name: 'writetime' | 'ttl', args: Selector[]): Compiled {
  const a = args[0];
  if (args.length !== 1 || a.kind !== 'column') throw new InvalidRequestError(`Invalid arguments for ${name}`);
  const c = lookupColumn(table, a.name);
  if (c.kind === 'partition_key' || c.kind === 'clustering') {
    throw new InvalidRequestError(`Cannot use selection function ${name} on PRIMARY KEY part ${c.name}`);
  }
  if (name === 'writetime') {
    return { name: `writetime(${c.name})`, type: T.bigint, columnsUsed: [c], evaluate: (row) => {
      const cell = row?.cells[c.name];
      return cell ? encodeBigint(cell.ts) : null;
    } };
  }
  return { name: `ttl(${c.name})`, type: T.int, columnsUsed: [c], evaluate: (row, _ctx, now) => {
    const cell = row?.cells[c.name];
    if (!cell || cell.expiresAt === undefined) return null;
    return encodeInt(Math.max(0, cell.expiresAt - now));
  } };
}

function compileToken(table: TableDef, args: Selector[]): Compiled {
  const cols = args.map((a) => (a.kind === 'column' ? lookupColumn(table, a.name) : undefined));
  if (cols.length !== table.partitionKey.length || cols.some((c, i) => c?.name !== table.partitionKey[i].name)) {
    throw new InvalidRequestError(`Invalid arguments for token: must be the partition key columns in order`);
  }
  return { name: `system.token(${cols.map((c) => c!.name).join(', ')})`, type: T.bigint, columnsUsed: cols as ColumnDef[],
    evaluate: (row) => (row ? encodeBigint(row.token) : null) };
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

export function compileFunction(table: TableDef, name: string, args: Selector[], markers: MarkerTypes): Compiled {
  if (name === 'writetime' || name === 'ttl') return compileWritetimeOrTtl(table, name, args);
  if (name === 'tojson') return compileToJson(table, args, markers);
  if (name === 'fromjson') return refuseFromJson(table, args, markers);
  if (name === 'token') return compileToken(table, args);
  const aggregate = compileAggregate(table, name, args, markers);
  if (aggregate) return aggregate;
  const fn = getFunction(name);
  if (!fn) throw new InvalidRequestError(`Unknown function '${name}'`);
  const compiledArgs = args.map((a) => compileArg(table, a, markers, `system.${name}`));
  const argTypes = compiledArgs.map((a) => a.type);
  const ret = fn.returnType(argTypes);
  return combine(compiledArgs, `system.${name}(${compiledArgs.map((a) => a.name).join(', ')})`, ret,
    (values, ctx) => fn.call(values, argTypes, ctx.nowMicros));
}
