// The rows of system_schema.functions and system_schema.aggregates, as Cassandra 5.0 writes them: one per overload,
// clustered by name and argument types; types as CQL text, INITCOND as the CQL literal of the initial state.
import { typeToCql } from '../model/types.ts';
import type { KeyspaceDef } from './model.ts';
import { compareNames } from './table_build.ts';
import type { SystemRow } from './system_tables.ts';

const types = (ts: readonly import('../model/types.ts').CqlType[]): string[] => ts.map((t) => typeToCql(t));

function byNameThenTypes<T extends { name: string; argTypes: readonly import('../model/types.ts').CqlType[] }>(defs: Iterable<T>): T[] {
  return [...defs].sort((a, b) => compareNames(a.name, b.name) || compareTypeLists(types(a.argTypes), types(b.argTypes)));
}

function compareTypeLists(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareNames(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

export function functionRows(ks: KeyspaceDef): SystemRow[] {
  return byNameThenTypes(ks.functions?.values() ?? []).map((f) => ({
    keyspace_name: ks.name,
    function_name: f.name,
    argument_types: types(f.argTypes),
    argument_names: [...f.argNames],
    body: f.body,
    called_on_null_input: f.calledOnNullInput,
    language: f.language,
    return_type: typeToCql(f.returnType),
  }));
}

export function aggregateRows(ks: KeyspaceDef): SystemRow[] {
  return byNameThenTypes(ks.aggregates?.values() ?? []).map((a) => ({
    keyspace_name: ks.name,
    aggregate_name: a.name,
    argument_types: types(a.argTypes),
    final_func: a.finalFunction ?? null,
    initcond: a.initCond?.cql ?? null,
    return_type: typeToCql(a.returnType),
    state_func: a.stateFunction,
    state_type: typeToCql(a.stateType),
  }));
}
